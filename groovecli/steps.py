"""The steps every generation mode shares: seeding, windows, choosing notes, decoding the feel.

``api.py`` (humanize, transfer, sample) and each mode beside it (``continuation.py``,
``interpolation.py``) compose these: read → quantize → windows → notes → feel → stitch → render.
Randomness flows from one ``torch.Generator`` per call, seeded from the user's seed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import torch

from .chains import run_chains
from .constants import CLOSED_HIHAT, KICK, OPEN_HIHAT, RIDE, SNARE, STEPS_PER_BAR, WINDOW_BARS, WINDOW_STEPS
from .decorate import decorate_windows
from .decorate import probabilities as decorate_probabilities
from .drawn import parse_pattern
from .errors import GrooveError
from .grid import DrumGrid, Runs
from .knobs import steer
from .patterns import timing_pattern, velocity_pattern
from .weights import LoadedModel


def seeded_generator(seed: int | None) -> tuple[torch.Generator, int]:
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    return torch.Generator().manual_seed(seed), seed


def pattern_levels(text: str | None, kind: str, windows: int) -> torch.Tensor:
    """(W, 32) pattern levels for every window; zeros ("no pattern") when none is drawn."""
    if text is None:
        return torch.zeros(windows, WINDOW_STEPS, dtype=torch.long)
    return torch.as_tensor(parse_pattern(text, kind), dtype=torch.long).expand(windows, -1).clone()


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
    draw nearest it), so windows need not follow one another through the prior: on the GMD test
    songs (``python benchmarks/bench_add_notes.py``) 8 chained and 8 independent draws give the
    same note F1 (0.636 / 0.637) and notes per bar (19.6 / 19.7), bar-to-bar note overlap 0.573
    vs 0.560 (drummers 0.591), and independent draws are one batched call instead of a chain of
    batch-8 steps, window after window (34 s vs 23 s for the 88 songs).
    """
    need_prior(loaded)
    codes = loaded.prior.sample(genre.repeat_interleave(draws), loaded.config.codes, temperature=temperature,
                                generator=gen)
    return codes.view(len(genre), draws, -1)


def need_prior(loaded: LoadedModel) -> None:
    if loaded.prior is None:
        raise GrooveError(f"the weights {loaded.path} have no prior; use --notes keep, or weights trained with one")


CANDIDATES = 16  # prior draws per window that `add` and `free` choose from (see closest_codes)


@contextmanager
def one_thread():
    """Window-by-window decoding runs at batch 1, where thread hand-offs cost more than they
    save (measured: 3.2 s with 1 thread, 5.5 s with 2, for 120 bars); restores the setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def decode_feels(loaded: LoadedModel, latents: dict[str, tuple[torch.Tensor, torch.Tensor]], notes: torch.Tensor,
                 genre: torch.Tensor, gen: torch.Generator, temperature: float = 1.0,
                 fresh: frozenset[int] = frozenset(), start: dict[str, torch.Tensor] | None = None
                 ) -> dict[str, torch.Tensor]:
    """(W, 32, 9) values per feel ("velocity", "offset" → (z, pattern)), chain by chain
    (``chains.py``), each window's first bar forced to the previous window's second, except where
    a chain starts: the windows in ``fresh`` (those that open a run after silence,
    ``Runs.first_windows``), every ``CHAIN_WINDOWS`` windows, and window 0, whose first bar is
    ``start[feel]`` (1, 16, 9) when given (a continuation carries on from the primer's own last
    bar) and free otherwise.

    The two feels do not depend on each other, so they run at once on two threads: each is a
    chain of small-batch steps bound by reading its decoder's weights, and torch releases the GIL
    inside each step. Each feel draws from a generator of its own, seeded from ``gen`` before
    the threads start, so the output does not depend on which thread runs first.
    """
    model = loaded.model
    seeds = {feel: int(torch.randint(2**62, (1,), generator=gen)) for feel in latents}
    with torch.no_grad():
        h_n = torch.cat([model.skel(notes[i : i + DRAW_CHUNK]) for i in range(0, len(notes), DRAW_CHUNK)])

    def one(feel: str) -> torch.Tensor:
        z, pattern = latents[feel]
        own = torch.Generator().manual_seed(seeds[feel])
        torch.set_num_threads(1)  # OpenMP keeps this per thread; the pool's threads start with the default

        def decode(rows: list[int], first: torch.Tensor | None) -> torch.Tensor:
            return model.decode_feel(feel, z[rows], notes[rows], pattern[rows], genre[rows], first=first,
                                     h_n=h_n[rows], temperature=temperature, generator=own)

        def step(rows: list[int], previous: list[int] | None, out: list) -> torch.Tensor:
            if previous is not None:
                return decode(rows, torch.stack([out[p][STEPS_PER_BAR:] for p in previous]))
            if start is None:
                return decode(rows, None)
            # the chains' first step: window 0 carries on from the primer, the others start afresh
            return torch.cat([decode(rows[:1], start[feel])] + ([decode(rows[1:], None)] if len(rows) > 1 else []))

        with torch.no_grad():
            return run_chains(len(notes), fresh, step)

    if torch.get_num_threads() == 1:  # one core for us (a folder's worker process): no second thread to win
        return {feel: one(feel) for feel in latents}
    with one_thread(), ThreadPoolExecutor(max_workers=len(latents) or 1) as pool:
        return dict(zip(latents, pool.map(one, latents)))


def own_patterns(win: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The drawn-pattern condition a performance's own windows imply (W, 32) per feel: its
    accent contour and its push / laid-back pattern."""
    hits = win["hits"].numpy()
    return {"velocity": torch.as_tensor(velocity_pattern(hits, win["velocity"].numpy()), dtype=torch.long),
            "offset": torch.as_tensor(timing_pattern(hits, win["offset"].numpy()), dtype=torch.long)}


def song_latents(loaded: LoadedModel, grid: DrumGrid, genre: int) -> dict[str, torch.Tensor]:
    """A song's velocity and timing latents (1, z): the mean of its posterior means over its windows."""
    win = window_tensors(grid, Runs.of(grid.hits))
    genre_w = torch.full((len(win["hits"]),), genre, dtype=torch.long)
    patterns = own_patterns(win)
    with torch.no_grad():
        return {f: loaded.model.encode_feel(f, win[f], win["hits"], patterns[f], genre_w).mean(0, keepdim=True)
                for f in ("velocity", "offset")}


def window_tensors(grid: DrumGrid, runs: Runs) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(runs.cut(getattr(grid, k))) for k in ("hits", "velocity", "offset")}


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


DRAW_CHUNK = 256  # windows whose prior draws are made at once: memory stays bounded on 5,000-bar files


def nearest_draws(loaded, hits_w: torch.Tensor, genre_w: torch.Tensor, gen: torch.Generator,
                  temperature: float) -> torch.Tensor:
    """Codes (W, S): for each window, the nearest to the sketch of ``CANDIDATES`` prior draws,
    ``DRAW_CHUNK`` windows at a time (16 draws of a 5,000-window file at once took 2.3 GB)."""
    return torch.cat([closest_codes(loaded, draw_codes(loaded, genre_w[i : i + DRAW_CHUNK], gen, temperature, CANDIDATES),
                                    hits_w[i : i + DRAW_CHUNK]) for i in range(0, len(hits_w), DRAW_CHUNK)])


def closest_codes(loaded, candidates: torch.Tensor, sketch: torch.Tensor) -> torch.Tensor:
    """Per window, the candidate code sequence (of W, k, S) nearest the sketch's own codes (the
    NOTE encoder's reading of the sketch as if it were a performance): (W, S).

    One prior draw is a whole drummer's groove, and ``add`` unions it with the sketch: a draw
    whose kicks fall elsewhere doubles the kick part. The draw nearest the sketch decorates it.
    Measured on the GMD test songs' templates (``python benchmarks/bench_add_notes.py``): one
    chained draw gave note F1 0.625 against the drummers and 21.5 notes per bar; the nearest of
    8, 0.648 and 19.1; of 16, 0.653 and 18.5; of 32, 0.660 and 17.9; of 64, 0.665 and 17.5 (the
    drummers played 17.5, their templates 13.6). 16 is where the prior's batch still costs
    little: a 120-bar song's draws are 1,904 sequences; at 64 they are 7,616 and humanize takes
    twice as long.
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


def blend(before: DrumGrid, hits: np.ndarray, model: dict[str, np.ndarray], velocity_amount: float = 1.0,
          timing_amount: float = 1.0) -> DrumGrid:
    """Mix the input's own velocity/timing with the model's by the amount knobs; new notes take the model's."""
    had = before.hits > 0.5
    velocity = np.where(had, before.velocity + velocity_amount * (model["velocity"] - before.velocity),
                        model["velocity"])
    offset = np.where(had, before.offset + timing_amount * (model["offset"] - before.offset), model["offset"])
    return before.with_values(hits, velocity * hits, offset * hits)
