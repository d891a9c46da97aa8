"""Training: the joint PocketVAE loss, then the prior on its codes; baselines and the genre classifier.

The Trainer is silent: it calls ``on_event(name, stats)`` and ``view.TrainingProgress`` draws
it. A run folder holds ``last.pt`` (everything ``--resume`` needs: model, optimiser, epoch,
RNG state), ``best.pt`` (the weights that did best on the validation split) and ``train.log``
(one JSON line per epoch). Under ``torchrun`` it trains with DistributedDataParallel (gloo on
CPU, nccl on GPU); only rank 0 logs and saves.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..errors import GrooveError
from ..nn.classifier import GenreClassifier
from ..nn.config import ModelConfig, TrainConfig
from ..nn.genre_guesser import GenreGuesser
from ..nn.pocketvae import GrooveModel
from ..nn.prior import CodePrior
from ..weights import checkpoint_dict
from .data import GENRES, GrooveDataset
from .validation import classifier_accuracy, encode_codes, evaluate_model, to_batch, validation_score

TRAINABLE = ("pocketvae", "twostep-vae", "onestep", "feel", "prior", "guesser", "classifier")
Event = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Dist:
    """Where this process sits in a torchrun job (rank 0 of 1 when run alone)."""

    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_env(cls, device: torch.device) -> Dist:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world == 1:
            return cls()
        import torch.distributed as dist

        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        return cls(dist.get_rank(), world)


def schedules(progress: float, tcfg: TrainConfig) -> tuple[float, float]:
    """(teacher-forcing ratio, KL weight β) at ``progress`` in [0, 1] of the run (PocketVAE §3.4.3)."""
    tf = tcfg.tf_min + (1 - tcfg.tf_min) * math.exp(-tcfg.tf_decay * progress)
    beta = tcfg.beta_max * min(1.0, progress / tcfg.beta_warmup) if tcfg.beta_warmup > 0 else tcfg.beta_max
    return tf, beta


def _save(obj: dict, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


class KeepBest:
    """Early stopping for the small models: keeps the best weights (higher score is better)."""

    def __init__(self, patience: int) -> None:
        self.patience, self.best, self.state, self.stale = patience, -math.inf, None, 0

    def stop_after(self, score: float, module: torch.nn.Module) -> bool:
        """Record this epoch's score; True when patience has run out."""
        if score > self.best:
            self.best, self.stale = score, 0
            self.state = {k: v.detach().clone() for k, v in module.state_dict().items()}
        else:
            self.stale += 1
        return self.stale >= self.patience

    def restore(self, module: torch.nn.Module) -> None:
        module.load_state_dict(self.state)


@dataclass
class Trainer:
    """Trains one model kind on a GrooveDataset, writing into ``run_dir``."""

    cfg: ModelConfig
    tcfg: TrainConfig
    run_dir: Path
    device: torch.device
    on_event: Event = lambda name, stats: None
    command: str = ""

    def __post_init__(self) -> None:
        self.run_dir = Path(self.run_dir)
        self.dist = Dist.from_env(self.device)
        if self.dist.main:
            self.run_dir.mkdir(parents=True, exist_ok=True)

    def _log(self, record: dict[str, Any]) -> None:
        if self.dist.main:
            with (self.run_dir / "train.log").open("a") as fh:
                fh.write(json.dumps(record) + "\n")

    # --- the joint model --------------------------------------------------------------------

    def fit(self, train: GrooveDataset, val: GrooveDataset, *, resume: bool = False,
            base: dict[str, dict[str, torch.Tensor]] | None = None) -> GrooveModel:
        """Train until ``epochs`` or early stopping; returns the best model (by validation).

        ``base``: state dicts of a trained ``skel`` and ``note`` (``{"skel": ..., "note": ...}``).
        With it, only VEL and TIME train (the feel stage): the note codes, and so the prior
        over them, stay exactly as they were, and an epoch costs about half as much.
        """
        torch.manual_seed(self.tcfg.seed)
        model, opt = self._new_model(base)
        feel_only = base is not None
        start_epoch, best, stale = self._resume(model, opt) if resume else (0, float("inf"), 0)
        net = model
        if self.dist.world > 1:
            net = torch.nn.parallel.DistributedDataParallel(model)
        n = len(train) if not self.tcfg.max_train_windows else min(len(train), self.tcfg.max_train_windows)
        steps_per_epoch = max(n // self.dist.world // self.tcfg.batch_size, 1)
        self.on_event("start", {"epochs": self.tcfg.epochs, "steps": steps_per_epoch, "windows": n,
                                "epoch": start_epoch})
        for epoch in range(start_epoch, self.tcfg.epochs):
            t0 = time.perf_counter()
            sums = self._epoch(model, net, opt, train, n, epoch, steps_per_epoch, feel_only)
            metrics = evaluate_model(model, val, self.device)
            score = validation_score(metrics, feel_only)
            improved = score < best
            best, stale = (score, 0) if improved else (best, stale + 1)
            record = {"epoch": epoch, "seconds": time.perf_counter() - t0, "val_score": score, "best": best,
                      "train": {k: v / steps_per_epoch for k, v in sums.items()}, "val": metrics}
            self._log(record)
            if self.dist.main:
                self._save_epoch(model, opt, metrics, epoch, improved, best, stale)
            self.on_event("epoch", record | {"improved": improved})
            if stale >= self.tcfg.patience:
                break
        self.on_event("end", {"model": model})  # every rank, before the best weights come back
        return self._best(model)

    def _new_model(self, base: dict[str, dict[str, torch.Tensor]] | None) -> tuple[GrooveModel, torch.optim.Adam]:
        model = GrooveModel(self.cfg).to(self.device)
        if base is not None:
            for part in ("skel", "note"):
                getattr(model, part).load_state_dict(base[part])
                getattr(model, part).requires_grad_(False)
        return model, torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=self.tcfg.lr)

    def _resume(self, model: GrooveModel, opt: torch.optim.Adam) -> tuple[int, float, int]:
        """The epoch to start at, the best score and the epochs without improvement, from last.pt."""
        last = self.run_dir / "last.pt"
        if not last.exists():
            raise GrooveError(f"nothing to resume in {self.run_dir} (no last.pt)")
        state = torch.load(last, map_location=self.device, weights_only=True)
        model.load_state_dict(state["state_dicts"]["model"])
        opt.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng"])
        return state["epoch"] + 1, state["best"], state["stale"]

    def _epoch(self, model: GrooveModel, net: torch.nn.Module, opt: torch.optim.Adam, train: GrooveDataset, n: int,
               epoch: int, steps_per_epoch: int, feel_only: bool) -> dict[str, float]:
        """One pass over this rank's shard; returns the summed step statistics."""
        model.train()
        if feel_only:  # frozen modules stay in eval mode (no EMA codebook updates)
            model.skel.eval(), model.note.eval()
        per_rank = n // self.dist.world
        total = steps_per_epoch * self.tcfg.epochs
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(self.tcfg.seed * 1000 + epoch)).numpy()
        shard = perm[self.dist.rank :: self.dist.world][:per_rank]
        t0, sums = time.perf_counter(), {}
        for step in range(steps_per_epoch):
            idx = shard[step * self.tcfg.batch_size : (step + 1) * self.tcfg.batch_size]
            tf, beta = schedules((epoch * steps_per_epoch + step) / total, self.tcfg)
            loss, stats, codes = net(to_batch(train, idx, self.device), tf, beta, self.tcfg, feel_only)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            if codes is not None:
                self._update_codebook(model, *codes)
            stats = {k: v.item() for k, v in stats.items()} | {"loss": loss.item(), "tf": tf, "beta": beta}
            for k, v in stats.items():
                sums[k] = sums.get(k, 0.0) + v
            elapsed = time.perf_counter() - t0
            self.on_event("step", stats | {"epoch": epoch, "step": step + 1,
                                           "windows_per_s": (step + 1) * len(idx) * self.dist.world / elapsed})
        return sums

    def _save_epoch(self, model: GrooveModel, opt: torch.optim.Adam, metrics: dict[str, Any], epoch: int,
                    improved: bool, best: float, stale: int) -> None:
        states = {"model": model.state_dict()}
        if improved:
            _save(checkpoint_dict(self.cfg, states, metrics | {"epoch": epoch}, self.command), self.run_dir / "best.pt")
        _save({**checkpoint_dict(self.cfg, states, metrics, self.command), "optimizer": opt.state_dict(),
               "epoch": epoch, "best": best, "stale": stale, "rng": torch.get_rng_state(),
               "train_config": asdict(self.tcfg)}, self.run_dir / "last.pt")

    def _best(self, model: GrooveModel) -> GrooveModel:
        """The best epoch's weights, on every rank."""
        if self.dist.main:
            best_state = torch.load(self.run_dir / "best.pt", map_location=self.device, weights_only=True)
            model.load_state_dict(best_state["state_dicts"]["model"])
        if self.dist.world > 1:
            import torch.distributed as dist

            for t in model.state_dict().values():
                dist.broadcast(t, 0)
        return model

    def _update_codebook(self, model: GrooveModel, z: torch.Tensor, idx: torch.Tensor) -> None:
        q = model.note.quantizer
        restarted = q.update(z, idx, self.tcfg.dead_code_steps)
        if self.dist.world > 1:  # every rank keeps rank 0's codebook
            import torch.distributed as dist

            for t in (q.codebook, q.cluster_size, q.embed_sum, q.idle_steps, q.initialised):
                dist.broadcast(t, 0)
        if restarted:
            self.on_event("restart", {"codes": restarted})

    # --- the prior ----------------------------------------------------------------------------

    def fit_prior(self, model: GrooveModel, train: GrooveDataset, val: GrooveDataset) -> tuple[CodePrior, dict]:
        """Train the genre-conditioned prior on the codes the trained encoder gives each window."""
        if model.cfg.kind != "pocketvae":
            raise GrooveError("only the pocketvae model has codes to learn a prior over")
        torch.manual_seed(self.tcfg.seed + 1)
        codes_tr, codes_va = (encode_codes(model, d, self.device) for d in (train, val))
        g_tr = torch.as_tensor(train.genre, device=self.device)
        g_va = torch.as_tensor(val.genre, device=self.device)
        prior = CodePrior(self.cfg).to(self.device)
        opt = torch.optim.Adam(prior.parameters(), lr=self.tcfg.lr)
        keeper = KeepBest(self.tcfg.patience)
        for epoch in range(self.tcfg.prior_epochs):
            prior.train()
            perm = torch.randperm(len(codes_tr), generator=torch.Generator().manual_seed(self.tcfg.seed + epoch))
            for i in range(0, len(perm), self.tcfg.batch_size):
                b = perm[i : i + self.tcfg.batch_size].to(self.device)
                loss = F.cross_entropy(prior(codes_tr[b], g_tr[b]).flatten(0, 1), codes_tr[b].flatten())
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            prior.eval()
            with torch.no_grad():
                val_ce = float(F.cross_entropy(prior(codes_va, g_va).flatten(0, 1), codes_va.flatten())) if len(codes_va) else loss.item()
            self._log({"prior_epoch": epoch, "train_ce": loss.item(), "val_ce": val_ce})
            self.on_event("prior_epoch", {"epoch": epoch, "val_ce": val_ce})
            if keeper.stop_after(-val_ce, prior):
                break
        keeper.restore(prior)
        return prior, {"prior_val_ce": -keeper.best, "prior_val_perplexity": math.exp(-keeper.best)}

    # --- the genre guesser (--genre auto) -------------------------------------------------------

    def fit_guesser(self, train: GrooveDataset, val: GrooveDataset) -> tuple[GenreGuesser, dict]:
        """The template + tempo → genre guesser, early-stopped on validation window accuracy."""
        torch.manual_seed(self.tcfg.seed)
        guesser = GenreGuesser(self.cfg.n_drums, len(self.cfg.genres)).to(self.device)
        opt = torch.optim.Adam(guesser.parameters(), lr=self.tcfg.lr)
        keeper = KeepBest(self.tcfg.patience)
        tensors = [(torch.as_tensor(d.template, device=self.device), torch.as_tensor(d.bpm, device=self.device),
                    torch.as_tensor(d.genre, device=self.device)) for d in (train, val)]
        (t_tr, b_tr, g_tr), (t_va, b_va, g_va) = tensors
        for epoch in range(self.tcfg.epochs):
            guesser.train()
            perm = torch.randperm(len(t_tr), generator=torch.Generator().manual_seed(self.tcfg.seed + epoch))
            for i in range(0, len(perm), self.tcfg.batch_size):
                b = perm[i : i + self.tcfg.batch_size].to(self.device)
                loss = F.cross_entropy(guesser(t_tr[b], b_tr[b]), g_tr[b])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            guesser.eval()
            with torch.no_grad():
                acc = float((guesser(t_va, b_va).argmax(-1) == g_va).float().mean()) if len(t_va) else 0.0
            self._log({"guesser_epoch": epoch, "train_ce": loss.item(), "val_accuracy": acc})
            self.on_event("classifier_epoch", {"epoch": epoch, "val_accuracy": acc})
            if keeper.stop_after(acc, guesser):
                break
        keeper.restore(guesser)
        return guesser, {"guesser_val_window_accuracy": keeper.best}

    # --- the genre classifier -----------------------------------------------------------------

    def fit_classifier(self, train: GrooveDataset, val: GrooveDataset) -> tuple[GenreClassifier, dict]:
        """A 2-layer bidirectional GRU genre classifier on real (N, V, M) windows."""
        torch.manual_seed(self.tcfg.seed)
        clf = GenreClassifier(self.cfg.n_drums, len(self.cfg.genres)).to(self.device)
        opt = torch.optim.Adam(clf.parameters(), lr=self.tcfg.lr)
        keeper = KeepBest(self.tcfg.patience)
        for epoch in range(self.tcfg.epochs):
            clf.train()
            perm = torch.randperm(len(train), generator=torch.Generator().manual_seed(self.tcfg.seed + epoch)).numpy()
            for i in range(0, len(perm), self.tcfg.batch_size):
                b = to_batch(train, perm[i : i + self.tcfg.batch_size], self.device)
                loss = F.cross_entropy(clf(b["hits"], b["velocity"], b["offset"]), b["genre"])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            acc = classifier_accuracy(clf, val, self.device)
            self._log({"classifier_epoch": epoch, "train_ce": loss.item(), "val_accuracy": acc})
            self.on_event("classifier_epoch", {"epoch": epoch, "val_accuracy": acc})
            if keeper.stop_after(acc, clf):
                break
        keeper.restore(clf)
        return clf, {"classifier_val_accuracy": keeper.best}


def default_configs(kind: str, use_genre: bool = True, use_patterns: bool = True,
                    **train_overrides: Any) -> tuple[ModelConfig, TrainConfig]:
    """The shipped configuration for ``kind``: all GMD genres, patterns on, paper sizes.

    ``use_genre`` / ``use_patterns`` off give Table 1's ablation rows (two-step VQ-VAE without
    conditions, + genres).
    """
    model_kind = kind if kind in ("pocketvae", "twostep-vae", "onestep") else "pocketvae"
    cfg = ModelConfig(kind=model_kind, genres=GENRES, use_genre=use_genre, use_patterns=use_patterns)
    return cfg, replace(TrainConfig(), **train_overrides)
