"""The public API: ``humanize()``, ``transfer()`` and ``sample()`` on whole songs.

A song is cut into 2-bar windows with a 1-bar hop. Windows are decoded in order and each one's
first bar is *forced* to the bar the previous window produced, so the decoder's state carries
the groove across the seam and every bar comes from exactly one window (``grid.from_windows``).
One velocity latent and one timing latent are drawn per song: one drummer, one feel.

Randomness flows from one ``torch.Generator`` seeded from ``seed``: same input, same seed, same
output, byte for byte.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .constants import (
    CLOSED_HIHAT,
    KICK,
    MIDI_VELOCITY_MAX,
    OPEN_HIHAT,
    RIDE,
    SNARE,
    STEPS_PER_BAR,
    WINDOW_BARS,
    WINDOW_STEPS,
    genre_key,
)
from .drawn import parse_pattern
from .drummap import DrumMap
from .errors import GrooveError
from .features import grid_features
from .feel_profile import follow, profile_of
from .genres import named_genre, resolve_genre
from .grid import DrumGrid, Runs, bar_bpm, from_windows, half_step_ms_at, offsets_ms, quantize, render, to_windows
from .midi import Performance, empty_performance, read_midi
from .patterns import derive_template, timing_pattern, velocity_pattern
from .weights import LoadedModel, load_model

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

    def __post_init__(self) -> None:
        if self.notes not in NOTE_MODES:
            raise GrooveError(f"--notes {self.notes!r}: use one of {', '.join(NOTE_MODES)}")
        for name in ("velocity_amount", "timing_amount"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise GrooveError(f"--{name.replace('_', '-')} must be between 0 and 1, not {getattr(self, name)}")
        if not 0.0 < self.temperature <= 3.0:
            raise GrooveError(f"--temperature must be in (0, 3], not {self.temperature}")


@dataclass(frozen=True)
class Result:
    """A humanized song and what changed."""

    performance: Performance
    before: DrumGrid
    after: DrumGrid
    seed: int
    report: dict[str, Any] = field(default_factory=dict)


def _generator(seed: int | None) -> tuple[torch.Generator, int]:
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    return torch.Generator().manual_seed(seed), seed


def _pattern(text: str | None, kind: str, windows: int) -> torch.Tensor:
    """(W, 32) pattern levels for every window; zeros ("no pattern") when none is drawn."""
    if text is None:
        return torch.zeros(windows, WINDOW_STEPS, dtype=torch.long)
    return torch.as_tensor(parse_pattern(text, kind), dtype=torch.long).expand(windows, -1).clone()


def _sample_codes(loaded: LoadedModel, genre: torch.Tensor, gen: torch.Generator, temperature: float,
                  chains: int = 1) -> torch.Tensor:
    """Code sequences (W, chains, S) from the prior for a song with nothing to follow (``sample``):
    each window of a chain starts with that chain's previous window's second bar, which is all
    that holds its windows together; a chain of batch-1 steps, window after window."""
    _need_prior(loaded)
    half = loaded.config.codes // WINDOW_BARS
    codes: list[torch.Tensor] = []
    with _one_thread():
        for w in range(len(genre)):
            prefix = codes[-1][:, half:] if codes else None
            codes.append(loaded.prior.sample(genre[w : w + 1].expand(chains), loaded.config.codes,
                                             temperature=temperature, prefix=prefix, generator=gen))
    return torch.stack(codes)


def _draw_codes(loaded: LoadedModel, genre: torch.Tensor, gen: torch.Generator, temperature: float,
                draws: int) -> torch.Tensor:
    """``draws`` independent code sequences for every window (W, draws, S), in one batched call.

    For a sketch, the sketch holds consecutive windows together (``_closest_codes`` picks the
    draw nearest it), so windows need not follow one another through the prior: on the GMD test
    songs (``python benchmarks/bench_add_notes.py``) 8 chained and 8 independent draws give the
    same note F1 (0.636 / 0.637) and notes per bar (19.6 / 19.7), bar-to-bar note overlap 0.573
    vs 0.560 (drummers 0.591), and independent draws are one batched call instead of a chain of
    batch-8 steps, window after window (34 s vs 23 s for the 88 songs).
    """
    _need_prior(loaded)
    codes = loaded.prior.sample(genre.repeat_interleave(draws), loaded.config.codes, temperature=temperature,
                                generator=gen)
    return codes.view(len(genre), draws, -1)


def _need_prior(loaded: LoadedModel) -> None:
    if loaded.prior is None:
        raise GrooveError(f"the weights {loaded.path} have no prior; use --notes keep, or weights trained with one")


CANDIDATES = 16  # prior draws per window that `add` and `free` choose from (see _closest_codes)


@contextmanager
def _one_thread():
    """Window-by-window decoding runs at batch 1, where thread hand-offs cost more than they
    save (measured: 3.2 s with 1 thread, 5.5 s with 2, for 120 bars); restores the setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _decode_feels(loaded: LoadedModel, latents: dict[str, tuple[torch.Tensor, torch.Tensor]], notes: torch.Tensor,
                  genre: torch.Tensor, gen: torch.Generator, temperature: float = 1.0,
                  fresh: frozenset[int] = frozenset()) -> dict[str, torch.Tensor]:
    """(W, 32, 9) values per feel ("velocity", "offset" → (z, pattern)), window by window, each
    window's first bar forced to the previous window's second, except in window 0 and the
    windows in ``fresh`` (those that open a run after silence, ``Runs.first_windows``).

    The two feels do not depend on each other, so they run at once on two threads: each is a
    chain of batch-1 steps bound by reading its decoder's weights, and torch releases the GIL
    inside each step. Each feel draws from a generator of its own, seeded from ``gen`` before
    the threads start, so the output does not depend on which thread runs first.
    """
    model = loaded.model
    seeds = {feel: int(torch.randint(2**62, (1,), generator=gen)) for feel in latents}
    with torch.no_grad():
        h_n = model.skel(notes)  # all windows in one call

    def one(feel: str) -> torch.Tensor:
        z, pattern = latents[feel]
        own = torch.Generator().manual_seed(seeds[feel])
        out: list[torch.Tensor] = []
        torch.set_num_threads(1)  # OpenMP keeps this per thread; the pool's threads start with the default
        with torch.no_grad():
            for w in range(len(notes)):
                first = out[-1][:, STEPS_PER_BAR:] if out and w not in fresh else None
                out.append(model.decode_feel(feel, z[w : w + 1], notes[w : w + 1], pattern[w : w + 1],
                                             genre[w : w + 1], first=first, h_n=h_n[w : w + 1],
                                             temperature=temperature, generator=own))
        return torch.cat(out)

    if torch.get_num_threads() == 1:  # one core for us (a folder's worker process): no second thread to win
        return {feel: one(feel) for feel in latents}
    with _one_thread(), ThreadPoolExecutor(max_workers=len(latents) or 1) as pool:
        return dict(zip(latents, pool.map(one, latents)))


def _window_tensors(grid: DrumGrid, runs: Runs) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(runs.cut(getattr(grid, k))) for k in ("hits", "velocity", "offset")}


def _decorations(sketch: torch.Tensor) -> torch.Tensor:
    """(W, 1, 9) classes ``add`` may add notes to: kick, snare and the sketch's own time-keeping
    cymbal (hi-hat or ride). The prior knows the genre, not the sketch: left alone it may lay a
    ride over a hi-hat groove or add a tom fill, which is not decoration but another part."""
    hihat = sketch[..., CLOSED_HIHAT].sum(-1) + sketch[..., OPEN_HIHAT].sum(-1)
    ride = sketch[..., RIDE].sum(-1) > hihat
    allowed = torch.zeros(sketch.shape[0], 1, sketch.shape[-1])
    allowed[:, 0, [KICK, SNARE]] = 1
    allowed[:, 0, CLOSED_HIHAT] = allowed[:, 0, OPEN_HIHAT] = (~ride).float()
    allowed[:, 0, RIDE] = ride.float()
    return allowed


def _notes_for(mode: str, loaded, hits_w, template_w, genre_w, gen, temperature) -> torch.Tensor:
    if mode == "keep":
        return hits_w
    codes = _closest_codes(loaded, _draw_codes(loaded, genre_w, gen, temperature, CANDIDATES), hits_w)
    return _decode_notes(loaded, codes, hits_w, template_w, mode)


def _closest_codes(loaded, candidates: torch.Tensor, sketch: torch.Tensor) -> torch.Tensor:
    """Per window, the candidate code sequence (of W, k, S) nearest the sketch's own codes (the
    NOTE encoder's reading of the sketch as if it were a performance): (W, S).

    One prior draw is a whole drummer's groove, and ``add`` unions it with the sketch: a draw
    whose kicks fall elsewhere doubles the kick part. The draw nearest the sketch decorates it.
    Measured on the GMD test songs' templates (``python benchmarks/bench_add_notes.py``): one
    draw gave note F1 0.609 against the drummers and 22.5 notes per bar; the nearest of 8, 0.638
    and 19.6; of 16, 0.653 and 18.5; of 32, 0.660 and 17.9; of 64, 0.665 and 17.5 (the drummers
    played 17.5, their templates 13.6). 16 is where the prior's batch still costs little: a
    120-bar song's draws are 1,904 sequences; at 64 they are 7,616 and humanize takes twice as long.
    """
    model = loaded.model
    w, k, s = candidates.shape
    with torch.no_grad():
        own = model.note.quantizer.lookup(model.note.encode(sketch, sketch, model.skel(sketch)))  # (W, S, D)
        dist = (model.note.quantizer.lookup(candidates) - own.unsqueeze(1)).pow(2).sum((-1, -2))  # (W, k)
    return candidates[torch.arange(w), dist.argmin(1)]


def _decode_notes(loaded, codes: torch.Tensor, sketch: torch.Tensor, template: torch.Tensor, mode: str) -> torch.Tensor:
    """Notes (W, 32, 9) from codes (W, S): ``free`` as decoded, ``add`` the sketch plus decorations."""
    model = loaded.model
    with torch.no_grad():
        decoded = (torch.sigmoid(model.note.decode(codes, template, model.skel(template))) > 0.5).float()
    return decoded if mode == "free" else torch.maximum(decoded * _decorations(sketch), sketch)


def _prepare(song, model, options, drum_map, overrides) -> tuple[Performance, LoadedModel, HumanizeOptions]:
    """Accept a path or a Performance, bundled or given weights, options or keyword overrides."""
    perf = song if isinstance(song, Performance) else read_midi(song, drum_map=drum_map)
    options = replace(options or HumanizeOptions(), **overrides)
    return perf, model if model is not None else load_model(), options


def humanize(song: Performance | str | Path, model: LoadedModel | None = None, options: HumanizeOptions | None = None,
             *, drum_map: DrumMap | None = None, **overrides: Any) -> Result:
    """Groove a stiff drum part: decorative notes, velocity dynamics and microtiming.

    Args:
        song: a MIDI path, or a Performance from ``midi.read_midi``.
        model: weights from ``weights.load_model``; None loads the bundled ones.
        options: a HumanizeOptions; keyword ``overrides`` replace its fields
            (``humanize("in.mid", genre="funk", seed=1)``).
        drum_map: reads the path (None: detected, ``--drum-map auto``), and gives added notes their
            pitch when the file has none (None: the map the song was read with).

    Returns:
        A ``Result`` with the new Performance (every non-drum event unchanged).

    Raises:
        GrooveError: for an unknown genre, a malformed pattern, or a song with no 4/4 bar.
    """
    perf, loaded, options = _prepare(song, model, options, drum_map, overrides)
    before = quantize(perf)
    take = humanize_grid(before, loaded, options, bpm=bar_bpm(perf, before))
    return Result(render(perf, take.grid, drum_map), before, take.grid, take.seed,
                  summary(perf, before, take.grid) | take.genre_report())


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
    gen, seed = _generator(options.seed)
    runs = Runs.of(before.hits)
    if not runs.spans:
        return GridTake(before, seed, genre_name, genre_note)
    win = _window_tensors(before, runs)
    n_win = len(win["hits"])
    genre = torch.full((n_win,), genre_idx, dtype=torch.long)
    template = torch.as_tensor(derive_template(win["hits"].numpy(), win["velocity"].numpy()))
    notes = _notes_for(options.notes, loaded, win["hits"], template, genre, gen, options.temperature)
    song_notes = runs.join(notes.numpy())
    notes = torch.as_tensor(runs.cut(song_notes))  # one value per bar, as stitched
    z_dim = loaded.config.z_dim
    latents = {}
    for name, kind in (("velocity", "velocity"), ("offset", "timing")):
        z = (torch.randn(1, z_dim, generator=gen) * options.temperature).expand(n_win, -1)
        latents[name] = (z, _pattern(getattr(options, f"{kind}_pattern"), kind, n_win))
    feel = _decode_feels(loaded, latents, notes, genre, gen, options.temperature, runs.first_windows)
    after = _blend(before, song_notes, {k: runs.join(v.numpy()) for k, v in feel.items()}, options)
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
        else:
            codes = _closest_codes(loaded, _draw_codes(loaded, g, generator, temperature, CANDIDATES), t)
            hits = _decode_notes(loaded, codes, t, t, notes)
        parts["hits"].append(hits)
        for feel, pattern in (("velocity", vp), ("offset", tp)):
            z = torch.randn(len(t), cfg.z_dim, generator=generator) * temperature
            parts[feel].append(model.decode_feel(feel, z, hits, pattern[i : i + batch], g, temperature=temperature,
                                                 generator=generator))
    return {k: torch.cat(v) if v else torch.zeros(0, *template.shape[1:]) for k, v in parts.items()}


def _blend(before: DrumGrid, hits: np.ndarray, model: dict[str, np.ndarray], options: HumanizeOptions) -> DrumGrid:
    """Mix the input's own velocity/timing with the model's by the amount knobs; new notes take the model's."""
    had = before.hits > 0.5
    velocity = np.where(had, before.velocity + options.velocity_amount * (model["velocity"] - before.velocity),
                        model["velocity"])
    offset = np.where(had, before.offset + options.timing_amount * (model["offset"] - before.offset), model["offset"])
    return before.with_values(hits, velocity * hits, offset * hits)


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
    gen, seed = _generator(options.seed)
    genre_name, genre_note = resolve_genre(loaded, options.genre, ref, ref_bpm)
    runs, ref_runs = Runs.of(before.hits), Runs.of(ref.hits)
    if not ref_runs.spans:
        raise GrooveError("the reference has no drum notes in 4/4 bars to take a groove from")
    if not runs.spans:
        return GridTake(before, seed, genre_name, genre_note)
    win = _window_tensors(before, runs)
    n_win = len(win["hits"])
    # only as much of the reference as the template needs: it is cycled when shorter
    ref_win = {k: v[:n_win] for k, v in _window_tensors(ref, ref_runs).items()}
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
    ref_hits, ref_vel, ref_off = (ref_win[k].numpy() for k in ("hits", "velocity", "offset"))
    ref_patterns = {"velocity": torch.as_tensor(velocity_pattern(ref_hits, ref_vel), dtype=torch.long),
                    "offset": torch.as_tensor(timing_pattern(ref_hits, ref_off), dtype=torch.long)}
    wanted = {"velocity": velocity, "offset": timing}
    latents = {}
    for name, kind in (("velocity", "velocity"), ("offset", "timing")):
        drawn = getattr(options, f"{kind}_pattern")
        if wanted[name]:
            z = model.encode_feel(name, ref_win[name], ref_win["hits"], ref_patterns[name], ref_genre)[cycle]
            pattern = _pattern(drawn, kind, n_win) if drawn is not None else ref_patterns[name][cycle]
        else:  # the template's notes keep their own values below; notes the transfer adds still need some
            z = (torch.randn(1, loaded.config.z_dim, generator=gen) * options.temperature).expand(n_win, -1)
            pattern = _pattern(drawn, kind, n_win)
        latents[name] = (z, pattern)
    feel = _decode_feels(loaded, latents, notes, genre, gen, options.temperature, runs.first_windows)
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
    after = _blend(before, song_notes, values, options)
    return GridTake(after, seed, genre_name, genre_note)


def sample(model: LoadedModel | None = None, *, genre: str = "rock", bars: int = 4, bpm: float = 120.0,
           temperature: float = 1.0, seed: int | None = None) -> Result:
    """A new groove from the genre-conditioned prior: codes → notes → velocity and timing.

    The NOTE decoder expects a template; a sampled groove has none, so notes are decoded twice:
    first against an empty template, then against the template derived from that first draft.
    """
    loaded = model if model is not None else load_model()
    if bars < 1:
        raise GrooveError(f"--bars must be at least 1, not {bars}")
    if not 20 <= bpm <= 400:
        raise GrooveError(f"--tempo {bpm:g} bpm is outside 20-400")
    if genre_key(genre) == "auto":
        raise GrooveError("sample has no sketch to guess a genre from; name one with --genre")
    genre_idx = loaded.config.genres.index(named_genre(loaded, genre))
    gen, seed = _generator(seed)
    blank = empty_performance(bars, bpm=bpm)
    n_win = max(bars - WINDOW_BARS + 1, 1)
    genre_t = torch.full((n_win,), genre_idx, dtype=torch.long)
    codes = _sample_codes(loaded, genre_t, gen, temperature)[:, 0]
    model = loaded.model
    template = torch.zeros(n_win, WINDOW_STEPS, loaded.config.n_drums)
    with torch.no_grad():
        for _ in range(2):
            hits = (torch.sigmoid(model.note.decode(codes, template, model.skel(template))) > 0.5).float()
            template = torch.as_tensor(derive_template(hits.numpy(), hits.numpy()))
    notes = torch.as_tensor(to_windows(from_windows(hits.numpy(), bars)))
    no_pattern = torch.zeros(n_win, WINDOW_STEPS, dtype=torch.long)
    latents = {name: ((torch.randn(1, loaded.config.z_dim, generator=gen) * temperature).expand(n_win, -1), no_pattern)
               for name in ("velocity", "offset")}
    feel = _decode_feels(loaded, latents, notes, genre_t, gen, temperature)
    grid = DrumGrid(*(from_windows(x.numpy(), bars) for x in (notes, feel["velocity"], feel["offset"])),
                    bars=blank.bars[:bars], note_cells=np.zeros(0, np.int64))
    grid = grid.with_values(grid.hits, grid.velocity, grid.offset)
    out = render(blank, grid)
    end = blank.end_tick  # a last hit's note-off must not open an extra bar
    out = replace(out, notes=tuple(replace(n, end=min(n.end, end)) if n.end is not None else n for n in out.notes))
    return Result(out, grid, grid, seed, {"bars": bars, "hits": int(grid.hits.sum()), "genre": genre})
