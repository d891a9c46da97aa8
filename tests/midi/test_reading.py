"""Every file a producer has: hostile and damaged files are read (and repaired, said once) or
refused in one line, within bounded time and memory; whatever is read can be written."""

from __future__ import annotations

import io

import mido
import pytest
from conftest import FIXTURE_FILES, hits_track, midi_file, save
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groovecli.constants import CLOSED_HIHAT, KICK
from groovecli.errors import GrooveError
from groovecli.grid.drumgrid import quantize
from groovecli.midi.performance import MAX_BARS
from groovecli.midi.read import read_midi
from groovecli.midi.write import to_midifile

ROCK = [(k * 120, 42, 90) for k in range(0, 32, 2)] + [(k * 120, 36, 100) for k in (0, 8, 16, 24)] + \
       [(k * 120, 38, 100) for k in (4, 12, 20, 28)]


def smf(tmp_path, *tracks, meta=None, name="in.mid") -> bytes:
    path = save(midi_file(*tracks, meta=meta), tmp_path / name)
    return path.read_bytes()


def written(perf) -> mido.MidiFile:
    buf = io.BytesIO()
    to_midifile(perf).save(file=buf)  # raises for anything a MIDI file cannot hold
    buf.seek(0)
    return mido.MidiFile(file=buf)


def test_huge_delta_time_is_refused_in_one_line(tmp_path):
    t = hits_track([(0, 36, 100)], 60)
    t.append(mido.MetaMessage("marker", text="far", time=0x0FFFFFFF))  # the largest delta a file can hold
    path = save(midi_file(t), tmp_path / "far.mid")
    with pytest.raises(GrooveError, match=f"runs past {MAX_BARS:,} bars"):
        read_midi(path)


@pytest.mark.parametrize("bad,what", [
    (mido.MetaMessage("time_signature", numerator=0, denominator=4), "time signature"),
    (mido.MetaMessage("set_tempo", tempo=0), "tempo event"),
])
def test_zero_meters_and_tempi_are_dropped_and_said(tmp_path, bad, what):
    path = tmp_path / "x.mid"
    path.write_bytes(smf(tmp_path, hits_track(ROCK, 60), meta=[bad]))
    perf = read_midi(path)
    assert any(what in n for n in perf.notices)
    assert len(quantize(perf).bars) == 2
    written(perf)


def test_realtime_bytes_are_dropped_at_read_time(tmp_path):
    data = bytearray(smf(tmp_path, hits_track(ROCK, 60)))
    # mido refuses to write real-time messages, so put a 0xFC event in by hand before the first
    # note, as a recording might, and lengthen the track chunk to match
    first = data.index(b"\x99\x2a")  # note_on channel 10, pitch 42
    data[first - 1 : first - 1] = b"\x00\xfc"
    chunk = data.rindex(b"MTrk", 0, first)
    data[chunk + 4 : chunk + 8] = (int.from_bytes(data[chunk + 4 : chunk + 8], "big") + 2).to_bytes(4, "big")
    path = tmp_path / "rt.mid"
    path.write_bytes(bytes(data))
    perf = read_midi(path)
    assert any("real-time" in n for n in perf.notices)
    assert len(written(perf).tracks[0]) > 0


def test_invalid_key_signature_becomes_c_major(tmp_path):
    data = bytearray(smf(tmp_path, hits_track(ROCK, 60), meta=[mido.MetaMessage("key_signature", key="C")]))
    at = data.index(b"\xff\x59\x02")
    data[at + 3 : at + 5] = b"\x09\x03"  # 9 sharps, mode 3: no such key
    path = tmp_path / "key.mid"
    path.write_bytes(bytes(data))
    perf = read_midi(path)
    assert any("key signature" in n for n in perf.notices)
    assert len(perf.notes) == len(ROCK)


def test_stray_data_byte_header_count_and_rmid(tmp_path):
    good = smf(tmp_path, hits_track(ROCK, 60))
    stray = bytearray(good)
    at = stray.index(b"\x99\x2a") + 2
    stray[at] = 0xE4  # velocity byte above 127
    lying = bytearray(good)
    lying[10:12] = (5).to_bytes(2, "big")
    rmid = b"RIFF" + (len(good) + 12).to_bytes(4, "little") + b"RMIDdata" + len(good).to_bytes(4, "little") + good
    for name, data, said in (("stray.mid", stray, "clipped"), ("lying.mid", lying, "header says 5"),
                             ("song.rmi", rmid, "RIFF")):
        path = tmp_path / name
        path.write_bytes(bytes(data))
        perf = read_midi(path)
        assert len(perf.notes) == len(ROCK) and any(said in n for n in perf.notices), (name, perf.notices)


def test_error_without_text_names_its_kind(tmp_path):
    good = smf(tmp_path, hits_track(ROCK, 60))
    cut = good[:-6] + (0).to_bytes(6, "big")  # the last track ends mid-event
    path = tmp_path / "cut.mid"
    path.write_bytes(cut)
    try:
        read_midi(path)
    except GrooveError as exc:
        assert not str(exc).endswith(": ")


@pytest.mark.parametrize("name,channel,length", [("Drums", 0, 60), ("Track 1", 0, 60), ("e-kit", 3, 30)])
def test_drums_on_another_channel_are_found_and_said(tmp_path, name, channel, length):
    piano = hits_track([(0, 60, 90), (960, 64, 90)], 900, channel=1, name="Piano")
    path = save(midi_file(hits_track(ROCK, length, channel=channel, name=name), piano), tmp_path / "ch.mid")
    perf = read_midi(path)
    assert perf.drum_part == f"channel {channel + 1}" and len(perf.notes) == len(ROCK)
    assert any("channel 10 has no notes" in n for n in perf.notices)


def test_a_pitched_part_pointed_at_warns(tmp_path):
    bass = hits_track([(k * 480, 36 + k % 3, 100) for k in range(8)], 400, channel=1, name="Bass")
    bass.insert(1, mido.Message("program_change", channel=1, program=33))
    path = save(midi_file(bass), tmp_path / "bass.mid")
    perf = read_midi(path, drum_channel=1)
    assert any("pitched instrument" in n for n in perf.notices) and any("'Bass'" in n for n in perf.notices)


def test_a_hundred_thousand_notes_read_quickly(tmp_path):
    import time

    hits = [(k * 120, (36, 42, 38, 42)[k % 4], 100) for k in range(100_000)]
    path = save(midi_file(hits_track(hits, 60)), tmp_path / "long.mid")
    start = time.perf_counter()
    grid = quantize(read_midi(path))
    assert grid.hits[:, KICK].sum() == 25_000 and grid.hits[:, CLOSED_HIHAT].sum() == 50_000
    assert time.perf_counter() - start < 60  # generous: a guard against hangs, not a benchmark


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_the_reader(tmp_path, data):
    """Arbitrary bytes and mutated real files: a Performance or groove's own error, nothing else."""
    seed = FIXTURE_FILES[data.draw(st.integers(0, len(FIXTURE_FILES) - 1))].read_bytes()
    kind = data.draw(st.sampled_from(["random", "flip", "cut", "splice"]))
    if kind == "random":
        blob = data.draw(st.binary(max_size=300))
        blob = data.draw(st.sampled_from([b"", b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk"])) + blob
    else:
        blob = bytearray(seed)
        for _ in range(data.draw(st.integers(1, 8))):
            at = data.draw(st.integers(0, len(blob) - 1))
            if kind == "flip":
                blob[at] = data.draw(st.integers(0, 255))
            elif kind == "cut":
                blob = blob[:at]
                break
            else:
                blob[at:at] = data.draw(st.binary(min_size=1, max_size=6))
        blob = bytes(blob)
    path = tmp_path / "fuzz.mid"
    path.write_bytes(blob)
    try:
        perf = read_midi(path)
    except GrooveError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    written(perf)  # whatever is read can be written
    try:
        quantize(perf)
    except GrooveError:
        pass


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4000), st.sampled_from([35, 36, 38, 40, 42, 44, 46, 49, 51]),
                          st.integers(1, 127)), min_size=1, max_size=60))
def test_valid_files_round_trip_with_nothing_lost(tmp_path_factory, hits):
    path = save(midi_file(hits_track(sorted(hits), 30)), tmp_path_factory.mktemp("rt") / "v.mid")
    perf = read_midi(path)
    assert not perf.notices or all("drum map" in n or "fits" in n for n in perf.notices)
    again = written(perf)
    notes = sorted((m.note, m.velocity) for t in again.tracks for m in t if m.type == "note_on" and m.velocity)
    assert notes == sorted((p, v) for _, p, v in hits)


def test_a_tune_request_in_a_track_is_dropped_so_the_file_can_be_written(tmp_path):
    """mido reads a tune request (F6) inside a track but its writer refuses it as real-time."""
    events = (b"\x00\x99\x24\x64" b"\x00\xf6" b"\x83\x60\x89\x24\x00" b"\x00\x99\x26\x64" b"\x83\x60\x89\x26\x00"
              b"\x00\xff\x2f\x00")
    blob = (b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0" b"MTrk" + len(events).to_bytes(4, "big") + events)
    path = tmp_path / "tune.mid"
    path.write_bytes(blob)
    perf = read_midi(path)
    assert any("real-time" in n for n in perf.notices)
    assert sorted(n.pitch for n in perf.notes) == [36, 38]
    written(perf)
