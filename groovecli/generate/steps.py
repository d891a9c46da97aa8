"""What every generation mode shares around PocketVAE's two steps (``notes.py``, ``feel.py``):
the seeded generator, windows of a song, and the thread pool's one-thread guard.

Each mode composes them: read → quantize → windows → notes → feel → stitch → render. Randomness
flows from one ``torch.Generator`` per call, seeded from the user's seed.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch

from ..grid.drumgrid import DrumGrid, Runs

DRAW_CHUNK = 256  # windows whose prior draws are made at once: memory stays bounded on 5,000-bar files


def seeded_generator(seed: int | None) -> tuple[torch.Generator, int]:
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    return torch.Generator().manual_seed(seed), seed


@contextmanager
def one_thread():
    """Window-by-window decoding runs at batch 1, where thread hand-offs cost more than they
    save (``python benchmarks/bench_infer.py``); restores the setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def window_tensors(grid: DrumGrid, runs: Runs) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(runs.cut(getattr(grid, k))) for k in ("hits", "velocity", "offset")}


