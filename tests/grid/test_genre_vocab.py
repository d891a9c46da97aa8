"""`add`'s vocabulary per genre: the notes it keeps are the ones the genre's drummers add there
(a rock drummer's crash into the phrase and tom pickup at its end, a latin drummer's ride), as
many per bar as asked, never on the sketch's own cells; toms come as figures of a few notes,
never one lone tom inside the groove."""

from __future__ import annotations

import numpy as np
import pytest

from groovecli.constants import CLOSED_HIHAT, CRASH, HIGH_TOM, KICK, LOW_TOM, N_DRUMS, RIDE, SNARE, STEPS_PER_BAR
from groovecli.grid.genre_vocab import (
    HANDS,
    TOMS,
    added_rates,
    bar_kind,
    choose_added,
    cut_added,
    cymbal_kind,
    lone_toms,
    without_figures_in,
    without_lone_cymbals,
)
from groovecli.weights import bundled_dir

BARS = 8
needs_table = pytest.mark.skipif(bundled_dir() is None or not (bundled_dir() / "genre-vocab.json").exists(),
                                 reason="no bundled genre-vocab.json")


def rock_sketch(bars: int = BARS, line: int = CLOSED_HIHAT) -> np.ndarray:
    s = np.zeros((bars * STEPS_PER_BAR, N_DRUMS), bool)
    s[0::8, KICK] = True
    s[4::8, SNARE] = True
    s[0::2, line] = True
    return s


def added_counts(genre: str, sketch: np.ndarray, per_bar: int = 4, draws: int = 300) -> np.ndarray:
    """How often each cell (T, 9) is added over ``draws`` takes that draw on the table alone."""
    rng = np.random.default_rng(0)
    counts = np.full(len(sketch) // STEPS_PER_BAR, per_bar)
    return sum(choose_added(sketch, sketch, counts, genre, rng).astype(int) for _ in range(draws))


def test_a_phrase_has_a_downbeat_inner_bars_and_an_end():
    assert [bar_kind(b) for b in range(6)] == ["downbeat", "middle", "middle", "end", "downbeat", "middle"]
    assert cymbal_kind(rock_sketch(1)) == "hats" and cymbal_kind(rock_sketch(1, RIDE)) == "ride"


@needs_table
def test_as_many_notes_as_asked_per_bar_and_never_on_the_sketch():
    sketch = rock_sketch()
    counts = np.array([0, 1, 2, 3, 4, 5, 6, 200])
    out = choose_added(sketch, sketch, counts, "rock", np.random.default_rng(1))
    per_bar = out.reshape(BARS, STEPS_PER_BAR, N_DRUMS).sum((1, 2))
    free = (~sketch).reshape(BARS, -1).sum(1)
    assert per_bar[:-1].tolist() == counts[:-1].tolist()
    assert per_bar[-1] <= free[-1]  # toms come only as whole figures, so a bar asked for more than it has room
    assert not (out & sketch).any()


@needs_table
def test_rock_crashes_into_the_phrase_and_plays_toms_at_its_end():
    got = added_counts("rock", rock_sketch())
    bars = got.reshape(BARS, STEPS_PER_BAR, N_DRUMS)
    crash_on_one = bars[[0, 4], 0, CRASH].sum()
    assert crash_on_one > bars[[1, 2, 5, 6], 0, CRASH].sum() / 2  # per bar, more on a phrase's first downbeat
    assert crash_on_one > bars[[0, 4], 1:, CRASH].max(1).sum()  # and on the 1 rather than anywhere else in it
    toms = bars[:, :, LOW_TOM : HIGH_TOM + 1].sum(2)
    assert toms[[3, 7]].sum() > toms[[1, 2, 5, 6]].sum() / 2  # per bar, more in the phrase's last bar
    assert toms[[3, 7], 12:].sum() > toms[[1, 2, 5, 6], 12:].sum() / 2  # and in its last beat, the pickup


@needs_table
def test_latin_goes_to_the_ride_more_than_rock_and_funk_over_a_hi_hat_sketch():
    def ride_share(genre: str) -> float:
        got = added_counts(genre, rock_sketch())
        return got[:, RIDE].sum() / got.sum()

    latin = ride_share("latin")
    assert latin > ride_share("rock") and latin > ride_share("funk")
    assert added_rates("latin", rock_sketch(1), 1)[:, RIDE].sum() > 0.5


@needs_table
def test_the_decorators_own_notes_are_kept_first():
    sketch = rock_sketch()
    drawn = sketch.copy()
    drawn[3::STEPS_PER_BAR, KICK] = True  # the decorator's pickup kick before beat 2
    alone = added_counts("rock", sketch, per_bar=2, draws=200)[3::STEPS_PER_BAR, KICK].mean() / 200
    kept = sum(choose_added(sketch, drawn, np.full(BARS, 2), "rock", np.random.default_rng(s))[3::STEPS_PER_BAR, KICK]
               for s in range(200)).mean() / 200
    assert kept > 5 * alone


def test_a_lone_tom_is_one_no_tom_or_crash_joins_within_a_beat():
    part = np.zeros((32, N_DRUMS), bool)
    notes = part.copy()
    notes[2, LOW_TOM] = True  # alone
    notes[14, HIGH_TOM] = notes[15, LOW_TOM] = True  # a pickup
    notes[24, HIGH_TOM] = notes[28, CRASH] = True  # a tom into the crash, a beat later
    assert np.argwhere(lone_toms(part, notes)).tolist() == [[2, LOW_TOM]]
    part[2, LOW_TOM] = True  # the user's own tom is the user's business
    assert not lone_toms(part, notes).any()


@needs_table
@pytest.mark.parametrize("genre", ["rock", "funk", "latin", "jazz"])
def test_toms_come_as_figures_on_free_hands(genre):
    """Every added tom has another tom within a beat; where a figure plays, no other added hand
    note joins it, and it never lands where the part already keeps both hands busy."""
    sketch = rock_sketch()
    toms = 0
    for seed in range(60):
        out = choose_added(sketch, sketch, np.full(BARS, 6), genre, np.random.default_rng(seed))
        toms += out[:, list(TOMS)].sum()
        assert not lone_toms(sketch, out).any()
        on_toms = out[:, list(TOMS)].any(1)
        assert ((sketch | out)[on_toms][:, HANDS].sum(1) <= 2).all()
    assert toms > 0


@needs_table
def test_cutting_added_notes_cuts_whole_figures_last():
    sketch = rock_sketch()
    rng = np.random.default_rng(3)
    out = sketch | choose_added(sketch, sketch, np.full(BARS, 6), "rock", rng)
    n_added = int((out & ~sketch).sum())
    toms = int(out[:, list(TOMS)].sum())
    assert toms > 0
    kept = cut_added(sketch, out, n_added - 3, rng)
    assert (kept & ~sketch).sum() == n_added - 3 and kept[:, list(TOMS)].sum() == toms  # the others go first
    few = cut_added(sketch, out, 1, rng)
    assert (few & ~sketch).sum() <= 1 and not lone_toms(sketch, few).any()


def test_a_bar_a_fill_takes_loses_the_figures_that_start_in_it_and_nothing_else():
    part = rock_sketch(2).astype(np.float32)
    hits = part.copy()
    hits[14, HIGH_TOM] = hits[15, LOW_TOM] = 1  # a pickup from bar 1 into bar 2: it answers the fill
    hits[20, HIGH_TOM] = hits[21, HIGH_TOM] = 1  # a figure inside bar 2, where the fill will play
    hits[22, SNARE] = 1  # an added ghost note stays
    out = without_figures_in(part, hits, frozenset({1}))
    assert out[14, HIGH_TOM] == out[15, LOW_TOM] == 1 and out[20:22, HIGH_TOM].sum() == 0 and out[22, SNARE] == 1
    assert np.array_equal(without_figures_in(part, hits, frozenset()), hits)


def test_lone_cymbals_off_the_beat_go_and_the_rest_stay():
    part = np.zeros((32, N_DRUMS), np.float32)
    part[::2, CLOSED_HIHAT] = 1
    part[13, RIDE] = 1  # the user's own ride stays, wherever it is
    hits = part.copy()
    hits[6, RIDE] = hits[30, CRASH] = 1  # added, off the beat, alone: go
    hits[16, CRASH] = 1  # added on the beat: stays
    hits[21, RIDE] = hits[23, RIDE] = 1  # added, but together: a figure, stays
    out = without_lone_cymbals(part, hits)
    assert np.flatnonzero(out[:, RIDE]).tolist() == [13, 21, 23]
    assert np.flatnonzero(out[:, CRASH]).tolist() == [16]
    assert (out[:, CLOSED_HIHAT] == part[:, CLOSED_HIHAT]).all()
