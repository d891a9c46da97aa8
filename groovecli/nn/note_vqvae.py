"""NOTE: the module that edits a template's notes (PocketVAE §3.4.2).

A conditional VQ-VAE: a bidirectional GRU over (N, P) then strided 1-D convolutions map the 32
steps to S = 8 vectors (kernel 4: a vector summarises a beat), each snapped to the nearest of
K = 64 codebook entries; the decoder reverses this and predicts note logits given P again.
The ``twostep-vae`` baseline swaps the quantiser for a Gaussian latent (same encoder/decoder).

Codebook collapse is fought three ways: the codebook starts on encoder outputs of the first
batch, follows them by EMA, and a code unused for ``dead_code_steps`` training steps is moved
onto a random encoder output of the current batch (Dhariwal et al., Jukebox 2020).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig


class VectorQuantizer(nn.Module):
    """Nearest-code quantiser with an EMA codebook (van den Oord et al. 2017, appendix A.1).

    The EMA update is the closed-form minimiser of the paper's codebook loss: each code moves to
    the running mean of the encoder outputs assigned to it. Unlike a gradient step under Adam,
    whose size does not depend on the distance, it keeps up when the encoder's outputs move
    fast early in training (the gradient version left codes ~9 units behind in our first run).
    The codebook loss is still computed and logged, for comparison with the paper.
    """

    def __init__(self, size: int, dim: int, decay: float = 0.99, eps: float = 1e-5):
        super().__init__()
        self.decay, self.eps = decay, eps
        self.register_buffer("codebook", torch.empty(size, dim).uniform_(-1 / size, 1 / size))
        self.register_buffer("cluster_size", torch.ones(size))
        self.register_buffer("embed_sum", self.codebook.clone())
        self.register_buffer("initialised", torch.zeros((), dtype=torch.bool))
        self.register_buffer("idle_steps", torch.zeros(size, dtype=torch.long))

    def nearest(self, z: torch.Tensor) -> torch.Tensor:
        """(..., D) → (...) index of the closest code."""
        flat = z.reshape(-1, z.shape[-1])
        dist = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.codebook.t() + self.codebook.pow(2).sum(1)
        return dist.argmin(1).reshape(z.shape[:-1])

    def lookup(self, idx: torch.Tensor) -> torch.Tensor:
        return F.embedding(idx, self.codebook)

    @torch.no_grad()
    def update(self, z: torch.Tensor, idx: torch.Tensor, dead_after: int) -> int:
        """One EMA step towards the batch's encoder outputs; restart codes idle too long.

        The first call initialises every code on a random encoder output. Returns how many
        codes were restarted.
        """
        flat = z.detach().reshape(-1, z.shape[-1])
        size = len(self.codebook)
        if not bool(self.initialised):
            self._move(torch.arange(size, device=flat.device), flat)
            self.initialised.fill_(True)
            return 0
        onehot = F.one_hot(idx.reshape(-1), size).to(flat.dtype)  # (N, K)
        self.cluster_size.mul_(self.decay).add_(onehot.sum(0), alpha=1 - self.decay)
        self.embed_sum.mul_(self.decay).add_(onehot.t() @ flat, alpha=1 - self.decay)
        n = self.cluster_size.sum()
        smoothed = (self.cluster_size + self.eps) / (n + size * self.eps) * n  # Laplace: no division by 0
        self.codebook.copy_(self.embed_sum / smoothed.unsqueeze(1))
        self.idle_steps.add_(1).masked_fill_(onehot.sum(0) > 0, 0)
        dead = (self.idle_steps >= dead_after).nonzero().squeeze(1)
        if len(dead):
            self._move(dead, flat)
        return len(dead)

    def _move(self, codes: torch.Tensor, flat: torch.Tensor) -> None:
        """Put ``codes`` on random encoder outputs and reset their statistics."""
        pick = torch.randint(len(flat), (len(codes),), device=flat.device)
        self.codebook[codes] = flat[pick]
        self.embed_sum[codes] = flat[pick]
        self.cluster_size[codes] = 1.0
        self.idle_steps[codes] = 0

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """z (B, S, D) → (straight-through quantised z, indices, codebook loss, commitment loss)."""
        idx = self.nearest(z)
        e = self.lookup(idx)
        codebook_loss = F.mse_loss(e, z.detach())  # logged; the EMA update minimises it
        commitment_loss = F.mse_loss(z, e)
        quantised = z + (e - z).detach()  # straight-through: decoder gradients reach the encoder
        return quantised, idx, codebook_loss, commitment_loss


def _halvings(cfg: ModelConfig) -> int:
    """How many stride-2 convolutions take T steps to S codes (2 for 32 → 8)."""
    ratio = cfg.steps // cfg.codes
    if ratio < 1 or ratio & (ratio - 1):
        raise ValueError(f"{cfg.steps} steps to {cfg.codes} codes is not a power-of-two reduction")
    return ratio.bit_length() - 1


class NoteEncoder(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        h = cfg.note_hidden
        self.init = nn.Linear(cfg.skel_dim, 2 * h)
        self.gru = nn.GRU(2 * cfg.n_drums, h, batch_first=True, bidirectional=True)
        widths = [2 * h] + [h // 2**i for i in range(_halvings(cfg))]  # 2h, h, h/2 for T/S = 4
        layers: list[nn.Module] = []
        for c_in, c_out in zip(widths, widths[1:]):
            layers += [nn.Conv1d(c_in, c_out, kernel_size=4, stride=2, padding=1), nn.ReLU()]  # halves the steps
        self.convs = nn.Sequential(*layers, nn.Conv1d(widths[-1], cfg.code_dim, kernel_size=1))

    def forward(self, notes: torch.Tensor, template: torch.Tensor, h_p: torch.Tensor) -> torch.Tensor:
        """(B, T, drums) ×2, (B, skel) → (B, S, code_dim)."""
        h0 = torch.tanh(self.init(h_p)).view(-1, 2, self.gru.hidden_size).transpose(0, 1).contiguous()  # (2, B, h)
        out, _ = self.gru(torch.cat([notes, template], dim=-1), h0)  # (B, T, 2h)
        return self.convs(out.transpose(1, 2)).transpose(1, 2)  # (B, S, D)


class NoteDecoder(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        h = cfg.note_hidden
        n = _halvings(cfg)
        widths = [h // 2**i for i in reversed(range(n))] + [h]  # h/2, h, h for T/S = 4
        layers: list[nn.Module] = [nn.Conv1d(cfg.code_dim, widths[0], kernel_size=1), nn.ReLU()]
        for c_in, c_out in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose1d(c_in, c_out, kernel_size=4, stride=2, padding=1), nn.ReLU()]  # doubles
        self.deconvs = nn.Sequential(*layers)
        self.init = nn.Linear(cfg.skel_dim, 2 * h)
        self.gru = nn.GRU(h + cfg.n_drums, h, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * h, cfg.n_drums)

    def forward(self, e: torch.Tensor, template: torch.Tensor, h_p: torch.Tensor) -> torch.Tensor:
        """(B, S, D), (B, T, drums), (B, skel) → note logits (B, T, drums)."""
        up = self.deconvs(e.transpose(1, 2)).transpose(1, 2)  # (B, T, h)
        h0 = torch.tanh(self.init(h_p)).view(-1, 2, self.gru.hidden_size).transpose(0, 1).contiguous()
        out, _ = self.gru(torch.cat([up, template], dim=-1), h0)  # (B, T, 2h)
        return self.out(out)


class NoteModule(nn.Module):
    """NOTE(N | P): VQ bottleneck (pocketvae) or Gaussian bottleneck (twostep-vae)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = NoteEncoder(cfg)
        self.decoder = NoteDecoder(cfg)
        if cfg.kind == "pocketvae":
            self.quantizer = VectorQuantizer(cfg.codebook_size, cfg.code_dim)
        else:
            flat = cfg.codes * cfg.code_dim
            self.to_stats = nn.Linear(flat, 2 * cfg.note_z_dim)
            self.from_z = nn.Linear(cfg.note_z_dim, flat)

    @property
    def quantised(self) -> bool:
        return self.cfg.kind == "pocketvae"

    def encode(self, notes: torch.Tensor, template: torch.Tensor, h_p: torch.Tensor) -> torch.Tensor:
        """Code indices (B, S) for the VQ module, latent means (B, z) for the Gaussian one."""
        z = self.encoder(notes, template, h_p)
        if self.quantised:
            return self.quantizer.nearest(z)
        return self.to_stats(z.flatten(1)).chunk(2, dim=-1)[0]

    def decode(self, latent: torch.Tensor, template: torch.Tensor, h_p: torch.Tensor) -> torch.Tensor:
        """Note logits (B, T, drums) from code indices (B, S) or a Gaussian latent (B, z)."""
        if self.quantised:
            e = self.quantizer.lookup(latent)
        else:
            e = self.from_z(latent).view(-1, self.cfg.codes, self.cfg.code_dim)
        return self.decoder(e, template, h_p)

    def forward(self, notes, template, h_p):
        """Returns (logits, dict of losses, code indices or None, encoder outputs)."""
        z = self.encoder(notes, template, h_p)
        if self.quantised:
            e, idx, cb, cmt = self.quantizer(z)
            return self.decoder(e, template, h_p), {"codebook": cb, "commitment": cmt}, idx, z
        mu, logvar = self.to_stats(z.flatten(1)).chunk(2, dim=-1)
        sample = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        e = self.from_z(sample).view(-1, self.cfg.codes, self.cfg.code_dim)
        return self.decoder(e, template, h_p), {"note_kl": kl_divergence(mu, logvar)}, None, z


def kl_per_dimension(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) ‖ N(0, I)) of each latent dimension, averaged over the batch: (z,)."""
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).mean(0)


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) ‖ N(0, I)), summed over z, averaged over the batch."""
    return kl_per_dimension(mu, logvar).sum()
