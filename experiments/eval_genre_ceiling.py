"""How often could ``add`` be heard as the genre at best? The genre judge on the drummers' own notes.

    python experiments/eval_genre_ceiling.py --data ../shared/data/gmd [--bars 8] [--seeds 2]

``eval_genre.py`` asks that outputs be heard as the asked genre at least as often as the genre's
real test beats are; for genres with few test beats (latin: 3) that bar is one noisy number.
This script, with the same judge (``eval_genre.fit_judge``: train beats, L2 on validation),
prints per genre of the 10:

* real: the share of 4-bar stretches of the genre's *validation* and *test* beats (first
  ``--bars`` bars) heard as it, with the beats counted;
* oracle: the same beats' own notes, quantized (what ``add`` would play if it added exactly the
  drummer's notes to the sketch), played stiff through the same path as the outputs
  (``humanize_grid`` asked for the genre, ``--notes keep``, ``--seeds`` takes, with its swing):
  how often the judge hears *that* as the genre. The gap between oracle and real is what the
  feel path (groove's velocity and timing, the genre lean) costs or adds; the gap between the
  outputs of ``eval_genre.py`` and the oracle is what the choice of notes costs;
* per pair of genres with test beats that the judge tells apart at 0.85 or more on them, the
  same balanced accuracy on the oracle's test stretches.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_genre import STIFF_VELOCITY, TOP, fit_judge, pairwise, sketch_of, take_seed  # noqa: E402

from groovecli.constants import STEPS_PER_BAR  # noqa: E402
from groovecli.generate.humanize import HumanizeOptions, humanize_grid  # noqa: E402
from groovecli.grid.drumgrid import DrumGrid  # noqa: E402
from groovecli.grid.swing import cell_shifts  # noqa: E402
from groovecli.lab.genre_judge import hit_times, read_beats, segment_profiles, top_genres  # noqa: E402
from groovecli.runtime.load import load_networks  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--seeds", type=int, default=2)
    args = ap.parse_args()
    beats = read_beats(args.data)
    genres = top_genres(beats, TOP)
    judge = fit_judge(beats, genres)
    loaded = load_networks()
    rows = args.bars * STEPS_PER_BAR
    probs = {}
    print("\n| genre | split | beats | real heard as it | oracle (drummer's notes, groove's feel) heard as it |")
    print("|---|---|---|---|---|")
    for g, genre in enumerate(genres):
        for split in ("validation", "test"):
            these = [b for b in beats if b.split == split and b.genre == genre]
            if not these:
                continue
            real = np.concatenate([segment_profiles(b.hits[:rows], b.velocity[:rows],
                                                    hit_times(b.hits[:rows], b.offset[:rows]), b.ms16[:rows])
                                   for b in these])
            oracle = []
            for seed in range(args.seeds):
                for i, b in enumerate(these):
                    sketch, bpm = sketch_of(b, args.bars)
                    played = (b.hits[: len(sketch.hits)] > 0.5).astype(np.float32)
                    grid = DrumGrid(played, STIFF_VELOCITY * played, np.zeros_like(played), (), np.zeros(0, np.int64))
                    take = humanize_grid(grid, loaded, HumanizeOptions(genre=genre, seed=take_seed(seed, i), notes="keep"), bpm=bpm)
                    out = take.grid
                    times = hit_times(out.hits, out.offset, cell_shifts(out.hits, take.swing))
                    oracle.append(segment_profiles(out.hits, out.velocity, times, b.ms16[: len(out.hits)]))
            oracle = np.concatenate(oracle)
            probs[(g, split)] = judge.probabilities(real), judge.probabilities(oracle)
            heard = [np.mean(p.argmax(1) == g) for p in probs[(g, split)]]
            print(f"| {genre} | {split} | {len(these)} | {heard[0]:.3f} ({len(real)} stretches) | "
                  f"{heard[1]:.3f} ({len(oracle)} stretches) |")
    print("\n| pair (test beats) | real | oracle |\n|---|---|---|")
    tested = sorted(g for g, split in probs if split == "test")
    for i, a in enumerate(tested):
        for b in tested[i + 1 :]:
            (ra, oa), (rb, ob) = probs[(a, "test")], probs[(b, "test")]
            if pairwise(ra, rb, a, b) >= 0.85:
                print(f"| {genres[a]} / {genres[b]} | {pairwise(ra, rb, a, b):.3f} | {pairwise(oa, ob, a, b):.3f} |")


if __name__ == "__main__":
    main()
