"""A peak limiter for the mix on its way to 16-bit samples: no sample reaches full scale.

groove's master gain is fixed (``render.HEADROOM``), so louder hits stay louder from file to
file; a dense song (a dozen drums struck together at full velocity, or a whole band with
``--all``) can still sum past full scale, and a clipped sample is a click. The limiter turns the
gain down only around such peaks, so every other stretch keeps its level exactly.

It works on windows of ``WINDOW`` frames and looks one window ahead: the gain at each window
boundary is at most the gain both neighbouring windows need, and runs linearly in between, so
no sample is louder than ``CEILING``; after a peak the gain returns to 1 over ``RELEASE_S``.
The mix streams through it block by block (it holds back one window), so memory stays flat.
"""

from __future__ import annotations

import numpy as np

from .voices import SAMPLE_RATE

CEILING = 0.98  # of full scale: the loudest a sample may be
WINDOW = 256  # frames (5.8 ms at 44.1 kHz): the look-ahead, and the resolution of the gain
RELEASE_S = 0.25  # seconds for the gain to rise from 0 back to 1 after a peak


class Limiter:
    """Feed it blocks (frames, 2) with ``process``; call ``flush`` at the end for the rest."""

    def __init__(self) -> None:
        self.pending = np.zeros((0, 2), np.float32)
        self.gain = 1.0  # the gain at the start of the first pending window
        self.rise = WINDOW / (RELEASE_S * SAMPLE_RATE)  # most the gain may rise per window

    def process(self, block: np.ndarray) -> np.ndarray:
        self.pending = np.concatenate([self.pending, block.astype(np.float32, copy=False)])
        ready = (len(self.pending) // WINDOW - 1) * WINDOW  # the last whole window waits for its successor
        return self._limit(ready, final=False) if ready > 0 else np.zeros((0, 2), np.float32)

    def flush(self) -> np.ndarray:
        return self._limit(len(self.pending), final=True)

    def _limit(self, frames: int, final: bool) -> np.ndarray:
        x, n = self.pending, -(-frames // WINDOW)
        padded = np.zeros((n * WINDOW + (0 if final else WINDOW), 2), np.float32)
        seen = min(len(x), len(padded))
        padded[:seen] = x[:seen]
        peaks = np.abs(padded).reshape(-1, WINDOW * 2).max(axis=1)
        need = np.minimum(1.0, CEILING / np.maximum(peaks, 1e-12))  # per window, the gain that fits it
        after = need[1 : n + 1] if not final else np.append(need[1:n], 1.0)
        bounds = np.empty(n + 1)
        bounds[0] = self.gain
        for k in range(n):  # at most the gain both windows need; after a peak, a bounded rise
            bounds[k + 1] = min(need[k], after[k], bounds[k] + self.rise)
        ramp = np.linspace(0.0, 1.0, WINDOW, endpoint=False)
        gain = (bounds[:-1, None] + (bounds[1:] - bounds[:-1])[:, None] * ramp).reshape(-1)[:frames]
        out = x[:frames] * gain[:, None].astype(np.float32)
        self.gain, self.pending = float(bounds[n]) if not final else 1.0, x[frames:]
        return out
