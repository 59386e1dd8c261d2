"""Issue 14: what screening, the year-over-year view and the period's rule check cost.

A planner's page calls ``screen`` (every criterion, with the year's scoring
for "last places"), ``year_over_year`` (two years scored and compared, the
reasons of ten movers) and ``check_rules`` on the year's roster. Measured on
the sample county (300 branches) and a generated county of 3 000 branches.

Medians and minima of repeated runs: on a shared machine the minimum is the
best estimate of the cost itself, the median of what a user sees.

Run: .venv/bin/python benchmarks/bench_screening.py [--skip-large]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import fmt, peak_rss_mb, table, timeit  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.data.synth import generate  # noqa: E402
from workbench.settings.rules import check_rules  # noqa: E402
from workbench.settings.screening import screen  # noqa: E402
from workbench.studies.trends import year_over_year  # noqa: E402


def measure(label: str, data: wb.BranchData, repeat: int) -> list[dict]:
    fw = wb.Framework.default()
    result = wb.Scheme(fw).score(wb.compute_indicators(data, fw, period=2025), groups=data)
    rows = []
    for what, func in (
        ("check_rules(period=2025)", lambda: check_rules(data.replace(), fw.rules, period=2025)),
        ("screen (scoring given)", lambda: screen(data, fw, 2025, result=result)),
        ("screen (scores itself)", lambda: screen(data, fw, 2025)),
        ("year_over_year (10 movers)", lambda: year_over_year(data, fw)),
    ):
        t = timeit(func, repeat=repeat)
        rows.append({"data": label, "call": what, "median": fmt(t["median"]), "min": fmt(t["min"])})
    n = len(screen(data, fw, 2025, result=result).candidates)
    rows.append({"data": label, "call": f"candidates: {n} of {len(data.branches)}", "median": "", "min": ""})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    rows = measure("sample (300)", wb.load("sample_data"), repeat=5)
    if not args.skip_large:
        rows += measure("generated (3 000)", generate(3000, seed=3), repeat=3)
    print(table(rows, ["data", "call", "median", "min"]))
    print(f"peak memory {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
