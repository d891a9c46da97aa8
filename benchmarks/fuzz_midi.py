"""Fuzz the reader, humanize, show and render with byte-mutated MIDI files (issue #24; not in CI).

    python benchmarks/fuzz_midi.py [--runs 2000] [--seed 0] [--weights W] [--keep DIR]

Every fixture the tests have (``tests/data/corpus``, ``tests/data/gmd``, ``examples/``) is a seed;
each run takes one, mutates its bytes (flipped bits, random bytes, bytes inserted, deleted or
duplicated, a chunk length or header field changed, the file cut short: one to four of these)
and runs one command on it through the CLI's in-process runner, in turn ``humanize`` (the model
loaded once), ``show``, ``analyze --json`` and, every fourth run, ``render``. Counted: runs,
exit 0, one-line errors, **unexpected errors** (a bug: not a GrooveError), slow runs (over 20 s:
a mutated delta time can make a legitimate hour-long song),
and over the MIDI files written: zero-length notes the input did not have, events lost, and
times in seconds that differ from mido's (``tests/midi_invariants.py``). With ``--keep DIR``
the inputs of unexpected errors are saved there. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # midi_invariants: the checks the tests use

HANG_S = 20


def seeds() -> list[Path]:
    return sorted([*(REPO / "tests" / "data").rglob("*.mid"), *(REPO / "examples").glob("*.mid")])


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four random edits of ``data`` (one, half the time)."""
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3, 4))):
        kind, at = rng.randrange(8), rng.randrange(max(len(b), 1))
        if kind == 0:
            b[at] ^= 1 << rng.randrange(8)
        elif kind == 1:
            b[at] = rng.randrange(256)
        elif kind == 2:
            b[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == 3:
            del b[at : at + rng.randint(1, 8)]
        elif kind == 4:
            b[at:at] = b[at : at + rng.randint(1, 32)]
        elif kind == 5:  # a chunk's length field
            chunks = [i for i in range(len(b) - 8) if b[i : i + 4] in (b"MThd", b"MTrk")]
            if chunks:
                i = rng.choice(chunks) + 4
                b[i : i + 4] = rng.randrange(1 << 32).to_bytes(4, "big")
        elif kind == 6:  # a header field: format, track count or division
            i = rng.choice((8, 10, 12))
            b[i : i + 2] = rng.randrange(1 << 16).to_bytes(2, "big")
        else:
            del b[rng.randint(14, max(len(b), 14)) :]
    return bytes(b)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--weights", help="Weights for humanize [default: the bundled ones].")
    ap.add_argument("--keep", type=Path, help="Save the inputs of unexpected errors here.")
    args = ap.parse_args()
    from click.testing import CliRunner
    from midi_invariants import check_output

    import groovecli.cli.generate as generate
    from groovecli.cli import cli
    from groovecli.runtime.load import load_networks

    loaded = load_networks(args.weights)
    generate._load = lambda weights, device: loaded  # one model for every run, as the tests do
    rng, sources = random.Random(args.seed), seeds()
    counts: Counter = Counter()
    examples: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            src = rng.choice(sources)
            path, out = Path(tmp) / f"m{run}.mid", Path(tmp) / f"m{run}.out.mid"
            path.write_bytes(mutate(src.read_bytes(), rng))
            command = [["humanize", str(path), "-o", str(out), "--seed", "1", "-q"], ["show", str(path)],
                       ["analyze", str(path), "--json"],
                       ["render", str(path), "-o", str(Path(tmp) / f"m{run}.wav"), "-q"]][run % 4]
            counts["runs"] += 1
            signal.signal(signal.SIGALRM, _hang)
            signal.alarm(HANG_S)
            try:
                result = CliRunner().invoke(cli, command)
            except Slow:
                counts["slow"] += 1
                examples.append(f"{src.name} {command[0]}: over {HANG_S} s")
                continue
            finally:
                signal.alarm(0)
            text = result.output
            if result.exit_code == 0:
                counts["exit_0"] += 1
            elif "unexpected" in text or "Traceback" in text or result.exception and not isinstance(
                    result.exception, SystemExit):
                counts["unexpected"] += 1
                examples.append(f"{src.name} {command[0]}: {text.strip()[:200]}")
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    (args.keep / path.name).write_bytes(path.read_bytes())
            else:
                errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
                counts["one_line_errors" if len(errors) == 1 else "other_errors"] += 1
            if out.exists():
                counts["midi_written"] += 1
                try:
                    check_output(path, out)
                except AssertionError as exc:
                    counts["zero_length_created" if "zero-length" in str(exc) else
                           "timing_mismatch" if "seconds" in str(exc) else "events_lost"] += 1
                    examples.append(f"{src.name}: {exc}")
                out.unlink()
            path.unlink()
    report = {"runs": counts["runs"], "seeds": len(sources), "exit_0": counts["exit_0"],
              "one_line_errors": counts["one_line_errors"], "other_errors": counts["other_errors"], "unexpected": counts["unexpected"],
              "slow": counts["slow"], "midi_written": counts["midi_written"],
              "zero_length_created": counts["zero_length_created"], "events_lost": counts["events_lost"],
              "timing_mismatch": counts["timing_mismatch"], "seconds": round(time.perf_counter() - started, 1),
              "examples": examples[:10]}
    print(json.dumps(report, indent=2))


class Slow(BaseException):
    """A run past HANG_S (a BaseException, so the CLI's catch-all does not take it for a bug)."""


def _hang(signum, frame):
    raise Slow


if __name__ == "__main__":
    main()
