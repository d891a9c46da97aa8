"""Does groove play like one drummer? Hands, loops, continuations, fills and `add`'s density,
each against GMD's drummers measured the same way in this script.

    python experiments/eval_musicianship.py --data ../shared/data/gmd [--max-files N] [--only SECTION ...]

Sections (all by default; ``--only`` picks some):

* ``gmd``: GMD's own figures. Hands: the share of hit clusters (onsets within 25 ms, from the MIDI
  files' own pitches: every drum but the kicks and the pedal hi-hat is a hand) that need more
  than two hands, on the test beats; the single-hand speed limit (the 1st percentile of the gap
  between consecutive hits of one hand drum, gaps under 25 ms, flams, left out), on train. Fills:
  the share of time-keeping hits (hi-hats, ride) kept in a fill's beats (from the first beat
  with a tom or two more snares than the bar before, to the bar's end) against the same beats
  of the bar before, on the beat files' fills (``fill_bars.find_fills``), train and test.
  Density: notes drummers play per note of their bar's sketch, per genre, on train.
* ``modes``: every mode run over the GMD test beats (a ``--max-files`` subset): ``add`` on the
  sketches and on the drummers' own quantized parts, ``--fills 4``, ``continue`` (the first half
  as the primer, 8 new bars), ``interpolate`` (song i to song i + 1, 5 steps of 4 bars),
  ``drumify`` (each song collapsed to taps) and ``sample`` (every genre, 4 seeds, 8 bars). From
  their outputs: the share of clusters needing more than two hands over all modes and per mode
  (for ``add`` and fills, the clusters holding a note groove added: the user's own notes stay,
  three-handed or not);
  bar-to-bar onset overlap (Jaccard of drum class x 16th, bar i vs bar i + 1) of sample and
  continue against the test beats'; continue's notes per bar against its primer's; the kept
  time-keeping share in groove's fill beats; notes `add` adds to played parts and notes per
  bar on sketches against the drummers'.

Seeds are the songs' indices. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import mido
import numpy as np

from groovecli.constants import CLOSED_HIHAT, MIDI_VELOCITY_MAX, OPEN_HIHAT, RIDE, SNARE, STEPS_PER_BAR, STEPS_PER_BEAT
from groovecli.generate.continue_ import continue_grid
from groovecli.generate.drumify import drumify_taps
from groovecli.generate.fill import add_fills
from groovecli.generate.humanize import HumanizeOptions, humanize_grid
from groovecli.generate.interpolate import interpolate_grids
from groovecli.generate.sample import sample
from groovecli.grid.drumgrid import DrumGrid, from_windows, half_step_ms, quantize, to_windows
from groovecli.grid.fill_bars import TOMS, find_fills
from groovecli.grid.hands import CLUSTER_MS, HAND, cluster_hands, cluster_of, grid_clusters, onset_ms
from groovecli.grid.patterns import derive_template
from groovecli.grid.taps import collapse
from groovecli.lab.data import genre_of
from groovecli.midi.drummap import GMD
from groovecli.midi.read import read_midi
from groovecli.runtime.load import load_cond_networks, load_networks

FEET = {35, 36, 44}  # GMD's kicks and pedal hi-hat
KEEPERS = [CLOSED_HIHAT, OPEN_HIHAT, RIDE]
STIFF_VELOCITY = 100 / MIDI_VELOCITY_MAX  # what a producer's sketch has (as groove evaluate)


def beat_rows(root: Path, split: str | None = None) -> list[dict[str, str]]:
    rows = csv.DictReader(open(root / "info.csv"))
    return [r for r in rows if r["beat_type"] == "beat" and r["time_signature"] == "4-4"
            and genre_of(r["style"]) and (split is None or r["split"] == split)]


def midi_onsets(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Note-on times (s) and pitches of a MIDI file, in time order."""
    t, out = 0.0, []
    for msg in mido.MidiFile(path):
        t += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            out.append((t, msg.note))
    out.sort()
    return np.array([o[0] for o in out]), np.array([o[1] for o in out], np.int64)


def gmd_hands(root: Path) -> dict:
    over = clusters = 0
    gaps = []
    for r in beat_rows(root, "test"):
        times, pitch = midi_onsets(root / r["midi_filename"])
        c = cluster_hands(times * 1000, ~np.isin(pitch, list(FEET)))
        clusters, over = clusters + len(c), over + int((c > 2).sum())
    for r in beat_rows(root, "train"):
        times, pitch = midi_onsets(root / r["midi_filename"])
        for p in np.unique(pitch[~np.isin(pitch, list(FEET))]):
            gap = np.diff(times[pitch == p]) * 1000
            gaps.append(gap[gap > CLUSTER_MS])
    return {"test_clusters": clusters, "test_over_two_hands": over, "test_share": round(over / clusters, 5),
            "single_hand_ms_p1_train": round(float(np.percentile(np.concatenate(gaps), 1)), 1)}


def fill_beats_kept(fill_bar: np.ndarray, groove_bar: np.ndarray) -> tuple[int, int] | None:
    """(time-keeping hits in the fill's beats, in the same beats of ``groove_bar``), or None when
    the bar has no beat where a fill plays (a tom, or two snares more than the groove there)."""
    cur, prev = fill_bar.reshape(4, STEPS_PER_BEAT, -1) > 0.5, groove_bar.reshape(4, STEPS_PER_BEAT, -1) > 0.5
    active = cur[:, :, TOMS].any((1, 2)) | (cur[:, :, SNARE].sum(1) >= prev[:, :, SNARE].sum(1) + 2)
    if not active.any():
        return None
    first = int(np.argmax(active))
    return int(cur[first:][:, :, KEEPERS].sum()), int(prev[first:][:, :, KEEPERS].sum())


def gmd_fills_and_density(root: Path) -> dict:
    kept = {"train": [0, 0, 0], "test": [0, 0, 0]}
    per_genre: dict[str, list[float]] = {}
    jaccard = []
    for r in beat_rows(root):
        if r["split"] == "validation":
            continue
        grid = quantize(read_midi(root / r["midi_filename"], drum_map=GMD))
        bars = grid.hits.reshape(-1, STEPS_PER_BAR, grid.hits.shape[1])
        fills = find_fills(grid.hits)
        for b in np.flatnonzero(fills):
            got = fill_beats_kept(bars[b], bars[b - 1]) if b and not fills[b - 1] else None
            if got:
                k = kept[r["split"]]
                k[0], k[1], k[2] = k[0] + got[0], k[1] + got[1], k[2] + 1
        if r["split"] == "test":
            jaccard += bar_jaccard(grid.hits)
        elif len(bars) >= 2:
            sketch = from_windows(derive_template(to_windows(grid.hits), to_windows(grid.velocity)), len(bars))
            sounding = bars.any((1, 2))
            counts = per_genre.setdefault(genre_of(r["style"]), [0.0, 0.0])
            counts[0] += float(bars[sounding].sum())
            counts[1] += float(sketch.reshape(bars.shape)[sounding].sum())
    return {"fills_kept": {s: {"fills": k[2], "kept_share": round(k[0] / max(k[1], 1), 3)} for s, k in kept.items()},
            "played_per_sketch_note_train": {g: round(c[0] / c[1], 3) for g, c in sorted(per_genre.items())},
            "test_beats_bar_jaccard": round(float(np.mean(jaccard)), 3)}


def bar_jaccard(hits: np.ndarray) -> list[float]:
    """Onset overlap of each bar with the next (drum class x 16th), bars with notes."""
    bars = np.asarray(hits).reshape(-1, STEPS_PER_BAR, hits.shape[-1]) > 0.5
    a, b = bars[:-1], bars[1:]
    union, inter = (a | b).sum((1, 2)), (a & b).sum((1, 2))
    return (inter[union > 0] / union[union > 0]).tolist()


class Song:
    """One GMD test beat on the grid: the drummer's part, its sketch, tempo and genre."""

    def __init__(self, root: Path, row: dict[str, str]):
        perf = read_midi(root / row["midi_filename"], drum_map=GMD)
        self.real = quantize(perf)
        self.half_ms = half_step_ms(perf, self.real.bars)
        self.bpm = 60_000.0 / (float(self.half_ms[0]) * 2 * STEPS_PER_BEAT)
        self.genre = genre_of(row["style"])
        self.n_bars = self.real.steps // STEPS_PER_BAR
        t = from_windows(derive_template(to_windows(self.real.hits), to_windows(self.real.velocity)), self.n_bars)
        self.stiff = self.real.with_values(t, STIFF_VELOCITY * t, np.zeros_like(t))
        self.played = self.real.with_values(self.real.hits, self.real.velocity, np.zeros_like(t))


def over_two(hits: np.ndarray, offset: np.ndarray, half_ms: np.ndarray, given: np.ndarray | None = None
             ) -> tuple[int, int]:
    """(clusters, clusters needing more than two hands); with ``given`` (T, 9), the notes the
    user gave, only the clusters groove made so: those holding a note it added."""
    if given is None:
        c = grid_clusters(hits, offset, half_ms)
        return len(c), int((c > 2).sum())
    rows, cols = np.nonzero(hits > 0.5)
    ids = cluster_of(onset_ms(half_ms, offset)[rows, cols])
    hands = np.bincount(ids, weights=HAND[cols].astype(float))
    added = np.bincount(ids, weights=(given[rows, cols] < 0.5).astype(float))
    return len(hands), int(((hands > 2) & (added > 0)).sum())


def run_add_and_fills(songs: list[Song], loaded, fills_model, hands: dict, out: dict) -> None:
    added = played = sketch_notes = drum_notes = 0
    kept = [0, 0]
    for i, s in enumerate(songs):
        opts = HumanizeOptions(genre=s.genre, seed=i)
        on_played = humanize_grid(s.played, loaded, opts, bpm=s.bpm).grid
        added, played = added + int(on_played.hits.sum() - s.played.hits.sum()), played + int(s.played.hits.sum())
        on_sketch = humanize_grid(s.stiff, loaded, opts, bpm=s.bpm).grid
        sketch_notes, drum_notes = sketch_notes + on_sketch.hits.sum(), drum_notes + s.real.hits.sum()
        # add keeps every note the user gave, three-handed or not (a drummer's own pedal hi-hat is a
        # hi-hat on the grid, and quantizing brings a flam together): only the clusters holding a
        # note add wrote count against it; the drummers' own are counted apart
        for name, g, given in (("add", on_played, s.played.hits), ("add_sketch", on_sketch, s.stiff.hits)):
            tally(hands, name, over_two(g.hits, g.offset, s.half_ms, given))
        tally(hands, "add_input_own", over_two(s.played.hits, s.played.offset, s.half_ms))
        rows = [r for r in range(s.n_bars) if (s.stiff.bars[r].index + 1) % 4 == 0
                and s.stiff.hits[r * STEPS_PER_BAR : (r + 1) * STEPS_PER_BAR].any()]
        filled = add_fills(on_sketch, s.stiff.hits, rows, fills_model, genre=s.genre, seed=i, half_ms=s.half_ms)
        tally(hands, "fills", over_two(filled.hits, filled.offset, s.half_ms, s.stiff.hits))
        bars = filled.hits.reshape(-1, STEPS_PER_BAR, filled.hits.shape[1])
        for r in rows:
            got = fill_beats_kept(bars[r], bars[r - 1]) if r else None
            if got:
                kept = [kept[0] + got[0], kept[1] + got[1]]
    out["add"] = {"songs": len(songs), "played_parts_notes_added_share": round(added / max(played, 1), 3),
                  "sketches_notes_per_bar_vs_drummers": round(float(sketch_notes / drum_notes), 3)}
    out["fills"] = {"kept_share_in_fill_beats": round(kept[0] / max(kept[1], 1), 3)}


def tally(hands: dict, mode: str, counts: tuple[int, int]) -> None:
    c = hands.setdefault(mode, [0, 0])
    c[0], c[1] = c[0] + counts[0], c[1] + counts[1]


def run_continue(songs: list[Song], loaded, hands: dict, out: dict, new_bars: int = 8) -> None:
    within, floor_ok, jaccard, n = 0, 0, [], 0
    for i, s in enumerate(songs):
        if s.n_bars < 8:
            continue
        half = s.n_bars // 2 * STEPS_PER_BAR
        primer = DrumGrid(s.real.hits[:half], s.real.velocity[:half], s.real.offset[:half], s.real.bars[: half // 16],
                          np.full(0, -1, np.int64))
        cont = continue_grid(primer, loaded, new_bars, genre=s.genre, seed=i, bpm=s.bpm)
        per_bar = cont.hits.reshape(new_bars, -1).sum(1)
        primer_bars = primer.hits.reshape(-1, STEPS_PER_BAR * primer.hits.shape[1]).sum(1)
        mean = primer_bars.mean()
        within += abs(per_bar.mean() / mean - 1) <= 0.15
        floor_ok += per_bar.min() >= mean / 3 or primer_bars.min() < mean / 3
        jaccard += bar_jaccard(cont.hits)
        tally(hands, "continue", over_two(cont.hits, cont.offset, np.full(len(cont.hits), s.half_ms[-1])))
        n += 1
    out["continue"] = {"primers": n, "notes_per_bar_within_15pct": round(within / max(n, 1), 3),
                       "no_bar_under_a_third": round(floor_ok / max(n, 1), 3),
                       "bar_jaccard": round(float(np.mean(jaccard)), 3)}


def run_interpolate_and_drumify(songs: list[Song], loaded, drumify_model, hands: dict) -> None:
    for i, (a, b) in enumerate(zip(songs, songs[1:])):
        seq, _ = interpolate_grids(a.real, b.real, loaded, 5, bars=4, genre=a.genre, seed=i, bpm_a=a.bpm, bpm_b=b.bpm)
        for step in seq[1:-1]:
            tally(hands, "interpolate", over_two(step.hits, step.offset, np.full(len(step.hits), a.half_ms[0])))
    for i, s in enumerate(songs):
        taps = collapse(s.real.hits, s.real.velocity, s.real.offset)
        kit = drumify_taps(taps, drumify_model, genre=s.genre, seed=i, half_ms=s.half_ms)
        tally(hands, "drumify", over_two(kit.hits, kit.offset, s.half_ms))


def run_sample(loaded, hands: dict, out: dict, seeds: int = 4) -> None:
    jaccard = []
    for genre in loaded.config.genres:
        for seed in range(seeds):
            take = sample(loaded, genre=genre, bars=8, seed=seed)
            jaccard += bar_jaccard(take.after.hits)
            tally(hands, "sample", over_two(take.after.hits, take.after.offset,
                                            half_step_ms(take.performance, take.after.bars)))
    out["sample"] = {"takes": len(loaded.config.genres) * seeds, "bar_jaccard": round(float(np.mean(jaccard)), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--max-files", type=int, default=0)
    ap.add_argument("--only", nargs="*", choices=("gmd", "modes"), default=("gmd", "modes"))
    args = ap.parse_args()
    root, started, result = Path(args.data), time.perf_counter(), {}
    if "gmd" in args.only:
        result["gmd"] = gmd_hands(root) | gmd_fills_and_density(root)
    if "modes" in args.only:
        rows = beat_rows(root, "test")
        songs = [Song(root, r) for r in rows[: args.max_files or None]]
        songs = [s for s in songs if s.n_bars >= 2]
        loaded, hands, modes = load_networks(), {}, {}
        run_add_and_fills(songs, loaded, load_cond_networks("fills"), hands, modes)
        run_continue(songs, loaded, hands, modes)
        run_interpolate_and_drumify(songs, loaded, load_cond_networks("drumify"), hands)
        run_sample(loaded, hands, modes)
        own = hands.pop("add_input_own")
        total = np.sum(list(hands.values()), axis=0)
        modes["hands"] = {"over_two_share_all_modes": round(float(total[1] / total[0]), 5),
                          "drummers_own_in_add_inputs": {"clusters": own[0], "over_two": own[1]},
                          "per_mode": {m: {"clusters": c[0], "over_two": c[1]} for m, c in hands.items()}}
        result["modes"] = modes
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
