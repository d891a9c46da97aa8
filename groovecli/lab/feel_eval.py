"""``groove evaluate``'s feel sections: timing per drum class, transfer, and takes.

* Timing per drum class: mean offset and its standard deviation (ms) per class, over every
  hit of every song: a drummer's feel is a distribution per instrument (the kick a little
  ahead, the hi-hat spread wide), and a model can match the mean and still be stiff.
* Transfer: stiff templates of test songs, each given the feel of references from *other*
  test songs (``api.transfer_grid``, ``--notes keep``). The output's profile (mean velocity and
  mean offset per drum class and 16th position) should be nearest its own reference among all
  the references used; per drum class its mean offset and velocity should match the reference's.
* Takes: two seeds on the same template in ``keep`` mode must differ note by note (a second
  take is worth rendering), while one take's feel must hold across the song: the window-to-
  window spread of mean kick / snare offset and of swingness, against the drummers' own songs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..constants import FEEL_CLASSES, KICK, MIDI_VELOCITY_MAX, SNARE, STEPS_PER_BAR
from ..generate.humanize import HumanizeOptions, humanize_grid
from ..generate.transfer import transfer_grid
from ..grid.drumgrid import DrumGrid
from ..grid.features import song_features
from ..grid.feel_profile import profile_of

MIN_HITS = 20  # a class with fewer hits in a sample gives no figure


@dataclass(frozen=True)
class SongFeel:
    """What the feel sections need of one test song."""

    real: DrumGrid
    stiff: DrumGrid  # the template at velocity 100, on the grid
    half_ms: np.ndarray  # (T, 1) ms of one offset unit
    bpm: float
    genre: str


def crop(song: SongFeel, bars: int) -> SongFeel:
    """The song's first ``bars`` bars (the transfer and takes sections run many pairs)."""
    steps = min(bars * STEPS_PER_BAR, song.real.steps)

    def cut(g: DrumGrid) -> DrumGrid:
        return DrumGrid(g.hits[:steps], g.velocity[:steps], g.offset[:steps], g.bars[: steps // STEPS_PER_BAR],
                        np.zeros(0, np.int64))

    return SongFeel(cut(song.real), cut(song.stiff), song.half_ms[:steps], song.bpm, song.genre)


def class_stats(grids: list[DrumGrid], half_ms: list[np.ndarray]) -> dict[str, dict[str, float]]:
    """Per drum class: hits, mean and SD of offset (ms), mean and SD of velocity (MIDI units)."""
    out = {}
    for name, cols in FEEL_CLASSES.items():
        ms, vel = [], []
        for g, h in zip(grids, half_ms):
            hit = g.hits[:, list(cols)] > 0.5
            ms.append((g.offset[:, list(cols)] * h)[hit])
            vel.append(g.velocity[:, list(cols)][hit] * MIDI_VELOCITY_MAX)
        ms_all, vel_all = np.concatenate(ms), np.concatenate(vel)
        if len(ms_all) < MIN_HITS:
            continue
        out[name] = {"hits": int(len(ms_all)), "offset_mean_ms": float(ms_all.mean()), "offset_sd_ms": float(ms_all.std()),
                     "velocity_mean": float(vel_all.mean()), "velocity_sd": float(vel_all.std())}
    return out


def profile(grid: DrumGrid, half_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean velocity (MIDI) and mean offset (ms) per (16th position, drum): (16, 9) each, NaN where
    the grid has no hit there."""
    return (profile_of(grid.hits, grid.velocity * MIDI_VELOCITY_MAX).cell_mean,
            profile_of(grid.hits, grid.offset * half_ms).cell_mean)


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    both = ~np.isnan(a) & ~np.isnan(b)
    return float(np.abs(a[both] - b[both]).mean()) if both.sum() >= 3 else np.inf


def transfer_section(songs: list[SongFeel], loaded, seed: int, n_templates: int = 12, n_references: int = 12,
                     bars: int = 8) -> dict[str, Any]:
    """Every template × every reference from another song (``--notes keep``, default options)."""
    songs = [crop(s, bars) for s in songs]
    refs = songs[:n_references]
    templates = songs[n_references : n_references + n_templates] if len(songs) > n_references else songs
    ref_profiles = [profile(r.real, r.half_ms) for r in refs]
    ref_stats = [class_stats([r.real], [r.half_ms]) for r in refs]
    closer = {"velocity": [], "timing": []}
    gaps: dict[str, list[float]] = {"offset_mean_ms": [], "velocity_mean": []}
    pairs = 0
    for t in templates:
        for ri, r in enumerate(refs):
            if r is t:
                continue
            options = HumanizeOptions(notes="keep", seed=seed + pairs)
            out = transfer_grid(t.stiff, r.real, loaded, options, bpm=t.bpm, ref_bpm=r.bpm).grid
            pairs += 1
            vel, off = profile(out, t.half_ms)
            for key, mine, idx in (("velocity", vel, 0), ("timing", off, 1)):
                d = [_distance(mine, p[idx]) for p in ref_profiles]
                closer[key].append(bool(np.isfinite(d[ri]) and d[ri] <= min(d)))
            mine_stats = class_stats([out], [t.half_ms])
            for cls, st in ref_stats[ri].items():
                if cls in mine_stats:
                    for k in gaps:
                        gaps[k].append(abs(mine_stats[cls][k] - st[k]))
    return {"pairs": pairs, "references": len(refs), "templates": len(templates), "bars": bars,
            "nearest_own_velocity": float(np.mean(closer["velocity"])) if pairs else float("nan"),
            "nearest_own_timing": float(np.mean(closer["timing"])) if pairs else float("nan"),
            "class_offset_gap_ms": float(np.mean(gaps["offset_mean_ms"])) if gaps["offset_mean_ms"] else float("nan"),
            "class_velocity_gap": float(np.mean(gaps["velocity_mean"])) if gaps["velocity_mean"] else float("nan")}


def _window_feel(grid: DrumGrid, half_ms: np.ndarray) -> dict[str, np.ndarray]:
    """Per non-overlapping 2-bar window: mean offset of kick and snare hits (ms), swingness."""
    feats = song_features(grid.velocity * (grid.hits > 0.5), grid.offset * half_ms)
    kick_snare = []
    for w in range(len(feats.windows)):
        rows = slice(w * 2 * STEPS_PER_BAR, (w + 1) * 2 * STEPS_PER_BAR)
        hit = grid.hits[rows][:, [KICK, SNARE]] > 0.5
        ms = (grid.offset[rows] * half_ms[rows])[:, [KICK, SNARE]][hit]
        kick_snare.append(ms.mean() if len(ms) else np.nan)
    return {"kick_snare_ms": np.asarray(kick_snare), "swingness": np.asarray([w.swingness for w in feats.windows])}


def takes_section(songs: list[SongFeel], loaded, seed: int, bars: int = 16) -> dict[str, Any]:
    """Two keep-mode takes (seeds ``seed`` and ``seed + 1``) of every template."""
    dv, dt = [], []
    spread: dict[str, dict[str, list[float]]] = {"take": {"kick_snare_ms": [], "swingness": []},
                                                 "drummer": {"kick_snare_ms": [], "swingness": []}}
    for i, song in enumerate(crop(s, bars) for s in songs):
        a, b = (humanize_grid(song.stiff, loaded, HumanizeOptions(notes="keep", seed=seed + 2 * i + k, genre=song.genre),
                              bpm=song.bpm).grid for k in (0, 1))
        hit = song.stiff.hits > 0.5
        dv.append(np.abs(a.velocity - b.velocity)[hit] * MIDI_VELOCITY_MAX)
        dt.append(np.abs((a.offset - b.offset) * song.half_ms)[hit])
        for who, grid in (("take", a), ("drummer", song.real)):
            feel = _window_feel(grid, song.half_ms)
            if len(feel["swingness"]) >= 2:
                for k, v in feel.items():
                    v = v[~np.isnan(v)]
                    if len(v) >= 2:
                        spread[who][k].append(float(v.std()))
    out = {"songs": len(songs), "bars": bars,
           "mean_abs_velocity_difference": float(np.concatenate(dv).mean()) if dv else float("nan"),
           "mean_abs_timing_difference_ms": float(np.concatenate(dt).mean()) if dt else float("nan")}
    for who, d in spread.items():
        for k, v in d.items():
            out[f"{who}_window_sd_{k}"] = float(np.median(v)) if v else float("nan")
    return out
