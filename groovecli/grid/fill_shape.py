"""How a fill plays in its beats, as a drummer hears it: snare rolls and tom runs.

A fill's beats run from the first beat where it plays a tom, or a snare the groove under it did
not have, to the bar's end (the beats before are the groove, thinning). Two figures of those
beats make the fill: how busy the snare and toms are (hits per fill beat) and how unbroken the
drums run (16ths per fill beat where a kick, snare or tom sounds: a roll or a tom run leaves no
gaps, and a hi-hat going on does not close one). GMD's train drummers' fills inside
their beat performances set the figures groove's fills are drawn towards
(``experiments/fill_shape.py`` measures them, on their fills against the bar before).

Among several draws of the fill model for the same bar, ``pick`` takes the one whose figures come
closest to a pair drawn from the train drummers' own spread (``TRAIN_QUANTILES``): the targets
vary as their fills do, sparse ones included, and the fills reach their density and continuity.
"""

from __future__ import annotations

import numpy as np

from ..constants import KICK, SNARE, STEPS_PER_BAR, STEPS_PER_BEAT
from .fill_bars import TOMS

# (snare and tom hits, the drums' 16ths) per fill beat of GMD's train fills found inside beat
# performances (1,264 fills with fill beats): their 5th, 15th ... 95th percentiles, paired in
# order (the two rise together), and their standard deviations, the scale of closeness
# (``experiments/fill_shape.py`` prints them under "train", given the dataset folder)
TRAIN_QUANTILES = ((1.25, 1.75), (1.75, 2.25), (2.0, 2.5), (2.5, 2.75), (2.75, 3.0),
                   (3.0, 3.25), (3.33, 3.5), (3.67, 3.75), (4.0, 4.0), (4.33, 4.0))
TRAIN_SD = (1.03, 0.76)


def fill_beats(fresh: np.ndarray) -> np.ndarray:
    """(steps,) True in the fill's beats of the last ``steps`` 16ths of a bar: from the first beat
    where ``fresh`` (steps x drums: the fill's notes the groove did not have) holds a tom or a
    snare, to the bar's end; all False when it holds neither."""
    steps = len(fresh)
    beat_of = (np.arange(steps) + (STEPS_PER_BAR - steps)) // STEPS_PER_BEAT
    plays = fresh[:, TOMS].any(1) | fresh[:, SNARE]
    return beat_of >= beat_of[np.argmax(plays)] if plays.any() else np.zeros(steps, bool)


def shape(fill: np.ndarray, groove: np.ndarray) -> tuple[float, float] | None:
    """(snare and tom hits, 16ths with a kick, snare or tom) per fill beat of ``fill`` (steps x drums, the last
    ``steps`` 16ths of a bar) over ``groove`` (the same cells of the groove it replaces); None
    without fill beats."""
    fill, groove = np.asarray(fill) > 0.5, np.asarray(groove) > 0.5
    beats = fill_beats(fill & ~groove)
    if not beats.any():
        return None
    n = beats.sum() / STEPS_PER_BEAT
    played = fill[beats][:, SNARE].sum() + fill[beats][:, TOMS].sum()
    drums = fill[beats][:, KICK] | fill[beats][:, SNARE] | fill[beats][:, TOMS].any(1)
    return float(played) / n, float(drums.sum()) / n


def pick(candidates: np.ndarray, groove: np.ndarray, target: tuple[float, float]) -> int:
    """The index of the candidate fill (N, steps, drums) whose ``shape`` over ``groove`` comes
    closest to ``target`` (in train standard deviations); the first of equals, and a candidate
    with no fill beats only when none has any."""
    gaps = []
    for c in candidates:
        figures = shape(c, groove)
        gaps.append(np.inf if figures is None else
                    sum(((a - b) / s) ** 2 for a, b, s in zip(figures, target, TRAIN_SD)))
    return int(np.argmin(gaps)) if np.isfinite(gaps).any() else 0


def draw_target(uniform01: float) -> tuple[float, float]:
    """A (snare and toms, the drums' 16ths) per fill beat pair from the train drummers' spread, for a
    uniform draw in [0, 1)."""
    return TRAIN_QUANTILES[min(int(uniform01 * len(TRAIN_QUANTILES)), len(TRAIN_QUANTILES) - 1)]
