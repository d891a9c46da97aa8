"""PocketVAE's second step: velocity and microtiming on a note score (the VEL and TIME decoders,
drawn patterns as their condition), blended onto the sketch."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..constants import STEPS_PER_BAR, STEPS_PER_BEAT, WINDOW_STEPS
from ..grid.drawn import parse_pattern, swing_preset
from ..grid.drumgrid import DrumGrid, Runs
from ..grid.feel_profile import Profile, follow
from ..grid.genre_feel import GenreFeel, genre_feel, pooled_feel
from ..grid.meter_feel import MeterFeel, match_quantiles, meter_feel
from ..grid.meters import KINDS
from ..grid.patterns import timing_pattern, velocity_pattern
from ..grid.swing import STRAIGHT, Swing, as_eighths, dotted_notes, eighth_swing
from ..runtime.load import Networks
from .chains import run_chains
from .steps import DRAW_CHUNK, full, offspring, uniform, window_arrays


def pattern_levels(text: str | None, kind: str, windows: int) -> np.ndarray:
    """(W, 32) pattern levels for every window; zeros ("no pattern") when none is drawn."""
    if text is None:
        return np.zeros((windows, WINDOW_STEPS), np.int64)
    return np.tile(np.asarray(parse_pattern(text, kind), np.int64), (windows, 1))


def decode_feels(nets: Networks, latents: dict[str, tuple[np.ndarray, np.ndarray]], notes: np.ndarray,
                 genre: np.ndarray, rng: np.random.Generator, temperature: float = 1.0,
                 fresh: frozenset[int] = frozenset(), start: dict[str, np.ndarray] | None = None
                 ) -> dict[str, np.ndarray]:
    """(W, 32, 9) values per feel ("velocity", "offset" → (z, pattern)), chain by chain
    (``chains.py``), each window's first bar forced to the previous window's second, except where
    a chain starts: the windows in ``fresh`` (those that open a run after silence,
    ``Runs.first_windows``), every ``CHAIN_WINDOWS`` windows, and window 0, whose first bar is
    ``start[feel]`` (1, 16, 9) when given (a continuation carries on from the primer's own last
    bar) and free otherwise.

    Each feel draws from a generator of its own, seeded from ``rng``, so either can be drawn
    first. They run one after the other: a step is a small-batch call whose cost is mostly the
    call itself, and two threads measured no faster than one on onnxruntime (``python
    benchmarks/bench_infer.py``), while a folder run's processes want a core each.
    """
    model = nets.model
    rngs = {feel: offspring(rng) for feel in latents}
    notes = np.asarray(notes, np.float32)
    h_n = np.concatenate([model.skel(notes[i : i + DRAW_CHUNK]) for i in range(0, len(notes), DRAW_CHUNK)])

    def one(feel: str) -> np.ndarray:
        z, pattern = latents[feel]
        draw = uniform(rngs[feel])

        def decode(rows: list[int], first: np.ndarray | None) -> np.ndarray:
            return model.decode_feel(feel, z[rows], notes[rows], pattern[rows], genre[rows], draw, first=first,
                                     h_n=h_n[rows], temperature=temperature)

        def step(rows: list[int], previous: list[int] | None, out: list) -> np.ndarray:
            if previous is not None:
                return decode(rows, np.stack([out[p][STEPS_PER_BAR:] for p in previous]))
            if start is None:
                return decode(rows, None)
            # the chains' first step: window 0 carries on from the primer, the others start afresh
            return np.concatenate([decode(rows[:1], start[feel])] + ([decode(rows[1:], None)] if len(rows) > 1 else []))

        return run_chains(len(notes), fresh, step)

    return {feel: one(feel) for feel in latents}


def own_patterns(win: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The drawn-pattern condition a performance's own windows imply (W, 32) per feel: its
    accent contour and its push / laid-back pattern."""
    hits = win["hits"]
    return {"velocity": np.asarray(velocity_pattern(hits, win["velocity"]), np.int64),
            "offset": np.asarray(timing_pattern(hits, win["offset"]), np.int64)}


def song_latents(nets: Networks, grid: DrumGrid, genre: int) -> dict[str, np.ndarray]:
    """A song's velocity and timing latents (1, z): the mean of its posterior means over its windows."""
    win = window_arrays(grid, Runs.of(grid.hits))
    genre_w = full(len(win["hits"]), genre)
    patterns = own_patterns(win)
    return {f: nets.model.encode_feel(f, win[f], win["hits"], patterns[f], genre_w).mean(0, keepdims=True)
            for f in ("velocity", "offset")}


def blend(before: DrumGrid, hits: np.ndarray, model: dict[str, np.ndarray], velocity_amount: float = 1.0,
          timing_amount: float = 1.0) -> DrumGrid:
    """Mix the input's own velocity/timing with the model's by the amount knobs; new notes take the model's."""
    had = before.hits > 0.5
    velocity = np.where(had, before.velocity + velocity_amount * (model["velocity"] - before.velocity),
                        model["velocity"])
    offset = np.where(had, before.offset + timing_amount * (model["offset"] - before.offset), model["offset"])
    return before.with_values(hits, velocity * hits, offset * hits)


def lean_on_genre(model: dict[str, np.ndarray], hits: np.ndarray, feel: GenreFeel, swing: Swing,
                  half_ms: np.ndarray, *, timing: bool = True, velocity: bool = True) -> dict[str, np.ndarray]:
    """The model's decoded feel (song arrays (T, 9) per feel) re-centred on the genre's drummers
    (``grid/genre_feel.py``): each hit keeps the model's deviation from the model's own mean at
    its drum and 16th, around the drummers' mean there. Timing is matched in ms (``half_ms``
    (T,): ms per unit of offset) against where ``swing`` will put each hit, a dotted figure's
    "a" read on the "and" it is played as.

    The spread stays the model's: the drummers' pooled spread around a swung position mixes in
    the few who play the genre straight (GMD's jazz hi-hat spreads far wider than the model's), and
    rescaling to it pushed on-beats a whole half-16th early."""
    dotted = dotted_notes(hits, swing)
    feel = GenreFeel(feel.swing, centres(feel.timing_ms), centres(feel.velocity))
    out = dict(model)
    if timing:
        ms = as_eighths(model["offset"] * half_ms[:, None], dotted)
        moved = follow(ms, as_eighths(hits, dotted), feel.timing_ms, -np.inf, np.inf)
        out["offset"] = np.clip(as_eighths(moved, dotted, back=True) / half_ms[:, None], -1.0, 1.0)
    if velocity:
        moved = follow(as_eighths(model["velocity"], dotted), as_eighths(hits, dotted), feel.velocity, 1 / 127, 1.0)
        out["velocity"] = as_eighths(moved, dotted, back=True)
    return out


def centres(profile: Profile) -> Profile:
    """``profile`` without its spread, so that ``follow`` moves means and keeps the spread."""
    return replace(profile, drum_sd=np.full_like(profile.drum_sd, np.nan))


def swing_for(options, genre: str, sure: bool) -> Swing:
    """Where the off-beats go: ``--swing`` when given, else a swing preset of ``--timing-pattern``,
    else the genre's drummers' swing, as far as ``--timing-amount`` takes the model's timing
    (none when the genre was only an unsure guess)."""
    if options.swing is not None:
        return eighth_swing(options.swing)
    preset = swing_preset(options.timing_pattern)
    if preset is not None:
        return Swing(*preset)
    feel = genre_feel(genre) if sure else None
    if feel is None:
        return Swing()
    # the genre's swing is part of the model's timing, which --timing-amount blends in
    amount = options.timing_amount
    return Swing(STRAIGHT + amount * (feel.swing.eighth - STRAIGHT), STRAIGHT + amount * (feel.swing.sixteenth - STRAIGHT))


def drawn_timing(text: str | None) -> str | None:
    """The ``--timing-pattern`` the user drew, if any: a swing preset (``swing8``, ``shuffle``) is a
    placement of the off-beats, not a drawn feel, and leaves the feel to the model and the genre."""
    return text if text is not None and swing_preset(text) is None else None


def play_genre(model: dict[str, np.ndarray], hits: np.ndarray, options, genre: str | None, swing: Swing,
               half_ms: np.ndarray, kinds: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """The model's feel leaned on ``genre``'s drummers (``lean_on_genre``); as decoded when no
    genre is sure or groove ships no feel for it; frames of other meters lean on their own
    drummers (``lean_other_meters``). A drawn pattern is the user's own feel: the genre does not
    move the feel it draws."""
    feel = genre_feel(genre) if genre is not None else None
    timing, velocity = drawn_timing(options.timing_pattern) is None, options.velocity_pattern is None
    played = model if feel is None else lean_on_genre(model, hits, feel, swing, half_ms, timing=timing,
                                                      velocity=velocity)
    return lean_other_meters(played, model, hits, kinds, swing, half_ms, timing=timing, velocity=velocity,
                             pooled=genre is None)


def lean_other_meters(played: dict[str, np.ndarray], model: dict[str, np.ndarray], hits: np.ndarray,
                      kinds: dict[str, np.ndarray] | None, swing: Swing, half_ms: np.ndarray, *, timing: bool,
                      velocity: bool, pooled: bool) -> dict[str, np.ndarray]:
    """``played`` (the song's feel, 4/4 bars leaned on a genre or not) with the frames of other
    meters (``kinds``: (T,) steps per kind of frame, ``meters.kind_steps``) played as GMD's
    drummers play that kind (``grid/meter_feel.py``), from the ``model``'s decoded feel: on a
    padded frame the model, trained on 4/4 bars, plays a 4/4 bar's dynamics (a waltz's ride as
    loud as a rock ride) and stops pushing as its drummers do, and a genre's 4/4 profile puts a
    6/8 bar's second beat on an off-beat. Velocity is mapped from the model's distribution at
    each step and drum onto the drummers' (``match_quantiles``), timing re-centred
    (``timing_feel``). A kind the table lacks keeps ``played``'s velocity. 4/4 bars are left as
    ``played``. ``timing`` / ``velocity`` False: a drawn pattern is the user's own feel."""
    out = {k: np.array(v, copy=True) for k, v in played.items()}
    for kind, steps in (kinds or {}).items():
        table = meter_feel(kind)
        rows, at = {k: v[steps] for k, v in model.items()}, hits[steps]
        if velocity and table is not None and table.velocity and steps.any():
            moved = lean_on_genre(rows, at, table.feel, swing, half_ms[steps], timing=False)["velocity"]
            # the means move first, for the steps with too few of the drummers' hits for quantiles
            out["velocity"][steps] = match_quantiles(moved, rows["velocity"], at, table)
        feel = timing_feel(kind, table, swing, pooled) if timing and steps.any() else None
        if feel is not None:
            out["offset"][steps] = lean_on_genre(rows, at, feel, swing, half_ms[steps], velocity=False)["offset"]
    return out


def timing_feel(kind: str, table: MeterFeel | None, swing: Swing, pooled: bool) -> GenreFeel | None:
    """Whose timing frames of ``kind`` lean on: their drummers' (``table``) while the off-beats are
    played straight (the drummers' timing holds their own swing, which another swing would count
    twice); else, with no genre (``pooled``), a frame that beats in quarters leans on GMD's 4/4
    drummers pooled (de-swung, so a swing goes on top); else none."""
    if table is not None and table.timing and swing.straight:
        return table.feel
    return pooled_feel() if pooled and kind == KINDS[STEPS_PER_BEAT] else None
