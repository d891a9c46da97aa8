"""Does ``--drum-map auto`` say when it is unsure, instead of misreading a sparse part silently?
(issue #23 item 4; docs/producer.md section 3)

    python experiments/eval_map_unsure.py --data ../shared/data/gmd [--split test]

GMD's beats of the split are re-keyed into drum libraries' layouts with the GM -> library tables
of a public mapper, insomnimus/drum-mapper (MIT; ``drums/*.txt`` at commit 677b07a, the entries
for GM pitches 35-59 that differ from GM, copied into ``LIBRARIES`` below), not groove's own map
files. Each beat is re-keyed four ways: busy (every note), kick and snare only, ride only (its
time-keeping notes written as GM ride 51), hats only (written as GM closed hi-hat 42).

A file is read right when at most 2 % of its notes are read as another kind of drum than they
are (kick, snare, time-keeper, tom, crash: ``detect.KIND``; a ride read as a hi-hat is the same
kind: a library's odd articulation) and at most 10 % pass through unread; a misreading with the detection's "unsure" line is said, without it
silent. Prints one JSON object: per library and variant, files, right, unsure, silent.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import mido

from groovecli.constants import CLOSED_HIHAT, KICK, OPEN_HIHAT, RIDE, SNARE
from groovecli.midi.detect import KIND, detect
from groovecli.midi.drummap import GM, GMD

# GM pitch -> library pitch, where they differ (0: the library has no such sound; the note is dropped)
LIBRARIES: dict[str, dict[int, int]] = {
    "Addictive Drums 2": {35: 36, 37: 42, 41: 65, 42: 52, 43: 65, 44: 48, 45: 67, 46: 55, 47: 67, 48: 69, 49: 77,
                          50: 71, 51: 60, 52: 91, 53: 61, 54: 52, 55: 91, 56: 47, 57: 79, 58: 0, 59: 60},
    "EzDrummer 2": {35: 36, 42: 22, 44: 21, 46: 25, 47: 45, 48: 47, 49: 55, 50: 48, 52: 55, 54: 3, 56: 0, 57: 49,
                    58: 0, 59: 51},
    "EzDrummer 3": {35: 36, 42: 22, 44: 21, 46: 24, 47: 45, 48: 47, 49: 86, 50: 48, 52: 86, 54: 3, 55: 86, 56: 0,
                    57: 49, 58: 0, 59: 51},
    "SSD 5": {35: 36, 42: 61, 44: 72, 46: 63, 47: 45, 48: 47, 49: 55, 50: 48, 51: 52, 52: 31, 54: 61, 55: 90, 56: 0,
              58: 0, 59: 52},
    "Superior Drummer 3": {35: 36, 42: 22, 44: 21, 46: 24, 47: 45, 48: 47, 49: 86, 50: 48, 51: 29, 54: 22, 55: 52,
                           56: 0, 57: 49, 58: 0, 59: 29},
    "GGD - OKW Architects": {35: 24, 36: 24, 37: 30, 38: 26, 41: 37, 42: 44, 43: 36, 44: 48, 45: 35, 46: 45, 47: 35,
                             48: 35, 49: 52, 50: 35, 51: 62, 52: 67, 53: 61, 54: 44, 55: 73, 56: 0, 57: 54, 58: 0,
                             59: 62},
    "Ugritone Drums": {35: 36, 37: 38, 43: 41, 45: 43, 46: 32, 47: 45, 48: 47, 50: 48, 54: 42, 56: 0, 58: 0, 59: 51},
}
TIME_KEEPING = (CLOSED_HIHAT, OPEN_HIHAT, RIDE)
VARIANTS = {
    "busy": lambda pitch, drum: (pitch, drum),
    "kick_snare": lambda pitch, drum: (pitch, drum) if drum in (KICK, SNARE) else None,
    "ride_only": lambda pitch, drum: (51, RIDE) if drum in TIME_KEEPING else None,
    "hats_only": lambda pitch, drum: (42, CLOSED_HIHAT) if drum in TIME_KEEPING else None,
}
MAX_UNREAD = 0.1
MAX_WRONG = 0.02


def gm_pitch(pitch: int, drum: int) -> int:
    """A GMD note's pitch in General MIDI: its own where GM has it for the same drum, else GM's
    pitch for that drum (the Roland kit's hi-hat edges 22 and 26 are not GM notes; a converter
    sees the GM file a producer would have)."""
    return pitch if 35 <= pitch <= 59 and GM.class_of(pitch) == drum else GM.output[drum]


def gmd_notes(path: Path) -> list[tuple[int, int, int]]:
    """(GM pitch, 16th of the bar, drum class) of a GMD file's kit notes."""
    mf = mido.MidiFile(path)
    step, out = mf.ticks_per_beat / 4, []
    for track in mf.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity and (drum := GMD.class_of(msg.note)) is not None:
                out.append((gm_pitch(msg.note, drum), round(tick / step) % 16, drum))
    return out


def rekeyed(notes, table, variant) -> list[tuple[int, int, int]]:
    """(library pitch, 16th, true class) of the notes the variant keeps and the library can play."""
    out = []
    for pitch, step, drum in notes:
        kept = VARIANTS[variant](pitch, drum)
        if kept is not None and (lib := table.get(kept[0], kept[0])) != 0:
            out.append((lib, step, kept[1]))
    return out


def judge(notes, show: str | None = None) -> str:
    """"right", "right_said_unsure" (read right, with an unsure line all the same: the line's cost),
    "unsure" (misread, with the unsure line) or "silent" (misread without it); a silent misreading
    is printed to stderr, labelled ``show``, when given."""
    found = detect([(p, s) for p, s, _ in notes])
    read = [found.map.class_of(p) for p, _, _ in notes]
    wrong = sum(r is not None and KIND[r] != KIND[d] for r, (_, _, d) in zip(read, notes))
    unread = sum(r is None for r in read)
    if wrong <= MAX_WRONG * len(notes) and unread <= MAX_UNREAD * len(notes):
        return "right_said_unsure" if found.unsure else "right"
    if found.unsure:
        return "unsure"
    if show is not None:
        misread = Counter((p, d, found.map.class_of(p)) for p, _, d in notes
                          if found.map.class_of(p) is None or KIND[found.map.class_of(p)] != KIND[d])
        print(f"silent: {show}: {len(notes)} notes read as {found.map.name}; (pitch, drum, read as): "
              f"{dict(misread.most_common(4))}; warning: {found.warning}", file=sys.stderr)
    return "silent"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--split", default="test")
    ap.add_argument("--show", action="store_true", help="print each silent misreading to stderr")
    args = ap.parse_args()
    rows = [r for r in csv.DictReader(open(Path(args.data) / "info.csv"))
            if r["split"] == args.split and r["beat_type"] == "beat"]
    beats = [gmd_notes(Path(args.data) / r["midi_filename"]) for r in rows]
    names = [r["id"] for r in rows]
    table: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    totals = {"files": 0, "right": 0, "unsure": 0, "silent": 0, "right_said_unsure": 0}
    for variant in VARIANTS:  # GM files as they are: how often a right reading is called unsure
        counts = {"files": 0, "right": 0, "unsure_lines": 0, "misread": 0}
        for notes in beats:
            notes = rekeyed(notes, {}, variant)
            if len(notes) < 2:
                continue
            counts["files"] += 1
            counts["unsure_lines"] += detect([(p, s) for p, s, _ in notes]).unsure
            counts["right" if judge(notes).startswith("right") else "misread"] += 1
        table["General MIDI (not re-keyed)"][variant] = counts
    for lib, keys in LIBRARIES.items():
        for variant in VARIANTS:
            counts = {"files": 0, "right": 0, "unsure": 0, "silent": 0, "right_said_unsure": 0}
            for name, notes in zip(names, beats):
                notes = rekeyed(notes, keys, variant)
                if len(notes) < 2:
                    continue
                counts["files"] += 1
                verdict = judge(notes, f"{lib}, {variant}, {name}" if args.show else None)
                counts["right" if verdict.startswith("right") else verdict] += 1
                counts["right_said_unsure"] += verdict == "right_said_unsure"
            table[lib][variant] = counts
            totals = {k: totals[k] + counts[k] for k in totals}
    totals["right_or_unsure"] = round((totals["right"] + totals["unsure"]) / max(totals["files"], 1), 4)
    print(json.dumps({"split": args.split, "beats": len(beats), "total": totals, "libraries": table}, indent=1))


if __name__ == "__main__":
    main()
