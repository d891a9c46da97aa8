"""The networks: shapes, gradients through the quantiser, codebook restarts, learning."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import tiny_config

from groovecli.lab.validation import to_batch
from groovecli.nn.classifier import GenreClassifier
from groovecli.nn.config import ModelConfig, TrainConfig
from groovecli.nn.note_vqvae import VectorQuantizer
from groovecli.nn.pocketvae import GrooveModel, pattern_one_hot
from groovecli.nn.prior import CodePrior
from groovecli.nn.skel import Skel

B, T, D = 5, 32, 9


def batch(fixture_dataset, n=B):
    return to_batch(fixture_dataset, np.arange(n), torch.device("cpu"))


def test_skel_and_note_shapes(fixture_dataset):
    cfg = tiny_config()
    b = batch(fixture_dataset)
    assert Skel(D, 8, 4)(b["template"]).shape == (B, 4)
    model = GrooveModel(cfg)
    h_p = model.skel(b["template"])
    codes = model.note.encode(b["hits"], b["template"], h_p)
    assert codes.shape == (B, cfg.codes) and codes.dtype == torch.long and int(codes.max()) < cfg.codebook_size
    assert model.note.decode(codes, b["template"], h_p).shape == (B, T, D)


@pytest.mark.parametrize("kind", ["pocketvae", "twostep-vae", "onestep"])
def test_reconstruction_shapes_and_ranges(fixture_dataset, kind):
    torch.manual_seed(0)
    model = GrooveModel(tiny_config(kind)).eval()
    out = model.reconstruct(batch(fixture_dataset))
    for key in ("hits", "velocity", "offset"):
        assert out[key].shape == (B, T, D)
    assert set(out["hits"].unique().tolist()) <= {0.0, 1.0}
    assert (out["velocity"] >= 0).all() and (out["velocity"] <= 1).all()
    assert (out["offset"].abs() <= 1).all()
    # no velocity or timing where there is no note
    assert (out["velocity"][out["hits"] == 0] == 0).all() and (out["offset"][out["hits"] == 0] == 0).all()
    assert ("codes" in out) == (kind == "pocketvae")


def test_feel_modules_and_forced_first_bar(fixture_dataset):
    torch.manual_seed(0)
    cfg = tiny_config()
    model = GrooveModel(cfg).eval()
    b = batch(fixture_dataset)
    z = model.encode_feel("velocity", b["velocity"], b["hits"], b["velocity_pattern"], b["genre"])
    assert z.shape == (B, cfg.z_dim)
    first = b["velocity"][:, :16]
    v = model.decode_feel("velocity", z, b["hits"], b["velocity_pattern"], b["genre"], first=first)
    assert v.shape == (B, T, D)
    torch.testing.assert_close(v[:, :16], first)


def test_prior_and_classifier_shapes():
    cfg = tiny_config()
    prior = CodePrior(cfg)
    genre = torch.tensor([0, 1, 2])
    codes = torch.randint(cfg.codebook_size, (3, cfg.codes))
    assert prior(codes, genre).shape == (3, cfg.codes, cfg.codebook_size)
    g = torch.Generator().manual_seed(1)
    sampled = prior.sample(genre, cfg.codes, generator=g, prefix=codes[:, :4])
    assert sampled.shape == (3, cfg.codes) and torch.equal(sampled[:, :4], codes[:, :4])
    again = prior.sample(genre, cfg.codes, generator=torch.Generator().manual_seed(1), prefix=codes[:, :4])
    assert torch.equal(sampled, again)
    clf = GenreClassifier(D, 14)
    x = torch.rand(3, T, D)
    assert clf(x, x, x).shape == (3, 14)


def test_pattern_one_hot():
    p = torch.tensor([[0, 1, 5]])
    oh = pattern_one_hot(p, 5)
    assert oh.shape == (1, 3, 5) and oh[0, 0].sum() == 0 and oh[0, 1, 0] == 1 and oh[0, 2, 4] == 1


def test_straight_through_estimator_reaches_the_encoder(fixture_dataset):
    torch.manual_seed(0)
    model = GrooveModel(tiny_config())
    b = batch(fixture_dataset)
    h_p = model.skel(b["template"])
    logits, _, idx, _ = model.note(b["hits"], b["template"], h_p)
    torch.nn.functional.binary_cross_entropy_with_logits(logits, b["hits"]).backward()  # reconstruction only
    grad = model.note.encoder.convs[0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


def test_dead_codes_restart_onto_encoder_outputs():
    torch.manual_seed(0)
    q = VectorQuantizer(8, 4)
    z = torch.randn(16, 8, 4)
    q.update(z, q.nearest(z), dead_after=3)  # first call: initialise from encoder outputs
    assert bool(q.initialised)
    only_code_0 = torch.zeros(16, 8, dtype=torch.long)
    restarted = [q.update(z, only_code_0, dead_after=3) for _ in range(3)]
    assert restarted == [0, 0, 7]  # codes 1..7 idle 3 steps: moved
    flat = z.reshape(-1, 4)
    for code in q.codebook.data[1:]:
        assert (flat - code).abs().sum(-1).min() < 1e-6  # each sits on an encoder output


@pytest.mark.parametrize("kind", ["pocketvae", "twostep-vae", "onestep"])
def test_a_few_steps_reduce_every_loss_term(fixture_dataset, kind):
    torch.manual_seed(0)
    model = GrooveModel(tiny_config(kind))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    b = batch(fixture_dataset, 16)
    tcfg = TrainConfig()
    history = []
    for _ in range(60):
        loss, stats, codes = model(b, 1.0, 0.0, tcfg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if codes is not None:  # as the Trainer does: the first batch initialises the codebook
            model.note.quantizer.update(*codes, dead_after=tcfg.dead_code_steps)
        history.append({k: v.item() for k, v in stats.items()} | {"loss": loss.item()})
    for term in ("loss", "note", "velocity_nll", "offset_nll", "velocity_sse", "offset_sse"):
        if term in history[0]:
            first, last = np.mean([h[term] for h in history[:3]]), np.mean([h[term] for h in history[-3:]])
            assert last < first, (term, first, last)


def test_ema_moves_codes_to_their_encoder_outputs_and_commitment_pulls_the_encoder():
    torch.manual_seed(0)
    q = VectorQuantizer(8, 4, decay=0.9)
    centres = torch.randn(8, 4) * 3
    z = (centres.repeat(16, 1) + 0.01 * torch.randn(128, 4)).view(16, 8, 4)
    q.update(z, q.nearest(z), dead_after=1000)  # initialises on encoder outputs
    q.codebook.copy_(centres + 0.5)  # each code half a unit off its cluster
    q.embed_sum.copy_(centres + 0.5)
    q.cluster_size.fill_(1.0)
    first = q(z)[2].item()
    for _ in range(60):
        q.update(z, q.nearest(z), dead_after=1000)
    assert q(z)[2].item() < first / 100  # codebook loss: the codes moved onto their clusters
    torch.testing.assert_close(q.codebook, centres, atol=0.02, rtol=0)
    zz = z.clone().requires_grad_(True)
    q(zz)[3].backward()  # commitment loss: its gradient points the encoder at its code
    assert zz.grad is not None and zz.grad.abs().sum() > 0


def test_config_round_trip_and_validation():
    cfg = tiny_config()
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(Exception, match="settings this groove does not know"):
        ModelConfig.from_dict(cfg.to_dict() | {"attention_heads": 4})
    with pytest.raises(Exception, match="unknown model kind"):
        ModelConfig(kind="transformer")


def test_forced_prefix_equals_feeding_it_step_by_step(fixture_dataset):
    """The fused forced bar must leave the decoder where a step loop over the same values would.

    Near temperature 0 the head picks its most likely bin at every step, so both runs choose the
    same bins and differ only by where in the bin each value was placed (less than a bin width).
    """
    torch.manual_seed(0)
    model = GrooveModel(tiny_config()).eval()
    b = batch(fixture_dataset, 2)
    z = torch.randn(2, model.cfg.z_dim)
    args = ("offset", z, b["hits"], b["timing_pattern"], b["genre"])
    free = model.decode_feel(*args, temperature=1e-6)
    forced = model.decode_feel(*args, first=free[:, :16], temperature=1e-6)
    assert torch.equal(forced[:, :16], free[:, :16])
    width = 2 / model.cfg.feel_bins
    assert (forced - free).abs().max() < width


@pytest.mark.parametrize("codes", [4, 16, 32])
def test_note_module_is_shape_generic_in_the_number_of_codes(fixture_dataset, codes):
    model = GrooveModel(tiny_config(codes=codes)).eval()
    b = batch(fixture_dataset, 2)
    h_p = model.skel(b["template"])
    idx = model.note.encode(b["hits"], b["template"], h_p)
    assert idx.shape == (2, codes) and model.note.decode(idx, b["template"], h_p).shape == (2, T, D)


def test_prior_samples_follow_its_distribution():
    """Gumbel-max sampling: first codes drawn in bulk match softmax(logits / temperature)."""
    torch.manual_seed(0)
    cfg = tiny_config()
    prior = CodePrior(cfg).eval()
    genre = torch.zeros(40_000, dtype=torch.long)
    for temperature in (1.0, 0.5):
        codes = prior.sample(genre, 1, temperature=temperature, generator=torch.Generator().manual_seed(1))[:, 0]
        with torch.no_grad():
            logits = prior(torch.zeros(1, 1, dtype=torch.long), genre[:1])[0, 0]  # step 0 sees only the start token
        expected = torch.softmax(logits / temperature, -1)
        seen = torch.bincount(codes, minlength=cfg.codebook_size).float() / len(codes)
        assert torch.allclose(seen, expected, atol=0.01), (seen, expected)
