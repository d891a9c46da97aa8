"""The fill model's training set: every fill of GMD's 4/4 files (fill files and fills inside beats),
as the bar before, the fill and the landing, with what a fill model is conditioned on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..constants import CRASH, KICK, N_DRUMS, SNARE, STEPS_PER_BAR
from ..grid.drumgrid import quantize
from ..grid.fill_bars import FILL_STEPS, KEEPERS, TOMS, condition, find_fills, per_bar, sketch
from ..midi.drummap import GMD
from ..midi.read import read_midi
from .data import GENRES, SPLITS, genre_of, read_files, read_index


def loss_mask(after_known: bool) -> np.ndarray:
    """(48,) the steps a fill model is trained to write: the fill bar, and the landing if known."""
    mask = np.zeros(FILL_STEPS, np.float32)
    mask[STEPS_PER_BAR : 2 * STEPS_PER_BAR] = 1
    if after_known:
        mask[2 * STEPS_PER_BAR] = 1
    return mask


@dataclass(frozen=True)
class FillSet:
    """Fill examples aligned on the first axis: cond (N, 48, C), hits/velocity/offset (N, 48, 9),
    mask (N, 48), genre (N,), split (N,), from_beat (N,) True for fills found in beat files."""

    cond: np.ndarray
    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    mask: np.ndarray
    genre: np.ndarray
    split: np.ndarray
    from_beat: np.ndarray

    def __len__(self) -> int:
        return len(self.hits)

    def select(self, keep: np.ndarray) -> FillSet:
        return FillSet(*(getattr(self, f)[keep] for f in self.__dataclass_fields__))


def _song(path: Path):
    g = quantize(read_midi(path, drum_map=GMD))
    return g.hits, g.velocity, g.offset


def _bar(x: np.ndarray, b: int) -> np.ndarray:
    return x[b * STEPS_PER_BAR : (b + 1) * STEPS_PER_BAR]


def examples_of(hits, velocity, offset, fill_file: bool):
    """(cond, hits, velocity, offset, mask) of every fill of one song."""
    n_bars = len(hits) // STEPS_PER_BAR
    counts = per_bar(hits).sum(1)
    bars = np.flatnonzero(counts >= 3) if fill_file else np.flatnonzero(find_fills(hits))
    silent = np.zeros((STEPS_PER_BAR, N_DRUMS), np.float32)
    padded_song = [np.concatenate([silent, np.asarray(x, np.float32), silent]) for x in (hits, velocity, offset)]
    out = []
    for b in bars:
        before = _bar(hits, b - 1) if b >= 1 and counts[b - 1] > 0 else None
        groove = sketch(_bar(hits, b - 1), _bar(velocity, b - 1)) if before is not None and not fill_file else None
        after_known = b + 1 < n_bars and counts[b + 1] > 0 and not fill_file
        after = sketch(_bar(hits, b + 1), _bar(velocity, b + 1)) if after_known else None
        # the bar before, the fill, the bar after: bars b - 1 .. b + 1, silent beyond the song
        window = [padded[b * STEPS_PER_BAR : (b + 3) * STEPS_PER_BAR] for padded in padded_song]
        out.append((condition(before, groove, after), *window, loss_mask(after_known)))
    return out


def build_fills(root: str | Path, *, workers: int | None = None) -> FillSet:
    """Every fill of GMD's 4/4 files (fill files and fills inside beats), with genre and split."""
    root = Path(root)
    rows = read_index(root)
    songs = read_files(_song, [root / r["midi_filename"] for r in rows], workers)
    parts: list[list] = [[] for _ in range(8)]
    for row, (h, v, o) in zip(rows, songs):
        fill_file = row.get("beat_type") == "fill"
        for ex in examples_of(h, v, o, fill_file):
            for i, x in enumerate(ex):
                parts[i].append(x)
            parts[5].append(GENRES.index(genre_of(row["style"])))
            parts[6].append(SPLITS.index(row["split"]))
            parts[7].append(not fill_file)
    return FillSet(*(np.stack(p) for p in parts[:5]), *(np.asarray(p) for p in parts[5:]))


def bar_features(hits: np.ndarray) -> np.ndarray:
    """(N, 16, drums) bars → (N, F) what tells a fill from a beat: hits per class, density, the
    toms' and time-keepers' shares, how many 16ths sound, hits in the last beat."""
    hits = np.asarray(hits, np.float32)
    counts = hits.sum(1)
    total = np.maximum(counts.sum(1, keepdims=True), 1)
    toms = counts[:, TOMS].sum(1, keepdims=True)
    keepers = counts[:, KEEPERS].sum(1, keepdims=True)
    steps = hits.max(-1).sum(1, keepdims=True)
    last_beat = hits[:, 12:].sum((1, 2))[:, None]
    return np.concatenate([counts, counts.sum(1, keepdims=True), toms / total, keepers / total, steps,
                           last_beat, counts[:, [KICK, SNARE, CRASH]] / total], axis=1)
