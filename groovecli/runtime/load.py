"""Which runtime runs the networks, and the networks ready to run on it.

onnxruntime runs them on the CPU whenever the weights have their ONNX graphs beside them (``groove
export-onnx``) and onnxruntime is installed; torch runs them for ``--device cuda``, for weights
without graphs (the Hub's ``.pt``, a training run's) and when onnxruntime is missing. Either way
the caller gets the same numpy objects (``networks.py``), whose loops draw from the caller's numpy
generator: a seed gives the same take on both.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..bundled import MANIFEST, available, bundled_dir, local_weights
from ..errors import GrooveError, WeightsError
from ..nn.config import ModelConfig
from .graphs import Graphs
from .networks import CondNet, GrooveNet, GuesserNet, PriorNet, groove_nets

BACKENDS = ("auto", "onnxruntime", "torch")
TORCH_MISSING = 'this needs torch: pip install "groove-cli[torch]"'


@dataclass(frozen=True)
class Networks:
    """The model's networks on one runtime, with numpy in and out."""

    model: GrooveNet
    prior: PriorNet | None
    guesser: GuesserNet | None
    decorator: CondNet | None  # --notes add's note model, when decorate.pt is beside the weights
    config: ModelConfig
    path: Path
    backend: str  # "onnxruntime" or "torch"


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def local_checkpoint(spec: str | os.PathLike | None) -> Path | None:
    """The checkpoint file ``spec`` names on this machine (None: the bundled default); None for
    ``hf://`` weights, which only torch reads."""
    spec = spec if spec is not None else os.environ.get("GROOVE_WEIGHTS") or None
    if spec is None:
        folder = bundled_dir()
        if folder is None:
            raise WeightsError("this groove has no bundled weights; give --weights PATH or hf://owner/repo")
        return folder / json.loads((folder / MANIFEST).read_text())["default"]
    if str(spec).startswith("hf://"):
        return None
    return local_weights(str(spec))


def has_graphs(checkpoint: Path | None) -> bool:
    return checkpoint is not None and checkpoint.with_name(f"{checkpoint.stem}.onnx.json").is_file()


def pick_backend(backend: str, device: str, checkpoint: Path | None) -> str:
    """The runtime for these weights on ``device`` (see the module docstring).

    Raises:
        GrooveError: in one line, when the runtime asked for (or the only one that could run) is missing.
    """
    if backend not in BACKENDS:
        raise GrooveError(f"unknown runtime {backend!r}; use one of: {', '.join(BACKENDS)}")
    if device != "cpu" or backend == "torch" or (backend == "auto" and not (has_graphs(checkpoint)
                                                                             and installed("onnxruntime"))):
        if not installed("torch"):
            why = f"--device {device}" if device != "cpu" else (
                "weights without ONNX graphs (groove export-onnx writes them)" if not has_graphs(checkpoint)
                else "the torch runtime")
            raise GrooveError(f"{why}: {TORCH_MISSING}")
        return "torch"
    if checkpoint is None:
        raise WeightsError("weights from the Hub (hf://) run on torch only; use the torch runtime")
    if not has_graphs(checkpoint):
        raise WeightsError(f"{checkpoint} has no ONNX graphs beside it; run groove export-onnx {checkpoint}")
    return "onnxruntime"


def concrete_device(device: str) -> str:
    """``auto`` → CUDA when torch is installed and has it, else the CPU; other names as given."""
    if device != "auto":
        return device
    return "cuda" if installed("torch") and __import__("torch").cuda.is_available() else "cpu"


def load_networks(spec: str | os.PathLike | None = None, device: str = "cpu", backend: str = "auto") -> Networks:
    """The networks of the weights ``spec`` names (None: the bundled ones), on the runtime
    ``pick_backend`` chooses."""
    device = concrete_device(device)
    checkpoint = local_checkpoint(spec)
    chosen = pick_backend(backend, device, checkpoint)
    if chosen == "torch":
        return _on_torch(spec, device)
    graphs = Graphs(checkpoint)
    model, prior, guesser = groove_nets(graphs)
    beside = checkpoint.with_name("decorate.pt")
    decorator = CondNet(Graphs(beside), beside) if has_graphs(beside) else None
    return Networks(model, prior, guesser, decorator, model.cfg, checkpoint, chosen)


def load_cond_networks(task: str, spec: str | os.PathLike | None = None, device: str = "cpu",
                       backend: str = "auto") -> CondNet:
    """The ``task`` model (``drumify``, ``fills`` or ``decorate``): bundled, or from ``spec`` (a
    checkpoint, or a folder holding ``<task>.pt``), on the runtime ``pick_backend`` chooses."""
    device = concrete_device(device)
    if spec is None:
        folder = bundled_dir()
        if folder is None:
            raise WeightsError(f"this groove has no bundled {task} model; give its weights")
        checkpoint = folder / f"{task}.pt"
    elif str(spec).startswith("hf://"):
        checkpoint = None
    else:
        checkpoint = local_weights(str(spec), f"{task}.pt")
    if pick_backend(backend, device, checkpoint) == "onnxruntime":
        return CondNet(Graphs(checkpoint), checkpoint)
    return _cond_on_torch(task, spec, device)


def _cond_on_torch(task: str, spec, device: str) -> CondNet:
    from ..weights import load_cond, pick_device
    from .torch_graphs import cond_torch_graphs

    device = pick_device(device)  # --device cuda without CUDA: one line
    cond = load_cond(task, spec, "cpu")  # the bare module: TorchGraphs moves it to the device
    return CondNet(cond_torch_graphs(cond.model, cond.config.to_dict(), device), cond.path)


def _on_torch(spec, device: str) -> Networks:
    from ..weights import load_model, pick_device
    from .torch_graphs import groove_torch_graphs

    device = pick_device(device)  # --device cuda without CUDA: one line
    loaded = load_model(spec, device)
    graphs = groove_torch_graphs(loaded.model, loaded.prior, loaded.guesser, loaded.config.to_dict(), device)
    model, prior, guesser = groove_nets(graphs)
    beside = loaded.path.parent / "decorate.pt"
    # the .pt, or only its graphs (an install ships those): load_cond rebuilds from them
    decorator = _cond_on_torch("decorate", beside, str(device)) if available(beside) else None
    return Networks(model, prior, guesser, decorator, loaded.config, loaded.path, "torch")
