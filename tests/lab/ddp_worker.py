"""Run by tests/test_ddp.py under torchrun: a few DDP training steps on CPU, then each rank
saves the weights it holds at the end of training (before rank 0's best weights are shared)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for conftest
from conftest import FIXTURE_GMD, tiny_config  # noqa: E402

from groovecli.lab.data import build_dataset  # noqa: E402
from groovecli.lab.train import Trainer  # noqa: E402
from groovecli.nn.config import TrainConfig  # noqa: E402


def main(out: Path) -> None:
    torch.set_num_threads(1)
    ds = build_dataset(FIXTURE_GMD, workers=1)
    held = {}

    def on_event(name, stats):
        if name == "end":
            held["state"] = {k: v.clone() for k, v in stats["model"].state_dict().items()}
        if name == "step":
            held["steps"] = stats["step"]

    trainer = Trainer(tiny_config(), TrainConfig(epochs=2, batch_size=4, max_train_windows=48), out / "run",
                      torch.device("cpu"), on_event)
    trainer.fit(ds.of_split("train"), ds.of_split("validation"))
    torch.save({"state": held["state"], "steps": held["steps"], "world": trainer.dist.world},
               out / f"rank{trainer.dist.rank}.pt")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
