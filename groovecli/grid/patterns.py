"""Templates, velocity and timing patterns: what PocketVAE conditions on, derived or drawn.

Everything here works on arrays shaped (..., T, 9) (any leading batch dimensions), so the
dataset builder can derive a whole corpus at once and the CLI a single song.

Pattern encoding (per step, int8):

* velocity pattern: 0 = no value (no dominant-cymbal hit), 1..5 = levels 0.2, 0.4, 0.6, 0.8, 1.0;
* timing pattern: 0 = no value (no hit), 1 = pushed, 2 = on the grid, 3 = laid back.

Patterns a user draws are parsed in ``drawn.py``.
"""

from __future__ import annotations

import numpy as np

from ..constants import (
    CLOSED_HIHAT,
    KICK,
    KICK_TEMPLATE_MIN_VELOCITY,
    LAID_BACK,
    MIDI_VELOCITY_MAX,
    ON_GRID,
    OPEN_HIHAT,
    PUSHED,
    RIDE,
    SNARE,
    STEPS_PER_BAR,
    STEPS_PER_BEAT,
    TIMING_PATTERN_DEADBAND,
    VELOCITY_CLASSES,
)

_EPS = 1e-6  # velocities are k/127; keep equal ones equal under float rounding


def _ride_dominant(hits: np.ndarray) -> np.ndarray:
    """(...,) True where the ride, not the hi-hat, keeps time: more ride hits than hi-hat hits."""
    hihat = hits[..., CLOSED_HIHAT].sum(-1) + hits[..., OPEN_HIHAT].sum(-1)
    return hits[..., RIDE].sum(-1) > hihat


def derive_template(hits: np.ndarray, velocity: np.ndarray) -> np.ndarray:
    """The stiff sketch a producer would draw for a performance (PocketVAE §3.2).

    Rules, per window, and where we chose between the paper and the original code:

    * Cymbal: the dominant cymbal is the ride when it has more hits than closed + open hi-hat,
      else the hi-hat (the code also counts crashes with the ride; a crash is an accent, not a
      time-keeper, so we do not). If it has at least 3/4 as many hits as steps, every 16th is
      set, otherwise every 8th, whether or not the drummer played there (as the code does:
      a producer draws a straight line). The row is the closed hi-hat or the ride.
    * Snare: ghost notes go. The threshold is the *softest* backbeat (steps 4 and 12 of each
      bar) when at least two backbeats are played, else the mean snare velocity. The paper
      says the mean backbeat velocity, but then about half of the backbeats themselves would
      vanish from the template; the code takes a minimum too, but counts unplayed backbeats
      as 0, which keeps every ghost note.
    * Kick: hits at velocity 40 or more.
    * Toms, crash and open hi-hat: not in the template (the paper; the code merges 8th-note
      toms into the cymbal row, which no producer's sketch would do).

    Args:
        hits: (..., T, 9) in {0, 1}.
        velocity: (..., T, 9) in [0, 1].

    Returns:
        (..., T, 9) float32 template in {0, 1} (the paper's velocity-127 hits).
    """
    hits = np.asarray(hits, np.float32)
    velocity = np.asarray(velocity, np.float32)
    steps = hits.shape[-2]
    template = np.zeros_like(hits)

    template[..., KICK] = hits[..., KICK] * (velocity[..., KICK] >= KICK_TEMPLATE_MIN_VELOCITY / MIDI_VELOCITY_MAX - _EPS)

    snare_hits, snare_vel = hits[..., SNARE], velocity[..., SNARE]
    backbeat = (np.arange(steps) % STEPS_PER_BAR) % (2 * STEPS_PER_BEAT) == STEPS_PER_BEAT
    played_bb = snare_hits * backbeat
    n_bb = played_bb.sum(-1)
    softest_bb = np.where(played_bb > 0, snare_vel, np.inf).min(-1)
    n_snare = snare_hits.sum(-1)
    mean_snare = (snare_vel * snare_hits).sum(-1) / np.maximum(n_snare, 1)
    threshold = np.where(n_bb >= 2, softest_bb, mean_snare)
    template[..., SNARE] = snare_hits * (snare_vel >= threshold[..., None] - _EPS)

    ride = _ride_dominant(hits)
    count = np.where(ride, hits[..., RIDE].sum(-1), hits[..., CLOSED_HIHAT].sum(-1) + hits[..., OPEN_HIHAT].sum(-1))
    every_16th = count >= 0.75 * steps
    eighths = (np.arange(steps) % 2 == 0).astype(np.float32)
    line = np.where(every_16th[..., None], 1.0, eighths) * (count > 0)[..., None]
    template[..., RIDE] = np.where(ride[..., None], line, 0.0)
    template[..., CLOSED_HIHAT] = np.where(ride[..., None], 0.0, line)
    return template


def velocity_pattern(hits: np.ndarray, velocity: np.ndarray) -> np.ndarray:
    """The dominant cymbal's velocity per step in 5 levels (0 where it is not struck).

    For the hi-hat, closed and open count together and the louder of the two is taken.

    Returns:
        (..., T) int8 in 0..5.
    """
    hits = np.asarray(hits, np.float32)
    velocity = np.asarray(velocity, np.float32)
    ride = _ride_dominant(hits)[..., None]
    hh_hit = np.maximum(hits[..., CLOSED_HIHAT], hits[..., OPEN_HIHAT])
    hh_vel = np.maximum(velocity[..., CLOSED_HIHAT] * hits[..., CLOSED_HIHAT], velocity[..., OPEN_HIHAT] * hits[..., OPEN_HIHAT])
    hit = np.where(ride, hits[..., RIDE], hh_hit)
    vel = np.where(ride, velocity[..., RIDE], hh_vel)
    level = np.clip(np.floor(vel * VELOCITY_CLASSES + 0.5), 1, VELOCITY_CLASSES)
    return (level * (hit > 0)).astype(np.int8)


def timing_pattern(hits: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Mean offset of all hits at each step, as pushed / on the grid / laid back.

    The paper does not give the boundaries; a step whose mean offset is within
    ``TIMING_PATTERN_DEADBAND`` (about 9 ms at 120 bpm) of the grid counts as on the grid.

    Returns:
        (..., T) int8: 0 no hit, 1 pushed, 2 on the grid, 3 laid back.
    """
    hits = np.asarray(hits, np.float32)
    n = hits.sum(-1)
    mean = (np.asarray(offset, np.float32) * hits).sum(-1) / np.maximum(n, 1)
    level = np.where(mean < -TIMING_PATTERN_DEADBAND, PUSHED, np.where(mean > TIMING_PATTERN_DEADBAND, LAID_BACK, ON_GRID))
    return (level * (n > 0)).astype(np.int8)
