"""An install ships the ONNX graphs and not the ``.pt`` files: torch rebuilds its modules from the
graphs' weights (``runtime/weight_map.py``) and runs exactly what the checkpoints run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO

pytest.importorskip("onnx")
torch = pytest.importorskip("torch")

from groovecli import weights  # noqa: E402
from groovecli.cli import cli  # noqa: E402
from groovecli.errors import WeightsError  # noqa: E402
from groovecli.generate.decorate import condition  # noqa: E402
from groovecli.runtime import load  # noqa: E402
from groovecli.runtime.load import load_networks  # noqa: E402
from groovecli.weights import load_cond, load_model, read_base_parts, read_checkpoint  # noqa: E402

COND_TASKS = ("decorate", "drumify", "fills")
CHECKPOINTS = ("pocketvae.pt", *(f"{task}.pt" for task in COND_TASKS))
# inference never reads these: the codebook's running statistics, the conditional models' encoders
TRAINING_ONLY = {"model": {"note.quantizer.cluster_size", "note.quantizer.embed_sum", "note.quantizer.initialised",
                           "note.quantizer.idle_steps"}}
COND_ENCODER = ("enc.", "to_stats.")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """(the bundled checkpoints with their graphs, the same graphs with no .pt beside them)."""
    full, graphs = tmp_path_factory.mktemp("with-pt"), tmp_path_factory.mktemp("graphs-only")
    for name in CHECKPOINTS:
        shutil.copy(REPO / "models" / name, full / name)
    result = CliRunner().invoke(cli, ["export-onnx", *(str(full / name) for name in CHECKPOINTS)])
    assert result.exit_code == 0, result.output
    for path in full.iterdir():
        if "onnx" in path.name:
            shutil.copy(path, graphs / path.name)
    return full, graphs


def states(module) -> dict[str, torch.Tensor]:
    return module.state_dict()


def test_rebuilt_modules_hold_every_tensor_inference_reads(folders):
    full, graphs = folders
    rebuilt, original = load_model(graphs), load_model(full)
    assert rebuilt.inference_only and not original.inference_only and rebuilt.metrics == original.metrics
    card = json.loads((graphs / "pocketvae.onnx.json").read_text())
    for part in ("model", "prior", "guesser"):
        absent = set(card["absent"][part])
        assert absent == TRAINING_ONLY.get(part, set()), part
        a, b = states(getattr(rebuilt, part)), states(getattr(original, part))
        assert sorted(a) == sorted(b)
        assert [k for k in b if k not in absent and not torch.equal(a[k], b[k])] == [], part
    for task in COND_TASKS:
        a, b = load_cond(task, graphs), load_cond(task, full)
        assert a.inference_only and a.config == b.config
        absent = set(json.loads((graphs / f"{task}.onnx.json").read_text())["absent"][task])
        assert absent and all(k.startswith(COND_ENCODER) for k in absent), task
        sa, sb = states(a.model), states(b.model)
        assert [k for k in sb if k not in absent and not torch.equal(sa[k], sb[k])] == [], task


def take(nets, seed: int) -> dict[str, np.ndarray]:
    """Every loop once, from one numpy generator: prior codes, their notes, the decorator's notes,
    the guess and both feels."""
    rng = np.random.default_rng(seed)
    rand = lambda shape: rng.random(shape, dtype=np.float32)  # noqa: E731
    genre = np.full(4, nets.config.genres.index("funk"))
    codes = nets.prior.sample(genre, nets.config.codes, rand, temperature=0.9)
    sketch = (rng.random((4, 32, 9)) < 0.12).astype(np.float32)
    notes = (nets.model.note_decode(codes, sketch, nets.model.skel(sketch)) > 0).astype(np.float32)
    z = rng.standard_normal((4, nets.decorator.cfg["z_dim"]), dtype=np.float32)
    decorated = nets.decorator.generate(condition(sketch), genre, z, rand, floor=sketch)["hits"]
    out = {"codes": codes, "notes": notes, "decorated": decorated,
           "guess": nets.guesser.guess(sketch, np.full(4, 100.0, np.float32))}
    for feel in ("velocity", "offset"):
        z = rng.standard_normal((4, nets.config.z_dim), dtype=np.float32)
        out[feel] = nets.model.decode_feel(feel, z, decorated, np.zeros((4, 32), np.int64), genre, rand)
    return out


def test_torch_runs_the_same_take_from_the_graphs_as_from_the_checkpoint(folders):
    full, graphs = folders
    a, b = load_networks(graphs, backend="torch"), load_networks(full, backend="torch")
    assert a.backend == b.backend == "torch" and a.decorator is not None
    first, second = take(a, 5), take(b, 5)
    for key in first:
        assert first[key].tobytes() == second[key].tobytes(), key


def test_a_humanize_from_the_graphs_alone_is_the_checkpoints_byte_for_byte(folders, tmp_path):
    full, graphs = folders
    outs = []
    for folder in (full, graphs):
        out = tmp_path / f"{folder.name}.mid"
        result = CliRunner().invoke(cli, ["humanize", str(REPO / "examples" / "funk.mid"), "-o", str(out), "-q",
                                          "--seed", "3", "--notes", "add", "--weights", str(folder)])
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_a_bundled_install_with_only_the_graphs_finds_verifies_and_loads_them(folders, tmp_path, monkeypatch):
    full, _ = folders
    shipped = tmp_path / "models"
    shipped.mkdir()
    for name in CHECKPOINTS:
        shutil.copy(full / name, shipped / name)
    shutil.copy(REPO / "models" / "manifest.json", shipped / "manifest.json")
    assert CliRunner().invoke(cli, ["export-onnx", *(str(shipped / n) for n in CHECKPOINTS)]).exit_code == 0
    listed = json.loads((shipped / "manifest.json").read_text())["files"]
    assert {"pocketvae.onnx.json", "pocketvae.skel.onnx", "fills.step.onnx"} <= set(listed)
    assert listed["pocketvae.skel.onnx"]["bytes"] == (shipped / "pocketvae.skel.onnx").stat().st_size
    for name in CHECKPOINTS:
        (shipped / name).unlink()
    for module in (weights, load):
        monkeypatch.setattr(module, "bundled_dir", lambda: shipped)
    loaded = load_model(None)
    assert loaded.inference_only and load_cond("decorate").inference_only and load_cond("fills").inference_only
    assert load_networks(None, backend="torch").decorator is not None
    graph = shipped / "pocketvae.vel_step.onnx"
    graph.write_bytes(graph.read_bytes()[:-1] + b"\0")
    with pytest.raises(WeightsError, match=r"^bundled weights are damaged \(sha256 does not match the manifest\); "
                                           "reinstall groove$"):
        load_model(None)


def damaged(graphs, tmp_path, change) -> str:
    """The one-line error of loading a copy of the graphs after ``change(folder)``."""
    folder = tmp_path / "copy"
    shutil.copytree(graphs, folder)
    change(folder)
    with pytest.raises(WeightsError) as info:
        load_model(folder)
    assert "\n" not in str(info.value)
    return str(info.value)


def edit_card(**changes):
    def change(folder):
        card = folder / "pocketvae.onnx.json"
        info = json.loads(card.read_text())
        for key, value in changes.items():
            if value is None:
                del info[key]
            else:
                info[key] = value
        card.write_text(json.dumps(info))
    return change


@pytest.mark.parametrize("change, says", [
    (lambda f: (f / "pocketvae.onnx.json").write_text("{bad"), "pocketvae.onnx.json is damaged; run groove export-onnx"),
    (edit_card(weights=None), "(or it was exported before groove mapped the weights)"),
    (edit_card(weights={"model": {"skel.proj.bias": ["skel", "no-such", "identity"]}}), "skel.onnx holds no 'no-such'"),
    (edit_card(weights={"model": {"skel.proj.bias": ["skel", "skel.proj.bias__f16", "spin:9"]}}),
     "unknown weight transform 'spin:9'"),
    (edit_card(weights={"model": {"skel.proj.bias": ["skel"]}}), "pocketvae.onnx.json is damaged"),
    (edit_card(absent=["note.quantizer.cluster_size"]), "pocketvae.onnx.json is damaged"),
    (lambda f: (f / "pocketvae.vel_step.onnx").unlink(), "pocketvae.vel_step.onnx is missing"),
    (lambda f: (f / "pocketvae.skel.onnx").write_bytes(b"garbage"), "pocketvae.skel.onnx is not a readable ONNX graph"),
    (edit_card(format_version=1), "describes weights of format 1"),
])
def test_a_damaged_card_or_graph_is_one_line(folders, tmp_path, change, says):
    assert says in damaged(folders[1], tmp_path, change)


def test_training_from_the_graphs_alone_is_one_line(folders):
    graphs = folders[1]
    for read in (read_checkpoint, read_base_parts, lambda path: load_model(path, train=True)):
        with pytest.raises(WeightsError, match="only its ONNX graphs, which run the model but cannot train it: train "
                                               r"from the checkpoint \(a groove checkout's models/pocketvae.pt"):
            read(graphs / "pocketvae.pt")


def test_float32_weights_of_every_shape_rebuild_exactly(tiny_weights, tmp_path):
    path = shutil.copy(tiny_weights, tmp_path / "tiny.pt")
    assert CliRunner().invoke(cli, ["export-onnx", str(path)]).exit_code == 0
    original = load_model(path)
    path.unlink()
    rebuilt = load_model(tmp_path / "tiny.pt")
    for part in ("model", "prior", "guesser"):
        a, b = states(getattr(rebuilt, part)), states(getattr(original, part))
        absent = TRAINING_ONLY.get(part, set())
        assert [k for k in b if k not in absent and not torch.equal(a[k], b[k])] == [], part


def test_reading_the_graphs_weights_needs_no_torch(folders):
    code = ("import sys, json\nsys.modules['torch'] = None\nfrom pathlib import Path\n"
            "from groovecli.runtime.weight_map import read\n"
            f"card = json.loads(Path({str(folders[1] / 'fills.onnx.json')!r}).read_text())\n"
            f"print(len(read(card['weights'], Path({str(folders[1] / 'fills')!r}))['fills']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "20"


def test_without_the_onnx_package_the_graphs_alone_are_one_line(folders, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # any import of onnx fails
    with pytest.raises(WeightsError, match=r'^reading the weights from the ONNX graphs needs onnx: '
                                           r'pip install "groove-cli\[torch\]"$'):
        load_model(folders[1])
