"""Does ``--genre`` sound like the genre? A judge on musician-readable part profiles decides.

    python experiments/eval_genre.py --data ../shared/data/gmd [--bars 8] [--seed 0] [--seeds 1] [--model-only]

The judge (``lab/genre_judge.py``: swing of off-beat 8ths and 16ths, push per drum, accent
contour per 16th, snare ghost share, notes per bar per drum; multinomial logistic regression,
classes weighted equally) is fitted on 4-bar stretches of GMD's *train* beats of the 10 genres
with the most training bars, its L2 penalty chosen on the validation beats. Then:

* real: each test beat's first ``--bars`` bars, as the drummer played them;
* outputs: every test beat's sketch (its template, stiff) humanized as each of the 10 genres
  (``humanize_grid``, bundled weights, default options, ``--seeds`` takes from ``--seed`` on),
  written with its swing;
* per genre, the share of stretches the judge hears as that genre, real against outputs;
* per pair of genres with test beats, how well the judge tells them apart (balanced accuracy
  of "more likely a than b" on a's and b's stretches): real beats of each genre, and the same
  sketches humanized as a and as b;
* the swing ratio of the outputs asked for each swung genre, on sketches whose cymbal plays 8ths
  (or 16ths), against the genre's drummers (train and test beats);
* ``--genre auto`` on the test sketches and on the bundled examples.

``--model-only`` plays every genre as groove 0.5 did (no genre swing, no leaning on the genre's
drummers: the model's genre embedding alone), for the before/after comparison.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from groovecli.constants import CLOSED_HIHAT, RIDE, STEPS_PER_BAR  # noqa: E402
from groovecli.generate import feel as feel_step  # noqa: E402
from groovecli.generate.humanize import HumanizeOptions, humanize_grid  # noqa: E402
from groovecli.grid.drumgrid import DrumGrid, bar_bpm, from_windows, quantize, to_windows  # noqa: E402
from groovecli.grid.genre_guess import bundled_guesser, sketch_features  # noqa: E402
from groovecli.grid.patterns import derive_template  # noqa: E402
from groovecli.grid.swing import cell_shifts  # noqa: E402
from groovecli.lab.genre_judge import (  # noqa: E402
    FEATURES,
    beat_profiles,
    hit_times,
    read_beats,
    segment_profiles,
    swing_ratios,
    top_genres,
)
from groovecli.lab.logistic import fit_logistic  # noqa: E402
from groovecli.midi.read import read_midi
from groovecli.runtime.load import load_networks  # noqa: E402

TOP = 10
L2S = (1e-3, 1e-2, 1e-1)
STIFF_VELOCITY = 100 / 127
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def fit_judge(beats, genres: list[str]):
    rows = {s: [(beat_profiles(b), genres.index(b.genre)) for b in beats if b.split == s and b.genre in genres]
            for s in ("train", "validation")}
    x, y = (np.concatenate([p for p, _ in rows["train"]]),
            np.concatenate([np.full(len(p), g) for p, g in rows["train"]]))
    xv = np.concatenate([p for p, _ in rows["validation"]])
    yv = np.concatenate([np.full(len(p), g) for p, g in rows["validation"]])

    def balanced(model) -> float:
        right = model.probabilities(xv).argmax(1) == yv
        return float(np.mean([right[yv == g].mean() for g in np.unique(yv)]))

    fits = {l2: fit_logistic(x, y, len(genres), l2=l2, balanced=True) for l2 in L2S}
    l2 = max(fits, key=lambda k: balanced(fits[k]))
    print(f"judge: {len(x)} train stretches, L2 {l2:g} (validation balanced accuracy "
          f"{', '.join(f'{k:g}: {balanced(m):.3f}' for k, m in fits.items())})")
    return fits[l2]


def sketch_of(beat, bars: int) -> tuple[DrumGrid, np.ndarray]:
    """The test beat's first ``bars`` bars as a stiff sketch (its template), and their tempo."""
    rows = bars * STEPS_PER_BAR
    hits, velocity = beat.hits[:rows], beat.velocity[:rows]
    n_bars = len(hits) // STEPS_PER_BAR
    template = from_windows(derive_template(to_windows(hits), to_windows(velocity)), n_bars)
    grid = DrumGrid(template, STIFF_VELOCITY * template, np.zeros_like(template), (), np.zeros(0, np.int64))
    return grid, 60000.0 / 4 / beat.ms16[:rows:STEPS_PER_BAR]


def pairwise(prob_a: np.ndarray, prob_b: np.ndarray, a: int, b: int) -> float:
    """Balanced accuracy of "a rather than b" on stretches of a (``prob_a``) and of b."""
    return 0.5 * (np.mean(prob_a[:, a] > prob_a[:, b]) + np.mean(prob_b[:, b] > prob_b[:, a]))


def take_seed(take: int, sketch: int) -> int:
    """Each sketch's take its own seed (the same for every genre, so genres are compared on the same
    draws): one seed for every sketch would give all of them the same latents, one drummer, and
    the figures would swing with that one draw."""
    return take * 100_000 + sketch


def main() -> None:
    started = time.time()
    beats = read_beats(ARGS.data)
    genres = top_genres(beats, TOP)
    judge = fit_judge(beats, genres)
    test = [b for b in beats if b.split == "test"]
    rows = ARGS.bars * STEPS_PER_BAR
    real = defaultdict(list)
    for b in test:
        if b.genre in genres:
            real[genres.index(b.genre)].append(segment_profiles(b.hits[:rows], b.velocity[:rows],
                                                                hit_times(b.hits[:rows], b.offset[:rows]), b.ms16[:rows]))
    real = {g: judge.probabilities(np.concatenate(p)) for g, p in real.items() if len(np.concatenate(p))}
    if ARGS.model_only:
        feel_step.genre_feel = lambda genre: None
    loaded = load_networks()
    outputs, swings, profiles = defaultdict(list), defaultdict(list), defaultdict(list)
    sketches = [sketch_of(b, ARGS.bars) for b in test]
    for g, genre in enumerate(genres):
        for seed, ((grid, bpm), b) in ((take_seed(s, i), pair) for s in range(ARGS.seed, ARGS.seed + ARGS.seeds)
                                        for i, pair in enumerate(zip(sketches, test))):
            take = humanize_grid(grid, loaded, HumanizeOptions(genre=genre, seed=seed), bpm=bpm)
            out = take.grid
            times = hit_times(out.hits, out.offset, cell_shifts(out.hits, take.swing))
            ms16 = b.ms16[: len(out.hits)]
            profiles[g].append(segment_profiles(out.hits, out.velocity, times, ms16))
            outputs[g].append(judge.probabilities(profiles[g][-1]))
            cymbal = grid.hits[:, [CLOSED_HIHAT, RIDE]].max(1)
            unit = 2 if cymbal[1::2].sum() > 0 else 4
            swings[(genre, unit)].append(swing_ratios(out.hits, times, unit))
    print(f"humanized {len(test)} test sketches x {len(genres)} genres x {ARGS.seeds} seeds, {ARGS.bars} bars each "
          f"({time.time() - started:.0f} s so far)\n")
    report(genres, real, outputs, swings, beats, sketches, test)
    compare_profiles(genres, profiles, beats)
    print(f"\n{time.time() - started:.0f} s")


def report(genres, real, outputs, swings, beats, sketches, test) -> None:
    out = {g: np.concatenate(p) for g, p in outputs.items()}
    print("| genre | test beats | real heard as it | outputs asked for it heard as it | outputs heard most as |")
    print("|---|---|---|---|---|")
    for g, genre in enumerate(genres):
        n = sum(b.genre == genre for b in test)
        r = f"{np.mean(real[g].argmax(1) == g):.3f}" if g in real else "-"
        heard = np.bincount(out[g].argmax(1), minlength=len(genres)) / len(out[g])
        most = ", ".join(f"{genres[k]} {heard[k]:.2f}" for k in np.argsort(-heard)[:3])
        print(f"| {genre} | {n} | {r} | {np.mean(out[g].argmax(1) == g):.3f} | {most} |")
    print("\n| pair | real | outputs |")
    print("|---|---|---|")
    with_test = sorted(real)
    for i, a in enumerate(with_test):
        for b in with_test[i + 1 :]:
            print(f"| {genres[a]} / {genres[b]} | {pairwise(real[a], real[b], a, b):.3f} | "
                  f"{pairwise(out[a], out[b], a, b):.3f} |")
    print("\n| genre asked | sketches' cymbal | outputs' swing (median) | drummers' swing: train, test |")
    print("|---|---|---|---|")
    for (genre, unit), parts in sorted(swings.items()):
        mine = np.concatenate(parts)
        theirs = [np.concatenate([swing_ratios(b.hits, hit_times(b.hits, b.offset), unit) for b in beats
                                  if b.genre == genre and b.split == s] or [np.zeros(0)]) for s in ("train", "test")]
        med = [f"{np.median(t):.3f}" if len(t) else "-" for t in theirs]
        print(f"| {genre} | {'16ths' if unit == 2 else '8ths'} | {np.median(mine):.3f} ({len(mine)} pairs) | "
              f"{med[0]}, {med[1]} |")
    print()
    auto_report(genres, sketches, test)


def compare_profiles(genres, profiles, beats) -> None:
    """Where the outputs' profiles differ from the genre's train beats (means over stretches)."""
    cols = {"ghost share": ["snare ghost share"], "snare/bar": ["snare per bar"], "hats/bar": ["closed hh per bar"],
            "ride/bar": ["ride per bar"], "toms+crash/bar": ["low tom per bar", "mid tom per bar", "high tom per bar",
                                                             "crash per bar"],
            "push kick ms": ["push kick ms"], "push snare ms": ["push snare ms"], "push hihat ms": ["push hihat ms"]}
    print("\n| genre | " + " | ".join(f"{c}: out / train" for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for g, genre in enumerate(genres):
        out = np.concatenate(profiles[g])
        real = np.concatenate([beat_profiles(b) for b in beats if b.split == "train" and b.genre == genre])
        cells = [f"{out[:, ix].sum(1).mean():.2f} / {real[:, ix].sum(1).mean():.2f}"
                 for ix in ([FEATURES.index(f) for f in names] for names in cols.values())]
        print(f"| {genre} | " + " | ".join(cells) + " |")


def auto_report(genres, sketches, test) -> None:
    guesser = bundled_guesser()
    whole = [sketch_of(b, len(b.hits) // STEPS_PER_BAR) for b in test]
    for name, these in (("whole songs", whole), (f"first {ARGS.bars} bars", sketches)):
        guesses = [guesser.guess(sketch_features(grid.hits, grid.velocity, bpm)) for grid, bpm in these]
        right = np.array([g.genre == b.genre for g, b in zip(guesses, test)])
        conf = np.array([g.confidence for g in guesses])
        sure = np.array([g.sure for g in guesses])
        print(f"--genre auto on {len(test)} test sketches ({name}): true genre {right.mean():.3f}, sure and right "
              f"{(right & sure).mean():.3f}, unsure {1 - sure.mean():.3f}, highest confidence of a wrong guess "
              f"{conf[~right].max():.2f}")
    for path in sorted(EXAMPLES.glob("*.mid")):
        if path.stem == "bassline":
            continue  # drumify's input, no drums
        perf = read_midi(path)
        grid = quantize(perf)
        g = guesser.guess(sketch_features(grid.hits, grid.velocity, bar_bpm(perf, grid)))
        print(f"examples/{path.name}: {g.genre} ({g.confidence:.0%}){'' if g.sure else ', unsure: neutral feel'}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--bars", type=int, default=8, help="bars of each test beat judged and humanized")
    ap.add_argument("--seed", type=int, default=0, help="the first seed")
    ap.add_argument("--seeds", type=int, default=1, help="takes per sketch and genre (seeds --seed, --seed + 1...)")
    ap.add_argument("--model-only", action="store_true", help="no genre swing or leaning (groove 0.5's genre)")
    ARGS = ap.parse_args()
    main()
