"""groove: turn a stiff drum MIDI sketch into a performance that sounds played (PocketVAE).

The modes and ``load_model`` are imported on first use, so ``import groovecli`` (and
``groove --help``) loads neither numpy nor a runtime. ``load_model`` is ``runtime.load.load_networks``:
the networks on onnxruntime (torch for ``device="cuda"`` or weights without ONNX graphs).
"""

from __future__ import annotations

from importlib import import_module

from .version import __version__

# public name -> the module that defines it
_LAZY = {
    "humanize": "generate.humanize",
    "HumanizeOptions": "generate.humanize",
    "Take": "generate.take",
    "transfer": "generate.transfer",
    "sample": "generate.sample",
    "continue_song": "generate.continue_",
    "interpolate": "generate.interpolate",
    "drumify": "generate.drumify",
    "fill": "generate.fill",
    "load_model": "runtime.load:load_networks",
    "load_networks": "runtime.load",
    "load_cond_networks": "runtime.load",
    "analyze": "grid.features",  # numpy only: no torch
}
__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        module, _, attribute = _LAZY[name].partition(":")
        return getattr(import_module(f".{module}", __name__), attribute or name)
    raise AttributeError(f"module 'groovecli' has no attribute {name!r}")
