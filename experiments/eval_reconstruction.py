"""Reconstruction quality of weights on a GMD split (PocketVAE Table 1 protocol, free-running).

    python experiments/eval_reconstruction.py --data GMD_DIR [--split test] [--weights PATH]

Each window of the split is encoded (NOTE codes, velocity and timing latents at their means)
and decoded one step at a time; metrics as in groovecli/lab/metrics.py. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from groovecli.lab.data import load_dataset
from groovecli.lab.validation import evaluate_model
from groovecli.weights import load_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--split", default="test")
    ap.add_argument("--weights")
    args = ap.parse_args()
    loaded = load_model(args.weights)
    ds = load_dataset(args.data).of_split(args.split)
    torch.manual_seed(0)
    t = time.perf_counter()
    metrics = evaluate_model(loaded.model, ds, torch.device("cpu"))
    print(json.dumps({"weights": str(loaded.path), "split": args.split, "windows": len(ds),
                      "seconds": round(time.perf_counter() - t, 1), **{k: round(v, 5) for k, v in metrics.items()}},
                     indent=2))


if __name__ == "__main__":
    main()
