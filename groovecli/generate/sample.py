"""``sample``: a new groove from the genre-conditioned prior over the NOTE VQ-VAE's codes."""

from __future__ import annotations

import numpy as np

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
from ..runtime.load import Networks, load_cond_networks, load_networks
from ..runtime.networks import CondNet, sigmoid
from .feel import decode_feels
from .fill import add_fills
from .genres import named_genre
from .notes import chain_codes
from .steps import full, normal, offspring, seeded_generator
from .take import Take

TAKES = 16  # prior takes `sample` draws; it plays one, drawn to match the genre's kit (take_matching)


def take_matching(hits: np.ndarray, shares: list[float], rng: np.random.Generator, rounds: int = 500) -> int:
    """Of ``takes`` drafts (takes, W, 32, 9), one drawn with weights chosen so that the weighted
    mean of their drum-class shares comes as near as the drafts allow to ``shares``, the genre's
    drummers' (``bundled.genre_shares``): over many takes each class then sounds about as often
    as they play it, rare ones included, where the prior alone under-plays the ride (afrobeat's
    most of all; ``experiments/eval_genre_character.py``). The weights
    are the least-squares fit on the simplex, by projected gradient with step 1 / L (16 drafts,
    9 classes: milliseconds)."""
    target = np.asarray(shares, np.float64)
    counts = hits.sum((1, 2)).astype(np.float64)
    mix = counts / np.maximum(counts.sum(1, keepdims=True), 1)  # (takes, 9)
    step = 1.0 / (float(np.linalg.eigvalsh(mix @ mix.T)[-1]) + 1e-12)
    w = np.full(len(mix), 1.0 / len(mix))
    for _ in range(rounds):
        w = _onto_simplex(w - step * (mix @ (mix.T @ w - target)))
    w = np.maximum(w, 0)
    return int(rng.choice(len(w), p=w / w.sum()))


def _onto_simplex(v: np.ndarray) -> np.ndarray:
    """The nearest point to ``v`` with non-negative entries summing to 1 (Duchi et al. 2008)."""
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1
    rho = int(np.nonzero(u - css / np.arange(1, len(v) + 1) > 0)[0].max())
    return np.maximum(v - css[rho] / (rho + 1), 0)


def sample(model: Networks | None = None, *, genre: str = "rock", bars: int = 4, bpm: float = 120.0,
           temperature: float = 1.0, seed: int | None = None, density: str | None = None,
           syncopation: float | None = None, fill_model: CondNet | None = None) -> Take:
    """A new groove from the genre-conditioned prior: codes → notes → velocity and timing.

    The NOTE decoder expects a template; a sampled groove has none, so notes are decoded twice:
    first against an empty template, then against the template derived from that first draft.
    The take's first two bars are held and varied at phrase ends (``grid/phrases.py``), with a
    fill (``fill_model``; None: the bundled one) at the end of each 8-bar phrase that another
    bar follows. ``density`` (notes per bar; a relative one is relative to the draft) and
    ``syncopation`` steer which notes are played (``knobs.py``).
    """
    nets = model if model is not None else load_networks()
    if bars < 1:
        raise GrooveError(f"--bars must be at least 1, not {bars}")
    if not 20 <= bpm <= 400:
        raise GrooveError(f"--tempo {bpm:g} bpm is outside 20-400")
    if genre_key(genre) == "auto":
        raise GrooveError("sample has no sketch to guess a genre from; name one with --genre")
    wanted = parse_density(density) if density is not None else None
    check_syncopation(syncopation)
    genre = named_genre(nets, genre)
    rng, seed = seeded_generator(seed)
    n_win = max(bars - WINDOW_BARS + 1, 1)
    genre_t = full(n_win, nets.config.genres.index(genre))
    shares = genre_shares(genre)
    takes = TAKES if shares else 1
    codes = chain_codes(nets, genre_t, rng, temperature, takes)  # (W, takes, S)
    codes = np.swapaxes(codes, 0, 1).reshape(takes * n_win, -1)
    model = nets.model
    template = np.zeros((len(codes), WINDOW_STEPS, nets.config.n_drums), np.float32)
    for _ in range(2):
        p = sigmoid(model.note_decode(codes, template, model.skel(template)))
        hits = (p > 0.5).astype(np.float32)
        template = derive_template(hits, hits).astype(np.float32)
    take = take_matching(hits.reshape(takes, n_win, *hits.shape[1:]), shares, rng) if shares else 0
    p, hits = (x.reshape(takes, n_win, *x.shape[1:])[take] for x in (p, hits))
    song = held(hits[0], from_windows(hits, bars), offspring(rng))  # the take's first two bars, held, varied at phrase ends
    if wanted is not None or syncopation is not None:  # the held notes first, then the likeliest others
        song = steer_new((song + from_windows(p, bars)) / 2, wanted, syncopation, relative_to=song)
    notes = to_windows(song).astype(np.float32)
    no_pattern = np.zeros((n_win, WINDOW_STEPS), np.int64)
    latents = {name: (np.repeat(normal(rng, 1, nets.config.z_dim) * np.float32(temperature), n_win, 0), no_pattern)
               for name in ("velocity", "offset")}
    feel = decode_feels(nets, latents, notes, genre_t, rng, temperature)
    hits, velocity, offset = (from_windows(x, bars) for x in (notes, feel["velocity"], feel["offset"]))
    hits, velocity, offset = phrase_ends(hits, velocity, offset, genre, seed, bpm, fill_model)
    out, grid = new_song(hits, velocity * hits, offset * hits, bpm=bpm)
    return Take(out, grid, grid, seed, {"bars": bars, "hits": int(grid.hits.sum()), "genre": genre})


def phrase_ends(hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray, genre: str, seed: int, bpm: float,
                fill_model: CondNet | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A sampled groove (T, 9 each) with a fill in the last bar of each 8-bar phrase another bar
    follows, a crash on the downbeat after each phrase (``phrases.land``), and every note
    playable by two hands."""
    n_bars = len(hits) // STEPS_PER_BAR
    rows = list(range(PHRASE_BARS - 1, n_bars - 1, PHRASE_BARS))
    clock = half_step_ms_at(bpm, len(hits))
    if rows:
        fills = fill_model if fill_model is not None else load_cond_networks("fills")
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
