"""Issues 4 and 19: Monte Carlo robustness of rankings, 1,000 draws x 10,000 branches x 30 indicators.

For complete data and for data with 8 % of values missing (weights re-normalized
per branch), times a full run to rank P5 / median / P95 and grade probabilities,
every variant on the same draws, in interleaved rounds (each round runs every
variant once, in a rotating order, so that the load of a shared machine hits all
alike); the tables give the median over the rounds and the spread (min-max), and
the ratio to the reference is the median of the per-round ratios:

- (a) a hand-written numpy reference doing the same work on the same draws, in one
  go (all draws at once: effective weights, matrix products, argsort ranks with min
  ties, percentiles, grade bands, veto caps, the strict quota per draw, grade
  counts): the straightforward numpy calculation;
- ``evaluate`` with the workbench's defaults (blocks of draws on a pool of threads,
  one per core; ranks by one sort of packed integer keys), on one thread, in
  float32, and with the previous engine's method (``np.argsort`` ranks, a
  partition for the percentiles, one thread) patched in: what main did;
- ``monte_carlo`` (draw + evaluate);
- (b) a loop calling ``Scheme.score`` once per draw (the way tools without a
  vectorised engine do it), timed on the first draws and extrapolated linearly.

Every float64 variant is checked to give the percentiles and grade probabilities
of (a). Then the dashboards' case: the weight explorer's 300 draws on the sample
county (the default must not be slower than main's method), and on a province
of 10^4 branches.

Run: .venv/bin/python benchmarks/bench_robustness.py [--branches 10000] [--draws 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import time
import tracemalloc
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from threadpoolctl import threadpool_info, threadpool_limits

import workbench as wb
from workbench.assess import kernel
from workbench.assess.robustness import draw, evaluate, montecarlo
from workbench.assess.robustness.engine import default_threads

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import framework_30  # noqa: E402


def random_table(fw: wb.Framework, n: int, *, missing: float, seed: int = 0) -> pd.DataFrame:
    """Branch quality ~ Beta(6, 1.2) plus noise per indicator: about a third reach 90 points."""
    rng = np.random.default_rng(seed)
    quality = rng.beta(6, 1.2, size=(n, 1))
    values = np.clip(quality * 100 + rng.normal(0, 6, size=(n, len(fw.indicator_ids))), 0, 100)
    if missing:
        values[rng.random(values.shape) < missing] = np.nan
    frame = pd.DataFrame(values, columns=fw.indicator_ids,
                         index=pd.Index([f"B{i:06d}" for i in range(n)], name="branch_id"))
    frame["flag"] = (rng.random(n) < 0.02).astype(float)
    return frame


# ------------------------------------------------------------------ reference (a)

def reference(x: np.ndarray, flag: np.ndarray, dims_of: np.ndarray, samples) -> dict:
    """The same work written straight in numpy, all draws at once (no blocks, no generality)."""
    s, n = len(samples), x.shape[0]
    present = ~np.isnan(x)
    xf = np.where(present, x, 0.0)
    wd, wi = samples.dimension_weights, samples.indicator_weights
    if present.all():
        total = (wi * wd[:, dims_of]) @ xf.T                                  # draws x branches
    else:
        num = np.zeros((s, n))
        den = np.zeros((s, n))
        pf = present.astype(float)
        for j in range(wd.shape[1]):
            cols = dims_of == j
            d_num = wi[:, cols] @ xf[:, cols].T
            d_den = wi[:, cols] @ pf[:, cols].T
            has = d_den > 0
            num += wd[:, [j]] * np.where(has, d_num / np.where(has, d_den, 1), 0)
            den += wd[:, [j]] * has
        total = num / den
    order = np.argsort(-total, axis=1)
    sorted_total = np.take_along_axis(total, order, axis=1)
    start = np.where(np.diff(sorted_total, axis=1, prepend=np.inf) != 0, np.arange(1, n + 1), 0)
    np.maximum.accumulate(start, axis=1, out=start)
    ranks = np.empty_like(start)
    np.put_along_axis(ranks, order, start, axis=1)
    pct = np.percentile(ranks, [5, 50, 95], axis=0, method="inverted_cdf")
    # grades worst first: weak 0, basic 1, standardized 2, strong 3
    codes = np.searchsorted([0.0, 60.0, 75.0, 90.0], total, side="right") - 1
    codes = np.where(flag >= 1, 0, codes)
    holders = codes == 3
    limit = int(np.floor(0.3 * n + 1e-9))
    csum = np.cumsum(np.take_along_axis(holders, order, axis=1), axis=1)
    over = csum[:, -1] > limit
    first_out = np.argmax(csum > limit, axis=1)
    cut = np.where(over, sorted_total[np.arange(s), first_out], -np.inf)
    codes[holders & (total <= cut[:, None])] = 2
    probs = np.stack([(codes == g).mean(axis=0) for g in range(4)], axis=1)
    return {"p5": pct[0], "p50": pct[1], "p95": pct[2], "probs": probs}


# --------------------------------------------------------------------- loop (b)

def loop(table, result, m: int, *, regenerate: bool = False) -> tuple[float, float]:
    """(b): ``Scheme.score`` once per draw (wall and CPU seconds). ``regenerate``: a new Scheme per
    draw, so the table is normalized again every time (tools that rebuild the whole index per sample)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    ranks = np.empty((m, len(table)))
    for i in range(m):
        s = result.scheme_for(i)
        if regenerate:
            s = wb.Scheme(s.framework, weights=s.weights, normalization=s.normalizations,
                          aggregation=s.aggregation, missing=s.missing)
        a = s.score(table)
        ranks[i] = a.rank.to_numpy(dtype="float64")
        a.grade_counts()
    return time.perf_counter() - start, time.process_time() - start_cpu


# ------------------------------------------------------- main's method, patched in

def _argsort_packed(values, *, descending):
    """The previous rank kernel: ``np.argsort`` of -total, the sorted values by ``take_along_axis``."""
    neg = np.negative(values) if descending else values
    order = np.argsort(neg, axis=1)
    ordered = np.take_along_axis(neg, order, axis=1)
    return order, ordered, order + (np.arange(values.shape[0]) * values.shape[1])[:, None]


def _partition_quantiles(by_branch, qs, *, threads=1):
    """The previous percentiles: one partition along the draws axis."""
    values = by_branch.T
    s = values.shape[0]
    kth = [max(0, int(np.ceil(q * s - 1e-9)) - 1) for q in qs]
    part = np.partition(values, sorted(set(kth)), axis=0)
    return [part[k] for k in kth]


def _threadpool_limits(limit):
    """The previous BLAS cap: ``threadpool_limits`` looks the libraries up on every call."""
    return threadpool_limits(limits=limit, user_api="blas")


@contextmanager
def mains_method():
    """Argsort ranks, partition percentiles, a BLAS cap that looks libraries up per run (and one thread)."""
    saved = kernel._sort_packed, montecarlo.branch_quantiles, montecarlo.blas_limits
    kernel._sort_packed, montecarlo.branch_quantiles, montecarlo.blas_limits = (
        _argsort_packed, _partition_quantiles, _threadpool_limits)
    try:
        yield
    finally:
        kernel._sort_packed, montecarlo.branch_quantiles, montecarlo.blas_limits = saved


def run_main(scheme, table, samples, **kw):
    with mains_method():
        return evaluate(scheme, table, samples, threads=1, progress=False, **kw)


# ------------------------------------------------------------------ measuring

def rounds(variants: dict, n_rounds: int) -> dict:
    """Wall and CPU seconds of every variant, ``n_rounds`` interleaved rounds (rotating order)."""
    names = list(variants)
    out = {name: {"wall": [], "cpu": []} for name in names}
    for r in range(n_rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            gc.collect()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            variants[name]()
            out[name]["wall"].append(time.perf_counter() - wall0)
            out[name]["cpu"].append(time.process_time() - cpu0)
    return out


def spread(values: list[float], unit: str = "s") -> str:
    med = statistics.median(values)
    if unit == "ms":
        return f"{med * 1e3:.1f} ms [{min(values) * 1e3:.1f}-{max(values) * 1e3:.1f}]"
    return f"{med:.2f} s [{min(values):.2f}-{max(values):.2f}]"


def ratio(times: dict, name: str, ref: str, clock: str = "wall") -> str:
    per_round = [a / b for a, b in zip(times[name][clock], times[ref][clock])]
    return f"{statistics.median(per_round):.2f}x [{min(per_round):.2f}-{max(per_round):.2f}]"


def peak_mb(func) -> float:
    gc.collect()
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def print_table(rows: list[dict]) -> None:
    columns = list(dict.fromkeys(c for r in rows for c in r))
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    print("  ".join("-" * widths[c] for c in columns))
    for r in rows:
        print("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns))


def same_as_reference(result, ref, fw) -> bool:
    s = result.summary
    return bool(np.array_equal(s["rank_p5"].to_numpy(int), ref["p5"])
                and np.array_equal(s["rank_median"].to_numpy(int), ref["p50"])
                and np.array_equal(s["rank_p95"].to_numpy(int), ref["p95"])
                and np.allclose(s[[f"p_{g}" for g in reversed(fw.grade_ids)]].to_numpy(), ref["probs"]))


def machine(load_before) -> str:
    blas = ", ".join(f"{i['internal_api']} {i.get('version', '')} ({i['num_threads']} threads)"
                     for i in threadpool_info() if i["user_api"] == "blas")
    return (f"{len(os.sched_getaffinity(0))} CPU(s) visible, load average {load_before:.1f} before / "
            f"{os.getloadavg()[0]:.1f} after; numpy {np.__version__}, {blas}; process peak RSS "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def engine_runs(args, fw, scheme, dims_of) -> tuple[list[dict], list[dict]]:
    engine_rows, loop_rows = [], []
    threads = default_threads(float(args.draws) * args.branches, args.draws // 32)
    for missing in (0.0, 0.08):
        table = random_table(fw, args.branches, missing=missing)
        samples = draw(scheme, args.draws, seed=0, spread=0.25)
        x = table[fw.indicator_ids].to_numpy()
        flag = table["flag"].to_numpy()
        variants = {
            "(a) numpy reference": lambda: reference(x, flag, dims_of, samples),
            f"evaluate ({threads} threads, default)": lambda: evaluate(scheme, table, samples, progress=False),
            "evaluate, 1 thread": lambda: evaluate(scheme, table, samples, threads=1, progress=False),
            f"evaluate, float32 ({threads} threads)": lambda: evaluate(scheme, table, samples, dtype="float32",
                                                                       progress=False),
            "main's method (argsort, 1 thread)": lambda: run_main(scheme, table, samples),
            "monte_carlo (draw + evaluate)": lambda: wb.monte_carlo(scheme, table, args.draws, seed=0, spread=0.25,
                                                                   progress=False),
        }
        times = rounds(variants, args.rounds)
        ref = reference(x, flag, dims_of, samples)
        checks = {name: same_as_reference(run(), ref, fw) for name, run in (
            (f"evaluate ({threads} threads, default)", lambda: evaluate(scheme, table, samples, progress=False)),
            ("evaluate, 1 thread", lambda: evaluate(scheme, table, samples, threads=1, progress=False)),
            ("main's method (argsort, 1 thread)", lambda: run_main(scheme, table, samples)),
            ("monte_carlo (draw + evaluate)", lambda: wb.monte_carlo(scheme, table, args.draws, seed=0,
                                                                     spread=0.25, progress=False)))}
        f32 = evaluate(scheme, table, samples, dtype="float32", progress=False)
        exact = evaluate(scheme, table, samples, progress=False)
        checks[f"evaluate, float32 ({threads} threads)"] = (
            f"ranks differ in {np.count_nonzero(f32.ranks != exact.ranks) / exact.ranks.size:.2%} of cells")
        peaks = {"(a) numpy reference": peak_mb(lambda: reference(x, flag, dims_of, samples)),
                 f"evaluate ({threads} threads, default)": peak_mb(
                     lambda: evaluate(scheme, table, samples, progress=False))}
        ref_name = "(a) numpy reference"
        for name in variants:
            check = checks.get(name, "")
            engine_rows.append({
                "missing": f"{missing:.0%}", "variant": name, "wall: median [min-max]": spread(times[name]["wall"]),
                "ratio to (a)": "1" if name == ref_name else ratio(times, name, ref_name),
                "CPU: median": f"{statistics.median(times[name]['cpu']):.2f} s",
                "CPU ratio": "1" if name == ref_name else ratio(times, name, ref_name, "cpu"),
                "vs main's method": ratio(times, name, "main's method (argsort, 1 thread)"),
                "peak MB": f"{peaks[name]:.0f}" if name in peaks else "",
                "same as (a)": check if isinstance(check, str) else ("yes" if check else "NO")})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = exact
            loop(table, result, 2)                     # warm-up
            scale = args.draws / args.loop
            t_loop, c_loop = (v * scale for v in loop(table, result, args.loop))
        t_mc = statistics.median(times["monte_carlo (draw + evaluate)"]["wall"])
        c_mc = statistics.median(times["monte_carlo (draw + evaluate)"]["cpu"])
        loop_rows.append({"missing": f"{missing:.0%}", "monte_carlo (wall / CPU)": f"{t_mc:.2f} / {c_mc:.2f} s",
                          "score loop (b)* (wall / CPU)": f"{t_loop:.1f} / {c_loop:.1f} s",
                          "speed-up (wall)": f"{t_loop / t_mc:.0f}x", "speed-up (CPU)": f"{c_loop / c_mc:.0f}x"})
    return engine_rows, loop_rows


def dashboard_runs(args) -> list[dict]:
    """The weight explorer's 300 draws (sample county), and a province of 10^4 branches."""
    from workbench.data.synth import generate

    rows = []
    root = Path(__file__).resolve().parents[1]
    county = wb.load(root / "sample_data")
    province = generate(10_000, seed=1, years=(2024, 2025), validate=False)
    fw = wb.Framework.default()
    scheme = wb.Scheme(fw)
    for label, data in (("sample county (300)", county), ("province (10^4)", province)):
        table = wb.compute_indicators(data, fw)
        towns = data.branches.set_index("branch_id")["township"]
        auto = wb.monte_carlo(scheme, table, n=300, seed=0, groups=towns, progress=False)
        threads = auto.settings["threads"]
        variants = {
            f"monte_carlo n=300 (default: {threads} thread{'s' if threads > 1 else ''})":
                lambda: wb.monte_carlo(scheme, table, n=300, seed=0, groups=towns, progress=False),
            "main's method (argsort, 1 thread)": lambda: _main_mc(scheme, table, towns),
        }
        times = rounds(variants, 15 if len(table) < 1000 else args.rounds)
        first = next(iter(variants))
        unit = "ms" if statistics.median(times[first]["wall"]) < 1 else "s"
        for name in variants:
            rows.append({"data": label, "variant": name, "wall: median [min-max]": spread(times[name]["wall"], unit),
                         "ratio to main's method": ratio(times, name, "main's method (argsort, 1 thread)")})
    return rows


def _main_mc(scheme, table, towns):
    with mains_method():
        return wb.monte_carlo(scheme, table, n=300, seed=0, groups=towns, progress=False, threads=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=10_000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--loop", type=int, default=40, help="draws timed in the Scheme.score loop")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of every variant")
    parser.add_argument("--skip-dashboard", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    fw = framework_30()
    scheme = wb.Scheme(fw)
    dims_of = np.repeat(np.arange(6), 5)
    engine_rows, loop_rows = engine_runs(args, fw, scheme, dims_of)
    print(f"\nMonte Carlo robustness: {args.draws} draws x {args.branches} branches x 30 indicators "
          f"(6 dimensions, Dirichlet spread 0.25 on both levels; {args.rounds} interleaved rounds)\n")
    print_table(engine_rows)
    print()
    print_table(loop_rows)
    print(f"\n* (b) timed on {args.loop} draws and extrapolated linearly to {args.draws}; speed-up = loop / "
          "monte_carlo (drawing included).")
    print("  ratio = the median of the per-round ratios [their min-max]; CPU = process time of all threads "
          "(steadier than wall time on a shared machine, but a pool of threads does not lower it);")
    print("  peak MB = tracemalloc peak of one run; main's method = np.argsort ranks, partition percentiles and "
          "threadpool_limits per run, on one thread, patched into this engine.")
    if not args.skip_dashboard:
        rows = dashboard_runs(args)
        print("\nThe weight explorer's robustness panel (300 draws, default framework):\n")
        print_table(rows)
    print(f"\nmachine: {machine(load_before)}.")


if __name__ == "__main__":
    main()
