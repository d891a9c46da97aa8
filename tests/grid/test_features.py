"""GrooveToolbox-style features on hand-made grooves with answers worked out by hand."""

from __future__ import annotations

import json

import mido
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import hits_track, midi_file, save

from groovecli.cli import cli
from groovecli.constants import CLOSED_HIHAT, KICK, RIDE, SNARE
from groovecli.grid.features import analyze, monophonic_syncopation, song_features, window_features


def grooves(steps: int = 32):
    return np.zeros((steps, 9), np.float32), np.zeros((steps, 9), np.float32)


def onsets(*steps: int) -> np.ndarray:
    out = np.zeros(32, bool)
    out[list(steps)] = True
    return out


def test_syncopation_by_hand():
    assert monophonic_syncopation(onsets(*range(0, 32, 4))) == 0  # four on the floor: never before a stronger rest
    assert monophonic_syncopation(onsets(15)) == pytest.approx(4 / 30)  # "a" of 4 before the next bar's 1 (1 → 5)
    assert monophonic_syncopation(onsets(2)) == pytest.approx(1 / 30)  # "&" (2): next rest 1 is weaker, then beat 2 (3)
    assert monophonic_syncopation(onsets(31)) == pytest.approx(4 / 30)  # wraps round to step 0
    assert monophonic_syncopation(onsets(15, 16)) == 0  # the downbeat is played: no rest to anticipate


def test_density_symmetry_and_velocity():
    vel, off = grooves()
    vel[0:32:2, CLOSED_HIHAT] = 0.5  # 16 eighth-note hats at half velocity
    vel[[0, 16], KICK] = 1.0
    f = window_features(vel, off)
    assert f.density == pytest.approx((16 * 0.5 + 2) / (32 * 9))
    assert f.density_high == pytest.approx(8 / 32) and f.density_low == pytest.approx(2 / 32) and f.density_mid == 0
    assert f.symmetry == pytest.approx(1.0)  # the second bar repeats the first exactly
    assert f.notes_per_bar == 9
    assert f.velocity_mean == pytest.approx((16 * 63.5 + 2 * 127) / 18)
    vel[16:] = 0  # second bar empty: nothing is mirrored
    assert window_features(vel, off).symmetry == 0


def test_laidback_pushed_and_relative_to_the_hihat():
    vel, off = grooves()
    for bar in (0, 16):
        vel[[bar, bar + 8], KICK] = vel[[bar + 4, bar + 12], SNARE] = 0.8
        off[[bar, bar + 8], KICK] = 20.0  # kicks 20 ms late, snares on the grid
    f = window_features(vel, off)
    assert (f.laidback, f.pushed, f.laidbackness) == (0.5, 0.0, 0.5)
    vel2, off2 = grooves()
    vel2[4, SNARE] = vel2[4, CLOSED_HIHAT] = 0.8
    off2[4, CLOSED_HIHAT] = 20.0  # snare on the grid but 20 ms ahead of the hat it is played with
    f2 = window_features(vel2, off2)
    assert (f2.pushed, f2.laidback) == (1 / 8, 0.0)


def test_swingness_and_timing_accuracy():
    vel, off = grooves()
    vel[3::4, RIDE] = 0.7
    off[3::4, RIDE] = -30.0  # swung 8ths land early on the "a"
    vel[0::4, RIDE] = 0.7
    off[0::4, RIDE] = np.tile([10.0, -10.0], 4)
    f = window_features(vel, off)
    assert f.swingness == pytest.approx(1 + 8 / 80)
    assert f.timing_accuracy_ms == pytest.approx(10.0)  # "a" positions are left out
    off[3::4, RIDE] = -20.0
    assert window_features(vel, off).swingness == 0


def test_song_windows_cover_every_bar():
    vel, off = grooves(5 * 16)
    vel[::4, KICK] = 1.0
    song = song_features(vel, off)
    assert song.first_bars == (0, 2, 3)  # an odd last bar shares the window before it
    assert song.labels == ("1-2", "3-4", "4-5")
    # with a bar in another meter before them, windows are named by the song's own bar numbers
    assert song_features(vel, off, [2, 3, 4, 5, 6]).labels == ("2-3", "4-5", "5-6")
    assert song.overall.notes_per_bar == 4
    with pytest.raises(ValueError):
        window_features(np.zeros((16, 9)), np.zeros((16, 9)))


def late_kicks_file(path):
    """4 bars at 120 bpm (480 ticks/beat): kick on every beat 24 ticks (25 ms) late, snare on 2 and 4."""
    hits = []
    for bar in range(4):
        for beat in range(4):
            tick = (bar * 4 + beat) * 480
            hits.append((tick + 24, 36, 100))
            if beat in (1, 3):
                hits.append((tick, 38, 90))
    tempo = [mido.MetaMessage("set_tempo", tempo=500000)]
    return save(midi_file(hits_track(hits, 60), meta=tempo), path)


def test_analyze_a_file_and_the_command(tmp_path):
    path = late_kicks_file(tmp_path / "late.mid")
    song = analyze(path)
    assert song.overall.laidback == 0.5 and song.overall.pushed == 0  # kicks on 1 and 3 of each bar are late
    # per step the parts are averaged first: beats 1 and 3 are 25 ms, beats 2 and 4 (kick 25, snare 0) 12.5 ms
    assert song.overall.timing_accuracy_ms == pytest.approx((25 + 12.5) / 2, abs=0.01)
    assert song.overall.notes_per_bar == 6
    result = CliRunner().invoke(cli, ["analyze", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["overall"]["laidbackness"] == 0.5 and [w["bars"] for w in data["windows"]] == ["1-2", "3-4"]
    shown = CliRunner().invoke(cli, ["analyze", str(path)])
    assert shown.exit_code == 0 and "song" in shown.output and "l.back" in shown.output


def test_analyze_bad_input_is_one_line(tmp_path):
    bad = tmp_path / "x.mid"
    bad.write_bytes(b"not midi")
    result = CliRunner().invoke(cli, ["analyze", str(bad)])
    assert result.exit_code == 1 and result.stderr.startswith("error:") and len(result.stderr.strip().splitlines()) == 1


def test_analyze_does_not_load_torch(tmp_path):
    import subprocess
    import sys

    path = late_kicks_file(tmp_path / "late.mid")
    code = ("import sys\nfrom groovecli.cli import cli\n"
            f"try:\n    cli(['analyze', {str(path)!r}, '--json'])\nexcept SystemExit:\n    pass\n"
            "print('TORCH', 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "TORCH False" in out
