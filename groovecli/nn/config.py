"""Frozen configs: the model's shape travels inside every checkpoint; training knobs beside it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from ..constants import COND_TASKS, N_DRUMS, TIMING_CLASSES, VELOCITY_CLASSES, WINDOW_STEPS
from ..errors import GrooveError, WeightsError

FORMAT_VERSION = 2  # bump when a checkpoint written by this code cannot be read by the last release
MODEL_KINDS = ("pocketvae", "twostep-vae", "onestep")


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to build the networks (PocketVAE §3.4 sizes unless noted)."""

    kind: str = "pocketvae"  # pocketvae (VQ NOTE), twostep-vae (Gaussian NOTE), onestep (one VAE)
    genres: tuple[str, ...] = ()  # genre names; their order is the one-hot order
    steps: int = WINDOW_STEPS  # 16ths per window
    n_drums: int = N_DRUMS
    use_genre: bool = True  # genre one-hot initialises VEL/TIME hidden states and the prior
    use_patterns: bool = True  # velocity/timing patterns concatenated to VEL/TIME inputs
    velocity_classes: int = VELOCITY_CLASSES
    timing_classes: int = TIMING_CLASSES
    skel_hidden: int = 128  # SKEL bidirectional GRU units
    skel_dim: int = 16  # h_p, h_n
    note_hidden: int = 256  # NOTE encoder/decoder GRU units
    codes: int = 16  # S: code vectors per window (the paper: 8, one per beat; 16 reconstructs GMD better)
    codebook_size: int = 512  # K (the paper: 64; 512 reconstructs GMD better, see models/README.md)
    code_dim: int = 16  # D
    note_z_dim: int = 64  # Gaussian NOTE latent (twostep-vae) and one-step latent
    vae_hidden: int = 256  # VEL/TIME encoder GRU units
    dec_hidden: int = 256  # VEL/TIME decoder GRU units
    dec_layers: int = 2
    z_dim: int = 64  # z_V, z_M
    feel_bins: int = 32  # value bins of the VEL/TIME heads (feel_head.py): 4 MIDI velocity units, 3.9 ms at 120 bpm
    prior_hidden: int = 256
    prior_layers: int = 2

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise WeightsError(f"unknown model kind {self.kind!r}; use one of: {', '.join(MODEL_KINDS)}")
        if self.steps % self.codes:
            raise WeightsError(f"{self.steps} steps do not split into {self.codes} codes")
        object.__setattr__(self, "genres", tuple(self.genres))

    @property
    def n_genres(self) -> int:
        return len(self.genres) if self.use_genre else 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Validate a checkpoint's config: unknown or missing keys are a clear error."""
        known = {f.name for f in fields(cls)}
        extra = set(data) - known
        if extra:
            raise WeightsError(f"these weights have settings this groove does not know ({', '.join(sorted(extra))}); "
                               "upgrade groove")
        return cls(**data)


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (PocketVAE §3.4.3 schedules)."""

    epochs: int = 40
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    beta_max: float = 0.2  # KL weight reached at the end of warm-up
    beta_warmup: float = 0.3  # fraction of all steps over which beta rises from 0
    tf_min: float = 0.5  # teacher-forcing ratio decays exponentially 1 → tf_min
    tf_decay: float = 5.0  # rate of that decay over the whole run
    commitment_weight: float = 0.2  # β2; the codebook loss (β1) is replaced by EMA updates
    feel_beta: float = 1.0  # VEL/TIME KL weight at the end of warm-up: the true ELBO, so prior draws of z decode well
    free_bits: float = 0.125  # nats per latent dimension (batch mean) below which VEL/TIME KL is not penalised
    prev_dropout: float = 0.25  # share of VEL/TIME decoder steps trained without the previous step's values
    pattern_dropout: float = 0.3  # share of windows trained without their drawn patterns
    # Shares of windows whose VEL/TIME note score is the drummer's notes cut to its template's, and
    # the drummer's notes with the template's added (what keep and add play; pocketvae.sketch_scores)
    sketch_notes: float = 0.0
    sketch_union: float = 0.0
    patience: int = 6  # epochs without validation improvement before stopping
    dead_code_steps: int = 20  # restart codes unused for this many steps (about 20k code lookups)
    prior_epochs: int = 30
    max_train_windows: int = 0  # 0: all (tests use a few)

    def __post_init__(self) -> None:
        # sketch_scores gives each window one of three scores, so the two shares split one whole
        if self.sketch_notes + self.sketch_union > 1:
            raise GrooveError(f"--sketch-notes and --sketch-union share the windows: together at most 1 "
                              f"(got {self.sketch_notes:g} + {self.sketch_union:g})")


@dataclass(frozen=True)
class CondConfig:
    """The shape of one conditional model; saved inside its checkpoint."""

    task: str  # drumify or fills: what the condition holds (see taps.py and fill_bars.py)
    cond_dim: int
    steps: int
    genres: tuple[str, ...] = ()
    hidden: int = 128
    z_dim: int = 16
    n_drums: int = N_DRUMS

    def __post_init__(self) -> None:
        if self.task not in COND_TASKS:
            raise WeightsError(f"unknown conditional model task {self.task!r}; use one of: {', '.join(COND_TASKS)}")
        object.__setattr__(self, "genres", tuple(self.genres))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CondConfig:
        extra = set(data) - {f.name for f in fields(cls)}
        if extra:
            raise WeightsError(f"these weights have settings this groove does not know ({', '.join(sorted(extra))}); "
                               "upgrade groove")
        return cls(**data)
