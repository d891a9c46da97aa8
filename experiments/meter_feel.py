"""How GMD's drummers play bars of other meters, per kind of frame: the table ``humanize`` leans on.

    python experiments/meter_feel.py --data ../shared/data/gmd [--write models/meter-feel.json]

Reads GMD's beat performances outside 4/4 in the *train* split (ten files: 3/4 jazz at 120 and
200 bpm, 3/4 rock, 3/4 latin-ando, 5/4 prog, 5/8 merengue, four 6/8 rock), puts them on the grid
in 16-step frames (``grid/meters.py``) and measures, per kind of frame (``meters.KINDS``: frames
that beat in quarters, dotted quarters or 8ths) and per drum and step of the frame, the drummers'
velocity and timing (ms against the grid), as ``experiments/genre_profiles.py`` does per genre for
4/4 bars. The validation files (a 3/4 chacarera, a 6/8 rock) are never read here.

``--write`` stores the table ``grid/meter_feel.py`` reads. Which of velocity and timing each kind
leans on (``LEAN``) was chosen on the ten train files, each scored with the table fitted without
it (``python experiments/eval_meters.py --data ../shared/data/gmd --leave-one-out --split train``;
docs/producer.md section 4). ``eval_meters.py --leave-one-out`` calls ``fit`` without the file
it scores.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from genre_profiles import pooled_profile  # noqa: E402

from groovecli.constants import STEPS_PER_BAR  # noqa: E402
from groovecli.grid.drumgrid import half_step_ms, quantize  # noqa: E402
from groovecli.grid.meters import kind_steps  # noqa: E402
from groovecli.midi import read_midi  # noqa: E402
from groovecli.midi.drummap import GMD  # noqa: E402

QUANTILES = 11  # velocity quantiles stored per step of the frame and drum
MIN_CELL_HITS = 20  # hits a step and drum need before the drummers' velocities there are stored
# what each kind leans on: chosen on the train files left out one at a time (see the docstring)
LEAN = {kind: ["velocity quantiles", "timing"] for kind in ("quarter", "dotted quarter", "eighth")}


def other_meter_rows(data: str, split: str = "train") -> list[dict[str, str]]:
    """info.csv's beat performances outside 4/4 in ``split`` ("all": every split)."""
    rows = csv.DictReader(open(Path(data) / "info.csv"))
    return [r for r in rows if r["beat_type"] == "beat" and r["time_signature"] != "4-4"
            and split in ("all", r["split"])]


def frames_by_kind(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(hits, velocity, ms) of one file's frames, per kind of frame."""
    perf = read_midi(path, drum_map=GMD)
    real = quantize(perf, meters=True)
    ms = real.offset * half_step_ms(perf, real.bars)[:, None]
    return {kind: (real.hits[steps], real.velocity[steps], ms[steps]) for kind, steps in kind_steps(real.bars).items()}


def cell_quantiles(parts: list[tuple[np.ndarray, np.ndarray]]) -> list:
    """[step][drum] the velocity at ``QUANTILES`` evenly spaced quantiles over every file's hits
    there; None under ``MIN_CELL_HITS`` hits."""
    hits = np.concatenate([h for h, _ in parts]) > 0.5
    values = np.concatenate([v for _, v in parts])
    pos = np.arange(len(hits)) % STEPS_PER_BAR
    levels = np.linspace(0.0, 1.0, QUANTILES)
    return [[[round(float(x), 4) for x in np.quantile(values[(pos == step) & hits[:, d], d], levels)]
             if ((pos == step) & hits[:, d]).sum() >= MIN_CELL_HITS else None for d in range(hits.shape[1])]
            for step in range(STEPS_PER_BAR)]


def fit(data: str, rows: list[dict[str, str]]) -> dict:
    """The table (``{"kinds": {kind: {"velocity", "timing_ms", "lean", "files"}}}``) from ``rows``' files."""
    parts: dict[str, list] = defaultdict(list)
    for r in rows:
        for kind, part in frames_by_kind(Path(data) / r["midi_filename"]).items():
            parts[kind].append((r["midi_filename"], part))
    kinds = {}
    for kind, got in sorted(parts.items()):
        kinds[kind] = {"velocity": pooled_profile([(h, v) for _, (h, v, _) in got]),
                       "velocity_quantiles": cell_quantiles([(h, v) for _, (h, v, _) in got]),
                       "timing_ms": pooled_profile([(h, ms) for _, (h, _, ms) in got]),
                       "lean": LEAN.get(kind, []), "files": sorted({name for name, _ in got})}
    return {"kinds": kinds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="the Groove MIDI Dataset folder (info.csv)")
    ap.add_argument("--write", metavar="JSON", help="store the table here (models/meter-feel.json)")
    args = ap.parse_args()
    table = fit(args.data, other_meter_rows(args.data))
    for kind, entry in table["kinds"].items():
        vel = np.asarray(entry["velocity"]["drum_mean"], dtype=float)
        ms = np.asarray(entry["timing_ms"]["drum_mean"], dtype=float)
        print(f"{kind}: {len(entry['files'])} files; velocity per drum {np.round(vel * 127).tolist()}; "
              f"ms per drum {np.round(ms, 1).tolist()}; leans on {', '.join(entry['lean']) or 'nothing'}")
    if args.write:
        table = {"source": "GMD train beats outside 4/4, experiments/meter_feel.py"} | table
        Path(args.write).write_text(json.dumps(table, indent=1) + "\n")


if __name__ == "__main__":
    main()
