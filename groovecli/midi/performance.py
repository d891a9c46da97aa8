"""Standard MIDI Files ⇄ Performance, losing nothing.

A Performance keeps every event of the file. The drum notes that groove may change (notes on the
drum channel, or on the chosen track, whose pitch the drum map covers) are lifted out into
``DrumNote`` records; everything else stays in ``tracks`` as (absolute tick, message) pairs in
file order, and is written back exactly: other tracks, program changes, CCs, pitch bends, lyrics,
markers, tempo and meter events, SysEx, and drum notes the map does not cover.

Time is kept in ticks, never seconds, so bars and beats follow the file's own meter map.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

import mido

from ..constants import DRUM_CHANNEL, STEPS_PER_BEAT
from ..errors import GrooveError
from .drummap import GM, DrumMap

DEFAULT_TEMPO = 500_000  # µs per quarter note (120 bpm), the SMF default
# Longest song groove lays out: 10,000 bars of 4/4 is over five hours at 120 bpm. A file's length
# comes from its delta times, which a few bytes can make astronomically large; bars are laid out
# eagerly, so without a ceiling such a file would exhaust memory before any check could speak.
MAX_BARS = 10_000


@dataclass(frozen=True)
class DrumNote:
    """One drum hit that groove models, with everything needed to write it back as it was."""

    track: int  # index of the track that holds it
    start: int  # ticks
    end: int | None  # tick of its note-off; None when the file never ends it
    pitch: int
    velocity: int  # 1..127
    channel: int  # 0-based
    drum: int  # class index, order of constants.DRUMS
    off_velocity: int = 0
    off_as_note_on: bool = False  # the file ends it with note_on velocity 0


@dataclass(frozen=True)
class Bar:
    """One bar of the song, as the file's time signatures lay them out."""

    index: int  # 0-based; shown to users as index + 1
    start: float  # ticks (fractional only for odd ticks-per-beat and meters)
    length: float  # ticks
    numerator: int
    denominator: int
    complete: bool = True  # False when a meter change cuts the bar short

    @property
    def is_four_four(self) -> bool:
        """Whether the model can groove this bar."""
        return self.numerator == 4 and self.denominator == 4 and self.complete

    @property
    def meter(self) -> str:
        """The meter as a musician writes it, e.g. ``3/4``."""
        return f"{self.numerator}/{self.denominator}"


@dataclass(frozen=True)
class Performance:
    """A whole MIDI file: the drum notes groove works on, and every other event untouched.

    Attributes:
        ticks_per_beat: the file's resolution, kept on output.
        midi_type: 0 or 1.
        tracks: per track, the events groove does not touch, as (absolute tick, message).
        notes: the drum notes groove models, sorted by start.
        drum_track: the track that gets hits the model adds.
        drum_channel: the channel that gets hits the model adds.
        source: where the file came from, for messages.
        drum_map: the map the drum notes were read with (and added hits get their pitch from).
        drum_part: where the drums were found, for reports (``channel 10``, ``track 'Drums'``).
        notices: what the reader repaired or chose that the user should hear about, one line each.
    """

    ticks_per_beat: int
    midi_type: int
    tracks: tuple[tuple[tuple[int, mido.Message | mido.MetaMessage], ...], ...]
    notes: tuple[DrumNote, ...]
    drum_track: int
    drum_channel: int = DRUM_CHANNEL
    source: str = "<memory>"
    drum_map: DrumMap = GM
    drum_part: str = "channel 10"
    notices: tuple[str, ...] = ()

    @property
    def step_ticks(self) -> float:
        """Ticks per 16th note."""
        return self.ticks_per_beat / STEPS_PER_BEAT

    @cached_property
    def end_tick(self) -> int:
        """The last tick of the song: its last event or note-off."""
        last = [t for events in self.tracks for t, _ in events[-1:]]
        last += [n.end if n.end is not None else n.start for n in self.notes]
        return max(last, default=0)

    def tempos(self) -> list[tuple[int, int]]:
        """(tick, µs per quarter) in effect from each tempo event on, the SMF default at tick 0.

        Of several events at one tick the last in file order wins (track by track, as mido and
        DAWs play a type-1 file), not the largest or smallest."""
        return list(self._tempo_map[0])

    @cached_property
    def _tempo_map(self) -> tuple[tuple[tuple[int, int], ...], list[int], list[float]]:
        """The tempo changes, their ticks and the seconds at each: read once, so ``seconds_at``
        is a bisection rather than a scan of every event (a 17-minute song asks thousands of times)."""
        by_tick = dict(sorted(((t, m.tempo) for events in self.tracks for t, m in events if m.type == "set_tempo"),
                              key=lambda e: e[0]))  # a stable sort: at one tick, file order, the later one kept
        changes = [(0, DEFAULT_TEMPO)] if 0 not in by_tick else []
        changes += sorted(by_tick.items())
        ticks, seconds = [t for t, _ in changes], [0.0]
        for (t0, us), t1 in zip(changes, ticks[1:]):
            seconds.append(seconds[-1] + (t1 - t0) * us / 1e6 / self.ticks_per_beat)
        return tuple(changes), ticks, seconds

    def meters(self) -> list[tuple[int, int, int]]:
        """(tick, numerator, denominator) for every time signature, 4/4 at tick 0 if none is;
        of several at one tick, the last in file order wins."""
        found = sorted(((t, m.numerator, m.denominator) for events in self.tracks for t, m in events
                        if m.type == "time_signature"), key=lambda e: e[0])
        by_tick = {t: (t, n, d) for t, n, d in found}
        meters = [by_tick[t] for t in sorted(by_tick)]
        if not meters or meters[0][0] > 0:
            meters.insert(0, (0, 4, 4))
        return meters

    @cached_property
    def bars(self) -> tuple[Bar, ...]:
        """The song's bars from its meter map (cached: a Performance never changes)."""
        # A hit played just before the song's last bar line belongs to the bar after it.
        last_hit = max((n.start for n in self.notes), default=0) + self.step_ticks / 2 + 1e-6
        return tuple(_lay_out_bars(self.meters(), self.ticks_per_beat, max(self.end_tick, last_hit)))

    def seconds_at(self, tick: float) -> float:
        """Time in seconds of a tick, following the tempo map (a tempo event applies from its tick on)."""
        changes, ticks, seconds = self._tempo_map
        i = max(bisect_right(ticks, tick) - 1, 0)
        t, us = changes[i]
        return seconds[i] + (tick - t) * us / 1e6 / self.ticks_per_beat


def _lay_out_bars(meters: list[tuple[int, int, int]], ticks_per_beat: int, end_tick: float) -> list[Bar]:
    bars: list[Bar] = []
    tick, m = 0.0, 0
    while tick < end_tick or not bars:
        if len(bars) >= MAX_BARS:
            raise GrooveError(f"the song runs past {MAX_BARS:,} bars (its last event is at tick {int(end_tick):,}); "
                              "groove handles songs up to that length")
        while m + 1 < len(meters) and meters[m + 1][0] <= tick:
            m += 1
        _, num, den = meters[m]
        length = ticks_per_beat * 4 * num / den
        next_change = meters[m + 1][0] if m + 1 < len(meters) else float("inf")
        complete = tick + length <= next_change
        if not complete:  # the file changes meter mid-bar: the bar ends there
            length = next_change - tick
        bars.append(Bar(len(bars), tick, length, num, den, complete))
        tick += length
    return bars


def empty_performance(bars: int, *, ticks_per_beat: int = 480, bpm: float = 120.0) -> Performance:
    """A type-1 file with a tempo track and an empty drum track of ``bars`` 4/4 bars."""
    tempo = mido.MetaMessage("set_tempo", tempo=round(mido.bpm2tempo(bpm)))
    meter = mido.MetaMessage("time_signature", numerator=4, denominator=4)
    end = bars * 4 * ticks_per_beat
    conductor = ((0, mido.MetaMessage("track_name", name="groove")), (0, tempo), (0, meter))
    drums = ((0, mido.MetaMessage("track_name", name="Drums")), (end, mido.MetaMessage("end_of_track")))
    return Performance(ticks_per_beat, 1, (conductor + ((0, mido.MetaMessage("end_of_track")),), drums), (), 1)
