"""Inference without torch: the exported ONNX graphs (``nn/export.py``) on onnxruntime, with the
sampling loops in numpy (``networks.py``). See docs/runtime.md for what runs on it so far."""
