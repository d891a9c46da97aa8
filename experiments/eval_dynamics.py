"""Programmed dynamics kept, written notes audible, and the kit placed against a quantized band
(issue #23 item 1; docs/producer.md section 1).

    python experiments/eval_dynamics.py --data ../shared/data/gmd --split test [--rides 0.5] [--max-files N]

On each GMD beat of the split (4/4, 2 bars or more):

* programmed: the drummer's own notes quantized, velocities kept, as the sketch (``--notes keep``):
  Spearman of input vs output velocity per song, the velocity KL per position against the
  drummers' (``lab.metrics.position_kl``), written notes with velocity >= 60 that come out below 20.
  One line per ``--rides`` value (``grid.written.RIDE_AMOUNT``); ``--no-contour`` leaves the velocity
  pattern condition free (the model's choice), to see what the contour adds.
* flat: the derived template at one velocity (``groove evaluate``'s stiff sketch), ``--notes add``:
  velocity and timing KL against the drummers, written notes below 20, with the audibility floor
  and without it (``--audible 0`` is groove before #23).
* band: the flat sketch with and without a quantized band: the kick/snare backbone's mean offset (ms)
  per song, median and the share of songs within +-5 ms.

Prints one JSON object per measurement.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

import numpy as np

from groovecli.generate import humanize
from groovecli.generate.humanize import HumanizeOptions, humanize_grid
from groovecli.grid import written
from groovecli.lab.data import load_dataset
from groovecli.lab.evaluation import _songs
from groovecli.lab.metrics import position_kl
from groovecli.runtime.load import load_networks

LOUD, SILENT = 60 / 127, 20 / 127


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation (ties share their mean rank)."""
    def ranks(x: np.ndarray) -> np.ndarray:
        order = np.argsort(x, kind="stable")
        r = np.empty(len(x))
        r[order] = np.arange(len(x))
        for v in np.unique(x):
            r[x == v] = r[x == v].mean()
        return r

    ra, rb = ranks(a), ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def kls(songs, grids) -> dict[str, float]:
    real = [s.real for s in songs]
    cat = lambda gs, k: np.concatenate([getattr(g, k) for g in gs])  # noqa: E731
    ms = lambda gs: np.concatenate([g.offset * s.half_step_ms for g, s in zip(gs, songs)])  # noqa: E731
    return {"velocity_kl": position_kl(cat(real, "velocity"), cat(real, "hits"), cat(grids, "velocity"),
                                       cat(grids, "hits"), (0.0, 1.0)),
            "timing_kl": position_kl(ms(real), cat(real, "hits"), ms(grids), cat(grids, "hits"), (-60.0, 60.0))}


def silenced(before, after) -> tuple[int, int]:
    """(written notes >= 60 now below 20, written notes >= 60)."""
    loud = (before.hits > 0.5) & (before.velocity >= LOUD - 1e-6)
    return int((loud & (after.hits > 0.5) & (after.velocity < SILENT - 1e-6)).sum()), int(loud.sum())


def run(songs, loaded, sketch, options, band=False):
    """Each song humanized with a seed of its own (``options.seed`` + its index): one seed for all
    would give every song the same latents, one drummer's feel."""
    return [humanize_grid(sketch(s), loaded, replace(options, seed=options.seed + i), bpm=s.bpm, band=band).grid
            for i, s in enumerate(songs)]


def programmed(songs, loaded, ride: float, seed: int) -> dict:
    written.RIDE_AMOUNT = ride
    sketch = lambda s: s.real.with_values(s.real.hits, s.real.velocity, np.zeros_like(s.real.offset))  # noqa: E731
    grids = run(songs, loaded, sketch, HumanizeOptions(notes="keep", seed=seed))
    rho, lost = [], [0, 0]
    for s, g in zip(songs, grids):
        hit = (s.real.hits > 0.5) & (g.hits > 0.5)
        rho.append(spearman(s.real.velocity[hit], g.velocity[hit]))
        lost = [a + b for a, b in zip(lost, silenced(sketch(s), g))]
    rho_arr = np.asarray([r for r in rho if r == r])
    return {"sketch": "programmed", "ride": ride, "songs": len(songs),
            "spearman_median": round(float(np.median(rho_arr)), 3),
            "spearman_q10": round(float(np.quantile(rho_arr, 0.1)), 3),
            "velocity_kl": round(kls(songs, grids)["velocity_kl"], 4), "loud_silenced": lost}


def flat(songs, loaded, audible: int, seed: int) -> dict:
    written.AUDIBLE = audible
    grids = run(songs, loaded, lambda s: s.stiff, HumanizeOptions(seed=seed))
    lost = [sum(x) for x in zip(*(silenced(s.stiff, g) for s, g in zip(songs, grids)))]
    out_quiet = sum(int(((g.hits > 0.5) & (g.velocity < SILENT - 1e-6)).sum()) for g in grids)
    return {"sketch": "flat", "audible": audible, "songs": len(songs), "loud_silenced": lost,
            "output_notes_below_20": [out_quiet, int(sum(g.hits.sum() for g in grids))]} | {
        k: round(v, 4) for k, v in kls(songs, grids).items()}


def band(songs, loaded, seed: int) -> list[dict]:
    rows = []
    for with_band in (False, True):
        grids = run(songs, loaded, lambda s: s.stiff, HumanizeOptions(seed=seed), band=with_band)
        means = np.asarray([m for g, s in zip(grids, songs)
                            if (m := written.backbone_ms(g.hits, g.offset, s.half_step_ms[:, 0])) is not None])
        rows.append({"sketch": "flat", "band": with_band, "songs": len(means),
                     "backbone_ms_median": round(float(np.median(means)), 2),
                     "backbone_ms_mean": round(float(means.mean()), 2),
                     "within_5ms": round(float((np.abs(means) <= 5).mean()), 3)} | {
            k: round(v, 4) for k, v in kls(songs, grids).items()})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--cache")
    parser.add_argument("--split", default="test", choices=["validation", "test"])
    parser.add_argument("--rides", type=float, nargs="+", default=[written.RIDE_AMOUNT])
    parser.add_argument("--max-files", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="+", default=["programmed", "flat", "band"])
    parser.add_argument("--no-contour", action="store_true")
    args = parser.parse_args()
    if args.no_contour:  # the velocity pattern condition left free, as for a flat sketch
        humanize.own_patterns = lambda win: {"velocity": np.zeros(win["hits"].shape[:2], np.int64)}
    songs = _songs(args.data, load_dataset(args.data, cache_dir=args.cache).of_split(args.split), args.max_files)
    loaded = load_networks()
    if "programmed" in args.only:
        for ride in args.rides:
            print(json.dumps(programmed(songs, loaded, ride, args.seed) | {"contour": not args.no_contour}), flush=True)
    if "flat" in args.only:
        for audible in (0, written.AUDIBLE):
            print(json.dumps(flat(songs, loaded, audible, args.seed)), flush=True)
    if "band" in args.only:
        for row in band(songs, loaded, args.seed):
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
