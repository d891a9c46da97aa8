"""Which notes ``add`` keeps: the ones the genre's drummers add around a sketch like this one.

The decorator model (``generate/decorate.py``) hears the genre as one embedding, and its added
notes read much alike in every genre: no crash into a phrase, no tom pickup, hats where a latin
drummer goes to the ride. ``experiments/genre_vocab.py`` measures on GMD's train beats what
each genre's drummers add beyond the sketch a producer would draw of their bar
(``patterns.derive_template``): how often they add each drum on each 16th the sketch leaves
empty, by the sketch's time-keeping line (hi-hat or ride) and the bar's place in a 4-bar phrase
(``models/genre-vocab.json``). ``add`` still adds
as many notes per bar as its budget allows (``decorate.add_budget``); this module chooses which:
drawn without replacement, each empty cell weighted by how often the genre's drummers add a note
there, the cells the model drew counted ``MODEL_WEIGHT`` times (its notes follow the sketch and
each other; the table alone knows nothing of the bar before).
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

from ..bundled import bundled_dir
from ..constants import CLOSED_HIHAT, OPEN_HIHAT, RIDE, STEPS_PER_BAR

VOCAB_FILE = "genre-vocab.json"
CYMBAL_KINDS = ("hats", "ride")
BAR_KINDS = ("downbeat", "middle", "end")  # a 4-bar phrase's first bar, its two inner bars, its last
PHRASE_BARS = 4
# How many times a cell the decorator drew counts against one the table alone proposes, chosen on
# GMD's validation beats (experiments/genre_vocab_check.py).
MODEL_WEIGHT = 16.0
FLOOR = 1e-4  # every empty cell stays drawable, so a bar can always take its budget


def cymbal_kind(sketch_bar: np.ndarray) -> str:
    """The sketch's time-keeping line in one bar (16, 9): the ride when it draws more ride than hats."""
    bar = np.asarray(sketch_bar) > 0.5
    return "ride" if bar[:, RIDE].sum() > bar[:, [CLOSED_HIHAT, OPEN_HIHAT]].sum() else "hats"


def bar_kind(bar: int) -> str:
    """Where bar ``bar`` (0 first) sits in its 4-bar phrase."""
    place = bar % PHRASE_BARS
    return BAR_KINDS[0] if place == 0 else BAR_KINDS[2] if place == PHRASE_BARS - 1 else BAR_KINDS[1]


def added_rates(genre: str | None, sketch_bar: np.ndarray, bar: int) -> np.ndarray | None:
    """How often the genre's drummers add a note on each cell (16, 9) that a sketch like
    ``sketch_bar`` leaves empty, in bar ``bar`` of the song; None when groove ships no table."""
    table = _table()
    if not table:
        return None
    entry = table["genres"].get(genre) or table["any"]
    return np.asarray(entry["rate"][cymbal_kind(sketch_bar)][bar_kind(bar)], np.float64)


def bar_counts(allowed: np.ndarray, drawn: np.ndarray, sounding: np.ndarray | None = None) -> np.ndarray:
    """Notes ``add`` adds per bar: what the decorator drew (``drawn``), within the bar's ``allowed``
    (``decorate.add_budget``: up to twice the bar's shortfall against the genre's drummers) and
    no fewer than the shortfall itself (half of ``allowed``), which the table then fills: a
    decorator that draws less than the genre's drummers add would leave the sketch thinner than
    they play it. A bar where the part is silent (``sounding`` False) gains only what was drawn
    there: the budget reads a 2-bar sketch, which draws its cymbal line over a silent bar too."""
    allowed = np.asarray(allowed, np.int64)
    drawn = np.asarray(drawn, np.int64)
    floor = (allowed + 1) // 2 if sounding is None else np.where(sounding, (allowed + 1) // 2, 0)
    return np.minimum(allowed, np.maximum(drawn, floor))


def choose_added(part: np.ndarray, drawn: np.ndarray, counts: np.ndarray, genre: str | None,
                 rng: np.random.Generator, model_weight: float = MODEL_WEIGHT) -> np.ndarray:
    """Which cells ``add`` adds (T, 9 bool) to ``part`` (T, 9 bool), ``counts[b]`` of them in bar
    ``b``, where the decorator ``drawn`` its notes (T, 9 bool, ``part`` included): each bar's
    empty cells drawn without replacement, weighted by the genre's rates (``added_rates``), a cell
    the decorator drew ``model_weight`` times. Without a bundled table, the decorator's cells."""
    part, drawn = np.asarray(part) > 0.5, np.asarray(drawn) > 0.5
    out = np.zeros_like(part)
    for b, n in enumerate(np.asarray(counts, np.int64)):
        rows = slice(b * STEPS_PER_BAR, (b + 1) * STEPS_PER_BAR)
        free, model = ~part[rows], drawn[rows] & ~part[rows]
        rates = added_rates(genre, part[rows], b)
        weight = (model.astype(np.float64) if rates is None
                  else (np.maximum(rates, 0) + FLOOR) * np.where(model, model_weight, 1.0) * free)
        cells = np.flatnonzero(weight.ravel() > 0)
        n = min(int(n), len(cells))
        if n <= 0:
            continue
        p = weight.ravel()[cells]
        picked = rng.choice(cells, size=n, replace=False, p=p / p.sum())
        bar = np.zeros(free.size, bool)
        bar[picked] = True
        out[rows] = bar.reshape(free.shape)
    return out


@lru_cache(maxsize=1)
def _table() -> dict:
    folder = bundled_dir()
    if folder is None or not (folder / VOCAB_FILE).exists():
        return {}
    return json.loads((folder / VOCAB_FILE).read_text())
