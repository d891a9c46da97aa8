"""Which notes ``add`` keeps: the ones the genre's drummers add around a sketch like this one.

The decorator model (``generate/decorate.py``) hears the genre as one embedding, and its added
notes read much alike in every genre: no crash into a phrase, no tom pickup, hats where a latin
drummer goes to the ride. ``experiments/genre_vocab.py`` measures on GMD's train beats what
each genre's drummers add beyond the sketch a producer would draw of their bar
(``patterns.derive_template``): how often they add each drum on each 16th the sketch leaves
empty, by the sketch's time-keeping line (hi-hat or ride) and the bar's place in a 4-bar phrase
(``models/genre-vocab.json``). ``add`` still adds
as many notes per bar as its budget allows (``decorate.add_budget``); this module chooses which:
drawn without replacement, each empty cell weighted by how often the genre's drummers add a note
there, the cells the model drew counted ``MODEL_WEIGHT`` times (its notes follow the sketch and
each other; the table alone knows nothing of the bar before).

Toms come as figures, not cells: drummers play them in groups of a few notes (a pickup into the
next phrase, an answer to the snare, a run down the toms), and cells drawn one by one from rates
in which every drummer's fills are averaged gave lone full-volume toms inside the groove. The
table keeps, per genre and place in the phrase, the commonest figures its drummers play (where
in the bar each starts, which toms on which 16ths) and how many tom notes they add per bar; a
bar takes whole figures, as many as keep that amount (``FIGURE_SCALE`` of it), each on 16ths
the part leaves free and where one hand is free, and the other hands' added notes keep out of
its 16ths (a drummer on the toms is not also on the snare). With ``--fills``, the figures that
start in a bar a fill takes give way to it (``without_figures_in``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..bundled import bundled_dir
from ..constants import (
    CLOSED_HIHAT,
    CRASH,
    HIGH_TOM,
    KICK,
    LOW_TOM,
    MID_TOM,
    N_DRUMS,
    OPEN_HIHAT,
    RIDE,
    SNARE,
    STEPS_PER_BAR,
    STEPS_PER_BEAT,
)

VOCAB_FILE = "genre-vocab.json"
CYMBAL_KINDS = ("hats", "ride")
BAR_KINDS = ("downbeat", "middle", "end")  # a 4-bar phrase's first bar, its two inner bars, its last
PHRASE_BARS = 4
# How many times a cell the decorator drew counts against one the table alone proposes, chosen on
# GMD's validation beats (experiments/genre_vocab_check.py).
MODEL_WEIGHT = 16.0
FLOOR = 1e-4  # every empty cell stays drawable, so a bar can always take its budget
TOMS = (LOW_TOM, MID_TOM, HIGH_TOM)
HANDS = np.array([d != KICK for d in range(N_DRUMS)])
# The share of the genre's drummers' tom notes per bar that ``add`` plays as figures, chosen on
# GMD's validation beats (experiments/genre_vocab_check.py --figure-scales).
FIGURE_SCALE = 1.0
FIGURE_GAP = 4  # 16ths: a tom with another tom (or the crash) this close belongs to a figure


def tom_runs(steps: np.ndarray) -> list[np.ndarray]:
    """``steps`` (sorted 16ths holding added toms) split into figures: runs whose neighbours lie
    no more than ``FIGURE_GAP`` 16ths apart."""
    return np.split(steps, np.flatnonzero(np.diff(steps) > FIGURE_GAP) + 1) if len(steps) else []


def within_gap(counts: np.ndarray) -> np.ndarray:
    """(T,) notes within ``FIGURE_GAP`` 16ths of each step, its own included, from ``counts`` (T,)."""
    return np.convolve(np.asarray(counts, np.float64), np.ones(2 * FIGURE_GAP + 1), "same")


def cymbal_kind(sketch_bar: np.ndarray) -> str:
    """The sketch's time-keeping line in one bar (16, 9): the ride when it draws more ride than hats."""
    bar = np.asarray(sketch_bar) > 0.5
    return "ride" if bar[:, RIDE].sum() > bar[:, [CLOSED_HIHAT, OPEN_HIHAT]].sum() else "hats"


def bar_kind(bar: int) -> str:
    """Where bar ``bar`` (0 first) sits in its 4-bar phrase."""
    place = bar % PHRASE_BARS
    return BAR_KINDS[0] if place == 0 else BAR_KINDS[2] if place == PHRASE_BARS - 1 else BAR_KINDS[1]


def added_rates(genre: str | None, sketch_bar: np.ndarray, bar: int) -> np.ndarray | None:
    """How often the genre's drummers add a note on each cell (16, 9) that a sketch like
    ``sketch_bar`` leaves empty, in bar ``bar`` of the song; None when groove ships no table."""
    table = _table()
    if not table:
        return None
    entry = table["genres"].get(genre) or table["any"]
    return np.asarray(entry["rate"][cymbal_kind(sketch_bar)][bar_kind(bar)], np.float64)


def bar_counts(allowed: np.ndarray, drawn: np.ndarray, sounding: np.ndarray | None = None) -> np.ndarray:
    """Notes ``add`` adds per bar: what the decorator drew (``drawn``), within the bar's ``allowed``
    (``decorate.add_budget``: up to twice the bar's shortfall against the genre's drummers) and
    no fewer than the shortfall itself (half of ``allowed``), which the table then fills: a
    decorator that draws less than the genre's drummers add would leave the sketch thinner than
    they play it. A bar where the part is silent (``sounding`` False) gains only what was drawn
    there: the budget reads a 2-bar sketch, which draws its cymbal line over a silent bar too."""
    allowed = np.asarray(allowed, np.int64)
    drawn = np.asarray(drawn, np.int64)
    floor = (allowed + 1) // 2 if sounding is None else np.where(sounding, (allowed + 1) // 2, 0)
    return np.minimum(allowed, np.maximum(drawn, floor))


def choose_added(part: np.ndarray, drawn: np.ndarray, counts: np.ndarray, genre: str | None,
                 rng: np.random.Generator, model_weight: float = MODEL_WEIGHT,
                 figure_scale: float = FIGURE_SCALE, blocked: np.ndarray | None = None) -> np.ndarray:
    """Which cells ``add`` adds (T, 9 bool) to ``part`` (T, 9 bool), ``counts[b]`` of them in bar
    ``b``, where the decorator ``drawn`` its notes (T, 9 bool, ``part`` included): first the bar's
    tom figures (``add_figures``), then its other empty cells drawn without replacement, weighted
    by the genre's rates (``added_rates``), a cell the decorator drew ``model_weight`` times.
    Without a bundled table, the decorator's cells. Nothing goes on the ``blocked`` (T,) steps (a
    frame's padding, which is dropped later: a figure reaching into it would leave a lone tom)."""
    part, drawn = np.asarray(part) > 0.5, np.asarray(drawn) > 0.5
    blocked = np.zeros(len(part), bool) if blocked is None else np.asarray(blocked, bool)
    out = np.zeros_like(part)
    counts = np.asarray(counts, np.int64)
    for b in range(len(counts)):
        rows = slice(b * STEPS_PER_BAR, (b + 1) * STEPS_PER_BAR)
        n = int(counts[b]) - int(out[rows].sum())  # a figure of the bar before may reach into this one
        if n > 0 and _table():
            n -= add_figures(part, out, counts, b, genre, rng, figure_scale, blocked)
        free, model = ~part[rows] & ~out[rows] & ~blocked[rows, None], drawn[rows] & ~part[rows]
        rates = added_rates(genre, part[rows], b)
        if rates is None:
            weight = (model & free).astype(np.float64)
        else:
            weight = (np.maximum(rates, 0) + FLOOR) * np.where(model, model_weight, 1.0) * free
            weight[:, list(TOMS)] = 0.0  # toms come as figures
            weight[np.ix_(out[rows][:, list(TOMS)].any(1), HANDS)] = 0.0  # the hands are on the toms there
        cells = np.flatnonzero(weight.ravel() > 0)
        n = min(n, len(cells))
        if n <= 0:
            continue
        p = weight.ravel()[cells]
        picked = rng.choice(cells, size=n, replace=False, p=p / p.sum())
        bar = out[rows].ravel()
        bar[picked] = True
        out[rows] = bar.reshape(free.shape)
    return out


@dataclass(frozen=True)
class TomFigures:
    """One genre's tom figures for one kind of bar, packed for testing them all at once: each
    figure's notes as 16ths from the bar's first (``rows``, padded with -1) and toms, its weight,
    and the drummers' tom notes per bar there."""

    per_bar: float
    rows: np.ndarray  # (F, K) int, -1 past a figure's last note
    toms: np.ndarray  # (F, K) int
    weights: np.ndarray  # (F,)

    @property
    def reach(self) -> int:
        """16ths from the bar's first that some figure reaches."""
        return int(self.rows.max()) + 1

    def notes(self) -> np.ndarray:
        return (self.rows >= 0).sum(1)


@lru_cache(maxsize=64)
def tom_figures(genre: str | None, kind: str) -> TomFigures | None:
    """The genre's tom figures for bars of ``kind`` (``BAR_KINDS``); None when it has none."""
    entry = (_table()["genres"].get(genre) or _table()["any"])["toms"][kind]
    if not entry["figures"]:
        return None
    width = max(len(notes) for _, notes, _ in entry["figures"])
    rows = np.full((len(entry["figures"]), width), -1)
    toms = np.zeros_like(rows)
    for f, (start, notes, _) in enumerate(entry["figures"]):
        rows[f, : len(notes)] = [int(start) + n[0] for n in notes]
        toms[f, : len(notes)] = [n[1] for n in notes]
    weights = np.array([w for *_, w in entry["figures"]], np.float64)
    return TomFigures(float(entry["toms_per_bar"]), rows, toms, weights)


def add_figures(part: np.ndarray, out: np.ndarray, counts: np.ndarray, bar: int, genre: str | None,
                rng: np.random.Generator, scale: float = FIGURE_SCALE, blocked: np.ndarray | None = None) -> int:
    """Writes into ``out`` the tom figures bar ``bar`` plays: as many as keep ``scale`` of the
    genre's drummers' tom notes per bar there on average, each drawn by its weight among those
    that fit (``figures_fit``); returns how many of their notes fall in the bar itself (a figure
    may run on into the next bar, whose ``counts`` then hold them)."""
    figures = tom_figures(genre, bar_kind(bar))
    if figures is None:
        return 0
    expected = scale * figures.per_bar / float(np.average(figures.notes(), weights=figures.weights))
    wanted = int(expected) + int(rng.random() < expected - int(expected))
    placed = 0
    base = bar * STEPS_PER_BAR
    for _ in range(wanted):
        room = int(counts[bar]) - int(out[base : base + STEPS_PER_BAR].sum())
        taken = part[base : base + figures.reach] | out[base : base + figures.reach]
        if blocked is not None:
            taken = taken | blocked[base : base + figures.reach, None]
        fits = figures_fit(taken, counts, bar, figures, room)
        if not fits.any():
            break
        p = figures.weights * fits
        f = int(rng.choice(len(p), p=p / p.sum()))
        notes = figures.rows[f] >= 0
        out[base + figures.rows[f][notes], figures.toms[f][notes]] = True
        placed += int((figures.rows[f][notes] < STEPS_PER_BAR).sum())
    return placed


def figures_fit(taken: np.ndarray, counts: np.ndarray, bar: int, figures: TomFigures, room: int) -> np.ndarray:
    """(F,) which figures can start in bar ``bar``, ``taken`` (from the bar's first 16th, as far as
    a figure reaches or the song ends) holding the cells the part or an added note holds: every
    note on a free cell, within the song, where the hands it needs are free (a tom against the
    sketch's hi-hat, not against hi-hat and snare: one drummer has two hands), and no more notes
    in each bar than it may still take (``room`` here, ``counts`` in the next)."""
    rows, toms = figures.rows, figures.toms
    note = rows >= 0
    inside_song = ((rows < len(taken)) | ~note).all(1)
    at = np.where(note & (rows < len(taken)), rows, 0)
    free = ~(taken[at, toms] & note).any(1)
    same_step = (rows[:, :, None] == rows[:, None, :]) & note[:, :, None] & note[:, None, :]
    hands = taken[at][:, :, HANDS].sum(2) + same_step.sum(2)
    two_hands = ((hands <= 2) | ~note).all(1)
    inside = ((rows < STEPS_PER_BAR) & note).sum(1)
    spill = note.sum(1) - inside
    next_room = int(counts[bar + 1]) if bar + 1 < len(counts) else 0
    return inside_song & free & two_hands & (inside <= room) & ((spill == 0) | (spill <= next_room))


def cut_added(part: np.ndarray, notes: np.ndarray, keep: int, rng: np.random.Generator) -> np.ndarray:
    """``notes`` (T, 9 bool, ``part`` included) with no more than ``keep`` notes beyond ``part``:
    the others first, drawn at random, then whole tom figures (a figure cut in half leaves a
    lone tom)."""
    out = np.array(notes, bool)
    added = np.argwhere(out & ~part)
    tom = np.isin(added[:, 1], TOMS)
    excess = len(added) - keep
    if excess <= 0:
        return out
    others = added[~tom][rng.permutation(int((~tom).sum()))[:excess]]
    out[tuple(others.T)] = False
    excess -= len(others)
    steps = np.flatnonzero((out & ~part)[:, list(TOMS)].any(1))
    figures = tom_runs(steps)
    for i in rng.permutation(len(figures)):
        if excess <= 0:
            break
        excess -= int((out & ~part)[figures[i]][:, list(TOMS)].sum())
        out[np.ix_(figures[i], list(TOMS))] &= part[np.ix_(figures[i], list(TOMS))]
    return out


def without_figures_in(part: np.ndarray, hits: np.ndarray, bars: frozenset[int]) -> np.ndarray:
    """``hits`` (T, 9) without the added tom figures that start in ``bars`` (the bars a fill will
    take: the fill is the bar's toms, and a figure before it would answer nothing). Done on the
    played take, so the song's other bars and its draws stay as they were without fills."""
    hits = np.array(hits, np.float32)
    added = (hits > 0.5) & ~(np.asarray(part) > 0.5)
    steps = np.flatnonzero(added[:, list(TOMS)].any(1))
    for figure in tom_runs(steps):
        if int(figure[0]) // STEPS_PER_BAR in bars:
            cells = np.zeros_like(added)
            cells[np.ix_(figure, list(TOMS))] = added[np.ix_(figure, list(TOMS))]
            hits[cells] = 0.0
    return hits


def without_lone_cymbals(part: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """``hits`` (T, 9) without the crash and ride notes groove added off the beat that no other
    crash or ride joins within ``FIGURE_GAP`` 16ths. The vocabulary draws cymbal cells one at a
    time from rates in which drummers' ride patterns and crashes are averaged; a lone splash on
    an off-16th inside a hi-hat groove is a note GMD's drummers almost never play
    (``experiments/eval_lone_cymbals.py``)."""
    hits = np.array(hits, np.float32)
    cymbals = hits[:, [CRASH, RIDE]] > 0.5
    added = cymbals & ~(np.asarray(part)[:, [CRASH, RIDE]] > 0.5)
    counts = cymbals.sum(1)
    lone = (within_gap(counts) <= counts) & (np.arange(len(hits)) % STEPS_PER_BEAT != 0)
    for k, d in enumerate((CRASH, RIDE)):
        hits[added[:, k] & lone, d] = 0.0
    return hits


def lone_toms(part: np.ndarray, notes: np.ndarray) -> np.ndarray:
    """The toms of ``notes`` (T, 9) beyond ``part`` that no other tom or crash joins within
    ``FIGURE_GAP`` 16ths: what a drummer would not play inside a groove (T, 9 bool)."""
    notes, part = np.asarray(notes) > 0.5, np.asarray(part) > 0.5
    lone = within_gap(notes[:, list(TOMS) + [CRASH]].sum(1)) <= 1
    return notes & ~part & lone[:, None] & np.isin(np.arange(N_DRUMS), TOMS)[None, :]


def figure_velocity(part: np.ndarray, hits: np.ndarray, velocity: np.ndarray, genre: str | None) -> np.ndarray:
    """``velocity`` (T, 9) with each added tom figure played as loud, against the part's snare,
    as the genre's drummers play theirs (the table's ``velocity_over_snare`` for the figure's bar):
    the figure's own accents kept, its level moved. The feel model plays a tom by where it
    falls, and a tom inside a rock groove came out well under the backbeat, where a drummer's
    figure sits near it (docs/genre.md section 5). The snare's level is the mean of the part's
    louder half of snare notes (its backbeat, not its ghosts); a part without snare keeps the
    model's toms."""
    part, hits = np.asarray(part) > 0.5, np.asarray(hits) > 0.5
    velocity = np.array(velocity, np.float32)
    snare = np.sort(velocity[part[:, SNARE], SNARE])
    if not _table() or not len(snare):
        return velocity
    level = float(snare[len(snare) // 2 :].mean())
    added = hits & ~part & np.isin(np.arange(N_DRUMS), TOMS)[None, :]
    steps = np.flatnonzero(added.any(1))
    entry = _table()["genres"].get(genre) or _table()["any"]
    for figure in tom_runs(steps):
        cells = np.zeros_like(added)
        cells[figure] = added[figure]
        ratio = entry["toms"][bar_kind(int(figure[0]) // STEPS_PER_BAR)]["velocity_over_snare"]
        velocity[cells] = np.clip(velocity[cells] * (ratio * level / max(float(velocity[cells].mean()), 1e-3)), 0.05, 1.0)
    return velocity


@lru_cache(maxsize=1)
def _table() -> dict:
    folder = bundled_dir()
    if folder is None or not (folder / VOCAB_FILE).exists():
        return {}
    return json.loads((folder / VOCAB_FILE).read_text())
