"""``transfer``: a reference's groove (dynamics, timing, with ``--notes add`` its notes) on a template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..constants import (
    MIDI_VELOCITY_MAX,
)
from ..errors import GrooveError
from ..grid.drumgrid import (
    DrumGrid,
    Runs,
    bar_bpm,
    check_groovable,
    half_step_ms_at,
    quantize,
    render,
)
from ..grid.feel_profile import follow, profile_of
from ..grid.patterns import derive_template
from ..grid.swing import apply_swing
from ..midi.drummap import DrumMap
from ..midi.performance import Performance
from ..midi.read import read_midi
from ..runtime.load import Networks
from ..runtime.networks import sigmoid
from .feel import blend, decode_feels, drawn_timing, own_patterns, pattern_levels, swing_for
from .genres import resolve_genre
from .humanize import GridTake, HumanizeOptions, prepare, summary
from .steps import full, normal, seeded_generator, window_arrays
from .take import Take


def transfer(template: Performance | str | Path, reference: Performance | str | Path, model: Networks | None = None,
             options: HumanizeOptions | None = None, *, velocity: bool = True, timing: bool = True,
             drum_map: DrumMap | None = None, **overrides: Any) -> Take:
    """Put the reference's groove on the template (see ``transfer_grid``), window by window,
    cycled when the files differ in length. Arguments as for ``humanize``.
    """
    template, nets, options = prepare(template, model, options, drum_map, overrides)
    reference = reference if isinstance(reference, Performance) else read_midi(reference, drum_map=drum_map)
    before, ref = quantize(template), quantize(reference)
    check_groovable(template, before)
    take = transfer_grid(before, ref, nets, options, velocity=velocity, timing=timing, bpm=bar_bpm(template, before),
                         ref_bpm=bar_bpm(reference, ref))
    # a swing preset places the off-beats as in humanize; the reference's feel is followed around it
    out = apply_swing(render(template, take.grid, drum_map), take.grid, swing_for(options, take.genre, False))
    return Take(out, before, take.grid, take.seed,
                  summary(template, before, take.grid) | take.genre_report())


def transfer_grid(before: DrumGrid, ref: DrumGrid, nets: Networks, options: HumanizeOptions, *,
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
    if not velocity and not timing:
        raise GrooveError("--velocity-only and --timing-only exclude each other")
    rng, seed = seeded_generator(options.seed)
    genre_name, genre_note = resolve_genre(nets, options.genre, ref, ref_bpm)
    runs, ref_runs = Runs.of(before.hits), Runs.of(ref.hits)
    if not ref_runs.spans:
        raise GrooveError("the reference has no drum notes in 4/4 bars to take a groove from")
    if not runs.spans:
        return GridTake(before, seed, genre_name, genre_note)
    win = window_arrays(before, runs)
    n_win = len(win["hits"])
    # only as much of the reference as the template needs: it is cycled when shorter
    ref_win = {k: v[:n_win] for k, v in window_arrays(ref, ref_runs).items()}
    n_ref = len(ref_win["hits"])
    cycle = np.arange(n_win) % n_ref
    genre_idx = nets.config.genres.index(genre_name)
    genre = full(n_win, genre_idx)
    ref_genre = full(n_ref, genre_idx)
    notes = reference_notes(nets, win, ref_win, cycle, runs, options.notes)
    wanted = {"velocity": velocity, "offset": timing}
    latents = reference_latents(nets, ref_win, ref_genre, cycle, options, wanted, rng, n_win)
    feel = decode_feels(nets, latents, notes, genre, rng, options.temperature, runs.first_windows)
    song_notes = runs.join(notes)
    values = {k: runs.join(v) for k, v in feel.items()}
    for name in latents:
        if not wanted[name]:
            values[name] = np.where(before.hits > 0.5, getattr(before, name), values[name])
    values = follow_reference(values, song_notes, before, ref, options, velocity=velocity, timing=timing, bpm=bpm,
                              ref_bpm=ref_bpm)
    after = blend(before, song_notes, values, options.velocity_amount, options.timing_amount)
    return GridTake(after, seed, genre_name, genre_note)


def reference_notes(nets: Networks, win: dict[str, np.ndarray], ref_win: dict[str, np.ndarray],
                    cycle: np.ndarray, runs: Runs, mode: str) -> np.ndarray:
    """The template's notes, with ``add`` / ``free`` the reference's note codes decoded against the
    template (its windows cycled when the reference is shorter)."""
    notes = win["hits"]
    if mode == "keep":
        return notes
    model = nets.model
    template_w = derive_template(win["hits"], win["velocity"]).astype(np.float32)
    ref_template = derive_template(ref_win["hits"], ref_win["velocity"]).astype(np.float32)
    codes = model.note_encode(ref_win["hits"], ref_template, model.skel(ref_template))[cycle]
    decoded = (sigmoid(model.note_decode(codes, template_w, model.skel(template_w))) > 0.5).astype(np.float32)
    notes = decoded if mode == "free" else np.maximum(decoded, notes)
    return np.ascontiguousarray(runs.cut(runs.join(notes)), dtype=np.float32)


def follow_reference(values: dict[str, np.ndarray], song_notes: np.ndarray, before: DrumGrid, ref: DrumGrid,
                     options: HumanizeOptions, *, velocity: bool, timing: bool, bpm: float | np.ndarray,
                     ref_bpm: float | np.ndarray) -> dict[str, np.ndarray]:
    """The decoded feel moved onto the reference's profile per drum and 16th, where not drawn."""
    if velocity and options.velocity_pattern is None:
        values["velocity"] = follow(values["velocity"], song_notes, profile_of(ref.hits, ref.velocity),
                                    1 / MIDI_VELOCITY_MAX, 1.0)
    if timing and drawn_timing(options.timing_pattern) is None:
        ms, ref_ms = half_step_ms_at(bpm, before.steps)[:, None], half_step_ms_at(ref_bpm, ref.steps)[:, None]
        moved = follow(values["offset"] * ms, song_notes, profile_of(ref.hits, ref.offset * ref_ms), -np.inf, np.inf)
        values["offset"] = np.clip(moved / ms, -1.0, 1.0 - 1e-3) * song_notes
    return values


def reference_latents(nets: Networks, ref_win: dict[str, np.ndarray], ref_genre: np.ndarray,
                      cycle: np.ndarray, options: HumanizeOptions, wanted: dict[str, bool], rng: np.random.Generator,
                      n_win: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per feel, the reference's posterior latent and its own pattern as the condition (a drawn
    pattern wins); a feel not taken from the reference gets a fresh draw and the drawn pattern."""
    model = nets.model
    ref_patterns = own_patterns(ref_win)
    latents = {}
    for name, kind in (("velocity", "velocity"), ("offset", "timing")):
        drawn = options.velocity_pattern if kind == "velocity" else drawn_timing(options.timing_pattern)
        if wanted[name]:
            z = model.encode_feel(name, ref_win[name], ref_win["hits"], ref_patterns[name], ref_genre)[cycle]
            pattern = pattern_levels(drawn, kind, n_win) if drawn is not None else ref_patterns[name][cycle]
        else:  # the template's notes keep their own values below; notes the transfer adds still need some
            z = np.repeat(normal(rng, 1, nets.config.z_dim) * np.float32(options.temperature), n_win, 0)
            pattern = pattern_levels(drawn, kind, n_win)
        latents[name] = (z, pattern)
    return latents
