"""Do `--density` and `--syncopation` reach what is asked? The GMD test songs' templates, humanized
with `--notes add` (and `free`) at several targets.

    python experiments/eval_knobs.py --data ../shared/data/gmd [--cache DIR] [--max-files N] [--modes add free]

Notes only (the knobs choose notes; the feel is decoded after them and does not change them):
each template goes through humanize's own note steps (``notes.choose_notes`` without a knob,
``notes.steered_notes`` with one), at the song's genre and seed = its index. For each target:
the asked value (for a relative density, the sketch's notes per bar times it), the mean achieved,
and the mean absolute miss. Time: whole-song ``humanize_grid`` with and without a knob on the
first 10 songs. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from groovecli.generate import humanize, notes, steps
from groovecli.grid.drumgrid import Runs
from groovecli.grid.features import song_syncopation
from groovecli.grid.knobs import notes_per_bar, parse_density
from groovecli.grid.patterns import derive_template
from groovecli.lab.data import GENRES, load_dataset
from groovecli.lab.evaluation import _songs
from groovecli.runtime.load import load_networks

DENSITIES = ("-25%", "+25%", "+50%", "+75%", "+100%", "16", "24", "32")
SYNCOPATIONS = (0.1, 0.3, 0.5, 0.7, 0.9, 1.2)


def notes_of(loaded, song, i: int, mode: str, density: str | None, syncopation: float | None) -> np.ndarray:
    stiff = song.stiff
    runs = Runs.of(stiff.hits)
    win = steps.window_arrays(stiff, runs)
    genre = steps.full(len(win["hits"]), loaded.config.genres.index(GENRES[song.genre]))
    template = derive_template(win["hits"], win["velocity"]).astype(np.float32)
    gen, _ = steps.seeded_generator(i)
    if density is None and syncopation is None:
        return runs.join(notes.choose_notes(mode, loaded, win["hits"], template, genre, gen, 1.0))
    target = None
    if density is not None:
        target = parse_density(density).per_bar(notes_per_bar(stiff.hits))
    return runs.join(notes.steered_notes(mode, loaded, runs, stiff.hits, win["hits"], template, genre, gen, 1.0,
                                         target, syncopation))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--cache")
    ap.add_argument("--max-files", type=int, default=0)
    ap.add_argument("--modes", nargs="+", default=["add", "free"], choices=["add", "free"])
    args = ap.parse_args()
    songs = _songs(args.data, load_dataset(args.data, cache_dir=args.cache).of_split("test"), args.max_files)
    loaded = load_networks()
    started = time.perf_counter()
    report: dict = {"songs": len(songs)}
    for mode in args.modes:
        rows = {}
        base = [notes_of(loaded, s, i, mode, None, None) for i, s in enumerate(songs)]
        rows["no knob"] = {"notes_per_bar": round(float(np.mean([b.sum() / (len(b) / 16) for b in base])), 2),
                           "syncopation": round(float(np.mean([song_syncopation(b) for b in base])), 3)}
        for d in DENSITIES:
            asked, got = [], []
            for i, s in enumerate(songs):
                n = notes_of(loaded, s, i, mode, d, None)
                bars = sum(b - a for a, b in Runs.of(s.stiff.hits).spans)  # the bars that hold notes
                asked.append(parse_density(d).per_bar(notes_per_bar(s.stiff.hits)))
                got.append(float(n.sum()) / bars)
            rows[f"density {d}"] = {"asked": round(float(np.mean(asked)), 2), "achieved": round(float(np.mean(got)), 2),
                                    "mean_miss": round(float(np.mean(np.abs(np.array(got) - asked))), 2)}
        for target in SYNCOPATIONS:
            got = [song_syncopation(notes_of(loaded, s, i, mode, None, target)) for i, s in enumerate(songs)]
            rows[f"syncopation {target}"] = {"asked": target, "achieved": round(float(np.mean(got)), 3),
                                             "mean_miss": round(float(np.mean(np.abs(np.array(got) - target))), 3)}
        report[mode] = rows
    timing = {}
    for name, kw in (("no knob", {}), ("density +50%", {"density": "+50%"}), ("syncopation 0.7", {"syncopation": 0.7})):
        t = time.perf_counter()
        for i, s in enumerate(songs[:10]):
            humanize.humanize_grid(s.stiff, loaded, humanize.HumanizeOptions(genre=GENRES[s.genre], seed=i, **kw), bpm=s.bpm)
        timing[name] = round(time.perf_counter() - t, 2)
    report["seconds_for_10_songs"] = timing
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
