"""Issue 12 / 20: reading the sample county workbook, against the reader it replaced, in the same run.

Prints: wb.load of sample_data/county.xlsx (calamine after a streamed measure of
each sheet, then validation), the reference (pandas.read_excel with openpyxl of
every sheet, as the loader read before, reading only), `workbench check` end to
end (a fresh process: imports included), and the refusal of a 4.8 KB bomb.

Run: .venv/bin/python benchmarks/bench_intake.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import fmt, timeit  # noqa: E402

import pandas as pd  # noqa: E402

import workbench.data as wbdata  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "sample_data" / "county.xlsx"


def _cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def main() -> None:
    print(f"== reading {BOOK.relative_to(ROOT)} ({BOOK.stat().st_size / 2**20:.1f} MB) ==")
    cpu0 = _cpu()
    new = timeit(lambda: wbdata.load(BOOK), repeat=3, warmup=1)
    cpu_new = (_cpu() - cpu0) / 4
    start, cpu0 = time.perf_counter(), _cpu()
    pd.read_excel(BOOK, sheet_name=None, dtype=str, engine="openpyxl", na_filter=False)
    ref, cpu_ref = time.perf_counter() - start, _cpu() - cpu0
    print(f"wb.load (calamine, measured, validated)   median {fmt(new['median'])}  cpu {cpu_new:6.2f} s")
    print(f"reference: pandas + openpyxl, read only          {fmt(ref)}  cpu {cpu_ref:6.2f} s")
    print(f"ratio reference / new (wall)                      {ref / new['median']:8.1f} x")

    cmd = [sys.executable, "-m", "workbench.cli", "check", str(BOOK)]
    walls, cpus = [], []
    for _ in range(3):
        start = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(time.perf_counter() - start)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    print(f"workbench check county.xlsx (fresh process)  best {fmt(min(walls))}  cpu {min(cpus):6.2f} s")

    import openpyxl

    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / "bomb.xlsx"
        book = openpyxl.Workbook()
        book.active.title = "支部"
        book.active["A1"], book.active["XFD1048576"] = "x", "y"
        book.save(bomb)
        start = time.perf_counter()
        try:
            wbdata.load(bomb)
        except wbdata.DataError as err:
            refused = err.problems["key"].tolist()
        print(f"bomb ({bomb.stat().st_size:,} bytes, A1 + XFD1048576) refused in {fmt(time.perf_counter() - start)}"
              f" {refused}")
    print(f"peak memory of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
