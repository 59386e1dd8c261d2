"""Issue 16: what an expert panel and the researchers' diagnostics cost.

- reading a panel workbook (3 and 20 experts, every level of the default framework) and computing the
  group weights of every level (``Panel.scheme``: AIJ, each expert's CR, worst comparison, distance);
- ``ahp_group`` alone on 20 experts of 6 and of 10 criteria;
- the diagnostics on the sample county (300 branches) and a generated one (3 000): ``weight_importance``
  (both levels), ``factor_structure`` (with a 200-draw parallel analysis) and ``rank_reversal``
  (50 trials of each of remove, add and merge, on min-max normalization where reversals happen).

Medians and minima of repeated runs: on a shared machine the minimum is the best estimate of the cost
itself, the median of what a user sees.

Run: .venv/bin/python benchmarks/bench_panel.py [--skip-large]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import fmt, peak_rss_mb, table, timeit  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.assess.panel import read_panel, write_panel_template  # noqa: E402
from workbench.data.synth import generate  # noqa: E402
from workbench.studies.diagnostics import factor_structure, rank_reversal, weight_importance  # noqa: E402


def panel_rows(folder: Path) -> list[dict]:
    fw = wb.Framework.default()
    rows = []
    for experts in (3, 20):
        path = write_panel_template(folder / f"panel{experts}.xlsx", fw, experts=experts, example=True)
        t_read = timeit(lambda: read_panel(path, fw), repeat=5)
        t_all = timeit(lambda: read_panel(path, fw).scheme(), repeat=5)
        rows.append({"what": f"read_panel, {experts} experts x 7 levels", "median": fmt(t_read["median"]),
                     "min": fmt(t_read["min"])})
        rows.append({"what": f"read + group weights of every level ({experts} experts)",
                     "median": fmt(t_all["median"]), "min": fmt(t_all["min"])})
    rng = np.random.default_rng(0)
    for n in (6, 10):
        mats = []
        for _ in range(20):   # judgements near a random expert's weights, on the log scale
            w = rng.dirichlet(np.ones(n))
            noise = np.triu(rng.normal(0, 0.3, (n, n)), 1)
            log_a = np.log(w[:, None] / w[None, :]) + noise - noise.T
            mats.append(np.exp(log_a))
        t = timeit(lambda: wb.weights.ahp_group(mats, warn=False), repeat=5)
        rows.append({"what": f"ahp_group, 20 experts x {n} criteria", "median": fmt(t["median"]), "min": fmt(t["min"])})
    return rows


def diagnostics_rows(label: str, data: wb.BranchData, repeat: int) -> list[dict]:
    fw = wb.Framework.default()
    table_ = wb.compute_indicators(data, fw, period=2025)
    result = wb.Scheme(fw).score(table_, groups=data)
    minmax = wb.Scheme(fw, normalization={"*": "minmax"})
    rows = []
    for what, func, reps in (
        ("weight_importance (dimensions + indicators)",
         lambda: (weight_importance(result), weight_importance(result, level="indicators")), repeat),
        ("factor_structure (parallel analysis, 200 draws)", lambda: factor_structure(result), repeat),
        ("rank_reversal, min-max, 3 x 50 trials", lambda: rank_reversal(minmax, table_, trials=50, groups=data), 1),
    ):
        t = timeit(func, repeat=reps, warmup=0 if reps == 1 else 1)
        rows.append({"what": f"{label}: {what}", "median": fmt(t["median"]), "min": fmt(t["min"])})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = panel_rows(Path(folder))
    rows += diagnostics_rows("sample (300)", wb.load("sample_data"), repeat=3)
    if not args.skip_large:
        rows += diagnostics_rows("generated (3 000)", generate(3000, seed=3), repeat=1)
    print(table(rows, ["what", "median", "min"]))
    print(f"peak memory {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
