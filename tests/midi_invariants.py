"""What every MIDI file groove writes must keep, checked the same way by the corpus, property and
fuzz runs: no zero-length note the input did not have, every event groove does not own kept at
its tick, and the timing in seconds groove computes equal to mido's reading of the file."""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from pathlib import Path

import mido

from groovecli.errors import GrooveError


def note_spans(mf: mido.MidiFile) -> list[tuple[int, int, int, int | None]]:
    """(channel, pitch, start tick, end tick or None) of every note, note-offs matched first in,
    first out per channel and pitch over all tracks, as players match them."""
    open_notes: dict[tuple[int, int], deque] = defaultdict(deque)
    spans = []
    for tick, msg in absolute(mido.merge_tracks(mf.tracks)):
        if msg.type not in ("note_on", "note_off"):
            continue
        key = (msg.channel, msg.note)
        if msg.type == "note_on" and msg.velocity > 0:
            open_notes[key].append(tick)
        elif open_notes[key]:
            spans.append((*key, open_notes[key].popleft(), tick))
    spans += [(*key, start, None) for key, starts in open_notes.items() for start in starts]
    return spans


def absolute(track) -> list[tuple[int, mido.Message]]:
    tick, out = 0, []
    for msg in track:
        tick += msg.time
        out.append((tick, msg))
    return out


def zero_length_notes(mf: mido.MidiFile) -> int:
    return sum(end == start for _, _, start, end in note_spans(mf))


def kept_events(mf: mido.MidiFile, drum_channels: set[int]) -> Counter:
    """Every event groove must pass through: all but the drum channels' notes and the track ends."""
    kept: Counter = Counter()
    for events in mf.tracks:
        for tick, msg in absolute(events):
            if msg.type == "end_of_track":
                continue
            if msg.type in ("note_on", "note_off") and msg.channel in drum_channels:
                continue
            kept[(tick, str(msg.copy(time=0)))] += 1
    return kept


def timing_mismatch(path: Path) -> float:
    """The largest gap (seconds) between groove's time of an event and mido's, over the file."""
    from groovecli.midi.read import read_midi
    from groovecli.midi.smf import load_midifile

    mf, _ = load_midifile(path)
    try:
        perf = read_midi(path)
    except GrooveError:
        return 0.0
    worst, seconds = 0.0, 0.0
    for played, (tick, _) in zip(mf, absolute(mido.merge_tracks(mf.tracks))):
        seconds += played.time
        worst = max(worst, abs(perf.seconds_at(tick) - seconds))
    return worst


def check_output(src: Path, out: Path, *, keeps_input: bool = True) -> None:
    """Assert the invariants of ``out``, written by groove from ``src``."""
    from groovecli.midi.read import read_midi
    from groovecli.midi.smf import load_midifile

    before, _ = load_midifile(src)
    after = mido.MidiFile(out)  # what groove writes, any reader reads
    assert zero_length_notes(after) <= zero_length_notes(before), f"{out.name}: zero-length notes created"
    if keeps_input:
        drums = {n.channel for n in read_midi(src).notes}
        lost = kept_events(before, drums) - kept_events(after, drums)
        assert not lost, f"{out.name} lost events of {src.name}: {list(lost)[:3]}"
    assert timing_mismatch(out) < 1e-6, f"{out.name}: groove's seconds differ from mido's"
