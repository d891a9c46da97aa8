"""The ``groove`` command: parse options, call the Python API, print, map errors to exit codes.

Only click and rich are imported here at module level; each command imports what it needs, so
``groove --help`` and ``groove --version`` answer without loading torch or numpy.
"""

from __future__ import annotations

import click

from . import __version__
from .errors import GrooveError


class _InputError(click.ClickException):
    """A GrooveError on its way out: one line on stderr, exit 1 (usage errors keep exit 2)."""

    exit_code = 1

    def show(self, file=None) -> None:  # noqa: ARG002 - click's signature
        click.echo(f"error: {self.format_message()}", err=True)


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
        except Exception as exc:  # a bug: still one line, with the way to the traceback
            if ctx.params.get("debug"):
                raise
            raise _InputError(f"unexpected {type(exc).__name__}: {exc} (run with --debug and report it)") from None


def warn(message: str) -> None:
    """One warning line on stderr."""
    click.echo(f"warning: {message}", err=True)


@click.group(cls=_GrooveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="groove")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
def cli(debug: bool) -> None:
    """groove: make a stiff drum MIDI sketch sound like a drummer played it.

    Reads drums from MIDI channel 10 (General MIDI) by default; see --drum-map for other kits.
    """


def drum_options(func):
    """The options that say where a file's drums are and which pitch is which drum."""
    func = click.option("--drum-track", metavar="NAME", help="Take drums from the track with this name (any channel).")(func)
    func = click.option(
        "--drum-channel", type=click.IntRange(1, 16), metavar="N", help="MIDI channel of the drums, 1-16 [default: 10]."
    )(func)
    func = click.option(
        "--drum-map", metavar="FILE", help="Drum map: gm (default), gmd, or a TOML/JSON map file for your drum library."
    )(func)
    return func


def read_song(path: str, drum_map: str | None, drum_channel: int | None, drum_track: str | None):
    """Read a MIDI file with the user's drum options; warn about bars groove cannot groove."""
    from .drummap import load_drum_map
    from .midi import read_midi
    from .view import skipped_bars_warning

    perf = read_midi(
        path,
        drum_map=load_drum_map(drum_map),
        drum_channel=None if drum_channel is None else drum_channel - 1,
        drum_track=drum_track,
    )
    message = skipped_bars_warning(perf)
    if message:
        warn(message)
    return perf


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--bars", metavar="A:B", help="Show song bars A to B (1-based), e.g. 1:8.")
@drum_options
def show(file: str, bars: str | None, drum_map: str | None, drum_channel: int | None, drum_track: str | None) -> None:
    """Show the drum grid of FILE: rows are drums, columns 16ths, shading is velocity."""
    from rich.console import Console

    from .grid import quantize
    from .view import grid_view

    perf = read_song(file, drum_map, drum_channel, drum_track)
    console = Console()
    console.print(grid_view(perf, quantize(perf), bars=bars, width=console.width))


@cli.command(hidden=True)
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False), help="Groove MIDI Dataset folder.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), help="Where the .npz cache goes.")
@click.option("--rebuild", is_flag=True, help="Rebuild the cache even if it is fresh.")
def dataset(data_dir: str, cache_dir: str | None, rebuild: bool) -> None:
    """Build (or load) the GMD training windows and print their counts per genre and split."""
    from rich.console import Console

    from .data import load_dataset
    from .view import counts_table

    ds = load_dataset(data_dir, cache_dir=cache_dir, rebuild=rebuild)
    Console().print(counts_table(ds.counts(), f"GMD 2-bar windows (4/4, 1-bar hop): {len(ds):,}"))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="groove")
