"""MIDI file ⇄ Performance: the tolerant reader (repairs in ``smf.py``), the writer that keeps every
event, drum maps and their detection. numpy and mido only."""

from .drummap import DrumMap, builtin_maps
from .performance import Performance
from .read import read_midi
from .write import midi_bytes, write_midi

__all__ = ["DrumMap", "Performance", "builtin_maps", "midi_bytes", "read_midi", "write_midi"]
