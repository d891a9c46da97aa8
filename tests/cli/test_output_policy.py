"""The rules every command follows (docs/robustness.md): output names, previews, and what a run
says (issue #24, items 3, 7 and 10)."""

from __future__ import annotations

import os
import shutil

import pytest
from click.testing import CliRunner
from conftest import DATA, REPO

from groovecli.cli import cli

CORPUS = DATA / "corpus"
ROCK = REPO / "examples" / "rock.mid"
FUNK = REPO / "examples" / "funk.mid"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def song(tmp_path):
    path = tmp_path / "rock.mid"
    shutil.copy(ROCK, path)
    return path


def names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- 7. one output-name rule for every command ---------------------------------------------


def _takes(tiny_weights, song, out, command: str) -> list[str]:
    """Run ``command`` writing three takes to ``-o out``; the names it wrote."""
    args = {
        "humanize": ["humanize", song, "--variations", "3", "--weights", tiny_weights],
        "continue": ["continue", song, "-n", "3", "--bars", "1", "--weights", tiny_weights],
        "drumify": ["drumify", REPO / "examples" / "bassline.mid", "-n", "3"],
        "sample": ["sample", "-n", "3", "--bars", "2", "--weights", tiny_weights],
        "interpolate": ["interpolate", song, FUNK, "--steps", "3", "--weights", tiny_weights],
    }[command]
    result = run(*args, "-o", out, "--seed", "1", "-q")
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("command", ["humanize", "continue", "drumify", "sample"])
def test_takes_to_a_file_name_are_name_dot_n_dot_mid(tiny_weights, song, tmp_path, command):
    _takes(tiny_weights, song, tmp_path / "conts", command)
    assert [n for n in names(tmp_path) if n.startswith("conts")] == ["conts.1.mid", "conts.2.mid", "conts.3.mid"]


@pytest.mark.parametrize("command", ["humanize", "continue", "drumify", "sample", "interpolate"])
@pytest.mark.parametrize("slash", ["/", ""])
def test_takes_to_a_folder_are_name_dash_n_inside_it(tiny_weights, song, tmp_path, command, slash):
    folder = tmp_path / "out"
    if not slash:
        folder.mkdir()  # an existing folder, named without the slash
    _takes(tiny_weights, song, f"{folder}{slash}", command)
    stem = {"humanize": "rock.groove", "continue": "rock.continued", "drumify": "bassline.drums",
            "sample": "rock-groove", "interpolate": "rock.to.funk"}[command]
    assert names(folder) == [f"{stem}-{i}.mid" for i in (1, 2, 3)]
    assert not (tmp_path / "out.1").exists()


@pytest.mark.parametrize("command", ["transfer", "fill"])
def test_one_output_into_a_new_folder(tiny_weights, song, tmp_path, command):
    args = ["transfer", song, FUNK, "--weights", tiny_weights] if command == "transfer" else ["fill", song, "--bars", "1:1"]
    result = run(*args, "-o", f"{tmp_path / 'new'}/", "--seed", "1", "-q")
    assert result.exit_code == 0, result.output
    assert names(tmp_path / "new") == [f"rock.{command}.mid"]


@pytest.mark.parametrize("command,args,written", [
    ("interpolate", ["interpolate", "{song}", FUNK, "--steps", "3"], "morph2.mid"),
    ("humanize", ["humanize", "{song}"], "morph2.mid"),
    ("transfer", ["transfer", "{song}", FUNK], "morph2.mid"),
    ("fill", ["fill", "{song}", "--bars", "1:1"], "morph2.mid"),
])
def test_one_output_named_without_a_suffix_gets_mid(tiny_weights, song, tmp_path, command, args, written):
    args = [str(song) if a == "{song}" else a for a in args]
    weights = [] if command == "fill" else ["--weights", tiny_weights]
    result = run(*args, *weights, "-o", tmp_path / "morph2", "--seed", "1", "-q")
    assert result.exit_code == 0, result.output
    assert written in names(tmp_path) and "morph2" not in names(tmp_path)


def test_render_follows_the_rule_with_wav(song, tmp_path):
    assert run("render", song, "-o", tmp_path / "mix").exit_code == 0
    assert run("render", song, "-o", f"{tmp_path / 'audio'}/").exit_code == 0
    assert (tmp_path / "mix.wav").exists() and names(tmp_path / "audio") == ["rock.wav"]


def test_previews_follow_their_take(tmp_path):
    result = run("drumify", REPO / "examples" / "bassline.mid", "-n", "3", "--preview", "-o", tmp_path / "d",
                 "--seed", "1", "-q")
    assert result.exit_code == 0, result.output
    assert names(tmp_path) == [f"d.{i}{kind}" for i in (1, 2, 3) for kind in (".mid", ".preview.wav")]


def test_transfer_and_humanize_do_not_share_a_default_name(tiny_weights, song):
    assert run("humanize", song, "--weights", tiny_weights, "--seed", "1", "-q").exit_code == 0
    result = run("transfer", song, FUNK, "--weights", tiny_weights, "--seed", "1", "-q")
    assert result.exit_code == 0, result.output
    assert {"rock.groove.mid", "rock.transfer.mid"} <= set(names(song.parent))


# --- 3. previews where the drums are; no half-done run ---------------------------------------


def test_a_preview_starts_where_the_drums_come_in(tiny_weights, tmp_path):
    src = tmp_path / "intro.mid"
    shutil.copy(CORPUS / "intro-without-drums.mid", src)
    result = run("humanize", src, "--preview", "--weights", tiny_weights, "--seed", "1", "-q")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "intro.groove.mid").exists() and (tmp_path / "intro.groove.preview.wav").exists()


def test_a_preview_that_cannot_be_made_leaves_nothing_behind(tiny_weights, tmp_path):
    src = tmp_path / "intro.mid"
    shutil.copy(CORPUS / "intro-without-drums.mid", src)
    result = run("humanize", src, "--preview", "--preview-from", "1", "--preview-bars", "2",
                 "--weights", tiny_weights, "--seed", "1")
    assert result.exit_code == 1 and "nothing to play in bars 1-2" in result.stderr
    assert names(tmp_path) == ["intro.mid"]
    again = run("humanize", src, "--preview", "--weights", tiny_weights, "--seed", "1", "-q")
    assert again.exit_code == 0, again.output  # the rerun does not stop on "already exists"


# --- 10. messages -----------------------------------------------------------------------------


def test_a_song_with_nothing_to_groove_is_an_error_not_a_written_file(tiny_weights, tmp_path):
    import mido
    from conftest import hits_track, midi_file, save, track

    # the drums only in a bar a meter change cuts short (#23 grooves every whole bar, in any meter)
    meta = [mido.MetaMessage("time_signature", numerator=4, denominator=4),
            mido.MetaMessage("time_signature", numerator=3, denominator=4, time=960)]
    drums = hits_track([(0, 36, 100), (480, 38, 100)], 60)
    src = save(midi_file(track(name="conductor"), drums, meta=meta), tmp_path / "cut.mid")
    result = run("humanize", src, "-o", tmp_path / "x.mid", "--weights", tiny_weights)
    assert result.exit_code == 1 and "nothing to groove" in result.stderr
    assert not (tmp_path / "x.mid").exists() and "guess" not in result.output


def test_drums_in_three_four_are_grooved(tiny_weights, tmp_path):
    result = run("humanize", CORPUS / "drums-only-outside-4-4.mid", "-o", tmp_path / "x.mid",
                 "--weights", tiny_weights, "--seed", "0")
    assert result.exit_code == 0 and (tmp_path / "x.mid").exists() and "not 4/4" not in result.stderr


def test_an_unwritable_output_fails_before_the_model_runs(tiny_weights, song, tmp_path, monkeypatch):
    import groovecli.cli.generate as generate

    monkeypatch.setattr(generate, "load_model_for", lambda *a: pytest.fail("the model was loaded"))
    missing = run("humanize", song, "-o", tmp_path / "no" / "such" / "x.mid", "--weights", tiny_weights)
    assert missing.exit_code == 1 and "does not exist" in missing.stderr and "unexpected" not in missing.output
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        denied = run("humanize", song, "-o", locked / "x.mid", "--weights", tiny_weights)
        assert denied.exit_code == 1 and "not writable" in denied.stderr


def test_quiet_keeps_warnings_on_stderr(tiny_weights, tmp_path):
    src = tmp_path / "kit.mid"
    shutil.copy(CORPUS / "plain-kit-channel-1.mid", src)
    result = run("humanize", src, "-q", "--weights", tiny_weights, "--seed", "1")
    assert result.exit_code == 0 and result.stdout == ""
    assert "warning: " in result.stderr and "kit.mid: channel 10 has no notes" in result.stderr


def test_a_knob_out_of_reach_says_so(tiny_weights, song, tmp_path):
    result = run("humanize", song, "-o", tmp_path / "d.mid", "--density", "2", "--weights", tiny_weights,
                 "--seed", "1", "-q")
    assert result.exit_code == 0 and "--density 2 asks for 2.0 notes a bar" in result.stderr
    assert "--notes add keeps all" in result.stderr


def test_the_report_fits_80_columns_and_each_grid_is_headed_once(tiny_weights, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    src = tmp_path / "intro.mid"
    shutil.copy(CORPUS / "intro-without-drums.mid", src)
    result = run("humanize", src, "-o", tmp_path / "i.mid", "--weights", tiny_weights, "--seed", "1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert sum("intro.mid" in line for line in lines) == 1 and sum("i.mid" in line for line in lines) == 2
    assert any("bars 13-14" in line for line in lines)  # the grids show where the drums are


def test_a_slow_single_file_says_what_it_is_doing(tiny_weights, song, tmp_path, monkeypatch):
    monkeypatch.setenv("GROOVE_PROGRESS_AFTER", "0")  # every file is slow
    result = run("humanize", song, "-o", tmp_path / "p.mid", "--weights", tiny_weights, "--seed", "1")
    assert result.exit_code == 0, result.output
    stages = [line.split(": ")[1].split(" (")[0] for line in result.stderr.splitlines() if line.startswith("humanizing")]
    assert stages[-2:] == ["grooving", "writing"] and "loading the model" in stages
    quiet = run("humanize", song, "-o", tmp_path / "q.mid", "--weights", tiny_weights, "--seed", "1", "-q")
    assert quiet.stderr == ""


def test_file_names_with_brackets_print_as_they_are(tiny_weights, tmp_path):
    src = tmp_path / "beat [final].mid"
    shutil.copy(ROCK, src)
    result = run("humanize", src, "--weights", tiny_weights, "--seed", "1")
    assert result.exit_code == 0 and "beat [final].groove.mid" in result.stdout
