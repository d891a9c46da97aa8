"""Training throughput of the shipped configuration, in windows per second.

    python benchmarks/bench_train.py [--data GMD_DIR] [--steps 20] [--batch-size 128] [--device cpu]

Without --data it trains on synthetic windows (random hits at GMD's density, 13 %), which
costs the same per step. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
import torch

from groovecli.grid.patterns import derive_template, timing_pattern, velocity_pattern
from groovecli.lab.data import GENRES, GrooveDataset, load_dataset
from groovecli.lab.train import default_configs
from groovecli.lab.validation import to_batch
from groovecli.nn.pocketvae import GrooveModel
from groovecli.weights import pick_device


def synthetic(n: int, seed: int = 0) -> GrooveDataset:
    rng = np.random.default_rng(seed)
    hits = (rng.random((n, 32, 9)) < 0.13).astype(np.float32)
    velocity = rng.random((n, 32, 9)).astype(np.float32) * hits
    offset = (rng.random((n, 32, 9)).astype(np.float32) * 2 - 1) * hits
    zeros = np.zeros(n, np.int64)
    return GrooveDataset(derive_template(hits, velocity), hits, velocity, offset, velocity_pattern(hits, velocity),
                         timing_pattern(hits, offset), rng.integers(len(GENRES), size=n), zeros, zeros, zeros,
                         np.full(n, 120.0, np.float32),
                         np.asarray(["synthetic"]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    device = pick_device(args.device)
    cfg, tcfg = default_configs("pocketvae", batch_size=args.batch_size)
    n = args.batch_size * (args.steps + 2)
    ds = load_dataset(args.data).of_split("train") if args.data else synthetic(n)
    torch.manual_seed(0)
    model = GrooveModel(cfg).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=tcfg.lr)
    idx = np.random.default_rng(0).permutation(len(ds))
    start = None
    for step in range(args.steps + 2):  # two warm-up steps
        if step == 2:
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
        batch = to_batch(ds, idx[(step * args.batch_size) % len(ds):][: args.batch_size], device)
        loss, _, codes = model(batch, 0.7, 0.1, tcfg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if codes is not None:
            model.note.quantizer.update(*codes, dead_after=tcfg.dead_code_steps)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    rate = args.steps * args.batch_size / seconds
    print(json.dumps({"windows_per_s": round(rate, 1), "device": str(device), "threads": torch.get_num_threads(),
                      "cpu_count": os.cpu_count(), "batch_size": args.batch_size, "steps": args.steps,
                      "epoch_s_gmd_train": round(16_389 / rate, 1), "torch": torch.__version__,
                      "machine": platform.machine(), "data": "gmd" if args.data else "synthetic"}))


if __name__ == "__main__":
    main()
