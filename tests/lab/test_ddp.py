"""DistributedDataParallel on CPU: two torchrun processes stay identical."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch


def test_two_ranks_end_with_identical_parameters(tmp_path, fixture_dataset):
    worker = Path(__file__).parent / "ddp_worker.py"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
           "--master_port", "29517", str(worker), str(tmp_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert r0["world"] == r1["world"] == 2
    n = min(len(fixture_dataset.of_split("train")), 48)
    assert r0["steps"] == r1["steps"] == n // 2 // 4 >= 1  # each rank trains on its own half of the windows
    for k, v in r0["state"].items():
        assert torch.equal(v, r1["state"][k]), k
    assert (tmp_path / "run" / "last.pt").exists() and not (tmp_path / "run" / "rank1").exists()
