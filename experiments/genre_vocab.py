"""What each genre's drummers add around a sketch: which drums, where in the bar, how loud.

    python experiments/genre_vocab.py --data ../shared/data/gmd [--write models/genre-vocab.json]

Reads every 4/4 beat of GMD's *train* split (fills inside the performances included: a tom
pickup at a phrase end is part of what drummers add). Each bar is split into what a producer
would have drawn (its sketch, ``patterns.derive_template``: kick, backbeat snare, a straight
hi-hat or ride line) and what the drummer played beyond it: the added notes. Per genre, per
kind of sketch (its line on the hi-hat or on the ride) and per place of the bar in a 4-bar
phrase (its downbeat bar, the bar that ends it, the two in between), it counts how often the
drummers add each drum on each 16th where the sketch leaves it empty (added notes per empty
cell), and their mean velocity. Rates are
shrunk towards all genres pooled (``PRIOR_BARS`` bars' worth), so a genre of few beats borrows
from the rest. ``grid/genre_vocab.py`` reads the table: ``humanize --notes add`` keeps, of the
notes it may add, those the genre's drummers add there.

Toms are stored apart, as figures (``figures``): drummers play them in groups (a pickup into
the next phrase, an answer to the snare, a run down the toms), and a table of single cells,
in which every drummer's fills are averaged, draws them one at a time, a lone full-volume tom
inside the groove. A figure is a run of added tom notes, each within a beat (``FIGURE_GAP``
16ths) of the one before, across bar lines; per genre and place of its first note's bar in the
phrase the table keeps the ``FIGURES_KEPT`` commonest figures of 2 to ``FIGURE_MOST`` notes (where
in the bar each starts, which toms on which 16ths after that, how often; shrunk towards all
genres pooled, ``PRIOR_FIGURES`` figures' worth), how many tom notes its drummers add per bar
(all of them, lone notes and long fills included: the amount stays the drummers', the shape
becomes a figure's), and the toms' velocity against the bar's sketched snare. All genres pooled
(``any``, what ``add`` plays when ``--genre auto`` is unsure) take the median genre's tom amount,
not the pooled one, which the tom-heavy genres with the most bars (rock, latin, jazz) make twice
a typical genre's.

It prints per genre and bar kind the added notes per bar of each drum (the vocabulary a drummer
reads: ghost snares, open-hat barks, ride against the hats, toms at phrase ends, a crash on the
phrase's downbeat), and how often the crash falls on the first 16th of each bar of the phrase;
then per genre the tom figures: notes per bar, the share of tom notes no other tom or crash
joins within a beat, figures per bar and their commonest shapes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from groovecli.constants import CRASH, DRUMS, HIGH_TOM, LOW_TOM, MID_TOM, N_DRUMS, SNARE, STEPS_PER_BAR  # noqa: E402
from groovecli.grid.drumgrid import from_windows, to_windows  # noqa: E402
from groovecli.grid.genre_vocab import BAR_KINDS, CYMBAL_KINDS, bar_kind, cymbal_kind  # noqa: E402
from groovecli.grid.patterns import derive_template  # noqa: E402
from groovecli.lab.genre_judge import read_beats  # noqa: E402

PRIOR_BARS = 20.0  # pooled bars' worth of weight (per cell) each genre's rates are shrunk towards
TOMS = (LOW_TOM, MID_TOM, HIGH_TOM)
FIGURE_GAP = 4  # 16ths: a tom note this close to the one before belongs to its figure (within a beat)
FIGURE_MOST = 4  # notes: longer runs are fills, --fills' to play (they still count in the amount)
FIGURES_KEPT = 100  # commonest figures kept per genre and bar kind (jazz's drummers rarely play one twice)
PRIOR_FIGURES = 5.0  # pooled figures' worth of weight each genre's figures are shrunk towards (its own come first)


def added_notes(beat) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The beat's sketch and the notes its drummer added beyond it, per bar: sketch and added
    (bars, 16, 9) bool, velocity (bars, 16, 9)."""
    n_bars = len(beat.hits) // STEPS_PER_BAR
    rows = n_bars * STEPS_PER_BAR
    hits, velocity = beat.hits[:rows] > 0.5, beat.velocity[:rows]
    sketch = from_windows(derive_template(to_windows(hits.astype(np.float32)), to_windows(velocity)), n_bars)[:rows] > 0.5
    shape = (n_bars, STEPS_PER_BAR, N_DRUMS)
    return sketch.reshape(shape), (hits & ~sketch).reshape(shape), velocity.reshape(shape)


def count(beats, played: bool = False) -> dict:
    """Per (cymbal kind, bar kind): bars, added notes per cell (16, 9), how many bars left each
    cell empty, velocity sums (16, 9). ``played``: every note the drummers played counts as
    added, every cell as empty (the genre's whole part, not what it adds to its sketches)."""
    out = defaultdict(lambda: {"bars": 0, "added": np.zeros((STEPS_PER_BAR, N_DRUMS)),
                               "free": np.zeros((STEPS_PER_BAR, N_DRUMS)),
                               "velocity": np.zeros((STEPS_PER_BAR, N_DRUMS))})
    for beat in beats:
        sketch, added, velocity = added_notes(beat)
        if played:
            added = added | sketch
        for b in range(len(sketch)):
            if not sketch[b].any():
                continue  # silence is not a sketch to decorate
            cell = out[(cymbal_kind(sketch[b]), bar_kind(b))]
            cell["bars"] += 1
            cell["added"] += added[b]
            cell["free"] += np.ones_like(sketch[b]) if played else ~sketch[b]
            cell["velocity"] += velocity[b] * added[b]
    return out


def rates(counts: dict, pooled: dict) -> dict:
    """How often a cell the sketch leaves empty gets an added note (added / bars with that cell
    empty), shrunk towards the pooled rates; mean velocity per cell. Counted against the empty
    cells, not all bars: a genre whose sketches draw a drum on most 16ths (New Orleans' loud
    snare) adds it rarely to its own sketches, but often where a sparser sketch leaves room."""
    table = {}
    for cym in CYMBAL_KINDS:
        for kind in BAR_KINDS:
            mine, prior = counts.get((cym, kind)), pooled[(cym, kind)]
            prior_rate = prior["added"] / np.maximum(prior["free"], 1)
            free = 0 if mine is None else mine["free"]
            added = 0 if mine is None else mine["added"]
            table.setdefault(cym, {})[kind] = np.round((added + PRIOR_BARS * prior_rate) / (free + PRIOR_BARS), 4).tolist()
    vel_sum = sum(c["velocity"] for c in counts.values())
    n = sum(c["added"] for c in counts.values())
    velocity = np.where(n > 0, vel_sum / np.maximum(n, 1), np.nan)
    return {"bars": {f"{c}/{k}": v["bars"] for (c, k), v in counts.items()}, "rate": table,
            "velocity": [[None if np.isnan(x) else round(float(x), 3) for x in row] for row in velocity]}


def tom_figures(beat) -> dict:
    """The beat's added tom notes, grouped into figures, per bar kind: bars, tom notes, figures of
    2 to ``FIGURE_MOST`` notes ({(start 16th, ((16ths after the start, tom), ...)): count}), tom
    velocity over the bar's sketched snare velocity (sums and count), and tom notes alone (no
    other tom or crash within ``FIGURE_GAP``)."""
    sketch, added, velocity = added_notes(beat)
    out = defaultdict(lambda: {"bars": 0, "toms": 0, "figures": defaultdict(int), "relative": [0.0, 0], "alone": 0})
    for b in range(len(sketch)):
        if sketch[b].any():
            out[bar_kind(b)]["bars"] += 1
            out[bar_kind(b)]["toms"] += int(added[b][:, TOMS].sum())
    flat, vel = added.reshape(-1, N_DRUMS), velocity.reshape(-1, N_DRUMS)
    snare = sketch[..., SNARE]
    loud = np.array([velocity[b][snare[b], SNARE].mean() if snare[b].any() else np.nan for b in range(len(sketch))])
    steps = np.flatnonzero(flat[:, TOMS].any(1))
    near = flat[:, list(TOMS) + [CRASH]] | sketch.reshape(-1, N_DRUMS)[:, [CRASH]]
    groups = np.split(steps, np.flatnonzero(np.diff(steps) > FIGURE_GAP) + 1) if len(steps) else []
    for group in groups:
        first = int(group[0])
        cell = out[bar_kind(first // STEPS_PER_BAR)]
        notes = tuple((int(s - first), d) for s in group for d in TOMS if flat[s, d])
        if 2 <= len(notes) <= FIGURE_MOST:
            cell["figures"][(first % STEPS_PER_BAR, notes)] += 1
        ratio = vel[group][:, TOMS][flat[group][:, TOMS]] / loud[first // STEPS_PER_BAR]
        if np.isfinite(ratio).all():
            cell["relative"][0] += float(ratio.sum())
            cell["relative"][1] += len(ratio)
        for s in group:
            window = near[max(s - FIGURE_GAP, 0) : s + FIGURE_GAP + 1]
            cell["alone"] += int(flat[s, TOMS].sum() == 1 and window.sum() == 1)
    return out


def count_figures(beats) -> dict:
    """``tom_figures`` summed over ``beats``."""
    out = defaultdict(lambda: {"bars": 0, "toms": 0, "figures": defaultdict(int), "relative": [0.0, 0], "alone": 0})
    for beat in beats:
        for kind, c in tom_figures(beat).items():
            o = out[kind]
            for key in ("bars", "toms", "alone"):
                o[key] += c[key]
            for fig, n in c["figures"].items():
                o["figures"][fig] += n
            o["relative"] = [o["relative"][0] + c["relative"][0], o["relative"][1] + c["relative"][1]]
    return out


def figure_table(counts: dict, pooled: dict) -> dict:
    """Per bar kind: tom notes per bar (shrunk towards the pooled, ``PRIOR_BARS`` bars' worth), the
    commonest figures as [start, [[16ths after it, tom], ...], weight] (shrunk towards the pooled
    shares, ``PRIOR_FIGURES`` figures' worth), the toms' velocity over the snare's."""
    table = {}
    for kind in BAR_KINDS:
        mine, prior = counts.get(kind), pooled[kind]
        bars, toms = (0, 0) if mine is None else (mine["bars"], mine["toms"])
        per_bar = (toms + PRIOR_BARS * prior["toms"] / max(prior["bars"], 1)) / (bars + PRIOR_BARS)
        total = sum(prior["figures"].values())
        weight = {f: PRIOR_FIGURES * n / total for f, n in prior["figures"].items()}
        for f, n in ({} if mine is None else mine["figures"]).items():
            weight[f] = weight.get(f, 0.0) + n
        kept = sorted(weight, key=lambda f: -weight[f])[:FIGURES_KEPT]
        rel = mine["relative"] if mine is not None and mine["relative"][1] >= 10 else prior["relative"]
        table[kind] = {"toms_per_bar": round(per_bar, 4), "velocity_over_snare": round(rel[0] / max(rel[1], 1), 3),
                       "figures": [[start, [list(n) for n in notes], round(weight[(start, notes)], 3)]
                                   for start, notes in kept]}
    return table


def show_figures(genre: str, counts: dict) -> None:
    for kind in BAR_KINDS:
        c = counts.get(kind)
        if c is None or c["bars"] < 10:
            continue
        figs = sorted(c["figures"].items(), key=lambda kv: -kv[1])
        common = "; ".join(f"{s + 1}: " + " ".join(f"+{d}{DRUMS[t].split('_')[0][0]}" for d, t in notes)
                           + f" ({n})" for (s, notes), n in figs[:3])
        print(f"| {genre} | {kind} | {c['bars']} | {c['toms'] / c['bars']:.2f} | {c['alone'] / max(c['toms'], 1):.2f} "
              f"| {sum(c['figures'].values()) / c['bars']:.2f} | {c['relative'][0] / max(c['relative'][1], 1):.2f} | {common} |")


def show(genre: str, counts: dict) -> None:
    for cym in CYMBAL_KINDS:
        for kind in BAR_KINDS:
            c = counts.get((cym, kind))
            if c is None or c["bars"] < 10:
                continue
            per = c["added"].sum(0) / c["bars"]
            print(f"| {genre} | {cym} | {kind} | {c['bars']} | " + " | ".join(f"{x:.2f}" for x in per)
                  + f" | {c['added'][0, CRASH] / c['bars']:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="the Groove MIDI Dataset folder (info.csv)")
    ap.add_argument("--write", metavar="JSON", help="store the table humanize --notes add reads")
    ap.add_argument("--played", action="store_true",
                    help="a trial: rates of every note the drummers play, not of what they add to their sketch")
    args = ap.parse_args()
    by_genre = defaultdict(list)
    for beat in read_beats(args.data):
        if beat.split == "train" and beat.genre is not None:
            by_genre[beat.genre].append(beat)
    counts = {g: count(b, args.played) for g, b in by_genre.items()}
    pooled = count([b for beats in by_genre.values() for b in beats], args.played)
    print("Added notes per bar (train beats), by the sketch's line and the bar's place in a 4-bar phrase\n")
    print("| genre | sketch line | bar | bars | " + " | ".join(DRUMS) + " | crash on the 1 |")
    print("|---|---|---|---|" + "---|" * (N_DRUMS + 1))
    for genre in sorted(by_genre, key=lambda g: -len(by_genre[g])):
        show(genre, counts[genre])
    figures = {g: count_figures(b) for g, b in by_genre.items()}
    pooled_figures = count_figures([b for beats in by_genre.values() for b in beats])
    print("\nTom figures (train beats): tom notes per bar, the share of them alone (no tom or crash within a beat), "
          "figures of 2-4 notes per bar, tom velocity over the sketched snare's, the commonest (16th of the bar: "
          "16ths after it and tom, l/m/h)\n")
    print("| genre | bar | bars | toms per bar | alone | figures per bar | velocity / snare | commonest |")
    print("|---|---|---|---|---|---|---|---|")
    for genre in sorted(by_genre, key=lambda g: -len(by_genre[g])):
        show_figures(genre, figures[genre])
    out = {g: rates(counts[g], pooled) | {"toms": figure_table(figures[g], pooled_figures)} for g in by_genre}
    out_any = rates(pooled, pooled) | {"toms": figure_table(pooled_figures, pooled_figures)}
    for kind, entry in out_any["toms"].items():  # the unsure vocabulary: a typical genre's tom amount
        entry["toms_per_bar"] = float(np.median([out[g]["toms"][kind]["toms_per_bar"] for g in out]))
    if args.write:
        Path(args.write).write_text(json.dumps({"source": "experiments/genre_vocab.py, GMD train beats",
                                                "prior_bars": PRIOR_BARS, "figure_gap": FIGURE_GAP, "genres": out, "any": out_any},
                                               separators=(",", ":")) + "\n")
        print(f"\nwrote {args.write} ({Path(args.write).stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
