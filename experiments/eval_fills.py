"""Do groove's fills read as fills? GMD test songs humanized with ``--fills 4``, judged against
real fills.

    python experiments/eval_fills.py --data ../shared/data/gmd [--cache DIR] [--max-files N]
        [--split validation] [--fill-heat H] [--fill-draws N] [--takes N]

1. A fill-vs-beat judge (logistic regression on ``fill_data.bar_features``: hits per class,
   density, toms' and time-keepers' shares, sounding 16ths, last-beat hits) is fitted on GMD
   train: its fill bars (``fill_data.build_fills``) against every other bar of its beat files.
   Its accuracy on the test split's real fills and beat bars is printed first.
2. Every test beat song's stiff template (as ``groove evaluate`` derives it) is humanized in its
   genre, seed = its index (``--takes N``: N takes, seeds index + 1000 k), with ``--fills 4`` (the default ``add`` mode: the sketch's notes stay
   in the fill bar but the time-keeping the fill takes over; with ``--fill-over``, on top of all
   of them; and as ``--notes free`` would write the fill, alone). The judge's verdict on
   the fill bars written, on the same bars humanized without fills, and on real test fills.
3. Toms and crash per fill, the share of fills with a tom, and the landing: the share of fills
   whose next downbeat has a crash or a kick, for generated fills and real ones (real: fills
   found inside test beat performances, which have a next bar).
4. The fills' snare and toms per fill beat (``experiments/fill_shape.py``'s measure, over the
   bar before): groove's in context, alone, and the real beat fills'.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from fill_shape import profile  # noqa: E402

from groovecli.constants import CRASH, KICK, STEPS_PER_BAR  # noqa: E402
from groovecli.generate import fill as fill_module  # noqa: E402
from groovecli.generate.fill import add_fills  # noqa: E402
from groovecli.generate.humanize import HumanizeOptions, humanize_grid  # noqa: E402
from groovecli.grid.fill_bars import TOMS, find_fills  # noqa: E402
from groovecli.lab.data import GENRES, SPLITS, load_dataset  # noqa: E402
from groovecli.lab.evaluation import _songs  # noqa: E402
from groovecli.lab.fill_data import bar_features, build_fills  # noqa: E402
from groovecli.runtime.load import load_cond_networks, load_networks  # noqa: E402


def fit_judge(x: np.ndarray, y: np.ndarray, steps: int = 3000, lr: float = 0.1):
    """Logistic regression by gradient descent on standardised features; returns predict(x) → P(fill)."""
    mean, std = x.mean(0), x.std(0) + 1e-6
    z = (x - mean) / std
    w, b = np.zeros(z.shape[1]), 0.0
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))  # balanced classes
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = (p - y) * weight
        w -= lr * (z.T @ g) / len(y)
        b -= lr * g.mean()
    return lambda q: 1 / (1 + np.exp(-(((q - mean) / std) @ w + b)))


def bars_of(hits: np.ndarray) -> np.ndarray:
    return hits.reshape(-1, STEPS_PER_BAR, hits.shape[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--cache")
    ap.add_argument("--max-files", type=int, default=0)
    ap.add_argument("--fill-heat", type=float, help="override generate/fill.FILL_HEAT (to choose it on validation)")
    ap.add_argument("--fill-draws", type=int, help="override generate/fill.FILL_DRAWS (to choose it on validation)")
    ap.add_argument("--takes", type=int, default=1,
                    help="takes per song (seeds i, i + 1000, ...): more takes, less of one draw's luck in the figures")
    ap.add_argument("--split", default="test", choices=("validation", "test"),
                    help="the songs humanized and the real fills compared with (validation: to choose settings)")
    args = ap.parse_args()
    started = time.perf_counter()
    if args.fill_heat is not None:
        fill_module.FILL_HEAT = args.fill_heat
    if args.fill_draws is not None:
        fill_module.FILL_DRAWS = args.fill_draws
    fills = build_fills(args.data)
    ds = load_dataset(args.data, cache_dir=args.cache)
    fill_bar = lambda part: part.hits[:, STEPS_PER_BAR : 2 * STEPS_PER_BAR]  # noqa: E731
    beats_file = {r["midi_filename"]: r["beat_type"] for r in csv.DictReader(open(Path(args.data) / "info.csv"))}
    beat_bars = {s: [] for s in SPLITS}
    for split in ("train", args.split):
        part = ds.of_split(split)
        for f in np.unique(part.file_index):
            if beats_file.get(str(part.files[f])) != "beat":
                continue
            sel = part.file_index == f
            h = part.hits[sel]  # windows with a 1-bar hop: the first bar of each, and the last window's second
            song = np.concatenate([h[:, :STEPS_PER_BAR].reshape(-1, h.shape[-1]), h[-1, STEPS_PER_BAR:]])
            bars = bars_of(song)
            beat_bars[split].append(bars[~find_fills(song) & (bars.sum((1, 2)) > 0)])
    train_f = fill_bar(fills.select(fills.split == SPLITS.index("train")))
    test_fills = fills.select(fills.split == SPLITS.index(args.split))
    train_b, test_b = (np.concatenate(beat_bars[s]) for s in ("train", args.split))
    x = np.concatenate([bar_features(train_f), bar_features(train_b)])
    y = np.concatenate([np.ones(len(train_f)), np.zeros(len(train_b))])
    judge = fit_judge(x, y)
    result: dict = {"judge": {"train_fills": len(train_f), "train_beat_bars": len(train_b),
                              "test_real_fills_judged_fill": round(float((judge(bar_features(fill_bar(test_fills))) > 0.5).mean()), 3),
                              "test_beat_bars_judged_fill": round(float((judge(bar_features(test_b)) > 0.5).mean()), 3)}}
    loaded, model = load_networks(), load_cond_networks("fills")
    test = ds.of_split(args.split)
    songs = [s for s in _songs(args.data, test, 0) if beats_file.get(s.path) == "beat"]
    if args.max_files:
        songs = songs[: args.max_files]
    gen_fill, plain_fill, free_fill, over_fill, landings, toms, crashes = [], [], [], [], [], [], []
    free_before = []  # the bar before each fill bar (as played), for the fill's snare and toms per fill beat
    for song, seed in ((song, i + 1000 * k) for k in range(args.takes) for i, song in enumerate(songs)):
        genre = GENRES[song.genre]
        n_bars = song.stiff.steps // STEPS_PER_BAR
        rows = [r for r in range(n_bars) if (song.stiff.bars[r].index + 1) % 4 == 0 and song.stiff.hits[r * 16 : (r + 1) * 16].any()]
        # as humanize does with --fills: add's own tom figures give way in a bar a fill will take
        take = humanize_grid(song.stiff, loaded, HumanizeOptions(genre=genre, seed=seed), fill_bars=frozenset(rows))
        clock = song.half_step_ms[:, 0]
        filled = add_fills(take.grid, song.stiff.hits, rows, model, genre=genre, seed=seed, half_ms=clock)
        on_top = add_fills(take.grid, song.stiff.hits, rows, model, genre=genre, seed=seed, half_ms=clock, over=True)
        alone = add_fills(take.grid, song.stiff.hits, rows, model, genre=genre, seed=seed, mode="free", half_ms=clock)
        for r in rows:
            bar = filled.hits[r * STEPS_PER_BAR : (r + 1) * STEPS_PER_BAR]
            gen_fill.append(bar)
            plain_fill.append(take.grid.hits[r * STEPS_PER_BAR : (r + 1) * STEPS_PER_BAR])
            over_fill.append(on_top.hits[r * STEPS_PER_BAR : (r + 1) * STEPS_PER_BAR])
            free_fill.append(alone.hits[r * STEPS_PER_BAR : (r + 1) * STEPS_PER_BAR])
            free_before.append(take.grid.hits[(r - 1) * STEPS_PER_BAR : r * STEPS_PER_BAR] if r else np.zeros_like(bar))
            toms.append(bar[:, TOMS].sum())
            crashes.append(bar[:, CRASH].sum())
            if r + 1 < n_bars:
                landings.append(bool(filled.hits[(r + 1) * STEPS_PER_BAR, [KICK, CRASH]].any()))
    gen_fill, plain_fill, free_fill, over_fill = (np.stack(x) for x in (gen_fill, plain_fill, free_fill, over_fill))
    real = fill_bar(test_fills)
    beat_real = test_fills.select(test_fills.from_beat & (test_fills.mask[:, 2 * STEPS_PER_BAR] > 0))
    result["generated"] = {
        "songs": len(songs), "takes": args.takes, "fills": len(gen_fill),
        "judged_fill": round(float((judge(bar_features(gen_fill)) > 0.5).mean()), 3),
        "same_bars_without_fills_judged_fill": round(float((judge(bar_features(plain_fill)) > 0.5).mean()), 3),
        "judged_fill_with_notes_free": round(float((judge(bar_features(free_fill)) > 0.5).mean()), 3),
        "judged_fill_with_fill_over": round(float((judge(bar_features(over_fill)) > 0.5).mean()), 3),
        "toms_per_fill": round(float(np.mean(toms)), 2), "share_with_toms": round(float(np.mean(np.asarray(toms) > 0)), 3),
        "crashes_per_fill": round(float(np.mean(crashes)), 2),
        "landing_crash_or_kick": round(float(np.mean(landings)), 3),
    }
    real_toms = real[:, :, TOMS].sum((1, 2))
    result["real_test_fills"] = {
        "fills": len(real), "toms_per_fill": round(float(real_toms.mean()), 2),
        "share_with_toms": round(float((real_toms > 0).mean()), 3),
        "crashes_per_fill": round(float(real[:, :, CRASH].sum(1).mean()), 2),
        "landing_crash_or_kick": round(float(beat_real.hits[:, 2 * STEPS_PER_BAR, [KICK, CRASH]].any(1).mean()), 3),
        "landing_fills": len(beat_real),
    }
    names = ["kick", "snare", "closed hh", "open hh", "low tom", "mid tom", "high tom", "crash", "ride", "notes",
             "toms share", "keepers share", "16ths sounding", "last beat notes", "kick share", "snare share",
             "crash share"]
    result["bar_features_generated_vs_real_beat_fills"] = {
        n: [round(float(a), 2), round(float(b), 2)]
        for n, a, b in zip(names, bar_features(gen_fill).mean(0), bar_features(fill_bar(beat_real)).mean(0))}
    shapes = [profile(gen_fill, np.stack(free_before)), profile(free_fill, np.stack(free_before)),
              profile(fill_bar(beat_real), beat_real.hits[:, :STEPS_PER_BAR])]
    result["fill_shape_in_context_alone_real_beat_fills"] = {
        k: [shape[k] for shape in shapes] for k in ("snare_toms_per_fill_beat", "drum_16ths_per_fill_beat",
                                                                "snare_per_fill_beat", "toms_per_fill_beat",
                                                                "sounding_16ths_per_fill_beat", "fill_beats")}
    result["real_beat_fills_judged_fill"] = round(float((judge(bar_features(fill_bar(beat_real))) > 0.5).mean()), 3)
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
