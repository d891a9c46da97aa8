"""What every generation mode shares around PocketVAE's two steps (``notes.py``, ``feel.py``):
the seeded generator and windows of a song.

Each mode composes them: read → quantize → windows → notes → feel → stitch → render. Randomness
flows from one ``numpy.random.Generator`` per call, seeded from the user's seed; the networks'
sampling loops (``runtime/networks.py``) draw from it too, so a seed gives the same take on
onnxruntime and on torch.
"""

from __future__ import annotations

import numpy as np

from ..grid.drumgrid import DrumGrid, Runs
from ..runtime.networks import Rand

DRAW_CHUNK = 256  # windows whose prior draws are made at once: memory stays bounded on 5,000-bar files


def seeded_generator(seed: int | None) -> tuple[np.random.Generator, int]:
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    return np.random.default_rng(seed), seed


def uniform(rng: np.random.Generator) -> Rand:
    """``rng`` as the networks' loops take their random numbers: uniform [0, 1) float32 of a shape."""
    return lambda shape: rng.random(shape, dtype=np.float32)


def normal(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape, dtype=np.float32)


def offspring(rng: np.random.Generator) -> np.random.Generator:
    """A generator of its own, seeded from ``rng``: for a part whose draws must not shift the
    draws of the parts after it (each feel; a held groove's variations)."""
    return np.random.default_rng(int(rng.integers(2**62)))


def window_arrays(grid: DrumGrid, runs: Runs) -> dict[str, np.ndarray]:
    return {k: np.ascontiguousarray(runs.cut(getattr(grid, k)), dtype=np.float32) for k in ("hits", "velocity", "offset")}


def full(n: int, value: int) -> np.ndarray:
    """(n,) int64 of ``value``: a genre index per window."""
    return np.full(n, value, np.int64)
