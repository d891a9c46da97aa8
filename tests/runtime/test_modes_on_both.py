"""Same seed, same bytes on both runtimes: every mode on the bundled weights gives the same MIDI
on onnxruntime (the shipped ONNX graphs) as on torch (the checkpoints, run as ``--device cuda``
runs them, here on the CPU): one set of sampling loops draws from one numpy generator, and the
networks compute the same numbers on either."""

from __future__ import annotations

import pytest
from conftest import REPO, midi_bytes

from groovecli.generate.continue_ import continue_song
from groovecli.generate.drumify import drumify
from groovecli.generate.fill import fill
from groovecli.generate.humanize import HumanizeOptions, humanize
from groovecli.generate.interpolate import interpolate
from groovecli.generate.sample import sample
from groovecli.generate.transfer import transfer
from groovecli.runtime.load import has_graphs, installed, load_cond_networks, load_networks, local_checkpoint

pytestmark = pytest.mark.skipif(
    not (installed("onnxruntime") and installed("torch") and has_graphs(local_checkpoint(None))
         and local_checkpoint(None).is_file()),
    reason="needs the bundled checkpoints beside their graphs, onnxruntime and torch")

ROCK, FUNK = REPO / "examples" / "rock.mid", REPO / "examples" / "funk.mid"


@pytest.fixture(scope="module")
def both():
    """(onnxruntime, torch) networks of the bundled weights, and of each conditional model."""
    nets = {b: load_networks(None, "cpu", b) for b in ("onnxruntime", "torch")}
    conds = {(t, b): load_cond_networks(t, None, "cpu", b) for t in ("drumify", "fills") for b in nets}
    assert nets["onnxruntime"].backend == "onnxruntime" and nets["torch"].backend == "torch"
    return nets, conds


@pytest.mark.parametrize("notes", ["add", "keep", "free"])
def test_humanize_is_the_same_on_both(both, notes):
    nets, _ = both
    options = HumanizeOptions(notes=notes, seed=3)  # --genre auto: the guesser runs too
    a, b = (humanize(ROCK, nets[k], options) for k in ("onnxruntime", "torch"))
    assert midi_bytes(a.performance) == midi_bytes(b.performance)


def test_every_other_mode_is_the_same_on_both(both):
    nets, conds = both
    runs = {
        "knobs": lambda n, c: humanize(ROCK, n, HumanizeOptions(seed=2, density="+50%", genre="jazz")),
        "fills": lambda n, c: humanize(ROCK, n, HumanizeOptions(seed=2, genre="rock", fills="4"),
                                       fill_model=c["fills"]),
        "transfer": lambda n, c: transfer(ROCK, FUNK, n, HumanizeOptions(seed=1)),
        "sample": lambda n, c: sample(n, genre="jazz", bars=8, seed=5, fill_model=c["fills"]),
        "continue": lambda n, c: continue_song(ROCK, n, bars=2, seed=4),
        "interpolate": lambda n, c: interpolate(ROCK, FUNK, n, steps=3, seed=6),
        "drumify": lambda n, c: drumify(REPO / "examples" / "bassline.mid", c["drumify"], seed=7, groove_model=n),
        "fill": lambda n, c: fill(ROCK, (4, 4), c["fills"], seed=8, groove_model=n),
    }
    for name, run in runs.items():
        out = [midi_bytes(run(nets[b], {t: conds[(t, b)] for t in ("drumify", "fills")}).performance)
               for b in ("onnxruntime", "torch")]
        assert out[0] == out[1], f"{name} differs between the runtimes"
