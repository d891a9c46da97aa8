"""``transfer``: a reference's groove (dynamics, timing, with ``--notes add`` its notes) on a template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

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
from ..weights import LoadedModel
from .feel import blend, decode_feels, drawn_timing, own_patterns, pattern_levels, swing_for
from .genres import resolve_genre
from .humanize import GridTake, HumanizeOptions, prepare, summary
from .steps import seeded_generator, window_tensors
from .take import Take


def transfer(template: Performance | str | Path, reference: Performance | str | Path, model: LoadedModel | None = None,
             options: HumanizeOptions | None = None, *, velocity: bool = True, timing: bool = True,
             drum_map: DrumMap | None = None, **overrides: Any) -> Take:
    """Put the reference's groove on the template (see ``transfer_grid``), window by window,
    cycled when the files differ in length. Arguments as for ``humanize``.
    """
    template, loaded, options = prepare(template, model, options, drum_map, overrides)
    reference = reference if isinstance(reference, Performance) else read_midi(reference, drum_map=drum_map)
    before, ref = quantize(template), quantize(reference)
    check_groovable(template, before)
    take = transfer_grid(before, ref, loaded, options, velocity=velocity, timing=timing, bpm=bar_bpm(template, before),
                         ref_bpm=bar_bpm(reference, ref))
    # a swing preset places the off-beats as in humanize; the reference's feel is followed around it
    out = apply_swing(render(template, take.grid, drum_map), take.grid, swing_for(options, take.genre, False))
    return Take(out, before, take.grid, take.seed,
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
    if not velocity and not timing:
        raise GrooveError("--velocity-only and --timing-only exclude each other")
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
    notes = reference_notes(loaded, win, ref_win, cycle, runs, options.notes)
    wanted = {"velocity": velocity, "offset": timing}
    latents = reference_latents(loaded, ref_win, ref_genre, cycle, options, wanted, gen, n_win)
    feel = decode_feels(loaded, latents, notes, genre, gen, options.temperature, runs.first_windows)
    song_notes = runs.join(notes.numpy())
    values = {k: runs.join(v.numpy()) for k, v in feel.items()}
    for name in latents:
        if not wanted[name]:
            values[name] = np.where(before.hits > 0.5, getattr(before, name), values[name])
    values = follow_reference(values, song_notes, before, ref, options, velocity=velocity, timing=timing, bpm=bpm,
                              ref_bpm=ref_bpm)
    after = blend(before, song_notes, values, options.velocity_amount, options.timing_amount)
    return GridTake(after, seed, genre_name, genre_note)


def reference_notes(loaded: LoadedModel, win: dict[str, torch.Tensor], ref_win: dict[str, torch.Tensor],
                    cycle: torch.Tensor, runs: Runs, mode: str) -> torch.Tensor:
    """The template's notes, with ``add`` / ``free`` the reference's note codes decoded against the
    template (its windows cycled when the reference is shorter)."""
    notes = win["hits"]
    if mode == "keep":
        return notes
    model = loaded.model
    template_w = torch.as_tensor(derive_template(win["hits"].numpy(), win["velocity"].numpy()))
    ref_template = torch.as_tensor(derive_template(ref_win["hits"].numpy(), ref_win["velocity"].numpy()))
    with torch.no_grad():
        codes = model.note.encode(ref_win["hits"], ref_template, model.skel(ref_template))[cycle]
        decoded = (torch.sigmoid(model.note.decode(codes, template_w, model.skel(template_w))) > 0.5).float()
    notes = decoded if mode == "free" else torch.maximum(decoded, notes)
    return torch.as_tensor(runs.cut(runs.join(notes.numpy())))


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


def reference_latents(loaded: LoadedModel, ref_win: dict[str, torch.Tensor], ref_genre: torch.Tensor,
                      cycle: torch.Tensor, options: HumanizeOptions, wanted: dict[str, bool], gen: torch.Generator,
                      n_win: int) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Per feel, the reference's posterior latent and its own pattern as the condition (a drawn
    pattern wins); a feel not taken from the reference gets a fresh draw and the drawn pattern."""
    model = loaded.model
    ref_patterns = own_patterns(ref_win)
    latents = {}
    for name, kind in (("velocity", "velocity"), ("offset", "timing")):
        drawn = options.velocity_pattern if kind == "velocity" else drawn_timing(options.timing_pattern)
        if wanted[name]:
            z = model.encode_feel(name, ref_win[name], ref_win["hits"], ref_patterns[name], ref_genre)[cycle]
            pattern = pattern_levels(drawn, kind, n_win) if drawn is not None else ref_patterns[name][cycle]
        else:  # the template's notes keep their own values below; notes the transfer adds still need some
            z = (torch.randn(1, loaded.config.z_dim, generator=gen) * options.temperature).expand(n_win, -1)
            pattern = pattern_levels(drawn, kind, n_win)
        latents[name] = (z, pattern)
    return latents
