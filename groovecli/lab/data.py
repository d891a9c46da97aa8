"""The Groove MIDI Dataset as training arrays: 2-bar windows, templates, patterns, genres, splits.

The dataset folder is always an argument (users keep their own copy; GMD v1.0.0, CC BY 4.0,
Gillick et al. 2019). Only 4/4 files are used. Windows are cut on the quantized grid, not on
raw time, so a downbeat played early stays in the window that owns it (a cut on raw time, as
TFDS makes it, loses those hits). A window is kept when its second bar has at least one hit, GrooVAE's
"usable" rule, which drops empty tails and 1-bar fills.

Genres come from the top-level style name (``funk/groove1`` → funk). Styles with too little data
are merged into a neighbour or dropped (``GENRE_MERGES``, ``DROPPED_STYLES``); every genre in
``GENRES`` has training windows.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar

import numpy as np

from ..constants import DROPPED_STYLES, GENRE_MERGES, N_DRUMS, STEPS_PER_BAR, WINDOW_STEPS
from ..errors import GrooveError
from ..grid.drumgrid import bar_bpm, quantize, to_windows
from ..grid.patterns import derive_template, timing_pattern, velocity_pattern
from ..midi.drummap import GMD
from ..midi.read import read_midi

T = TypeVar("T")
BUILD_VERSION = 2  # bump when the arrays change meaning, so stale caches are rebuilt
GENRES: tuple[str, ...] = (
    "rock",
    "funk",
    "jazz",
    "latin",
    "hiphop",
    "soul",
    "pop",
    "punk",
    "reggae",
    "country",
    "neworleans",
    "afrocuban",
    "afrobeat",
    "dance",
)
# Too few windows to learn on their own; merged with the closest style in feel.
SPLITS: tuple[str, ...] = ("train", "validation", "test")


def genre_of(style: str) -> str | None:
    """The groove genre of a GMD style such as ``funk/groove1``; None for dropped styles."""
    top = style.split("/")[0].strip().lower()
    top = GENRE_MERGES.get(top, top)
    if top in DROPPED_STYLES or top not in GENRES:
        return None
    return top


@dataclass(frozen=True)
class GrooveDataset:
    """All windows, aligned on the first axis (N).

    Attributes:
        template, hits, velocity, offset: (N, 32, 9) float32.
        velocity_pattern, timing_pattern: (N, 32) int8 (see ``patterns``).
        genre: (N,) int64 index into ``GENRES``.
        split: (N,) int64 index into ``SPLITS``.
        file_index: (N,) int64 index into ``files``; bar: (N,) int64 first bar of the window.
        bpm: (N,) float32 tempo where the window starts, from the file's own tempo map.
        files: the MIDI paths, relative to the dataset folder.
    """

    template: np.ndarray
    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    velocity_pattern: np.ndarray
    timing_pattern: np.ndarray
    genre: np.ndarray
    split: np.ndarray
    file_index: np.ndarray
    bar: np.ndarray
    bpm: np.ndarray
    files: np.ndarray

    def __len__(self) -> int:
        return len(self.hits)

    def select(self, mask: np.ndarray) -> GrooveDataset:
        """The windows where ``mask`` is True (``files`` is kept whole)."""
        return GrooveDataset(**{f.name: getattr(self, f.name) if f.name == "files" else getattr(self, f.name)[mask]
                                for f in fields(self)})

    def of_split(self, split: str) -> GrooveDataset:
        """The windows of one split (train, validation or test)."""
        if split not in SPLITS:
            raise GrooveError(f"unknown split {split!r}; use one of: {', '.join(SPLITS)}")
        return self.select(self.split == SPLITS.index(split))

    def counts(self) -> dict[str, dict[str, int]]:
        """Windows per genre and split."""
        table = np.zeros((len(GENRES), len(SPLITS)), np.int64)
        np.add.at(table, (self.genre, self.split), 1)
        return {g: {s: int(table[i, j]) for j, s in enumerate(SPLITS)} for i, g in enumerate(GENRES)}


def _file_windows(path: Path) -> dict[str, np.ndarray] | None:
    """Windows of one file, or None if it yields none."""
    perf = read_midi(path, drum_map=GMD)
    grid = quantize(perf)
    hits, velocity, offset = (to_windows(a) for a in (grid.hits, grid.velocity, grid.offset))
    keep = hits[:, STEPS_PER_BAR:].sum(axis=(1, 2)) > 0
    if not keep.any():
        return None
    hits, velocity, offset = hits[keep], velocity[keep], offset[keep]
    return {
        "template": derive_template(hits, velocity),
        "hits": hits,
        "velocity": velocity,
        "offset": offset,
        "velocity_pattern": velocity_pattern(hits, velocity),
        "timing_pattern": timing_pattern(hits, offset),
        "bar": np.nonzero(keep)[0],
        "bpm": bar_bpm(perf, grid)[np.nonzero(keep)[0]].astype(np.float32),
    }


def read_index(root: Path) -> list[dict[str, str]]:
    """The rows of ``info.csv`` for 4/4 files whose style maps to a genre.

    Raises:
        GrooveError: when ``root`` has no readable ``info.csv``.
    """
    index = Path(root) / "info.csv"
    try:
        with index.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError:
        raise GrooveError(f"{root} has no info.csv; point --data at the Groove MIDI Dataset folder") from None
    needed = {"style", "time_signature", "midi_filename", "split"}
    if rows and not needed <= set(rows[0]):
        raise GrooveError(f"{index} lacks the columns {', '.join(sorted(needed - set(rows[0])))}")
    return [r for r in rows if r["time_signature"] == "4-4" and genre_of(r["style"]) and r["split"] in SPLITS]


def read_files(read: Callable[[Path], T], paths: list[Path], workers: int | None = None) -> list[T]:
    """``read(path)`` for every path, in worker processes when there are cores for them."""
    workers = workers or min(os.cpu_count() or 1, 8)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            return list(pool.map(read, paths, chunksize=8))
    return [read(p) for p in paths]


def build_dataset(root: str | Path, *, workers: int | None = None) -> GrooveDataset:
    """Read every 4/4 file of GMD into windows (about a minute on 2 cores)."""
    root = Path(root)
    rows = read_index(root)
    if not rows:
        raise GrooveError(f"{root}/info.csv lists no 4/4 file of a known genre")
    per_file = read_files(_file_windows, [root / r["midi_filename"] for r in rows], workers)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("template", "hits", "velocity", "offset",
                                                          "velocity_pattern", "timing_pattern", "bar", "bpm",
                                                          "genre", "split", "file_index")}
    for i, (row, found) in enumerate(zip(rows, per_file)):
        if found is None:
            continue
        n = len(found["hits"])
        for key, value in found.items():
            parts[key].append(value)
        parts["genre"].append(np.full(n, GENRES.index(genre_of(row["style"]))))
        parts["split"].append(np.full(n, SPLITS.index(row["split"])))
        parts["file_index"].append(np.full(n, i))
    arrays = {k: np.concatenate(v) for k, v in parts.items()}
    for k in ("genre", "split", "file_index", "bar"):
        arrays[k] = arrays[k].astype(np.int64)
    return GrooveDataset(files=np.asarray([r["midi_filename"] for r in rows]), **arrays)


def default_cache_dir() -> Path:
    """``$GROOVE_CACHE``, else ``$XDG_CACHE_HOME/groove``, else ``~/.cache/groove``."""
    if os.environ.get("GROOVE_CACHE"):
        return Path(os.environ["GROOVE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "groove"


def load_dataset(root: str | Path, *, cache_dir: str | Path | None = None, rebuild: bool = False) -> GrooveDataset:
    """The dataset from its .npz cache, built first when missing or stale.

    The cache key is the sha256 of ``info.csv`` and ``BUILD_VERSION``, so an edited index or a
    new builder rebuilds it.
    """
    root = Path(root)
    try:
        digest = hashlib.sha256((root / "info.csv").read_bytes() + str(BUILD_VERSION).encode()).hexdigest()[:16]
    except OSError:
        raise GrooveError(f"{root} has no info.csv; point --data at the Groove MIDI Dataset folder") from None
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    path = cache / f"gmd-windows-{digest}.npz"
    if path.exists() and not rebuild:
        with np.load(path, allow_pickle=False) as npz:
            return GrooveDataset(**{f.name: npz[f.name] for f in fields(GrooveDataset)})
    dataset = build_dataset(root)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **{f.name: getattr(dataset, f.name) for f in fields(dataset)})
    os.replace(tmp, path)
    return dataset


def check_shapes(dataset: GrooveDataset) -> None:
    """Raise ValueError unless every array has the documented shape."""
    n = len(dataset)
    for name in ("template", "hits", "velocity", "offset"):
        if getattr(dataset, name).shape != (n, WINDOW_STEPS, N_DRUMS):
            raise ValueError(f"{name} has shape {getattr(dataset, name).shape}")
    for name in ("velocity_pattern", "timing_pattern"):
        if getattr(dataset, name).shape != (n, WINDOW_STEPS):
            raise ValueError(f"{name} has shape {getattr(dataset, name).shape}")
