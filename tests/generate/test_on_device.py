"""`--device cuda` plumbing: networks wrapped by `on_device.OnDevice` take and return CPU tensors.

This machine has no GPU, so the wrapper is forced onto CPU-resident networks here: every
generation mode must give the same notes, velocities and timings through it as without it,
which checks that every call's tensors, keyword arguments, submodules and dict or tuple
results pass through the wrapper intact."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from conftest import REPO, midi_bytes

from groovecli.generate.continue_ import continue_song
from groovecli.generate.drumify import drumify
from groovecli.generate.fill import fill
from groovecli.generate.humanize import HumanizeOptions, humanize
from groovecli.generate.interpolate import interpolate
from groovecli.generate.sample import sample
from groovecli.generate.transfer import transfer
from groovecli.on_device import OnDevice, on_device
from groovecli.weights import bundled_dir, load_cond, load_model


def wrapped(loaded):
    cpu = torch.device("cpu")
    dec = loaded.decorator
    return replace(loaded, model=OnDevice(loaded.model, cpu), prior=OnDevice(loaded.prior, cpu),
                   guesser=OnDevice(loaded.guesser, cpu),
                   decorator=None if dec is None else replace(dec, model=OnDevice(dec.model, cpu)))


def same(a, b):
    for k in ("hits", "velocity", "offset"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k))


def test_nothing_is_wrapped_on_the_cpu_and_results_come_back_on_the_cpu():
    net = torch.nn.Linear(3, 2)
    assert on_device(net, "cpu") is net and on_device(None, "cuda") is None
    proxy = OnDevice(torch.nn.Sequential(net), torch.device("cpu"))
    out = proxy(torch.ones(1, 3))
    assert out.device.type == "cpu" and torch.equal(out, net(torch.ones(1, 3)))
    seq = OnDevice(torch.nn.Sequential(torch.nn.Sequential(net)), torch.device("cpu"))
    assert isinstance(getattr(seq, "0"), OnDevice)  # submodules come wrapped
    inner = torch.nn.Sequential(torch.nn.Sequential(net))
    inner.eval()
    assert OnDevice(inner, torch.device("cpu")).training is False  # plain attributes as they are, not wrapped
    inner.train()
    assert OnDevice(inner, torch.device("cpu")).training is True


@pytest.mark.skipif(bundled_dir() is None, reason="no weights bundled in this checkout")
def test_every_mode_gives_the_same_take_through_the_wrapper(tmp_path):
    plain = load_model()
    proxy = wrapped(plain)
    rock, funk = REPO / "examples" / "rock.mid", REPO / "examples" / "funk.mid"
    for notes in ("add", "keep", "free"):
        options = HumanizeOptions(notes=notes, seed=3)  # --genre auto: the guesser runs too
        same(humanize(rock, plain, options).after, humanize(rock, proxy, options).after)
    same(humanize(rock, plain, HumanizeOptions(seed=2, density="+50%")).after,
         humanize(rock, proxy, HumanizeOptions(seed=2, density="+50%")).after)
    same(transfer(rock, funk, plain, HumanizeOptions(seed=1)).after, transfer(rock, funk, proxy, HumanizeOptions(seed=1)).after)
    same(sample(plain, genre="jazz", bars=4, seed=5).after, sample(proxy, genre="jazz", bars=4, seed=5).after)
    assert midi_bytes(continue_song(rock, plain, bars=2, seed=4).performance) == \
        midi_bytes(continue_song(rock, proxy, bars=2, seed=4).performance)
    assert midi_bytes(interpolate(rock, funk, plain, steps=3, seed=6).performance) == \
        midi_bytes(interpolate(rock, funk, proxy, steps=3, seed=6).performance)
    for task, run in (("drumify", lambda m, g: drumify(REPO / "examples" / "bassline.mid", m, seed=7, groove_model=g)),
                      ("fills", lambda m, g: fill(rock, (4, 4), m, seed=8, groove_model=g))):
        cond = load_cond(task)
        assert midi_bytes(run(cond, plain).performance) == \
            midi_bytes(run(replace(cond, model=OnDevice(cond.model, torch.device("cpu"))), proxy).performance)
