"""`groove evaluate`: each metric on inputs with known answers, the baselines, and a run end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from conftest import FIXTURE_GMD, tiny_config

from groovecli.baselines import PositionAverage, daw_random, knn_reconstruct
from groovecli.cli import cli
from groovecli.constants import MIDI_VELOCITY_MAX
from groovecli.grid import DrumGrid
from groovecli.metrics import KL_BINS, mean_abs_error, note_f1, note_f1_steps, position_kl


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


def test_realism_cannot_tell_identical_sets():
    from groovecli.evaluation import realism_accuracy

    hits, vel, off = random_grids(n=6)
    grids = [DrumGrid(h, v, o, (), np.zeros(0, np.int64)) for h, v, o in zip(hits, vel, off)]
    assert realism_accuracy(grids, grids, seed=0) == pytest.approx(0.5)


@pytest.fixture(scope="module")
def tiny_classifier(tmp_path_factory):
    from groovecli.nn.classifier import GenreClassifier
    from groovecli.train import checkpoint_dict

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
    assert all(0 <= r["accuracy"] <= 1 for r in report["realism"])
    md = (tmp_path / "out" / "results.md").read_text()
    assert "| model | note F1 |" in md and "PocketVAE Table 1 as published" in md
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1 and "already exists; use --force" in again.stderr


def test_evaluate_bad_model_option_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(FIXTURE_GMD), "--model", "nopath"])
    assert result.exit_code == 1 and "expected NAME=PATH" in result.stderr
