"""Where a command's files go: one rule for every command, and a run that fails leaves none.

The rule (``docs/robustness.md``, "Output names"): without ``-o``, a command writes its own name
beside the input (``IN.groove.mid``, ``IN.transfer.mid``, ``IN.continued.mid``...). ``-o`` names a
folder when the folder exists or the name ends in ``/``: the files go inside it under the
command's own name. Any other ``-o`` is a file name, ``.mid`` added when it has no MIDI suffix.
Several takes (``--variations``, ``-n``, interpolation steps) are ``NAME.1.mid``, ``NAME.2.mid``...
for a file name and ``NAME-1.mid``, ``NAME-2.mid``... inside a folder. A preview is its take's
name with ``.preview.wav`` for ``.mid``, so every take has its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import GrooveError

MIDI_SUFFIXES = (".mid", ".midi")


def names_folder(out: str | None) -> bool:
    """Whether ``-o out`` names a folder: one that exists, or a name ending in a separator."""
    return out is not None and (out.endswith(("/", "\\")) or Path(out).is_dir())


def with_suffix(path: Path, suffixes: tuple[str, ...] = MIDI_SUFFIXES) -> Path:
    """``path``, with the first of ``suffixes`` added when it ends in none of them."""
    return path if path.suffix.lower() in suffixes else path.with_name(path.name + suffixes[0])


def take_paths(default: Path, out: str | None, count: int = 1) -> list[Path]:
    """The files ``count`` takes go to, by the rule above; ``default`` is the command's own name
    for them (a MIDI file name beside the input)."""
    if names_folder(out):
        folder = Path(out)
        if count == 1:
            return [folder / default.name]
        return [folder / f"{default.stem}-{i + 1}{default.suffix}" for i in range(count)]
    base = with_suffix(Path(out)) if out is not None else default
    if count == 1:
        return [base]
    return [base.with_name(f"{base.stem}.{i + 1}{base.suffix}") for i in range(count)]


def check_writable(paths: list[Path], out: str | None) -> None:
    """Every output can be written, checked before any model runs: its folder exists (a folder
    named with ``-o`` may be missing: it is made) or can be made, and may be written to.

    Raises:
        GrooveError: naming the first output that cannot be written, and why.
    """
    made = Path(out) if names_folder(out) else None
    for path in paths:
        folder = path.parent
        if not folder.exists() and folder != made:
            raise GrooveError(f"cannot write {path}: folder {folder} does not exist")
        near = next(p for p in (folder, *folder.parents) if p.exists() or p == Path(p.anchor))
        if not near.is_dir():
            raise GrooveError(f"cannot write {path}: {near} is not a folder")
        if not os.access(near, os.W_OK | os.X_OK):
            raise GrooveError(f"cannot write {path}: folder {near} is not writable")


@contextmanager
def all_or_nothing(paths: list[Path]) -> Iterator[None]:
    """Remove the files of ``paths`` this run made when it fails before the end (a preview that
    cannot be made, a disk that fills): a rerun then starts clean instead of stopping on
    "already exists" after half a run. Files that were there before are not touched."""
    there = {p for p in paths if p.exists()}
    try:
        yield
    except BaseException:
        for p in paths:
            if p not in there:
                p.unlink(missing_ok=True)
        raise


def make_folders(paths: list[Path]) -> None:
    """The folders of ``paths`` that ``-o FOLDER/`` asked for and do not exist yet."""
    for folder in {p.parent for p in paths}:
        folder.mkdir(parents=True, exist_ok=True)


def clear_interrupted(paths: list[Path]) -> int:
    """Remove what an interrupted run left beside ``paths``: the hidden temporary files
    (``.NAME.*.tmp``, ``midi.write.write_atomic``'s) of outputs it was writing when it was
    stopped. A resumed run writes those outputs whole; how many were removed."""
    removed = 0
    for path in paths:
        for tmp in path.parent.glob(f".{path.name}.*.tmp"):
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed
