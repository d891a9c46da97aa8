"""Fills at phrase ends: ``humanize --fills 4|8|ends`` and ``groove fill IN.mid --bars A:B``.

Where: the last bar of every Nth bar of the song (bar numbers as the file counts them, so a
phrase of 4 is bars 4, 8, 12...), or with ``ends`` the last bar before a meter or tempo change
and the song's last bar with notes. Only 4/4 bars that hold notes get a fill; other meters pass
through untouched. ``fill_beats`` (1-4) keeps a fill to the bar's last beats.

What: the fill model (``nn/cond_vae.py``, trained on GMD's fills, ``fill_bars.py``) reads the bar
played before (the humanized output), the sketch of the fill bar and of the bar after, and the
genre, and writes the fill and its landing (a crash or kick on the next downbeat, when the model
plays one there). One z per fill, drawn from its own generator seeded from the take's seed, so a
song with fills is the same song without them everywhere else.

The user's notes stay in every mode that keeps them (``add``, ``keep``, and ``groove fill``): in
the fill's beats the notes the humanizer *added* make way for the fill, the user's stay with their
feel, and the fill's notes join them. In ``free`` the fill's beats are the fill alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..constants import CRASH, KICK, N_DRUMS, STEPS_PER_BAR, STEPS_PER_BEAT, genre_key
from ..errors import GrooveError
from ..grid.drawn import parse_fills
from ..grid.drumgrid import DrumGrid, bar_bpm, quantize, render
from ..grid.fill_bars import condition
from ..midi.drummap import DrumMap
from ..midi.performance import Performance, read_midi
from ..weights import LoadedCond, LoadedModel, load_cond, load_model
from .genres import resolve_genre
from .steps import seeded_generator
from .take import Take

LANDING = (KICK, CRASH)  # what a fill may add on the next downbeat
FILL_SEED_OFFSET = 7919  # fills draw from their own stream: the rest of the take stays as it was


def fill_rows(perf: Performance, grid: DrumGrid, every: str) -> list[int]:
    """Grid bar rows (indices into ``grid.bars``) that get a fill for ``--fills every``."""
    n = parse_fills(every)
    sounding = grid.hits.reshape(-1, STEPS_PER_BAR, N_DRUMS).any(axis=(1, 2))
    rows = [r for r, bar in enumerate(grid.bars) if sounding[r]]
    if n is not None:
        return [r for r in rows if (grid.bars[r].index + 1) % n == 0]
    tempo_ticks = {t for t, _ in perf.tempos() if t > 0}
    last = max(rows, default=-1)
    chosen = []
    for r in rows:
        bar = grid.bars[r]
        nxt = perf.bars[bar.index + 1] if bar.index + 1 < len(perf.bars) else None
        change = nxt is not None and (not nxt.is_four_four or any(bar.start < t <= nxt.start for t in tempo_ticks))
        if change or r == last:
            chosen.append(r)
    return chosen


def bar_rows(grid: DrumGrid, first: int, last: int) -> tuple[list[int], list[int]]:
    """Rows of song bars ``first``..``last`` (1-based, inclusive) that are 4/4, and the bar numbers
    in that range that are not (they pass through)."""
    row_of = {bar.index + 1: r for r, bar in enumerate(grid.bars)}
    rows = [row_of[b] for b in range(first, last + 1) if b in row_of]
    return rows, [b for b in range(first, last + 1) if b not in row_of]


@dataclass(frozen=True)
class Filled:
    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    bars: tuple[int, ...]  # song bar numbers (1-based) that got a fill
    notes_added: int


def add_fills(grid: DrumGrid, sketch: np.ndarray, rows: list[int], model: LoadedCond, *, genre: str,
              seed: int, mode: str = "add", beats: int = 4, temperature: float = 1.0) -> Filled:
    """``grid`` (the output so far) with fills in ``rows``.

    ``sketch`` (T, 9): the notes the user wrote (they stay, except in ``free``), which are also
    the fill bar's and next bar's sketch the model reads. Fills in consecutive bars (``--bars
    7:8``) are written one bar after the other, each reading the fill before it as its bar
    before; fills apart from each other are written together.
    """
    hits, velocity, offset = grid.hits.copy(), grid.velocity.copy(), grid.offset.copy()
    consecutive = {r: r + 1 < len(grid.bars) and grid.bars[r + 1].index == grid.bars[r].index + 1
                   for r in range(len(grid.bars))}

    def bar(x: np.ndarray, r: int) -> np.ndarray:
        return x[r * STEPS_PER_BAR : (r + 1) * STEPS_PER_BAR]

    waves: list[list[int]] = []  # wave k: the k-th bar of every run of consecutive fill bars
    depth: dict[int, int] = {}
    for r in sorted(rows):
        depth[r] = depth[r - 1] + 1 if r - 1 in depth and consecutive[r - 1] else 0
        if depth[r] == len(waves):
            waves.append([])
        waves[depth[r]].append(r)
    gen = torch.Generator().manual_seed(seed + FILL_SEED_OFFSET)
    genre_id = model.config.genres.index(genre)
    first_step = (4 - beats) * STEPS_PER_BEAT
    added = 0
    for wave in waves:
        conds, known = [], []
        for r in wave:
            before = bar(hits, r - 1) if r > 0 and consecutive[r - 1] and bar(hits, r - 1).any() else None
            after = bar(sketch, r + 1) if consecutive[r] else None
            conds.append(condition(before, bar(sketch, r), after))
            known.append(before is not None)
        cond = torch.as_tensor(np.stack(conds))
        force = torch.zeros(cond.shape[:2], dtype=torch.bool)
        force[:, :STEPS_PER_BAR] = torch.as_tensor(known)[:, None]  # the bar before is played as it was
        z = torch.randn(len(wave), model.config.z_dim, generator=gen)
        out = model.model.generate(cond, torch.full((len(wave),), genre_id, dtype=torch.long), z,
                                   temperature=temperature, generator=gen, forced=cond[..., :N_DRUMS],
                                   force_mask=force)
        drawn, vel, off = (out[k].numpy() for k in ("hits", "velocity", "offset"))
        for i, r in enumerate(wave):
            fill = slice(STEPS_PER_BAR + first_step, 2 * STEPS_PER_BAR)
            song = slice(r * STEPS_PER_BAR + first_step, (r + 1) * STEPS_PER_BAR)
            new = drawn[i, fill] > 0
            mine = sketch[song] > 0 if mode != "free" else np.zeros_like(new)
            was = hits[song] > 0
            keep = was & mine  # the user's own notes, with the feel they already have
            put = new & ~keep
            hits[song] = (keep | put).astype(np.float32)
            velocity[song] = np.where(put, vel[i, fill], np.where(keep, velocity[song], 0.0))
            offset[song] = np.where(put, off[i, fill], np.where(keep, offset[song], 0.0))
            added += int((put & ~was).sum())
            if consecutive[r] and r + 1 not in depth:  # the landing on the next downbeat, after the last fill bar
                step = (r + 1) * STEPS_PER_BAR
                for d in LANDING:
                    if drawn[i, 2 * STEPS_PER_BAR, d] and not hits[step, d]:
                        hits[step, d] = 1.0
                        velocity[step, d] = vel[i, 2 * STEPS_PER_BAR, d]
                        offset[step, d] = off[i, 2 * STEPS_PER_BAR, d]
                        added += 1
    velocity = np.clip(velocity, 0, 1) * hits
    offset = np.clip(offset, -1, 1 - 1e-3) * hits
    return Filled(hits, velocity.astype(np.float32), offset.astype(np.float32),
                  tuple(grid.bars[r].index + 1 for r in sorted(rows)), added)


def fill_song(perf: Performance, before: DrumGrid, after: DrumGrid, rows: list[int], model: LoadedCond, *,
              genre: str, seed: int, mode: str = "add", beats: int = 4,
              temperature: float = 1.0) -> tuple[DrumGrid, dict]:
    """``after`` (a take of ``before``) with fills in ``rows``; and what was done, for the report."""
    if not 1 <= beats <= 4:
        raise GrooveError(f"--fill-beats must be between 1 and 4, not {beats}")
    filled = add_fills(after, before.hits, rows, model, genre=genre, seed=seed, mode=mode, beats=beats,
                       temperature=temperature)
    grid = after.with_values(filled.hits, filled.velocity, filled.offset)
    return grid, {"fills": list(filled.bars), "fill_notes": filled.notes_added}


def fill(song: Performance | str | Path, bars: tuple[int, int], model: LoadedCond | None = None, *,
         genre: str = "auto", seed: int | None = None, beats: int = 4, temperature: float = 1.0,
         drum_map: DrumMap | None = None, groove_model: LoadedModel | None = None) -> Take:
    """A fill written into song bars ``bars`` (1-based, inclusive) of a drum part; every note of
    the file stays as it is, the fill's notes join them. ``genre="auto"`` asks the genre guesser of
    ``groove_model`` (bundled by default) about the song.

    Raises:
        GrooveError: when none of the bars is a 4/4 bar of the song.
    """
    perf = song if isinstance(song, Performance) else read_midi(song, drum_map=drum_map)
    grid = quantize(perf)
    first, last = bars
    if first > len(perf.bars):
        raise GrooveError(f"{perf.source} has {len(perf.bars)} bars; --bars {first}:{last} starts after its end")
    rows, skipped = bar_rows(grid, first, min(last, len(perf.bars)))
    if not rows:
        raise GrooveError(f"bars {first}:{last} of {perf.source} hold no 4/4 bar; fills are written in 4/4 bars")
    loaded = model if model is not None else load_cond("fills")
    name, note = genre_key(genre), None
    if name not in loaded.config.genres:  # auto, or a style training merged: the groove model's guesser decides
        name, note = resolve_genre(groove_model if groove_model is not None else load_model(), genre, grid,
                                   bar_bpm(perf, grid))
    _, seed = seeded_generator(seed)
    after, report = fill_song(perf, grid, grid, rows, loaded, genre=name, seed=seed, beats=beats,
                              temperature=temperature)
    report |= {"genre": name} | ({"genre_note": note} if note else {})
    if skipped:
        report["skipped_bars"] = skipped
    return Take(render(perf, after, drum_map), grid, after, seed, report)
