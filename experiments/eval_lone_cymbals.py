"""Lone cymbal notes in hi-hat grooves: how often GMD's drummers play a crash or ride note that no
other crash or ride joins within a beat, and how often groove's ``add`` does (issue #22, playing
like a drummer; ``grid/genre_vocab.without_lone_cymbals``).

    python experiments/eval_lone_cymbals.py --data ../shared/data/gmd [--split test] [--max-beats 60]

Beats of the split whose style maps to a genre, first 8 bars, whose sketch keeps time on the
hi-hat (a hat at least every 4th 16th on average, no ride): the drummers' own notes, and the sketch
humanized with ``add`` in its genre (bundled weights, seed = the beat's index). Counts per bar the
lone crash/ride notes not in the sketch, and those of them off the beat. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_genre import sketch_of  # noqa: E402

from groovecli.constants import CLOSED_HIHAT, CRASH, OPEN_HIHAT, RIDE, STEPS_PER_BAR, STEPS_PER_BEAT  # noqa: E402
from groovecli.generate.humanize import HumanizeOptions, humanize_grid  # noqa: E402
from groovecli.lab.genre_judge import read_beats  # noqa: E402
from groovecli.runtime.load import load_networks  # noqa: E402

CYMBALS = [CRASH, RIDE]


def lone_cymbals(hits: np.ndarray, sketch: np.ndarray) -> tuple[int, int]:
    """(lone crash/ride notes not in ``sketch``, how many of them off the beat)."""
    cols = (hits[:, CYMBALS] > 0.5).sum(1)
    lone = off = 0
    for t in np.flatnonzero(cols):
        if cols[max(0, t - 4) : t + 5].sum() == cols[t] and not (sketch[t, CYMBALS] > 0.5).any():
            lone += 1
            off += t % STEPS_PER_BEAT != 0
    return lone, off


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--split", default="test", choices=("train", "validation", "test"))
    ap.add_argument("--max-beats", type=int, default=60)
    args = ap.parse_args()
    nets = load_networks()
    totals = {"drummers": np.zeros(2), "groove add": np.zeros(2)}
    bars = 0
    beats = [b for b in read_beats(args.data) if b.split == args.split and b.genre][: args.max_beats]
    for i, beat in enumerate(beats):
        grid, bpm = sketch_of(beat, 8)
        rows = len(grid.hits)
        if grid.hits[:, [CLOSED_HIHAT, OPEN_HIHAT]].sum() < rows / 4 or grid.hits[:, RIDE].any():
            continue
        bars += rows // STEPS_PER_BAR
        totals["drummers"] += lone_cymbals(beat.hits[:rows], grid.hits)
        out = humanize_grid(grid, nets, HumanizeOptions(genre=beat.genre, seed=i), bpm=bpm).grid
        totals["groove add"] += lone_cymbals(out.hits, grid.hits)
    print(json.dumps({"split": args.split, "hi-hat bars": bars,
                      **{k: {"lone per bar": round(v[0] / bars, 4), "off the beat per bar": round(v[1] / bars, 4)}
                         for k, v in totals.items()}}))


if __name__ == "__main__":
    main()
