"""What a producer wrote is kept (#23): programmed dynamics, audible notes, placement against a
quantized band, and the part's length in bars, with ``--loop`` a seamless loop."""

from __future__ import annotations

import mido
import numpy as np
import pytest
from conftest import hits_track, midi_file, save, track

from groovecli.constants import KICK, SNARE
from groovecli.generate.humanize import HumanizeOptions, humanize
from groovecli.grid.written import backbone_ms, band_on_grid, is_programmed
from groovecli.midi.read import read_midi
from groovecli.runtime.load import load_networks
from groovecli.weights import bundled_dir

pytestmark = pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
STEP = 120  # ticks per 16th at 480 per quarter
CLOSED_HAT, SNARE_PITCH, KICK_PITCH = 42, 38, 36


@pytest.fixture(scope="module")
def bundled():
    return load_networks()


def sketch(tmp_path, *, bars=8, programmed=True, band=False, bpm=96, band_offset=0, name="sketch.mid"):
    """Hats 110 on the beat / 70 off it, backbeat 120, ghost snares 30, kicks 100 (``programmed``);
    every note at 100 otherwise. ``band``: a bass on every beat, ``band_offset`` ticks off the grid."""
    hits = []
    for b in range(bars):
        base = b * 16 * STEP
        hits += [(base + k * STEP, CLOSED_HAT, (110 if k % 4 == 0 else 70) if programmed else 100) for k in range(0, 16, 2)]
        hits += [(base + k * STEP, SNARE_PITCH, 120 if programmed else 100) for k in (4, 12)]
        hits += [(base + k * STEP, SNARE_PITCH, 30 if programmed else 100) for k in (7, 14)]
        hits += [(base + k * STEP, KICK_PITCH, 100) for k in (0, 8, 10)]
    tempo = [mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)),
             mido.MetaMessage("time_signature", numerator=4, denominator=4)]
    tracks = [track(name="tempo"), hits_track(hits, 60)]
    if band:
        notes = [(b * 16 * STEP + k * STEP + (band_offset * (k // 4 % 2)), 40, 90) for b in range(bars) for k in range(0, 16, 4)]
        tracks.append(hits_track(notes, 200, channel=0, name="Bass"))
    return save(midi_file(*tracks, meta=tempo), tmp_path / name)


def written_velocities(take):
    both = (take.before.hits > 0.5) & (take.after.hits > 0.5)
    return take.before.velocity[both] * 127, take.after.velocity[both] * 127, both


def ranks(x):
    return np.argsort(np.argsort(x, kind="stable"), kind="stable")


@pytest.mark.parametrize("notes", ["keep", "add"])
def test_programmed_dynamics_keep_their_shape(tmp_path, bundled, notes):
    take = humanize(read_midi(sketch(tmp_path)), bundled, HumanizeOptions(notes=notes, seed=1))
    assert take.report["dynamics"].startswith("programmed")
    before, after, both = written_velocities(take)
    assert np.corrcoef(ranks(before), ranks(after))[0, 1] >= 0.85
    snare = take.after.velocity[:, SNARE] * 127
    ghosts = both[:, SNARE] & (take.before.velocity[:, SNARE] * 127 < 40)
    backbeats = both[:, SNARE] & (take.before.velocity[:, SNARE] * 127 > 115)
    assert snare[ghosts].max() < snare[backbeats].mean()  # no ghost louder than the backbeat
    assert after[before >= 60].min() >= 20  # nothing written loud goes inaudible
    assert after.max() - after.min() > 60  # accents stay accents, ghosts ghosts


def test_a_flat_sketch_takes_the_models_dynamics(tmp_path, bundled):
    take = humanize(read_midi(sketch(tmp_path, programmed=False)), bundled, HumanizeOptions(notes="keep", seed=1))
    assert take.report["dynamics"].startswith("flat")
    before, after, _ = written_velocities(take)
    assert set(before.round()) == {100} and after.std() > 5  # the model's dynamics, not the sketch's one value
    assert after.min() >= 20


def test_velocity_amount_zero_still_keeps_the_written_velocities(tmp_path, bundled):
    take = humanize(read_midi(sketch(tmp_path)), bundled, HumanizeOptions(notes="keep", velocity_amount=0, seed=1))
    before, after, _ = written_velocities(take)
    np.testing.assert_allclose(after, before, atol=1e-3)


def test_is_programmed_reads_one_velocity_as_flat():
    hits = np.zeros((16, 9), np.float32)
    hits[::2, 2] = 1
    assert not is_programmed(hits, hits * 100 / 127)
    assert not is_programmed(hits, hits * (100 + np.arange(16)[:, None] % 2 * 2) / 127)  # a DAW's rounding
    assert is_programmed(hits, hits * np.where(np.arange(16) % 4 == 0, 110, 70)[:, None] / 127)


def test_band_on_grid_needs_quantized_notes():
    assert band_on_grid([i * 120 for i in range(32)], 480)
    assert band_on_grid([i * 160 for i in range(32)], 480)  # triplets are on a grid too
    assert not band_on_grid([i * 120 + (i % 3) * 17 for i in range(32)], 480)  # played, not quantized
    assert not band_on_grid([0, 480, 960], 480)  # too few notes to tell


def test_the_kit_sits_with_a_quantized_band(tmp_path, bundled):
    for seed in range(3):
        take = humanize(read_midi(sketch(tmp_path, band=True)), bundled, HumanizeOptions(seed=seed))
        half = 60_000 / 96 / 8  # ms of half a 16th at 96 bpm
        mean = backbone_ms(take.after.hits, take.after.offset, np.full(take.after.steps, half))
        assert abs(mean) <= 5, take.report
        assert "placement" in take.report
        alone = humanize(read_midi(sketch(tmp_path, name="alone.mid")), bundled, HumanizeOptions(seed=seed))
        assert "placement" not in alone.report
        # the kit moved as one: each hit's offset differs from drum-only's by the same amount
        both = (take.after.hits > 0.5) & (alone.after.hits > 0.5) & (np.abs(alone.after.offset) < 0.6)
        diff = (take.after.offset - alone.after.offset)[both]
        assert diff.max() - diff.min() < 1e-4


def test_a_played_band_or_a_drawn_pattern_leaves_placement_alone(tmp_path, bundled):
    played = humanize(read_midi(sketch(tmp_path, band=True, band_offset=23)), bundled, HumanizeOptions(seed=0))
    assert "placement" not in played.report
    pushed = humanize(read_midi(sketch(tmp_path, band=True)), bundled, HumanizeOptions(seed=0, timing_pattern="pushed"))
    assert "placement" not in pushed.report
    assert backbone_ms(pushed.after.hits, pushed.after.offset, np.ones(pushed.after.steps)) < 0


# --- loops -----------------------------------------------------------------------------------


def loop_file(tmp_path, bars=4, bpm=140):
    """A 4-bar loop ending on its bar line, with a hat on the last 16th of the loop."""
    path = sketch(tmp_path, bars=bars, programmed=False, bpm=bpm, name="loop.mid")
    mf = mido.MidiFile(path)
    drums = mf.tracks[1]
    extra = bars * 16 * STEP - sum(m.time for m in drums)  # end-of-track exactly on the last bar line
    drums[-1].time += extra
    mf.save(path)
    return path


def test_output_is_as_many_bars_as_the_input(tmp_path, bundled):
    path = loop_file(tmp_path)
    perf = read_midi(path)
    assert perf.end_tick == 4 * 16 * STEP
    for seed in range(6):
        out = humanize(perf, bundled, HumanizeOptions(seed=seed, timing_pattern="laidback")).performance
        assert out.end_tick <= 4 * 16 * STEP
        assert max(n.end for n in out.notes) <= 4 * 16 * STEP


def seam_pairs(notes, length, ms_per_tick, window_ms=30.0):
    """Same-class pairs within ``window_ms`` across the seam of the loop played twice."""
    twice = [(n.start, n.drum) for n in notes] + [(n.start + length, n.drum) for n in notes]
    pairs = 0
    for a, da in twice:
        for b, db in twice:
            if da == db and a < length <= b and (b - a) * ms_per_tick < window_ms:
                pairs += 1
    return pairs


@pytest.mark.parametrize("seed", range(4))
def test_a_loop_repeats_seamlessly(tmp_path, bundled, seed):
    perf = read_midi(loop_file(tmp_path))
    length = 4 * 16 * STEP
    take = humanize(perf, bundled, HumanizeOptions(seed=seed, loop=True, timing_pattern="pushed"))
    out = take.performance
    assert out.end_tick == length and min(n.start for n in out.notes) >= 0
    assert seam_pairs(out.notes, length, 60_000 / 140 / 480) == 0
    # a first downbeat pushed early sounds just before the loop's end, not clamped onto tick 0
    early = [d for d in np.flatnonzero(take.after.hits[0] > 0.5) if take.after.offset[0, d] * STEP / 2 <= -1]
    for d in early:
        assert any(n.drum == d and length - STEP / 2 <= n.start < length for n in out.notes)
        assert not any(n.drum == d and n.start == 0 for n in out.notes)


def test_loop_decoding_sees_the_end_before_the_start(tmp_path, bundled):
    perf = read_midi(loop_file(tmp_path))
    plain = humanize(perf, bundled, HumanizeOptions(seed=5))
    looped = humanize(perf, bundled, HumanizeOptions(seed=5, loop=True))
    assert plain.after.steps == looped.after.steps == 4 * 16
    assert not np.allclose(plain.after.velocity, looped.after.velocity)
    assert (looped.after.hits[:, KICK] >= looped.before.hits[:, KICK]).all()  # every written note still there


def test_soft_written_notes_spread_over_the_floor_instead_of_piling_on_it():
    """A written note the model plays under 20 sounds as far above 20 as the model put it above
    silence: the soft notes keep their order and no two velocities under the floor become one;
    a note the producer wrote softer keeps that softer floor; notes the model added are free."""
    from groovecli.grid.written import keep_audible

    v = np.array([[3, 3], [9, 9], [15, 15], [40, 40], [3, 3]], np.float32) / 127
    written = np.array([[1, 0], [1, 0], [1, 0], [1, 0], [1, 0]], bool)
    sketch = np.array([[100, 0], [100, 0], [10, 0], [100, 0], [10, 0]], np.float32) / 127
    out = np.round(keep_audible(written, sketch, v) * 127)
    assert out[:, 0].tolist() == [23, 29, 15, 40, 10]  # written at 10: never under 10, as written
    assert out[:, 1].tolist() == [3, 9, 15, 40, 3]
