"""Reconstruction metrics on grids (numpy): note F1, velocity and timing MSE, codebook use.

Definitions (PocketVAE §4.2, with our choices where the paper is silent):

* ``note_f1``: F1 over all (window, step, drum) cells: true positives are cells hit in both.
* ``note_f1_steps``: the paper's "average F1 computed at each timestep" (multi-label F1 per step,
  averaged over steps); a step empty in both counts as 1.
* ``velocity_mse`` / ``offset_mse``: over every cell, zeros included (the paper's protocol:
  dominated by empty cells, so small). ``*_mse_hits``: only over cells hit in both the target
  and the prediction: the error a listener hears.
* ``codebook_perplexity``: exp(entropy) of code usage; ``codes_used``: codes used at least once.
* ``position_kl``: the paper's "KL distance" of velocity or microtiming: the values of every hit
  at each metrical position of the beat (1, e, &, a) are histogrammed (20 bins over the value
  range, one pseudo-count per bin so an empty bin is not infinitely surprising), KL(real ‖
  generated) is taken per position, and the four are averaged.
"""

from __future__ import annotations

import numpy as np

from ..constants import STEPS_PER_BEAT  # metrical positions 1, e, &, a


def note_f1(true: np.ndarray, pred: np.ndarray) -> float:
    t, p = true > 0.5, pred > 0.5
    tp = float(np.logical_and(t, p).sum())
    denom = float(t.sum() + p.sum())
    return 1.0 if denom == 0 else 2 * tp / denom


def note_f1_steps(true: np.ndarray, pred: np.ndarray) -> float:
    t, p = (true > 0.5).reshape(-1, true.shape[-1]), (pred > 0.5).reshape(-1, pred.shape[-1])
    tp = np.logical_and(t, p).sum(-1)
    denom = t.sum(-1) + p.sum(-1)
    return float(np.where(denom == 0, 1.0, 2 * tp / np.maximum(denom, 1)).mean())


def codebook_usage(codes: np.ndarray, size: int) -> tuple[float, int]:
    """(perplexity, codes used) of code indices."""
    counts = np.bincount(codes.ravel(), minlength=size).astype(np.float64)
    p = counts / max(counts.sum(), 1)
    entropy = -(p[p > 0] * np.log(p[p > 0])).sum()
    return float(np.exp(entropy)), int((counts > 0).sum())


def reconstruction_metrics(hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray, pred: dict[str, np.ndarray],
                           codebook_size: int | None = None) -> dict[str, float]:
    """Compare predicted grids (``pred``: hits, velocity, offset, optional codes) with the truth."""
    both = (hits > 0.5) & (pred["hits"] > 0.5)
    out = {
        "note_f1": note_f1(hits, pred["hits"]),
        "note_f1_steps": note_f1_steps(hits, pred["hits"]),
        "velocity_mse": float(((pred["velocity"] - velocity) ** 2).mean()),
        "offset_mse": float(((pred["offset"] - offset) ** 2).mean()),
        "velocity_mse_hits": float(((pred["velocity"] - velocity)[both] ** 2).mean()) if both.any() else 0.0,
        "offset_mse_hits": float(((pred["offset"] - offset)[both] ** 2).mean()) if both.any() else 0.0,
    }
    if codebook_size and "codes" in pred:
        out["codebook_perplexity"], out["codes_used"] = codebook_usage(pred["codes"], codebook_size)
    return out


KL_BINS = 20


def position_kl(true_values: np.ndarray, true_hits: np.ndarray, pred_values: np.ndarray, pred_hits: np.ndarray,
                value_range: tuple[float, float], bins: int = KL_BINS) -> float:
    """Mean over the 4 positions of the beat of KL(real ‖ generated) between value histograms.

    Arrays are (..., T, drums); the step axis is the second to last, position = step % 4.
    """
    edges = np.linspace(value_range[0], value_range[1], bins + 1)
    kls = []
    for pos in range(STEPS_PER_BEAT):
        hist = []
        for values, hits in ((true_values, true_hits), (pred_values, pred_hits)):
            v, h = values[..., pos::STEPS_PER_BEAT, :], hits[..., pos::STEPS_PER_BEAT, :] > 0.5
            counts = np.histogram(np.clip(v[h], *value_range), bins=edges)[0] + 1.0
            hist.append(counts / counts.sum())
        p, q = hist
        kls.append(float((p * np.log(p / q)).sum()))
    return float(np.mean(kls))


def mean_abs_error(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    """Mean |a - b| over the cells where ``mask`` is true (0 when there are none)."""
    return float(np.abs(a - b)[mask].mean()) if mask.any() else 0.0
