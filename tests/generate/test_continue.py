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
from groovecli.midi.read import read_midi


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


def funk_primer(tmp_path, bars: int = 4, pushed: bool = True) -> str:
    """A busy 16th-note groove; with ``pushed`` the drummer plays the next downbeat (kick and
    crash) 20 ticks early, so the file's last bar holds only those two hits."""
    step, hits = 120, []
    for bar in range(bars):
        base = bar * 16 * step
        hits += [(base + k * step, 42, 90 if k % 2 else 110) for k in range(16)]
        hits += [(base + k * step, 38, 110) for k in (4, 12)] + [(base + k * step, 38, 30) for k in (7, 10, 15)]
        hits += [(base + k * step, 36, 100) for k in (0, 3, 8, 10)]
    if pushed:
        hits += [(bars * 16 * step - 20, 36, 110), (bars * 16 * step - 20, 49, 110)]
    return str(save(midi_file(hits_track(hits, 60)), tmp_path / "funk.mid"))


def test_a_primer_cut_at_a_bar_line_keeps_its_pushed_downbeat_in_the_first_new_bar(tmp_path):
    path = funk_primer(tmp_path)
    primer = read_midi(path)
    assert len(primer.bars) == 5  # the pushed hits open a fifth bar of their own
    result = continue_song(primer, bars=4, genre="funk", seed=1)
    assert result.report["bars_before"] == 4 and result.report["bars"] == 8
    assert result.report["pushed_into_continuation"] == 2
    out = result.performance
    assert len(out.bars) == 8 and not Counter(primer.notes) - Counter(out.notes)  # every primer note, as played
    per_bar = np.bincount([min(int(n.start + 60) // 1920, 7) for n in out.notes], minlength=8)
    primer_mean = per_bar[:4].mean()
    assert per_bar[4:].min() >= primer_mean / 3  # no near-empty bar after the primer
    assert abs(per_bar[4:].mean() / primer_mean - 1) <= 0.15  # its density carried on


def test_a_continuation_holds_the_primers_groove(tmp_path):
    """Bars after the primer repeat its groove: most of each new bar's cells are the primer's."""
    from groovecli.grid.drumgrid import quantize

    primer = read_midi(funk_primer(tmp_path, bars=8, pushed=False))
    out = quantize(continue_song(primer, bars=4, genre="funk", seed=2).performance)
    bars = out.hits.reshape(-1, 16, 9) > 0.5
    groove = bars[7]
    overlap = [(b & groove).sum() / (b | groove).sum() for b in bars[8:]]
    assert np.mean(overlap) >= 0.6, overlap
