"""The package's layout figures (issue #25): modules at the root, imports that run back up the
layers, modules over 400 lines, functions over 60 lines, private names imported across modules.

    python scripts/house.py          # prints them; tests/test_layers.py asserts them
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "groovecli"
# The flow, bottom to top: a module may import its own rank or below, never above.
RANKS = {"version": 0, "constants": 0, "errors": 0, "bundled": 1, "midi": 2, "grid": 3, "nn": 4,
         "on_device": 5, "weights": 5, "runtime": 5, "runtime": 5, "generate": 6, "audio": 6, "lab": 7, "cli": 8, "studio": 8}
FACE = {"__init__", "__main__"}  # the package face re-exports from above: it sits on top
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 60


@dataclass
class House:
    root_modules: list[str] = field(default_factory=list)
    back_up: list[str] = field(default_factory=list)  # "importer -> imported"
    long_modules: list[str] = field(default_factory=list)
    long_functions: list[str] = field(default_factory=list)
    private_imports: list[str] = field(default_factory=list)
    product_imports_lab: list[str] = field(default_factory=list)


def wing(module: str) -> str:
    """'groovecli.grid.drumgrid' -> 'grid'; 'groovecli.weights' -> 'weights'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imported(node: ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """Absolute groovecli modules (or modules' names) an import statement reaches."""
    if node.level == 0:
        return [node.module] if node.module and node.module.startswith("groovecli") else []
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    target = ".".join(base + ([node.module] if node.module else []))
    return [target] if node.module else [f"{target}.{a.name}" for a in node.names]


def survey() -> House:
    house = House()
    for path in sorted(PKG.rglob("*.py")):
        module, src = module_name(path), path.read_text()
        if path.parent == PKG and path.stem not in FACE:
            house.root_modules.append(path.stem)
        if len(src.splitlines()) > MAX_MODULE_LINES:
            house.long_modules.append(f"{module} ({len(src.splitlines())})")
        tree = ast.parse(src)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    house.long_functions.append(f"{module}.{node.name} ({lines})")
            if not isinstance(node, ast.ImportFrom):
                continue
            for target in imported(node, module, path.name == "__init__.py"):
                src_wing, dst_wing = wing(module), wing(target)
                if src_wing not in FACE and dst_wing in RANKS and RANKS[dst_wing] > RANKS.get(src_wing, 99):
                    house.back_up.append(f"{module} -> {target}")
                if dst_wing == "lab" and src_wing not in ("lab", "cli"):
                    house.product_imports_lab.append(f"{module} -> {target}")
                if target.startswith("groovecli") and target != module:
                    house.private_imports += [f"{module} <- {target}.{a.name}" for a in node.names
                                              if a.name.startswith("_") and not a.name.startswith("__")]
    return house


if __name__ == "__main__":
    h = survey()
    print(json.dumps({"root_modules": len(h.root_modules), "back_up_imports": len(h.back_up),
                      "modules_over_400_lines": h.long_modules, "functions_over_60_lines": h.long_functions,
                      "private_names_imported": h.private_imports, "product_imports_lab": h.product_imports_lab,
                      "back_up": h.back_up}, indent=2))
