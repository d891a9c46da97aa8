"""What the audibility floor (no written note below velocity 20, issue #23) costs in velocity KL.

    python experiments/eval_audible_floor.py --data ../shared/data/gmd [--split test] [--max-files 40]

Humanizes the first songs' stiff sketches in `keep` and `add`, with the floor and without it
(`grid.written.keep_audible` replaced by the model's own velocities), and prints the
per-position velocity KL against the drummers (`groove evaluate`'s measure).
"""

from __future__ import annotations

import argparse
import json

from groovecli.generate import humanize as hm
from groovecli.lab import evaluation as ev
from groovecli.lab.data import GENRES, load_dataset
from groovecli.weights import load_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--split", default="test")
    ap.add_argument("--max-files", type=int, default=40)
    ap.add_argument("--cache")
    args = ap.parse_args()
    loaded = load_model()
    songs = ev._songs(args.data, load_dataset(args.data, cache_dir=args.cache).of_split(args.split), args.max_files)
    floor = hm.keep_audible
    rows = {}
    for label, keep_audible in (("with the floor", floor), ("without", lambda written, sketch, velocity: velocity)):
        hm.keep_audible = keep_audible
        for mode in ("keep", "add"):
            grids = [hm.humanize_grid(s.stiff, loaded, hm.HumanizeOptions(genre=GENRES[s.genre], seed=i, notes=mode),
                                      bpm=s.bpm).grid for i, s in enumerate(songs)]
            rows[f"{mode}, {label}"] = round(ev.humanization_metrics(songs, grids)["velocity_kl"], 3)
    hm.keep_audible = floor
    print(json.dumps({"songs": len(songs), "split": args.split, "velocity_kl": rows}, indent=2))


if __name__ == "__main__":
    main()
