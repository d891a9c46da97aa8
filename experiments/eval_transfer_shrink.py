"""How far ``transfer`` pulls a reference's per-16th means towards its per-drum means
(``feel_profile.SHRINK_HITS``): the transfer section of ``groove evaluate`` (144 template x
reference pairs, 8 bars, ``--notes keep``) at several strengths, on one split.

    python experiments/eval_transfer_shrink.py --data ../shared/data/gmd --split validation [--values 0 0.5 1 2]

Prints one JSON line per value: nearest-own-reference shares and class gaps (ms, MIDI).
"""

from __future__ import annotations

import argparse
import json

from groovecli.grid import feel_profile
from groovecli.lab.data import load_dataset
from groovecli.lab.evaluation import _songs, _spread_genres
from groovecli.lab.feel_eval import transfer_section
from groovecli.runtime.load import load_networks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--cache")
    parser.add_argument("--split", default="validation", choices=["validation", "test"])
    parser.add_argument("--values", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0])
    args = parser.parse_args()
    songs = _songs(args.data, load_dataset(args.data, cache_dir=args.cache).of_split(args.split), 0)
    feels = _spread_genres([s.feel() for s in songs])
    loaded = load_networks()
    for value in args.values:
        feel_profile.SHRINK_HITS = value if value > 0 else 1e-9  # 0: the 16th's own mean wherever it has a hit
        out = transfer_section(feels, loaded, 0)
        print(json.dumps({"shrink_hits": value} | {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}),
              flush=True)


if __name__ == "__main__":
    main()
