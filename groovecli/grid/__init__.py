"""Performance ⇄ DrumGrid, numpy only: the 16th-note grid and what is read off it (patterns,
drawn patterns, taps, groove features, the density and syncopation knobs)."""

from .drumgrid import DrumGrid, quantize, render
from .features import analyze

__all__ = ["DrumGrid", "analyze", "quantize", "render"]
