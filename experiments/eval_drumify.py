"""Drumify on GMD test: every test performance collapsed to taps, drummed back, compared with the
drummer's own kit.

    python experiments/eval_drumify.py --data ../shared/data/gmd [--cache DIR] [--weights drumify.pt] [--max-files N]

Per song (seed = the song's index, its own genre; again at ``--temperature 0``, the likeliest kit;
and once with ``--genre auto``): note F1 of the
kit against the real performance (cells of the 16th grid), hits per bar of each drum class against
the drummer's, and the timing error of the written onsets: the song is read as a rhythm (every
drum note on channel 10 is a tap), drummed, written as MIDI, and each output note's time is
compared with the tap of its step (the loudest hit there, as ``taps.collapse`` takes it).
A baseline with no model: each tap plays the drums most often struck at that 16th of the bar in
the genre's training windows, given that something is struck there. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from groovecli.constants import DRUMS, N_DRUMS, STEPS_PER_BAR
from groovecli.generate.drumify import drumify, drumify_taps, read_rhythm
from groovecli.grid.drumgrid import quantize
from groovecli.grid.taps import collapse
from groovecli.lab.data import GENRES, load_dataset
from groovecli.runtime.load import load_cond_networks, load_networks


def f1(pred: np.ndarray, real: np.ndarray) -> tuple[float, float, float]:
    tp = float((pred * real).sum())
    return tp, float((pred * (1 - real)).sum()), float(((1 - pred) * real).sum())


def position_baseline(train) -> np.ndarray:
    """(genres, 16, drums): the drums played at each 16th when a tap is there, by majority."""
    struck = train.hits.max(-1, keepdims=True)
    table = np.zeros((len(GENRES), STEPS_PER_BAR, N_DRUMS))
    taps = np.zeros((len(GENRES), STEPS_PER_BAR, 1))
    pos = np.arange(train.hits.shape[1]) % STEPS_PER_BAR
    for g in range(len(GENRES)):
        sel = train.genre == g
        for k in range(STEPS_PER_BAR):
            table[g, k] = train.hits[sel][:, pos == k].sum((0, 1))
            taps[g, k] = struck[sel][:, pos == k].sum()
    return (table / np.maximum(taps, 1)) > 0.5


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--cache")
    ap.add_argument("--weights")
    ap.add_argument("--max-files", type=int, default=0)
    args = ap.parse_args()
    ds = load_dataset(args.data, cache_dir=args.cache)
    test = ds.of_split("test")
    model, guide = load_cond_networks("drumify", args.weights), load_networks()
    table = position_baseline(ds.of_split("train"))
    counts = {s: np.zeros(3) for s in ("drumify", "drumify --temperature 0", "drumify --genre auto", "position baseline")}
    per_bar = {s: np.zeros(N_DRUMS) for s in ("drummer", "drumify", "position baseline")}
    bars = 0
    errors_ms: list[float] = []
    started = time.perf_counter()
    files = np.unique(test.file_index)[: args.max_files or None]
    for i, f in enumerate(files):
        path = Path(args.data) / str(test.files[f])
        genre = GENRES[int(test.genre[test.file_index == f][0])]
        perf = read_rhythm(path, channel=9)
        real = quantize(read_rhythm(path, channel=9, pitch=None))
        from groovecli.midi.drummap import GMD
        from groovecli.midi.read import read_midi

        kit = quantize(read_midi(path, drum_map=GMD))
        taps = collapse(kit.hits, kit.velocity, kit.offset)
        made = drumify_taps(taps, model, genre=genre, seed=i)
        likeliest = drumify_taps(taps, model, genre=genre, seed=i, temperature=0.0)
        auto = drumify(perf, model, genre="auto", seed=i, groove_model=guide).after
        struck = taps[:, 0] > 0
        pos = np.arange(len(taps)) % STEPS_PER_BAR
        base = table[GENRES.index(genre), pos] & struck[:, None]
        bare = struck & ~base.any(1)
        base[bare, 1] = True  # a tap with no majority drum: the snare
        for name, pred in (("drumify", made.hits), ("drumify --temperature 0", likeliest.hits),
                           ("drumify --genre auto", auto.hits), ("position baseline", base)):
            counts[name] += f1(pred.astype(np.float32), kit.hits)
        for name, h in (("drummer", kit.hits), ("drumify", made.hits), ("position baseline", base)):
            per_bar[name] += h.sum(0)
        bars += len(kit.hits) // STEPS_PER_BAR
        # timing: the written notes against the taps, in ms, through the MIDI the user gets
        out = drumify(perf, model, genre=genre, seed=i)
        tap_tick = {}
        for n, cell in zip(perf.notes, real.note_cells):
            if cell >= 0:
                step = int(cell) // N_DRUMS
                if step not in tap_tick or n.velocity > tap_tick[step][1]:
                    tap_tick[step] = (n.start, n.velocity)
        sp = perf.step_ticks
        starts = [b.start for b in real.bars]
        for n in out.performance.notes:
            bar = max(np.searchsorted(starts, n.start + sp / 2, side="right") - 1, 0)
            step = bar * STEPS_PER_BAR + int(np.floor((n.start - real.bars[bar].start) / sp + 0.5))
            if step in tap_tick:
                errors_ms.append(abs(perf.seconds_at(n.start) - perf.seconds_at(tap_tick[step][0])) * 1000)
    result = {"songs": len(files), "bars": bars, "seconds": round(time.perf_counter() - started, 1)}
    for name, (tp, fp, fn) in counts.items():
        result[f"note_f1 {name}"] = round(2 * tp / max(2 * tp + fp + fn, 1), 3)
    result["hits_per_bar"] = {name: {d: round(float(v[j]) / max(bars, 1), 2) for j, d in enumerate(DRUMS)}
                              for name, v in per_bar.items()}
    e = np.asarray(errors_ms)
    result["onset_error_ms"] = {"notes": len(e), "mean": round(float(e.mean()), 3), "p99": round(float(np.percentile(e, 99)), 3),
                                "max": round(float(e.max()), 3)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
