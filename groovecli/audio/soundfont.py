"""SoundFont 2 (.sf2) and 3 (.sf3) files read into zones: which sample a key and velocity play.

Only what a sample player needs is read (SoundFont 2.04 §7-8): key and velocity ranges, the
sample and its loop, root key and tuning, attenuation, pan, release and exclusive class (a
closed hi-hat choking an open one). Modulators, filters, LFOs and effects are not read: for
drum hits and a preview they change little, and a player that ignores them stays small and
exact (see ``audio.py`` for why groove mixes samples itself).

A .sf3 file holds each sample as Ogg Vorbis; those are decoded with ``soundfile`` (libsndfile,
which ships in its wheels for Linux, macOS and Windows).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property, partial
from pathlib import Path

import numpy as np

from ..errors import GrooveError

DRUM_BANK = 128

# generator numbers (SoundFont 2.04 §8.1.2)
_START, _END, _START_LOOP, _END_LOOP, _START_COARSE = 0, 1, 2, 3, 4
_END_COARSE, _PAN, _RELEASE, _INSTRUMENT, _KEY_RANGE, _VEL_RANGE = 12, 17, 38, 41, 43, 44
_START_LOOP_COARSE, _ATTENUATION, _END_LOOP_COARSE = 45, 48, 50
_COARSE_TUNE, _FINE_TUNE, _SAMPLE_ID, _SAMPLE_MODES, _SCALE_TUNING, _EXCLUSIVE, _ROOT_KEY = 51, 52, 53, 54, 56, 57, 58
_RANGES = (_KEY_RANGE, _VEL_RANGE)
_ADDITIVE_AT_PRESET = (_PAN, _RELEASE, _ATTENUATION, _COARSE_TUNE, _FINE_TUNE)
_VORBIS = 0x10  # sampleType bit of a .sf3 sample


@dataclass(frozen=True)
class Zone:
    """One sample as a key and velocity range plays it; its audio is read (or, in a .sf3, decoded)
    on first use, so opening a 300-preset font to play its drum kit decodes only the kit."""

    keys: tuple[int, int]
    velocities: tuple[int, int]
    pcm: Callable[[], np.ndarray] = field(repr=False, compare=False)  # the whole sample
    window: tuple[int, int]  # generator offsets from the sample's start and end
    loop_points: tuple[int, int] | None  # loop start, end in the sample while the key is held
    rate: int
    root: int  # the key at which the sample plays at its recorded pitch
    tune_cents: float  # coarse + fine tune + the sample's pitch correction
    scale_tuning: float  # cents per key (100: a semitone per key; 0: every key the same pitch)
    gain: float  # from the initial attenuation
    pan: float  # -1 left .. 1 right
    release_s: float
    exclusive: int  # 0: none; a new note of the class cuts the sounding ones

    @cached_property
    def data(self) -> np.ndarray:
        """float32 mono in [-1, 1], from the zone's start to its end."""
        pcm = self.pcm()
        first = max(self.window[0], 0)
        return pcm[first : min(max(len(pcm) + self.window[1], first + 1), len(pcm))]

    @cached_property
    def loop(self) -> tuple[int, int] | None:
        """Loop start and end in ``data``, when the zone loops and its points make sense."""
        if self.loop_points is None:
            return None
        ls, le = (p - max(self.window[0], 0) for p in self.loop_points)
        return (ls, le) if 0 <= ls < le <= len(self.data) and le - ls >= 8 else None

    def plays(self, key: int, velocity: int) -> bool:
        return self.keys[0] <= key <= self.keys[1] and self.velocities[0] <= velocity <= self.velocities[1]


@dataclass(frozen=True)
class Instrument:
    """The zones of one preset (bank, program)."""

    name: str
    bank: int
    program: int
    zones: tuple[Zone, ...]

    def zones_for(self, key: int, velocity: int) -> list[Zone]:
        return [z for z in self.zones if z.plays(key, velocity)]


@dataclass(frozen=True)
class SoundFont:
    """Every preset of a SoundFont, by (bank, program)."""

    path: Path
    presets: dict[tuple[int, int], Instrument]

    def instrument(self, program: int, drums: bool) -> Instrument | None:
        """The preset a GM player would choose: bank 128 for drums (its kit for ``program``, else the
        standard kit), bank 0 otherwise; None when the font has nothing for it."""
        bank = DRUM_BANK if drums else 0
        for key in ((bank, program), (bank, 0)):
            if key in self.presets:
                return self.presets[key]
        same_bank = sorted(k for k in self.presets if k[0] == bank)
        return self.presets[same_bank[0]] if same_bank else None


def _chunks(data: bytes, start: int, end: int) -> dict[str, tuple[int, int]]:
    """{id (or LIST type): (offset, size)} of the chunks between ``start`` and ``end``."""
    out, at = {}, start
    while at + 8 <= end:
        cid, size = struct.unpack_from("<4sI", data, at)
        body = at + 8
        if body + size > end:
            raise ValueError(f"chunk {cid!r} runs past the end of the file")
        name = cid.decode("latin-1")
        if name == "LIST":
            name = data[body : body + 4].decode("latin-1")
            out[name] = (body + 4, size - 4)
        else:
            out[name] = (body, size)
        at = body + size
        if size & 1 and _fits(data, at + 1, end) or not _fits(data, at, end):
            at += size & 1  # the pad byte after an odd chunk, which some writers (MuseScore's .sf3) leave out
    return out


def _fits(data: bytes, at: int, end: int) -> bool:
    """Whether a chunk that starts at ``at`` ends by ``end``."""
    return at + 8 <= end and at + 8 + struct.unpack_from("<I", data, at + 4)[0] <= end


def _records(data: bytes, where: tuple[int, int], fmt: str) -> list[tuple]:
    offset, size = where
    width = struct.calcsize(fmt)
    return [struct.unpack_from(fmt, data, offset + i * width) for i in range(size // width)]


def _zone_generators(bags, gens, first: int, last: int) -> list[dict[int, int]]:
    """The generator lists (operator → raw amount) of bags ``first`` .. ``last - 1``."""
    zones = []
    for b in range(first, last):
        g0, g1 = bags[b][0], bags[b + 1][0] if b + 1 < len(bags) else len(gens)
        zones.append({op: amount for op, amount in gens[g0:g1]})
    return zones


def _range(raw: int | None) -> tuple[int, int]:
    return (0, 127) if raw is None else (raw & 0xFF, raw >> 8)


def _signed(raw: int) -> int:
    return raw - 0x10000 if raw >= 0x8000 else raw


def read_soundfont(path: str | Path) -> SoundFont:
    """Read a .sf2 or .sf3 file.

    Raises:
        GrooveError: one line when the file is missing, not a SoundFont, or damaged.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GrooveError(f"cannot read SoundFont {path}: {exc.strerror or exc}") from None
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"sfbk":
        raise GrooveError(f"{path} is not a SoundFont (.sf2/.sf3): no RIFF sfbk header")
    try:
        return _parse(path, data)
    except GrooveError:
        raise
    except (ValueError, struct.error, IndexError, KeyError, RuntimeError) as exc:
        raise GrooveError(f"SoundFont {path} is damaged: {exc or type(exc).__name__}") from None


def _parse(path: Path, data: bytes) -> SoundFont:
    top = _chunks(data, 12, min(len(data), 8 + struct.unpack_from("<I", data, 4)[0]))
    if "sdta" not in top or "pdta" not in top:
        raise ValueError("no sample data or preset data")
    sdta = _chunks(data, top["sdta"][0], sum(top["sdta"]))
    pdta = _chunks(data, top["pdta"][0], sum(top["pdta"]))
    smpl_at, smpl_size = sdta["smpl"]
    phdr = _records(data, pdta["phdr"], "<20sHHHIII")
    pbag, pgen = _records(data, pdta["pbag"], "<HH"), _records(data, pdta["pgen"], "<HH")
    inst = _records(data, pdta["inst"], "<20sH")
    ibag, igen = _records(data, pdta["ibag"], "<HH"), _records(data, pdta["igen"], "<HH")
    shdr = _records(data, pdta["shdr"], "<20sIIIIIBbHH")

    @cache
    def sample(i: int) -> np.ndarray:
        _, start, end, *_rest, kind = shdr[i]
        if kind & _VORBIS:
            return _vorbis(data[smpl_at + start : smpl_at + end])
        if 2 * end > smpl_size:
            raise GrooveError(f"SoundFont {path} is damaged: sample {i} runs past the sample data")
        pcm = np.frombuffer(data, "<i2", count=max(end - start, 0), offset=smpl_at + 2 * start)
        return pcm.astype(np.float32) / 32768.0

    def instrument_zones(i: int) -> list[dict[int, int]]:
        zones = _zone_generators(ibag, igen, inst[i][1], inst[i + 1][1])
        glob = zones.pop(0) if zones and _SAMPLE_ID not in zones[0] else {}
        return [glob | z for z in zones if _SAMPLE_ID in z]

    presets = {}
    for p in range(len(phdr) - 1):  # the last record ends the list
        name, program, bank, bag0 = phdr[p][:4]
        zones = _zone_generators(pbag, pgen, bag0, phdr[p + 1][3])
        glob = zones.pop(0) if zones and _INSTRUMENT not in zones[0] else {}
        built = []
        for pz in zones:
            if _INSTRUMENT not in pz:
                continue
            pz = glob | pz
            for iz in instrument_zones(pz[_INSTRUMENT]):
                built.append(_zone(iz, pz, shdr[iz[_SAMPLE_ID]], partial(sample, iz[_SAMPLE_ID])))
        key = (bank, program)
        if built and key not in presets:
            presets[key] = Instrument(name.split(b"\0")[0].decode("latin-1").strip(), bank, program, tuple(built))
    if not presets:
        raise ValueError("no playable preset")
    return SoundFont(path, presets)


def _zone(iz: dict[int, int], pz: dict[int, int], header: tuple, pcm: Callable[[], np.ndarray]) -> Zone:
    _, start, end, loop_start, loop_end, rate, root, correction, _, kind = header
    base = 0 if kind & _VORBIS else start  # a compressed sample's loop counts from its own start
    amount = lambda op: _signed(iz.get(op, 0)) + (_signed(pz.get(op, 0)) if op in _ADDITIVE_AT_PRESET else 0)  # noqa: E731
    first = amount(_START) + 32768 * amount(_START_COARSE)
    last = amount(_END) + 32768 * amount(_END_COARSE)
    loop = None
    if _signed(iz.get(_SAMPLE_MODES, 0)) & 1:
        loop = (loop_start - base + amount(_START_LOOP) + 32768 * amount(_START_LOOP_COARSE),
                loop_end - base + amount(_END_LOOP) + 32768 * amount(_END_LOOP_COARSE))
    keys = _intersect(_range(iz.get(_KEY_RANGE)), _range(pz.get(_KEY_RANGE)))
    vels = _intersect(_range(iz.get(_VEL_RANGE)), _range(pz.get(_VEL_RANGE)))
    root_key = iz.get(_ROOT_KEY, root)
    release = amount(_RELEASE) if _RELEASE in iz or _RELEASE in pz else -12000
    # FluidSynth, like the EMU chips SoundFont comes from, applies 0.4 of the initial attenuation;
    # fonts are voiced for that (FluidR3's hi-hats carry 21 dB of it)
    attenuation_db = 0.4 * max(amount(_ATTENUATION), 0) / 10.0
    return Zone(
        keys=keys, velocities=vels, pcm=pcm, window=(first, last), loop_points=loop, rate=int(rate) or 44100,
        root=root_key if 0 <= root_key <= 127 else 60,
        tune_cents=100.0 * amount(_COARSE_TUNE) + amount(_FINE_TUNE) + correction,
        scale_tuning=float(iz.get(_SCALE_TUNING, 100)),
        gain=float(10 ** (-attenuation_db / 20.0)),
        pan=float(np.clip(amount(_PAN) / 500.0, -1.0, 1.0)),
        release_s=float(min(2.0 ** (release / 1200.0), 10.0)),
        exclusive=int(iz.get(_EXCLUSIVE, 0)),
    )


def _intersect(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return max(a[0], b[0]), min(a[1], b[1])


def _vorbis(blob: bytes) -> np.ndarray:
    try:
        import soundfile
    except ImportError:  # pragma: no cover - soundfile is a dependency
        raise GrooveError("reading a .sf3 SoundFont needs soundfile: pip install soundfile") from None
    audio, _ = soundfile.read(io.BytesIO(blob), dtype="float32", always_2d=True)
    return audio[:, 0].copy()
