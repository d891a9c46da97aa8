"""`add`'s vocabulary per genre: the notes it keeps are the ones the genre's drummers add there
(a rock drummer's crash into the phrase and tom pickup at its end, a latin drummer's ride), as
many per bar as asked, never on the sketch's own cells."""

from __future__ import annotations

import numpy as np
import pytest

from groovecli.constants import CLOSED_HIHAT, CRASH, HIGH_TOM, KICK, LOW_TOM, N_DRUMS, RIDE, SNARE, STEPS_PER_BAR
from groovecli.grid.genre_vocab import added_rates, bar_kind, choose_added, cymbal_kind
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
    assert per_bar.tolist() == np.minimum(counts, free).tolist()
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
