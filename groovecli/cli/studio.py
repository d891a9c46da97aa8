"""``groove studio``: the local web studio (``groovecli/studio``)."""

from __future__ import annotations

import click

from . import cli
from .options import warn


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8642, show_default=True, help="Port to listen on (0: any free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this machine's loopback lets other machines use the studio.")
@click.option("--no-browser", is_flag=True, help="Do not open the page in the default browser.")
def studio(port, host, no_browser):
    """Open groove in the browser: drop a MIDI file, turn the knobs, hear before and after, take
    the result back to your DAW. Every mode of the CLI, with the same options and the same output."""
    from ..studio.server import is_loopback, serve

    if not is_loopback(host):
        warn(f"--host {host}: the studio has no login; anyone who can reach this address can use it")
    serve(host, port, open_browser=not no_browser, say=click.echo)
