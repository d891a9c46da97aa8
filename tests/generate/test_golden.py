"""The bundled weights still give the outputs recorded in tests/golden (see make_golden.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import REPO
from golden_modes import CASES as MODE_CASES
from golden_modes import run_case
from make_golden import CASES, render_case, weights_digest

from groovecli.runtime.load import installed, load_networks
from groovecli.weights import bundled_dir

GOLDEN = REPO / "tests" / "golden"


@pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    path = GOLDEN / f"{name}.npz"
    assert path.exists(), "no golden: run python tests/make_golden.py"
    golden = np.load(path)
    assert str(golden["weights_sha256"]) == weights_digest(), "the weights changed: run python tests/make_golden.py"
    got = render_case(name, load_networks())
    np.testing.assert_array_equal(got["hits"], golden["hits"])
    np.testing.assert_allclose(got["velocity"], golden["velocity"], atol=1e-4)
    np.testing.assert_allclose(got["offset"], golden["offset"], atol=1e-4)


@pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
@pytest.mark.parametrize("runtime", ["onnxruntime", "torch"])
@pytest.mark.parametrize("name", sorted(MODE_CASES))
def test_every_mode_writes_its_golden_bytes_on_both_runtimes(name, runtime, tmp_path, monkeypatch):
    """The CLI's bytes, the same on onnxruntime (the default) and on torch (as --device cuda runs)."""
    if not installed(runtime):
        pytest.skip(f"{runtime} is not installed")
    monkeypatch.setenv("GROOVE_RUNTIME", runtime)
    golden = json.loads((GOLDEN / "modes.json").read_text())
    assert run_case(name, tmp_path) == golden[name], f"{name} changed: if on purpose, run python tests/golden_modes.py"
