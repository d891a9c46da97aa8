"""A song's feel as a profile: mean velocity and timing per drum and 16th of the bar, and how
much single hits stray from it. ``transfer`` moves its output onto the reference's profile.

Why: the VEL/TIME latent of one 2-bar window holds about 7 nats, and a template's notes differ
from the reference's, so decoding the reference's latents alone gave outputs no nearer their
own reference's profile than another's (no better than chance on GMD test pairs). What a producer
means by "this drummer's feel" is what a DAW's groove template extracts: where each drum sits
against the grid at each position of the bar and how loud, over the whole song. So ``transfer``
takes the per-note variation from the model (sampled, with its phrasing) and re-centres it on
the reference: each hit keeps the model's deviation from the model's own mean at that drum and
16th, rescaled to the reference's tightness, around the reference's mean there (pulled towards
the reference's mean for the drum where that 16th has few hits, all the way where it has none). Timing is matched in
milliseconds, so a reference at another tempo lends its pushes and drags, not its fractions
of a beat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import STEPS_PER_BAR

MIN_HITS = 2  # hits of a drum a profile needs before its spread is trusted
# A 16th's mean over few hits is partly that drummer's luck there: it is pulled towards the drum's
# mean by weight SHRINK_HITS / (hits + SHRINK_HITS) (one hit: 1/3). Chosen on GMD *validation*
# pairs (``experiments/eval_transfer_shrink.py``; docs/results.md section 6): 0, 0.5, 1, 2 gave
# class timing gaps of 5.5, 4.8, 4.4, 3.8 ms and nearest-own-reference shares (velocity) of 0.85,
# 0.84, 0.78, 0.60: 0.5 narrows the gap at little cost to following the reference.
SHRINK_HITS = 0.5


@dataclass(frozen=True)
class Profile:
    """Per (16th of the bar, drum): the mean; per drum: the mean, and the spread of hits around
    their own 16th's mean (how tight the drummer is, apart from where each 16th sits)."""

    cell_mean: np.ndarray  # (16, D), NaN where never hit
    cell_hits: np.ndarray  # (16, D) how many hits each cell mean is over
    drum_mean: np.ndarray  # (D,), NaN where never hit
    drum_sd: np.ndarray  # (D,), NaN under MIN_HITS hits


def profile_of(hits: np.ndarray, values: np.ndarray) -> Profile:
    """The profile of ``values`` (T, D) over the cells where ``hits`` (T, D) is set."""
    hit = hits > 0.5
    pos = np.arange(len(hits)) % STEPS_PER_BAR
    d = hits.shape[1]
    cell = np.full((STEPS_PER_BAR, d), np.nan)
    counts = np.zeros((STEPS_PER_BAR, d))
    for p in range(STEPS_PER_BAR):
        rows = pos == p
        n = counts[p] = hit[rows].sum(0)
        total = np.where(hit[rows], values[rows], 0.0).sum(0)
        cell[p] = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    n = hit.sum(0)
    mean = np.where(n > 0, np.where(hit, values, 0.0).sum(0) / np.maximum(n, 1), np.nan)
    sq = np.where(hit, (values - np.nan_to_num(cell[pos])) ** 2, 0.0).sum(0)
    sd = np.where(n >= MIN_HITS, np.sqrt(sq / np.maximum(n, 1)), np.nan)
    return Profile(cell, counts, mean, sd)


def follow(values: np.ndarray, hits: np.ndarray, reference: Profile, lo: float, hi: float) -> np.ndarray:
    """``values`` (T, D) moved onto ``reference`` (see the module docstring), clipped to [lo, hi]
    and zero off the hits. Drums the reference never plays keep the model's values."""
    own = profile_of(hits, values)
    pos = np.arange(len(hits)) % STEPS_PER_BAR
    w = reference.cell_hits / (reference.cell_hits + SHRINK_HITS)
    shrunk = w * np.nan_to_num(reference.cell_mean) + (1 - w) * reference.drum_mean
    centre_ref = np.where(np.isnan(reference.cell_mean), reference.drum_mean, shrunk)[pos]  # (T, D)
    centre_own = np.where(np.isnan(own.cell_mean), own.drum_mean, own.cell_mean)[pos]
    scale = np.where(np.isnan(reference.drum_sd) | np.isnan(own.drum_sd) | (own.drum_sd < 1e-6), 1.0,
                     reference.drum_sd / np.where(own.drum_sd < 1e-6, 1.0, own.drum_sd))
    moved = centre_ref + (values - centre_own) * scale
    out = np.where(np.isnan(moved), values, moved)
    return np.clip(out, lo, hi) * (hits > 0.5)
