"""Does decoding a song in chains of windows side by side (`groovecli/generate/chains.py`) cost realism?

    python experiments/eval_chains.py --data ../shared/data/gmd [--chain-windows 16 100000] [--judge-seeds 5]

The GMD test songs' templates humanized as whole songs (`--notes add`, song's genre, seed = its
index), and the drummers' own notes given groove's feel (`--notes keep` on them: the feel alone),
with each chain length; both realism judges of `groove evaluate`, the GRU judge trained with
several seeds (its spread is the judge's own noise), and the humanizing time. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from groovecli.generate import chains, humanize
from groovecli.lab.data import GENRES, load_dataset
from groovecli.lab.evaluation import STIFF_VELOCITY, _songs
from groovecli.lab.realism import feature_judge, gru_judge
from groovecli.runtime.load import load_networks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--cache")
    parser.add_argument("--chain-windows", type=int, nargs="+", default=[16, 100_000])
    parser.add_argument("--judge-seeds", type=int, default=5)
    parser.add_argument("--max-files", type=int, default=0)
    args = parser.parse_args()
    songs = _songs(args.data, load_dataset(args.data, cache_dir=args.cache).of_split("test"), args.max_files)
    loaded = load_networks()
    real = [s.real for s in songs]
    half_ms = [s.half_step_ms for s in songs]
    report = {}
    for size in args.chain_windows:
        chains.CHAIN_WINDOWS = size
        for system, mode in (("add", "add"), ("keep, drummer's notes", "keep")):
            started = time.perf_counter()
            grids = []
            for i, s in enumerate(songs):
                sketch = s.stiff if mode == "add" else s.real.with_values(
                    s.real.hits, STIFF_VELOCITY * s.real.hits, np.zeros_like(s.real.hits))
                options = humanize.HumanizeOptions(genre=GENRES[s.genre], seed=i, notes=mode)
                grids.append(humanize.humanize_grid(sketch, loaded, options, bpm=s.bpm).grid)
            seconds = time.perf_counter() - started
            gru = [gru_judge(real, grids, k) for k in range(args.judge_seeds)]
            report[f"{size} windows per chain, {system}"] = {
                "gru_mean": round(statistics.mean(gru), 3), "gru_sd": round(statistics.stdev(gru), 3) if len(gru) > 1 else 0.0,
                "feature_judge": round(feature_judge(real, grids, half_ms, 0), 3), "seconds": round(seconds, 1)}
            print(json.dumps({f"{size} windows per chain, {system}": report[f"{size} windows per chain, {system}"]}),
                  flush=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
