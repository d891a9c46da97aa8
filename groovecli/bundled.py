"""Where the weights live and what the bundled manifest says, without importing torch, so the CLI
can check a genre, list genres, find a --weights path or check the weights' bytes before it pays for
loading the model."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
from functools import lru_cache
from pathlib import Path

from .errors import WeightsError

MANIFEST = "manifest.json"
DEFAULT_FILE = "pocketvae.pt"  # what a weights folder (or an hf:// repo) holds when no file is named


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, bundled: bool, data: bytes | None = None) -> None:
    """Check ``path`` against the sha256 in the ``manifest.json`` beside it, when it is listed there
    (``data``: the file's bytes, when the caller has read them already)."""
    manifest = path.parent / MANIFEST
    if not manifest.exists():
        return
    entry = json.loads(manifest.read_text()).get("files", {}).get(path.name)
    if entry is None:
        return
    digest = sha256(path) if data is None else hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        what = "bundled weights" if bundled else f"weights {path}"
        fix = "reinstall groove" if bundled else f"download them again (manifest {manifest} expects sha256 {entry['sha256'][:12]}…)"
        raise WeightsError(f"{what} are damaged (sha256 does not match the manifest); {fix}")


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


def graph_card(checkpoint: Path) -> Path:
    """The card of the checkpoint's ONNX export (``<stem>.onnx.json``, beside its graphs)."""
    return checkpoint.with_name(f"{checkpoint.stem}.onnx.json")


def available(checkpoint: Path) -> bool:
    """Whether the checkpoint is there, or its ONNX export is (an install that ships the graphs
    alone: torch rebuilds the modules from them, ``weights.read_weights``)."""
    return checkpoint.is_file() or graph_card(checkpoint).is_file()


def local_weights(text: str, file: str | None = None) -> Path:
    """The checkpoint a local ``--weights`` names (a file, or a folder holding ``file``, by
    default ``DEFAULT_FILE``): its path even where only its ONNX export is there.

    Raises:
        WeightsError: when there is neither.
    """
    path = Path(text).expanduser()
    if path.is_dir():
        path = path / (file or DEFAULT_FILE)
    if not available(path):
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
