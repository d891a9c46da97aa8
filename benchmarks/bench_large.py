"""A file of 100,000 drum notes (5,000 dense bars of 4/4), humanized end to end as a fresh process.

    python benchmarks/bench_large.py [--bars 5000]

Every bar has kick on 1 and 3, snare on 2 and 4 and a closed hi-hat on all 16 sixteenths: 20
notes a bar, 100,000 for 5,000 bars, at 120 bpm.
Prints wall seconds and peak RSS (MB) of `groove humanize FILE -o OUT -q --seed 0` as JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mido

TPB, STEP = 480, 120


def write_song(path: Path, bars: int) -> int:
    events = []
    for bar in range(bars):
        base = bar * 16 * STEP
        hits = [(base + k * STEP, 42) for k in range(16)] + [(base + k * STEP, 36) for k in (0, 8)]
        hits += [(base + k * STEP, 38) for k in (4, 12)]
        for tick, pitch in hits:
            events.append((tick, 1, mido.Message("note_on", channel=9, note=pitch, velocity=100)))
            events.append((tick + STEP // 2, 0, mido.Message("note_off", channel=9, note=pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    track, last = mido.MidiTrack(), 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - last))
        last = tick
    mf = mido.MidiFile(type=0, ticks_per_beat=TPB)
    mf.tracks.append(track)
    mf.save(path)
    return len(events) // 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bars", type=int, default=5000)
    args = ap.parse_args()
    groove = [sys.executable, "-c", "from groovecli.cli import main; main()"]
    with tempfile.TemporaryDirectory() as tmp:
        song, out = Path(tmp) / "large.mid", Path(tmp) / "large.groove.mid"
        notes = write_song(song, args.bars)
        t = time.perf_counter()
        subprocess.run(groove + ["humanize", str(song), "-o", str(out), "-q", "--seed", "0"], check=True)
        wall = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"bars": args.bars, "notes": notes, "seconds": round(wall, 1), "peak_rss_mb": round(peak)}))


if __name__ == "__main__":
    main()
