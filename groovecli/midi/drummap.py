"""Drum maps: which MIDI pitch is which of the 9 drum classes, and which pitch a new hit gets.

The built-in maps are data, one TOML file per drum library in ``groovecli/midi/maps/`` (``gm``, ``gmd``
for the Roland kit the Groove MIDI Dataset was recorded on, EZdrummer, Superior Drummer, Addictive
Drums, SSD, GetGood, MT Power Drum Kit, Logic, Ableton, Impact...), each naming its library, version
and source. ``gm`` is the default for users' files: GrooVAE's inference map (note_seq
``DEFAULT_DRUM_TYPE_PITCHES``) restricted to drum-kit pitches (35-59, plus the Roland hi-hat edges 22
and 26): GrooVAE also files hand percussion under kit classes (cowbell as snare, tambourine as
hi-hat, congas as toms), which would make groove move a percussion part as if it were the kit. The
clap (39) stays a snare: producers layer it on the backbeat, and it must move with the snare.

A map file, built-in or the user's (TOML or JSON), names input pitches per class, optionally with
the library's articulation name, and the output pitch per class::

    base = "gm"            # optional: start from a built-in map
    [pitches]              # input pitch = class, or { class, articulation }
    36 = "kick"
    40 = { class = "snare", articulation = "Snare rimshot" }
    54 = { class = "none", articulation = "Tambourine" }   # listed, passed through
    [output]               # class = pitch used for hits the model adds
    snare = 38

Pitches a map does not cover, or gives class "none", are not drums to groove: they pass through
untouched.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..constants import DRUMS, N_DRUMS
from ..errors import GrooveError

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
    articulations: Mapping[int, str] = field(default_factory=dict)  # pitch → name, pass-throughs included
    library: str = ""
    version: str = ""
    source: str = ""
    aliases: tuple[str, ...] = ()

    def class_of(self, pitch: int) -> int | None:
        """The class of ``pitch``, or None when the map does not cover it."""
        return self.classes.get(pitch)


def _maps_folder():
    return resources.files("groovecli.midi").joinpath("maps")


@cache
def _builtin(name: str) -> DrumMap:
    """One built-in map, read on first use (most runs need only the map a file is read with)."""
    return map_from_dict(_toml_loads(_maps_folder().joinpath(f"{name}.toml").read_text(encoding="utf-8")), name)


def builtin_maps() -> dict[str, DrumMap]:
    """Every map in ``groovecli/midi/maps/``, by name (the file name is the map's name)."""
    names = sorted(e.name[: -len(".toml")] for e in _maps_folder().iterdir() if e.name.endswith(".toml"))
    return {name: _builtin(name) for name in names}


def builtin_map(name: str) -> DrumMap | None:
    """A built-in map by name or alias (case-insensitive), or None."""
    key = name.strip().lower()
    if key.replace("-", "").isalnum() and _maps_folder().joinpath(f"{key}.toml").is_file():
        return _builtin(key)
    return next((m for m in builtin_maps().values() if key in m.aliases), None)


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


_INFO_KEYS = ("name", "library", "version", "source", "aliases")


def map_from_dict(data: Mapping[str, Any], name: str) -> DrumMap:
    """Build a DrumMap from the parsed contents of a map file (see the module docstring).

    Raises:
        GrooveError: for an unknown base map, class name, or a pitch outside 0-127.
    """
    unknown = set(data) - {"base", "pitches", "output", *_INFO_KEYS}
    if unknown:
        raise GrooveError(f"drum map {name}: unknown section(s) {', '.join(sorted(unknown))}; use base, pitches, output")
    base_name = data.get("base")
    base = builtin_map(str(base_name)) if base_name is not None else None
    if base_name is not None and base is None:
        raise GrooveError(f"drum map {name}: unknown base {base_name!r}; use one of: {', '.join(builtin_maps())}")
    classes = dict(base.classes) if base else {}
    names = dict(base.articulations) if base else {}
    output = list(base.output) if base else [None] * N_DRUMS
    pitches = data.get("pitches", {})
    if not isinstance(pitches, Mapping):
        raise GrooveError(f"drum map {name}: 'pitches' must map pitch numbers to class names")
    for key, value in pitches.items():
        pitch = _parse_pitch(key, f"drum map {name}")
        cls, articulation = value, None
        if isinstance(value, Mapping):
            cls, articulation = value.get("class"), value.get("articulation")
        if cls in (None, "", "none"):
            classes.pop(pitch, None)  # lets a map based on gm hand a pitch back to pass-through
        else:
            classes[pitch] = class_index(str(cls))
        if articulation:
            names[pitch] = str(articulation)
        elif cls not in (None, "", "none"):
            names[pitch] = DRUMS[classes[pitch]].replace("_", " ")
        else:
            names.pop(pitch, None)
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
    aliases = data.get("aliases", ())
    return DrumMap(name=str(data.get("name", name)), classes=classes, output=tuple(output), articulations=names,
                   library=str(data.get("library", "")), version=str(data.get("version", "")),
                   source=str(data.get("source", "")), aliases=tuple(str(a).lower() for a in aliases))


def load_drum_map(spec: str | Path | None) -> DrumMap:
    """A built-in map by name or alias (``gm``, ``ezdrummer3``, ``ad2``...), a ``.toml`` / ``.json``
    file, or GM for None.

    Raises:
        GrooveError: when the file cannot be read or parsed, holds an invalid map, or names no map.
    """
    if spec is None:
        return GM
    found = builtin_map(str(spec))
    if found is not None:
        return found
    path = Path(spec)
    if not path.suffix and not path.exists():
        raise GrooveError(f"unknown drum map {str(spec)!r}; built-in maps: {', '.join(builtin_maps())} "
                          "(see `groove maps`), or give a .toml/.json map file")
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


def map_as_toml(m: DrumMap) -> str:
    """A map as the TOML a user edits: every pitch with its class and articulation, and the outputs."""
    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string

    lines = [f"name = {q(m.name)}"] + [f"{key} = {q(getattr(m, key))}" for key in ("library", "version", "source")
                                        if getattr(m, key)]
    if m.aliases:
        lines.append(f"aliases = [{', '.join(q(a) for a in m.aliases)}]")
    lines += ["", "[pitches]"]
    for pitch in sorted(set(m.articulations) | set(m.classes)):
        drum = m.class_of(pitch)
        cls = DRUMS[drum] if drum is not None else "none"
        lines.append(f"{pitch} = {{ class = {q(cls)}, articulation = {q(m.articulations.get(pitch, cls))} }}")
    lines += ["", "[output]"] + [f"{DRUMS[c]} = {p}" for c, p in enumerate(m.output)]
    return "\n".join(lines) + "\n"


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    return tomllib.loads(text)


GM = _builtin("gm")
GMD = _builtin("gmd")
