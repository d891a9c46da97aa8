"""A conditional VAE that writes a window's notes, velocities and offsets from a per-step condition:
what ``drumify`` (a tapped rhythm → a kit) and ``fills`` (a bar's sketch and the bar before → a fill)
run.

It is PocketVAE's Gaussian NOTE module (the ``twostep-vae`` baseline of ``note_vqvae.py``) with the
template replaced by a condition of any width, and velocity and offset heads beside the note
logits, because here the notes and their feel come out together. The encoder reads the real window
and the condition. The decoder reads the condition (through a bidirectional GRU, so a fill knows
the bar after it), z and the genre, and writes the notes step by step, each step seeing the notes
drawn at the step before, as GrooVAE's decoder does: notes are *drawn*, not thresholded, so rare
drums (a fill's toms, a tap's crash) appear as often as the model believes in them, and a step's
choice follows the last one (a hi-hat line stays a hi-hat line). A take is one z and one stream of
draws; the same z for every window of a song keeps one drummer's choices.

Velocity and offset are regressed (sigmoid / tanh, squared error on the notes): unlike the
humanizer's feel, they follow a strong condition (the tapped velocities, the bar before), and a
fill's few notes are not where groove's realism is judged.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import CondConfig
from .note_vqvae import kl_per_dimension


class CondVAE(nn.Module):
    def __init__(self, cfg: CondConfig):
        super().__init__()
        self.cfg = cfg
        d, h, g = cfg.n_drums, cfg.hidden, len(cfg.genres)
        self.enc = nn.GRU(3 * d + cfg.cond_dim, h, batch_first=True, bidirectional=True)
        self.to_stats = nn.Linear(2 * h + g, 2 * cfg.z_dim)
        self.context = nn.GRU(cfg.cond_dim, h, batch_first=True, bidirectional=True)  # the whole condition, both ways
        self.init = nn.Linear(cfg.z_dim + g, 2 * h)
        self.dec = nn.GRU(2 * h + cfg.z_dim + d, h, batch_first=True, num_layers=2)
        self.out = nn.Linear(h, 3 * d)

    def _genre(self, genre: torch.Tensor) -> torch.Tensor:
        return F.one_hot(genre.long(), len(self.cfg.genres)).float()

    def encode(self, hits, velocity, offset, cond, genre) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, drums) ×3, (B, T, C), (B,) → mean and log-variance of z (B, z)."""
        _, h = self.enc(torch.cat([hits, velocity, offset, cond], dim=-1))
        return self.to_stats(torch.cat([h[0], h[1], self._genre(genre)], dim=-1)).chunk(2, dim=-1)

    def _start(self, z, cond, genre):
        """Per-step decoder inputs without the previous notes, and the initial state."""
        ctx, _ = self.context(cond)
        steps = cond.shape[1]
        h0 = torch.tanh(self.init(torch.cat([z, self._genre(genre)], dim=-1)))
        h0 = h0.view(-1, 2, self.cfg.hidden).transpose(0, 1).contiguous()  # (layers, B, h)
        return torch.cat([ctx, z[:, None, :].expand(-1, steps, -1)], dim=-1), h0

    def _heads(self, out: torch.Tensor) -> dict[str, torch.Tensor]:
        logits, vel, off = self.out(out).chunk(3, dim=-1)
        return {"logits": logits, "velocity": torch.sigmoid(vel), "offset": torch.tanh(off)}

    def decode(self, z: torch.Tensor, cond: torch.Tensor, genre: torch.Tensor, hits: torch.Tensor) -> dict[str, torch.Tensor]:
        """Teacher-forced: each step sees the real notes of the step before (GrooVAE's decoder)."""
        inputs, h0 = self._start(z, cond, genre)
        prev = torch.cat([torch.zeros_like(hits[:, :1]), hits[:, :-1]], dim=1)
        out, _ = self.dec(torch.cat([inputs, prev], dim=-1), h0)
        return self._heads(out)

    def losses(self, b: dict[str, torch.Tensor], beta: float, free_bits: float):
        """Note BCE, velocity and offset squared error (on the real notes) and KL with free bits,
        summed over the steps ``b["mask"]`` (B, T) marks and averaged over the batch."""
        mu, logvar = self.encode(b["hits"], b["velocity"], b["offset"], b["cond"], b["genre"])
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        out = self.decode(z, b["cond"], b["genre"], b["hits"])
        mask = b["mask"][..., None]
        n = len(mask)
        note = (F.binary_cross_entropy_with_logits(out["logits"], b["hits"], reduction="none") * mask).sum() / n
        on = b["hits"] * mask
        vel = ((out["velocity"] - b["velocity"]).pow(2) * on).sum() / n
        off = ((out["offset"] - b["offset"]).pow(2) * on).sum() / n
        per_dim = kl_per_dimension(mu, logvar)
        loss = note + vel + off + beta * per_dim.clamp(min=free_bits).sum()
        return loss, {"note": note, "velocity_sse": vel, "offset_sse": off, "kl": per_dim.sum()}

    @torch.no_grad()
    def generate(self, cond: torch.Tensor, genre: torch.Tensor, z: torch.Tensor, *, temperature: float = 1.0,
                 generator: torch.Generator | None = None, allowed: torch.Tensor | None = None,
                 required: torch.Tensor | None = None, forced: torch.Tensor | None = None,
                 force_mask: torch.Tensor | None = None, floor: torch.Tensor | None = None,
                 floor_allowed: torch.Tensor | None = None, prefix: torch.Tensor | None = None
                 ) -> dict[str, torch.Tensor]:
        """Notes drawn step by step (Bernoulli at ``temperature``; 0 takes the likelier outcome),
        each step seeing the notes drawn before it; velocity and offset (B, T, drums).

        ``allowed`` (B, T): steps that may sound; ``required`` (B, T): steps that must sound (their
        likeliest drum when none was drawn); ``forced`` (B, T, drums) with ``force_mask`` (B, T):
        steps whose notes are given (the bar played before a fill); ``floor`` (B, T, drums): notes
        that sound whatever is drawn (a sketch being decorated), with ``floor_allowed`` (B, 1 or T,
        drums) the cells the drawn notes may add to; ``prefix`` (B, P, drums): the first P steps'
        notes, given (read in one call, not step by step: a song's previous bar).
        """
        b, steps, d = cond.shape[0], cond.shape[1], self.cfg.n_drums
        inputs, h = self._start(z, cond, genre)
        noise = torch.rand(b, steps, d, generator=generator).to(cond.device)  # drawn up front: one call per take
        prev = torch.zeros(b, 1, d, device=cond.device)
        parts: dict[str, list[torch.Tensor]] = {"hits": [], "velocity": [], "offset": []}
        first = 0
        if prefix is not None:
            first = prefix.shape[1]
            given = torch.cat([prev, prefix[:, :-1]], dim=1)
            out, h = self.dec(torch.cat([inputs[:, :first], given], dim=-1), h)
            heads = self._heads(out)
            parts = {"hits": [prefix], "velocity": [heads["velocity"]], "offset": [heads["offset"]]}
            prev = prefix[:, -1:]
        for t in range(first, steps):
            out, h = self.dec(torch.cat([inputs[:, t : t + 1], prev], dim=-1), h)
            heads = self._heads(out)
            logits = heads["logits"]
            if temperature > 0:
                hits = (noise[:, t : t + 1] < torch.sigmoid(logits / temperature)).float()
            else:
                hits = (logits > 0).float()
            if allowed is not None:
                hits = hits * allowed[:, t, None, None]
            if required is not None:
                bare = required[:, t] & (hits.sum(-1)[:, 0] == 0)
                hits[bare, 0] = F.one_hot(logits[bare, 0].argmax(-1), d).float()
            if floor is not None:
                if floor_allowed is not None:
                    hits = hits * floor_allowed[:, min(t, floor_allowed.shape[1] - 1), None]
                hits = torch.maximum(hits, floor[:, t : t + 1])
            if forced is not None:
                keep = force_mask[:, t, None, None]
                hits = torch.where(keep, forced[:, t : t + 1], hits)
            prev = hits
            for k, v in (("hits", hits), ("velocity", heads["velocity"]), ("offset", heads["offset"])):
                parts[k].append(v)
        return {k: torch.cat(v, dim=1) for k, v in parts.items()}
