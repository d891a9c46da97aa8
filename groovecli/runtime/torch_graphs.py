"""The graphs' parts run by the torch modules they were exported from, on any torch device: the
numpy sampling loops of ``networks.py`` over torch, for ``--device cuda`` and for weights that
have no ONNX export (a Hub checkpoint, a training run's). Imported only where torch is wanted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..nn.export import cond_graphs, groove_graphs


class TorchGraphs:
    """``Graphs``' interface (``has``, ``run``, ``config``, ``parts``) over torch modules."""

    def __init__(self, graphs: dict[str, tuple], config: dict[str, Any], device: torch.device | str = "cpu"):
        self.device = torch.device(device)
        self.config = config
        self.parts = tuple(graphs)
        self._modules = {part: (module.to(self.device).eval(), names) for part, (module, _, names, _) in graphs.items()}

    def has(self, part: str) -> bool:
        return part in self._modules

    @torch.no_grad()
    def run(self, part: str, **inputs: np.ndarray) -> list[np.ndarray]:
        module, names = self._modules[part]
        args = [torch.as_tensor(np.ascontiguousarray(inputs[n], dtype=np.int64 if inputs[n].dtype.kind in "iu"
                                                     else np.float32)).to(self.device) for n in names]
        out = module(*args)
        return [o.cpu().numpy() for o in (out if isinstance(out, tuple) else (out,))]


def groove_torch_graphs(model, prior, guesser, config: dict[str, Any], device="cpu") -> TorchGraphs:
    """A loaded pocketvae (``weights.load_model``'s modules) as graphs."""
    return TorchGraphs(groove_graphs(model, prior, guesser), config, device)


def cond_torch_graphs(model, config: dict[str, Any], device="cpu") -> TorchGraphs:
    """A loaded conditional model (``weights.load_cond``'s module, unwrapped) as graphs."""
    return TorchGraphs(cond_graphs(model), config, device)
