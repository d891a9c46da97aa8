"""VEL and TIME: conditional sequence VAEs that add velocity and microtiming to a note score
(PocketVAE §3.4.3), and the one-step baseline's single VAE.

Encoder: a bidirectional GRU over (target, conditions) → z (64). Decoder: a 2-layer GRU that
predicts step t from step t-1's values, the step's conditions (notes N, drawn pattern C) and z;
its hidden state starts from (z, h_n, genre). Its raw outputs are whatever the wrapping model's
head reads (``out_dim``): value bins for VEL and TIME (``feel_head.py``), one value per drum
for the one-step baseline. Teacher forcing decays during training; we use
*parallel* scheduled sampling (Duckworth et al. 2019): a first pass without gradients gives the
model's own predictions, and the second pass sees, per step, either the truth or those
predictions. Both passes run the whole sequence in one fused GRU call, which is several times
faster on CPU than a Python loop over 32 steps; generation at inference is step by step.

``prev_dropout`` blanks a share of the previous-step inputs in training: a decoder that can
copy the last step's values learns to ignore z (groove 0.1's VEL/TIME latents carried almost
no information), and the blanked steps can only be predicted from z and the conditions.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

# post(raw (B, t, D), steps) → values: the output activation and note mask of the wrapped module.
Post = Callable[[torch.Tensor, slice], torch.Tensor]


def _shift(x: torch.Tensor) -> torch.Tensor:
    """The previous step's values at every step (zeros at step 0): (B, T, D) → (B, T, D)."""
    return torch.cat([torch.zeros_like(x[:, :1]), x[:, :-1]], dim=1)


class SeqVAE(nn.Module):
    def __init__(self, target_dim: int, cond_dim: int, init_dim: int, enc_hidden: int, dec_hidden: int,
                 dec_layers: int, z_dim: int, out_dim: int | None = None):
        super().__init__()
        self.dec_layers, self.dec_hidden = dec_layers, dec_hidden
        self.enc_init = nn.Linear(init_dim, 2 * enc_hidden)
        self.enc = nn.GRU(target_dim + cond_dim, enc_hidden, batch_first=True, bidirectional=True)
        self.to_stats = nn.Linear(2 * enc_hidden, 2 * z_dim)
        self.dec_init = nn.Linear(z_dim + init_dim, dec_layers * dec_hidden)
        self.dec = nn.GRU(target_dim + cond_dim + z_dim, dec_hidden, dec_layers, batch_first=True)
        self.target_dim = target_dim
        self.out = nn.Linear(dec_hidden, out_dim or target_dim)

    def encode(self, target: torch.Tensor, cond: torch.Tensor, init: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, target), (B, T, cond), (B, init) → mu, logvar (B, z)."""
        h0 = torch.tanh(self.enc_init(init)).view(-1, 2, self.enc.hidden_size).transpose(0, 1).contiguous()
        _, h = self.enc(torch.cat([target, cond], dim=-1), h0)  # h: (2, B, enc_hidden)
        return self.to_stats(torch.cat([h[0], h[1]], dim=-1)).chunk(2, dim=-1)

    def _h0(self, z: torch.Tensor, init: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.dec_init(torch.cat([z, init], dim=-1)))  # (B, layers * hidden)
        return h.view(-1, self.dec_layers, self.dec_hidden).transpose(0, 1).contiguous()  # (layers, B, hidden)

    def _run(self, prev: torch.Tensor, cond: torch.Tensor, z: torch.Tensor, h0: torch.Tensor) -> torch.Tensor:
        zs = z.unsqueeze(1).expand(-1, cond.shape[1], -1)  # (B, T, z)
        out, _ = self.dec(torch.cat([prev, cond, zs], dim=-1), h0)
        return self.out(out)  # raw, before the activation: (B, T, target)

    def decode_train(self, target, cond, z, init, post: Post, tf_ratio: float, prev_dropout: float = 0.0) -> torch.Tensor:
        """Raw outputs with teacher forcing at ratio ``tf_ratio`` (1: always the truth) and a
        share ``prev_dropout`` of previous-step inputs blanked."""
        h0 = self._h0(z, init)
        prev = _shift(target)
        if tf_ratio < 1.0:
            with torch.no_grad():
                own = _shift(post(self._run(prev, cond, z, h0), slice(None)))
            keep_truth = torch.rand(target.shape[:2] + (1,), device=target.device) < tf_ratio
            prev = torch.where(keep_truth, prev, own)
        if prev_dropout > 0:
            prev = prev * (torch.rand(target.shape[:2] + (1,), device=target.device) >= prev_dropout)
        return self._run(prev, cond, z, h0)

    def teacher_forced(self, target, cond, z, init) -> torch.Tensor:
        """Raw outputs when every step sees the true previous values (likelihoods for validation)."""
        return self._run(_shift(target), cond, z, self._h0(z, init))

    @torch.no_grad()
    def generate(self, cond: torch.Tensor, z: torch.Tensor, init: torch.Tensor, post: Post,
                 first: torch.Tensor | None = None) -> torch.Tensor:
        """Values (B, T, target), one step at a time, each fed the previous step's output.

        ``first`` (B, k, target) forces the first k steps to given values (the bar a previous
        window already produced), so consecutive windows agree; those k steps run as one
        fused GRU call, which is what feeding them one by one would compute.
        """
        h = self._h0(z, init)
        outs, k = [], 0
        prev = torch.zeros(cond.shape[0], 1, self.target_dim, device=cond.device)
        if first is not None and first.shape[1]:
            k = first.shape[1]
            zs = z.unsqueeze(1).expand(-1, k, -1)
            _, h = self.dec(torch.cat([_shift(first), cond[:, :k], zs], dim=-1), h)
            outs.append(first)
            prev = first[:, -1:]
        for t in range(k, cond.shape[1]):
            o, h = self.dec(torch.cat([prev, cond[:, t : t + 1], z.unsqueeze(1)], dim=-1), h)
            prev = post(self.out(o), slice(t, t + 1))
            outs.append(prev)
        return torch.cat(outs, dim=1)
