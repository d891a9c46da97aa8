"""What a producer wrote into a sketch beyond its notes: programmed dynamics, and a band to play with.

GMD's drummers played every sketch groove learnt from; a producer's sketch is often more than
notes on a grid. Two things are kept here that the model alone would replace:

* **Programmed dynamics.** When the sketch's velocities vary, they are the producer's accents and
  ghosts. The model's velocity still rides on them, as its deviation from its own mean for that
  drum (``ride_on_sketch``), so the shape stays and the feel comes on top. A flat sketch (one
  velocity) has no shape to keep and takes the model's velocities as before.
* **Placement against the band.** GMD's drummers push against a click, so the model moves a whole
  kit early; next to quantized bass and keys that sounds rushed. When the file's other parts sit
  on the grid, the kit is moved as one (every hit by the same milliseconds, so pushes and
  lay-backs inside the kit stay) until its kick/snare backbone sits on the band's grid.

numpy only, like the rest of ``grid/``.
"""

from __future__ import annotations

import numpy as np

from ..constants import KICK, MIDI_VELOCITY_MAX, SNARE
from ..midi.performance import Performance
from .drumgrid import DrumGrid

# A sketch whose hits span fewer MIDI velocity steps than this is flat (a producer's one velocity,
# give or take a DAW's rounding); more, and the producer programmed dynamics.
FLAT_SPREAD = 4
# How much of the model's own velocity movement rides on programmed dynamics (0: the sketch's
# velocities as written, 1: the model's full deviation from its mean per drum). Chosen on GMD
# validation (``experiments/eval_dynamics.py --split validation``, docs/producer.md).
RIDE_AMOUNT = 0.6
# No written note ends softer than this unless the producer wrote it softer: below it a drum
# sample is all but silent.
AUDIBLE = 20
# Of the band's note onsets, at least this share within ``ON_GRID_TICKS_PER_BEAT`` of a 16th or an
# 8th-note triplet, and at least ``BAND_MIN_NOTES`` of them, make a quantized band.
BAND_ON_GRID = 0.9
BAND_MIN_NOTES = 8
ON_GRID_TICKS_PER_BEAT = 1 / 96  # of a beat: 5 ticks at 480 per quarter, about 5 ms at 120 bpm


def is_programmed(hits: np.ndarray, velocity: np.ndarray) -> bool:
    """Whether a sketch's (T, 9) velocities vary: the producer programmed accents or ghosts."""
    played = hits > 0.5
    if not played.any():
        return False
    midi = np.round(velocity[played] * MIDI_VELOCITY_MAX)
    return float(midi.max() - midi.min()) >= FLAT_SPREAD


def ride_on_sketch(hits: np.ndarray, written: np.ndarray, sketch_velocity: np.ndarray, model_velocity: np.ndarray,
                   ride: float | None = None) -> np.ndarray:
    """The velocity (T, 9) a model's take gets on a programmed sketch: each written note keeps its
    written velocity plus ``ride`` times the model's deviation from the model's mean velocity for
    that drum over the song (``RIDE_AMOUNT`` when ``ride`` is None); notes the model added keep the model's velocity."""
    ride = RIDE_AMOUNT if ride is None else ride
    played = hits > 0.5
    out = np.array(model_velocity, dtype=np.float32)
    for drum in range(hits.shape[1]):
        mine = played[:, drum]
        if not mine.any():
            continue
        mean = float(model_velocity[mine, drum].mean())
        own = mine & written[:, drum]
        out[own, drum] = sketch_velocity[own, drum] + ride * (model_velocity[own, drum] - mean)
    return np.clip(out, 1 / MIDI_VELOCITY_MAX, 1.0)


def keep_audible(written: np.ndarray, sketch_velocity: np.ndarray, velocity: np.ndarray) -> np.ndarray:
    """``velocity`` (T, 9) with every written note at least ``AUDIBLE``, or its written velocity
    where the producer wrote it softer than that.

    A written note the model plays under 20 goes as far above 20 as the model put it above
    silence: the model's soft notes keep their order and spread over the 20s instead of all
    sounding at exactly 20, a spike at one velocity that no drummer plays
    (``experiments/eval_audible_floor.py``, docs/producer.md). A note written softer than 20
    never goes under what the producer wrote."""
    audible = AUDIBLE / MIDI_VELOCITY_MAX
    floor = np.minimum(sketch_velocity, audible) * written
    spread = written & (sketch_velocity >= audible) & (velocity < audible)
    return np.where(spread, audible + velocity, np.maximum(velocity, floor)).astype(np.float32)


def backbone_ms(hits: np.ndarray, offset: np.ndarray, half_ms: np.ndarray) -> float | None:
    """Mean offset (ms) of the kick and snare hits; None when there are none."""
    played = hits[:, [KICK, SNARE]] > 0.5
    if not played.any():
        return None
    return float((offset[:, [KICK, SNARE]] * half_ms[:, None])[played].mean())


def centre_on_band(hits: np.ndarray, offset: np.ndarray, half_ms: np.ndarray, target_ms: float = 0.0
                   ) -> tuple[np.ndarray, float]:
    """Offsets (T, 9) moved as one so the backbone's mean sits at ``target_ms``, and the shift (ms).

    Every hit moves by the same milliseconds (within its cell's half-16th limits), so the kit's
    inner relationships stay."""
    mean = backbone_ms(hits, offset, half_ms)
    if mean is None:
        return offset, 0.0
    shift = target_ms - mean
    moved = np.clip(offset + shift / half_ms[:, None], -1.0, 1.0) * (hits > 0.5)
    return moved.astype(np.float32), shift


def band_on_grid(onsets: list[int], ticks_per_beat: int) -> bool:
    """Whether the band's note onsets (ticks) are quantized: nearly all on a 16th or an 8th-note
    triplet of the file's beat."""
    if len(onsets) < BAND_MIN_NOTES:
        return False
    ticks = np.asarray(onsets, np.float64)
    tolerance = max(ticks_per_beat * ON_GRID_TICKS_PER_BEAT, 1.0)

    def near(division: int) -> np.ndarray:
        step = ticks_per_beat / division
        return np.abs(ticks - np.round(ticks / step) * step) <= tolerance

    return float((near(4) | near(3)).mean()) >= BAND_ON_GRID


def band_onsets(perf: Performance) -> list[int]:
    """Ticks of the note-ons of every part but the drums (the file's other instruments)."""
    return [tick for events in perf.tracks for tick, msg in events
            if msg.type == "note_on" and msg.velocity > 0 and msg.channel != perf.drum_channel]


def has_quantized_band(perf: Performance) -> bool:
    """Whether the file has other parts, and they sit on the grid."""
    return band_on_grid(band_onsets(perf), perf.ticks_per_beat)


def as_written(before: DrumGrid, hits: np.ndarray, model: dict[str, np.ndarray], half_ms: np.ndarray, *,
               programmed: bool, band: bool) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The model's decoded feel (song arrays (T, 9) per feel) with the sketch's programmed dynamics
    ridden on (``programmed``) and the kit placed on a quantized band's grid (``band``), and one
    report line for each."""
    out = dict(model)
    report = {"dynamics": "flat sketch: the model's velocities"}
    if programmed:
        out["velocity"] = ride_on_sketch(hits, before.hits > 0.5, before.velocity, model["velocity"])
        report["dynamics"] = f"programmed: your velocities kept, the model's riding on them ({RIDE_AMOUNT:g})"
    if band:
        out["offset"], shift = centre_on_band(hits, model["offset"], half_ms)
        report["placement"] = f"with the band: kit moved {shift:+.1f} ms, kick and snare on its grid"
    return out, report
