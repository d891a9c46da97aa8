"""The genre a sketch asks for, guessed from the sketch itself: what ``--genre auto`` runs.

A producer rarely names a genre, and the feel depends on it (on GMD test templates the true
genre brings the velocities far nearer the drummers' than a fixed default; docs/results.md). The guesser reads
what a sketch has: its template (the stiff notes) and its tempo (a 90 bpm backbeat is more
likely hip-hop than punk). A bidirectional GRU over the 32 steps, the tempo as one more input
per step (log2 of bpm / 120); a song's guess averages the windows' probabilities (their
product would treat overlapping windows of one song as independent evidence and claim certainty).
"""

from __future__ import annotations

import torch
from torch import nn


def tempo_feature(bpm: torch.Tensor) -> torch.Tensor:
    """(B,) bpm → (B,) log2(bpm / 120): 0 at 120, ±1 per doubling."""
    return torch.log2(bpm.float().clamp(20, 400) / 120.0)


class GenreGuesser(nn.Module):
    def __init__(self, n_drums: int, n_genres: int, hidden: int = 64):
        super().__init__()
        self.gru = nn.GRU(n_drums + 1, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, n_genres)

    def forward(self, template: torch.Tensor, bpm: torch.Tensor) -> torch.Tensor:
        """(B, T, drums) binary sketches and (B,) tempi → genre logits (B, genres)."""
        tempo = tempo_feature(bpm)[:, None, None].expand(-1, template.shape[1], 1)
        _, h = self.gru(torch.cat([template, tempo], dim=-1))
        return self.out(torch.cat([h[0], h[1]], dim=-1))

    @torch.no_grad()
    def guess(self, template: torch.Tensor, bpm: torch.Tensor) -> torch.Tensor:
        """One song's windows (W, T, drums), (W,) → genre probabilities (genres,)."""
        return self(template, bpm).softmax(-1).mean(0)
