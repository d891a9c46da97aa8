"""PocketVAE's first step: which notes are played (the NOTE VQ-VAE's codes, drawn from the prior or
chosen near the sketch, decoded against the template; ``--notes add`` through the decorator)."""

from __future__ import annotations

import numpy as np
import torch

from ..constants import CLOSED_HIHAT, KICK, OPEN_HIHAT, RIDE, SNARE, WINDOW_BARS
from ..errors import GrooveError
from ..grid.drumgrid import Runs
from ..grid.knobs import steer
from ..weights import LoadedModel
from .decorate import decorate_windows
from .decorate import probabilities as decorate_probabilities
from .steps import DRAW_CHUNK, one_thread


def chain_codes(loaded: LoadedModel, genre: torch.Tensor, gen: torch.Generator, temperature: float,
                  chains: int = 1) -> torch.Tensor:
    """Code sequences (W, chains, S) from the prior for a song with nothing to follow (``sample``):
    each window of a chain starts with that chain's previous window's second bar, which is all
    that holds its windows together; a chain of batch-1 steps, window after window."""
    need_prior(loaded)
    half = loaded.config.codes // WINDOW_BARS
    codes: list[torch.Tensor] = []
    with one_thread():
        for w in range(len(genre)):
            prefix = codes[-1][:, half:] if codes else None
            codes.append(loaded.prior.sample(genre[w : w + 1].expand(chains), loaded.config.codes,
                                             temperature=temperature, prefix=prefix, generator=gen))
    return torch.stack(codes)


def draw_codes(loaded: LoadedModel, genre: torch.Tensor, gen: torch.Generator, temperature: float,
                draws: int) -> torch.Tensor:
    """``draws`` independent code sequences for every window (W, draws, S), in one batched call.

    For a sketch, the sketch holds consecutive windows together (``closest_codes`` picks the
    draw nearest it), so windows need not follow one another through the prior: chained and
    independent draws give the same notes on the GMD test songs, and independent draws are one
    batched call instead of a chain of steps, window after window (``python
    benchmarks/bench_add_notes.py``; docs/results.md has the figures).
    """
    need_prior(loaded)
    codes = loaded.prior.sample(genre.repeat_interleave(draws), loaded.config.codes, temperature=temperature,
                                generator=gen)
    return codes.view(len(genre), draws, -1)


def need_prior(loaded: LoadedModel) -> None:
    if loaded.prior is None:
        raise GrooveError(f"the weights {loaded.path} have no prior; use --notes keep, or weights trained with one")


CANDIDATES = 16  # prior draws per window that `add` and `free` choose from (see closest_codes)


def decorations(sketch: torch.Tensor) -> torch.Tensor:
    """(W, 1, 9) classes ``add`` may add notes to: kick, snare and the sketch's own time-keeping
    cymbal (hi-hat or ride). The prior knows the genre, not the sketch: left alone it may lay a
    ride over a hi-hat groove or add a tom fill, which is not decoration but another part."""
    hihat = sketch[..., CLOSED_HIHAT].sum(-1) + sketch[..., OPEN_HIHAT].sum(-1)
    ride = sketch[..., RIDE].sum(-1) > hihat
    allowed = torch.zeros(sketch.shape[0], 1, sketch.shape[-1])
    allowed[:, 0, [KICK, SNARE]] = 1
    allowed[:, 0, CLOSED_HIHAT] = allowed[:, 0, OPEN_HIHAT] = (~ride).float()
    allowed[:, 0, RIDE] = ride.float()
    return allowed


def choose_notes(mode: str, loaded, hits_w, template_w, genre_w, gen, temperature,
                 fresh: frozenset[int] = frozenset()) -> torch.Tensor:
    """Notes (W, 32, 9): the sketch's (``keep``), the sketch and what the decorator draws around
    it (``add``; the prior's nearest draw for weights without a decorator), or the prior's (``free``)."""
    if mode == "keep":
        return hits_w
    if mode == "add" and loaded.decorator is not None:
        with one_thread():
            return decorate_windows(loaded.decorator.model, hits_w, template_w, genre_w, gen, temperature,
                                    decorations(hits_w), fresh)
    return decode_notes(loaded, nearest_draws(loaded, hits_w, genre_w, gen, temperature), hits_w, template_w, mode)




def nearest_draws(loaded, hits_w: torch.Tensor, genre_w: torch.Tensor, gen: torch.Generator,
                  temperature: float) -> torch.Tensor:
    """Codes (W, S): for each window, the nearest to the sketch of ``CANDIDATES`` prior draws,
    ``DRAW_CHUNK`` windows at a time: every draw of a very long file at once needs gigabytes."""
    return torch.cat([closest_codes(loaded, draw_codes(loaded, genre_w[i : i + DRAW_CHUNK], gen, temperature, CANDIDATES),
                                    hits_w[i : i + DRAW_CHUNK]) for i in range(0, len(hits_w), DRAW_CHUNK)])


def closest_codes(loaded, candidates: torch.Tensor, sketch: torch.Tensor) -> torch.Tensor:
    """Per window, the candidate code sequence (of W, k, S) nearest the sketch's own codes (the
    NOTE encoder's reading of the sketch as if it were a performance): (W, S).

    One prior draw is a whole drummer's groove, and ``add`` unions it with the sketch: a draw
    whose kicks fall elsewhere doubles the kick part. The draw nearest the sketch decorates it.
    More candidates bring the notes nearer the drummers' and cost prior draws in proportion;
    ``CANDIDATES`` is where the gain flattens while the prior's batch still costs little
    (``python benchmarks/bench_add_notes.py``, docs/results.md).
    """
    model = loaded.model
    w, k, s = candidates.shape
    with torch.no_grad():
        own = model.note.quantizer.lookup(model.note.encode(sketch, sketch, model.skel(sketch)))  # (W, S, D)
        dist = (model.note.quantizer.lookup(candidates) - own.unsqueeze(1)).pow(2).sum((-1, -2))  # (W, k)
    return candidates[torch.arange(w), dist.argmin(1)]


def note_probabilities(loaded, codes: torch.Tensor, template: torch.Tensor) -> torch.Tensor:
    """How likely each cell (W, 32, 9) is to be played, from codes (W, S) and the template
    (``DRAW_CHUNK`` windows at a time, for the memory's sake)."""
    model = loaded.model
    with torch.no_grad():
        return torch.cat([torch.sigmoid(model.note.decode(codes[i : i + DRAW_CHUNK], t, model.skel(t)))
                          for i in range(0, len(codes), DRAW_CHUNK) for t in [template[i : i + DRAW_CHUNK]]])


def decode_notes(loaded, codes: torch.Tensor, sketch: torch.Tensor, template: torch.Tensor, mode: str) -> torch.Tensor:
    """Notes (W, 32, 9) from codes (W, S): ``free`` as decoded, ``add`` the sketch plus decorations."""
    decoded = (note_probabilities(loaded, codes, template) > 0.5).float()
    return decoded if mode == "free" else torch.maximum(decoded * decorations(sketch), sketch)


def steered_notes(mode: str, loaded, runs: Runs, sketch: np.ndarray, hits_w, template_w, genre_w, gen,
                  temperature: float, density: float | None, syncopation: float | None) -> torch.Tensor:
    """Like ``choose_notes`` (the same note model), with the knobs choosing among its cells
    (``knobs.steer``) over the whole song: windows (W, 32, 9)."""
    if mode == "add" and loaded.decorator is not None:
        with one_thread():
            p = decorate_probabilities(loaded.decorator.model, hits_w, template_w, genre_w, gen, temperature,
                                       decorations(hits_w))
    else:
        p = note_probabilities(loaded, nearest_draws(loaded, hits_w, genre_w, gen, temperature), template_w)
    allowed = torch.ones_like(p) if mode == "free" else decorations(hits_w).expand_as(p)
    song = steer(runs.join(p.numpy()), sketch, runs.join(allowed.numpy()) > 0.5, keep_sketch=mode != "free",
                 density=density, syncopation=syncopation)
    return torch.as_tensor(runs.cut(song))
