"""groove: turn a stiff drum MIDI sketch into a performance that sounds played (PocketVAE).

``groovecli.humanize``, ``transfer``, ``sample``, ``continue_song``, ``interpolate``, ``drumify``,
``fill``, ``analyze``, ``load_model`` and ``HumanizeOptions`` are imported on first use, so ``import groovecli`` (and
``groove --help``) does not load torch.
"""

from __future__ import annotations

__version__ = "0.5.0"

_API = ("humanize", "transfer", "sample", "HumanizeOptions", "Result", "load_model")
_MODES = {"continue_song": "continuation", "interpolate": "interpolation", "drumify": "tap2drum", "fill": "fills"}
__all__ = ["__version__", "analyze", *_API, *_MODES]


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    if name in _MODES:
        from importlib import import_module

        return getattr(import_module(f".{_MODES[name]}", __name__), name)
    if name == "analyze":  # numpy only: no torch
        from .features import analyze

        return analyze
    raise AttributeError(f"module 'groovecli' has no attribute {name!r}")
