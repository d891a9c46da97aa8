"""Why the hi-hat's timing spreads less with the genre named: the sketch's hats or the added ones?

    python experiments/eval_hat_spread.py --data ../shared/data/gmd [--split test] [--bars 8]

Every beat of the split whose style maps to a genre is made a stiff sketch of its first
``--bars`` bars (``eval_genre.sketch_of``) and humanized twice with ``add`` (bundled weights,
one take, each beat its own seed): its genre named, and ``--genre auto``. It prints the SD and
mean of the hi-hat's offsets (closed and open, ms) of the drummers' own notes of those bars, and
of each output on the sketch's hi-hat cells and on the hats ``add`` put elsewhere. ``groove
evaluate``'s row 5 takes the same spread over whole test songs (docs/results.md section 5).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_genre import sketch_of  # noqa: E402

from groovecli.constants import CLOSED_HIHAT, OPEN_HIHAT  # noqa: E402
from groovecli.generate.humanize import HumanizeOptions, humanize_grid  # noqa: E402
from groovecli.lab.genre_judge import read_beats  # noqa: E402
from groovecli.runtime.load import load_networks  # noqa: E402

HATS = [CLOSED_HIHAT, OPEN_HIHAT]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--split", default="test", choices=("test", "validation"))
    ap.add_argument("--bars", type=int, default=8)
    args = ap.parse_args()
    nets = load_networks()
    ms = {k: [] for k in ("drummers", "named, sketch's hats", "named, added hats", "auto, sketch's hats",
                          "auto, added hats")}
    beats = [b for b in read_beats(args.data) if b.split == args.split and b.genre]
    for i, beat in enumerate(beats):
        grid, bpm = sketch_of(beat, args.bars)
        rows = len(grid.hits)
        half = beat.ms16[:rows, None] / 2  # ms per unit of offset
        ms["drummers"] += list((beat.offset[:rows, HATS] * half)[beat.hits[:rows, HATS] > 0.5])
        sketch = grid.hits[:, HATS] > 0.5
        for name, genre in (("named", beat.genre), ("auto", "auto")):
            out = humanize_grid(grid, nets, HumanizeOptions(genre=genre, seed=i), bpm=bpm).grid
            hats, off = out.hits[:, HATS] > 0.5, out.offset[:, HATS] * half
            ms[f"{name}, sketch's hats"] += list(off[hats & sketch])
            ms[f"{name}, added hats"] += list(off[hats & ~sketch])
    print(f"{len(beats)} {args.split} beats, first {args.bars} bars\n")
    print("| hi-hat notes | notes | SD ms | mean ms |\n|---|---|---|---|")
    for name, values in ms.items():
        print(f"| {name} | {len(values)} | {np.std(values):.1f} | {np.mean(values):.1f} |")
    for name in ("named", "auto"):
        both = ms[f"{name}, sketch's hats"] + ms[f"{name}, added hats"]
        print(f"| {name}, all | {len(both)} | {np.std(both):.1f} | {np.mean(both):.1f} |")


if __name__ == "__main__":
    main()
