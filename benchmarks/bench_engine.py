"""Issue 3: re-scoring after a weight change, and compute_indicators on a province.

Re-scoring is what a planner's slider triggers: ``scheme.with_weights({...}).score(table)``
re-uses the normalized matrix (normalization does not depend on weights), so the work is
the aggregation, ranking and grading. Two numpy references on the same normalized matrix:
(a) the bare matrix product (dimension scores and totals), (b) the same work as score()
(matrix products, min-rank, grade bands, veto caps, the quota) written by hand.

Run: .venv/bin/python benchmarks/bench_engine.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import fmt, framework_30, table, timeit  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.data.synth import generate  # noqa: E402


def random_table(fw: wb.Framework, n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    quality = rng.beta(5, 2, size=(n, 1))
    values = np.clip(quality * 100 + rng.normal(0, 12, size=(n, len(fw.indicator_ids))), 0, 100)
    frame = pd.DataFrame(values, columns=fw.indicator_ids,
                         index=pd.Index([f"B{i:07d}" for i in range(n)], name="branch_id"))
    frame["flag"] = (rng.random(n) < 0.02).astype(float)
    return frame


def numpy_same_work(normalized, block, wd, mins_asc, cap_code, top_code, max_share):
    dims = normalized @ block
    total = dims @ wd
    rank = rankdata(-total, method="min")
    codes = np.maximum(np.searchsorted(mins_asc, total, side="right") - 1, 0)
    codes = np.minimum(codes, cap_code)
    holders = np.flatnonzero(codes == top_code)
    limit = int(max_share * len(total))
    if len(holders) > limit:
        order = holders[np.argsort(-total[holders], kind="stable")]
        codes[order[limit:]] = top_code - 1
    return dims, total, rank, codes


def rescoring(n: int) -> list[dict]:
    fw = framework_30()
    tab = random_table(fw, n)
    scheme = wb.Scheme(fw)
    scheme.score(tab)  # normalize once, as the dashboard does on load
    prepared = scheme.prepare(tab)
    flip = [0]

    def score_after_weight_change():
        flip[0] ^= 1
        scheme.with_weights({"d0": 1 + flip[0], "i1_2": 2 + flip[0]}).score(tab)

    block, wd = scheme.matrices()
    normalized = prepared.normalized
    cap = np.where(tab["flag"].to_numpy() >= 1, 0, 3)
    mins_asc = np.array([0.0, 60.0, 75.0, 90.0])

    def bare_matmul():
        (normalized @ block) @ wd

    def same_work():
        numpy_same_work(normalized, block, wd, mins_asc, cap, 3, 0.3)

    def score_and_read():
        flip[0] ^= 1
        r = scheme.with_weights({"d0": 1 + flip[0], "i1_2": 2 + flip[0]}).score(tab)
        return r.total, r.rank, r.grade  # the pandas objects are built on first read

    t_score = timeit(score_after_weight_change, repeat=15)["median"]
    t_read = timeit(score_and_read, repeat=15)["median"]
    t_mat = timeit(bare_matmul, repeat=15)["median"]
    t_same = timeit(same_work, repeat=15)["median"]
    # the same results, so the comparison is fair
    r = scheme.score(tab)
    _, total, rank, _ = numpy_same_work(normalized, block, wd, mins_asc, cap, 3, 0.3)
    assert np.allclose(r.total.to_numpy(), total) and (r.rank.to_numpy() == rank).all()
    return [{"branches": f"{n:,}", "indicators": 30, "Scheme.score": fmt(t_score),
             "+ read Series": fmt(t_read),
             "numpy matmul (a)": fmt(t_mat), "numpy same work (b)": fmt(t_same),
             "ratio to (a)": f"{t_score / t_mat:6.1f}x", "ratio to (b)": f"{t_score / t_same:5.2f}x"}]


def indicators(n: int) -> dict:
    data = generate(n, seed=1, validate=False)
    fw = wb.Framework.default()
    start = time.perf_counter()
    wb.compute_indicators(data, fw, period=2025)
    first = time.perf_counter() - start
    start = time.perf_counter()
    wb.compute_indicators(data, fw, period=2024)
    second = time.perf_counter() - start
    members = len(data.members)
    return {"branches": f"{n:,}", "members": f"{members:,}", "trainings": f"{len(data.trainings):,}",
            "first period": fmt(first), "next period": fmt(second),
            "per 10^6 members": fmt(first / members * 1e6)}


def main() -> None:
    from threadpoolctl import threadpool_info

    blas = ", ".join(f"{i['internal_api']} {i['num_threads']} thread(s)" for i in threadpool_info()
                     if i["user_api"] == "blas")
    print(f"== re-scoring after a weight change (30 indicators, median of 15; BLAS: {blas}) ==")
    rows = rescoring(10_000) + rescoring(100_000)
    print(table(rows, list(rows[0])))
    print("\n(a) is only the two matrix products; (b) also ranks, grades, applies the veto and the quota.")
    print("Scheme.score does that work in numpy; '+ read Series' also builds the pandas total, rank, grade.")
    print("Small products are faster on one BLAS thread: compare with OPENBLAS_NUM_THREADS=1.")
    print("\n== compute_indicators on a generated province (default framework, 29 indicators) ==")
    rows = [indicators(10_000), indicators(100_000)]
    print(table(rows, list(rows[0])))


if __name__ == "__main__":
    main()
