"""`--notes add`'s decorator: the sketch's notes always sound, added notes stay in the cells they
may use, consecutive windows agree on the bar they share, and a seed repeats a take."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from conftest import REPO

from groovecli.constants import CLOSED_HIHAT, KICK, N_DRUMS, RIDE, SNARE, STEPS_PER_BAR
from groovecli.generate import notes
from groovecli.generate.decorate import COND_DIM, PLAYED_PER_SKETCH_NOTE, add_budget, condition, decorate_windows
from groovecli.generate.humanize import HumanizeOptions, humanize, humanize_grid
from groovecli.lab.data import GENRES
from groovecli.lab.train_cond import decorate_arrays
from groovecli.nn.cond_vae import CondConfig, CondVAE
from groovecli.runtime.load import load_networks
from groovecli.runtime.networks import CondNet
from groovecli.runtime.torch_graphs import cond_torch_graphs
from groovecli.weights import bundled_dir

W = 4


def sketch_windows(n: int = W) -> np.ndarray:
    """Rock sketches: kick on 1 and 3, snare on 2 and 4, hats on the 8ths, in every bar."""
    s = np.zeros((n, 32, N_DRUMS), np.float32)
    s[:, 0::8, KICK] = 1
    s[:, 4::8, SNARE] = 1
    s[:, 0::2, CLOSED_HIHAT] = 1
    return s


@pytest.fixture(scope="module")
def module():
    torch.manual_seed(0)
    return CondVAE(CondConfig("decorate", COND_DIM, 32, GENRES)).eval()


@pytest.fixture(scope="module")
def model(module):
    """The untrained decorator's sampling loop (runtime/networks.py) over its torch module."""
    return CondNet(cond_torch_graphs(module, module.cfg.to_dict()))


def test_condition_is_the_template_and_the_16th_of_the_bar():
    t = sketch_windows(2)
    c = condition(t)
    assert c.shape == (2, 32, N_DRUMS + STEPS_PER_BAR)
    np.testing.assert_array_equal(c[..., :N_DRUMS], t)
    assert (c[..., N_DRUMS:].argmax(-1) == np.arange(32) % STEPS_PER_BAR).all()


def test_training_arrays_pair_templates_with_the_drummers_notes(fixture_dataset):
    a = decorate_arrays(fixture_dataset)
    np.testing.assert_array_equal(a["cond"][..., :N_DRUMS], fixture_dataset.template)
    np.testing.assert_array_equal(a["hits"], fixture_dataset.hits)
    assert a["mask"].shape == fixture_dataset.hits.shape[:2] and (a["mask"] == 1).all()


@pytest.mark.parametrize("chain_windows", [None, 1])
def test_every_sketch_note_sounds_and_added_notes_stay_in_allowed_cells(model, chain_windows):
    sketch = sketch_windows()
    allowed = notes.decorations(sketch)
    genre = np.zeros(W, np.int64)
    out = decorate_windows(model, sketch, sketch, genre, np.random.default_rng(0), 1.0, allowed,
                           chain_windows=chain_windows)
    assert out.shape == sketch.shape
    assert (out >= sketch).all()
    added = out - sketch
    assert added.sum() > 0  # an untrained model at temperature 1 draws plenty
    assert (added * (1 - allowed)).sum() == 0  # no ride, toms or crash over a hi-hat sketch
    assert added[..., RIDE].sum() == 0


def test_chained_windows_share_the_bar_they_overlap_on(model):
    sketch = sketch_windows()
    out = decorate_windows(model, sketch, sketch, np.zeros(W, np.int64), np.random.default_rng(1), 1.0, None,
                           fresh=frozenset({2}))
    for w in (1, 3):  # each window's first bar is the bar the one before it drew
        np.testing.assert_array_equal(out[w, :STEPS_PER_BAR], out[w - 1, STEPS_PER_BAR:])
    assert not np.array_equal(out[2, :STEPS_PER_BAR], out[1, STEPS_PER_BAR:])  # window 2 opens a new run


def test_a_seed_repeats_the_take_and_another_seed_does_not(model):
    sketch, genre = sketch_windows(), np.zeros(W, np.int64)

    def take(seed):
        return decorate_windows(model, sketch, sketch, genre, np.random.default_rng(seed), 1.0, None)

    assert np.array_equal(take(3), take(3))
    assert not np.array_equal(take(3), take(4))


def test_a_given_prefix_equals_drawing_it_step_by_step(module):
    """``prefix`` runs the given bar as one GRU call; feeding the same notes one step at a time
    (``forced``) must leave the decoder in the same state, so the drawn second bar is the same."""
    sketch = sketch_windows(1)
    sketch = torch.as_tensor(sketch)
    cond = torch.as_tensor(condition(sketch.numpy()))
    genre, z = torch.zeros(1, dtype=torch.long), torch.zeros(1, 16)
    given = sketch.clone()
    given[0, 2:STEPS_PER_BAR:4, SNARE] = 1  # some ghost notes in the first bar
    mask = torch.zeros(1, 32, dtype=torch.bool)
    mask[:, :STEPS_PER_BAR] = True
    a = module.generate(cond, genre, z, generator=torch.Generator().manual_seed(5), prefix=given[:, :STEPS_PER_BAR])
    b = module.generate(cond, genre, z, generator=torch.Generator().manual_seed(5), forced=given, force_mask=mask)
    torch.testing.assert_close(a["hits"], b["hits"])
    torch.testing.assert_close(a["velocity"], b["velocity"])


def test_weights_without_a_decorator_beside_them_decorate_with_the_prior(tiny_weights):
    loaded = load_networks(tiny_weights)
    assert loaded.decorator is None


@pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
def test_bundled_add_keeps_every_note_and_adds_decorations():
    loaded = load_networks()
    assert loaded.decorator is not None
    example = REPO / "examples" / "rock.mid"
    take = humanize(example, loaded, HumanizeOptions(genre="rock", notes="add", seed=0))
    before, after = take.before.hits > 0.5, take.after.hits > 0.5
    assert (after >= before).all() and after.sum() > before.sum()
    prior_only = humanize(example, replace(loaded, decorator=None), HumanizeOptions(genre="rock", notes="add", seed=0))
    assert (prior_only.after.hits > 0.5).sum() > before.sum()
    assert not np.array_equal(prior_only.after.hits, take.after.hits)


@pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
def test_add_on_a_busy_played_part_adds_few_notes_and_a_sketch_gains_what_drummers_play():
    """A GMD drummer's own performance, quantized, is busy already: ``add`` leaves it almost as it
    is; the sketch of the same part gains notes, up to about the drummer's count."""
    from groovecli.grid.drumgrid import from_windows, quantize, to_windows
    from groovecli.grid.patterns import derive_template
    from groovecli.midi.drummap import GMD
    from groovecli.midi.read import read_midi

    loaded = load_networks()
    path = sorted((REPO / "tests" / "data" / "gmd").rglob("*beat*.mid"))[0]
    played = quantize(read_midi(path, drum_map=GMD))
    played = played.with_values(played.hits, played.velocity, np.zeros_like(played.offset))
    out = humanize_grid(played, loaded, HumanizeOptions(genre="funk", seed=0)).grid
    assert out.hits.sum() <= 1.1 * played.hits.sum()
    n_bars = played.steps // STEPS_PER_BAR
    sketch = from_windows(derive_template(to_windows(played.hits), to_windows(played.velocity)), n_bars)
    stiff = played.with_values(sketch, sketch * 0.8, np.zeros_like(sketch))
    grown = humanize_grid(stiff, loaded, HumanizeOptions(genre="funk", seed=0)).grid
    assert sketch.sum() < grown.hits.sum() <= 1.1 * max(played.hits.sum(), PLAYED_PER_SKETCH_NOTE["funk"] * sketch.sum())


def test_add_budget_follows_the_parts_own_density():
    sketch = np.zeros((32, 9), np.float32)
    sketch[::2, CLOSED_HIHAT] = sketch[[0, 8, 16, 24], KICK] = sketch[[4, 12, 20, 28], SNARE] = 1
    bars, whole = add_budget(sketch, sketch, "rock")
    assert whole == round(2 * (PLAYED_PER_SKETCH_NOTE["rock"] * 12 - 12))  # a sketch gains what rock drummers add
    assert (bars >= whole / 2).all()
    busy = sketch.copy()
    ghosts, soft_kicks = [3, 7, 11, 19, 23, 27], [6, 14, 22, 30]
    busy[ghosts, SNARE] = busy[soft_kicks, KICK] = 1  # ghost notes and a feathered kick: played already
    velocity = busy * 0.9
    velocity[ghosts, SNARE] = velocity[soft_kicks, KICK] = 0.2
    assert add_budget(busy, velocity, "rock")[1] == 0


def test_window_chains_start_at_fresh_windows_and_every_size_windows():
    from groovecli.generate.chains import window_chains

    assert window_chains(0) == []
    assert window_chains(5, size=2) == [[0, 1], [2, 3], [4]]
    assert window_chains(7, frozenset({3}), size=4) == [[0, 1, 2], [3, 4, 5, 6]]


def test_chains_run_side_by_side_and_each_window_follows_its_own_predecessor():
    from groovecli.generate.chains import run_chains

    calls = []

    def step(rows, previous, out):
        calls.append(len(rows))
        before = np.zeros(len(rows)) if previous is None else np.stack([out[p] + 1 for p in previous])
        return before

    got = run_chains(7, frozenset({5}), step, size=3)
    # chains [0,1,2] [3,4] [5,6]: each window holds its place in its chain
    assert got.tolist() == [0, 1, 2, 0, 1, 0, 1]
    assert calls == [3, 3, 1]  # three passes, not seven


@pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
def test_add_plays_each_genres_vocabulary_around_the_same_sketch():
    """The same hi-hat sketch, asked as rock, crashes into a phrase or plays toms somewhere in
    four takes (the decorator alone never did); asked as latin, goes to the ride."""
    from groovecli.constants import CRASH, HIGH_TOM, LOW_TOM
    from groovecli.grid.drumgrid import DrumGrid

    loaded = load_networks()
    sketch = np.zeros((8 * STEPS_PER_BAR, N_DRUMS), np.float32)
    sketch[0::8, KICK] = sketch[4::8, SNARE] = sketch[0::2, CLOSED_HIHAT] = 1
    grid = DrumGrid(sketch, 0.8 * sketch, np.zeros_like(sketch), (), np.zeros(0, np.int64))

    def added(genre: str) -> np.ndarray:
        outs = [humanize_grid(grid, loaded, HumanizeOptions(genre=genre, seed=s)).grid.hits for s in range(4)]
        return sum(((o > 0.5) & (sketch < 0.5)).sum(0) for o in outs)

    rock, latin = added("rock"), added("latin")
    assert rock[LOW_TOM : HIGH_TOM + 1].sum() + rock[CRASH] > 0
    assert latin[RIDE] / latin.sum() > rock[RIDE] / rock.sum()


def test_a_bar_gains_at_least_its_shortfall_and_at_most_its_allowance():
    from groovecli.grid.genre_vocab import bar_counts

    allowed, drawn = np.array([0, 4, 4, 4, 7]), np.array([3, 0, 2, 9, 1])
    assert bar_counts(allowed, drawn).tolist() == [0, 2, 2, 4, 4]
    sounding = np.array([True, False, True, True, False])
    assert bar_counts(allowed, drawn, sounding).tolist() == [0, 0, 2, 4, 1]  # a silent bar: what was drawn


@pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
@pytest.mark.parametrize("genre", ["rock", "funk"])
def test_add_plays_toms_in_figures_near_the_snares_level(genre):
    """A drummer plays toms in figures (a pickup, an answer, a run down the toms), not one lone
    tom inside the groove: every tom ``add`` puts on the README's examples has another tom or the
    crash within a beat, and the toms sound near the backbeat's level, not far above or below it."""
    from groovecli.constants import SNARE
    from groovecli.grid.genre_vocab import TOMS, lone_toms

    loaded = load_networks()
    toms, snares, added = [], [], 0
    for example in ("rock", "funk"):
        for seed in range(6):
            take = humanize(REPO / "examples" / f"{example}.mid", loaded, HumanizeOptions(genre=genre, seed=seed))
            before, after = take.before.hits > 0.5, take.after.hits > 0.5
            assert not lone_toms(before, after).any()
            new = after & ~before
            new[:, [d for d in range(N_DRUMS) if d not in TOMS]] = False
            added += int(new.sum())
            toms += take.after.velocity[new].tolist()
            snares += take.after.velocity[before[:, SNARE], SNARE].tolist()
    assert added > 0
    assert 0.7 < np.median(toms) / np.median(snares) < 1.15


@pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
@pytest.mark.parametrize("genre", ["funk", "latin"])
def test_add_plays_no_lone_cymbal_off_the_beat_in_a_hat_groove(genre):
    """A crash or ride note on an off-16th with no other cymbal within a beat, inside a hi-hat
    groove, is a note GMD's drummers almost never play; ``add`` plays none on the examples (before,
    the vocabulary's single cymbal cells put one in about every eleventh bar)."""
    from groovecli.constants import CRASH, RIDE, STEPS_PER_BEAT

    loaded = load_networks()
    added = 0
    for example in ("rock", "funk"):
        for seed in range(6):
            take = humanize(REPO / "examples" / f"{example}.mid", loaded, HumanizeOptions(genre=genre, seed=seed))
            before, after = take.before.hits > 0.5, take.after.hits > 0.5
            cymbals = after[:, [CRASH, RIDE]]
            new = cymbals & ~before[:, [CRASH, RIDE]]
            added += int(new.sum())
            count = cymbals.sum(1)
            for t in np.flatnonzero(new.any(1)):
                alone = count[max(0, t - 4) : t + 5].sum() == count[t]
                assert not (alone and t % STEPS_PER_BEAT), f"{example} seed {seed}: a lone cymbal at 16th {t}"
    assert added > 0  # the genre's cymbals still come, in figures or on the beat
