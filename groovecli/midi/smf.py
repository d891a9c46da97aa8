"""A Standard MIDI File's bytes, read as DAWs read them: the checks and repairs before mido parses.

A MIDI file is untrusted input (packs come from anywhere), and DAWs read damaged files that a
strict parser refuses. groove reads what they read, repairs only what it must to write the file
back, and lists each repair once (``Performance.notices``): a RIFF (.rmi) wrapper, a header whose
format or track count is wrong, chunks that are not tracks, key signatures mido cannot decode,
data bytes above 127, events no file can hold. What cannot be read is one GrooveError.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import mido

from ..errors import GrooveError


def _unwrap(data: bytes, name: str, repairs: list[str]) -> bytes:
    """The Standard MIDI File inside ``data``: itself, or the ``data`` chunk of a RIFF RMID (.rmi)."""
    if data[:4] == b"RIFF" and data[8:12] == b"RMID":
        pos = 12
        while pos + 8 <= len(data):
            chunk, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
            if chunk == b"data":
                repairs.append("read the MIDI data inside its RIFF (.rmi) wrapper; the output is a plain .mid")
                return data[pos + 8 : pos + 8 + size]
            pos += 8 + size + (size & 1)
        raise GrooveError(f"{name} is a RIFF MIDI (.rmi) file with no MIDI data in it")
    return data


def _check_chunks(data: bytes, name: str, repairs: list[str]) -> bytes:
    """Catch what mido would read wrongly or with an obscure message: empty, non-MIDI, truncated;
    a header whose track count disagrees with the chunks present is corrected (as DAWs do)."""
    if not data:
        raise GrooveError(f"{name} is empty (0 bytes)")
    data = _unwrap(data, name, repairs)
    if data[:4] != b"MThd":
        raise GrooveError(f"{name} is not a MIDI file (no MThd header)")
    if len(data) < 14:
        raise GrooveError(f"{name} is truncated: the MIDI header is incomplete")
    header_len = int.from_bytes(data[4:8], "big")
    if header_len < 6:
        raise GrooveError(f"{name} is damaged: its header holds {header_len} bytes, not 6")
    fmt, n_tracks, division = (int.from_bytes(data[i : i + 2], "big") for i in (8, 10, 12))
    if fmt == 2:
        raise GrooveError(f"{name} is a type 2 MIDI file (independent patterns); groove reads types 0 and 1")
    if division & 0x8000:
        raise GrooveError(f"{name} uses SMPTE time division; groove needs ticks per beat (re-export from your DAW)")
    if division == 0:
        raise GrooveError(f"{name} has 0 ticks per beat")
    pos, tracks, skipped = 8 + header_len, [], []
    while pos + 8 <= len(data):
        chunk, length = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "big")
        if not chunk.isalpha():
            break  # trailing padding some tools append; nothing more to read
        if pos + 8 + length > len(data):
            raise GrooveError(f"{name} is truncated: track {len(tracks) + 1} ends after the end of the file")
        # The SMF spec asks readers to skip chunks they do not know (vendors store their data so).
        (tracks if chunk == b"MTrk" else skipped).append(data[pos : pos + 8 + length])
        pos += 8 + length
    if not tracks:
        raise GrooveError(f"{name} holds no track")
    if fmt > 2:  # no such format: the chunks say what the file is
        fmt = 0 if len(tracks) == 1 else 1
        repairs.append(f"its header names format {int.from_bytes(data[8:10], 'big')}, which no MIDI file has; "
                       f"read it as type {fmt}")
    if skipped:
        kinds = ", ".join(sorted({c[:4].decode("latin-1") for c in skipped}))
        repairs.append(f"skipped {len(skipped)} chunk(s) that are not MIDI tracks ({kinds}); the output leaves them out")
    if len(tracks) != n_tracks:
        repairs.append(f"its header says {n_tracks} track(s) but it holds {len(tracks)}; read the {len(tracks)}")
    header = data[:8] + fmt.to_bytes(2, "big") + len(tracks).to_bytes(2, "big") + data[12 : 8 + header_len]
    return header + b"".join(tracks)


def _fix_key_signatures(data: bytes, repairs: list[str]) -> bytes:
    """Replace key-signature events mido cannot decode (sharps/flats outside -7..7, mode not 0/1,
    fewer than two data bytes) by C major: the only part of a file groove changes that it was not
    asked to. Any length is matched: real files hold ``FF 59 03`` events with a byte too many."""
    fixed = bytearray(data)
    count = 0
    for match in re.finditer(rb"\xff\x59([\x00-\x7f])", data):
        at, length = match.end(), match.group(1)[0]
        body = data[at : at + length]
        if length >= 2 and -7 <= int.from_bytes(body[:1], "big", signed=True) <= 7 and body[1] <= 1:
            continue
        if length >= 2:
            fixed[at : at + 2] = b"\x00\x00"
        else:  # too short to hold a key: keep its bytes as sequencer-specific data, which players ignore
            fixed[match.start() + 1] = 0x7F
        count += 1
    if count:
        repairs.append(f"replaced {count} invalid key signature(s) with C major")
    return bytes(fixed)


def load_midifile(path: Path) -> tuple[mido.MidiFile, list[str]]:
    """A MIDI file as mido reads it, after the repairs DAWs make (listed, one line each).

    Raises:
        GrooveError: for unreadable, empty, non-MIDI, truncated or damaged files.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise GrooveError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise GrooveError(f"{path} is a folder, not a MIDI file") from None
    except OSError as exc:
        raise GrooveError(f"cannot read {path}: {exc.strerror or exc}") from None
    repairs: list[str] = []
    data = _fix_key_signatures(_check_chunks(data, str(path), repairs), repairs)
    for clip in (False, True):
        try:
            mf = mido.MidiFile(file=io.BytesIO(data), clip=clip)
            break
        except Exception as exc:  # noqa: BLE001 - any parser failure on untrusted bytes means a damaged file
            if clip or "data byte" not in str(exc):  # a byte above 127 where data belongs: clip it, as DAWs do
                raise GrooveError(f"{path} is damaged: {_reason(exc)}") from None
    if clip:
        repairs.append("clipped data bytes above 127 (a damaged byte) to 127")
    _drop_unwritable(mf, repairs)
    return mf, repairs


def _reason(exc: Exception) -> str:
    return str(exc) or {EOFError: "it ends in the middle of an event"}.get(type(exc), type(exc).__name__)


def _drop_unwritable(mf: mido.MidiFile, repairs: list[str]) -> None:
    """Remove events a MIDI file cannot hold or groove cannot time (real-time bytes, a tempo of
    0, a meter of 0 beats): whatever is read must be writable, and time must advance."""
    dropped: Counter = Counter()
    for t, track in enumerate(mf.tracks):
        keep = mido.MidiTrack()
        carry = 0
        for msg in track:
            # real-time as mido's writer judges them (it refuses a tune request too)
            bad = (getattr(msg, "is_realtime", False) and "real-time message(s)") or (
                msg.type == "set_tempo" and msg.tempo == 0 and "tempo event(s) of 0") or (
                msg.type == "time_signature" and (msg.numerator == 0 or msg.denominator == 0)
                and "time signature(s) with 0 beats")
            if bad:
                dropped[bad] += 1
                carry += msg.time  # the time it carried moves to the next event
                continue
            keep.append(retimed(msg, msg.time + carry) if carry else msg)
            carry = 0
        if carry or len(keep) != len(track):
            if carry:
                keep.append(mido.MetaMessage("end_of_track", time=carry))
            mf.tracks[t] = keep
    for what, n in dropped.items():
        repairs.append(f"dropped {n} {what}")



def retimed(msg: mido.Message | mido.MetaMessage, time: int) -> mido.Message | mido.MetaMessage:
    """``msg.copy(time=time)`` without mido checking again every field of a message it checked when
    it was read or made: on a long many-track song those checks cost more than the rest of writing
    it (``benchmarks/bench_long_song.py``). ``time`` is a delta in ticks, never negative."""
    new = msg.copy()  # mido's own unchecked copy
    vars(new)["time"] = time
    return new
