"""How a song's windows are decoded: in chains that run side by side.

Each window's first bar is the bar the window before it drew (1-bar hop), so a song's windows
form a chain a decoder must walk one window at a time. Walked whole, a 120-bar song is 119
batch-1 decoder passes per network, and a 5,000-bar file 4,999: the decoders' time was most of
groove's (docs/results.md section 9). So a song is cut into chains of at most ``CHAIN_WINDOWS``
windows (and at every run of bars after silence, which has nothing to follow), and the chains
advance in lockstep, one batched pass per step. A chain's first window starts afresh, as a run
after silence always did; with 16-window chains that is once every 16 bars, where phrases turn.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

CHAIN_WINDOWS = 16


def window_chains(n: int, fresh: frozenset[int] = frozenset(), size: int | None = None) -> list[list[int]]:
    """Window indices 0..n-1 cut into chains: one starts at window 0, at every window in ``fresh``
    and after every ``size`` windows (default ``CHAIN_WINDOWS``)."""
    size = size or CHAIN_WINDOWS
    chains: list[list[int]] = []
    for w in range(n):
        if not chains or w in fresh or len(chains[-1]) == size:
            chains.append([])
        chains[-1].append(w)
    return chains


def run_chains(n: int, fresh: frozenset[int], step: Callable[[list[int], list[int] | None, list], np.ndarray],
               size: int | None = None) -> np.ndarray:
    """Decode ``n`` windows chain by chain in lockstep. ``step(rows, previous_rows, out)`` decodes
    the windows ``rows`` at once (``previous_rows``: the window each follows, whose result is in
    ``out``; None at a chain's start) and returns them (len(rows), ...); returns all (n, ...)."""
    chains = window_chains(n, fresh, size)
    out: list = [None] * n
    for j in range(max((len(c) for c in chains), default=0)):
        live = [c for c in chains if len(c) > j]
        rows = [c[j] for c in live]
        for r, x in zip(rows, step(rows, [c[j - 1] for c in live] if j else None, out)):
            out[r] = x
    return np.stack(out) if out else np.zeros(0, np.float32)
