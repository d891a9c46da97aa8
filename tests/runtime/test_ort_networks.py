"""The bundled networks exported to ONNX compute what torch computes, and the numpy sampling loops,
fed the same random numbers, draw what the torch loops draw (same codes, notes, values)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")  # the exporter stores the weights as float16 with it
torch = pytest.importorskip("torch")

from groovecli.nn.export import cond_graphs, export_graphs, groove_graphs  # noqa: E402
from groovecli.runtime.networks import open_cond, open_groove  # noqa: E402
from groovecli.weights import load_cond, load_model, read_checkpoint  # noqa: E402

COND_TASKS = ("decorate", "drumify", "fills")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The bundled weights, their ONNX exports, and the runtime's objects over them."""
    folder = tmp_path_factory.mktemp("onnx")
    loaded = load_model(None, "cpu")
    export_graphs(groove_graphs(loaded.model, loaded.prior, loaded.guesser), folder / "pocketvae.pt",
                  read_checkpoint(loaded.path)["config"])
    conds = {}
    for task in COND_TASKS:
        c = load_cond(task)
        export_graphs(cond_graphs(c.model), folder / f"{task}.pt", c.config.to_dict())
        conds[task] = (c.model, open_cond(folder / f"{task}.pt"))
    return loaded, open_groove(folder / "pocketvae.pt"), conds


def sketch(seed: int, windows: int = 5, steps: int = 32, drums: int = 9) -> np.ndarray:
    rng = np.random.default_rng(seed)
    notes = (rng.random((windows, steps, drums)) < 0.15).astype(np.float32)
    notes[:, 3] = 0  # a step no window plays: the loops' shortcut for silent steps
    return notes


def torch_rand(seed: int):
    """The same uniform stream for both sides: a torch generator, read as numpy on the runtime's."""
    gen = torch.Generator().manual_seed(seed)
    return gen, lambda shape: torch.rand(tuple(shape), generator=gen).numpy()


def test_every_graph_computes_what_torch_computes(exported):
    loaded, (model, prior, guesser), _ = exported
    tm = loaded.model
    notes = sketch(1)
    t_notes = torch.as_tensor(notes)
    with torch.no_grad():
        h = tm.skel(t_notes)
        np.testing.assert_allclose(model.skel(notes), h.numpy(), atol=2e-5)
        codes = tm.note.encode(t_notes, t_notes, h)
        assert (model.note_encode(notes, notes, h.numpy()) == codes.numpy()).all()
        np.testing.assert_allclose(model.note_decode(codes.numpy(), notes, h.numpy()),
                                   tm.note.decode(codes, t_notes, h).numpy(), atol=1e-4)
        genre = np.array([0, 1, 2, 3, 4])
        pattern = np.random.default_rng(2).integers(0, min(loaded.config.velocity_classes, loaded.config.timing_classes) + 1, (5, 32))
        for feel in ("velocity", "offset"):
            args = (t_notes * 0.7, t_notes, torch.as_tensor(pattern), torch.as_tensor(genre))
            np.testing.assert_allclose(model.encode_feel(feel, *(a.numpy() for a in args)),
                                       tm.encode_feel(feel, *args).numpy(), atol=1e-4)
        bpm = np.array([90.0, 120, 150, 180, 70], np.float32)
        np.testing.assert_allclose(guesser.guess(notes, bpm), loaded.guesser.guess(t_notes, torch.as_tensor(bpm)).numpy(),
                                   atol=1e-5)


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_feel_draws_match_with_and_without_a_forced_bar(exported, temperature):
    loaded, (model, _, _), _ = exported
    notes = sketch(3)
    pattern = np.random.default_rng(4).integers(0, 4, (5, 32))
    genre = np.array([2, 2, 5, 5, 0])
    z = np.random.default_rng(5).standard_normal((5, loaded.config.z_dim)).astype(np.float32)
    first = np.random.default_rng(6).random((5, 16, 9)).astype(np.float32) * notes[:, :16]
    for feel in ("velocity", "offset"):
        for forced in (None, first):
            gen, rand = torch_rand(7)
            want = loaded.model.decode_feel(feel, torch.as_tensor(z), torch.as_tensor(notes), torch.as_tensor(pattern),
                                            torch.as_tensor(genre), first=None if forced is None else torch.as_tensor(forced),
                                            temperature=temperature, generator=gen)
            _, rand = torch_rand(7)
            got = model.decode_feel(feel, z, notes, pattern, genre, rand, first=forced, temperature=temperature)
            np.testing.assert_allclose(got, want.numpy(), atol=1e-6)
            assert (np.round(got * 127) == np.round(want.numpy() * 127)).all()  # the MIDI values


def test_prior_draws_the_same_codes(exported):
    loaded, (_, prior, _), _ = exported
    genre = np.array([0, 3, 3, 7])
    for prefix in (None, np.array([[5, 9, 11]] * 4)):
        gen, _ = torch_rand(11)
        want = loaded.prior.sample(torch.as_tensor(genre), loaded.config.codes, temperature=0.9, generator=gen,
                                   prefix=None if prefix is None else torch.as_tensor(prefix))
        _, rand = torch_rand(11)
        got = prior.sample(genre, loaded.config.codes, rand, temperature=0.9, prefix=prefix)
        assert (got == want.numpy()).all()


@pytest.mark.parametrize("task", COND_TASKS)
def test_conditional_models_draw_the_same_notes(exported, task):
    _, _, conds = exported
    tm, om = conds[task]
    cfg = tm.cfg
    rng = np.random.default_rng(12)
    b, steps = 4, cfg.steps
    cond = (rng.random((b, steps, cfg.cond_dim)) < 0.3).astype(np.float32)
    genre = np.array([0, 1, 2, 0]) % len(cfg.genres)
    z = rng.standard_normal((b, cfg.z_dim)).astype(np.float32)
    allowed = (rng.random((b, steps)) < 0.8).astype(np.float32)
    required = rng.random((b, steps)) < 0.3
    floor = (rng.random((b, steps, cfg.n_drums)) < 0.05).astype(np.float32)
    prefix = (rng.random((b, 5, cfg.n_drums)) < 0.2).astype(np.float32)
    for extra in ({}, {"allowed": allowed, "required": required}, {"floor": floor, "prefix": prefix}):
        gen, _ = torch_rand(13)
        want = tm.generate(torch.as_tensor(cond), torch.as_tensor(genre), torch.as_tensor(z), temperature=0.8,
                           generator=gen, **{k: torch.as_tensor(v) for k, v in extra.items()})
        _, rand = torch_rand(13)
        got = om.generate(cond, genre, z, rand, temperature=0.8, **extra)
        assert (got["hits"] == want["hits"].numpy()).all()
        for key in ("velocity", "offset"):
            np.testing.assert_allclose(got[key], want[key].numpy(), atol=1e-5)
