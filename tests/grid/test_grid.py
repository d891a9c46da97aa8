"""The drum grid: known placements, grid → MIDI → grid identity, windows."""

from __future__ import annotations

import mido
import numpy as np
import pytest
from conftest import hits_track, midi_file, save
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from groovecli.constants import CLOSED_HIHAT, KICK, N_DRUMS, SNARE
from groovecli.errors import GrooveError
from groovecli.grid.drumgrid import DrumGrid, from_windows, quantize, render, to_windows, window_starts
from groovecli.midi.drummap import GM
from groovecli.midi.performance import empty_performance
from groovecli.midi.read import read_midi
from groovecli.midi.write import to_midifile


def test_known_placements(tmp_path):
    hits = [
        (0, 36, 127),  # bar 1 step 0, on the grid
        (120 + 30, 38, 64),  # step 1, a quarter of a 16th late: offset +0.5
        (1920 - 20, 42, 100),  # 20 ticks before bar 2: its downbeat, early
    ]
    perf = read_midi(save(midi_file(hits_track(hits, 30)), tmp_path / "a.mid"))
    grid = quantize(perf)
    assert grid.hits.shape == (32, N_DRUMS)
    assert grid.hits.sum() == 3
    assert grid.hits[0, KICK] == 1 and grid.velocity[0, KICK] == pytest.approx(1.0) and grid.offset[0, KICK] == 0
    assert grid.velocity[1, SNARE] == pytest.approx(64 / 127) and grid.offset[1, SNARE] == pytest.approx(0.5)
    assert grid.hits[16, CLOSED_HIHAT] == 1 and grid.offset[16, CLOSED_HIHAT] == pytest.approx(-20 / 60)


def test_loudest_hit_represents_a_cell_and_the_flam_moves_with_it(tmp_path):
    perf = read_midi(save(midi_file(hits_track([(470, 38, 40), (480, 38, 110)], 30)), tmp_path / "f.mid"))
    grid = quantize(perf)
    assert grid.hits.sum() == 1 and grid.velocity[4, SNARE] == pytest.approx(110 / 127)
    out = render(perf, grid.with_values(grid.hits, grid.velocity / 2, grid.hits * 0.5))
    assert sorted((n.start, n.velocity) for n in out.notes) == [(500, 20), (510, 55)]


def test_removed_hits_drop_their_notes_and_meter_passes_through(tmp_path):
    hits = [(0, 36, 100), (480, 38, 100), (1920 + 480, 38, 100)]
    t = hits_track(hits, 30)
    perf = read_midi(save(midi_file(t), tmp_path / "a.mid"))
    grid = quantize(perf)
    cleared = grid.hits.copy()
    cleared[4, SNARE] = 0
    out = render(perf, grid.with_values(cleared, grid.velocity, grid.offset))
    assert sorted(n.start for n in out.notes) == [0, 2400]


def test_no_four_four_bar_is_an_error(tmp_path):
    meta = [mido.MetaMessage("time_signature", numerator=3, denominator=4)]
    perf = read_midi(save(midi_file(hits_track([(0, 36, 100)], 30), meta=meta), tmp_path / "w.mid"))
    with pytest.raises(GrooveError, match="no 4/4 bar \\(meters: 3/4\\)"):
        quantize(perf)


def test_notes_in_a_three_four_section_are_outside_the_grid(tmp_path):
    mf = midi_file(hits_track([], 30))
    events = [(0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
              (1920, mido.MetaMessage("time_signature", numerator=3, denominator=4)),
              (1920 + 1440, mido.MetaMessage("time_signature", numerator=4, denominator=4))]
    for tick, pitch in [(0, 36), (1920 + 240, 38), (1920 + 1440, 36)]:
        events += [(tick, mido.Message("note_on", channel=9, note=pitch, velocity=100)),
                   (tick + 30, mido.Message("note_off", channel=9, note=pitch))]
    events.sort(key=lambda e: e[0])
    last, trk = 0, mido.MidiTrack()
    for tick, msg in events:
        trk.append(msg.copy(time=tick - last))
        last = tick
    mf.tracks[0] = trk
    perf = read_midi(save(mf, tmp_path / "m.mid"))
    grid = quantize(perf)
    assert [b.meter for b in perf.bars] == ["4/4", "3/4", "4/4"]
    assert [b.index for b in grid.bars] == [0, 2]
    assert list(grid.note_cells >= 0) == [True, False, True]
    moved = render(perf, grid.with_values(grid.hits, grid.velocity, grid.hits * 0.5))
    assert sorted(n.start for n in moved.notes) == [30, 1920 + 240, 1920 + 1440 + 30]


# --- grid → MIDI → grid, for any grid ---------------------------------------------------------

@st.composite
def grids(draw):
    bars = draw(st.integers(1, 3))
    shape = (bars * 16, N_DRUMS)
    hits = draw(arrays(np.float32, shape, elements=st.sampled_from([0.0, 1.0])))
    vel = draw(arrays(np.float32, shape, elements=st.floats(0, 1, width=32)))
    off = draw(arrays(np.float32, shape, elements=st.floats(-1, 1, width=32, exclude_max=True)))
    off[0] = np.maximum(off[0], 0)  # nothing can be played before the song starts
    tpb = draw(st.sampled_from([24, 96, 100, 480, 960]))
    return bars, tpb, hits, vel * hits, off * hits


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids())
def test_grid_midi_grid_is_identity(tmp_path_factory, case):
    bars, tpb, hits, vel, off = case
    blank = empty_performance(bars, ticks_per_beat=tpb)
    grid = DrumGrid(hits, vel, off, blank.bars, np.zeros(0, np.int64))
    path = tmp_path_factory.mktemp("g") / "g.mid"
    to_midifile(render(blank, grid)).save(path)
    if hits.sum() == 0:
        with pytest.raises(GrooveError, match="no (drum )?notes"):
            read_midi(path, drum_map=GM)
        return
    back = quantize(read_midi(path, drum_map=GM))  # written with GM pitches: no detection here
    n = min(back.steps, hits.shape[0])
    np.testing.assert_array_equal(back.hits[:n], hits[:n])
    assert back.hits[n:].sum() == 0
    np.testing.assert_allclose(back.velocity[:n], np.maximum(vel, hits / 127)[:n] * hits[:n], atol=1 / 127 + 1e-6)
    one_tick = 1 / (tpb / 4 / 2)
    np.testing.assert_allclose(back.offset[:n], off[:n], atol=one_tick + 1e-6)


# --- windows ------------------------------------------------------------------------------------

@pytest.mark.parametrize("bars", [1, 2, 3, 7])
def test_windows_round_trip(bars):
    x = np.random.default_rng(bars).random((bars * 16, N_DRUMS)).astype(np.float32)
    w = to_windows(x)
    assert w.shape == (max(bars - 1, 1), 32, N_DRUMS)
    np.testing.assert_array_equal(from_windows(w, bars), x)
    if bars >= 3:
        np.testing.assert_array_equal(w[1, :16], x[16:32])  # 1-bar hop: windows overlap by a bar


def test_later_windows_supply_their_second_bar():
    w = np.zeros((3, 32, 1), np.float32)
    for i in range(3):
        w[i] = i + 1
    out = from_windows(w, 4)
    assert [out[b * 16, 0] for b in range(4)] == [1, 1, 2, 3]


def test_window_starts_reach_the_last_bar():
    assert window_starts(5, 2, 2) == [0, 2, 3]
    assert window_starts(1) == [0]
    with pytest.raises(ValueError, match="whole number of bars"):
        to_windows(np.zeros((20, 9)))


def test_a_late_last_hit_keeps_the_part_as_many_bars_long(tmp_path):
    """Every mode renders through ``render``: a hit on the last 16th pushed late keeps its note-off
    inside the last bar line, or a DAW shows (and loops) one more, empty bar."""
    hits = [(bar * 1920 + k * 120, 42, 100) for bar in range(4) for k in range(16)]
    perf = read_midi(save(midi_file(hits_track(hits, 100)), tmp_path / "sixteenths.mid"), drum_map=GM)
    grid = quantize(perf)
    late = grid.offset.copy()
    late[-1, CLOSED_HIHAT] = 0.9
    out = render(perf, grid.with_values(grid.hits, grid.velocity, late))
    assert len(out.bars) == len(perf.bars) == 4
    assert max(n.end for n in out.notes) <= 4 * 1920
    assert all(n.end > n.start for n in out.notes)
