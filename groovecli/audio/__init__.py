"""Audio, a leaf: the drum part rendered through a SoundFont (the bundled kit by default)."""

from .render import render_file

__all__ = ["render_file"]
