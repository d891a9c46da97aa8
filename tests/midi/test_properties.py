"""Random valid MIDI files, written with mido, through the reader, the model and the writer: the
invariants of ``midi_invariants.py`` hold for every one (issue #24). Files have stacked and
overlapping drum notes, notes never ended, tempo and meter changes (several at one tick), odd
resolutions and a melodic track; an input groove refuses is one GrooveError, never another
exception."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import mido
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from midi_invariants import check_output

from groovecli.errors import GrooveError
from groovecli.midi.read import read_midi
from groovecli.midi.write import write_midi

KIT = [35, 36, 37, 38, 40, 42, 44, 46, 49, 51, 45, 48, 50, 56]
# Files per test: 60 in CI (about 20 s); GROOVE_PROPERTY_EXAMPLES=1000 for a longer run.
EXAMPLES = int(os.environ.get("GROOVE_PROPERTY_EXAMPLES", "60"))


@st.composite
def songs(draw) -> mido.MidiFile:
    tpb = draw(st.sampled_from([96, 120, 384, 480, 960]))
    bar = 4 * tpb
    bars = draw(st.integers(1, 10))
    end = bars * bar
    conductor = []
    for tick in [0] + draw(st.lists(st.integers(0, end), max_size=4)):
        for bpm in draw(st.lists(st.integers(40, 260), min_size=1, max_size=3)):  # several at one tick
            conductor.append((tick, mido.MetaMessage("set_tempo", tempo=round(mido.bpm2tempo(bpm)))))
    for b in sorted(draw(st.lists(st.integers(0, bars - 1), max_size=3))):
        num, den = draw(st.sampled_from([(4, 4), (4, 4), (3, 4), (6, 8), (7, 8), (5, 4), (2, 2)]))
        conductor.append((b * bar, mido.MetaMessage("time_signature", numerator=num, denominator=den)))
    grid = tpb // 4
    hits = draw(st.lists(st.tuples(st.integers(0, bars * 16 - 1), st.integers(-grid // 2, grid // 2),
                                   st.sampled_from(KIT), st.integers(1, 127),
                                   st.one_of(st.none(), st.integers(0, 2 * tpb))), min_size=1, max_size=60))
    drums = []
    for step, jitter, pitch, velocity, length in hits:
        tick = max(step * grid + jitter, 0)
        drums.append((tick, mido.Message("note_on", channel=9, note=pitch, velocity=velocity)))
        if length is not None:  # None: never ended
            drums.append((tick + length, mido.Message("note_off", channel=9, note=pitch)))
    if draw(st.booleans()):  # a stack: the same hit twice or three times on one tick
        step, _, pitch, velocity, _ = hits[0]
        for _ in range(draw(st.integers(1, 2))):
            drums += [(step * grid, mido.Message("note_on", channel=9, note=pitch, velocity=velocity)),
                      (step * grid + 47, mido.Message("note_off", channel=9, note=pitch))]
    melody = [(0, mido.Message("program_change", channel=0, program=draw(st.integers(0, 127))))]
    for tick, pitch, length in draw(st.lists(st.tuples(st.integers(0, end), st.integers(40, 90), st.integers(1, bar)),
                                             max_size=12)):
        melody += [(tick, mido.Message("note_on", channel=0, note=pitch, velocity=80)),
                   (tick + length, mido.Message("note_off", channel=0, note=pitch)),
                   (tick, mido.Message("control_change", channel=0, control=1, value=pitch))]
    mf = mido.MidiFile(type=1, ticks_per_beat=tpb)
    for events in (conductor, drums, melody):
        mf.tracks.append(_track(events))
    return mf


def _track(events) -> mido.MidiTrack:
    track, last = mido.MidiTrack(), 0
    for tick, msg in sorted(events, key=lambda e: e[0]):  # stable: same-tick events keep their order
        track.append(msg.copy(time=tick - last))
        last = tick
    return track


@pytest.fixture(scope="module")
def model(tiny_weights):
    from groovecli.runtime.load import load_networks

    return load_networks(tiny_weights)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
@given(song=songs(), notes=st.sampled_from(["keep", "add", "free"]), seed=st.integers(0, 2**16))
def test_humanized_random_files_keep_the_invariants(model, song, notes, seed):
    from groovecli.generate.humanize import humanize

    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.mid", Path(tmp) / "out.mid"
        song.save(src)
        try:
            result = humanize(read_midi(src), model, notes=notes, seed=seed)
        except GrooveError:
            event("refused in one line")  # no 4/4 bar, nothing to groove...: allowed
            return
        write_midi(result.performance, out)
        check_output(src, out)
        event("humanized and checked")  # --hypothesis-show-statistics counts them


@settings(max_examples=EXAMPLES, deadline=None)
@given(song=songs())
def test_random_files_read_and_write_back_unchanged(song):
    """Read and written back without a model: the same notes, the same events, the same times."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.mid", Path(tmp) / "out.mid"
        song.save(src)
        try:
            perf = read_midi(src)
        except GrooveError:
            return
        write_midi(perf, out)
        check_output(src, out)
        assert sorted((n.start, n.pitch, n.velocity) for n in read_midi(out).notes) == sorted(
            (n.start, n.pitch, n.velocity) for n in perf.notes)
