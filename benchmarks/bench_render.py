"""Rendering speed and memory: a 4-minute song's drums to WAV with the bundled kit.

    python benchmarks/bench_render.py [--repeats 5]

1. `groove render` on a 120-bar song at 120 bpm (4 minutes; ``bench_infer.write_song``'s stiff
   rock beat) as a fresh process: median wall time (target: under 2 s on 2 cores).
2. Inside one process: the render alone (font already read), and the peak memory the render
   allocates (tracemalloc) for the 4-minute song and for the same beat 4 times as long, which
   should be about the same (the mix is written block by block).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench_infer import write_song


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    from groovecli.audio.render import load_font, render_file
    from groovecli.midi.read import read_midi

    with tempfile.TemporaryDirectory() as tmp:
        song, long_song = Path(tmp) / "song.mid", Path(tmp) / "long.mid"
        write_song(song, 120)
        write_song(long_song, 480)
        walls = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "groovecli", "render", str(song), "-o", str(Path(tmp) / "a.wav"),
                            "--force", "-q"], check=True)
            walls.append(time.perf_counter() - t)
        font = load_font()
        report = {"render_4_min_process_s": round(statistics.median(walls), 3)}
        for name, path in (("4_min", song), ("16_min", long_song)):
            perf = read_midi(path)
            t = time.perf_counter()
            render_file(perf, Path(tmp) / "b.wav", font=font, force=True)
            report[f"render_{name}_in_process_s"] = round(time.perf_counter() - t, 3)
            tracemalloc.start()
            render_file(perf, Path(tmp) / "b.wav", font=font, force=True)
            report[f"render_{name}_peak_alloc_mb"] = round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
            tracemalloc.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
