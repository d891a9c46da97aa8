"""Fills in the Groove MIDI Dataset, and the condition a fill model reads.

GMD has fills two ways: its ``fill`` files (a bar or two of fill, mostly without the groove
around them) and the fills drummers play inside long ``beat`` performances, which are not
labelled. Both are used. A bar of a performance counts as a fill when toms take over (at least
three tom hits where the bar before had at most one) or the snare doubles while the time-keeping
cymbal drops out; that rule finds 1-2 fills per 16 bars of GMD's beats.

The condition of a fill is three bars, 48 steps: the bar played before it (when known), the
sketch of the fill bar, and the sketch of the bar after (when known), where a sketch is what a
producer would have drawn there (``patterns.derive_template`` of the groove). Four flags say
which parts are known. The model writes the fill bar and the next bar's downbeat (the landing).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .constants import CLOSED_HIHAT, CRASH, HIGH_TOM, KICK, LOW_TOM, N_DRUMS, OPEN_HIHAT, RIDE, SNARE, STEPS_PER_BAR
from .data import GENRES, SPLITS, genre_of, read_files, read_index
from .drummap import GMD
from .grid import quantize
from .midi import read_midi
from .patterns import derive_template

FILL_STEPS = 3 * STEPS_PER_BAR  # bar before, fill bar, bar after
COND_DIM = N_DRUMS + 4  # context notes; flags: bar before known, fill bar, bar after known, sketch known
TOMS = slice(LOW_TOM, HIGH_TOM + 1)
KEEPERS = [CLOSED_HIHAT, OPEN_HIHAT, RIDE]


def per_bar(hits: np.ndarray) -> np.ndarray:
    """(bars * 16, drums) → hits per bar and class (bars, drums)."""
    return np.asarray(hits).reshape(-1, STEPS_PER_BAR, hits.shape[-1]).sum(1)


def find_fills(hits: np.ndarray) -> np.ndarray:
    """(bars,) True for the bars of a beat performance that are fills (module docstring)."""
    counts = per_bar(hits)
    toms = counts[:, TOMS].sum(1)
    keeper = counts[:, KEEPERS].sum(1)
    snare = counts[:, SNARE]
    sounding = counts.sum(1) > 0
    if not sounding.any():
        return np.zeros(len(counts), bool)
    med_keeper = np.median(keeper[sounding])
    med_snare = np.median(snare[sounding])
    before = np.concatenate([[0], toms[:-1]])
    tom_fill = (toms >= 3) & (before <= 1)
    snare_fill = (snare >= 2 * med_snare + 2) & (keeper <= 0.5 * med_keeper)
    return (tom_fill | snare_fill) & sounding


def sketch(hits: np.ndarray, velocity: np.ndarray) -> np.ndarray:
    """What a producer would draw for one bar of groove (16, drums)."""
    return derive_template(hits, velocity)


def condition(before: np.ndarray | None, fill_sketch: np.ndarray | None, after_sketch: np.ndarray | None) -> np.ndarray:
    """The (48, COND_DIM) condition of one fill; None for what is not known."""
    cond = np.zeros((FILL_STEPS, COND_DIM), np.float32)
    parts = (before, fill_sketch, after_sketch)
    for i, part in enumerate(parts):
        rows = slice(i * STEPS_PER_BAR, (i + 1) * STEPS_PER_BAR)
        if part is not None:
            cond[rows, :N_DRUMS] = part
    if before is not None:
        cond[:STEPS_PER_BAR, N_DRUMS] = 1
    cond[STEPS_PER_BAR : 2 * STEPS_PER_BAR, N_DRUMS + 1] = 1
    if after_sketch is not None:
        cond[2 * STEPS_PER_BAR :, N_DRUMS + 2] = 1
    if fill_sketch is not None:
        cond[:, N_DRUMS + 3] = 1
    return cond


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
