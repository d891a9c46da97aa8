"""The README's first command in a new virtual environment, and the wheel's size (issue #27).

    python benchmarks/bench_install.py [--repeats 1]

Times, from the venv's creation, `pip install .` (the README's first command's install, torch-free)
and then the rest of that command, `groove humanize examples/funk.mid --genre funk -o ...`, through
this machine's ordinary pip set-up (its index and wheel folders); checks that torch was not
installed. Builds the wheel (`pip wheel --no-deps .`) and reports its size. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def readme_first_command(folder: Path) -> dict[str, float | bool]:
    """Seconds to create a venv in ``folder`` and install groove, then to humanize the example."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = str(folder / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "."], check=True, cwd=REPO)
    installed = time.perf_counter() - t
    out = folder / "funk.groove.mid"
    subprocess.run([str(folder / "bin" / "groove"), "humanize", "examples/funk.mid", "--genre", "funk", "-o",
                    str(out), "-q"], check=True, cwd=REPO)
    torch = subprocess.run([python, "-c", "import torch"], capture_output=True).returncode == 0
    return {"install_s": installed, "whole_command_s": time.perf_counter() - t, "torch_installed": torch,
            "wrote_output": out.is_file()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            runs.append(readme_first_command(Path(tmp) / f"venv{i}"))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp, "."], check=True,
                       cwd=REPO)
        wheel = next(Path(tmp).glob("*.whl"))
        result = {
            "install_s": round(statistics.median(r["install_s"] for r in runs), 1),
            "whole_command_s": round(statistics.median(r["whole_command_s"] for r in runs), 1),
            "torch_installed": any(r["torch_installed"] for r in runs),
            "wrote_output": all(r["wrote_output"] for r in runs),
            "wheel_mb": round(wheel.stat().st_size / 1e6, 2),
            "repeats": args.repeats,
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
