"""Issue 2: time to generate and to load a 10^5-branch province (CSV and Parquet).

Run: .venv/bin/python benchmarks/bench_data.py [--branches 100000]
Writes the province once under benchmarks/output/ (git-ignored).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import OUTPUT, peak_rss_mb  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.data.synth import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--branches", type=int, default=100_000)
    args = parser.parse_args()
    n = args.branches
    print(f"== generate and load a province of {n:,} branches ==")

    start = time.perf_counter()
    data = generate(n, seed=1, validate=False)
    t_gen = time.perf_counter() - start
    start = time.perf_counter()
    wb.BranchData.from_frames(**data.tables())
    t_validate = time.perf_counter() - start
    rows = {name: len(frame) for name, frame in data.tables().items()}
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    print(f"generate (no validation) {t_gen:7.1f} s")
    print(f"validate in memory       {t_validate:7.1f} s")

    folder = OUTPUT / f"province_{n}"
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    data.to_csv(folder / "csv")
    t_write_csv = time.perf_counter() - start
    start = time.perf_counter()
    data.to_parquet(folder / "parquet")
    t_write_pq = time.perf_counter() - start
    size = lambda p: sum(f.stat().st_size for f in p.iterdir()) / 1e6  # noqa: E731
    print(f"write CSV                {t_write_csv:7.1f} s  ({size(folder / 'csv'):,.0f} MB)")
    print(f"write Parquet            {t_write_pq:7.1f} s  ({size(folder / 'parquet'):,.0f} MB)")
    del data

    for fmt in ("parquet", "csv"):
        start = time.perf_counter()
        loaded = wb.load(folder / fmt)
        elapsed = time.perf_counter() - start
        print(f"load + validate {fmt:8s} {elapsed:7.1f} s  ({len(loaded.members):,} members)")
        del loaded
    print(f"peak memory {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
