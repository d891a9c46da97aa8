"""Swing past half a 16th, genres that lean on their drummers, and ``--genre auto`` that can be unsure."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import hits_track, midi_file, save, track

from groovecli.cli import cli
from groovecli.errors import GrooveError
from groovecli.generate.humanize import HumanizeOptions, humanize
from groovecli.grid.drumgrid import quantize
from groovecli.grid.swing import Swing, apply_swing, cell_shifts
from groovecli.midi.read import read_midi

TPB, STEP = 480, 120  # ticks per beat, per 16th
HAT, SNARE, KICK = 42, 38, 36


def eighths_sketch(path, bars: int = 8, bpm: float = 120.0, hat_steps=range(0, 16, 2)):
    """A straight 8th-note rock sketch: hats on every 8th, backbeat snare, kick on 1 and 3."""
    hits = []
    for bar in range(bars):
        base = bar * 16 * STEP
        hits += [(base + k * STEP, HAT, 100) for k in hat_steps]
        hits += [(base + k * STEP, SNARE, 100) for k in (4, 12)]
        hits += [(base + k * STEP, KICK, 100) for k in (0, 8)]
    import mido

    tempo = [mido.MetaMessage("set_tempo", tempo=round(60_000_000 / bpm)),
             mido.MetaMessage("time_signature", numerator=4, denominator=4)]
    return save(midi_file(track(name="tempo"), hits_track(hits, 60), meta=tempo), path)


def hat_positions(perf) -> tuple[np.ndarray, np.ndarray]:
    """Each hat hit's beat and its place in the beat (fraction), for on-beats and off-beats."""
    starts = np.array(sorted(n.start for n in perf.notes if n.pitch == HAT))
    beat = np.round(starts / TPB * 2) / 2  # nearest 8th
    on = starts[beat % 1 == 0] / TPB
    off = starts[beat % 1 == 0.5] / TPB
    return on, off


def test_shifts_move_only_off_beats_and_straight_moves_nothing():
    hits = np.zeros((16, 9), np.float32)
    hits[0::2, 2] = 1  # 8th hats
    hits[7, 0] = 1  # a lone kick on the "a" of beat 2: a dotted figure's short note
    assert not cell_shifts(hits, Swing()).any()
    s = cell_shifts(hits, Swing(eighth=2 / 3))
    np.testing.assert_allclose(s[2::4, 2], 4 * 2 / 3 - 2)  # the "and" to two thirds of the beat
    assert not s[0::4].any()
    assert s[7, 0] == pytest.approx(4 * 2 / 3 - 3)  # the dotted "a" lands on the swung "and"
    s16 = cell_shifts(np.ones((16, 9)), Swing(sixteenth=2 / 3))
    np.testing.assert_allclose(s16[1::2], 2 * 2 / 3 - 1)
    assert not s16[0::2].any()


def test_swing_66_lands_off_beats_on_two_thirds_of_the_beat(tmp_path, tiny):
    sketch = eighths_sketch(tmp_path / "eighths.mid")
    result = humanize(sketch, tiny, seed=0, genre="rock", notes="keep", timing_amount=0.0, swing=66)
    on, off = hat_positions(result.performance)
    ms_per_beat = 500.0
    assert len(off) == 32 and len(on) == 32
    np.testing.assert_allclose((off % 1) * ms_per_beat, 0.66 * ms_per_beat, atol=10)  # ± 10 ms
    np.testing.assert_allclose((on % 1) * ms_per_beat, 0, atol=1)
    assert len(result.performance.notes) == len(read_midi(sketch).notes)  # every note kept
    assert result.report["swing"] == "66% 8ths"


def test_a_jazz_request_swings_a_straight_eighths_sketch(tmp_path, tiny):
    """GMD's jazz drummers put the off-beat 8th about two thirds into the beat; a straight
    sketch asked for jazz (no --swing) gets their swing, with the model's own timing on top."""
    sketch = eighths_sketch(tmp_path / "eighths.mid")
    swung = humanize(sketch, tiny, seed=1, genre="jazz", notes="keep")
    straight = humanize(sketch, tiny, seed=1, genre="rock", notes="keep")
    for result, low, high in ((swung, 0.6, 0.73), (straight, 0.4, 0.56)):
        on, off = hat_positions(result.performance)
        ratio = np.median(off - np.floor(off)) - np.median(on - np.round(on))
        assert low < ratio < high, ratio
    assert swung.report["swing"].endswith("% 8ths") and "swing" not in straight.report


def test_swing8_and_shuffle_presets_reach_a_triplet_feel(tmp_path, tiny):
    sketch = eighths_sketch(tmp_path / "eighths.mid")
    r = humanize(sketch, tiny, seed=0, genre="rock", notes="keep", timing_amount=0.0, timing_pattern="swing8")
    _, off = hat_positions(r.performance)
    np.testing.assert_allclose(off % 1, 2 / 3, atol=0.01)
    sixteenths = eighths_sketch(tmp_path / "sixteenths.mid", bars=2, hat_steps=range(16))
    r = humanize(sixteenths, tiny, seed=0, genre="rock", notes="keep", timing_amount=0.0, timing_pattern="shuffle")
    starts = np.array(sorted(n.start for n in r.performance.notes if n.pitch == HAT)) / (TPB / 2)  # in 8ths
    np.testing.assert_allclose(starts[1::2] % 1, 2 / 3, atol=0.01)


def test_apply_swing_keeps_notes_outside_the_grid(tmp_path):
    perf = read_midi(eighths_sketch(tmp_path / "e.mid", bars=2))
    grid = quantize(perf)
    out = apply_swing(perf, grid, Swing(eighth=0.6))
    assert len(out.notes) == len(perf.notes)
    assert apply_swing(perf, grid, Swing()) is perf


def test_bad_swing_is_a_one_line_error(tmp_path, runner):
    sketch = eighths_sketch(tmp_path / "e.mid", bars=2)
    with pytest.raises(GrooveError, match="--swing 90"):
        HumanizeOptions(swing=90)
    result = runner.invoke(cli, ["humanize", str(sketch), "--swing", "40", "-o", str(tmp_path / "o.mid")])
    assert result.exit_code != 0 and result.output.strip().startswith("error: --swing 40")
    assert len(result.output.strip().splitlines()) == 1


def test_auto_is_unsure_on_an_ambiguous_sketch_and_plays_no_genre_swing(tmp_path, tiny):
    """A stiff 8th-note backbeat is every genre's: the guess is said to be unsure, and the
    genre's own feel (its swing) is not laid on, even when the best guess would swing."""
    from groovecli.generate import genres
    from groovecli.grid.genre_guess import GenreGuess

    sketch = eighths_sketch(tmp_path / "eighths.mid")
    result = humanize(sketch, tiny, seed=0, notes="keep")
    assert "unsure of the genre" in result.report["genre_note"] and "neutral feel" in result.report["genre_note"]

    class JazzButUnsure:
        genres = tiny.config.genres

        def guess(self, features):
            return GenreGuess("jazz", 0.3, False)

    original = genres.bundled_guesser
    try:
        genres.bundled_guesser = lambda: JazzButUnsure()
        unsure_jazz = humanize(sketch, tiny, seed=0, notes="keep")
    finally:
        genres.bundled_guesser = original
    assert unsure_jazz.report["genre"] == "jazz" and "swing" not in unsure_jazz.report


def test_timing_amount_0_keeps_a_genre_s_swing_out_but_not_an_explicit_one(tmp_path, tiny):
    sketch = eighths_sketch(tmp_path / "eighths.mid", bars=2)
    kept = humanize(sketch, tiny, seed=0, genre="jazz", notes="keep", timing_amount=0.0)
    assert [n.start for n in kept.performance.notes] == [n.start for n in read_midi(sketch).notes]
    assert "swing" not in kept.report
    asked = humanize(sketch, tiny, seed=0, genre="jazz", notes="keep", timing_amount=0.0, swing=60)
    assert asked.report["swing"] == "60% 8ths"


def test_swing_leaves_bars_in_other_meters_alone(tmp_path):
    """A 3/4 bar between 4/4 bars is not in the grid: its notes keep their ticks."""
    import mido

    hits = [(k * STEP, HAT, 100) for k in range(0, 16, 2)]  # bar 1, 4/4
    hits += [(16 * STEP + k * STEP, HAT, 100) for k in range(0, 12, 2)]  # bar 2, 3/4
    hits += [(28 * STEP + k * STEP, HAT, 100) for k in range(0, 16, 2)]  # bar 3, 4/4
    meta = [mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0),
            mido.MetaMessage("time_signature", numerator=3, denominator=4, time=16 * STEP),
            mido.MetaMessage("time_signature", numerator=4, denominator=4, time=12 * STEP)]
    perf = read_midi(save(midi_file(track(*[], name="meter"), hits_track(hits, 60), meta=meta), tmp_path / "m.mid"))
    grid = quantize(perf)
    out = apply_swing(perf, grid, Swing(eighth=2 / 3))
    before = sorted(n.start for n in perf.notes)
    after = sorted(n.start for n in out.notes)
    three_four = [t for t in before if 16 * STEP <= t < 28 * STEP]
    assert three_four and all(t in after for t in three_four)
    assert len(after) == len(before) and after != before  # the 4/4 bars' off-beats moved


def test_swing_leaves_the_8ths_of_a_6_8_bar_where_they_are(tmp_path, tiny):
    """6/8 beats in dotted quarters: a swing of quarter-note 8ths has no place there."""
    import mido

    hits = []
    for bar in range(4):
        base = bar * 12 * STEP
        hits += [(base + k * STEP, HAT, 100) for k in range(0, 12, 2)]
        hits += [(base, KICK, 100), (base + 6 * STEP, SNARE, 100)]
    meter = [mido.MetaMessage("set_tempo", tempo=500_000), mido.MetaMessage("time_signature", numerator=6, denominator=8)]
    path = save(midi_file(track(name="tempo"), hits_track(hits, 60), meta=meter), tmp_path / "six-eight.mid")
    result = humanize(path, tiny, seed=0, genre="rock", notes="keep", timing_amount=0.0, swing=66)
    starts = sorted(n.start for n in result.performance.notes if n.pitch == HAT)
    assert starts == [t for t, p, _ in sorted(hits) if p == HAT]


def test_transfer_places_a_swing_preset_and_needs_one_feel_to_take(tmp_path, tiny):
    """``swing8`` is a placement in transfer as in humanize: the off-beats swing to a triplet feel."""
    from groovecli.generate.transfer import transfer

    sketch = eighths_sketch(tmp_path / "eighths.mid")
    result = transfer(sketch, sketch, tiny, seed=0, genre="rock", notes="keep", timing_amount=0.0,
                      timing_pattern="swing8")
    on, off = hat_positions(result.performance)
    assert len(off) == 32 and np.all((off % 1) > 0.6)
    with pytest.raises(GrooveError, match="exclude each other"):
        transfer(sketch, sketch, tiny, seed=0, velocity=False, timing=False)
