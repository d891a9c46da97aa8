"""The networks (torch only; no numpy, no I/O). Built from a ModelConfig, nothing else; ``export.py``
writes them as ONNX graphs for the torch-free runtime."""
