"""Where each drum class's mean offset comes from: the notes on the sketch's cells and the notes
around them, for the drummers and for groove, on the GMD test songs' templates humanized as
whole songs in their genre (the systems of `groove evaluate` section 2, seed = song index).

    python experiments/eval_class_offsets.py --data ../shared/data/gmd [--weights DIR] [--split validation]
        [--max-files N]

Per system and drum class: mean offset in ms over all its notes, over the notes on the
template's cells, and over the others (ghost notes, hi-hat subdivisions: what `add` adds), each
with its notes per bar. `groove evaluate`'s section 5 compares only the first; the split tells
a feel that plays a cell late from a note model that plays other cells. First, the drummers'
own mean per class in each split of GMD (every note of every 2-bar window, from the dataset
cache): how far apart the splits' drummers are before any model plays. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from groovecli.constants import FEEL_CLASSES, STEPS_PER_BAR, STEPS_PER_BEAT
from groovecli.generate import humanize
from groovecli.lab.data import GENRES, load_dataset
from groovecli.lab.evaluation import STIFF_VELOCITY, _songs
from groovecli.runtime.load import load_networks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--cache")
    parser.add_argument("--weights", help="weights folder or file to measure [default: the bundled weights]")
    parser.add_argument("--split", default="test", choices=["validation", "test"],
                        help="choose training settings on validation; report on test")
    parser.add_argument("--max-files", type=int, default=0)
    args = parser.parse_args()
    dataset = load_dataset(args.data, cache_dir=args.cache)
    report: dict = {"drummers_by_split": {}}
    for split in ("train", "validation", "test"):
        d = dataset.of_split(split)
        ms = d.offset * (60_000.0 / d.bpm / (2 * STEPS_PER_BEAT))[:, None, None]  # offset units are half a 16th
        report["drummers_by_split"][split] = {cls: round(float(ms[:, :, list(cols)][d.hits[:, :, list(cols)] > 0.5].mean()), 2)
                                              for cls, cols in FEEL_CLASSES.items()}
    songs = _songs(args.data, dataset.of_split(args.split), args.max_files)
    loaded = load_networks(args.weights)

    def run(mode: str, own_notes: bool = False) -> list:
        out = []
        for i, s in enumerate(songs):
            g = s.stiff
            if own_notes:
                g = s.real.with_values(s.real.hits, STIFF_VELOCITY * s.real.hits, np.zeros_like(s.real.hits))
            out.append(humanize.humanize_grid(g, loaded, humanize.HumanizeOptions(genre=GENRES[s.genre], seed=i, notes=mode),
                                         bpm=s.bpm).grid)
        return out

    systems = {"drummer": [s.real for s in songs], "groove": run("add"), "groove --notes keep": run("keep"),
               "groove --notes keep, drummer's notes": run("keep", own_notes=True)}
    bars = sum(s.real.steps for s in songs) / STEPS_PER_BAR
    for name, grids in systems.items():
        row = {}
        for cls, cols in FEEL_CLASSES.items():
            c = list(cols)
            parts: dict[str, list[np.ndarray]] = {"all": [], "sketch_cells": [], "other_cells": []}
            for g, s in zip(grids, songs):
                hit = g.hits[:, c] > 0.5
                ms = g.offset[:, c] * s.half_step_ms
                on_sketch = s.template[:, c] > 0.5
                parts["all"].append(ms[hit])
                parts["sketch_cells"].append(ms[hit & on_sketch])
                parts["other_cells"].append(ms[hit & ~on_sketch])
            row[cls] = {k: {"mean_ms": round(float(v.mean()), 2) if len(v) else None,
                            "per_bar": round(len(v) / bars, 2)}
                        for k, v in ((k, np.concatenate(v)) for k, v in parts.items())}
        report[name] = row
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
