"""Held-out real files a user has, in other meters: is every bar grooved? (issue #23 item 3;
docs/producer.md section 4)

    python experiments/eval_held_out.py FILE.mid [FILE.mid ...] [--seed 0]

Each file is humanized with the defaults (``--genre auto``, ``--notes add``). For every bar of the
song: how many written drum notes it holds, whether any of them moved in time and whether any
changed velocity, from the grids groove played (``Take.before`` / ``Take.after``, whose frames
name their song bar). A bar with notes that no frame holds is passed through. Prints one JSON
object per file, with where the file came from when it is one of ``SOURCES``.

The files are not in the repository: they are published transcriptions of copyrighted songs.
Fetch them from the commits in ``SOURCES`` (``git show COMMIT:PATH > FILE``); the sha256 names each.
Bars are numbered from 1, as ``groove show`` does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from groovecli.constants import STEPS_PER_BAR
from groovecli.generate.humanize import humanize
from groovecli.grid.meters import ungrooved
from groovecli.midi import read_midi

SOURCES = {  # the first 16 hex digits of the file's sha256 -> where it was published
    "3bdfcf9d9fbe46e2": {"song": "Take Five (Paul Desmond): a full-band GM transcription, one beat of 4/4 then 5/4",
                         "repository": "github.com/Ardour/ardour", "path": "libs/evoral/test/testdata/TakeFive.mid",
                         "commit": "22ed8656c2533e325322ff11831448e5123e0d4b"},
    "b40fa34940cef2a8": {"song": "Bohemian Rhapsody (Queen): a GM transcription in 4/4, 5/4, 2/4, 12/8 and 6/8",
                         "repository": "github.com/craffel/pretty-midi", "path": "example.mid",
                         "commit": "93b90ff"},
}


def per_bar(take, perf) -> dict[int, dict[str, int]]:
    """For each song bar: its written drum notes, how many moved in time and how many changed
    velocity, and whether no frame held it (passed through)."""
    before, after = take.before, take.after
    written = before.hits > 0.5
    changed = {"timing_changed": written & (np.abs(after.offset - before.offset) > 1e-4),
               "velocity_changed": written & (np.abs(after.velocity - before.velocity) > 0.5 / 127)}
    bars = {bar.index: {"meter": f"{bar.numerator}/{bar.denominator}", "notes": 0, "timing_changed": 0,
                        "velocity_changed": 0, "passed_through": False} for bar in perf.bars}
    for k, frame in enumerate(before.bars):
        rows = slice(k * STEPS_PER_BAR, (k + 1) * STEPS_PER_BAR)
        bars[frame.index]["notes"] += int(written[rows].sum())
        for key, cells in changed.items():
            bars[frame.index][key] += int(cells[rows].sum())
    for bar in ungrooved(perf.bars, perf.step_ticks, True):
        bars[bar.index]["passed_through"] = True
        bars[bar.index]["notes"] = sum(bar.start <= n.start < bar.start + bar.length for n in perf.notes)
    return bars


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for name in args.files:
        path = Path(name)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        perf = read_midi(path)
        bars = per_bar(humanize(perf, seed=args.seed), perf)
        meters: dict[str, dict[str, int]] = defaultdict(lambda: {"bars_with_notes": 0, "grooved": 0})
        for b in bars.values():
            if b["notes"]:
                meters[b["meter"]]["bars_with_notes"] += 1
                meters[b["meter"]]["grooved"] += bool(b["timing_changed"] and b["velocity_changed"])
        print(json.dumps({"file": path.name, "sha256": digest, "source": SOURCES.get(digest), "bars": len(bars),
                          "by_meter": meters,
                          "not_grooved": [i + 1 for i, b in bars.items() if b["notes"] and
                                          not (b["timing_changed"] and b["velocity_changed"])],
                          "passed_through": [i + 1 for i, b in bars.items() if b["passed_through"]]}))


if __name__ == "__main__":
    main()
