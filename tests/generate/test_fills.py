"""Fills: `humanize --fills N|ends` and `groove fill --bars A:B`."""

from __future__ import annotations

from collections import Counter

import mido
import numpy as np
import pytest
from conftest import hits_track, midi_bytes, midi_file, save, track

from groovecli.cli import cli
from groovecli.constants import CLOSED_HIHAT, CRASH, OPEN_HIHAT, RIDE, STEPS_PER_BAR
from groovecli.errors import GrooveError
from groovecli.generate.fill import TIMEKEEPING_KEPT, fill
from groovecli.generate.humanize import humanize
from groovecli.grid.drawn import parse_bar_range, parse_fills
from groovecli.grid.fill_bars import TOMS
from groovecli.midi.read import read_midi

STEP = 120


def stiff(tmp_path, bars: int = 8, meters: list | None = None, name: str = "song.mid") -> str:
    """Stiff rock, ``bars`` bars of 4/4 unless ``meters`` (a meta list) says otherwise."""
    hits = []
    for bar in range(bars):
        base = bar * 16 * STEP
        hits += [(base + k * STEP, 42, 100) for k in range(0, 16, 2)]
        hits += [(base + k * STEP, 38, 100) for k in (4, 12)]
        hits += [(base + k * STEP, 36, 100) for k in (0, 8)]
    return str(save(midi_file(hits_track(hits, 60), meta=meters or []), tmp_path / name))


def changed_bars(a, b) -> list[int]:
    """1-based bars whose grid differs between two humanize results."""
    diff = (a.after.hits != b.after.hits) | (a.after.velocity != b.after.velocity) | (a.after.offset != b.after.offset)
    return (np.flatnonzero(diff.reshape(-1, STEPS_PER_BAR, 9).any(axis=(1, 2))) + 1).tolist()


@pytest.mark.parametrize("mode", ["add", "keep"])
def test_fills_every_4_change_only_bars_4_and_8_and_keep_every_note(tmp_path, mode):
    path = stiff(tmp_path)
    plain = humanize(path, genre="rock", seed=3, notes=mode)
    filled = humanize(path, genre="rock", seed=3, notes=mode, fills="4")
    assert filled.report["fills"] == [4, 8]
    changed = changed_bars(plain, filled)
    assert set(changed) <= {4, 5, 8} and {4, 8} & set(changed)
    if 5 in changed:  # only the landing on bar 5's downbeat
        rows = slice(4 * STEPS_PER_BAR + 1, 5 * STEPS_PER_BAR)
        assert (plain.after.hits[rows] == filled.after.hits[rows]).all()
    # every input note's cell still sounds but those the fills took over: in bars 4 and 8, and
    # the hi-hat under a landing crash on bar 5's downbeat
    cells = filled.before.note_cells
    step, drum = cells // 9, cells % 9
    over = np.isin(step // STEPS_PER_BAR, [3, 7]) | ((step == 4 * STEPS_PER_BAR) & np.isin(drum, [CLOSED_HIHAT, OPEN_HIHAT]))
    assert (filled.after.hits.reshape(-1)[cells[~over]] == 1).all()
    assert filled.report["fill_replaced"] == int((filled.after.hits.reshape(-1)[cells] == 0).sum())
    on_top = humanize(path, genre="rock", seed=3, notes=mode, fills="4", fill_over=True)
    song = read_midi(path)
    assert len(on_top.performance.notes) > len(song.notes) and on_top.report["fill_replaced"] == 0
    assert Counter(n.pitch for n in on_top.performance.notes) >= Counter(n.pitch for n in song.notes)


def test_a_fill_takes_over_the_time_keeping_and_lands_on_a_crash(tmp_path):
    path = stiff(tmp_path, bars=4)
    result = fill(read_midi(path), (2, 2), genre="rock", seed=2)  # a take whose fill lands on a crash
    hats = [CLOSED_HIHAT, OPEN_HIHAT, RIDE]
    bar2, bar3 = (result.after.hits[b * STEPS_PER_BAR : (b + 1) * STEPS_PER_BAR] for b in (1, 2))
    fill_beats = bar2[:, TOMS].any(1).argmax() // 4 * 4  # from the beat of the fill's first tom
    assert bar2[:, TOMS].any()
    played = result.before.hits[STEPS_PER_BAR + fill_beats : 2 * STEPS_PER_BAR, hats].sum()
    kept = bar2[fill_beats:, hats].sum()
    assert kept <= round(TIMEKEEPING_KEPT * played) + 1 and kept < played  # the hats yield to the fill
    assert bar3[0, CRASH] and not bar3[0, [CLOSED_HIHAT, OPEN_HIHAT]].any()  # the crash took the hat's hand
    assert (bar3[1:] == result.before.hits[2 * STEPS_PER_BAR + 1 : 3 * STEPS_PER_BAR]).all()
    assert result.report["fill_replaced"] > 0


def test_fills_skip_bars_in_other_meters(tmp_path):
    meters = [mido.MetaMessage("time_signature", numerator=4, denominator=4),
              mido.MetaMessage("time_signature", numerator=3, denominator=4, time=3 * 1920),
              mido.MetaMessage("time_signature", numerator=4, denominator=4, time=1440)]
    hits = []
    starts = [0, 1920, 3840, 5760, 7200, 9120, 11040, 12960]  # bar 4 is 3/4
    for bar, base in enumerate(starts):
        beats = 3 if bar == 3 else 4
        hits += [(base + k * STEP, 42, 100) for k in range(0, 4 * beats, 2)]
        hits += [(base + k * STEP, 36, 100) for k in (0, 8) if k < 4 * beats]
    path = str(save(midi_file(track(name="conductor"), hits_track(hits, 60), meta=meters), tmp_path / "odd.mid"))
    song = read_midi(path)
    result = humanize(song, genre="rock", seed=0, fills="4")
    assert result.report["fills"] == [8]
    odd = [n for n in result.performance.notes if 5760 - STEP // 2 <= n.start < 7200 - STEP // 2]
    assert odd  # the 3/4 bar is grooved (#23), with no fill in it: ``add`` decorates it as rock drummers
    # do (grid/genre_vocab.py: a tom, a crash, ghost notes), but a fill takes three toms or more (fill_bars)
    assert sum(4 <= n.drum <= 6 for n in odd) < 3


def test_fills_ends_go_before_a_meter_change_and_at_the_end(tmp_path):
    meters = [mido.MetaMessage("time_signature", numerator=4, denominator=4),
              mido.MetaMessage("time_signature", numerator=3, denominator=4, time=3 * 1920)]
    hits = [(b * 1920 + k * STEP, 36, 100) for b in range(3) for k in (0, 4, 8, 12)]
    hits += [(3 * 1920 + b * 1440 + k * STEP, 36, 100) for b in range(2) for k in (0, 4, 8)]
    mf = midi_file(track(name="conductor"), hits_track(hits, 60), meta=meters)
    result = humanize(str(save(mf, tmp_path / "ends.mid")), genre="rock", seed=0, fills="ends")
    assert result.report["fills"] == [3]  # the last 4/4 bar before the 3/4 bars; the song ends in 3/4


def test_fills_are_reproducible(tmp_path):
    path = stiff(tmp_path)
    a, b = (midi_bytes(humanize(path, genre="funk", seed=5, fills="4").performance) for _ in range(2))
    assert a == b


def test_groove_fill_over_writes_into_the_bars_asked_and_keeps_every_note(tmp_path):
    path = stiff(tmp_path, bars=4)
    song = read_midi(path)
    result = fill(song, (2, 2), genre="rock", seed=1, over=True)
    assert result.report["fills"] == [2] and result.report["fill_notes"] > 0
    assert not Counter(song.notes) - Counter(result.performance.notes)  # every note exactly as it was
    new = list((Counter(result.performance.notes) - Counter(song.notes)).elements())
    bar2, bar3 = 1920, 2 * 1920
    assert all(bar2 - STEP // 2 <= n.start < bar3 + STEP // 2 for n in new)  # bar 2, or bar 3's downbeat


def test_parsing_fill_options():
    assert parse_fills("4") == 4 and parse_fills(" ENDS ") is None
    assert parse_bar_range("8") == (8, 8) and parse_bar_range("4:5") == (4, 5)
    for bad in ("0", "x", "-4", "65"):
        with pytest.raises(GrooveError, match="--fills"):
            parse_fills(bad)
    for bad in ("3:1", "a:b", "0:2"):
        with pytest.raises(GrooveError, match="--bars"):
            parse_bar_range(bad)


def test_bad_fill_input_is_one_line(runner, tmp_path):
    path = stiff(tmp_path, bars=4)
    for args in (["humanize", path, "--fills", "0"], ["humanize", path, "--fills", "often"],
                 ["fill", path, "--bars", "3:1"], ["fill", path, "--bars", "9:9"],
                 ["fill", str(tmp_path / "missing.mid"), "--bars", "1:1"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output


def test_cli_fill_and_humanize_fills(runner, tmp_path):
    path = stiff(tmp_path, bars=8)
    result = runner.invoke(cli, ["fill", path, "--bars", "4:4", "--seed", "2", "--genre", "rock"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "song.fill.mid").exists() and "a fill in bar(s) 4" in result.output
    result = runner.invoke(cli, ["humanize", path, "--fills", "4", "--seed", "2", "--genre", "rock"])
    assert result.exit_code == 0, result.output
    assert "fills: bar(s) 4, 8" in result.output


def test_fill_beats_keep_a_fill_to_the_bars_last_beats(tmp_path):
    path = stiff(tmp_path, bars=4)
    plain = humanize(path, genre="rock", seed=4, notes="keep")
    short = humanize(path, genre="rock", seed=4, notes="keep", fills="4", fill_beats=2)
    diff = (plain.after.hits != short.after.hits) | (plain.after.velocity != short.after.velocity)
    changed = np.flatnonzero(diff.any(1))
    assert len(changed) and changed.min() >= 3 * STEPS_PER_BAR + 8  # bar 4, beats 3 and 4 only


def test_a_two_bar_fill_is_written_bar_after_bar_and_lands_once(tmp_path):
    path = stiff(tmp_path, bars=4)
    song = read_midi(path)
    result = fill(song, (2, 3), genre="rock", seed=3, over=True)
    assert result.report["fills"] == [2, 3]
    assert not Counter(song.notes) - Counter(result.performance.notes)
    new = list((Counter(result.performance.notes) - Counter(song.notes)).elements())
    assert all(1920 - STEP // 2 <= n.start < 3 * 1920 + STEP // 2 for n in new)  # bars 2-3, or bar 4's downbeat
