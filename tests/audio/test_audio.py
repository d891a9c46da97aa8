"""Audio: the SoundFont reader, the sample mixer, `groove render` and `--preview`."""

from __future__ import annotations

import wave

import numpy as np
import pytest
from conftest import REPO, hits_track, midi_file, save

from groovecli.audio.render import SAMPLE_RATE, bundled_kit, load_font, render, write_audio
from groovecli.audio.soundfont import read_soundfont
from groovecli.errors import GrooveError
from groovecli.midi.read import read_midi

needs_kit = pytest.mark.skipif(not (REPO / "models" / "kit" / "groove-drums.sf3").exists(), reason="no bundled kit")


def song(tmp_path, hits, name="s.mid"):
    return read_midi(save(midi_file(hits_track(hits, 60)), tmp_path / name))


def onset(signal: np.ndarray, threshold: float = 1e-4) -> int:
    """The first frame where either channel passes ``threshold`` of full scale."""
    return int(np.flatnonzero(np.abs(signal).max(axis=1) > threshold)[0])


@needs_kit
def test_the_bundled_kit_has_every_gm_drum_and_velocity_layers():
    kit = read_soundfont(bundled_kit()).instrument(0, drums=True)
    assert kit is not None and kit.bank == 128
    for key in range(35, 82):
        assert kit.zones_for(key, 100), f"no sample for GM drum {key}"
    layers = {z.velocities for z in kit.zones if z.plays(38, 1) or z.plays(38, 127) or z.plays(38, 64)}
    assert len({v for z in kit.zones for v in [z.velocities] if z.keys[0] <= 38 <= z.keys[1]}) >= 3, layers
    assert any(z.exclusive for z in kit.zones_for(46, 100)), "the open hi-hat should be choked by a closed one"


@needs_kit
def test_a_harder_kick_is_louder(tmp_path):
    loud, soft = (render(song(tmp_path, [(0, 36, v)], f"{v}.mid")) for v in (127, 30))
    assert np.abs(loud).max() > 2 * np.abs(soft).max() > 0


@needs_kit
def test_a_hit_20_ms_late_is_20_ms_late_in_the_audio(tmp_path):
    from conftest import track  # at 120 bpm and 1000 ticks a beat, a tick is 0.5 ms

    def at(ms: float):
        tick = int(round(ms * 2))
        t = track(f"note_on channel=9 note=38 velocity=100 time={tick}", "note_off channel=9 note=38 velocity=0 time=100")
        return read_midi(save(midi_file(t, ticks_per_beat=1000), tmp_path / f"{ms}.mid"))

    on, late = render(at(500)), render(at(520))
    shift = onset(late) - onset(on)
    assert abs(shift - 0.020 * SAMPLE_RATE) <= 0.001 * SAMPLE_RATE, shift
    assert abs(onset(on) - 0.5 * SAMPLE_RATE) <= 0.001 * SAMPLE_RATE


@needs_kit
def test_tempo_map_is_followed(tmp_path):
    import mido
    from conftest import track

    t = track("note_on channel=9 note=36 velocity=100 time=960", "note_off channel=9 note=36 velocity=0 time=60")
    meta = [mido.MetaMessage("set_tempo", tempo=1_000_000)]  # 60 bpm: two beats are 2 s
    perf = read_midi(save(midi_file(t, meta=meta), tmp_path / "slow.mid"))
    assert abs(onset(render(perf)) - 2 * SAMPLE_RATE) <= 0.001 * SAMPLE_RATE


@needs_kit
def test_a_closed_hat_chokes_the_open_one(tmp_path):
    open_only = render(song(tmp_path, [(0, 46, 110)], "open.mid"))
    choked = render(song(tmp_path, [(0, 46, 110), (480, 42, 1)], "choked.mid"))  # a beat later, nearly silent
    later = slice(int(0.6 * SAMPLE_RATE), int(1.0 * SAMPLE_RATE))
    assert np.abs(choked[later]).max() < 0.2 * np.abs(open_only[later]).max()


@needs_kit
def test_wav_and_flac_hold_the_same_audio(tmp_path):
    import soundfile

    perf = read_midi(REPO / "examples" / "funk.mid")
    x = render(perf)
    wav, flac = write_audio([x], tmp_path / "a.wav"), write_audio([x], tmp_path / "a.flac")
    with wave.open(str(wav)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (44100, 2, 2)
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    decoded, rate = soundfile.read(flac, dtype="int16")
    assert rate == 44100 and np.array_equal(decoded, pcm)
    assert len(pcm) == len(x)
    with pytest.raises(GrooveError, match="already exists; use --force"):
        write_audio([x], wav)


def test_missing_or_broken_soundfonts_are_one_line_errors(tmp_path):
    with pytest.raises(GrooveError, match="cannot read SoundFont"):
        read_soundfont(tmp_path / "none.sf2")
    bad = tmp_path / "bad.sf2"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00sfbkLIST\x04\x00\x00\x00INFO")
    with pytest.raises(GrooveError, match="is damaged"):
        read_soundfont(bad)
    (tmp_path / "text.sf2").write_text("not a soundfont")
    with pytest.raises(GrooveError, match="is not a SoundFont"):
        read_soundfont(tmp_path / "text.sf2")


@needs_kit
def test_render_and_preview_commands(runner, tmp_path):
    from groovecli.cli import cli

    src = tmp_path / "funk.mid"
    src.write_bytes((REPO / "examples" / "funk.mid").read_bytes())
    done = runner.invoke(cli, ["render", str(src)])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "funk.wav").exists()
    again = runner.invoke(cli, ["render", str(src)])
    assert again.exit_code == 1 and "already exists" in again.output
    for bad, message in ((tmp_path / "missing.sf2", "cannot read SoundFont"), (src, "is not a SoundFont")):
        out = runner.invoke(cli, ["render", str(src), "-o", str(tmp_path / "x.wav"), "--soundfont", str(bad)])
        assert out.exit_code == 1 and message in out.output and len(out.output.strip().splitlines()) == 1, out.output
    out = runner.invoke(cli, ["render", str(src), "--all", "-o", str(tmp_path / "y.wav")])
    assert out.exit_code == 1 and "--all needs a General MIDI SoundFont" in out.output


@needs_kit
def test_preview_halves_differ(tiny_weights, runner, tmp_path):
    from groovecli.cli import cli

    src = tmp_path / "rock.mid"
    src.write_bytes((REPO / "examples" / "rock.mid").read_bytes())
    done = runner.invoke(cli, ["humanize", str(src), "--weights", str(tiny_weights), "--genre", "rock", "--seed", "1",
                               "--preview", "--preview-bars", "2", "-q"])
    assert done.exit_code == 0, done.output
    with wave.open(str(tmp_path / "rock.groove.preview.wav")) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2).astype(np.float64)
    perf = read_midi(src)
    half = int(round(perf.seconds_at(perf.bars[2].start) * SAMPLE_RATE))
    before, after = pcm[:half], pcm[half + SAMPLE_RATE : 2 * half + SAMPLE_RATE]
    assert len(pcm) == 2 * half + SAMPLE_RATE  # two bars, a second of silence, two bars
    assert np.abs(pcm[half : half + SAMPLE_RATE // 2]).max() < np.abs(before).max()  # the gap is the before's tail at most
    assert np.abs(before - after).mean() > 0.1 * np.abs(before).mean()


def test_bundled_kit_is_in_the_package_data():
    """The wheel maps the kit's folder into groovecli/models/kit, its licence with it (pyproject's force-include)."""
    import tomllib

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]["models/kit"] == "groovecli/models/kit"
    assert load_font().path.name == "groove-drums.sf3"
