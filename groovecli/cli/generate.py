"""Commands that run the model: ``humanize``, ``transfer``, ``sample``, ``genres``."""

from __future__ import annotations

import contextlib
import io
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import click

from ..errors import GrooveError
from . import cli
from .options import (
    batch_failure,
    drum_options,
    existing_outputs,
    expand_inputs,
    feel_options,
    fill_options,
    humanize_options,
    knob_options,
    load_cond_for,
    load_model_for,
    model_options,
    outputs_free,
    plan_outputs,
    preview_file,
    preview_options,
    preview_request,
    read_song,
    swing_option,
    take_options,
    warn,
    with_previews,
)
from .outputs import all_or_nothing, check_writable, clear_interrupted, make_folders, take_paths
from .pool import parallel_options
from .preflight import must_exist, preflight
from .report import batch_report, before_after, folder_progress, print_report, slow_progress


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@feel_options
@swing_option
@knob_options
@fill_options
@click.option("--variations", type=click.IntRange(1, 100), default=1, show_default=True, help="Write N different takes.")
@click.option("--loop", is_flag=True, help="The file is one turn of a loop: decoding wraps, early first hits sound at its end.")
@model_options
@drum_options
@take_options()
@preview_options
@click.option("--show", "show_grids", is_flag=True, help="Show before/after grids for every file of a folder run.")
@parallel_options
def humanize(inputs, variations, weights, device, drum_map, drum_channel, drum_track, out, force, skip_existing, dry_run,
             as_json, quiet, show_grids, preview, preview_bars, preview_from, soundfont, n_jobs, ray, **kw):
    """Make INPUTS (MIDI files or folders) sound played: ghost notes, accents, microtiming.

    With several files or a folder, one file's problem does not stop the others: each is
    reported in the summary, and the exit code is 1 when any failed.
    """
    preflight(patterns=kw, density=kw["density"], syncopation=kw["syncopation"], notes=kw["notes"], swing=kw["swing"],
              fills=kw["fills"], genre=kw["genre"], weights=weights, drum_map=drum_map, soundfont=soundfont)
    files = expand_inputs(inputs)
    batch = len(files) > 1 or any(Path(p).is_dir() for p in inputs)
    skip_existing = skip_existing or ray is not None  # a Ray run resumes
    # existing outputs are _read_jobs' to judge: skipped, a dry run's note, or the one-line error
    plans = plan_outputs(files, out, variations, force or dry_run or skip_existing, batch=batch)
    if skip_existing and not dry_run:  # a resumed run: an interrupted one may have left half-written files
        clear_interrupted([p for plan in plans for p in plan])
    listen = preview_request(preview, preview_bars, soundfont, preview_from)
    with slow_progress(f"humanizing {files[0].name}", enabled=not batch and not (quiet or as_json)) as slow:
        slow.stage("reading")
        jobs, results = _read_jobs(files, plans, (drum_map, drum_channel, drum_track), force, skip_existing, dry_run,
                                   batch, preview, lazy=ray is not None)
        if jobs:
            results.extend(_run_jobs(jobs, weights, device, kw, force, dry_run, listen, batch=batch,
                                     views=not (quiet or as_json) and (show_grids or not batch),
                                     progress=batch and not (quiet or as_json), stage=slow.stage,
                                     parallel=(n_jobs, ray)))
    order = {str(f): i for i, f in enumerate(files)}
    results.sort(key=lambda r: order[r["input"]])
    if batch:
        batch_report(results, as_json, quiet)
    else:
        print_report(results, as_json, quiet, [r.pop("_view", None) for r in results])
    failed = sum("error" in r for r in results)
    if failed:
        if batch and not as_json:
            click.echo(f"error: {failed} of {len(files)} file(s) failed (see above)", err=True)
        click.get_current_context().exit(1)


@dataclass(frozen=True)
class Unread:
    """A sketch its worker reads (``--ray``: the command does not read and hold a whole corpus)."""

    drums: tuple  # --drum-map, --drum-channel, --drum-track


def _read_jobs(files: list[Path], plans: list[list[Path]], drums: tuple, force: bool, skip_existing: bool,
               dry_run: bool, batch: bool, preview: bool, lazy: bool = False) -> tuple[list, list[dict]]:
    """Every input read before the model loads (a bad file costs no model load): the jobs to run,
    and the results of the inputs skipped or failed (in a batch, each its own failure).
    ``lazy``: the inputs are left ``Unread`` for the workers."""
    jobs, results = [], []
    for src, paths in zip(files, plans):
        reason = None
        existing = existing_outputs(with_previews(paths, preview), force)
        if existing and not batch and not (skip_existing or dry_run):
            raise GrooveError(f"{existing[0]} already exists; use --force to overwrite it")
        if existing and (skip_existing or dry_run or batch):
            reason = f"{existing[0]} exists" + ("" if skip_existing else "; use --force or --skip-existing")
        else:
            try:
                if lazy:  # the workers read it; a missing file is still this file's own failure
                    must_exist(str(src))
                jobs.append((src, paths, Unread(drums) if lazy else read_song(str(src), *drums, meters=True)))
                continue
            except Exception as exc:  # noqa: BLE001 - in a batch, whatever one file does is its own failure
                if not batch:
                    raise
                reason = batch_failure(exc)
        results.append({"input": str(src), "skipped" if skip_existing and existing else "error": reason})
    return jobs, results


def _humanize_one(perf, src: Path, paths: list[Path], loaded, kw: dict, force: bool, dry_run: bool,
                  views: bool, listen: dict | None = None, stage=None) -> list[dict]:
    from ..generate.humanize import humanize as run
    from ..midi.write import write_midi

    stage = stage or (lambda name: None)
    out = []
    fill_model = _fill_model() if kw.get("fills") is not None else None
    for i, path in enumerate(paths):
        seed = None if kw["seed"] is None else kw["seed"] + i
        stage("grooving" if len(paths) == 1 else f"grooving take {i + 1} of {len(paths)}")
        result = run(perf, loaded, humanize_options(kw, seed), fill_model=fill_model)
        for note in result.report.get("knob_notes", []) if i == 0 else []:
            warn(f"{src}: {note}")
        with all_or_nothing([] if dry_run else with_previews([path], listen is not None)):
            if not dry_run:
                stage("writing")
                make_folders([path])
                write_midi(result.performance, path, force=force)
            r = {"input": str(src), "output": str(path), "seed": result.seed, "dry_run": dry_run,
                 "drum_map": perf.drum_map.name, "drum_part": perf.drum_part, "notices": list(perf.notices),
                 **result.report, **preview_file(perf, result.performance, path, listen, force, dry_run, stage)}
        if views and i == 0:
            r["_view"] = before_after(perf, result, src.name, path.name)
        out.append(r)
    return out


@lru_cache(maxsize=1)
def _fill_model():
    """The bundled fill model, read once per process (a folder run fills every file with it)."""
    return load_cond_for("fills")


def _run_jobs(jobs: list, weights, device: str, kw: dict, force: bool, dry_run: bool, listen: dict | None, *,
              batch: bool, views: bool, progress: bool, stage=None, parallel: tuple = (None, None)) -> list[dict]:
    """Humanize every (source, outputs, performance) job: in worker processes when there are
    several files and cores (``pool.py``), on Ray when ``parallel`` (--jobs, --ray) names a
    cluster, else here; one file's error is its own result."""
    from .pool import cores, run, workers_for

    (n_jobs, ray), hub = parallel, str(weights or "").startswith("hf://")
    workers = 0 if views or hub else workers_for(len(jobs), device, n_jobs)
    results = []
    with folder_progress(len(jobs), enabled=progress) as advance:
        if workers or ray is not None:
            outcomes = run(_humanize_job, [(perf, src, paths, kw, force, dry_run, listen) for src, paths, perf in jobs],
                           weights=weights, workers=workers or n_jobs or cores(), ray=ray,
                           sizes=[src.stat().st_size if isinstance(perf, Unread) else len(perf.notes)
                                  for src, _, perf in jobs])
            for i, outcome in outcomes:
                advance(jobs[i][0].name)
                if isinstance(outcome, BaseException):
                    if not batch or not isinstance(outcome, Exception):
                        raise outcome
                    results.append({"input": str(jobs[i][0]), "error": batch_failure(outcome)})
                else:
                    sys.stderr.write(outcome["warnings"])  # a worker's reading: warn as reading here would
                    results.extend(outcome["rows"])
            return results
        if stage is not None:
            stage("loading the model")
        loaded = load_model_for(weights, device)
        for src, paths, perf in jobs:
            try:
                results.extend(_humanize_one(perf, src, paths, loaded, kw, force, dry_run, views=views, listen=listen,
                                             stage=None if batch else stage))
            except Exception as exc:  # noqa: BLE001 - see above
                if not batch:
                    raise
                results.append({"input": str(src), "error": batch_failure(exc)})
            advance(src.name)
    return results


def _humanize_job(loaded, perf, src: Path, paths: list[Path], kw: dict, force: bool, dry_run: bool,
                  listen: dict | None) -> dict:
    """One file in a worker process (``pool.run`` passes the worker's model first): its report's
    rows, and the warnings reading it gave when the worker read it (``Unread``)."""
    warnings = io.StringIO()
    if isinstance(perf, Unread):
        with contextlib.redirect_stderr(warnings):
            perf = read_song(str(src), *perf.drums, meters=True)
    return {"rows": _humanize_one(perf, src, paths, loaded, kw, force, dry_run, views=False, listen=listen),
            "warnings": warnings.getvalue()}


@cli.command()
@click.argument("template", type=click.Path())
@click.argument("reference", type=click.Path())
@feel_options
@click.option("--velocity-only", is_flag=True, help="Take only the reference's dynamics.")
@click.option("--timing-only", is_flag=True, help="Take only the reference's timing.")
@model_options
@drum_options
@take_options()
@preview_options
def transfer(template, reference, velocity_only, timing_only, weights, device, drum_map, drum_channel, drum_track,
             out, force, skip_existing, dry_run, as_json, quiet, preview, preview_bars, preview_from, soundfont, **kw):
    """Put REFERENCE's groove (dynamics, timing, with --notes add its notes) on TEMPLATE."""
    if velocity_only and timing_only:
        raise GrooveError("--velocity-only and --timing-only exclude each other")
    preflight(patterns=kw, genre=kw["genre"], weights=weights, drum_map=drum_map, soundfont=soundfont)
    [paths] = plan_outputs([Path(template)], out, 1, force or dry_run or skip_existing, name="transfer")
    if not outputs_free(with_previews(paths, preview), force, skip_existing, dry_run, quiet):
        return
    preflight(inputs=((reference, "reference: "),))  # before the template is read: a typo costs nothing
    perf = read_song(template, drum_map, drum_channel, drum_track)
    try:
        ref = read_song(reference, drum_map, drum_channel, drum_track)
    except GrooveError as exc:
        raise GrooveError(f"reference: {exc}") from None
    from ..generate.transfer import transfer as run
    from ..midi.write import write_midi

    loaded = load_model_for(weights, device)
    result = run(perf, ref, loaded, humanize_options(kw, kw["seed"]), velocity=not timing_only, timing=not velocity_only)
    listen = preview_request(preview, preview_bars, soundfont, preview_from)
    with all_or_nothing([] if dry_run else with_previews(paths, preview)):
        if not dry_run:
            make_folders(paths)
            write_midi(result.performance, paths[0], force=force)
        report = {"input": template, "reference": reference, "output": str(paths[0]), "seed": result.seed,
                  "dry_run": dry_run, "drum_map": perf.drum_map.name, "drum_part": perf.drum_part, **result.report,
                  **preview_file(perf, result.performance, paths[0], listen, force, dry_run)}
    print_report([report], as_json, quiet,
                 [None if quiet or as_json else before_after(perf, result, Path(template).name, paths[0].name)])


@cli.command()
@click.option("-g", "--genre", default="rock", show_default=True, help="Genre to play in (see `groove genres`).")
@click.option("--bars", type=click.IntRange(1, 1000), default=4, show_default=True)
@click.option("--tempo", type=float, default=120.0, show_default=True, help="Beats per minute.")
@click.option("-n", "--n", "count", type=click.IntRange(1, 100), default=1, show_default=True, help="How many grooves.")
@knob_options
@model_options
@take_options("Same seed, same groove, byte for byte.")
@preview_options
def sample(genre, bars, tempo, count, temperature, seed, density, syncopation, weights, device, out, force, skip_existing,
           dry_run, as_json, quiet, preview, preview_bars, preview_from, soundfont):
    """Write a new groove in GENRE from the model's prior (a GM drum MIDI file)."""
    from ..generate.sample import sample as run
    from ..midi.write import write_midi

    if out is None and count > 1:
        out = f"{genre}-grooves/"  # several takes and no -o: a folder of their own
    paths = take_paths(Path(f"{genre}-groove.mid"), out, count)
    check_writable(paths, out)
    preflight(density=density, syncopation=syncopation, genre=genre, weights=weights, soundfont=soundfont)
    if not outputs_free(with_previews(paths, preview), force, skip_existing, dry_run, quiet):
        return
    listen = preview_request(preview, preview_bars, soundfont, preview_from)
    loaded = load_model_for(weights, device)
    results = []
    for i, path in enumerate(paths):
        result = run(loaded, genre=genre, bars=bars, bpm=tempo, temperature=temperature,
                     seed=None if seed is None else seed + i, density=density, syncopation=syncopation)
        with all_or_nothing([] if dry_run else with_previews([path], preview)):
            if not dry_run:
                make_folders([path])
                write_midi(result.performance, path, force=force)
            results.append({"output": str(path), "seed": result.seed, **result.report,
                            **preview_file(None, result.performance, path, listen, force, dry_run)})
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
        loaded = load_model_for(weights, device)
        names, guesser = loaded.config.genres, loaded.guesser is not None
    if guesser:
        click.echo("auto (the default for humanize and transfer: guessed from the sketch and its tempo)")
    click.echo("\n".join(names))
    merged = [f"{old} → {new}" for old, new in GENRE_MERGES.items() if new in names]
    click.echo(f"also accepted (merged in training): {', '.join(merged)}")
