"""What groove's model is measured against (numpy only).

* ``knn_reconstruct``: PocketVAE Table 1's KNN: the K training windows whose templates have the
  largest inner product with a test window's template; notes by majority vote, velocity and
  timing by averaging the neighbours that play each cell.
* ``daw_random``: a DAW's "humanize": every note moved by uniform ±10 ms and ±10 velocity.
* ``PositionAverage``: the average groove of the training set: each drum's mean velocity and
  timing at each 16th of the bar, laid on the template's notes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import MIDI_VELOCITY_MAX, STEPS_PER_BAR

KNN_K = 20
RANDOM_MS = 10.0
RANDOM_VELOCITY = 10  # MIDI units


def knn_reconstruct(train_template: np.ndarray, train_hits: np.ndarray, train_velocity: np.ndarray,
                    train_offset: np.ndarray, template: np.ndarray, k: int = KNN_K,
                    batch: int = 256) -> dict[str, np.ndarray]:
    """(N, T, D) hits, velocity, offset for each test ``template`` from its K nearest training windows.

    Neighbours: top-K inner product of flattened templates (ties by training order).
    """
    flat_train = train_template.reshape(len(train_template), -1).astype(np.float32)
    k = min(k, len(flat_train))
    out = {key: np.zeros(template.shape, np.float32) for key in ("hits", "velocity", "offset")}
    for i in range(0, len(template), batch):
        scores = template[i : i + batch].reshape(-1, flat_train.shape[1]) @ flat_train.T  # (b, N_train)
        # a stable sort keeps ties in training order, so results do not depend on the platform
        nearest = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        hits = train_hits[nearest]  # (b, K, T, D)
        votes = hits.sum(1)
        voted = (votes > k / 2).astype(np.float32)
        denom = np.maximum(votes, 1)
        out["hits"][i : i + batch] = voted
        out["velocity"][i : i + batch] = voted * (train_velocity[nearest] * hits).sum(1) / denom
        out["offset"][i : i + batch] = voted * (train_offset[nearest] * hits).sum(1) / denom
    return out


def daw_random(hits: np.ndarray, half_step_ms: np.ndarray | float, rng: np.random.Generator,
               base_velocity: float = 100 / MIDI_VELOCITY_MAX) -> tuple[np.ndarray, np.ndarray]:
    """(velocity, offset) for ``hits`` (T, D): ``base_velocity`` ± 10 MIDI units, 0 ± 10 ms.

    ``half_step_ms``: milliseconds of half a 16th (the offset unit), per step (T, 1) or one value.
    """
    vel = base_velocity + rng.uniform(-RANDOM_VELOCITY, RANDOM_VELOCITY, hits.shape) / MIDI_VELOCITY_MAX
    off = rng.uniform(-RANDOM_MS, RANDOM_MS, hits.shape) / half_step_ms
    on = hits > 0.5
    return np.clip(vel, 0, 1) * on, np.clip(off, -1, 1) * on


@dataclass(frozen=True)
class PositionAverage:
    """Mean velocity and offset of each drum at each 16th of the bar: (16, D) each."""

    velocity: np.ndarray
    offset: np.ndarray

    @classmethod
    def fit(cls, hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray) -> PositionAverage:
        """From (N, T, D) training windows (T a whole number of bars)."""
        d = hits.shape[-1]
        h = hits.reshape(-1, STEPS_PER_BAR, d)
        count = np.maximum(h.sum(0), 1)
        return cls((velocity.reshape(-1, STEPS_PER_BAR, d) * h).sum(0) / count,
                   (offset.reshape(-1, STEPS_PER_BAR, d) * h).sum(0) / count)

    def apply(self, hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(velocity, offset) for ``hits`` (T, D): each note takes its drum's average at its 16th."""
        bars = hits.shape[0] // STEPS_PER_BAR
        on = (hits > 0.5).astype(np.float32)
        return np.tile(self.velocity, (bars, 1)) * on, np.tile(self.offset, (bars, 1)) * on
