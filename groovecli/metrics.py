"""Reconstruction metrics on grids (numpy): note F1, velocity and timing MSE, codebook use.

Definitions (PocketVAE §4.2, with our choices where the paper is silent):

* ``note_f1``: F1 over all (window, step, drum) cells: true positives are cells hit in both.
* ``note_f1_steps``: the paper's "average F1 computed at each timestep" (multi-label F1 per step,
  averaged over steps); a step empty in both counts as 1.
* ``velocity_mse`` / ``offset_mse``: over every cell, zeros included (the paper's protocol:
  dominated by empty cells, so small). ``*_mse_hits``: only over cells hit in both the target
  and the prediction: the error a listener hears.
* ``codebook_perplexity``: exp(entropy) of code usage; ``codes_used``: codes used at least once.
"""

from __future__ import annotations

import numpy as np


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
