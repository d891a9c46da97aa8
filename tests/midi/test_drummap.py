"""Built-in and user drum maps."""

from __future__ import annotations

import json

import pytest
from conftest import hits_track, midi_file, save

from groovecli.constants import CLOSED_HIHAT, KICK, LOW_TOM, MID_TOM, SNARE
from groovecli.errors import GrooveError
from groovecli.midi.drummap import GM, GMD, load_drum_map
from groovecli.midi.read import read_midi


def test_builtin_maps():
    assert GM.class_of(36) == KICK and GM.class_of(40) == SNARE and GM.class_of(44) == CLOSED_HIHAT
    assert GM.class_of(56) is None and GM.class_of(54) is None  # cowbell, tambourine pass through
    assert GM.class_of(45) == LOW_TOM and GMD.class_of(45) == MID_TOM  # GM low tom, TD-11 tom 2
    assert GM.output == (36, 38, 42, 46, 45, 48, 50, 49, 51)
    assert load_drum_map(None) is GM and load_drum_map("gmd") is GMD


def test_toml_map_with_base(tmp_path):
    path = tmp_path / "ezd.toml"
    path.write_text('base = "gm"\nname = "my kit"\n[pitches]\n60 = "closed-hihat"\n61 = "open_hihat"\n36 = "none"\n'
                    '24 = "kick"\n[output]\nkick = 24\nclosed_hihat = 60\n')
    m = load_drum_map(path)
    assert m.name == "my kit"
    assert m.class_of(60) == CLOSED_HIHAT and m.class_of(24) == KICK and m.class_of(36) is None
    assert m.output[KICK] == 24 and m.output[CLOSED_HIHAT] == 60 and m.output[SNARE] == 38


def test_json_map_without_base_defaults_output_to_its_lowest_pitch(tmp_path):
    path = tmp_path / "kit.json"
    path.write_text(json.dumps({"pitches": {"70": "snare", "66": "snare", "72": "bd"}}))
    m = load_drum_map(path)
    assert dict(m.classes) == {70: SNARE, 66: SNARE, 72: KICK}
    assert m.output[SNARE] == 66 and m.output[KICK] == 72 and m.output[CLOSED_HIHAT] == 42


def test_map_changes_what_is_read(tmp_path):
    src = save(midi_file(hits_track([(0, 60, 100), (0, 36, 100)], 30)), tmp_path / "a.mid")
    path = tmp_path / "m.toml"
    path.write_text("[pitches]\n60 = \"snare\"\n")
    perf = read_midi(src, drum_map=load_drum_map(path))
    assert [(n.pitch, n.drum) for n in perf.notes] == [(60, SNARE)]  # 36 is not in this map


@pytest.mark.parametrize(
    "name,text,message",
    [
        ("a.toml", "[pitches]\n36 = \"tuba\"\n", "unknown drum class 'tuba'"),
        ("a.toml", "[pitches]\n200 = \"kick\"\n", "pitch 200 is outside 0-127"),
        ("a.toml", "[pitches\n", "not valid TOML"),
        ("a.json", "{", "not valid JSON"),
        ("a.toml", "base = \"tuba-kit\"\n", "unknown base 'tuba-kit'"),
        ("a.toml", "[pitchez]\n36 = \"kick\"\n", "unknown section"),
        ("a.toml", "name = \"x\"\n", "maps no pitch"),
    ],
)
def test_bad_maps_are_clear_errors(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(GrooveError, match=message):
        load_drum_map(path)


def test_missing_map_file(tmp_path):
    with pytest.raises(GrooveError, match="cannot read drum map"):
        load_drum_map(tmp_path / "nope.toml")
