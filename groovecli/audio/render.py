"""Hear a Performance: its drums (or every channel) rendered to 44.1 kHz stereo with SoundFont samples.

Why groove mixes samples itself instead of driving FluidSynth: pyfluidsynth needs the system's
libfluidsynth (no wheels on the package index), and a drum preview needs no synthesis, only
samples placed at the right time, scaled by velocity. A numpy mixer installs with pip on every
platform, places each hit at its exact sample frame (a hit 20 ms late is 882 frames late), and
gives the same bytes on every run. It reads the SoundFont zones ``soundfont.py`` extracts:
velocity layers, stereo pairs, pitch (a zone played away from its root key is resampled),
loops while a melodic note is held, release, exclusive classes (a closed hi-hat chokes an
open one). Where a kit has one layer for a drum, softer hits are also darker (a velocity-to-
timbre curve), as a real drum is.

The song is mixed in blocks of ``BLOCK`` frames and written as it goes, so memory does not grow
with the song's length: only the notes still ringing are held.
"""

from __future__ import annotations

import os
import tempfile
import wave
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..bundled import bundled_dir
from ..errors import GrooveError
from ..midi.drummap import GM
from ..midi.performance import Performance
from .limiter import Limiter
from .soundfont import Instrument, SoundFont, Zone, read_soundfont
from .voices import DRUM_RING_S, SAMPLE_RATE, Voices

BLOCK = 1 << 15
KIT_FILE = "kit/groove-drums.sf3"
_FADE = 64  # frames of fade where a note is choked or released, against clicks


def bundled_kit() -> Path:
    """The drum kit that ships with groove (FluidR3_GM's Standard kit; ``scripts/make_kit.py``)."""
    folder = bundled_dir()
    if folder is None or not (folder / KIT_FILE).exists():
        raise GrooveError("this groove has no bundled drum kit; give --soundfont FILE.sf2")
    return folder / KIT_FILE


def load_font(path: str | Path | None = None) -> SoundFont:
    """The user's SoundFont, or the bundled kit (read once per process)."""
    return _read(str(Path(path).resolve()) if path is not None else str(bundled_kit()))


@lru_cache(maxsize=4)
def _read(path: str) -> SoundFont:
    return read_soundfont(path)


@dataclass(frozen=True)
class Hit:
    """One note to sound: where it starts and stops (frames), what plays it and how hard."""

    start: int
    stop: int | None  # note-off frame for held (melodic) notes; None for a drum, which rings out
    key: int
    velocity: int
    channel: int
    instrument: Instrument


def hits_of(perf: Performance, font: SoundFont, *, all_channels: bool = False, until_s: float | None = None) -> list[Hit]:
    """Every note of the drum part (or of every channel) as Hits, in start order.

    Drum pitches read with a library's map (EZdrummer, Superior...) are played as the GM pitch of
    their class, so a GM kit sounds the right drum; pass-through sounds keep their pitch.
    """
    drum_channels = {9, perf.drum_channel}
    gm_like = all(GM.class_of(p) == c for p, c in perf.drum_map.classes.items())
    seconds = _seconds_of_ticks(perf)
    found: list[tuple[float, float | None, int, int, int]] = [
        (seconds(n.start), None, n.pitch, n.velocity, n.channel) for n in perf.notes]
    programs: dict[int, int] = {}
    pending: dict[tuple[int, int], list[tuple[float, int]]] = {}
    events = sorted(((t, i, m) for i, track in enumerate(perf.tracks) for t, m in track), key=lambda e: (e[0], e[1]))
    for tick, _, msg in events:  # what groove does not model: pass-through drums, and every other channel
        if msg.type == "program_change":
            programs[msg.channel] = msg.program
        if msg.type not in ("note_on", "note_off"):
            continue
        drums = msg.channel in drum_channels
        if not drums and not all_channels:
            continue
        key = (msg.channel, msg.note)
        if msg.type == "note_on" and msg.velocity > 0:
            pending.setdefault(key, []).append((seconds(tick), msg.velocity))
        elif pending.get(key):
            start, velocity = pending[key].pop(0)
            found.append((start, None if drums else seconds(tick), msg.note, velocity, msg.channel))
    found += [(s, None, k[1], v, k[0]) for k, starts in pending.items() for s, v in starts]
    hits = []
    # by start, then channel and key: a drum (no stop) and a melodic note can start together
    for start, stop, key, velocity, channel in sorted(found, key=lambda f: (f[0], f[4], f[2], f[3])):
        drums = channel in drum_channels
        if until_s is not None and start >= until_s:
            continue
        instrument = font.instrument(programs.get(channel, 0), drums)
        if instrument is None:
            continue
        if drums and not gm_like:
            drum = perf.drum_map.class_of(key)
            key = GM.output[drum] if drum is not None else key
        stop_frame = None if stop is None else int(round(stop * SAMPLE_RATE))
        hits.append(Hit(int(round(start * SAMPLE_RATE)), stop_frame, key, velocity, channel, instrument))
    return hits


def _seconds_of_ticks(perf: Performance):
    """tick → seconds along the tempo map, by table lookup (a song has few tempo changes)."""
    tempos = perf.tempos()
    ticks = np.array([t for t, _ in tempos], np.float64)
    per_tick = np.array([us for _, us in tempos], np.float64) / 1e6 / perf.ticks_per_beat
    starts = np.concatenate([[0.0], np.cumsum(np.diff(ticks) * per_tick[:-1])])

    def seconds(tick: float) -> float:
        i = int(np.searchsorted(ticks, tick, side="right")) - 1
        return float(starts[i] + (tick - ticks[i]) * per_tick[i])

    return seconds


def velocity_gain(velocity: int) -> float:
    """MIDI velocity → amplitude: the square law most players use (velocity 64 is 12 dB below 127)."""
    return (velocity / 127.0) ** 2


@dataclass
class _Ringing:
    """A sound of an exclusive class (hi-hats), mixed only once it is choked or its block is due."""

    start: int
    sound: np.ndarray  # mono
    pan: np.ndarray  # (2,) gains
    mixed: bool = False


class _Mix:
    """The buffer the notes are added to; its first frame is ``start`` in the song."""

    def __init__(self) -> None:
        self.buffer = np.zeros((BLOCK * 2, 2), np.float32)
        self.start = 0

    def add(self, at: int, sound: np.ndarray, pan: np.ndarray) -> None:
        lo = at - self.start
        if lo + len(sound) > len(self.buffer):
            grown = np.zeros((lo + len(sound) + BLOCK, 2), np.float32)
            grown[: len(self.buffer)] = self.buffer
            self.buffer = grown
        for ch in (0, 1):
            self.buffer[lo : lo + len(sound), ch] += sound * pan[ch]

    def pop_block(self, frames: int = BLOCK) -> np.ndarray:
        out = self.buffer[:frames].copy()
        self.buffer = np.concatenate([self.buffer[BLOCK:], np.zeros((BLOCK, 2), np.float32)])
        self.start += BLOCK
        return out


@lru_cache(maxsize=256)  # a song's notes share a few lengths; read-only, as every caller only reads it
def _fade_out(n: int) -> np.ndarray:
    fade = np.linspace(1.0, 0.0, n, dtype=np.float32)
    fade.flags.writeable = False
    return fade


def _choke(mix: _Mix, voices: list[_Ringing], at: int) -> None:
    """End the ringing sounds at frame ``at`` with a short fade against a click."""
    for v in voices:
        cut = at - v.start
        if cut >= len(v.sound):
            if not v.mixed:
                mix.add(v.start, v.sound, v.pan)
            continue
        n = min(_FADE, len(v.sound) - cut)
        if v.mixed:  # already in the buffer whole: take out what rings past the fade
            rest = v.sound[cut:].copy()
            rest[:n] *= 1.0 - _fade_out(n)
            mix.add(at, rest, -v.pan)
        else:
            kept = v.sound[: cut + n].copy()
            kept[cut:] *= _fade_out(n)
            mix.add(v.start, kept, v.pan)


def render_blocks(hits: list[Hit], *, until_frame: int | None = None) -> Iterator[np.ndarray]:
    """The mix as (frames, 2) float32 blocks of ``BLOCK`` frames (the last one shorter).

    A note is added to a buffer that reaches as far as the longest sound still ringing; each
    finished block is handed on, so memory holds the ringing notes, not the song.
    """
    voices = Voices()
    layered: dict[tuple[int, int], bool] = {}
    zones_of: dict[tuple[int, int, int], list[Zone]] = {}
    mix = _Mix()
    end = 0  # furthest frame anything reaches
    ringing: dict[tuple[int, int], list[_Ringing]] = {}  # (channel, exclusive class) → its sounds

    def settle() -> None:  # a block is due: what still rings goes in whole (a later choke takes it out)
        for group in ringing.values():
            for v in group:
                if not v.mixed:
                    mix.add(v.start, v.sound, v.pan)
                    v.mixed = True

    for hit in hits:
        if until_frame is not None and hit.start >= until_frame:
            break
        if hit.start >= mix.start + BLOCK:
            settle()
            for group in ringing.values():
                group[:] = [v for v in group if v.start + len(v.sound) > hit.start]
        while hit.start >= mix.start + BLOCK:
            yield mix.pop_block()
        instrument = hit.instrument
        if (id(instrument), hit.key) not in layered:
            ranges = {z.velocities for v in (1, 64, 127) for z in instrument.zones_for(hit.key, v)}
            layered[id(instrument), hit.key] = len(ranges) > 1
        held = None if hit.stop is None else max(hit.stop - hit.start, 1)
        which = (id(instrument), hit.key, hit.velocity)
        if which not in zones_of:
            zones_of[which] = instrument.zones_for(hit.key, hit.velocity)
        for zone in zones_of[which]:
            if zone.exclusive:
                _choke(mix, ringing.pop((hit.channel, zone.exclusive), []), hit.start)
            length = None if held is None else held + min(int(zone.release_s * SAMPLE_RATE), 2 * SAMPLE_RATE)
            sound = voices.signal(zone, hit.key, length, layered[id(instrument), hit.key], hit.velocity)
            if held is not None and len(sound) > held:  # released: fade out over the release time
                sound = sound.copy()
                sound[held:] *= _fade_out(len(sound) - held)
            gain = zone.gain * velocity_gain(hit.velocity)
            pan = np.array([np.sqrt(0.5 * (1 - zone.pan)), np.sqrt(0.5 * (1 + zone.pan))], np.float32) * gain
            end = max(end, hit.start + len(sound))
            if zone.exclusive:
                ringing.setdefault((hit.channel, zone.exclusive), []).append(_Ringing(hit.start, sound, pan))
            else:
                mix.add(hit.start, sound, pan)
    settle()
    final = end if until_frame is None else min(end, until_frame)
    while mix.start < final:
        yield mix.pop_block(min(BLOCK, final - mix.start))


def render(perf: Performance, *, font: SoundFont | None = None, all_channels: bool = False,
           until_s: float | None = None) -> np.ndarray:
    """The whole mix as one (frames, 2) float32 array (for tests and notebooks; ``write_audio`` streams)."""
    blocks = list(_blocks(perf, font, all_channels, until_s))
    return np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)


def _blocks(perf, font, all_channels, until_s) -> Iterator[np.ndarray]:
    font = font or load_font()
    hits = hits_of(perf, font, all_channels=all_channels, until_s=until_s)
    if not hits:
        raise GrooveError(f"{perf.source}: nothing to play (no notes{'' if all_channels else ' in the drum part'})")
    until = None if until_s is None else int(round(until_s * SAMPLE_RATE))
    return render_blocks(hits, until_frame=until)


WAV_MAX_BYTES = (1 << 32) - 1024  # a RIFF size field is 32 bits: the most audio a WAV file holds
HEADROOM = 0.5  # a fixed master gain, not normalisation: louder hits stay louder across files


def write_audio(blocks: Iterator[np.ndarray] | list[np.ndarray], path: str | Path, *, force: bool = False) -> Path:
    """Write stereo float blocks as 16-bit WAV (or FLAC for ``.flac``), atomically; limited, not normalised.

    Raises:
        GrooveError: when ``path`` exists and ``force`` is False, or it cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".wav", ".flac"):
        raise GrooveError(f"cannot write {path.name}: give a .wav or .flac file name")
    if path.exists() and not force:
        raise GrooveError(f"{path} already exists; use --force to overwrite it")
    if not path.parent.is_dir():
        raise GrooveError(f"cannot write {path}: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".wav":
            with wave.open(tmp, "wb") as out:
                out.setnchannels(2)
                out.setsampwidth(2)
                out.setframerate(SAMPLE_RATE)
                for block in _pcm16(blocks):
                    out.writeframes(block.tobytes())
        else:
            import soundfile

            with soundfile.SoundFile(tmp, "w", SAMPLE_RATE, 2, "PCM_16", format="FLAC") as out:
                for block in _pcm16(blocks):
                    out.write(block)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _pcm16(blocks: Iterator[np.ndarray] | list[np.ndarray]) -> Iterator[np.ndarray]:
    """The mix at the master gain, through the limiter (no sample at full scale), as 16-bit."""
    limiter = Limiter()
    for block in blocks:
        yield np.round(limiter.process(block * HEADROOM) * 32767).astype("<i2")
    yield np.round(limiter.flush() * 32767).astype("<i2")


def render_file(perf: Performance, path: str | Path, *, font: SoundFont | None = None, all_channels: bool = False,
                force: bool = False) -> Path:
    """``groove render``: the drum part (or every channel) to a WAV or FLAC file.

    Raises:
        GrooveError: for a song longer than a WAV file can hold (a damaged delta time can make a
            song last days), said before any audio is made.
    """
    seconds = perf.seconds_at(perf.end_tick) + DRUM_RING_S
    if Path(path).suffix.lower() == ".wav" and seconds * SAMPLE_RATE * 4 > WAV_MAX_BYTES:
        raise GrooveError(f"{perf.source} lasts {seconds / 3600:.1f} hours; a WAV file holds at most "
                          f"{WAV_MAX_BYTES / (SAMPLE_RATE * 4 * 3600):.1f} (write a .flac file)")
    return write_audio(_blocks(perf, font, all_channels, None), path, force=force)


GAP_S = 1.0


def _bar_audio(perf: Performance, first_bar: int, end_bar: int, font: SoundFont) -> Iterator[np.ndarray]:
    """Bars ``first_bar`` to ``end_bar`` (0-based, end excluded; past the song's last bar: its end)
    as blocks, the full length of the bars even where they end in silence."""
    bars = perf.bars
    start_s = perf.seconds_at(bars[first_bar].start)
    end_s = perf.seconds_at(bars[end_bar].start) if end_bar < len(bars) else perf.seconds_at(perf.end_tick)
    f0, f1 = int(round(start_s * SAMPLE_RATE)), int(round(end_s * SAMPLE_RATE))
    hits = [replace(h, start=h.start - f0, stop=None if h.stop is None else h.stop - f0)
            for h in hits_of(perf, font, until_s=end_s) if h.start >= f0]
    if not hits:
        raise GrooveError(f"{perf.source}: nothing to play in bars {first_bar + 1}-{min(end_bar, len(bars))}")
    written = 0
    for block in render_blocks(hits, until_frame=f1 - f0):
        written += len(block)
        yield block
    if written < f1 - f0:
        yield np.zeros((f1 - f0 - written, 2), np.float32)


def first_drum_bar(perf: Performance) -> int:
    """The 0-based bar where the drum part's first note is (0 when it has none): where a preview
    starts, since a song's intro may run for bars without drums."""
    if not perf.notes:
        return 0
    starts = [b.start for b in perf.bars]
    return max(bisect_right(starts, min(n.start for n in perf.notes)) - 1, 0)


def write_preview(before: Performance | None, after: Performance, path: str | Path, *, bars: int = 4,
                  font: SoundFont | None = None, force: bool = False, first_bar: int | None = None) -> Path:
    """``bars`` bars of ``before``, a second of silence, then the same bars of ``after`` (only
    ``after``'s bars when there is no ``before``: a sampled groove), from ``first_bar`` (0-based;
    None: the first bar where ``before``, else ``after``, has a drum note).

    Raises:
        GrooveError: when ``first_bar`` lies past the song's end, or those bars hold nothing to play.
    """
    font = font or load_font()
    first = first_drum_bar(before if before is not None else after) if first_bar is None else first_bar
    if first >= len(after.bars):
        raise GrooveError(f"--preview-from {first + 1}: the song has {len(after.bars)} bar(s)")

    def joined() -> Iterator[np.ndarray]:
        if before is not None:
            yield from _bar_audio(before, first, first + bars, font)
            yield np.zeros((int(GAP_S * SAMPLE_RATE), 2), np.float32)
        yield from _bar_audio(after, first, first + bars, font)

    return write_audio(joined(), path, force=force)


def write_excerpt(perf: Performance, path: str | Path, first_bar: int, end_bar: int, *,
                  font: SoundFont | None = None, force: bool = False) -> Path:
    """Bars ``first_bar`` to ``end_bar`` (0-based, end excluded) of ``perf``: for ``continue``,
    the primer's last bars running into the new ones, so the join itself is what is heard."""
    return write_audio(_bar_audio(perf, first_bar, end_bar, font or load_font()), path, force=force)
