"""Does an interpolation move between its ends? Pairs of GMD test songs, morphed in 5 steps.

    python experiments/eval_interpolate.py --data ../shared/data/gmd [--cache DIR] [--pairs 40] [--steps 5]

Pairs: test song i with song i + n/2 (different songs, mostly different genres), their first 2
bars each. For every pair, notes per bar along the sequence (A, 3 in-betweens, B): the share of
pairs where it moves monotonically from A's to B's (within half a note per bar), the Spearman
correlation of notes per bar with t, the share of in-betweens inside [min(A, B) - 1, max(A, B) + 1]
notes per bar, and the share with fewer notes than A and B's union (not a superposition of the
two). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from groovecli.generate.interpolate import interpolate_grids
from groovecli.lab.data import load_dataset
from groovecli.lab.evaluation import _songs
from groovecli.runtime.load import load_networks


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--cache")
    ap.add_argument("--pairs", type=int, default=40)
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    songs = _songs(args.data, load_dataset(args.data, cache_dir=args.cache).of_split("test"), 0)
    loaded = load_networks()
    started = time.perf_counter()
    monotonic, rho, inside, thinner = [], [], [], []
    half = len(songs) // 2
    for i in range(min(args.pairs, half)):
        a, b = songs[i], songs[i + half]
        seq, _ = interpolate_grids(a.real, b.real, loaded, args.steps, bars=2, seed=i, bpm_a=a.bpm, bpm_b=b.bpm)
        density = np.array([s.hits.sum() / 2 for s in seq])
        step = np.sign(density[-1] - density[0])
        moves = np.diff(density) * (step if step else 1)
        monotonic.append(bool((moves >= -0.5).all()))
        rho.append(spearman(np.linspace(0, 1, len(seq)), density * (step if step else 1)))
        lo, hi = density[[0, -1]].min() - 1, density[[0, -1]].max() + 1
        union = float(np.maximum(seq[0].hits, seq[-1].hits).sum() / 2)
        for d in density[1:-1]:
            inside.append(lo <= d <= hi)
            thinner.append(d < union)
    print(json.dumps({"pairs": len(monotonic), "steps": args.steps,
                      "monotonic_share": round(float(np.mean(monotonic)), 3),
                      "spearman_mean": round(float(np.mean(rho)), 3),
                      "in_betweens_within_ends_share": round(float(np.mean(inside)), 3),
                      "in_betweens_thinner_than_union_share": round(float(np.mean(thinner)), 3),
                      "seconds": round(time.perf_counter() - started, 1)}, indent=2))


if __name__ == "__main__":
    main()
