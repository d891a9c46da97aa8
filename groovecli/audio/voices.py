"""The sound of one note: a SoundFont zone's sample at a key, looped while held, darker when
soft (a one-layer drum), and the cache that renders each sound once (``render.py`` mixes them).

A drum hit rings at most ``DRUM_RING_S``; a held note's sound is its zone's sample resampled to
the key and looped for as long as it is held, so the sound for a shorter hold is a prefix of a
longer one's, which the cache uses.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from .soundfont import Zone

SAMPLE_RATE = 44100
DRUM_RING_S = 6.0  # a drum hit that is not choked rings at most this long
DARK_AT_SOFTEST = 0.6  # how much of a soft hit's brightness a one-layer drum loses
VOICE_CACHE_BYTES = 48 << 20  # rendered notes kept for reuse (see Voices)


class Voices:
    """Rendered notes (one zone at one key), cached: a song plays the same few sounds again and again.

    A held note's sound is a prefix of the same key held longer, so one array per zone and key
    serves every length (keyed by length, a long song with many instruments kept one per distinct
    length and grew with the song, issue #24; `benchmarks/bench_long_song.py`). The cache holds at most
    ``VOICE_CACHE_BYTES``, least recently used out first. Only drums (sounds that ring out) get
    darker when soft, as a real drum does; a held note keeps its one timbre.
    """

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple, tuple[np.ndarray, float]] = OrderedDict()
        self._bytes = 0

    def signal(self, zone: Zone, key: int, frames: int | None, layered: bool, velocity: int) -> np.ndarray:
        """The zone's sound at ``key``: mono float32, ``frames`` long when held (looped) else to its end."""
        if layered or frames is not None:
            return self._pitched(zone, key, frames)
        return self._cached(("timbre", id(zone), key, velocity), None, lambda _: self._darker(zone, key, velocity))

    def _darker(self, zone: Zone, key: int, velocity: int) -> np.ndarray:
        """One layer for every velocity: a soft hit keeps less of the top end."""
        x = self._pitched(zone, key, None)
        width = 6  # a moving average: -6 dB near 3.7 kHz at 44.1 kHz
        c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
        dark = np.concatenate([x[: width - 1], (c[width:] - c[:-width]) / width]).astype(np.float32)
        bright = 1.0 - DARK_AT_SOFTEST * (1.0 - velocity / 127.0)
        return bright * x + (1.0 - bright) * dark

    def _pitched(self, zone: Zone, key: int, frames: int | None) -> np.ndarray:
        return self._cached(("pitched", id(zone), key, frames is None), frames, lambda n: resample(zone, key, n))

    def _cached(self, key: tuple, frames: int | None, make) -> np.ndarray:
        """``make(frames)``, or the first ``frames`` of what an earlier, longer call made."""
        wanted = float("inf") if frames is None else frames
        found = self._cache.get(key)
        if found is not None and found[1] >= wanted:
            self._cache.move_to_end(key)
            return found[0] if frames is None else found[0][:frames]
        if found is not None:  # a longer hold than any before: make it with room to spare
            frames = max(frames, int(found[1] * 1.25))
            self._bytes -= found[0].nbytes
        sound = make(frames)
        self._cache[key] = (sound, float("inf") if frames is None else frames)
        self._cache.move_to_end(key)
        self._bytes += sound.nbytes
        while self._bytes > VOICE_CACHE_BYTES and len(self._cache) > 1:
            self._bytes -= self._cache.popitem(last=False)[1][0].nbytes
        return sound if frames is None else sound[: int(wanted)]


def resample(zone: Zone, key: int, frames: int | None) -> np.ndarray:
    """The zone's sample at ``key``'s pitch and the output rate; looped up to ``frames`` when held."""
    cents = (key - zone.root) * zone.scale_tuning + zone.tune_cents
    step = 2.0 ** (cents / 1200.0) * zone.rate / SAMPLE_RATE
    data = zone.data
    if abs(step - 1.0) < 1e-6 and (zone.loop is None or frames is None):
        return data[: int(DRUM_RING_S * SAMPLE_RATE)] if frames is None else data[:frames]
    if zone.loop is not None and frames is not None:
        positions = np.arange(frames, dtype=np.float64) * step
        ls, le = zone.loop
        beyond = positions >= le
        positions[beyond] = ls + np.mod(positions[beyond] - ls, le - ls)
    else:
        n = int((len(data) - 1) / step)
        n = min(n, frames if frames is not None else int(DRUM_RING_S * SAMPLE_RATE))
        positions = np.arange(max(n, 0), dtype=np.float64) * step
    return np.interp(positions, np.arange(len(data)), data).astype(np.float32)
