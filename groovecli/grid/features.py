"""Musician-readable groove features, per 2-bar window and per song (numpy only).

After GrooveToolbox: F. Bruford, O. Lartillot, SKM. McDonald, M. Sandler, "Multidimensional
similarity modelling of complex drum loops using the GrooveToolbox", ISMIR 2020. Definitions
as summarised in ``shared/design/groove-features.md``, with these choices, each on purpose:

* The kit is groove's 9 classes (GrooVAE's map), not the toolbox's 10 parts, so total density
  divides by 32 × 9. Groups: low = kick; mid = snare + toms; high = every cymbal (closed and
  open hi-hat, crash, ride).
* Timing is in milliseconds from each bar's own tempo, positive late (the toolbox's sign).
* Velocities are in [0, 1] for the densities and symmetry (as the toolbox), in MIDI units
  (0-127) for the velocity mean and spread a musician reads.
* Swingness keeps the toolbox's formula (0, or 1 + c / 80 for c swung "a" positions of 8):
  that is what its users compare against, odd scale and all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..constants import (
    CLOSED_HIHAT,
    CRASH,
    HIGH_TOM,
    KICK,
    LOW_TOM,
    MID_TOM,
    MIDI_VELOCITY_MAX,
    N_DRUMS,
    OPEN_HIHAT,
    RIDE,
    SNARE,
    STEPS_PER_BAR,
)
from ..midi.drummap import DrumMap
from ..midi.performance import Performance
from ..midi.read import read_midi
from .drumgrid import DrumGrid, offsets_ms, quantize, to_windows, window_starts

LOOP_STEPS = 2 * STEPS_PER_BAR  # the toolbox's 2-bar loop
# Longuet-Higgins & Lee metrical weights of the 16ths of a bar, repeated for the second bar.
METRICAL_PROFILE = np.array([5, 1, 2, 1, 3, 1, 2, 1, 4, 1, 2, 1, 3, 1, 2, 1] * 2)
MAX_SYNCOPATION = 30.0  # the toolbox's normaliser for a 2-bar loop
GROUPS = {"low": (KICK,), "mid": (SNARE, LOW_TOM, MID_TOM, HIGH_TOM), "high": (CLOSED_HIHAT, OPEN_HIHAT, CRASH, RIDE)}
PUSH_LAID_BACK_MS = 12.0  # beyond this a backbeat or downbeat hit counts as early or late
SWING_MS = -25.0  # an "a" (4th 16th of a beat) this early is a swung 8th's off-beat


@dataclass(frozen=True)
class GrooveFeatures:
    """One window's (or a song's mean) features; see the module docstring for units."""

    density: float
    density_low: float
    density_mid: float
    density_high: float
    syncopation: float
    syncopation_low: float
    syncopation_mid: float
    syncopation_high: float
    symmetry: float
    laidback: float
    pushed: float
    laidbackness: float
    swingness: float
    timing_accuracy_ms: float
    velocity_mean: float
    velocity_spread: float
    notes_per_bar: float

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}


def monophonic_syncopation(onsets: np.ndarray) -> float:
    """Longuet-Higgins & Lee syncopation of one part's 32 onsets (bool), normalised by 30.

    For each onset: a rest on the next step with a higher weight adds the difference; failing
    that, a rest two steps on with a higher weight does. Steps wrap around the loop.
    """
    return float(syncopation_of(np.asarray(onsets, bool)))


def syncopation_of(onsets: np.ndarray) -> np.ndarray:
    """``monophonic_syncopation`` of many parts at once: onsets (..., 32) bool → (...)."""
    w = METRICAL_PROFILE
    total = np.zeros(onsets.shape[:-1])
    counted = ~onsets  # a step that is not an onset adds nothing
    for ahead in (1, 2):
        rest = ~np.roll(onsets, -ahead, axis=-1)
        gain = np.roll(w, -ahead) - w
        hit = ~counted & rest & (gain > 0)
        total = total + (hit * gain).sum(-1)
        counted = counted | hit
    return total / MAX_SYNCOPATION


def song_syncopation(hits: np.ndarray) -> float:
    """The song's syncopation as ``song_features`` reports it (the mean over its 2-bar windows of the
    sum over parts), from hits (T, 9) alone: what the ``--syncopation`` knob steers."""
    windows = to_windows(np.asarray(hits) > 0.5, 2, 2)  # (W, 32, 9)
    return float(syncopation_of(windows.transpose(0, 2, 1)).sum(-1).mean())


def window_features(velocity: np.ndarray, offset_ms: np.ndarray) -> GrooveFeatures:
    """Features of one 2-bar window: velocity (32, 9) in [0, 1] (0 = no hit), offsets (32, 9) in ms."""
    if velocity.shape != (LOOP_STEPS, N_DRUMS) or offset_ms.shape != velocity.shape:
        raise ValueError(f"a window is ({LOOP_STEPS}, {N_DRUMS}), not {velocity.shape}")
    hit = velocity > 0
    groups = {g: velocity[:, list(parts)].sum(-1) for g, parts in GROUPS.items()}

    half = LOOP_STEPS // 2
    both = hit[:half] & hit[half:]
    onsets = int(hit.sum())
    symmetry = 2 * float((1 - np.abs(velocity[:half] - velocity[half:]))[both].sum()) / onsets if onsets else 0.0

    # Per-step mean deviation over the parts struck there (the toolbox's "average" timing).
    struck = hit.sum(-1)
    mean_dev = np.where(struck > 0, (offset_ms * hit).sum(-1) / np.maximum(struck, 1), np.nan)
    late = early = 0
    for bar in range(2):
        for step, part in ((0, KICK), (4, SNARE), (8, KICK), (12, SNARE)):
            k = bar * STEPS_PER_BAR + step
            if not hit[k, part]:
                continue
            dev = offset_ms[k, part]
            rel = dev - offset_ms[k, CLOSED_HIHAT] if hit[k, CLOSED_HIHAT] else 0.0
            late += dev > PUSH_LAID_BACK_MS or rel > PUSH_LAID_BACK_MS
            early += dev < -PUSH_LAID_BACK_MS or rel < -PUSH_LAID_BACK_MS
    flags = 2 * 4  # kick 1, snare 2, kick 3, snare 4 in each of 2 bars
    swung = int(np.nansum(mean_dev[3::4] < SWING_MS))
    on_beat_or_and = np.concatenate([mean_dev[0::4], mean_dev[2::4]])
    on_beat_or_and = on_beat_or_and[~np.isnan(on_beat_or_and)]
    vel_midi = velocity[hit] * MIDI_VELOCITY_MAX
    return GrooveFeatures(
        density=float(velocity.sum()) / (LOOP_STEPS * N_DRUMS),
        density_low=float(groups["low"].sum()) / LOOP_STEPS,
        density_mid=float(groups["mid"].sum()) / LOOP_STEPS,
        density_high=float(groups["high"].sum()) / LOOP_STEPS,
        syncopation=float(syncopation_of(hit.T).sum()),
        syncopation_low=monophonic_syncopation(groups["low"] > 0),
        syncopation_mid=monophonic_syncopation(groups["mid"] > 0),
        syncopation_high=monophonic_syncopation(groups["high"] > 0),
        symmetry=symmetry,
        laidback=late / flags,
        pushed=early / flags,
        laidbackness=(late - early) / flags,
        swingness=1 + swung / 80 if swung else 0.0,
        timing_accuracy_ms=float(np.abs(on_beat_or_and).mean()) if len(on_beat_or_and) else 0.0,
        velocity_mean=float(vel_midi.mean()) if onsets else 0.0,
        velocity_spread=float(vel_midi.std()) if onsets else 0.0,
        notes_per_bar=onsets / 2,
    )


@dataclass(frozen=True)
class SongFeatures:
    """Per-window features (non-overlapping 2-bar windows; an odd last bar shares the window
    before it) and their mean over the song."""

    windows: tuple[GrooveFeatures, ...]
    first_bars: tuple[int, ...]  # 0-based grid bar each window starts at
    overall: GrooveFeatures
    labels: tuple[str, ...]  # the song bars of each window, as a musician counts them ("5-6")

    def to_dict(self) -> dict:
        return {"overall": self.overall.to_dict(),
                "windows": [{"bars": label} | w.to_dict() for label, w in zip(self.labels, self.windows)]}


def song_features(velocity: np.ndarray, offset_ms: np.ndarray, bar_numbers: list[int] | None = None) -> SongFeatures:
    """Features of a whole grid: velocity (T, 9) in [0, 1] (0 = no hit), offsets (T, 9) in ms.

    ``bar_numbers``: the song's 1-based number of each grid bar (bars in other meters are not on
    the grid, so the two counts can differ); default 1, 2, 3, ...
    """
    n_bars = velocity.shape[0] // STEPS_PER_BAR
    vel_w, off_w = to_windows(velocity, 2, 2), to_windows(offset_ms, 2, 2)
    windows = tuple(window_features(v, o) for v, o in zip(vel_w, off_w))
    starts = tuple(window_starts(n_bars, 2, 2))
    mean = {k: float(np.mean([getattr(w, k) for w in windows])) for k in GrooveFeatures.__dataclass_fields__}
    hit = velocity > 0
    vel_midi = velocity[hit] * MIDI_VELOCITY_MAX
    # Velocity and density per bar are better read over the whole song than as a mean of windows.
    mean.update(velocity_mean=float(vel_midi.mean()) if hit.any() else 0.0,
                velocity_spread=float(vel_midi.std()) if hit.any() else 0.0,
                notes_per_bar=float(hit.sum()) / max(n_bars, 1))
    numbers = bar_numbers or list(range(1, n_bars + 1))
    labels = tuple(f"{numbers[b]}-{numbers[min(b + 1, len(numbers) - 1)]}" for b in starts)
    return SongFeatures(windows, starts, GrooveFeatures(**mean), labels)


def analyze(song: Performance | str | Path, *, drum_map: DrumMap | None = None) -> SongFeatures:
    """Features of a MIDI file (or a Performance) over its 4/4 bars.

    Raises:
        GrooveError: for a file that cannot be read, has no drums, or has no 4/4 bar.
    """
    perf = song if isinstance(song, Performance) else read_midi(song, drum_map=drum_map)
    grid = quantize(perf)
    return grid_features(perf, grid)


def grid_features(perf: Performance, grid: DrumGrid) -> SongFeatures:
    """Features of a grid, timed with the tempo of ``perf`` (the song the grid belongs to)."""
    return song_features(grid.velocity * (grid.hits > 0.5), offsets_ms(perf, grid), [b.index + 1 for b in grid.bars])
