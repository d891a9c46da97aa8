"""``groove evaluate``: how good groove is, measured on GMD's held-out split.

1. Reconstruction (PocketVAE Table 1): each model encodes and decodes the real test windows;
   note F1 (per step, the paper's), velocity and microtiming KL (``metrics.position_kl``) and
   MSE, and genre accuracy of the genre classifier on the reconstructions. KNN on templates and
   the real data itself are rows too; models trained with several seeds show mean ± std.
2. Humanization from templates, the real use: every test performance is reduced to its
   template (a stiff sketch, velocity 100, on the grid), humanized as a whole song by
   ``api.humanize_grid`` with the file's genre, and compared with what the drummer played;
   beside it the template itself, a DAW's random humanize and the training set's average groove.
3. Control: genre classifier accuracy on real windows; the share of humanized windows classified
   as the genre asked for (PocketVAE Figure 5, all as funk, and each genre in turn); the mean
   timing offset under drawn "pushed" and "laidback" patterns.
4. Realism: two judges trained to tell real 2-bar windows from each system's output, on half
   the test files; their accuracy on the other half (0.5: they cannot tell); ``realism.py``.
5. Feel (``feel_eval.py``): timing and velocity per drum class against the drummers'; transfer
   between test songs; two takes of one template.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..constants import MIDI_VELOCITY_MAX, STEPS_PER_BAR, STEPS_PER_BEAT
from ..errors import GrooveError
from ..generate.genres import resolve_genre
from ..generate.humanize import HumanizeOptions, humanize_grid, humanize_windows
from ..grid.drawn import parse_pattern
from ..grid.drumgrid import DrumGrid, from_windows, half_step_ms, quantize, to_windows
from ..grid.patterns import derive_template
from ..midi.drummap import GMD
from ..midi.read import read_midi
from ..nn.classifier import GenreClassifier
from ..nn.config import ModelConfig
from ..runtime.load import load_networks
from ..weights import bundled_dir, load_model, read_checkpoint, verify
from .baselines import PositionAverage, daw_random, knn_reconstruct
from .data import GENRES, GrooveDataset, load_dataset
from .feel_eval import SongFeel, class_stats, takes_section, transfer_section
from .metrics import mean_abs_error, note_f1, note_f1_steps, position_kl
from .realism import feature_judge, gru_judge
from .validation import to_batch

STIFF_VELOCITY = 100 / MIDI_VELOCITY_MAX  # what a producer's sketch has
CLASSIFIER_FILE = "genre-classifier.pt"

# PocketVAE (Lee, Kim, Nam 2021), Table 1: 5 random splits of their own mix (GMD and other
# sources), 7 drum classes, 6 genres. Not the same data as ours: shown for orientation only.
PAPER_TABLE1: dict[str, dict[str, str]] = {
    "Test data": {"genre_acc": "0.906 ± 0.042"},
    "KNN": {"note_f1": "0.561 ± 0.029", "velocity_kl": "0.217 ± 0.025", "velocity_mse": "0.037 ± 0.003",
            "timing_kl": "0.191 ± 0.040", "timing_mse": "0.011 ± 0.001", "genre_acc": "0.487 ± 0.018"},
    "1-step": {"note_f1": "0.816 ± 0.015", "velocity_kl": "0.115 ± 0.017", "velocity_mse": "0.025 ± 0.001",
               "timing_kl": "0.846 ± 0.072", "timing_mse": "0.013 ± 0.001", "genre_acc": "0.554 ± 0.033"},
    "2-step (VQ-VAE)": {"note_f1": "0.973 ± 0.004", "velocity_kl": "0.004 ± 0.003", "velocity_mse": "0.002 ± 0.000",
                        "timing_kl": "0.0416 ± 0.016", "timing_mse": "0.003 ± 0.000", "genre_acc": "0.866 ± 0.028"},
    "+genres": {"note_f1": "0.973 ± 0.000", "velocity_kl": "0.004 ± 0.003", "velocity_mse": "0.002 ± 0.000",
                "timing_kl": "0.0439 ± 0.016", "timing_mse": "0.003 ± 0.000", "genre_acc": "0.898 ± 0.029"},
    "+genres+patterns": {"note_f1": "0.972 ± 0.005", "velocity_kl": "0.011 ± 0.009", "velocity_mse": "0.001 ± 0.000",
                         "timing_kl": "0.0154 ± 0.006", "timing_mse": "0.002 ± 0.000", "genre_acc": "0.899 ± 0.037"},
    "2-step (VAE)": {"note_f1": "0.840 ± 0.024", "velocity_kl": "0.3664 ± 0.096", "velocity_mse": "0.0020 ± 0.000",
                     "timing_kl": "0.0704 ± 0.027", "timing_mse": "0.004 ± 0.000", "genre_acc": "0.807 ± 0.026"},
}
# Our run names (scripts/table1_runs.sh) → the paper's row names.
TABLE1_METRICS = ("note_f1", "velocity_kl", "velocity_mse", "timing_kl", "timing_mse", "genre_acc")


PAPER_ROW = {"onestep": "1-step", "twostep-vae": "2-step (VAE)", "vq": "2-step (VQ-VAE)", "vq-genres": "+genres",
             "pocketvae": "+genres+patterns"}


@dataclass(frozen=True)
class EvalRequest:
    data_dir: str
    split: str = "test"
    weights: str | None = None  # None: the bundled model
    classifier: str | None = None  # None: the bundled genre classifier
    models: tuple[tuple[str, str], ...] = ()  # Table 1 rows: (name, checkpoint); "name-sN" groups seeds
    cache_dir: str | None = None
    seed: int = 0
    max_files: int = 0  # 0: every file of the split (tests use a few)


@dataclass
class EvalReport:
    table1: list[dict[str, Any]] = field(default_factory=list)
    humanization: list[dict[str, Any]] = field(default_factory=list)
    control: dict[str, Any] = field(default_factory=dict)
    realism: list[dict[str, Any]] = field(default_factory=list)
    timing_classes: dict[str, dict[str, Any]] = field(default_factory=dict)  # system → class → stats
    transfer: dict[str, Any] = field(default_factory=dict)
    takes: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"meta": self.meta, "table1": self.table1, "humanization": self.humanization,
                "control": self.control, "realism": self.realism, "timing_classes": self.timing_classes,
                "transfer": self.transfer, "takes": self.takes}


# --- helpers --------------------------------------------------------------------------------


def load_classifier(path: str | None) -> GenreClassifier:
    """The genre classifier (``groove train --model classifier``); None: the repository's.

    It serves evaluation alone, so the wheel leaves it out (pyproject's wheel files): without a
    path it is read from the bundled folder when that holds it, else from the checkout's
    ``models/`` (this source tree's, then the working directory's)."""
    folder = bundled_dir()
    places = [folder / CLASSIFIER_FILE] if folder else []
    places += [Path(__file__).resolve().parents[2] / "models" / CLASSIFIER_FILE, Path("models") / CLASSIFIER_FILE]
    file = Path(path) if path else next((p for p in places if p.exists()), places[0])
    if not file.exists():
        raise GrooveError(f"no genre classifier at {file} (it is evaluation-only, in a groove checkout's models/, "
                          "not in the installed package); pass --classifier, or train one with "
                          "`groove train --model classifier`")
    verify(file, bundled=path is None)
    ckpt = read_checkpoint(file)
    states = ckpt["state_dicts"]
    if "classifier" not in states:
        raise GrooveError(f"{file} holds no genre classifier")
    cfg = ModelConfig.from_dict(ckpt["config"])
    clf = GenreClassifier(cfg.n_drums, len(cfg.genres))
    clf.load_state_dict({k: v.float() for k, v in states["classifier"].items()})
    return clf.eval()


@torch.no_grad()
def classify(clf: GenreClassifier, hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray,
             batch: int = 512) -> np.ndarray:
    """Predicted class of each (T, D) window."""
    out = []
    for i in range(0, len(hits), batch):
        args = (torch.as_tensor(a[i : i + batch], dtype=torch.float32) for a in (hits, velocity, offset))
        out.append(clf(*args).argmax(-1).numpy())
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _mean_std(values: list[float]) -> dict[str, float]:
    return {"mean": float(np.mean(values)), "std": float(np.std(values)), "n": len(values)}


# --- 1. reconstruction ----------------------------------------------------------------------


def reconstruction_metrics(true: GrooveDataset, pred: dict[str, np.ndarray], clf: GenreClassifier) -> dict[str, float]:
    return {
        "note_f1": note_f1_steps(true.hits, pred["hits"]),
        "velocity_kl": position_kl(true.velocity, true.hits, pred["velocity"], pred["hits"], (0.0, 1.0)),
        "velocity_mse": float(((pred["velocity"] - true.velocity) ** 2).mean()),
        "timing_kl": position_kl(true.offset, true.hits, pred["offset"], pred["hits"], (-1.0, 1.0)),
        "timing_mse": float(((pred["offset"] - true.offset) ** 2).mean()),
        "genre_acc": float((classify(clf, pred["hits"], pred["velocity"], pred["offset"]) == true.genre).mean()),
    }


@torch.no_grad()
def reconstruct(checkpoint: str, ds: GrooveDataset, batch: int = 512, seed: int = 0) -> dict[str, np.ndarray]:
    model = load_model(checkpoint, torch.device("cpu")).model
    gen = torch.Generator().manual_seed(seed)
    parts: dict[str, list[np.ndarray]] = {"hits": [], "velocity": [], "offset": []}
    for i in range(0, len(ds), batch):
        out = model.reconstruct(to_batch(ds, np.arange(i, min(i + batch, len(ds))), torch.device("cpu")), generator=gen)
        for k in parts:
            parts[k].append(out[k].numpy())
    return {k: np.concatenate(v) for k, v in parts.items()}


def table1(models: tuple[tuple[str, str], ...], train: GrooveDataset, test: GrooveDataset,
           clf: GenreClassifier) -> list[dict[str, Any]]:
    """Rows of Table 1: real data, KNN, then each named model (seeds "-sN" averaged)."""
    real_acc = float((classify(clf, test.hits, test.velocity, test.offset) == test.genre).mean())
    rows = [{"name": "test data", "paper_row": "Test data", "genre_acc": _mean_std([real_acc])}]
    knn = knn_reconstruct(train.template, train.hits, train.velocity, train.offset, test.template)
    rows.append({"name": "knn", "paper_row": "KNN"} | {k: _mean_std([v]) for k, v in
                                                         reconstruction_metrics(test, knn, clf).items()})
    groups: dict[str, list[dict[str, float]]] = {}
    for name, path in models:
        groups.setdefault(re.sub(r"-s\d+$", "", name), []).append(reconstruction_metrics(test, reconstruct(path, test), clf))
    for name, runs in groups.items():
        rows.append({"name": name, "paper_row": PAPER_ROW.get(name)}
                    | {k: _mean_std([r[k] for r in runs]) for k in TABLE1_METRICS})
    return rows


# --- 2. humanization from templates ---------------------------------------------------------


@dataclass
class _Song:
    """One test performance on the grid: what the drummer played and the sketch made from it."""

    real: DrumGrid
    half_step_ms: np.ndarray  # (T, 1)
    template: np.ndarray  # (T, D) binary
    genre: int
    path: str

    @property
    def bpm(self) -> float:
        return 60_000.0 / (float(self.half_step_ms[0, 0]) * 2 * STEPS_PER_BEAT)

    @property
    def stiff(self) -> DrumGrid:
        t = self.template
        return self.real.with_values(t, STIFF_VELOCITY * t, np.zeros_like(t))

    def feel(self) -> SongFeel:
        return SongFeel(self.real, self.stiff, self.half_step_ms, self.bpm, GENRES[self.genre])


def _songs(data_dir: str, ds: GrooveDataset, max_files: int) -> list[_Song]:
    songs = []
    for f in np.unique(ds.file_index):
        rel = str(ds.files[f])
        perf = read_midi(Path(data_dir) / rel, drum_map=GMD)
        real = quantize(perf)
        n_bars = real.steps // STEPS_PER_BAR
        if n_bars < 2:
            continue
        win = to_windows(real.hits), to_windows(real.velocity)
        template = from_windows(derive_template(*win), n_bars)
        songs.append(_Song(real, half_step_ms(perf, real.bars)[:, None], template, int(ds.genre[ds.file_index == f][0]), rel))
        if max_files and len(songs) >= max_files:
            break
    return songs


def _systems(songs: list[_Song], loaded, train: GrooveDataset, seed: int) -> dict[str, list[DrumGrid]]:
    """Each system's grid for each song: the model (whole-song humanize; ``add``, the default,
    and the other two note modes), and the baselines."""
    rng = np.random.default_rng(seed)
    average = PositionAverage.fit(train.hits, train.velocity, train.offset)
    modes = {"groove": ("add", True), "groove --notes keep": ("keep", True), "groove --notes free": ("free", True),
             "groove --genre auto": ("add", False), "groove --notes keep --genre auto": ("keep", False)}
    out: dict[str, list[DrumGrid]] = {name: [] for name in modes} | {
        "groove --notes keep, drummer's notes": [], "template": [], "daw random": [], "average groove": []}
    for i, song in enumerate(songs):
        t, stiff = song.template, song.stiff
        for name, (mode, true_genre) in modes.items():
            options = HumanizeOptions(genre=GENRES[song.genre] if true_genre else "auto", seed=seed + i, notes=mode)
            out[name].append(humanize_grid(stiff, loaded, options, bpm=song.bpm).grid)
        # The drummer's own notes, stiff, given groove's feel: the judges then see groove's
        # velocity and timing on notes they cannot tell from real ones.
        own = song.real.with_values(song.real.hits, STIFF_VELOCITY * song.real.hits, np.zeros_like(song.real.hits))
        out["groove --notes keep, drummer's notes"].append(
            humanize_grid(own, loaded, HumanizeOptions(genre=GENRES[song.genre], seed=seed + i, notes="keep"),
                          bpm=song.bpm).grid)
        out["template"].append(stiff)
        out["daw random"].append(stiff.with_values(t, *daw_random(t, song.half_step_ms, rng)))
        out["average groove"].append(stiff.with_values(t, *average.apply(t)))
    return out


def _spread(grids: list[DrumGrid]) -> float:
    """Mean over 2-bar windows (with hits) of the velocity standard deviation, MIDI units."""
    spreads = []
    for g in grids:
        for h, v in zip(to_windows(g.hits), to_windows(g.velocity)):
            if h.sum() > 1:
                spreads.append(float(v[h > 0.5].std() * MIDI_VELOCITY_MAX))
    return float(np.mean(spreads)) if spreads else 0.0


def humanization_metrics(songs: list[_Song], grids: list[DrumGrid]) -> dict[str, float]:
    real = [s.real for s in songs]
    cat = {k: np.concatenate([getattr(g, k) for g in grids]) for k in ("hits", "velocity", "offset")}
    tru = {k: np.concatenate([getattr(g, k) for g in real]) for k in ("hits", "velocity", "offset")}
    ms = np.concatenate([s.half_step_ms for s in songs])
    both = (cat["hits"] > 0.5) & (tru["hits"] > 0.5)
    bars = len(tru["hits"]) / STEPS_PER_BAR
    return {
        "note_f1": note_f1(tru["hits"], cat["hits"]),
        "velocity_mae": mean_abs_error(cat["velocity"], tru["velocity"], both) * MIDI_VELOCITY_MAX,
        "timing_mae_ms": mean_abs_error(cat["offset"] * ms, tru["offset"] * ms, both),
        "velocity_kl": position_kl(tru["velocity"], tru["hits"], cat["velocity"], cat["hits"], (0.0, 1.0)),
        "timing_kl": position_kl(tru["offset"], tru["hits"], cat["offset"], cat["hits"], (-1.0, 1.0)),
        "hits_per_bar": float(cat["hits"].sum()) / bars,
        "velocity_spread": _spread(grids),
    }


# --- 3. control -----------------------------------------------------------------------------


def control(loaded, test: GrooveDataset, clf: GenreClassifier, half_ms: np.ndarray, seed: int) -> dict[str, Any]:
    """Genre and timing-pattern control on independent test windows (PocketVAE's setting).

    ``half_ms``: milliseconds of half a 16th (the offset unit) for each window, from its tempo.
    """
    rng = np.random.default_rng(seed)
    template, genre = np.asarray(test.template, np.float32), np.asarray(test.genre, np.int64)
    real_pred = classify(clf, test.hits, test.velocity, test.offset)
    result: dict[str, Any] = {"classifier_accuracy_real": float((real_pred == test.genre).mean())}
    own = humanize_windows(loaded, template, genre, rng=rng)
    result["own_genre_share"] = float((classify(clf, *(own[k] for k in ("hits", "velocity", "offset")))
                                       == test.genre).mean())
    shares = {}
    for g, name in enumerate(loaded.config.genres):
        out = humanize_windows(loaded, template, np.full(len(test), g, np.int64), rng=rng)
        pred = classify(clf, *(out[k] for k in ("hits", "velocity", "offset")))
        shares[name] = {"share": float((pred == g).mean()), "real_share": float((real_pred == g).mean())}
    result["as_genre"] = shares
    for preset in ("pushed", "laidback"):
        pattern = np.tile(np.asarray(parse_pattern(preset, "timing"), np.int64), (len(test), 1))
        out = humanize_windows(loaded, template, genre, timing_pattern=pattern, rng=rng)
        hits = out["hits"] > 0.5
        ms = out["offset"] * half_ms[:, None, None]
        result[f"mean_offset_ms_{preset}"] = float(ms[hits].mean())
    return result


# --- all of it ------------------------------------------------------------------------------


def run_evaluation(req: EvalRequest, on_stage=lambda name: None) -> EvalReport:
    """Every section; ``on_stage`` is told each section's name as it starts (for progress)."""
    started = time.perf_counter()
    dataset = load_dataset(req.data_dir, cache_dir=req.cache_dir)
    train, test = dataset.of_split("train"), dataset.of_split(req.split)
    if not len(test):
        raise GrooveError(f"the {req.split} split of {req.data_dir} has no windows")
    songs = _songs(req.data_dir, test, req.max_files)
    files = {s.path for s in songs}
    test = test.select(np.isin(test.files[test.file_index], list(files)))
    clf = load_classifier(req.classifier)
    loaded = load_networks(req.weights, "cpu")
    report = EvalReport()
    timings = {}

    def stage(name: str):
        on_stage(name)
        timings[name] = time.perf_counter()

    stage("reconstruction")
    shipped = (("shipped", str(loaded.path)),)
    report.table1 = table1(shipped + req.models, train, test, clf)
    stage("humanization")
    systems = _systems(songs, loaded, train, req.seed)
    real_grids = [s.real for s in songs]
    report.humanization = [{"system": "drummer"} | humanization_metrics(songs, real_grids)]
    report.humanization += [{"system": name} | humanization_metrics(songs, grids) for name, grids in systems.items()]
    stage("control")
    report.control = control(loaded, test, clf, _window_half_ms(songs, test), req.seed)
    half_ms = [s.half_step_ms for s in songs]
    report.timing_classes = {"drummer": class_stats(real_grids, half_ms)} | {
        name: class_stats(systems[name], half_ms) for name in ("groove", "groove --notes keep", "groove --genre auto")}
    report.meta["genre_auto_accuracy"] = float(np.mean([
        resolve_genre(loaded, "auto", s.stiff, s.bpm)[0] == GENRES[s.genre] for s in songs])) if songs else float("nan")
    stage("realism")
    report.realism = [{"system": name, "gru": gru_judge(real_grids, grids, req.seed),
                       "features": feature_judge(real_grids, grids, half_ms, req.seed)}
                      for name, grids in systems.items()]
    stage("transfer")
    feels = [s.feel() for s in songs]
    report.transfer = transfer_section(_spread_genres(feels), loaded, req.seed)
    stage("takes")
    report.takes = takes_section(feels, loaded, req.seed)
    end = time.perf_counter()
    names = list(timings)
    report.meta |= {
        "split": req.split, "files": len(songs), "windows": len(test), "train_windows": len(train),
        "weights": req.weights or f"bundled ({loaded.path.name})", "seed": req.seed,
        "seconds": {n: round((timings[names[i + 1]] if i + 1 < len(names) else end) - timings[n], 1)
                    for i, n in enumerate(names)} | {"total": round(end - started, 1)},
    }
    return report


def _spread_genres(songs: list[SongFeel]) -> list[SongFeel]:
    """The songs reordered round-robin over genres (each genre's longest first), so that the
    transfer section's first references and templates are not all rock."""
    by_genre: dict[str, list[SongFeel]] = {}
    for s in sorted(songs, key=lambda s: -s.real.steps):
        by_genre.setdefault(s.genre, []).append(s)
    order, queues = [], list(by_genre.values())
    while any(queues):
        for q in queues:
            if q:
                order.append(q.pop(0))
    return order


def _window_half_ms(songs: list[_Song], test: GrooveDataset) -> np.ndarray:
    """Half a 16th in ms for each test window, from its song's tempo."""
    by_path = {s.path: float(s.half_step_ms[0, 0]) for s in songs}
    return np.array([by_path[str(test.files[f])] for f in test.file_index])


# --- the report as tables -------------------------------------------------------------------


