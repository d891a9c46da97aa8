"""A folder of GMD beats humanized with --jobs 2 against --jobs 1, side by side in one run.

    python benchmarks/bench_jobs.py --data ../shared/data/gmd [--files 100] [--repeats 1]

Copies N 4/4 beat files of GMD's test split (then validation, then again under new names when
N asks for more) into a temporary folder and times `groove humanize FOLDER -o OUT -q --seed 0
--jobs J` as a fresh process for J = 1 and 2 (alternating, median of the repeats); checks that
both write the same bytes. Target (issue #27): --jobs 2 at most 0.6x of --jobs 1 on 2 cores.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def copy_beats(data: Path, folder: Path, files: int) -> int:
    """Copy ``files`` GMD beat files into ``folder`` (cycling through them under new names when
    GMD's test and validation beats are fewer); the number of bars they hold."""
    rows = list(csv.DictReader(open(data / "info.csv")))
    beats = [r for split in ("test", "validation") for r in rows
             if r["split"] == split and r["beat_type"] == "beat" and r["time_signature"] == "4-4"]
    folder.mkdir(parents=True)
    bars = 0.0
    for i in range(files):
        r = beats[i % len(beats)]
        shutil.copy(data / r["midi_filename"], folder / f"{i:04d}_{Path(r['midi_filename']).name}")
        bars += float(r["duration"]) * float(r["bpm"]) / 240.0
    return round(bars)


def humanize(folder: Path, out: Path, *extra: str) -> float:
    """Seconds for one `groove humanize` of the folder as a fresh process."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "groovecli", "humanize", str(folder), "-o", str(out), "-q", "--seed", "0",
                    *extra], check=True)
    return time.perf_counter() - t


def same_outputs(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir())
    return names == sorted(p.name for p in b.iterdir()) and all(
        (a / n).read_bytes() == (b / n).read_bytes() for n in names)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        bars = copy_beats(Path(args.data), folder, args.files)
        walls: dict[int, list[float]] = {1: [], 2: []}
        for k in range(args.repeats):
            for jobs in (1, 2):
                walls[jobs].append(humanize(folder, Path(tmp) / f"out{jobs}_{k}", "--jobs", str(jobs)))
        same = same_outputs(Path(tmp) / "out1_0", Path(tmp) / "out2_0")
    one, two = statistics.median(walls[1]), statistics.median(walls[2])
    print(json.dumps({"files": args.files, "bars": bars, "jobs1_s": round(one, 2), "jobs2_s": round(two, 2),
                      "ratio": round(two / one, 3), "same_bytes": same, "repeats": args.repeats,
                      "cpu_count": os.cpu_count()}, indent=2))


if __name__ == "__main__":
    main()
