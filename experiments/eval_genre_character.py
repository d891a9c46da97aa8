"""Does `sample` play each genre's kit the way GMD's drummers do? Drum-class shares per genre.

    python experiments/eval_genre_character.py --data ../shared/data/gmd [--cache DIR] [--takes 24] [--bars 8]
        [--sample-takes 16] [--seed0 0]

For every genre with at least 200 training windows: ``--takes`` grooves of ``--bars`` bars from
``sample.sample`` (seeds ``--seed0`` onwards), and the share of each drum class among their hits,
against the same share over the genre's training windows, for `sample` as shipped (one of
``sample.TAKES`` prior takes, drawn so that the kit comes out in the genre's proportions,
``sample.take_matching``) and for the prior alone (one take). A class "fails" when it makes up more than 5 % of the real hits and the sampled share is
off by more than a factor of 1.5 either way; L1 is the sum over classes of |sampled - real|.
Prints one JSON object: per genre, the shares, L1 and the failing classes of each.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from groovecli.constants import DRUMS
from groovecli.generate import sample
from groovecli.lab.data import GENRES, load_dataset
from groovecli.runtime.load import load_networks

MIN_WINDOWS = 200


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--cache")
    ap.add_argument("--takes", type=int, default=24)
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--sample-takes", type=int, default=sample.TAKES,
                    help="prior takes `sample` chooses from (sample.TAKES; another value: what it would give)")
    ap.add_argument("--seed0", type=int, default=0, help="the first take's seed")
    args = ap.parse_args()
    train = load_dataset(args.data, cache_dir=args.cache).of_split("train")
    loaded = load_networks()
    started = time.perf_counter()
    report, shipped = {}, args.sample_takes
    failing, l1 = {"shipped": 0, "prior alone": 0}, {"shipped": [], "prior alone": []}
    for g, name in enumerate(GENRES):
        real = train.hits[train.genre == g]
        if len(real) < MIN_WINDOWS:
            continue
        real_share = real.sum((0, 1)) / real.sum()
        entry = {"windows": int(len(real)), "real": dict(zip(DRUMS, np.round(real_share, 3).tolist()))}
        for label, takes in (("shipped", shipped), ("prior alone", 1)):
            sample.TAKES = takes
            hits = np.stack([sample.sample(loaded, genre=name, bars=args.bars, seed=args.seed0 + k).after.hits
                             for k in range(args.takes)])
            share = hits.sum((0, 1)) / max(hits.sum(), 1)
            bad = [DRUMS[c] for c in range(len(DRUMS)) if real_share[c] > 0.05
                   and not (real_share[c] / 1.5 <= share[c] <= real_share[c] * 1.5)]
            failing[label] += bool(bad)
            l1[label].append(float(np.abs(share - real_share).sum()))
            entry[label] = {"shares": dict(zip(DRUMS, np.round(share, 3).tolist())), "l1": round(l1[label][-1], 3),
                            "off_by_over_1.5x": bad}
        sample.TAKES = shipped
        report[name] = entry
    print(json.dumps({"genres": report, "genres_failing": failing,
                      "mean_l1": {k: round(float(np.mean(v)), 3) for k, v in l1.items()},
                      "seconds": round(time.perf_counter() - started, 1)}, indent=2))


if __name__ == "__main__":
    main()
