"""A folder spread over processes (--jobs) or Ray tasks (--ray) writes what one process writes."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
from click.testing import CliRunner
from conftest import hits_track, midi_file, save

from groovecli.cli import cli, pool


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def beats(folder, n: int = 3):
    folder.mkdir()
    for i in range(n):
        save(midi_file(hits_track([(k * 120, (36, 42, 38, 42)[(k + i) % 4], 90 + i) for k in range(48)], 60)),
             folder / f"beat{i}.mid")
    return folder


def outputs(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.mid"))}


def test_jobs_decides_the_workers(monkeypatch):
    monkeypatch.setattr(pool, "cores", lambda: 1)
    assert pool.workers_for(10, "cpu") == 0  # one core: no workers unless asked
    assert pool.workers_for(10, "cpu", 3) == 3 and pool.workers_for(2, "cpu", 4) == 2
    assert pool.workers_for(10, "cpu", 1) == 0 and pool.workers_for(1, "cpu", 4) == 0
    assert pool.workers_for(10, "cuda", 4) == 0  # one GPU is fed by one process


def test_jobs_two_writes_the_bytes_and_summary_of_jobs_one(tmp_path):
    folder = beats(tmp_path / "in")
    two = run("humanize", str(folder), "-o", str(tmp_path / "two"), "--seed", "3", "--jobs", "2", "--json")
    one = run("humanize", str(folder), "-o", str(tmp_path / "one"), "--seed", "3", "-j", "1", "--json")
    assert two.exit_code == 0 and one.exit_code == 0, two.output + one.output
    assert outputs(tmp_path / "two") == outputs(tmp_path / "one") and len(outputs(tmp_path / "one")) == 3
    assert json.loads(two.stdout) == [{**r, "output": r["output"].replace("one", "two")} for r in json.loads(one.stdout)]


def test_ray_missing_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    folder = beats(tmp_path / "in")
    result = run("humanize", str(folder), "-o", str(tmp_path / "out"), "--ray")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == ['error: --ray needs Ray: pip install "groove-cli[ray]"']


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed (groove-cli[ray])")
def test_ray_with_no_cluster_there_is_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    result = run("humanize", str(beats(tmp_path / "in")), "-o", str(tmp_path / "out"), "--ray", "auto")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [
        "error: cannot reach the Ray cluster at auto: Could not find any running Ray instance"]


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed (groove-cli[ray])")
def test_ray_on_a_local_two_cpu_instance_writes_the_same_bytes_and_resumes(tmp_path):
    folder = beats(tmp_path / "in", 4)
    local = run("humanize", str(folder), "-o", str(tmp_path / "one"), "--seed", "7", "-j", "1", "--json")
    ray = run("humanize", str(folder), "-o", str(tmp_path / "ray"), "--seed", "7", "--jobs", "2", "--ray", "--json")
    assert ray.exit_code == 0, ray.output
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "one") and len(outputs(tmp_path / "one")) == 4
    assert json.loads(ray.stdout) == [{**r, "output": r["output"].replace("one", "ray")} for r in json.loads(local.stdout)]
    (tmp_path / "ray" / "beat2.groove.mid").unlink()  # as if the run had been stopped before this file
    (tmp_path / "ray" / ".beat2.groove.mid.k3j9x.tmp").write_bytes(b"MThd")  # ...while writing it
    again = run("humanize", str(folder), "-o", str(tmp_path / "ray"), "--seed", "7", "--jobs", "2", "--ray", "--json")
    assert again.exit_code == 0, again.output
    rows = json.loads(again.stdout)
    assert [("skipped" in r, "output" in r) for r in rows] == [(True, False), (True, False), (False, True), (True, False)]
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "one")
    assert sorted(p.name for p in (tmp_path / "ray").iterdir()) == sorted(p.name for p in (tmp_path / "one").iterdir())


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed (groove-cli[ray])")
def test_ray_workers_read_the_files_and_report_as_one_process_does(tmp_path):
    """On Ray each worker reads its own sketch: a file's warnings and a bad file's error come back
    as a local run gives them."""
    folder = beats(tmp_path / "in", 2)
    save(midi_file(hits_track([(k * 120, (36, 42)[k % 2], 100) for k in range(48)], 60, channel=2)),
         folder / "other_channel.mid")
    (folder / "broken.mid").write_bytes(b"not a midi file")
    local = run("humanize", str(folder), "-o", str(tmp_path / "one"), "--seed", "2", "-j", "1", "--json")
    ray = run("humanize", str(folder), "-o", str(tmp_path / "ray"), "--seed", "2", "--ray", "--jobs", "2", "--json")
    assert local.exit_code == ray.exit_code == 1, ray.output  # the broken file
    assert json.loads(ray.stdout) == [{**r, "output": r["output"].replace("one", "ray")} if "output" in r else r
                                      for r in json.loads(local.stdout)]
    warned = [line for line in local.stderr.splitlines() if "other_channel.mid" in line]
    assert warned and all(line in ray.stderr.splitlines() for line in warned)


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed (groove-cli[ray])")
def test_ray_at_a_head_address_nothing_answers_is_one_line_at_once(tmp_path):
    result = run("humanize", str(beats(tmp_path / "in")), "-o", str(tmp_path / "out"), "--ray", "127.0.0.1:1")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == ["error: cannot reach the Ray cluster at 127.0.0.1:1: Connection refused"]
