"""How much a fill plays in its beats, as a drummer hears it: snare rolls and tom runs.

A fill's beats run from the first beat where it plays a tom, or a snare the groove under it did
not have, to the bar's end (the beats before are the groove, thinning). What makes the fill is
how busy the snare and toms are there: ``snare_toms_per_beat``. GMD's train drummers' fills
inside their beat performances set the figure groove's fills are drawn towards
(``experiments/fill_shape.py`` measures it, on their fills against the bar before).

Among several draws of the fill model for the same bar, ``pick`` takes the one whose snare and
toms per fill beat come closest to a figure drawn from the train drummers' own spread
(``TRAIN_QUANTILES``): the fills stay as varied as theirs, and reach their density.
"""

from __future__ import annotations

import numpy as np

from ..constants import SNARE, STEPS_PER_BAR, STEPS_PER_BEAT
from .fill_bars import TOMS

# Snare and tom hits per fill beat of GMD's train fills found inside beat performances (1,264
# fills with fill beats): the 5th, 15th ... 95th percentiles, so a draw from them follows the
# drummers' spread (experiments/fill_shape.py --data ../shared/data/gmd prints them as
# "train.quantiles")
TRAIN_QUANTILES = (1.25, 1.75, 2.0, 2.5, 2.75, 3.0, 3.33, 3.67, 4.0, 4.33)


def fill_beats(fresh: np.ndarray) -> np.ndarray:
    """(steps,) True in the fill's beats of the last ``steps`` 16ths of a bar: from the first beat
    where ``fresh`` (steps x drums: the fill's notes the groove did not have) holds a tom or a
    snare, to the bar's end; all False when it holds neither."""
    steps = len(fresh)
    beat_of = (np.arange(steps) + (STEPS_PER_BAR - steps)) // STEPS_PER_BEAT
    plays = fresh[:, TOMS].any(1) | fresh[:, SNARE]
    return beat_of >= beat_of[np.argmax(plays)] if plays.any() else np.zeros(steps, bool)


def snare_toms_per_beat(fill: np.ndarray, groove: np.ndarray) -> float:
    """Snare and tom hits per fill beat of ``fill`` (steps x drums, the last ``steps`` 16ths of a
    bar) over ``groove`` (the same cells of the groove it replaces); 0 without fill beats."""
    fill, groove = np.asarray(fill) > 0.5, np.asarray(groove) > 0.5
    beats = fill_beats(fill & ~groove)
    if not beats.any():
        return 0.0
    played = fill[beats][:, SNARE].sum() + fill[beats][:, TOMS].sum()
    return float(played) / (beats.sum() / STEPS_PER_BEAT)


def pick(candidates: np.ndarray, groove: np.ndarray, target: float) -> int:
    """The index of the candidate fill (N, steps, drums) whose snare and toms per fill beat over
    ``groove`` come closest to ``target``; the first of equals (a candidate with no fill beats
    only when none has any)."""
    density = np.array([snare_toms_per_beat(c, groove) for c in candidates])
    gap = np.where(density > 0, np.abs(density - target), np.inf)
    return int(np.argmin(gap)) if np.isfinite(gap).any() else 0


def draw_target(uniform01: float) -> float:
    """A snare-and-toms-per-beat figure from the train drummers' spread, for a uniform draw in [0, 1)."""
    return float(TRAIN_QUANTILES[min(int(uniform01 * len(TRAIN_QUANTILES)), len(TRAIN_QUANTILES) - 1)])
