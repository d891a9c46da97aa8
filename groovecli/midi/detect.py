"""``--drum-map auto``: which built-in drum map explains a file's drum pitches best.

Most drum libraries keep General MIDI's kick and snare pitches and differ in the hi-hats,
cymbals and toms, and GM is what most MIDI files are written in. So a library map has to earn
its place against GM, from the notes the two read *differently* (as different kinds of drum):
on those notes, where in the bar each falls is more likely under one reading than the other.
Drummers put each kind of drum in its own places (``POSITION``, measured on the Groove MIDI
Dataset): kicks on the downbeats, snares on 2 and 4, time-keeping cymbals on the 8ths, crashes on
the one, toms towards the end of a bar. A GM tom playing every 8th note is better read as a
library's hi-hat; a GM ride on the beats stays a ride.

Only where notes fall counts, never how common a drum is: a likelihood with class shares in it
prefers any reading that turns rare drums (toms, crashes) into common ones, and read a large
share of GMD's own files as Addictive Drums (hats for toms, a snare for a floor tom). Two more pieces of
evidence: a pitch one map knows and the other cannot place at all (``UNKNOWN``, per note), and a
part in which the library hears a time-keeping line of hi-hat or ride and GM hears (next to)
none (``NO_TIME_KEEPER``; a line: most 8ths of the bar, not a fill's toms).

A library map is chosen when its evidence per note of the part reaches ``MARGIN``, from at least
``MIN_NOTES`` notes read differently; GM otherwise (GM-compatible layouts, EZdrummer's or Logic's,
read every pitch as GM does, up to the order of the toms, and are never needed). How often GMD's
own GM files are read as a library map, and whether every layout file of the tests is found, is
measured by ``python experiments/eval_map_detection.py`` (docs/results.md). When another map's
evidence is within ``CLOSE`` of the best, or the chosen map covers under ``POOR_FIT`` of the
notes, the detection carries one warning that names the candidates.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .drummap import GM, DrumMap, builtin_maps

# Where each kind of drum falls in a 4/4 bar: the share of its hits at each 16th, from the first
# bar of every window of the Groove MIDI Dataset cache (`groove dataset`, all 20,555 windows:
# hits[:, :16] summed over windows). Kinds a layout can confuse pool: hi-hats and ride keep time
# alike, the three toms are one.
_KINDS = ((0,), (1,), (2, 3, 8), (4, 5, 6), (7,))  # kick, snare, time-keepers, toms, crash
_POSITION = (
    (0.190, 0.015, 0.045, 0.071, 0.077, 0.021, 0.060, 0.049, 0.126, 0.031, 0.068, 0.050, 0.076, 0.028, 0.054, 0.038),
    (0.040, 0.052, 0.049, 0.049, 0.117, 0.051, 0.053, 0.068, 0.053, 0.068, 0.058, 0.055, 0.109, 0.053, 0.060, 0.066),
    (0.105, 0.024, 0.087, 0.032, 0.107, 0.027, 0.095, 0.035, 0.101, 0.029, 0.089, 0.029, 0.108, 0.023, 0.082, 0.026),
    (0.081, 0.026, 0.056, 0.029, 0.060, 0.030, 0.065, 0.049, 0.083, 0.049, 0.071, 0.049, 0.101, 0.063, 0.117, 0.070),
    (0.362, 0.024, 0.036, 0.020, 0.098, 0.007, 0.058, 0.016, 0.088, 0.012, 0.055, 0.012, 0.079, 0.014, 0.089, 0.028),
)
KIND = {drum: i for i, kinds in enumerate(_KINDS) for drum in kinds}
TIME_KEEPERS = 2  # index of the hi-hat / ride kind
POSITION = tuple(tuple(math.log(p) for p in row) for row in _POSITION)
UNKNOWN = 3.0  # nats per note a map gains for reading a pitch the other cannot place at all
NO_TIME_KEEPER = 1.0  # nats per note when the map hears an 8th-note line of hi-hat or ride and GM does not
MARGIN = 0.4  # nats per note a library map must gain over GM (calibrated on GMD: see the docstring)
MIN_NOTES = 4
CLOSE = 0.1  # maps within this of the best fit "about equally"
POOR_FIT = 0.9  # share of notes the chosen map must cover before it counts as a good fit
# When is the choice unsure (``unsure``)? A part of this many kinds of drum or fewer is thin: where
# the notes fall cannot tell a snare line from a hi-hat line, so any map that reads one of its
# pitches as another kind of drum is a rival. In a busier part, a rival is a library that gains at least
# ``BORDERLINE`` nats per note over GM without reaching ``MARGIN``, or one within ``CLOSE`` of the
# chosen library. Calibrated on GMD validation beats re-keyed into libraries' layouts
# (``experiments/eval_map_unsure.py``).
THIN_KINDS = 2
BORDERLINE = 0.1
CONTESTED_SHARE = 0.02  # a pitch counts when it holds this share of the part's notes
# In a thin part, a rival whose reading puts the contested notes where its drums play less, by
# this many nats per note, is no rival; nor is one that reads fewer of the notes as drums.
THIN_CLOSE = 0.6
KIND_NAMES = ("kick", "snare", "hi-hat/ride", "tom", "crash")


def coverage(drum_map: DrumMap, notes: list[tuple[int, int]]) -> float:
    """Share of the notes the map places (a drum class, or a percussion sound it passes through)."""
    known = sum(1 for p, _ in notes if drum_map.class_of(p) is not None or p in drum_map.articulations)
    return known / len(notes) if notes else 0.0


def _keeps_time(steps: list[int], n: int) -> bool:
    """Whether hits at these 16ths make a time-keeping line: a quarter of the part's notes, at least
    6 of the bar's 8 eighths (a tom fill read as hi-hats does not), and either nearly all on 8ths
    or a 16th line, on 12 or more of the bar's 16ths bar after bar (a one-bar 16th fill is not)."""
    on_eighths = [k for k in steps if k % 2 == 0]
    if len(steps) < 0.25 * n or len(set(on_eighths)) < 6:
        return False
    return len(on_eighths) >= 0.8 * len(steps) or (len(set(steps)) >= 12 and len(steps) >= 2 * len(set(steps)))


def evidence(drum_map: DrumMap, notes: list[tuple[int, int]]) -> tuple[float, int]:
    """(nats per note the map gains over GM, how many notes the two read differently) for a drum
    part given as (pitch, 16th of the bar) pairs."""
    gain, differ, gm_line, map_line = 0.0, 0, [], []
    for pitch, step in notes:
        mine, theirs = drum_map.class_of(pitch), GM.class_of(pitch)
        for drum, line in ((mine, map_line), (theirs, gm_line)):
            if drum is not None and KIND[drum] == TIME_KEEPERS:
                line.append(step % 16)
        if mine is not None and theirs is not None:
            if KIND[mine] != KIND[theirs]:
                gain += POSITION[KIND[mine]][step % 16] - POSITION[KIND[theirs]][step % 16]
                differ += 1
        elif mine is not None or theirs is not None:  # a drum to one, passed through or unknown to the other
            differ += 1
            if mine is not None and pitch not in GM.articulations:
                gain += UNKNOWN
            elif theirs is not None and pitch not in drum_map.articulations:
                gain -= UNKNOWN
    n = max(len(notes), 1)
    if _keeps_time(map_line, n) and len(gm_line) <= 0.1 * len(map_line):
        gain += NO_TIME_KEEPER * n
    return gain / n, differ


@dataclass(frozen=True)
class Detection:
    """The map chosen for a file, and how sure the choice is."""

    map: DrumMap
    coverage: float  # share of the file's drum notes the chosen map covers
    candidates: tuple[str, ...]  # maps that fit about as well, best first (the chosen one included)
    warning: str | None = None
    unsure: bool = False  # the warning says the choice is open: rival maps, close fits, or notes left unread


def detect(notes: Iterable[tuple[int, int]], where: str = "the drum part") -> Detection:
    """Choose a built-in map for a drum part given as (pitch, 16th of the bar) pairs."""
    notes = list(notes)
    maps = builtin_maps()
    scored = sorted(((evidence(m, notes), name) for name, m in maps.items() if m is not GM and name != GM.name),
                    key=lambda s: (-s[0][0], s[1]))
    # among the maps that beat GM, one that also places the notes GM cannot place is the layout
    found = sorted(((gain - UNKNOWN * (1 - coverage(maps[name], notes)), name) for (gain, differ), name in scored
                    if gain >= MARGIN and differ >= MIN_NOTES), key=lambda s: (-s[0], s[1]))
    if found:
        best = found[0][0]
        close = [name for gain, name in found if gain >= best - CLOSE]
        chosen = maps[found[0][1]]
    else:
        chosen, close = GM, [GM.name]
    cover = coverage(chosen, notes)
    warning = None
    rival = _rival(chosen, notes, {name: gain for (gain, differ), name in scored if differ >= MIN_NOTES})
    if rival is not None:
        warning = rival
    elif len(close) > 1:
        warning = (f"{where} fits the drum maps {', '.join(close[:4])} about equally; using {chosen.name} "
                   f"(choose with --drum-map)")
    elif notes and cover < POOR_FIT:
        others = [name for _, name in scored if name != chosen.name][:3]
        warning = (f"only {cover:.0%} of the notes of {where} are on pitches the {chosen.name} drum map knows, "
                   f"and no built-in map fits better; the rest pass through untouched "
                   f"(closest maps: {', '.join(others)}; give yours with --drum-map FILE.toml)")
    if rival is not None:
        warning = f"unsure which drum map {where} is in: {rival}; using {chosen.name} (choose with --drum-map)"
    return Detection(chosen, cover, tuple(close), warning, unsure=warning is not None)


def contested(chosen: DrumMap, other: DrumMap, notes: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(pitch, chosen's class, other's class) for the part's pitches, each holding at least
    ``CONTESTED_SHARE`` of its notes, that both maps read as drums of different kinds."""
    counts = Counter(p for p, _ in notes)
    out = []
    for pitch, n in counts.most_common():
        mine, theirs = chosen.class_of(pitch), other.class_of(pitch)
        if n >= CONTESTED_SHARE * len(notes) and mine is not None and theirs is not None and KIND[mine] != KIND[theirs]:
            out.append((pitch, mine, theirs))
    return out


def _position_gain(fights: list[tuple[int, int, int]], notes: list[tuple[int, int]]) -> float:
    """Nats per contested note the other reading gains by where those notes fall (``POSITION``)."""
    other = {pitch: (KIND[a], KIND[b]) for pitch, a, b in fights}
    gains = [POSITION[other[p][1]][step % 16] - POSITION[other[p][0]][step % 16] for p, step in notes if p in other]
    return sum(gains) / len(gains)


def _drum_share(drum_map: DrumMap, notes: list[tuple[int, int]]) -> float:
    return sum(drum_map.class_of(p) is not None for p, _ in notes) / len(notes)


def _rival(chosen: DrumMap, notes: list[tuple[int, int]], gains: dict[str, float]) -> str | None:
    """What makes the choice unsure, as a phrase (the closest rival map and a pitch it reads
    otherwise), or None when the part says clearly which map it is in."""
    if not notes:
        return None
    drums = _drum_share(chosen, notes)
    for name, m in builtin_maps().items():  # pitches it passes through as percussion that another reads as drums
        if name != "gmd" and m is not chosen and drums < POOR_FIT and _drum_share(m, notes) >= drums + CONTESTED_SHARE:
            return (f"{chosen.name} reads {drums:.0%} of its {len(notes)} notes as drums, {name} "
                    f"{_drum_share(m, notes):.0%}")
    thin = len({KIND[d] for p, _ in notes if (d := chosen.class_of(p)) is not None}) <= THIN_KINDS
    mine = gains.get(chosen.name, 0.0)
    cymbals = [step % 16 for p, step in notes if (d := chosen.class_of(p)) is not None and KIND[d] == TIME_KEEPERS]
    line = len(cymbals) >= 0.25 * len(notes) and len(set(cymbals)) >= 4  # quarters or more: the cymbal keeps time
    for name, m in builtin_maps().items():
        if name in (chosen.name, "gmd") or m is chosen:
            continue
        gain = gains.get(name, 0.0 if m is GM else -math.inf)
        busy_rival = BORDERLINE <= gain < MARGIN or (chosen is not GM and gain >= mine - CLOSE)
        fights = [f for f in contested(chosen, m, notes) if _open_to_doubt(f, thin or busy_rival, line)]
        if not busy_rival and fights and (_position_gain(fights, notes) < -THIN_CLOSE or _drum_share(m, notes) < drums):
            continue  # where the contested notes fall, or what the rival cannot read, says which map it is
        if fights:
            pitch, a, b = fights[0]
            return (f"{len(notes)} notes, {chosen.name} reads pitch {pitch} as "
                    f"{KIND_NAMES[KIND[a]]}, {name} as {KIND_NAMES[KIND[b]]}")
    return None


def _open_to_doubt(fight: tuple[int, int, int], thin: bool, line: bool) -> bool:
    """Whether a contested pitch leaves the reading in doubt: one the chosen map reads as a hi-hat
    or ride when it hears no time-keeping line (a sidestick read as a hi-hat), any other in a thin
    part or against a close rival. A part that keeps time on the chosen map's cymbals is read
    as it says."""
    if KIND[fight[1]] == TIME_KEEPERS:
        return not line
    return thin
