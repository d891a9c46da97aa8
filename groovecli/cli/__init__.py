"""The ``groove`` command: parse options, call the Python API, print, map errors to exit codes.

One module per command family (``songs``: show, analyze, maps; ``generate``: humanize, transfer,
sample, genres; ``compose``: continue, interpolate; ``arrange``: drumify, fill; ``listen``: render;
``training``: dataset, train, evaluate), the shared options in ``options``.

Only click and rich are imported here at module level; each command imports what it needs, so
``groove --help`` and ``groove --version`` answer without loading torch or numpy.
"""

from __future__ import annotations

import os
import sys

import click

from ..errors import GrooveError
from ..version import __version__


class _InputError(click.ClickException):
    """A GrooveError on its way out: one line on stderr, exit 1 (usage errors keep exit 2)."""

    exit_code = 1

    def show(self, file=None) -> None:  # noqa: ARG002 - click's signature
        click.echo(f"error: {self.format_message()}", err=True)


TORCH_EXTRA = ("torch", "onnx")  # what `pip install "groove-cli[torch]"` brings


class _GrooveGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except GrooveError as exc:
            if ctx.params.get("debug"):
                raise
            raise _InputError(str(exc)) from None
        except ModuleNotFoundError as exc:
            if ctx.params.get("debug") or exc.name not in TORCH_EXTRA:
                raise
            # training, evaluation and exporting run on torch, an extra since groove 0.7
            raise _InputError(f"{ctx.invoked_subcommand} needs {exc.name}: pip install \"groove-cli[torch]\"") from None
        except Exception as exc:  # a bug: still one line, with the way to the traceback
            if ctx.params.get("debug"):
                raise
            raise _InputError(f"unexpected {type(exc).__name__}: {exc} (run with --debug and report it)") from None



@click.group(cls=_GrooveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="groove")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
def cli(debug: bool) -> None:
    """groove: make a stiff drum MIDI sketch sound like a drummer played it.

    Reads drums from MIDI channel 10 (or the one channel that is clearly drums) and detects the
    drum library's layout (--drum-map auto); `groove maps` lists the libraries it knows.
    """


def main() -> None:
    """Console-script entry point.

    Ends with ``os._exit``: once torch is imported, the interpreter's ordinary shutdown spends a
    noticeable part of a short command tearing torch's modules down, and nothing of ours needs
    that shutdown: every output is written, closed and renamed into place before a command returns.

    OpenMP threads that wait for work sleep instead of spinning (unless the user's environment
    says otherwise): beside another busy process, spinning threads fight it for the cores; on an
    idle machine the two are the same (``python benchmarks/bench_infer.py --contention 2`` times
    both, and one thread). libgomp reads this once, when torch is first imported, which every
    command does after this point.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        cli(prog_name="groove")
        code = 0
    except SystemExit as stop:  # click's standalone mode always ends this way
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if isinstance(stop.code, str):
            print(stop.code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`groove ... | head`) has nothing left to receive
            code = code or 1
    os._exit(code)



# The command modules register themselves on `cli`; imported last, since they import it.
from . import arrange, compose, generate, listen, songs, studio, training  # noqa: E402,F401
