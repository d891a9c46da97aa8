"""A Performance as the page draws it: bars (meter, tempo, where they start in beats and seconds),
rows (the drums of the file's map, named as the map names them) and hits (row, beat, velocity,
and how far off the 16th grid, in 16ths: negative early, positive late)."""

from __future__ import annotations

import bisect
from typing import Any

from ..constants import DRUMS
from ..midi.performance import Performance

MICROSECONDS_PER_MINUTE = 60_000_000


def _row_label(perf: Performance, pitch: int, drum: int) -> str:
    name = perf.drum_map.articulations.get(pitch) or DRUMS[drum].replace("_", " ")
    return f"{name} ({pitch})"


def bar_table(perf: Performance) -> list[list[float]]:
    """Per bar: [start beat, beats, numerator, denominator, bpm at its start, start second]."""
    tempos = perf.tempos()
    ticks = [t for t, _ in tempos]
    tpb = perf.ticks_per_beat
    table = []
    for bar in perf.bars:
        tempo = tempos[max(bisect.bisect_right(ticks, bar.start) - 1, 0)][1]
        table.append([round(bar.start / tpb, 4), round(bar.length / tpb, 4), bar.numerator, bar.denominator,
                      round(MICROSECONDS_PER_MINUTE / tempo, 3), round(perf.seconds_at(bar.start), 4)])
    return table


def view(perf: Performance, name: str) -> dict[str, Any]:
    """The page's drawing of one Performance (the name is what the page calls it)."""
    tpb, step = perf.ticks_per_beat, perf.step_ticks
    rows: dict[int, int] = {}
    for note in sorted(perf.notes, key=lambda n: (n.drum, n.pitch)):
        rows.setdefault(note.pitch, note.drum)
    order = {pitch: i for i, pitch in enumerate(rows)}
    starts = [bar.start for bar in perf.bars]
    hits = []
    for note in perf.notes:
        bar = perf.bars[max(bisect.bisect_right(starts, note.start) - 1, 0)]
        steps = (note.start - bar.start) / step
        hits.append([order[note.pitch], round(note.start / tpb, 4), note.velocity, round(steps - round(steps), 3)])
    return {"name": name, "map": perf.drum_map.name, "part": perf.drum_part, "bars": bar_table(perf),
            "rows": [[pitch, drum, _row_label(perf, pitch, drum)] for pitch, drum in rows.items()], "notes": hits}


def summary(mode: str, report: dict[str, Any], seed: int) -> str:
    """One line on what the run did, from the CLI's report."""
    parts = []
    if "bars" in report:
        parts.append(f"{report['bars']} bars")
    if isinstance(report.get("before"), dict) and isinstance(report.get("after"), dict):
        parts.append(f"{report['before'].get('hits')} → {report['after'].get('hits')} notes")
    for key, label in (("notes_added", "added"), ("notes_removed", "removed"), ("bars_added", "new bars"),
                       ("fill_notes", "fill notes"), ("notes", "drum notes"), ("hits", "hits")):
        if isinstance(report.get(key), int) and report[key]:
            parts.append(f"{report[key]} {label}")
    if report.get("genre"):
        parts.append(f"genre {report['genre']}")
    parts.append(f"seed {seed}")
    line = f"{mode}: " + " · ".join(parts)
    return line + (f" ({report['genre_note']})" if report.get("genre_note") else "")
