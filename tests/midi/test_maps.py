"""Built-in drum-library maps: every map is detected from a file in its layout, keeps every
articulation's pitch, and gives added hits its own output pitches."""

from __future__ import annotations

import io

import mido
import numpy as np
import pytest
from conftest import hits_track, midi_file, save

from groovecli.cli import cli
from groovecli.constants import CLOSED_HIHAT, CRASH, HIGH_TOM, KICK, LOW_TOM, MID_TOM, N_DRUMS, OPEN_HIHAT, RIDE, SNARE
from groovecli.errors import GrooveError
from groovecli.grid.drumgrid import quantize, render
from groovecli.midi.drummap import GM, builtin_map, builtin_maps, load_drum_map, map_as_toml
from groovecli.midi.read import read_midi
from groovecli.midi.write import to_midifile

MAPS = sorted(builtin_maps())
TOMS = {LOW_TOM, MID_TOM, HIGH_TOM}


def gm_compatible(m) -> bool:
    """GM never reads one of the map's pitches as another kind of drum (a tom for another tom, an
    open hi-hat for a closed one, a ride for a crash at most): auto may leave such a file to GM."""
    for pitch, drum in m.classes.items():
        g = GM.class_of(pitch)
        if g is not None and g != drum and not any({g, drum} <= s for s in (TOMS, {CRASH, RIDE}, {CLOSED_HIHAT, OPEN_HIHAT})):
            return False
    return True


GM_LIKE = {name for name, m in builtin_maps().items() if gm_compatible(m)}


BARS = 8  # of groove in a layout file, before its articulations


def layout_file(tmp_path, name):
    """Eight bars of rock in the map's own pitches, then every articulation of the map once."""
    m = builtin_map(name)
    out, step, hits = m.output, 120, []
    for bar in range(BARS):
        b = bar * 16 * step
        hits += [(b + k * step, out[CLOSED_HIHAT], 90) for k in range(0, 16, 2)]
        hits += [(b + k * step, out[SNARE], 100) for k in (4, 12)] + [(b + k * step, out[KICK], 110) for k in (0, 8, 10)]
    hits += [(0, out[CRASH], 100), (14 * step, out[OPEN_HIHAT], 80)]
    hits += [(BARS * 16 * step + i * 30, p, 70) for i, p in enumerate(sorted(m.articulations))]
    return save(midi_file(hits_track(hits, 60)), tmp_path / f"{name}.mid"), m


def test_there_are_sixteen_maps_with_sources():
    assert len(MAPS) >= 16
    assert {"addictive2", "ssd5", "getgood-mm", "drumforge", "perfectdrums"} <= set(MAPS) - GM_LIKE
    for m in builtin_maps().values():
        assert m.library and m.source and m.version
        assert all(0 <= p <= 127 for p in m.articulations)


@pytest.mark.parametrize("name", MAPS)
def test_layout_is_detected_and_round_trips(tmp_path, name):
    path, m = layout_file(tmp_path, name)
    perf = read_midi(path)
    if name in GM_LIKE:
        assert perf.drum_map.name in (name, "gm")
    else:  # detected as itself, or as a map that reads every one of its pitches the same way
        assert perf.drum_map.name == name or all(perf.drum_map.class_of(p) == m.class_of(p) for p in m.articulations)
    # every articulation's pitch comes back, in a file written through the grid
    explicit = read_midi(path, drum_map=m)
    back = mido.MidiFile(file=io.BytesIO(_bytes(render(explicit, quantize(explicit)))))
    written = sorted(msg.note for t in back.tracks for msg in t if msg.type == "note_on" and msg.velocity)
    original = sorted(msg.note for t in mido.MidiFile(path).tracks for msg in t if msg.type == "note_on" and msg.velocity)
    assert written == original


def _bytes(perf) -> bytes:
    buf = io.BytesIO()
    to_midifile(perf).save(file=buf)
    return buf.getvalue()


@pytest.mark.parametrize("name", ["addictive2", "ssd5", "getgood-mm", "ezdrummer3"])
def test_added_hits_use_the_maps_output_pitches(tmp_path, name):
    m = builtin_map(name)
    src = save(midi_file(hits_track([(0, m.output[KICK], 100), (480, m.output[SNARE], 100)], 60)), tmp_path / "a.mid")
    perf = read_midi(src, drum_map=m)
    grid = quantize(perf)
    hits = grid.hits.copy()
    hits[2, :] = 1  # a hit of every class at the third 16th, where the file has none
    out = render(perf, grid.with_values(hits, np.maximum(grid.velocity, hits * 0.5), grid.offset))
    added = {n.drum: n.pitch for n in out.notes if n.start == 240}
    for drum in range(N_DRUMS):
        expected = m.output[drum] if drum not in (KICK, SNARE) else perf.notes[0 if drum == KICK else 1].pitch
        assert added[drum] == expected


def test_gm_file_stays_gm_without_a_warning(rock_template):
    perf = read_midi(rock_template)
    assert perf.drum_map is GM and not perf.notices


def test_addictive_drums_sketch_is_not_read_as_gm(tmp_path):
    # AD2: hats on 51/52 (GM rides and china), sidestick on GM's closed hi-hat pitch 42
    hits = [(k * 120, 52, 90) for k in range(0, 32, 2)] + [(k * 120, 38, 100) for k in (4, 12, 20, 28)]
    hits += [(k * 120, 36, 100) for k in (0, 8, 16, 24)]
    perf = read_midi(save(midi_file(hits_track(hits, 60)), tmp_path / "ad2.mid"))
    assert perf.drum_map.name == "addictive2"
    assert {n.drum for n in perf.notes if n.pitch == 52} == {CLOSED_HIHAT}


def test_unknown_pitches_warn_once_with_candidates(tmp_path):
    hits = [(k * 120, 100 + k % 3, 90) for k in range(32)] + [(0, 36, 100)]
    perf = read_midi(save(midi_file(hits_track(hits, 60)), tmp_path / "odd.mid"))
    assert len(perf.notices) == 1 and "closest maps" in perf.notices[0]


def test_aliases_and_unknown_names():
    assert load_drum_map("AD2") is builtin_map("addictive2") and load_drum_map("td17") is builtin_map("gmd")
    with pytest.raises(GrooveError, match="unknown drum map 'tuba'.*ezdrummer3"):
        load_drum_map("tuba")


def test_export_round_trips(tmp_path):
    for name in MAPS:
        path = tmp_path / f"{name}.toml"
        path.write_text(map_as_toml(builtin_map(name)))
        again, orig = load_drum_map(path), builtin_map(name)
        assert dict(again.classes) == dict(orig.classes) and again.output == orig.output
        assert dict(again.articulations) == dict(orig.articulations)


def test_maps_command(runner, tmp_path):
    listed = runner.invoke(cli, ["maps"])
    assert listed.exit_code == 0 and all(name in listed.output for name in MAPS)
    one = runner.invoke(cli, ["maps", "ssd5"])
    assert one.exit_code == 0 and "Hi-hat closed tip" in one.output and "pass-through" in one.output
    out = tmp_path / "mine.toml"
    assert runner.invoke(cli, ["maps", "ad2", "--export", str(out)]).exit_code == 0
    assert load_drum_map(out).classes == builtin_map("addictive2").classes
    bad = runner.invoke(cli, ["maps", "tuba"])
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1 and "unknown drum map" in bad.stderr


def test_show_and_analyze_name_the_map(runner, tmp_path):
    path, _ = layout_file(tmp_path, "ssd5")
    shown = runner.invoke(cli, ["show", str(path)])
    assert "drum map ssd5 (detected)" in shown.output
    analysed = runner.invoke(cli, ["analyze", str(path), "--json", "--drum-map", "ssd5"])
    assert '"drum_map": "ssd5"' in analysed.output


def test_gmd_recordings_and_tom_heavy_gm_parts_stay_gm():
    """GM files with floor-tom grooves, rides and crashes are not a library's layout (groove 0.3 read
    2 of these 6 GMD recordings, and a quarter of GMD, as Addictive Drums)."""
    from conftest import FIXTURE_FILES

    for path in FIXTURE_FILES:
        assert read_midi(path).drum_map.name in ("gm", "gmd"), path.name


def test_a_tom_fill_is_not_read_as_hi_hats(tmp_path):
    # GM toms 48/50/45 running down 16ths, a crash on the one: AD2 would call 48/50 hi-hats
    hits = [(k * 120, (48, 48, 50, 50, 45, 45, 43, 43)[k % 8], 100) for k in range(16)] + [(0, 49, 110), (0, 36, 110)]
    perf = read_midi(save(midi_file(hits_track(hits, 60)), tmp_path / "fill.mid"))
    assert perf.drum_map is GM


def sparse_part(tmp_path, name, hits):
    return read_midi(save(midi_file(hits_track(hits, 60)), tmp_path / name))


def test_a_sparse_part_in_two_libraries_layouts_is_unsure_not_a_guess(tmp_path):
    """#23: a few pitches cannot say which layout they are in: the reader says so in one line and
    names the rival map, instead of reading a snare as a hi-hat silently."""
    # Addictive Drums 2, kick and snare with a sidestick on AD2's 42 (GM's closed hi-hat)
    ad2 = [(b * 1920 + k * 120, 36, 100) for b in range(4) for k in (0, 8, 10)]
    ad2 += [(b * 1920 + k * 120, 38, 110) for b in range(4) for k in (4, 12)]
    ad2 += [(b * 1920 + k * 120, 42, 70) for b in range(4) for k in (6, 14)]
    # GetGood Modern & Massive, a snare part on its 26 (a Roland hi-hat edge in GM)
    ggd = [(b * 1920 + k * 120, 26, 110) for b in range(4) for k in (4, 7, 12)]
    for name, hits, rival in (("ad2-kick-snare.mid", ad2, "addictive2"), ("ggd-snare.mid", ggd, "getgood-mm")):
        perf = sparse_part(tmp_path, name, hits)
        unsure = [n for n in perf.notices if n.startswith("unsure which drum map")]
        assert len(unsure) == 1 and "\n" not in unsure[0] and "--drum-map" in unsure[0], perf.notices
        assert rival in unsure[0] and "snare" in unsure[0]


def test_busy_parts_and_a_gm_hi_hat_line_are_read_without_an_unsure_line(tmp_path, rock_template):
    assert not read_midi(rock_template).notices
    hats = sparse_part(tmp_path, "hats.mid", [(k * 120, 42, 90) for k in range(0, 64, 2)])
    assert hats.drum_map is GM and not hats.notices
    hits = [(k * 120, 52, 90) for k in range(0, 32, 2)] + [(k * 120, 38, 100) for k in (4, 12, 20, 28)]
    hits += [(k * 120, 36, 100) for k in (0, 8, 16, 24)]
    ad2 = sparse_part(tmp_path, "ad2.mid", hits)
    assert ad2.drum_map.name == "addictive2" and not any(n.startswith("unsure") for n in ad2.notices)


def bars_of(steps, pitch, bars=4, velocity=100):
    return [(b * 1920 + k * 120, pitch, velocity) for b in range(bars) for k in steps]


def one_unsure_line(perf) -> str:
    unsure = [n for n in perf.notices if n.startswith("unsure which drum map")]
    assert len(unsure) == 1 and "\n" not in unsure[0] and "--drum-map" in unsure[0], perf.notices
    return unsure[0]


def test_a_busy_part_whose_maps_disagree_on_a_pitch_is_unsure_not_silent(tmp_path):
    """#23: the silent misreadings of re-keyed GMD beats, each shape once. A GetGood part riding
    its ride on 62 reads as getgood-mm (its crash there): the 8th-note line says ride, so
    the reader names the map that hears one. A GM part with Ugritone's open hi-hat on 32 (a
    pitch no built-in map plays) says the notes pass through as they are. A GM part with
    SSD5's crash choke on 90 (no GM pitch) names SSD5, which reads it."""
    ggd = bars_of(range(0, 16, 2), 62) + bars_of((0, 8, 10), 24) + bars_of((4, 12, 15), 26)
    line = one_unsure_line(sparse_part(tmp_path, "ggd-ride.mid", ggd))
    assert "pitch 62 as crash" in line and "hi-hat/ride" in line
    ugritone = bars_of(range(0, 16, 2), 42) + bars_of((0, 8, 10), 36) + bars_of((4, 12), 38) + bars_of((6, 14), 32)
    assert "pass through as they are" in one_unsure_line(sparse_part(tmp_path, "ugritone.mid", ugritone))
    ssd5 = bars_of(range(0, 16, 2), 42) + bars_of((0, 8, 10), 36) + bars_of((4, 12), 38) + bars_of((0,), 90)
    line = one_unsure_line(sparse_part(tmp_path, "ssd5.mid", ssd5))
    assert "pitch 90" in line and "ssd5" in line


def test_a_library_read_from_a_few_notes_is_unsure(tmp_path):
    """Fewer than a bar of 16ths' worth of notes that a library reads otherwise than GM is no
    evidence for the library: the reader says so (a 14-note GetGood part read as getgood-mm
    with its crash on a pitch that map calls a ride was silent)."""
    few = [(k * 120, 24, 100) for k in (0, 8)] + [(k * 120, 73, 100) for k in (0, 3, 6, 10, 13)]
    few += [(k * 120, 26, 100) for k in (4, 12)]
    perf = sparse_part(tmp_path, "few.mid", few)
    assert perf.drum_map.name == "getgood-mm" and "tell getgood-mm from gm" in one_unsure_line(perf)


def test_the_bundled_examples_and_a_gm_jazz_ride_read_without_an_unsure_line(tmp_path):
    """Ride on the 8ths and the pedal hi-hat on 2 and 4 (Addictive Drums reads 44 as a snare rim):
    a part that keeps time on GM's cymbals is read as it says."""
    from pathlib import Path

    for name in ("funk", "hiphop", "jazz", "rock"):
        perf = read_midi(Path(__file__).parents[2] / "examples" / f"{name}.mid")
        assert perf.drum_map is GM and not perf.notices, (name, perf.notices)
    jazz = bars_of((0, 4, 7, 8, 12, 15), 51) + bars_of((4, 12), 44)
    assert not sparse_part(tmp_path, "jazz.mid", jazz).notices
