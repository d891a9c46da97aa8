"""A fill's shape in its beats, and the choice among the fill model's draws."""

from __future__ import annotations

import numpy as np

from groovecli.constants import CLOSED_HIHAT, HIGH_TOM, N_DRUMS, SNARE
from groovecli.grid.fill_shape import fill_beats, pick, shape


def test_fill_beats_start_where_a_tom_or_a_new_snare_comes_in():
    fresh = np.zeros((16, N_DRUMS), bool)
    assert not fill_beats(fresh).any()
    fresh[9, HIGH_TOM] = True
    assert fill_beats(fresh).tolist() == [False] * 8 + [True] * 8
    assert fill_beats(fresh[8:]).all()  # a fill kept to the last two beats


def test_pick_takes_the_draw_nearest_the_target_and_never_one_without_a_fill():
    groove = np.zeros((16, N_DRUMS), np.float32)
    groove[::2, CLOSED_HIHAT] = 1
    none = groove.copy()  # no fill beats at all
    sparse = groove.copy()
    sparse[12, HIGH_TOM] = 1  # one tom in the last beat: 1 hit, one of its 16ths (the hats do not count)
    roll = groove.copy()
    roll[12:, SNARE] = 1  # a 16th roll in the last beat: 4 and 4
    assert shape(sparse, groove) == (1.0, 1.0) and shape(roll, groove) == (4.0, 4.0)
    candidates = np.stack([none, sparse, roll])
    assert pick(candidates, groove, (4.0, 4.0)) == 2
    assert pick(candidates, groove, (1.25, 2.0)) == 1
    assert pick(candidates[:1], groove, (4.0, 4.0)) == 0
