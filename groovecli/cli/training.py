"""Commands for people who retrain (hidden from ``--help``): ``dataset``, ``train``, ``evaluate``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..constants import COND_TASKS
from ..errors import GrooveError
from . import cli


@cli.command(hidden=True)
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False), help="Groove MIDI Dataset folder.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), help="Where the .npz cache goes.")
@click.option("--rebuild", is_flag=True, help="Rebuild the cache even if it is fresh.")
def dataset(data_dir: str, cache_dir: str | None, rebuild: bool) -> None:
    """Build (or load) the GMD training windows and print their counts per genre and split."""
    from rich.console import Console

    from ..lab.data import load_dataset
    from .view import counts_table

    ds = load_dataset(data_dir, cache_dir=cache_dir, rebuild=rebuild)
    Console().print(counts_table(ds.counts(), f"GMD 2-bar windows (4/4, 1-bar hop): {len(ds):,}"))


@cli.command(hidden=True)
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False), help="Groove MIDI Dataset folder.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Run folder (checkpoints, log).")
@click.option("--model", "kind", type=click.Choice(["pocketvae", "onestep", "twostep-vae", "feel", "prior", "guesser", "classifier",
                                                 *COND_TASKS]),
              default="pocketvae", show_default=True, help="What to train.")
@click.option("--epochs", type=click.IntRange(1), default=40, show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=128, show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last epoch.")
@click.option("--weights", metavar="PATH",
              help="For --model prior: the model whose codes it learns; for --model feel: the model whose SKEL, NOTE "
                   "and prior are kept; for --model guesser: the model it is added to.")
@click.option("--export", "export_dir", type=click.Path(file_okay=False), help="Also write the result as shipped weights here.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), help="Where the dataset .npz cache goes.")
@click.option("--max-windows", type=click.IntRange(0), default=0, help="Train on at most this many windows (smoke tests).")
@click.option("--no-genre", is_flag=True, help="Ablation: no genre conditioning.")
@click.option("--no-patterns", is_flag=True, help="Ablation: no drawn velocity/timing patterns.")
@click.option("--prior-epochs", type=click.IntRange(0), default=30, show_default=True,
              help="Epochs for the code prior after the model (0: none; such weights cannot sample).")
@click.option("--sketch-notes", type=click.FloatRange(0, 1), default=None,
              help="Share of windows whose feel is trained on the notes of their template alone "
                   "(--notes keep's case) [default: the shipped recipe's].")
@click.option("--sketch-union", type=click.FloatRange(0, 1), default=None,
              help="Share of windows whose feel is trained with their template's notes added to the drummer's "
                   "(--notes add's case) [default: the shipped recipe's].")
def train(data_dir, out_dir, kind, epochs, batch_size, device, seed, resume, weights, export_dir, cache_dir, max_windows,
          no_genre, no_patterns, prior_epochs, sketch_notes, sketch_union):
    """Train a model on the Groove MIDI Dataset (GMD train split; early stopping on validation)."""
    from rich.console import Console

    from ..lab.training_run import TrainRequest, run_training
    from .view import TrainingProgress

    if kind in COND_TASKS:
        if resume or weights:
            raise GrooveError(f"--model {kind} trains from scratch in minutes: it takes neither --resume nor --weights")
        _train_cond(kind, data_dir, out_dir, epochs, batch_size, device, seed, cache_dir, export_dir, max_windows)
        return
    request = TrainRequest(data_dir, out_dir, kind, epochs, batch_size, device, seed, resume, weights, export_dir,
                           cache_dir, max_windows, command=" ".join(["groove"] + sys.argv[1:]),
                           use_genre=not no_genre, use_patterns=not no_patterns, prior_epochs=prior_epochs,
                           sketch_notes=sketch_notes, sketch_union=sketch_union)
    if os.environ.get("RANK", "0") != "0":  # under torchrun only rank 0 talks
        run_training(request)
        return
    console = Console(stderr=True)
    with TrainingProgress(console) as progress:
        result = run_training(request, progress)
    for line in result.summary():
        console.print(line)


def _train_cond(task, data_dir, out_dir, epochs, batch_size, device, seed, cache_dir, export_dir, max_windows):
    """The conditional models of drumify, fills and ``--notes add`` (``train_cond.py``)."""
    from rich.console import Console

    from ..lab.train_cond import run_cond_training
    from ..weights import pick_device
    from .view import TrainingProgress

    console = Console(stderr=True)
    with TrainingProgress(console) as progress:
        result = run_cond_training(task, data_dir, out_dir, epochs=epochs, batch_size=batch_size, seed=seed,
                                   device=pick_device(device), cache_dir=cache_dir, export_dir=export_dir,
                                   command=" ".join(["groove"] + sys.argv[1:]), max_windows=max_windows,
                                   on_event=progress)
    for line in result.summary():
        console.print(line)


@cli.command(hidden=True)
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False), help="Groove MIDI Dataset folder.")
@click.option("--split", type=click.Choice(["test", "validation"]), default="test", show_default=True)
@click.option("--weights", metavar="PATH|hf://owner/repo", help="The model to evaluate [default: bundled].")
@click.option("--classifier", metavar="PATH", help="Genre classifier (groove train --model classifier) [default: bundled].")
@click.option("--model", "models", metavar="NAME=PATH", multiple=True,
              help="More Table 1 rows: a name (onestep, twostep-vae, vq, vq-genres, pocketvae; '-sN' groups seeds) "
                   "and a checkpoint. Repeatable.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Write report.json and results.md here.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), help="Where the dataset .npz cache goes.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-files", type=click.IntRange(0), default=0, help="Only this many files of the split (smoke tests).")
@click.option("--force", is_flag=True, help="Overwrite report.json and results.md in --out.")
def evaluate(data_dir, split, weights, classifier, models, out_dir, cache_dir, seed, max_files, force):
    """Reconstruction (PocketVAE Table 1), humanization from templates, control and realism on GMD."""
    import json

    from rich.console import Console

    from ..lab.eval_report import report_markdown, report_tables
    from ..lab.evaluation import EvalRequest, run_evaluation
    from .view import report_view

    pairs = []
    for item in models:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise GrooveError(f"--model {item!r}: expected NAME=PATH")
        pairs.append((name, path))
    outputs = [Path(out_dir) / name for name in ("report.json", "results.md")] if out_dir else []
    for path in outputs:
        if path.exists() and not force:
            raise GrooveError(f"{path} already exists; use --force to overwrite it")
    console = Console(stderr=True)
    request = EvalRequest(data_dir, split, weights, classifier, tuple(pairs), cache_dir, seed, max_files)
    # one line per section rather than a spinner: evaluations run for minutes, often into a log file
    report = run_evaluation(request, on_stage=lambda name: console.print(f"evaluating: {name}", highlight=False))
    Console().print(report_view(report_tables(report)))
    if out_dir:
        from ..midi.write import write_atomic

        outputs[0].parent.mkdir(parents=True, exist_ok=True)
        write_atomic((json.dumps(report.to_dict(), indent=2) + "\n").encode(), outputs[0], force=True)
        write_atomic(report_markdown(report).encode(), outputs[1], force=True)
        console.print(f"wrote {outputs[0]} and {outputs[1]}")




@cli.command("export-onnx", hidden=True)
@click.argument("checkpoints", nargs=-1, required=True, type=click.Path(dir_okay=False))
def export_onnx(checkpoints):
    """Write the ONNX graphs of existing checkpoints beside them (the runtime that needs no torch)."""
    from ..weights import export_onnx as export

    for path in checkpoints:
        if not Path(path).is_file():
            raise GrooveError(f"no such file: {path}")
        written = export(Path(path))
        click.echo(f"{path}: " + (f"{len(written) - 1} graph(s), {sum(p.stat().st_size for p in written) / 1e6:.1f} MB"
                                  if written else "nothing to export (the product does not run this model)"))
