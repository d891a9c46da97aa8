"""``--genre auto``: which genre a sketch asks for, from what a producer draws, or "unsure".

A sketch says little about its genre: GMD's templates of different genres look alike (the same
backbeat, an 8th-note hi-hat), and a drummer's genre label is partly the drummer's. So the
guess reads only what a sketch holds, in numbers a musician could check: where the kick and
the snare fall among the 16ths of the bar, whether the time is kept on the ride or the hi-hat,
in 8ths or 16ths, and the tempo. A multinomial logistic regression on those
(``experiments/fit_genre_guess.py``, fitted on GMD's training beats' templates, its temperature
and its "unsure" line chosen on the validation beats) gives each genre a probability; below
the line groove says it is unsure and plays a neutral feel instead of a wrong genre's swing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..bundled import bundled_dir
from ..constants import CLOSED_HIHAT, KICK, RIDE, SNARE, STEPS_PER_BAR
from .drumgrid import to_windows
from .patterns import derive_template

GUESS_FILE = "genre-guess.json"
FEATURES: tuple[str, ...] = (
    tuple(f"kick on {p + 1}" for p in range(STEPS_PER_BAR)) + tuple(f"snare on {p + 1}" for p in range(STEPS_PER_BAR))
    + ("ride keeps time", "16th-note cymbal", "tempo (octaves from 120 bpm)", "tempo squared")
)


def sketch_features(hits: np.ndarray, velocity: np.ndarray, bpm: float | np.ndarray) -> np.ndarray:
    """``FEATURES`` of a song's sketch (T, 9) at its tempo (one value, or one per bar), read off
    the template each of its 2-bar windows derives (what groove's models are given)."""
    template = derive_template(to_windows(hits), to_windows(velocity)).reshape(-1, STEPS_PER_BAR, hits.shape[1])
    bars = template[template.sum((1, 2)) > 0]
    if not len(bars):
        bars = np.zeros((1, STEPS_PER_BAR, hits.shape[1]), np.float32)
    cymbal = bars[:, :, [CLOSED_HIHAT, RIDE]].max(-1)
    ride = float((bars[:, :, RIDE].sum(1) > 0).mean())
    sixteenths = float((cymbal[:, 1::2].sum(1) > 0).mean())
    tempo = float(np.log2(np.clip(np.median(np.asarray(bpm, np.float64)), 20, 400) / 120.0))
    return np.concatenate([bars[:, :, KICK].mean(0), bars[:, :, SNARE].mean(0), [ride, sixteenths, tempo, tempo**2]])


@dataclass(frozen=True)
class GenreGuess:
    """The guess: the most likely genre, its probability, and whether it is over the line."""

    genre: str
    confidence: float
    sure: bool


@dataclass(frozen=True)
class Guesser:
    """Multinomial logistic regression on standardised ``FEATURES``."""

    genres: tuple[str, ...]
    weights: np.ndarray  # (F, G)
    bias: np.ndarray  # (G,)
    mean: np.ndarray  # (F,)
    scale: np.ndarray  # (F,)
    temperature: float  # fitted on validation, so that the probabilities mean what they say
    unsure_below: float  # a guess less likely than this is not trusted

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        logits = ((features - self.mean) / self.scale) @ self.weights + self.bias
        z = logits / self.temperature
        e = np.exp(z - z.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    def guess(self, features: np.ndarray) -> GenreGuess:
        p = self.probabilities(features)
        best = int(p.argmax())
        return GenreGuess(self.genres[best], float(p[best]), bool(p[best] >= self.unsure_below))

    def to_json(self) -> dict:
        return {"genres": list(self.genres), "features": list(FEATURES), "weights": np.round(self.weights, 5).tolist(),
                "bias": np.round(self.bias, 5).tolist(), "mean": np.round(self.mean, 5).tolist(),
                "scale": np.round(self.scale, 5).tolist(), "temperature": round(self.temperature, 4),
                "unsure_below": round(self.unsure_below, 4)}

    @classmethod
    def from_json(cls, d: dict) -> Guesser:
        return cls(tuple(d["genres"]), np.asarray(d["weights"]), np.asarray(d["bias"]), np.asarray(d["mean"]),
                   np.asarray(d["scale"]), float(d["temperature"]), float(d["unsure_below"]))


@lru_cache(maxsize=1)
def bundled_guesser() -> Guesser | None:
    """The shipped guesser (``models/genre-guess.json``); None when this checkout has none."""
    folder = bundled_dir()
    if folder is None or not (folder / GUESS_FILE).exists():
        return None
    return Guesser.from_json(json.loads((folder / GUESS_FILE).read_text()))
