"""Which genre to play in: names as users type them, GMD styles training merged, and ``auto``.

``auto`` (the default of ``humanize`` and ``transfer``) asks the guesser that ships beside the
weights (``grid/genre_guess.py``, numpy; the weights' own network guesser, ``nn/genre_guesser.py``,
when none ships) about the sketch and its tempo. A guess under its "unsure" line is said as
such, and the genre's own feel (its swing and its drummers' push and accents) is not played:
the model still hears its best guess, but nothing genre-specific is laid on top of it.
"""

from __future__ import annotations

import numpy as np

from ..constants import DROPPED_STYLES, GENRE_MERGES, STEPS_PER_BAR, genre_key
from ..errors import GrooveError
from ..grid.drumgrid import DrumGrid, to_windows, window_starts
from ..grid.genre_guess import bundled_guesser, sketch_features
from ..grid.patterns import derive_template
from ..runtime.load import Networks

UNSURE = "unsure of the genre"


def sure(genre_note: str | None) -> bool:
    """False when ``resolve_genre`` said it was unsure: then no genre feel is laid on top."""
    return genre_note is None or UNSURE not in genre_note


def named_genre(nets: Networks, genre: str) -> str:
    key = genre_key(genre)
    if key not in nets.config.genres:
        raise GrooveError(f"unknown genre {genre!r}; the model knows: auto, {', '.join(nets.config.genres)}")
    return key


def resolve_genre(nets: Networks, genre: str, grid: DrumGrid, bpm: float | np.ndarray = 120.0) -> tuple[str, str | None]:
    """The model genre to play ``grid`` in, and a note for the user when it is not the name given.

    ``auto`` asks the guesser (``nn/genre_guesser.py``) over every window of the sketch, with the
    tempo ``bpm`` (one value, or one per bar of ``grid``).

    Raises:
        GrooveError: for a genre the model does not know, or ``auto`` with weights that have no guesser.
    """
    genres = nets.config.genres
    key = genre_key(genre)
    note = None
    if key in GENRE_MERGES and GENRE_MERGES[key] in genres:
        return GENRE_MERGES[key], f"{key} was merged into {GENRE_MERGES[key]} in training; playing {GENRE_MERGES[key]}"
    if key in DROPPED_STYLES:
        key, note = "auto", f"{key} has no training data of its own (one GMD file); guessing the genre from the sketch"
    if key != "auto":
        return named_genre(nets, genre), None
    guesser = bundled_guesser()
    if guesser is not None and set(guesser.genres) <= set(genres):
        guess = guesser.guess(sketch_features(grid.hits, grid.velocity, bpm))
        # unsure: the model hears the best guess, but no genre swing or push is laid on (feel.play_genre)
        said = (f"guessed {guess.genre} ({guess.confidence:.0%}) from the sketch" if guess.sure else
                f"{UNSURE} (best guess {guess.genre}, {guess.confidence:.0%}): a neutral feel")
        return guess.genre, f"{note}; {said}" if note else said
    if nets.guesser is None:
        raise GrooveError(f"the weights {nets.path.name} cannot guess a genre; name one with --genre ({', '.join(genres)})")
    template = derive_template(to_windows(grid.hits), to_windows(grid.velocity)).astype(np.float32)
    bars = np.broadcast_to(np.asarray(bpm, np.float32), (max(grid.steps // STEPS_PER_BAR, 1),))
    window_bpm = np.ascontiguousarray(bars[window_starts(len(bars))][: len(template)])
    probs = nets.guesser.guess(template, window_bpm)
    best = int(probs.argmax())
    guessed = f"guessed {genres[best]} ({probs[best]:.0%}) from the sketch"
    return genres[best], f"{note}; {guessed}" if note else guessed
