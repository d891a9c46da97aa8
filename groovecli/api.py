"""The public API: ``humanize()``, ``transfer()`` and ``sample()`` on whole songs.

A song is cut into 2-bar windows with a 1-bar hop. Windows are decoded in order and each one's
first bar is *forced* to the bar the previous window produced, so the decoder's state carries
the groove across the seam and every bar comes from exactly one window (``grid.from_windows``).
One velocity latent and one timing latent are drawn per song: one drummer, one feel.

Randomness flows from one ``torch.Generator`` seeded from ``seed``: same input, same seed, same
output, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .bundled import genre_shares
from .constants import (
    MIDI_VELOCITY_MAX,
    WINDOW_BARS,
    WINDOW_STEPS,
    genre_key,
)
from .decorate import decorate_windows
from .drawn import parse_fills
from .drummap import DrumMap
from .errors import GrooveError
from .features import grid_features
from .feel_profile import follow, profile_of
from .genres import named_genre, resolve_genre
from .grid import (
    DrumGrid,
    Runs,
    bar_bpm,
    from_windows,
    half_step_ms_at,
    new_song,
    offsets_ms,
    quantize,
    render,
    to_windows,
)
from .knobs import check_knobs, check_syncopation, notes_per_bar, parse_density, steer_new
from .midi import Performance, read_midi
from .patterns import derive_template
from .steps import (
    CANDIDATES,
    blend,
    chain_codes,
    choose_notes,
    closest_codes,
    decode_feels,
    decode_notes,
    decorations,
    draw_codes,
    own_patterns,
    pattern_levels,
    seeded_generator,
    steered_notes,
    window_tensors,
)
from .weights import LoadedCond, LoadedModel, load_cond, load_model

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


@dataclass(frozen=True)
class Result:
    """A humanized song and what changed."""

    performance: Performance
    before: DrumGrid
    after: DrumGrid
    seed: int
    report: dict[str, Any] = field(default_factory=dict)


def _prepare(song, model, options, drum_map, overrides) -> tuple[Performance, LoadedModel, HumanizeOptions]:
    """Accept a path or a Performance, bundled or given weights, options or keyword overrides."""
    perf = song if isinstance(song, Performance) else read_midi(song, drum_map=drum_map)
    options = replace(options or HumanizeOptions(), **overrides)
    return perf, model if model is not None else load_model(), options


def humanize(song: Performance | str | Path, model: LoadedModel | None = None, options: HumanizeOptions | None = None,
             *, drum_map: DrumMap | None = None, fill_model: LoadedCond | None = None, **overrides: Any) -> Result:
    """Groove a stiff drum part: decorative notes, velocity dynamics and microtiming.

    Args:
        song: a MIDI path, or a Performance from ``midi.read_midi``.
        model: weights from ``weights.load_model``; None loads the bundled ones.
        options: a HumanizeOptions; keyword ``overrides`` replace its fields
            (``humanize("in.mid", genre="funk", seed=1)``).
        drum_map: reads the path (None: detected, ``--drum-map auto``), and gives added notes their
            pitch when the file has none (None: the map the song was read with).
        fill_model: the fill model for ``fills`` (``weights.load_cond("fills")``; None: bundled).

    Returns:
        A ``Result`` with the new Performance (every non-drum event unchanged).

    Raises:
        GrooveError: for an unknown genre, a malformed pattern, or a song with no 4/4 bar.
    """
    perf, loaded, options = _prepare(song, model, options, drum_map, overrides)
    before = quantize(perf)
    take = humanize_grid(before, loaded, options, bpm=bar_bpm(perf, before))
    after, extra = take.grid, {}
    if options.fills is not None:
        from .fills import fill_rows, fill_song

        after, extra = fill_song(perf, before, after, fill_rows(perf, before, options.fills),
                                 fill_model if fill_model is not None else load_cond("fills"), genre=take.genre,
                                 seed=take.seed, mode=options.notes, beats=options.fill_beats,
                                 temperature=options.temperature)
    return Result(render(perf, after, drum_map), before, after, take.seed,
                  summary(perf, before, after) | take.genre_report() | extra)


@dataclass(frozen=True)
class GridTake:
    """One grooved grid: what ``humanize_grid`` and ``transfer_grid`` return."""

    grid: DrumGrid
    seed: int
    genre: str  # the model genre it was played in
    genre_note: str | None = None  # why that genre, when it is not the name the user gave

    def genre_report(self) -> dict[str, Any]:
        return {"genre": self.genre} | ({"genre_note": self.genre_note} if self.genre_note else {})


def humanize_grid(before: DrumGrid, loaded: LoadedModel, options: HumanizeOptions,
                  bpm: float | np.ndarray = 120.0) -> GridTake:
    """``humanize`` on the grid alone (no MIDI). ``bpm`` (one value, or one per bar) is only read
    by ``--genre auto``. ``groove evaluate`` calls this on templates derived from real performances.
    """
    genre_name, genre_note = resolve_genre(loaded, options.genre, before, bpm)
    genre_idx = loaded.config.genres.index(genre_name)
    gen, seed = seeded_generator(options.seed)
    runs = Runs.of(before.hits)
    if not runs.spans:
        return GridTake(before, seed, genre_name, genre_note)
    win = window_tensors(before, runs)
    n_win = len(win["hits"])
    genre = torch.full((n_win,), genre_idx, dtype=torch.long)
    template = torch.as_tensor(derive_template(win["hits"].numpy(), win["velocity"].numpy()))
    if options.density is None and options.syncopation is None:
        notes = choose_notes(options.notes, loaded, win["hits"], template, genre, gen, options.temperature,
                             runs.first_windows)
    else:
        density = None if options.density is None else parse_density(options.density).per_bar(notes_per_bar(before.hits))
        notes = steered_notes(options.notes, loaded, runs, before.hits, win["hits"], template, genre, gen,
                              options.temperature, density, options.syncopation)
    song_notes = runs.join(notes.numpy())
    notes = torch.as_tensor(runs.cut(song_notes))  # one value per bar, as stitched
    z_dim = loaded.config.z_dim
    latents = {}
    for name, kind in (("velocity", "velocity"), ("offset", "timing")):
        z = (torch.randn(1, z_dim, generator=gen) * options.temperature).expand(n_win, -1)
        latents[name] = (z, pattern_levels(getattr(options, f"{kind}_pattern"), kind, n_win))
    feel = decode_feels(loaded, latents, notes, genre, gen, options.temperature, runs.first_windows)
    after = blend(before, song_notes, {k: runs.join(v.numpy()) for k, v in feel.items()}, options.velocity_amount,
                  options.timing_amount)
    return GridTake(after, seed, genre_name, genre_note)


@torch.no_grad()
def humanize_windows(loaded: LoadedModel, template: torch.Tensor, genre: torch.Tensor, *,
                     velocity_pattern: torch.Tensor | None = None, timing_pattern: torch.Tensor | None = None,
                     notes: str = "add", temperature: float = 1.0, generator: torch.Generator | None = None,
                     batch: int = 512) -> dict[str, torch.Tensor]:
    """Humanize many independent 2-bar windows at once (no song, no chaining between windows).

    ``template`` (N, 32, 9) binary sketches, ``genre`` (N,) indices, patterns (N, 32) levels
    (None: not drawn). Returns hits, velocity, offset (N, 32, 9). This is PocketVAE's own
    window-level setting, which ``groove evaluate`` uses for its control experiments.
    """
    model, cfg = loaded.model, loaded.config
    none = torch.zeros(template.shape[:2], dtype=torch.long)
    vp = none if velocity_pattern is None else velocity_pattern.long()
    tp = none if timing_pattern is None else timing_pattern.long()
    parts: dict[str, list[torch.Tensor]] = {"hits": [], "velocity": [], "offset": []}
    for i in range(0, len(template), batch):
        t, g = template[i : i + batch], genre[i : i + batch]
        if notes == "keep":
            hits = t
        elif notes == "add" and loaded.decorator is not None:
            hits = decorate_windows(loaded.decorator.model, t, t, g, generator, temperature, decorations(t),
                                    songs=True)
        else:
            codes = closest_codes(loaded, draw_codes(loaded, g, generator, temperature, CANDIDATES), t)
            hits = decode_notes(loaded, codes, t, t, notes)
        parts["hits"].append(hits)
        for feel, pattern in (("velocity", vp), ("offset", tp)):
            z = torch.randn(len(t), cfg.z_dim, generator=generator) * temperature
            parts[feel].append(model.decode_feel(feel, z, hits, pattern[i : i + batch], g, temperature=temperature,
                                                 generator=generator))
    return {k: torch.cat(v) if v else torch.zeros(0, *template.shape[1:]) for k, v in parts.items()}


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


def transfer(template: Performance | str | Path, reference: Performance | str | Path, model: LoadedModel | None = None,
             options: HumanizeOptions | None = None, *, velocity: bool = True, timing: bool = True,
             drum_map: DrumMap | None = None, **overrides: Any) -> Result:
    """Put the reference's groove on the template (see ``transfer_grid``), window by window,
    cycled when the files differ in length. Arguments as for ``humanize``.
    """
    template, loaded, options = _prepare(template, model, options, drum_map, overrides)
    reference = reference if isinstance(reference, Performance) else read_midi(reference, drum_map=drum_map)
    before, ref = quantize(template), quantize(reference)
    take = transfer_grid(before, ref, loaded, options, velocity=velocity, timing=timing, bpm=bar_bpm(template, before),
                         ref_bpm=bar_bpm(reference, ref))
    return Result(render(template, take.grid, drum_map), before, take.grid, take.seed,
                  summary(template, before, take.grid) | take.genre_report())


def transfer_grid(before: DrumGrid, ref: DrumGrid, loaded: LoadedModel, options: HumanizeOptions, *,
                  velocity: bool = True, timing: bool = True, bpm: float | np.ndarray = 120.0,
                  ref_bpm: float | np.ndarray = 120.0) -> GridTake:
    """``transfer`` on grids; ``bpm`` and ``ref_bpm`` are the template's and the reference's tempi
    (one value, or one per bar).

    The model decodes the template's feel conditioned on the reference, as PocketVAE's control
    path intends: its velocity and timing latents (posterior means, window by window), and its
    own velocity contour and push / laid-back pattern, derived per window, as the drawn-pattern
    condition (unless the user drew patterns). The result is then moved onto the reference's
    profile, per drum and 16th (``feel_profile.py``: that step is what makes the output follow
    the reference; the model supplies the note-to-note variation). With ``notes`` add or free,
    the reference's note codes are decoded against the template too. The genre (``auto``:
    guessed from the reference, whose feel this is) conditions both sides.
    """
    gen, seed = seeded_generator(options.seed)
    genre_name, genre_note = resolve_genre(loaded, options.genre, ref, ref_bpm)
    runs, ref_runs = Runs.of(before.hits), Runs.of(ref.hits)
    if not ref_runs.spans:
        raise GrooveError("the reference has no drum notes in 4/4 bars to take a groove from")
    if not runs.spans:
        return GridTake(before, seed, genre_name, genre_note)
    win = window_tensors(before, runs)
    n_win = len(win["hits"])
    # only as much of the reference as the template needs: it is cycled when shorter
    ref_win = {k: v[:n_win] for k, v in window_tensors(ref, ref_runs).items()}
    n_ref = len(ref_win["hits"])
    cycle = torch.arange(n_win) % n_ref
    genre_idx = loaded.config.genres.index(genre_name)
    genre = torch.full((n_win,), genre_idx, dtype=torch.long)
    ref_genre = torch.full((n_ref,), genre_idx, dtype=torch.long)
    template_w = torch.as_tensor(derive_template(win["hits"].numpy(), win["velocity"].numpy()))
    model = loaded.model
    notes = win["hits"]
    if options.notes != "keep":
        ref_template = torch.as_tensor(derive_template(ref_win["hits"].numpy(), ref_win["velocity"].numpy()))
        with torch.no_grad():
            codes = model.note.encode(ref_win["hits"], ref_template, model.skel(ref_template))[cycle]
            decoded = (torch.sigmoid(model.note.decode(codes, template_w, model.skel(template_w))) > 0.5).float()
        notes = decoded if options.notes == "free" else torch.maximum(decoded, notes)
        notes = torch.as_tensor(runs.cut(runs.join(notes.numpy())))
    ref_patterns = own_patterns(ref_win)
    wanted = {"velocity": velocity, "offset": timing}
    latents = {}
    for name, kind in (("velocity", "velocity"), ("offset", "timing")):
        drawn = getattr(options, f"{kind}_pattern")
        if wanted[name]:
            z = model.encode_feel(name, ref_win[name], ref_win["hits"], ref_patterns[name], ref_genre)[cycle]
            pattern = pattern_levels(drawn, kind, n_win) if drawn is not None else ref_patterns[name][cycle]
        else:  # the template's notes keep their own values below; notes the transfer adds still need some
            z = (torch.randn(1, loaded.config.z_dim, generator=gen) * options.temperature).expand(n_win, -1)
            pattern = pattern_levels(drawn, kind, n_win)
        latents[name] = (z, pattern)
    feel = decode_feels(loaded, latents, notes, genre, gen, options.temperature, runs.first_windows)
    song_notes = runs.join(notes.numpy())
    values = {k: runs.join(v.numpy()) for k, v in feel.items()}
    for name in latents:
        if not wanted[name]:
            values[name] = np.where(before.hits > 0.5, getattr(before, name), values[name])
    if velocity and options.velocity_pattern is None:
        values["velocity"] = follow(values["velocity"], song_notes, profile_of(ref.hits, ref.velocity),
                                    1 / MIDI_VELOCITY_MAX, 1.0)
    if timing and options.timing_pattern is None:
        ms, ref_ms = half_step_ms_at(bpm, before.steps)[:, None], half_step_ms_at(ref_bpm, ref.steps)[:, None]
        moved = follow(values["offset"] * ms, song_notes, profile_of(ref.hits, ref.offset * ref_ms), -np.inf, np.inf)
        values["offset"] = np.clip(moved / ms, -1.0, 1.0 - 1e-3) * song_notes
    after = blend(before, song_notes, values, options.velocity_amount, options.timing_amount)
    return GridTake(after, seed, genre_name, genre_note)


TAKES = 16  # prior takes `sample` draws; it plays one, drawn to match the genre's kit (_take_matching)


def _take_matching(hits: torch.Tensor, shares: list[float], gen: torch.Generator, rounds: int = 500) -> int:
    """Of ``takes`` drafts (takes, W, 32, 9), one drawn with weights chosen so that the weighted
    mean of their drum-class shares comes as near as the drafts allow to ``shares``, the genre's
    drummers' (``bundled.genre_shares``): over many takes each class then sounds about as often
    as they play it, rare ones included, where the prior alone under-plays the ride (afrobeat:
    7 % of hits against the drummers' 13 %; ``benchmarks/eval_genre_character.py``). The weights
    are the least-squares fit on the simplex, by projected gradient with step 1 / L (16 drafts,
    9 classes: milliseconds)."""
    target = np.asarray(shares, np.float64)
    counts = hits.sum((1, 2)).double().numpy()
    mix = counts / np.maximum(counts.sum(1, keepdims=True), 1)  # (takes, 9)
    step = 1.0 / (float(np.linalg.eigvalsh(mix @ mix.T)[-1]) + 1e-12)
    w = np.full(len(mix), 1.0 / len(mix))
    for _ in range(rounds):
        w = _onto_simplex(w - step * (mix @ (mix.T @ w - target)))
    return int(torch.multinomial(torch.as_tensor(w, dtype=torch.float32).clamp(min=0), 1, generator=gen))


def _onto_simplex(v: np.ndarray) -> np.ndarray:
    """The nearest point to ``v`` with non-negative entries summing to 1 (Duchi et al. 2008)."""
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1
    rho = int(np.nonzero(u - css / np.arange(1, len(v) + 1) > 0)[0].max())
    return np.maximum(v - css[rho] / (rho + 1), 0)


def sample(model: LoadedModel | None = None, *, genre: str = "rock", bars: int = 4, bpm: float = 120.0,
           temperature: float = 1.0, seed: int | None = None, density: str | None = None,
           syncopation: float | None = None) -> Result:
    """A new groove from the genre-conditioned prior: codes → notes → velocity and timing.

    The NOTE decoder expects a template; a sampled groove has none, so notes are decoded twice:
    first against an empty template, then against the template derived from that first draft.
    ``density`` (notes per bar; a relative one is relative to the draft) and ``syncopation``
    steer which decoded notes are played (``knobs.py``).
    """
    loaded = model if model is not None else load_model()
    if bars < 1:
        raise GrooveError(f"--bars must be at least 1, not {bars}")
    if not 20 <= bpm <= 400:
        raise GrooveError(f"--tempo {bpm:g} bpm is outside 20-400")
    if genre_key(genre) == "auto":
        raise GrooveError("sample has no sketch to guess a genre from; name one with --genre")
    wanted = parse_density(density) if density is not None else None
    check_syncopation(syncopation)
    genre_idx = loaded.config.genres.index(named_genre(loaded, genre))
    gen, seed = seeded_generator(seed)
    n_win = max(bars - WINDOW_BARS + 1, 1)
    genre_t = torch.full((n_win,), genre_idx, dtype=torch.long)
    shares = genre_shares(named_genre(loaded, genre))
    takes = TAKES if shares else 1
    codes = chain_codes(loaded, genre_t, gen, temperature, takes).transpose(0, 1).flatten(0, 1)  # (takes * W, S)
    model = loaded.model
    template = torch.zeros(len(codes), WINDOW_STEPS, loaded.config.n_drums)
    with torch.no_grad():
        for _ in range(2):
            p = torch.sigmoid(model.note.decode(codes, template, model.skel(template)))
            hits = (p > 0.5).float()
            template = torch.as_tensor(derive_template(hits.numpy(), hits.numpy()))
    take = _take_matching(hits.view(takes, n_win, *hits.shape[1:]), shares, gen) if shares else 0
    p, hits = p.view(takes, n_win, *p.shape[1:])[take], hits.view(takes, n_win, *hits.shape[1:])[take]
    song = from_windows(hits.numpy(), bars)
    if wanted is not None or syncopation is not None:
        song = steer_new(from_windows(p.numpy(), bars), wanted, syncopation, relative_to=song)
    notes = torch.as_tensor(to_windows(song))
    no_pattern = torch.zeros(n_win, WINDOW_STEPS, dtype=torch.long)
    latents = {name: ((torch.randn(1, loaded.config.z_dim, generator=gen) * temperature).expand(n_win, -1), no_pattern)
               for name in ("velocity", "offset")}
    feel = decode_feels(loaded, latents, notes, genre_t, gen, temperature)
    out, grid = new_song(*(from_windows(x.numpy(), bars) for x in (notes, feel["velocity"], feel["offset"])), bpm=bpm)
    return Result(out, grid, grid, seed, {"bars": bars, "hits": int(grid.hits.sum()), "genre": genre})
