"""The Python API on whole songs: determinism, the keep-notes guarantee, amounts, seams."""

from __future__ import annotations

from collections import Counter

import mido
import numpy as np
import pytest
from conftest import FIXTURE_FILES, REPO, hits_track, midi_bytes, midi_file, save

from groovecli.errors import GrooveError
from groovecli.generate.humanize import HumanizeOptions, humanize
from groovecli.generate.sample import sample
from groovecli.generate.transfer import transfer
from groovecli.midi.drummap import GMD
from groovecli.midi.read import read_midi
from groovecli.runtime.load import load_networks
from groovecli.weights import bundled_dir


def test_same_seed_same_bytes_and_other_seeds_differ(tiny):
    perf = read_midi(REPO / "examples" / "funk.mid")
    a = humanize(perf, tiny, HumanizeOptions(genre="funk", seed=3))
    b = humanize(perf, tiny, HumanizeOptions(genre="funk", seed=3))
    c = humanize(perf, tiny, HumanizeOptions(genre="funk", seed=4))
    assert midi_bytes(a.performance) == midi_bytes(b.performance)
    assert midi_bytes(a.performance) != midi_bytes(c.performance)
    assert a.seed == 3 and a.report["bars"] == 8


@pytest.mark.parametrize("mode", ["keep", "add"])
@pytest.mark.parametrize("path", FIXTURE_FILES[:3], ids=lambda p: p.name)
def test_every_input_note_survives(tiny, path, mode):
    perf = read_midi(path, drum_map=GMD)
    out = humanize(perf, tiny, HumanizeOptions(genre="jazz", notes=mode, seed=0), drum_map=GMD).performance
    before = Counter((n.pitch, n.channel, n.track) for n in perf.notes)
    after = Counter((n.pitch, n.channel, n.track) for n in out.notes)
    assert not (before - after), "input notes went missing"
    if mode == "keep":
        assert before == after
    # lengths: unchanged unless the same drum strikes again before the note would end
    lengths_in = Counter(n.end - n.start for n in perf.notes if n.end is not None)
    lengths_out = Counter(n.end - n.start for n in out.notes if n.end is not None)
    assert sum((lengths_in & lengths_out).values()) >= 0.95 * sum(lengths_in.values())


def test_amount_zero_keeps_the_inputs_own_feel(tiny):
    path = FIXTURE_FILES[0]
    perf = read_midi(path, drum_map=GMD)
    out = humanize(perf, tiny, HumanizeOptions(notes="keep", velocity_amount=0, timing_amount=0, seed=1), drum_map=GMD)
    assert Counter(out.performance.notes) == Counter(perf.notes)  # same ticks, velocities, lengths


def test_unknown_genre_and_bad_pattern(tiny):
    perf = read_midi(REPO / "examples" / "rock.mid")
    with pytest.raises(GrooveError, match="unknown genre 'polka'; the model knows: auto, rock, funk"):
        humanize(perf, tiny, HumanizeOptions(genre="polka"))
    with pytest.raises(GrooveError, match="'x' at column 3"):
        humanize(perf, tiny, HumanizeOptions(timing_pattern="0+x+"))
    with pytest.raises(GrooveError, match="between 0 and 1"):
        HumanizeOptions(velocity_amount=1.5)


def test_transfer_and_sample_shapes(tiny):
    template = read_midi(REPO / "examples" / "rock.mid")
    reference = read_midi(FIXTURE_FILES[0], drum_map=GMD)
    out = transfer(template, reference, tiny, HumanizeOptions(notes="keep", seed=0))
    assert Counter((n.pitch, n.channel) for n in out.performance.notes) == \
        Counter((n.pitch, n.channel) for n in template.notes)
    only_velocity = transfer(template, reference, tiny, HumanizeOptions(notes="keep", seed=0), timing=False)
    assert {n.start for n in only_velocity.performance.notes} == {n.start for n in template.notes}
    s = sample(tiny, genre="jazz", bars=5, bpm=90, seed=2)
    assert len(s.performance.bars) == 5 and s.performance.tempos()[0][1] == round(mido.bpm2tempo(90))
    assert midi_bytes(s.performance) == midi_bytes(sample(tiny, genre="jazz", bars=5, bpm=90, seed=2).performance)


@pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
def test_no_seams_between_windows():
    """With 1-bar hops every bar line is a window seam: the groove must flow across it as it
    does across the middle of a bar (hi-hat velocity steps and timing spread)."""
    loaded = load_networks()
    perf = read_midi(REPO / "examples" / "funk.mid")
    grids = [humanize(perf, loaded, HumanizeOptions(genre="funk", seed=s)).after for s in range(4)]
    seam, middle, seam_t, middle_t = [], [], [], []
    for g in grids:
        v, o, h = g.velocity[:, 2], g.offset[:, 2], g.hits[:, 2]
        for t in range(16, g.steps, 16):  # across each bar line, and across beat 3 of the same bar
            for lst, lst_t, a, b in ((seam, seam_t, t - 1, t), (middle, middle_t, t + 7, t + 8)):
                if h[a] and h[b]:
                    lst.append(abs(v[b] - v[a]))
                    lst_t.append(abs(o[b] - o[a]))
    assert len(seam) > 20 and len(middle) > 20
    assert np.mean(seam) < 1.5 * np.mean(middle) + 0.02
    assert np.mean(seam_t) < 1.5 * np.mean(middle_t) + 0.02


def test_top_level_api_takes_paths_and_keywords(tiny_weights, tmp_path):
    import groovecli

    model = groovecli.load_model(tiny_weights)
    result = groovecli.humanize(REPO / "examples" / "rock.mid", model, genre="jazz", seed=2, notes="keep")
    assert result.report["notes_added"] == 0 and result.seed == 2
    assert isinstance(groovecli.HumanizeOptions(), groovecli.generate.humanize.HumanizeOptions)


def test_report_carries_features_before_and_after(tiny):
    result = humanize(REPO / "examples" / "funk.mid", tiny, genre="funk", seed=0, notes="keep")
    features = result.report["features"]
    assert set(features) == {"before", "after"}
    # a stiff sketch: one velocity, on the grid; notes are kept, so the count per bar cannot change
    assert features["before"]["velocity_spread"] == 0 and features["before"]["timing_accuracy_ms"] == 0
    assert features["after"]["notes_per_bar"] == features["before"]["notes_per_bar"]


def test_humanize_windows_batch(tiny):
    from groovecli.generate.humanize import humanize_windows

    template = np.zeros((5, 32, 9), np.float32)
    template[:, ::2, 2] = 1
    template[:, ::8, 0] = 1
    genre = np.arange(5)
    kept = humanize_windows(tiny, template, genre, notes="keep", rng=np.random.default_rng(0))
    np.testing.assert_array_equal(kept["hits"], template)
    assert kept["velocity"].shape == (5, 32, 9) and bool((kept["velocity"][template == 0] == 0).all())
    added = humanize_windows(tiny, template, genre, rng=np.random.default_rng(0), batch=2)
    assert bool((added["hits"] >= template).all())  # add never removes a sketch note
    again = humanize_windows(tiny, template, genre, rng=np.random.default_rng(0), batch=2)
    assert all(np.array_equal(added[k], again[k]) for k in added)


def test_add_keeps_the_prior_draw_nearest_the_sketch(tiny):
    from groovecli.generate.notes import closest_codes as _closest_codes

    sketch = np.zeros((2, 32, 9), np.float32)
    sketch[:, ::2, 2] = 1
    sketch[:, ::8, 0] = 1
    model = tiny.model
    own = model.note_encode(sketch, sketch, model.skel(sketch))  # (2, S): the sketch read as codes
    others = (own + 1) % tiny.config.codebook_size
    candidates = np.stack([others, own, (own + 2) % tiny.config.codebook_size], axis=1)  # (W, k=3, S)
    np.testing.assert_array_equal(_closest_codes(tiny, candidates, sketch), own)


# --- work that follows the notes, not the gaps between them ---------------------------------

def test_runs_cut_and_join_round_trip_with_silence_between():
    from groovecli.grid.drumgrid import Runs

    hits = np.zeros((12 * 16, 9), np.float32)
    hits[0, 0] = hits[5 * 16 + 3, 2] = hits[7 * 16, 1] = hits[11 * 16 + 15, 0] = 1
    runs = Runs.of(hits)
    assert runs.spans == ((0, 1), (5, 6), (7, 8), (11, 12))
    windows = runs.cut(hits)
    assert windows.shape == (4, 32, 9)  # one window per run, not eleven
    assert runs.first_windows == frozenset({0, 1, 2, 3})
    np.testing.assert_array_equal(runs.join(windows), hits)
    dense = Runs.of(np.ones((5 * 16, 9)))
    assert dense.spans == ((0, 5),) and len(dense.cut(np.ones((5 * 16, 9)))) == 4 and dense.first_windows == {0}


@pytest.mark.parametrize("mode", ["keep", "add", "free"])
def test_silent_bars_stay_silent_and_cost_nothing(tiny, tmp_path, mode):
    """Two 2-bar phrases 3,000 bars apart: four windows of work, the gap left as it was."""
    gap = 3000 * 16 * 120
    hits = [(t + k * 120, p, 100) for t in (0, gap) for bar in (0, 16) for k, p in ((bar, 36), (bar + 4, 38), (bar + 8, 36))]
    hits += [(t + k * 120, 42, 100) for t in (0, gap) for k in range(0, 32, 2)]
    path = save(midi_file(hits_track(hits, 60)), tmp_path / "gap.mid")
    import time
    started = time.perf_counter()
    out = humanize(path, tiny, notes=mode, genre="rock", seed=0)
    assert time.perf_counter() - started < 20  # was minutes: every empty bar went through the networks
    sounding = (out.after.hits.reshape(-1, 16, 9) > 0.5).any(axis=(1, 2))
    assert sounding.sum() == 4 and set(np.flatnonzero(sounding)) == {0, 1, 3000, 3001}


def test_timing_only_transfer_gives_added_notes_a_real_velocity(tiny):
    template, reference = (read_midi(REPO / "examples" / f"{name}.mid") for name in ("rock", "funk"))
    out = transfer(template, reference, tiny, HumanizeOptions(genre="funk", seed=2), velocity=False)
    before, after = out.before, out.after
    added = (after.hits > 0.5) & (before.hits < 0.5)
    assert added.any()
    assert (after.velocity[added] > 0).all() and after.velocity[added].mean() * 127 > 20  # they were all velocity 1
    kept = before.hits > 0.5
    np.testing.assert_allclose(after.velocity[kept], before.velocity[kept])
