"""Rich renderables: the drum grid in a terminal, and dataset tables.

A cell is two characters: a bar whose height is the velocity (coloured from soft blue to loud
red, as DAW piano rolls shade velocity), then ``‹`` for an early hit or ``›`` for a late one.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..constants import DRUM_LABELS, N_DRUMS, STEPS_PER_BAR, STEPS_PER_BEAT, TIMING_PATTERN_DEADBAND
from ..errors import GrooveError
from ..grid.drumgrid import DrumGrid
from ..grid.meters import ungrooved
from ..midi.performance import Bar, Performance
from .notices import bar_ranges

_LEVELS = "▁▂▃▄▅▆▇█"
_LABEL_WIDTH = 11
_BAR_WIDTH = 2 * STEPS_PER_BAR + 1


def parse_bar_range(text: str, n_bars: int) -> tuple[int, int]:
    """``A:B``, ``A:``, ``:B`` or ``A`` (1-based, inclusive) → (first, last) clipped to the song.

    Raises:
        GrooveError: for a malformed range or one outside the song.
    """
    first_s, sep, last_s = text.partition(":")
    try:
        first = int(first_s) if first_s.strip() else 1
        last = int(last_s) if last_s.strip() else (n_bars if sep else first)
    except ValueError:
        raise GrooveError(f"--bars {text!r} is not a range; write A:B, e.g. 1:8") from None
    if first < 1 or last < first:
        raise GrooveError(f"--bars {text!r}: give 1 <= A <= B")
    if first > n_bars:
        raise GrooveError(f"--bars {text!r}: the song has {n_bars} bar(s)")
    return first, min(last, n_bars)


def _velocity_style(v: float) -> str:
    # Blue (soft) through yellow to red (loud), like the velocity colours of a DAW.
    r = int(255 * min(1.0, 2 * v))
    b = int(255 * min(1.0, 2 * (1 - v)))
    g = int(200 * (1 - abs(2 * v - 1)))
    return f"rgb({r},{g},{b})"


def _cell(hit: float, velocity: float, offset: float, beat: bool) -> Text:
    if hit < 0.5:
        return Text("· " if beat else "  ", style="grey50")
    glyph = _LEVELS[min(int(velocity * len(_LEVELS)), len(_LEVELS) - 1)]
    mark = "‹" if offset < -TIMING_PATTERN_DEADBAND else "›" if offset > TIMING_PATTERN_DEADBAND else " "
    return Text(glyph, style=_velocity_style(velocity)) + Text(mark, style="bold")


def _frame_label(grid: DrumGrid, i: int) -> str:
    # A bar of another meter is shown as the frames groove plays it in (meters.py): its number and
    # meter on the first, "…" on a long bar's later frames.
    bar = grid.bars[i]
    if bar.meter == "4/4":
        return str(bar.index + 1)
    later = i > 0 and grid.bars[i - 1].index == bar.index
    return f"… {bar.meter}" if later else f"{bar.index + 1} {bar.meter}"


def _bar_block(grid: DrumGrid, rows: list[int], bar_indices: list[int], step_ticks: float) -> list[Text]:
    header = Text(" " * _LABEL_WIDTH)
    for i in bar_indices:
        header.append(f"{_frame_label(grid, i):<{_BAR_WIDTH}}", style="bold")
    lines = [header]
    for d in rows:
        line = Text(f"{DRUM_LABELS[d]:<{_LABEL_WIDTH}}")
        for i in bar_indices:
            line.append("│", style="grey50")
            # a frame shorter than 16 steps leaves its padding blank: nothing is ever placed there
            steps = min(STEPS_PER_BAR, round(grid.bars[i].length / step_ticks))
            for k in range(STEPS_PER_BAR):
                t = i * STEPS_PER_BAR + k
                line.append_text(_cell(grid.hits[t, d], grid.velocity[t, d], grid.offset[t, d], k % STEPS_PER_BEAT == 0)
                                 if k < steps else Text("  "))
        lines.append(line)
    return lines


def _tempo_text(perf: Performance, first: Bar, last: Bar) -> str:
    tempos = perf.tempos()
    in_range = [us for t, us in tempos if first.start <= t < last.start + last.length]
    before = [us for t, us in tempos if t <= first.start][-1:]
    bpms = sorted({round(60e6 / us, 1) for us in before + in_range})
    return f"{bpms[0]:g} bpm" if len(bpms) == 1 else f"{bpms[0]:g}-{bpms[-1]:g} bpm"


def grid_view(perf: Performance, grid: DrumGrid, *, bars: str | None = None, width: int = 80,
              title: str | None = None) -> RenderableType:
    """The grid of a song's bars, as many bars per line as ``width`` allows (a bar of another meter as
    the 16-step frames groove plays it in; bars no frame holds are listed as passed through).

    Args:
        perf: the Performance the grid was quantized from (for tempo and meters).
        grid: its grid (``quantize(perf, meters=True)``, or a take's).
        bars: a 1-based song bar range ``A:B``; None shows the whole song.
        width: console width in characters.
        title: the grid's heading (None: the file it shows).
    """
    n_song_bars = len(perf.bars)
    first, last = parse_bar_range(bars, n_song_bars) if bars else (1, n_song_bars)
    shown = [i for i, b in enumerate(grid.bars) if first <= b.index + 1 <= last]
    if not shown:
        raise GrooveError(f"bars {first}-{last} hold no bar groove plays (only bars a meter change cuts short)")
    used = [d for d in range(N_DRUMS) if grid.hits[:, d].any()]
    meters = sorted({b.meter for b in perf.bars[first - 1 : last]})
    framed = any(b.meter != "4/4" for b in grid.bars)  # the grid was quantized with meters framed
    passed = ungrooved(perf.bars[first - 1 : last], perf.step_ticks, meters=framed)
    head = Text(f"{perf.source if title is None else title}\n", style="bold")
    head.append(f"bars {first}-{last} of {n_song_bars} · {', '.join(meters)} · "
                f"{_tempo_text(perf, perf.bars[first - 1], perf.bars[last - 1])} · {perf.ticks_per_beat} ticks/beat")
    parts: list[RenderableType] = [head]
    if passed:
        parts.append(Text(f"not shown (passed through): bars {bar_ranges([b.index + 1 for b in passed])}",
                          style="yellow"))
    per_line = max(1, (width - _LABEL_WIDTH) // _BAR_WIDTH)
    for i in range(0, len(shown), per_line):
        parts.extend(_bar_block(grid, used, shown[i : i + per_line], perf.step_ticks))
        parts.append(Text(""))
    parts.append(Text(f"height/colour = velocity ({_LEVELS[0]} soft … {_LEVELS[-1]} loud)   ‹ early   › late   · beat",
                      style="grey50"))
    return Group(*parts)


def counts_table(counts: dict[str, dict[str, int]], title: str) -> Table:
    """Windows per genre (rows) and split (columns), with totals."""
    splits = list(next(iter(counts.values())))
    table = Table(title=title)
    table.add_column("genre")
    for s in splits + ["total"]:
        table.add_column(s, justify="right")
    for genre, row in counts.items():
        table.add_row(genre, *(f"{row[s]:,}" for s in splits), f"{sum(row.values()):,}")
    totals = [sum(r[s] for r in counts.values()) for s in splits]
    table.add_row("all", *(f"{t:,}" for t in totals), f"{sum(totals):,}", style="bold")
    return table


class TrainingProgress:
    """Draws a Trainer's events: epoch and step bars with each loss term, windows/s and ETA."""

    _TERMS = ("note", "velocity_nll", "offset_nll", "velocity_sse", "offset_sse", "velocity_kl", "offset_kl", "kl",
              "codebook", "note_kl")

    def __init__(self, console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.console = console
        self.progress = Progress(
            TextColumn("{task.description:>6}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            TextColumn("{task.fields[info]}"), console=console, transient=False,
        )
        self.epoch_task = self.step_task = None

    def __enter__(self) -> TrainingProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self.epoch_task is not None:  # started only once training does, so early errors stay one line
            self.progress.stop()

    def __call__(self, name: str, stats: dict) -> None:
        if name == "start":
            self.progress.start()
            self.epoch_task = self.progress.add_task("epoch", total=stats["epochs"], completed=stats["epoch"], info="")
            self.step_task = self.progress.add_task("step", total=stats["steps"], info="")
        elif name == "step" and self.step_task is not None:
            terms = " ".join(f"{k.replace('_sse', '').replace('_nll', '').replace('offset', 'time')} {stats[k]:.3g}"
                             for k in self._TERMS if k in stats)
            self.progress.update(self.step_task, completed=stats["step"],
                                 info=f"loss {stats['loss']:.3g} | {terms} | {stats['windows_per_s']:.0f} win/s")
        elif name == "epoch":
            v = stats["val"]
            self.progress.advance(self.epoch_task)
            self.progress.reset(self.step_task)
            mark = " *" if stats["improved"] else ""
            if "val_loss" in v:  # the conditional models (train_cond.py)
                feel = f"loss {v['val_loss']:.2f}"
            elif "velocity_nll" in v:
                feel = f"velocity {v['velocity_nll']:.3f} / timing {v['offset_nll']:.3f} nats per note"
            else:
                feel = f"velocity MSE (hits) {v['velocity_mse_hits']:.4f}, timing MSE (hits) {v['offset_mse_hits']:.4f}"
            self.console.print(
                f"epoch {stats['epoch'] + 1}: val note F1 {v['note_f1']:.3f}, {feel}"
                + (f", codes used {v['codes_used']}" if "codes_used" in v else "") + f" ({stats['seconds']:.0f} s){mark}"
            )
        elif name in ("prior_epoch", "classifier_epoch"):  # the guesser reports as a classifier
            what = "prior val CE" if name == "prior_epoch" else "classifier val accuracy"
            value = stats.get("val_ce", stats.get("val_accuracy"))
            self.console.print(f"{name.split('_')[0]} epoch {stats['epoch'] + 1}: {what} {value:.4f}")


# (header, field, format): short headers so the table fits 80 columns; `--json` has every field.
_FEATURE_COLUMNS = (
    ("notes", "notes_per_bar", "{:.1f}"),
    ("dens.", "density", "{:.3f}"),
    ("synco", "syncopation", "{:.2f}"),
    ("symm.", "symmetry", "{:.2f}"),
    ("l.back", "laidbackness", "{:+.2f}"),
    ("swing", "swingness", "{:.2f}"),
    ("acc.ms", "timing_accuracy_ms", "{:.1f}"),
    ("vel", "velocity_mean", "{:.0f}"),
    ("±vel", "velocity_spread", "{:.1f}"),
)


def features_table(song, title: str) -> Table:
    """GrooveToolbox-style features (a ``features.SongFeatures``): one row per 2-bar window, then the song."""
    from rich import box

    table = Table(title=title, box=box.SIMPLE_HEAD, caption="notes per bar; density, syncopation (sum over drums), "
                  "symmetry, laidbackness (-1 pushed … +1 laid back), swingness; timing accuracy in ms; "
                  "velocity mean ± spread (MIDI). `--json` adds low/mid/high density and syncopation.")
    table.add_column("bars", no_wrap=True)
    for label, _, _ in _FEATURE_COLUMNS:
        table.add_column(label, justify="right", no_wrap=True)

    def cells(f) -> list[str]:
        return [fmt.format(getattr(f, key)) for _, key, fmt in _FEATURE_COLUMNS]

    for label, window in zip(song.labels, song.windows):
        table.add_row(label, *cells(window))
    table.add_row("song", *cells(song.overall), style="bold")
    return table


def report_view(tables: list[tuple[str, list[str], list[list[str]]]]) -> Group:
    """``groove evaluate``'s tables (see ``eval_report.report_tables``)."""
    out = []
    for title, header, rows in tables:
        table = Table(title=title, title_justify="left")
        for i, name in enumerate(header):
            table.add_column(name, justify="left" if i == 0 else "right")
        for row in rows:
            table.add_row(*row)
        out.append(table)
    return Group(*out)
