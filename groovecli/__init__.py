"""groove: turn a stiff drum MIDI sketch into a performance that sounds played (PocketVAE)."""

from __future__ import annotations

__version__ = "0.1.0"
