"""A folder's files as tasks on a Ray cluster (``groove humanize DIR -o OUT --ray [ADDRESS]``).

The same per-file job as ``pool.run``'s worker processes: each Ray worker loads the model once
(kept in this module while the worker lives), reads its sketch (``generate.Unread``: the driver
does not hold a corpus) and writes its outputs itself, so the inputs and OUT must be where every
node sees them (one machine, or a shared file system; docs/ray.md). The driver lists the files,
hands out the jobs and prints the summary. Outputs are written atomically, so after an interrupt
the files already written are whole and a rerun skips them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import GrooveError
from .pool import worker_model


# The loaded model of each weights spec, per Ray worker process (a worker runs many tasks).
def _task(fn: Callable, weights: str | None, job: tuple) -> Any:
    """One file on a Ray worker: its result, or the exception it raised (returned, not raised, so
    that the driver sees the same error line as a local run, without Ray's traceback around it)."""
    try:
        return fn(worker_model(weights), *job)  # one task per CPU Ray gives it
    except Exception as exc:  # noqa: BLE001 - the driver reports it as that file's failure
        return exc


def _answers(address: str, seconds: float = 5.0) -> None:
    """A head's ``HOST:PORT`` that nothing listens on is a one-line error at once: Ray itself
    retries such an address for minutes, printing a warning every few seconds."""
    host, _, port = address.rpartition(":")
    if address in ("local", "auto") or "://" in address or not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=seconds).close()
    except OSError as exc:
        raise GrooveError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}") from None


def connect(address: str, cpus: int) -> bool:
    """Join the cluster at ``address`` or start a local one with ``cpus`` CPUs ("local"); True when
    this call started Ray (and so must shut it down)."""
    if address == "local":  # a private instance: its services listen on the loopback address only
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
    except ImportError:
        raise GrooveError('--ray needs Ray: pip install "groove-cli[ray]"') from None
    if ray.is_initialized():
        return False
    _answers(address)
    quiet = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}
    try:
        if address == "local":
            ray.init(num_cpus=max(cpus, 1), **quiet)
        else:
            ray.init(address=address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        why = str(exc).splitlines()[0].split(". ")[0].rstrip(".")  # Ray's first sentence; the rest is its advice
        raise GrooveError(f"cannot reach the Ray cluster at {address}: {why}") from None
    return True


def run_on_ray(fn: Callable, jobs: list[tuple], index: list[int], *, weights: str | None, address: str,
               cpus: int) -> Iterator[tuple[int, Any]]:
    """``fn(model, *job)`` for every job as a Ray task; yields (``index`` of the job, result or
    exception) as each finishes."""
    started = connect(address, cpus)
    import ray

    try:
        task = ray.remote(num_cpus=1, max_retries=1)(_task)
        refs = {task.remote(fn, weights, job): i for job, i in zip(jobs, index)}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                try:
                    yield refs[ref], ray.get(ref)
                except ray.exceptions.RayError as exc:  # a worker died under the task
                    yield refs[ref], GrooveError(f"the Ray task failed: {type(exc).__name__}")
    finally:
        if started:
            ray.shutdown()
