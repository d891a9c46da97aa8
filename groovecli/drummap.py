"""Drum maps: which MIDI pitch is which of the 9 drum classes, and which pitch a new hit gets.

Two maps are built in, both GrooVAE's (magenta ``music_vae/data.py``):

* ``gm``: General MIDI, the default for users' files. It is GrooVAE's inference map (note_seq
  ``DEFAULT_DRUM_TYPE_PITCHES``) restricted to drum-kit pitches (35-59, plus the Roland hi-hat
  edges 22 and 26): GrooVAE also files hand percussion under kit classes (cowbell and claves as
  snare, tambourine and shaker as hi-hat, congas as toms), which would make groove move a
  percussion part as if it were the kit. Here those pass through untouched. The clap (39)
  stays a snare: producers layer it on the backbeat, and it must move with the snare.
* ``gmd``: the Roland TD-11 map the Groove MIDI Dataset was recorded with (GrooVAE's ``ROLAND``
  map). The dataset builder uses it. It differs from ``gm`` on toms (the TD-11's tom 2 is a
  mid tom) and on 58 (a tom rim on the TD-11, a vibraslap in GM).

A user map (TOML or JSON) names input pitches per class and, optionally, the output pitch::

    base = "gm"            # optional: start from a built-in map
    [pitches]              # input pitch = class
    36 = "kick"
    40 = "snare"
    [output]               # class = pitch used for hits the model adds
    snare = 38

Pitches a map does not cover (cowbell, tambourine, ...) are not drums to groove: they pass
through untouched.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .constants import DRUMS, N_DRUMS
from .errors import GrooveError

_GM_CLASSES: tuple[tuple[int, ...], ...] = (
    (36, 35),
    (38, 37, 39, 40),
    (42, 44, 22),
    (46, 26),
    (45, 41, 43),
    (48, 47),
    (50,),
    (49, 52, 55, 57),
    (51, 53, 59),
)
_GMD_CLASSES: tuple[tuple[int, ...], ...] = (
    (36,),
    (38, 37, 40),
    (42, 22, 44),
    (46, 26),
    (43, 58),
    (47, 45),
    (50, 48),
    (49, 52, 55, 57),
    (51, 53, 59),
)

_CLASS_ALIASES = {
    "bd": "kick",
    "bass_drum": "kick",
    "sd": "snare",
    "hh": "closed_hihat",
    "hihat": "closed_hihat",
    "closed_hh": "closed_hihat",
    "hihat_closed": "closed_hihat",
    "open_hh": "open_hihat",
    "hihat_open": "open_hihat",
    "floor_tom": "low_tom",
    "tom_low": "low_tom",
    "tom_mid": "mid_tom",
    "tom_high": "high_tom",
    "cymbal": "crash",
}


@dataclass(frozen=True)
class DrumMap:
    """Pitch → drum class for reading, class → pitch for hits the model adds.

    Attributes:
        name: shown in messages.
        classes: for each input pitch, its class index (0..8, order of ``constants.DRUMS``).
        output: for each class, the pitch used for new hits when the file has no pitch of its own.
    """

    name: str
    classes: Mapping[int, int]
    output: tuple[int, ...]

    def class_of(self, pitch: int) -> int | None:
        """The class of ``pitch``, or None when the map does not cover it."""
        return self.classes.get(pitch)


def _from_groups(name: str, groups: tuple[tuple[int, ...], ...]) -> DrumMap:
    classes = {p: c for c, pitches in enumerate(groups) for p in pitches}
    return DrumMap(name=name, classes=classes, output=tuple(g[0] for g in groups))


BUILTIN_MAPS: dict[str, DrumMap] = {
    "gm": _from_groups("gm", _GM_CLASSES),
    "gmd": _from_groups("gmd", _GMD_CLASSES),
}
GM = BUILTIN_MAPS["gm"]
GMD = BUILTIN_MAPS["gmd"]


def class_index(name: str) -> int:
    """Index of a drum class given by name (``kick``, ``closed-hihat``, ``hh``...).

    Raises:
        GrooveError: for an unknown name, listing the valid ones.
    """
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = _CLASS_ALIASES.get(key, key)
    if key not in DRUMS:
        raise GrooveError(f"unknown drum class {name!r}; use one of: {', '.join(DRUMS)}")
    return DRUMS.index(key)


def _parse_pitch(value: Any, where: str) -> int:
    try:
        pitch = int(str(value).strip())
    except ValueError:
        raise GrooveError(f"{where}: {value!r} is not a MIDI pitch (0-127)") from None
    if not 0 <= pitch <= 127:
        raise GrooveError(f"{where}: pitch {pitch} is outside 0-127")
    return pitch


def map_from_dict(data: Mapping[str, Any], name: str) -> DrumMap:
    """Build a DrumMap from the parsed contents of a map file (see the module docstring).

    Raises:
        GrooveError: for an unknown base map, class name, or a pitch outside 0-127.
    """
    unknown = set(data) - {"base", "name", "pitches", "output"}
    if unknown:
        raise GrooveError(f"drum map {name}: unknown section(s) {', '.join(sorted(unknown))}; use base, pitches, output")
    base_name = data.get("base")
    if base_name is not None and base_name not in BUILTIN_MAPS:
        raise GrooveError(f"drum map {name}: unknown base {base_name!r}; use one of: {', '.join(BUILTIN_MAPS)}")
    base = BUILTIN_MAPS[base_name] if base_name else None
    classes = dict(base.classes) if base else {}
    output = list(base.output) if base else [None] * N_DRUMS
    pitches = data.get("pitches", {})
    if not isinstance(pitches, Mapping):
        raise GrooveError(f"drum map {name}: 'pitches' must map pitch numbers to class names")
    for key, cls in pitches.items():
        pitch = _parse_pitch(key, f"drum map {name}")
        if cls in (None, "", "none"):
            classes.pop(pitch, None)  # lets a map based on gm hand a pitch back to pass-through
        else:
            classes[pitch] = class_index(str(cls))
    outputs = data.get("output", {})
    if not isinstance(outputs, Mapping):
        raise GrooveError(f"drum map {name}: 'output' must map class names to pitches")
    for cls, pitch in outputs.items():
        output[class_index(cls)] = _parse_pitch(pitch, f"drum map {name}")
    if not classes:
        raise GrooveError(f"drum map {name} maps no pitch to a drum class")
    for c in range(N_DRUMS):
        if output[c] is None:
            # No output pitch given: the lowest input pitch of that class, else the GM default.
            own = sorted(p for p, k in classes.items() if k == c)
            output[c] = own[0] if own else GM.output[c]
    return DrumMap(name=str(data.get("name", name)), classes=classes, output=tuple(output))


def load_drum_map(spec: str | Path | None) -> DrumMap:
    """A built-in map by name (``gm``, ``gmd``), a ``.toml`` / ``.json`` file, or GM for None.

    Raises:
        GrooveError: when the file cannot be read or parsed, or holds an invalid map.
    """
    if spec is None:
        return GM
    if str(spec) in BUILTIN_MAPS:
        return BUILTIN_MAPS[str(spec)]
    path = Path(spec)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GrooveError(f"cannot read drum map {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = _toml_loads(text)
    except ValueError as exc:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        raise GrooveError(f"drum map {path} is not valid {path.suffix.lstrip('.').upper() or 'TOML'}: {exc}") from None
    if not isinstance(data, Mapping):
        raise GrooveError(f"drum map {path} must hold a table with 'pitches' (and optionally 'output', 'base')")
    return map_from_dict(data, path.name)


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    return tomllib.loads(text)
