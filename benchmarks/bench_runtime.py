"""The networks' share of a 120-bar humanize on onnxruntime against torch, as fresh processes.

    python benchmarks/bench_runtime.py [--repeats 5] [--bars 120]

The torch-free runtime (``groovecli/runtime/``) does not run the modes yet (docs/runtime.md), so
this measures the part it replaces: a fresh process that imports its runtime, opens the bundled
networks and draws both feels (SKEL, then VEL's and TIME's decoders step by step, sampled) for
every window of a 120-bar rock song in one batch; the torch process loads the checkpoint, the
onnxruntime one the graphs ``groove export-onnx`` writes (exported once, into a temporary folder,
before the timing). Beside them, in the same run and interleaved: `python -c "import torch"` and
`python -c "import onnxruntime"`. Each process reports its own peak RSS. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

WINDOWS = """
import numpy as np
def windows(bars):
    bar = np.zeros((16, 9), np.float32)
    bar[0::2, 2] = 1; bar[[0, 8], 0] = 1; bar[[4, 12], 1] = 1   # hats, kick, snare
    song = np.tile(bar, (bars, 1))
    return np.stack([song[i * 16 : i * 16 + 32] for i in range(bars - 1)])
"""

TORCH = WINDOWS + """
import torch
from groovecli.weights import load_model
torch.set_num_threads(1)
loaded = load_model(None, "cpu")
notes = torch.as_tensor(windows(BARS))
genre = torch.full((len(notes),), loaded.config.genres.index("rock"), dtype=torch.long)
pattern = torch.zeros(notes.shape[:2], dtype=torch.long)
gen = torch.Generator().manual_seed(0)
with torch.no_grad():
    h_n = loaded.model.skel(notes)
    for feel in ("velocity", "offset"):
        z = torch.randn(len(notes), loaded.config.z_dim, generator=gen)
        loaded.model.decode_feel(feel, z, notes, pattern, genre, h_n=h_n, generator=gen)
"""

ORT = WINDOWS + """
from groovecli.runtime.networks import open_groove
model, _, _ = open_groove(CHECKPOINT)
notes = windows(BARS)
genre = np.full(len(notes), model.cfg.genres.index("rock"))
pattern = np.zeros(notes.shape[:2], np.int64)
rng = np.random.default_rng(0)
rand = lambda shape: rng.random(shape, dtype=np.float32)
h_n = model.skel(notes)
for feel in ("velocity", "offset"):
    z = rng.standard_normal((len(notes), model.cfg.z_dim), dtype=np.float32)
    model.decode_feel(feel, z, notes, pattern, genre, rand, h_n=h_n)
"""

REPORT = """
import resource, json
print(json.dumps({"peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def fresh(code: str) -> tuple[float, float]:
    """(wall seconds, the process's own peak RSS in MiB)."""
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code + REPORT], check=True, capture_output=True, text=True,
                         cwd=REPO).stdout
    return time.perf_counter() - t, json.loads(out.strip().splitlines()[-1])["peak_mib"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--bars", type=int, default=120)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = Path(tmp) / "pocketvae.pt"
        shutil.copy(REPO / "models" / "pocketvae.pt", checkpoint)
        subprocess.run([sys.executable, "-m", "groovecli", "export-onnx", str(checkpoint)], check=True,
                       capture_output=True, cwd=REPO)
        runs = {"import_torch": "import torch\n", "import_onnxruntime": "import onnxruntime, numpy\n",
                "feel_torch": f"BARS = {args.bars}\n" + TORCH,
                "feel_onnxruntime": f"BARS = {args.bars}\nCHECKPOINT = {str(checkpoint)!r}\n" + ORT}
        walls: dict[str, list[float]] = {k: [] for k in runs}
        peaks: dict[str, float] = {}
        for _ in range(args.repeats):
            for name, code in runs.items():
                wall, peak = fresh(code)
                walls[name].append(wall)
                peaks[name] = max(peaks.get(name, 0.0), peak)
    med = {k: statistics.median(v) for k, v in walls.items()}
    print(json.dumps({
        "bars": args.bars, "repeats": args.repeats,
        "seconds": {k: round(v, 3) for k, v in med.items()},
        "peak_mib": {k: round(v) for k, v in peaks.items()},
        "feel_onnxruntime_over_import_torch": round(med["feel_onnxruntime"] / med["import_torch"], 3),
        "feel_torch_over_import_torch": round(med["feel_torch"] / med["import_torch"], 3),
    }, indent=2))


if __name__ == "__main__":
    main()
