"""The core (everything in iro_desk/ outside iro_desk/ui/) never imports Qt.

So the command line, scripts and tests run the same rules without a display, and the GUI stays
a thin face on the core. Checked two ways: the source never names PySide6, and importing every
core module leaves PySide6 unloaded.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import iro_desk

PACKAGE = Path(iro_desk.__file__).resolve().parent
QT_PACKAGES = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


def _core_files() -> list[Path]:
    return sorted(
        path for path in PACKAGE.rglob("*.py") if "ui" not in path.relative_to(PACKAGE).parts
    )


def _core_modules() -> list[str]:
    modules = []
    for path in _core_files():
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__main__":
            continue  # running it starts the app
        if parts[-1] == "__init__":
            parts.pop()
        modules.append(".".join(parts))
    return modules


def _qt_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        found += [f"{path.name}:{node.lineno} {name}" for name in names
                  if name.split(".")[0] in QT_PACKAGES]
    return found


def test_there_is_a_core_to_check() -> None:
    modules = _core_modules()
    assert "iro_desk.store" in modules
    assert "iro_desk.overview" in modules
    assert not any(module.startswith("iro_desk.ui") for module in modules)


def test_no_core_source_file_imports_qt() -> None:
    offenders = [hit for path in _core_files() for hit in _qt_imports(path)]
    assert offenders == [], "the core must not import Qt: " + ", ".join(offenders)


def test_importing_every_core_module_loads_no_qt() -> None:
    script = (
        "import importlib, json, sys\n"
        f"modules = {_core_modules()!r}\n"
        "for name in modules:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {QT_PACKAGES!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PACKAGE.parent,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], f"importing the core loaded Qt: {loaded}"
