"""The one exception type users can cause, so the CLI can print one line and exit 1."""

from __future__ import annotations


class GrooveError(Exception):
    """Bad input or an impossible request; the message is one line a musician understands."""


class WeightsError(GrooveError):
    """Model weights that cannot be found, verified or loaded."""
