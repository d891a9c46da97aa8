"""The networks' inference methods in numpy over their graphs: what ``nn/pocketvae.py``,
``nn/prior.py``, ``nn/cond_vae.py`` and ``nn/genre_guesser.py`` do at inference, step for step.

The graphs are the exported ONNX files on onnxruntime (``graphs.Graphs``) or the same parts run
by the torch modules (``torch_graphs.TorchGraphs``: --device cuda, weights with no export): one
set of sampling loops over either. Every loop takes its random numbers from ``rand(shape)``
(uniform [0, 1) float32), in the order and shapes the torch modules' own loops draw them: fed
the same numbers, all give the same notes and values (``tests/runtime/``). Arrays are numpy
float32 and int64 throughout.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..nn.config import CondConfig, ModelConfig
from .graphs import Graphs, one_hot

Rand = Callable[[tuple[int, ...]], np.ndarray]
RANGES = {"velocity": (0.0, 1.0), "offset": (-1.0, 1.0)}  # as nn/feel_head.py
SHORT = {"velocity": "vel", "offset": "time"}


def sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-x))).astype(np.float32)


def gumbel(u: np.ndarray, floor: float, ceiling: float | None = None) -> np.ndarray:
    """-log(-log(u)) with u clamped as the torch code clamps it."""
    u = np.clip(u, floor, ceiling if ceiling is not None else np.inf).astype(np.float32)
    return -np.log(-np.log(u))


def pick(logits: np.ndarray, feel: str, noise: np.ndarray, inside: np.ndarray, temperature: float) -> np.ndarray:
    """``feel_head.pick``: a bin by Gumbel-max, then a place inside it."""
    bins = logits.shape[-1]
    lo, hi = RANGES[feel]
    scaled = logits if temperature == 1.0 else logits / np.float32(temperature)
    idx = (scaled + noise).argmax(-1).astype(np.float32)
    return (np.float32(lo) + (idx + inside) * np.float32(hi - lo) / np.float32(bins)).astype(np.float32)


class GrooveNet:
    """GrooveModel's inference methods (SKEL, NOTE, VEL and TIME) over its graphs."""

    def __init__(self, graphs: Graphs):
        self.graphs = graphs
        self.cfg = ModelConfig.from_dict(graphs.config)

    def skel(self, x: np.ndarray) -> np.ndarray:
        return self.graphs.run("skel", x=x)[0]

    def note_encoder(self, notes, template, h_p) -> np.ndarray:
        return self.graphs.run("note_encoder", notes=notes, template=template, h_p=h_p)[0]

    def nearest(self, z: np.ndarray) -> np.ndarray:
        return self.graphs.run("note_nearest", z=z)[0]

    def lookup(self, idx: np.ndarray) -> np.ndarray:
        return self.graphs.run("note_lookup", idx=idx)[0]

    def note_encode(self, notes, template, h_p) -> np.ndarray:
        """Code indices (B, S): NoteModule.encode."""
        return self.nearest(self.note_encoder(notes, template, h_p))

    def note_decode(self, codes, template, h_p) -> np.ndarray:
        """Note logits (B, T, drums) from code indices: NoteModule.decode."""
        return self.graphs.run("note_decoder", e=self.lookup(codes), template=template, h_p=h_p)[0]

    def init_vector(self, h: np.ndarray, genre: np.ndarray) -> np.ndarray:
        if not self.cfg.n_genres:
            return h
        return np.concatenate([h, one_hot(genre, self.cfg.n_genres)], axis=-1)

    def feel_cond(self, feel: str, notes: np.ndarray, pattern: np.ndarray) -> np.ndarray:
        if not self.cfg.use_patterns:
            return notes
        classes = self.cfg.velocity_classes if feel == "velocity" else self.cfg.timing_classes
        return np.concatenate([notes, one_hot(pattern, classes + 1)[..., 1:]], axis=-1)

    def encode_feel(self, feel: str, values, notes, pattern, genre) -> np.ndarray:
        init = self.init_vector(self.skel(notes), genre)
        return self.graphs.run(f"{SHORT[feel]}_encode", target=values, cond=self.feel_cond(feel, notes, pattern),
                               init=init)[0]

    def decode_feel(self, feel: str, z, notes, pattern, genre, rand: Rand, first=None, h_n=None,
                    temperature: float = 1.0) -> np.ndarray:
        """GrooveModel.decode_feel: values (B, T, drums), zero off the notes, drawn step by step."""
        cfg, part = self.cfg, SHORT[feel]
        init = self.init_vector(self.skel(notes) if h_n is None else h_n, genre)
        noise = gumbel(rand((*notes.shape, cfg.feel_bins)), 1e-9, 1 - 1e-9)  # feel_head.noise's two draws
        inside = rand(notes.shape)
        silent = ~notes.astype(bool).any(-1).any(0)
        cond = self.feel_cond(feel, notes, pattern)
        (h,) = self.graphs.run(f"{part}_start", z=z, init=init)
        b, steps, d = notes.shape
        outs, k = [], 0
        prev = np.zeros((b, 1, d), np.float32)
        zs = z[:, None, :]
        if first is not None and first.shape[1]:
            k = first.shape[1]
            shifted = np.concatenate([np.zeros_like(first[:, :1]), first[:, :-1]], axis=1)
            _, h = self.graphs.run(f"{part}_step", x=np.concatenate([shifted, cond[:, :k], np.repeat(zs, k, 1)], -1), h=h)
            outs.append(first.astype(np.float32))
            prev = first[:, -1:].astype(np.float32)
        for t in range(k, steps):
            raw, h = self.graphs.run(f"{part}_step", x=np.concatenate([prev, cond[:, t : t + 1], zs], -1), h=h)
            if silent[t]:
                prev = np.zeros((b, 1, d), np.float32)
            else:
                logits = raw.reshape(b, 1, d, cfg.feel_bins)
                prev = pick(logits, feel, noise[:, t : t + 1], inside[:, t : t + 1], temperature) * notes[:, t : t + 1]
            outs.append(prev.astype(np.float32))
        return np.concatenate(outs, axis=1)


class PriorNet:
    """CodePrior.sample over ``prior_start`` and ``prior_step``."""

    def __init__(self, graphs: Graphs, cfg: ModelConfig):
        self.graphs, self.size, self.n_genres = graphs, cfg.codebook_size, cfg.n_genres

    def sample(self, genre: np.ndarray, length: int, rand: Rand, *, temperature: float = 1.0,
               prefix: np.ndarray | None = None) -> np.ndarray:
        genre = np.asarray(genre, np.int64)
        onehot = one_hot(genre, self.n_genres) if self.n_genres else np.ones((len(genre), 1), np.float32)
        (h,) = self.graphs.run("prior_start", genre_onehot=onehot)
        start = np.full((len(genre), 1), self.size, np.int64)
        given = [] if prefix is None else [np.asarray(prefix, np.int64)]
        logits, h = self.graphs.run("prior_step", tokens=np.concatenate([start, *given], axis=1), h=h)
        codes = list(given)
        for t in range(sum(p.shape[1] for p in given), length):
            scaled = logits / np.float32(max(temperature, 1e-4))
            token = (scaled + gumbel(rand(scaled.shape), 1e-12)).argmax(-1)[:, None].astype(np.int64)
            codes.append(token)
            if t + 1 < length:
                logits, h = self.graphs.run("prior_step", tokens=token, h=h)
        return np.concatenate(codes, axis=1)


class GuesserNet:
    def __init__(self, graphs: Graphs):
        self.graphs = graphs

    def guess(self, template: np.ndarray, bpm: np.ndarray) -> np.ndarray:
        """One song's windows → genre probabilities (genres,): GenreGuesser.guess."""
        logits = self.graphs.run("guesser", template=template, bpm=np.asarray(bpm, np.float32))[0]
        e = np.exp(logits - logits.max(-1, keepdims=True))
        return (e / e.sum(-1, keepdims=True)).mean(0)


def groove_nets(graphs: Graphs) -> tuple[GrooveNet, PriorNet | None, GuesserNet | None]:
    """The pocketvae model, its prior and its guesser (None where the graphs have none)."""
    model = GrooveNet(graphs)
    prior = PriorNet(graphs, model.cfg) if graphs.has("prior_step") else None
    return model, prior, GuesserNet(graphs) if graphs.has("guesser") else None


def open_groove(checkpoint: Path | str) -> tuple[GrooveNet, PriorNet | None, GuesserNet | None]:
    """``groove_nets`` over the ONNX export of ``checkpoint``."""
    return groove_nets(Graphs(checkpoint))


def open_cond(checkpoint: Path | str) -> CondNet:
    """A conditional model over the ONNX export of ``checkpoint``."""
    return CondNet(Graphs(checkpoint), Path(checkpoint))


class CondNet:
    """CondVAE.generate (drumify's, the fills' and the decorator's model) over ``start`` and ``step``."""

    def __init__(self, graphs: Graphs, path: Path | None = None):
        self.graphs = graphs
        self.cfg = graphs.config  # CondConfig's fields, as a dict
        self.config = CondConfig.from_dict(graphs.config)
        self.path = path

    def generate(self, cond, genre, z, rand: Rand, *, temperature: float = 1.0, allowed=None, required=None,
                 forced=None, force_mask=None, floor=None, floor_allowed=None, prefix=None) -> dict[str, np.ndarray]:
        """Notes drawn step by step with their velocity and offset (B, T, drums); the arguments
        mean what CondVAE.generate's do."""
        b, steps, d = cond.shape[0], cond.shape[1], self.cfg["n_drums"]
        inputs, h = self.graphs.run("start", z=z, cond=cond, genre_onehot=one_hot(genre, len(self.cfg["genres"])))
        noise = rand((b, steps, d))
        prev = np.zeros((b, 1, d), np.float32)
        parts: dict[str, list[np.ndarray]] = {"hits": [], "velocity": [], "offset": []}
        first = 0
        if prefix is not None:
            first = prefix.shape[1]
            given = np.concatenate([prev, prefix[:, :-1]], axis=1)
            _, vel, off, h = self.graphs.run("step", x=np.concatenate([inputs[:, :first], given], -1), h=h)
            parts = {"hits": [prefix.astype(np.float32)], "velocity": [vel], "offset": [off]}
            prev = prefix[:, -1:].astype(np.float32)
        for t in range(first, steps):
            logits, vel, off, h = self.graphs.run("step", x=np.concatenate([inputs[:, t : t + 1], prev], -1), h=h)
            hits = self._draw(logits, noise[:, t : t + 1], temperature)
            if allowed is not None:
                hits = hits * allowed[:, t, None, None]
            if required is not None:
                bare = np.asarray(required[:, t], bool) & (hits.sum(-1)[:, 0] == 0)
                hits[bare, 0] = one_hot(logits[bare, 0].argmax(-1), d)
            if floor is not None:
                if floor_allowed is not None:
                    hits = hits * floor_allowed[:, min(t, floor_allowed.shape[1] - 1), None]
                hits = np.maximum(hits, floor[:, t : t + 1])
            if forced is not None:
                hits = np.where(np.asarray(force_mask[:, t, None, None], bool), forced[:, t : t + 1], hits)
            prev = hits.astype(np.float32)
            for k, v in (("hits", prev), ("velocity", vel), ("offset", off)):
                parts[k].append(v)
        return {k: np.concatenate(v, axis=1).astype(np.float32) for k, v in parts.items()}

    @staticmethod
    def _draw(logits: np.ndarray, noise: np.ndarray, temperature: float) -> np.ndarray:
        """Bernoulli at ``temperature`` (0: the likelier outcome), as the torch loop draws."""
        if temperature > 0:
            return (noise < sigmoid(logits / np.float32(temperature))).astype(np.float32)
        return (logits > 0).astype(np.float32)
