"""`groove drumify`: a one-voice rhythm becomes a kit that keeps the rhythm's onsets and accents."""

from __future__ import annotations

import mido
import numpy as np
import pytest
from conftest import hits_track, midi_bytes, midi_file, save, track

from groovecli.cli import cli
from groovecli.constants import CLOSED_HIHAT, CRASH, KICK, OPEN_HIHAT, RIDE, SNARE, STEPS_PER_BAR
from groovecli.errors import GrooveError
from groovecli.generate.drumify import drumify, read_rhythm, rhythm_part
from groovecli.grid.drumgrid import quantize
from groovecli.grid.taps import collapse

STEP = 120  # ticks per 16th at 480 per beat


def tapped(tmp_path, bars: int = 4, channel: int = 0, pitch: int = 60, name: str = "tap.mid", jitter: bool = True) -> str:
    """A rhythm on a pitched channel: a bass-like part, played loose, accents on the beats."""
    rng = np.random.default_rng(0)
    hits = []
    for bar in range(bars):
        for k in (0, 3, 6, 8, 10, 12, 14):
            shift = int(rng.integers(-25, 26)) if jitter else 0
            hits.append((bar * 16 * STEP + k * STEP + shift + 40, pitch, 115 if k in (0, 8) else 55))
    notes = hits_track(hits, 90, channel=channel, name="Bass")
    program = track(f"program_change channel={channel} program=33 time=0")
    tempo = [mido.MetaMessage("set_tempo", tempo=600000), mido.MetaMessage("time_signature", numerator=4, denominator=4)]
    return str(save(midi_file(track(name="conductor"), program, notes, meta=tempo), tmp_path / name))


def test_every_tap_keeps_its_onset_and_sounds_a_kit(tmp_path):
    path = tapped(tmp_path)
    rhythm = read_rhythm(path)
    result = drumify(rhythm, genre="funk", seed=0)
    out = result.performance
    tap_ticks = sorted({n.start for n in rhythm.notes})
    written = sorted(n.start for n in out.notes)
    assert set(written) <= set(tap_ticks)  # no note off the taps, none moved
    assert set(written) == set(tap_ticks)  # every tap sounds
    for tick in tap_ticks:  # onset error in ms: zero ticks, so zero ms
        assert abs(out.seconds_at(tick) - rhythm.seconds_at(tick)) < 1e-9
    drums = {n.drum for n in out.notes}
    assert KICK in drums and SNARE in drums and drums & {CLOSED_HIHAT, OPEN_HIHAT, RIDE, CRASH}


def test_accents_of_the_taps_carry_into_the_kit(tmp_path):
    rhythm = read_rhythm(tapped(tmp_path, bars=8))
    out = drumify(rhythm, genre="rock", seed=0).performance
    loud_ticks = {n.start for n in rhythm.notes if n.velocity > 100}
    loud = [n.velocity for n in out.notes if n.start in loud_ticks]
    soft = [n.velocity for n in out.notes if n.start not in loud_ticks]
    assert np.mean(loud) > np.mean(soft) + 10


def test_the_output_is_a_drum_file_on_the_songs_timeline(tmp_path):
    path = tapped(tmp_path)
    out = drumify(path, genre="rock", seed=0).performance
    mf = mido.MidiFile(file=__import__("io").BytesIO(midi_bytes(out)))
    assert mf.type == 1 and mf.ticks_per_beat == 480
    assert [m.tempo for t in mf.tracks for m in t if m.type == "set_tempo"] == [600000]
    notes = [m for t in mf.tracks for m in t if m.type == "note_on" and m.velocity]
    assert notes and all(m.channel == 9 for m in notes)  # the bass line is not copied


def test_seeds_give_the_same_bytes(tmp_path):
    path = tapped(tmp_path)
    runs = [midi_bytes(drumify(path, genre="jazz", seed=s).performance) for s in (3, 3)]
    assert runs[0] == runs[1]
    takes = {midi_bytes(drumify(path, genre="jazz", seed=s).performance) for s in range(6)}
    assert len(takes) > 1  # a seed is a take


def test_collapse_takes_the_loudest_hit_of_a_step():
    hits = np.zeros((STEPS_PER_BAR, 9), np.float32)
    vel, off = np.zeros_like(hits), np.zeros_like(hits)
    hits[0, [KICK, CRASH]] = 1
    vel[0, KICK], vel[0, CRASH] = 0.9, 0.5
    off[0, KICK], off[0, CRASH] = -0.2, 0.4
    taps = collapse(hits, vel, off)
    assert taps.shape == (STEPS_PER_BAR, 3)
    assert taps[0].tolist() == pytest.approx([1.0, 0.9, -0.2])
    assert not taps[1:].any()


def test_the_rhythm_part_is_the_only_channel_or_the_one_named(tmp_path):
    one = tapped(tmp_path, channel=2)
    assert rhythm_part(one) == (2, None)
    two = midi_file(hits_track([(0, 60, 100)], 60, channel=0), hits_track([(0, 36, 100)], 60, channel=9))
    path = save(two, tmp_path / "two.mid")
    with pytest.raises(GrooveError, match="channels 1, 10.*--channel"):
        rhythm_part(path)
    assert rhythm_part(path, pitch=36) == (9, None)
    assert rhythm_part(path, channel=0) == (0, None)


def test_bad_input_is_one_line(runner, tmp_path):
    cases = [
        ["drumify", str(tmp_path / "missing.mid")],
        ["drumify", tapped(tmp_path), "--genre", "polka"],
        ["drumify", tapped(tmp_path, name="p.mid"), "--pitch", "61"],
    ]
    waltz = midi_file(hits_track([(k * 480, 60, 100) for k in range(6)], 60, channel=0),
                      meta=[mido.MetaMessage("time_signature", numerator=3, denominator=4)])
    cases.append(["drumify", str(save(waltz, tmp_path / "waltz.mid"))])
    (tmp_path / "text.mid").write_text("not midi")
    cases.append(["drumify", str(tmp_path / "text.mid")])
    for args in cases:
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output


def test_cli_writes_beside_the_input_and_never_over_it(runner, tmp_path):
    path = tapped(tmp_path)
    first = runner.invoke(cli, ["drumify", path, "--genre", "funk", "--seed", "1"])
    assert first.exit_code == 0, first.output
    out = tmp_path / "tap.drums.mid"
    assert out.exists() and "taps over 4 bars" in first.output
    again = runner.invoke(cli, ["drumify", path, "--seed", "1"])
    assert again.exit_code == 1 and "already exists" in again.output
    grid = quantize(read_rhythm(str(out), channel=9))
    assert grid.hits.any()


def test_preview_plays_the_taps_then_the_drums(runner, tmp_path):
    import soundfile

    path = tapped(tmp_path, bars=2)
    result = runner.invoke(cli, ["drumify", path, "--seed", "0", "--genre", "rock", "--preview", "--preview-bars", "2"])
    assert result.exit_code == 0, result.output
    audio, rate = soundfile.read(tmp_path / "tap.drums.preview.wav")
    half = (len(audio) - rate) // 2  # two bars of taps, a second of silence, two bars of drums
    assert np.abs(audio[: half - rate // 10]).max() > 0.01 and np.abs(audio[-half:]).max() > 0.01
    assert np.abs(audio[half + rate // 4 : half + 3 * rate // 4]).max() < 1e-3  # the gap
