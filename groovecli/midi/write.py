"""Performance → Standard MIDI File, every event of the source written back exactly, atomically."""

from __future__ import annotations

import io
import os
import tempfile
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import mido

from ..errors import GrooveError
from .performance import DrumNote, Performance
from .smf import retimed


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
