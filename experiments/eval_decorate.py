"""Where `--notes add` gets its notes: the decorator (`groovecli/generate/decorate.py`) against the prior's
nearest draw (groove 0.4), on the GMD test songs' templates humanized as whole songs in their genre.

    python experiments/eval_decorate.py --data ../shared/data/gmd [--decorator models/decorate.pt] [--max-files N]
        [--only NAME ...] [--chain-windows 16] [--seed 0] [--judge-seeds 1]

For each variant: note F1 against the drummers, notes per bar, both realism judges of `groove
evaluate` (the GRU on the grid, logistic regression on groove features; 0.5 = indistinguishable)
and the seconds the humanizing took. Variants: the prior's nearest of 16 draws; the decorator
chained bar after bar (what ships), on independent windows, free to add any drum, free to add
the crash too, and at temperature 0.8 for the notes. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import numpy as np

from groovecli.constants import CRASH
from groovecli.generate import chains, humanize, notes
from groovecli.generate.decorate import decorate_windows
from groovecli.lab.data import GENRES, load_dataset
from groovecli.lab.evaluation import _songs, humanization_metrics
from groovecli.lab.realism import feature_judge, gru_judge
from groovecli.runtime.load import load_cond_networks, load_networks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--cache")
    parser.add_argument("--decorator", help="decorate.pt to try [default: the one beside the bundled weights]")
    parser.add_argument("--max-files", type=int, default=0)
    parser.add_argument("--only", nargs="*", help="run only these variants")
    parser.add_argument("--chain-windows", type=int, default=chains.CHAIN_WINDOWS,
                        help="windows per decoding chain (chains.py; a large value: one chain per run of bars)")
    parser.add_argument("--seed", type=int, default=0, help="song i is humanized with seed + i")
    parser.add_argument("--judge-seeds", type=int, default=1, help="train the GRU judge with this many seeds")
    args = parser.parse_args()
    chains.CHAIN_WINDOWS = args.chain_windows
    test = load_dataset(args.data, cache_dir=args.cache).of_split("test")
    songs = _songs(args.data, test, args.max_files)
    loaded = load_networks()
    if args.decorator:
        loaded = replace(loaded, decorator=load_cond_networks("decorate", args.decorator))
    if loaded.decorator is None:
        raise SystemExit("no decorator: give --decorator PATH")
    real = [s.real for s in songs]
    half_ms = [s.half_step_ms for s in songs]

    def independent(*a, **k):
        return decorate_windows(*a, **k, chain_windows=1)

    def any_drum(model, sketch, template, genre, gen, temperature, allowed, fresh):
        return decorate_windows(model, sketch, template, genre, gen, temperature, None, fresh)

    def with_crash(model, sketch, template, genre, gen, temperature, allowed, fresh):
        allowed = allowed.clone()
        allowed[..., CRASH] = 1
        return decorate_windows(model, sketch, template, genre, gen, temperature, allowed, fresh)

    def cooler(model, sketch, template, genre, gen, temperature, allowed, fresh):
        return decorate_windows(model, sketch, template, genre, gen, 0.8 * temperature, allowed, fresh)

    variants = {"prior, nearest of 16 draws (0.4)": (replace(loaded, decorator=None), decorate_windows),
                "decorator, chained (shipped)": (loaded, decorate_windows),
                "decorator, independent windows": (loaded, independent),
                "decorator, any drum": (loaded, any_drum),
                "decorator, sketch's drums and the crash": (loaded, with_crash),
                "decorator, notes at temperature 0.8": (loaded, cooler)}
    results = {}
    for name, (model, fn) in variants.items():
        if args.only and not any(o in name for o in args.only):
            continue
        notes.decorate_windows = fn
        started = time.perf_counter()
        grids = [humanize.humanize_grid(s.stiff, model, humanize.HumanizeOptions(genre=GENRES[s.genre], seed=args.seed + i),
                                   bpm=s.bpm).grid for i, s in enumerate(songs)]
        seconds = time.perf_counter() - started
        m = humanization_metrics(songs, grids)
        results[name] = {"note_f1": m["note_f1"], "notes_per_bar": m["hits_per_bar"],
                         "gru_judge": float(np.mean(gru := [gru_judge(real, grids, k) for k in range(args.judge_seeds)])),
                         "gru_judge_sd": float(np.std(gru, ddof=1)) if len(gru) > 1 else 0.0,
                         "feature_judge": feature_judge(real, grids, half_ms, 0),
                         "seconds": seconds}
        print(name, {k: round(v, 3) for k, v in results[name].items()}, flush=True)
    notes.decorate_windows = decorate_windows
    drummer = humanization_metrics(songs, real)
    results["drummer"] = {"notes_per_bar": drummer["hits_per_bar"]}
    print(json.dumps({k: {n: round(float(v), 3) for n, v in r.items()} for k, r in results.items()}, indent=2))


if __name__ == "__main__":
    main()
