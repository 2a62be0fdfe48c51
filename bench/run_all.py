"""Run every benchmark in bench/ (``make bench``), one after another, each in its own process.

A benchmark is a ``bench_*.py`` file; helpers (``corpus.py``, ...) are not run.
Arguments after ``--`` go to every script (e.g. ``-- --quick``); ``--only NAME``
runs the scripts whose name contains NAME. Each script prints its own figures
and ratios; this runner adds a header per script and, at the end, which
scripts failed to run. Exit status 1 if any did (a missed target is a figure
to read, not a failure: benchmarks assert nothing).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] = []
    if "--" in args:
        cut = args.index("--")
        args, passthrough = args[:cut], args[cut + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="substring of a script name")
    options = parser.parse_args(args)

    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if options.only:
        scripts = [s for s in scripts if any(o in s.name for o in options.only)]
    failed: list[str] = []
    for script in scripts:
        print(f"=== {script.name} " + "=" * max(0, 70 - len(script.name)), flush=True)
        start = time.perf_counter()
        status = subprocess.run([sys.executable, str(script), *passthrough], check=False)
        took = time.perf_counter() - start
        print(f"--- {script.name}: exit {status.returncode} after {took:.1f} s\n", flush=True)
        if status.returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"benchmarks that failed to run: {', '.join(failed)}")
        return 1
    print(f"ran {len(scripts)} benchmark(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
