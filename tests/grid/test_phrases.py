"""Grooves that loop: held two-bar grooves varied at phrase ends, and the crash after a phrase."""

from __future__ import annotations

import numpy as np
import pytest

from groovecli.constants import CLOSED_HIHAT, CRASH, KICK, SNARE, STEPS_PER_BAR
from groovecli.grid.phrases import HOLD, TURN, held, held_weights, land
from groovecli.weights import bundled_dir


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0.5, b > 0.5
    return float((a & b).sum() / max((a | b).sum(), 1))


def bar_overlaps(hits: np.ndarray) -> list[float]:
    bars = hits.reshape(-1, STEPS_PER_BAR, hits.shape[-1])
    return [overlap(a, b) for a, b in zip(bars, bars[1:])]


def test_held_plays_the_groove_and_varies_most_at_phrase_ends():
    rng = np.random.default_rng(0)
    groove = (rng.random((2 * STEPS_PER_BAR, 9)) < 0.3).astype(np.float32)
    drawn = (rng.random((16 * STEPS_PER_BAR, 9)) < 0.3).astype(np.float32)  # a churning draw
    out = held(groove, drawn, np.random.default_rng(1))
    bars = out.reshape(16, STEPS_PER_BAR, 9)
    first = groove[:STEPS_PER_BAR]
    near = [overlap(bars[b], first) for b in (0, 2, 4)]
    assert min(near) > 0.7  # the groove's first bar comes round again and again
    w = held_weights(16)
    assert w[7] == w[15] == TURN and w[0] == HOLD
    ends = np.mean([overlap(bars[b], drawn.reshape(16, STEPS_PER_BAR, 9)[b]) for b in (7, 15)])
    inside = np.mean([overlap(bars[b], drawn.reshape(16, STEPS_PER_BAR, 9)[b]) for b in (0, 1, 2, 4, 5)])
    assert ends > inside  # the draw comes through at the 8-bar phrase ends


def test_land_puts_a_crash_where_the_hat_was_after_each_8_bar_phrase():
    hits = np.zeros((17 * STEPS_PER_BAR, 9), np.float32)
    hits[::2, CLOSED_HIHAT] = hits[::8, KICK] = 1
    velocity, offset = hits * 0.7, hits * 0.0
    offset[8 * STEPS_PER_BAR, KICK] = -0.2
    land(hits, velocity, offset)
    downbeats = np.flatnonzero(hits[:, CRASH])
    assert downbeats.tolist() == [8 * STEPS_PER_BAR, 16 * STEPS_PER_BAR]
    assert not hits[downbeats, CLOSED_HIHAT].any() and offset[8 * STEPS_PER_BAR, CRASH] == -0.2


@pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
def test_a_sampled_8_bar_groove_repeats():
    from groovecli.generate.sample import sample

    means = []
    for genre in ("rock", "funk", "jazz"):
        take = sample(genre=genre, bars=8, seed=3)
        bars = take.after.hits.reshape(8, STEPS_PER_BAR, 9)
        means.append(np.mean(bar_overlaps(take.after.hits)))
        comes_round = [overlap(bars[0], bars[2]), overlap(bars[2], bars[4])]  # the groove comes round, varied
        assert np.mean(comes_round) >= 0.6 and min(comes_round) >= 0.5
    assert np.mean(means) >= 0.5  # the prior's own chain: about 0.3


@pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
def test_a_long_sample_fills_the_end_of_its_phrase_and_lands_on_a_crash():
    from groovecli.generate.sample import sample
    from groovecli.grid.fill_bars import TOMS

    take = sample(genre="rock", bars=16, seed=2)
    bars = take.after.hits.reshape(16, STEPS_PER_BAR, 9)
    assert bars[7][:, TOMS].sum() > bars[6][:, TOMS].sum()  # bar 8 is a fill
    assert bars[8][0, CRASH] and not bars[8][0, CLOSED_HIHAT]  # bar 9 opens on a crash


def test_a_quiet_drawn_bar_does_not_empty_a_phrase_end():
    """A continuation's prior can go quiet for a bar; at a phrase end, where the drawn bar counts
    most, the groove is still played (with what was drawn added), not a near-empty bar."""
    groove = np.zeros((2 * STEPS_PER_BAR, 9), np.float32)
    groove[::2, CLOSED_HIHAT] = groove[::8, KICK] = 1
    drawn = np.tile(groove, (4, 1))
    drawn[7 * STEPS_PER_BAR :] = 0  # the 8th bar, a phrase end, drawn all but silent
    drawn[7 * STEPS_PER_BAR + 4, SNARE] = 1
    for seed in range(5):
        out = held(groove, drawn, np.random.default_rng(seed), hold=(0.8, 0.55, 0.0))
        last = out[7 * STEPS_PER_BAR :]
        assert last.sum() >= groove[STEPS_PER_BAR:].sum() and last[4, SNARE] == 1
