"""The ``groove`` command: parse options, call the Python API, print, map errors to exit codes.

Only click and rich are imported here at module level; each command imports what it needs, so
``groove --help`` and ``groove --version`` answer without loading torch or numpy.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the features as JSON.")
@drum_options
def analyze(file: str, as_json: bool, drum_map: str | None, drum_channel: int | None, drum_track: str | None) -> None:
    """Groove features of FILE per 2-bar window and overall: density, syncopation, symmetry,
    laidbackness, swing, timing accuracy, velocity (after GrooveToolbox, Bruford et al. 2020)."""
    from .features import grid_features
    from .grid import quantize

    perf = read_song(file, drum_map, drum_channel, drum_track)
    song = grid_features(perf, quantize(perf))
    if as_json:
        import json

        click.echo(json.dumps({"file": file} | song.to_dict(), indent=2))
        return
    from rich.console import Console

    from .view import features_table

    Console().print(features_table(song, f"{file}: {len(song.windows)} windows of 2 bars"))


def plan_outputs(inputs: list[Path], out: str | None, variations: int, force: bool) -> list[list[Path]]:
    """Output paths per input (one per variation), checked before any work is done.

    One input: ``-o FILE`` or ``IN.groove.mid`` beside it. Several inputs: ``-o DIR`` or beside
    each. Never the input itself; never an existing file without ``--force``.
    """
    from .errors import GrooveError

    out_dir = None
    if out is not None and (len(inputs) > 1 or Path(out).is_dir() or out.endswith(("/", "\\"))):
        out_dir = Path(out)
        if out_dir.exists() and not out_dir.is_dir():
            raise GrooveError(f"-o {out} must be a folder when there are several inputs")
    plans = []
    for src in inputs:
        if out_dir is not None:
            base = out_dir / f"{src.stem}.groove.mid"
        elif out is not None:
            base = Path(out)
        else:
            base = src.with_name(f"{src.stem}.groove.mid")
        paths = [base] if variations == 1 else [base.with_name(f"{base.stem}.{i + 1}{base.suffix}") for i in range(variations)]
        for p in paths:
            if any(p.resolve() == i.resolve() for i in inputs):
                raise GrooveError(f"refusing to write over the input file {p}; choose another -o")
            if p.exists() and not force:
                raise GrooveError(f"{p} already exists; use --force to overwrite it")
        plans.append(paths)
    flat = [p.resolve() for paths in plans for p in paths]
    if len(set(flat)) != len(flat):
        raise GrooveError("two inputs would write the same output file; give -o a folder")
    return plans


def expand_inputs(paths: tuple[str, ...]) -> list[Path]:
    """Files as given, and the .mid/.midi files inside any folder given."""
    from .errors import GrooveError

    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            inside = sorted(q for q in p.iterdir() if q.suffix.lower() in (".mid", ".midi") and ".groove." not in q.name)
            if not inside:
                raise GrooveError(f"folder {p} holds no .mid files")
            found.extend(inside)
        else:
            found.append(p)
    return found


def model_options(func):
    """Weights and device, shared by the commands that run the model."""
    func = click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="cpu", show_default=True,
                        help="Where the model runs (auto: CUDA when available).")(func)
    func = click.option("--weights", metavar="PATH|hf://owner/repo", envvar="GROOVE_WEIGHTS",
                        help="Weights to use instead of the bundled ones [env: GROOVE_WEIGHTS].")(func)
    return func


def output_options(func):
    for option in reversed([
        click.option("-o", "--output", "out", metavar="PATH", help="Output file, or folder for several inputs."),
        click.option("--force", is_flag=True, help="Overwrite existing output files."),
        click.option("--dry-run", is_flag=True, help="Do everything but write."),
        click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report on stdout."),
        click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors."),
    ]):
        func = option(func)
    return func


def feel_options(func):
    for option in reversed([
        click.option("-g", "--genre", default="auto", show_default=True,
                     help="Genre to play in (see `groove genres`); auto guesses it from the sketch and its tempo."),
        click.option("--velocity-pattern", metavar="PATTERN", help="Drawn accents, e.g. 5.3.4.3.5.3.4.3. or a preset."),
        click.option("--timing-pattern", metavar="PATTERN", help="Drawn feel, e.g. 0+0+0+0+ or laidback, pushed."),
        click.option("--notes", type=click.Choice(["keep", "add", "free"]), default="add", show_default=True,
                     help="keep: feel only; add: also decorative notes; free: may remove notes too."),
        click.option("--velocity-amount", type=click.FloatRange(0, 1), default=1.0, show_default=True),
        click.option("--timing-amount", type=click.FloatRange(0, 1), default=1.0, show_default=True),
        click.option("--temperature", type=click.FloatRange(0, 3, min_open=True), default=1.0, show_default=True),
        click.option("--seed", type=int, help="Same input and seed give the same output, byte for byte."),
    ]):
        func = option(func)
    return func


def _options(kw: dict, seed: int | None):
    from .api import HumanizeOptions

    return HumanizeOptions(genre=kw["genre"], velocity_pattern=kw["velocity_pattern"], timing_pattern=kw["timing_pattern"],
                           notes=kw["notes"], velocity_amount=kw["velocity_amount"], timing_amount=kw["timing_amount"],
                           temperature=kw["temperature"], seed=seed)


def _load(weights: str | None, device: str):
    from .train import pick_device
    from .weights import load_model

    return load_model(weights, pick_device(device))


def _check_patterns(kw: dict) -> None:
    """Parse drawn patterns before any file is read, so a typo fails fast."""
    from .patterns import parse_pattern

    for kind in ("velocity", "timing"):
        if kw.get(f"{kind}_pattern") is not None:
            parse_pattern(kw[f"{kind}_pattern"], kind)


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
        console.print(f"[bold]{where} {r['output']}[/bold] (genre {r['genre']}, seed {r['seed']})")
        if r.get("genre_note"):
            console.print(f"  genre: {r['genre_note']}")
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


def _before_after(perf, result, width: int):
    from rich.console import Group
    from rich.text import Text

    from .view import grid_view

    first = result.before.bars[0].index + 1
    bars = f"{first}:{first + 1}"
    return Group(Text("before", style="bold"), grid_view(perf, result.before, bars=bars, width=width),
                 Text("after", style="bold"), grid_view(result.performance, result.after, bars=bars, width=width))


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@feel_options
@click.option("--variations", type=click.IntRange(1, 100), default=1, show_default=True, help="Write N different takes.")
@model_options
@drum_options
@output_options
def humanize(inputs, variations, weights, device, drum_map, drum_channel, drum_track, out, force, dry_run, as_json,
             quiet, **kw):
    """Make INPUTS (MIDI files or folders) sound played: ghost notes, accents, microtiming."""
    from .api import humanize as run
    from .drummap import load_drum_map
    from .midi import write_midi

    _check_patterns(kw)
    files = expand_inputs(inputs)
    plans = plan_outputs(files, out, variations, force)
    dmap = load_drum_map(drum_map)
    loaded = _load(weights, device)
    results, views = [], []
    for src, paths in zip(files, plans):
        perf = read_song(str(src), drum_map, drum_channel, drum_track)
        for i, path in enumerate(paths):
            seed = None if kw["seed"] is None else kw["seed"] + i
            result = run(perf, loaded, _options(kw, seed), drum_map=dmap)
            if not dry_run:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_midi(result.performance, path, force=force)
            results.append({"input": str(src), "output": str(path), "genre": kw["genre"], "seed": result.seed,
                            "dry_run": dry_run, **result.report})
            views.append(_before_after(perf, result, 100) if not (quiet or as_json) and i == 0 else None)
    _report(results, as_json, quiet, views)


@cli.command()
@click.argument("template", type=click.Path())
@click.argument("reference", type=click.Path())
@feel_options
@click.option("--velocity-only", is_flag=True, help="Take only the reference's dynamics.")
@click.option("--timing-only", is_flag=True, help="Take only the reference's timing.")
@model_options
@drum_options
@output_options
def transfer(template, reference, velocity_only, timing_only, weights, device, drum_map, drum_channel, drum_track,
             out, force, dry_run, as_json, quiet, **kw):
    """Put REFERENCE's groove (dynamics, timing, with --notes add its notes) on TEMPLATE."""
    from .api import transfer as run
    from .drummap import load_drum_map
    from .errors import GrooveError
    from .midi import write_midi

    if velocity_only and timing_only:
        raise GrooveError("--velocity-only and --timing-only exclude each other")
    _check_patterns(kw)
    [paths] = plan_outputs([Path(template)], out, 1, force)
    perf = read_song(template, drum_map, drum_channel, drum_track)
    try:
        ref = read_song(reference, drum_map, drum_channel, drum_track)
    except GrooveError as exc:
        raise GrooveError(f"reference: {exc}") from None
    loaded = _load(weights, device)
    result = run(perf, ref, loaded, _options(kw, kw["seed"]), velocity=not timing_only, timing=not velocity_only,
                 drum_map=load_drum_map(drum_map))
    if not dry_run:
        write_midi(result.performance, paths[0], force=force)
    _report([{"input": template, "reference": reference, "output": str(paths[0]), "genre": kw["genre"],
              "seed": result.seed, "dry_run": dry_run, **result.report}], as_json, quiet,
            [None if quiet or as_json else _before_after(perf, result, 100)])


@cli.command()
@click.option("-g", "--genre", default="rock", show_default=True, help="Genre to play in (see `groove genres`).")
@click.option("--bars", type=click.IntRange(1, 1000), default=4, show_default=True)
@click.option("--tempo", type=float, default=120.0, show_default=True, help="Beats per minute.")
@click.option("-n", "--n", "count", type=click.IntRange(1, 100), default=1, show_default=True, help="How many grooves.")
@click.option("--temperature", type=click.FloatRange(0, 3, min_open=True), default=1.0, show_default=True)
@click.option("--seed", type=int)
@model_options
@output_options
def sample(genre, bars, tempo, count, temperature, seed, weights, device, out, force, dry_run, as_json, quiet):
    """Write a new groove in GENRE from the model's prior (a GM drum MIDI file)."""
    from .api import sample as run
    from .midi import write_midi

    if out is None:
        out = f"{genre}-groove.mid" if count == 1 else f"{genre}-grooves"
    if count > 1:
        Path(out).mkdir(parents=True, exist_ok=True)
        paths = [Path(out) / f"{genre}-{i + 1}.mid" for i in range(count)]
    else:
        paths = [Path(out)]
    for p in paths:
        if p.exists() and not force:
            from .errors import GrooveError

            raise GrooveError(f"{p} already exists; use --force to overwrite it")
    loaded = _load(weights, device)
    results = []
    for i, path in enumerate(paths):
        result = run(loaded, genre=genre, bars=bars, bpm=tempo, temperature=temperature,
                     seed=None if seed is None else seed + i)
        if not dry_run:
            write_midi(result.performance, path, force=force)
        results.append({"output": str(path), "seed": result.seed, **result.report})
    if as_json:
        import json

        click.echo(json.dumps(results if count > 1 else results[0], indent=2))
    elif not quiet:
        for r in results:
            click.echo(f"{'would write' if dry_run else 'wrote'} {r['output']} ({r['bars']} bars of {genre}, "
                       f"{r['hits']} hits, seed {r['seed']})")


@cli.command()
@model_options
def genres(weights, device):
    """List the genres the model was trained on."""
    from .data import GENRE_MERGES

    loaded = _load(weights, device)
    if loaded.guesser is not None:
        click.echo("auto (the default for humanize and transfer: guessed from the sketch and its tempo)")
    click.echo("\n".join(loaded.config.genres))
    merged = [f"{old} → {new}" for old, new in GENRE_MERGES.items() if new in loaded.config.genres]
    click.echo(f"also accepted (merged in training): {', '.join(merged)}")


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


@cli.command(hidden=True)
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False), help="Groove MIDI Dataset folder.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Run folder (checkpoints, log).")
@click.option("--model", "kind", type=click.Choice(["pocketvae", "onestep", "twostep-vae", "feel", "prior", "guesser", "classifier"]),
              default="pocketvae", show_default=True, help="What to train.")
@click.option("--epochs", type=click.IntRange(1), default=40, show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=128, show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last epoch.")
@click.option("--weights", metavar="PATH",
              help="For --model prior: the model whose codes it learns; for --model feel: the model whose SKEL, NOTE "
                   "and prior are kept; for --model guesser: the model it is added to.")
@click.option("--export", "export_dir", type=click.Path(file_okay=False), help="Also write the result as shipped weights here.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), help="Where the dataset .npz cache goes.")
@click.option("--max-windows", type=click.IntRange(0), default=0, help="Train on at most this many windows (smoke tests).")
@click.option("--no-genre", is_flag=True, help="Ablation: no genre conditioning.")
@click.option("--no-patterns", is_flag=True, help="Ablation: no drawn velocity/timing patterns.")
@click.option("--prior-epochs", type=click.IntRange(0), default=30, show_default=True,
              help="Epochs for the code prior after the model (0: none; such weights cannot sample).")
def train(data_dir, out_dir, kind, epochs, batch_size, device, seed, resume, weights, export_dir, cache_dir, max_windows,
          no_genre, no_patterns, prior_epochs):
    """Train a model on the Groove MIDI Dataset (GMD train split; early stopping on validation)."""
    from rich.console import Console

    from .training_run import TrainRequest, run_training
    from .view import TrainingProgress

    request = TrainRequest(data_dir, out_dir, kind, epochs, batch_size, device, seed, resume, weights, export_dir,
                           cache_dir, max_windows, command=" ".join(["groove"] + sys.argv[1:]),
                           use_genre=not no_genre, use_patterns=not no_patterns, prior_epochs=prior_epochs)
    if os.environ.get("RANK", "0") != "0":  # under torchrun only rank 0 talks
        run_training(request)
        return
    console = Console(stderr=True)
    with TrainingProgress(console) as progress:
        result = run_training(request, progress)
    for line in result.summary():
        console.print(line)


@cli.command(hidden=True)
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False), help="Groove MIDI Dataset folder.")
@click.option("--split", type=click.Choice(["test", "validation"]), default="test", show_default=True)
@click.option("--weights", metavar="PATH|hf://owner/repo", help="The model to evaluate [default: bundled].")
@click.option("--classifier", metavar="PATH", help="Genre classifier (groove train --model classifier) [default: bundled].")
@click.option("--model", "models", metavar="NAME=PATH", multiple=True,
              help="More Table 1 rows: a name (onestep, twostep-vae, vq, vq-genres, pocketvae; '-sN' groups seeds) "
                   "and a checkpoint. Repeatable.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Write report.json and results.md here.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), help="Where the dataset .npz cache goes.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-files", type=click.IntRange(0), default=0, help="Only this many files of the split (smoke tests).")
@click.option("--force", is_flag=True, help="Overwrite report.json and results.md in --out.")
def evaluate(data_dir, split, weights, classifier, models, out_dir, cache_dir, seed, max_files, force):
    """Reconstruction (PocketVAE Table 1), humanization from templates, control and realism on GMD."""
    import json

    from rich.console import Console

    from .evaluation import EvalRequest, report_markdown, report_tables, run_evaluation
    from .view import report_view

    pairs = []
    for item in models:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise GrooveError(f"--model {item!r}: expected NAME=PATH")
        pairs.append((name, path))
    outputs = [Path(out_dir) / name for name in ("report.json", "results.md")] if out_dir else []
    for path in outputs:
        if path.exists() and not force:
            raise GrooveError(f"{path} already exists; use --force to overwrite it")
    console = Console(stderr=True)
    request = EvalRequest(data_dir, split, weights, classifier, tuple(pairs), cache_dir, seed, max_files)
    # one line per section rather than a spinner: evaluations run for minutes, often into a log file
    report = run_evaluation(request, on_stage=lambda name: console.print(f"evaluating: {name}", highlight=False))
    Console().print(report_view(report_tables(report)))
    if out_dir:
        from .midi import write_atomic

        outputs[0].parent.mkdir(parents=True, exist_ok=True)
        write_atomic((json.dumps(report.to_dict(), indent=2) + "\n").encode(), outputs[0], force=True)
        write_atomic(report_markdown(report).encode(), outputs[1], force=True)
        console.print(f"wrote {outputs[0]} and {outputs[1]}")


def main() -> None:
    """Console-script entry point.

    Ends with ``os._exit``: once torch is imported, the interpreter's ordinary shutdown spends
    ~0.7 s tearing its modules down (measured: `python -c "import torch"` 1.8 s, 1.1 s with
    ``os._exit``), which is a quarter of humanizing a 4-minute song. Nothing of ours needs that
    shutdown: every output is written, closed and renamed into place before a command returns.
    """
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
