"""The GMD dataset builder, on the fixture subset and (when present) on the whole dataset."""

from __future__ import annotations

import mido
import numpy as np
import pytest
from conftest import FIXTURE_GMD, FULL_GMD

from groovecli.errors import GrooveError
from groovecli.grid.drumgrid import quantize, to_windows
from groovecli.grid.patterns import derive_template, timing_pattern, velocity_pattern
from groovecli.lab import data
from groovecli.lab.data import GENRES, SPLITS, build_dataset, check_shapes, genre_of, load_dataset, read_index
from groovecli.midi.drummap import GMD
from groovecli.midi.read import read_midi


def test_genres_merge_and_drop():
    assert genre_of("funk/groove1") == "funk"
    assert genre_of("blues/shuffle") == "jazz" and genre_of("gospel") == "soul" and genre_of("highlife") == "afrobeat"
    assert genre_of("middleeastern/maqsum") is None
    assert {"funk", "jazz", "rock", "hiphop", "latin", "soul", "pop", "punk", "reggae", "country", "neworleans",
            "afrocuban"} <= set(GENRES)


def test_fixture_dataset_windows_match_the_grid():
    ds = build_dataset(FIXTURE_GMD, workers=1)
    check_shapes(ds)
    rows = read_index(FIXTURE_GMD)
    expected = 0
    for row in rows:
        grid = quantize(read_midi(FIXTURE_GMD / row["midi_filename"], drum_map=GMD))
        w = to_windows(grid.hits)
        expected += int((w[:, 16:].sum(axis=(1, 2)) > 0).sum())
    assert len(ds) == expected > 20
    np.testing.assert_array_equal(ds.template, derive_template(ds.hits, ds.velocity))
    np.testing.assert_array_equal(ds.velocity_pattern, velocity_pattern(ds.hits, ds.velocity))
    np.testing.assert_array_equal(ds.timing_pattern, timing_pattern(ds.hits, ds.offset))
    counts = ds.counts()
    assert counts["jazz"]["train"] > 0  # the jazz file and the blues shuffle
    assert counts["rock"]["test"] > 0 and counts["rock"]["validation"] > 0
    assert sum(counts["funk"].values()) == int((ds.genre == GENRES.index("funk")).sum())
    blues = [i for i, f in enumerate(ds.files) if "blues" in f][0]
    assert set(ds.genre[ds.file_index == blues]) == {GENRES.index("jazz")}
    assert len(ds.of_split("test")) == counts["rock"]["test"]
    with pytest.raises(GrooveError, match="unknown split"):
        ds.of_split("dev")


def test_cache_is_reused_and_keyed_on_the_index(tmp_path, monkeypatch):
    first = load_dataset(FIXTURE_GMD, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 1

    def fail(*a, **k):
        raise AssertionError("rebuilt although the cache is fresh")

    monkeypatch.setattr(data, "build_dataset", fail)
    again = load_dataset(FIXTURE_GMD, cache_dir=tmp_path)
    np.testing.assert_array_equal(first.offset, again.offset)
    assert list(again.files) == list(first.files)


def test_missing_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(GrooveError, match="has no info.csv"):
        load_dataset(tmp_path)


@pytest.mark.skipif(not (FULL_GMD / "info.csv").exists(), reason="the full Groove MIDI Dataset is not beside this checkout")
def test_the_whole_dataset_parses():
    import csv

    with (FULL_GMD / "info.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1150
    notes = onsets = 0
    for row in rows:
        perf = read_midi(FULL_GMD / row["midi_filename"], drum_map=GMD)
        notes += len(perf.notes)
        onsets += sum(m.type == "note_on" and m.velocity > 0 for t in mido.MidiFile(perf.source).tracks for m in t)
        if row["time_signature"] == "4-4":
            grid = quantize(perf)
            assert (grid.note_cells >= 0).all()  # every note of a 4/4 file is on the grid
        else:
            with pytest.raises(GrooveError, match="no 4/4 bar"):
                quantize(perf)
    # Every struck note is kept: 446,312, where pretty_midi counts 445,494 because it drops
    # GMD's 817 zero-length notes and 1 note that is never released.
    assert notes == onsets == 446_312
    ds = load_dataset(FULL_GMD)
    assert 20_000 < len(ds) < 21_000
    assert all(ds.counts()[g]["train"] > 0 for g in GENRES)
    assert set(np.unique(ds.split)) == set(range(len(SPLITS)))
