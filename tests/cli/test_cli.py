"""The command line: help, show, the meter policy, and one clear line for every bad input."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import mido
import pytest
from click.testing import CliRunner
from conftest import FIXTURE_FILES, FIXTURE_GMD, REPO, hits_track, midi_file, save

from groovecli import __version__
from groovecli.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def assert_one_line_error(result, code: int, fragment: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.stderr


@pytest.mark.parametrize("command", [[], ["show"], ["dataset"]])
def test_help_for_every_command(command):
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Usage: " in result.output


def test_hidden_commands_stay_out_of_the_main_help():
    result = run("--help")
    assert "show" in result.output and "dataset" not in result.output


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_help_does_not_import_torch_or_numpy():
    code = (
        "import sys\nfrom groovecli.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', [m for m in ('torch', 'numpy', 'mido', 'huggingface_hub') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "groovecli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and __version__ in out.stdout


def test_console_entry_keeps_exit_codes_and_output(rock_template, tiny_weights, tmp_path):
    """main() ends with os._exit: errors must still exit 1 with their line, success 0 with the
    file in place and the report flushed."""
    entry = [sys.executable, "-c", "from groovecli.cli import main; main()"]
    bad = subprocess.run(entry + ["humanize", str(tmp_path / "missing.mid")], capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.strip().startswith("error:") and "missing.mid" in bad.stderr
    out = tmp_path / "out.mid"
    good = subprocess.run(entry + ["humanize", str(rock_template), "-o", str(out), "--weights", str(tiny_weights),
                                   "--seed", "1", "--json"], capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["output"] == str(out) and out.stat().st_size > 0
    usage = subprocess.run(entry + ["humanize"], capture_output=True, text=True)
    assert usage.returncode == 2 and "Missing argument" in usage.stderr


def test_show_a_gmd_file():
    path = next(p for p in FIXTURE_FILES if "funk" in p.name)
    result = run("show", str(path), "--drum-map", "gmd", "--bars", "2:3")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "bars 2-3 of" in out and "4/4" in out and "100 bpm" in out
    assert "Kick" in out and "Snare" in out
    header = [line for line in out.splitlines() if line.strip() and line.split()[0].isdigit()]
    assert header and header[0].split() == ["2", "3"]
    assert any(mark in out for mark in "‹›")


def test_show_shades_velocity_and_marks_timing(tmp_path):
    hits = [(0, 36, 127), (480, 38, 10), (960 + 40, 42, 100), (1440 - 40, 42, 100)]
    src = save(midi_file(hits_track(hits, 30)), tmp_path / "a.mid")
    lines = run("show", str(src)).output.splitlines()
    kick = next(line for line in lines if line.startswith("Kick"))
    snare = next(line for line in lines if line.startswith("Snare"))
    hat = next(line for line in lines if line.startswith("Closed HH"))
    assert "█" in kick and "▁" in snare
    assert "›" in hat and "‹" in hat


def meter_track(changes: list[tuple[int, int, int]], bar_ticks: list[int]) -> mido.MidiTrack:
    """Time signatures (tick, numerator, denominator) and a kick on each of ``bar_ticks``."""
    events = [(tick, mido.MetaMessage("time_signature", numerator=n, denominator=d)) for tick, n, d in changes]
    for bar_tick in bar_ticks:
        events += [(bar_tick, mido.Message("note_on", channel=9, note=36, velocity=100)),
                   (bar_tick + 30, mido.Message("note_off", channel=9, note=36))]
    events.sort(key=lambda e: e[0])
    t, last = mido.MidiTrack(), 0
    for tick, msg in events:
        t.append(msg.copy(time=tick - last))
        last = tick
    return t


def test_show_draws_other_meters_as_groove_plays_them(tmp_path):
    # 4/4, two 3/4 bars, 4/4: the waltz bars are grooved, so show draws them (labelled with their
    # meter) and warns of nothing
    src = save(midi_file(meter_track([(0, 4, 4), (1920, 3, 4), (1920 + 2 * 1440, 4, 4)], [0, 1920, 3360, 4800])),
               tmp_path / "waltz.mid")
    result = run("show", str(src))
    assert result.exit_code == 0
    assert "passed through" not in result.stderr + result.output
    headers = " ".join(line for line in result.output.splitlines() if line.startswith(" " * 11))
    assert headers.split() == ["1", "2", "3/4", "3", "3/4", "4"]


def test_show_names_bars_a_meter_change_cuts_short(tmp_path):
    # a 4/4 bar cut short after 1.5 beats by a change to 3/4: no frame holds it, so it is passed through
    src = save(midi_file(meter_track([(0, 4, 4), (1920 + 720, 3, 4)], [0, 1920, 2640, 4080])), tmp_path / "cut.mid")
    result = run("show", str(src))
    assert result.exit_code == 0
    assert "cut.mid: bar 2 (4/4) is not grooved; passed through unchanged" in result.stderr  # the file is named
    assert "not shown (passed through): bars 2" in result.output


def make_bad_inputs(tmp_path):
    good = (FIXTURE_FILES[0]).read_bytes()
    n_tracks = good[10:12]
    (tmp_path / "empty.mid").write_bytes(b"")
    (tmp_path / "text.mid").write_text("this is not music\n")
    (tmp_path / "truncated.mid").write_bytes(good[: len(good) // 2])
    lying = bytearray(good)
    lying[10:12] = (int.from_bytes(n_tracks, "big") + 2).to_bytes(2, "big")
    (tmp_path / "lying.mid").write_bytes(bytes(lying))
    (tmp_path / "folder.mid").mkdir()
    save(midi_file(hits_track([(0, 60, 100)], 30, channel=0, name="Piano")), tmp_path / "piano.mid")
    meta = [mido.MetaMessage("time_signature", numerator=7, denominator=32)]  # its beat is not a whole 16th
    save(midi_file(hits_track([(0, 36, 100)], 30), meta=meta), tmp_path / "seven-32.mid")
    return tmp_path


@pytest.mark.parametrize(
    "name,fragment",
    [
        ("missing.mid", "no such file"),
        ("empty.mid", "is empty (0 bytes)"),
        ("text.mid", "is not a MIDI file"),
        ("truncated.mid", "is truncated"),
        ("folder.mid", "is a folder, not a MIDI file"),
        ("piano.mid", "has no drum notes on channel 10"),
        ("seven-32.mid", "has no whole bar, so there is nothing to groove (meters: 7/32"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(tmp_path, name, fragment):
    folder = make_bad_inputs(tmp_path)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}
    assert_one_line_error(run("show", str(folder / name)), 1, fragment)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}
    assert before == after  # the input is never modified, and nothing is written beside it


def test_debug_shows_the_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["--debug", "show", str(tmp_path / "missing.mid")])
    assert result.exit_code == 1 and result.exception is not None and type(result.exception).__name__ == "GrooveError"


@pytest.mark.parametrize(
    "args,code,fragment",
    [
        (["--bars", "x:y"], 1, "is not a range"),
        (["--bars", "5:2"], 1, "give 1 <= A <= B"),
        (["--bars", "500:501"], 1, "the song has"),
        (["--drum-channel", "17"], 2, ""),
        (["--drum-map", "nope.toml"], 1, "cannot read drum map"),
    ],
)
def test_bad_options(args, code, fragment):
    path = str(FIXTURE_FILES[0])
    result = run("show", path, *args)
    assert result.exit_code == code, result.output
    assert fragment in result.stderr and "Traceback" not in result.output


def test_drum_channel_and_track_options(tmp_path):
    src = save(midi_file(hits_track([(0, 36, 100)], 30, channel=1, name="Beat")), tmp_path / "ch2.mid")
    found = run("show", str(src))  # channel 10 is empty and the track is named like a drum part
    assert found.exit_code == 0 and "read the drums from channel 2" in found.stderr
    assert run("show", str(src), "--drum-channel", "10").exit_code == 1
    assert run("show", str(src), "--drum-channel", "2").exit_code == 0
    assert run("show", str(src), "--drum-track", "beat").exit_code == 0


def test_dataset_command_prints_counts(tmp_path):
    result = run("dataset", "--data", str(FIXTURE_GMD), "--cache", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "rock" in result.output and "validation" in result.output and "all" in result.output
    assert_one_line_error(run("dataset", "--data", str(tmp_path)), 1, "has no info.csv")


def test_train_rejects_sketch_shares_over_one_before_reading_data(tmp_path):
    result = run("train", "--data", str(tmp_path / "no-such-gmd"), "--out", str(tmp_path / "run"), "--model", "feel",
                 "--sketch-notes", "0.7", "--sketch-union", "0.5")
    assert_one_line_error(result, 1, "together at most 1 (got 0.7 + 0.5)")
    assert not (tmp_path / "run").exists()


# --- humanize, transfer, sample, genres -------------------------------------------------------

def test_model_commands_have_help():
    for command in ("humanize", "transfer", "sample", "genres", "train"):
        assert run(command, "--help").exit_code == 0


def test_humanize_end_to_end(tmp_path, tiny_weights):
    import json

    src = tmp_path / "beat.mid"
    src.write_bytes((REPO / "examples" / "funk.mid").read_bytes())
    result = run("humanize", str(src), "--weights", str(tiny_weights), "-g", "funk", "--seed", "1")
    assert result.exit_code == 0, result.output
    out = tmp_path / "beat.groove.mid"
    assert out.exists() and "wrote" in result.output and "before" in result.output and "after" in result.output
    again = run("humanize", str(src), "--weights", str(tiny_weights), "-g", "funk", "--seed", "1")
    assert_one_line_error(again, 1, "already exists; use --force")
    first = out.read_bytes()
    forced = run("humanize", str(src), "--weights", str(tiny_weights), "-g", "funk", "--seed", "1", "--force", "--json")
    assert forced.exit_code == 0 and out.read_bytes() == first  # same seed: byte-identical
    report = json.loads(forced.output)
    assert report["output"] == str(out) and report["seed"] == 1 and "notes_added" in report
    dry = run("humanize", str(src), "--weights", str(tiny_weights), "-o", str(tmp_path / "dry.mid"), "--dry-run", "-q")
    assert dry.exit_code == 0 and dry.output == "" and not (tmp_path / "dry.mid").exists()


def test_humanize_variations_and_folders(tmp_path, tiny_weights):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("rock", "jazz"):
        (folder / f"{name}.mid").write_bytes((REPO / "examples" / f"{name}.mid").read_bytes())
    result = run("humanize", str(folder), "-o", str(tmp_path / "out"), "--variations", "2", "--seed", "0",
                 "--weights", str(tiny_weights), "-q")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "jazz.groove-1.mid", "jazz.groove-2.mid", "rock.groove-1.mid", "rock.groove-2.mid"]  # takes in a folder
    assert (tmp_path / "out" / "rock.groove-1.mid").read_bytes() != (tmp_path / "out" / "rock.groove-2.mid").read_bytes()


@pytest.mark.parametrize(
    "args,code,fragment",
    [
        (["-g", "polka"], 1, "unknown genre 'polka'; the model knows: auto, rock"),
        (["--timing-pattern", "0+0?"], 1, "'?' at column 4"),
        (["--velocity-amount", "2"], 2, ""),
        (["--device", "cuda"], 1, "--device cuda"),
        (["-o", "SELF"], 1, "refusing to write over the input file"),
        (["--weights", "nowhere.pt"], 1, "no weights at nowhere.pt"),
    ],
)
def test_humanize_errors(tmp_path, tiny_weights, args, code, fragment):
    import torch

    if "cuda" in args and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    src = tmp_path / "beat.mid"
    src.write_bytes((REPO / "examples" / "rock.mid").read_bytes())
    args = [str(src) if a == "SELF" else a for a in args]
    weights = [] if "--weights" in args else ["--weights", str(tiny_weights)]
    result = run("humanize", str(src), *weights, *args)
    assert result.exit_code == code, result.output
    assert fragment in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "beat.groove.mid").exists()


def test_transfer_and_bad_reference(tmp_path, tiny_weights):
    template = tmp_path / "t.mid"
    template.write_bytes((REPO / "examples" / "rock.mid").read_bytes())
    ok = run("transfer", str(template), str(FIXTURE_FILES[0]), "--drum-map", "gmd", "--weights", str(tiny_weights),
             "--seed", "0", "-q")
    assert ok.exit_code == 0, ok.output and (tmp_path / "t.groove.mid").exists()
    bad = tmp_path / "bad.mid"
    bad.write_text("not midi")
    result = run("transfer", str(template), str(bad), "--weights", str(tiny_weights), "--force")
    assert_one_line_error(result, 1, "reference: ")
    assert "is not a MIDI file" in result.stderr


def test_sample_and_genres(tmp_path, tiny_weights):
    out = tmp_path / "jazz.mid"
    result = run("sample", "-g", "jazz", "--bars", "3", "--tempo", "140", "-o", str(out), "--seed", "5",
                 "--weights", str(tiny_weights))
    assert result.exit_code == 0, result.output and out.exists()
    many = run("sample", "-g", "funk", "-n", "2", "-o", f"{tmp_path / 'many'}/", "--weights", str(tiny_weights))
    assert many.exit_code == 0 and len(list((tmp_path / "many").glob("*.mid"))) == 2
    listing = run("genres", "--weights", str(tiny_weights))
    lines = listing.output.splitlines()
    assert listing.exit_code == 0 and lines[0].startswith("auto (the default") and lines[1:4] == ["rock", "funk", "jazz"]
    assert lines[-1] == "also accepted (merged in training): gospel → soul, blues → jazz, highlife → afrobeat"


def test_readme_python_api_snippet_runs_as_written(tmp_path, monkeypatch):
    text = (REPO / "README.md").read_text()
    block = text.split("## Python API", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    (tmp_path / "examples").mkdir()
    for example in ("funk.mid", "rock.mid", "bassline.mid"):
        (tmp_path / "examples" / example).write_bytes((REPO / "examples" / example).read_bytes())
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {})
    for name in ("funk.feel.mid", "funk.louder.mid", "funk.longer.mid", "feel-to-sketch.mid", "bassline.drums.mid",
                 "rock.fill.mid", "funk.longer.wav"):
        assert (tmp_path / name).exists(), name


def test_folder_run_survives_a_bad_file_and_reports(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(2):
        save(midi_file(hits_track([(k * 120, (36, 42, 38, 42)[k % 4], 100) for k in range(32)], 60)),
             folder / f"good{i}.mid")
    (folder / "bad.mid").write_text("not midi")
    out = tmp_path / "out"
    (out).mkdir()
    (out / "good1.groove.mid").write_bytes(b"keep me")
    result = run("humanize", str(folder), "-o", str(out), "--seed", "1", "--notes", "keep", "--genre", "rock")
    assert result.exit_code == 1
    assert (out / "good0.groove.mid").exists() and (out / "good1.groove.mid").read_bytes() == b"keep me"
    assert "bad.mid" in result.output and "not a MIDI file" in result.output and "exists" in result.output
    assert "2 of 3 file(s) failed" in result.stderr
    skipped = run("humanize", str(folder), "-o", str(out), "--seed", "1", "--notes", "keep", "--genre", "rock",
                  "--skip-existing", "--json")
    rows = json.loads(skipped.stdout)
    assert [("skipped" in r, "error" in r) for r in rows] == [(False, True), (True, False), (True, False)]


def test_one_output_file_for_several_inputs_is_refused(tmp_path):
    a = save(midi_file(hits_track([(0, 36, 100)], 60)), tmp_path / "a.mid")
    b = save(midi_file(hits_track([(0, 36, 100)], 60)), tmp_path / "b.mid")
    assert_one_line_error(run("humanize", str(a), str(b), "-o", str(tmp_path / "single.mid")), 1, "names one file")
    assert not (tmp_path / "single.mid").exists()


def test_cheap_checks_come_before_the_model(tmp_path):
    src = save(midi_file(hits_track([(0, 36, 100)], 60)), tmp_path / "a.mid")
    for args, fragment in ((["humanize", str(src), "--genre", "polka"], "unknown genre"),
                           (["humanize", str(tmp_path / "nope.mid")], "no such file"),
                           (["humanize", str(src), "--weights", str(tmp_path / "w.pt")], "no weights at"),
                           (["genres"], "rock")):
        probe = ("import sys\nsys.argv = ['groove'] + sys.argv[1:]\n"
                 "from groovecli.cli import cli\n"
                 "try:\n    cli(prog_name='groove')\nexcept SystemExit:\n    pass\n"
                 "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', file=sys.stderr)\n")
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True)
        assert fragment in done.stdout + done.stderr and "NO-TORCH" in done.stderr, (args, done.stderr)


def test_folder_run_in_worker_processes_writes_what_one_process_writes(tmp_path, monkeypatch):
    """Files go to worker processes (one per core, one thread each); same seed, same bytes."""
    from groovecli.cli import pool

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        save(midi_file(hits_track([(k * 120, (36, 42, 38, 42)[(k + i) % 4], 100) for k in range(64)], 60)),
             folder / f"beat{i}.mid")
    monkeypatch.setattr(pool, "cores", lambda: 2)
    assert pool.workers_for(4, "cpu") == 2 and pool.workers_for(2, "cpu") == 0 and pool.workers_for(4, "cuda") == 0
    parallel = run("humanize", str(folder), "-o", str(tmp_path / "par"), "--seed", "5", "--json")
    assert parallel.exit_code == 0, parallel.output
    monkeypatch.setattr(pool, "MIN_FILES", 10**6)
    single = run("humanize", str(folder), "-o", str(tmp_path / "seq"), "--seed", "5", "--json")
    assert single.exit_code == 0, single.output
    for i in range(4):
        name = f"beat{i}.groove.mid"
        assert (tmp_path / "par" / name).read_bytes() == (tmp_path / "seq" / name).read_bytes()
    assert json.loads(parallel.stdout) == [{**r, "output": r["output"].replace("seq", "par")}
                                           for r in json.loads(single.stdout)]


@pytest.mark.parametrize("argv", [["train", "--data", "nowhere", "--out", "run"], ["evaluate", "--data", "nowhere"],
                                  ["export-onnx", "model.pt"]])
def test_commands_that_need_torch_say_so_in_one_line_without_it(argv, tmp_path):
    """torch is an extra since groove 0.7: without it, training, evaluation and exporting are one line
    (a fresh process in which `import torch` fails, as where the extra is not installed)."""
    (tmp_path / "model.pt").write_bytes(b"x")
    code = ("import sys; sys.modules['torch'] = None; sys.argv = ['groove', *sys.argv[1:]]; "
            "from groovecli.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code, *argv], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == f'error: {argv[0]} needs torch: pip install "groove-cli[torch]"'
