"""Grooves that loop: a drummer holds a groove of a bar or two and varies it at phrase ends.

``held`` plays a held two-bar groove, bar by bar, with some of the notes a mode drew for that
bar (``sample``'s prior chain, ``continue``'s chain, ``interpolate``'s later
windows): mostly the held groove, more of the drawn bar at the end of a 4-bar phrase, most at
the end of an 8-bar one. ``land`` puts a crash on the downbeat after each 8-bar phrase, where
the hi-hat was (one hand cannot play both).
"""

from __future__ import annotations

import numpy as np

from ..constants import CLOSED_HIHAT, CRASH, KICK, OPEN_HIHAT, STEPS_PER_BAR

PHRASE_BARS = 8
HALF_PHRASE_BARS = 4
# the chance a cell plays the held groove rather than the drawn bar: inside a phrase, at the end of a 4-bar
# phrase, at the end of an 8-bar one (set so that bar-to-bar overlap matches GMD's drummers':
# experiments/eval_musicianship.py, "loops")
HOLD, VARY, TURN = 0.93, 0.7, 0.4
ANSWER = 0.25  # the chance a cell of the held groove's second bar is its own, not the first's
# continue holds the primer's own bars, and its chain stays near them: it takes more of the chain
CONTINUE_HOLD = (0.8, 0.55, 0.3)
CRASH_VELOCITY = 0.85  # a landing crash when the downbeat holds nothing louder to match


def held_weights(n_bars: int, first_bar: int = 0, hold: tuple[float, float, float] = (HOLD, VARY, TURN)) -> np.ndarray:
    """(n_bars,) the held groove's weight in each bar; ``first_bar``: the song bar (0-based) the
    first one is, so phrases count from the song's start; ``hold``: the weights inside a phrase,
    at a 4-bar and at an 8-bar phrase end."""
    position = (first_bar + np.arange(n_bars)) % PHRASE_BARS
    inside, vary, turn = hold
    return np.where(position == PHRASE_BARS - 1, turn,
                    np.where(position % HALF_PHRASE_BARS == HALF_PHRASE_BARS - 1, vary, inside))


def held(groove: np.ndarray, drawn: np.ndarray, rng: np.random.Generator, first_bar: int = 0,
         answer: float = ANSWER, hold: tuple[float, float, float] = (HOLD, VARY, TURN)) -> np.ndarray:
    """Notes (n_bars * 16, 9): ``groove`` (2 * 16, 9), the held two bars, played in turn, each bar
    taking each of ``drawn``'s (n_bars * 16, 9) differing cells with chance 1 - ``held_weights``:
    the groove, varied by what the mode drew there, most at phrase ends. ``answer``: the chance
    a cell of the groove's second bar is its own rather than the first's (1 for a drummer's own
    two bars); ``hold``: as for ``held_weights``."""
    n_bars = len(drawn) // STEPS_PER_BAR
    groove, drawn = np.asarray(groove) > 0.5, np.asarray(drawn) > 0.5
    first, second = groove[:STEPS_PER_BAR], groove[STEPS_PER_BAR:]
    # the second bar answers the first: a prior's two bars of one window differ more than a
    # drummer's do, so by default it keeps only some of its own cells
    second = np.where(rng.random(first.shape) < answer, second, first)
    loop = np.tile(np.concatenate([first, second]), (n_bars // 2 + 2, 1))
    shift = (first_bar % 2) * STEPS_PER_BAR  # song bar k plays the groove's bar k mod 2
    loop = loop[shift : shift + len(drawn)]
    w = np.repeat(held_weights(n_bars, first_bar, hold), STEPS_PER_BAR)[:, None]
    return np.where(rng.random(drawn.shape) < w, loop, no_dropouts(loop, drawn)).astype(np.float32)


def no_dropouts(loop: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """``drawn`` (T, 9), but where one of its bars plays fewer than half the notes the held groove
    plays there, the groove with ``drawn``'s notes added: a drummer varies a phrase end or fills
    it, and does not fall silent in it (a prior's chain can go quiet for a bar)."""
    bars = lambda x: x.reshape(-1, STEPS_PER_BAR * x.shape[-1]).sum(1)  # noqa: E731
    quiet = np.repeat(bars(drawn) < bars(loop) / 2, STEPS_PER_BAR)[:, None]
    return np.where(quiet, loop | drawn, drawn)


def land(hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray, first_bar: int = 0) -> None:
    """In place: a crash on the first downbeat of every 8-bar phrase after the first (song bars
    counted from ``first_bar``), replacing the hi-hat there, with the kick's timing."""
    for b in range(len(hits) // STEPS_PER_BAR):
        if (first_bar + b) % PHRASE_BARS or first_bar + b == 0:
            continue
        step = b * STEPS_PER_BAR
        loudest = float(velocity[step].max()) if hits[step].any() else 0.0
        hits[step, CRASH], velocity[step, CRASH] = 1.0, max(loudest, CRASH_VELOCITY)
        offset[step, CRASH] = offset[step, KICK] if hits[step, KICK] else 0.0
        hits[step, [CLOSED_HIHAT, OPEN_HIHAT]] = 0.0
        velocity[step, [CLOSED_HIHAT, OPEN_HIHAT]] = offset[step, [CLOSED_HIHAT, OPEN_HIHAT]] = 0.0
