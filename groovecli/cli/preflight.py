"""The cheap checks a command makes before numpy, mido or torch load: a typo in an option, a
missing input or an unknown genre costs the user nothing but a line."""

from __future__ import annotations

from pathlib import Path

from ..errors import GrooveError


def preflight(*, inputs: tuple[tuple[str, str], ...] = (), genre: str | None = None, weights: str | None = None,
              patterns: dict | None = None, density: str | None = None, syncopation: float | None = None,
              notes: str = "add", swing: float | None = None, fills: str | None = None, drum_map: str | None = None,
              soundfont: str | None = None, new_bars: int | None = None,
              steps: tuple[int, int] | None = None) -> None:
    """Every check a command asks for, cheapest first: ``inputs`` as (path, label) pairs must
    exist; drawn ``patterns`` (the command's parameters) parse; the knobs, swing and fills are
    valid (and ``continue``'s new bars, ``interpolate``'s steps and bars per step); the genre is one the weights know; the weights, drum map and SoundFont can be read."""
    if new_bars is not None or steps is not None:
        from ..grid.drawn import check_new_bars, check_steps

        if new_bars is not None:
            check_new_bars(new_bars)
        if steps is not None:
            check_steps(*steps)
    for path, label in inputs:
        must_exist(path, label)
    if patterns is not None:
        check_patterns(patterns)
    check_knobs(density, syncopation, notes)
    check_swing(swing)
    check_fills(fills)
    if genre is not None:
        check_genre(genre, weights)
    check_weights(weights)
    if drum_map is not None:
        from .options import drum_map_of

        drum_map_of(drum_map)  # an unknown map name fails here, before any file is read
    check_soundfont(soundfont)


def must_exist(path: str, label: str = "") -> None:
    """A missing input, said before numpy and mido load (the reader says the same, later)."""
    if not Path(path).exists():
        raise GrooveError(f"{label}{path}: no such file")


def check_genre(genre: str, weights: str | None) -> None:
    """Refuse an unknown genre before torch is imported, from the genres the bundled manifest lists
    (other weights are checked when they load)."""
    from ..bundled import bundled_entry
    from ..constants import DROPPED_STYLES, GENRE_MERGES, genre_key

    known = bundled_entry().get("genres") if weights is None else None
    if known and genre_key(genre) not in (*known, "auto", *DROPPED_STYLES, *GENRE_MERGES):
        raise GrooveError(f"unknown genre {genre!r}; the model knows: auto, {', '.join(known)}")


def check_weights(weights: str | None) -> None:
    """A local --weights path that holds no weights fails before torch is imported."""
    from ..bundled import local_weights

    if weights is not None and not weights.startswith("hf://"):
        local_weights(weights)


def check_patterns(kw: dict) -> None:
    """Parse drawn patterns before any file is read, so a typo fails fast."""
    from ..grid.drawn import parse_pattern

    for kind in ("velocity", "timing"):
        if kw.get(f"{kind}_pattern") is not None:
            parse_pattern(kw[f"{kind}_pattern"], kind)


def check_soundfont(path: str | None) -> None:
    """A missing or non-SoundFont file fails before any model is loaded (its header is all we read)."""
    if path is None:
        return
    p = Path(path)
    try:
        with p.open("rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        raise GrooveError(f"cannot read SoundFont {p}: {exc.strerror or exc}") from None
    if head[:4] != b"RIFF" or head[8:12] != b"sfbk":
        raise GrooveError(f"{p} is not a SoundFont (.sf2/.sf3): no RIFF sfbk header")


def check_fills(fills: str | None) -> None:
    """A bad ``--fills`` fails before numpy or torch is imported."""
    if fills is not None:
        from ..grid.drawn import parse_fills

        parse_fills(fills)


def check_swing(percent: float | None) -> None:
    """A bad ``--swing`` fails before torch is imported."""
    if percent is not None:
        from ..grid.drawn import check_swing as check

        check(percent)


def check_knobs(density: str | None, syncopation: float | None, notes: str = "add") -> None:
    """Knob values checked before torch is imported (numpy only when a knob is given)."""
    if density is not None or syncopation is not None:
        from ..grid.knobs import check_knobs as check

        check(density, syncopation, notes)
