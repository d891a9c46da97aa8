"""Finding, verifying and loading weights: bundled, a path, a folder, the Hugging Face cache."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from conftest import tiny_config

from groovecli import weights
from groovecli.errors import WeightsError
from groovecli.lab.data import GENRES
from groovecli.lab.validation import to_batch
from groovecli.nn.pocketvae import GrooveModel
from groovecli.nn.prior import CodePrior
from groovecli.weights import checkpoint_dict, export_weights, load_model, read_checkpoint, resolve


@pytest.fixture
def checkpoint(tmp_path):
    torch.manual_seed(0)
    cfg = tiny_config()
    model, prior = GrooveModel(cfg), CodePrior(cfg)
    path = tmp_path / "run" / "model.pt"
    path.parent.mkdir()
    torch.save(checkpoint_dict(cfg, {"model": model.state_dict(), "prior": prior.state_dict()}, {"note_f1": 0.5}), path)
    return path, model


def test_save_load_gives_identical_outputs(checkpoint, fixture_dataset):
    path, model = checkpoint
    loaded = load_model(path)
    b = to_batch(fixture_dataset, np.arange(4), torch.device("cpu"))
    model.eval()
    torch.manual_seed(1)
    a = model.reconstruct(b)
    torch.manual_seed(1)
    c = loaded.model.reconstruct(b)
    for k in a:
        torch.testing.assert_close(a[k], c[k], rtol=0, atol=0)
    assert loaded.prior is not None and loaded.config == model.cfg and loaded.metrics == {"note_f1": 0.5}


def test_exported_weights_are_half_size_and_verified(checkpoint, tmp_path):
    path, model = checkpoint
    out = export_weights(path, tmp_path / "models")
    manifest = json.loads((tmp_path / "models" / "manifest.json").read_text())
    assert manifest["default"] == "pocketvae.pt" and manifest["files"]["pocketvae.pt"]["sha256"] == weights.sha256(out)
    assert out.stat().st_size < path.stat().st_size * 0.6
    loaded = load_model(tmp_path / "models")  # a folder: <folder>/pocketvae.pt
    for k, v in model.state_dict().items():
        torch.testing.assert_close(loaded.model.state_dict()[k], v, atol=2e-3, rtol=1e-3)


def test_bundled_weights_checked_against_the_manifest(checkpoint, tmp_path, monkeypatch):
    path, _ = checkpoint
    folder = tmp_path / "bundle"
    export_weights(path, folder)
    monkeypatch.setattr(weights, "bundled_dir", lambda: folder)
    assert resolve(None) == folder / "pocketvae.pt"
    data = bytearray((folder / "pocketvae.pt").read_bytes())
    data[-100] ^= 0xFF
    (folder / "pocketvae.pt").write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="bundled weights are damaged.*reinstall groove"):
        resolve(None)


def test_env_variable_names_default_weights(checkpoint, monkeypatch):
    path, _ = checkpoint
    monkeypatch.setenv("GROOVE_WEIGHTS", str(path))
    assert resolve(None) == path


def test_hf_weights_from_an_offline_cache(checkpoint, tmp_path, monkeypatch):
    """hf://owner/repo resolves through huggingface_hub's cache with HF_HUB_OFFLINE=1 (no network)."""
    path, _ = checkpoint
    hf_home = tmp_path / "hf"
    monkeypatch.setenv("HF_HOME", str(hf_home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = hf_home / "hub" / "models--groove--pocketvae-gmd"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (snapshot / "pocketvae.pt").write_bytes(path.read_bytes())
    (snapshot / "other.pt").write_bytes(path.read_bytes())
    assert resolve("hf://groove/pocketvae-gmd").read_bytes() == path.read_bytes()
    assert resolve("hf://groove/pocketvae-gmd/other.pt").name == "other.pt"
    assert load_model("hf://groove/pocketvae-gmd").config.genres == GENRES
    with pytest.raises(WeightsError, match="cannot get pocketvae.pt from Hugging Face repo groove/missing.*offline"):
        resolve("hf://groove/missing")
    with pytest.raises(WeightsError, match="is not hf://owner/repo"):
        resolve("hf://justone")


def test_bad_weights_are_clear_errors(checkpoint, tmp_path):
    path, _ = checkpoint
    with pytest.raises(WeightsError, match="no weights at .*nope.pt"):
        resolve(tmp_path / "nope.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"version https://git-lfs.github.com/spec/v1\n")
    with pytest.raises(WeightsError, match="is not a groove checkpoint"):
        load_model(junk)
    ckpt = torch.load(path, weights_only=True)
    old = tmp_path / "old.pt"
    torch.save(ckpt | {"format_version": 99}, old)
    with pytest.raises(WeightsError, match="format 99; this groove .* reads format 2"):
        read_checkpoint(old)
    other = tmp_path / "other.pt"
    torch.save(ckpt | {"config": ckpt["config"] | {"z_dim": 12}}, other)
    with pytest.raises(WeightsError, match="does not fit its own config"):
        load_model(other)


def test_the_shipped_weights_load_when_bundled():
    folder = weights.bundled_dir()
    if folder is None:
        pytest.skip("no weights bundled in this checkout")
    loaded = load_model()
    assert loaded.config.kind == "pocketvae" and loaded.config.genres == GENRES and loaded.prior is not None
    assert (folder / "pocketvae.pt").stat().st_size < 20 * 1024 * 1024


def test_installed_package_finds_its_bundled_weights_and_kit(tmp_path):
    """Wheel install: weights and drum kit inside site-packages/groovecli/models; editable: the checkout's models/."""
    import subprocess
    import sys
    from pathlib import Path

    from conftest import REPO

    if not (REPO / "models" / "manifest.json").exists():
        pytest.skip("no weights bundled in this checkout")
    code = ("import groovecli, groovecli.weights as w, groovecli.audio.render as a; print(groovecli.__file__); "
            "print(w.resolve(None)); print(a.bundled_kit())")
    env = {k: v for k, v in __import__("os").environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    package_file, weights_file, kit_file = (Path(line) for line in out.stdout.split())
    package = package_file.parent
    if package.resolve() == (REPO / "groovecli").resolve():  # editable install or source checkout
        assert weights_file.resolve() == (REPO / "models" / "pocketvae.pt").resolve()
        assert kit_file.resolve() == (REPO / "models" / "kit" / "groove-drums.sf3").resolve()
    else:  # a wheel: the copy inside the installed package
        assert weights_file.resolve().parent == (package / "models").resolve()
        assert kit_file.resolve() == (package / "models" / "kit" / "groove-drums.sf3").resolve()


def test_bundled_genre_classifier_loads():
    from groovecli.lab.evaluation import load_classifier

    clf = load_classifier(None)
    assert clf.out.out_features == len(GENRES)
    logits = clf(torch.zeros(2, 32, 9), torch.zeros(2, 32, 9), torch.zeros(2, 32, 9))
    assert logits.shape == (2, len(GENRES)) and torch.isfinite(logits).all()


def test_missing_classifier_is_a_clear_error(tmp_path):
    from groovecli.errors import GrooveError
    from groovecli.lab.evaluation import load_classifier

    with pytest.raises(GrooveError, match="no genre classifier"):
        load_classifier(str(tmp_path / "none.pt"))


def test_hf_weights_fail_fast_when_the_hub_cannot_be_reached(checkpoint, tmp_path, monkeypatch):
    """No network and nothing cached: one line at once (it was 27 s of retries); cached: used."""
    import time

    import huggingface_hub.constants

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    started = time.perf_counter()
    with pytest.raises(WeightsError, match=r"cannot be reached and the file is not in the cache"):
        resolve("hf://groove/never-downloaded")  # huggingface_hub fixes its cache folder at import
    assert time.perf_counter() - started < 5
