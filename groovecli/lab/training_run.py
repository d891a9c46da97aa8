"""One training request end to end: data → Trainer → checkpoint in the run folder → exported weights.

``groove train`` is a thin layer over ``run_training``; a notebook can call it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..errors import GrooveError
from ..nn.config import ModelConfig
from ..weights import (
    checkpoint_dict,
    export_weights,
    load_model,
    pick_device,
    read_base_parts,
    read_checkpoint,
    resolve,
)
from .data import load_dataset
from .train import Event, Trainer, default_configs
from .validation import evaluate_model


@dataclass(frozen=True)
class TrainRequest:
    data_dir: str
    out_dir: str
    kind: str = "pocketvae"
    epochs: int = 40
    batch_size: int = 128
    device: str = "auto"
    seed: int = 0
    resume: bool = False
    weights: str | None = None
    export_dir: str | None = None
    cache_dir: str | None = None
    max_windows: int = 0
    command: str = ""
    use_genre: bool = True
    use_patterns: bool = True
    prior_epochs: int = 30  # 0: no prior (evaluation-only runs; such weights cannot `sample` or `--notes free`)
    sketch_notes: float | None = None  # TrainConfig.sketch_notes; None: the default
    sketch_union: float | None = None  # TrainConfig.sketch_union; None: the default


@dataclass(frozen=True)
class TrainResult:
    checkpoint: Path
    metrics: dict[str, Any]
    exported: Path | None = None

    def summary(self) -> list[str]:
        shown = ", ".join(f"{k} {v:.4g}" for k, v in self.metrics.items() if isinstance(v, float))
        out = [f"wrote {self.checkpoint}", f"validation: {shown}"]
        if self.exported:
            out.append(f"exported {self.exported} (+ manifest.json)")
        return out


def run_training(req: TrainRequest, on_event: Event = lambda n, s: None) -> TrainResult:
    """Train what ``req.kind`` names and write ``<out>/model.pt`` (or ``classifier.pt``).

    Raises:
        GrooveError: for a missing dataset, a bad device, sketch shares over 1, or ``--model prior``
            without weights.
    """
    device = pick_device(req.device)
    cfg, tcfg = default_configs(req.kind, req.use_genre, req.use_patterns, epochs=req.epochs, batch_size=req.batch_size, seed=req.seed,
                                max_train_windows=req.max_windows, prior_epochs=req.prior_epochs,
                                **{k: v for k in ("sketch_notes", "sketch_union") if (v := getattr(req, k)) is not None})
    dataset = load_dataset(req.data_dir, cache_dir=req.cache_dir)  # after the settings: a bad one costs no load
    train, val = dataset.of_split("train"), dataset.of_split("validation")
    out = Path(req.out_dir)
    if req.kind == "guesser":
        return _guesser_stage(req, tcfg, train, val, out, device, on_event)
    if req.kind == "prior":
        if not req.weights:
            raise GrooveError("--model prior needs --weights: the trained model whose codes it learns")
        loaded = load_model(req.weights, device, train=True)
        trainer = Trainer(loaded.config, tcfg, out, device, on_event, req.command)
        return _finish_prior(trainer, loaded.model, train, val, out, req, dict(loaded.metrics))
    if req.kind == "feel":
        return _feel_stage(req, tcfg, train, val, out, device, on_event)
    trainer = Trainer(cfg, tcfg, out, device, on_event, req.command)
    if req.kind == "classifier":
        clf, metrics = trainer.fit_classifier(train, val)
        path = out / "classifier.pt"
        if trainer.dist.main:
            torch.save(checkpoint_dict(cfg, {"classifier": clf.state_dict()}, metrics, req.command), path)
        return TrainResult(path, metrics)
    model = trainer.fit(train, val, resume=req.resume)
    metrics = evaluate_model(model, val, device)
    if not trainer.dist.main:
        return TrainResult(out / "model.pt", metrics)
    if cfg.kind == "pocketvae" and req.prior_epochs:
        return _finish_prior(trainer, model, train, val, out, req, metrics)
    return _write(out, cfg, {"model": model.state_dict()}, metrics, req)


def _feel_stage(req, tcfg, train, val, out, device, on_event) -> TrainResult:
    """New VEL and TIME modules on the frozen SKEL, NOTE and prior of ``req.weights``."""
    if not req.weights:
        raise GrooveError("--model feel needs --weights: the trained model whose SKEL, NOTE and prior it keeps")
    base = read_base_parts(resolve(req.weights))
    cfg = ModelConfig.from_dict(base["config"])  # the base's sizes and genres; feel settings of this groove
    trainer = Trainer(cfg, tcfg, out, device, on_event, req.command)
    model = trainer.fit(train, val, resume=req.resume, base=base["state_dicts"])
    metrics = evaluate_model(model, val, device)
    states = {"model": model.state_dict()}
    if "prior" in base["state_dicts"]:
        states["prior"] = base["state_dicts"]["prior"]
    if not trainer.dist.main:
        return TrainResult(out / "model.pt", metrics)
    return _write(out, cfg, states, metrics | base.get("prior_metrics", {}), req)


def _guesser_stage(req, tcfg, train, val, out, device, on_event) -> TrainResult:
    """The --genre auto guesser, added to a copy of ``req.weights`` (its other parts unchanged)."""
    if not req.weights:
        raise GrooveError("--model guesser needs --weights: the model it is added to")
    ckpt = read_checkpoint(resolve(req.weights))
    cfg = ModelConfig.from_dict(ckpt["config"])
    trainer = Trainer(cfg, tcfg, out, device, on_event, req.command)
    guesser, metrics = trainer.fit_guesser(train, val)
    if not trainer.dist.main:
        return TrainResult(out / "model.pt", metrics)
    states = {part: {k: v.float() for k, v in sd.items()} for part, sd in ckpt["state_dicts"].items()}
    states["guesser"] = guesser.state_dict()
    return _write(out, cfg, states, dict(ckpt.get("metrics", {})) | metrics, req)


def _finish_prior(trainer, model, train, val, out, req, metrics) -> TrainResult:
    prior, prior_metrics = trainer.fit_prior(model, train, val)
    return _write(out, model.cfg, {"model": model.state_dict(), "prior": prior.state_dict()}, metrics | prior_metrics, req)


def _write(out: Path, cfg, states, metrics, req: TrainRequest) -> TrainResult:
    path = out / "model.pt"
    torch.save(checkpoint_dict(cfg, states, metrics, req.command), path)
    read_checkpoint(path)  # fail now, not at a user's first humanize, if it cannot be read back
    exported = export_weights(path, Path(req.export_dir)) if req.export_dir else None
    return TrainResult(path, metrics, exported)
