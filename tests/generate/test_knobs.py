"""--density and --syncopation: parsing, the note choice, and the knobs on real commands."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO

from groovecli.errors import GrooveError
from groovecli.generate.continue_ import continue_song
from groovecli.generate.humanize import HumanizeOptions, humanize
from groovecli.generate.sample import sample
from groovecli.grid.features import song_syncopation
from groovecli.grid.knobs import Density, parse_density, steer


@pytest.mark.parametrize("text,expected", [("+50%", Density(0.5, True)), ("-25%", Density(-0.25, True)),
                                           ("24", Density(24.0, False)), (" 100 % ", Density(1.0, True))])
def test_density_parses(text, expected):
    assert parse_density(text) == expected


@pytest.mark.parametrize("text,fragment", [("lots", "give notes per bar"), ("+150%", r"between -50% and \+100%"),
                                           ("0", "between 1 and 144")])
def test_bad_densities_are_clear(text, fragment):
    with pytest.raises(GrooveError, match=fragment):
        parse_density(text)


def test_density_plays_the_most_likely_cells_bar_by_bar():
    rng = np.random.default_rng(0)
    p = rng.random((64, 9))
    sketch = np.zeros((64, 9))
    sketch[::4, 0] = 1  # 4 kicks a bar
    allowed = np.ones((64, 9), bool)
    notes = steer(p, sketch, allowed, keep_sketch=True, density=10)
    per_bar = notes.reshape(4, -1).sum(1)
    assert per_bar.tolist() == [10, 10, 10, 10]
    assert (notes[sketch > 0] == 1).all()
    for bar in range(4):  # the 6 cells added to each bar are its 6 most likely free cells
        rows = slice(bar * 16, (bar + 1) * 16)
        free = np.where(sketch[rows] == 0, p[rows], -1.0).ravel()
        added = ((notes[rows] > 0) & (sketch[rows] == 0)).ravel()
        assert set(np.flatnonzero(added)) == set(np.argsort(free)[::-1][:6])
    silent = sketch.copy()
    silent[16:32] = 0  # a silent bar stays silent
    assert steer(p, silent, allowed, keep_sketch=True, density=10)[16:32].sum() == 0


def test_syncopation_tilts_towards_the_target():
    rng = np.random.default_rng(1)
    p = rng.random((64, 9)) * 0.9
    sketch = np.zeros((64, 9))
    sketch[::8, 0] = sketch[4::8, 1] = 1
    allowed = np.ones((64, 9), bool)
    low, high = (song_syncopation(steer(p, sketch, allowed, keep_sketch=True, density=12, syncopation=t))
                 for t in (0.0, 2.0))
    assert high > low + 0.3


def test_knobs_move_humanize_sample_and_continue(tiny):
    rock = REPO / "examples" / "rock.mid"
    plain = humanize(rock, tiny, genre="rock", seed=0)
    sketch_per_bar = plain.before.hits.sum() / (plain.before.steps / 16)
    doubled = humanize(rock, tiny, genre="rock", seed=0, density="+100%").after
    assert doubled.hits.sum() / (doubled.steps / 16) == pytest.approx(2 * sketch_per_bar, abs=0.5)
    low, high = (song_syncopation(humanize(rock, tiny, genre="rock", seed=0, density="24", syncopation=t).after.hits)
                 for t in (0.0, 1.5))
    assert high > low
    # the asked count, less any note two hands could not play (grid/hands.py)
    grid = sample(tiny, genre="funk", bars=4, seed=0, density="20").after
    assert 78 <= grid.hits.sum() <= 80
    out = continue_song(rock, tiny, bars=2, genre="rock", seed=0, density="10")
    assert 19 <= out.report["notes_added"] <= 20


def test_a_knob_needs_notes_to_choose():
    with pytest.raises(GrooveError, match="use them with --notes add or free"):
        HumanizeOptions(notes="keep", density="+50%")
    with pytest.raises(GrooveError, match="--syncopation must be between 0 and 2"):
        HumanizeOptions(syncopation=3.0)


def test_knob_errors_come_before_the_model(runner):
    from groovecli.cli import cli

    result = runner.invoke(cli, ["humanize", str(REPO / "examples" / "rock.mid"), "--density", "lots"])
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        "error: --density 'lots': give notes per bar (e.g. 24) or a change like +50% or -25%"]


def test_sample_draws_takes_so_that_the_kit_comes_out_in_the_genres_proportions():
    from groovecli.generate.sample import take_matching

    hits = np.zeros((4, 2, 32, 9), np.float32)
    hits[:3, :, ::2, 2] = 1  # three hi-hat takes
    hits[3, :, ::2, 8] = 1  # one ride take
    hits[:, :, ::8, 0] = 1  # every take: a kick on the beats
    gen = np.random.default_rng(0)
    ride_share = [0.2, 0, 0.6, 0, 0, 0, 0, 0, 0.2]  # the genre's drummers: a quarter of the takes ride
    picks = [take_matching(hits, ride_share, gen) for _ in range(2000)]
    assert abs(picks.count(3) / len(picks) - 0.25) < 0.04
    only_ride = [0.2, 0, 0, 0, 0, 0, 0, 0, 0.8]
    assert {take_matching(hits, only_ride, gen) for _ in range(50)} == {3}
    again = [take_matching(hits, ride_share, np.random.default_rng(s)) for s in range(5)]
    assert again == [take_matching(hits, ride_share, np.random.default_rng(s)) for s in range(5)]


def test_density_on_interpolate_sets_the_in_betweens(tiny):
    from groovecli.generate.interpolate import interpolate

    rock, funk = (REPO / "examples" / f"{n}.mid" for n in ("rock", "funk"))
    result = interpolate(rock, funk, tiny, steps=4, genre="rock", seed=0, density="30")
    assert result.report["notes_per_bar"][1:-1] == pytest.approx([30.0, 30.0], abs=1)  # less what two hands cannot play
