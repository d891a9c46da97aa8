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

import numpy as np

from ..constants import CLOSED_HIHAT, HIGH_TOM, LOW_TOM, N_DRUMS, OPEN_HIHAT, RIDE, SNARE, STEPS_PER_BAR
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


