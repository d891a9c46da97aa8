"""Commands that write new bars: ``continue`` and ``interpolate``."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import GrooveError
from . import cli
from .options import (
    drum_map_of,
    drum_options,
    knob_options,
    load_model_for,
    model_options,
    outputs_free,
    preview_options,
    preview_path,
    read_song,
    take_options,
    take_outputs,
    with_previews,
)
from .outputs import all_or_nothing, check_writable, make_folders, names_folder, take_paths
from .preflight import preflight


@cli.command("continue")
@click.argument("primer", type=click.Path())
@click.option("--bars", type=int, default=4, show_default=True, help="How many bars to add after the primer.")
@click.option("-n", "--n", "count", type=click.IntRange(1, 100), default=1, show_default=True,
              help="Write N different continuations.")
@click.option("-g", "--genre", default="auto", show_default=True,
              help="Genre to play in (see `groove genres`); auto guesses it from the primer.")
@knob_options
@model_options
@drum_options
@take_options("Same primer and seed give the same output, byte for byte.")
@preview_options
def continue_(primer, bars, count, genre, temperature, seed, density, syncopation, weights, device, drum_map,
              drum_channel, drum_track, out, force, skip_existing, dry_run, as_json, quiet, preview, preview_bars,
              preview_from, soundfont):
    """PRIMER as written, then BARS new bars that carry on its groove (its notes' style through
    the prior, its dynamics and timing through the feel model)."""
    preflight(new_bars=bars, density=density, syncopation=syncopation, genre=genre, weights=weights, drum_map=drum_map,
              soundfont=soundfont)
    paths = take_outputs(primer, out, "continued", count)
    if not outputs_free(with_previews(paths, preview), force, skip_existing, dry_run, quiet):
        return
    perf = read_song(primer, drum_map, drum_channel, drum_track)
    from ..generate.continue_ import continue_song
    from ..midi.write import write_midi

    loaded = load_model_for(weights, device)
    results = []
    for i, path in enumerate(paths):
        result = continue_song(perf, loaded, bars=bars, genre=genre, temperature=temperature,
                               seed=None if seed is None else seed + i, drum_map=drum_map_of(drum_map),
                               density=density, syncopation=syncopation)
        with all_or_nothing([] if dry_run else with_previews([path], preview)):
            if not dry_run:
                make_folders([path])
                write_midi(result.performance, path, force=force)
            r = {"input": primer, "output": str(path), "seed": result.seed, "dry_run": dry_run, **result.report}
            if preview:  # the join: the primer's last bars running into the new ones (or from --preview-from)
                r["preview"] = str(preview_path(path))
                if not dry_run:
                    from ..audio.render import load_font, write_excerpt

                    before = result.report["bars_before"]
                    first = max(before - preview_bars, 0) if preview_from is None else preview_from - 1
                    end = before + min(preview_bars, bars) if preview_from is None else first + preview_bars
                    write_excerpt(result.performance, preview_path(path), first, end, font=load_font(soundfont),
                                  force=force)
        results.append(r)
    if as_json:
        import json

        click.echo(json.dumps(results if count > 1 else results[0], indent=2))
    elif not quiet:
        for r in results:
            click.echo(f"{'would write' if dry_run else 'wrote'} {r['output']}: {r['bars_before']} bars of the primer, "
                       f"then {r['bars_added']} new ({r['notes_added']} notes, genre {r['genre']}, seed {r['seed']})"
                       + (f"; preview of the join {r['preview']}" if r.get("preview") else ""))


@cli.command()
@click.argument("a", type=click.Path())
@click.argument("b", type=click.Path())
@click.option("--steps", type=int, default=5, show_default=True, help="Grooves in the sequence, A and B included.")
@click.option("--bars-per-step", "bars", type=int, default=2, show_default=True, help="Bars of each groove.")
@click.option("-g", "--genre", default="auto", show_default=True,
              help="Genre to play the in-betweens in; auto guesses each end's from its notes.")
@knob_options
@model_options
@drum_options
@take_options("Same inputs and seed give the same output, byte for byte.")
def interpolate(a, b, steps, bars, genre, temperature, seed, density, syncopation, weights, device, drum_map,
                drum_channel, drum_track, out, force, skip_existing, dry_run, as_json, quiet):
    """Grooves that morph from A to B: A, the in-betweens, B, one after the other in one file
    (A.to.B.mid), or one file per step with -o FOLDER/."""
    preflight(steps=(steps, bars), density=density, syncopation=syncopation, genre=genre, weights=weights, drum_map=drum_map)
    src_a, src_b = Path(a), Path(b)
    folder = names_folder(out)  # a folder: one file per step (the output-name rule's takes)
    paths = take_paths(src_a.with_name(f"{src_a.stem}.to.{src_b.stem}.mid"), out, steps if folder else 1)
    check_writable(paths, out)
    if any(p.resolve() in (src_a.resolve(), src_b.resolve()) for p in paths):
        raise GrooveError("refusing to write over an input file; choose another -o")
    if not outputs_free(paths, force, skip_existing, dry_run, quiet):
        return
    perf_a = read_song(a, drum_map, drum_channel, drum_track)
    try:
        perf_b = read_song(b, drum_map, drum_channel, drum_track)
    except GrooveError as exc:
        raise GrooveError(f"B: {exc}") from None
    from ..generate.interpolate import interpolate as run
    from ..midi.write import write_midi

    result = run(perf_a, perf_b, load_model_for(weights, device), steps=steps, bars=bars, genre=genre, temperature=temperature,
                 seed=seed, drum_map=drum_map_of(drum_map), density=density, syncopation=syncopation)
    with all_or_nothing([] if dry_run else paths):
        if not dry_run:
            make_folders(paths)
            for perf, path in zip(result.parts if folder else [result.performance], paths):
                write_midi(perf, path, force=force)
    report = {"a": a, "b": b, "outputs": [str(p) for p in paths], "seed": result.seed, "dry_run": dry_run,
              **result.report}
    if as_json:
        import json

        click.echo(json.dumps(report, indent=2))
    elif not quiet:
        where = paths[0] if len(paths) == 1 else f"{len(paths)} files in {out}"
        click.echo(f"{'would write' if dry_run else 'wrote'} {where}: {steps} grooves of {bars} bars, "
                   f"notes per bar {' → '.join(f'{x:g}' for x in result.report['notes_per_bar'])} (seed {result.seed})")
