"""The house keeps its layout: the flow's layers are never climbed back up, the product never
imports the workshop, and modules and functions stay small (scripts/house.py measures them)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
from house import RANKS, survey  # noqa: E402


def test_no_import_runs_back_up_the_layers_and_the_product_never_imports_lab():
    house = survey()
    assert house.back_up == []
    assert house.product_imports_lab == []
    assert len(house.root_modules) <= 8, house.root_modules


def test_every_wing_has_a_rank():
    wings = {p.name for p in (REPO / "groovecli").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert wings <= set(RANKS), wings - set(RANKS)


def test_modules_and_functions_stay_small_and_no_private_name_crosses_a_module():
    house = survey()
    assert house.long_modules == []
    assert house.long_functions == []
    assert house.private_imports == []


def test_humanize_imports_nothing_from_the_workshop(tmp_path):
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "groovecli", "humanize",
                          str(REPO / "examples" / "funk.mid"), "-o", str(tmp_path / "o.mid"), "-q", "--seed", "1"],
                         capture_output=True, text=True, check=True)
    imported = [line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")]
    assert "groovecli.generate.humanize" in imported  # the measurement saw the product
    assert [m for m in imported if m.startswith("groovecli.lab")] == []
