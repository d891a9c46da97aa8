"""The product's networks as ONNX graphs, for the torch-free runtime (``groovecli/runtime/``).

A checkpoint becomes one small graph per thing the generation steps ask of a network (SKEL, the
NOTE encoder, nearest code, code lookup and decoder, each feel's encoder, start state and decoder
step, the prior's start state and step, the guesser; a conditional model's start and step): the
sampling loops, their random draws and the genre one-hots stay outside, in numpy, so that the
runtime draws exactly what the torch path draws. Each graph is written as ``<stem>.<part>.onnx``
beside the checkpoint (``pocketvae.skel.onnx`` ...). Its float weights are stored as float16 with
a cast to float32 at the graph's start: the shipped checkpoints hold float16 weights (``weights.
export_weights``) that torch casts to float32 on load, so the runtime computes with the same
numbers at half the file size.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn

from .cond_vae import CondVAE
from .genre_guesser import GenreGuesser
from .pocketvae import GrooveModel
from .prior import CodePrior

OPSET = 17


class _Skel(nn.Module):
    def __init__(self, model: GrooveModel):
        super().__init__()
        self.skel = model.skel

    def forward(self, x):
        return self.skel(x)


class _NoteEncoder(nn.Module):
    def __init__(self, model: GrooveModel):
        super().__init__()
        self.encoder = model.note.encoder

    def forward(self, notes, template, h_p):
        return self.encoder(notes, template, h_p)


class _Nearest(nn.Module):
    def __init__(self, model: GrooveModel):
        super().__init__()
        self.quantizer = model.note.quantizer

    def forward(self, z):
        return self.quantizer.nearest(z)


class _Lookup(nn.Module):
    def __init__(self, model: GrooveModel):
        super().__init__()
        self.quantizer = model.note.quantizer

    def forward(self, idx):
        return self.quantizer.lookup(idx)


class _NoteDecoder(nn.Module):
    def __init__(self, model: GrooveModel):
        super().__init__()
        self.decoder = model.note.decoder

    def forward(self, e, template, h_p):
        return self.decoder(e, template, h_p)


class _FeelEncode(nn.Module):
    """SeqVAE.encode's mean: the only part of it that inference reads."""

    def __init__(self, model: GrooveModel, feel: str):
        super().__init__()
        self.vae = model.feel_module(feel)

    def forward(self, target, cond, init):
        return self.vae.encode(target, cond, init)[0]


class _FeelStart(nn.Module):
    def __init__(self, model: GrooveModel, feel: str):
        super().__init__()
        self.vae = model.feel_module(feel)

    def forward(self, z, init):
        h = torch.tanh(self.vae.dec_init(torch.cat([z, init], dim=-1)))
        return h.view(-1, self.vae.dec_layers, self.vae.dec_hidden).transpose(0, 1)


class _FeelStep(nn.Module):
    """k decoder steps at once, their inputs given: one step while sampling, a forced bar in one call."""

    def __init__(self, model: GrooveModel, feel: str):
        super().__init__()
        self.vae = model.feel_module(feel)

    def forward(self, x, h):
        out, h = self.vae.dec(x, h)
        return self.vae.out(out), h


class _PriorStart(nn.Module):
    def __init__(self, prior: CodePrior):
        super().__init__()
        self.prior = prior

    def forward(self, genre_onehot):
        h = torch.tanh(self.prior.init(genre_onehot))
        return h.view(-1, self.prior.layers, self.prior.hidden).transpose(0, 1)


class _PriorStep(nn.Module):
    """Tokens (B, k) read in one GRU call; the next code's logits after the last of them."""

    def __init__(self, prior: CodePrior):
        super().__init__()
        self.prior = prior

    def forward(self, tokens, h):
        out, h = self.prior.gru(self.prior.embed(tokens), h)
        return self.prior.out(out[:, -1]), h


class _Guesser(nn.Module):
    def __init__(self, guesser: GenreGuesser):
        super().__init__()
        self.guesser = guesser

    def forward(self, template, bpm):
        return self.guesser(template, bpm)


class _CondStart(nn.Module):
    def __init__(self, model: CondVAE):
        super().__init__()
        self.model = model

    def forward(self, z, cond, genre_onehot):
        ctx, _ = self.model.context(cond)
        h0 = torch.tanh(self.model.init(torch.cat([z, genre_onehot], dim=-1)))
        inputs = torch.cat([ctx, z[:, None, :].expand(-1, cond.shape[1], -1)], dim=-1)
        return inputs, h0.view(-1, 2, self.model.cfg.hidden).transpose(0, 1)


class _CondStep(nn.Module):
    def __init__(self, model: CondVAE):
        super().__init__()
        self.model = model

    def forward(self, x, h):
        out, h = self.model.dec(x, h)
        logits, vel, off = self.model.out(out).chunk(3, dim=-1)
        return logits, torch.sigmoid(vel), torch.tanh(off), h


def groove_graphs(model: GrooveModel, prior: CodePrior | None, guesser: GenreGuesser | None) -> dict[str, tuple]:
    """part name → (module, example inputs, input names, output names) for a pocketvae model."""
    cfg = model.cfg
    if cfg.kind != "pocketvae":
        raise ValueError(f"only pocketvae models run without torch (this one is {cfg.kind})")
    b, t, d, s = 2, cfg.steps, cfg.n_drums, cfg.codes
    grid, h_p = torch.zeros(b, t, d), torch.zeros(b, cfg.skel_dim)
    init = torch.zeros(b, cfg.skel_dim + cfg.n_genres)
    graphs = {
        "skel": (_Skel(model), (grid,), ["x"], ["h_n"]),
        "note_encoder": (_NoteEncoder(model), (grid, grid, h_p), ["notes", "template", "h_p"], ["z"]),
        "note_nearest": (_Nearest(model), (torch.zeros(b, s, cfg.code_dim),), ["z"], ["idx"]),
        "note_lookup": (_Lookup(model), (torch.zeros(b, s, dtype=torch.long),), ["idx"], ["e"]),
        "note_decoder": (_NoteDecoder(model), (torch.zeros(b, s, cfg.code_dim), grid, h_p),
                         ["e", "template", "h_p"], ["logits"]),
    }
    for feel, short, classes in (("velocity", "vel", cfg.velocity_classes), ("offset", "time", cfg.timing_classes)):
        cond = torch.zeros(b, t, d + (classes if cfg.use_patterns else 0))
        step_in = torch.zeros(b, 1, d + cond.shape[-1] + cfg.z_dim)
        graphs[f"{short}_encode"] = (_FeelEncode(model, feel), (grid, cond, init), ["target", "cond", "init"], ["mu"])
        graphs[f"{short}_start"] = (_FeelStart(model, feel), (torch.zeros(b, cfg.z_dim), init), ["z", "init"], ["h"])
        graphs[f"{short}_step"] = (_FeelStep(model, feel), (step_in, torch.zeros(cfg.dec_layers, b, cfg.dec_hidden)),
                                   ["x", "h"], ["raw", "h_out"])
    if prior is not None:
        onehot = torch.zeros(b, max(cfg.n_genres, 1))
        graphs["prior_start"] = (_PriorStart(prior), (onehot,), ["genre_onehot"], ["h"])
        graphs["prior_step"] = (_PriorStep(prior), (torch.zeros(b, 1, dtype=torch.long),
                                                    torch.zeros(prior.layers, b, prior.hidden)),
                                ["tokens", "h"], ["logits", "h_out"])
    if guesser is not None:
        graphs["guesser"] = (_Guesser(guesser), (grid, torch.full((b,), 120.0)), ["template", "bpm"], ["logits"])
    return graphs


def cond_graphs(model: CondVAE) -> dict[str, tuple]:
    """part name → (module, example inputs, input names, output names) for a conditional model."""
    cfg = model.cfg
    b, h = 2, cfg.hidden
    start_in = (torch.zeros(b, cfg.z_dim), torch.zeros(b, cfg.steps, cfg.cond_dim), torch.zeros(b, len(cfg.genres)))
    step_in = (torch.zeros(b, 1, 2 * h + cfg.z_dim + cfg.n_drums), torch.zeros(2, b, h))
    return {"start": (_CondStart(model), start_in, ["z", "cond", "genre_onehot"], ["inputs", "h"]),
            "step": (_CondStep(model), step_in, ["x", "h"], ["logits", "velocity", "offset", "h_out"])}


# Axes that vary at run time: the batch everywhere, the steps of sequences, the hidden state's batch.
_DYNAMIC = {"x": {0: "b", 1: "t"}, "h_n": {0: "b"}, "notes": {0: "b"}, "template": {0: "b"}, "h_p": {0: "b"}, "z": {0: "b"},
            "idx": {0: "b"}, "e": {0: "b"}, "target": {0: "b"}, "cond": {0: "b"}, "init": {0: "b"},
            "mu": {0: "b"}, "h": {1: "b"}, "h_out": {1: "b"}, "raw": {0: "b", 1: "t"}, "genre_onehot": {0: "b"},
            "tokens": {0: "b", 1: "t"}, "logits": {0: "b"}, "bpm": {0: "b"}, "inputs": {0: "b"},
            "velocity": {0: "b", 1: "t"}, "offset": {0: "b", 1: "t"}}


def export_graphs(graphs: dict[str, tuple], checkpoint: Path, config: dict, half: bool = True,
                  extra: dict | None = None) -> list[Path]:
    """Write each graph as ``<checkpoint stem>.<part>.onnx`` beside ``checkpoint``, and the model's
    config (which the runtime reads instead of the checkpoint) as ``<stem>.onnx.json``; their paths,
    the card's first. ``extra``: more for the card (``weights.export_onnx`` gives the checkpoint's
    metrics and format version, then adds where each tensor lies in the graphs)."""
    import json

    checkpoint = Path(checkpoint)
    written = []
    for part, (module, args, inputs, outputs) in graphs.items():
        path = checkpoint.with_name(f"{checkpoint.stem}.{part}.onnx")
        axes = {name: dict(_DYNAMIC[name]) for name in inputs + outputs if name in _DYNAMIC}
        if part.endswith("_step") or part == "step":
            axes["logits"] = {0: "b", 1: "t"} if part == "step" else {0: "b"}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the legacy exporter's deprecation and GRU batch notes
            torch.onnx.export(module.eval(), args, str(path), dynamo=False, opset_version=OPSET,
                              input_names=inputs, output_names=outputs, dynamic_axes=axes)
        if half:
            halve(path)
        written.append(path)
    card_data = {"config": config, "parts": sorted(graphs), "opset": OPSET, **(extra or {})}
    # written last: a card beside the checkpoint says its graphs are all there
    card = checkpoint.with_name(f"{checkpoint.stem}.onnx.json")
    card.write_text(json.dumps(card_data, indent=2) + "\n")
    return [card, *written]


def halve(path: Path) -> None:
    """Store the graph's float32 weights as float16, each cast back to float32 where the graph reads
    it. Without the ``onnx`` package the graph keeps float32 weights: the same numbers (they were
    float16 in the checkpoint), twice the bytes."""
    import numpy as np

    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        return

    model = onnx.load(str(path))
    graph = model.graph
    casts, kept = [], []
    for init in graph.initializer:
        array = numpy_helper.to_array(init)
        if array.dtype != np.float32 or array.size < 16:
            kept.append(init)
            continue
        half = numpy_helper.from_array(array.astype(np.float16), init.name + "__f16")
        kept.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=onnx.TensorProto.FLOAT))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.save(model, str(path))
