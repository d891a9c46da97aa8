"""MIDI ⇄ Performance: nothing lost, every event kept, errors are one clear line."""

from __future__ import annotations

import io
import os
from collections import Counter

import mido
import numpy as np
import pytest
from conftest import FIXTURE_FILES, hits_track, midi_file, save, track

from groovecli.errors import GrooveError
from groovecli.grid.drumgrid import quantize, render
from groovecli.midi.drummap import GM, GMD
from groovecli.midi.read import read_midi
from groovecli.midi.write import to_midifile, write_midi


def kept_events(mf: mido.MidiFile, drum_pitches: set[int], channel: int = 9) -> list[list[tuple[int, str]]]:
    """Per track, every event except mapped drum notes and end_of_track, as (abs tick, message)."""
    out = []
    for t in mf.tracks:
        tick, events = 0, []
        for msg in t:
            tick += msg.time
            is_drum_note = msg.type in ("note_on", "note_off") and msg.channel == channel and msg.note in drum_pitches
            if not is_drum_note and msg.type != "end_of_track":
                events.append((tick, str(msg.copy(time=0))))
        out.append(events)
    return out


def drum_notes(mf: mido.MidiFile, drum_pitches: set[int], channel: int = 9) -> Counter:
    """(start, end, pitch, velocity) of every mapped drum note, paired first-in first-out."""
    notes, open_ = Counter(), {}
    for t in mf.tracks:
        tick = 0
        for msg in t:
            tick += msg.time
            if msg.type in ("note_on", "note_off") and msg.channel == channel and msg.note in drum_pitches:
                if msg.type == "note_on" and msg.velocity:
                    open_.setdefault(msg.note, []).append((tick, msg.velocity))
                elif open_.get(msg.note):
                    start, vel = open_[msg.note].pop(0)
                    notes[(start, tick, msg.note, vel)] += 1
    return notes


def rescale(mf: mido.MidiFile, tpb: int) -> mido.MidiFile:
    """The same music at another resolution (absolute ticks rounded to the new grid)."""
    out = mido.MidiFile(type=mf.type, ticks_per_beat=tpb)
    for t in mf.tracks:
        tick, new, last = 0, mido.MidiTrack(), 0
        for msg in t:
            tick += msg.time
            target = round(tick * tpb / mf.ticks_per_beat)
            new.append(msg.copy(time=target - last))
            last = target
        out.tracks.append(new)
    return out


def as_type0(mf: mido.MidiFile) -> mido.MidiFile:
    out = mido.MidiFile(type=0, ticks_per_beat=mf.ticks_per_beat)
    out.tracks.append(mido.merge_tracks(mf.tracks))
    return out


VARIANTS = [(kind, tpb) for kind in ("type1", "type0") for tpb in (480, 96, 960, 100)]


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("kind,tpb", VARIANTS)
def test_gmd_fixture_round_trip_keeps_every_event(path, kind, tpb, tmp_path):
    """MIDI → grid → MIDI on real performances: every note and event, at every resolution."""
    mf = rescale(mido.MidiFile(path), tpb)
    mf = as_type0(mf) if kind == "type0" else mf
    src = save(mf, tmp_path / "in.mid")
    perf = read_midi(src, drum_map=GMD)
    out = write_midi(render(perf, quantize(perf), GMD), tmp_path / "out.mid")
    back = mido.MidiFile(out)
    assert back.type == mf.type and back.ticks_per_beat == tpb
    pitches = set(GMD.classes)
    assert kept_events(back, pitches) == kept_events(mf, pitches)
    assert drum_notes(back, pitches) == drum_notes(mf, pitches)
    # and the grid read back is the same grid
    g1, g2 = quantize(perf), quantize(read_midi(out, drum_map=GMD))
    np.testing.assert_array_equal(g1.hits, g2.hits)
    np.testing.assert_allclose(g1.velocity, g2.velocity, atol=1 / 127)
    np.testing.assert_allclose(g1.offset, g2.offset, atol=2 / (tpb / 4) + 1e-6)


@pytest.mark.parametrize("kind", ["type1", "type0"])
def test_other_instruments_and_unmapped_notes_pass_through(rock_template, tmp_path, kind):
    """A moved drum grid leaves bass, CCs, pitch bends, meta events, SysEx and cowbell exactly as they were."""
    mf = mido.MidiFile(rock_template)
    mf.tracks[0][0:0] = [
        mido.MetaMessage("marker", text="verse"),
        mido.MetaMessage("lyrics", text="la"),
        mido.Message("sysex", data=[0x7E, 0x7F, 0x09, 0x01]),
    ]
    mf = as_type0(mf) if kind == "type0" else mf
    src = save(mf, tmp_path / "in.mid")
    perf = read_midi(src)
    grid = quantize(perf)
    # push every hit late and soften it: the drums change, nothing else may
    moved = grid.with_values(grid.hits, grid.velocity * 0.5, grid.hits * 0.4)
    out = write_midi(render(perf, moved), tmp_path / "out.mid")
    back = mido.MidiFile(out)
    assert kept_events(back, set(GM.classes)) == kept_events(mf, set(GM.classes))
    cowbells = [m for t in back.tracks for m in t if m.type == "note_on" and m.note == 56]
    assert [m.velocity for m in cowbells] == [90, 90]
    snares = drum_notes(back, {38})
    assert sorted(s for s, *_ in snares.elements()) == [480 + 24, 1440 + 24, 2400 + 24, 3360 + 24]
    assert {v for *_, v in snares.elements()} == {50}


def test_kept_notes_keep_pitch_channel_and_length(tmp_path):
    """Rimshot 40 stays 40, pedal hat 44 stays 44, lengths stay, on whatever channel the drums are."""
    hits = [(0, 40, 100), (480, 44, 70), (960, 36, 110)]
    src = save(midi_file(hits_track(hits, 33, channel=3)), tmp_path / "in.mid")
    perf = read_midi(src, drum_channel=3)
    grid = quantize(perf)
    out = render(perf, grid.with_values(grid.hits, grid.velocity, grid.hits * -0.5))
    assert sorted((n.pitch, n.channel, n.end - n.start) for n in out.notes) == [(36, 3, 33), (40, 3, 33), (44, 3, 33)]


def test_added_notes_use_the_files_own_pitch_and_length(tmp_path):
    hits = [(0, 40, 100), (960, 40, 100), (0, 36, 100)]
    src = save(midi_file(hits_track(hits, 50)), tmp_path / "in.mid")
    perf = read_midi(src)
    grid = quantize(perf)
    hits_arr = grid.hits.copy()
    hits_arr[2, 1] = 1  # a snare ghost note on the 3rd 16th: the file's snare is 40
    hits_arr[3, 2] = 1  # a closed hi-hat: the file has none, so GM 42
    vel = grid.velocity.copy()
    vel[2, 1], vel[3, 2] = 0.3, 0.5
    out = render(perf, grid.with_values(hits_arr, vel, grid.offset))
    added = {(n.start, n.pitch, n.end - n.start, n.velocity) for n in out.notes} - {
        (n.start, n.pitch, n.end - n.start, n.velocity) for n in perf.notes
    }
    assert added == {(240, 40, 50, 38), (360, 42, 50, 64)}


def test_no_overlapping_notes_of_one_pitch(tmp_path):
    # two long hi-hats a 16th apart; pushing the second one early must shorten the first
    src = save(midi_file(hits_track([(0, 42, 100), (120, 42, 100)], 200)), tmp_path / "in.mid")
    perf = read_midi(src)
    grid = quantize(perf)
    out = to_midifile(render(perf, grid.with_values(grid.hits, grid.velocity, grid.hits * -0.9)))
    sounding, overlaps = 0, 0
    for msg in out.tracks[0]:
        if msg.type == "note_on" and msg.velocity:
            overlaps += sounding > 0
            sounding += 1
        elif msg.type in ("note_off", "note_on"):
            sounding -= 1
    assert overlaps == 0 and sounding == 0


def test_running_status_velocity_zero_and_unterminated_notes(tmp_path):
    """Note-on velocity 0 ends a note; a note the file never ends is kept without an end."""
    t = track(
        "note_on channel=9 note=36 velocity=100 time=0",
        "note_on channel=9 note=36 velocity=0 time=60",
        "note_on channel=9 note=38 velocity=90 time=420",
        name="Drums",
    )
    mf = midi_file(t)
    buf = io.BytesIO()
    mf.save(file=buf)
    data = buf.getvalue()
    assert data.count(b"\x99") == 1  # mido wrote running status: the test exercises it
    path = tmp_path / "rs.mid"
    path.write_bytes(data)
    perf = read_midi(path)
    assert [(n.pitch, n.start, n.end, n.off_as_note_on) for n in perf.notes] == [(36, 0, 60, True), (38, 480, None, False)]
    out = write_midi(render(perf, quantize(perf)), tmp_path / "out.mid")
    msgs = [m for m in mido.MidiFile(out).tracks[0] if m.type.startswith("note")]
    assert [(m.type, m.note, m.velocity) for m in msgs] == [("note_on", 36, 100), ("note_on", 36, 0), ("note_on", 38, 90)]


def test_drum_track_by_name_any_channel(tmp_path):
    bass = hits_track([(0, 36, 100), (480, 43, 100)], 400, channel=0, name="Bass")
    src = save(midi_file(bass, hits_track([(0, 36, 100)], 60, channel=1, name="Kit")), tmp_path / "in.mid")
    assert len(read_midi(src, drum_track="kit").notes) == 1
    ambiguous = save(midi_file(bass), tmp_path / "bass.mid")  # long notes, no snare, named bass: not drums
    with pytest.raises(GrooveError, match="no drum notes on channel 10.*channel\\(s\\) 1"):
        read_midi(ambiguous)
    with pytest.raises(GrooveError, match="no track named 'Drums'.*'Kit'"):
        read_midi(src, drum_track="Drums")


def test_write_refuses_to_overwrite_and_is_atomic(rock_template, tmp_path):
    perf = read_midi(rock_template)
    target = tmp_path / "out.mid"
    target.write_bytes(b"precious")
    with pytest.raises(GrooveError, match="already exists; use --force"):
        write_midi(perf, target)
    assert target.read_bytes() == b"precious"
    target.chmod(0o640)
    write_midi(perf, target, force=True)
    assert target.read_bytes()[:4] == b"MThd"
    assert target.stat().st_mode & 0o777 == 0o640  # an overwritten file keeps its permissions
    fresh = write_midi(perf, tmp_path / "fresh.mid")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask  # a new one gets the usual ones, not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_tempo_and_meter_maps(tmp_path):
    meta = [mido.MetaMessage("set_tempo", tempo=600000), mido.MetaMessage("time_signature", numerator=4, denominator=4)]
    t = track(
        "note_on channel=9 note=36 velocity=100 time=0",
        "note_off channel=9 note=36 velocity=0 time=60",
    )
    t.append(mido.MetaMessage("time_signature", numerator=3, denominator=4, time=1860))
    t.extend([mido.Message("note_on", channel=9, note=36, velocity=100, time=3840),
              mido.Message("note_off", channel=9, note=36, time=60)])
    src = save(midi_file(t, meta=meta), tmp_path / "in.mid")
    perf = read_midi(src)
    assert perf.tempos() == [(0, 600000)]
    assert [(b.start, b.meter) for b in perf.bars] == [(0, "4/4"), (1920, "3/4"), (3360, "3/4"), (4800, "3/4")]
    assert perf.seconds_at(480) == pytest.approx(0.6)
