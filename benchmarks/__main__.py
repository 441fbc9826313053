"""Run every benchmark: each ``benchmarks/bench_*.py`` module's ``main()``, in name order."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def main() -> int:
    """Run the benchmarks one after another; the exit code is the worst of theirs."""
    worst = 0
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )
    for name in names:
        print(f"== {name} ==", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        worst = max(worst, int(module.main() or 0))
        print(flush=True)
    return worst


if __name__ == "__main__":
    sys.exit(main())
