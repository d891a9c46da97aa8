"""Every meter on the model's 16-step frame: a bar of another meter becomes one or more frames.

PocketVAE knows 2-bar windows of 16th-note 4/4 bars. A bar of 3/4, 6/8, 7/8 or 2/4 (16 sixteenths
or fewer) becomes one frame, its own 16ths from the frame's first step and the rest of the frame
empty: the model hears a 4/4 bar with a rest at its end, and decodes each hit's feel at its
position from the downbeat. A longer bar (5/4, 12/8, 7/4) is cut at beat boundaries into frames
of 16 sixteenths or fewer (5/4 as 3 + 2 beats, 12/8 as two halves of 6/8). Steps past a frame's
own length hold no notes, before or after the model (``frame_mask``). Bars a meter change cuts
short, and meters whose beats are not a whole number of 16ths, are not framed and pass through.

A frame is written as a ``Bar`` of the song (its index, and the tick and length of the frame), so
``render`` and the ms of each step follow it as they follow a 4/4 bar.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..constants import STEPS_PER_BAR, STEPS_PER_BEAT
from ..midi.performance import Bar

QUARTER = 4  # the denominator whose beat is a quarter note
# A frame's kind by its beat in 16ths: where its beats fall in the frame, and so which of the
# drummers' other-meter profiles (``grid/meter_feel.py``) it is played with.
KINDS = {4: "quarter", 6: "dotted quarter", 2: "eighth"}


def beat_steps(bar: Bar) -> int:
    """16ths per beat: a quarter is 4, an 8th 2; compound meters (6/8, 9/8, 12/8) beat in dotted quarters."""
    steps = STEPS_PER_BEAT * QUARTER // bar.denominator if bar.denominator <= 16 else 0
    compound = bar.denominator == 8 and bar.numerator % 3 == 0 and bar.numerator > 3
    return steps * 3 if compound else steps


def frame_splits(bar: Bar, step_ticks: float, meters: bool = True) -> list[tuple[int, int]]:
    """(first 16th, 16ths) of each frame of ``bar``; [] when the bar is not framed."""
    if bar.is_four_four:
        return [(0, STEPS_PER_BAR)]
    steps = bar.length / step_ticks
    beat = beat_steps(bar)
    if not meters or not bar.complete or beat == 0 or abs(steps - round(steps)) > 1e-6 or round(steps) % beat:
        return []
    steps, beats = round(steps), round(steps) // beat
    for parts in range(1, beats + 1):
        per = math.ceil(beats / parts) * beat
        if per <= STEPS_PER_BAR:
            return [(first, min(per, steps - first)) for first in range(0, steps, per)]
    return []


def frames(bars: tuple[Bar, ...] | list[Bar], step_ticks: float, meters: bool = True) -> list[tuple[Bar, Bar, int]]:
    """(song bar, frame as a Bar, first 16th of the frame in the song bar) for every frame, in order."""
    out = []
    for bar in bars:
        for first, length in frame_splits(bar, step_ticks, meters):
            frame = bar if (first, length) == (0, STEPS_PER_BAR) and bar.is_four_four else replace(
                bar, start=bar.start + first * step_ticks, length=length * step_ticks)
            out.append((bar, frame, first))
    return out


def frame_mask(bars: tuple[Bar, ...], step_ticks: float) -> np.ndarray:
    """(T, 1) 1 on the steps each frame (``DrumGrid.bars``) holds, 0 on the padding past its end."""
    own = [round(bar.length / step_ticks) for bar in bars]
    return np.concatenate([np.arange(STEPS_PER_BAR) < n for n in own]).astype(np.float32)[:, None] if own else (
        np.zeros((0, 1), np.float32))


def ungrooved(bars: tuple[Bar, ...] | list[Bar], step_ticks: float, meters: bool) -> list[Bar]:
    """The bars no frame holds: passed through."""
    return [bar for bar in bars if not frame_splits(bar, step_ticks, meters)]


def frame_kind(bar: Bar) -> str | None:
    """The kind of a frame cut from ``bar`` (``KINDS``: 3/4, 5/4 and 2/4 beat in quarters, 6/8 and
    12/8 in dotted quarters, 5/8 and 7/8 in 8ths); None for a 4/4 bar or a beat of another length."""
    return None if bar.is_four_four else KINDS.get(beat_steps(bar))


def kind_steps(bars: tuple[Bar, ...] | list[Bar]) -> dict[str, np.ndarray]:
    """(T,) True on the steps of every frame of each kind (``frame_kind``) the song has."""
    kinds = [frame_kind(bar) for bar in bars]
    return {kind: np.repeat([k == kind for k in kinds], STEPS_PER_BAR).astype(bool)
            for kind in dict.fromkeys(k for k in kinds if k is not None)}
