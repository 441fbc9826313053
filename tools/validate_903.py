"""Check SSDA903 CSV files with the DfE's rules, using the open-source validator from PyPI.

    python tools/validate_903.py OUT_DIR --year 2026 [--json] [--tables Reviews]
    python tools/validate_903.py --ensure-venv

``csc-validator-be-903`` (module ``lac_validator``) pins pandas<2 and numpy<1.25, which cannot
share IRO Desk's environment, so it lives in its own virtual environment, ``.venv-903`` in the
repository (or the folder named by ``IRO_DESK_903_VENV``). Run with any Python 3.11, this script
creates that environment when it is missing (``python -m venv`` then ``pip install``), then runs
itself again inside it to do the check.

It reads the reviews, header and episodes CSV files in OUT_DIR (as written by
``iro-desk export-903``), runs every rule of the collection year's rule set (collection year
2026 is ``lac2025_26``: 1 April 2025 to 31 March 2026), and reports each error with its table,
row, child and rule. Exit status: 0 when the tables named by ``--tables`` (default: Reviews)
have no errors, 1 when they have some, 2 when the check could not be run.

This file is a tool for developers and CI, not part of the app: it imports nothing from
iro_desk.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VALIDATOR_PACKAGE = "csc-validator-be-903==0.1.17"
STAMP_NAME = ".iro-desk-installed"
CSV_FILES = ("reviews.csv", "header.csv", "episodes.csv")
DEFAULT_LOCAL_AUTHORITY = "E06000047"  # only used to place postcodes; none are exported


def venv_dir() -> Path:
    """Where the validator's virtual environment lives."""
    return Path(os.environ.get("IRO_DESK_903_VENV", REPO / ".venv-903"))


def venv_python(folder: Path) -> Path:
    """The Python of a virtual environment (Windows or POSIX layout)."""
    if os.name == "nt":
        return folder / "Scripts" / "python.exe"
    return folder / "bin" / "python"


@contextlib.contextmanager
def _locked(path: Path):  # type: ignore[no-untyped-def]
    """Hold an exclusive lock on ``path`` (POSIX), so two test runs do not build at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no lock; one build at a time is the user's job
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def ensure_venv(folder: Path | None = None) -> Path:
    """Create the validator's environment if it is missing or half-built; return its Python."""
    folder = folder or venv_dir()
    python = venv_python(folder)
    stamp = folder / STAMP_NAME
    # The lock lives in the temp folder, so the repository holds only the (ignored) venv.
    key = hashlib.sha256(str(folder.resolve()).encode("utf-8")).hexdigest()[:16]
    with _locked(Path(tempfile.gettempdir()) / f"iro-desk-venv-903-{key}.lock"):
        if stamp.exists() and python.exists():
            return python
        if folder.exists():
            shutil.rmtree(folder)  # a build that stopped half-way
        print(f"Creating {folder} with {VALIDATOR_PACKAGE} (once)...", file=sys.stderr)
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(folder)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             VALIDATOR_PACKAGE],
            check=True,
        )
        stamp.write_text(VALIDATOR_PACKAGE + "\n", encoding="utf-8")
    return python


def _validator_here() -> bool:
    return importlib.util.find_spec("lac_validator") is not None


def validate(folder: Path, year: str, local_authority: str) -> dict[str, Any]:
    """Run the collection year's rules on the CSV files in ``folder``; errors as plain data."""
    # The validator logs every rule at INFO, and a rule that cannot run with a traceback; the
    # result lists those rules (rules_failed_to_run), so its log is not needed.
    logging.disable(logging.ERROR)
    from lac_validator.lac_validator import LacValidator
    from lac_validator.rules.ruleset_utils import get_year_ruleset
    from lac_validator.utils import process_uploaded_files

    present = [str(folder / name) for name in CSV_FILES if (folder / name).exists()]
    if not present:
        raise SystemExit(f"validate_903: no {', '.join(CSV_FILES)} in {folder}")
    registry = get_year_ruleset(year)
    files = process_uploaded_files({"This year": present})
    with contextlib.redirect_stdout(sys.stderr):  # some rules print as they run
        checked = LacValidator(
            metadata={"collectionYear": year, "localAuthority": local_authority},
            files=files,
            registry=registry,
        )
    errors = []
    counts: dict[str, int] = {}
    for table, frame in checked.ds_results.items():
        if table == "metadata":
            continue
        counts[table] = 0
        for column in [name for name in frame.columns if str(name).startswith("ERR_")]:
            code = column[4:]
            for row in frame.index[frame[column] == True]:  # noqa: E712 (NaN where no error)
                record = frame.loc[row]
                errors.append(
                    {
                        "table": table,
                        "row": int(row),
                        "child": str(record.get("CHILD", "")),
                        "rule": code,
                        "message": registry[code].message if code in registry else "",
                    }
                )
                counts[table] += 1
    return {
        "collection_year": year,
        "ruleset": f"lac{int(year) - 1}_{year[2:4]}",
        "files": [Path(name).name for name in present],
        "tables": sorted(counts),
        "error_counts": counts,
        "errors": errors,
        "rules_run": len(checked.dones),
        "rules_done": sorted(checked.dones),
        "rules_skipped": len(checked.skips),
        "rules_failed_to_run": sorted(checked.fails),
    }


def _print_human(result: dict[str, Any], strict: list[str]) -> None:
    print(
        f"DfE SSDA903 rules {result['ruleset']} (collection year {result['collection_year']}) "
        f"on {', '.join(result['files'])}: {result['rules_run']} rules run"
    )
    for table in result["tables"]:
        marker = " (checked strictly)" if table in strict else ""
        print(f"  {table}: {result['error_counts'][table]} errors{marker}")
    for error in result["errors"]:
        print(
            f"  {error['table']} row {error['row']} child {error['child']}: rule "
            f"{error['rule']} {error['message']}"
        )
    if result["rules_failed_to_run"]:
        print(f"  rules that could not run: {', '.join(result['rules_failed_to_run'])}")


def main(argv: list[str] | None = None) -> int:
    """Parse the command line; run the check here or inside the validator's environment."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="folder holding the CSV files")
    parser.add_argument("--year", default="2026", help="collection year (2026: Apr 2025-Mar 2026)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--tables", default="Reviews", help="comma-separated tables that must have no errors"
    )
    parser.add_argument("--local-authority", default=DEFAULT_LOCAL_AUTHORITY)
    parser.add_argument(
        "--ensure-venv", action="store_true", help="only create the validator environment"
    )
    args = parser.parse_args(argv)
    if args.ensure_venv:
        print(ensure_venv())
        return 0
    if args.folder is None:
        parser.error("give the folder holding the CSV files")
    if not _validator_here():
        python = ensure_venv()
        command = [str(python), str(Path(__file__).resolve()), *sys.argv[1:]]
        return subprocess.run(command, check=False).returncode
    result = validate(args.folder.resolve(), str(args.year), args.local_authority)
    strict = [name.strip() for name in args.tables.split(",") if name.strip()]
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_human(result, strict)
    return 1 if any(result["error_counts"].get(table, 0) for table in strict) else 0


if __name__ == "__main__":
    sys.exit(main())
