"""Options and steps the commands share: where the drums are, outputs, weights, feel knobs."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import GrooveError
from .outputs import MIDI_SUFFIXES, check_writable, take_paths
from .preflight import must_exist


def warn(message: str) -> None:
    """One warning line on stderr."""
    click.echo(f"warning: {message}", err=True)


def batch_failure(exc: Exception) -> str:
    """Why one file of a batch failed, for its row of the summary: a GrooveError's line, or a
    bug's, so that one file's bug does not stop the others (with --debug it is raised instead)."""
    if isinstance(exc, GrooveError):
        return str(exc)
    if click.get_current_context().find_root().params.get("debug"):
        raise exc
    return f"unexpected {type(exc).__name__}: {exc} (run with --debug and report it)"


def drum_options(func):
    """The options that say where a file's drums are and which pitch is which drum."""
    func = click.option("--drum-track", metavar="NAME", help="Take drums from the track with this name (any channel).")(func)
    func = click.option(
        "--drum-channel", type=click.IntRange(1, 16), metavar="N",
        help="MIDI channel of the drums, 1-16 [default: 10, or the one channel that is clearly drums]."
    )(func)
    func = click.option(
        "--drum-map", metavar="NAME|FILE", default="auto", show_default=True,
        help="Your drum library's layout: auto (detected, else GM), a built-in map (see `groove maps`: ezdrummer3, "
             "superior3, addictive2, ssd5...), or a TOML/JSON map file."
    )(func)
    return func


def drum_map_of(spec: str | None):
    """The DrumMap the user named, or None for ``auto`` (each file's own detected map)."""
    from ..midi.drummap import load_drum_map

    return None if spec is None or spec.strip().lower() == "auto" else load_drum_map(spec)


def open_song(path: str, drum_map: str | None, drum_channel: int | None, drum_track: str | None):
    """Read a MIDI file with the user's drum options (``--drum-map``, ``--drum-channel`` 1-16,
    ``--drum-track``); its repairs and doubts stay in ``perf.notices`` for the caller to say."""
    must_exist(path)
    from ..midi.read import read_midi

    return read_midi(
        path,
        drum_map=drum_map_of(drum_map),
        drum_channel=None if drum_channel is None else drum_channel - 1,
        drum_track=drum_track,
    )


def read_song(path: str, drum_map: str | None, drum_channel: int | None, drum_track: str | None,
              meters: bool = False):
    """``open_song``, then a warning for each repair, the drum part and map chosen when in doubt,
    and bars groove cannot groove (``meters``: ``humanize``, which grooves every meter it can frame), each line naming the file. Warnings go to stderr whatever
    ``-q`` or ``--json`` say: those quiet the report, not what went wrong."""
    from .notices import skipped_bars_warning

    perf = open_song(path, drum_map, drum_channel, drum_track)
    for message in (*perf.notices, skipped_bars_warning(perf, meters=meters)):
        if message:
            warn(f"{path}: {message}")
    return perf


def plan_outputs(inputs: list[Path], out: str | None, variations: int, force: bool, *,
                 batch: bool = False, name: str = "groove") -> list[list[Path]]:
    """Output paths per input (one per variation), by the output-name rule (``outputs.py``),
    checked before any work is done: ``IN.<name>.mid`` beside each input, or as ``-o`` says;
    several inputs (or a folder) need ``-o`` to be a folder. Never the input itself. An existing
    output without ``--force`` is an error for one input; in a batch it is that file's own
    problem (``existing_outputs``), not the batch's.
    """
    if out is not None and len(inputs) > 1 and Path(out).suffix.lower() in MIDI_SUFFIXES and not Path(out).is_dir():
        raise GrooveError(f"-o {out} names one file but there are {len(inputs)} inputs; give -o a folder")
    if out is not None and (batch or len(inputs) > 1):
        if Path(out).exists() and not Path(out).is_dir():
            raise GrooveError(f"-o {out} must be a folder when there are several inputs")
        out = out if out.endswith(("/", "\\")) else out + "/"
    plans = []
    for src in inputs:
        paths = take_paths(src.with_name(f"{src.stem}.{name}.mid"), out, variations)
        for p in paths:
            if any(p.resolve() == i.resolve() for i in inputs):
                raise GrooveError(f"refusing to write over the input file {p}; choose another -o")
            if p.exists() and not force and not batch:
                raise GrooveError(f"{p} already exists; use --force to overwrite it")
        plans.append(paths)
    flat = [p.resolve() for paths in plans for p in paths]
    if len(set(flat)) != len(flat):
        raise GrooveError("two inputs would write the same output file; give -o a folder")
    check_writable([p for paths in plans for p in paths], out)
    return plans


def take_outputs(src: str, out: str | None, suffix: str, count: int = 1) -> list[Path]:
    """The files one input's takes go to, by the output-name rule (``outputs.py``): ``SRC.<suffix>.mid``
    beside the input unless ``-o`` says otherwise. Never the input itself; checked writable."""
    source = Path(src)
    paths = take_paths(source.with_name(f"{source.stem}.{suffix}.mid"), out, count)
    if any(p.resolve() == source.resolve() for p in paths):
        raise GrooveError(f"refusing to write over the input file {source}; choose another -o")
    check_writable(paths, out)
    return paths


def existing_outputs(paths: list[Path], force: bool) -> list[Path]:
    """The planned outputs that exist and may not be overwritten."""
    return [] if force else [p for p in paths if p.exists()]


def outputs_free(paths: list[Path], force: bool, skip_existing: bool, dry_run: bool, quiet: bool) -> bool:
    """For a command with one set of outputs: False (after saying so) when ``--skip-existing``
    skips it; an existing output without ``--force`` (or ``--dry-run``) is a one-line error."""
    existing = existing_outputs(paths, force)
    if existing and skip_existing:
        if not quiet:
            click.echo(f"skipped: {existing[0]} exists")
        return False
    if existing and not dry_run:
        raise GrooveError(f"{existing[0]} already exists; use --force to overwrite it")
    return True


def expand_inputs(paths: tuple[str, ...]) -> list[Path]:
    """Files as given, and the .mid/.midi files inside any folder given."""

    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            inside = sorted(q for q in p.iterdir()
                            if q.suffix.lower() in (*MIDI_SUFFIXES, ".rmi") and ".groove." not in q.name and q.is_file())
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


def take_options(seed_help: str = "Same input and seed give the same output, byte for byte.", *,
                 zero_temperature: bool = False, temperature_help: str | None = None):
    """The options every generating command shares: how adventurous a take is, its seed, and where
    it goes (``output_options``). ``zero_temperature``: 0 is allowed (the most likely take)."""
    def wrap(func):
        func = output_options(func)
        func = click.option("--seed", type=int, help=seed_help)(func)
        return click.option("--temperature", type=click.FloatRange(0, 3, min_open=not zero_temperature), default=1.0,
                            show_default=True, help=temperature_help)(func)
    return wrap


def output_options(func):
    for option in reversed([
        click.option("-o", "--output", "out", metavar="PATH", help="Output file, or folder for several inputs."),
        click.option("--force", is_flag=True, help="Overwrite existing output files."),
        click.option("--skip-existing", is_flag=True, help="In a batch, skip inputs whose output exists."),
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
    ]):
        func = option(func)
    return func


def humanize_options(kw: dict, seed: int | None):
    """The HumanizeOptions of a humanize or transfer command line."""
    from ..generate.humanize import HumanizeOptions

    return HumanizeOptions.from_params(kw, seed)


def load_model_for(weights: str | None, device: str):
    """The groove model a command's --weights and --device name, on the runtime ``GROOVE_RUNTIME``
    names (auto, onnxruntime or torch; unset: auto, ``runtime/load.py``)."""
    from ..runtime.load import load_networks

    return load_networks(weights, device, os.environ.get("GROOVE_RUNTIME", "auto"))


def load_cond_for(task: str, device: str = "cpu"):
    """The bundled ``task`` model (drumify, fills, decorate) on the runtime ``load_model_for`` uses."""
    from ..runtime.load import load_cond_networks

    return load_cond_networks(task, None, device, os.environ.get("GROOVE_RUNTIME", "auto"))


def preview_options(func):
    """``--preview``: an A/B audio file beside the output (the input's bars from where its drums
    start, then the result's same bars)."""
    for option in reversed([
        click.option("--preview", is_flag=True,
                     help="Also write OUT.preview.wav: the input's first bars with drums, a second of silence, "
                          "the same bars grooved."),
        click.option("--preview-bars", type=click.IntRange(1, 64), default=4, show_default=True, metavar="N",
                     help="Bars in the preview."),
        click.option("--preview-from", type=click.IntRange(1, None), metavar="BAR",
                     help="Start the preview at this bar (1-based) [default: the first bar with drums]."),
        soundfont_option,
    ]):
        func = option(func)
    return func


soundfont_option = click.option(
    "--soundfont", metavar="FILE", type=click.Path(dir_okay=False),
    help="A .sf2/.sf3 SoundFont to play the drums with [default: groove's bundled kit, from FluidR3_GM].")


def preview_path(output: Path) -> Path:
    return output.with_name(f"{output.stem}.preview.wav")


def with_previews(paths: list[Path], preview: bool) -> list[Path]:
    """The files a command will write: its outputs and, with ``--preview``, a WAV beside each."""
    return paths + ([preview_path(p) for p in paths] if preview else [])


def preview_request(preview: bool, bars: int, soundfont: str | None, start: int | None = None) -> dict | None:
    """What ``--preview`` asked for (None: no preview); ``from`` is a 0-based bar or None."""
    return {"bars": bars, "soundfont": soundfont, "from": None if start is None else start - 1} if preview else None


def preview_file(before, after, output: Path, listen: dict | None, force: bool, dry_run: bool, stage=None) -> dict:
    """Write the A/B preview beside ``output`` when ``listen`` (``preview_request``) asks for one;
    its path for the report."""
    if listen is None:
        return {}
    path = preview_path(output)
    if not dry_run:
        from ..audio.render import load_font, write_preview

        if stage is not None:
            stage("writing the preview")
        write_preview(before, after, path, bars=listen["bars"], font=load_font(listen["soundfont"]), force=force,
                      first_bar=listen["from"])
    return {"preview": str(path)}


def fill_options(func):
    """``--fills``, ``--fill-beats`` and ``--fill-over`` (``generate/fill.py``)."""
    func = fill_over_option(func)
    func = click.option("--fill-beats", type=click.IntRange(1, 4), default=4, show_default=True, metavar="N",
                        help="How many of the fill bar's last beats a fill takes.")(func)
    func = click.option("--fills", metavar="N|ends",
                        help="A fill in every Nth bar (4, 8...), or 'ends': before meter or tempo changes and at the end.")(func)
    return func


def fill_over_option(func):
    """``--fill-over``: the old fills, played on top of the time-keeping."""
    return click.option("--fill-over", is_flag=True,
                        help="Play fills on top of the hi-hats and ride instead of taking them over.")(func)


swing_option = click.option(
    "--swing", type=float, metavar="PCT",
    help="Off-beat 8ths at PCT of the beat (50 straight, 66 a triplet feel); default: the genre's drummers' swing.")


def knob_options(func):
    """``--density`` and ``--syncopation``: which of the model's notes are played (``knobs.py``)."""
    func = click.option("--syncopation", type=float, metavar="S",
                        help="Aim for this syncopation (0-2; `groove analyze` shows a file's; GMD beats: 0.2-1.2).")(func)
    func = click.option("--density", metavar="N|+P%",
                        help="Notes per bar (e.g. 24) or a change from the input's (+50%, -25%).")(func)
    return func

