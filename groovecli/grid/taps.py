"""A one-voice rhythm on the grid: what ``drumify`` conditions on (GrooVAE's tap2drum input).

A performance becomes its taps by collapsing every hit of a step onto one voice: the step is
struck when any drum is, as loud as its loudest hit, and at that hit's offset. Training collapses
GMD's performances; ``drumify`` quantizes the user's rhythm into a one-class grid and collapses it
the same way, so both sides see the same three numbers per step.
"""

from __future__ import annotations

import numpy as np

TAP_FEATURES = 3  # onset, velocity, offset


def collapse(hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """(..., T, drums) ×3 → (..., T, 3): struck (0/1), loudest velocity, that hit's offset."""
    hits = np.asarray(hits, np.float32)
    loud = np.asarray(velocity, np.float32) * hits
    lead = loud.argmax(-1)[..., None]
    struck = hits.max(-1)
    return np.stack([struck, loud.max(-1), np.take_along_axis(np.asarray(offset, np.float32), lead, -1)[..., 0] * struck],
                    axis=-1).astype(np.float32)
