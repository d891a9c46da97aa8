"""How GMD's drummers play each genre's beats: swing, push per drum, accents, ghosts, density.

    python experiments/genre_profiles.py --data ../shared/data/gmd [--write models/genre-feel.json]

Reads every 4/4 beat (no fills) of GMD's *train* split and prints, per genre: how late the
off-beat 8ths and 16ths sit (median swing ratio over the beats the cymbals play as a pair:
0.50 straight, 0.67 a triplet feel), where each drum sits on the beats (mean ms, negative
pushed), the snare's ghost share, notes per bar per drum and the accent contour over the 16ths
of a bar (mean velocity of every hit there, in drawn-pattern levels 1-5).

``--write`` stores what ``humanize`` plays each genre with (``grid/genre_feel.py``): its swing
(straight unless the genre's drummers clearly swing, ``SWUNG``) and its drummers' timing and
velocity profiles per drum and 16th of the bar, measured *de-swung* (each hit moved back by the
genre's own swing), since groove applies the swing itself when it writes ticks.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from groovecli.constants import STEPS_PER_BAR, STEPS_PER_BEAT  # noqa: E402
from groovecli.grid.feel_profile import profile_of  # noqa: E402
from groovecli.grid.swing import STRAIGHT, Swing, as_eighths, cell_shifts, dotted_notes  # noqa: E402
from groovecli.lab.genre_judge import FEATURES, PUSH_DRUMS, beat_profiles, hit_times, read_beats, swing_ratios  # noqa: E402

SWUNG = 0.55  # a genre's median swing ratio from here on is played swung; under it, straight
MIN_PAIRS = 200  # off-beat pairs a genre needs before its swing is trusted


def genre_swing(beats) -> tuple[Swing, dict]:
    """The genre's swing from its beats' pooled off-beat pairs, and the measured medians."""
    eighths = np.concatenate([swing_ratios(b.hits, hit_times(b.hits, b.offset), STEPS_PER_BEAT) for b in beats])
    sixteenths = np.concatenate([swing_ratios(b.hits, hit_times(b.hits, b.offset), 2) for b in beats])
    med = {"eighth": float(np.median(eighths)) if len(eighths) else STRAIGHT,
           "sixteenth": float(np.median(sixteenths)) if len(sixteenths) else STRAIGHT,
           "eighth_pairs": len(eighths), "sixteenth_pairs": len(sixteenths)}
    if med["eighth_pairs"] >= MIN_PAIRS and med["eighth"] >= SWUNG:
        return Swing(eighth=round(med["eighth"], 3)), med
    if med["sixteenth_pairs"] >= MIN_PAIRS and med["sixteenth"] >= SWUNG:
        return Swing(sixteenth=round(med["sixteenth"], 3)), med
    return Swing(), med


def deswung(beat, swing: Swing) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The beat's hits, velocity and timing in ms against where the genre's swing puts each cell
    (``swing.cell_shifts``), a dotted figure's "a" counted on the "and" as groove counts it."""
    dotted = dotted_notes(beat.hits, swing)
    ms = (0.5 * beat.offset - cell_shifts(beat.hits, swing)) * beat.ms16[:, None] * (beat.hits > 0.5)
    return tuple(as_eighths(a, dotted) for a in (beat.hits, beat.velocity, ms))


def pooled_profile(parts: list[tuple[np.ndarray, np.ndarray]]) -> dict:
    """One profile over many songs: the median of every hit per drum and 16th of the bar, and per
    drum (medians, so that a few drummers who play a swing genre straight do not drag its swung
    off-beats back), and the spread of hits around their own song's cell means (a drummer's
    tightness, not the spread between drummers)."""
    pos = [np.broadcast_to((np.arange(len(h)) % STEPS_PER_BAR)[:, None], h.shape) for h, _ in parts]
    hit = np.concatenate([(h > 0.5).ravel() for h, _ in parts])
    value = np.concatenate([v.ravel() for _, v in parts])[hit]
    cell_pos = np.concatenate([p.ravel() for p in pos])[hit]
    drum = np.concatenate([np.broadcast_to(np.arange(h.shape[1]), h.shape).ravel() for h, _ in parts])[hit]
    d = parts[0][0].shape[1]
    n = np.zeros((STEPS_PER_BAR, d), int)
    np.add.at(n, (cell_pos, drum), 1)
    cell = np.full((STEPS_PER_BAR, d), np.nan)
    for p, k in zip(*np.nonzero(n)):
        cell[p, k] = np.median(value[(cell_pos == p) & (drum == k)])
    middle = np.asarray([np.median(value[drum == k]) if (drum == k).any() else np.nan for k in range(d)])
    profiles = [(profile_of(h, v), (h > 0.5).sum(0)) for h, v in parts]
    sq = np.sum([np.nan_to_num(p.drum_sd) ** 2 * c for p, c in profiles], 0)
    hits = np.sum([c for _, c in profiles], 0)
    sd = np.where(hits > 1, np.sqrt(sq / np.maximum(hits, 1)), np.nan)
    return {"cell_mean": _rounded(cell), "cell_hits": n.tolist(), "drum_mean": _rounded(middle),
            "drum_sd": _rounded(sd)}


def on_the_swing(timing: dict, swing: Swing) -> dict:
    """The timing profile with each swung off-beat where the swing puts it against its own
    on-beat: the swing ratio says where the off-beat sits after the beat, so its cell takes the
    on-beat's timing (the drummers' off-beats, read cell by cell, mix swung and straight players:
    GMD's jazz ride on the "and" of 1 has a median 75 ms before the swung position)."""
    cell = np.asarray(timing["cell_mean"], dtype=float)
    if swing.eighth != STRAIGHT:
        cell[2::STEPS_PER_BEAT] = cell[0::STEPS_PER_BEAT]
    if swing.sixteenth != STRAIGHT:
        cell[1::2] = cell[0::2]
    return timing | {"cell_mean": _rounded(cell)}


def _rounded(a: np.ndarray) -> list:
    return [None if np.isnan(x) else round(float(x), 4) for x in a.ravel()] if a.ndim == 1 else [_rounded(r) for r in a]


def accent_levels(profile_rows: np.ndarray) -> str:
    """The accent contour (mean velocity minus the part's mean, per 16th) as levels 1-5 around 3."""
    accents = profile_rows[:, [FEATURES.index(f"accent {p + 1}") for p in range(16)]].mean(0)
    return "".join(str(int(np.clip(np.round(3 + a / 0.1), 1, 5))) for a in accents)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="the Groove MIDI Dataset folder (info.csv)")
    ap.add_argument("--write", metavar="JSON", help="store each genre's swing and de-swung profiles here")
    args = ap.parse_args()
    by_genre = defaultdict(list)
    for beat in read_beats(args.data):
        if beat.split == "train":
            by_genre[beat.genre].append(beat)
    out, cols = {}, [FEATURES.index(f) for f in ("snare ghost share", "kick per bar", "snare per bar",
                                                  "closed hh per bar", "open hh per bar", "ride per bar")]
    print("| genre | beats | swing 8ths | swing 16ths | played as | on-beat push kick / snare / hihat / ride (ms) "
          "| ghost share | per bar: kick / snare / closed hh / open hh / ride | accents per 16th |")
    print("|---|---|---|---|---|---|---|---|---|")
    for genre, beats in sorted(by_genre.items(), key=lambda kv: -len(kv[1])):
        swing, med = genre_swing(beats)
        rows = np.concatenate([beat_profiles(b) for b in beats])
        push = []
        for drums in PUSH_DRUMS.values():
            ms = [((b.offset * 0.5)[:, list(drums)] * b.ms16[:, None])[(b.hits[:, list(drums)] > 0.5)
                  & (np.arange(len(b.hits)) % STEPS_PER_BEAT == 0)[:, None]] for b in beats]
            ms = np.concatenate(ms)
            push.append(f"{ms.mean():+.1f}" if len(ms) else "-")
        ghost, *per_bar = rows[:, cols].mean(0)
        played = swing.describe()
        print(f"| {genre} | {len(beats)} | {med['eighth']:.3f} ({med['eighth_pairs']}) | {med['sixteenth']:.3f} "
              f"({med['sixteenth_pairs']}) | {played} | {' / '.join(push)} | {ghost:.2f} | "
              f"{' / '.join(f'{x:.1f}' for x in per_bar)} | {accent_levels(rows)} |")
        parts = [deswung(b, swing) for b in beats]
        out[genre] = {"beats": len(beats), "swing": {"eighth": swing.eighth, "sixteenth": swing.sixteenth},
                      "measured": {k: round(v, 4) if isinstance(v, float) else v for k, v in med.items()},
                      "timing_ms": on_the_swing(pooled_profile([(h, ms) for h, _, ms in parts]), swing),
                      "velocity": pooled_profile([(h, v) for h, v, _ in parts])}
    if args.write:
        Path(args.write).write_text(json.dumps({"source": "experiments/genre_profiles.py, GMD train beats",
                                                "genres": out}, separators=(",", ":")) + "\n")
        print(f"wrote {args.write} ({Path(args.write).stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
