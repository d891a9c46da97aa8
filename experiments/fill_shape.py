"""How busy GMD's drummers' fills are in their fill beats: snare and tom hits per fill beat.

    python experiments/fill_shape.py --data ../shared/data/gmd

Fills found inside beat performances (``fill_data.build_fills``, ``from_beat``: they have a bar
before, the groove they replace), measured by ``grid.fill_shape.snare_toms_per_beat`` against
that bar. Per split: the fills, the share with fill beats, how many beats they take, snare and
toms per fill beat, 16ths per fill beat with a kick, snare or tom (the drums' 16ths) and with
any note (means; the 5th, 15th ... 95th percentiles of the first two over fills with fill beats,
paired, and their standard deviations, which
``fill_shape.TRAIN_QUANTILES`` and ``TRAIN_SD`` copy from train), and notes per beat 1-4 of the
fill bar (the build-up). Only train's figures feed groove; validation and test
are printed beside them to show how drummers differ between the splits.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from groovecli.constants import SNARE, STEPS_PER_BAR, STEPS_PER_BEAT
from groovecli.grid.fill_bars import TOMS
from groovecli.grid.fill_shape import fill_beats, shape
from groovecli.lab.data import SPLITS
from groovecli.lab.fill_data import build_fills


def profile(fills: np.ndarray, grooves: np.ndarray) -> dict:
    """The figures of fill bars (N, 16, 9) over the bars before them (N, 16, 9)."""
    density, drums, beats, sounding, snare, toms = [], [], [], [], [], []
    for fill, groove in zip(fills > 0.5, grooves > 0.5):
        where = fill_beats(fill & ~groove)
        if not where.any():
            continue
        n = where.sum() / STEPS_PER_BEAT
        figures = shape(fill, groove)
        density.append(figures[0])
        drums.append(figures[1])
        beats.append(n)
        sounding.append(fill[where].any(1).sum() / n)
        snare.append(fill[where][:, SNARE].sum() / n)
        toms.append(fill[where][:, TOMS].sum() / n)
    per_beat = fills.reshape(len(fills), 4, STEPS_PER_BEAT, -1).sum((2, 3)).mean(0)
    return {"fills": len(fills), "with_fill_beats": len(density),
            "fill_beats": round(float(np.mean(beats)), 2),
            "snare_toms_per_fill_beat": round(float(np.mean(density)), 3),
            "snare_per_fill_beat": round(float(np.mean(snare)), 3), "toms_per_fill_beat": round(float(np.mean(toms)), 3),
            "drum_16ths_per_fill_beat": round(float(np.mean(drums)), 3),
            "sounding_16ths_per_fill_beat": round(float(np.mean(sounding)), 3),
            "quantiles": [(round(float(a), 2), round(float(b), 2)) for a, b in
                          zip(*(np.percentile(x, np.arange(5, 100, 10)) for x in (density, drums)))],
            "sd": (round(float(np.std(density)), 2), round(float(np.std(drums)), 2)),
            "notes_per_beat": [round(float(x), 2) for x in per_beat]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    args = ap.parse_args()
    fills = build_fills(args.data)
    result = {}
    for name in SPLITS:
        part = fills.select((fills.split == SPLITS.index(name)) & fills.from_beat)
        result[name] = profile(part.hits[:, STEPS_PER_BAR : 2 * STEPS_PER_BAR], part.hits[:, :STEPS_PER_BAR])
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
