"""Training: determinism, exact resume, the prior and classifier, the train command."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner
from conftest import FIXTURE_GMD, tiny_config

from groovecli.cli import cli
from groovecli.lab.train import Trainer, schedules
from groovecli.nn.config import TrainConfig
from groovecli.runtime.load import load_networks
from groovecli.weights import load_model

TCFG = TrainConfig(epochs=2, batch_size=8, max_train_windows=32, prior_epochs=3, patience=5)


def train_once(tmp_path, name, fixture_dataset, on_event=lambda n, s: None, resume=False, tcfg=TCFG):
    trainer = Trainer(tiny_config(), tcfg, tmp_path / name, torch.device("cpu"), on_event)
    model = trainer.fit(fixture_dataset.of_split("train"), fixture_dataset.of_split("validation"), resume=resume)
    return trainer, model


def test_schedules_follow_the_paper():
    assert schedules(0.0, TrainConfig()) == (1.0, 0.0)
    tf, beta = schedules(1.0, TrainConfig())
    assert 0.5 < tf < 0.51 and beta == pytest.approx(0.2)
    assert schedules(0.15, TrainConfig())[1] == pytest.approx(0.1)


def test_same_seed_same_weights(tmp_path, fixture_dataset):
    _, a = train_once(tmp_path, "a", fixture_dataset)
    _, b = train_once(tmp_path, "b", fixture_dataset)
    for k, v in a.state_dict().items():
        assert torch.equal(v, b.state_dict()[k]), k
    log = [json.loads(line) for line in (tmp_path / "a" / "train.log").read_text().splitlines()]
    assert [r["epoch"] for r in log] == [0, 1] and "note_f1" in log[0]["val"]


def test_resume_continues_exactly(tmp_path, fixture_dataset):
    _, straight = train_once(tmp_path, "straight", fixture_dataset)

    class Stop(Exception):
        pass

    def stop_after_first_epoch(name, stats):
        if name == "epoch":
            raise Stop

    with pytest.raises(Stop):
        train_once(tmp_path, "cut", fixture_dataset, stop_after_first_epoch)
    _, resumed = train_once(tmp_path, "cut", fixture_dataset, resume=True)
    for k, v in straight.state_dict().items():
        assert torch.equal(v, resumed.state_dict()[k]), k


def test_prior_and_classifier_train(tmp_path, fixture_dataset):
    trainer, model = train_once(tmp_path, "p", fixture_dataset)
    prior, metrics = trainer.fit_prior(model, fixture_dataset.of_split("train"), fixture_dataset.of_split("validation"))
    assert metrics["prior_val_perplexity"] >= 1.0
    clf, cm = trainer.fit_classifier(fixture_dataset.of_split("train"), fixture_dataset.of_split("validation"))
    assert 0.0 <= cm["classifier_val_accuracy"] <= 1.0


def test_train_command_end_to_end(tmp_path):
    out, export = tmp_path / "run", tmp_path / "models"
    args = ["train", "--data", str(FIXTURE_GMD), "--out", str(out), "--epochs", "1", "--batch-size", "8",
            "--max-windows", "16", "--device", "cpu", "--cache", str(tmp_path / "cache"), "--export", str(export)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    for name in ("model.pt", "best.pt", "last.pt", "train.log"):
        assert (out / name).exists(), name
    loaded = load_model(export)
    assert loaded.prior is not None and "note_f1" in loaded.metrics
    assert (export / "pocketvae.onnx.json").is_file() and (export / "pocketvae.prior_step.onnx").is_file()
    assert torch.load(out / "model.pt", weights_only=True)["command"].startswith("groove")
    prior_only = CliRunner().invoke(cli, ["train", "--data", str(FIXTURE_GMD), "--out", str(tmp_path / "prior"),
                                          "--model", "prior", "--weights", str(out / "model.pt"), "--epochs", "1",
                                          "--cache", str(tmp_path / "cache")])
    assert prior_only.exit_code == 0, prior_only.output
    assert load_model(tmp_path / "prior" / "model.pt").prior is not None


def test_ablation_flags_reach_the_checkpoint(tmp_path):
    out = tmp_path / "vq"
    args = ["train", "--data", str(FIXTURE_GMD), "--out", str(out), "--epochs", "1", "--batch-size", "8",
            "--max-windows", "16", "--device", "cpu", "--cache", str(tmp_path / "cache"), "--no-genre", "--no-patterns",
            "--prior-epochs", "0"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    loaded = load_model(out / "model.pt")
    assert not loaded.config.use_genre and not loaded.config.use_patterns and loaded.config.n_genres == 0
    assert loaded.prior is None


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["train", "--data", str(FIXTURE_GMD), "--out", str(tmp_path), "--device", "cuda"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: --device cuda was asked for") and len(result.stderr.strip().splitlines()) == 1


def test_prior_without_weights_is_an_error(tmp_path):
    result = CliRunner().invoke(cli, ["train", "--data", str(FIXTURE_GMD), "--out", str(tmp_path), "--model", "prior",
                                      "--cache", str(tmp_path / "c")])
    assert result.exit_code == 1 and "--model prior needs --weights" in result.stderr



def test_the_drumify_model_trains_keeps_its_best_epoch_and_loads(fixture_dataset, tmp_path):
    from groovecli.errors import WeightsError
    from groovecli.grid.taps import TAP_FEATURES
    from groovecli.lab.data import GENRES
    from groovecli.lab.train_cond import drumify_arrays, fit_cond
    from groovecli.nn.cond_vae import CondConfig
    from groovecli.weights import checkpoint_dict, load_cond

    arrays = drumify_arrays(fixture_dataset)
    cfg = CondConfig("drumify", TAP_FEATURES, 32, GENRES, hidden=8, z_dim=4)
    log = tmp_path / "train.log"
    model, metrics = fit_cond(cfg, arrays, arrays, epochs=3, batch_size=16, log=log)
    losses = [json.loads(line)["val_loss"] for line in log.read_text().splitlines()]
    assert len(losses) == 3 and metrics["val_loss"] == min(losses)  # the best epoch's weights come back
    path = tmp_path / "drumify.pt"
    torch.save(checkpoint_dict(cfg, {"drumify": model.state_dict()}, metrics), path)
    assert load_cond("drumify", path).config == cfg
    with pytest.raises(WeightsError, match="no fills model"):
        load_cond("fills", path)


def test_a_trained_decorator_beside_the_weights_draws_add_s_notes(tiny_weights, tmp_path):
    """`groove train --model decorate --export DIR` writes decorate.pt; weights in DIR then
    decorate with it (every sketch note kept), and weights elsewhere still use the prior."""
    import shutil

    from conftest import REPO

    from groovecli.generate.humanize import HumanizeOptions, humanize

    folder = tmp_path / "weights"
    folder.mkdir()
    shutil.copy(tiny_weights, folder / "pocketvae.pt")
    result = CliRunner().invoke(cli, ["train", "--data", str(FIXTURE_GMD), "--out", str(tmp_path / "run"),
                                      "--model", "decorate", "--epochs", "1", "--max-windows", "64",
                                      "--cache", str(tmp_path / "c"), "--export", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "decorate.pt").is_file() and (folder / "decorate.step.onnx").is_file()  # and its graphs
    loaded = load_networks(folder)
    assert loaded.decorator is not None and loaded.decorator.config.task == "decorate"
    assert load_networks(tiny_weights).decorator is None
    take = humanize(REPO / "examples" / "rock.mid", loaded, HumanizeOptions(genre="rock", notes="add", seed=0))
    assert (take.after.hits >= take.before.hits).all()
