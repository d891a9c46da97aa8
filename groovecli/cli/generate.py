"""Commands that run the model: ``humanize``, ``transfer``, ``sample``, ``genres``."""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import click

from ..errors import GrooveError
from . import cli
from .options import (
    _check_patterns,
    _load,
    _options,
    check_fills,
    check_genre,
    check_knobs,
    check_soundfont,
    check_swing,
    check_weights,
    drum_map_of,
    drum_options,
    existing_outputs,
    expand_inputs,
    feel_options,
    fill_options,
    knob_options,
    model_options,
    must_exist,
    output_options,
    outputs_free,
    plan_outputs,
    preview_options,
    preview_path,
    preview_request,
    read_song,
    swing_option,
    with_previews,
)


def _report(results: list[dict], as_json: bool, quiet: bool, views: list) -> None:
    import json

    if as_json:
        click.echo(json.dumps(results if len(results) > 1 else results[0], indent=2))
        return
    if quiet:
        return
    from rich.console import Console

    console = Console()
    for r, view in zip(results, views):
        a, b = r["after"], r["before"]
        where = "would write" if r.get("dry_run") else "wrote"
        swing = f", swing {r['swing']}" if r.get("swing") else ""
        console.print(f"[bold]{where} {r['output']}[/bold] (genre {r['genre']}{swing}, seed {r['seed']})")
        if r.get("genre_note"):
            console.print(f"  genre: {r['genre_note']}")
        if r.get("preview"):
            console.print(f"  preview: {r['preview']} (before, then after)", highlight=False)
        if "fills" in r:
            where = ", ".join(map(str, r["fills"])) or "none (no 4/4 bar with notes at those places)"
            console.print(f"  fills: bar(s) {where} (+{r['fill_notes']} notes)", highlight=False)
        console.print(f"  notes: {b['hits']} → {a['hits']} (+{r['notes_added']} added, -{r['notes_removed']} removed)   "
                      f"velocity {b['velocity_min']}-{b['velocity_max']} → {a['velocity_min']}-{a['velocity_max']}   "
                      f"mean |timing| {b['mean_abs_timing_ms']} → {a['mean_abs_timing_ms']} ms")
        fb, fa = r["features"]["before"], r["features"]["after"]
        console.print("  " + "   ".join(f"{label} {fb[key]:{fmt}} → {fa[key]:{fmt}}" for label, key, fmt in (
            ("syncopation", "syncopation", ".2f"), ("laidbackness", "laidbackness", "+.2f"),
            ("swing", "swingness", ".2f"), ("velocity spread", "velocity_spread", ".1f"))),
            highlight=False)
        if view is not None:
            console.print(view)


def _before_after(perf, result, width: int, before_name: str, after_name: str):
    from dataclasses import replace

    from rich.console import Group
    from rich.text import Text

    from .view import grid_view

    first = result.before.bars[0].index + 1
    bars = f"{first}:{first + 1}"
    after = replace(result.performance, source=after_name)  # the grid's title is the file it shows
    return Group(Text(f"before: {before_name}", style="bold"), grid_view(perf, result.before, bars=bars, width=width),
                 Text(f"after: {after_name}", style="bold"), grid_view(after, result.after, bars=bars, width=width))


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@feel_options
@swing_option
@knob_options
@fill_options
@click.option("--variations", type=click.IntRange(1, 100), default=1, show_default=True, help="Write N different takes.")
@model_options
@drum_options
@output_options
@preview_options
@click.option("--show", "show_grids", is_flag=True, help="Show before/after grids for every file of a folder run.")
def humanize(inputs, variations, weights, device, drum_map, drum_channel, drum_track, out, force, skip_existing, dry_run,
             as_json, quiet, show_grids, preview, preview_bars, soundfont, **kw):
    """Make INPUTS (MIDI files or folders) sound played: ghost notes, accents, microtiming.

    With several files or a folder, one file's problem does not stop the others: each is
    reported in the summary, and the exit code is 1 when any failed.
    """
    _check_patterns(kw)
    check_knobs(kw["density"], kw["syncopation"], kw["notes"])
    check_swing(kw["swing"])
    check_fills(kw["fills"])
    check_genre(kw["genre"], weights)
    check_weights(weights)
    drum_map_of(drum_map)  # an unknown map name fails here, before any file is read
    check_soundfont(soundfont)
    files = expand_inputs(inputs)
    batch = len(files) > 1 or any(Path(p).is_dir() for p in inputs)
    plans = plan_outputs(files, out, variations, force, batch=batch)
    listen = preview_request(preview, preview_bars, soundfont)
    jobs, results = [], []
    for src, paths in zip(files, plans):  # everything cheap first: a bad file costs no model load
        reason = None
        existing = existing_outputs(with_previews(paths, preview), force)
        if existing and not batch and not (skip_existing or dry_run):
            raise GrooveError(f"{existing[0]} already exists; use --force to overwrite it")
        if existing and (skip_existing or dry_run or batch):
            reason = f"{existing[0]} exists" + ("" if skip_existing else "; use --force or --skip-existing")
        else:
            try:
                jobs.append((src, paths, read_song(str(src), drum_map, drum_channel, drum_track,
                                                   quiet=quiet or as_json)))
                continue
            except GrooveError as exc:
                if not batch:
                    raise
                reason = str(exc)
        results.append({"input": str(src), "skipped" if skip_existing and existing else "error": reason})
    if jobs:
        results.extend(_run_jobs(jobs, weights, device, kw, force, dry_run, listen, batch=batch,
                                 views=not (quiet or as_json) and (show_grids or not batch),
                                 progress=batch and not (quiet or as_json)))
    order = {str(f): i for i, f in enumerate(files)}
    results.sort(key=lambda r: order[r["input"]])
    if batch:
        _batch_report(results, as_json, quiet)
    else:
        _report(results, as_json, quiet, [r.pop("_view", None) for r in results])
    failed = sum("error" in r for r in results)
    if failed:
        if batch and not as_json:
            click.echo(f"error: {failed} of {len(files)} file(s) failed (see above)", err=True)
        click.get_current_context().exit(1)


def _humanize_one(perf, src: Path, paths: list[Path], loaded, kw: dict, force: bool, dry_run: bool,
                  views: bool, listen: dict | None = None) -> list[dict]:
    from ..generate.humanize import humanize as run
    from ..midi.performance import write_midi

    out = []
    fill_model = _fill_model() if kw.get("fills") is not None else None
    for i, path in enumerate(paths):
        seed = None if kw["seed"] is None else kw["seed"] + i
        result = run(perf, loaded, _options(kw, seed), fill_model=fill_model)
        if not dry_run:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_midi(result.performance, path, force=force)
        r = {"input": str(src), "output": str(path), "seed": result.seed, "dry_run": dry_run,
             "drum_map": perf.drum_map.name, "drum_part": perf.drum_part, "notices": list(perf.notices),
             **result.report, **_preview(perf, result.performance, path, listen, force, dry_run)}
        if views and i == 0:
            r["_view"] = _before_after(perf, result, 100, src.name, path.name)
        out.append(r)
    return out


@lru_cache(maxsize=1)
def _fill_model():
    """The bundled fill model, read once per process (a folder run fills every file with it)."""
    from ..weights import load_cond

    return load_cond("fills")


def _preview(before, after, output: Path, listen: dict | None, force: bool, dry_run: bool) -> dict:
    """Write the A/B preview beside ``output`` when asked; its path for the report."""
    if listen is None:
        return {}
    path = preview_path(output)
    if not dry_run:
        from ..audio.render import load_font, write_preview

        write_preview(before, after, path, bars=listen["bars"], font=load_font(listen["soundfont"]), force=force)
    return {"preview": str(path)}


def _run_jobs(jobs: list, weights, device: str, kw: dict, force: bool, dry_run: bool, listen: dict | None, *,
              batch: bool, views: bool, progress: bool) -> list[dict]:
    """Humanize every (source, outputs, performance) job: in worker processes when there are
    several files and cores (``pool.py``), else here; one file's error is its own result."""
    from .pool import run, workers_for

    workers = 0 if views or str(weights or "").startswith("hf://") else workers_for(len(jobs), device)
    results = []
    with _progress(len(jobs), enabled=progress) as advance:
        if workers:
            outcomes = run(_humanize_job, [(perf, src, paths, kw, force, dry_run, listen) for src, paths, perf in jobs],
                           weights=weights, workers=workers, sizes=[len(perf.notes) for _, _, perf in jobs])
            for i, outcome in outcomes:
                advance(jobs[i][0].name)
                if isinstance(outcome, BaseException):
                    if not batch or not isinstance(outcome, GrooveError):
                        raise outcome
                    results.append({"input": str(jobs[i][0]), "error": str(outcome)})
                else:
                    results.extend(outcome)
            return results
        loaded = _load(weights, device)
        for src, paths, perf in jobs:
            try:
                results.extend(_humanize_one(perf, src, paths, loaded, kw, force, dry_run, views=views, listen=listen))
            except GrooveError as exc:
                if not batch:
                    raise
                results.append({"input": str(src), "error": str(exc)})
            advance(src.name)
    return results


def _humanize_job(loaded, perf, src: Path, paths: list[Path], kw: dict, force: bool, dry_run: bool,
                  listen: dict | None) -> list[dict]:
    """One file in a worker process (``pool.run`` passes the worker's model first)."""
    return _humanize_one(perf, src, paths, loaded, kw, force, dry_run, views=False, listen=listen)


@contextmanager
def _progress(total: int, enabled: bool):
    """A progress bar on stderr while a folder runs (files done, the last file, elapsed and
    remaining time); yields ``advance(name)``."""
    if not enabled:
        yield lambda name: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("humanizing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), TextColumn("{task.description}"), console=Console(stderr=True),
                  transient=True) as bar:
        task = bar.add_task("", total=total)
        yield lambda name: bar.update(task, advance=1, description=name)


def _batch_report(results: list[dict], as_json: bool, quiet: bool) -> None:
    """One table for a folder run: file, notes before → after, seed, output or why there is none."""
    import json

    if as_json:
        click.echo(json.dumps([{k: v for k, v in r.items() if k != "_view"} for r in results], indent=2))
        return
    if quiet:
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for r in results:
        if r.get("_view") is not None:
            console.print(f"[bold]{r['input']}[/bold]")
            console.print(r["_view"])
    table = Table("file", "notes", "genre", "seed", "output", title=f"{len(results)} result(s)")
    for r in results:
        if "output" in r:
            where = ("would write " if r["dry_run"] else "") + r["output"]
            table.add_row(Path(r["input"]).name, f"{r['before']['hits']} → {r['after']['hits']}", r["genre"],
                          str(r["seed"]), where)
        else:
            label = "[yellow]skipped[/yellow]: " if "skipped" in r else "[red]failed[/red]: "
            table.add_row(Path(r["input"]).name, "", "", "", label + (r.get("skipped") or r.get("error")))
    console.print(table)


@cli.command()
@click.argument("template", type=click.Path())
@click.argument("reference", type=click.Path())
@feel_options
@click.option("--velocity-only", is_flag=True, help="Take only the reference's dynamics.")
@click.option("--timing-only", is_flag=True, help="Take only the reference's timing.")
@model_options
@drum_options
@output_options
@preview_options
def transfer(template, reference, velocity_only, timing_only, weights, device, drum_map, drum_channel, drum_track,
             out, force, skip_existing, dry_run, as_json, quiet, preview, preview_bars, soundfont, **kw):
    """Put REFERENCE's groove (dynamics, timing, with --notes add its notes) on TEMPLATE."""
    if velocity_only and timing_only:
        raise GrooveError("--velocity-only and --timing-only exclude each other")
    _check_patterns(kw)
    check_genre(kw["genre"], weights)
    check_weights(weights)
    check_soundfont(soundfont)
    [paths] = plan_outputs([Path(template)], out, 1, force or dry_run or skip_existing)
    if not outputs_free(with_previews(paths, preview), force, skip_existing, dry_run, quiet):
        return
    must_exist(reference, "reference: ")  # before the template is read: a typo costs nothing
    perf = read_song(template, drum_map, drum_channel, drum_track, quiet=quiet or as_json)
    try:
        ref = read_song(reference, drum_map, drum_channel, drum_track, quiet=quiet or as_json)
    except GrooveError as exc:
        raise GrooveError(f"reference: {exc}") from None
    from ..generate.transfer import transfer as run
    from ..midi.performance import write_midi

    loaded = _load(weights, device)
    result = run(perf, ref, loaded, _options(kw, kw["seed"]), velocity=not timing_only, timing=not velocity_only)
    if not dry_run:
        write_midi(result.performance, paths[0], force=force)
    listen = preview_request(preview, preview_bars, soundfont)
    _report([{"input": template, "reference": reference, "output": str(paths[0]), "seed": result.seed,
              "dry_run": dry_run, "drum_map": perf.drum_map.name, "drum_part": perf.drum_part, **result.report,
              **_preview(perf, result.performance, paths[0], listen, force, dry_run)}],
            as_json, quiet,
            [None if quiet or as_json else _before_after(perf, result, 100, Path(template).name, paths[0].name)])


@cli.command()
@click.option("-g", "--genre", default="rock", show_default=True, help="Genre to play in (see `groove genres`).")
@click.option("--bars", type=click.IntRange(1, 1000), default=4, show_default=True)
@click.option("--tempo", type=float, default=120.0, show_default=True, help="Beats per minute.")
@click.option("-n", "--n", "count", type=click.IntRange(1, 100), default=1, show_default=True, help="How many grooves.")
@click.option("--temperature", type=click.FloatRange(0, 3, min_open=True), default=1.0, show_default=True)
@click.option("--seed", type=int)
@knob_options
@model_options
@output_options
@preview_options
def sample(genre, bars, tempo, count, temperature, seed, density, syncopation, weights, device, out, force, skip_existing,
           dry_run, as_json, quiet, preview, preview_bars, soundfont):
    """Write a new groove in GENRE from the model's prior (a GM drum MIDI file)."""
    from ..generate.sample import sample as run
    from ..midi.performance import write_midi

    if out is None:
        out = f"{genre}-groove.mid" if count == 1 else f"{genre}-grooves"
    if count > 1:
        Path(out).mkdir(parents=True, exist_ok=True)
        paths = [Path(out) / f"{genre}-{i + 1}.mid" for i in range(count)]
    else:
        paths = [Path(out)]
    check_soundfont(soundfont)
    check_knobs(density, syncopation)
    if not outputs_free(with_previews(paths, preview), force, skip_existing, dry_run, quiet):
        return
    listen = preview_request(preview, preview_bars, soundfont)
    loaded = _load(weights, device)
    results = []
    for i, path in enumerate(paths):
        result = run(loaded, genre=genre, bars=bars, bpm=tempo, temperature=temperature,
                     seed=None if seed is None else seed + i, density=density, syncopation=syncopation)
        if not dry_run:
            write_midi(result.performance, path, force=force)
        results.append({"output": str(path), "seed": result.seed, **result.report,
                        **_preview(None, result.performance, path, listen, force, dry_run)})
    if as_json:
        import json

        click.echo(json.dumps(results if count > 1 else results[0], indent=2))
    elif not quiet:
        for r in results:
            click.echo(f"{'would write' if dry_run else 'wrote'} {r['output']} ({r['bars']} bars of {genre}, "
                       f"{r['hits']} hits, seed {r['seed']})" + (f"; preview {r['preview']}" if r.get("preview") else ""))


@cli.command()
@model_options
def genres(weights, device):
    """List the genres the model was trained on."""
    from ..bundled import bundled_entry
    from ..constants import GENRE_MERGES

    entry = bundled_entry() if weights is None else {}
    names, guesser = entry.get("genres"), entry.get("guesser", False)
    if names is None:  # other weights: ask the checkpoint itself
        loaded = _load(weights, device)
        names, guesser = loaded.config.genres, loaded.guesser is not None
    if guesser:
        click.echo("auto (the default for humanize and transfer: guessed from the sketch and its tempo)")
    click.echo("\n".join(names))
    merged = [f"{old} → {new}" for old, new in GENRE_MERGES.items() if new in names]
    click.echo(f"also accepted (merged in training): {', '.join(merged)}")
