"""Speed and scale benchmarks, each reported as a ratio to a baseline measured in the same run.

Run them all with ``python -m benchmarks`` (or ``make benchmark``); each ``bench_*.py`` module
has a ``main()`` and runs alone as ``python -m benchmarks.bench_<name>``.
"""
