"""`groove interpolate`: starts with A, ends with B, density moves between them, errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import hits_track, midi_file, save

from groovecli.cli import cli
from groovecli.errors import GrooveError
from groovecli.generate.interpolate import interpolate
from groovecli.grid.drumgrid import quantize
from groovecli.midi.read import read_midi


def beat(path, per_bar: list[tuple[int, int]], bars: int = 2):
    hits = [(bar * 16 * 120 + k * 120, pitch, 100) for bar in range(bars) for k, pitch in per_bar]
    return save(midi_file(hits_track(hits, 60)), path)


@pytest.fixture
def sparse_and_busy(tmp_path):
    sparse = beat(tmp_path / "sparse.mid", [(0, 36), (8, 38)])
    busy = beat(tmp_path / "busy.mid", [(k, 42) for k in range(16)] + [(0, 36), (4, 38), (8, 36), (12, 38), (14, 36)])
    return sparse, busy


def test_the_sequence_starts_with_a_ends_with_b_and_density_moves_between(tiny, sparse_and_busy):
    a, b = sparse_and_busy
    result = interpolate(a, b, tiny, steps=5, bars=2, genre="rock", seed=0)
    grid = quantize(result.performance)
    assert grid.steps == 5 * 2 * 16
    np.testing.assert_array_equal(grid.hits[:32], quantize(read_midi(a)).hits)
    np.testing.assert_array_equal(grid.hits[-32:], quantize(read_midi(b)).hits)
    density = result.report["notes_per_bar"]
    assert density[0] == 2 and density[-1] == 21
    assert all(x <= y for x, y in zip(density, density[1:])), density
    assert len(result.parts) == 5 and all(len(quantize(p).bars) == 2 for p in result.parts)


def test_seeds_repeat(tiny, sparse_and_busy):
    a, b = sparse_and_busy
    runs = [interpolate(a, b, tiny, steps=3, genre="rock", seed=s).performance.notes for s in (4, 4)]
    assert runs[0] == runs[1]


def test_steps_and_bars_are_checked(tiny, sparse_and_busy):
    a, b = sparse_and_busy
    with pytest.raises(GrooveError, match="--steps must be between 3 and 32"):
        interpolate(a, b, tiny, steps=1)
    with pytest.raises(GrooveError, match="--bars-per-step must be between 1 and 16"):
        interpolate(a, b, tiny, steps=3, bars=0)


def test_command_writes_one_file_or_a_folder(runner, sparse_and_busy, tiny_weights, tmp_path):
    a, b = sparse_and_busy
    one = runner.invoke(cli, ["interpolate", str(a), str(b), "--steps", "3", "--genre", "rock", "--seed", "1",
                              "--weights", str(tiny_weights)])
    assert one.exit_code == 0, one.output
    assert len(read_midi(tmp_path / "sparse.to.busy.mid").bars) == 6
    many = runner.invoke(cli, ["interpolate", str(a), str(b), "--steps", "4", "--genre", "rock", "--seed", "1",
                               "--weights", str(tiny_weights), "-o", str(tmp_path / "morph") + "/"])
    assert many.exit_code == 0, many.output
    assert sorted(p.name for p in (tmp_path / "morph").iterdir()) == [f"sparse.to.busy-{i}.mid" for i in (1, 2, 3, 4)]
    for args, fragment in ((["--steps", "1"], "--steps must be between 3"), (["--bars-per-step", "0"], "between 1 and 16")):
        bad = runner.invoke(cli, ["interpolate", str(a), str(b), *args])
        assert bad.exit_code == 1 and len(bad.output.strip().splitlines()) == 1 and fragment in bad.output
    missing = runner.invoke(cli, ["interpolate", str(a), str(tmp_path / "nope.mid"), "--weights", str(tiny_weights)])
    assert missing.exit_code == 1 and "B: " in missing.output and "no such file" in missing.output
