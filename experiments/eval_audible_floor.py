"""What the audibility floor (no written note below velocity 20, issue #23) costs in velocity KL.

    python experiments/eval_audible_floor.py --data ../shared/data/gmd [--split test] [--max-files 40]

Humanizes the first songs' stiff sketches in `keep` and `add` three ways: with the shipped floor
(`grid.written.keep_audible`: a written note the model plays under 20 goes as far above 20 as the
model put it above silence), with the floor as a clamp (every such note at exactly 20, groove
0.6.0), and without a floor (the model's own velocities), and prints the per-position velocity KL
against the drummers (`groove evaluate`'s measure).

The ceilings, what no floored output can beat:

* oracle: the drummers' own velocities as the output, on the notes each mode plays (`keep`: the
  written notes only; `add`: every note the drummer played), with the written notes clamped at
  20 (max(v, 20)) and without;
* keep's distribution ceiling: the best KL any output of `keep`'s notes can reach with every
  written note at 20 or more, whatever velocity each gets (per position of the beat, the
  drummers' histogram above 19 as the output's, on as many notes as `keep` plays). The KL scores
  distributions, so this is lower than the oracle's, which keeps each note's own velocity.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from groovecli.constants import MIDI_VELOCITY_MAX, STEPS_PER_BEAT
from groovecli.generate import humanize as hm
from groovecli.grid.written import AUDIBLE
from groovecli.lab import evaluation as ev
from groovecli.lab.data import GENRES, load_dataset
from groovecli.lab.metrics import KL_BINS
from groovecli.runtime.load import load_networks

FLOOR = AUDIBLE / MIDI_VELOCITY_MAX


def clamped(written, sketch, velocity):
    """The floor as groove 0.6.0 applied it: every written note under 20 at exactly 20."""
    return np.maximum(velocity, np.minimum(sketch, FLOOR) * written).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--split", default="test")
    ap.add_argument("--max-files", type=int, default=40)
    ap.add_argument("--cache")
    args = ap.parse_args()
    loaded = load_networks()
    songs = ev._songs(args.data, load_dataset(args.data, cache_dir=args.cache).of_split(args.split), args.max_files)
    shipped = hm.keep_audible
    rows, keep_notes = {}, None
    for label, keep_audible in (("with the floor (shipped)", shipped), ("floor clamped at 20", clamped),
                                ("without", lambda written, sketch, velocity: velocity)):
        hm.keep_audible = keep_audible
        for mode in ("keep", "add"):
            grids = [hm.humanize_grid(s.stiff, loaded, hm.HumanizeOptions(genre=GENRES[s.genre], seed=i, notes=mode),
                                      bpm=s.bpm).grid for i, s in enumerate(songs)]
            rows[f"{mode}, {label}"] = round(ev.humanization_metrics(songs, grids)["velocity_kl"], 3)
            keep_notes = np.concatenate([g.hits for g in grids]) if mode == "keep" else keep_notes
    hm.keep_audible = shipped
    rows |= oracle(songs) | {"ceiling keep, with the floor": round(distribution_ceiling(songs, keep_notes), 3)}
    print(json.dumps({"songs": len(songs), "split": args.split, "velocity_kl": rows}, indent=2))


def oracle(songs) -> dict[str, float]:
    """The drummers' own velocities at the notes each mode plays, clamped at 20 at the written notes and not."""
    out = {}
    for mode in ("keep", "add"):
        for label, floored in (("clamped at 20", True), ("without", False)):
            grids = []
            for s in songs:
                hits = s.template if mode == "keep" else s.real.hits
                velocity = s.real.velocity * hits
                if floored:
                    velocity = clamped(s.template > 0.5, s.stiff.velocity, velocity) * hits
                grids.append(s.real.with_values(hits, velocity, s.real.offset * hits))
            out[f"oracle {mode}, {label}"] = round(ev.humanization_metrics(songs, grids)["velocity_kl"], 3)
    return out


def distribution_ceiling(songs, out_hits: np.ndarray) -> float:
    """The least per-position velocity KL (``position_kl``'s bins and smoothing) an output of
    ``out_hits``' notes can have when none of them is under the floor's bin."""
    real = np.concatenate([s.real.velocity for s in songs])
    hits = np.concatenate([s.real.hits for s in songs]) > 0.5
    edges = np.linspace(0.0, 1.0, KL_BINS + 1)
    allowed = edges[:-1] >= np.floor(FLOOR * KL_BINS) / KL_BINS  # the bins at or above the floor's
    kls = []
    for pos in range(STEPS_PER_BEAT):
        p = np.histogram(np.clip(real[pos::STEPS_PER_BEAT][hits[pos::STEPS_PER_BEAT]], 0, 1), bins=edges)[0] + 1.0
        p /= p.sum()
        best = np.where(allowed, p, 0.0) / p[allowed].sum() * float((out_hits[pos::STEPS_PER_BEAT] > 0.5).sum()) + 1.0
        kls.append(float((p * np.log(p / (best / best.sum()))).sum()))
    return float(np.mean(kls))


if __name__ == "__main__":
    main()
