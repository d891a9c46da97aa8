"""`groove export-onnx` (hidden) writes a checkpoint's graphs beside it; a training run's float32
weights stay float32 in them."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO

pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")

from groovecli.cli import cli  # noqa: E402
from groovecli.runtime.networks import open_groove  # noqa: E402
from groovecli.weights import load_model  # noqa: E402


def test_export_onnx_is_hidden_and_writes_the_graphs_beside_the_checkpoint(tmp_path):
    assert "export-onnx" not in CliRunner().invoke(cli, ["--help"]).output
    for name in ("fills.pt", "genre-classifier.pt"):
        shutil.copy(REPO / "models" / name, tmp_path / name)
    result = CliRunner().invoke(cli, ["export-onnx", str(tmp_path / "fills.pt"), str(tmp_path / "genre-classifier.pt")])
    assert result.exit_code == 0, result.output
    assert "fills.pt: 2 graph(s)" in result.output and "nothing to export" in result.output
    assert sorted(p.name for p in tmp_path.iterdir() if "onnx" in p.name) == [
        "fills.onnx.json", "fills.start.onnx", "fills.step.onnx"]
    missing = CliRunner().invoke(cli, ["export-onnx", str(tmp_path / "nope.pt")])
    assert missing.exit_code == 1 and missing.stderr.strip() == f"error: no such file: {tmp_path / 'nope.pt'}"


def test_float32_weights_export_exactly(tiny_weights, tmp_path):
    path = shutil.copy(tiny_weights, tmp_path / "tiny.pt")
    assert CliRunner().invoke(cli, ["export-onnx", str(path)]).exit_code == 0
    model, prior, guesser = open_groove(path)
    assert prior is not None and guesser is not None
    notes = (np.random.default_rng(0).random((3, 32, 9)) < 0.2).astype(np.float32)
    with torch.no_grad():
        want = load_model(path).model.skel(torch.as_tensor(notes)).numpy()
    np.testing.assert_allclose(model.skel(notes), want, atol=1e-6)


def test_the_runtime_runs_without_importing_torch(tmp_path):
    import subprocess
    import sys

    path = shutil.copy(REPO / "models" / "drumify.pt", tmp_path / "drumify.pt")
    assert CliRunner().invoke(cli, ["export-onnx", str(path)]).exit_code == 0
    code = ("import sys, numpy as np\nsys.modules['torch'] = None  # any import of torch fails\n"
            "from groovecli.runtime.networks import open_cond\n"
            f"m = open_cond({str(path)!r})\nrng = np.random.default_rng(0)\n"
            "out = m.generate(np.zeros((2, m.cfg['steps'], m.cfg['cond_dim']), np.float32), np.array([0, 1]),\n"
            "                 np.zeros((2, m.cfg['z_dim']), np.float32), lambda s: rng.random(s, dtype=np.float32))\n"
            "print(out['hits'].shape)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("(2, ")
