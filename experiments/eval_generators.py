"""Do torch's and numpy's random generators give the decorator the same notes? (groove 0.7's port)

    python experiments/eval_generators.py [--takes 150]

The bundled decorator (`add`'s note model) draws around examples/funk.mid's windows as funk, each
take with its own z and noise: from torch's generator through the torch module's own loop, and from
numpy's through the numpy loop groove runs (``runtime/networks.py``, onnxruntime). Prints the mean
notes added per drum and take for each; equal within sampling noise means the port changed which
draws a seed gives, not what the draws are.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from groovecli.constants import CLOSED_HIHAT, DRUMS, KICK, OPEN_HIHAT, SNARE
from groovecli.generate.decorate import condition
from groovecli.generate.steps import uniform
from groovecli.grid.drumgrid import Runs, quantize
from groovecli.grid.patterns import derive_template
from groovecli.midi import read_midi
from groovecli.runtime.load import load_networks
from groovecli.weights import load_cond

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--takes", type=int, default=150)
    args = ap.parse_args()
    nets, module = load_networks(), load_cond("decorate").model
    grid = quantize(read_midi(REPO / "examples" / "funk.mid"))
    runs = Runs.of(grid.hits)
    sketch = np.ascontiguousarray(runs.cut(grid.hits), np.float32)
    cond = condition(derive_template(sketch, np.ascontiguousarray(runs.cut(grid.velocity), np.float32)))
    genre = np.full(len(sketch), nets.config.genres.index("funk"))
    allowed = np.zeros((len(sketch), 1, len(DRUMS)), np.float32)
    allowed[:, 0, [KICK, SNARE, CLOSED_HIHAT, OPEN_HIHAT]] = 1
    added: dict[str, list[np.ndarray]] = {"torch": [], "numpy": []}
    for take in range(args.takes):
        gen = torch.Generator().manual_seed(take)
        with torch.no_grad():
            out = module.generate(torch.as_tensor(cond), torch.as_tensor(genre), torch.randn(len(sketch), 16, generator=gen),
                                  generator=gen, floor=torch.as_tensor(sketch),
                                  floor_allowed=torch.as_tensor(allowed))["hits"].numpy()
        added["torch"].append((out - sketch).sum((0, 1)))
        rng = np.random.default_rng(take)
        z = rng.standard_normal((len(sketch), nets.decorator.config.z_dim), dtype=np.float32)
        out = nets.decorator.generate(cond, genre, z, uniform(rng), floor=sketch, floor_allowed=allowed)["hits"]
        added["numpy"].append((out - sketch).sum((0, 1)))
    # mean notes added per take and its standard error, per drum
    print(json.dumps({"takes": args.takes, "windows": len(sketch)} | {
        k: {DRUMS[d]: f"{np.mean(v, 0)[d]:.2f} ± {np.std(v, 0)[d] / np.sqrt(len(v)):.2f}"
            for d in (KICK, SNARE, CLOSED_HIHAT, OPEN_HIHAT)} for k, v in added.items()}, indent=2))


if __name__ == "__main__":
    main()
