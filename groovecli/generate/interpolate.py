"""``interpolate``: grooves that morph from A to B (MusicVAE's interpolation, in PocketVAE's terms).

Each in-between at t in (0, 1) is decoded, not mixed:

* notes: the NOTE encoder's continuous outputs of A's and B's windows are blended, (1 - t) A + t B,
  and snapped to the nearest codebook entries, so every in-between is a set of codes the decoder
  knows, not the union of two grooves; the decoder plays them against both templates and
  weighs the two readings by t; the blend's most likely cells are played, as many as the
  blend of A's and B's note counts (with a 0.5 threshold instead, density rose and fell
  between the ends: monotonic in 4 of 10 test pairs);
* feel: A's and B's velocity and timing latents (posterior means over their windows) are
  blended the same way, with the nearer end's accent contour and push / laid-back pattern, and
  the nearer end's genre.

A and B themselves open and close the sequence as they were played (their first bars).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..constants import STEPS_PER_BAR, WINDOW_BARS
from ..errors import GrooveError
from ..grid.drawn import check_steps
from ..grid.drumgrid import DrumGrid, bar_bpm, from_windows, half_step_ms_at, new_song, quantize, to_windows
from ..grid.hands import playable
from ..grid.knobs import check_syncopation, parse_density, steer_new
from ..grid.patterns import derive_template
from ..grid.phrases import held
from ..midi.drummap import DrumMap
from ..midi.performance import Performance
from ..midi.read import read_midi
from ..runtime.load import Networks, load_networks
from ..runtime.networks import sigmoid
from .feel import decode_feels, own_patterns, song_latents
from .genres import resolve_genre
from .steps import full, offspring, seeded_generator
from .take import Take


@dataclass(frozen=True)
class Step:
    """One groove of the sequence: (bars * 16, 9) each, and where it sits between A (0) and B (1)."""

    t: float
    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray


def _first_bars(grid: DrumGrid, bars: int) -> dict[str, np.ndarray]:
    """The grid's first ``bars`` bars (cycled when it is shorter)."""
    rows = np.arange(bars * STEPS_PER_BAR) % grid.steps
    return {k: getattr(grid, k)[rows] for k in ("hits", "velocity", "offset")}


def interpolate_grids(a: DrumGrid, b: DrumGrid, nets: Networks, steps: int, *, bars: int = 2,
                      genre: str = "auto", temperature: float = 1.0, seed: int | None = None,
                      bpm_a: float | np.ndarray = 120.0, bpm_b: float | np.ndarray = 120.0,
                      density: str | None = None, syncopation: float | None = None) -> tuple[list[Step], int]:
    """``steps`` grooves of ``bars`` bars from A to B, both ends included; and the seed used.
    ``density`` (a relative one scales the blended count) and ``syncopation`` steer the
    in-betweens' notes (``knobs.py``); A and B stay as played."""
    wanted = parse_density(density) if density is not None else None
    check_syncopation(syncopation)
    check_steps(steps, bars)
    for name, g in (("A", a), ("B", b)):
        if not g.hits.any():
            raise GrooveError(f"{name} has no drum notes in its 4/4 bars")
    rng, seed = seeded_generator(seed)
    genres = [resolve_genre(nets, genre, g, bpm)[0] for g, bpm in ((a, bpm_a), (b, bpm_b))]
    model = nets.model
    ends = [_first_bars(g, bars) for g in (a, b)]
    win = [{k: to_windows(v).astype(np.float32) for k, v in e.items()} for e in ends]
    n_win = len(win[0]["hits"])
    templates = [derive_template(w["hits"], w["velocity"]).astype(np.float32) for w in win]
    genre_ids = [full(n_win, nets.config.genres.index(g)) for g in genres]
    z_notes = [model.note_encoder(w["hits"], t, model.skel(t)) for w, t in zip(win, templates)]
    feels = [song_latents(nets, g, int(ids[0])) for g, ids in zip((a, b), genre_ids)]
    patterns = [own_patterns(w) for w in win]
    counts = [w["hits"].sum((1, 2)) for w in win]  # notes per window at each end
    out = [Step(0.0, *(ends[0][k] for k in ("hits", "velocity", "offset")))]
    hold_rng = offspring(rng)
    clock = half_step_ms_at(float(np.atleast_1d(bpm_a)[0]), bars * STEPS_PER_BAR)  # the sequence plays at A's tempo
    for i in range(1, steps - 1):
        t = i / (steps - 1)
        near = int(t >= 0.5)
        codes = model.nearest(np.float32(1 - t) * z_notes[0] + np.float32(t) * z_notes[1])
        p = [sigmoid(model.note_decode(codes, tm, model.skel(tm))) for tm in templates]
        mixed = np.float32(1 - t) * p[0] + np.float32(t) * p[1]
        notes = _top_cells(mixed, (1 - t) * counts[0] + t * counts[1])
        if wanted is not None or syncopation is not None:
            song = steer_new(from_windows(mixed, bars), wanted, syncopation, relative_to=from_windows(notes, bars))
            notes = to_windows(song)
        song = from_windows(notes, bars)
        if bars > WINDOW_BARS:  # a longer step holds its first two bars, varied at phrase ends
            song = held(song[: WINDOW_BARS * STEPS_PER_BAR], song, hold_rng, i * bars)
        notes = to_windows(song).astype(np.float32)
        latents = {f: (np.repeat(np.float32(1 - t) * feels[0][f] + np.float32(t) * feels[1][f], n_win, 0),
                       patterns[near][f]) for f in ("velocity", "offset")}
        feel = decode_feels(nets, latents, notes, genre_ids[near], rng, temperature)
        velocity, offset = (from_windows(feel[k], bars) for k in ("velocity", "offset"))
        hits = playable(from_windows(notes, bars), offset, clock, np.zeros(offset.shape, bool), velocity)
        out.append(Step(t, hits, velocity * hits, offset * hits))
    out.append(Step(1.0, *(ends[1][k] for k in ("hits", "velocity", "offset"))))
    return out, seed


def _top_cells(p: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Per window, the ``count`` (rounded) most likely cells of ``p`` (W, 32, 9) as notes: the
    model says which notes, the ends say how many, so density moves steadily from A's to B's."""
    flat = p.reshape(len(p), -1)
    k = np.clip(np.round(count), 0, flat.shape[1]).astype(np.int64)
    ranks = np.argsort(np.argsort(-flat, axis=1, kind="stable"), axis=1, kind="stable")
    return (ranks < k[:, None]).astype(np.float32).reshape(p.shape)


def interpolate(a: Performance | str | Path, b: Performance | str | Path, model: Networks | None = None, *,
                steps: int = 5, bars: int = 2, genre: str = "auto", temperature: float = 1.0, seed: int | None = None,
                drum_map: DrumMap | None = None, density: str | None = None,
                syncopation: float | None = None) -> Take:
    """A morph from A to B in ``steps`` grooves of ``bars`` bars each, at A's tempo, as General
    MIDI drums (or the pitches of ``drum_map``)."""
    perfs = [p if isinstance(p, Performance) else read_midi(p, drum_map=drum_map) for p in (a, b)]
    grids = [quantize(p) for p in perfs]
    nets = model if model is not None else load_networks()
    bpms = [bar_bpm(p, g) for p, g in zip(perfs, grids)]
    seq, seed = interpolate_grids(grids[0], grids[1], nets, steps, bars=bars, genre=genre, temperature=temperature,
                                  seed=seed, bpm_a=bpms[0], bpm_b=bpms[1], density=density, syncopation=syncopation)
    bpm = float(bpms[0][0])
    whole = _as_performance(seq, bpm, drum_map)
    each = [_as_performance([s], bpm, drum_map) for s in seq]
    report = {"steps": steps, "bars_per_step": bars, "bars": steps * bars,
              "notes_per_bar": [round(float(s.hits.sum()) / bars, 2) for s in seq]}
    return Take(whole, grids[0], quantize(whole), seed, report, tuple(each))


def _as_performance(seq: list[Step], bpm: float, drum_map: DrumMap | None) -> Performance:
    values = (np.concatenate([getattr(s, k) for s in seq]) for k in ("hits", "velocity", "offset"))
    return new_song(*values, bpm=bpm, drum_map=drum_map)[0]
