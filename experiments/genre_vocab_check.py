"""Choosing ``genre_vocab.MODEL_WEIGHT`` on GMD's validation beats, by the drummers' kit, not a judge.

    python experiments/genre_vocab_check.py --data ../shared/data/gmd [--bars 8] [--seeds 2]

Each *validation* beat of the 10 genres with the most training bars is made a stiff sketch of its
first ``--bars`` bars (its template, as ``eval_genre.py`` does with the test beats) and humanized
as its own genre (bundled weights, default options, ``--notes add``) with ``add``'s cells chosen
with each weight of the decorator's own cells against the genre's table (``grid/genre_vocab.py``):
1 (the table alone decides, the decorator's cells no more likely), 4, 16, 64 and 1e9 (the
decorator's cells only, the table ordering them). Per genre it prints the added notes per bar of
each drum, outputs against the genre's validation beats (the drummers' own playing of the same bars),
and their distance: the sum over drums of the absolute difference in the notes added beyond the
sketch (the drummers' notes beyond their own bars' sketch; the sketch is the same for both, so the
time-keeping line a sketch draws straight does not swamp it). The weight with the smallest mean
distance over genres is the one groove uses. ``--figure-scales`` does the same for
``genre_vocab.FIGURE_SCALE``, the share of the genre's drummers' tom notes per bar that ``add``
plays as figures (each scale with each weight); ``--weights 16 --figure-scales 0.5 1`` compares
the scales at the shipped weight. The tom columns are where the scale shows.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from groovecli.constants import DRUMS, STEPS_PER_BAR  # noqa: E402
from groovecli.generate import decorate  # noqa: E402
from groovecli.generate.humanize import HumanizeOptions, humanize_grid  # noqa: E402
from groovecli.grid import genre_vocab  # noqa: E402
from groovecli.lab.genre_judge import read_beats, top_genres  # noqa: E402
from groovecli.runtime.load import load_networks  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_genre import TOP, sketch_of  # noqa: E402

WEIGHTS = (1.0, 4.0, 16.0, 64.0, 1e9)


def per_bar(hits: np.ndarray) -> np.ndarray:
    return (np.asarray(hits) > 0.5).sum(0) / max(len(hits) // STEPS_PER_BAR, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--weights", type=float, nargs="+", default=WEIGHTS, help="decorator weights to try")
    ap.add_argument("--figure-scales", type=float, nargs="+", default=(genre_vocab.FIGURE_SCALE,),
                    help="shares of the drummers' tom notes per bar played as figures, to try")
    ap.add_argument("--decorator-counts", action="store_true",
                    help="add as many notes per bar as the decorator drew (within the budget), not at least the "
                         "bar's shortfall (genre_vocab.bar_counts)")
    args = ap.parse_args()
    beats = read_beats(args.data)
    genres = top_genres(beats, TOP)
    val = [b for b in beats if b.split == "validation" and b.genre in genres]
    rows = args.bars * STEPS_PER_BAR
    real = defaultdict(list)
    for b in val:
        sketch = sketch_of(b, args.bars)[0].hits
        real[b.genre].append(per_bar((b.hits[:rows] > 0.5) & (sketch < 0.5)))
    loaded = load_networks()
    if args.decorator_counts:
        decorate.bar_counts = lambda allowed, drawn: np.minimum(allowed, drawn)
    choose = genre_vocab.choose_added
    dist = defaultdict(dict)
    print("| genre | weight, figure scale | beats | " + " | ".join(DRUMS) + " | distance |")
    print("|---|---|---|" + "---|" * (len(DRUMS) + 1))
    for g in sorted(real):
        mine = np.mean(real[g], 0)
        print(f"| {g} | drummers | {len(real[g])} | " + " | ".join(f"{x:.2f}" for x in mine) + " | |")
        for w, fs in ((w, fs) for w in args.weights for fs in args.figure_scales):
            decorate.choose_added = partial(choose, model_weight=w, figure_scale=fs)
            outs = []
            for seed in range(args.seeds):
                for b in (x for x in val if x.genre == g):
                    grid, bpm = sketch_of(b, args.bars)
                    take = humanize_grid(grid, loaded, HumanizeOptions(genre=g, seed=seed), bpm=bpm)
                    outs.append(per_bar((take.grid.hits > 0.5) & (grid.hits < 0.5)))
            out = np.mean(outs, 0)
            dist[(w, fs)][g] = float(np.abs(out - mine).sum())
            print(f"| {g} | {w:g}, toms {fs:g} | | " + " | ".join(f"{x:.2f}" for x in out) + f" | {dist[(w, fs)][g]:.2f} |")
    print("\n| weight | figure scale | mean distance over genres |\n|---|---|---|")
    for w, fs in dist:
        print(f"| {w:g} | {fs:g} | {np.mean(list(dist[(w, fs)].values())):.3f} |")


if __name__ == "__main__":
    main()
