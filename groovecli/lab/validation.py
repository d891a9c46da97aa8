"""What a training run is judged on between epochs: the validation set's losses and metrics, and
the single score that picks the best epoch."""

from __future__ import annotations

import numpy as np
import torch

from ..nn.classifier import GenreClassifier
from ..nn.pocketvae import GrooveModel
from .data import GrooveDataset
from .metrics import reconstruction_metrics


@torch.no_grad()
def encode_codes(model: GrooveModel, ds: GrooveDataset, device: torch.device, batch: int = 512) -> torch.Tensor:
    """NOTE code indices (N, S) of every window."""
    model.eval()
    out = []
    for i in range(0, len(ds), batch):
        b = to_batch(ds, np.arange(i, min(i + batch, len(ds))), device)
        out.append(model.note.encode(b["hits"], b["template"], model.skel(b["template"])))
    return torch.cat(out) if out else torch.zeros(0, model.cfg.codes, dtype=torch.long, device=device)


@torch.no_grad()
def classifier_accuracy(clf: GenreClassifier, ds: GrooveDataset, device: torch.device, batch: int = 512) -> float:
    clf.eval()
    right = 0
    for i in range(0, len(ds), batch):
        b = to_batch(ds, np.arange(i, min(i + batch, len(ds))), device)
        right += int((clf(b["hits"], b["velocity"], b["offset"]).argmax(-1) == b["genre"]).sum())
    return right / max(len(ds), 1)


def validation_score(metrics: dict[str, float], feel_only: bool = False) -> float:
    """Lower is better. The feel heads are scored by their likelihood per note (a sampled
    reconstruction's squared error rewards the mean, the very thing the heads replace); the
    weights put a small likelihood gain on the same footing as a small note F1 gain."""
    feel = metrics.get("velocity_nll", 0.0) + metrics.get("offset_nll", 0.0)
    if feel_only:
        return feel
    if "velocity_nll" not in metrics:  # the one-step baseline: squared errors, as before
        return (1 - metrics["note_f1"]) + metrics["velocity_mse_hits"] + metrics["offset_mse_hits"]
    return (1 - metrics["note_f1"]) + 0.1 * feel


@torch.no_grad()
def evaluate_model(model: GrooveModel, ds: GrooveDataset, device: torch.device, batch: int = 512,
                   seed: int = 0) -> dict[str, float]:
    """Free-running reconstruction metrics on a dataset (see ``metrics.reconstruction_metrics``),
    and the feel heads' likelihood per note; sampled values come from a generator seeded ``seed``."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)  # CPU: the heads draw on the CPU (feel_head.py)
    parts: dict[str, list[np.ndarray]] = {"hits": [], "velocity": [], "offset": [], "codes": []}
    nll = {"velocity": 0.0, "offset": 0.0}
    for i in range(0, len(ds), batch):
        b = to_batch(ds, np.arange(i, min(i + batch, len(ds))), device)
        out = model.reconstruct(b, generator=gen)
        for k, v in out.items():
            parts[k].append(v.cpu().numpy())
        if model.cfg.kind != "onestep":
            for k, v in model.feel_nll(b).items():
                nll[k] += float(v)
    pred = {k: np.concatenate(v) for k, v in parts.items() if v}
    codebook = model.cfg.codebook_size if model.cfg.kind == "pocketvae" else None
    metrics = reconstruction_metrics(ds.hits, ds.velocity, ds.offset, pred, codebook_size=codebook)
    if model.cfg.kind != "onestep":
        total = max(float(ds.hits.sum()), 1.0)
        metrics |= {f"{k}_nll": v / total for k, v in nll.items()}
    return metrics


BATCH_KEYS = ("template", "hits", "velocity", "offset", "velocity_pattern", "timing_pattern", "genre")


def to_batch(ds: GrooveDataset, idx: np.ndarray, device: torch.device) -> dict[str, torch.Tensor]:
    """Tensors for the windows ``idx``: floats for grids, longs for patterns and genre."""
    out = {}
    for key in BATCH_KEYS:
        arr = getattr(ds, key)[idx]
        out[key] = torch.as_tensor(arr, dtype=torch.long if arr.dtype.kind in "iu" else torch.float32, device=device)
    return out
