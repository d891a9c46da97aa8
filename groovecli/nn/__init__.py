"""The networks (torch only; no numpy, no I/O). Built from a ModelConfig, nothing else."""
