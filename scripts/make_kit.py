"""Build the bundled drum kit, ``models/kit/groove-drums.sf3``, from FluidR3_GM's Standard kit.

    apt-get download fluid-soundfont-gm && dpkg-deb -x fluid-soundfont-gm_3.1-5.3_all.deb fluid
    python scripts/make_kit.py fluid/usr/share/sounds/sf2/FluidR3_GM.sf2

``--sf2`` writes the same kit uncompressed (``groove-drums.sf2``, 9.3 MB; the kit shipped as that
until version 0.4). The default, SoundFont 3, stores each sample as Ogg Vorbis (quality
``VORBIS_QUALITY``), as MuseScore's fonts do: 2 MB, which keeps ``models/`` under its 20 MB budget
with the drumify and fill models beside it. The source may also be an earlier groove kit.

FluidR3_GM (Frank Wen, MIT licence) is 141 MB; the kit keeps its bank 128 program 0 for keys
27-87 (every GM drum, and the pitches of groove's built-in maps), its stereo samples and its
velocity layers (kick and snare have seven), and cuts cymbal tails to ``TAIL_S`` seconds with a
fade so the file stays small. The result is an ordinary SoundFont 2 file: groove reads it with
the same code as a user's ``--soundfont``, and any other player can open it.
"""

from __future__ import annotations

import hashlib
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from groovecli.audio.soundfont import read_soundfont  # noqa: E402

KEYS = range(27, 88)
TAIL_S = 3.0
FADE_S = 0.25
OUT = Path(__file__).resolve().parents[1] / "models" / "kit" / "groove-drums.sf3"
VORBIS_QUALITY = 0.9  # soundfile's compression_level is 1 - quality: 0.1 is Vorbis quality 9 of 10
VORBIS = 0x10  # the sampleType bit of a compressed sample (SoundFont 3)


def chunk(cid: bytes, body: bytes) -> bytes:
    return struct.pack("<4sI", cid, len(body)) + body + (b"\0" if len(body) & 1 else b"")


def listchunk(kind: bytes, *parts: bytes) -> bytes:
    return chunk(b"LIST", kind + b"".join(parts))


def trimmed(data: np.ndarray, rate: int) -> np.ndarray:
    n = min(len(data), int(TAIL_S * rate))
    out = data[:n].copy()
    if n < len(data):
        fade = int(FADE_S * rate)
        out[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return out


def vorbis(data: np.ndarray, rate: int) -> bytes:
    import io

    import soundfile

    buf = io.BytesIO()
    soundfile.write(buf, data, rate, format="OGG", subtype="VORBIS", compression_level=1 - VORBIS_QUALITY)
    return buf.getvalue()


def main(source: str, out: Path = OUT) -> None:
    compressed = out.suffix == ".sf3"
    kit = read_soundfont(source).presets[(128, 0)]
    samples: dict[tuple, int] = {}  # (digest of its audio, loop) of a source sample → our index
    pcm, headers, zones = [], [], []
    at = 0
    for z in kit.zones:
        keys = (max(z.keys[0], KEYS[0]), min(z.keys[1], KEYS[-1]))
        if keys[0] > keys[1]:
            continue
        data = z.data
        ident = (hashlib.sha1(data.tobytes()).hexdigest(), z.loop)  # a loop lives in the sample header
        if ident not in samples:
            data = trimmed(data, z.rate)
            samples[ident] = len(headers)
            loop = z.loop if z.loop and z.loop[1] <= len(data) else (0, 0)
            if compressed:  # byte offsets into smpl; loops count from the sample's own start
                blob = vorbis(np.clip(data, -1, 1), z.rate)
                pcm.append(np.frombuffer(blob + b"\0" * (len(blob) & 1), np.uint8))
                headers.append((f"s{len(headers)}".encode(), at, at + len(blob), loop[0], loop[1], z.rate,
                                z.root, 0, 0, 1 | VORBIS))
                at += len(blob) + (len(blob) & 1)
            else:
                pcm.append(np.round(np.clip(data, -1, 1) * 32767).astype("<i2"))
                headers.append((f"s{len(headers)}".encode(), at, at + len(data), at + loop[0], at + loop[1], z.rate,
                                z.root, 0, 0, 1))
                at += len(data) + 46  # the format asks for 46 zero samples after each sample
                pcm.append(np.zeros(46, "<i2"))
        cents = int(round(z.tune_cents))
        gens = [(43, keys[0] | keys[1] << 8), (44, z.velocities[0] | z.velocities[1] << 8),
                (17, int(round(z.pan * 500)) & 0xFFFF),
                (48, int(round(-200 * np.log10(max(z.gain, 1e-6)) / 0.4)) & 0xFFFF),  # read back at 0.4
                (52, cents & 0xFFFF), (56, int(z.scale_tuning)), (57, z.exclusive),
                (38, int(round(1200 * np.log2(max(z.release_s, 1e-3)))) & 0xFFFF),
                (54, 1 if z.loop else 0), (58, z.root), (53, samples[ident])]
        zones.append(gens)
    igen, ibag = [], []
    for gens in zones:
        ibag.append((len(igen), 0))
        igen.extend(gens)
    ibag.append((len(igen), 0))
    igen.append((0, 0))
    smpl = b"".join(p.tobytes() for p in pcm)
    pdta = listchunk(
        b"pdta",
        chunk(b"phdr", struct.pack("<20sHHHIII", b"groove drums", 0, 128, 0, 0, 0, 0)
              + struct.pack("<20sHHHIII", b"EOP", 0, 0, 1, 0, 0, 0)),
        chunk(b"pbag", struct.pack("<HH", 0, 0) + struct.pack("<HH", 1, 0)),
        chunk(b"pmod", bytes(10)),
        chunk(b"pgen", struct.pack("<HH", 41, 0) + struct.pack("<HH", 0, 0)),
        chunk(b"inst", struct.pack("<20sH", b"groove drums", 0) + struct.pack("<20sH", b"EOI", len(zones))),
        chunk(b"ibag", b"".join(struct.pack("<HH", *b) for b in ibag)),
        chunk(b"imod", bytes(10)),
        chunk(b"igen", b"".join(struct.pack("<HH", op, amount) for op, amount in igen)),
        chunk(b"shdr", b"".join(struct.pack("<20sIIIIIBbHH", *h) for h in headers) + struct.pack("<20sIIIIIBbHH", b"EOS", *[0] * 9)),
    )
    info = listchunk(b"INFO", chunk(b"ifil", struct.pack("<HH", 3 if compressed else 2, 1)), chunk(b"isng", b"EMU8000\0"),
                     chunk(b"INAM", b"groove drums\0"),
                     chunk(b"ICOP", b"FluidR3_GM Standard kit, (c) 2000-2002, 2008 Frank Wen, MIT licence\0"))
    body = b"sfbk" + info + listchunk(b"sdta", chunk(b"smpl", smpl)) + pdta
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    print(f"{out}: {len(headers)} samples, {len(zones)} zones, {out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--sf2"]
    main(args[0], OUT.with_suffix(".sf2") if "--sf2" in sys.argv else OUT)
