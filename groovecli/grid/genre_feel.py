"""How each genre's drummers play, as ``humanize`` leans on it: swing, and where each drum sits.

The feel model hears the genre only as one embedding among its inputs, and on a stiff sketch
that barely shows (``--genre`` moved few of the issue's measures). What a drummer means by
"play it as jazz" is measurable on GMD's beats (``experiments/genre_profiles.py`` writes
``models/genre-feel.json``): the genre's swing, and per drum and 16th of the bar its drummers'
mean timing (ms) and velocity (and how tightly they play around those means, which groove
does not use: see ``generate/feel.lean_on_genre``). ``humanize`` re-centres the model's decoded
feel on them (``feel_profile.follow``, as ``transfer`` does on a reference), keeping the
model's own hit-to-hit variation, then writes the swing as ticks
(``swing.py``). The timing profile is measured de-swung, so the swing is not counted twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..bundled import bundled_dir
from .feel_profile import Profile
from .swing import Swing

FEEL_FILE = "genre-feel.json"


@dataclass(frozen=True)
class GenreFeel:
    """A genre's swing, and its drummers' timing (ms) and velocity profiles (de-swung)."""

    swing: Swing
    timing_ms: Profile
    velocity: Profile


def genre_feel(genre: str) -> GenreFeel | None:
    """The bundled feel of ``genre``; None when groove ships none for it."""
    entry = _entries().get(genre)
    if entry is None:
        return None
    return GenreFeel(Swing(**entry["swing"]), profile_entry(entry["timing_ms"]), profile_entry(entry["velocity"]))


def profile_entry(entry: dict) -> Profile:
    """A profile as the bundled JSON tables store it."""

    def arr(x) -> np.ndarray:
        return np.asarray(x, dtype=float)  # JSON's nulls become NaN, the profile's "never hit"

    return Profile(arr(entry["cell_mean"]), arr(entry["cell_hits"]), arr(entry["drum_mean"]), arr(entry["drum_sd"]))


@lru_cache(maxsize=1)
def _entries() -> dict[str, dict]:
    folder = bundled_dir()
    if folder is None or not (folder / FEEL_FILE).exists():
        return {}
    return json.loads((folder / FEEL_FILE).read_text()).get("genres", {})


@lru_cache(maxsize=1)
def pooled_feel() -> GenreFeel | None:
    """Every genre's drummers at once (each 16th's mean weighted by its hits), played straight:
    the feel of GMD's drummers when the genre is not known. None when groove ships no feels."""
    feels = [f for name in _entries() if (f := genre_feel(name)) is not None]
    if not feels:
        return None
    return GenreFeel(Swing(), _pool([f.timing_ms for f in feels]), _pool([f.velocity for f in feels]))


def _pool(profiles: list[Profile]) -> Profile:
    hits = np.stack([p.cell_hits for p in profiles])  # (G, 16, D)
    cell = np.nansum(np.stack([np.nan_to_num(p.cell_mean) for p in profiles]) * hits, 0)
    count = hits.sum(0)
    cell_mean = np.where(count > 0, cell / np.maximum(count, 1), np.nan)
    drum_hits = count.sum(0)
    drum_mean = np.where(drum_hits > 0, np.nansum(cell, 0) / np.maximum(drum_hits, 1), np.nan)
    return Profile(cell_mean, count, drum_mean, np.full_like(drum_mean, np.nan))
