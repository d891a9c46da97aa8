"""Write the stiff drum templates in examples/: what a producer draws before running groove.

Every hit is on the grid at velocity 100, on MIDI channel 10 with General MIDI pitches. The rock
example also has a bass track, to show that groove leaves other instruments alone. ``bassline.mid``
is for ``groove drumify``: a funk bass line played by hand (loose timing, accents), one voice on
channel 1, the rhythm a producer might hand groove to get drums for.

    python scripts/make_examples.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import mido

TPB = 480
STEP = TPB // 4  # ticks per 16th
KICK, SNARE, CLOSED_HH, PEDAL_HH, RIDE = 36, 38, 42, 44, 51

# One bar each: pitch -> 16 steps ("x" = hit).
PATTERNS = {
    "rock": (100, {CLOSED_HH: "x.x.x.x.x.x.x.x.", SNARE: "....x.......x...", KICK: "x.......x.x....."}),
    "funk": (100, {CLOSED_HH: "xxxxxxxxxxxxxxxx", SNARE: "....x.......x...", KICK: "x.....x...x....."}),
    "hiphop": (90, {CLOSED_HH: "x.x.x.x.x.x.x.x.", SNARE: "....x.......x...", KICK: "x......x..x....."}),
    "jazz": (130, {RIDE: "x...x..xx...x..x", PEDAL_HH: "....x.......x..."}),
}
BARS = 8


def drum_track(pattern: dict[int, str]) -> mido.MidiTrack:
    events = []
    for bar in range(BARS):
        for pitch, steps in pattern.items():
            for k, c in enumerate(steps):
                if c == "x":
                    start = (bar * 16 + k) * STEP
                    events.append((start, 1, mido.Message("note_on", channel=9, note=pitch, velocity=100)))
                    events.append((start + STEP // 2, 0, mido.Message("note_off", channel=9, note=pitch, velocity=0)))
    return _track("Drums", events)


def bass_track() -> mido.MidiTrack:
    events = [(0, 0, mido.Message("program_change", channel=0, program=33))]
    for bar in range(BARS):
        root = (40, 40, 43, 45)[bar % 4]
        for beat in range(4):
            start = (bar * 16 + beat * 4) * STEP
            events.append((start, 1, mido.Message("note_on", channel=0, note=root, velocity=90)))
            events.append((start + 3 * STEP, 0, mido.Message("note_off", channel=0, note=root, velocity=0)))
    return _track("Bass", events)


# (16th of the bar, pitch, velocity, ticks off the grid): two bars, played twice as many times
BASSLINE = ((0, 40, 112, 4), (3, 40, 70, 14), (6, 52, 64, 9), (8, 43, 104, -4), (10, 45, 78, 12), (11, 47, 60, 17),
            (14, 40, 88, 5), (16, 40, 110, -8), (19, 40, 68, 10), (22, 52, 62, 13), (24, 45, 100, -2), (27, 43, 74, 15),
            (28, 42, 66, 8), (30, 40, 92, 3))


def bassline() -> mido.MidiFile:
    events = [(0, 0, mido.Message("program_change", channel=0, program=33))]
    for rep in range(BARS // 2):
        for k, pitch, velocity, shift in BASSLINE:
            start = (rep * 32 + k) * STEP + shift
            events.append((start, 1, mido.Message("note_on", channel=0, note=pitch, velocity=velocity)))
            events.append((start + STEP, 0, mido.Message("note_off", channel=0, note=pitch, velocity=0)))
    conductor = mido.MidiTrack([mido.MetaMessage("track_name", name="bass line"),
                                mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(96)),
                                mido.MetaMessage("time_signature", numerator=4, denominator=4),
                                mido.MetaMessage("end_of_track")])
    mf = mido.MidiFile(type=1, ticks_per_beat=TPB)
    mf.tracks.extend([conductor, _track("Bass", events)])
    return mf


def _track(name: str, events: list) -> mido.MidiTrack:
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
    last = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - last))
        last = tick
    track.append(mido.MetaMessage("end_of_track", time=BARS * 16 * STEP - last))
    return track


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, (bpm, pattern) in PATTERNS.items():
        conductor = mido.MidiTrack([
            mido.MetaMessage("track_name", name=f"{name} template"),
            mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)),
            mido.MetaMessage("time_signature", numerator=4, denominator=4),
            mido.MetaMessage("end_of_track"),
        ])
        mf = mido.MidiFile(type=1, ticks_per_beat=TPB)
        mf.tracks.extend([conductor, drum_track(pattern)] + ([bass_track()] if name == "rock" else []))
        mf.save(out / f"{name}.mid")
        print(f"wrote {out / f'{name}.mid'}")
    bassline().save(out / "bassline.mid")
    print(f"wrote {out / 'bassline.mid'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "examples")
