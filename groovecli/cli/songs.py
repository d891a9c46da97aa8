"""Commands that read a song and show it: ``show``, ``analyze``, ``maps``."""

from __future__ import annotations

import click

from ..errors import GrooveError
from . import cli
from .options import drum_options, read_song


@cli.command()
@click.argument("file", type=click.Path())
@click.option("--bars", metavar="A:B", help="Show song bars A to B (1-based), e.g. 1:8.")
@drum_options
def show(file: str, bars: str | None, drum_map: str | None, drum_channel: int | None, drum_track: str | None) -> None:
    """Show the drum grid of FILE: rows are drums, columns 16ths, shading is velocity."""
    from rich.console import Console

    from ..grid.drumgrid import quantize
    from .view import grid_view

    perf = read_song(file, drum_map, drum_channel, drum_track, meters=True)
    console = Console()
    console.print(f"drums: {perf.drum_part}, drum map {map_label(perf, drum_map)}", highlight=False)
    console.print(grid_view(perf, quantize(perf, meters=True), bars=bars, width=console.width))


@cli.command()
@click.argument("file", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the features as JSON.")
@drum_options
def analyze(file: str, as_json: bool, drum_map: str | None, drum_channel: int | None, drum_track: str | None) -> None:
    """Groove features of FILE per 2-bar window and overall: density, syncopation, symmetry,
    laidbackness, swing, timing accuracy, velocity (after GrooveToolbox, Bruford et al. 2020)."""
    from ..grid.drumgrid import quantize
    from ..grid.features import grid_features

    perf = read_song(file, drum_map, drum_channel, drum_track)
    song = grid_features(perf, quantize(perf))
    if as_json:
        import json

        click.echo(json.dumps({"file": file, "drum_map": perf.drum_map.name, "drum_part": perf.drum_part}
                              | song.to_dict(), indent=2))
        return
    from rich.console import Console

    from .view import features_table

    console = Console()
    console.print(f"drums: {perf.drum_part}, drum map {map_label(perf, drum_map)}", highlight=False)
    console.print(features_table(song, f"{file}: {len(song.windows)} windows of 2 bars"))


def map_label(perf, spec: str | None) -> str:
    """The map a song was read with, and whether it was detected or named."""
    if spec is not None and spec.strip().lower() != "auto":
        return f"{perf.drum_map.name} (given)"
    from ..midi.drummap import GM

    return f"{perf.drum_map.name} ({'auto: no library layout found' if perf.drum_map is GM else 'detected'})"


@cli.command()
@click.argument("name", required=False)
@click.option("--export", "export_to", metavar="FILE.toml", help="Write the map as a TOML file to start your own from.")
@click.option("--force", is_flag=True, help="Overwrite the --export file.")
def maps(name: str | None, export_to: str | None, force: bool) -> None:
    """List the built-in drum maps, or show one (pitch → articulation → drum class).

    `--drum-map auto` (the default) picks among these for each file; see the README for how.
    """
    from rich.console import Console
    from rich.table import Table

    from ..constants import DRUMS
    from ..midi.drummap import builtin_maps, load_drum_map, map_as_toml

    console = Console()
    if name is None:
        if export_to:
            raise GrooveError("--export needs a map NAME")
        for m in builtin_maps().values():
            also = f"   (also: {', '.join(m.aliases)})" if m.aliases else ""
            click.echo(f"{m.name:<13} {m.library}, {m.version}{also}")
            click.echo(f"{'':<13} source: {m.source}")
        click.echo("show one with `groove maps NAME`; start your own with `groove maps NAME --export my-kit.toml`")
        return
    m = load_drum_map(name)
    if export_to:
        from ..midi.write import write_atomic

        write_atomic(map_as_toml(m).encode(), export_to, force=force)
        click.echo(f"wrote {export_to}")
        return
    table = Table("pitch", "articulation", "class", "added hits", title=f"{m.name}: {m.library} ({m.version})",
                  caption=f"source: {m.source}" if m.source else None)
    for pitch in sorted(set(m.articulations) | set(m.classes)):
        drum = m.class_of(pitch)
        table.add_row(str(pitch), m.articulations.get(pitch, ""), DRUMS[drum] if drum is not None else "pass-through",
                      "yes" if drum is not None and m.output[drum] == pitch else "")
    console.print(table)


