"""Where each tensor of a checkpoint lives in its exported graphs, so torch can rebuild the modules
from the graphs alone (an install that ships the graphs and not the ``.pt``).

The exporter folds constants: many weights are renamed (``onnx::GRU_184``) and stored transformed:
a Linear's weight transposed for MatMul, a GRU's weights stacked per direction with ONNX's gate
order (z, r, h against torch's r, z, n) and both biases in one row. Rather than follow the
exporter's renaming, which changes between torch versions, each tensor is found by its value: the
first initializer that, undone by one of the transforms below, equals it exactly (equal values
make any match correct). Tensors no graph holds are ones inference never reads (the encoders'
training-only heads, the codebook's running statistics): the card lists them as absent.

numpy and the ``onnx`` package only (no torch): the same code maps at export and reads at load.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import WeightsError

Entry = tuple[str, str, str]  # (graph part, initializer name, transform)


def onnx_module():
    """The ``onnx`` package, or one line saying how to get it."""
    try:
        import onnx
    except ImportError:
        raise WeightsError('reading the weights from the ONNX graphs needs onnx: pip install "groove-cli[torch]"') from None
    return onnx


def _swap_zr(rows: np.ndarray) -> np.ndarray:
    """ONNX's (z, r, h) gate blocks as torch's (r, z, n), and back: the swap undoes itself."""
    h = rows.shape[0] // 3
    return np.concatenate([rows[h : 2 * h], rows[:h], rows[2 * h :]])


def transforms(shape: tuple[int, ...]) -> list[str]:
    """The transforms that can apply to an initializer of ``shape``."""
    found = ["identity"]
    if len(shape) == 2:
        found.append("transpose")
    if len(shape) == 3 and shape[1] % 3 == 0:  # GRU W or R: (directions, 3H, inputs)
        found += [f"gru_w:{d}" for d in range(shape[0])]
    if len(shape) == 2 and shape[1] % 6 == 0:  # GRU B: (directions, 6H), input then hidden bias
        found += [f"{kind}:{d}" for d in range(shape[0]) for kind in ("gru_bi", "gru_bh")]
    return found


def undo(transform: str, array: np.ndarray) -> np.ndarray:
    """The checkpoint's tensor from the initializer ``array`` stored under ``transform``.

    Raises:
        WeightsError: for a transform this groove does not know (a damaged or newer card).
    """
    kind, _, direction = transform.partition(":")
    if kind == "identity":
        return array
    if kind == "transpose" and array.ndim == 2:
        return array.T
    if kind in ("gru_w", "gru_bi", "gru_bh") and direction.isdigit() and int(direction) < array.shape[0]:
        rows = array[int(direction)]
        half = rows.shape[0] // 2
        rows = {"gru_w": rows, "gru_bi": rows[:half], "gru_bh": rows[half:]}[kind]
        return _swap_zr(rows)
    raise WeightsError(f"unknown weight transform {transform!r} for a {array.shape} initializer; "
                       "run groove export-onnx again")


def initializers(path: Path) -> dict[str, np.ndarray]:
    """A graph's initializers by name, as float32 (float16 ones widened: the values torch loads).

    Raises:
        WeightsError: when the file is missing or not an ONNX graph.
    """
    onnx = onnx_module()
    if not Path(path).is_file():
        raise WeightsError(f"{path} is missing; reinstall groove or run groove export-onnx again")
    try:
        graph = onnx.load(str(path)).graph
        from onnx import numpy_helper

        return {init.name: numpy_helper.to_array(init).astype(np.float32) for init in graph.initializer}
    except Exception as exc:  # noqa: BLE001 - protobuf's and onnx's own error types
        raise WeightsError(f"{path} is not a readable ONNX graph ({type(exc).__name__}); "
                           "run groove export-onnx again") from None


def locate(states: dict[str, dict[str, np.ndarray]], graphs: dict[str, Path]) -> tuple[dict, dict]:
    """Each state tensor's (part, initializer, transform) in ``graphs`` (part → file), and the
    tensors no graph holds: ({group: {key: entry}}, {group: [key...]})."""
    by_shape: dict[tuple[int, ...], list[tuple[Entry, np.ndarray]]] = {}
    for part, path in sorted(graphs.items()):
        for name, array in initializers(path).items():
            for transform in transforms(array.shape):
                view = undo(transform, array)
                by_shape.setdefault(view.shape, []).append(((part, name, transform), view))
    found: dict[str, dict[str, Entry]] = {}
    absent: dict[str, list[str]] = {}
    for group, state in states.items():
        found[group], absent[group] = {}, []
        for key, value in state.items():
            value = np.asarray(value, dtype=np.float32)
            entry = next((e for e, view in by_shape.get(value.shape, ()) if np.array_equal(view, value)), None)
            if entry is None:
                absent[group].append(key)
            else:
                found[group][key] = entry
    return found, absent


def read(weights: dict[str, dict[str, list]], stem: Path) -> dict[str, dict[str, np.ndarray]]:
    """The state tensors ``weights`` (the card's map) places in the graphs ``<stem>.<part>.onnx``.

    Raises:
        WeightsError: for a missing or unreadable graph, or a map that does not fit the graphs.
    """
    cache: dict[str, dict[str, np.ndarray]] = {}
    states: dict[str, dict[str, np.ndarray]] = {}
    for group, entries in weights.items():
        states[group] = {}
        for key, (part, name, transform) in entries.items():
            if part not in cache:
                cache[part] = initializers(Path(f"{stem}.{part}.onnx"))
            if name not in cache[part]:
                raise WeightsError(f"{stem}.{part}.onnx holds no {name!r} (its card says {group}.{key} is there); "
                                   "run groove export-onnx again")
            states[group][key] = np.ascontiguousarray(undo(transform, cache[part][name]))
    return states


def record(card: Path, states: dict[str, dict[str, np.ndarray]]) -> dict[str, list[str]]:
    """Add to the export's card (``<stem>.onnx.json``, beside its graphs) where each tensor of
    ``states`` lies in the graphs, and which tensors none holds; those absent ones."""
    import json

    info = json.loads(card.read_text())
    stem = card.with_name(card.name[: -len(".onnx.json")])
    info["weights"], info["absent"] = locate(states, {part: Path(f"{stem}.{part}.onnx") for part in info["parts"]})
    card.write_text(json.dumps(info, indent=2) + "\n")
    return info["absent"]
