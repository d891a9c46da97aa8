"""Where the weights live and what the bundled manifest says, without importing torch, so the CLI
can check a genre, list genres or find a --weights path before it pays for loading the model."""

from __future__ import annotations

import importlib.resources
import json
from functools import lru_cache
from pathlib import Path

from .errors import WeightsError

MANIFEST = "manifest.json"
DEFAULT_FILE = "pocketvae.pt"  # what a weights folder (or an hf:// repo) holds when no file is named


def bundled_dir() -> Path | None:
    """The folder holding the shipped weights: inside the wheel, else the source checkout's models/."""
    candidates = [Path(str(importlib.resources.files("groovecli"))) / "models", Path(__file__).resolve().parents[1] / "models"]
    return next((c for c in candidates if (c / MANIFEST).exists()), None)


def bundled_entry() -> dict:
    """The manifest entry of the bundled default weights (sha256, genres, guesser...); {} when none."""
    folder = bundled_dir()
    if folder is None:
        return {}
    manifest = json.loads((folder / MANIFEST).read_text())
    return manifest.get("files", {}).get(manifest.get("default", ""), {})


def local_weights(text: str, file: str | None = None) -> Path:
    """The checkpoint a local ``--weights`` names (a file, or a folder holding ``file``, by
    default ``DEFAULT_FILE``).

    Raises:
        WeightsError: when there is none.
    """
    path = Path(text).expanduser()
    if path.is_dir():
        path = path / (file or DEFAULT_FILE)
    if not path.is_file():
        raise WeightsError(f"no weights at {text}; give a .pt file, a folder, or hf://owner/repo")
    return path


KITS_FILE = "genre-kits.json"


def genre_shares(genre: str) -> list[float]:
    """Each drum class's share of all the genre's GMD training hits (``scripts/make_genre_kits.py``);
    [] when groove ships none for it."""
    return _shares().get(genre, [])


@lru_cache(maxsize=1)
def _shares() -> dict[str, list[float]]:
    """The kits file's class shares, read once per process (``sample -n 8`` asks eight times)."""
    folder = bundled_dir()
    if folder is None or not (folder / KITS_FILE).exists():
        return {}
    return json.loads((folder / KITS_FILE).read_text()).get("shares", {})
