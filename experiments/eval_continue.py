"""Is a continuation's join audible? GMD test songs cut in half, the second half compared with
`continue` and with a groove drawn from the genre prior alone.

    python experiments/eval_continue.py --data ../shared/data/gmd [--cache DIR] [--bars 8] [--max-files N]

For every test song of at least 8 bars: the primer is its first half (bars 1..n/2), the truth the
next ``--bars`` bars (fewer when the song ends sooner). `continue` (``continue_.continue_grid``,
the song's genre, seed = the song's index) and `sample` (the prior alone, same genre, tempo and
seed) each write that many bars. Features of each against the truth: notes per bar, syncopation,
mean offset (ms), velocity spread, and hits per bar of kick, snare, hi-hat and ride. A song counts
for `continue` when it is closer than the prior-only groove on more features than it is farther
(a tie, such as no ride in any of the three, counts for neither). Prints one JSON object: per
feature the share of songs where `continue` is strictly closer, where it is strictly farther,
and the mean absolute error of each; the share of songs won.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from groovecli.constants import CLOSED_HIHAT, KICK, OPEN_HIHAT, RIDE, SNARE, STEPS_PER_BAR
from groovecli.generate import sample
from groovecli.generate.continue_ import continue_grid
from groovecli.grid.drumgrid import DrumGrid
from groovecli.grid.features import song_features
from groovecli.lab.data import GENRES, load_dataset
from groovecli.lab.evaluation import _songs
from groovecli.runtime.load import load_networks

FEATURES = ("notes_per_bar", "syncopation", "mean_offset_ms", "velocity_spread",
            "kick_per_bar", "snare_per_bar", "hihat_per_bar", "ride_per_bar")


def features(hits: np.ndarray, velocity: np.ndarray, offset_ms: np.ndarray) -> dict[str, float]:
    hit = hits > 0.5
    bars = len(hits) / STEPS_PER_BAR
    f = song_features(velocity * hit, offset_ms * hit).overall
    per_bar = lambda cols: float(hit[:, cols].sum()) / bars  # noqa: E731
    return {"notes_per_bar": f.notes_per_bar, "syncopation": f.syncopation,
            "mean_offset_ms": float(offset_ms[hit].mean()) if hit.any() else 0.0,
            "velocity_spread": f.velocity_spread, "kick_per_bar": per_bar([KICK]), "snare_per_bar": per_bar([SNARE]),
            "hihat_per_bar": per_bar([CLOSED_HIHAT, OPEN_HIHAT]), "ride_per_bar": per_bar([RIDE])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--cache")
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--max-files", type=int, default=0)
    args = ap.parse_args()
    test = load_dataset(args.data, cache_dir=args.cache).of_split("test")
    loaded = load_networks()
    started = time.perf_counter()
    errors = {s: {f: [] for f in FEATURES} for s in ("continue", "prior")}
    wins = []
    for i, song in enumerate(_songs(args.data, test, args.max_files)):
        n = song.real.steps // STEPS_PER_BAR
        if n < 8:
            continue
        cut = n // 2
        length = min(args.bars, n - cut)
        rows = slice(0, cut * STEPS_PER_BAR)
        truth = slice(cut * STEPS_PER_BAR, (cut + length) * STEPS_PER_BAR)
        real = song.real
        primer = DrumGrid(real.hits[rows], real.velocity[rows], real.offset[rows], real.bars[:cut], np.zeros(0, np.int64))
        ms = song.half_step_ms
        bpm = 60_000.0 / (ms[::STEPS_PER_BAR, 0] * 2 * 4)
        genre = GENRES[song.genre]
        cont = continue_grid(primer, loaded, length, genre=genre, seed=i, bpm=bpm[:cut])
        prior = sample.sample(loaded, genre=genre, bars=length, bpm=float(bpm[cut]), seed=i).after
        want = features(real.hits[truth], real.velocity[truth], real.offset[truth] * ms[truth])
        got = {"continue": features(cont.hits, cont.velocity, cont.offset * ms[truth]),
               "prior": features(prior.hits, prior.velocity, prior.offset * ms[truth])}
        closer = farther = 0
        for f in FEATURES:
            e = {s: abs(got[s][f] - want[f]) for s in got}
            for s in got:
                errors[s][f].append(e[s])
            closer += e["continue"] < e["prior"] - 1e-9
            farther += e["continue"] > e["prior"] + 1e-9
        wins.append(closer > farther)
    report = {"songs": len(wins), "bars": args.bars,
              "continue_closer_on_more_features": round(float(np.mean(wins)), 3),
              "per_feature": {f: {"continue_closer": round(float(np.mean(np.array(errors["continue"][f])
                                                                           < np.array(errors["prior"][f]) - 1e-9)), 3),
                                  "continue_farther": round(float(np.mean(np.array(errors["continue"][f])
                                                                            > np.array(errors["prior"][f]) + 1e-9)), 3),
                                  "continue_mae": round(float(np.mean(errors["continue"][f])), 3),
                                  "prior_mae": round(float(np.mean(errors["prior"][f])), 3)} for f in FEATURES},
              "seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
