"""Networks on a GPU that the generation steps can call with CPU tensors.

groove's generation steps (``steps.py``, ``decorate.py``, each mode) build their inputs with numpy
and torch on the CPU and read the networks' outputs back with numpy. Rather than thread a device
through every one of them, ``load_model(..., device="cuda")`` hands them its networks wrapped in
``OnDevice``: a call moves its tensor arguments to the device and its tensor results back to the
CPU; submodules (``model.note.quantizer``) come wrapped too, other attributes (``model.cfg``) as
they are. Random numbers are drawn on the CPU from the caller's generator, as on a CPU run (the
networks already move them to their own device), so a seed means the same draws on either.
On the CPU nothing is wrapped.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def _to(value: Any, device: torch.device) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, (list, tuple)):
        return type(value)(_to(v, device) for v in value)
    if isinstance(value, dict):
        return {k: _to(v, device) for k, v in value.items()}
    return value


class OnDevice:
    """``target`` (a module on ``device``) taking and returning CPU tensors."""

    def __init__(self, target: nn.Module, device: torch.device):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_device", torch.device(device))

    def _call(self, fn):
        def call(*args, **kwargs):
            out = fn(*_to(args, self._device), **_to(kwargs, self._device))
            return _to(out, torch.device("cpu"))
        return call

    def __call__(self, *args, **kwargs):
        return self._call(self._target)(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if isinstance(attr, nn.Module):
            return OnDevice(attr, self._device)
        if callable(attr) and not isinstance(attr, type):
            return self._call(attr)
        return attr


def on_device(module: nn.Module | None, device: torch.device | str) -> Any:
    """``module`` as the generation steps should see it: itself on the CPU, wrapped elsewhere."""
    if module is None or torch.device(device).type == "cpu":
        return module
    return OnDevice(module, torch.device(device))
