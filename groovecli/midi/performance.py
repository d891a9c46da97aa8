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
from bisect import bisect_right
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import mido

from ..constants import DRUM_CHANNEL, STEPS_PER_BEAT
from ..errors import GrooveError
from .drummap import GM, DrumMap
from .smf import load_midifile, retimed

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


# --- reading -------------------------------------------------------------------------------
#
# The file's bytes are checked and repaired first (``smf.py``); what follows finds the drum part
# in what mido parsed and lifts its notes out.

_DRUM_NAME = ("drum", "kit", "perc", "beat", "groove", "loop", "kick", "snare")
_PITCHED_NAME = ("bass", "piano", "keys", "guitar", "gtr", "synth", "lead", "pad", "string", "vocal", "vox",
                 "organ", "brass", "horn", "sax", "flute", "chord", "melody", "arp")


def read_midi(
    path: str | Path,
    *,
    drum_map: DrumMap | None = None,
    drum_channel: int | None = None,
    drum_track: str | None = None,
    rhythm: bool = False,
) -> Performance:
    """Read a Standard MIDI File (type 0 or 1) into a Performance.

    Args:
        path: the file.
        drum_map: which pitches are which drum; other pitches pass through. None: the built-in map
            that fits the file best (``map_detect.py``), GM when none fits better.
        drum_channel: 0-based channel that carries drums. None: channel 10, or when channel 10
            has no notes, the one channel that is clearly drums (named so, percussion pitches,
            short hits).
        drum_track: take drums from the track with this name instead, on any channel.
        rhythm: the part is a one-voice rhythm for ``drumify``, any instrument's: no warnings that it
            looks pitched or that the map covers little of it, and errors speak of the rhythm.

    Returns:
        The Performance, with at least one drum note; ``notices`` lists repairs and choices.

    Raises:
        GrooveError: unreadable, empty, non-MIDI, truncated or damaged files, absurd lengths, or
            no drum notes.
    """
    path = Path(path)
    mf, notices = load_midifile(path)
    names = [_track_name(t) for t in mf.tracks]
    if drum_track is not None:
        wanted = {i for i, n in enumerate(names) if n.strip().lower() == drum_track.strip().lower()}
        if not wanted:
            listed = ", ".join(repr(n) for n in names if n) or "none has a name"
            raise GrooveError(f"{path} has no track named {drum_track!r} (tracks: {listed})")
        part = f"track {drum_track!r}"

        def is_drum(track: int, msg: mido.Message) -> bool:
            return track in wanted
    else:
        channel = DRUM_CHANNEL if drum_channel is None else drum_channel
        if drum_channel is None and not _channel_notes(mf, channel):
            found = _find_drum_channel(mf, names)
            if found is not None:
                channel = found
                notices.append(f"channel 10 has no notes; read the drums from channel {channel + 1}, which holds "
                               "drum sounds (pass --drum-channel to choose another)")
        part = f"channel {channel + 1}"
        if not rhythm:
            notices.extend(_wrong_part_warnings(mf, names, channel, drum_channel is not None or channel != DRUM_CHANNEL))

        def is_drum(track: int, msg: mido.Message) -> bool:
            return msg.channel == channel

    sounding = list(_drum_note_ons(mf, is_drum))
    if drum_map is None:
        from .detect import detect

        step = mf.ticks_per_beat / 4  # a 16th of 4/4 from the start: enough to tell roles apart
        detection = detect([(pitch, round(tick / step) % 16) for _, tick, pitch in sounding], f"{path.name}'s drum part")
        drum_map = detection.map
        if detection.warning:
            notices.append(detection.warning)
    tracks, notes = [], []
    for i, track in enumerate(mf.tracks):
        events, found_notes = _split_track(i, track, is_drum, drum_map)
        tracks.append(events)
        notes.extend(found_notes)
    if not notes:
        raise GrooveError(_no_drums_message(path, mf, drum_track, part, drum_map, rhythm))
    notes.sort(key=lambda n: (n.start, n.track, n.pitch))
    busiest = Counter(n.track for n in notes).most_common(1)[0][0]
    channels = Counter(n.channel for n in notes if n.track == busiest)
    covered = len(notes) / max(len(sounding), 1)
    if not rhythm and covered < 0.5 and not any("drum map" in n for n in notices):  # the map detection said it already
        notices.append(f"only {covered:.0%} of the notes on {part} are drums the {drum_map.name} map knows; the rest "
                       "pass through untouched (is this the drum part? see --drum-channel, --drum-map)")
    perf = Performance(
        ticks_per_beat=mf.ticks_per_beat,
        midi_type=mf.type,
        tracks=tuple(tracks),
        notes=tuple(notes),
        drum_track=busiest,
        drum_channel=channels.most_common(1)[0][0],
        source=str(path),
        drum_map=drum_map,
        drum_part=part,
        notices=tuple(notices),
    )
    try:
        _ = perf.bars  # laid out now, so an absurd length is refused before any work is done
    except GrooveError as exc:
        raise GrooveError(f"{path}: {exc}") from None
    return perf


def note_channels(path: str | Path, pitch: int | None = None) -> dict[int, int]:
    """Sounding notes (of ``pitch`` only, when given) per 0-based channel: where a rhythm could be.

    Raises:
        GrooveError: for files that cannot be read.
    """
    mf, _ = load_midifile(Path(path))
    return dict(Counter(m.channel for t in mf.tracks for m in t
                        if m.type == "note_on" and m.velocity and (pitch is None or m.note == pitch)))


def _track_name(track: mido.MidiTrack) -> str:
    return next((m.name for m in track if m.type == "track_name"), "")


def _drum_note_ons(mf: mido.MidiFile, is_drum):
    """(track, absolute tick, pitch) of every sounding note_on of the drum part."""
    for i, track in enumerate(mf.tracks):
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity > 0 and is_drum(i, msg):
                yield i, tick, msg.note


def _channel_notes(mf: mido.MidiFile, channel: int) -> int:
    return sum(1 for t in mf.tracks for m in t if m.type == "note_on" and m.velocity and m.channel == channel)


def _find_drum_channel(mf: mido.MidiFile, names: list[str]) -> int | None:
    """The one channel that is clearly a drum part, or None when none or several are.

    Clearly drums: on a track named like a drum part, or nearly all its notes on kit pitches
    (35-59, where every drum library keeps kick, snare and hats) with kick and snare among them,
    short (of the notes that end: a drum hit needs no note-off, and exports often leave some out),
    and no program change picking a pitched instrument.
    """
    stats: dict[int, dict] = defaultdict(lambda: {"pitches": Counter(), "short": 0, "ended": 0, "named": False,
                                                  "program": False})
    for i, track in enumerate(mf.tracks):
        named = any(w in names[i].lower() for w in _DRUM_NAME)
        tick, open_at = 0, {}
        for msg in track:
            tick += msg.time
            if msg.type == "program_change":
                stats[msg.channel]["program"] |= msg.program > 0
            elif msg.type == "note_on" and msg.velocity:
                st = stats[msg.channel]
                st["pitches"][msg.note] += 1
                st["named"] |= named
                open_at[(msg.channel, msg.note)] = tick
            elif msg.type in ("note_on", "note_off") and (msg.channel, msg.note) in open_at:
                stats[msg.channel]["ended"] += 1
                if tick - open_at.pop((msg.channel, msg.note)) <= mf.ticks_per_beat // 2:
                    stats[msg.channel]["short"] += 1
    drums = []
    for channel, st in stats.items():
        total = sum(st["pitches"].values())
        if not total:
            continue
        kit = sum(c for p, c in st["pitches"].items() if 35 <= p <= 59) / total
        core = {35, 36} & set(st["pitches"]) and {37, 38, 39, 40} & set(st["pitches"])
        short = st["ended"] >= total / 2 and st["short"] >= 0.8 * st["ended"]
        if st["named"] or (kit >= 0.9 and core and short and not st["program"]):
            drums.append(channel)
    return drums[0] if len(drums) == 1 else None


def _wrong_part_warnings(mf: mido.MidiFile, names: list[str], channel: int, chosen: bool) -> list[str]:
    """Warnings when the drum channel looks like a pitched part: a non-drum program or track name."""
    warnings = []
    programs = {m.program for t in mf.tracks for m in t if m.type == "program_change" and m.channel == channel}
    if channel != DRUM_CHANNEL and any(p > 0 for p in programs):
        warnings.append(f"channel {channel + 1} selects a pitched instrument (program {max(programs) + 1}); "
                        "is it really the drum part?")
    tracks = [names[i] for i, t in enumerate(mf.tracks) if any(m.type == "note_on" and m.channel == channel for m in t)]
    pitched = [n for n in tracks if any(w in n.lower() for w in _PITCHED_NAME) and not any(w in n.lower() for w in _DRUM_NAME)]
    if chosen and pitched:
        warnings.append(f"the drums on channel {channel + 1} are on a track named {pitched[0]!r}; "
                        "is that the drum part? (see --drum-channel, --drum-track)")
    return warnings

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
        events.append((tick, retimed(msg, 0)))
    for (ch, pitch), pending in open_notes.items():
        notes.extend(DrumNote(index, s, None, pitch, v, ch, d) for s, v, d in pending)
    return tuple(events), notes


def _no_drums_message(path: Path, mf: mido.MidiFile, drum_track, part: str, drum_map: DrumMap, rhythm: bool) -> str:
    used = sorted({m.channel + 1 for t in mf.tracks for m in t if m.type == "note_on" and m.velocity})
    if not used:
        return f"{path} has no notes at all"
    option = "--channel" if rhythm else "--drum-channel"
    if rhythm:
        hint = "" if drum_track else f" (notes are on channel(s) {', '.join(map(str, used))}; try {option} N)"
        return f"{path} has no rhythm notes on {part}{hint}"
    channel = int(part.split()[-1]) if part.startswith("channel ") else None
    if channel in used:  # the part has notes, just none the map calls a drum: say which they are
        pitches = sorted({m.note for t in mf.tracks for m in t
                          if m.type == "note_on" and m.velocity and m.channel == channel - 1})
        others = [c for c in used if c != channel]
        where = f"; other notes are on channel(s) {', '.join(map(str, others))}" if others else ""
        return (f"{path}: the notes on {part} (pitches {', '.join(map(str, pitches[:8]))}"
                f"{'...' if len(pitches) > 8 else ''}) are no drum the {drum_map.name} drum map covers "
                f"(a click track? see --drum-map{', ' + option if others else ''}){where}")
    hint = "" if drum_track else f" (notes are on channel(s) {', '.join(map(str, used))}; try {option} N)"
    return f"{path} has no drum notes on {part} that the {drum_map.name} drum map covers{hint}"


# --- writing -------------------------------------------------------------------------------


def _without_overlaps(notes: Iterable[DrumNote]) -> list[DrumNote]:
    """Shorten each note that would still sound when the same pitch on its channel strikes again
    later, so a player does not cut the new hit with the old one's note-off.

    Notes struck at the same tick (three claps stacked on one tick, as songs have them) are not
    shortened to nothing: they keep the lengths they had, stacked as the input stacked them, and
    end by the next later strike at the latest."""
    by_key: dict[tuple[int, int], list[DrumNote]] = defaultdict(list)
    for n in notes:
        by_key[(n.channel, n.pitch)].append(n)
    fixed = []
    for group in by_key.values():
        group.sort(key=lambda n: n.start)
        starts = [n.start for n in group]
        for n in group:
            at = bisect_right(starts, n.start)
            later = starts[at] if at < len(starts) else None
            if later is not None and (n.end is None or n.end > later):
                n = replace(n, end=later)
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
            track.append(retimed(msg, tick - last))
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
    return write_atomic(midi_bytes(perf), path, force=force)


def midi_bytes(perf: Performance) -> bytes:
    """The Standard MIDI File that ``write_midi`` writes, as bytes (the studio serves these)."""
    buffer = io.BytesIO()
    to_midifile(perf).save(file=buffer)
    return buffer.getvalue()


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
