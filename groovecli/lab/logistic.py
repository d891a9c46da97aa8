"""Multinomial logistic regression in numpy: the genre judge and the ``auto`` guesser.

Small, readable models on a few dozen musician-readable numbers; a full-batch gradient descent
on standardised features with an L2 penalty converges in a second on GMD's beats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Logistic:
    """Weights (F, G), bias (G,) on features standardised by ``mean`` and ``scale`` (F,)."""

    weights: np.ndarray
    bias: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def probabilities(self, x: np.ndarray, temperature: float = 1.0) -> np.ndarray:
        return softmax(self.logits(x) / temperature)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def fit_logistic(x: np.ndarray, y: np.ndarray, classes: int, *, l2: float = 1e-2, balanced: bool = False,
                 steps: int = 3000, lr: float = 0.5) -> Logistic:
    """Fit on rows ``x`` (N, F) with labels ``y`` (N,) in ``range(classes)``; ``balanced`` weighs
    each class's rows by the inverse of its count, so a genre with few beats is not ignored."""
    mean, scale = x.mean(0), x.std(0)
    scale = np.where(scale < 1e-8, 1.0, scale)
    xs = (x - mean) / scale
    onehot = np.eye(classes)[y]
    counts = np.bincount(y, minlength=classes).astype(float)
    row_w = (1.0 / np.maximum(counts[y], 1)) * len(np.unique(y)) if balanced else np.ones(len(y))
    row_w = row_w / row_w.sum()
    w, b = np.zeros((x.shape[1], classes)), np.zeros(classes)
    for _ in range(steps):
        g = (softmax(xs @ w + b) - onehot) * row_w[:, None]
        w -= lr * (xs.T @ g + l2 * w)
        b -= lr * g.sum(0)
    return Logistic(w, b, mean, scale)
