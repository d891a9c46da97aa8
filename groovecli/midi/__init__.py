"""MIDI file ⇄ Performance: the tolerant reader, the writer that keeps every event, drum maps and
their detection. numpy and mido only."""

from .drummap import DrumMap, builtin_maps
from .performance import Performance, read_midi

__all__ = ["DrumMap", "Performance", "builtin_maps", "read_midi"]
