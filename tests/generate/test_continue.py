"""`groove continue`: the primer kept, exactly N bars added, seeds, errors."""

from __future__ import annotations

from collections import Counter

import mido
import numpy as np
import pytest
from conftest import REPO, hits_track, midi_bytes, midi_file, save, track

from groovecli.cli import cli
from groovecli.errors import GrooveError
from groovecli.generate.continue_ import continue_song
from groovecli.midi.performance import read_midi


def test_the_primer_is_kept_and_exactly_n_bars_are_added(tiny, rock_template):
    primer = read_midi(rock_template)
    out = continue_song(primer, tiny, bars=3, genre="rock", seed=0).performance
    assert len(out.bars) == len(primer.bars) + 3
    end = primer.bars[-1].start + primer.bars[-1].length
    assert not Counter(primer.notes) - Counter(out.notes)  # every drum note as it was
    new = list((Counter(out.notes) - Counter(primer.notes)).elements())
    assert new and all(n.channel == primer.drum_channel and n.track == primer.drum_track for n in new)
    assert min(n.start for n in new) >= end - primer.step_ticks / 2  # a pushed downbeat may come a little early
    for i, events in enumerate(primer.tracks):  # every other event as it was
        assert [e for e in out.tracks[i] if e[1].type != "end_of_track"] == [e for e in events if e[1].type != "end_of_track"]


def test_seeds_give_the_same_bytes_and_other_seeds_differ(tiny, rock_template):
    a, b, c = (midi_bytes(continue_song(rock_template, tiny, bars=4, genre="rock", seed=s).performance) for s in (1, 1, 2))
    assert a == b and a != c


def test_a_played_primer_carries_its_feel_into_the_new_bars():
    """The bundled model on a GMD recording: the new bars' velocities and timing sit near the primer's."""
    path = sorted((REPO / "tests" / "data" / "gmd").rglob("*.mid"))[0]
    primer = read_midi(path)
    out = continue_song(primer, bars=4, seed=0).performance
    new = list((Counter(out.notes) - Counter(primer.notes)).elements())
    old_vel = np.array([n.velocity for n in primer.notes])
    assert abs(np.mean([n.velocity for n in new]) - old_vel.mean()) < 15
    assert np.std([n.velocity for n in new]) > 8  # dynamics, not one velocity
    assert Counter(n.drum for n in new).most_common(1)[0][1] < len(new)  # more than one drum


def test_a_primer_ending_in_another_meter_is_refused(tiny, tmp_path):
    meta = [mido.MetaMessage("time_signature", numerator=3, denominator=4, time=1920)]
    hits = [(k * 480, 36, 100) for k in range(7)]
    path = save(midi_file(hits_track(hits, 60), meta=meta), tmp_path / "waltz.mid")
    with pytest.raises(GrooveError, match="ends in 3/4"):
        continue_song(path, tiny, bars=2, genre="rock")


@pytest.mark.parametrize("args,fragment", [
    (["--bars", "0"], "--bars must be between 1 and 1000, not 0"),
    (["--genre", "polka"], "unknown genre 'polka'"),
])
def test_bad_options_are_one_line_errors(runner, rock_template, args, fragment):
    result = runner.invoke(cli, ["continue", str(rock_template), *args])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [f"error: {result.output.strip()[7:]}"] and fragment in result.output


def test_bad_files_are_one_line_errors(runner, tmp_path, tiny_weights):
    piano = save(midi_file(track("note_on channel=0 note=60 velocity=90 time=0", "note_off channel=0 note=60 time=480")),
                 tmp_path / "piano.mid")
    for path, fragment in ((tmp_path / "missing.mid", "no such file"), (piano, "no drum notes")):
        result = runner.invoke(cli, ["continue", str(path), "--weights", str(tiny_weights)])
        assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output
        assert fragment in result.output


def test_the_command_writes_n_continuations(runner, rock_template, tiny_weights, tmp_path):
    result = runner.invoke(cli, ["continue", str(rock_template), "--bars", "2", "-n", "2", "--genre", "rock", "--seed", "3",
                                 "--weights", str(tiny_weights), "-o", str(tmp_path / "more.mid")])
    assert result.exit_code == 0, result.output
    outs = [read_midi(tmp_path / f"more.{i}.mid") for i in (1, 2)]
    assert all(len(o.bars) == 4 for o in outs)
    again = runner.invoke(cli, ["continue", str(rock_template), "-o", str(tmp_path / "more.1.mid"), "-n", "1"])
    assert again.exit_code == 1 and "already exists" in again.output


def test_preview_of_the_join(runner, rock_template, tiny_weights, tmp_path):
    import wave

    result = runner.invoke(cli, ["continue", str(rock_template), "--bars", "2", "--genre", "rock", "--seed", "1",
                                 "--weights", str(tiny_weights), "-o", str(tmp_path / "c.mid"), "--preview",
                                 "--preview-bars", "1"])
    assert result.exit_code == 0, result.output
    with wave.open(str(tmp_path / "c.preview.wav")) as w:
        assert abs(w.getnframes() / w.getframerate() - 2 * 2.0) < 0.01  # the primer's last bar and the first new one at 120 bpm
