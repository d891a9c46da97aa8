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

Whenever two maps read a pitch of the part as different kinds of drum and the part does not
separate them, the detection is ``unsure`` and its one line names the rival and the pitch
(``_rival``): in a thin part; in any part when the pitch's own notes do not settle it; when the
chosen library, compared head to head with another library, fits no better; when the library
was chosen from fewer than ``FEW_NOTES`` notes; and when notes the chosen map passes through
could be drums (another map reads them, or they sit outside GM's keys where libraries put their
articulations). How often that happens, right and wrong, on GMD beats re-keyed into seven
libraries' layouts: ``python experiments/eval_map_unsure.py`` (docs/producer.md).
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
# Outside thin parts, a pitch two maps read as different kinds of drum is settled by where its notes
# fall (``_unsettled``): by ``SEPARATED`` nats per note or ``SEPARATED_NATS`` in all (a likelihood
# ratio of about 20 to 1) for the chosen reading when the pitch holds ``LINE_SHARE`` of the part
# and the rival reads the whole part about as well; against the chosen reading, by as much, for
# any other. A pitch that keeps time on its own (an 8th or 16th line) is a hi-hat or ride whichever
# map hears it. Chosen on GMD's validation beats (``experiments/eval_map_unsure.py --split validation``).
SEPARATED = 0.3
SEPARATED_NATS = 3.0
LINE_SHARE = 0.1
FEW_NOTES = 16  # a library read from fewer notes (a bar of 16ths) that differ from GM's reading is a guess
GM_DRUM_RANGE = (35, 81)  # General MIDI's percussion keys; libraries put their articulations around them
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


def evidence(drum_map: DrumMap, notes: list[tuple[int, int]], base: DrumMap = GM) -> tuple[float, int]:
    """(nats per note the map gains over ``base`` (GM), how many notes the two read differently)
    for a drum part given as (pitch, 16th of the bar) pairs."""
    gain, differ, gm_line, map_line = 0.0, 0, [], []
    for pitch, step in notes:
        mine, theirs = drum_map.class_of(pitch), base.class_of(pitch)
        for drum, line in ((mine, map_line), (theirs, gm_line)):
            if drum is not None and KIND[drum] == TIME_KEEPERS:
                line.append(step % 16)
        if mine is not None and theirs is not None:
            if KIND[mine] != KIND[theirs]:
                gain += POSITION[KIND[mine]][step % 16] - POSITION[KIND[theirs]][step % 16]
                differ += 1
        elif mine is not None or theirs is not None:  # a drum to one, passed through or unknown to the other
            differ += 1
            if mine is not None and pitch not in base.articulations:
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


def _separation(pitch: int, kinds: tuple[int, int], steps: list[int]) -> tuple[float, float]:
    """(nats per note, nats in all) by which where ``pitch``'s notes fall (``steps``) favours the
    chosen map's kind of drum for it over the rival's (``POSITION``); negative when it favours the rival's."""
    gains = [POSITION[kinds[0]][step] - POSITION[kinds[1]][step] for step in steps]
    return sum(gains) / len(gains), sum(gains)


def _drum_share(drum_map: DrumMap, notes: list[tuple[int, int]]) -> float:
    return sum(drum_map.class_of(p) is not None for p, _ in notes) / len(notes)


def _rival(chosen: DrumMap, notes: list[tuple[int, int]], gains: dict[str, float]) -> str | None:
    """What makes the choice unsure, as a phrase (the closest rival map and a pitch it reads
    otherwise), or None when the part says clearly which map it is in."""
    if not notes:
        return None
    said = _unread(chosen, notes) or _head_to_head(chosen, notes, gains)
    if said is not None:
        return said
    drums = _drum_share(chosen, notes)
    thin = len({KIND[d] for p, _ in notes if (d := chosen.class_of(p)) is not None}) <= THIN_KINDS
    mine = gains.get(chosen.name, 0.0)
    cymbals = [step % 16 for p, step in notes if (d := chosen.class_of(p)) is not None and KIND[d] == TIME_KEEPERS]
    line = len(cymbals) >= 0.25 * len(notes) and len(set(cymbals)) >= 4  # quarters or more: the cymbal keeps time
    for name, m in builtin_maps().items():
        if name in (chosen.name, "gmd") or m is chosen:
            continue
        gain = gains.get(name, 0.0 if m is GM else -math.inf)
        busy_rival = BORDERLINE <= gain < MARGIN or (chosen is not GM and gain >= mine - CLOSE)
        fewer = _drum_share(m, notes) < drums
        plausible = not fewer and (gain if chosen is GM else evidence(m, notes, base=chosen)[0]) > -CLOSE
        for pitch, a, b in contested(chosen, m, notes):
            if _unsettled(pitch, (KIND[a], KIND[b]), notes, _open_to_doubt(KIND[a], thin or busy_rival, line),
                          busy_rival, fewer, line, plausible):
                return (f"{len(notes)} notes, {chosen.name} reads pitch {pitch} as "
                        f"{KIND_NAMES[KIND[a]]}, {name} as {KIND_NAMES[KIND[b]]}")
    return None


def _unread(chosen: DrumMap, notes: list[tuple[int, int]]) -> str | None:
    """Notes the chosen map does not play as drums that could be drums: pitches it passes through
    as percussion that another map reads as drums, pitches it does not know that another reads,
    and pitches outside GM's keys it passes through (a library's articulation no map knows)."""
    drums = _drum_share(chosen, notes)
    for name, m in builtin_maps().items():
        if name != "gmd" and m is not chosen and drums < POOR_FIT and _drum_share(m, notes) >= drums + CONTESTED_SHARE:
            return (f"{chosen.name} reads {drums:.0%} of its {len(notes)} notes as drums, {name} "
                    f"{_drum_share(m, notes):.0%}")
    unknown = Counter(p for p, _ in notes if chosen.class_of(p) is None and p not in chosen.articulations)
    for pitch, n in unknown.most_common(1):
        reader = next((m for name, m in builtin_maps().items() if m.class_of(pitch) is not None), None)
        if n >= CONTESTED_SHARE * len(notes) and reader is not None:
            return (f"{chosen.name} does not know pitch {pitch} ({n} of its {len(notes)} notes), "
                    f"{reader.name} reads it as {KIND_NAMES[KIND[reader.class_of(pitch)]]}")
    odd = Counter(p for p, _ in notes if chosen.class_of(p) is None and p in chosen.articulations
                  and not GM_DRUM_RANGE[0] <= p <= GM_DRUM_RANGE[1])
    if sum(odd.values()) >= max(CONTESTED_SHARE * len(notes), 1):
        pitch, n = odd.most_common(1)[0]
        return (f"{sum(odd.values())} of its {len(notes)} notes are on pitches no built-in map reads as drums "
                f"(pitch {pitch}: {n}); they pass through as they are")
    return None


def _head_to_head(chosen: DrumMap, notes: list[tuple[int, int]], gains: dict[str, float]) -> str | None:
    """A library chosen from too few notes, or another library that reads a pitch as another kind
    of drum and fits the part at least about as well when the two are compared directly (each
    was compared with GM to be chosen, and one can win there on a threshold alone)."""
    if chosen is GM or coverage(chosen, notes) < POOR_FIT:
        return None
    differ = evidence(chosen, notes)[1]
    if differ < FEW_NOTES:
        return f"only {differ} of its {len(notes)} notes tell {chosen.name} from gm"
    for name, m in builtin_maps().items():
        if name in gains and name not in (chosen.name, "gmd") and m is not chosen and contested(chosen, m, notes):
            if evidence(m, notes, base=chosen)[0] > -CLOSE:
                pitch, a, b = contested(chosen, m, notes)[0]
                return (f"{len(notes)} notes, {chosen.name} reads pitch {pitch} as {KIND_NAMES[KIND[a]]}, "
                        f"{name} as {KIND_NAMES[KIND[b]]}, and fits no better")
    return None


def _unsettled(pitch: int, kinds: tuple[int, int], notes: list[tuple[int, int]], doubt: bool, busy_rival: bool,
               fewer: bool, line: bool, plausible: bool) -> bool:
    """Whether two readings of ``pitch`` (the chosen map's kind, the rival's) are left open by the
    part. A pitch ``_open_to_doubt`` needs where its notes fall to favour the chosen reading
    clearly. Otherwise a pitch that keeps time on its own is a hi-hat or ride whichever map hears
    it; one holding ``LINE_SHARE`` of the notes needs its places to favour the chosen reading
    when the rival reads the whole part about as well (``plausible``);
    any other only that they do not favour the rival's clearly (a busy part read right keeps its
    odd pitches)."""
    steps = [step % 16 for p, step in notes if p == pitch]
    per_note, total = _separation(pitch, kinds, steps)
    if doubt:
        return busy_rival or not (fewer or (per_note > THIN_CLOSE and total >= SEPARATED_NATS))
    big = len(steps) >= LINE_SHARE * len(notes)
    if big and not GM_DRUM_RANGE[0] <= pitch <= GM_DRUM_RANGE[1]:  # GM's own reading there is a guess too
        return per_note < SEPARATED and total < SEPARATED_NATS
    if len(steps) >= LINE_SHARE / 2 * len(notes) and _keeps_time(steps, len(steps)) and TIME_KEEPERS in kinds:
        return kinds[0] != TIME_KEEPERS or not line
    if big and plausible and (kinds[0] != TIME_KEEPERS or not line):
        return per_note < SEPARATED and total < SEPARATED_NATS
    return plausible and per_note < -SEPARATED and total < -SEPARATED_NATS


def _open_to_doubt(kind: int, thin: bool, line: bool) -> bool:
    """Whether a contested pitch leaves the reading in doubt whatever its notes' places say: one
    the chosen map reads as a hi-hat or ride when it hears no time-keeping line (a sidestick read
    as a hi-hat), any other in a thin part or against a close rival. A part that keeps time on
    the chosen map's cymbals is read as it says."""
    if kind == TIME_KEEPERS:
        return not line
    return thin
