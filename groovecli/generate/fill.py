"""Fills at phrase ends: ``humanize --fills 4|8|ends`` and ``groove fill IN.mid --bars A:B``.

Where: the last bar of every Nth bar of the song (bar numbers as the file counts them, so a
phrase of 4 is bars 4, 8, 12...), or with ``ends`` the last bar before a meter or tempo change
and the song's last bar with notes. Only 4/4 bars that hold notes get a fill; other meters pass
through untouched. ``fill_beats`` (1-4) keeps a fill to the bar's last beats.

What: the fill model (``nn/cond_vae.py``, trained on GMD's fills, ``fill_bars.py``) reads the bar
played before (the humanized output), the sketch of the fill bar and of the bar after, and the
genre, and writes the fill and its landing (a crash or kick on the next downbeat, when the model
plays one there). The model draws several fills for each bar (``FILL_DRAWS``), and the one
nearest a drummer's density and continuity plays (``grid/fill_shape.py``): drawn once, its fills
leave gaps GMD's drummers do not. Every draw comes from the fills' own generator seeded from the
take's seed, so a song with fills is the same song without them everywhere else.

Fills take over, as drummers' do: the beats a fill was asked for (``fill_beats``, the whole bar
by default) are the fill model's, which plays a drummer's fill bar there (the groove, thinning,
then the fill). From the first beat the fill plays (a tom, or a snare the groove did not have)
the time-keeping (hi-hats, ride) yields to it, down to the share of it GMD's drummers keep in
their fills (``TIMEKEEPING_KEPT``); the user's other notes in those beats stay where the fill
plays them too; and a landing crash replaces the hi-hat on the next downbeat. A drawn bar with
no fill in it (no tom, no new snare) takes nothing over. That replaces some of the user's own notes:
asking for a fill asks for that (the report counts them; ``--fill-over`` plays the fill on top
instead, as before). Every other note of the user's stays in every mode that keeps them
(``add``, ``keep``, ``groove fill``); the notes the humanizer *added* in the fill bar make way
for the fill. In ``free`` the fill bar is the fill alone. No fill note needs a third hand (``grid/hands.py``);
in a fill's beats the user's hi-hat or ride gives way to the fill's snare and toms for it, as the
time-keeping yields to the fill there (with ``over``, nothing of the user's gives way).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..constants import CLOSED_HIHAT, CRASH, KICK, N_DRUMS, OPEN_HIHAT, STEPS_PER_BAR, STEPS_PER_BEAT, genre_key
from ..errors import GrooveError
from ..grid.drawn import parse_fills
from ..grid.drumgrid import DrumGrid, bar_bpm, half_step_ms, half_step_ms_at, quantize, render
from ..grid.fill_bars import KEEPERS, condition
from ..grid.fill_shape import draw_target, fill_beats, pick
from ..grid.hands import playable
from ..midi.drummap import DrumMap
from ..midi.performance import Performance
from ..midi.read import read_midi
from ..runtime.load import Networks, load_cond_networks, load_networks
from ..runtime.networks import CondNet
from .genres import resolve_genre
from .steps import full, normal, seeded_generator, uniform
from .take import Take

LANDING = (KICK, CRASH)  # what a fill may add on the next downbeat
HATS = [CLOSED_HIHAT, OPEN_HIHAT]
# The share of the time-keeping (hi-hat, ride) hits drummers keep in a fill's beats, against the
# same beats of the bar before: GMD train's beat files, fills found by ``fill_bars.find_fills``
# (experiments/eval_musicianship.py prints it, with test's, as "fills.gmd_kept")
TIMEKEEPING_KEPT = 0.5
# The fill model's notes are drawn at this multiple of the take's temperature. Hotter fills are
# denser and judged more often as fills, but on GMD's validation beats the fill bars' notes per
# drum are closest to the drummers' at 1 (more toms and crashes than they play above it;
# experiments/eval_fills.py --split validation --fill-heat H, docs/musicianship.md)
FILL_HEAT = 1.0
# How many fills the model draws for each fill bar, of which the one nearest the train drummers'
# fills plays (``_choose``). Drawn once, its fills leave more gaps in their beats than the
# drummers it learnt from. Chosen on the validation split, by how near its fill bars come to the
# train drummers' snare-and-toms and sounding 16ths per fill beat: nearer up to 16 draws, no
# nearer beyond (experiments/eval_fills.py --split validation --fill-draws N; docs/musicianship.md)
FILL_DRAWS = 16
FILL_SEED_OFFSET = 7919  # fills draw from their own stream: the rest of the take stays as it was


def fill_rows(perf: Performance, grid: DrumGrid, every: str) -> list[int]:
    """Grid bar rows (indices into ``grid.bars``) that get a fill for ``--fills every``."""
    n = parse_fills(every)
    sounding = grid.hits.reshape(-1, STEPS_PER_BAR, N_DRUMS).any(axis=(1, 2))
    rows = [r for r, bar in enumerate(grid.bars) if sounding[r] and bar.is_four_four]  # a fill is a 4/4 bar's
    if n is not None:
        return [r for r in rows if (grid.bars[r].index + 1) % n == 0]
    tempo_ticks = {t for t, _ in perf.tempos() if t > 0}
    last = max(rows, default=-1)
    chosen = []
    for r in rows:
        bar = grid.bars[r]
        nxt = perf.bars[bar.index + 1] if bar.index + 1 < len(perf.bars) else None
        change = nxt is not None and (not nxt.is_four_four or any(bar.start < t <= nxt.start for t in tempo_ticks))
        if change or r == last:
            chosen.append(r)
    return chosen


def bar_rows(grid: DrumGrid, first: int, last: int) -> tuple[list[int], list[int]]:
    """Rows of song bars ``first``..``last`` (1-based, inclusive) that are 4/4, and the bar numbers
    in that range that are not (they pass through)."""
    row_of = {bar.index + 1: r for r, bar in enumerate(grid.bars)}
    rows = [row_of[b] for b in range(first, last + 1) if b in row_of]
    return rows, [b for b in range(first, last + 1) if b not in row_of]


@dataclass(frozen=True)
class Filled:
    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    bars: tuple[int, ...]  # song bar numbers (1-based) that got a fill
    notes_added: int
    replaced: int = 0  # the user's notes the fills took over


def add_fills(grid: DrumGrid, sketch: np.ndarray, rows: list[int], model: CondNet, *, genre: str,
              seed: int, mode: str = "add", beats: int = 4, temperature: float = 1.0, over: bool = False,
              half_ms: np.ndarray | None = None) -> Filled:
    """``grid`` (the output so far) with fills in ``rows``.

    ``sketch`` (T, 9): the notes the user wrote (they stay, except in ``free`` and the
    notes the fill takes over in its beats unless ``over``), which are also the fill bar's and next
    bar's sketch the model reads. Fills in consecutive bars (``--bars 7:8``) are written one bar
    after the other, each reading the fill before it as its bar before; fills apart from each
    other are written together. ``half_ms`` (T,): half a 16th in ms at each step (the hands'
    clock; None: 120 bpm).
    """
    part = {"hits": grid.hits.copy(), "velocity": grid.velocity.copy(), "offset": grid.offset.copy()}
    consecutive = {r: r + 1 < len(grid.bars) and grid.bars[r + 1].index == grid.bars[r].index + 1
                   for r in range(len(grid.bars))}
    waves: list[list[int]] = []  # wave k: the k-th bar of every run of consecutive fill bars
    depth: dict[int, int] = {}
    for r in sorted(rows):
        depth[r] = depth[r - 1] + 1 if r - 1 in depth and consecutive[r - 1] else 0
        if depth[r] == len(waves):
            waves.append([])
        waves[depth[r]].append(r)
    rng = np.random.default_rng(seed + FILL_SEED_OFFSET)
    first = (4 - beats) * STEPS_PER_BEAT  # the bar's 16th where the fill's beats may start
    genre_id = model.config.genres.index(genre)
    clock = half_step_ms_at(120.0, grid.steps) if half_ms is None else np.asarray(half_ms, np.float64)
    added = replaced = 0
    for wave in waves:
        conds, known = [], []
        for r in wave:
            played = _bar(part["hits"], r - 1) if r > 0 and consecutive[r - 1] else None
            before = played if played is not None and played.any() else None
            conds.append(condition(before, _bar(sketch, r), _bar(sketch, r + 1) if consecutive[r] else None))
            known.append(before is not None)
        cond = np.stack(conds).astype(np.float32)
        force = np.zeros(cond.shape[:2], bool)
        force[:, :STEPS_PER_BAR] = np.asarray(known)[:, None]  # the bar before is played as it was
        n = len(wave) * FILL_DRAWS
        z = normal(rng, n, model.config.z_dim)
        out = model.generate(np.repeat(cond, FILL_DRAWS, 0), full(n, genre_id), z, uniform(rng),
                             temperature=temperature * FILL_HEAT, forced=np.repeat(cond[..., :N_DRUMS], FILL_DRAWS, 0),
                             force_mask=np.repeat(force, FILL_DRAWS, 0))
        for i, r in enumerate(wave):
            chosen = i * FILL_DRAWS + _choose(out["hits"][i * FILL_DRAWS : (i + 1) * FILL_DRAWS],
                                              _bar(part["hits"], r)[first:], first, rng)
            drawn = {k: out[k][chosen] for k in ("hits", "velocity", "offset")}
            landing = consecutive[r] and r + 1 not in depth  # the last bar of a run of fills lands in the next
            a, b = _place_fill(part, drawn, sketch, r, first, mode, over, landing)
            added, replaced = added + a, replaced + b
    keep = _protected(grid, part["hits"], sketch, rows, first, mode, over)
    hits = playable(part["hits"], part["offset"], clock, keep | ~_rows_mask(grid, rows),
                    priority=part["velocity"] + ((part["hits"] > 0.5) & (grid.hits < 0.5)))
    dropped = (part["hits"] > 0.5) & (hits < 0.5)
    added -= int((dropped & (grid.hits < 0.5)).sum())
    replaced += int((dropped & (sketch > 0.5) & (grid.hits > 0.5)).sum())
    velocity = np.clip(part["velocity"], 0, 1) * hits
    offset = np.clip(part["offset"], -1, 1 - 1e-3) * hits
    return Filled(hits, velocity.astype(np.float32), offset.astype(np.float32),
                  tuple(grid.bars[r].index + 1 for r in sorted(rows)), added, replaced)


def _choose(candidates: np.ndarray, groove: np.ndarray, first: int, rng: np.random.Generator) -> int:
    """Which of one bar's ``FILL_DRAWS`` drawn fills (N, 48, 9) to play over ``groove`` (the
    bar's cells from ``first``): the one nearest a snare-and-toms density and continuity drawn
    from GMD's train drummers' fills (``grid/fill_shape.py``)."""
    if len(candidates) == 1:
        return 0
    fills = candidates[:, STEPS_PER_BAR + first : 2 * STEPS_PER_BAR]
    return pick(fills, groove, draw_target(float(rng.random())))


def _bar(x: np.ndarray, r: int) -> np.ndarray:
    return x[r * STEPS_PER_BAR : (r + 1) * STEPS_PER_BAR]


def _protected(grid: DrumGrid, hits: np.ndarray, sketch: np.ndarray, rows: list[int], first: int, mode: str,
               over: bool) -> np.ndarray:
    """(T, 9) the user's notes the two-hands rule may not drop from the fill bars: all those still
    sounding, but the time-keeping in a fill's beats unless ``over``. There the fill has the
    drummer's hands: a hi-hat that leaves a snare or tom of the fill a third hand gives way, as
    the time-keeping already yields to the fill there."""
    keep = (sketch > 0.5) & (hits > 0.5) if mode != "free" else np.zeros_like(sketch, bool)
    if over:
        return keep
    fill_steps = np.zeros(grid.steps, bool)
    for r in rows:
        fill_steps[r * STEPS_PER_BAR + first : (r + 1) * STEPS_PER_BAR] = True
    keep[np.ix_(fill_steps, KEEPERS)] = False
    return keep


def _rows_mask(grid: DrumGrid, rows: list[int]) -> np.ndarray:
    """(T, 9) True in the fill bars and on the downbeat after each (where notes may change)."""
    mask = np.zeros(grid.hits.shape, bool)
    for r in rows:
        mask[r * STEPS_PER_BAR : (r + 1) * STEPS_PER_BAR + 1] = True
    return mask[: grid.steps]


def _place_fill(part: dict[str, np.ndarray], drawn: dict[str, np.ndarray], sketch: np.ndarray, r: int,
                first_step: int, mode: str, over: bool, landing: bool) -> tuple[int, int]:
    """Write one drawn fill (48, 9 per value) into bar ``r`` of ``part`` in place, from
    ``first_step`` of the bar; returns (notes added, the user's notes the fill took over)."""
    hits, velocity, offset = part["hits"], part["velocity"], part["offset"]
    fill = slice(STEPS_PER_BAR + first_step, 2 * STEPS_PER_BAR)
    song = slice(r * STEPS_PER_BAR + first_step, (r + 1) * STEPS_PER_BAR)
    new = drawn["hits"][fill] > 0
    mine = sketch[song] > 0 if mode != "free" else np.zeros_like(new)
    was = hits[song] > 0
    keep = was & mine  # the user's own notes, with the feel they already have
    replaced = 0
    active = fill_beats(new & ~was)[:, None]
    if not over and active.any():  # the fill's beats are the fill's, with the time-keeping drummers keep
        keepers = np.isin(np.arange(N_DRUMS), KEEPERS)
        groove = drawn["hits"][first_step:STEPS_PER_BAR] > 0  # the bar before (as played, when there is one)
        plays = np.where(active & keepers, _kept_time(new, was, groove, active & keepers), new)
        replaced = int((keep & ~plays).sum())
        keep &= plays
        new &= plays
    put = new & ~keep
    hits[song] = (keep | put).astype(np.float32)
    velocity[song] = np.where(put, drawn["velocity"][fill], np.where(keep, velocity[song], 0.0))
    offset[song] = np.where(put, drawn["offset"][fill], np.where(keep, offset[song], 0.0))
    added = int((put & ~was).sum())
    if landing:  # the landing on the next downbeat, after the last fill bar
        step = (r + 1) * STEPS_PER_BAR
        for d in LANDING:
            if drawn["hits"][2 * STEPS_PER_BAR, d] and not hits[step, d]:
                hits[step, d] = 1.0
                velocity[step, d] = drawn["velocity"][2 * STEPS_PER_BAR, d]
                offset[step, d] = drawn["offset"][2 * STEPS_PER_BAR, d]
                added += 1
        if not over and hits[step, CRASH] and drawn["hits"][2 * STEPS_PER_BAR, CRASH]:
            replaced += int(hits[step, HATS].sum())  # the crash takes the hand that kept time
            hits[step, HATS] = velocity[step, HATS] = offset[step, HATS] = 0.0
    return added, replaced


def _kept_time(new: np.ndarray, was: np.ndarray, groove: np.ndarray, yields: np.ndarray) -> np.ndarray:
    """Of the time-keeping cells ``yields`` in the fill's beats, the ones that still sound: as
    many as ``TIMEKEEPING_KEPT`` of the ``groove``'s in the same beats of the bar before (GMD's
    measure), of the fill's own first, then of those ``was`` there, on the beat, then on the 8th,
    earliest first."""
    cells = np.argwhere(yields & (new | was))
    quota = int(round(TIMEKEEPING_KEPT * (yields & groove).sum()))
    steps = len(new)
    position = (cells[:, 0] + (STEPS_PER_BAR - steps)) % STEPS_PER_BEAT
    rank = np.lexsort((cells[:, 0], np.where(position == 0, 0, np.where(position == 2, 1, 2)),
                       ~new[cells[:, 0], cells[:, 1]]))
    out = np.zeros_like(yields)
    for k in rank[:quota]:
        out[tuple(cells[k])] = True
    return out


def fill_song(perf: Performance, before: DrumGrid, after: DrumGrid, rows: list[int], model: CondNet, *,
              genre: str, seed: int, mode: str = "add", beats: int = 4, temperature: float = 1.0,
              over: bool = False) -> tuple[DrumGrid, dict]:
    """``after`` (a take of ``before``) with fills in ``rows``; and what was done, for the report:
    the fill bars, the notes added, and how many of the user's notes the fills took over
    (``fill_replaced``; none with ``over``)."""
    if not 1 <= beats <= 4:
        raise GrooveError(f"--fill-beats must be between 1 and 4, not {beats}")
    filled = add_fills(after, before.hits, rows, model, genre=genre, seed=seed, mode=mode, beats=beats,
                       temperature=temperature, over=over, half_ms=half_step_ms(perf, before.bars))
    grid = after.with_values(filled.hits, filled.velocity, filled.offset)
    return grid, {"fills": list(filled.bars), "fill_notes": filled.notes_added, "fill_replaced": filled.replaced}


def fill(song: Performance | str | Path, bars: tuple[int, int], model: CondNet | None = None, *,
         genre: str = "auto", seed: int | None = None, beats: int = 4, temperature: float = 1.0,
         drum_map: DrumMap | None = None, groove_model: Networks | None = None,
         over: bool = False) -> Take:
    """A fill written into song bars ``bars`` (1-based, inclusive) of a drum part; every note of
    the file stays as it is but those the fill takes over in its beats (module docstring; ``over``:
    none), and the fill's notes join them. ``genre="auto"`` asks the genre guesser of
    ``groove_model`` (bundled by default) about the song.

    Raises:
        GrooveError: when none of the bars is a 4/4 bar of the song.
    """
    perf = song if isinstance(song, Performance) else read_midi(song, drum_map=drum_map)
    grid = quantize(perf)
    first, last = bars
    if first > len(perf.bars):
        raise GrooveError(f"{perf.source} has {len(perf.bars)} bars; --bars {first}:{last} starts after its end")
    rows, skipped = bar_rows(grid, first, min(last, len(perf.bars)))
    if not rows:
        raise GrooveError(f"bars {first}:{last} of {perf.source} hold no 4/4 bar; fills are written in 4/4 bars")
    loaded = model if model is not None else load_cond_networks("fills")
    name, note = genre_key(genre), None
    if name not in loaded.config.genres:  # auto, or a style training merged: the groove model's guesser decides
        name, note = resolve_genre(groove_model if groove_model is not None else load_networks(), genre, grid,
                                   bar_bpm(perf, grid))
    _, seed = seeded_generator(seed)
    after, report = fill_song(perf, grid, grid, rows, loaded, genre=name, seed=seed, beats=beats,
                              temperature=temperature, over=over)
    report |= {"genre": name} | ({"genre_note": note} if note else {})
    if skipped:
        report["skipped_bars"] = skipped
    return Take(render(perf, after, drum_map), grid, after, seed, report)
