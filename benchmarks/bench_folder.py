"""A folder of GMD beats humanized in one command, as a producer runs it.

    python benchmarks/bench_folder.py --data ../shared/data/gmd [--files 100] [--repeats 1]

Copies the first N 4/4 beat files of GMD's test split (then validation) into a temporary
folder and times `groove humanize FOLDER -o OUT -q --seed 0` as a fresh process (the target: 100
files in at most 60 s on 2 cores), beside `python -c "import torch"` in the same run. Prints one
JSON object.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    rows = list(csv.DictReader(open(Path(args.data) / "info.csv")))
    beats = [r for split in ("test", "validation") for r in rows
             if r["split"] == split and r["beat_type"] == "beat" and r["time_signature"] == "4-4"][: args.files]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for i, r in enumerate(beats):
            shutil.copy(Path(args.data) / r["midi_filename"], folder / f"{i:03d}_{Path(r['midi_filename']).name}")
        bars = 0.0
        for r in beats:
            bars += float(r["duration"]) * float(r["bpm"]) / 240.0
        walls, torch_walls = [], []
        for k in range(args.repeats):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import torch"], check=True)
            torch_walls.append(time.perf_counter() - t)
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "groovecli", "humanize", str(folder), "-o", str(Path(tmp) / f"out{k}"),
                            "-q", "--seed", "0"], check=True)
            walls.append(time.perf_counter() - t)
    print(json.dumps({"files": len(beats), "bars": round(bars), "seconds": round(statistics.median(walls), 2),
                      "seconds_per_file": round(statistics.median(walls) / len(beats), 3),
                      "import_torch_s": round(statistics.median(torch_walls), 3), "cpu_count": os.cpu_count()},
                     indent=2))


if __name__ == "__main__":
    main()
