"""The drum grid: a Performance's 4/4 bars as 16th-note steps × 9 drum classes, and back.

Each cell holds hit (0/1), velocity in [0, 1] and offset in [-1, 1), where ±1 is half a 16th and
positive is late (PocketVAE's scaling; GrooVAE's sign is the opposite). A cell shows one hit per
class, the loudest, as GrooVAE does; the grid also links every source note to its cell, so that
writing back moves flams, drags and doubled hits with the hit they belong to instead of dropping
them (GrooVAE's converter drops those notes).

Notes are assigned to the *nearest* step by ticks of the file's own bars, so a hit played just
before a bar line belongs to that bar's downbeat. Bars in other meters are not in the grid:
their notes keep ``note_cells == -1`` and pass through unchanged.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

import mido
import numpy as np

from ..constants import (
    HOP_BARS,
    MIDI_VELOCITY_MAX,
    N_DRUMS,
    OFFSET_SCALE_STEPS,
    STEPS_PER_BAR,
    STEPS_PER_BEAT,
    WINDOW_BARS,
)
from ..errors import GrooveError
from ..midi.drummap import DrumMap
from ..midi.performance import Bar, DrumNote, Performance, empty_performance
from .meters import frames


@dataclass(frozen=True)
class DrumGrid:
    """A song's 4/4 bars on the 16th grid.

    Attributes:
        hits: (T, 9) float32, 1 where a class is struck at a step.
        velocity: (T, 9) float32 in [0, 1]; 0 where there is no hit.
        offset: (T, 9) float32 in [-1, 1); ±1 is half a 16th, positive late; 0 where no hit.
        bars: the song bars the rows come from, 16 rows each, in order.
        note_cells: for each note of the source Performance, its cell ``step * 9 + drum``,
            or -1 when the note lies outside the grid (a bar in another meter).
    """

    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    bars: tuple[Bar, ...]
    note_cells: np.ndarray

    @property
    def steps(self) -> int:
        """Number of 16th steps (rows)."""
        return self.hits.shape[0]

    def with_values(self, hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray) -> DrumGrid:
        """The same bars and note links with new cell values (what a model produces)."""
        shape = self.hits.shape
        for name, arr in (("hits", hits), ("velocity", velocity), ("offset", offset)):
            if arr.shape != shape:
                raise ValueError(f"{name} has shape {arr.shape}, the grid is {shape}")
        hits = (np.asarray(hits) > 0.5).astype(np.float32)
        velocity = np.clip(velocity, 0.0, 1.0).astype(np.float32) * hits
        offset = np.clip(offset, -1.0, 1.0).astype(np.float32) * hits
        return DrumGrid(hits, velocity, offset, self.bars, self.note_cells)


def quantize(perf: Performance, meters: bool = False) -> DrumGrid:
    """Put a Performance's 4/4 bars on the grid; with ``meters``, every bar in a meter
    ``grid/meters.py`` frames (3/4, 6/8, 12/8, 5/4 ...), each as one or more 16-step frames.

    Raises:
        GrooveError: when the song has no bar to put on the grid.
    """
    framed = frames(perf.bars, perf.step_ticks, meters)
    if not framed:
        which = sorted({b.meter for b in perf.bars})
        raise GrooveError(f"{perf.source} has no 4/4 bar (meters: {', '.join(which)}); this looks at 4/4 bars only"
                          if not meters else f"{perf.source} has no whole bar, so there is nothing to groove (meters: "
                          f"{', '.join(which)}; a bar a meter change cuts short passes through)")
    bars = [frame for _, frame, _ in framed]
    row_of_bar: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for row, (bar, frame, first) in enumerate(framed):
        row_of_bar[bar.index].append((row, first, round(frame.length / perf.step_ticks)))
    steps = len(bars) * STEPS_PER_BAR
    hits = np.zeros((steps, N_DRUMS), np.float32)
    velocity = np.zeros_like(hits)
    offset = np.zeros_like(hits)
    loudest = np.full((steps, N_DRUMS), -1, np.int64)
    cells = np.full(len(perf.notes), -1, np.int64)
    starts = [bar.start for bar in perf.bars]
    for i, note in enumerate(perf.notes):
        place = _place(perf, starts, note.start, row_of_bar)
        if place is None:
            continue
        step, off = place
        cells[i] = step * N_DRUMS + note.drum
        best = loudest[step, note.drum]
        if best < 0 or note.velocity > perf.notes[best].velocity:
            loudest[step, note.drum] = i
            hits[step, note.drum] = 1.0
            velocity[step, note.drum] = note.velocity / MIDI_VELOCITY_MAX
            offset[step, note.drum] = off
    return DrumGrid(hits, velocity, offset, tuple(bars), cells)


def check_groovable(perf: Performance, grid: DrumGrid) -> None:
    """Refuse a song whose drum notes all lie outside its 4/4 bars: there is nothing to groove,
    and writing it back unchanged as if it were grooved would mislead.

    Raises:
        GrooveError: naming the file.
    """
    if not grid.hits.any():
        raise GrooveError(f"{perf.source}: no drum note lies in a 4/4 bar, so there is nothing to groove "
                          "(groove grooves 4/4 bars and passes the others through)")


def _place(perf: Performance, starts: list[float], tick: int,
           row_of_bar: dict[int, list[tuple[int, int, int]]]) -> tuple[int, float] | None:
    """(grid step, offset) of a tick, or None when its nearest step is outside the grid."""
    step_ticks = perf.step_ticks
    half = step_ticks * OFFSET_SCALE_STEPS
    bar = perf.bars[max(bisect_right(starts, tick + half) - 1, 0)]
    k = math.floor((tick - bar.start) / step_ticks + 0.5)
    for row, first, length in row_of_bar.get(bar.index, ()):
        if first <= k < first + length:  # past the last frame: past the song's last bar line
            off = (tick - (bar.start + k * step_ticks)) / half
            return row * STEPS_PER_BAR + k - first, off
    return None


def step_tick(perf: Performance, bar: Bar, k: int, offset: float) -> int:
    """The integer tick for step ``k`` of ``bar`` at ``offset``, kept within that step's cell.

    Rounding to a whole tick must not move a hit into the neighbouring step, or the grid
    would not survive a round trip; ticks never go below 0 (an early first downbeat is clamped).
    """
    half = perf.step_ticks * OFFSET_SCALE_STEPS
    centre = bar.start + k * perf.step_ticks
    tick = round(centre + float(offset) * half)
    if tick >= centre + half:
        tick = math.ceil(centre + half) - 1
    if tick < centre - half:
        tick = math.ceil(centre - half)
    return max(tick, 0)


def render(perf: Performance, grid: DrumGrid, drum_map: DrumMap | None = None) -> Performance:
    """Write a grid back into the Performance it was quantized from.

    Each cell's loudest source note takes the cell's new timing and velocity; the other notes
    in that cell move by the same number of ticks and scale by the same velocity ratio. A hit
    in a cell with no source note becomes a new note with the pitch this file uses most for
    that class (else the output pitch of ``drum_map``, by default the map the file was read
    with), on the file's drum channel and track, with the
    median length of the file's drum notes. Source notes of cells that lost their hit are
    removed. Notes outside the grid are kept as they are.
    """
    if len(grid.note_cells) != len(perf.notes):
        raise ValueError("the grid was not quantized from this Performance")
    groups: dict[int, list[DrumNote]] = defaultdict(list)
    notes: list[DrumNote] = []
    for cell, note in zip(grid.note_cells, perf.notes):
        (groups[int(cell)] if cell >= 0 else notes).append(note)
    pitches = _usual_pitches(perf, drum_map or perf.drum_map)
    length = _usual_length(perf)
    for step, drum in zip(*np.nonzero(grid.hits > 0.5)):
        bar = grid.bars[step // STEPS_PER_BAR]
        tick = step_tick(perf, bar, int(step % STEPS_PER_BAR), grid.offset[step, drum])
        velocity = int(np.clip(round(float(grid.velocity[step, drum]) * MIDI_VELOCITY_MAX), 1, MIDI_VELOCITY_MAX))
        group = groups.get(int(step) * N_DRUMS + int(drum))
        if group:
            notes.extend(_move_group(group, tick, velocity))
        else:
            end = tick + length
            notes.append(DrumNote(perf.drum_track, tick, end, pitches[drum], velocity, perf.drum_channel, int(drum)))
    notes.sort(key=lambda n: (n.start, n.track, n.pitch))
    # a late hit on the last 16th must not carry its note-off past the part's last bar line: a DAW
    # would show (and loop) one more, empty bar
    return keep_inside(replace(perf, notes=tuple(notes)), last_bar_line(perf))


def last_bar_line(perf: Performance) -> int:
    """The tick of the bar line that closes the part's last bar (its end-of-track and last note-off
    lie at or before it)."""
    last = perf.bars[-1]
    return math.ceil(last.start + last.length)


def keep_inside(perf: Performance, end: int) -> Performance:
    """Every note-off at or before ``end`` (a note keeps at least one tick)."""
    notes = tuple(replace(n, end=max(min(n.end, end), n.start + 1)) if n.end is not None and n.end > end else n
                  for n in perf.notes)
    return replace(perf, notes=notes)


def _move_group(group: list[DrumNote], tick: int, velocity: int) -> list[DrumNote]:
    """Move a cell's notes so its loudest lands at ``tick`` with ``velocity``, the rest alongside."""
    lead = max(group, key=lambda n: (n.velocity, -n.start))
    shift, scale = tick - lead.start, velocity / lead.velocity
    moved = []
    for n in group:
        v = velocity if n is lead else int(np.clip(round(n.velocity * scale), 1, MIDI_VELOCITY_MAX))
        start = max(n.start + shift, 0)
        end = None if n.end is None else start + (n.end - n.start)  # a note clamped at 0 keeps its length
        moved.append(DrumNote(n.track, start, end, n.pitch, v, n.channel, n.drum, n.off_velocity, n.off_as_note_on))
    return moved


def _usual_pitches(perf: Performance, drum_map: DrumMap) -> list[int]:
    counts: list[Counter] = [Counter() for _ in range(N_DRUMS)]
    for n in perf.notes:
        counts[n.drum][n.pitch] += 1
    return [c.most_common(1)[0][0] if c else drum_map.output[d] for d, c in enumerate(counts)]


def _usual_length(perf: Performance) -> int:
    lengths = sorted(n.end - n.start for n in perf.notes if n.end is not None and n.end > n.start)
    return lengths[len(lengths) // 2] if lengths else max(round(perf.step_ticks), 1)


# --- windows -------------------------------------------------------------------------------


def half_step_ms(perf: Performance, bars: tuple[Bar, ...]) -> np.ndarray:
    """Milliseconds of half a 16th (one unit of offset) at each step (T,) of ``bars``, from the
    tempo where each bar starts."""
    per_bar = [(perf.seconds_at(bar.start + perf.step_ticks / 2) - perf.seconds_at(bar.start)) * 1000 for bar in bars]
    return np.repeat(np.array(per_bar, np.float64), STEPS_PER_BAR)


def _ms_per_unit(x: np.ndarray) -> np.ndarray:
    """Quarter notes per minute ↔ milliseconds of half a 16th: the map is its own inverse."""
    return 60_000.0 / (np.asarray(x, np.float64) * 2 * STEPS_PER_BEAT)


def half_step_ms_at(bpm: float | np.ndarray, steps: int) -> np.ndarray:
    """``half_step_ms`` from a tempo alone (one value, or one per bar): (steps,)."""
    bars = np.broadcast_to(np.asarray(bpm, np.float64), (max(-(-steps // STEPS_PER_BAR), 1),))
    return np.repeat(_ms_per_unit(bars), STEPS_PER_BAR)[:steps]


def bar_bpm(perf: Performance, grid: DrumGrid) -> np.ndarray:
    """The tempo (quarter notes per minute) where each of the grid's bars starts: (bars,)."""
    return _ms_per_unit(half_step_ms(perf, grid.bars)[::STEPS_PER_BAR])


def offsets_ms(perf: Performance, grid: DrumGrid) -> np.ndarray:
    """The grid's offsets (T, 9) in milliseconds."""
    return grid.offset * half_step_ms(perf, grid.bars)[:, None]


def window_starts(n_bars: int, window_bars: int = WINDOW_BARS, hop_bars: int = HOP_BARS) -> list[int]:
    """First bar of each window; the last window always reaches the last bar."""
    last = max(n_bars - window_bars, 0)
    starts = list(range(0, last + 1, hop_bars))
    if starts[-1] != last:
        starts.append(last)
    return starts


def to_windows(x: np.ndarray, window_bars: int = WINDOW_BARS, hop_bars: int = HOP_BARS) -> np.ndarray:
    """Cut (T, ...) into (N, window_bars * 16, ...) windows; a song under a window is zero-padded."""
    if x.shape[0] % STEPS_PER_BAR:
        raise ValueError(f"{x.shape[0]} steps is not a whole number of bars")
    n_bars = x.shape[0] // STEPS_PER_BAR
    if n_bars < window_bars:
        pad = np.zeros(((window_bars - n_bars) * STEPS_PER_BAR,) + x.shape[1:], x.dtype)
        x = np.concatenate([x, pad])
    size = window_bars * STEPS_PER_BAR
    return np.stack([x[s * STEPS_PER_BAR : s * STEPS_PER_BAR + size] for s in window_starts(n_bars, window_bars, hop_bars)])


def from_windows(
    windows: np.ndarray, n_bars: int, window_bars: int = WINDOW_BARS, hop_bars: int = HOP_BARS
) -> np.ndarray:
    """Join windows back into (n_bars * 16, ...): each bar comes from the first window holding it.

    With a 1-bar hop that is the first window whole, then the second bar of every later window,
    the bar a window adds after the one it was conditioned on.
    """
    starts = window_starts(n_bars, window_bars, hop_bars)
    if len(starts) != len(windows):
        raise ValueError(f"{len(windows)} windows do not make {n_bars} bars (expected {len(starts)})")
    out = np.zeros((max(n_bars, window_bars) * STEPS_PER_BAR,) + windows.shape[2:], windows.dtype)
    covered = 0
    for s, w in zip(starts, windows):
        first = max(s, covered)
        out[first * STEPS_PER_BAR : (s + window_bars) * STEPS_PER_BAR] = w[(first - s) * STEPS_PER_BAR :]
        covered = s + window_bars
    return out[: n_bars * STEPS_PER_BAR]


@dataclass(frozen=True)
class Runs:
    """The bars the networks see: each run of consecutive bars that hold notes, cut into its own
    windows (``to_windows``), so a silent stretch costs nothing and stays silent; a song whose
    two notes lie 999 bars apart is two windows, not a thousand."""

    n_bars: int
    spans: tuple[tuple[int, int], ...]  # (first bar, end bar) of each run

    @classmethod
    def of(cls, hits: np.ndarray) -> Runs:
        """The runs of bars of ``hits`` (T, 9) with at least one note."""
        sounding = hits.reshape(-1, STEPS_PER_BAR, hits.shape[-1]).any(axis=(1, 2))
        edges = np.flatnonzero(np.diff(np.concatenate([[0], sounding.astype(np.int8), [0]])))
        return cls(len(sounding), tuple((int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])))

    @property
    def first_windows(self) -> frozenset[int]:
        """Indices of the windows that open a run (nothing before them to carry on from)."""
        counts = [len(window_starts(b - a)) for a, b in self.spans]
        return frozenset(np.cumsum([0] + counts[:-1]).tolist())

    def cut(self, x: np.ndarray) -> np.ndarray:
        """(T, ...) → (W, 32, ...): every run's windows, run after run."""
        parts = [to_windows(x[a * STEPS_PER_BAR : b * STEPS_PER_BAR]) for a, b in self.spans]
        return np.concatenate(parts) if parts else np.zeros((0, WINDOW_BARS * STEPS_PER_BAR) + x.shape[1:], x.dtype)

    def join(self, windows: np.ndarray) -> np.ndarray:
        """(W, 32, ...) → (T, ...), zeros in the silent bars; the inverse of ``cut``."""
        out = np.zeros((self.n_bars * STEPS_PER_BAR,) + windows.shape[2:], windows.dtype)
        at = 0
        for a, b in self.spans:
            n = len(window_starts(b - a))
            out[a * STEPS_PER_BAR : b * STEPS_PER_BAR] = from_windows(windows[at : at + n], b - a)
            at += n
        return out


def append_bars(perf: Performance, hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray,
                drum_map: DrumMap | None = None) -> Performance:
    """``hits``/``velocity``/``offset`` (N * 16, 9) as N new 4/4 bars after the song's last bar.

    Every event and note of the song stays as it is; the new hits get the pitches and length
    ``render`` gives added hits, and the drum track now ends after the new bars (so the song is
    exactly N bars longer, even when its last new bar is silent).
    """
    last = perf.bars[-1]
    length = perf.ticks_per_beat * 4
    pitches = _usual_pitches(perf, drum_map or perf.drum_map)
    note_length = _usual_length(perf)
    n_bars = len(hits) // STEPS_PER_BAR
    new = []
    for b in range(n_bars):
        bar = Bar(last.index + 1 + b, last.start + last.length + b * length, length, 4, 4)
        rows = slice(b * STEPS_PER_BAR, (b + 1) * STEPS_PER_BAR)
        for k, drum in zip(*np.nonzero(hits[rows] > 0.5)):
            step = b * STEPS_PER_BAR + int(k)
            tick = step_tick(perf, bar, int(k), offset[step, drum])
            vel = int(np.clip(round(float(velocity[step, drum]) * MIDI_VELOCITY_MAX), 1, MIDI_VELOCITY_MAX))
            new.append(DrumNote(perf.drum_track, tick, tick + note_length, pitches[drum], vel, perf.drum_channel,
                                int(drum)))
    end = round(last.start + last.length + n_bars * length)
    tracks = list(perf.tracks)
    kept = tuple(e for e in tracks[perf.drum_track] if e[1].type != "end_of_track")
    tracks[perf.drum_track] = kept + ((end, mido.MetaMessage("end_of_track")),)
    notes = sorted(perf.notes + tuple(new), key=lambda n: (n.start, n.track, n.pitch))
    return replace(perf, tracks=tuple(tracks), notes=tuple(notes))


def new_song(hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray, *, bpm: float = 120.0,
             drum_map: DrumMap | None = None) -> tuple[Performance, DrumGrid]:
    """A new drum file (``midi.empty_performance``) holding grid values (T, 9), T a whole number of
    bars: what ``sample`` and ``interpolate`` write. Returns it and its grid."""
    n_bars = len(hits) // STEPS_PER_BAR
    blank = empty_performance(n_bars, bpm=bpm)
    grid = DrumGrid(hits, velocity, offset, blank.bars[:n_bars], np.zeros(0, np.int64))
    grid = grid.with_values(grid.hits, grid.velocity, grid.offset)
    out = render(blank, grid, drum_map)
    end = blank.end_tick  # a last hit's note-off must not open an extra bar
    notes = tuple(replace(n, end=min(n.end, end)) if n.end is not None else n for n in out.notes)
    return replace(out, notes=notes), grid
