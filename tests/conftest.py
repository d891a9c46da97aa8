"""Shared fixtures: an isolated environment, fixture files, and MIDI built from text."""

from __future__ import annotations

import os
from pathlib import Path

# torch's OpenMP workers spin while they wait; on a shared 2-core machine that starves the other
# thread (three tiny training tests took 126-130 s spinning, 30-48 s waiting passively). Set before
# any test imports torch.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import mido
import pytest

DATA = Path(__file__).parent / "data"
FIXTURE_GMD = DATA / "gmd"
FIXTURE_FILES = sorted(FIXTURE_GMD.rglob("*.mid"))
# The full Groove MIDI Dataset, where this checkout sits beside it (tests needing it skip otherwise).
FULL_GMD = Path(os.environ.get("GROOVE_GMD", Path(__file__).resolve().parents[2] / "shared" / "data" / "gmd"))
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory, monkeypatch):
    """Keep tests off the user's caches and the network."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("GROOVE_CACHE", str(home / "groove-cache"))
    monkeypatch.delenv("GROOVE_WEIGHTS", raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("GROOVE_PROGRESS_AFTER", "3600")  # a slow machine must not add progress lines to stderr


def track(*lines: str, name: str | None = None) -> mido.MidiTrack:
    """A track from mido message strings (``note_on channel=9 note=36 velocity=100 time=0``)."""
    t = mido.MidiTrack()
    if name is not None:
        t.append(mido.MetaMessage("track_name", name=name))
    t.extend(mido.Message.from_str(line) for line in lines)
    return t


def midi_file(*tracks: mido.MidiTrack, ticks_per_beat: int = 480, type: int = 1, meta: list | None = None) -> mido.MidiFile:
    """A MIDI file of the given tracks, with optional meta messages prepended to the first."""
    mf = mido.MidiFile(type=type, ticks_per_beat=ticks_per_beat)
    for i, t in enumerate(tracks):
        mf.tracks.append(mido.MidiTrack((meta or []) + list(t)) if i == 0 else t)
    return mf


def save(mf: mido.MidiFile, path: Path) -> Path:
    mf.save(path)
    return path


def hits_track(hits: list[tuple[int, int, int]], length: int, channel: int = 9, name: str = "Drums") -> mido.MidiTrack:
    """A drum track from (tick, pitch, velocity), each note ``length`` ticks long."""
    events = []
    for tick, pitch, velocity in hits:
        events.append((tick, 1, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))
        events.append((tick + length, 0, mido.Message("note_off", channel=channel, note=pitch)))
    t = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
    last = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        t.append(msg.copy(time=tick - last))
        last = tick
    return t


@pytest.fixture
def rock_template(tmp_path) -> Path:
    """Two bars of stiff rock at 480 ticks/beat, with a bass track and a cowbell."""
    step = 120
    hits = []
    for bar in range(2):
        base = bar * 16 * step
        hits += [(base + k * step, 42, 100) for k in range(0, 16, 2)]
        hits += [(base + k * step, 38, 100) for k in (4, 12)]
        hits += [(base + k * step, 36, 100) for k in (0, 8, 10)]
        hits += [(base + 2 * step, 56, 90)]  # cowbell: no kit class, passes through
    drums = hits_track(hits, 60)
    bass = track(
        "program_change channel=0 program=33 time=0",
        "control_change channel=0 control=7 value=100 time=0",
        "note_on channel=0 note=40 velocity=90 time=0",
        "pitchwheel channel=0 pitch=512 time=240",
        "note_off channel=0 note=40 velocity=0 time=1680",
        name="Bass",
    )
    tempo = [mido.MetaMessage("set_tempo", tempo=500000), mido.MetaMessage("time_signature", numerator=4, denominator=4)]
    return save(midi_file(track(name="tempo"), drums, bass, meta=tempo), tmp_path / "rock.mid")


@pytest.fixture(scope="session")
def fixture_dataset():
    """The six fixture performances as training windows."""
    from groovecli.lab.data import build_dataset

    return build_dataset(FIXTURE_GMD, workers=1)


def tiny_config(kind: str = "pocketvae", **overrides):
    """A model small enough to train in a second: the shapes of the real one, not its sizes."""
    from groovecli.lab.data import GENRES
    from groovecli.nn.config import ModelConfig

    sizes = dict(skel_hidden=8, skel_dim=4, note_hidden=16, codebook_size=8, code_dim=4, note_z_dim=8,
                 vae_hidden=16, dec_hidden=16, z_dim=8, prior_hidden=16)
    return ModelConfig(kind=kind, genres=GENRES, **(sizes | overrides))


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory):
    """A checkpoint of an untrained tiny model, prior and genre guesser: fast, shaped like the real one."""
    import torch

    from groovecli.nn.genre_guesser import GenreGuesser
    from groovecli.nn.pocketvae import GrooveModel
    from groovecli.nn.prior import CodePrior
    from groovecli.weights import checkpoint_dict

    torch.manual_seed(0)
    cfg = tiny_config()
    path = tmp_path_factory.mktemp("weights") / "tiny.pt"
    states = {"model": GrooveModel(cfg).state_dict(), "prior": CodePrior(cfg).state_dict(),
              "guesser": GenreGuesser(cfg.n_drums, len(cfg.genres)).state_dict()}
    torch.save(checkpoint_dict(cfg, states, {}), path)
    return path


@pytest.fixture(scope="session")
def tiny(tiny_weights):
    """The tiny checkpoint's networks (on torch: it has no ONNX graphs)."""
    from groovecli.runtime.load import load_networks

    return load_networks(tiny_weights)


def midi_bytes(perf) -> bytes:
    """A Performance as the bytes ``write_midi`` would write."""
    import io

    from groovecli.midi.write import to_midifile

    buf = io.BytesIO()
    to_midifile(perf).save(file=buf)
    return buf.getvalue()


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()
