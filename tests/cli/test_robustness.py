"""The defects a producer's songs found in groove 0.5 (issue #24), one test each: reading, timing,
writing and rendering. The corpus files are described in ``data/corpus/make_corpus.py``."""

from __future__ import annotations

import mido
import pytest
from click.testing import CliRunner
from conftest import DATA, REPO
from midi_invariants import note_spans, zero_length_notes

from groovecli.cli import cli
from groovecli.midi.read import read_midi
from groovecli.midi.write import to_midifile

CORPUS = DATA / "corpus"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# --- 1. one bad key signature must not abort a folder --------------------------------------


def test_a_key_signature_of_length_3_is_repaired_not_fatal(tmp_path, tiny_weights):
    perf = read_midi(CORPUS / "key-signature-length-3.mid")
    assert any("key signature" in n for n in perf.notices) and len(perf.notes) == 48
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("key-signature-length-3.mid", "stacked-claps.mid"):
        (folder / name).write_bytes((CORPUS / name).read_bytes())
    result = run("humanize", folder, "-o", tmp_path / "out", "--weights", tiny_weights, "--seed", "1", "-q")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out").glob("*.mid"))) == 2


def test_one_unreadable_file_does_not_stop_a_folder(tmp_path, tiny_weights, monkeypatch):
    """Whatever goes wrong reading one file (here a bug, simulated) is that file's failure alone."""
    import groovecli.midi.read as performance

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.mid", "b.mid"):
        (folder / name).write_bytes((REPO / "examples" / "rock.mid").read_bytes())
    real = performance.read_midi

    def flaky(path, **kw):
        if str(path).endswith("a.mid"):
            raise KeyError("surprise")
        return real(path, **kw)

    monkeypatch.setattr(performance, "read_midi", flaky)
    result = run("humanize", folder, "-o", tmp_path / "out", "--weights", tiny_weights, "--seed", "1")
    assert result.exit_code == 1 and (tmp_path / "out" / "b.groove.mid").exists(), result.output
    assert "1 of 2 file(s) failed" in result.stderr


# --- 2. render --all with drums and other instruments starting together ---------------------


def test_render_all_with_drums_and_melody_starting_together(tmp_path):
    import pretty_midi

    font = f"{pretty_midi.__file__.rsplit('/', 1)[0]}/TimGM6mb.sf2"
    for song in (CORPUS / "drums-and-melody-together.mid", REPO / "examples" / "rock.mid"):
        result = run("render", song, "-o", tmp_path / f"{song.stem}.wav", "--all", "--soundfont", font)
        assert result.exit_code == 0, result.output


# --- 4. no zero-length notes from stacked notes ---------------------------------------------


def test_stacked_same_tick_notes_keep_their_length():
    perf = read_midi(CORPUS / "stacked-claps.mid")
    assert zero_length_notes(to_midifile(perf)) == 0
    claps = [s for s in note_spans(to_midifile(perf)) if s[1] == 39]
    assert len(claps) == 24 and all(end - start == 47 for _, _, start, end in claps)


def test_a_flam_moved_before_tick_0_keeps_its_length(tmp_path):
    """A soft grace note 10 ticks before its hit, both moved 10 ticks earlier: the grace note is
    clamped at tick 0 and must keep its 5 ticks, not end where it starts."""
    from conftest import midi_file, save, track

    from groovecli.grid.drumgrid import quantize, render

    drums = track("note_on channel=9 note=38 velocity=30 time=0", "note_off channel=9 note=38 velocity=0 time=5",
                  "note_on channel=9 note=38 velocity=100 time=5", "note_off channel=9 note=38 velocity=0 time=5",
                  "note_off channel=9 note=36 velocity=0 time=1900")
    perf = read_midi(save(midi_file(drums), tmp_path / "flam.mid"))
    grid = quantize(perf)
    early = grid.offset.copy()
    early[grid.hits > 0] = -1.0  # as early as the cell allows: the hit lands on tick 0
    moved = render(perf, grid.with_values(grid.hits, grid.velocity, early))
    assert sorted((n.start, n.end) for n in moved.notes) == [(0, 5), (0, 5)]
    assert zero_length_notes(to_midifile(moved)) == 0


# --- 5. tempo events at one tick: the last in file order wins ------------------------------


def test_same_tick_tempos_follow_file_order_as_mido_does():
    path = CORPUS / "same-tick-tempos.mid"
    perf = read_midi(path)
    assert perf.tempos() == [(0, round(mido.bpm2tempo(260)))]
    end = perf.seconds_at(perf.end_tick)
    assert end == pytest.approx(mido.MidiFile(path).length, abs=1e-9)


def test_same_tick_meters_follow_file_order(tmp_path):
    from conftest import hits_track, midi_file, save, track

    meta = [mido.MetaMessage("time_signature", numerator=4, denominator=4),
            mido.MetaMessage("time_signature", numerator=3, denominator=4)]
    path = save(midi_file(track(name="t"), hits_track([(0, 36, 100)], 60), meta=meta), tmp_path / "m.mid")
    assert read_midi(path).meters() == [(0, 3, 4)]


# --- 6. a long song's times from a tempo map read once --------------------------------------


class CountingTracks(tuple):
    """The tracks of a Performance, counting how often they are scanned."""

    scans = 0

    def __iter__(self):
        type(self).scans += 1
        return super().__iter__()


def test_seconds_at_does_not_rescan_the_events():
    from dataclasses import replace

    perf = read_midi(CORPUS / "meter-and-tempo-changes.mid")
    counted = replace(perf, tracks=CountingTracks(perf.tracks))
    times = [counted.seconds_at(t) for t in range(0, perf.end_tick, 7)]
    assert CountingTracks.scans <= 1
    assert times == [perf.seconds_at(t) for t in range(0, perf.end_tick, 7)]


# --- 11. reading what DAWs read ------------------------------------------------------------


def test_an_unknown_chunk_is_skipped():
    perf = read_midi(CORPUS / "unknown-chunk.mid")
    assert len(perf.notes) == 48 and any("XFIH" in n for n in perf.notices)


def test_a_header_with_a_format_that_does_not_exist_is_read_as_its_chunks_say(tmp_path):
    perf = read_midi(CORPUS / "silly-format.mid")
    assert perf.midi_type == 1 and any("19796" in n and "type 1" in n for n in perf.notices)
    result = run("show", CORPUS / "silly-format.mid")
    assert result.exit_code == 0 and "a type 19796" not in result.output


def test_a_type_2_file_is_refused_in_one_line(tmp_path):
    data = bytearray((CORPUS / "stacked-claps.mid").read_bytes())
    data[8:10] = (2).to_bytes(2, "big")
    (tmp_path / "t2.mid").write_bytes(bytes(data))
    result = run("show", tmp_path / "t2.mid")
    assert result.exit_code == 1 and "type 2" in result.stderr


def test_a_plain_kit_on_channel_1_with_missing_note_offs_is_found():
    perf = read_midi(CORPUS / "plain-kit-channel-1.mid")
    assert perf.drum_part == "channel 1" and len(perf.notes) == 39


def test_a_metronome_on_channel_10_is_named_for_what_it_is():
    result = run("show", CORPUS / "metronome-channel-10.mid")
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "pitches 33, 34" in line and "notes are on channel(s) 10" not in line


# --- 8. no clipped sample -------------------------------------------------------------------


def test_the_limiter_keeps_every_sample_below_full_scale_and_quiet_stretches_as_they_are():
    import numpy as np

    from groovecli.audio.limiter import CEILING, Limiter

    rng = np.random.default_rng(0)
    quiet = rng.uniform(-0.5, 0.5, (50_000, 2)).astype(np.float32)
    loud = quiet.copy()
    loud[20_000:20_100] *= 6.0  # a burst three times full scale
    for signal in (quiet, loud):
        limiter = Limiter()
        out = np.concatenate([limiter.process(signal[i : i + 4096]) for i in range(0, len(signal), 4096)]
                             + [limiter.flush()])
        assert out.shape == signal.shape and np.abs(out).max() <= CEILING
    assert np.array_equal(out[:19_000], loud[:19_000]) and np.array_equal(out[40_000:], loud[40_000:])


def test_a_dense_loud_song_renders_without_clipping(tmp_path):
    import wave

    import numpy as np

    result = run("render", CORPUS / "dense-loud.mid", "-o", tmp_path / "d.wav")
    assert result.exit_code == 0, result.output
    with wave.open(str(tmp_path / "d.wav")) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.int32)
    assert 20_000 < np.abs(pcm).max() < 32767


# --- 9. render memory does not grow with the song ------------------------------------------


def test_held_notes_of_many_lengths_share_one_cached_sound(tmp_path):
    """200 notes held for 200 different lengths: one rendered sound per key serves them all (each
    length kept its own array before, so memory grew with the song)."""
    import tracemalloc

    import pretty_midi
    from conftest import midi_file, save, track

    from groovecli.audio.render import load_font, render_file

    lines = []
    for i in range(200):
        lines += [f"note_on channel=0 note=60 velocity=90 time={0 if i == 0 else 10}",
                  f"note_off channel=0 note=60 velocity=0 time={480 + 3 * i}"]
    path = save(midi_file(track(*lines, "note_on channel=9 note=36 velocity=90 time=0")), tmp_path / "held.mid")
    font = load_font(f"{pretty_midi.__file__.rsplit('/', 1)[0]}/TimGM6mb.sf2")
    perf = read_midi(path)
    tracemalloc.start()
    render_file(perf, tmp_path / "held.wav", font=font, all_channels=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 60e6


def test_a_song_longer_than_a_wav_can_hold_is_refused_before_rendering(tmp_path):
    """A damaged delta time can put a hit 30 hours in: one line, not gigabytes and a struct error."""
    from conftest import midi_file, save, track

    tempo = [mido.MetaMessage("set_tempo", tempo=round(mido.bpm2tempo(20)))]
    drums = track("note_on channel=9 note=36 velocity=100 time=0", "note_off channel=9 note=36 velocity=0 time=60",
                  f"note_on channel=9 note=36 velocity=100 time={9000 * 4 * 480}",
                  "note_off channel=9 note=36 velocity=0 time=60")
    path = save(midi_file(drums, meta=tempo), tmp_path / "long.mid")
    result = run("render", path, "-o", tmp_path / "long.wav")
    assert result.exit_code == 1 and "a WAV file holds at most" in result.stderr
    assert not (tmp_path / "long.wav").exists()


# --- 12. the kit's licence ships beside it; the checkpoints (training, evaluation) do not ship ------


def test_the_kit_ships_with_its_licence_and_the_checkpoints_stay_in_the_repository():
    """The wheel ships every graph the product runs and no .pt: torch, where it is installed,
    rebuilds its modules from the graphs; training and evaluation read the checkpoints here."""
    import tomllib

    licence = (REPO / "models" / "kit" / "LICENSE-FluidR3_GM.txt").read_text()
    assert "Frank Wen" in licence and "Permission is hereby granted, free of charge" in licence
    shipped = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"][
        "force-include"]
    files = {p.relative_to(REPO).as_posix() for p in (REPO / "models").rglob("*") if p.is_file()}
    covered = {f for f in files if any(f == src or f.startswith(src + "/") for src in shipped)}
    assert files - covered == {f"models/{m}.pt" for m in ("genre-classifier", "pocketvae", "decorate", "drumify", "fills")}
    assert {f for f in files if f.endswith(".onnx") or f.endswith(".onnx.json")} <= covered
    assert all(dst == "groovecli/" + src for src, dst in shipped.items())


def test_evaluation_finds_the_classifier_in_a_checkout(monkeypatch, tmp_path):
    """Installed without it (bundled_dir() is the package's models/), evaluation reads the checkout's."""
    from groovecli.lab import evaluation

    package_models = tmp_path / "models"
    package_models.mkdir()
    monkeypatch.setattr(evaluation, "bundled_dir", lambda: package_models)
    assert evaluation.load_classifier(None) is not None
