"""PocketVAE (Lee, Kim, Nam 2021) and its baselines, composed from the module files.

* ``pocketvae``: SKEL + NOTE VQ-VAE + VEL and TIME conditional VAEs (the shipped model);
* ``twostep-vae``: the same with a Gaussian NOTE module;
* ``onestep``: one sequence VAE for notes, velocity and timing together.

Shapes: (B, T, drums) for grids; patterns (B, T) long in 0..classes (0 = no value);
genre (B,) long. Everything is a tensor; no numpy, no I/O.
Reference code: kyungyunlee/PocketVAE (src/models).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import feel_head
from .config import ModelConfig, TrainConfig
from .note_vqvae import NoteModule, kl_divergence, kl_per_dimension
from .skel import Skel
from .vel_time_vae import SeqVAE

FEELS = ("velocity", "offset")  # the two feel modules, in the order of the paper (VEL, TIME)


def pattern_one_hot(pattern: torch.Tensor, classes: int) -> torch.Tensor:
    """(B, T) levels 0..classes → (B, T, classes); level 0 (no value) is all zeros."""
    return F.one_hot(pattern.long(), classes + 1)[..., 1:].float()


def _drop_patterns(pattern: torch.Tensor, p: float) -> torch.Tensor:
    """Blank the pattern of a random share ``p`` of windows, so that "no pattern drawn" is a
    condition the model knows (it then chooses the feel itself) rather than an unseen input."""
    if p <= 0:
        return pattern
    keep = torch.rand(pattern.shape[0], 1, device=pattern.device) >= p
    return pattern * keep


def sketch_scores(notes: torch.Tensor, template: torch.Tensor, cut: float, union: float
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """The note score VEL and TIME read (B, T, D), and the notes their loss counts, for a batch
    where a random share ``cut`` of windows keeps only the drummer's notes its template also has
    and a share ``union`` of the others adds the template's notes to the drummer's.

    Why: ``--notes keep`` gives VEL and TIME a sketch, sparser than any drummer's part, and ``add``
    the sketch's straight time-keeping line with notes around it; a feel model that has only seen
    drummers' parts plays a sketch's backbeats late and the 16ths around its straight line later
    still (``experiments/eval_class_offsets.py``). Cut windows teach how the drummer played just
    the notes a producer would have drawn; in union windows the line's cells the drummer did not
    play are read but not scored (there is no drummer's value to score them against).
    """
    draw = torch.rand(notes.shape[0], 1, 1, device=notes.device)
    cut_w, union_w = draw < cut, (draw >= cut) & (draw < cut + union)
    score = torch.where(cut_w, notes * template, torch.where(union_w, torch.maximum(notes, template), notes))
    return score, torch.where(cut_w, score, notes)


def _free_bits_kl(mu: torch.Tensor, logvar: torch.Tensor, floor: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(KL to penalise, true KL) per window: each latent dimension's batch-mean KL counts only above
    ``floor`` nats (Kingma et al. 2016), so the optimiser gains nothing by emptying the latent."""
    per_dim = kl_per_dimension(mu, logvar)
    return per_dim.clamp(min=floor).sum(), per_dim.sum()


def _sse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Sum of squared errors per window, averaged over the batch (PocketVAE's ‖·‖²₂)."""
    return (pred - target).pow(2).sum((1, 2)).mean()


class GrooveModel(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.n_drums
        self.skel = Skel(d, cfg.skel_hidden, cfg.skel_dim)
        init_dim = cfg.skel_dim + cfg.n_genres
        vc = cfg.velocity_classes if cfg.use_patterns else 0
        tc = cfg.timing_classes if cfg.use_patterns else 0
        if cfg.kind == "onestep":
            self.onestep = SeqVAE(3 * d, d + vc + tc, init_dim, cfg.vae_hidden, cfg.dec_hidden, cfg.dec_layers,
                                  cfg.note_z_dim)
        else:
            self.note = NoteModule(cfg)
            bins = d * cfg.feel_bins
            self.vel = SeqVAE(d, d + vc, init_dim, cfg.vae_hidden, cfg.dec_hidden, cfg.dec_layers, cfg.z_dim, bins)
            self.time = SeqVAE(d, d + tc, init_dim, cfg.vae_hidden, cfg.dec_hidden, cfg.dec_layers, cfg.z_dim, bins)

    # --- conditioning -------------------------------------------------------------------------

    def init_vector(self, h: torch.Tensor, genre: torch.Tensor) -> torch.Tensor:
        """SKEL vector, with the genre one-hot when the model is genre-conditioned: (B, skel + G)."""
        if not self.cfg.n_genres:
            return h
        return torch.cat([h, F.one_hot(genre.long(), self.cfg.n_genres).float()], dim=-1)

    def feel_cond(self, feel: str, notes: torch.Tensor, pattern: torch.Tensor) -> torch.Tensor:
        """Per-step conditions of VEL or TIME: the notes, and the drawn pattern one-hot."""
        if not self.cfg.use_patterns:
            return notes
        classes = self.cfg.velocity_classes if feel == "velocity" else self.cfg.timing_classes
        return torch.cat([notes, pattern_one_hot(pattern, classes)], dim=-1)

    def feel_module(self, feel: str) -> SeqVAE:
        return self.vel if feel == "velocity" else self.time

    def feel_logits(self, raw: torch.Tensor) -> torch.Tensor:
        """Raw decoder outputs (B, T, drums × bins) → logits (B, T, drums, bins)."""
        return raw.unflatten(-1, (self.cfg.n_drums, self.cfg.feel_bins))

    def feel_post(self, feel: str, notes: torch.Tensor, temperature: float = 1.0,
                  generator: torch.Generator | None = None):
        """post(raw, steps) → values drawn from the head, zero off the notes (SeqVAE's ``Post``).

        The random numbers for every step of ``notes`` are drawn up front, in one call: the decoder
        then calls ``post`` once per step without any random draw of its own, which is what makes a step cheap.
        """
        gumbel, inside = feel_head.noise((*notes.shape, self.cfg.feel_bins), generator, notes.device)
        silent = (~notes.bool().any(-1).any(0)).tolist()  # steps where no window has a note

        def post(raw: torch.Tensor, steps: slice) -> torch.Tensor:
            if steps.stop is not None and steps.stop - steps.start == 1 and silent[steps.start]:
                return torch.zeros_like(notes[:, steps])  # what drawing and masking would give, for less
            return feel_head.pick(self.feel_logits(raw), feel, gumbel[:, steps], inside[:, steps],
                                  temperature) * notes[:, steps]

        return post

    # --- training -----------------------------------------------------------------------------

    def forward(self, b, tf_ratio, beta, tcfg, feel_only=False):
        """The training loss (so DistributedDataParallel can wrap it); see ``losses``."""
        return self.losses(b, tf_ratio, beta, tcfg, feel_only)

    def losses(self, b: dict[str, torch.Tensor], tf_ratio: float, beta: float, tcfg: TrainConfig,
               feel_only: bool = False):
        """The joint loss of PocketVAE eq. (3)-(5) on one batch, with the feel terms as negative
        log-likelihoods under the binned heads; ``feel_only`` leaves SKEL and NOTE out (the feel
        stage of training, on a frozen NOTE module).

        Returns:
            (loss, stats dict of floats-as-tensors, (encoder outputs, code indices) or None).
        """
        if self.cfg.kind == "onestep":
            return self._onestep_losses(b, tf_ratio, beta, tcfg)
        template, notes = b["template"], b["hits"]
        loss, stats, idx, z_note = torch.zeros((), device=notes.device), {}, None, None
        feel_notes, scored = notes, notes  # the notes VEL and TIME read, and those their loss counts
        sketched = tcfg.sketch_notes > 0 or tcfg.sketch_union > 0
        if sketched:
            feel_notes, scored = sketch_scores(notes, template, tcfg.sketch_notes, tcfg.sketch_union)
        if not feel_only:
            h_p = self.skel(template)
            logits, terms, idx, z_note = self.note(notes, template, h_p)
            note_bce = F.binary_cross_entropy_with_logits(logits, notes, reduction="sum") / len(notes)
            stats["note"] = loss = note_bce
            if "codebook" in terms:  # the codebook itself follows the encoder by EMA (note_vqvae.py)
                loss = loss + tcfg.commitment_weight * terms["commitment"]
            else:
                loss = loss + beta * terms["note_kl"]
            stats.update(terms)
            h_n = self.skel(feel_notes)
        else:
            with torch.no_grad():
                h_n = self.skel(feel_notes)
        init = self.init_vector(h_n, b["genre"])
        feel_beta = beta / tcfg.beta_max * tcfg.feel_beta if tcfg.beta_max else tcfg.feel_beta
        for feel, pattern in (("velocity", b["velocity_pattern"]), ("offset", b["timing_pattern"])):
            pattern = _drop_patterns(pattern, tcfg.pattern_dropout)
            module, target = self.feel_module(feel), b[feel]
            if sketched:  # a cut window's dropped notes have no value and their steps no pattern
                pattern, target = pattern * (feel_notes.sum(-1) > 0), target * scored
            cond = self.feel_cond(feel, feel_notes, pattern)
            mu, logvar = module.encode(target, cond, init)
            z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
            raw = module.decode_train(target, cond, z, init, self.feel_post(feel, feel_notes), tf_ratio,
                                      tcfg.prev_dropout)
            nll = feel_head.nll(self.feel_logits(raw), target, scored, feel)
            penalised, kl = _free_bits_kl(mu, logvar, tcfg.free_bits)
            loss = loss + nll + feel_beta * penalised
            stats[f"{feel}_nll"], stats[f"{feel}_kl"] = nll, kl
        return loss, stats, (z_note, idx) if idx is not None else None

    def _onestep_losses(self, b, tf_ratio, beta, tcfg):
        d = self.cfg.n_drums
        template, notes = b["template"], b["hits"]
        init = self.init_vector(self.skel(template), b["genre"])
        cond = self._onestep_cond(template, _drop_patterns(b["velocity_pattern"], tcfg.pattern_dropout),
                                  _drop_patterns(b["timing_pattern"], tcfg.pattern_dropout))
        target = torch.cat([notes, b["velocity"], b["offset"]], dim=-1)
        mu, logvar = self.onestep.encode(target, cond, init)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        raw = self.onestep.decode_train(target, cond, z, init, self._onestep_post, tf_ratio)
        note_bce = F.binary_cross_entropy_with_logits(raw[..., :d], notes, reduction="sum") / len(notes)
        vel_sse = _sse(torch.sigmoid(raw[..., d : 2 * d]) * notes, b["velocity"])
        off_sse = _sse(torch.tanh(raw[..., 2 * d :]) * notes, b["offset"])
        kl = kl_divergence(mu, logvar)
        stats = {"note": note_bce, "velocity_sse": vel_sse, "offset_sse": off_sse, "kl": kl}
        return note_bce + vel_sse + off_sse + beta * kl, stats, None

    def _onestep_cond(self, template, vpat, tpat):
        if not self.cfg.use_patterns:
            return template
        return torch.cat([template, pattern_one_hot(vpat, self.cfg.velocity_classes),
                          pattern_one_hot(tpat, self.cfg.timing_classes)], dim=-1)

    def _onestep_post(self, raw: torch.Tensor, steps: slice) -> torch.Tensor:
        d = self.cfg.n_drums
        hits = (torch.sigmoid(raw[..., :d]) > 0.5).float()
        return torch.cat([hits, torch.sigmoid(raw[..., d : 2 * d]) * hits, torch.tanh(raw[..., 2 * d :]) * hits], -1)

    # --- inference ----------------------------------------------------------------------------

    @torch.no_grad()
    def encode_feel(self, feel: str, values, notes, pattern, genre) -> torch.Tensor:
        """The mean latent z (B, z) of a performance's velocity or timing, given its notes."""
        init = self.init_vector(self.skel(notes), genre)
        return self.feel_module(feel).encode(values, self.feel_cond(feel, notes, pattern), init)[0]

    @torch.no_grad()
    def decode_feel(self, feel: str, z, notes, pattern, genre, first=None, h_n=None, temperature: float = 1.0,
                    generator: torch.Generator | None = None) -> torch.Tensor:
        """Velocity in [0, 1] or offsets in [-1, 1] (B, T, drums) for ``notes``, zero off the notes,
        drawn from the head at ``temperature`` with ``generator``'s random numbers.

        ``first`` forces the first steps (see SeqVAE.generate); ``h_n`` is SKEL(notes) when the
        caller has it already.
        """
        init = self.init_vector(self.skel(notes) if h_n is None else h_n, genre)
        post = self.feel_post(feel, notes, temperature, generator)
        return self.feel_module(feel).generate(self.feel_cond(feel, notes, pattern), z, init, post, first)

    @torch.no_grad()
    def feel_nll(self, b: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Teacher-forced negative log-likelihood of each feel at z = posterior mean, in nats summed
        over the batch's notes: the validation score of the feel heads (deterministic, unlike a
        sampled reconstruction)."""
        notes = b["hits"]
        init = self.init_vector(self.skel(notes), b["genre"])
        out = {}
        for feel, key in (("velocity", "velocity_pattern"), ("offset", "timing_pattern")):
            module, cond = self.feel_module(feel), self.feel_cond(feel, notes, b[key])
            mu, _ = module.encode(b[feel], cond, init)
            raw = module.teacher_forced(b[feel], cond, mu, init)
            out[feel] = feel_head.nll(self.feel_logits(raw), b[feel], notes, feel) * len(notes)
        return out

    @torch.no_grad()
    def reconstruct(self, b: dict[str, torch.Tensor], generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Encode a real performance and decode it free-running (z = posterior mean; feel values
        drawn from the heads with ``generator``; the one-step baseline's are its means).

        Returns hits (0/1), velocity and offset (B, T, drums), and ``codes`` (B, S) for VQ.
        """
        template, notes = b["template"], b["hits"]
        if self.cfg.kind == "onestep":
            init = self.init_vector(self.skel(template), b["genre"])
            cond = self._onestep_cond(template, b["velocity_pattern"], b["timing_pattern"])
            mu, _ = self.onestep.encode(torch.cat([notes, b["velocity"], b["offset"]], -1), cond, init)
            out = self.onestep.generate(cond, mu, init, self._onestep_post)
            d = self.cfg.n_drums
            return {"hits": out[..., :d], "velocity": out[..., d : 2 * d], "offset": out[..., 2 * d :]}
        h_p = self.skel(template)
        latent = self.note.encode(notes, template, h_p)
        hits = (torch.sigmoid(self.note.decode(latent, template, h_p)) > 0.5).float()
        out = {"hits": hits}
        if self.note.quantised:
            out["codes"] = latent
        for feel, key in (("velocity", "velocity_pattern"), ("offset", "timing_pattern")):
            z = self.encode_feel(feel, b[feel], notes, b[key], b["genre"])
            out[feel] = self.decode_feel(feel, z, hits, b[key], b["genre"], generator=generator)
        return out
