"""Does ``add`` play toms as a drummer does? Lone toms and the toms' level, on the bundled examples.

    python experiments/eval_tom_figures.py [--seeds 12] [--model-velocity]

Each of ``examples/rock.mid`` and ``examples/funk.mid`` humanized as rock, funk, latin and jazz
(bundled weights, default options, ``--notes add``, seeds 0 to ``--seeds`` - 1), and with ``--genre auto`` (unsure of all four: all genres' vocabulary pooled). Per genre asked:
the toms ``add`` put in, how many of them are alone (no other tom or crash within a beat, 4
16ths, either side: a drummer plays toms in figures), and the median velocity of those toms over
the median velocity of the examples' own snare notes. ``--model-velocity`` leaves the toms at the
feel model's velocity (``genre_vocab.figure_velocity`` skipped), to see what it changes. The lone
count is computed here, not with ``genre_vocab.lone_toms``, so the script also runs on code that
has no figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from groovecli.constants import CRASH, HIGH_TOM, LOW_TOM, MID_TOM, SNARE  # noqa: E402
from groovecli.generate import humanize as humanize_module  # noqa: E402
from groovecli.generate.humanize import HumanizeOptions, humanize  # noqa: E402
from groovecli.runtime.load import load_networks  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TOMS = [LOW_TOM, MID_TOM, HIGH_TOM]
BEAT = 4  # 16ths


def alone(before: np.ndarray, after: np.ndarray) -> int:
    """Added toms with no other tom or crash within ``BEAT`` 16ths either side."""
    near = after[:, TOMS + [CRASH]].sum(1)
    window = np.convolve(near, np.ones(2 * BEAT + 1), mode="same")
    added = after[:, TOMS] & ~before[:, TOMS]
    return int((added & (window <= 1)[:, None]).sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=12)
    ap.add_argument("--model-velocity", action="store_true", help="the toms at the feel model's velocity")
    args = ap.parse_args()
    if args.model_velocity and hasattr(humanize_module, "figure_velocity"):
        humanize_module.figure_velocity = lambda part, hits, velocity, genre: velocity
    nets = load_networks()
    print("| genre asked | toms added | alone | tom velocity / snare's (medians) |\n|---|---|---|---|")
    for genre in ("rock", "funk", "latin", "jazz", "auto"):
        toms, snares, added, lone = [], [], 0, 0
        for example in ("rock", "funk"):
            for seed in range(args.seeds):
                take = humanize(EXAMPLES / f"{example}.mid", nets, HumanizeOptions(genre=genre, seed=seed))
                before, after = take.before.hits > 0.5, take.after.hits > 0.5
                new = after[:, TOMS] & ~before[:, TOMS]
                added += int(new.sum())
                lone += alone(before, after)
                toms += take.after.velocity[:, TOMS][new].tolist()
                snares += take.after.velocity[before[:, SNARE], SNARE].tolist()
        ratio = np.median(toms) / np.median(snares) if toms else float("nan")
        print(f"| {genre} | {added} | {lone} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
