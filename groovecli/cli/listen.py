"""``groove render``: hear a MIDI file's drums (or every channel) as a WAV or FLAC file."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import GrooveError
from . import cli
from .options import drum_options, read_song, soundfont_option
from .outputs import check_writable, make_folders, names_folder
from .preflight import preflight
from .report import slow_progress


@cli.command()
@click.argument("song", type=click.Path())
@click.option("-o", "--output", "out", metavar="FILE", help="A .wav or .flac file, or a folder [default: SONG.wav beside it].")
@click.option("--all", "all_channels", is_flag=True,
              help="Every channel, through a General MIDI SoundFont (needs --soundfont; the bundled kit is drums only).")
@soundfont_option
@drum_options
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def render(song, out, all_channels, soundfont, drum_map, drum_channel, drum_track, force, quiet):
    """Render SONG's drum part to 44.1 kHz audio, with its tempo map, velocities and microtiming."""
    preflight(soundfont=soundfont)
    if all_channels and soundfont is None:
        raise GrooveError("--all needs a General MIDI SoundFont (--soundfont FILE.sf2): the bundled kit has only drums")
    default = Path(song).with_suffix(".wav")
    if names_folder(out):  # the output-name rule (outputs.py), with audio suffixes
        path = Path(out) / default.name
    else:
        path = Path(out) if out else default
        path = path if path.suffix else path.with_name(path.name + ".wav")
    if path.suffix.lower() not in (".wav", ".flac"):
        raise GrooveError(f"-o {out}: give a .wav or .flac file name")
    if path.exists() and not force:
        raise GrooveError(f"{path} already exists; use --force to overwrite it")
    check_writable([path], out)
    with slow_progress(f"rendering {Path(song).name}", enabled=not quiet) as slow:
        slow.stage("reading")
        perf = read_song(song, drum_map, drum_channel, drum_track)
        from ..audio.render import load_font, render_file

        slow.stage("rendering")
        make_folders([path])
        render_file(perf, path, font=load_font(soundfont), all_channels=all_channels, force=force)
    if not quiet:
        click.echo(f"wrote {path}")
