"""What keeps ``add``'s outputs of a genre from being heard as it: the judge's margin, feature by feature.

    python experiments/genre_gap.py --data ../shared/data/gmd [--genre latin] [--bars 8] [--seeds 2]
    python experiments/genre_gap.py --data ../shared/data/gmd --genre rock jazz latin --figure-scale 0.5 1 --heard-only

Every *validation* beat of the 10 genres ``eval_genre.py`` judges is made a stiff sketch of its
first ``--bars`` bars and humanized as ``--genre`` (bundled weights, default options, seeds as
``eval_genre.take_seed`` gives them); the same judge (``eval_genre.fit_judge``: train beats, L2 on
validation) hears each 4-bar stretch. Validation, not test: this is where a cause is looked for
and a fix chosen. It prints how often the outputs are heard as the genre and, against the
genre the outputs are most often heard as instead (the rival), each profile feature's mean on
the outputs and on the genre's *train* beats (what its drummers play) and what the difference
costs in the judge's margin (genre's logit minus the rival's): (outputs' mean - drummers' mean)
/ the feature's scale x (the genre's weight - the rival's weight). The most negative rows are
what separates the outputs from the genre's drummers, in the judge's ears. ``--figure-scale``
plays ``add``'s tom figures at other shares of the drummers' tom notes
(``genre_vocab.FIGURE_SCALE``), to compare on validation; ``--heard-only`` prints, per genre and
scale, only how often the outputs are heard as the genre.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_genre import TOP, fit_judge, sketch_of, take_seed  # noqa: E402

from groovecli.generate import decorate  # noqa: E402
from groovecli.generate.humanize import HumanizeOptions, humanize_grid  # noqa: E402
from groovecli.grid import genre_vocab  # noqa: E402
from groovecli.grid.swing import cell_shifts  # noqa: E402
from groovecli.lab.genre_judge import FEATURES, beat_profiles, hit_times, read_beats, segment_profiles, top_genres  # noqa: E402
from groovecli.runtime.load import load_networks  # noqa: E402


def outputs(beats, genre: str, bars: int, seeds: int) -> np.ndarray:
    """Profiles (S, F) of the validation sketches humanized as ``genre``."""
    loaded = load_networks()
    out = []
    for s in range(seeds):
        for i, b in enumerate(beats):
            grid, bpm = sketch_of(b, bars)
            take = humanize_grid(grid, loaded, HumanizeOptions(genre=genre, seed=take_seed(s, i)), bpm=bpm)
            o = take.grid
            times = hit_times(o.hits, o.offset, cell_shifts(o.hits, take.swing))
            out.append(segment_profiles(o.hits, o.velocity, times, b.ms16[: len(o.hits)]))
    return np.concatenate(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--genre", nargs="+", default=["latin"])
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--rows", type=int, default=15, help="features printed, largest cost first")
    ap.add_argument("--figure-scale", type=float, nargs="+", default=[genre_vocab.FIGURE_SCALE])
    ap.add_argument("--heard-only", action="store_true")
    args = ap.parse_args()
    beats = read_beats(args.data)
    genres = top_genres(beats, TOP)
    judge = fit_judge(beats, genres)
    val = [b for b in beats if b.split == "validation" and b.genre in genres]
    if args.heard_only:
        print("\n| genre | " + " | ".join(f"toms {fs:g}" for fs in args.figure_scale) + " |\n|---|"
              + "---|" * len(args.figure_scale))
    for genre in args.genre:
        heard = []
        for fs in args.figure_scale:
            decorate.choose_added = partial(genre_vocab.choose_added, figure_scale=fs)
            mine = outputs(val, genre, args.bars, args.seeds)
            heard.append(np.bincount(judge.probabilities(mine).argmax(1), minlength=len(genres)) / len(mine))
            if not args.heard_only:
                gap(judge, genres, beats, genre, mine, heard[-1], args.rows, f"{len(val)} validation sketches x "
                    f"{args.seeds} seeds as {genre} (toms {fs:g})")
        if args.heard_only:
            print(f"| {genre} | " + " | ".join(f"{h[genres.index(genre)]:.3f}" for h in heard) + " |")


def gap(judge, genres, beats, genre, mine, heard, rows, title) -> None:
    """The judge's margin between ``genre`` and its rival on ``mine``, feature by feature."""
    g = genres.index(genre)
    rival = max((k for k in range(len(genres)) if k != g), key=lambda k: heard[k])
    print(f"{title}: heard as it {heard[g]:.3f}; " + ", ".join(f"{genres[k]} {heard[k]:.2f}" for k in np.argsort(-heard)[:4]))
    theirs = np.concatenate([beat_profiles(b) for b in beats if b.split == "train" and b.genre == genre])
    cost = (mine.mean(0) - theirs.mean(0)) / judge.scale * (judge.weights[:, g] - judge.weights[:, rival])
    margin = [np.mean(judge.logits(x)[:, g] - judge.logits(x)[:, rival]) for x in (mine, theirs)]
    print(f"\nmargin {genre} - {genres[rival]}: outputs {margin[0]:.2f}, {genre}'s train beats {margin[1]:.2f}\n")
    print("| feature | outputs | drummers (train) | margin it costs |\n|---|---|---|---|")
    for f in np.argsort(cost)[:rows]:
        print(f"| {FEATURES[f]} | {mine[:, f].mean():.3f} | {theirs[:, f].mean():.3f} | {cost[f]:+.3f} |")


if __name__ == "__main__":
    main()
