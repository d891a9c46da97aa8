"""How GMD's drummers play bars of other meters, per kind of frame: the table ``humanize`` leans on.

    python experiments/meter_feel.py --data ../shared/data/gmd [--write models/meter-feel.json]

Reads GMD's beat performances outside 4/4 in the *train* split (ten files: 3/4 jazz at 120 and
200 bpm, 3/4 rock, 3/4 latin-ando, 5/4 prog, 5/8 merengue, four 6/8 rock), puts them on the grid
in 16-step frames (``grid/meters.py``) and measures, per kind of frame (``meters.KINDS``: frames
that beat in quarters, dotted quarters or 8ths) and per drum and step of the frame, the drummers'
velocity and timing (ms against the grid), as ``experiments/genre_profiles.py`` does per genre for
4/4 bars. The validation files (a 3/4 chacarera, a 6/8 rock) are never read here.

Beside the drummers' velocity quantiles it stores the model's own: each file's stiff sketch
(``groove evaluate``'s template, one velocity) is humanized ``--genre auto`` with ``MODEL_SEEDS``
seeds of its own (from its name, so a file's draws do not depend on which others are fitted), and
the velocities the model decodes on its frames, before any other-meter lean, are pooled per kind,
step and drum, and per kind and drum over its steps. ``grid/meter_feel.match_quantiles`` maps a
decoded velocity through the model's distribution onto the drummers'.

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
import zlib
from collections import defaultdict
from functools import cache, lru_cache
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from genre_profiles import pooled_profile  # noqa: E402

from groovecli.constants import STEPS_PER_BAR  # noqa: E402
from groovecli.generate import feel  # noqa: E402
from groovecli.generate.humanize import HumanizeOptions, humanize_grid  # noqa: E402
from groovecli.grid.drumgrid import DrumGrid, bar_bpm, from_windows, half_step_ms, quantize, to_windows  # noqa: E402
from groovecli.grid.meters import frame_mask, kind_steps  # noqa: E402
from groovecli.grid.patterns import derive_template  # noqa: E402
from groovecli.lab.evaluation import STIFF_VELOCITY  # noqa: E402
from groovecli.midi import read_midi  # noqa: E402
from groovecli.midi.drummap import GMD  # noqa: E402
from groovecli.runtime.load import load_networks  # noqa: E402

QUANTILES = 11  # velocity quantiles stored per step of the frame and drum
MIN_CELL_HITS = 20  # hits a step and drum need before the drummers' (or the model's) velocities there are stored
MODEL_SEEDS = 3  # takes of each file's sketch the model's velocities are measured on
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


def stiff_sketch(real: DrumGrid, step_ticks: float) -> DrumGrid:
    """A performance's stiff sketch on its frames: ``groove evaluate``'s template, one velocity,
    nothing in a frame's padding."""
    t = from_windows(derive_template(to_windows(real.hits), to_windows(real.velocity)), real.steps // STEPS_PER_BAR)
    t = t * frame_mask(real.bars, step_ticks)
    return real.with_values(t, STIFF_VELOCITY * t, np.zeros_like(t))


@cache
def decoded_by_kind(data: str, name: str) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """(hits, velocity) the model decodes on the frames of file ``name`` before any other-meter
    lean, per kind of frame, one pair per seed (``MODEL_SEEDS``, seeded from the name)."""
    perf = read_midi(Path(data) / name, drum_map=GMD)
    real = quantize(perf, meters=True)
    sketch, mask = stiff_sketch(real, perf.step_ticks), frame_mask(real.bars, perf.step_ticks)
    got: dict[str, list] = defaultdict(list)

    def capture(played, model, hits, kinds, *args, **kwargs):
        for kind, steps in (kinds or {}).items():
            got[kind].append(((hits * mask)[steps], model["velocity"][steps]))
        return played

    base = zlib.crc32(name.encode()) * MODEL_SEEDS
    with mock.patch.object(feel, "lean_other_meters", capture):
        for k in range(MODEL_SEEDS):
            humanize_grid(sketch, networks(), HumanizeOptions(seed=base + k, genre="auto"), bpm=bar_bpm(perf, real),
                          padding=mask[:, 0] == 0)
    return dict(got)


@lru_cache(maxsize=1)
def networks():
    return load_networks()


def cell_quantiles(parts: list[tuple[np.ndarray, np.ndarray]]) -> list:
    """[step][drum] the velocity at ``QUANTILES`` evenly spaced quantiles over every file's hits
    there; None under ``MIN_CELL_HITS`` hits."""
    hits = np.concatenate([h for h, _ in parts]) > 0.5
    values = np.concatenate([v for _, v in parts])
    pos = np.arange(len(hits)) % STEPS_PER_BAR
    return [[quantiles(values[(pos == step) & hits[:, d], d]) for d in range(hits.shape[1])]
            for step in range(STEPS_PER_BAR)]


def drum_quantiles(parts: list[tuple[np.ndarray, np.ndarray]]) -> list:
    """[drum] the velocity quantiles over every step of the frames; None under ``MIN_CELL_HITS`` hits."""
    hits = np.concatenate([h for h, _ in parts]) > 0.5
    values = np.concatenate([v for _, v in parts])
    return [quantiles(values[hits[:, d], d]) for d in range(hits.shape[1])]


def quantiles(values: np.ndarray) -> list[float] | None:
    """``QUANTILES`` evenly spaced quantiles of ``values``, rounded; None under ``MIN_CELL_HITS``."""
    if len(values) < MIN_CELL_HITS:
        return None
    return [round(float(x), 4) for x in np.quantile(values, np.linspace(0.0, 1.0, QUANTILES))]


def fit(data: str, rows: list[dict[str, str]]) -> dict:
    """The table (``{"kinds": {kind: {"velocity", "velocity_quantiles", "model_quantiles",
    "model_drum_quantiles", "timing_ms", "lean", "files"}}}``) from ``rows``' files: the drummers'
    performances and the model's takes of their sketches, the same files on both sides."""
    parts: dict[str, list] = defaultdict(list)
    decoded: dict[str, list] = defaultdict(list)
    for r in rows:
        for kind, part in frames_by_kind(Path(data) / r["midi_filename"]).items():
            parts[kind].append((r["midi_filename"], part))
        for kind, takes in decoded_by_kind(data, r["midi_filename"]).items():
            decoded[kind] += takes
    kinds = {}
    for kind, got in sorted(parts.items()):
        model = decoded.get(kind, [])
        kinds[kind] = {"velocity": pooled_profile([(h, v) for _, (h, v, _) in got]),
                       "velocity_quantiles": cell_quantiles([(h, v) for _, (h, v, _) in got]),
                       "model_quantiles": cell_quantiles(model) if model else None,
                       "model_drum_quantiles": drum_quantiles(model) if model else None,
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
