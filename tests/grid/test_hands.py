"""One drummer, two hands: cluster counting, the speed limit, and every mode's output playable."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO

from groovecli.constants import CLOSED_HIHAT, CRASH, HIGH_TOM, KICK, RIDE, SNARE
from groovecli.grid.drumgrid import half_step_ms, half_step_ms_at
from groovecli.grid.hands import CLUSTER_MS, SINGLE_HAND_MS, cluster_hands, grid_clusters, playable

ROCK = REPO / "examples" / "rock.mid"


def grid(cells: list[tuple[int, int]], steps: int = 16) -> np.ndarray:
    hits = np.zeros((steps, 9), np.float32)
    for step, drum in cells:
        hits[step, drum] = 1
    return hits


def test_clusters_count_hands_not_feet():
    times = np.array([0.0, 5.0, 10.0, 20.0, 200.0, 205.0])
    hand = np.array([True, True, False, True, True, True])  # a kick in the first cluster
    assert cluster_hands(times, hand).tolist() == [3, 2]
    assert cluster_hands(np.array([0.0, CLUSTER_MS + 1]), np.array([True, True])).tolist() == [1, 1]


def test_playable_drops_an_added_third_hand_and_never_a_users_note():
    hits = grid([(0, KICK), (0, SNARE), (0, CLOSED_HIHAT), (0, CRASH), (4, SNARE), (4, HIGH_TOM), (4, RIDE)])
    users = grid([(0, KICK), (0, SNARE), (0, CLOSED_HIHAT), (4, SNARE)]) > 0
    velocity = hits * 0.5
    velocity[4, RIDE] = 0.9  # the louder added note wins the second hand
    clock = half_step_ms_at(120.0, 16)
    out = playable(hits, np.zeros_like(hits), clock, users, velocity)
    assert (out[users] == 1).all()  # the user's three-note downbeat stays as written
    assert out[0, CRASH] == 0 and out[4, RIDE] == 1 and out[4, HIGH_TOM] == 0
    assert grid_clusters(out, np.zeros_like(out), clock).max() <= 3


def test_playable_keeps_a_hand_below_its_fastest_stroke():
    """Three hand notes 10 ms apart each (32nds at a tempo no hand plays): the third waits."""
    hits = grid([(0, SNARE), (1, SNARE), (2, SNARE), (3, SNARE)])
    clock = np.full(16, 5.0)  # half a 16th is 5 ms: 16ths 10 ms apart
    out = playable(hits, np.zeros_like(hits), clock, np.zeros(hits.shape, bool))
    times = np.flatnonzero(out[:, SNARE]) * 10.0
    assert len(times) >= 2 and all(c - a >= SINGLE_HAND_MS for a, c in zip(times, times[2:]))


def over_two(hits, offset, half_ms) -> int:
    return int((grid_clusters(hits, offset, half_ms) > 2).sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_three_hand_cluster_in_sample_drumify_and_fills(seed, tmp_path):
    from groovecli.generate.drumify import drumify
    from groovecli.generate.humanize import humanize
    from groovecli.generate.sample import sample

    for genre in ("rock", "jazz", "funk"):
        s = sample(genre=genre, bars=8, seed=seed)
        assert over_two(s.after.hits, s.after.offset, half_step_ms(s.performance, s.after.bars)) == 0
    d = drumify(REPO / "examples" / "bassline.mid", genre="funk", seed=seed)
    assert over_two(d.after.hits, d.after.offset, half_step_ms(d.performance, d.after.bars)) == 0
    f = humanize(ROCK, genre="rock", seed=seed, fills="4")
    before = f.before.hits > 0.5
    # the user's own notes may need three hands: only what groove wrote is held to two
    users = grid_clusters(np.where(before, 1.0, 0.0), f.before.offset, half_step_ms(f.performance, f.before.bars))
    assert over_two(f.after.hits, f.after.offset, half_step_ms(f.performance, f.after.bars)) <= int((users > 2).sum())
