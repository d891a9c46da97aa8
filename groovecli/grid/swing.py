"""Swing: off-beat 8ths (or 16ths) played late, past the half-16th an offset can reach.

A grid offset is bounded by half a 16th, so a straight "and" in a sketch cannot reach the
swung position (two thirds of the beat, a triplet feel) by an offset alone: at 100 bpm the
swung "and" sits 100 ms late, the offset's reach is 75 ms. Swing is therefore a placement,
applied where the grid becomes ticks: every hit keeps its cell and its offset (the model's
microtiming), and moves by how far its 16th of the beat moves under the swing, so every note
stays a note and keeps its order against the notes of its own drum.

``eighth`` is where the off-beat 8th sits, as a fraction of the beat (0.5 straight, 2/3 a
triplet feel); the "e" and "a" move with it as a DAW's swing moves them, except an "a" that its
drum plays without the "and" of that beat: the short note of a dotted figure (``x..x``), which
a swing drummer plays on the swung off-beat itself. ``sixteenth`` is the same for the 16th
off-beats within each 8th (a 16th shuffle). A swing uses one of the two.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..constants import OFFSET_SCALE_STEPS, STEPS_PER_BAR, STEPS_PER_BEAT
from ..midi.performance import Performance
from .drawn import check_swing
from .drumgrid import DrumGrid
from .meters import beat_steps

STRAIGHT = 0.5


@dataclass(frozen=True)
class Swing:
    """Where off-beats sit as a fraction of their beat (``eighth``) or 8th (``sixteenth``)."""

    eighth: float = STRAIGHT
    sixteenth: float = STRAIGHT

    @property
    def straight(self) -> bool:
        return self.eighth == STRAIGHT and self.sixteenth == STRAIGHT

    def describe(self) -> str:
        """For the report: ``66% 8ths``, ``59% 16ths`` or ``straight``."""
        if self.straight:
            return "straight"
        return f"{round(100 * self.eighth)}% 8ths" if self.eighth != STRAIGHT else f"{round(100 * self.sixteenth)}% 16ths"


def eighth_swing(percent: float) -> Swing:
    check_swing(percent)
    return Swing(eighth=percent / 100.0)


def dotted_short_note(eighth: float) -> float:
    """Where the "a" of a dotted figure sits (fraction of the beat) under an 8th swing: the
    straight 3/4 at no swing, the swung off-beat from a triplet feel on, linear between."""
    return max(eighth, 0.75 - (eighth - STRAIGHT) / 2)


def dotted_notes(hits: np.ndarray, swing: Swing) -> np.ndarray:
    """(T, D) True at each "a" its drum plays without the "and" of that beat, when the swing
    swings 8ths: the short note of a dotted figure, which counts as that beat's off-beat 8th."""
    hit = np.asarray(hits) > 0.5
    lone = np.zeros_like(hit)
    if swing.eighth > STRAIGHT:
        beats = len(hit) // STEPS_PER_BEAT
        whole = hit[: beats * STEPS_PER_BEAT].reshape(beats, STEPS_PER_BEAT, -1)
        lone[: beats * STEPS_PER_BEAT][3::STEPS_PER_BEAT] = whole[:, 3] & ~whole[:, 2]
    return lone


def cell_shifts(hits: np.ndarray, swing: Swing) -> np.ndarray:
    """How far (in 16ths, late positive) the swing moves each cell of ``hits`` (T, D)."""
    hit = np.asarray(hits) > 0.5
    pos = np.arange(len(hit)) % STEPS_PER_BEAT
    shift = np.zeros(hit.shape)
    if swing.eighth != STRAIGHT:
        s = swing.eighth * STEPS_PER_BEAT  # the "and" in 16ths from the beat
        warped = np.array([0.0, s / 2, s, (s + STEPS_PER_BEAT) / 2])  # the beat's 16ths, linearly warped
        shift += (warped - np.arange(STEPS_PER_BEAT))[pos][:, None]
        dotted = dotted_short_note(swing.eighth) * STEPS_PER_BEAT - 3
        shift = np.where(dotted_notes(hit, swing), dotted, shift)
    if swing.sixteenth != STRAIGHT:
        shift += np.where(pos % 2 == 1, (swing.sixteenth - STRAIGHT) * 2, 0.0)[:, None]
    return shift * hit


def as_eighths(values: np.ndarray, dotted: np.ndarray, back: bool = False) -> np.ndarray:
    """``values`` (T, D) with each dotted note's value (``dotted_notes``) moved to the "and" it
    counts as, one row up (its drum has none there), or back down with ``back``."""
    out = np.array(values, copy=True)
    rows, drums = np.nonzero(dotted)
    src, dst = (rows - 1, rows) if back else (rows, rows - 1)
    out[dst, drums] = np.asarray(values)[src, drums]
    out[src, drums] = 0
    return out


def apply_swing(perf: Performance, grid: DrumGrid, swing: Swing) -> Performance:
    """``perf`` (rendered from ``grid``) with its grid bars' drum notes moved by the swing: each
    note by its cell's shift, in ticks; notes outside the grid's bars stay where they are."""
    if swing.straight or not perf.notes:
        return perf
    starts = np.asarray([b.start for b in grid.bars], np.float64)
    ticks = np.asarray([n.start for n in perf.notes], np.float64)
    half = perf.step_ticks * OFFSET_SCALE_STEPS
    row = np.searchsorted(starts, ticks + half, side="right") - 1
    step = np.floor((ticks - starts[np.maximum(row, 0)]) / perf.step_ticks + 0.5).astype(int)
    inside = (row >= 0) & (step >= 0) & (step < STEPS_PER_BAR)
    drum = np.asarray([n.drum for n in perf.notes])
    cell = np.maximum(row, 0) * STEPS_PER_BAR + np.clip(step, 0, STEPS_PER_BAR - 1)
    played = grid.hits > 0.5
    played[cell[inside], drum[inside]] = True  # a flam's grace note moves with its own 16th
    # swing is of a quarter note's 8ths and 16ths: frames that beat in 8ths or dotted quarters (6/8,
    # 7/8, 12/8) keep their notes where they are
    quarter = np.repeat([beat_steps(b) == STEPS_PER_BEAT for b in grid.bars], STEPS_PER_BAR)[:, None]
    shift = (cell_shifts(played, swing) * quarter)[cell, drum] * perf.step_ticks
    moved = [replace(n, start=n.start + d, end=None if n.end is None else n.end + d) if ok and d else n
             for n, ok, d in zip(perf.notes, inside, np.round(shift).astype(int).tolist())]
    return replace(perf, notes=tuple(sorted(moved, key=lambda n: (n.start, n.track, n.pitch))))
