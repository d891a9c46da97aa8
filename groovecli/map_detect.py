"""``--drum-map auto``: which built-in drum map explains a file's drum pitches best.

Most drum libraries keep General MIDI's kick and snare pitches and differ in the hi-hats,
cymbals and toms, so "covers the most notes" cannot decide: Addictive Drums puts a sidestick on
GM's closed hi-hat pitch, SSD puts a crash on GM's pedal hi-hat. Each map is scored instead by
how likely the drum part it reads would be for a drummer: the mean log share, per note, of the
class the map gives it, against how often the Groove MIDI Dataset's drummers play each class
(a part read as all crashes and sidesticks is unlikely, one read as hats, kicks and snares is
likely). A note the map does not know scores as a very rare class; one it knows and passes
through (a cowbell, a shaker) does not count either way.

Class shares alone confuse classes drummers play about as often (Addictive Drums' sidestick on
GM's closed hi-hat pitch reads a hi-hat groove as a sidestick groove at the same odds), so three
roles a drum part almost always has are scored too: the pitch played most keeps time (a hi-hat
or a ride), the pitch most often on beats 2 and 4 is the backbeat (a snare or clap), the pitch
most often on the downbeat is the kick (or a crash).

GM is the fallback: a library map must beat it by ``MARGIN`` per note (so a GM-compatible file
stays GM, whatever library it was written for). When several library maps beat GM and fit the
file within ``MARGIN`` of each other, or the best map covers under ``POOR_FIT`` of the notes,
the detection carries one warning that names the candidates.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .constants import CLOSED_HIHAT, CRASH, KICK, OPEN_HIHAT, RIDE, SNARE
from .drummap import GM, DrumMap, builtin_maps

# Share of each class (order of constants.DRUMS) among the hits of the Groove MIDI Dataset, as
# quantized by groove (all 20,555 windows of the dataset cache: `groove dataset`, then the
# `hits` array summed over windows and steps), pooled into the groups a layout can confuse:
# hi-hats and ride keep time alike (a ride groove is no less likely than a hi-hat groove), and
# the three toms are one group.
_SHARE = (0.2033, 0.2743, 0.2762, 0.0347, 0.0271, 0.0122, 0.0327, 0.0142, 0.1251)
_GROUPS = ((0,), (1,), (2, 3, 8), (4, 5, 6), (7,))
CLASS_SHARE = tuple(next(sum(_SHARE[c] for c in g) for g in _GROUPS if d in g) for d in range(len(_SHARE)))
UNCOVERED_SHARE = 0.002  # a note no class explains: rarer than the rarest class
# How likely each class is to play a role (the rest share OTHER_ROLE); rough, and deliberately
# not sharp: the roles only need to rule out readings no drummer plays.
ROLES = {
    "time": {CLOSED_HIHAT: 0.45, RIDE: 0.35, OPEN_HIHAT: 0.1},
    "backbeat": {SNARE: 0.6, CLOSED_HIHAT: 0.3},  # a jazz drummer's hi-hat foot on 2 and 4
    "downbeat": {KICK: 0.6, CRASH: 0.15, CLOSED_HIHAT: 0.1},
}
OTHER_ROLE = 0.01
MARGIN = 0.4  # nats per note: GM ride grooves with a hi-hat foot on 2 and 4 read 0.36 better as Addictive Drums
POOR_FIT = 0.9  # share of notes the chosen map must cover before it counts as a good fit


@dataclass(frozen=True)
class Detection:
    """The map chosen for a file, and how sure the choice is."""

    map: DrumMap
    coverage: float  # share of the file's drum notes the chosen map covers
    candidates: tuple[str, ...]  # maps that fit about as well, best first (the chosen one included)
    warning: str | None = None

    @property
    def detected(self) -> bool:
        """True when a library map was recognised, False when the file was left to GM."""
        return self.map is not GM


def _roles(notes: list[tuple[int, int]]) -> dict[str, int]:
    """The pitch playing each role: (pitch, 16th of the bar) pairs in, role → pitch out."""
    roles: dict[str, int] = {}
    by_pitch = Counter(p for p, _ in notes)
    if not by_pitch:
        return roles
    roles["time"] = by_pitch.most_common(1)[0][0]
    for role, steps in (("backbeat", (4, 12)), ("downbeat", (0,))):
        on = Counter(p for p, k in notes if k in steps and p != roles["time"])
        if on:
            roles[role] = on.most_common(1)[0][0]
    return roles


def score(drum_map: DrumMap, notes: list[tuple[int, int]]) -> tuple[float, float]:
    """(score, share of notes the map knows) of a drum part, given as (pitch, 16th) pairs."""
    pitches = Counter(p for p, _ in notes)
    log_share, scored, known = 0.0, 0, 0
    for pitch, count in pitches.items():
        drum = drum_map.class_of(pitch)
        if drum is None and pitch in drum_map.articulations:
            known += count  # a percussion sound the library has: says nothing about the kit
            continue
        log_share += count * math.log(CLASS_SHARE[drum] if drum is not None else UNCOVERED_SHARE)
        scored += count
        known += count if drum is not None else 0
    total = len(notes)
    roles = _roles(notes)
    role_score = sum(math.log(ROLES[role].get(drum_map.class_of(pitch), OTHER_ROLE)) for role, pitch in roles.items())
    value = (log_share / scored if scored else 0.0) + role_score / max(len(roles), 1)
    return value, (known / total if total else 0.0)


def detect(notes: Iterable[tuple[int, int]], where: str = "the drum part") -> Detection:
    """Choose a built-in map for a drum part given as (pitch, 16th of the bar) pairs."""
    notes = list(notes)
    maps = builtin_maps()
    scored = sorted(((score(m, notes), name) for name, m in maps.items()), key=lambda s: (-s[0][0], s[1]))
    (best, best_cover), best_name = scored[0]
    gm_score, gm_cover = score(GM, notes)
    if gm_score >= best - MARGIN:
        chosen, cover, close = GM, gm_cover, [GM.name]
    else:
        close = [name for (s, _), name in scored if s >= best - MARGIN and s > gm_score + MARGIN]
        chosen, cover = maps[best_name], best_cover
    warning = None
    if len(close) > 1:
        warning = (f"{where} fits the drum maps {', '.join(close[:4])} about equally; using {chosen.name} "
                   f"(choose with --drum-map)")
    elif notes and cover < POOR_FIT:
        others = [name for _, name in scored if name != chosen.name][:3]
        warning = (f"only {cover:.0%} of the notes of {where} are on pitches the {chosen.name} drum map knows, "
                   f"and no built-in map fits better; the rest pass through untouched "
                   f"(closest maps: {', '.join(others)}; give yours with --drum-map FILE.toml)")
    return Detection(chosen, cover, tuple(close), warning)
