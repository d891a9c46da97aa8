"""How GMD's drummers play bars of other meters: what ``humanize`` plays their frames with.

The feel model was trained on 4/4 bars only. On a frame of another meter (``meters.py``) it plays
a 4/4 bar's dynamics: a 3/4 jazz waltz's ride as loud as a rock ride, a 6/8 bar's second beat as
an off-beat. GMD's own drummers played other-meter beats in its train split (3/4, 6/8, 5/4,
5/8); ``experiments/meter_feel.py`` measures, per kind of frame (``meters.KINDS``: where the
frame's beats fall) and per drum and step of the frame, their velocities (quantiles and means)
and mean timing (ms), beside the quantiles of the velocities the model itself decodes there on
the same files' sketches, and writes ``models/meter-feel.json``. ``generate/feel.lean_other_meters``
maps each decoded velocity through the model's distribution there onto the drummers'
(``match_quantiles``) and re-centres its timing on theirs, as a named genre's 4/4 bars lean on
that genre's drummers (``genre_feel.py``); a kind the table lacks keeps the model's (or the
pooled 4/4 drummers') feel.
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
    # steps left unmapped are re-centred on the drummers' means
    quantiles: list | None = None
    # the model's own decoded velocity there ([step][drum] quantiles, None where too few hits), and
    # per drum over all the kind's steps (for the steps where it has too few)
    model: list | None = None
    model_drum: list | None = None


def meter_feel(kind: str) -> MeterFeel | None:
    """The drummers' feel on frames of ``kind``; None when groove ships none."""
    entry = entries().get(kind)
    if entry is None:
        return None
    lean = set(entry.get("lean", ("velocity", "timing")))
    feel = GenreFeel(Swing(), profile_entry(entry["timing_ms"]), profile_entry(entry["velocity"]))
    quantiles = entry.get("velocity_quantiles") if "velocity quantiles" in lean else None
    return MeterFeel(feel, "velocity" in lean or quantiles is not None, "timing" in lean, quantiles,
                     entry.get("model_quantiles"), entry.get("model_drum_quantiles"))


def match_quantiles(moved: np.ndarray, decoded: np.ndarray, hits: np.ndarray, table: MeterFeel) -> np.ndarray:
    """``moved`` (T, D) on frames of one kind, with every hit at a step and drum where the table has
    both sides mapped by quantile: its ``decoded`` velocity is placed in the model's own
    distribution there (``table.model``, measured on the table's files; over the drum's steps of
    the kind where that step has too few hits) and takes the drummers' velocity at the same
    quantile. A note the model plays far below its usual level there stays far below the
    drummers' usual level, whatever else the song plays at that step; louder stays louder; the
    levels and the spread are the drummers'. Piecewise-linear both ways; past the model's
    extremes, the drummers' extremes. Elsewhere ``moved`` is kept."""
    out = np.array(moved, copy=True)
    hit = hits > 0.5
    pos = np.arange(len(moved)) % STEPS_PER_BAR
    for step, row in enumerate(table.quantiles or []):
        for drum, target in enumerate(row):
            source = model_side(table, step, drum)
            cells = (pos == step)[:, None] & hit & (np.arange(hit.shape[1]) == drum)
            if target is None or source is None or not cells.any():
                continue
            out[cells] = transfer(decoded[cells], source, target)
    return out


def model_side(table: MeterFeel, step: int, drum: int) -> list | None:
    """The model's velocity quantiles at ``step`` and ``drum``, else over the drum's steps; None: neither."""
    at = table.model[step][drum] if table.model is not None else None
    return at if at is not None else (table.model_drum[drum] if table.model_drum is not None else None)


def transfer(values: np.ndarray, source: list, target: list) -> np.ndarray:
    """``values`` through the distribution whose quantiles are ``source`` onto the one whose are
    ``target`` (both evenly spaced, from the minimum to the maximum)."""
    # tied quantiles (a value the model repeats) are spread by a hair so the CDF stays a function
    xs = np.asarray(source, float) + np.arange(len(source)) * 1e-9
    level = np.interp(values, xs, np.linspace(0.0, 1.0, len(source)))
    return np.interp(level, np.linspace(0.0, 1.0, len(target)), np.asarray(target, float))


@lru_cache(maxsize=1)
def entries() -> dict[str, dict]:
    """The bundled table's kinds (``experiments/eval_meters.py --leave-one-out`` swaps in a table
    fitted without the file it scores)."""
    folder = bundled_dir()
    if folder is None or not (folder / METER_FILE).exists():
        return {}
    return json.loads((folder / METER_FILE).read_text()).get("kinds", {})
