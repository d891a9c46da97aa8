"""How `--notes add` chooses its prior draws: note F1 against the drummers, notes per bar and
bar-to-bar note overlap when the GMD test songs' templates are humanized as whole songs.

    python benchmarks/bench_add_notes.py --data ../shared/data/gmd [--max-files N]

Variants: one chained draw (each window follows the previous one through the prior; groove
before it chose among draws), the nearest of 8 chained draws, and the nearest of 8, 16 (what
groove ships), 32 and 64 independent draws per window. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from groovecli.generate import humanize, notes
from groovecli.lab.data import GENRES, load_dataset
from groovecli.lab.evaluation import STIFF_VELOCITY, _songs, humanization_metrics
from groovecli.runtime.load import load_networks


def overlap(grids) -> float:
    """Mean Jaccard overlap of the notes of consecutive bars."""
    scores = []
    for g in grids:
        bars = g.hits.reshape(-1, 16, g.hits.shape[-1]) > 0.5
        for a, b in zip(bars[:-1], bars[1:]):
            union = (a | b).sum()
            if union:
                scores.append((a & b).sum() / union)
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--cache")
    parser.add_argument("--max-files", type=int, default=0)
    args = parser.parse_args()
    test = load_dataset(args.data, cache_dir=args.cache).of_split("test")
    songs = _songs(args.data, test, args.max_files)
    loaded = load_networks()
    results = {"drummer": {"notes_per_bar": humanization_metrics(songs, [s.real for s in songs])["hits_per_bar"],
                           "bar_overlap": overlap([s.real for s in songs])}}
    chained = lambda loaded, genre, gen, temperature, draws: notes.chain_codes(loaded, genre, gen, temperature, draws)  # noqa: E731
    shipped = notes.draw_codes
    variants = [("1 chained draw", 1, chained), ("nearest of 8 chained", 8, chained)]
    variants += [(f"nearest of {k} independent" + (" (shipped)" if k == notes.CANDIDATES else ""), k, shipped)
                 for k in (8, 16, 32, 64)]
    kept = notes.CANDIDATES
    for name, draws, fn in variants:
        notes.CANDIDATES, notes.draw_codes = draws, fn
        started = time.perf_counter()
        grids = []
        for i, song in enumerate(songs):
            t = song.template
            stiff = song.real.with_values(t, STIFF_VELOCITY * t, np.zeros_like(t))
            grids.append(humanize.humanize_grid(stiff, loaded, humanize.HumanizeOptions(genre=GENRES[song.genre], seed=i)).grid)
        m = humanization_metrics(songs, grids)
        results[name] = {"note_f1": m["note_f1"], "notes_per_bar": m["hits_per_bar"], "bar_overlap": overlap(grids),
                         "seconds": time.perf_counter() - started}
    notes.draw_codes, notes.CANDIDATES = shipped, kept
    print(json.dumps({k: {n: round(v, 3) for n, v in r.items()} for k, r in results.items()}, indent=2))


if __name__ == "__main__":
    main()
