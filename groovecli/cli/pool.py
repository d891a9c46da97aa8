"""Many files at once: worker processes, each with the model loaded once and one intra-op thread.

One song's work is a chain of small batch steps (``feel.decode_feels``) that one core runs about
as fast as two, and threads on a busy machine contend for cores (``benchmarks/bench_infer.py
--contention 2`` times it). So a folder run gives each core a process of its own, one thread each,
and hands out files as workers free up.
Results are the same bytes as a sequential run: a file's output depends only on its seed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

MIN_FILES = 3  # below this, starting workers (a fresh interpreter, imports and sessions each) costs more than it saves


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def workers_for(n_files: int, device: str, jobs: int | None = None) -> int:
    """How many worker processes a run of ``n_files`` should use: 0 means run in this process.
    ``jobs``: the user's ``--jobs`` (None: the cores, when the folder is big enough to pay for
    starting them; 1: this process)."""
    if device not in ("cpu", "auto") or jobs == 1 or n_files < (2 if jobs else MIN_FILES):
        return 0
    if jobs is None and cores() < 2:
        return 0
    if device == "auto":
        from ..runtime.load import concrete_device

        if concrete_device(device) == "cuda":  # one GPU: one process feeding it
            return 0
    return min(jobs or cores(), n_files)


# Each worker process (a pool's or a Ray worker's) loads a model once per weights and keeps it here.
_models: dict[str | None, Any] = {}


def worker_model(weights: str | None):
    """The model a worker runs its files with: loaded on first use, on the CPU, with one thread
    (one file per core; onnxruntime's sessions keep to one thread already)."""
    if weights not in _models:
        from .options import load_model_for

        _models[weights] = load_model_for(weights, "cpu")
        if _models[weights].backend == "torch":
            __import__("torch").set_num_threads(1)
    return _models[weights]


def _call(fn: Callable, weights: str | None, args: tuple) -> Any:
    return fn(worker_model(weights), *args)


def run(fn: Callable, jobs: list[tuple], *, weights: str | None, workers: int,
        sizes: list[int] | None = None, ray: str | None = None) -> Iterator[tuple[int, Any]]:
    """``fn(model, *job)`` for every job in ``workers`` processes; yields (job index, result or
    the exception it raised) as each finishes. ``fn`` must be importable (a module-level function).
    With ``sizes`` (the work in each job), the largest go first, so that no worker is left alone
    with a long song at the end. ``ray``: the jobs go to that Ray cluster instead (``ray_run.py``;
    "local" starts one here with ``workers`` CPUs)."""
    order = sorted(range(len(jobs)), key=lambda i: -sizes[i]) if sizes else range(len(jobs))
    if ray is not None:
        from .ray_run import run_on_ray

        yield from run_on_ray(fn, [jobs[i] for i in order], list(order), weights=weights, address=ray, cpus=workers)
        return
    import multiprocessing  # here, not at the top: `groove --help` imports this module for its options
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    context = multiprocessing.get_context("spawn")  # fork after torch has started threads can hang
    with ProcessPoolExecutor(workers, mp_context=context, initializer=worker_model, initargs=(weights,)) as pool:
        pending = {pool.submit(_call, fn, weights, jobs[i]): i for i in order}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                i = pending.pop(future)
                exc = future.exception()
                yield i, exc if exc is not None else future.result()


def parallel_options(func):
    """``--jobs`` and ``--ray``: how a folder's files are spread (``pool.run``, ``ray_run.py``)."""
    import click

    func = click.option("--ray", "ray", metavar="[ADDRESS]", is_flag=False, flag_value="local", default=None,
                        help="Run the files as tasks on a Ray cluster (a local one without ADDRESS); "
                             "files whose output exists are skipped, so a rerun resumes. Needs groove-cli[ray].")(func)
    func = click.option("--jobs", "-j", "n_jobs", type=click.IntRange(1, 512), metavar="N",
                        help="Worker processes for a folder [default: the cores]; 1: one process.")(func)
    return func
