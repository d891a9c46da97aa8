"""PocketVAE's first step: which notes are played (the NOTE VQ-VAE's codes, drawn from the prior or
chosen near the sketch, decoded against the template; ``--notes add`` through the decorator)."""

from __future__ import annotations

import numpy as np

from ..constants import CLOSED_HIHAT, KICK, OPEN_HIHAT, RIDE, SNARE, WINDOW_BARS
from ..errors import GrooveError
from ..grid.drumgrid import Runs
from ..grid.knobs import steer
from ..runtime.load import Networks
from ..runtime.networks import sigmoid
from .decorate import decorate_windows
from .decorate import probabilities as decorate_probabilities
from .steps import DRAW_CHUNK, uniform


def chain_codes(nets: Networks, genre: np.ndarray, rng: np.random.Generator, temperature: float,
                chains: int = 1) -> np.ndarray:
    """Code sequences (W, chains, S) from the prior for a song with nothing to follow (``sample``):
    each window of a chain starts with that chain's previous window's second bar, which is all
    that holds its windows together; a chain of batch-1 steps, window after window."""
    need_prior(nets)
    half = nets.config.codes // WINDOW_BARS
    codes: list[np.ndarray] = []
    for w in range(len(genre)):
        prefix = codes[-1][:, half:] if codes else None
        codes.append(nets.prior.sample(np.repeat(genre[w : w + 1], chains), nets.config.codes, uniform(rng),
                                       temperature=temperature, prefix=prefix))
    return np.stack(codes)


def draw_codes(nets: Networks, genre: np.ndarray, rng: np.random.Generator, temperature: float,
               draws: int) -> np.ndarray:
    """``draws`` independent code sequences for every window (W, draws, S), in one batched call.

    For a sketch, the sketch holds consecutive windows together (``closest_codes`` picks the
    draw nearest it), so windows need not follow one another through the prior: chained and
    independent draws give the same notes on the GMD test songs, and independent draws are one
    batched call instead of a chain of steps, window after window (``python
    benchmarks/bench_add_notes.py``; docs/results.md has the figures).
    """
    need_prior(nets)
    codes = nets.prior.sample(np.repeat(genre, draws), nets.config.codes, uniform(rng), temperature=temperature)
    return codes.reshape(len(genre), draws, -1)


def need_prior(nets: Networks) -> None:
    if nets.prior is None:
        raise GrooveError(f"the weights {nets.path} have no prior; use --notes keep, or weights trained with one")


CANDIDATES = 16  # prior draws per window that `add` and `free` choose from (see closest_codes)


def decorations(sketch: np.ndarray) -> np.ndarray:
    """(W, 1, 9) classes ``add`` may add notes to: kick, snare and the sketch's own time-keeping
    cymbal (hi-hat or ride). The prior knows the genre, not the sketch: left alone it may lay a
    ride over a hi-hat groove or add a tom fill, which is not decoration but another part."""
    hihat = sketch[..., CLOSED_HIHAT].sum(-1) + sketch[..., OPEN_HIHAT].sum(-1)
    ride = sketch[..., RIDE].sum(-1) > hihat
    allowed = np.zeros((sketch.shape[0], 1, sketch.shape[-1]), np.float32)
    allowed[:, 0, [KICK, SNARE]] = 1
    allowed[:, 0, CLOSED_HIHAT] = allowed[:, 0, OPEN_HIHAT] = ~ride
    allowed[:, 0, RIDE] = ride
    return allowed


def choose_notes(mode: str, nets: Networks, hits_w: np.ndarray, template_w: np.ndarray, genre_w: np.ndarray,
                 rng: np.random.Generator, temperature: float, fresh: frozenset[int] = frozenset()) -> np.ndarray:
    """Notes (W, 32, 9): the sketch's (``keep``), the sketch and what the decorator draws around
    it (``add``; the prior's nearest draw for weights without a decorator), or the prior's (``free``)."""
    if mode == "keep":
        return hits_w
    if mode == "add" and nets.decorator is not None:
        return decorate_windows(nets.decorator, hits_w, template_w, genre_w, rng, temperature, decorations(hits_w),
                                fresh)
    return decode_notes(nets, nearest_draws(nets, hits_w, genre_w, rng, temperature), hits_w, template_w, mode)


def nearest_draws(nets: Networks, hits_w: np.ndarray, genre_w: np.ndarray, rng: np.random.Generator,
                  temperature: float) -> np.ndarray:
    """Codes (W, S): for each window, the nearest to the sketch of ``CANDIDATES`` prior draws,
    ``DRAW_CHUNK`` windows at a time: every draw of a very long file at once needs gigabytes."""
    return np.concatenate([closest_codes(nets, draw_codes(nets, genre_w[i : i + DRAW_CHUNK], rng, temperature,
                                                          CANDIDATES), hits_w[i : i + DRAW_CHUNK])
                           for i in range(0, len(hits_w), DRAW_CHUNK)])


def closest_codes(nets: Networks, candidates: np.ndarray, sketch: np.ndarray) -> np.ndarray:
    """Per window, the candidate code sequence (of W, k, S) nearest the sketch's own codes (the
    NOTE encoder's reading of the sketch as if it were a performance): (W, S).

    One prior draw is a whole drummer's groove, and ``add`` unions it with the sketch: a draw
    whose kicks fall elsewhere doubles the kick part. The draw nearest the sketch decorates it.
    More candidates bring the notes nearer the drummers' and cost prior draws in proportion;
    ``CANDIDATES`` is where the gain flattens while the prior's batch still costs little
    (``python benchmarks/bench_add_notes.py``, docs/results.md).
    """
    model = nets.model
    w, k, s = candidates.shape
    own = model.lookup(model.note_encode(sketch, sketch, model.skel(sketch)))  # (W, S, D)
    drawn = model.lookup(candidates.reshape(w * k, s)).reshape(w, k, s, -1)
    dist = ((drawn - own[:, None]) ** 2).sum((-1, -2))  # (W, k)
    return candidates[np.arange(w), dist.argmin(1)]


def note_probabilities(nets: Networks, codes: np.ndarray, template: np.ndarray) -> np.ndarray:
    """How likely each cell (W, 32, 9) is to be played, from codes (W, S) and the template
    (``DRAW_CHUNK`` windows at a time, for the memory's sake)."""
    model = nets.model
    return np.concatenate([sigmoid(model.note_decode(codes[i : i + DRAW_CHUNK], t, model.skel(t)))
                           for i in range(0, len(codes), DRAW_CHUNK) for t in [template[i : i + DRAW_CHUNK]]])


def decode_notes(nets: Networks, codes: np.ndarray, sketch: np.ndarray, template: np.ndarray, mode: str) -> np.ndarray:
    """Notes (W, 32, 9) from codes (W, S): ``free`` as decoded, ``add`` the sketch plus decorations."""
    decoded = (note_probabilities(nets, codes, template) > 0.5).astype(np.float32)
    return decoded if mode == "free" else np.maximum(decoded * decorations(sketch), sketch)


def steered_notes(mode: str, nets: Networks, runs: Runs, sketch: np.ndarray, hits_w: np.ndarray,
                  template_w: np.ndarray, genre_w: np.ndarray, rng: np.random.Generator, temperature: float,
                  density: float | None, syncopation: float | None) -> np.ndarray:
    """Like ``choose_notes`` (the same note model), with the knobs choosing among its cells
    (``knobs.steer``) over the whole song: windows (W, 32, 9)."""
    if mode == "add" and nets.decorator is not None:
        p = decorate_probabilities(nets.decorator, hits_w, template_w, genre_w, rng, temperature,
                                   decorations(hits_w))
    else:
        p = note_probabilities(nets, nearest_draws(nets, hits_w, genre_w, rng, temperature), template_w)
    allowed = np.ones_like(p) if mode == "free" else np.broadcast_to(decorations(hits_w), p.shape)
    song = steer(runs.join(p), sketch, runs.join(allowed) > 0.5, keep_sketch=mode != "free",
                 density=density, syncopation=syncopation)
    return np.ascontiguousarray(runs.cut(song), dtype=np.float32)
