"""Two judges that try to tell real drumming from a system's output, 2-bar window by window.

Both train on the windows of half the songs (even index) and are scored on the other half, so
no song is on both sides; 0.5 means they cannot tell. Two different judges, because one can be
fooled in ways the other is not:

* ``gru_judge``: a small bidirectional GRU on the raw grid (hits, velocity, offset), which
  sees every detail and order (PocketVAE-style, as ``groove evaluate`` has used since 0.1);
* ``feature_judge``: logistic regression on per-window groove features (GrooveToolbox's, and
  mean / spread of velocity and timing per drum class), which sees only summaries, the way
  a listener's ear weighs them, and cannot be fooled by a grid that looks right cell by cell
  while its dynamics or timing are off as a whole.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..constants import FEEL_CLASSES, MIDI_VELOCITY_MAX, WINDOW_STEPS
from ..grid.drumgrid import DrumGrid, to_windows
from ..grid.features import GrooveFeatures, window_features
from ..nn.classifier import GenreClassifier

GRU_EPOCHS = 6
FEATURE_EPOCHS = 300  # full-batch steps of logistic regression; it converges well before


def notes_only(grid: DrumGrid) -> DrumGrid:
    """The grid with every note at one velocity and on the grid: what a judge of the notes alone
    sees (``experiments/eval_notes_judge.py``, ``eval_oracle_notes.py``)."""
    return grid.with_values(grid.hits, 0.8 * grid.hits, np.zeros_like(grid.hits))


def _split(real: list, fake: list, per_song) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(x, y) for training (even songs) and testing (odd songs); with one song, its halves."""
    def side(grids: list, parity: int) -> list[np.ndarray]:
        if len(grids) == 1:
            w = per_song(0, grids[0])
            return [w[: len(w) // 2] if parity == 0 else w[len(w) // 2 :]]
        return [per_song(i, g) for i, g in enumerate(grids) if i % 2 == parity]

    out = []
    for parity in (0, 1):
        r, f = side(real, parity), side(fake, parity)
        r = np.concatenate(r) if r else np.zeros((0,))
        f = np.concatenate(f) if f else np.zeros((0,))
        if not len(r) or not len(f):
            return None, None
        out.append((np.concatenate([r, f]), np.concatenate([np.ones(len(r)), np.zeros(len(f))]).astype(np.int64)))
    return out[0], out[1]


def gru_judge(real: list[DrumGrid], fake: list[DrumGrid], seed: int) -> float:
    """Held-out accuracy of a GRU trained on raw windows (hits, velocity, offset)."""
    def windows(_: int, g: DrumGrid) -> np.ndarray:
        return np.concatenate([to_windows(g.hits), to_windows(g.velocity), to_windows(g.offset)], -1)

    train, test = _split(real, fake, windows)
    if train is None:
        return float("nan")
    torch.manual_seed(seed)
    (x_tr, y_tr), (x_te, y_te) = train, test
    d = x_tr.shape[-1] // 3
    clf = GenreClassifier(d, 2, hidden=64)
    opt = torch.optim.Adam(clf.parameters(), lr=1e-3)
    xt, yt = torch.as_tensor(x_tr, dtype=torch.float32), torch.as_tensor(y_tr)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(GRU_EPOCHS):
        clf.train()
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(perm), 64):
            b = perm[i : i + 64]
            loss = F.cross_entropy(clf(xt[b, :, :d], xt[b, :, d : 2 * d], xt[b, :, 2 * d :]), yt[b])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    clf.eval()
    with torch.no_grad():
        xe = torch.as_tensor(x_te, dtype=torch.float32)
        pred = clf(xe[..., :d], xe[..., d : 2 * d], xe[..., 2 * d :]).argmax(-1).numpy()
    return float((pred == y_te).mean())


def window_feature_vector(velocity: np.ndarray, offset_ms: np.ndarray) -> np.ndarray:
    """The feature judge's view of one (32, 9) window: GrooveToolbox features, then per judged
    drum class its hit share, velocity mean and SD (MIDI units), and timing mean and SD (ms)."""
    g = window_features(velocity, offset_ms)
    values = [getattr(g, k) for k in GrooveFeatures.__dataclass_fields__]
    hit = velocity > 0
    for cols in FEEL_CLASSES.values():
        h = hit[:, list(cols)]
        v = velocity[:, list(cols)][h] * MIDI_VELOCITY_MAX
        o = offset_ms[:, list(cols)][h]
        values += [h.sum() / WINDOW_STEPS, v.mean() if len(v) else 0.0, v.std() if len(v) else 0.0,
                   o.mean() if len(o) else 0.0, o.std() if len(o) else 0.0]
    return np.asarray(values, np.float64)


def feature_judge(real: list[DrumGrid], fake: list[DrumGrid], half_ms: list[np.ndarray], seed: int) -> float:
    """Held-out accuracy of logistic regression on ``window_feature_vector``s.

    ``half_ms``: per song, the milliseconds of one offset unit at each step (T, 1) (the same
    songs, in the same order, for ``real`` and ``fake``).
    """
    def features(i: int, g: DrumGrid) -> np.ndarray:
        vel = to_windows(g.velocity * (g.hits > 0.5))
        off = to_windows(g.offset * half_ms[i])
        return np.stack([window_feature_vector(v, o) for v, o in zip(vel, off)])

    train, test = _split(real, fake, features)
    if train is None:
        return float("nan")
    (x_tr, y_tr), (x_te, y_te) = train, test
    mean, std = x_tr.mean(0), x_tr.std(0) + 1e-6
    xt = torch.as_tensor((x_tr - mean) / std, dtype=torch.float32)
    xe = torch.as_tensor((x_te - mean) / std, dtype=torch.float32)
    torch.manual_seed(seed)
    lin = torch.nn.Linear(xt.shape[1], 1)
    opt = torch.optim.Adam(lin.parameters(), lr=0.05)
    target = torch.as_tensor(y_tr, dtype=torch.float32)
    for _ in range(FEATURE_EPOCHS):
        loss = F.binary_cross_entropy_with_logits(lin(xt)[:, 0], target) + 1e-3 * lin.weight.pow(2).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    with torch.no_grad():
        pred = (lin(xe)[:, 0] > 0).long().numpy()
    return float((pred == y_te).mean())
