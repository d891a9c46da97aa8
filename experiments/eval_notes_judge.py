"""How much of the realism judges' verdict the notes alone give away: the GRU judge of `groove
evaluate` (`realism.gru_judge`) shown only where notes are (velocity and timing blanked on both
the real and the generated side), on the GMD test songs humanized from their templates.

    python experiments/eval_notes_judge.py --data ../shared/data/gmd [--max-files N]

Rows: the sketch's notes (what `--notes keep` plays, whatever its feel), `add`'s notes (the
decorator's, as shipped) and `free`'s (the prior's). A judge that tells a system's notes from a
drummer's this often tells its grooves apart at least about as often, whatever the velocity and
timing. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json

from groovecli.generate import humanize
from groovecli.lab.data import GENRES, load_dataset
from groovecli.lab.evaluation import _songs
from groovecli.lab.realism import gru_judge, notes_only
from groovecli.runtime.load import load_networks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--cache")
    parser.add_argument("--max-files", type=int, default=0)
    args = parser.parse_args()
    songs = _songs(args.data, load_dataset(args.data, cache_dir=args.cache).of_split("test"), args.max_files)
    loaded = load_networks()
    real = [notes_only(s.real) for s in songs]
    out = {"sketch's notes (keep)": gru_judge(real, [notes_only(s.stiff) for s in songs], 0)}
    for mode in ("add", "free"):
        grids = [humanize.humanize_grid(s.stiff, loaded, humanize.HumanizeOptions(genre=GENRES[s.genre], seed=i, notes=mode),
                                   bpm=s.bpm).grid for i, s in enumerate(songs)]
        out[f"{mode}'s notes"] = gru_judge(real, [notes_only(g) for g in grids], 0)
    print(json.dumps({k: round(v, 3) for k, v in out.items()}, indent=2))


if __name__ == "__main__":
    main()
