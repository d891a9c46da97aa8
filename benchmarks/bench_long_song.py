"""A producer's long song end to end: humanize and render a 17-minute, 20-track file.

    python benchmarks/bench_long_song.py [--repeats 3] [--minutes 17] [--tracks 20]

The song (built here with mido, ``write_long_song``): 120 bpm 4/4 with a tempo change every 8
bars, a drum track on channel 10 (8th hi-hats, kick, snare), and the other tracks melodic (four
notes a bar each, a controller sweep per bar), about 95,000 events in all, like the song that
took groove 0.5 from 26.7 to 45.6 s (issue #24).

Measured, each as a fresh process (``python -m groovecli``), median of ``--repeats``:
1. ``humanize SONG -o OUT --seed 1``: wall and CPU time (target: at most 6 s on 2 cores; the
   CPU time is what the wall time is on an idle machine), and whether progress was shown on
   stderr (a single file taking over 2 s must show it);
2. ``render SONG`` (the drum part, bundled kit) and ``render SONG --all`` (every channel, with
   the General MIDI SoundFont pretty_midi ships, TimGM6mb): wall and CPU time, peak resident memory
   (target: at most 150 MB) and the loudest sample (full scale, 32767, would be clipping).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import mido
import numpy as np

TPB = 480
BPM = 120


def write_long_song(path: Path, minutes: float = 17.0, tracks: int = 20) -> int:
    """The song described above; returns its number of events."""
    bars = round(minutes * BPM / 4)
    conductor = [(0, mido.MetaMessage("time_signature", numerator=4, denominator=4))]
    conductor += [(b * 4 * TPB, mido.MetaMessage("set_tempo", tempo=round(mido.bpm2tempo(BPM + (b // 8) % 3))))
                  for b in range(0, bars, 8)]
    parts = [_with_name("tempo", conductor), _with_name("Drums", _drums(bars))]
    for i in range(tracks - 2):
        channel = (i % 15) + (1 if i % 15 >= 9 else 0)  # every channel but 10
        parts.append(_with_name(f"Part {i + 1}", _melodic(bars, channel, 36 + 3 * i)))
    mf = mido.MidiFile(type=1, ticks_per_beat=TPB)
    mf.tracks.extend(_track(events) for events in parts)
    mf.save(path)
    return sum(len(t) for t in mf.tracks)


def _with_name(name: str, events: list) -> list:
    return [(0, mido.MetaMessage("track_name", name=name))] + events


def _drums(bars: int) -> list:
    step, events = TPB // 4, []
    for bar in range(bars):
        for k in range(16):
            tick = (bar * 16 + k) * step
            pitches = ([42] if k % 2 == 0 else []) + ([36] if k in (0, 8) else []) + ([38] if k in (4, 12) else [])
            for p in pitches:
                events += [(tick, mido.Message("note_on", channel=9, note=p, velocity=100)),
                           (tick + step // 2, mido.Message("note_off", channel=9, note=p))]
    return events


def _melodic(bars: int, channel: int, pitch: int) -> list:
    events = [(0, mido.Message("program_change", channel=channel, program=channel * 7 % 128))]
    for bar in range(bars):
        for k in range(4):
            tick = bar * 4 * TPB + k * TPB
            note = pitch + (0, 4, 7, 12)[k]
            events += [(tick, mido.Message("note_on", channel=channel, note=note, velocity=80)),
                       (tick + TPB - 10, mido.Message("note_off", channel=channel, note=note))]
        events.append((bar * 4 * TPB, mido.Message("control_change", channel=channel, control=11, value=bar % 128)))
    return events


def _track(events: list) -> mido.MidiTrack:
    track, last = mido.MidiTrack(), 0
    for tick, msg in sorted(events, key=lambda e: (e[0], e[1].type == "note_on")):
        track.append(msg.copy(time=tick - last))
        last = tick
    return track


def timed(cmd: list[str]) -> tuple[float, float, str, float]:
    """(wall seconds, peak RSS in MB, stderr, CPU seconds) of a fresh process running ``cmd``.

    The CPU time (user + system) is the wall time the run takes on an idle machine (groove runs
    on one thread here): on a shared machine the wall time also counts the others' load."""
    code = ("import resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
            "wall = time.perf_counter() - t\n"
            "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "sys.stderr.write(p.stderr)\n"
            "print(wall, use.ru_maxrss / 1024, p.returncode, use.ru_utime + use.ru_stime)\n")
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True, check=True)
    wall, peak, rc, cpu = out.stdout.split()
    if rc != "0":
        raise SystemExit(f"{' '.join(cmd)} failed: {out.stderr}")
    return float(wall), float(peak), out.stderr, float(cpu)


def loudest(path: Path) -> int:
    with wave.open(str(path)) as w:
        return int(np.abs(np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.int32)).max())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--minutes", type=float, default=17.0)
    ap.add_argument("--tracks", type=int, default=20)
    args = ap.parse_args()
    import pretty_midi

    gm_font = Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"
    groove = [sys.executable, "-m", "groovecli"]
    report: dict = {"minutes": args.minutes, "tracks": args.tracks}
    with tempfile.TemporaryDirectory() as tmp:
        song = Path(tmp) / "long.mid"
        report["events"] = write_long_song(song, args.minutes, args.tracks)
        runs = [timed(groove + ["humanize", str(song), "-o", str(Path(tmp) / "out.mid"), "--seed", "1", "--force"])
                for _ in range(args.repeats)]
        report["humanize_s"] = round(statistics.median(r[0] for r in runs), 2)
        report["humanize_cpu_s"] = round(statistics.median(r[3] for r in runs), 2)
        report["humanize_peak_mb"] = round(max(r[1] for r in runs), 1)
        report["humanize_showed_progress"] = all("humanizing" in r[2] for r in runs if r[0] > 2.5)
        for name, extra in (("render", []), ("render_all", ["--all", "--soundfont", str(gm_font)])):
            wav = Path(tmp) / f"{name}.wav"
            runs = [timed(groove + ["render", str(song), "-o", str(wav), "--force", "-q", *extra])
                    for _ in range(args.repeats)]
            report[f"{name}_s"] = round(statistics.median(r[0] for r in runs), 2)
            report[f"{name}_cpu_s"] = round(statistics.median(r[3] for r in runs), 2)
            report[f"{name}_peak_mb"] = round(max(r[1] for r in runs), 1)
            report[f"{name}_loudest_sample"] = loudest(wav)
    report["cpu"] = os.cpu_count()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
