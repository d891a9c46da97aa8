"""The VEL and TIME output heads: a categorical distribution over value bins per note cell.

Why bins and not a mean: a decoder trained with squared error predicts the conditional mean,
so dynamics shrink and timing spreads about half as wide as a drummer's (groove 0.1's weights
did; docs/results.md's changelog). A categorical head learns
the whole conditional distribution (multi-modal where the drummer is: a ghost note or an
accent, on the beat or a flam's early stroke); sampled, the output spreads like the data.

A value is drawn in two steps: a bin by Gumbel-max on ``logits / temperature``, then a uniform
position inside the bin, so outputs are continuous and the mean of a bin is its centre. Every
random number comes from the caller's ``torch.Generator`` (a CPU one, drawn on the CPU and moved
to the model's device, as the prior's draws are): one seed, one output, on any device.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# The range each feel's values live in (grid.py): velocity in [0, 1], offset in [-1, 1].
RANGES = {"velocity": (0.0, 1.0), "offset": (-1.0, 1.0)}


def bin_index(values: torch.Tensor, feel: str, bins: int) -> torch.Tensor:
    """The bin (long, same shape) each value falls in; the range's top edge joins the last bin."""
    lo, hi = RANGES[feel]
    return ((values - lo) / (hi - lo) * bins).long().clamp(0, bins - 1)


def nll(logits: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, feel: str) -> torch.Tensor:
    """Negative log-likelihood of ``values`` (B, T, D) under ``logits`` (B, T, D, bins), summed over
    the cells where ``mask`` is 1 (the notes), averaged over the batch: nats per window."""
    bins = logits.shape[-1]
    ce = F.cross_entropy(logits.flatten(0, -2), bin_index(values, feel, bins).flatten(), reduction="none")
    return (ce.view(values.shape) * mask).sum() / len(values)


def noise(shape: tuple[int, ...], generator: torch.Generator | None = None,
          device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """The random numbers ``pick`` needs for logits of ``shape`` (..., bins): Gumbel noise of that
    shape and a uniform place inside the bin (...). Drawn at once for a whole sequence, so the
    step-by-step decoder pays for no random draws of its own."""
    u = torch.rand(shape, generator=generator).clamp_(1e-9, 1 - 1e-9)
    return (-torch.log(-torch.log(u))).to(device), torch.rand(shape[:-1], generator=generator).to(device)


def pick(logits: torch.Tensor, feel: str, gumbel: torch.Tensor, inside: torch.Tensor,
         temperature: float = 1.0) -> torch.Tensor:
    """Values (...) from ``logits`` (..., bins) at ``temperature``, given ``noise``'s numbers."""
    bins = logits.shape[-1]
    lo, hi = RANGES[feel]
    idx = ((logits if temperature == 1.0 else logits / temperature) + gumbel).argmax(-1)
    return lo + (idx + inside) * (hi - lo) / bins


def sample(logits: torch.Tensor, feel: str, temperature: float = 1.0,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Values (...) drawn from ``logits`` (..., bins) at ``temperature`` (see the module docstring)."""
    return pick(logits, feel, *noise(logits.shape, generator, logits.device), temperature)


def expected(logits: torch.Tensor, feel: str) -> torch.Tensor:
    """The distribution's mean (...): what a squared-error decoder would have predicted."""
    bins = logits.shape[-1]
    lo, hi = RANGES[feel]
    centres = lo + (torch.arange(bins, device=logits.device) + 0.5) * (hi - lo) / bins
    return (logits.softmax(-1) * centres).sum(-1)
