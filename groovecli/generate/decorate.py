"""The notes ``humanize --notes add`` plays around a sketch: a conditional model (``nn/cond_vae.py``)
that reads the sketch's template and writes a drummer's whole part over it, step by step, every
note of the sketch kept.

Why a model of its own: ``add`` used to decorate the sketch with the nearest of 16 prior draws
(``steps.nearest_draws``). A prior draw is a groove made without the sketch, so its ghost notes
and hat subdivisions fit the sketch only by luck. This model is trained on exactly the task: the
template of each GMD window (``patterns.derive_template``, what a producer draws) as the
condition, the drummer's notes as the target; at inference the sketch's own notes are written
into the decoder's state as it goes, so each drawn note follows the sketch and the notes before
it. On the GMD test songs it plays the drummers' notes more often than the prior's nearest draw,
and about as many as they do; the realism judges rate both alike, within their own noise
(``experiments/eval_decorate.py``, docs/results.md section 2).
"""

from __future__ import annotations

import numpy as np

from ..constants import STEPS_PER_BAR
from ..grid.drumgrid import from_windows, to_windows
from ..grid.genre_vocab import bar_counts, choose_added, cut_added
from ..grid.patterns import derive_template
from ..runtime.networks import CondNet
from .chains import run_chains
from .steps import normal, uniform

COND_DIM = 9 + STEPS_PER_BAR  # the template's drums, and where in the bar the step is


def condition(template: np.ndarray) -> np.ndarray:
    """(W, 32, 9) templates → (W, 32, 25): the template and a one-hot of the step's 16th in the bar
    (a GRU could count steps, but a sketch of a few notes gives it little to count from)."""
    template = np.asarray(template, np.float32)
    position = np.eye(STEPS_PER_BAR, dtype=np.float32)[np.arange(template.shape[-2]) % STEPS_PER_BAR]
    return np.concatenate([template, np.broadcast_to(position, template.shape[:-1] + (STEPS_PER_BAR,))], axis=-1)


def decorate_windows(cond_model: CondNet, sketch: np.ndarray, template: np.ndarray, genre: np.ndarray,
                     rng: np.random.Generator, temperature: float, allowed: np.ndarray | None = None,
                     fresh: frozenset[int] = frozenset(), songs: bool = False,
                     chain_windows: int | None = None) -> np.ndarray:
    """Notes (W, 32, 9) for a song's windows (1-bar hop, ``grid.Runs.cut``), one z for the song.

    Each window's first bar is the bar the window before it drew, except where a chain starts
    (``chains.py``: window 0, the windows in ``fresh``, which open a run after silence, and every
    ``chain_windows`` windows, by default ``chains.CHAIN_WINDOWS``), so bars follow the ones
    before them, as a drummer's do. ``songs``: the windows are unrelated sketches, each with a z
    of its own and nothing to follow (chains of one window, drawn in one call).
    """
    z = normal(rng, len(sketch) if songs else 1, cond_model.config.z_dim) * np.float32(temperature)
    z = np.broadcast_to(z, (len(sketch), z.shape[1]))
    cond = condition(template)
    sketch = np.asarray(sketch, np.float32)
    draw = uniform(rng)

    def step(rows: list[int], previous: list[int] | None, out: list) -> np.ndarray:
        prefix = None if previous is None else np.stack([out[p][STEPS_PER_BAR:] for p in previous])
        return cond_model.generate(cond[rows], genre[rows], z[rows], draw, temperature=temperature,
                                   floor=sketch[rows], prefix=prefix,
                                   floor_allowed=None if allowed is None else allowed[rows])["hits"]

    return run_chains(len(cond), fresh, step, 1 if songs else chain_windows)


DRAWS = 16  # takes whose notes the knobs' probabilities are counted over


def probabilities(cond_model: CondNet, sketch: np.ndarray, template: np.ndarray, genre: np.ndarray,
                  rng: np.random.Generator, temperature: float, allowed: np.ndarray | None = None,
                  draws: int = DRAWS) -> np.ndarray:
    """How often each cell (W, 32, 9) sounds over ``draws`` takes, each its own drummer: what
    ``--density`` and ``--syncopation`` choose among (``knobs.steer``), so that a knob changes how
    many of the decorator's notes are played, not where they come from. One batched call."""
    def rep(x: np.ndarray) -> np.ndarray:
        return np.tile(x, (draws,) + (1,) * (x.ndim - 1))

    hits = decorate_windows(cond_model, rep(sketch), rep(template), rep(genre), rng, temperature,
                            None if allowed is None else rep(allowed), songs=True)
    return hits.reshape(draws, *sketch.shape).mean(0)


# Notes GMD's drummers play per note of the sketch a producer would draw of their bar
# (``patterns.derive_template``), per genre: train beats, bars with notes. Measured by
# experiments/eval_musicianship.py (``--only gmd``: its ``played_per_sketch_note_train``).
PLAYED_PER_SKETCH_NOTE = {
    "afrobeat": 1.313, "afrocuban": 1.523, "country": 1.035, "dance": 1.086, "funk": 1.279, "hiphop": 1.103,
    "jazz": 1.198, "latin": 1.491, "neworleans": 1.145, "pop": 1.159, "punk": 1.206, "reggae": 1.258,
    "rock": 1.247, "soul": 1.323,
}
ANY_GENRE = 1.25  # all of GMD train's beats together


def add_budget(part: np.ndarray, velocity: np.ndarray, genre: str) -> tuple[np.ndarray, int]:
    """Notes ``add`` may add to ``part`` (T, 9; ``velocity`` its velocities): per bar, and over the
    song. The song gains as many as the genre's drummers play around its skeleton (the sketch a
    producer would draw of it, ``patterns.derive_template``), less what it already plays: a
    sketch is its own skeleton and gains what drummers add to it; a part that is played already
    (ghost notes, open hats, a busy kick: notes beyond its skeleton) gains little, and a sparse
    ballad's skeleton asks for few notes, so it stays a ballad. A bar may take up to twice its
    own shortfall (drummers' bars vary around their mean), the song no more than its own."""
    n_bars = len(part) // STEPS_PER_BAR
    skeleton = from_windows(derive_template(to_windows(part), to_windows(velocity)), n_bars)
    per_bar = lambda x: np.asarray(x, np.float32).reshape(n_bars, -1).sum(1)  # noqa: E731
    wanted = PLAYED_PER_SKETCH_NOTE.get(genre, ANY_GENRE) * per_bar(skeleton)
    short = np.maximum(wanted - per_bar(part), 0)
    return np.floor(2 * short + 0.5).astype(np.int64), int(round(max(float((wanted - per_bar(part)).sum()), 0.0)))


def within_budget(part: np.ndarray, velocity: np.ndarray, notes: np.ndarray, genre: str,
                  rng: np.random.Generator, vocabulary: str | None, padding: np.ndarray | None = None) -> np.ndarray:
    """``notes`` (T, 9; ``part`` and what ``add`` drew around it) with the added notes cut to
    ``add_budget``, per bar (``genre_vocab.bar_counts``) and then over the song; which cells they
    take is drawn from ``rng`` among the drummers' of ``vocabulary`` (``genre_vocab.choose_added``:
    the genre, or None for all genres' when ``--genre auto`` is unsure; toms as whole figures, cut
whole; nothing on ``padding``, the (T,) steps past a frame's end). The part's notes all stay."""
    part = np.asarray(part) > 0.5
    out = np.asarray(notes) > 0.5
    bars, whole = add_budget(part.astype(np.float32), velocity, genre)
    drawn = (out & ~part).reshape(len(bars), -1).sum(1)
    sounding = part.reshape(len(bars), -1).any(1)
    out = part | choose_added(part, out, bar_counts(bars, drawn, sounding), vocabulary, rng, blocked=padding)
    return cut_added(part, out, whole, rng).astype(np.float32)
