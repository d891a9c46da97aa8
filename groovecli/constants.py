"""Every fixed number of the groove grid, with its unit.

The grid follows GrooVAE and PocketVAE: 16th-note steps, 2-bar windows, 9 drum classes.
"""

from __future__ import annotations

STEPS_PER_BEAT = 4  # 16th notes per quarter note
BEATS_PER_BAR = 4  # quarter notes per 4/4 bar, the model's only meter
STEPS_PER_BAR = STEPS_PER_BEAT * BEATS_PER_BAR  # 16 sixteenths
WINDOW_BARS = 2  # bars the networks see at once
HOP_BARS = 1  # bars between consecutive window starts
WINDOW_STEPS = WINDOW_BARS * STEPS_PER_BAR  # 32 sixteenths

# Offsets are stored in [-1, 1): ±1 is half a 16th (PocketVAE's scaling); positive is late.
OFFSET_SCALE_STEPS = 0.5  # sixteenths per unit of offset

MIDI_VELOCITY_MAX = 127
KICK_TEMPLATE_MIN_VELOCITY = 40  # MIDI velocity: softer kicks are groove, not skeleton (PocketVAE)

DRUM_CHANNEL = 9  # 0-based: MIDI channel 10

DRUMS: tuple[str, ...] = (
    "kick",
    "snare",
    "closed_hihat",
    "open_hihat",
    "low_tom",
    "mid_tom",
    "high_tom",
    "crash",
    "ride",
)
KICK, SNARE, CLOSED_HIHAT, OPEN_HIHAT, LOW_TOM, MID_TOM, HIGH_TOM, CRASH, RIDE = range(len(DRUMS))
N_DRUMS = len(DRUMS)

DRUM_LABELS: tuple[str, ...] = (
    "Kick",
    "Snare",
    "Closed HH",
    "Open HH",
    "Low tom",
    "Mid tom",
    "High tom",
    "Crash",
    "Ride",
)

# The drum classes whose feel groove's evaluation reports one by one (open and closed hi-hat
# together: one instrument, two articulations).
FEEL_CLASSES: dict[str, tuple[int, ...]] = {"kick": (KICK,), "snare": (SNARE,), "hihat": (CLOSED_HIHAT, OPEN_HIHAT),
                                           "ride": (RIDE,)}

VELOCITY_CLASSES = 5  # velocity pattern levels 1..5 = 0.2, 0.4, 0.6, 0.8, 1.0
PUSHED, ON_GRID, LAID_BACK = 1, 2, 3  # timing pattern levels (0: no hit)
TIMING_CLASSES = 3  # timing pattern levels: pushed, on the grid, laid back
# A step's mean offset beyond this (in offset units) counts as pushed or laid back:
# 0.15 of half a 16th is about 9 ms at 120 bpm, just above what listeners notice on drums.
TIMING_PATTERN_DEADBAND = 0.15

# GMD styles with too few files of their own, trained as (and accepted as) a neighbouring genre,
# or dropped (one file, unlike any other genre; a user naming it gets ``--genre auto``).
GENRE_MERGES = {"gospel": "soul", "blues": "jazz", "highlife": "afrobeat"}
DROPPED_STYLES = frozenset({"middleeastern"})


def genre_key(genre: str) -> str:
    """A genre name as users type it (``Hip-Hop``, ``new orleans``) in the model's spelling."""
    return genre.strip().lower().replace("-", "").replace(" ", "").replace("_", "")

MAX_NEW_BARS = 1000  # `continue --bars`
MAX_STEPS = 32  # `interpolate --steps`

# the conditional models (nn/cond_vae.py), each trained by `groove train --model <task>` into <task>.pt
COND_TASKS = ("drumify", "fills", "decorate")
