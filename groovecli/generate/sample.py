"""``sample``: a new groove from the genre-conditioned prior over the NOTE VQ-VAE's codes."""

from __future__ import annotations

import numpy as np
import torch

from ..bundled import genre_shares
from ..constants import (
    STEPS_PER_BAR,
    WINDOW_BARS,
    WINDOW_STEPS,
    genre_key,
)
from ..errors import GrooveError
from ..grid.drumgrid import (
    DrumGrid,
    from_windows,
    half_step_ms_at,
    new_song,
    to_windows,
)
from ..grid.hands import playable
from ..grid.knobs import check_syncopation, parse_density, steer_new
from ..grid.patterns import derive_template
from ..grid.phrases import PHRASE_BARS, held, land
from ..midi.performance import empty_performance
from ..weights import LoadedCond, LoadedModel, load_cond, load_model
from .feel import decode_feels
from .fill import add_fills
from .genres import named_genre
from .notes import chain_codes
from .steps import seeded_generator
from .take import Take

TAKES = 16  # prior takes `sample` draws; it plays one, drawn to match the genre's kit (take_matching)


def take_matching(hits: torch.Tensor, shares: list[float], gen: torch.Generator, rounds: int = 500) -> int:
    """Of ``takes`` drafts (takes, W, 32, 9), one drawn with weights chosen so that the weighted
    mean of their drum-class shares comes as near as the drafts allow to ``shares``, the genre's
    drummers' (``bundled.genre_shares``): over many takes each class then sounds about as often
    as they play it, rare ones included, where the prior alone under-plays the ride (afrobeat's
    most of all; ``experiments/eval_genre_character.py``). The weights
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
           syncopation: float | None = None, fill_model: LoadedCond | None = None) -> Take:
    """A new groove from the genre-conditioned prior: codes → notes → velocity and timing.

    The NOTE decoder expects a template; a sampled groove has none, so notes are decoded twice:
    first against an empty template, then against the template derived from that first draft.
    The take's first two bars are held and varied at phrase ends (``grid/phrases.py``), with a
    fill (``fill_model``; None: the bundled one) at the end of each 8-bar phrase that another
    bar follows. ``density`` (notes per bar; a relative one is relative to the draft) and
    ``syncopation`` steer which notes are played (``knobs.py``).
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
    genre = named_genre(loaded, genre)
    genre_idx = loaded.config.genres.index(genre)
    gen, seed = seeded_generator(seed)
    n_win = max(bars - WINDOW_BARS + 1, 1)
    genre_t = torch.full((n_win,), genre_idx, dtype=torch.long)
    shares = genre_shares(genre)
    takes = TAKES if shares else 1
    codes = chain_codes(loaded, genre_t, gen, temperature, takes).transpose(0, 1).flatten(0, 1)  # (takes * W, S)
    model = loaded.model
    template = torch.zeros(len(codes), WINDOW_STEPS, loaded.config.n_drums)
    with torch.no_grad():
        for _ in range(2):
            p = torch.sigmoid(model.note.decode(codes, template, model.skel(template)))
            hits = (p > 0.5).float()
            template = torch.as_tensor(derive_template(hits.numpy(), hits.numpy()))
    take = take_matching(hits.view(takes, n_win, *hits.shape[1:]), shares, gen) if shares else 0
    p, hits = (x.view(takes, n_win, *x.shape[1:])[take].numpy() for x in (p, hits))
    rng = np.random.default_rng(int(torch.randint(2**62, (1,), generator=gen)))
    song = held(hits[0], from_windows(hits, bars), rng)  # the take's first two bars, held, varied at phrase ends
    if wanted is not None or syncopation is not None:  # the held notes first, then the likeliest others
        song = steer_new((song + from_windows(p, bars)) / 2, wanted, syncopation, relative_to=song)
    notes = torch.as_tensor(to_windows(song))
    no_pattern = torch.zeros(n_win, WINDOW_STEPS, dtype=torch.long)
    latents = {name: ((torch.randn(1, loaded.config.z_dim, generator=gen) * temperature).expand(n_win, -1), no_pattern)
               for name in ("velocity", "offset")}
    feel = decode_feels(loaded, latents, notes, genre_t, gen, temperature)
    hits, velocity, offset = (from_windows(x.numpy(), bars) for x in (notes, feel["velocity"], feel["offset"]))
    hits, velocity, offset = phrase_ends(hits, velocity, offset, genre, seed, bpm, fill_model)
    out, grid = new_song(hits, velocity * hits, offset * hits, bpm=bpm)
    return Take(out, grid, grid, seed, {"bars": bars, "hits": int(grid.hits.sum()), "genre": genre})


def phrase_ends(hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray, genre: str, seed: int, bpm: float,
                fill_model: LoadedCond | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A sampled groove (T, 9 each) with a fill in the last bar of each 8-bar phrase another bar
    follows, a crash on the downbeat after each phrase (``phrases.land``), and every note
    playable by two hands."""
    n_bars = len(hits) // STEPS_PER_BAR
    rows = list(range(PHRASE_BARS - 1, n_bars - 1, PHRASE_BARS))
    clock = half_step_ms_at(bpm, len(hits))
    if rows:
        fills = fill_model if fill_model is not None else load_cond("fills")
        if genre in fills.config.genres:
            grid = DrumGrid(hits, velocity, offset, empty_performance(n_bars, bpm=bpm).bars[:n_bars],
                            np.zeros(0, np.int64))
            sketch = from_windows(derive_template(to_windows(hits), to_windows(velocity)), n_bars)
            filled = add_fills(grid, sketch, rows, fills, genre=genre, seed=seed, mode="free", half_ms=clock)
            hits, velocity, offset = filled.hits, filled.velocity, filled.offset
    hits, velocity, offset = hits.copy(), velocity.copy(), offset.copy()
    land(hits, velocity, offset)
    hits = playable(hits, offset, clock, np.zeros(hits.shape, bool), velocity)
    return hits, velocity * hits, offset * hits
