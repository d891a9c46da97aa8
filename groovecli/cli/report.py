"""What ``humanize`` and ``transfer`` print: the report of each output, the before/after grids,
the folder run's table, and progress while a folder or one slow file runs.

Every line of a report is a phrase or a few short ones, each under 80 columns, so an 80-column
terminal never wraps one mid-phrase.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

SLOW_S = 2.0  # a single file taking longer than this shows what it is doing
SLOW_ENV = "GROOVE_PROGRESS_AFTER"  # seconds, instead of SLOW_S (the tests set it high: their stderr is exact)


def print_report(results: list[dict], as_json: bool, quiet: bool, views: list) -> None:
    """Each output's report (or the JSON of all), then its before/after grids."""
    import json

    if as_json:
        click.echo(json.dumps(results if len(results) > 1 else results[0], indent=2))
        return
    if quiet:
        return
    from rich.console import Console

    console = Console()
    for r, view in zip(results, views):
        for line in report_lines(r):
            console.print(line, highlight=False)
        if view is not None:
            console.print(view)


def report_lines(r: dict) -> list[str]:
    """One output's report, a phrase or two per line."""
    from rich.markup import escape

    a, b = r["after"], r["before"]
    lines = [f"[bold]{'would write' if r.get('dry_run') else 'wrote'} {escape(r['output'])}[/bold]",
             f"  genre {r['genre']}" + (f", swing {r['swing']}" if r.get("swing") else "") + f", seed {r['seed']}"]
    if r.get("genre_note"):
        lines.append(f"  genre: {escape(r['genre_note'])}")
    lines += [f"  {key}: {escape(str(r[key]))}" for key in ("dynamics", "placement") if r.get(key)]  # what was kept of the input
    if r.get("preview"):
        lines.append(f"  preview: {escape(r['preview'])} (before, then after)")
    if "fills" in r:
        where = ", ".join(map(str, r["fills"])) or "none (no 4/4 bar with notes at those places)"
        lines.append(f"  fills: bar(s) {where} (+{r['fill_notes']} notes)")
        if r.get("fill_replaced"):
            lines.append(f"  {r['fill_replaced']} of your notes in their beats taken over by the fills"
                         " (--fill-over keeps them)")
    lines.append(f"  notes: {b['hits']} → {a['hits']} (+{r['notes_added']} added, -{r['notes_removed']} removed)")
    lines.append(f"  velocity {b['velocity_min']}-{b['velocity_max']} → {a['velocity_min']}-{a['velocity_max']}   "
                 f"mean |timing| {b['mean_abs_timing_ms']} → {a['mean_abs_timing_ms']} ms")
    fb, fa = r["features"]["before"], r["features"]["after"]
    pairs = [f"{label} {fb[key]:{fmt}} → {fa[key]:{fmt}}" for label, key, fmt in (
        ("syncopation", "syncopation", ".2f"), ("laidbackness", "laidbackness", "+.2f"),
        ("swing", "swingness", ".2f"), ("velocity spread", "velocity_spread", ".1f"))]
    lines += ["  " + "   ".join(pairs[:2]), "  " + "   ".join(pairs[2:])]
    return lines


def before_after(perf, result, before_name: str, after_name: str, width: int | None = None):
    """The input's and the output's grids over the first two 4/4 bars that hold drums (a song
    whose drums come in at bar 13 shows bars 13-14), each headed once by its file."""
    import numpy as np
    from rich.console import Console, Group

    from ..constants import STEPS_PER_BAR
    from .view import grid_view

    width = width or Console().width
    sounding = np.flatnonzero(result.before.hits.reshape(-1, STEPS_PER_BAR * result.before.hits.shape[1]).any(1))
    row = int(sounding[0]) if len(sounding) else 0
    first = result.before.bars[row].index + 1
    last = result.before.bars[min(row + 1, len(result.before.bars) - 1)].index + 1
    bars = f"{first}:{last}"
    return Group(grid_view(perf, result.before, bars=bars, width=width, title=f"before: {before_name}"),
                 grid_view(result.performance, result.after, bars=bars, width=width, title=f"after: {after_name}"))


def batch_report(results: list[dict], as_json: bool, quiet: bool) -> None:
    """One table for a folder run: file, notes before → after, seed, output or why there is none."""
    import json

    if as_json:
        click.echo(json.dumps([{k: v for k, v in r.items() if k != "_view"} for r in results], indent=2))
        return
    if quiet:
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for r in results:
        if r.get("_view") is not None:
            console.print(r["_view"])
    from rich.markup import escape

    table = Table("file", "notes", "genre", "seed", "output", title=f"{len(results)} result(s)")
    for r in results:
        name = escape(Path(r["input"]).name)  # a file name may hold [brackets]
        if "output" in r:
            where = ("would write " if r["dry_run"] else "") + escape(r["output"])
            table.add_row(name, f"{r['before']['hits']} → {r['after']['hits']}", r["genre"], str(r["seed"]), where)
        else:
            label = "[yellow]skipped[/yellow]: " if "skipped" in r else "[red]failed[/red]: "
            table.add_row(name, "", "", "", label + escape(r.get("skipped") or r.get("error")))
    console.print(table)


@contextmanager
def folder_progress(total: int, enabled: bool) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr while a folder runs (files done, the last file, elapsed and
    remaining time); yields ``advance(name)``."""
    if not enabled:
        yield lambda name: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("humanizing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), TextColumn("{task.description}"), console=Console(stderr=True),
                  transient=True) as bar:
        task = bar.add_task("", total=total)
        yield lambda name: bar.update(task, advance=1, description=name)


class SlowProgress:
    """What one file's run is doing (``stage``), said on stderr once it has taken ``SLOW_S``:
    one line per stage from then on, so a long song never runs silent and a quick one prints
    nothing."""

    def __init__(self, label: str, enabled: bool = True, delay: float | None = None) -> None:
        delay = float(os.environ.get(SLOW_ENV, SLOW_S)) if delay is None else delay
        self.label, self.enabled, self.stage_name = label, enabled, "starting"
        self.started, self.shown, self._lock = time.perf_counter(), enabled and delay <= 0, threading.Lock()
        self._timer = threading.Timer(delay, self._show) if enabled and delay > 0 else None
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()

    def stage(self, name: str) -> None:
        with self._lock:
            self.stage_name = name
            if self.shown:
                self._say()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _show(self) -> None:
        with self._lock:
            self.shown = True
            self._say()

    def _say(self) -> None:
        click.echo(f"{self.label}: {self.stage_name} ({time.perf_counter() - self.started:.1f} s so far)", err=True)


@contextmanager
def slow_progress(label: str, enabled: bool = True) -> Iterator[SlowProgress]:
    progress = SlowProgress(label, enabled)
    try:
        yield progress
    finally:
        progress.close()
