"""Issue 13: a county rule sheet, from the file to the grades, and what a slider or a Monte Carlo run costs.

On the sample county (300 branches) with the example sheet (21 items, 2 bonus
items, 2 assessor items): reading the sheet, computing the items, the first
score, a re-score after a weight change (what a slider triggers) and 1,000
Monte Carlo draws — each beside the same step of the default framework.

Run: .venv/bin/python benchmarks/bench_rulesheet.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import fmt, table, timeit  # noqa: E402

import workbench as wb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHEET = ROOT / "sample_data" / "评分细则.xlsx"


def main() -> None:
    data = wb.load(ROOT / "sample_data")
    rows = []
    for label, make in (("rule sheet", lambda: wb.Framework.from_rule_sheet(SHEET)),
                        ("default", wb.Framework.default)):
        fw = make()
        table_ = wb.compute_indicators(data, fw, period=2025)
        scheme = wb.Scheme(fw)
        scheme.score(table_)
        first_dim = fw.dimension_ids[0]
        weights = iter([0.1 + 0.01 * k for k in range(1000)])
        rows.append({"framework": label, "step": "read framework", "median": fmt(timeit(make)["median"])})
        rows.append({"framework": label, "step": "compute_indicators",
                     "median": fmt(timeit(lambda: wb.compute_indicators(data, fw, period=2025), repeat=3)["median"])})
        rows.append({"framework": label, "step": "first score (normalize + aggregate)",
                     "median": fmt(timeit(lambda: wb.Scheme(fw).score(table_))["median"])})
        rows.append({"framework": label, "step": "re-score after a weight change",
                     "median": fmt(timeit(lambda: scheme.with_weights({first_dim: next(weights)}).score(table_),
                                          repeat=20)["median"])})
        rows.append({"framework": label, "step": "monte_carlo n=1000",
                     "median": fmt(timeit(lambda: wb.monte_carlo(scheme, table_, n=1000, seed=0, progress=False),
                                          repeat=3)["median"])})
    print(table(rows, ["framework", "step", "median"]))


if __name__ == "__main__":
    main()
