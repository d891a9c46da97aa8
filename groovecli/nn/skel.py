"""SKEL: one bidirectional GRU that summarises a template P or a note matrix N (PocketVAE §3.4.1).

Its vector h_p initialises the NOTE module, h_n the VEL and TIME modules.
Reference code: kyungyunlee/PocketVAE, src/models.
"""

from __future__ import annotations

import torch
from torch import nn


class Skel(nn.Module):
    def __init__(self, n_drums: int, hidden: int, out_dim: int):
        super().__init__()
        self.gru = nn.GRU(n_drums, hidden, batch_first=True, bidirectional=True)
        self.proj = nn.Linear(2 * hidden, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, drums) → (B, out_dim)."""
        _, h = self.gru(x)  # h: (2, B, hidden), forward and backward final states
        return torch.tanh(self.proj(torch.cat([h[0], h[1]], dim=-1)))
