"""`groove evaluate`: each metric on inputs with known answers, the baselines, and a run end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from conftest import FIXTURE_GMD, tiny_config

from groovecli.cli import cli
from groovecli.constants import MIDI_VELOCITY_MAX
from groovecli.grid.drumgrid import DrumGrid
from groovecli.lab.baselines import PositionAverage, daw_random, knn_reconstruct
from groovecli.lab.metrics import KL_BINS, mean_abs_error, note_f1, note_f1_steps, position_kl


def random_grids(seed: int = 0, n: int = 4):
    rng = np.random.default_rng(seed)
    hits = (rng.random((n, 32, 9)) < 0.3).astype(np.float32)
    return hits, rng.random(hits.shape).astype(np.float32) * hits, rng.uniform(-1, 1, hits.shape).astype(np.float32) * hits


def test_identical_grids_score_perfectly():
    hits, vel, off = random_grids()
    assert note_f1(hits, hits) == 1 and note_f1_steps(hits, hits) == 1
    assert position_kl(vel, hits, vel, hits, (0, 1)) == 0
    assert position_kl(off, hits, off, hits, (-1, 1)) == 0
    assert mean_abs_error(vel, vel, hits > 0) == 0


def test_known_shift_gives_known_error_and_kl():
    hits, vel, off = random_grids()
    assert mean_abs_error(off + 0.1, off, hits > 0) == pytest.approx(0.1)
    # every real value in one bin, every generated one in another: KL from the pseudo-counts alone
    n = np.zeros((1, 32, 9), np.float32)
    n[0, :, 0] = 1
    real, fake = np.full_like(n, 0.01) * n, np.full_like(n, 0.99) * n
    k = 8  # hits per metrical position (32 steps / 4)
    p_hit, p_rest = (k + 1) / (k + KL_BINS), 1 / (k + KL_BINS)
    # the two bins that differ: p_hit log(p_hit / p_rest) + p_rest log(p_rest / p_hit); the other 18 agree
    expected = (p_hit - p_rest) * np.log(p_hit / p_rest)
    assert position_kl(real, n, fake, n, (0, 1)) == pytest.approx(expected)


def test_f1_by_hand():
    true = np.zeros((1, 4, 2))
    pred = np.zeros((1, 4, 2))
    true[0, :2, 0] = 1  # 2 real hits
    pred[0, 1:3, 0] = 1  # 2 predicted, 1 right
    assert note_f1(true, pred) == pytest.approx(0.5)


def test_knn_on_a_toy_set():
    train_t = np.eye(4, dtype=np.float32).reshape(4, 2, 2)  # four one-hot templates
    hits = np.zeros((4, 2, 2), np.float32)
    hits[:, 0, 0] = 1
    hits[0, 1, 1] = hits[1, 1, 1] = 1  # only two of four neighbours play this cell
    vel = hits * np.array([0.2, 0.4, 0.6, 0.8], np.float32)[:, None, None]
    off = hits * 0.5
    out = knn_reconstruct(train_t, hits, vel, off, train_t[2:3], k=1)
    assert np.array_equal(out["hits"][0], hits[2]) and out["velocity"][0, 0, 0] == pytest.approx(0.6)
    both = knn_reconstruct(train_t, hits, vel, off, np.ones((1, 2, 2), np.float32), k=4)  # ties: all four
    assert both["hits"][0, 0, 0] == 1 and both["hits"][0, 1, 1] == 0  # majority: 4 of 4 yes, 2 of 4 no
    assert both["velocity"][0, 0, 0] == pytest.approx(0.5) and both["offset"][0, 0, 0] == pytest.approx(0.5)


def test_daw_random_stays_in_its_bounds():
    hits = np.zeros((32, 9), np.float32)
    hits[::2, 2] = 1
    vel, off = daw_random(hits, 62.5, np.random.default_rng(1))
    on = hits > 0
    assert np.all(np.abs(vel[on] * MIDI_VELOCITY_MAX - 100) <= 10 + 1e-4) and np.all(vel[~on] == 0)
    assert np.all(np.abs(off[on] * 62.5) <= 10 + 1e-4) and np.all(off[~on] == 0)
    assert np.array_equal(vel, daw_random(hits, 62.5, np.random.default_rng(1))[0])


def test_position_average():
    hits = np.zeros((2, 32, 9), np.float32)
    hits[:, 4, 1] = 1  # a snare on beat 2 of the first bar of each window
    vel = hits * np.array([0.4, 0.8], np.float32)[:, None, None]
    avg = PositionAverage.fit(hits, vel, hits * 0.2)
    assert avg.velocity[4, 1] == pytest.approx(0.6) and avg.offset[4, 1] == pytest.approx(0.2)
    v, o = avg.apply(hits[0])
    assert v[4, 1] == pytest.approx(0.6) and v.sum() == pytest.approx(0.6)


def test_realism_judges_cannot_tell_identical_sets():
    from groovecli.lab.realism import feature_judge, gru_judge

    hits, vel, off = random_grids(n=6)
    grids = [DrumGrid(h, v, o, (), np.zeros(0, np.int64)) for h, v, o in zip(hits, vel, off)]
    half_ms = [np.full((len(h), 1), 60.0) for h in hits]
    assert gru_judge(grids, grids, seed=0) == pytest.approx(0.5)
    assert feature_judge(grids, grids, half_ms, seed=0) == pytest.approx(0.5)


def test_feature_judge_tells_stiff_from_played():
    """Grids with the same notes, one at velocity 100 on the grid and one with spread: the
    feature judge must tell them apart on held-out songs."""
    from groovecli.lab.realism import feature_judge

    hits, vel, off = random_grids(n=8)
    played = [DrumGrid(h, v, o, (), np.zeros(0, np.int64)) for h, v, o in zip(hits, vel, off)]
    stiff = [DrumGrid(h, h * 100 / 127, h * 0, (), np.zeros(0, np.int64)) for h in hits]
    half_ms = [np.full((len(h), 1), 60.0) for h in hits]
    assert feature_judge(played, stiff, half_ms, seed=0) > 0.9


@pytest.fixture(scope="module")
def tiny_classifier(tmp_path_factory):
    from groovecli.nn.classifier import GenreClassifier
    from groovecli.weights import checkpoint_dict

    torch.manual_seed(0)
    cfg = tiny_config()
    path = tmp_path_factory.mktemp("clf") / "classifier.pt"
    torch.save(checkpoint_dict(cfg, {"classifier": GenreClassifier(cfg.n_drums, len(cfg.genres)).state_dict()}, {}), path)
    return path


def test_evaluate_end_to_end_on_fixtures(tmp_path, tiny_weights, tiny_classifier):
    args = ["evaluate", "--data", str(FIXTURE_GMD), "--weights", str(tiny_weights), "--classifier", str(tiny_classifier),
            "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "out"),
            "--model", f"pocketvae-s0={tiny_weights}", "--model", f"pocketvae-s1={tiny_weights}"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    rows = {r["name"]: r for r in report["table1"]}
    assert set(rows) == {"test data", "knn", "shipped", "pocketvae"}
    assert rows["pocketvae"]["note_f1"]["n"] == 2 and rows["pocketvae"]["note_f1"]["std"] == pytest.approx(0, abs=1e-9)
    assert rows["pocketvae"]["note_f1"]["mean"] == pytest.approx(rows["shipped"]["note_f1"]["mean"])
    human = {r["system"]: r for r in report["humanization"]}
    assert human["drummer"]["note_f1"] == 1 and human["drummer"]["timing_kl"] == 0
    assert human["template"]["velocity_spread"] == pytest.approx(0, abs=1e-3)  # every sketch note at 100
    assert human["daw random"]["hits_per_bar"] == human["template"]["hits_per_bar"]  # baselines never add notes
    assert set(report["control"]["as_genre"]) == set(tiny_config().genres)
    assert all(0 <= r["gru"] <= 1 and 0 <= r["features"] <= 1 for r in report["realism"])
    assert {"groove --genre auto", "groove --notes keep --genre auto"} <= {r["system"] for r in report["realism"]}
    assert set(report["timing_classes"]) == {"drummer", "groove", "groove --notes keep", "groove --genre auto"}
    assert report["timing_classes"]["drummer"]["ride"]["hits"] > 20  # the one test song is jazz
    assert report["transfer"]["pairs"] == 0  # one test song: no reference from another song
    assert report["takes"]["songs"] == 1 and report["takes"]["mean_abs_velocity_difference"] > 0
    assert 0 <= report["meta"]["genre_auto_accuracy"] <= 1
    md = (tmp_path / "out" / "results.md").read_text()
    assert "| model | note F1 |" in md and "PocketVAE Table 1 as published" in md
    assert "6. Transfer: 0 template × reference pairs" in md and "7. Takes" in md
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1 and "already exists; use --force" in again.stderr


def test_evaluate_bad_model_option_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(FIXTURE_GMD), "--model", "nopath"])
    assert result.exit_code == 1 and "expected NAME=PATH" in result.stderr


def test_transfer_and_takes_sections_on_every_fixture_song(tiny_weights):
    from groovecli.lab.data import build_dataset
    from groovecli.lab.evaluation import _songs
    from groovecli.lab.feel_eval import takes_section, transfer_section
    from groovecli.runtime.load import load_networks

    ds = build_dataset(FIXTURE_GMD, workers=1)
    feels = [s.feel() for s in _songs(str(FIXTURE_GMD), ds, 0)]
    loaded = load_networks(tiny_weights)
    transfer = transfer_section(feels, loaded, seed=0, n_templates=3, n_references=3, bars=4)
    assert (transfer["pairs"], transfer["references"], transfer["templates"]) == (9, 3, 3)
    assert 0 <= transfer["nearest_own_velocity"] <= 1 and transfer["class_offset_gap_ms"] >= 0
    takes = takes_section(feels[:2], loaded, seed=0, bars=4)
    assert takes["songs"] == 2 and takes["mean_abs_timing_difference_ms"] > 0
    assert takes["drummer_window_sd_swingness"] >= 0


def test_profile_is_mean_per_position_and_drum():
    from groovecli.lab.feel_eval import profile

    hits = np.zeros((32, 9), np.float32)
    hits[[0, 16], 0] = 1  # a kick on beat 1 of both bars
    vel = hits * np.where(np.arange(32) < 16, 0.5, 1.0)[:, None].astype(np.float32)
    off = hits * np.where(np.arange(32) < 16, 0.2, 0.4)[:, None].astype(np.float32)
    v, o = profile(DrumGrid(hits, vel, off, (), np.zeros(0, np.int64)), np.full((32, 1), 50.0))
    assert v[0, 0] == pytest.approx(0.75 * 127) and o[0, 0] == pytest.approx(15.0)
    assert np.isnan(v[1, 0]) and np.isnan(o[0, 1])
