"""``drumify`` (GrooVAE's Tap2Drum): a one-voice rhythm (tapped on a pad, a bass line, a clap track) becomes a kit groove
that plays that rhythm, with its timing and accents (GrooVAE's tap2drum, Magenta Studio's Drumify).

The rhythm is read from one channel, track or pitch of any instrument, quantized like a drum part
and collapsed to taps (``taps.py``): struck or not, velocity, offset per 16th. The drumify model
(``nn/cond_vae.py``, trained on every GMD window collapsed the same way) decides which drums play
each tap, and how loud each is beside the tap's own velocity. One z per take, shared by all the
song's windows, so the drummer's choices hold across the song.

Every drum of a step lands exactly where the tap was played (its offset), so the timing is the
user's; steps without a tap stay silent, and every tap sounds at least one drum.
The output is a new file: the input's tempo, meter, key and marker events and one drum track on
channel 10; the rhythm's own notes are not copied (the producer has them already).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import mido
import numpy as np

from ..constants import DRUM_CHANNEL, DRUMS, KICK, N_DRUMS, genre_key
from ..errors import GrooveError
from ..grid.drumgrid import DrumGrid, Runs, bar_bpm, half_step_ms, half_step_ms_at, quantize, render
from ..grid.hands import playable
from ..grid.taps import collapse
from ..midi.drummap import GM, DrumMap
from ..midi.performance import Performance
from ..midi.read import note_channels, read_midi
from ..runtime.load import Networks, load_cond_networks, load_networks
from ..runtime.networks import CondNet
from .genres import resolve_genre
from .steps import full, normal, seeded_generator, uniform
from .take import Take

CONDUCTOR = frozenset({"set_tempo", "time_signature", "key_signature", "marker", "smpte_offset", "cue_marker"})


@dataclass(frozen=True)
class Drumified:
    """A kit groove on the grid (T, 9) for taps (T, 3)."""

    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    seed: int
    genre: str


def drumify_taps(taps: np.ndarray, model: CondNet, *, genre: str, temperature: float = 1.0,
                 seed: int | None = None, half_ms: np.ndarray | None = None) -> Drumified:
    """The kit for ``taps`` (T, 3) in a genre the model knows (``T`` a whole number of bars).
    ``temperature`` 0 plays the likeliest drums; 1 draws them as the model believes in them.
    ``half_ms`` (T,): half a 16th in ms at each step (None: 120 bpm), the clock by which the
    kit is kept to what two hands can play (``grid/hands.py``)."""
    if genre not in model.config.genres:
        raise GrooveError(f"unknown genre {genre!r}; the drumify model knows: {', '.join(model.config.genres)}")
    rng, seed = seeded_generator(seed)
    z = normal(rng, 1, model.config.z_dim)  # one take: one z for the whole song
    runs = Runs.of(taps[:, :1])
    cond = np.ascontiguousarray(runs.cut(taps), dtype=np.float32)
    if not len(cond):
        raise GrooveError("the rhythm has no notes in its 4/4 bars")
    genre_t = full(len(cond), model.config.genres.index(genre))
    struck = cond[..., 0] > 0
    out = model.generate(cond, genre_t, np.repeat(z, len(cond), 0), uniform(rng), temperature=temperature,
                         allowed=struck, required=struck)
    hits, velocity = (runs.join(out[k]) for k in ("hits", "velocity"))
    offset = np.repeat(taps[:, 2:3], N_DRUMS, axis=1) * hits  # every drum of a step where its tap was played
    clock = half_step_ms_at(120.0, len(hits)) if half_ms is None else half_ms
    hits = _two_hands(hits, offset, velocity, clock)
    return Drumified(hits, np.clip(velocity, 1 / 127, 1.0) * hits, offset.astype(np.float32), seed, genre)


def _two_hands(hits: np.ndarray, offset: np.ndarray, velocity: np.ndarray, half_ms: np.ndarray) -> np.ndarray:
    """``hits`` kept to what one drummer plays, louder drums first, every tap still sounding: each
    tap's kick (a foot: it costs no hand), else its loudest drum, stays whatever the hands do."""
    struck = hits > 0.5
    lead = np.where(struck[:, KICK], KICK, np.argmax(np.where(struck, velocity, -1.0), axis=1))
    keep = np.zeros(hits.shape, bool)
    rows = np.flatnonzero(struck.any(1))
    keep[rows, lead[rows]] = True
    return playable(hits, offset, half_ms, keep, velocity)


def rhythm_part(path: str | Path, channel: int | None = None, track: str | None = None,
                pitch: int | None = None) -> tuple[int | None, str | None]:
    """Which (0-based channel, track) holds the rhythm: the one named, else the file's only channel
    with notes (with ``pitch``: the only channel playing it).

    Raises:
        GrooveError: when several channels could be it, naming them.
    """
    if channel is not None or track is not None:
        return channel, track
    counts = note_channels(path, pitch)
    if not counts:
        raise GrooveError(f"{path} has no notes" + (f" of pitch {pitch}" if pitch is not None else ""))
    if len(counts) > 1:
        listed = ", ".join(str(c + 1) for c in sorted(counts))
        raise GrooveError(f"{path} has notes on channels {listed}; say which is the rhythm with --channel N, "
                          "--track NAME or --pitch P")
    return next(iter(counts)), None


def read_rhythm(path: str | Path, *, channel: int | None = None, track: str | None = None,
                pitch: int | None = None) -> Performance:
    """The rhythm's notes as a one-voice part (every pitch, or only ``pitch``, is one tap)."""
    channel, track = rhythm_part(path, channel, track, pitch)
    pitches = range(128) if pitch is None else (pitch,)
    taps = DrumMap("rhythm", {p: 0 for p in pitches}, GM.output)
    return read_midi(path, drum_map=taps, drum_channel=channel, drum_track=track, rhythm=True)


def drum_file(perf: Performance, drum_map: DrumMap) -> Performance:
    """An empty drum file on ``perf``'s timeline: its conductor events in track 0, a drum track after."""
    conductor = tuple(sorted(((t, m) for events in perf.tracks for t, m in events if m.type in CONDUCTOR),
                             key=lambda e: e[0]))
    drums = ((0, mido.MetaMessage("track_name", name="Drums")),)
    tracks = (conductor + ((perf.end_tick, mido.MetaMessage("end_of_track")),), drums)
    return Performance(perf.ticks_per_beat, 1, tracks, (), 1, DRUM_CHANNEL, perf.source, drum_map, "channel 10")


def drumify(rhythm: str | Path | Performance, model: CondNet | None = None, *, genre: str = "auto",
            temperature: float = 1.0, seed: int | None = None, channel: int | None = None,
            track: str | None = None, pitch: int | None = None, drum_map: DrumMap | None = None,
            groove_model: Networks | None = None) -> Take:
    """A kit groove that plays ``rhythm`` (a MIDI path, or a Performance read with ``read_rhythm``).

    ``genre="auto"`` drums the rhythm once as rock, then asks the genre guesser of the groove
    model (``groove_model``, bundled by default) which genre that sketch and its tempo are.
    """
    perf = rhythm if isinstance(rhythm, Performance) else read_rhythm(rhythm, channel=channel, track=track, pitch=pitch)
    loaded = model if model is not None else load_cond_networks("drumify")
    grid = quantize(perf)
    half_ms = half_step_ms(perf, grid.bars)
    taps = collapse(grid.hits, grid.velocity, grid.offset)
    note, genre = None, genre_key(genre)
    if genre not in loaded.config.genres:
        guide = groove_model if groove_model is not None else load_networks()
        first = drumify_taps(taps, loaded, genre="rock", temperature=0.0, seed=0, half_ms=half_ms)
        sketch = replace(grid, hits=first.hits, velocity=first.velocity, offset=first.offset)
        genre, note = resolve_genre(guide, genre, sketch, bar_bpm(perf, grid))
    kit = drumify_taps(taps, loaded, genre=genre, temperature=temperature, seed=seed, half_ms=half_ms)
    out = drum_file(perf, drum_map or GM)
    kit_grid = DrumGrid(kit.hits, kit.velocity, kit.offset, grid.bars, np.zeros(0, np.int64))
    rendered = render(out, kit_grid, drum_map or GM)
    per_drum = {name: int(kit.hits[:, i].sum()) for i, name in enumerate(DRUMS) if kit.hits[:, i].any()}
    report = {"taps": int((taps[:, 0] > 0).sum()), "notes": int(kit.hits.sum()), "genre": kit.genre,
              "bars": len(grid.bars), "drums": per_drum}
    if note:
        report["genre_note"] = note
    return Take(rendered, grid, kit_grid, kit.seed, report)
