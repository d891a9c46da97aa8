"""``continue``: the primer as written, then N new bars that carry on its groove.

What carries on, and how (Magenta's Continue and jaki continue a sequence; PocketVAE gives the
pieces to do it in both of its steps):

* the notes: the NOTE encoder reads the primer's last two bars as codes; the prior, conditioned
  on the genre, continues them bar by bar (each new window starts from the previous window's
  second-bar codes, as ``sample`` chains its windows), ``CHAINS`` times at once, and the chain
  whose codes stay nearest the primer's is kept (as ``add`` keeps the draw nearest the sketch:
  a drummer's next bars are mostly the groove they were playing); the NOTE decoder plays those
  codes against the primer's own template (its kick, backbeat and time-keeping cymbal);
* the feel: one velocity and one timing latent for the whole continuation, the mean of the
  primer's posterior latents over all its windows; the primer's last accent contour and push /
  laid-back pattern as the drawn-pattern condition; the first new window's first bar forced to
  the primer's real last bar, so the decoder's state crosses the join; and, as ``transfer``
  does, the result moved onto the primer's profile (mean velocity and offset per drum and 16th).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..constants import MIDI_VELOCITY_MAX, STEPS_PER_BAR, WINDOW_BARS
from ..errors import GrooveError
from ..grid.drawn import check_new_bars
from ..grid.drumgrid import DrumGrid, append_bars, bar_bpm, half_step_ms_at, quantize
from ..grid.feel_profile import follow, profile_of
from ..grid.fill_bars import find_fills
from ..grid.hands import playable
from ..grid.knobs import check_syncopation, parse_density, steer_new
from ..grid.patterns import derive_template
from ..grid.phrases import CONTINUE_HOLD, held, land
from ..midi.drummap import DrumMap
from ..midi.performance import DrumNote, Performance
from ..midi.read import read_midi
from ..runtime.load import Networks, load_networks
from ..runtime.networks import sigmoid
from .feel import decode_feels, own_patterns, song_latents
from .genres import resolve_genre
from .notes import need_prior
from .steps import full, offspring, seeded_generator, uniform
from .take import Take

CHAINS = 16  # prior continuations drawn at once; the one nearest the primer's own codes is played


@dataclass(frozen=True)
class Continuation:
    """New bars that follow a primer, on the grid: (bars * 16, 9) each."""

    hits: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    seed: int
    genre: str
    genre_note: str | None = None


def continue_grid(primer: DrumGrid, nets: Networks, bars: int, *, genre: str = "auto",
                  temperature: float = 1.0, seed: int | None = None, bpm: float | np.ndarray = 120.0,
                  density: str | None = None, syncopation: float | None = None) -> Continuation:
    """``bars`` new bars after the grid ``primer`` (its 4/4 bars, the last of them the song's last).
    ``bpm``: the primer's tempo (one value, or one per bar). ``density`` (a relative one is
    relative to the primer's notes per bar) and ``syncopation`` steer the new bars' notes."""
    wanted = parse_density(density) if density is not None else None
    check_syncopation(syncopation)
    check_new_bars(bars)
    if not primer.hits.any():
        raise GrooveError("the primer has no drum notes in its 4/4 bars to carry on from")
    need_prior(nets)
    model, half = nets.model, nets.config.codes // WINDOW_BARS
    genre_name, genre_note = resolve_genre(nets, genre, primer, bpm)
    rng, seed = seeded_generator(seed)
    ctx = {k: _last_window(getattr(primer, k)).astype(np.float32) for k in ("hits", "velocity", "offset")}
    template = derive_template(ctx["hits"], ctx["velocity"]).astype(np.float32)
    genre_t = full(bars, nets.config.genres.index(genre_name))
    own = model.note_encode(ctx["hits"], template, model.skel(template))  # (1, S)
    prefix = np.repeat(own[:, half:], CHAINS, 0)
    codes = []
    for _ in range(bars):  # window k spans the bar before new bar k and new bar k
        codes.append(nets.prior.sample(np.repeat(genre_t[:1], CHAINS), nets.config.codes, uniform(rng),
                                       temperature=temperature, prefix=prefix))
        prefix = codes[-1][:, half:]
    chains = np.stack(codes, 1)  # (CHAINS, bars, S)
    drawn = model.lookup(chains.reshape(CHAINS * bars, -1)).reshape(CHAINS, bars, *own.shape[1:], -1)
    distance = ((drawn - model.lookup(own)) ** 2).sum((-1, -2, -3))
    chosen = chains[distance.argmin()]  # (bars, S): the chain that stays nearest the primer's groove
    templates = np.repeat(template, bars, 0)
    p = sigmoid(model.note_decode(chosen, templates, model.skel(templates)))[:, STEPS_PER_BAR:]
    p = p.reshape(-1, primer.hits.shape[1])  # (bars * 16, 9): the new bars
    first_bar = len(primer.hits) // STEPS_PER_BAR
    held_notes = held(groove_bars(primer.hits), p > 0.5, offspring(rng), first_bar, 1.0, CONTINUE_HOLD)  # the primer's groove, varied
    if wanted is not None or syncopation is not None:  # the held notes first, then the likeliest others
        held_notes = steer_new((held_notes + p) / 2, wanted, syncopation, relative_to=primer.hits)
    notes = np.asarray(held_notes, np.float32)
    before = np.concatenate([ctx["hits"][0, STEPS_PER_BAR:], notes])  # the primer's last bar, then the new ones
    size = WINDOW_BARS * STEPS_PER_BAR
    windows = np.stack([before[k * STEPS_PER_BAR : k * STEPS_PER_BAR + size] for k in range(bars)])  # (bars, 32, 9)
    own_feel, last = song_latents(nets, primer, int(genre_t[0])), own_patterns(ctx)  # the primer's feel, its last patterns
    latents = {f: (np.repeat(own_feel[f], bars, 0), np.repeat(last[f], bars, 0)) for f in ("velocity", "offset")}
    start = {k: ctx[k][:, STEPS_PER_BAR:] for k in ("velocity", "offset")}
    feel = decode_feels(nets, latents, windows, genre_t, rng, temperature, start=start)
    values = {k: v[:, STEPS_PER_BAR:].reshape(-1, primer.hits.shape[1]) for k, v in feel.items()}
    values["velocity"] = follow(values["velocity"], notes, profile_of(primer.hits, primer.velocity),
                                1 / MIDI_VELOCITY_MAX, 1.0)
    own_ms = half_step_ms_at(bpm, primer.steps)[:, None]
    end_ms = float(own_ms[-1, 0])  # the new bars keep the primer's last tempo
    moved = follow(values["offset"] * end_ms, notes, profile_of(primer.hits, primer.offset * own_ms), -np.inf, np.inf)
    offset = np.clip(moved / end_ms, -1.0, 1.0 - 1e-3) * notes
    velocity = values["velocity"] * notes
    land(notes, velocity, offset, first_bar)
    notes = _after_the_primer(primer, notes, velocity, offset, end_ms)
    return Continuation(notes, velocity * notes, (offset * notes).astype(np.float32), seed, genre_name, genre_note)


def _after_the_primer(primer: DrumGrid, notes: np.ndarray, velocity: np.ndarray, offset: np.ndarray,
                      half_ms: float) -> np.ndarray:
    """``notes`` kept to what one drummer plays after the primer's last bar (which stays as played)."""
    last = slice(-STEPS_PER_BAR, None)
    hits, offsets = (np.concatenate([getattr(primer, k)[last], x]) for k, x in (("hits", notes), ("offset", offset)))
    keep = np.zeros(hits.shape, bool)
    keep[:STEPS_PER_BAR] = True
    loud = np.concatenate([primer.velocity[last], velocity])
    return playable(hits, offsets, np.full(len(hits), half_ms), keep, loud)[STEPS_PER_BAR:]


def groove_bars(hits: np.ndarray) -> np.ndarray:
    """The two bars (32, 9) of the primer ``hits`` (T, 9) a continuation holds: its last two
    sounding bars that are not fills (``fill_bars.find_fills``): after a fill a drummer goes back
    to the groove. A one-bar groove is played twice."""
    bars = np.asarray(hits).reshape(-1, STEPS_PER_BAR, hits.shape[-1])
    plain = np.flatnonzero(~find_fills(hits) & bars.any((1, 2)))
    chosen = plain[-2:] if len(plain) else np.flatnonzero(bars.any((1, 2)))[-2:]
    chosen = np.resize(chosen, 2) if len(chosen) else np.array([len(bars) - 1] * 2)
    return bars[chosen].reshape(-1, hits.shape[-1])


def _last_window(x: np.ndarray) -> np.ndarray:
    """The last two bars (1, 32, ...), a silent bar before a 1-bar primer."""
    size = WINDOW_BARS * STEPS_PER_BAR
    if len(x) < size:
        x = np.concatenate([np.zeros((size - len(x),) + x.shape[1:], x.dtype), x])
    return x[-size:][None]


def continue_song(primer: Performance | str | Path, model: Networks | None = None, *, bars: int = 4,
                  genre: str = "auto", temperature: float = 1.0, seed: int | None = None,
                  drum_map: DrumMap | None = None, density: str | None = None,
                  syncopation: float | None = None) -> Take:
    """The primer (a MIDI path or a Performance) as written, then ``bars`` new bars.

    Raises:
        GrooveError: when the primer does not end in a 4/4 bar, has no drum notes there, or
            ``bars`` is out of range.
    """
    perf = primer if isinstance(primer, Performance) else read_midi(primer, drum_map=drum_map)
    grid = quantize(perf)
    last = perf.bars[-1]
    if not last.is_four_four or not grid.bars or grid.bars[-1].index != last.index:
        raise GrooveError(f"{perf.source}: continue carries on from 4/4 bars, and the song ends in "
                          f"{last.numerator}/{last.denominator} (bar {last.index + 1})")
    nets = model if model is not None else load_networks()
    song, spill = _without_spill(perf, grid)
    tail = _trailing_four_four(grid if not spill else _bars_before_last(grid))
    bpm = bar_bpm(perf, grid)[: len(grid.bars) - (1 if spill else 0)][-len(tail.bars):]
    cont = continue_grid(tail, nets, bars, genre=genre, temperature=temperature, seed=seed, bpm=bpm,
                         density=density, syncopation=syncopation)
    hits = cont.hits.copy()
    hits[0, [n.drum for n in spill]] = 0.0  # those hits are played already, ahead of the first new downbeat
    out = append_bars(song, hits, cont.velocity * hits, cont.offset * hits, drum_map)
    out = replace(out, notes=tuple(sorted(out.notes + spill, key=lambda n: (n.start, n.track, n.pitch))))
    before = len(song.bars)
    report = {"bars_before": before, "bars_added": bars, "bars": before + bars,
              "notes_added": int(hits.sum()), "genre": cont.genre}
    if spill:
        report["pushed_into_continuation"] = len(spill)
    if cont.genre_note:
        report["genre_note"] = cont.genre_note
    return Take(out, grid, quantize(out), cont.seed, report)


def _without_spill(perf: Performance, grid: DrumGrid) -> tuple[Performance, tuple[DrumNote, ...]]:
    """A primer cut at a bar line whose drummer pushed the next downbeat ends in a bar holding
    only those hits, a little early: they open the continuation, not a bar of their own. Returns
    the song without that bar (its hits taken out, each track ending at its bar line) and the
    hits; or the song as it is and no hits (also when a primer note rings on past that line)."""
    rows = grid.hits[-STEPS_PER_BAR:] > 0.5
    pushed = grid.offset[-STEPS_PER_BAR][rows[0]] < 0
    if len(grid.bars) < 2 or not rows.any() or rows[1:].any() or not pushed.all():
        return perf, ()
    first_cell = (len(grid.bars) - 1) * STEPS_PER_BAR * grid.hits.shape[1]
    spill = tuple(n for n, c in zip(perf.notes, grid.note_cells) if c >= first_cell)
    line = int(grid.bars[-1].start)
    tracks = tuple(tuple((min(t, line), m) if m.type == "end_of_track" else (t, m) for t, m in events)
                   for events in perf.tracks)
    song = replace(perf, tracks=tracks, notes=tuple(n for n in perf.notes if n not in spill))
    if len(song.bars) != len(perf.bars) - 1:  # a note of the primer rings past the line: leave it whole
        return perf, ()
    return song, spill


def _bars_before_last(grid: DrumGrid) -> DrumGrid:
    rows = slice(0, len(grid.hits) - STEPS_PER_BAR)
    return DrumGrid(grid.hits[rows], grid.velocity[rows], grid.offset[rows], grid.bars[:-1], np.full(0, -1, np.int64))


def _trailing_four_four(grid: DrumGrid) -> DrumGrid:
    """The grid's last run of consecutive 4/4 bars (what the continuation carries on from)."""
    first = len(grid.bars) - 1
    while first > 0 and grid.bars[first - 1].index == grid.bars[first].index - 1:
        first -= 1
    rows = slice(first * STEPS_PER_BAR, None)
    return DrumGrid(grid.hits[rows], grid.velocity[rows], grid.offset[rows], grid.bars[first:],
                    np.full(0, -1, np.int64))
