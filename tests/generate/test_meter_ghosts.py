"""6/8 snare ghosts under the other meters' velocity lean (#23, ``grid/meter_feel.py``): drummer6,
the only 6/8 drummer in GMD's train split, plays his snare loud a 16th after the beat; the
producer's ghosts and groove's own must stay ghosts."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pytest
from conftest import hits_track, midi_file, save, track

from groovecli.generate.humanize import HumanizeOptions, humanize
from groovecli.grid.swing import Swing
from groovecli.midi import read_midi
from groovecli.midi.performance import Bar
from groovecli.runtime.load import load_networks
from groovecli.weights import bundled_dir

STEP = 120

needs_table = pytest.mark.skipif(bundled_dir() is None or not (bundled_dir() / "meter-feel.json").exists(),
                                 reason="no bundled meter-feel.json")


@pytest.fixture(scope="module")
def bundled():
    if bundled_dir() is None:
        pytest.skip("no weights bundled in this checkout")
    return load_networks()


@needs_table
def test_a_6_8_ghost_the_model_decodes_soft_stays_a_ghost():
    """A lone snare ghost a 16th after a 6/8 bar's one, decoded soft (velocity 20), with the
    backbeat on the second beat decoded at 95. Mapped by rank among the song's own hits there (the
    first version), the lone ghost took the drummers' median at that step: loud. Mapped through the
    model's own distribution there onto the drummers', it stays below the drummers' median and
    below the backbeat; a decoded velocity at the model's median there lands on the drummers'
    median, and louder stays louder."""
    from groovecli.generate.feel import play_genre
    from groovecli.grid.meter_feel import meter_feel, model_side, transfer
    from groovecli.grid.meters import kind_steps

    six = Bar(0, 0, 1440, 6, 8)
    frames = [six] * 8
    hits = np.zeros((16 * len(frames), 9), np.float32)
    velocity = np.zeros_like(hits)
    for k in range(len(frames)):
        s = 16 * k
        hits[s + np.array([0, 6]), 0] = hits[s + 6, 1] = 1
        hits[s + np.arange(0, 12, 2), 2] = 1
        velocity[s + np.array([0, 6]), 0] = velocity[s + 6, 1] = 95 / 127
        velocity[s + np.arange(0, 12, 2), 2] = 80 / 127
    ghost = 16 * 3 + 1  # in one bar only: the only snare at that step in the song
    hits[ghost, 1], velocity[ghost, 1] = 1, 20 / 127
    model = {"velocity": velocity, "offset": np.zeros_like(hits)}
    played = play_genre(model, hits, HumanizeOptions(), None, Swing(), np.full(len(hits), 30.0), kind_steps(frames))
    table = meter_feel("dotted quarter")
    drummers = table.quantiles[1][1]
    assert drummers is not None and model_side(table, 1, 1) is not None
    backbeat = played["velocity"][6::16, 1][: len(frames)]
    assert played["velocity"][ghost, 1] < np.median(drummers) - 0.05
    assert played["velocity"][ghost, 1] < backbeat.min()
    source = model_side(table, 1, 1)
    assert transfer(np.array([np.median(source)]), source, drummers)[0] == pytest.approx(np.median(drummers), abs=1e-3)
    ladder = transfer(np.linspace(0, 1, 50), source, drummers)
    assert (np.diff(ladder) >= 0).all()


def six_eight_file(tmp_path, ghost: int | None, backbeat: int) -> Path:
    """8 bars of 6/8 at 70 bpm: hats on the 8ths, kick on both beats, the backbeat snare on the
    second, snare ghosts a 16th after each beat (``ghost`` None: none written, every note 100)."""
    hits, hat = [], 100 if ghost is None else 90
    for b in range(8):
        base = b * 12 * STEP
        hits += [(base + k * STEP, 42, hat) for k in range(0, 12, 2)] + [(base, 36, 100), (base + 6 * STEP, 36, 100)]
        hits += [(base + 6 * STEP, 38, backbeat)]
        hits += [] if ghost is None else [(base + STEP, 38, ghost), (base + 7 * STEP, 38, ghost)]
    conductor = track(name="conductor")
    conductor.append(mido.MetaMessage("time_signature", numerator=6, denominator=8))
    meta = [mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(70))]
    return save(midi_file(conductor, hits_track(hits, 60), meta=meta), tmp_path / "six-eight.mid")


@needs_table
def test_a_programmed_6_8_part_keeps_its_ghosts_under_the_backbeat(tmp_path, bundled):
    """A producer's 6/8 part with ghosts at 30 and the backbeat at 110, humanized with the
    defaults: every ghost stays well under every backbeat, and none becomes inaudible."""
    perf = read_midi(six_eight_file(tmp_path, ghost=30, backbeat=110))
    for seed in (0, 1):
        take = humanize(perf, bundled, HumanizeOptions(seed=seed))
        snare, written = take.after.velocity[:, 1], take.before.hits[:, 1] > 0.5
        pos = np.arange(len(snare)) % 16
        ghosts, backbeats = snare[written & (pos != 6)], snare[written & (pos == 6)]
        assert ghosts.max() < backbeats.min() - 20 / 127
        assert ghosts.min() >= 20 / 127 - 1e-6


@needs_table
def test_a_6_8_ghost_groove_adds_is_never_raised_by_the_lean():
    """drummer6 plays his 6/8 snare loud a 16th after the beat, so the lean maps the model's usual
    level there onto his loud one. A snare groove *added* there (not in the sketch) is groove's
    decoration, not his note: decoded at the model's usual level, it keeps it, under the
    backbeat, where the same note written by the producer takes the drummers' level. Written
    notes are mapped as without the mask; a 4/4 bar is untouched."""
    from groovecli.generate.feel import play_genre
    from groovecli.grid.meter_feel import meter_feel, model_side
    from groovecli.grid.meters import kind_steps

    six, four = Bar(0, 0, 1440, 6, 8), Bar(0, 0, 1920, 4, 4)
    frames = [six] * 8 + [four]
    hits = np.zeros((16 * len(frames), 9), np.float32)
    velocity = np.zeros_like(hits)
    for k in range(8):
        s = 16 * k
        hits[s + np.array([0, 6]), 0] = hits[s + 6, 1] = 1
        hits[s + np.arange(0, 12, 2), 2] = 1
        velocity[s + np.array([0, 6]), 0] = velocity[s + 6, 1] = 95 / 127
        velocity[s + np.arange(0, 12, 2), 2] = 80 / 127
    hits[-16::4, 2] = hits[-16, 0] = hits[-12, 1] = 1  # the 4/4 bar
    velocity[-16::4, 2] = velocity[-16, 0] = velocity[-12, 1] = 0.7
    written = hits > 0.5
    ghosts = 16 * np.arange(8) + 1
    hits[ghosts, 1] = 1
    table = meter_feel("dotted quarter")
    velocity[ghosts, 1] = np.median(model_side(table, 1, 1))  # the model's usual level there
    model = {"velocity": velocity, "offset": np.zeros_like(hits)}
    args = (model, hits, HumanizeOptions(), None, Swing(), np.full(len(hits), 30.0), kind_steps(frames))
    as_written, added = play_genre(*args), play_genre(*args, written=written)
    backbeat = added["velocity"][6:128:16, 1]
    # had the producer written them, they would take drummer6's loud snare there
    assert as_written["velocity"][ghosts, 1] == pytest.approx(np.median(table.quantiles[1][1]), abs=1e-3)
    assert (as_written["velocity"][ghosts, 1] > velocity[ghosts, 1] + 30 / 127).all()
    assert (added["velocity"][ghosts, 1] <= velocity[ghosts, 1] + 1e-6).all()
    assert added["velocity"][ghosts, 1].max() < backbeat.min() - 30 / 127
    assert np.array_equal(added["velocity"][written], as_written["velocity"][written])
    assert np.array_equal(added["velocity"][-16:], model["velocity"][-16:])


@needs_table
def test_a_flat_6_8_sketch_keeps_the_snare_ghosts_groove_adds_under_its_backbeat(tmp_path, bundled):
    """A flat 6/8 part with no ghosts, humanized with the defaults (``--notes add``): no note groove
    adds on its frames comes out louder than the model decoded it, and the snares it adds a 16th
    after a beat sit well under the written backbeat (before, drummer6's loud snare there lifted
    them to the backbeat's level)."""
    from unittest import mock

    from groovecli.generate import feel

    decoded = []
    lean = feel.lean_other_meters

    def capture(played, model, *args, **kwargs):
        decoded.append(model["velocity"].copy())
        return lean(played, model, *args, **kwargs)

    perf = read_midi(six_eight_file(tmp_path, ghost=None, backbeat=100))
    ghosts, backbeats = [], []
    with mock.patch.object(feel, "lean_other_meters", capture):
        for seed in (0, 1, 2):
            take = humanize(perf, bundled, HumanizeOptions(seed=seed))
            snare, written = take.after.velocity[:, 1], take.before.hits[:, 1] > 0.5
            added = (take.after.hits[:, 1] > 0.5) & ~written
            assert added.any()
            assert (snare[added] <= decoded[-1][added, 1] + 1e-6).all()
            pos = np.arange(len(snare)) % 16
            ghosts += list(snare[added & ((pos == 1) | (pos == 7))])
            backbeats += list(snare[written])
    assert len(ghosts) >= 5 and np.median(ghosts) < np.median(backbeats) - 40 / 127
