"""Every command on every MIDI fixture: what a producer's files must never do to a run (issue #24).

The fixtures: the self-made corpus (``data/corpus``, one file per defect real songs showed; see
its ``make_corpus.py``), the GMD performances in ``data/gmd`` and the bundled examples. For each
command the run ends with exit 0 or one ``error:`` line that is not "unexpected", and what it
writes keeps the invariants of ``midi_invariants.py``: no zero-length note the input did not
have, every event groove does not own kept, and timing in seconds equal to mido's reading.
"""

from __future__ import annotations

import wave
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import DATA, FIXTURE_FILES, REPO
from midi_invariants import check_output

from groovecli.cli import cli

CORPUS = sorted((DATA / "corpus").glob("*.mid"))
FIXTURES = CORPUS + FIXTURE_FILES + sorted((REPO / "examples").glob("*.mid"))
KIT = REPO / "models" / "kit" / "groove-drums.sf3"
GM_FONT = Path(__import__("pretty_midi").__file__).parent / "TimGM6mb.sf2"  # a General MIDI font pretty_midi ships
OTHER = REPO / "examples" / "funk.mid"


@pytest.fixture(scope="module")
def fast_models(tiny_weights):
    """One tiny PocketVAE for the whole file, and each conditional model read once."""
    from groovecli.cli.options import load_cond_for
    from groovecli.runtime.load import load_networks

    return load_networks(tiny_weights), lru_cache(maxsize=None)(load_cond_for)


@pytest.fixture
def invoke(fast_models, monkeypatch):
    """Run the CLI in this process with the shared models (every module that bound them)."""
    import groovecli.generate as generate
    from groovecli import weights

    loaded, cond = fast_models
    for module in [weights, *_modules(generate), *_modules(cli_package())]:
        if hasattr(module, "load_model_for"):
            monkeypatch.setattr(module, "load_model_for", lambda weights_spec, device: loaded)
        if hasattr(module, "load_cond_for"):
            monkeypatch.setattr(module, "load_cond_for", cond)

    def run(*args):
        return CliRunner().invoke(cli, [str(a) for a in args])

    return run


def cli_package():
    import groovecli.cli as package

    return package


def _modules(package):
    import importlib
    import pkgutil

    return [importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)]


def ended_well(result) -> None:
    """Exit 0, or exit 1 with one ``error:`` line on stderr that is not a bug's."""
    assert "Traceback" not in result.output, result.output
    assert "unexpected" not in result.output, result.output
    if result.exit_code != 0:
        lines = result.stderr.strip().splitlines()
        errors = [line for line in lines if line.startswith("error: ")]
        assert result.exit_code == 1 and len(errors) == 1 and lines[-1] == errors[0], result.stderr


def _id(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


COMMANDS = {
    "humanize": lambda src, out: ["humanize", src, "-o", out / "h.mid", "--seed", "1", "--preview"],
    "humanize-keep": lambda src, out: ["humanize", src, "-o", out / "k.mid", "--seed", "2", "--notes", "keep",
                                       "--fills", "4"],
    "transfer": lambda src, out: ["transfer", src, OTHER, "-o", out / "t.mid", "--seed", "1"],
    "transfer-ref": lambda src, out: ["transfer", OTHER, src, "-o", out / "r.mid", "--seed", "1"],
    "continue": lambda src, out: ["continue", src, "--bars", "2", "-n", "2", "-o", out / "c", "--seed", "1"],
    "drumify": lambda src, out: ["drumify", src, "-o", out / "d.mid", "--seed", "1"],
    "fill": lambda src, out: ["fill", src, "--bars", "1:2", "-o", out / "f.mid", "--seed", "1"],
    "interpolate": lambda src, out: ["interpolate", src, OTHER, "--steps", "3", "-o", out / "i.mid", "--seed", "1"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("src", FIXTURES, ids=_id)
def test_every_writing_command_on_every_fixture(invoke, tmp_path, src, command):
    result = invoke(*COMMANDS[command](src, tmp_path))
    ended_well(result)
    if result.exit_code:
        assert not list(tmp_path.iterdir()), "a failed run left files behind"
    for out in sorted(tmp_path.glob("*.mid")):
        check_output(src if command != "transfer-ref" else OTHER, out, keeps_input=command != "drumify"
                     and not command.startswith("interpolate"))
    for wav in tmp_path.glob("*.wav"):
        assert_no_clipping(wav)


@pytest.mark.parametrize("src", FIXTURES, ids=_id)
def test_show_and_analyze_on_every_fixture(invoke, src):
    for args in (["show", src], ["analyze", src], ["analyze", src, "--json"]):
        ended_well(invoke(*args))


@pytest.mark.skipif(not KIT.exists(), reason="no bundled kit")
@pytest.mark.parametrize("src", FIXTURES, ids=_id)
def test_render_on_every_fixture(invoke, tmp_path, src):
    for args in (["render", src, "-o", tmp_path / "drums.wav"],
                 ["render", src, "-o", tmp_path / "all.wav", "--all", "--soundfont", GM_FONT]):
        result = invoke(*args)
        ended_well(result)
    for wav in tmp_path.glob("*.wav"):
        assert_no_clipping(wav)


def assert_no_clipping(path: Path) -> None:
    with wave.open(str(path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    assert len(pcm) == 0 or int(np.abs(pcm.astype(np.int32)).max()) < 32767, f"{path.name} clips"
