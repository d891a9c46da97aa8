"""Commands that write parts a drummer would add: ``drumify`` (a rhythm becomes a kit) and ``fill``."""

from __future__ import annotations

import click

from . import cli
from .options import (
    drum_map_of,
    drum_options,
    fill_over_option,
    outputs_free,
    preview_file,
    preview_options,
    preview_request,
    read_song,
    take_options,
    take_outputs,
    warn,
    with_previews,
)
from .outputs import all_or_nothing, make_folders
from .preflight import preflight


def _genre_option(func):
    return click.option("-g", "--genre", default="auto", show_default=True,
                        help="Genre to play in (see `groove genres`); auto guesses it.")(func)


def _say(results: list[dict], as_json: bool, quiet: bool, line) -> None:
    if as_json:
        import json

        click.echo(json.dumps(results if len(results) > 1 else results[0], indent=2))
    elif not quiet:
        for r in results:
            click.echo(line(r))
            if r.get("genre_note"):
                click.echo(f"  genre: {r['genre_note']}")


@cli.command()
@click.argument("rhythm", type=click.Path())
@_genre_option
@click.option("--pitch", type=click.IntRange(0, 127), metavar="P", help="Only notes of this pitch are the rhythm.")
@click.option("--track", metavar="NAME", help="Take the rhythm from the track with this name.")
@click.option("--channel", type=click.IntRange(1, 16), metavar="N",
              help="Take the rhythm from this MIDI channel [default: the file's only channel with notes].")
@click.option("-n", "--n", "count", type=click.IntRange(1, 100), default=1, show_default=True, help="Write N takes.")
@click.option("--drum-map", metavar="NAME|FILE", default="gm", show_default=True,
              help="Your drum library's layout, for the pitches of the drums written (see `groove maps`).")
@take_options("Same rhythm and seed give the same output, byte for byte.", zero_temperature=True,
              temperature_help="How far a take strays from the most likely kit (0: always that one).")
@preview_options
def drumify(rhythm, genre, pitch, track, channel, count, temperature, seed, drum_map, out, force, skip_existing,
            dry_run, as_json, quiet, preview, preview_bars, preview_from, soundfont):
    """Turn a one-voice RHYTHM (tapped on a pad, a bass line, a clap track: any channel) into a
    drum groove that plays it, with its timing and accents. Writes RHYTHM.drums.mid: the song's
    tempo and meter, and a drum track on channel 10. With --preview, also a WAV: the rhythm's
    first bars as taps on a kick, then the same bars drummed."""
    preflight(genre=genre, inputs=((rhythm, ""),), drum_map=drum_map, soundfont=soundfont)
    paths = take_outputs(rhythm, out, "drums", count)
    if not outputs_free(with_previews(paths, preview), force, skip_existing, dry_run, quiet):
        return
    from ..generate.drumify import drumify as run
    from ..generate.drumify import read_rhythm
    from ..midi.write import write_midi
    from .options import load_cond_for

    perf = read_rhythm(rhythm, channel=None if channel is None else channel - 1, track=track, pitch=pitch)
    from .notices import skipped_bars_warning

    for message in (*perf.notices, skipped_bars_warning(perf, "no drums there")):  # on stderr, even with -q
        if message:
            warn(f"{rhythm}: {message}")
    model = load_cond_for("drumify")
    listen = preview_request(preview, preview_bars, soundfont, preview_from)
    results = []
    for i, path in enumerate(paths):
        result = run(perf, model, genre=genre, temperature=temperature, seed=None if seed is None else seed + i,
                     drum_map=drum_map_of(drum_map))
        with all_or_nothing([] if dry_run else with_previews([path], preview)):
            if not dry_run:
                make_folders([path])
                write_midi(result.performance, path, force=force)
            r = {"input": rhythm, "output": str(path), "seed": result.seed, "dry_run": dry_run, **result.report,
                 **preview_file(perf, result.performance, path, listen, force, dry_run)}
        results.append(r)
    _say(results, as_json, quiet, lambda r: (
        f"{'would write' if r['dry_run'] else 'wrote'} {r['output']}: {r['taps']} taps over {r['bars']} bars → "
        f"{r['notes']} drum notes ({', '.join(f'{k} {v}' for k, v in r['drums'].items())}; genre {r['genre']}, "
        f"seed {r['seed']})" + (f"; preview {r['preview']}" if r.get("preview") else "")))


@cli.command()
@click.argument("song", type=click.Path())
@click.option("--bars", "bars", required=True, metavar="A:B", help="The bars to fill, 1-based and inclusive (e.g. 8:8).")
@_genre_option
@click.option("--fill-beats", type=click.IntRange(1, 4), default=4, show_default=True, metavar="N",
              help="How many of each bar's last beats the fill takes.")
@fill_over_option
@drum_options
@take_options("Same song and seed give the same output, byte for byte.", zero_temperature=True)
def fill(song, bars, genre, fill_beats, fill_over, temperature, seed, drum_map, drum_channel, drum_track, out, force,
         skip_existing, dry_run, as_json, quiet):
    """Write a fill into bars A:B of SONG's drum part (and a landing on the next downbeat when the
    fill calls for one). The fill takes over the hi-hats and ride in the beats it plays, and a
    landing crash the hi-hat on the next downbeat (--fill-over: on top of them); every other
    note of the file stays; writes SONG.fill.mid."""
    from ..grid.drawn import parse_bar_range

    span = parse_bar_range(bars)
    preflight(genre=genre, drum_map=drum_map)
    [path] = take_outputs(song, out, "fill")
    if not outputs_free([path], force, skip_existing, dry_run, quiet):
        return
    perf = read_song(song, drum_map, drum_channel, drum_track)
    from ..generate.fill import fill as run
    from ..midi.write import write_midi

    result = run(perf, span, genre=genre, seed=seed, beats=fill_beats, temperature=temperature,
                 drum_map=drum_map_of(drum_map), over=fill_over)
    if not dry_run:
        make_folders([path])
        write_midi(result.performance, path, force=force)
    r = {"input": song, "output": str(path), "seed": result.seed, "dry_run": dry_run, **result.report}
    _say([r], as_json, quiet, lambda r: (
        f"{'would write' if r['dry_run'] else 'wrote'} {r['output']}: a fill in bar(s) {', '.join(map(str, r['fills']))} "
        f"(+{r['fill_notes']} notes, {r['fill_replaced']} of your notes in its beats taken over, genre {r['genre']}, "
        f"seed {r['seed']})"
        + (f"; bar(s) {', '.join(map(str, r['skipped_bars']))} are not 4/4 and stay as they are"
           if r.get("skipped_bars") else "")))
