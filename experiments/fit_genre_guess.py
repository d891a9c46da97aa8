"""Fit ``--genre auto``'s guesser (``grid/genre_guess.py``) on GMD's beats; write models/genre-guess.json.

    python experiments/fit_genre_guess.py --data ../shared/data/gmd [--write models/genre-guess.json]

Train: the templates of GMD's *train* beats (4/4, no fills), one row per song. Everything else
is chosen on the *validation* beats (whole songs and their first 8 bars): the L2 penalty (validation log-likelihood), the
temperature (the coolest at which no wrong validation guess is over ``WRONG_CEILING``, so
that a wrong guess is reported as one), and the "unsure" line (the lowest confidence from which
the validation guesses are right at least ``SURE_PRECISION`` of the time). Then the test beats
and the bundled examples are guessed once, for the record.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from groovecli.grid.drumgrid import bar_bpm, quantize  # noqa: E402
from groovecli.grid.genre_guess import Guesser, sketch_features  # noqa: E402
from groovecli.lab.data import GENRES  # noqa: E402
from groovecli.lab.genre_judge import read_beats  # noqa: E402
from groovecli.lab.logistic import fit_logistic, softmax  # noqa: E402
from groovecli.midi.read import read_midi

L2S = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
WRONG_CEILING = 0.5  # on validation; the bound for test is 0.6
SURE_PRECISION = 0.75  # 0.6 (line 0.255) left examples/funk.mid and hiphop.mid guessed wrong and sure
EXCERPT_BARS = 8
TEMPERATURES = np.exp(np.linspace(np.log(0.5), np.log(8.0), 161))


def rows(beats, split: str, bars: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One row per song of ``split``: the whole song, or its first ``bars`` bars."""
    chosen = [b for b in beats if b.split == split]
    n = None if bars is None else bars * 16
    x = np.array([sketch_features(b.hits[:n], b.velocity[:n], 60000.0 / 4 / b.ms16[:n:16]) for b in chosen])
    return x, np.array([GENRES.index(b.genre) for b in chosen])


def report(name: str, p: np.ndarray, y: np.ndarray, line: float) -> None:
    best, conf = p.argmax(1), p.max(1)
    right = best == y
    print(f"{name}: {len(y)} songs, true genre guessed {right.mean():.3f}, sure and right {(right & (conf >= line)).mean():.3f}, "
          f"unsure {(conf < line).mean():.3f}, highest confidence of a wrong guess {conf[~right].max():.2f}, "
          f"wrong guesses over 0.6: {int((conf[~right] > 0.6).sum())}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--write", metavar="JSON")
    args = ap.parse_args()
    beats = read_beats(args.data)
    (x, y), (xv, yv), (xt, yt) = (rows(beats, s) for s in ("train", "validation", "test"))
    # a user's sketch may be a few bars: the temperature and the line are also chosen on the
    # validation songs' first EXCERPT_BARS bars
    xv8, yv8 = rows(beats, "validation", EXCERPT_BARS)
    xt8, yt8 = rows(beats, "test", EXCERPT_BARS)
    fits = {l2: fit_logistic(x, y, len(GENRES), l2=l2) for l2 in L2S}
    nll = {l2: -np.log(m.probabilities(xv, 2.0)[np.arange(len(yv)), yv] + 1e-12).mean() for l2, m in fits.items()}
    l2 = min(nll, key=nll.get)
    model = fits[l2]
    logits = model.logits(np.concatenate([xv, xv8]))
    right = logits.argmax(1) == np.concatenate([yv, yv8])
    temperature = next(t for t in TEMPERATURES if softmax(logits / t).max(1)[~right].max() <= WRONG_CEILING)
    conf = softmax(logits / temperature).max(1)
    line = min(c for c in np.unique(conf) if right[conf >= c].mean() >= SURE_PRECISION)
    guesser = Guesser(GENRES, model.weights, model.bias, model.mean, model.scale, float(temperature), float(line))
    print(f"L2 {l2:g} (validation NLL {', '.join(f'{k:g}: {v:.3f}' for k, v in nll.items())}); "
          f"temperature {temperature:.2f}; unsure below {line:.3f}")
    for name, xs, ys in (("validation", xv, yv), ("validation, first 8 bars", xv8, yv8), ("test", xt, yt),
                         ("test, first 8 bars", xt8, yt8)):
        report(name, guesser.probabilities(xs), ys, line)
    examples = Path(__file__).resolve().parents[1] / "examples"
    for genre in ("funk", "hiphop", "jazz", "rock"):
        perf = read_midi(examples / f"{genre}.mid")
        grid = quantize(perf)
        g = guesser.guess(sketch_features(grid.hits, grid.velocity, bar_bpm(perf, grid)))
        print(f"examples/{genre}.mid: {g.genre} ({g.confidence:.0%}){'' if g.sure else ', unsure'}")
    if args.write:
        Path(args.write).write_text(json.dumps(guesser.to_json(), separators=(",", ":")) + "\n")
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
