"""Inference speed and memory: `groove --help`, a 4-minute song end to end, model throughput.

With ``--contention N``, N busy processes run beside it and the 120-bar humanize is also timed
with spinning OpenMP threads and with one thread, beside groove's default (threads that sleep).

The end-to-end time is also given as a ratio to `python -c "import torch"` timed in the same run
(the floor any torch program pays), interleaved run by run; the target is at most 0.6 (issue #27:
groove runs on onnxruntime, and a torch program cannot get below that floor). Each process's peak
RSS is its own (``os.wait4``), not the largest of all the children so far.

    python benchmarks/bench_infer.py [--weights PATH] [--repeats 3] [--baseline DIR]

1. `groove --help` as a fresh process (median wall time).
2. `groove humanize` on a 120-bar 4/4 song at 120 bpm (4 minutes) as a fresh process: median
   wall time and peak RSS, then where the time goes, measured inside one process (imports,
   model load, MIDI read, inference, MIDI write).
3. Model throughput (reconstruction, windows/s) at batch 1 and batch 256 on CPU.
With ``--baseline DIR`` (another groove checkout, e.g. ``git worktree add /tmp/groove-0.4 <commit>``),
step 2's fresh-process timing also runs that checkout's code and bundled weights, the two
interleaved run by run so that both see the same machine load, and the ratio is reported.
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
import time
from pathlib import Path

import mido

BARS, BPM, TPB = 120, 120, 480


def write_song(path: Path, bars: int = BARS) -> None:
    """A stiff rock beat at 120 bpm: 8th hi-hats, kick on 1 and 3, snare on 2 and 4, velocity 100."""
    step, events = TPB // 4, []
    for bar in range(bars):
        for k in range(16):
            tick = (bar * 16 + k) * step
            pitches = [42] if k % 2 == 0 else []
            pitches += [36] if k in (0, 8) else []
            pitches += [38] if k in (4, 12) else []
            for p in pitches:
                events += [(tick, 1, mido.Message("note_on", channel=9, note=p, velocity=100)),
                           (tick + step // 2, 0, mido.Message("note_off", channel=9, note=p))]
    track, last = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(BPM))]), 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - last))
        last = tick
    mf = mido.MidiFile(type=0, ticks_per_beat=TPB)
    mf.tracks.append(track)
    mf.save(path)


def timed_process(cmd: list[str], source: str | None = None, extra_env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of a fresh process; ``source``: a checkout to import groove from."""
    env = os.environ | ({"PYTHONPATH": source} if source else {}) | (extra_env or {})
    t = time.perf_counter()
    # run from the checkout: `python -m` puts the working directory ahead of PYTHONPATH, so from this
    # repository's root the "baseline" imported this code (groove <= 0.5's runs of --baseline did)
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=source)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {child.stderr.read().decode()[-500:]}")
    child.stderr.close()
    return wall, usage.ru_maxrss / 1024


def breakdown(song: Path, out: Path, weights: str | None) -> dict[str, float]:
    code = f"""
import time, json
t0 = time.perf_counter()
from groovecli.generate.humanize import HumanizeOptions, humanize
from groovecli.midi import read_midi, write_midi
from groovecli.runtime.load import load_networks
t1 = time.perf_counter()
loaded = load_networks({weights!r})
t2 = time.perf_counter()
perf = read_midi({str(song)!r})
t3 = time.perf_counter()
result = humanize(perf, loaded, HumanizeOptions(seed=0))
t4 = time.perf_counter()
write_midi(result.performance, {str(out)!r}, force=True)
t5 = time.perf_counter()
print(json.dumps({{"imports": t1 - t0, "model_load": t2 - t1, "midi_read": t3 - t2, "inference": t4 - t3,
                  "midi_write": t5 - t4}}))
"""
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return {k: round(v, 3) for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def throughput(weights: str | None) -> dict[str, float]:
    """The torch model's reconstruction throughput (training and evaluation run on torch); {}
    without torch."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return {}
    import numpy as np
    import torch
    from bench_train import synthetic

    from groovecli.lab.validation import to_batch
    from groovecli.weights import load_model

    model = load_model(weights).model
    out = {}
    for batch in (1, 256):
        ds = synthetic(max(batch, 8))
        b = to_batch(ds, np.arange(batch), torch.device("cpu"))
        model.reconstruct(b)  # warm-up
        reps = 20 if batch == 1 else 3
        t = time.perf_counter()
        for _ in range(reps):
            model.reconstruct(b)
        out[f"batch_{batch}_windows_per_s"] = round(batch * reps / (time.perf_counter() - t), 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline", metavar="DIR", help="another groove checkout to time beside this one")
    ap.add_argument("--contention", type=int, default=0, metavar="N",
                    help="keep N other processes busy on the CPU while timing (a machine that is doing something else)")
    args = ap.parse_args()
    groove = [sys.executable, "-m", "groovecli"]
    weights = ["--weights", args.weights] if args.weights else []
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.contention)]
    try:
        report = measure(args, groove, weights)
    finally:
        for b in burners:
            b.kill()
    sys.path.insert(0, str(Path(__file__).parent))
    report |= throughput(args.weights)
    print(json.dumps(report, indent=2))


# How groove's own default (OpenMP threads that sleep while they wait) compares, beside busy
# processes, with threads that spin and with one thread.
THREAD_VARIANTS = {"default (passive wait)": {}, "spinning threads": {"OMP_WAIT_POLICY": "ACTIVE"},
                   "one thread": {"OMP_NUM_THREADS": "1"}}


def thread_variants(command: list[str], repeats: int) -> dict[str, float]:
    """Median wall time of the 120-bar humanize per thread setting, the settings interleaved run by run."""
    times: dict[str, list[float]] = {name: [] for name in THREAD_VARIANTS}
    for _ in range(repeats):
        for name, env in THREAD_VARIANTS.items():
            times[name].append(timed_process(command, extra_env=env)[0])
    return {name: round(statistics.median(t), 3) for name, t in times.items()}


def measure(args, groove: list[str], weights: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        song, out = Path(tmp) / "song.mid", Path(tmp) / "song.groove.mid"
        write_song(song)
        help_s = statistics.median(timed_process(groove + ["--help"])[0] for _ in range(5))
        command = groove + ["humanize", str(song), "-o", str(out), "--force", "-q", "--seed", "0"]
        runs, base_runs, torch_runs = [], [], []
        for _ in range(args.repeats):
            torch_runs.append(timed_process([sys.executable, "-c", "import torch"]))
            runs.append(timed_process(command + weights))
            if args.baseline:
                base_runs.append(timed_process(command, source=str(Path(args.baseline).resolve())))
        report = {
            "help_s": round(help_s, 3),
            "humanize_120_bars_s": round(statistics.median(r[0] for r in runs), 3),
            "import_torch_s": round(statistics.median(r[0] for r in torch_runs), 3),
            "humanize_over_import_torch": round(statistics.median(r[0] for r in runs)
                                                / statistics.median(r[0] for r in torch_runs), 2),
            "humanize_peak_rss_mib": round(max(r[1] for r in runs), 1),
            "import_torch_peak_rss_mib": round(max(r[1] for r in torch_runs), 1),
            "where_the_time_goes_s": breakdown(song, out, args.weights),
            "cpu_count": os.cpu_count(),
            "busy_processes_beside": args.contention,
        }
        if args.contention:
            report["threads_under_contention_s"] = thread_variants(command + weights, args.repeats)
        if base_runs:
            base = statistics.median(r[0] for r in base_runs)
            report |= {"baseline_humanize_120_bars_s": round(base, 3),
                       "slower_than_baseline": round(report["humanize_120_bars_s"] / base - 1, 3)}
    return report


if __name__ == "__main__":
    main()
