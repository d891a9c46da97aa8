"""Where the shipped weights live and what their manifest says, without importing torch, so the
CLI can check a genre or list genres before it pays for loading the model."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

MANIFEST = "manifest.json"


def bundled_dir() -> Path | None:
    """The folder holding the shipped weights: inside the wheel, else the source checkout's models/."""
    candidates = [Path(str(importlib.resources.files("groovecli"))) / "models", Path(__file__).resolve().parents[1] / "models"]
    return next((c for c in candidates if (c / MANIFEST).exists()), None)


def bundled_genres() -> tuple[str, ...] | None:
    """The genres of the bundled default weights, as their manifest lists them (None: not listed)."""
    folder = bundled_dir()
    if folder is None:
        return None
    manifest = json.loads((folder / MANIFEST).read_text())
    genres = manifest.get("files", {}).get(manifest.get("default", ""), {}).get("genres")
    return tuple(genres) if genres else None


def bundled_has_guesser() -> bool:
    folder = bundled_dir()
    if folder is None:
        return False
    manifest = json.loads((folder / MANIFEST).read_text())
    return bool(manifest.get("files", {}).get(manifest.get("default", ""), {}).get("guesser"))
