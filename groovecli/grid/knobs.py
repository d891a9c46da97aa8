"""Steering knobs: ``--density`` and ``--syncopation`` choose which of the model's notes are played.

The NOTE decoder gives every cell a probability; groove normally plays the cells above 0.5.
A knob keeps the model's ranking and changes the cut: ``--density`` plays, bar by bar, as many
of the most likely cells as the target asks (``+50%`` of the sketch's notes per bar, or ``24``
notes per bar); ``--syncopation`` tilts the ranking towards the weak 16ths (the "e" and "a",
which syncopate when the stronger step after them rests) or towards the strong ones, and
picks the tilt whose result comes nearest the target (GrooveToolbox's syncopation, as
``groove analyze`` reports it: the sum over the kit's parts, 0 for a part on the beat;
GMD's beats mostly lie between 0.2 and 1.2). Without a knob nothing changes.

In ``add`` every note of the sketch stays, so a density below the sketch's cannot be reached
there (``free`` can); what can be added is what ``add`` may add (kick, snare and the sketch's
own time-keeping cymbal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..constants import STEPS_PER_BAR
from ..errors import GrooveError

if TYPE_CHECKING:
    import numpy as np

SYNCOPATION_RANGE = (0.0, 2.0)
TILT_RANGE, TILT_COUNT = 8.0, 33
SYNCOPATION_TOLERANCE = 0.15  # a result this far from a --syncopation target says so  # logit units added at the weakest 16ths and taken at the strongest


@dataclass(frozen=True)
class Density:
    """A density target: ``relative`` to the sketch's notes per bar (0.5 = +50 %), or ``absolute``."""

    value: float
    relative: bool

    def per_bar(self, sketch_per_bar: float) -> float:
        return sketch_per_bar * (1.0 + self.value) if self.relative else self.value


def parse_density(text: str) -> Density:
    """``+50%``, ``-25%`` (relative to the sketch, -50 % to +100 %) or ``24`` (notes per bar, 1-144)."""
    t = text.strip().replace(" ", "")
    m = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)%", t)
    if m:
        value = float(m.group(1)) / 100
        if not -0.5 <= value <= 1.0:
            raise GrooveError(f"--density {text}: a relative density is between -50% and +100%")
        return Density(value, True)
    try:
        value = float(t)
    except ValueError:
        raise GrooveError(f"--density {text!r}: give notes per bar (e.g. 24) or a change like +50% or -25%") from None
    if not 1 <= value <= STEPS_PER_BAR * 9:
        raise GrooveError(f"--density {text}: notes per bar must be between 1 and {STEPS_PER_BAR * 9}")
    return Density(value, False)


def check_knobs(density: str | None, syncopation: float | None, notes: str = "add") -> None:
    """Knob values, and a knob with ``keep`` (which has no notes to choose), as one-line errors."""
    if density is not None:
        parse_density(density)
    check_syncopation(syncopation)
    if notes == "keep" and (density is not None or syncopation is not None):
        raise GrooveError("--density and --syncopation choose notes: use them with --notes add or free")


def check_syncopation(value: float | None) -> None:
    lo, hi = SYNCOPATION_RANGE
    if value is not None and not lo <= value <= hi:
        raise GrooveError(f"--syncopation must be between {lo:g} and {hi:g}, not {value:g}")


def steer(p: np.ndarray, sketch: np.ndarray, allowed: np.ndarray, *, keep_sketch: bool,
          density: float | None = None, syncopation: float | None = None) -> np.ndarray:
    """Notes (T, 9) from cell probabilities ``p`` (T, 9): the sketch (when kept) plus the allowed
    cells the knobs pick. ``density``: notes per bar wanted; ``syncopation``: the target."""
    import numpy as np  # here, so that checking a knob's value costs no numpy import

    from .features import METRICAL_PROFILE, song_syncopation

    strength = METRICAL_PROFILE[:STEPS_PER_BAR]
    weakness = 1.0 - 2.0 * (strength - 1) / (strength.max() - 1)  # +1 on the weakest 16ths, -1 on the downbeat
    base = sketch > 0.5 if keep_sketch else np.zeros_like(sketch, bool)
    candidate = allowed & ~base
    logit = np.log(np.clip(p, 1e-6, 1 - 1e-6)) - np.log1p(-np.clip(p, 1e-6, 1 - 1e-6))
    weakness = np.tile(weakness, len(p) // STEPS_PER_BAR)[:, None]
    sounding = (sketch > 0.5).reshape(-1, STEPS_PER_BAR * sketch.shape[1]).any(1)  # silent bars stay silent

    def pick(tilt: float) -> np.ndarray:
        score = np.where(candidate, logit + tilt * weakness, -np.inf)
        if density is None:
            return base | (score > 0)
        bars = score.reshape(-1, STEPS_PER_BAR * score.shape[1])
        need = np.clip(np.round(density) - base.reshape(len(bars), -1).sum(1), 0, None) * sounding
        ranks = (-bars).argsort(1).argsort(1)
        chosen = (ranks < need[:, None]) & np.isfinite(bars)
        return base | chosen.reshape(score.shape)

    if syncopation is None:
        return pick(0.0).astype(np.float32)
    tilts = np.linspace(-TILT_RANGE, TILT_RANGE, TILT_COUNT)
    options = [(abs(song_syncopation(notes) - syncopation), abs(t), notes) for t in tilts for notes in [pick(t)]]
    return min(options, key=lambda o: o[:2])[2].astype(np.float32)


def notes_per_bar(hits: np.ndarray) -> float:
    """Notes per bar that holds any (what a relative ``--density`` is relative to)."""
    bars = (hits > 0.5).reshape(-1, STEPS_PER_BAR * hits.shape[1]).any(1)
    return float((hits > 0.5).sum()) / max(int(bars.sum()), 1)


def steer_new(p: np.ndarray, density: Density | None, syncopation: float | None, relative_to: np.ndarray) -> np.ndarray:
    """``steer`` for new bars with no sketch to keep (``sample``, ``continue``, ``interpolate``): a
    relative density is relative to ``relative_to``'s notes per bar (the draft, the primer, the blend)."""
    import numpy as np

    ones = np.ones(p.shape, np.float32)
    target = None if density is None else density.per_bar(notes_per_bar(relative_to))
    return steer(p, ones, ones > 0, keep_sketch=False, density=target, syncopation=syncopation)


def knob_shortfall(density: str | None, syncopation: float | None, notes: str, sketch: np.ndarray,
                   result: np.ndarray) -> list[str]:
    """What a knob asked for and the result does not have, one line each (a knob that changes
    nothing must say so): ``--density`` below the sketch's with ``--notes add``, which keeps every
    sketch note, or beyond what the model offers; ``--syncopation`` beyond the notes' reach."""
    from .features import song_syncopation

    said = []
    if density is not None:
        has, wanted, got = notes_per_bar(sketch), parse_density(density).per_bar(notes_per_bar(sketch)), notes_per_bar(result)
        if abs(got - wanted) > max(1.0, 0.1 * wanted):
            why = (f"; --notes add keeps all {has:.1f} of the sketch's (--notes free may remove some)"
                   if notes == "add" and wanted < has else "")
            said.append(f"--density {density} asks for {wanted:.1f} notes a bar and the result has {got:.1f}{why}")
    if syncopation is not None:
        got = song_syncopation(result)
        if abs(got - syncopation) > SYNCOPATION_TOLERANCE:
            said.append(f"--syncopation {syncopation:g} is beyond the model's notes here: the nearest is {got:.2f}")
    return said
