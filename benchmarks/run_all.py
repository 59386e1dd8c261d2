"""Run every benchmark script in this folder, one after another (``make bench``).

Each script prints its own figures; this runner prints a heading per script and the time it took.
Pass script names to run only some: ``python benchmarks/run_all.py bench_engine bench_scenario``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if s.stem in argv]
    failed = []
    for script in scripts:
        print(f"\n######## {script.stem} ########", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"({script.stem}: {time.perf_counter() - start:.0f} s, exit {code})", flush=True)
        if code:
            failed.append(script.stem)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
