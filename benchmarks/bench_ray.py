"""A corpus through Ray on this machine against --jobs 2, and a Ray run resumed after an interrupt.

    python benchmarks/bench_ray.py --data ../shared/data/gmd [--files 1000] [--stop-after 0.4]

Copies N GMD beat files (``bench_jobs.copy_beats``) and, as fresh processes side by side:
1. `groove humanize IN -o A -q --seed 0 --jobs 2`;
2. `groove humanize IN -o B -q --seed 0 --jobs 2 --ray` (a local Ray instance with 2 CPUs);
3. the same Ray command into C, interrupted (SIGINT) once a share ``--stop-after`` of the files
   is written, then run again: the second run must write only the missing files.
Target (issue #27): 2 within 15 % of 1; B and C hold A's bytes. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_jobs import copy_beats, humanize, same_outputs


def interrupted(folder: Path, out: Path, files: int, share: float) -> tuple[int, float]:
    """Start the Ray run, stop it with SIGINT once ``share`` of the outputs exist; (files written
    when it stopped, seconds it ran)."""
    t = time.perf_counter()
    # a shell starts a background job with SIGINT ignored, and its children inherit that: give
    # the run Python's default SIGINT handling back, or the interrupt below is not delivered
    proc = subprocess.Popen([sys.executable, "-m", "groovecli", "humanize", str(folder), "-o", str(out), "-q",
                             "--seed", "0", "--jobs", "2", "--ray"],
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    while proc.poll() is None and (len(list(out.glob("*.mid"))) if out.is_dir() else 0) < share * files:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return len(list(out.glob("*.mid"))), time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--stop-after", type=float, default=0.4)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bars = copy_beats(Path(args.data), root / "in", args.files)
        jobs2 = humanize(root / "in", root / "a", "--jobs", "2")
        ray = humanize(root / "in", root / "b", "--jobs", "2", "--ray")
        done_before, first_s = interrupted(root / "in", root / "c", args.files, args.stop_after)
        stamps = {p.name: p.stat().st_mtime_ns for p in (root / "c").glob("*.mid")}
        resumed = humanize(root / "in", root / "c", "--jobs", "2", "--ray")
        redone = sum(p.stat().st_mtime_ns != stamps[p.name] for p in (root / "c").glob("*.mid") if p.name in stamps)
        result = {"files": args.files, "bars": bars, "jobs2_s": round(jobs2, 1), "ray_s": round(ray, 1),
                  "ray_over_jobs2": round(ray / jobs2, 3), "ray_same_bytes": same_outputs(root / "a", root / "b"),
                  "interrupted_after_s": round(first_s, 1), "written_before_interrupt": done_before,
                  "resume_s": round(resumed, 1), "finished_files_redone": redone,
                  "resumed_same_bytes": same_outputs(root / "a", root / "c"), "cpu_count": os.cpu_count()}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
