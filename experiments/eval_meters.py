"""How well other meters are grooved (issue #23 item 3; docs/producer.md section 4).

    python experiments/eval_meters.py --data ../shared/data/gmd [--repeats 20] [--seed 0]
        [--genre-from-style] [--same-drummers] [--leave-one-out | --no-meter-feel]
        [--split all|train|validation] [--lean "velocity quantiles,timing"] [--added-notes lower|model|mapped]

GMD's beat performances outside 4/4 (every split: 5 in 3/4, 5 in 6/8, one 5/4, one 5/8) are put on
the grid in 16-step frames (``grid/meters.py``); each one's stiff sketch (``groove evaluate``'s
template, one velocity) is humanized with the defaults, and the velocity and timing KL per
position (``lab.metrics.position_kl``) are taken against the drummer's own notes, all files
pooled. The same is done for the 4/4 test beats, whose pooled notes are subsampled (``--repeats``
draws) to as many notes as the other meters have, so that both KLs carry the same small-sample
bias. Prints one JSON object per meter and for all of them, with the 4/4 reference and the ratio.

Other-meter frames are played with the drummers' table ``models/meter-feel.json``
(``experiments/meter_feel.py``), fitted on the ten *train* files among these twelve, so the
default figure scores them in-sample. ``--leave-one-out`` scores each train file with the table
refitted without it, on the drummers' side and on the model's (the validation files are out of
the bundled fit already): the held-out figure. ``--no-meter-feel`` humanizes with no table (as groove did before it). ``--split``
scores only the other-meter files of one split (the 4/4 reference stays the test songs).
``--lean`` sets what every kind of frame leans on, as ``meter_feel.LEAN`` was chosen.
``--added-notes`` sets what the lean does to the notes groove adds (``feel.ADDED_NOTES``: only
lowered, the model's velocity, or mapped as written notes are, as before branch meters23c).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np

from groovecli.constants import STEPS_PER_BAR
from groovecli.generate import feel
from groovecli.generate.humanize import HumanizeOptions, humanize_grid
from groovecli.grid.drumgrid import bar_bpm, half_step_ms, quantize
from groovecli.grid.meters import frame_mask
from groovecli.lab.data import genre_of
from groovecli.lab.metrics import position_kl
from groovecli.midi import read_midi
from groovecli.midi.drummap import GMD
from groovecli.runtime.load import load_networks

sys.path.insert(0, str(Path(__file__).resolve().parent))
from meter_feel import fit, other_meter_rows, stiff_sketch  # noqa: E402

from groovecli.grid import meter_feel  # noqa: E402


@contextmanager
def meter_table(kinds: dict | None):
    """Humanize with ``kinds`` as the other-meter table (None: the bundled one)."""
    if kinds is None:
        yield
        return
    with mock.patch.object(meter_feel, "entries", lambda: kinds):
        yield


def table_for(data: str, row: dict[str, str], how: str, lean: list[str] | None = None) -> dict | None:
    """The table a file is scored with: the bundled one, none, or one fitted without the file;
    ``lean``: what every kind leans on, in place of the table's own choice (to choose it)."""
    if how == "none":
        return {}
    if how == "bundled" or row["split"] != "train":
        kinds = None if lean is None else meter_feel.entries()
    else:
        kinds = fit(data, [r for r in other_meter_rows(data) if r["midi_filename"] != row["midi_filename"]])["kinds"]
    return kinds if lean is None else {kind: entry | {"lean": lean} for kind, entry in kinds.items()}


def played(path: Path, loaded, seed: int, genre: str = "auto") -> dict[str, np.ndarray] | None:
    """The drummer's and the model's (hits, velocity, ms) on the framed grid of one file."""
    perf = read_midi(path, drum_map=GMD)
    real = quantize(perf, meters=True)
    if real.steps // STEPS_PER_BAR < 2:
        return None
    stiff = stiff_sketch(real, perf.step_ticks)
    mask = frame_mask(real.bars, perf.step_ticks)
    take = humanize_grid(stiff, loaded, HumanizeOptions(seed=seed, genre=genre), bpm=bar_bpm(perf, real),
                         padding=mask[:, 0] == 0).grid  # as humanize() plays a file
    hits = take.hits * mask
    ms = half_step_ms(perf, real.bars)[:, None]
    return {"real_hits": real.hits, "real_velocity": real.velocity, "real_ms": real.offset * ms,
            "hits": hits, "velocity": take.velocity, "ms": take.offset * ms}


def kls(parts: list[dict[str, np.ndarray]], keep: int | None = None, rng=None) -> dict[str, float]:
    pool = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    if keep is not None:  # as many notes as the other meters have, drawn at random
        for key in ("real_hits", "hits"):
            cells = np.flatnonzero(pool[key] > 0.5)
            drop = rng.choice(cells, size=max(len(cells) - keep, 0), replace=False)
            flat = pool[key].copy().reshape(-1)
            flat[drop] = 0
            pool[key] = flat.reshape(pool[key].shape)
    return {"velocity_kl": position_kl(pool["real_velocity"], pool["real_hits"], pool["velocity"], pool["hits"],
                                       (0.0, 1.0)),
            "timing_kl": position_kl(pool["real_ms"], pool["real_hits"], pool["ms"], pool["hits"], (-60.0, 60.0))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--genre-from-style", action="store_true",
                        help="play each file in its GMD style's genre instead of --genre auto")
    parser.add_argument("--same-drummers", action="store_true",
                        help="the 4/4 reference from the drummers who played the other meters (their test and "
                             "validation 4/4 beats), to tell the meter from the drummer")
    table = parser.add_mutually_exclusive_group()
    table.add_argument("--leave-one-out", action="store_true",
                       help="score each train file with the other-meter table refitted without it")
    table.add_argument("--no-meter-feel", action="store_true", help="humanize with no other-meter table")
    parser.add_argument("--lean", type=lambda text: [w.strip() for w in text.split(",") if w.strip()],
                        help="what every kind of frame leans on, comma-separated (velocity: the means, velocity "
                             "quantiles, timing), in place of the table's choice")
    parser.add_argument("--added-notes", default=feel.ADDED_NOTES, choices=("lower", "model", "mapped"),
                        help="what the lean does to the notes groove adds (feel.ADDED_NOTES)")
    parser.add_argument("--split", default="all", choices=("all", "train", "validation"),
                        help="score only the other-meter files of this split")
    args = parser.parse_args()
    mock.patch.object(feel, "ADDED_NOTES", args.added_notes).start()
    rows = [r for r in csv.DictReader(open(Path(args.data) / "info.csv")) if r["beat_type"] == "beat"]
    loaded = load_networks()

    def genre(row: dict[str, str]) -> str:
        return (genre_of(row["style"]) or "auto") if args.genre_from_style else "auto"

    def seed(i: int) -> int:
        """A seed per file: one seed for every file would give all of them the same velocity and
        timing latents (one drummer's feel), and the pooled KL would swing with that one draw."""
        return args.seed * 100_000 + i

    how = "loo" if args.leave_one_out else "none" if args.no_meter_feel else "bundled"
    other: dict[str, list] = {}
    for i, r in enumerate(rows):
        if r["time_signature"] == "4-4" or args.split not in ("all", r["split"]):
            continue
        with meter_table(table_for(args.data, r, how, args.lean)):
            p = played(Path(args.data) / r["midi_filename"], loaded, seed(i), genre(r))
        if p:
            other.setdefault(r["time_signature"].replace("-", "/"), []).append(p)
    drummers = {r["drummer"] for r in rows if r["time_signature"] != "4-4"}
    splits = ("test", "validation") if args.same_drummers else ("test",)
    four = [p for i, r in enumerate(rows) if r["time_signature"] == "4-4" and r["split"] in splits
            and (not args.same_drummers or r["drummer"] in drummers)
            if (p := played(Path(args.data) / r["midi_filename"], loaded, seed(i), genre(r)))]
    rng = np.random.default_rng(args.seed)
    groups = dict(other) | {"all other meters": [p for ps in other.values() for p in ps]}
    for meter, parts in groups.items():
        notes = int(sum(min(p["hits"].sum(), p["real_hits"].sum()) for p in parts))
        mine = kls(parts)
        ref = [kls(four, notes, rng) for _ in range(args.repeats)]
        ref_mean = {k: float(np.mean([x[k] for x in ref])) for k in mine}
        print(json.dumps({"meter": meter, "files": len(parts), "notes": notes}
                         | {k: round(v, 4) for k, v in mine.items()}
                         | {f"4/4_{k}": round(v, 4) for k, v in ref_mean.items()}
                         | {f"{k}_ratio": round(mine[k] / ref_mean[k], 2) for k in mine}), flush=True)


if __name__ == "__main__":
    main()
