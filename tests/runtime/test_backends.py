"""Both runtimes behind one set of numpy loops: the same numpy draws give the same take on
onnxruntime and on torch; onnxruntime is chosen where the graphs are, torch where they are not."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO

pytest.importorskip("onnxruntime")
pytest.importorskip("torch")

from groovecli.cli import cli  # noqa: E402
from groovecli.errors import GrooveError, WeightsError  # noqa: E402
from groovecli.generate.decorate import condition  # noqa: E402
from groovecli.runtime import load  # noqa: E402
from groovecli.runtime.load import load_networks, pick_backend  # noqa: E402


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The bundled pocketvae and decorator, with their graphs beside them."""
    out = tmp_path_factory.mktemp("exported")
    for name in ("pocketvae.pt", "decorate.pt"):
        shutil.copy(REPO / "models" / name, out / name)
    assert CliRunner().invoke(cli, ["export-onnx", str(out / "pocketvae.pt"), str(out / "decorate.pt")]).exit_code == 0
    return out


def draws(seed: int):
    rng = np.random.default_rng(seed)
    return rng, lambda shape: rng.random(shape, dtype=np.float32)


def take(nets, seed: int = 0) -> dict[str, np.ndarray]:
    """A little of every loop: prior codes, their notes, the decorator's notes, both feels."""
    rng, rand = draws(seed)
    genre = np.full(6, nets.config.genres.index("funk"))
    codes = nets.prior.sample(genre, nets.config.codes, rand, temperature=0.9)
    sketch = (rng.random((6, 32, 9)) < 0.12).astype(np.float32)
    h_p = nets.model.skel(sketch)
    notes = (nets.model.note_decode(codes, sketch, h_p) > 0).astype(np.float32)
    z = rng.standard_normal((6, nets.decorator.cfg["z_dim"]), dtype=np.float32)
    decorated = nets.decorator.generate(condition(sketch), genre, z, rand, floor=sketch)["hits"]
    out = {"codes": codes, "notes": notes, "decorated": decorated,
           "guess": nets.guesser.guess(sketch, np.full(6, 100.0, np.float32))}
    pattern = np.zeros((6, 32), np.int64)
    for feel in ("velocity", "offset"):
        z = rng.standard_normal((6, nets.config.z_dim), dtype=np.float32)
        out[feel] = np.round(nets.model.decode_feel(feel, z, decorated, pattern, genre, rand) * 127)
    return out


def test_the_same_draws_give_the_same_take_on_both_runtimes(folder):
    ort, torch_nets = load_networks(folder, backend="auto"), load_networks(folder, backend="torch")
    assert (ort.backend, torch_nets.backend) == ("onnxruntime", "torch") and ort.decorator is not None
    for seed in (0, 1):
        a, b = take(ort, seed), take(torch_nets, seed)
        np.testing.assert_allclose(a.pop("guess"), b.pop("guess"), atol=1e-5)
        for key in a:
            assert (a[key] == b[key]).all(), key


def test_the_runtime_is_chosen_by_what_is_there(folder, tmp_path, monkeypatch):
    bare = shutil.copy(REPO / "models" / "pocketvae.pt", tmp_path / "pocketvae.pt")
    assert load_networks(bare).backend == "torch"  # no graphs beside it
    assert pick_backend("auto", "cuda", folder / "pocketvae.pt") == "torch"
    with pytest.raises(WeightsError, match="no ONNX graphs beside it; run groove export-onnx"):
        load_networks(bare, backend="onnxruntime")
    monkeypatch.setattr(load, "installed", lambda module: module != "torch")
    assert pick_backend("auto", "cpu", folder / "pocketvae.pt") == "onnxruntime"
    for args, why in ((("auto", "cpu", bare), "weights without ONNX graphs"), (("auto", "cuda", bare), "--device cuda")):
        with pytest.raises(GrooveError) as info:
            pick_backend(*args)
        assert str(info.value) == f'{why}{" (groove export-onnx writes them)" if "weights" in why else ""}: ' \
                                  'this needs torch: pip install "groove-cli[torch]"'


def test_cuda_without_cuda_is_one_line(folder):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(GrooveError, match="^--device cuda was asked for, but this machine or this torch build has no CUDA"):
        load_networks(folder, device="cuda")


def test_damaged_graphs_are_one_line_errors(tmp_path):
    from groovecli.errors import WeightsError
    from groovecli.runtime.graphs import Graphs

    (tmp_path / "m.onnx.json").write_text("{bad")
    with pytest.raises(WeightsError, match="is damaged; run groove export-onnx again"):
        Graphs(tmp_path / "m.pt")
    (tmp_path / "m.onnx.json").write_text('{"config": {}, "parts": ["skel"]}')
    (tmp_path / "m.skel.onnx").write_bytes(b"garbage")
    with pytest.raises(WeightsError, match="is not a readable ONNX graph"):
        Graphs(tmp_path / "m.pt").session("skel")


def test_a_graph_that_does_not_match_its_manifest_is_refused_before_it_runs(tmp_path):
    """Graphs are checked against the manifest's sha256 as they are opened, as the .pt files
    always were: a flipped byte (or a git-LFS pointer) is one line, not a wrong take."""
    from groovecli.errors import WeightsError
    from groovecli.runtime.graphs import Graphs

    for f in ["manifest.json", "pocketvae.onnx.json", *(p.name for p in (REPO / "models").glob("pocketvae.*.onnx"))]:
        shutil.copy(REPO / "models" / f, tmp_path / f)
    assert Graphs(tmp_path / "pocketvae.pt").session("skel") is not None  # as shipped: it opens
    graph = tmp_path / "pocketvae.skel.onnx"
    data = bytearray(graph.read_bytes())
    data[-1] ^= 0xFF
    graph.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match=r"pocketvae.skel.onnx are damaged \(sha256 does not match the manifest\)"):
        Graphs(tmp_path / "pocketvae.pt").session("skel")
