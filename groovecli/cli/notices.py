"""Plain-text lines about a song the commands print on stderr: no rich, so that a quiet run (``-q``,
a folder's workers) does not import the terminal views (``view.py``)."""

from __future__ import annotations

from ..midi.performance import Performance


def bar_ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` → ``1-3, 7``."""
    out, start = [], None
    for i, n in enumerate(numbers):
        start = n if start is None else start
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(f"{start}" if start == n else f"{start}-{n}")
            start = None
    return ", ".join(out)


def skipped_bars_warning(perf: Performance, fate: str = "passed through unchanged", meters: bool = False) -> str | None:
    """One line naming the bars that are not 4/4 (with ``meters``: that no frame holds,
    ``grid/meters.py``) and what becomes of them, or None."""
    from ..grid.meters import ungrooved

    other = ungrooved(perf.bars, perf.step_ticks, meters)
    if not other or len(other) == len(perf.bars):  # no bar to groove at all is an error, not a warning
        return None
    kinds = ", ".join(sorted({b.meter for b in other}))
    which = f"bar {other[0].index + 1} ({kinds}) is" if len(other) == 1 else f"bars {bar_ranges([b.index + 1 for b in other])} ({kinds}) are"
    return f"{which} {'not grooved' if meters else 'not 4/4'}; {fate}"
