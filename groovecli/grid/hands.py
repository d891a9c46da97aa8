"""How many hands a part needs: one drummer has two, and each moves only so fast.

Every drum but the kick is a hand's (the grid has no pedal hi-hat: a hi-hat note is a stick).
Onsets within ``CLUSTER_MS`` of a cluster's first sound as one stroke; a cluster with three hand
notes needs a third hand. Two hands alternate, so of any three hand onsets in a row the first and
the third are the same hand's, and must lie at least one single-hand stroke apart
(``SINGLE_HAND_MS``). ``playable`` drops what a mode *added* until both hold; the user's notes
are never dropped for it.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np

from ..constants import KICK, N_DRUMS

CLUSTER_MS = 25.0  # onsets this close sound as one stroke (GMD's flams and doubles fall within it)
# GMD's fastest single-hand strokes: the 1st percentile of the gap between consecutive hits of one
# hand drum, flams (under CLUSTER_MS) left out; experiments/eval_musicianship.py --gmd-hands prints it
SINGLE_HAND_MS = 34.0
HAND = np.array([d != KICK for d in range(N_DRUMS)])


def onset_ms(half_ms: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Each cell's onset (T, drums) in ms from the first step; ``half_ms`` (T,) is half a 16th
    at each step (``grid.half_step_ms``), one unit of offset."""
    half_ms = np.asarray(half_ms, np.float64)
    start = np.concatenate([[0.0], np.cumsum(2 * half_ms[:-1])])
    return start[:, None] + np.asarray(offset, np.float64) * half_ms[:, None]


def cluster_of(times: np.ndarray) -> np.ndarray:
    """The cluster (0, 1, ... in time order) of each onset of ``times`` (N,) ms: a cluster is the
    onsets within ``CLUSTER_MS`` of its first."""
    times = np.asarray(times, np.float64)
    order = np.argsort(times, kind="stable")
    ids = np.zeros(len(times), np.int64)
    start, k = -np.inf, -1
    for i in order:
        if times[i] - start > CLUSTER_MS:
            start, k = times[i], k + 1
        ids[i] = k
    return ids


def cluster_hands(times: np.ndarray, hand: np.ndarray) -> np.ndarray:
    """Hand notes in each cluster of the onsets ``times`` (N,) ms, ``hand`` (N,) bool."""
    ids = cluster_of(times)
    return np.bincount(ids, weights=np.asarray(hand, np.float64), minlength=ids.max(initial=-1) + 1).astype(np.int64)


def grid_clusters(hits: np.ndarray, offset: np.ndarray, half_ms: np.ndarray) -> np.ndarray:
    """``cluster_hands`` of a grid part (T, 9)."""
    rows, cols = np.nonzero(np.asarray(hits) > 0.5)
    return cluster_hands(onset_ms(half_ms, offset)[rows, cols], HAND[cols])


def playable(hits: np.ndarray, offset: np.ndarray, half_ms: np.ndarray, keep: np.ndarray,
             priority: np.ndarray | None = None, limit_ms: float = SINGLE_HAND_MS) -> np.ndarray:
    """``hits`` (T, 9) without the hand notes outside ``keep`` that one drummer could not add:
    notes in ``keep`` stay; the others join in order of ``priority`` (default: velocity order is
    the caller's; louder first when given the velocity) while every three hand onsets in a row
    span at least ``limit_ms``."""
    hits = np.asarray(hits) > 0.5
    times = onset_ms(half_ms, offset)
    kept = sorted(times[hits & HAND & keep].tolist())
    rows, cols = np.nonzero(hits & HAND & ~keep)
    rank = np.zeros(len(rows)) if priority is None else -np.asarray(priority)[rows, cols]
    out = hits.copy()
    for i in np.lexsort((rows, rank)):
        t = float(times[rows[i], cols[i]])
        j = bisect_left(kept, t)
        near = kept[max(j - 2, 0) : j] + [t] + kept[j : j + 2]
        if any(near[k + 2] - near[k] < limit_ms for k in range(len(near) - 2)):
            out[rows[i], cols[i]] = False
        else:
            kept.insert(j, t)
    return out.astype(np.float32)
