"""Genre classifier used only for evaluation: a 2-layer bidirectional GRU on (N, V, M)
(PocketVAE §4.2). It measures whether generated grooves sound like the genre asked for.
"""

from __future__ import annotations

import torch
from torch import nn


class GenreClassifier(nn.Module):
    def __init__(self, n_drums: int, n_genres: int, hidden: int = 128):
        super().__init__()
        self.gru = nn.GRU(3 * n_drums, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, n_genres)

    def forward(self, hits: torch.Tensor, velocity: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
        """(B, T, drums) ×3 → genre logits (B, genres)."""
        _, h = self.gru(torch.cat([hits, velocity, offset], dim=-1))  # h: (layers * 2, B, hidden)
        return self.out(torch.cat([h[-2], h[-1]], dim=-1))
