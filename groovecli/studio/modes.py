"""The studio's modes: their controls read off the CLI's own click options (same names, same
defaults, same help), a page's settings turned into the CLI's arguments and parsed by click,
and each mode run through the same API calls the CLI command makes.

The page sends values by option name; ``command_args`` writes them as the command line the page
shows, and ``parse`` hands that line to click, so a value the CLI would refuse is refused here
with click's own words, and what runs is exactly what that line would run.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from ..errors import GrooveError

MODES = ("humanize", "transfer", "sample", "continue", "drumify", "fill", "interpolate")
# Options that only make sense in a terminal: where files go, batch runs, printing, the device.
HIDDEN = {"out", "force", "skip_existing", "dry_run", "as_json", "quiet", "preview", "preview_bars", "preview_from",
          "soundfont", "show_grids", "variations", "count", "weights", "device", "seed", "n_jobs", "ray"}
GROUPS = {"density": "knobs", "syncopation": "knobs", "fills": "fills", "fill_beats": "fills", "fill_over": "fills",
          "drum_map": "drum part", "drum_channel": "drum part", "drum_track": "drum part", "pitch": "rhythm",
          "track": "rhythm", "channel": "rhythm"}
INPUT_LABELS = {"inputs": "song", "template": "template (its notes)", "reference": "reference (its groove)",
                "primer": "primer", "rhythm": "rhythm", "song": "song", "a": "A (from)", "b": "B (to)"}
# The file name each mode's CLI writes by default, from the first input's stem (or the genre).
OUTPUT_NAMES = {"humanize": "{stem}.groove.mid", "transfer": "{stem}.transfer.mid", "sample": "{genre}-groove.mid",
                "continue": "{stem}.continued.mid", "drumify": "{stem}.drums.mid", "fill": "{stem}.fill.mid",
                "interpolate": "{stem}.to.{stem_b}.mid"}


def command(mode: str) -> click.Command:
    """The click command behind a mode."""
    from ..cli import cli

    if mode not in MODES:
        raise GrooveError(f"unknown mode {mode!r}; the studio has {', '.join(MODES)}")
    return cli.commands[mode]


_UNSET = getattr(click.core, "UNSET", None)  # click 8.2+: the default of an option that has none


def _flag(param: click.Parameter) -> str:
    return max(param.opts, key=len)


def default(param: click.Option) -> Any:
    """The option's default as the command sees it (None when it has none; False for a flag)."""
    value = None if param.default is _UNSET else param.default
    return bool(value) if param.is_flag else value


def control(param: click.Option, choices: dict[str, list[str]]) -> dict[str, Any]:
    """One option as the page draws it: a select, a slider, a number, a text box or a checkbox."""
    spec: dict[str, Any] = {"name": param.name, "flag": _flag(param), "default": default(param),
                            "help": param.help or "", "group": GROUPS.get(param.name, "")}
    kind = param.type
    if param.is_flag:
        return spec | {"kind": "flag"}
    if param.name in choices and spec["default"] is not None:
        listed = [c for c in choices[param.name] if c != "auto" or spec["default"] == "auto"]
        return spec | {"kind": "choice", "choices": listed}
    if isinstance(kind, click.Choice):
        return spec | {"kind": "choice", "choices": list(kind.choices)}
    if isinstance(kind, (click.FloatRange, click.IntRange)) and None not in (kind.min, kind.max, spec["default"]):
        integer = isinstance(kind, click.IntRange)
        if not integer or kind.max - kind.min <= 16:
            step = 1 if integer else 0.05
            low = kind.min + step if getattr(kind, "min_open", False) else kind.min
            return spec | {"kind": "range", "min": low, "max": kind.max, "step": step}
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        return spec | {"kind": "number", "step": 1 if isinstance(kind, click.types.IntParamType) else "any"}
    return spec | {"kind": "text", "placeholder": param.metavar or "", "suggestions": choices.get(param.name)}


def mode_spec(mode: str, choices: dict[str, list[str]]) -> dict[str, Any]:
    """A mode for the page: its inputs (the command's file arguments) and its controls."""
    cmd = command(mode)
    inputs = [{"name": p.name, "label": INPUT_LABELS.get(p.name, p.name)}
              for p in cmd.params if isinstance(p, click.Argument)]
    controls = [control(p, choices) for p in cmd.params
                if isinstance(p, click.Option) and p.name not in HIDDEN and p.name != "help"]
    controls.sort(key=lambda c: bool(c["group"]))  # the feel first, then knobs, fills, the drum part
    summary = (cmd.help or "").split("\n\n")[0].replace("\n", " ")
    return {"name": mode, "help": summary, "inputs": inputs, "controls": controls}


def command_args(mode: str, names: dict[str, str], options: dict[str, Any], seed: int, *,
                 placeholders: bool = False) -> list[str]:
    """The command line (after ``groove``) for these settings: every input by its file name, the
    options that differ from the CLI's defaults, and the seed. With ``placeholders``, an input not
    loaded yet is written as its role (``SONG.mid``) instead of refused."""
    cmd = command(mode)
    args = [mode]
    for p in cmd.params:
        if isinstance(p, click.Argument):
            if p.name not in names and placeholders:
                args.append(f"{INPUT_LABELS.get(p.name, p.name).split()[0].upper()}.mid")
            elif p.name not in names:
                raise GrooveError(f"{mode} needs a file for {INPUT_LABELS.get(p.name, p.name)}")
            else:
                args.append(names[p.name])
    for p in cmd.params:
        if not isinstance(p, click.Option) or p.name in HIDDEN or p.name not in options:
            continue
        value = options[p.name]
        if p.is_flag:
            if value in (True, "true", "on", "1") and not default(p):
                args.append(_flag(p))
            continue
        text = str(value).strip()
        if text == "" or _same(p, text):
            continue
        args += [_flag(p), text]
    return [*args, "--seed", str(int(seed))]


def _same(param: click.Option, text: str) -> bool:
    """Whether ``text`` is the option's default (then the command line leaves it out)."""
    if default(param) is None:
        return False
    try:
        return param.type.convert(text, param, None) == default(param)
    except click.BadParameter:
        return False  # left in, so click names the bad value


def shell_line(args: list[str]) -> str:
    return "groove " + " ".join(shlex.quote(a) for a in args)


def parse(args: list[str]) -> dict[str, Any]:
    """click's own reading of the command line: its defaults, conversions and one-line refusals."""
    cmd = command(args[0])
    try:
        with cmd.make_context(args[0], list(args[1:])) as ctx:
            return dict(ctx.params)
    except click.ClickException as exc:
        raise GrooveError(exc.format_message()) from None


@dataclass(frozen=True)
class Outcome:
    """What one run made: the input as read (None for sample), the result, and the CLI's report."""

    before: Any
    after: Any
    seed: int
    report: dict[str, Any]
    notices: list[str] = field(default_factory=list)


def read_with_notices(path: Path, p: dict[str, Any], notices: list[str], meters: bool = False):
    """The file read as the CLI reads it (``read_song``; ``meters`` for humanize, which grooves
    every meter it can frame), its warnings kept for the page."""
    from ..cli.notices import skipped_bars_warning
    from ..cli.options import open_song

    perf = open_song(str(path), p["drum_map"], p["drum_channel"], p["drum_track"])
    notices.extend([*perf.notices, skipped_bars_warning(perf, meters=meters) or ""])
    return perf


def _humanize(p, files, models, notices) -> Outcome:
    from ..cli.preflight import preflight
    from ..generate.humanize import HumanizeOptions, humanize

    preflight(patterns=p, density=p["density"], syncopation=p["syncopation"], notes=p["notes"], swing=p.get("swing"),
              fills=p["fills"], genre=p["genre"], weights=p["weights"], drum_map=p["drum_map"])
    perf = read_with_notices(files["inputs"], p, notices, meters=True)
    fill_model = models.cond("fills") if p["fills"] is not None else None
    result = humanize(perf, models.model(p), HumanizeOptions.from_params(p, p["seed"]), fill_model=fill_model)
    return Outcome(perf, result.performance, result.seed, result.report)


def _transfer(p, files, models, notices) -> Outcome:
    from ..cli.preflight import preflight
    from ..generate.humanize import HumanizeOptions
    from ..generate.transfer import transfer

    preflight(patterns=p, genre=p["genre"], weights=p["weights"], drum_map=p["drum_map"])
    perf = read_with_notices(files["template"], p, notices)
    try:
        ref = read_with_notices(files["reference"], p, notices)
    except GrooveError as exc:
        raise GrooveError(f"reference: {exc}") from None
    result = transfer(perf, ref, models.model(p), HumanizeOptions.from_params(p, p["seed"]),
                      velocity=not p["timing_only"], timing=not p["velocity_only"])
    return Outcome(perf, result.performance, result.seed, result.report)


def _sample(p, files, models, notices) -> Outcome:
    from ..cli.preflight import preflight
    from ..generate.sample import sample

    preflight(density=p["density"], syncopation=p["syncopation"], genre=p["genre"], weights=p["weights"])
    result = sample(models.model(p), genre=p["genre"], bars=p["bars"], bpm=p["tempo"], temperature=p["temperature"],
                    seed=p["seed"], density=p["density"], syncopation=p["syncopation"])
    return Outcome(None, result.performance, result.seed, result.report)


def _continue(p, files, models, notices) -> Outcome:
    from ..cli.options import drum_map_of
    from ..cli.preflight import preflight
    from ..generate.continue_ import continue_song

    preflight(density=p["density"], syncopation=p["syncopation"], genre=p["genre"], weights=p["weights"],
              drum_map=p["drum_map"])
    perf = read_with_notices(files["primer"], p, notices)
    result = continue_song(perf, models.model(p), bars=p["bars"], genre=p["genre"], temperature=p["temperature"],
                           seed=p["seed"], drum_map=drum_map_of(p["drum_map"]), density=p["density"],
                           syncopation=p["syncopation"])
    return Outcome(perf, result.performance, result.seed, result.report)


def _drumify(p, files, models, notices) -> Outcome:
    from ..cli.notices import skipped_bars_warning
    from ..cli.options import drum_map_of
    from ..cli.preflight import preflight
    from ..generate.drumify import drumify, read_rhythm

    preflight(genre=p["genre"], drum_map=p["drum_map"])
    drum_map = drum_map_of(p["drum_map"])
    perf = read_rhythm(files["rhythm"], channel=None if p["channel"] is None else p["channel"] - 1, track=p["track"],
                       pitch=p["pitch"])
    notices.extend([*perf.notices, skipped_bars_warning(perf, "no drums there") or ""])
    result = drumify(perf, models.cond("drumify"), genre=p["genre"], temperature=p["temperature"], seed=p["seed"],
                     drum_map=drum_map)
    return Outcome(perf, result.performance, result.seed, result.report)


def _fill(p, files, models, notices) -> Outcome:
    from ..cli.options import drum_map_of
    from ..cli.preflight import preflight
    from ..generate.fill import fill
    from ..grid.drawn import parse_bar_range

    span = parse_bar_range(p["bars"])
    preflight(genre=p["genre"], drum_map=p["drum_map"])
    perf = read_with_notices(files["song"], p, notices)
    result = fill(perf, span, models.cond("fills"), genre=p["genre"], seed=p["seed"], beats=p["fill_beats"],
                  temperature=p["temperature"], drum_map=drum_map_of(p["drum_map"]), over=p.get("fill_over", False))
    return Outcome(perf, result.performance, result.seed, result.report)


def _interpolate(p, files, models, notices) -> Outcome:
    from ..cli.options import drum_map_of
    from ..cli.preflight import preflight
    from ..generate.interpolate import interpolate

    preflight(density=p["density"], syncopation=p["syncopation"], genre=p["genre"], weights=p["weights"],
              drum_map=p["drum_map"])
    perf_a = read_with_notices(files["a"], p, notices)
    try:
        perf_b = read_with_notices(files["b"], p, notices)
    except GrooveError as exc:
        raise GrooveError(f"B: {exc}") from None
    result = interpolate(perf_a, perf_b, models.model(p), steps=p["steps"], bars=p["bars"], genre=p["genre"],
                         temperature=p["temperature"], seed=p["seed"], drum_map=drum_map_of(p["drum_map"]),
                         density=p["density"], syncopation=p["syncopation"])
    return Outcome(perf_a, result.performance, result.seed, result.report)


RUNNERS: dict[str, Callable[..., Outcome]] = {
    "humanize": _humanize, "transfer": _transfer, "sample": _sample, "continue": _continue, "drumify": _drumify,
    "fill": _fill, "interpolate": _interpolate}


def run_mode(mode: str, params: dict[str, Any], files: dict[str, Path], models) -> Outcome:
    """Run a mode as its CLI command would (without writing): ``files`` maps the command's file
    arguments to where the uploads lie; ``models`` holds the networks loaded once."""
    notices: list[str] = []
    outcome = RUNNERS[mode](params, files, models, notices)
    return Outcome(outcome.before, outcome.after, outcome.seed, outcome.report, [n for n in notices if n])


def output_name(mode: str, names: list[str], params: dict[str, Any]) -> str:
    """The file the CLI would write for this run, by default."""
    stems = [Path(n).stem for n in names] + ["", ""]
    return OUTPUT_NAMES[mode].format(stem=stems[0], stem_b=stems[1], genre=params.get("genre", ""))
