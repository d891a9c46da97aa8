"""How often does ``--drum-map auto`` take a General MIDI file for a library's layout, and does it
find the libraries' own layouts?

    python experiments/eval_map_detection.py --data ../shared/data/gmd

1. Every file of the Groove MIDI Dataset (recorded on a Roland kit, written in the GM layout
   with Roland's extra hi-hat pitches): the map ``auto`` picks, counted. Anything but ``gm`` or
   ``gmd`` is a false detection.
2. For every built-in map, the file the tests write in its layout (eight bars of rock on its
   output pitches, then each of its articulations once): the map picked. A map that reads every
   pitch as GM does (EZdrummer, Logic, Ableton...) is fine left to GM.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

import mido

from groovecli.constants import CLOSED_HIHAT, CRASH, KICK, OPEN_HIHAT, SNARE
from groovecli.midi.detect import detect
from groovecli.midi.drummap import GM, builtin_maps


def notes_of(path: Path) -> list[tuple[int, int]]:
    mf = mido.MidiFile(path)
    step, out = mf.ticks_per_beat / 4, []
    for track in mf.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity and msg.channel == 9:
                out.append((msg.note, round(tick / step) % 16))
    return out


BARS = 8  # of groove in a layout file, before its articulations


def layout_notes(m) -> list[tuple[int, int]]:
    """tests/test_maps.py's layout file (eight bars of rock, every articulation once), as (pitch, 16th) pairs."""
    out = m.output
    notes = []
    for _ in range(BARS):
        notes += [(out[CLOSED_HIHAT], k) for k in range(0, 16, 2)]
        notes += [(out[SNARE], k) for k in (4, 12)] + [(out[KICK], k) for k in (0, 8, 10)]
    notes += [(out[CRASH], 0), (out[OPEN_HIHAT], 14)]
    return notes + [(p, (BARS * 16 * 120 + i * 30) // 120 % 16) for i, p in enumerate(sorted(m.articulations))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    args = ap.parse_args()
    rows = list(csv.DictReader(open(Path(args.data) / "info.csv")))
    picked = Counter(detect(notes_of(Path(args.data) / r["midi_filename"])).map.name for r in rows)
    false = sum(v for k, v in picked.items() if k not in ("gm", "gmd"))
    layouts = {}
    for name, m in builtin_maps().items():
        same_as_gm = all(GM.class_of(p) == m.class_of(p) for p in m.classes)
        layouts[name] = {"detected": detect(layout_notes(m)).map.name, "reads_like_gm": same_as_gm}
    print(json.dumps({"gmd_files": len(rows), "gmd_read_as_a_library": false, "gmd_picked": dict(picked.most_common()),
                      "layouts": layouts}, indent=2))


if __name__ == "__main__":
    main()
