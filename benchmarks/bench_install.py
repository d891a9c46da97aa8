"""A fresh install in a new virtual environment, and the wheel's size (issue #27's install target).

    python benchmarks/bench_install.py [--variant current|no-torch|both]

``current``: `pip install .` as the README's first command says today (torch among the core
dependencies). ``no-torch``: the install issue #27 aims at, measured before the modes can run
without torch (docs/runtime.md): the same dependencies with torch replaced by onnxruntime, then
`pip install --no-deps .`. Each in a new venv under a temporary folder, through this machine's
ordinary pip set-up (its index and wheel folders), timed from the venv's creation to the end of
the install. Also builds the wheel (`pip wheel --no-deps .`) and reports its size. Prints one
JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: the tomli the dependencies bring there
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]


def pip_in_new_venv(folder: Path, *steps: list[str]) -> float:
    """Seconds to create a venv in ``folder`` and run each pip ``steps`` in it."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    for args in steps:
        subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", *args], check=True, cwd=REPO)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", choices=["current", "no-torch", "both"], default="both")
    args = ap.parse_args()
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    no_torch = [d for d in deps if not d.startswith("torch")] + ["onnxruntime"]
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.variant in ("current", "both"):
            result["current_s"] = round(pip_in_new_venv(Path(tmp) / "current", ["."]), 1)
        if args.variant in ("no-torch", "both"):
            result["no_torch_s"] = round(pip_in_new_venv(Path(tmp) / "light", no_torch, ["--no-deps", "."]), 1)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp, "."], check=True,
                       cwd=REPO)
        wheel = next(Path(tmp).glob("*.whl"))
        result["wheel_mb"] = round(wheel.stat().st_size / 1e6, 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
