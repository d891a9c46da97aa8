"""Find, verify and load model weights: bundled, a local path, or ``hf://owner/repo[@rev][/file]``.

Resolution (like whisper and MidiTok): None → the bundled default named in ``manifest.json``;
an existing file → that file; an existing folder → ``<folder>/pocketvae.pt``; ``hf://`` →
``huggingface_hub.hf_hub_download`` into its cache (honours ``HF_HOME``, ``HF_HUB_OFFLINE``).
Bundled files, and any file with a ``manifest.json`` beside it, are checked against their
sha256 before loading, which also catches a git-LFS pointer shipped instead of the weights.
Checkpoints are loaded with ``torch.load(weights_only=True)``: no pickle code runs. Where only a
checkpoint's ONNX export is there (an install ships the graphs, not the ``.pt``), the modules are
rebuilt from the graphs' weights (``runtime/weight_map.py``): inference-only, since the tensors
training alone reads are not in the graphs.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.parse
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import torch

from .bundled import DEFAULT_FILE, MANIFEST, available, bundled_dir, graph_card, local_weights, sha256, verify
from .constants import COND_TASKS
from .errors import GrooveError, WeightsError
from .nn.cond_vae import CondConfig, CondVAE
from .nn.config import FORMAT_VERSION, ModelConfig
from .nn.genre_guesser import GenreGuesser
from .nn.pocketvae import GrooveModel
from .nn.prior import CodePrior
from .version import __version__


def _from_hub(spec: str, file: str | None = None) -> Path:
    rest = spec[len("hf://") :]
    parts = rest.split("/")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise WeightsError(f"{spec!r} is not hf://owner/repo[@revision][/file]")
    repo, revision = parts[1].split("@", 1) if "@" in parts[1] else (parts[1], None)
    repo_id, filename = f"{parts[0]}/{repo}", "/".join(parts[2:]) or file or DEFAULT_FILE
    import huggingface_hub  # 0.3 s to import: only when asked for
    from huggingface_hub.constants import ENDPOINT

    get = partial(huggingface_hub.hf_hub_download, repo_id, filename, revision=revision, library_name="groove",
                  library_version=__version__)
    offline = bool(os.environ.get("HF_HUB_OFFLINE")) or not _reachable(ENDPOINT)
    try:
        # unreachable: the cache or one line now, not half a minute of huggingface_hub's retries
        return Path(get(local_files_only=offline))
    except Exception as exc:  # LocalEntryNotFoundError, HTTP errors, bad repo ids: all one message
        why = ""
        if offline:
            why = (" (offline: HF_HUB_OFFLINE is set" if os.environ.get("HF_HUB_OFFLINE")
                   else f" (the Hub at {ENDPOINT} cannot be reached") + " and the file is not in the cache)"
        raise WeightsError(f"cannot get {filename} from Hugging Face repo {repo_id}{why}: {type(exc).__name__}") from None


def _reachable(url: str, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to the URL's host opens within ``timeout`` seconds."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError:
        return False
    return True


def resolve(spec: str | os.PathLike | None = None, file: str | None = None) -> Path:
    """The checkpoint file for ``spec`` (None, a path, a folder or ``hf://...``), verified.
    ``file``: the file to take from the bundled folder, a folder or a Hub repo (default: the
    manifest's default, ``pocketvae.pt``); the conditional models name theirs.

    Raises:
        WeightsError: when nothing is there, the download fails, or the bytes are damaged.
    """
    spec = spec if spec is not None else os.environ.get("GROOVE_WEIGHTS") or None
    if spec is None:
        folder = bundled_dir()
        if folder is None:
            raise WeightsError("this groove has no bundled weights; give --weights PATH or hf://owner/repo")
        path = folder / (file or json.loads((folder / MANIFEST).read_text())["default"])
        if not available(path):
            raise WeightsError(f"this groove ships no {path.name}; give --weights PATH, or train it (groove train)")
        if path.is_file():  # only the graphs: read_weights verifies those it reads
            verify(path, bundled=True)
        return path
    text = str(spec)
    if text.startswith("hf://"):
        path = _from_hub(text, file)
    else:
        path = local_weights(text, file)
    if path.is_file():
        verify(path, bundled=False)
    return path


@dataclass(frozen=True)
class LoadedCond:
    """A conditional model (``nn/cond_vae.py``: drumify's, the fills' or ``add``'s decorator) ready to run."""

    model: CondVAE
    config: CondConfig
    metrics: dict[str, Any]
    path: Path
    inference_only: bool = False  # rebuilt from the ONNX graphs: the training-only tensors are not there


@dataclass(frozen=True)
class LoadedModel:
    """The torch modules of a model in eval mode, their config and the checkpoint's metrics."""

    model: GrooveModel
    prior: CodePrior | None
    config: ModelConfig
    metrics: dict[str, Any]
    path: Path
    guesser: GenreGuesser | None = None  # --genre auto (weights without one need a named genre)
    inference_only: bool = False  # rebuilt from the ONNX graphs: the training-only tensors are not there


def read_checkpoint(path: Path, *, any_version: bool = False) -> dict[str, Any]:
    """The checkpoint dict, with its format checked (``any_version``: a groove checkpoint of any
    format version, for reading parts whose shapes have not changed).

    Raises:
        WeightsError: for a file that is not a groove checkpoint of this format, or one that is not
            here where its ONNX export is (those weights run the model but cannot train it).
    """
    if not path.is_file() and graph_card(path).is_file():
        raise WeightsError(f"{path} is not here, only its ONNX graphs, which run the model but cannot train it: "
                           f"train from the checkpoint (a groove checkout's models/{path.name}, or the Hub's)")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated files, pickles with code, not a torch file at all
        raise WeightsError(f"{path} is not a groove checkpoint ({type(exc).__name__}: {str(exc)[:80]})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != "groove-checkpoint":
        raise WeightsError(f"{path} is not a groove checkpoint")
    if not any_version and ckpt.get("format_version") != FORMAT_VERSION:
        raise WeightsError(f"{path} holds weights of format {ckpt.get('format_version')}; this groove "
                           f"({__version__}) reads format {FORMAT_VERSION}: use matching weights or another groove")
    return ckpt


def read_weights(path: Path) -> dict[str, Any]:
    """What ``load_model``/``load_cond`` build from: the checkpoint at ``path``, or, where only its
    ONNX export is there, the same dict rebuilt from the graphs (config, metrics, state dicts),
    with ``absent``: per part, the tensors the graphs do not hold (training-only).

    Raises:
        WeightsError: in one line, for damaged, missing or foreign weights, cards or graphs.
    """
    if path.is_file() or not graph_card(path).is_file():
        return read_checkpoint(path)
    from .runtime.weight_map import read

    card, bundled = graph_card(path), path.parent == bundled_dir()
    verify(card, bundled)
    damaged = f"{card} is damaged; " + ("reinstall groove" if bundled else "run groove export-onnx again on the .pt")
    try:
        info = json.loads(card.read_text())
        config, where = dict(info["config"]), info["weights"]
        absent = {part: [str(key) for key in keys] for part, keys in info["absent"].items()}
        version = info.get("format_version")
        parts = {entry[0] for entries in where.values() for entry in entries.values()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        raise WeightsError(damaged + " (or it was exported before groove mapped the weights)") from None
    if version != FORMAT_VERSION:
        raise WeightsError(f"{card} describes weights of format {version}; this groove ({__version__}) reads "
                           f"format {FORMAT_VERSION}: use matching weights or another groove")
    stem = path.with_name(path.stem)
    for part in sorted(parts):
        graph = Path(f"{stem}.{part}.onnx")
        if graph.is_file():  # a missing one: read says so
            verify(graph, bundled)
    try:
        arrays = read(where, stem)
    except (ValueError, TypeError, AttributeError, IndexError):
        raise WeightsError(damaged) from None
    states = {part: {k: torch.from_numpy(a) for k, a in sd.items()} for part, sd in arrays.items()}
    return {"config": config, "metrics": info.get("metrics", {}), "state_dicts": states, "absent": absent}


def read_base_parts(path: Path) -> dict[str, Any]:
    """SKEL, NOTE and prior state dicts (float32) of a checkpoint of any format version, for the
    feel stage of training: those modules have kept their shapes since format 1.

    Returns:
        {"config": dict, "state_dicts": {"skel", "note"[, "prior"]}, "prior_metrics": dict}.
    """
    ckpt = read_checkpoint(path, any_version=True)
    if ckpt["config"].get("kind", "pocketvae") != "pocketvae":
        raise WeightsError(f"{path} is a {ckpt['config']['kind']} model; the feel stage needs a pocketvae")
    model = ckpt["state_dicts"]["model"]
    parts = {part: {k[len(part) + 1 :]: v.float() for k, v in model.items() if k.startswith(part + ".")}
             for part in ("skel", "note")}
    if "prior" in ckpt["state_dicts"]:
        parts["prior"] = {k: v.float() for k, v in ckpt["state_dicts"]["prior"].items()}
    metrics = {k: v for k, v in ckpt.get("metrics", {}).items() if k.startswith("prior_")}
    return {"config": ckpt["config"], "state_dicts": parts, "prior_metrics": metrics}


def load_model(spec: str | os.PathLike | None = None, device: str | torch.device = "cpu", *,
               train: bool = False) -> LoadedModel:
    """Resolve, verify and build the torch modules of the model (and its prior and guesser, when
    the checkpoint has them) on ``device``: for training, evaluation and the torch runtime
    (``runtime/load.py`` runs the product's loops over them). ``train``: they will be trained on,
    so they must come from the checkpoint itself, not rebuilt from its ONNX graphs (which lack
    what training alone reads).

    Raises:
        WeightsError: for missing, damaged, foreign or incompatible weights.
    """
    path = resolve(spec)
    ckpt = read_checkpoint(path) if train else read_weights(path)
    cfg = ModelConfig.from_dict(ckpt["config"])
    states = ckpt["state_dicts"]
    model = GrooveModel(cfg)
    prior = CodePrior(cfg) if "prior" in states else None
    guesser = GenreGuesser(cfg.n_drums, len(cfg.genres)) if "guesser" in states else None
    for part, module in (("model", model), ("prior", prior), ("guesser", guesser)):
        if module is not None:
            _load_part(module, ckpt, part, path)
    for module in (model, prior, guesser):
        if module is not None:
            module.to(device).eval()
    return LoadedModel(model, prior, cfg, ckpt.get("metrics", {}), path, guesser, inference_only="absent" in ckpt)


def _load_part(module: torch.nn.Module, ckpt: dict[str, Any], part: str, path: Path) -> None:
    """Load the checkpoint's ``part`` into ``module``; the tensors the graphs do not hold (when
    rebuilt from them) keep the module's initial values, which inference never reads."""
    state = {k: v.float() for k, v in ckpt["state_dicts"][part].items()}
    initial = module.state_dict()
    state |= {k: initial[k] for k in ckpt.get("absent", {}).get(part, ()) if k in initial}
    try:
        module.load_state_dict(state)
    except (RuntimeError, KeyError) as exc:
        raise WeightsError(f"{path} does not fit its own config ({str(exc).splitlines()[0][:100]})") from None


def load_cond(task: str, spec: str | os.PathLike | None = None, device: str | torch.device = "cpu") -> LoadedCond:
    """The ``task`` model (``drumify``, ``fills`` or ``decorate``): bundled ``<task>.pt``, or from ``spec``.

    Raises:
        WeightsError: for missing, damaged or foreign weights, or another task's.
    """
    path = resolve(spec, f"{task}.pt")
    ckpt = read_weights(path)
    if task not in ckpt["state_dicts"]:
        raise WeightsError(f"{path} holds no {task} model (it has: {', '.join(ckpt['state_dicts'])})")
    cfg = CondConfig.from_dict(ckpt["config"])
    model = CondVAE(cfg)
    _load_part(model, ckpt, task, path)
    return LoadedCond(model.to(device).eval(), cfg, ckpt.get("metrics", {}), path, inference_only="absent" in ckpt)


def export_weights(checkpoint: Path, out_dir: Path, name: str = DEFAULT_FILE) -> Path:
    """Write a trained checkpoint as shipped weights (float16 tensors) plus ``manifest.json``."""
    ckpt = read_checkpoint(Path(checkpoint))
    ckpt["state_dicts"] = {
        part: {k: (v.half() if v.is_floating_point() else v) for k, v in sd.items()} for part, sd in ckpt["state_dicts"].items()
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / name
    tmp = target.with_suffix(".tmp")
    torch.save(ckpt, tmp)
    os.replace(tmp, target)
    manifest_path = out_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"files": {}}
    manifest.setdefault("default", name)
    # genres and guesser are listed so the CLI can check --genre and list genres without torch
    entry = {"sha256": sha256(target), "bytes": target.stat().st_size, "format_version": FORMAT_VERSION,
             "genres": list(ckpt["config"].get("genres", ()))}
    if "model" in ckpt["state_dicts"]:
        entry["guesser"] = "guesser" in ckpt["state_dicts"]
    manifest["files"][name] = entry
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    export_onnx(target)
    return target


def export_onnx(path: Path) -> list[Path]:
    """Write the ONNX graphs of the checkpoint at ``path`` beside it (``nn/export.py``), for the
    torch-free runtime; [] for a model the product does not run (the baselines, the classifier).

    Raises:
        WeightsError: for a file that is not a groove checkpoint.
    """
    from .nn.export import cond_graphs, export_graphs, groove_graphs
    from .runtime.weight_map import record

    path = Path(path)
    ckpt = read_checkpoint(path)
    states = ckpt["state_dicts"]
    # float16 graphs only from float16 weights (shipped ones): a training run's float32 stay exact
    half = all(v.dtype != torch.float32 for sd in states.values() for v in sd.values())
    extra = {"format_version": ckpt["format_version"], "metrics": ckpt.get("metrics", {})}
    if "model" in states and ckpt["config"].get("kind", "pocketvae") == "pocketvae":
        loaded = load_model(path, "cpu")
        graphs, parts = groove_graphs(loaded.model, loaded.prior, loaded.guesser), ("model", "prior", "guesser")
    elif (task := next((t for t in states if t in COND_TASKS), None)) is not None:
        graphs, parts = cond_graphs(load_cond(task, path).model), (task,)
    else:
        return []
    written = export_graphs(graphs, path, ckpt["config"], half, extra)
    record(written[0], {p: {k: v.float().numpy() for k, v in states[p].items()} for p in parts if p in states})
    _list_in_manifest(path, written)
    return written


def _list_in_manifest(checkpoint: Path, written: list[Path]) -> None:
    """List the export's files (sha256, bytes) in the manifest beside the checkpoint, when it lists
    the checkpoint: the bundled graphs are verified on load as the ``.pt`` files are."""
    manifest_path = checkpoint.parent / MANIFEST
    if not manifest_path.exists():
        return
    manifest = json.loads(manifest_path.read_text())
    if checkpoint.name not in manifest.get("files", {}):
        return
    for path in written:
        manifest["files"][path.name] = {"sha256": sha256(path), "bytes": path.stat().st_size, "export_of": checkpoint.name}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")


def pick_device(name: str) -> torch.device:
    """``auto`` → CUDA when available, else CPU; ``cuda`` without CUDA is a clear error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise GrooveError("--device cuda was asked for, but this machine or this torch build has no CUDA; use --device cpu")
    if name not in ("cpu", "cuda"):
        raise GrooveError(f"unknown device {name!r}; use auto, cpu or cuda")
    return torch.device(name)


def checkpoint_dict(cfg: ModelConfig, states: dict[str, Any], metrics: dict[str, Any], command: str = "") -> dict:
    """The file format groove ships and loads (plain types only: weights_only=True loads it)."""
    return {
        "format": "groove-checkpoint",
        "format_version": FORMAT_VERSION,
        "groove_version": __version__,
        "config": cfg.to_dict(),
        "genres": list(cfg.genres),
        "state_dicts": states,
        "metrics": metrics,
        "command": command,
    }
