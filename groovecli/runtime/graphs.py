"""The exported graphs of one model (``nn/export.py``) on onnxruntime's CPU provider.

One session per graph, opened on first use; one intra-op thread each, for the reason ``cli/pool.py``
gives torch one: a song is a chain of small steps, and a folder run gives every core a process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..bundled import bundled_dir, verify
from ..errors import GrooveError, WeightsError


def onnxruntime():
    """The onnxruntime module, or one line saying how to get it."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise GrooveError('running without torch needs onnxruntime: pip install onnxruntime '
                          '(or install torch: pip install "groove-cli[torch]")') from None
    return ort


class Graphs:
    """``<stem>.<part>.onnx`` beside ``checkpoint`` (the ``.pt`` they were exported from, which
    need not be there), run by part name with numpy arrays."""

    def __init__(self, checkpoint: Path | str):
        checkpoint = Path(checkpoint)
        self.stem = checkpoint.with_name(checkpoint.stem)
        card = checkpoint.with_name(f"{checkpoint.stem}.onnx.json")
        if not card.is_file():
            raise WeightsError(f"{checkpoint} has no ONNX export beside it ({card.name}); run groove export-onnx")
        try:
            info = json.loads(card.read_text())
            self.config: dict[str, Any] = info["config"]
            self.parts: tuple[str, ...] = tuple(info["parts"])
        except (OSError, ValueError, KeyError, TypeError):
            raise WeightsError(f"{card} is damaged; run groove export-onnx again") from None
        self._sessions: dict[str, Any] = {}

    def has(self, part: str) -> bool:
        return part in self.parts

    def session(self, part: str):
        if part not in self._sessions:
            ort = onnxruntime()
            options = ort.SessionOptions()
            options.intra_op_num_threads = options.inter_op_num_threads = 1
            path = Path(f"{self.stem}.{part}.onnx")
            if not path.is_file():
                raise WeightsError(f"{path} is missing; run groove export-onnx again")
            data = path.read_bytes()  # read once: checked against the manifest, then handed to the session
            verify(path, bundled=path.parent == bundled_dir(), data=data)
            try:
                self._sessions[part] = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
            except Exception as exc:  # noqa: BLE001 - onnxruntime's own error types
                why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise WeightsError(f"{path} is not a readable ONNX graph ({why}); run groove export-onnx again") from None
        return self._sessions[part]

    def run(self, part: str, **inputs: np.ndarray) -> list[np.ndarray]:
        """The graph's outputs, in the order it was exported with."""
        fed = {k: np.ascontiguousarray(v, dtype=np.int64 if v.dtype.kind in "iu" else np.float32)
               for k, v in inputs.items()}
        return self.session(part).run(None, fed)


def one_hot(index: np.ndarray, classes: int) -> np.ndarray:
    """(...) ints → (..., classes) float32."""
    return np.eye(classes, dtype=np.float32)[np.asarray(index, dtype=np.int64)]
