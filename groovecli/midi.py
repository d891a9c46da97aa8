"""Standard MIDI Files ⇄ Performance, losing nothing.

A Performance keeps every event of the file. The drum notes that groove may change (notes on the
drum channel, or on the chosen track, whose pitch the drum map covers) are lifted out into
``DrumNote`` records; everything else stays in ``tracks`` as (absolute tick, message) pairs in
file order, and is written back exactly: other tracks, program changes, CCs, pitch bends, lyrics,
markers, tempo and meter events, SysEx, and drum notes the map does not cover.

Time is kept in ticks, never seconds, so bars and beats follow the file's own meter map.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import mido

from .constants import DRUM_CHANNEL, STEPS_PER_BEAT
from .drummap import GM, DrumMap
from .errors import GrooveError

DEFAULT_TEMPO = 500_000  # µs per quarter note (120 bpm), the SMF default


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
    """

    ticks_per_beat: int
    midi_type: int
    tracks: tuple[tuple[tuple[int, mido.Message | mido.MetaMessage], ...], ...]
    notes: tuple[DrumNote, ...]
    drum_track: int
    drum_channel: int = DRUM_CHANNEL
    source: str = "<memory>"

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
        """(tick, µs per quarter) for every tempo event, with the SMF default at tick 0."""
        found = sorted((t, m.tempo) for events in self.tracks for t, m in events if m.type == "set_tempo")
        if not found or found[0][0] > 0:
            found.insert(0, (0, DEFAULT_TEMPO))
        return found

    def meters(self) -> list[tuple[int, int, int]]:
        """(tick, numerator, denominator) for every time signature, 4/4 at tick 0 if none is."""
        found = sorted(
            (t, m.numerator, m.denominator) for events in self.tracks for t, m in events if m.type == "time_signature"
        )
        by_tick = {t: (t, n, d) for t, n, d in found}  # a later event at the same tick wins
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
        """Time in seconds of a tick, following the tempo map."""
        seconds, last_tick, tempo = 0.0, 0, DEFAULT_TEMPO
        for t, us in self.tempos():
            if t >= tick:
                break
            seconds += (t - last_tick) * tempo / 1e6 / self.ticks_per_beat
            last_tick, tempo = t, us
        return seconds + (tick - last_tick) * tempo / 1e6 / self.ticks_per_beat


def _lay_out_bars(meters: list[tuple[int, int, int]], ticks_per_beat: int, end_tick: float) -> list[Bar]:
    bars: list[Bar] = []
    tick, m = 0.0, 0
    while tick < end_tick or not bars:
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


# --- reading -------------------------------------------------------------------------------


def _check_chunks(data: bytes, name: str) -> None:
    """Catch what mido would read wrongly or with an obscure message: empty, non-MIDI, truncated."""
    if not data:
        raise GrooveError(f"{name} is empty (0 bytes)")
    if data[:4] != b"MThd":
        raise GrooveError(f"{name} is not a MIDI file (no MThd header)")
    if len(data) < 14:
        raise GrooveError(f"{name} is truncated: the MIDI header is incomplete")
    header_len = int.from_bytes(data[4:8], "big")
    fmt, n_tracks, division = (int.from_bytes(data[i : i + 2], "big") for i in (8, 10, 12))
    if fmt not in (0, 1):
        raise GrooveError(f"{name} is a type {fmt} MIDI file; groove reads types 0 and 1")
    if division & 0x8000:
        raise GrooveError(f"{name} uses SMPTE time division; groove needs ticks per beat (re-export from your DAW)")
    if division == 0:
        raise GrooveError(f"{name} has 0 ticks per beat")
    pos, found = 8 + header_len, 0
    while pos + 8 <= len(data):
        chunk, length = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "big")
        if not chunk.isalpha():
            break  # trailing padding some tools append; nothing more to read
        if pos + 8 + length > len(data):
            raise GrooveError(f"{name} is truncated: track {found + 1} ends after the end of the file")
        found += chunk == b"MTrk"
        pos += 8 + length
    if found != n_tracks:
        raise GrooveError(f"{name} is damaged: its header says {n_tracks} track(s) but it holds {found}")


def _load_midifile(path: Path) -> mido.MidiFile:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise GrooveError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise GrooveError(f"{path} is a folder, not a MIDI file") from None
    except OSError as exc:
        raise GrooveError(f"cannot read {path}: {exc.strerror or exc}") from None
    _check_chunks(data, str(path))
    try:
        return mido.MidiFile(file=io.BytesIO(data))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
        raise GrooveError(f"{path} is damaged: {exc}") from None


def read_midi(
    path: str | Path,
    *,
    drum_map: DrumMap = GM,
    drum_channel: int | None = None,
    drum_track: str | None = None,
) -> Performance:
    """Read a Standard MIDI File (type 0 or 1) into a Performance.

    Args:
        path: the file.
        drum_map: which pitches are which drum; other pitches pass through.
        drum_channel: 0-based channel that carries drums (default 9, i.e. MIDI channel 10).
        drum_track: take drums from the track with this name instead, on any channel.

    Returns:
        The Performance, with at least one drum note.

    Raises:
        GrooveError: unreadable, empty, non-MIDI, truncated or damaged files, or no drum notes.
    """
    path = Path(path)
    mf = _load_midifile(path)
    names = [_track_name(t) for t in mf.tracks]
    if drum_track is not None:
        wanted = [i for i, n in enumerate(names) if n.strip().lower() == drum_track.strip().lower()]
        if not wanted:
            listed = ", ".join(repr(n) for n in names if n) or "none has a name"
            raise GrooveError(f"{path} has no track named {drum_track!r} (tracks: {listed})")
    channel = DRUM_CHANNEL if drum_channel is None else drum_channel

    def is_drum(track: int, msg: mido.Message) -> bool:
        if drum_track is not None:
            return track in wanted
        return msg.channel == channel

    tracks, notes = [], []
    for i, track in enumerate(mf.tracks):
        events, found = _split_track(i, track, is_drum, drum_map)
        tracks.append(events)
        notes.extend(found)
    if not notes:
        raise GrooveError(_no_drums_message(path, mf, drum_track, channel, drum_map))
    notes.sort(key=lambda n: (n.start, n.track, n.pitch))
    busiest = Counter(n.track for n in notes).most_common(1)[0][0]
    channels = Counter(n.channel for n in notes if n.track == busiest)
    return Performance(
        ticks_per_beat=mf.ticks_per_beat,
        midi_type=mf.type,
        tracks=tuple(tracks),
        notes=tuple(notes),
        drum_track=busiest,
        drum_channel=channels.most_common(1)[0][0],
        source=str(path),
    )


def _track_name(track: mido.MidiTrack) -> str:
    return next((m.name for m in track if m.type == "track_name"), "")


def _split_track(index: int, track: mido.MidiTrack, is_drum, drum_map: DrumMap):
    """Lift the mapped drum notes out of one track; keep every other event with its tick."""
    events: list[tuple[int, mido.Message]] = []
    notes: list[DrumNote] = []
    open_notes: dict[tuple[int, int], deque] = defaultdict(deque)
    tick = 0
    for msg in track:
        tick += msg.time
        if msg.type in ("note_on", "note_off") and is_drum(index, msg):
            drum = drum_map.class_of(msg.note)
            key = (msg.channel, msg.note)
            if drum is not None and msg.type == "note_on" and msg.velocity > 0:
                open_notes[key].append((tick, msg.velocity, drum))
                continue
            if drum is not None and open_notes[key]:  # note_off, or note_on velocity 0
                start, velocity, drum = open_notes[key].popleft()
                notes.append(
                    DrumNote(index, start, tick, msg.note, velocity, msg.channel, drum,
                             msg.velocity, msg.type == "note_on")
                )
                continue
        events.append((tick, msg.copy(time=0)))
    for (ch, pitch), pending in open_notes.items():
        notes.extend(DrumNote(index, s, None, pitch, v, ch, d) for s, v, d in pending)
    return tuple(events), notes


def _no_drums_message(path: Path, mf: mido.MidiFile, drum_track, channel: int, drum_map: DrumMap) -> str:
    used = sorted({m.channel + 1 for t in mf.tracks for m in t if m.type == "note_on" and m.velocity})
    if not used:
        return f"{path} has no notes at all"
    where = f"track {drum_track!r}" if drum_track else f"channel {channel + 1}"
    hint = "" if drum_track else f" (notes are on channel(s) {', '.join(map(str, used))}; try --drum-channel N)"
    return f"{path} has no drum notes on {where} that the {drum_map.name} drum map covers{hint}"


# --- writing -------------------------------------------------------------------------------


def _without_overlaps(notes: Iterable[DrumNote]) -> list[DrumNote]:
    """Shorten each note that would still sound when the same pitch on its channel strikes again."""
    by_key: dict[tuple[int, int], list[DrumNote]] = defaultdict(list)
    for n in notes:
        by_key[(n.channel, n.pitch)].append(n)
    fixed = []
    for group in by_key.values():
        group.sort(key=lambda n: n.start)
        for n, nxt in zip(group, group[1:] + [None]):
            if nxt is not None and (n.end is None or n.end > nxt.start):
                n = DrumNote(n.track, n.start, nxt.start, n.pitch, n.velocity, n.channel, n.drum,
                             n.off_velocity, n.off_as_note_on)
            fixed.append(n)
    return fixed


def to_midifile(perf: Performance) -> mido.MidiFile:
    """Render a Performance as a mido MidiFile with the input's type and ticks per beat."""
    per_track: list[list[tuple[int, int, int, mido.Message]]] = [[] for _ in perf.tracks]
    ends = [0] * len(perf.tracks)
    for i, events in enumerate(perf.tracks):
        for seq, (tick, msg) in enumerate(events):
            if msg.type == "end_of_track":
                ends[i] = max(ends[i], tick)
            else:
                per_track[i].append((tick, 1, seq, msg))  # other events keep their file order
    for seq, n in enumerate(_without_overlaps(perf.notes)):
        on = mido.Message("note_on", channel=n.channel, note=n.pitch, velocity=n.velocity)
        per_track[n.track].append((n.start, 2, seq, on))
        if n.end is not None:
            off = (
                mido.Message("note_on", channel=n.channel, note=n.pitch, velocity=0)
                if n.off_as_note_on
                else mido.Message("note_off", channel=n.channel, note=n.pitch, velocity=n.off_velocity)
            )
            # Offs sort before ons at the same tick, except a zero-length note's own off.
            per_track[n.track].append((n.end, 0 if n.end > n.start else 3, seq, off))
    mf = mido.MidiFile(type=perf.midi_type, ticks_per_beat=perf.ticks_per_beat)
    for events, end in zip(per_track, ends):
        events.sort(key=lambda e: e[:3])
        track, last = mido.MidiTrack(), 0
        for tick, _, _, msg in events:
            track.append(msg.copy(time=tick - last))
            last = tick
        track.append(mido.MetaMessage("end_of_track", time=max(end - last, 0)))
        mf.tracks.append(track)
    return mf


def _default_mode() -> int:
    """Permissions a new file gets from this process's umask (os.umask can only be read by setting it)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_midi(perf: Performance, path: str | Path, *, force: bool = False) -> Path:
    """Write a Performance atomically: a temporary file in the same folder, then a rename.

    Raises:
        GrooveError: when ``path`` exists and ``force`` is False, or it cannot be written.
    """
    buffer = io.BytesIO()
    to_midifile(perf).save(file=buffer)
    return write_atomic(buffer.getvalue(), path, force=force)


def write_atomic(data: bytes, path: str | Path, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename, so a
    reader never sees half a file; an existing file only with ``force``.

    Raises:
        GrooveError: when ``path`` exists and ``force`` is False, or it cannot be written.
    """
    path = Path(path)
    if path.exists() and not force:
        raise GrooveError(f"{path} already exists; use --force to overwrite it")
    if not path.parent.is_dir():
        raise GrooveError(f"cannot write {path}: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else _default_mode())  # mkstemp makes 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise GrooveError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
