"""Patterns a user draws (``--velocity-pattern``, ``--timing-pattern``): text to levels and back.

One character per 16th step: ``1``-``5`` and ``.`` for velocity; ``-`` (pushed), ``0`` (on), ``+``
(laid back) and ``.`` for timing. Spaces and ``|`` may separate beats. A pattern of 1, 2, 4, 8, 16
or 32 steps repeats to fill a 2-bar window. Levels mean what ``patterns.py`` derives from a
performance. Pure Python: the CLI checks a drawn pattern before it imports numpy or torch.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from ..constants import (
    LAID_BACK,
    MAX_NEW_BARS,
    MAX_STEPS,
    ON_GRID,
    PUSHED,
    STEPS_PER_BAR,
    STEPS_PER_BEAT,
    VELOCITY_CLASSES,
    WINDOW_STEPS,
)
from ..errors import GrooveError

VELOCITY_SYMBOLS = {".": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
TIMING_SYMBOLS = {".": 0, "-": PUSHED, "0": ON_GRID, "+": LAID_BACK}
_SEPARATORS = " |"


def _ramp(up: bool) -> str:
    levels = [1 + (VELOCITY_CLASSES * t) // WINDOW_STEPS for t in range(WINDOW_STEPS)]
    return "".join(str(v) for v in (levels if up else levels[::-1]))


VELOCITY_PRESETS: dict[str, str] = {
    "flat": "4",
    "accent-downbeats": "5333",  # every quarter note loud
    "accent-upbeats": "3353",  # the "and" of every beat loud
    "accent-backbeats": "4333 5333 4333 5333",  # beats 2 and 4 loudest
    "eighths": "5.3.",  # 8th-note cymbal, quarter notes accented
    "crescendo": _ramp(True),
    "decrescendo": _ramp(False),
}
TIMING_PRESETS: dict[str, str] = {
    "on-grid": "0",
    "laidback": "+",
    "pushed": "-",
    "swing16": "0+",  # the "e" and "a" late
    "swing8": ".",  # 8ths swung to a triplet feel: a placement (SWING_PRESETS), not a drawn condition
    "shuffle": ".",  # 16ths swung to a triplet feel (a half-time shuffle), likewise
    "laidback-backbeat": "0000 +000 0000 +000",  # beats 2 and 4 behind
}


TRIPLET = 2 / 3
# Timing presets that swing: (8th, 16th) off-beat positions for grid/swing.py's Swing. The swung
# "and" sits past half a 16th, where no drawn offset reaches, so these leave the model's timing
# undrawn and move the off-beats where the grid becomes ticks.
SWING_PRESETS: dict[str, tuple[float, float]] = {"swing8": (TRIPLET, 0.5), "shuffle": (0.5, TRIPLET)}


SWING_RANGE = (50, 75)  # --swing percent: straight to a hard dotted feel (66 is a triplet)


def check_swing(percent: float | None) -> None:
    """``--swing``: a percent of the beat where the off-beat 8th sits, as a one-line error."""
    lo, hi = SWING_RANGE
    if percent is not None and not lo <= percent <= hi:
        raise GrooveError(f"--swing {percent:g}: give a percent of the beat between {lo} (straight) and {hi} "
                          "(66 is a triplet feel)")


def swing_preset(text: str | None) -> tuple[float, float] | None:
    """The (8th, 16th) swing a ``--timing-pattern`` preset asks for; None for any other pattern."""
    return None if text is None else SWING_PRESETS.get(text.strip().lower())


def _did_you_mean(text: str, presets: dict[str, str]) -> str:
    """'; did you mean laidback' when the name is a preset with its letters slightly off."""
    squash = lambda name: "".join(c for c in name.lower() if c.isalnum())  # noqa: E731
    by_squashed = {squash(name): name for name in presets}
    close = difflib.get_close_matches(squash(text), list(by_squashed), n=1, cutoff=0.6)
    return f"; did you mean {by_squashed[close[0]]}" if close else ""


def parse_pattern(text: str, kind: str) -> tuple[int, ...]:
    """Parse a drawn pattern or preset name into 32 levels (a 2-bar window).

    Args:
        text: a preset name or one character per 16th step (see the module docstring).
        kind: ``"velocity"`` or ``"timing"``.

    Raises:
        GrooveError: naming the offending character and its column, or a bad length.
    """
    if kind not in ("velocity", "timing"):
        raise ValueError(f"pattern kind must be velocity or timing, not {kind!r}")
    symbols = VELOCITY_SYMBOLS if kind == "velocity" else TIMING_SYMBOLS
    presets = VELOCITY_PRESETS if kind == "velocity" else TIMING_PRESETS
    source = presets.get(text.strip().lower(), text)
    if sum(c.isalpha() for c in source) >= 2:  # no step is a letter: a preset name, mistyped
        example = "5333 4333" if kind == "velocity" else "0+0+"
        raise GrooveError(f"{kind} pattern {text!r} is not a preset{_did_you_mean(text, presets)} "
                          f"(presets: {', '.join(presets)}; or draw one, e.g. '{example}')")
    steps = []
    for column, char in enumerate(source, start=1):
        if char in _SEPARATORS:
            continue
        if char not in symbols:
            allowed = "1-5 for levels" if kind == "velocity" else "'-' pushed, '0' on, '+' laid back"
            raise GrooveError(
                f"{kind} pattern {text!r}: {char!r} at column {column} is not a step "
                f"(use {allowed}, '.' for no value, spaces or '|' between beats; presets: {', '.join(presets)})"
            )
        steps.append(symbols[char])
    if not steps or WINDOW_STEPS % len(steps):
        raise GrooveError(
            f"{kind} pattern {text!r} has {len(steps)} steps; give 16 (one bar) or 32 (two bars), "
            "or 1, 2, 4 or 8 to repeat"
        )
    return tuple(steps * (WINDOW_STEPS // len(steps)))


def format_pattern(levels: Sequence[int], kind: str) -> str:
    """The drawn form of a pattern, beats separated by spaces and bars by ``|``."""
    symbols = VELOCITY_SYMBOLS if kind == "velocity" else TIMING_SYMBOLS
    char = {v: k for k, v in symbols.items()}
    out = []
    for t, level in enumerate(levels):
        if t and t % STEPS_PER_BAR == 0:
            out.append(" | ")
        elif t and t % STEPS_PER_BEAT == 0:
            out.append(" ")
        out.append(char[int(level)])
    return "".join(out)


MAX_FILL_EVERY = 64  # bars between fills


def parse_fills(text: str) -> int | None:
    """``--fills``: a phrase length in bars (a fill in every Nth bar), or ``ends`` (None)."""
    value = str(text).strip().lower()
    if value == "ends":
        return None
    if value.isdigit() and 1 <= int(value) <= MAX_FILL_EVERY:
        return int(value)
    raise GrooveError(f"--fills {text!r}: give a phrase length in bars (e.g. 4 or 8, at most {MAX_FILL_EVERY}) or 'ends'")


def parse_bar_range(text: str) -> tuple[int, int]:
    """``--bars A:B`` (or one bar ``A``), 1-based and inclusive."""
    first, sep, last = str(text).strip().partition(":")
    try:
        a, b = int(first), int(last) if sep else int(first)
    except ValueError:
        raise GrooveError(f"--bars {text!r}: give bar numbers as A:B (e.g. 8:8 or 4:5)") from None
    if a < 1 or b < a:
        raise GrooveError(f"--bars {text!r}: bars count from 1 and A:B needs A <= B")
    return a, b


def check_new_bars(bars: int) -> None:
    """``continue --bars``: how many new bars, as a one-line error when out of range."""
    if not 1 <= bars <= MAX_NEW_BARS:
        raise GrooveError(f"--bars must be between 1 and {MAX_NEW_BARS}, not {bars}")


def check_steps(steps: int, bars: int) -> None:
    """``interpolate --steps`` (A, at least one in-between, B) and ``--bars-per-step``."""
    if not 3 <= steps <= MAX_STEPS:
        raise GrooveError(f"--steps must be between 3 and {MAX_STEPS} (A, at least one in-between, B), not {steps}")
    if not 1 <= bars <= 16:
        raise GrooveError(f"--bars-per-step must be between 1 and 16, not {bars}")
