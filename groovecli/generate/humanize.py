"""``humanize``: a stiff sketch played, on whole songs.

A song is cut into 2-bar windows with a 1-bar hop. Windows are decoded in order and each one's
first bar is *forced* to the bar the previous window produced, so the decoder's state carries
the groove across the seam and every bar comes from exactly one window (``grid.from_windows``).
One velocity latent and one timing latent are drawn per song: one drummer, one feel.

Randomness flows from one ``numpy.random.Generator`` seeded from ``seed``: same input, same seed, same
output, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import GrooveError
from ..grid.drawn import check_swing, parse_fills
from ..grid.drumgrid import (
    DrumGrid,
    Runs,
    bar_bpm,
    check_groovable,
    half_step_ms_at,
    offsets_ms,
    quantize,
    render,
)
from ..grid.features import grid_features
from ..grid.genre_vocab import figure_velocity, without_figures_in, without_lone_cymbals
from ..grid.hands import playable
from ..grid.knobs import check_knobs, knob_shortfall, notes_per_bar, parse_density
from ..grid.loops import fit_length, unwrap, wrap_before
from ..grid.meters import frame_mask, kind_steps
from ..grid.patterns import derive_template
from ..grid.swing import Swing, apply_swing
from ..grid.written import as_written, has_quantized_band, is_programmed, keep_audible
from ..midi.drummap import DrumMap
from ..midi.performance import Performance
from ..midi.read import read_midi
from ..runtime.load import Networks, load_cond_networks, load_networks
from ..runtime.networks import CondNet
from .decorate import decorate_windows, within_budget
from .feel import blend, decode_feels, drawn_timing, own_patterns, pattern_levels, play_genre, swing_for
from .genres import resolve_genre, sure
from .notes import CANDIDATES, choose_notes, closest_codes, decode_notes, decorations, draw_codes, steered_notes
from .steps import full, normal, seeded_generator, uniform, window_arrays
from .take import Take

NOTE_MODES = ("keep", "add", "free")


@dataclass(frozen=True)
class HumanizeOptions:
    """How to humanize; every field has a default that gives a good result."""

    genre: str = "auto"  # one of the model's genres (`groove genres`), or auto: guessed from the sketch and its tempo
    velocity_pattern: str | None = None  # drawn pattern or preset; None lets the model choose
    timing_pattern: str | None = None  # drawn pattern or preset; None lets the model choose
    notes: str = "add"  # keep: feel only; add: keep every note and add decorative ones; free: may remove
    velocity_amount: float = 1.0  # 0 keeps the input's velocities, 1 is the model's
    timing_amount: float = 1.0  # 0 keeps the input's timing, 1 is the model's
    temperature: float = 1.0  # spread of the sampled feel and note codes
    seed: int | None = None  # None: a fresh take every run
    density: str | None = None  # notes per bar ("24") or a change from the sketch's ("+50%"); knobs.py
    syncopation: float | None = None  # target syncopation (GrooveToolbox's, as `groove analyze` shows it)
    fills: str | None = None  # a fill every N bars ("4", "8") or before changes and the end ("ends"); fills.py
    fill_beats: int = 4  # how many of the fill bar's last beats the fill takes
    fill_over: bool = False  # the fill on top of the time-keeping, not taking it over (fill.py)
    swing: float | None = None  # off-beat 8ths at this percent of the beat (50 straight, 66 triplet); None: the genre's
    loop: bool = False  # the part is one turn of a loop: decoding wraps, early first hits sound at its end (loops.py)

    def __post_init__(self) -> None:
        if self.notes not in NOTE_MODES:
            raise GrooveError(f"--notes {self.notes!r}: use one of {', '.join(NOTE_MODES)}")
        for name in ("velocity_amount", "timing_amount"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise GrooveError(f"--{name.replace('_', '-')} must be between 0 and 1, not {getattr(self, name)}")
        if not 0.0 < self.temperature <= 3.0:
            raise GrooveError(f"--temperature must be in (0, 3], not {self.temperature}")
        check_knobs(self.density, self.syncopation, self.notes)
        if self.fills is not None:
            parse_fills(self.fills)
        if not 1 <= self.fill_beats <= 4:
            raise GrooveError(f"--fill-beats must be between 1 and 4, not {self.fill_beats}")
        check_swing(self.swing)

    @classmethod
    def from_params(cls, params: dict[str, Any], seed: int | None) -> HumanizeOptions:
        """The options from the parameters of ``groove humanize`` / ``transfer``, named as click
        passes them: the CLI and the studio build them here, so both give the same take."""
        given = {f.name: params[f.name] for f in fields(cls) if f.name in params and f.name != "seed"}
        return cls(**given, seed=seed)


def prepare(song, model, options, drum_map, overrides) -> tuple[Performance, Networks, HumanizeOptions]:
    """Accept a path or a Performance, bundled or given weights, options or keyword overrides."""
    perf = song if isinstance(song, Performance) else read_midi(song, drum_map=drum_map)
    options = replace(options or HumanizeOptions(), **overrides)
    return perf, model if model is not None else load_networks(), options


def humanize(song: Performance | str | Path, model: Networks | None = None, options: HumanizeOptions | None = None,
             *, drum_map: DrumMap | None = None, fill_model: CondNet | None = None, **overrides: Any) -> Take:
    """Groove a stiff drum part: decorative notes, velocity dynamics and microtiming.

    Args:
        song: a MIDI path, or a Performance from ``midi.read_midi``.
        model: networks from ``runtime.load.load_networks`` (``groovecli.load_model``); None loads the bundled ones.
        options: a HumanizeOptions; keyword ``overrides`` replace its fields
            (``humanize("in.mid", genre="funk", seed=1)``).
        drum_map: reads the path (None: detected, ``--drum-map auto``), and gives added notes their
            pitch when the file has none (None: the map the song was read with).
        fill_model: the fill model for ``fills`` (``runtime.load.load_cond_networks("fills")``; None: bundled).

    Returns:
        A ``Take`` with the new Performance (every non-drum event unchanged).

    Raises:
        GrooveError: for an unknown genre, a malformed pattern, or a song with no 4/4 bar.
    """
    perf, nets, options = prepare(song, model, options, drum_map, overrides)
    before = quantize(perf, meters=True)  # every meter, in 16-step frames (grid/meters.py)
    check_groovable(perf, before)
    played = wrap_before(before) if options.loop else before
    rows = None
    if options.fills is not None:
        from .fill import fill_rows

        rows = fill_rows(perf, before, options.fills)
    take = humanize_grid(played, nets, options, bpm=bar_bpm(perf, played), band=has_quantized_band(perf),
                         fill_bars=frozenset(rows or ()) if not options.loop else frozenset(),
                         padding=frame_mask(played.bars, perf.step_ticks)[:, 0] == 0)
    after, extra = unwrap(take.grid, before) if options.loop else take.grid, {}
    after = after.with_values(after.hits * frame_mask(after.bars, perf.step_ticks), after.velocity, after.offset)
    if options.fills is not None:
        from .fill import fill_song

        after, extra = fill_song(perf, before, after, rows,
                                 fill_model if fill_model is not None else load_cond_networks("fills"), genre=take.genre,
                                 seed=take.seed, mode=options.notes, beats=options.fill_beats,
                                 temperature=options.temperature, over=options.fill_over)
    knobs = knob_shortfall(options.density, options.syncopation, options.notes, before.hits, after.hits)
    out = fit_length(perf, apply_swing(render(perf, after, drum_map), after, take.swing), after, options.loop)
    return Take(out, before, after, take.seed, summary(perf, before, after) | take.genre_report() | take.written
                | extra | ({"knob_notes": knobs} if knobs else {}))


@dataclass(frozen=True)
class GridTake:
    """One grooved grid: what ``humanize_grid`` and ``transfer_grid`` return."""

    grid: DrumGrid
    seed: int
    genre: str  # the model genre it was played in
    genre_note: str | None = None  # why that genre, when it is not the name the user gave
    swing: Swing = Swing()  # where the off-beats go when the grid becomes ticks (grid/swing.py)
    written: dict[str, str] = field(default_factory=dict)  # what was kept of the sketch's dynamics and placement

    def genre_report(self) -> dict[str, Any]:
        return ({"genre": self.genre} | ({"genre_note": self.genre_note} if self.genre_note else {})
                | ({} if self.swing.straight else {"swing": self.swing.describe()}))


def humanize_grid(before: DrumGrid, nets: Networks, options: HumanizeOptions,
                  bpm: float | np.ndarray = 120.0, band: bool = False, fill_bars: frozenset[int] = frozenset(),
                  padding: np.ndarray | None = None) -> GridTake:
    """``humanize`` on the grid alone (no MIDI). ``bpm`` (one value, or one per bar) is read by
    ``--genre auto`` and for milliseconds; ``band``: the file has quantized parts beside the drums
    (``grid/written.py``); ``fill_bars``: the rows ``--fills`` will fill, where ``add``'s own tom
    figures give way; ``padding`` (T,): the steps past a frame's end (``grid/meters.py``), where
    ``add`` puts nothing. ``groove evaluate`` calls this on templates derived from real performances.
    """
    genre_name, genre_note = resolve_genre(nets, options.genre, before, bpm)
    genre_idx = nets.config.genres.index(genre_name)
    rng, seed = seeded_generator(options.seed)
    runs = Runs.of(before.hits)
    if not runs.spans:
        return GridTake(before, seed, genre_name, genre_note)
    win = window_arrays(before, runs)
    n_win = len(win["hits"])
    genre = full(n_win, genre_idx)
    template = derive_template(win["hits"], win["velocity"]).astype(np.float32)
    if options.density is None and options.syncopation is None:
        notes = choose_notes(options.notes, nets, win["hits"], template, genre, rng, options.temperature,
                             runs.first_windows)
    else:
        density = None if options.density is None else parse_density(options.density).per_bar(notes_per_bar(before.hits))
        notes = steered_notes(options.notes, nets, runs, before.hits, win["hits"], template, genre, rng,
                              options.temperature, density, options.syncopation)
    song_notes = runs.join(notes)
    if options.notes == "add" and options.density is None:  # the part's own density says how much to add
        song_notes = within_budget(before.hits, before.velocity, song_notes, genre_name, rng,
                                   vocabulary=genre_name if sure(genre_note) else None, padding=padding)
    notes = np.ascontiguousarray(runs.cut(song_notes), dtype=np.float32)  # one value per bar, as stitched
    latents = {}
    for name, kind in (("velocity", "velocity"), ("offset", "timing")):
        z = np.repeat(normal(rng, 1, nets.config.z_dim) * np.float32(options.temperature), n_win, 0)
        latents[name] = (z, pattern_levels(getattr(options, f"{kind}_pattern"), kind, n_win))
    programmed = options.velocity_pattern is None and is_programmed(before.hits, before.velocity)
    if programmed:  # the producer's accent contour is the velocity pattern the model follows
        latents["velocity"] = (latents["velocity"][0], own_patterns(win)["velocity"])
    feel = decode_feels(nets, latents, notes, genre, rng, options.temperature, runs.first_windows)
    swing = swing_for(options, genre_name, sure(genre_note))
    half_ms = half_step_ms_at(bpm, before.steps)
    played = play_genre({k: runs.join(v) for k, v in feel.items()}, song_notes, options,
                        genre_name if sure(genre_note) else None, swing, half_ms, kind_steps(before.bars),
                        written=before.hits > 0.5)
    played, written = as_written(before, song_notes, played, half_ms, programmed=programmed,
                                 band=band and drawn_timing(options.timing_pattern) is None)
    after = blend(before, song_notes, played, options.velocity_amount, options.timing_amount)
    hits = playable(after.hits, after.offset, half_ms, before.hits > 0.5, after.velocity)
    velocity = keep_audible(before.hits > 0.5, before.velocity, after.velocity)
    if options.notes == "add" and options.density is None:  # toms as loud as the genre's drummers' figures
        velocity = figure_velocity(before.hits, hits, velocity, genre_name if sure(genre_note) else None)
        hits = without_lone_cymbals(before.hits, without_figures_in(before.hits, hits, fill_bars))
    return GridTake(after.with_values(hits, velocity, after.offset), seed, genre_name, genre_note, swing, written)


def humanize_windows(nets: Networks, template: np.ndarray, genre: np.ndarray, *,
                     velocity_pattern: np.ndarray | None = None, timing_pattern: np.ndarray | None = None,
                     notes: str = "add", temperature: float = 1.0, rng: np.random.Generator | None = None,
                     batch: int = 512) -> dict[str, np.ndarray]:
    """Humanize many independent 2-bar windows at once (no song, no chaining between windows).

    ``template`` (N, 32, 9) binary sketches, ``genre`` (N,) indices, patterns (N, 32) levels
    (None: not drawn). Returns hits, velocity, offset (N, 32, 9). This is PocketVAE's own
    window-level setting, which ``groove evaluate`` uses for its control experiments.
    """
    rng = rng if rng is not None else np.random.default_rng()
    model, cfg = nets.model, nets.config
    template = np.asarray(template, np.float32)
    genre = np.asarray(genre, np.int64)
    none = np.zeros(template.shape[:2], np.int64)
    vp = none if velocity_pattern is None else np.asarray(velocity_pattern, np.int64)
    tp = none if timing_pattern is None else np.asarray(timing_pattern, np.int64)
    parts: dict[str, list[np.ndarray]] = {"hits": [], "velocity": [], "offset": []}
    for i in range(0, len(template), batch):
        t, g = template[i : i + batch], genre[i : i + batch]
        if notes == "keep":
            hits = t
        elif notes == "add" and nets.decorator is not None:
            hits = decorate_windows(nets.decorator, t, t, g, rng, temperature, decorations(t), songs=True)
        else:
            codes = closest_codes(nets, draw_codes(nets, g, rng, temperature, CANDIDATES), t)
            hits = decode_notes(nets, codes, t, t, notes)
        parts["hits"].append(hits)
        for feel, pattern in (("velocity", vp), ("offset", tp)):
            z = normal(rng, len(t), cfg.z_dim) * np.float32(temperature)
            parts[feel].append(model.decode_feel(feel, z, hits, pattern[i : i + batch], g, uniform(rng),
                                                 temperature=temperature))
    return {k: np.concatenate(v) if v else np.zeros((0, *template.shape[1:]), np.float32) for k, v in parts.items()}


def summary(perf: Performance, before: DrumGrid, after: DrumGrid) -> dict[str, Any]:
    """Notes added or removed, velocity range and mean |timing| in ms, before and after."""
    def stats(grid: DrumGrid) -> dict[str, Any]:
        hit = grid.hits > 0.5
        vel = np.round(grid.velocity[hit] * 127).astype(int) if hit.any() else np.zeros(1, int)
        ms = offsets_ms(perf, grid)[hit] if hit.any() else np.zeros(1)
        return {"hits": int(hit.sum()), "velocity_min": int(vel.min()), "velocity_max": int(vel.max()),
                "mean_abs_timing_ms": round(float(np.abs(ms).mean()), 2)}

    b, a = stats(before), stats(after)
    added = int(((after.hits > 0.5) & (before.hits < 0.5)).sum())
    removed = int(((after.hits < 0.5) & (before.hits > 0.5)).sum())
    return {"bars": len(before.bars), "notes_added": added, "notes_removed": removed, "before": b, "after": a,
            "features": {"before": grid_features(perf, before).overall.to_dict(),
                         "after": grid_features(perf, after).overall.to_dict()}}


