"""Regenerate tests/golden/ from the bundled weights (run after shipping new weights).

    python tests/make_golden.py

Each golden is the grid that `groove humanize` produces for a bundled example with a fixed
seed; tests/test_golden.py checks that the code still produces it from the same weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from groovecli.generate.humanize import HumanizeOptions, humanize
from groovecli.runtime.load import load_networks
from groovecli.weights import resolve, sha256

REPO = Path(__file__).resolve().parents[1]
CASES = {
    "funk-add": ("funk.mid", HumanizeOptions(genre="funk", notes="add", seed=0)),
    "jazz-keep-laidback": ("jazz.mid", HumanizeOptions(genre="jazz", notes="keep", timing_pattern="laidback", seed=0)),
}


def render_case(name: str, loaded) -> dict[str, np.ndarray]:
    example, options = CASES[name]
    after = humanize(REPO / "examples" / example, loaded, options).after
    return {"hits": after.hits, "velocity": after.velocity, "offset": after.offset}


def weights_digest() -> str:
    """The bundled model's sha256, and the decorator's (``add`` draws its notes from it)."""
    return sha256(resolve(None)) + ":" + sha256(resolve(None, "decorate.pt"))


def main() -> None:
    loaded = load_networks()
    digest = weights_digest()
    for name in CASES:
        np.savez_compressed(REPO / "tests" / "golden" / f"{name}.npz", weights_sha256=np.asarray(digest),
                            **render_case(name, loaded))
        print(f"wrote tests/golden/{name}.npz")


if __name__ == "__main__":
    main()
