"""Standard MIDI File → Performance: find the drum part (a channel, a track, or the one channel
that is clearly drums), read which pitch is which drum (the map given or detected), and lift the
drum notes out of the file's events; everything else stays as it was."""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from pathlib import Path

import mido

from ..constants import DRUM_CHANNEL
from ..errors import GrooveError
from .drummap import DrumMap
from .performance import DrumNote, Performance
from .smf import load_midifile, retimed

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
            that fits the file best (``detect.py``), GM when none fits better.
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
    is_drum, part = _drum_part(path, mf, names, notices, drum_channel, drum_track, rhythm)
    sounding = list(_drum_note_ons(mf, is_drum))
    if drum_map is None:
        drum_map = _detected_map(path, mf, sounding, notices)
    tracks, notes = [], []
    for i, track in enumerate(mf.tracks):
        events, found_notes = _split_track(i, track, is_drum, drum_map)
        tracks.append(events)
        notes.extend(found_notes)
    if not notes:
        raise GrooveError(_no_drums_message(path, mf, drum_track, part, drum_map, rhythm))
    perf = _assemble(path, mf, tracks, notes, drum_map, part, notices, covered=len(notes) / max(len(sounding), 1),
                     rhythm=rhythm)
    try:
        _ = perf.bars  # laid out now, so an absurd length is refused before any work is done
    except GrooveError as exc:
        raise GrooveError(f"{path}: {exc}") from None
    return perf


def _assemble(path: Path, mf: mido.MidiFile, tracks: list, notes: list[DrumNote], drum_map: DrumMap, part: str,
              notices: list[str], *, covered: float, rhythm: bool) -> Performance:
    """The Performance of a read file; a warning when the map knows under half the part's notes."""
    notes.sort(key=lambda n: (n.start, n.track, n.pitch))
    busiest = Counter(n.track for n in notes).most_common(1)[0][0]
    channels = Counter(n.channel for n in notes if n.track == busiest)
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
    return perf


def _detected_map(path: Path, mf: mido.MidiFile, sounding: list, notices: list[str]) -> DrumMap:
    """``--drum-map auto``: the built-in map the part's pitches and positions fit best; its doubts
    go to ``notices``."""
    from .detect import detect

    step = mf.ticks_per_beat / 4  # a 16th of 4/4 from the start: enough to tell roles apart
    detection = detect([(pitch, round(tick / step) % 16) for _, tick, pitch in sounding], f"{path.name}'s drum part")
    if detection.warning:
        notices.append(detection.warning)
    return detection.map


def _drum_part(path: Path, mf: mido.MidiFile, names: list[str], notices: list[str], drum_channel: int | None,
               drum_track: str | None, rhythm: bool):
    """Which events are the drum part: ``(is_drum(track, msg), how to name the part)``; the track
    named ``drum_track``, else ``drum_channel``, else channel 10 or the one channel that is
    clearly drums when channel 10 is silent (said in ``notices``)."""
    if drum_track is not None:
        wanted = {i for i, n in enumerate(names) if n.strip().lower() == drum_track.strip().lower()}
        if not wanted:
            listed = ", ".join(repr(n) for n in names if n) or "none has a name"
            raise GrooveError(f"{path} has no track named {drum_track!r} (tracks: {listed})")
        return (lambda track, msg: track in wanted), f"track {drum_track!r}"
    channel = DRUM_CHANNEL if drum_channel is None else drum_channel
    if drum_channel is None and not _channel_notes(mf, channel):
        found = _find_drum_channel(mf, names)
        if found is not None:
            channel = found
            notices.append(f"channel 10 has no notes; read the drums from channel {channel + 1}, which holds "
                           "drum sounds (pass --drum-channel to choose another)")
    if not rhythm:
        notices.extend(_wrong_part_warnings(mf, names, channel, drum_channel is not None or channel != DRUM_CHANNEL))
    return (lambda track, msg: msg.channel == channel), f"channel {channel + 1}"


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


