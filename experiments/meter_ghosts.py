"""Snare ghosts in a 6/8 part: do they stay ghosts under the other meters' velocity lean?

    python experiments/meter_ghosts.py [--seeds 3] [--no-meter-feel] [--added-notes lower|model|mapped]

A constructed part (8 bars of 6/8 at 70 bpm: hi-hat on the 8ths, kick on both beats, the backbeat
snare on the second beat, a snare ghost a 16th after each beat), written flat (every note 100)
and programmed (ghosts 30, backbeat 110), humanized with the defaults and ``--notes keep`` (so
only the written notes are scored). Prints, per seed, the mean output velocity of the ghosts
after the first beat, after the second, and of the backbeat, and what the model decoded for
them before the lean. Then the same part written flat *without* its ghosts, humanized with the
defaults (``--notes add``): the snare notes groove adds (mean, max and how many), against the
written backbeat. ``--no-meter-feel`` humanizes with no other-meter table; ``--added-notes``
sets what the lean does to added notes (``feel.ADDED_NOTES``; "mapped" is groove before branch
meters23c). No data is read: the
figures are about one constructed part, not GMD (docs/producer.md section 4).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from unittest import mock

import mido
import numpy as np

from groovecli.generate import feel
from groovecli.generate.humanize import HumanizeOptions, humanize
from groovecli.grid import meter_feel
from groovecli.midi import read_midi
from groovecli.runtime.load import load_networks

STEP = 120  # ticks per 16th at 480 per quarter
CELLS = {"ghost after beat 1": 1, "ghost after beat 2": 7, "backbeat": 6}  # 16th of the frame


def six_eight(path: Path, ghost: int | None, backbeat: int, bars: int = 8) -> Path:
    """The 6/8 part; ``ghost`` None: written without its ghosts."""
    mid = mido.MidiFile(ticks_per_beat=4 * STEP)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(70)))
    track.append(mido.MetaMessage("time_signature", numerator=6, denominator=8))
    notes = []
    for b in range(bars):
        base = b * 12 * STEP
        notes += [(base + k * STEP, 42, 100 if ghost in (None, backbeat) else 90) for k in range(0, 12, 2)]
        notes += [(base, 36, 100), (base + 6 * STEP, 36, 100), (base + 6 * STEP, 38, backbeat)]
        notes += [] if ghost is None else [(base + STEP, 38, ghost), (base + 7 * STEP, 38, ghost)]
    events = sorted([(t, 1, mido.Message("note_on", channel=9, note=n, velocity=v)) for t, n, v in notes]
                    + [(t + STEP // 2, 0, mido.Message("note_off", channel=9, note=n)) for t, n, _ in notes],
                    key=lambda e: (e[0], e[1]))
    last = 0
    for tick, _, message in events:
        track.append(message.copy(time=tick - last))
        last = tick
    mid.save(path)
    return path


def snare_cells(velocity: np.ndarray, hits: np.ndarray) -> dict[str, int | None]:
    """Mean velocity (1-127) of the snare at each of ``CELLS`` (None where no snare plays)."""
    pos = np.arange(len(hits)) % 16
    cells = {name: (hits[:, 1] > 0.5) & (pos == step) for name, step in CELLS.items()}
    return {name: round(float(velocity[at, 1].mean() * 127)) if at.any() else None for name, at in cells.items()}


def added_snares(take) -> str:
    """The snare notes groove added to the ghost-less part (those a 16th after a beat, the ghosts'
    place, and the others), against its written backbeat."""
    snare = np.round(take.after.velocity[:, 1] * 127)
    written = take.before.hits[:, 1] > 0.5
    added = (take.after.hits[:, 1] > 0.5) & ~written
    pos = np.arange(len(snare)) % 16
    ghost = added & np.isin(pos, [CELLS["ghost after beat 1"], CELLS["ghost after beat 2"]])
    backbeat = np.median(snare[written])
    line = f"backbeat median {backbeat:.0f} (min {snare[written].min():.0f}); "
    for name, cells in (("a 16th after a beat", ghost), ("elsewhere", added & ~ghost)):
        line += (f"added {name}: {int(cells.sum())}" + (
            f", mean {snare[cells].mean():.0f}, max {snare[cells].max():.0f}, "
            f"at or above the backbeat median {int((snare[cells] >= backbeat).sum())}; " if cells.any() else "; "))
    return line.rstrip("; ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-meter-feel", action="store_true", help="humanize with no other-meter table")
    parser.add_argument("--added-notes", default=feel.ADDED_NOTES, choices=("lower", "model", "mapped"),
                        help="what the lean does to the notes groove adds (feel.ADDED_NOTES)")
    args = parser.parse_args()
    mock.patch.object(feel, "ADDED_NOTES", args.added_notes).start()
    nets = load_networks()
    decoded: dict[str, dict] = {}
    lean = feel.lean_other_meters

    def capture(played, model, hits, kinds, *rest, **kwargs):
        decoded["cells"] = snare_cells(model["velocity"], hits)
        return lean(played, model, hits, kinds, *rest, **kwargs)

    table = {} if args.no_meter_feel else meter_feel.entries()
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(feel, "lean_other_meters", capture), \
            mock.patch.object(meter_feel, "entries", lambda: table):
        for name, ghost, backbeat in (("flat", 100, 100), ("programmed", 30, 110)):
            perf = read_midi(six_eight(Path(folder) / f"{name}.mid", ghost, backbeat))
            for seed in range(args.seeds):
                take = humanize(perf, nets, HumanizeOptions(seed=seed, notes="keep"))
                out = snare_cells(take.after.velocity, take.after.hits)
                print(f"{name} seed {seed}: " + "; ".join(f"{k} {out[k]} (decoded {decoded['cells'][k]})" for k in CELLS))
        perf = read_midi(six_eight(Path(folder) / "bare.mid", None, 100))
        for seed in range(args.seeds):
            print(f"flat, no ghosts written, --notes add, seed {seed}: "
                  + added_snares(humanize(perf, nets, HumanizeOptions(seed=seed))), flush=True)


if __name__ == "__main__":
    main()
