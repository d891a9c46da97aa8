"""Every mode's output on a bundled example with a fixed seed, as the bytes `groove` writes.

    python tests/golden_modes.py      # rewrite tests/golden/modes.json (after new weights or a
                                      # change of behaviour made on purpose)

tests/test_golden.py runs the same commands and compares the written files' sha256, so a
reorganisation of the package that changes any output byte fails there.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
EX = REPO / "examples"
GOLDEN = REPO / "tests" / "golden" / "modes.json"

# name -> (argv before "-o OUT", output file name)
CASES: dict[str, list[str]] = {
    "humanize-funk-add": ["humanize", str(EX / "funk.mid"), "--genre", "funk", "--seed", "1"],
    "humanize-jazz-swing": ["humanize", str(EX / "jazz.mid"), "--genre", "jazz", "--seed", "9"],
    "humanize-rock-fills": ["humanize", str(EX / "rock.mid"), "--genre", "rock", "--fills", "4", "--seed", "2"],
    "transfer": ["transfer", str(EX / "rock.mid"), str(EX / "funk.mid"), "--seed", "3"],
    "sample-jazz": ["sample", "--genre", "jazz", "--bars", "8", "--seed", "4"],
    "continue-funk": ["continue", str(EX / "funk.mid"), "--bars", "4", "--seed", "5"],
    "interpolate": ["interpolate", str(EX / "rock.mid"), str(EX / "funk.mid"), "--steps", "3", "--seed", "6"],
    "drumify": ["drumify", str(EX / "bassline.mid"), "--genre", "funk", "--seed", "7"],
    "fill": ["fill", str(EX / "rock.mid"), "--bars", "4:4", "--seed", "8"],
}


def run_case(name: str, folder: Path) -> str:
    """The sha256 of the file `groove` writes for ``name``."""
    from groovecli.cli import cli

    out = folder / f"{name}.mid"
    result = CliRunner().invoke(cli, [*CASES[name], "-o", str(out), "-q"], catch_exceptions=False)
    if result.exit_code != 0:
        raise AssertionError(f"{name}: exit {result.exit_code}: {result.output}")
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        digests = {name: run_case(name, Path(tmp)) for name in CASES}
    GOLDEN.write_text(json.dumps(digests, indent=2) + "\n")
    print(f"wrote {GOLDEN.relative_to(REPO)} ({len(digests)} modes)", file=sys.stderr)


if __name__ == "__main__":
    main()
