"""What each genre's drummers add around a sketch: which drums, where in the bar, how loud.

    python experiments/genre_vocab.py --data ../shared/data/gmd [--write models/genre-vocab.json]

Reads every 4/4 beat of GMD's *train* split (fills inside the performances included: a tom
pickup at a phrase end is part of what drummers add). Each bar is split into what a producer
would have drawn (its sketch, ``patterns.derive_template``: kick, backbeat snare, a straight
hi-hat or ride line) and what the drummer played beyond it: the added notes. Per genre, per
kind of sketch (its line on the hi-hat or on the ride) and per place of the bar in a 4-bar
phrase (its downbeat bar, the bar that ends it, the two in between), it counts how often the
drummers add each drum on each 16th where the sketch leaves it empty (added notes per empty
cell), and their mean velocity. Rates are
shrunk towards all genres pooled (``PRIOR_BARS`` bars' worth), so a genre of few beats borrows
from the rest. ``grid/genre_vocab.py`` reads the table: ``humanize --notes add`` keeps, of the
notes it may add, those the genre's drummers add there.

It prints per genre and bar kind the added notes per bar of each drum (the vocabulary a drummer
reads: ghost snares, open-hat barks, ride against the hats, toms at phrase ends, a crash on the
phrase's downbeat), and how often the crash falls on the first 16th of each bar of the phrase.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from groovecli.constants import CRASH, DRUMS, N_DRUMS, STEPS_PER_BAR  # noqa: E402
from groovecli.grid.drumgrid import from_windows, to_windows  # noqa: E402
from groovecli.grid.genre_vocab import BAR_KINDS, CYMBAL_KINDS, bar_kind, cymbal_kind  # noqa: E402
from groovecli.grid.patterns import derive_template  # noqa: E402
from groovecli.lab.genre_judge import read_beats  # noqa: E402

PRIOR_BARS = 20.0  # pooled bars' worth of weight (per cell) each genre's rates are shrunk towards


def added_notes(beat) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The beat's sketch and the notes its drummer added beyond it, per bar: sketch and added
    (bars, 16, 9) bool, velocity (bars, 16, 9)."""
    n_bars = len(beat.hits) // STEPS_PER_BAR
    rows = n_bars * STEPS_PER_BAR
    hits, velocity = beat.hits[:rows] > 0.5, beat.velocity[:rows]
    sketch = from_windows(derive_template(to_windows(hits.astype(np.float32)), to_windows(velocity)), n_bars)[:rows] > 0.5
    shape = (n_bars, STEPS_PER_BAR, N_DRUMS)
    return sketch.reshape(shape), (hits & ~sketch).reshape(shape), velocity.reshape(shape)


def count(beats, played: bool = False) -> dict:
    """Per (cymbal kind, bar kind): bars, added notes per cell (16, 9), how many bars left each
    cell empty, velocity sums (16, 9). ``played``: every note the drummers played counts as
    added, every cell as empty (the genre's whole part, not what it adds to its sketches)."""
    out = defaultdict(lambda: {"bars": 0, "added": np.zeros((STEPS_PER_BAR, N_DRUMS)),
                               "free": np.zeros((STEPS_PER_BAR, N_DRUMS)),
                               "velocity": np.zeros((STEPS_PER_BAR, N_DRUMS))})
    for beat in beats:
        sketch, added, velocity = added_notes(beat)
        if played:
            added = added | sketch
        for b in range(len(sketch)):
            if not sketch[b].any():
                continue  # silence is not a sketch to decorate
            cell = out[(cymbal_kind(sketch[b]), bar_kind(b))]
            cell["bars"] += 1
            cell["added"] += added[b]
            cell["free"] += np.ones_like(sketch[b]) if played else ~sketch[b]
            cell["velocity"] += velocity[b] * added[b]
    return out


def rates(counts: dict, pooled: dict) -> dict:
    """How often a cell the sketch leaves empty gets an added note (added / bars with that cell
    empty), shrunk towards the pooled rates; mean velocity per cell. Counted against the empty
    cells, not all bars: a genre whose sketches draw a drum on most 16ths (New Orleans' loud
    snare) adds it rarely to its own sketches, but often where a sparser sketch leaves room."""
    table = {}
    for cym in CYMBAL_KINDS:
        for kind in BAR_KINDS:
            mine, prior = counts.get((cym, kind)), pooled[(cym, kind)]
            prior_rate = prior["added"] / np.maximum(prior["free"], 1)
            free = 0 if mine is None else mine["free"]
            added = 0 if mine is None else mine["added"]
            table.setdefault(cym, {})[kind] = np.round((added + PRIOR_BARS * prior_rate) / (free + PRIOR_BARS), 4).tolist()
    vel_sum = sum(c["velocity"] for c in counts.values())
    n = sum(c["added"] for c in counts.values())
    velocity = np.where(n > 0, vel_sum / np.maximum(n, 1), np.nan)
    return {"bars": {f"{c}/{k}": v["bars"] for (c, k), v in counts.items()}, "rate": table,
            "velocity": [[None if np.isnan(x) else round(float(x), 3) for x in row] for row in velocity]}


def show(genre: str, counts: dict) -> None:
    for cym in CYMBAL_KINDS:
        for kind in BAR_KINDS:
            c = counts.get((cym, kind))
            if c is None or c["bars"] < 10:
                continue
            per = c["added"].sum(0) / c["bars"]
            print(f"| {genre} | {cym} | {kind} | {c['bars']} | " + " | ".join(f"{x:.2f}" for x in per)
                  + f" | {c['added'][0, CRASH] / c['bars']:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="the Groove MIDI Dataset folder (info.csv)")
    ap.add_argument("--write", metavar="JSON", help="store the table humanize --notes add reads")
    ap.add_argument("--played", action="store_true",
                    help="a trial: rates of every note the drummers play, not of what they add to their sketch")
    args = ap.parse_args()
    by_genre = defaultdict(list)
    for beat in read_beats(args.data):
        if beat.split == "train" and beat.genre is not None:
            by_genre[beat.genre].append(beat)
    counts = {g: count(b, args.played) for g, b in by_genre.items()}
    pooled = count([b for beats in by_genre.values() for b in beats], args.played)
    print("Added notes per bar (train beats), by the sketch's line and the bar's place in a 4-bar phrase\n")
    print("| genre | sketch line | bar | bars | " + " | ".join(DRUMS) + " | crash on the 1 |")
    print("|---|---|---|---|" + "---|" * (N_DRUMS + 1))
    for genre in sorted(by_genre, key=lambda g: -len(by_genre[g])):
        show(genre, counts[genre])
    out = {g: rates(counts[g], pooled) for g in by_genre}
    out_any = rates(pooled, pooled)
    if args.write:
        Path(args.write).write_text(json.dumps({"source": "experiments/genre_vocab.py, GMD train beats",
                                                "prior_bars": PRIOR_BARS, "genres": out, "any": out_any},
                                               separators=(",", ":")) + "\n")
        print(f"\nwrote {args.write} ({Path(args.write).stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
