"""Template and pattern rules on hand-made grids; drawn-pattern parsing."""

from __future__ import annotations

import numpy as np
import pytest

from groovecli.constants import CLOSED_HIHAT, CRASH, HIGH_TOM, KICK, LAID_BACK, ON_GRID, OPEN_HIHAT, PUSHED, RIDE, SNARE
from groovecli.errors import GrooveError
from groovecli.grid import drawn
from groovecli.grid.drawn import TIMING_PRESETS, VELOCITY_PRESETS, format_pattern
from groovecli.grid.patterns import derive_template, timing_pattern, velocity_pattern


def parse_pattern(text, kind):
    return np.asarray(drawn.parse_pattern(text, kind))


def window():
    return np.zeros((32, 9), np.float32), np.zeros((32, 9), np.float32), np.zeros((32, 9), np.float32)


def put(hits, vel, step, drum, v, off=None, offset=None):
    hits[step, drum], vel[step, drum] = 1, v / 127
    if offset is not None:
        offset[step, drum] = off


def test_snare_ghost_notes_go_backbeats_and_accents_stay():
    hits, vel, _ = window()
    for s, v in [(4, 100), (12, 96), (20, 104), (28, 98), (7, 30), (15, 45), (22, 110)]:
        put(hits, vel, s, SNARE, v)
    t = derive_template(hits, vel)
    assert sorted(np.nonzero(t[:, SNARE])[0].tolist()) == [4, 12, 20, 22, 28]
    assert set(np.unique(t)) <= {0.0, 1.0}


def test_snare_without_backbeats_uses_the_mean():
    hits, vel, _ = window()
    for s, v in [(2, 100), (6, 40), (10, 80)]:  # mean 73.3
        put(hits, vel, s, SNARE, v)
    assert np.nonzero(derive_template(hits, vel)[:, SNARE])[0].tolist() == [2, 10]


def test_kick_threshold_is_velocity_40():
    hits, vel, _ = window()
    for s, v in [(0, 39), (8, 40), (16, 127)]:
        put(hits, vel, s, KICK, v)
    assert np.nonzero(derive_template(hits, vel)[:, KICK])[0].tolist() == [8, 16]


def test_hihat_in_sixteenths_becomes_a_straight_sixteenth_line():
    hits, vel, _ = window()
    for s in range(0, 32):
        if s % 8 != 7:  # 28 hits >= 24: a 16th groove even with gaps
            put(hits, vel, s, CLOSED_HIHAT, 60)
    put(hits, vel, 30, OPEN_HIHAT, 90)
    t = derive_template(hits, vel)
    assert t[:, CLOSED_HIHAT].sum() == 32 and t[:, OPEN_HIHAT].sum() == 0 and t[:, RIDE].sum() == 0


def test_ride_in_eighths_sets_every_eighth_and_drops_toms_and_crash():
    hits, vel, _ = window()
    for s in (0, 4, 7, 8, 12, 15, 16, 20, 23, 24, 28, 31):  # jazz ride, 12 hits
        put(hits, vel, s, RIDE, 80)
    put(hits, vel, 4, CLOSED_HIHAT, 70)
    put(hits, vel, 0, CRASH, 120)
    put(hits, vel, 30, HIGH_TOM, 100)
    t = derive_template(hits, vel)
    assert np.nonzero(t[:, RIDE])[0].tolist() == list(range(0, 32, 2))
    assert t[:, CLOSED_HIHAT].sum() == 0 and t[:, CRASH].sum() == 0 and t[:, HIGH_TOM].sum() == 0


def test_template_works_on_batches():
    hits, vel, _ = window()
    put(hits, vel, 0, KICK, 100)
    batch_h, batch_v = np.stack([hits, np.zeros_like(hits)]), np.stack([vel, np.zeros_like(vel)])
    t = derive_template(batch_h, batch_v)
    assert t.shape == (2, 32, 9) and t[0, 0, KICK] == 1 and t[1].sum() == 0


def test_velocity_pattern_levels_of_the_dominant_cymbal():
    hits, vel, _ = window()
    for s, v in [(0, 127), (2, 76), (4, 13), (6, 64)]:
        put(hits, vel, s, CLOSED_HIHAT, v)
    put(hits, vel, 6, OPEN_HIHAT, 102)  # the louder hi-hat of the step counts
    put(hits, vel, 8, SNARE, 100)  # not a cymbal: no value
    p = velocity_pattern(hits, vel)
    assert p.dtype == np.int8 and p.shape == (32,)
    assert p[[0, 2, 4, 6, 8, 1]].tolist() == [5, 3, 1, 4, 0, 0]


def test_timing_pattern_classes():
    hits, vel, off = window()
    put(hits, vel, 0, KICK, 100, -0.5, off)
    put(hits, vel, 0, CLOSED_HIHAT, 100, 0.3, off)  # mean -0.1: on the grid
    put(hits, vel, 2, SNARE, 100, -0.4, off)
    put(hits, vel, 4, SNARE, 100, 0.2, off)
    p = timing_pattern(hits, off)
    assert p[[0, 2, 4, 1]].tolist() == [ON_GRID, PUSHED, LAID_BACK, 0]


def test_parse_drawn_patterns():
    v = parse_pattern("5.3.4.3.5.3.4.3.", "velocity")
    assert v.shape == (32,) and v[:4].tolist() == [5, 0, 3, 0] and v[16:20].tolist() == [5, 0, 3, 0]
    t = parse_pattern("0+0+0+0+", "timing")  # 8 steps repeat four times
    assert t.tolist() == [ON_GRID, LAID_BACK] * 16
    assert parse_pattern("5333 | 4333", "velocity")[:8].tolist() == [5, 3, 3, 3, 4, 3, 3, 3]
    assert (parse_pattern("laidback", "timing") == LAID_BACK).all()
    assert parse_pattern("Accent-Downbeats", "velocity")[:4].tolist() == [5, 3, 3, 3]
    assert parse_pattern("crescendo", "velocity")[[0, -1]].tolist() == [1, 5]


@pytest.mark.parametrize(
    "text,kind,message",
    [
        ("5.3x4.3.", "velocity", "'x' at column 4"),
        ("0+0+0+0+0+0+0+06", "timing", "'6' at column 16"),
        ("5.3.4.3.5.3.4.3", "velocity", "has 15 steps"),
        ("", "timing", "has 0 steps"),
        ("wobbly", "timing", r"'wobbly' is not a preset \(presets: on-grid, laidback"),
        ("laid-back", "timing", "'laid-back' is not a preset; did you mean laidback "),
        ("Swing 8", "timing", "did you mean swing8 "),
        ("accent_upbeat", "velocity", "did you mean accent-upbeats "),
    ],
)
def test_parse_errors_point_at_the_problem(text, kind, message):
    with pytest.raises(GrooveError, match=message):
        drawn.parse_pattern(text, kind)


def test_every_preset_parses_and_formats_back():
    for kind, presets in (("velocity", VELOCITY_PRESETS), ("timing", TIMING_PRESETS)):
        for name in presets:
            levels = parse_pattern(name, kind)
            np.testing.assert_array_equal(parse_pattern(format_pattern(levels, kind), kind), levels)
