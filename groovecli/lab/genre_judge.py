"""A genre judge a drummer could read: part profiles of GMD beats, and who plays them.

A part's profile is what a drummer would say about how a genre is played: how far its off-beat
8ths and 16ths swing, where each drum sits against the grid (push or lay-back, in ms), the
accent contour over the 16ths of the bar, how much of the snare is ghost notes, and how many
notes each drum plays per bar. The judge is multinomial logistic regression on those numbers
(standardised), fitted on 4-bar stretches of GMD's training beats; ``experiments/eval_genre.py``
asks it which genre groove's outputs sound like, beside what it says of the drummers' own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..constants import CLOSED_HIHAT, KICK, OPEN_HIHAT, RIDE, SNARE, STEPS_PER_BAR
from ..grid.drumgrid import bar_bpm, quantize
from ..midi.drummap import GMD
from ..midi.read import read_midi
from .data import genre_of, read_files, read_index

CYMBALS = (CLOSED_HIHAT, OPEN_HIHAT, RIDE)
GHOST_VELOCITY = 0.4  # a snare hit softer than this (51 of 127) is a ghost note
SEGMENT_BARS = 4  # bars per judged stretch
PUSH_DRUMS = {"kick": (KICK,), "snare": (SNARE,), "hihat": (CLOSED_HIHAT, OPEN_HIHAT), "ride": (RIDE,)}


@dataclass(frozen=True)
class Beat:
    """One GMD beat file on the grid: hits, velocity, offset (T, 9); ms per 16th (T,)."""

    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    ms16: np.ndarray
    genre: str
    split: str
    path: str


def read_beats(root: str | Path, workers: int | None = None) -> list[Beat]:
    """Every 4/4 beat of GMD (fills left out) whose style maps to a genre."""
    root = Path(root)
    rows = [r for r in read_index(root) if r.get("beat_type") == "beat"]
    grids = read_files(_grid_of, [root / r["midi_filename"] for r in rows], workers)
    return [Beat(*g, genre_of(r["style"]), r["split"], r["midi_filename"]) for g, r in zip(grids, rows)]


def top_genres(beats: list[Beat], n: int) -> list[str]:
    """The ``n`` genres with the most train bars among ``beats``, most first: the genres the judge
    is fitted on and the figures are given for."""
    bars: dict[str, int] = {}
    for b in beats:
        if b.split == "train":
            bars[b.genre] = bars.get(b.genre, 0) + len(b.hits) // STEPS_PER_BAR
    return sorted(bars, key=lambda g: -bars[g])[:n]


def _grid_of(path: Path) -> tuple[np.ndarray, ...]:
    perf = read_midi(path, drum_map=GMD)
    grid = quantize(perf)
    ms16 = np.repeat(60000.0 / 4 / bar_bpm(perf, grid), STEPS_PER_BAR)
    return grid.hits, grid.velocity, grid.offset, ms16


def hit_times(hits: np.ndarray, offset: np.ndarray, shift: np.ndarray | None = None) -> np.ndarray:
    """Each hit's time in 16ths from the start (NaN where no hit); ``shift`` (T, D) adds to it."""
    t = np.arange(len(hits))[:, None] + 0.5 * np.asarray(offset, np.float64)
    return np.where(hits > 0.5, t if shift is None else t + shift, np.nan)


def swing_ratios(hits: np.ndarray, times: np.ndarray, unit: int) -> np.ndarray:
    """Where the off-beat sits in each beat (``unit`` 4) or 8th (``unit`` 2) that the cymbals
    play as a pair, as a fraction of it: the on-step struck, and exactly one more hit, at the
    middle or later (so a 16th part's beat is not read as swung 8ths)."""
    n = len(hits) // unit
    cym = (hits[: n * unit, CYMBALS] > 0.5).reshape(n, unit, -1)
    tt = times[: n * unit, CYMBALS].reshape(n, unit, -1)
    rest = cym[:, 1:].any(-1)
    pair = cym[:, 0].any(-1) & (rest.sum(-1) == 1) & rest[:, unit // 2 - 1 :].any(-1)
    t_on = np.where(cym[:, 0], tt[:, 0], np.inf).min(-1)
    t_off = np.where(cym[:, 1:], tt[:, 1:], np.inf).reshape(n, -1).min(-1)
    return (t_off[pair] - t_on[pair]) / unit


FEATURES: tuple[str, ...] = (
    ("swing 8ths", "swing 16ths") + tuple(f"push {d} ms" for d in PUSH_DRUMS)
    + tuple(f"accent {p + 1}" for p in range(STEPS_PER_BAR)) + ("snare ghost share",)
    + tuple(f"{d} per bar" for d in ("kick", "snare", "closed hh", "open hh", "low tom", "mid tom", "high tom",
                                         "crash", "ride"))
)
MIN_PAIRS = 4  # swung pairs a stretch needs before its swing is read (else it counts as straight)


def part_profile(hits: np.ndarray, velocity: np.ndarray, times: np.ndarray, ms16: np.ndarray) -> np.ndarray:
    """The profile (``FEATURES``) of a stretch: hits, velocity, times (T, D, times from
    ``hit_times`` relative to the stretch's first row) and ms per 16th (T,)."""
    hit = hits > 0.5
    bars = max(int(hit.reshape(-1, STEPS_PER_BAR * hit.shape[1]).any(1).sum()), 1)
    swing = [np.median(r) if len(r) >= MIN_PAIRS else 0.5 for r in (swing_ratios(hits, times, 4),
                                                                       swing_ratios(hits, times, 2))]
    step = np.where(hit, np.round(np.nan_to_num(times)), 0).astype(int)
    off_ms = (np.nan_to_num(times) - step) * ms16[np.clip(step, 0, len(ms16) - 1)]
    push = [off_ms[:, list(d)][hit[:, list(d)]].mean() if hit[:, list(d)].any() else 0.0 for d in PUSH_DRUMS.values()]
    v = np.asarray(velocity, np.float64)
    pos = step % STEPS_PER_BAR
    mean_v = v[hit].mean() if hit.any() else 0.0
    accent = [v[hit & (pos == p)].mean() - mean_v if (hit & (pos == p)).any() else 0.0 for p in range(STEPS_PER_BAR)]
    snare = v[:, SNARE][hit[:, SNARE]]
    ghost = float((snare < GHOST_VELOCITY).mean()) if len(snare) else 0.0
    per_bar = hit.sum(0) / bars
    return np.concatenate([swing, push, accent, [ghost], per_bar]).astype(np.float64)


def segment_profiles(hits, velocity, times, ms16, bars: int = SEGMENT_BARS) -> np.ndarray:
    """Profiles (S, F) of a song's stretches of ``bars`` bars that hold a hit in every bar."""
    rows = bars * STEPS_PER_BAR
    out = []
    for start in range(0, len(hits) - rows + 1, rows):
        sl = slice(start, start + rows)
        if (hits[sl].reshape(bars, -1) > 0.5).any(1).all():
            out.append(part_profile(hits[sl], velocity[sl], times[sl] - start, ms16[sl]))
    return np.asarray(out).reshape(-1, len(FEATURES))


def beat_profiles(beat: Beat) -> np.ndarray:
    """A GMD beat's stretch profiles, as the drummer played it."""
    return segment_profiles(beat.hits, beat.velocity, hit_times(beat.hits, beat.offset), beat.ms16)
