"""How real can `--notes add` get while it keeps every note of the sketch? An oracle answers:
the sketch's notes united with the drummer's own (what a perfect decorator would add), given
groove's feel, judged by both realism judges of `groove evaluate` on the GMD test songs.

    python experiments/eval_oracle_notes.py --data ../shared/data/gmd [--judge-seeds 5] [--max-files N]
        [--weights DIR] [--split validation] [--with-add]

Rows, each humanized with `--notes keep` in the song's genre (so groove adds no notes of its own):
the drummer's notes (the judges' floor for groove's feel), the sketch united with the drummer's
notes (the best any `add` can do: every sketch note kept, every note the drummer played added),
and the sketch alone (`keep`); with `--with-add`, also `add` as shipped (its own notes). Both judges; the GRU judge trained with `--judge-seeds` seeds
(mean and SD). The notes-only GRU judge (velocity and timing blanked) beside them. The sketch
and the drummer differ where the sketch's time-keeping line sounds and the drummer did not play
(the template draws a straight line of 8ths or 16ths, `patterns.derive_template`), so the
oracle row measures what that line alone gives away. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from groovecli.generate import humanize
from groovecli.lab.data import GENRES, load_dataset
from groovecli.lab.evaluation import STIFF_VELOCITY, _songs
from groovecli.lab.realism import feature_judge, gru_judge, notes_only
from groovecli.runtime.load import load_networks


def stiff(grid, hits):
    return grid.with_values(hits, STIFF_VELOCITY * hits, np.zeros_like(hits))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--cache")
    parser.add_argument("--max-files", type=int, default=0)
    parser.add_argument("--judge-seeds", type=int, default=5)
    parser.add_argument("--weights", help="weights folder or file to judge [default: the bundled weights]")
    parser.add_argument("--split", default="test", choices=["validation", "test"])
    parser.add_argument("--with-add", action="store_true", help="also judge `add` as shipped")
    args = parser.parse_args()
    songs = _songs(args.data, load_dataset(args.data, cache_dir=args.cache).of_split(args.split), args.max_files)
    loaded = load_networks(args.weights)
    real = [s.real for s in songs]
    half_ms = [s.half_step_ms for s in songs]
    rows = {"drummer's notes": ([s.real.hits for s in songs], "keep"),  # name: (input notes, --notes)
            "sketch + drummer's notes (oracle add)": ([np.maximum(s.real.hits, s.template) for s in songs], "keep"),
            "sketch's notes (keep)": ([s.template for s in songs], "keep")}
    if args.with_add:
        rows["add (its own notes)"] = ([s.template for s in songs], "add")
    out = {}
    for name, (given, mode) in rows.items():
        grids = [humanize.humanize_grid(stiff(s.real, h), loaded, humanize.HumanizeOptions(genre=GENRES[s.genre], seed=i,
                                                                                 notes=mode), bpm=s.bpm).grid
                 for i, (s, h) in enumerate(zip(songs, given))]
        hits = [g.hits for g in grids]  # what was played: `add`'s own notes too
        gru = [gru_judge(real, grids, k) for k in range(args.judge_seeds)]
        bars = sum(s.real.steps / 16 for s in songs)
        extra = sum(float(((h > 0.5) & (s.real.hits < 0.5)).sum()) for s, h in zip(songs, hits)) / bars
        missing = sum(float(((h < 0.5) & (s.real.hits > 0.5)).sum()) for s, h in zip(songs, hits)) / bars
        out[name] = {"gru_judge": round(float(np.mean(gru)), 3), "gru_judge_sd": round(float(np.std(gru)), 3),
                     "feature_judge": round(feature_judge(real, grids, half_ms, 0), 3),
                     "notes_only_gru_judge": round(gru_judge([notes_only(g) for g in real],
                                                             [notes_only(g) for g in grids], 0), 3),
                     "notes_the_drummer_did_not_play_per_bar": round(extra, 2),
                     "drummers_notes_missing_per_bar": round(missing, 2)}
        print(name, json.dumps(out[name]), flush=True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
