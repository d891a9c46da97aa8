"""Training of the conditional models (``nn/cond_vae.py``): drumify's tap → kit model, the fill
model and ``--notes add``'s decorator (template → the drummer's notes). Data → arrays → Adam with a
KL warm-up → the best epoch on validation → a checkpoint.

All are small (hidden 128) and train on 2 CPU cores in minutes; ``groove train --model drumify``,
``fills`` and ``decorate`` call ``run_cond_training``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..generate import decorate
from ..grid.fill_bars import COND_DIM, FILL_STEPS
from ..grid.taps import TAP_FEATURES, collapse
from ..nn.cond_vae import CondConfig, CondVAE
from ..weights import checkpoint_dict, export_weights, read_checkpoint
from .data import GENRES, SPLITS, GrooveDataset, load_dataset
from .fill_data import build_fills
from .train import KeepBest
from .training_run import TrainResult

KEYS = ("cond", "hits", "velocity", "offset", "mask", "genre")


def _window_arrays(ds: GrooveDataset, cond: np.ndarray) -> dict[str, np.ndarray]:
    """Every GMD window of ``ds`` whole as the target, under the condition ``cond`` (N, 32, C)."""
    return {"cond": cond, "hits": ds.hits, "velocity": ds.velocity, "offset": ds.offset,
            "mask": np.ones(ds.hits.shape[:2], np.float32), "genre": ds.genre}


def drumify_arrays(ds: GrooveDataset) -> dict[str, np.ndarray]:
    """Every window's taps (all hits collapsed onto one voice) as the condition, the kit as target."""
    return _window_arrays(ds, collapse(ds.hits, ds.velocity, ds.offset))


def decorate_arrays(ds: GrooveDataset) -> dict[str, np.ndarray]:
    """Every window's template (what a producer draws) as the condition, the drummer's notes as target."""
    return _window_arrays(ds, decorate.condition(ds.template))


def fill_arrays(fills, split: int) -> dict[str, np.ndarray]:
    """One split of a ``fill_bars.FillSet`` as training arrays."""
    part = fills.select(fills.split == split)
    return {k: getattr(part, k) for k in KEYS}


def config_for(task: str) -> CondConfig:
    if task == "drumify":
        return CondConfig(task, TAP_FEATURES, 32, GENRES)
    if task == "decorate":
        return CondConfig(task, decorate.COND_DIM, 32, GENRES)
    return CondConfig(task, COND_DIM, FILL_STEPS, GENRES)


def _batch(arrays: dict[str, np.ndarray], idx, device) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(arrays[k][idx], dtype=torch.long if k == "genre" else torch.float32, device=device)
            for k in KEYS}


@torch.no_grad()
def cond_metrics(model: CondVAE, arrays: dict[str, np.ndarray], device, seed: int = 0) -> dict[str, float]:
    """Validation: the loss at full KL weight, and note F1 of takes drawn from the prior
    (z ~ N(0, I), notes drawn step by step) on the masked steps: what a user gets."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    loss_sum, tp, fp, fn, n = 0.0, 0.0, 0.0, 0.0, len(arrays["hits"])
    for i in range(0, n, 512):
        b = _batch(arrays, np.arange(i, min(i + 512, n)), device)
        loss, _ = model.losses(b, 1.0, 0.0)
        loss_sum += float(loss) * len(b["hits"])
        z = torch.randn(len(b["hits"]), model.cfg.z_dim, generator=gen).to(device)
        known = b["mask"] == 0  # what the condition gives (the bar before a fill) is played as it was
        floor = b["cond"][..., : model.cfg.n_drums] if model.cfg.task == "decorate" else None  # the sketch stays
        pred = model.generate(b["cond"], b["genre"], z, generator=gen, forced=b["hits"], force_mask=known,
                              floor=floor)["hits"]
        pred = pred * b["mask"][..., None]
        real = b["hits"] * b["mask"][..., None]
        tp += float((pred * real).sum())
        fp += float((pred * (1 - real)).sum())
        fn += float(((1 - pred) * real).sum())
    return {"val_loss": loss_sum / max(n, 1), "note_f1": 2 * tp / max(2 * tp + fp + fn, 1)}


def fit_cond(cfg: CondConfig, train: dict[str, np.ndarray], val: dict[str, np.ndarray], *, epochs: int = 30,
             batch_size: int = 128, lr: float = 1e-3, seed: int = 0, device: str | torch.device = "cpu",
             beta_warmup: float = 0.3, free_bits: float = 0.1, patience: int = 5, log: Path | None = None,
             on_event=lambda name, stats: None) -> tuple[CondVAE, dict[str, Any]]:
    """Train until ``epochs`` or ``patience`` epochs without a better validation loss."""
    torch.manual_seed(seed)
    model = CondVAE(cfg).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = len(train["hits"])
    steps = max(n // batch_size, 1)
    keeper, best_metrics = KeepBest(patience), {}
    on_event("start", {"epochs": epochs, "steps": steps, "windows": n, "epoch": 0})
    for epoch in range(epochs):
        model.train()
        t0 = time.perf_counter()
        perm = np.random.default_rng(seed * 1000 + epoch).permutation(n)
        for step in range(steps):
            progress = (epoch * steps + step) / (epochs * steps)
            beta = min(1.0, progress / beta_warmup) if beta_warmup else 1.0
            loss, stats = model.losses(_batch(train, perm[step * batch_size : (step + 1) * batch_size], device), beta,
                                       free_bits)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            elapsed = time.perf_counter() - t0
            on_event("step", {k: v.item() for k, v in stats.items()} | {
                "loss": loss.item(), "epoch": epoch, "step": step + 1, "beta": beta,
                "windows_per_s": (step + 1) * batch_size / max(elapsed, 1e-9)})
        metrics = cond_metrics(model, val, device)
        record = {"epoch": epoch, "seconds": time.perf_counter() - t0} | metrics
        if log is not None:
            with log.open("a") as fh:
                fh.write(json.dumps(record) + "\n")
        improved = -metrics["val_loss"] > keeper.best
        on_event("epoch", record | {"improved": improved, "val": metrics})
        if improved:
            best_metrics = metrics | {"epoch": epoch}
        if keeper.stop_after(-metrics["val_loss"], model):
            break
    keeper.restore(model)
    return model.eval(), best_metrics


def run_cond_training(task: str, data_dir: str, out_dir: str, *, epochs: int, batch_size: int, seed: int,
                      device: torch.device, cache_dir: str | None, export_dir: str | None, command: str,
                      max_windows: int = 0, on_event=lambda name, stats: None):
    """``groove train --model drumify|fills|decorate``: data, training, ``<out>/<task>.pt``, optional export."""
    if task in ("drumify", "decorate"):
        ds = load_dataset(data_dir, cache_dir=cache_dir)
        arrays = drumify_arrays if task == "drumify" else decorate_arrays
        train, val = (arrays(ds.of_split(s)) for s in ("train", "validation"))
    else:
        fills = build_fills(data_dir)
        train, val = (fill_arrays(fills, SPLITS.index(s)) for s in ("train", "validation"))
    if max_windows:
        train = {k: v[:max_windows] for k, v in train.items()}
        val = {k: v[:max_windows] for k, v in val.items()}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    model, metrics = fit_cond(config_for(task), train, val, epochs=epochs, batch_size=batch_size, seed=seed,
                              device=device, log=out / "train.log", on_event=on_event)
    metrics |= {"train_seconds": time.perf_counter() - t0, "train_windows": len(train["hits"])}
    path = out / f"{task}.pt"
    torch.save(checkpoint_dict(model.cfg, {task: model.state_dict()}, metrics, command), path)
    read_checkpoint(path)
    exported = export_weights(path, Path(export_dir), name=f"{task}.pt") if export_dir else None
    return TrainResult(path, metrics, exported)
