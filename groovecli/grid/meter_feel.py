"""How GMD's drummers play bars of other meters: what ``humanize`` plays their frames with.

The feel model was trained on 4/4 bars only. On a frame of another meter (``meters.py``) it plays
a 4/4 bar's dynamics: a 3/4 jazz waltz's ride as loud as a rock ride, a 6/8 bar's second beat as
an off-beat. GMD's own drummers played other-meter beats in its train split (3/4, 6/8, 5/4,
5/8); ``experiments/meter_feel.py`` measures, per kind of frame (``meters.KINDS``: where the
frame's beats fall) and per drum and step of the frame, their velocities (quantiles and means)
and mean timing (ms), and writes ``models/meter-feel.json``. ``generate/feel.lean_other_meters``
maps the model's decoded velocities onto theirs by rank and re-centres its timing on theirs, as a
named genre's 4/4 bars lean on that genre's drummers (``genre_feel.py``); a kind the table lacks
keeps the model's (or the pooled 4/4 drummers') feel.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..bundled import bundled_dir
from ..constants import STEPS_PER_BAR
from .genre_feel import GenreFeel, profile_entry
from .swing import Swing

METER_FILE = "meter-feel.json"


@dataclass(frozen=True)
class MeterFeel:
    """The drummers' feel on one kind of frame (played straight), and which of its velocity and
    timing groove leans on (the table's "lean", chosen on train files left out of the fit one at
    a time, ``experiments/meter_feel.py``)."""

    feel: GenreFeel
    velocity: bool
    timing: bool
    # per step of the frame and drum, the drummers' velocity at evenly spaced quantiles (None where
    # too few hits): when given, velocity is mapped onto them (``match_quantiles``), and only the
    # steps with None are re-centred on the drummers' means
    quantiles: list | None = None


def meter_feel(kind: str) -> MeterFeel | None:
    """The drummers' feel on frames of ``kind``; None when groove ships none."""
    entry = entries().get(kind)
    if entry is None:
        return None
    lean = set(entry.get("lean", ("velocity", "timing")))
    feel = GenreFeel(Swing(), profile_entry(entry["timing_ms"]), profile_entry(entry["velocity"]))
    quantiles = entry.get("velocity_quantiles") if "velocity quantiles" in lean else None
    return MeterFeel(feel, "velocity" in lean or quantiles is not None, "timing" in lean, quantiles)


def match_quantiles(values: np.ndarray, hits: np.ndarray, quantiles: list) -> np.ndarray:
    """``values`` (T, D) on frames of one kind, each drum's hits at each step of the frame mapped
    by rank onto the drummers' velocities there (``quantiles`` [step][drum]: evenly spaced
    quantiles, or None: kept). The model's hits keep their order, louder stays louder, and take
    the drummers' spread: their ghosts and accents, which re-centring the model's means alone
    leaves at the model's 4/4 spread."""
    out = np.array(values, copy=True)
    hit = hits > 0.5
    pos = np.arange(len(values)) % STEPS_PER_BAR
    for step, row in enumerate(quantiles):
        for drum, q in enumerate(row):
            cells = (pos == step)[:, None] & hit & (np.arange(hit.shape[1]) == drum)
            if q is None or not cells.any():
                continue
            v = values[cells]
            ordered = np.sort(v)
            rank = (np.searchsorted(ordered, v, "left") + np.searchsorted(ordered, v, "right")) / (2 * len(v))
            out[cells] = np.interp(rank, np.linspace(0.0, 1.0, len(q)), q)
    return out


@lru_cache(maxsize=1)
def entries() -> dict[str, dict]:
    """The bundled table's kinds (``experiments/eval_meters.py --leave-one-out`` swaps in a table
    fitted without the file it scores)."""
    folder = bundled_dir()
    if folder is None or not (folder / METER_FILE).exists():
        return {}
    return json.loads((folder / METER_FILE).read_text()).get("kinds", {})
