"""Loops stay loops: a part keeps its length in bars, and ``--loop`` wraps.

A hit on a part's last 16th pushed late carries its note-off past the last bar line, and a DAW
then shows (and loops) one more, empty bar. Every note-off therefore stays inside the bars the
input had. With ``--loop`` the part is one turn of a loop: the bar after the last is the
first, so the first bar is decoded after the last (``wrap_before``), and a hit pushed ahead of
the first downbeat sounds at the end of the loop, where it is heard before the next turn's
downbeat (``wrap_early_hits``), instead of being clamped onto it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..constants import OFFSET_SCALE_STEPS, STEPS_PER_BAR
from ..midi.performance import Performance
from .drumgrid import DrumGrid, keep_inside, last_bar_line


def wrap_before(grid: DrumGrid) -> DrumGrid:
    """The grid with its last bar put before its first, for decoding: the first bar's window then
    sees the loop's end before it. ``note_cells`` are the input's and are not valid for it."""
    last = slice(grid.steps - STEPS_PER_BAR, grid.steps)

    def rolled(x: np.ndarray) -> np.ndarray:
        return np.concatenate([x[last], x])

    return DrumGrid(rolled(grid.hits), rolled(grid.velocity), rolled(grid.offset), (grid.bars[-1],) + grid.bars,
                    grid.note_cells)


def unwrap(wrapped: DrumGrid, original: DrumGrid) -> DrumGrid:
    """The original bars' values of a grid decoded from ``wrap_before``."""
    rows = slice(STEPS_PER_BAR, None)
    return original.with_values(wrapped.hits[rows], wrapped.velocity[rows], wrapped.offset[rows])


def wrap_early_hits(out: Performance, grid: DrumGrid, end: int) -> Performance:
    """Notes of the first step pushed ahead of the loop's start (written clamped at tick 0) moved
    to just before ``end``, where they lead into the next turn's downbeat."""
    first = grid.bars[0]
    if first.start != 0:
        return out
    half = out.step_ticks * OFFSET_SCALE_STEPS
    early = {int(d): round(float(grid.offset[0, d]) * half) for d in np.flatnonzero(grid.hits[0] > 0.5)
             if grid.offset[0, d] * half <= -1}
    if not early:
        return out
    notes = []
    for n in out.notes:
        if n.start == 0 and n.drum in early:
            start = end + early[n.drum]
            length = n.end - n.start if n.end is not None else None
            n = replace(n, start=start, end=None if length is None else min(start + max(length, 1), end))
        notes.append(n)
    notes.sort(key=lambda n: (n.start, n.track, n.pitch))
    return replace(out, notes=tuple(notes))


def fit_length(source: Performance, out: Performance, grid: DrumGrid, loop: bool) -> Performance:
    """``out`` (rendered from ``grid``) as many bars long as ``source``: every note-off at or before
    ``source``'s last bar line; with ``loop``, early first hits wrapped to the end first."""
    end = last_bar_line(source)
    if loop:
        out = wrap_early_hits(out, grid, end)
    return keep_inside(out, end)
