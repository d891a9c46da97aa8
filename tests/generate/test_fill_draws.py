"""Fills as busy and unbroken as GMD's drummers' (best of several draws), and a fill's hands."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from conftest import hits_track, midi_file, save

from groovecli.constants import CLOSED_HIHAT, HIGH_TOM, N_DRUMS, SNARE, STEPS_PER_BAR
from groovecli.generate.fill import fill
from groovecli.grid.drumgrid import half_step_ms
from groovecli.grid.fill_shape import TRAIN_QUANTILES, shape
from groovecli.grid.hands import grid_clusters
from groovecli.midi.read import read_midi

STEP = 120


def rock(tmp_path, bars: int = 4, hat_every: int = 2) -> str:
    """Stiff rock: hi-hat every ``hat_every`` 16ths, snare on 2 and 4, kick on 1 and 3."""
    hits = []
    for bar in range(bars):
        base = bar * 16 * STEP
        hits += [(base + k * STEP, 42, 100) for k in range(0, 16, hat_every)]
        hits += [(base + k * STEP, 38, 100) for k in (4, 12)]
        hits += [(base + k * STEP, 36, 100) for k in (0, 8)]
    return str(save(midi_file(hits_track(hits, 60)), tmp_path / "rock.mid"))


def test_fills_play_as_busy_and_unbroken_as_most_of_the_train_drummers_fills(tmp_path):
    # one draw of the fill model leaves gaps: on this sketch its fills average 2.3 snare and tom
    # hits and 2.3 drum 16ths per fill beat over these seeds, under the train drummers' 35th
    # percentile fill; the best of several draws reaches it
    song = read_midi(rock(tmp_path))
    shapes = []
    for seed in range(16):
        hits = fill(song, (2, 2), genre="rock", seed=seed).after.hits
        shapes.append(shape(hits[STEPS_PER_BAR : 2 * STEPS_PER_BAR], hits[:STEPS_PER_BAR]))
    assert all(s is not None for s in shapes)  # every fill has fill beats
    busy, unbroken = np.mean(shapes, axis=0)
    assert busy >= TRAIN_QUANTILES[3][0] and unbroken >= TRAIN_QUANTILES[3][1]


class RollModel:
    """A stand-in fill model: plays the fill bar's sketch for three beats, then a snare and high
    tom roll on every 16th of the last beat, landing on nothing."""

    config = SimpleNamespace(genres=["rock"], z_dim=4)

    def generate(self, cond, genre, z, rand, *, temperature, forced, force_mask):
        hits = np.array(cond[..., :N_DRUMS], np.float32)
        hits[:, STEPS_PER_BAR + 12 : 2 * STEPS_PER_BAR] = 0
        hits[:, STEPS_PER_BAR + 12 : 2 * STEPS_PER_BAR, [SNARE, HIGH_TOM]] = 1
        hits[:, 2 * STEPS_PER_BAR :] = 0
        return {"hits": hits, "velocity": hits * 0.8, "offset": np.zeros_like(hits)}


def test_in_a_fills_beats_the_hi_hat_gives_way_to_the_fills_snare_and_toms(tmp_path):
    # 16th hats under a snare-and-tom roll need three hands: the drummer's hands go to the roll
    path = rock(tmp_path, hat_every=1)
    song = read_midi(path)
    result = fill(song, (2, 2), RollModel(), genre="rock", seed=0)
    hits, before = result.after.hits, result.before.hits
    roll = slice(STEPS_PER_BAR + 12, 2 * STEPS_PER_BAR)
    assert (hits[roll][:, [SNARE, HIGH_TOM]] == 1).all()  # none of the roll was dropped
    assert not hits[roll][:, CLOSED_HIHAT].any()
    assert grid_clusters(hits, result.after.offset, half_step_ms(song, result.before.bars)).max() <= 2
    outside = np.ones(len(hits), bool)
    outside[STEPS_PER_BAR : 2 * STEPS_PER_BAR] = False
    assert (hits[outside][before[outside] > 0] == 1).all()  # every other bar keeps every note
    assert result.report["fill_replaced"] == int(((before > 0) & (hits == 0)).sum())
