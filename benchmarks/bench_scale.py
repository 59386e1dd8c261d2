"""National scale on this machine: score 10^6 branches from partitioned Parquet on a local Dask cluster.

Prints throughput (branches per second), the peak memory of every Dask worker
process, the same for the pandas engine where it fits, and the projection to
the whole country (4.5 million branches).

Then the national Monte Carlo (``robustness_dataset``, what ``workbench
robustness DATASET --engine dask`` runs) on the same data, and its reference in
the same run: ``wb.monte_carlo`` with the same draws on the whole national
indicator table gathered into this process (the exact in-memory run). The
rank error is the largest difference between the two in rank P5 / median /
P95 (0: the national ranks are exact), and every other column is compared too.

    .venv/bin/python benchmarks/bench_scale.py                 # 10^6 branches (generated once, cached)
    .venv/bin/python benchmarks/bench_scale.py --branches 100000 --partitions 10 --draws 0

The generated datasets are cached in benchmarks/output/ (git-ignored): the
first run spends a few minutes writing 10^6 branches (~2 x 10^7 members,
~1.7 x 10^8 trainings), later runs reuse them. The figures go to
benchmarks/output/bench_scale.json as well.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUTPUT = ROOT / "benchmarks" / "output"
NATION = 4_500_000
# the national step holds per branch: total, rank, grade code, 3 veto flags (8 bytes each), the id (~16)
NATIONAL_BYTES = 6 * 8 + 16
TODAY = dt.date(2026, 3, 1)


def dataset(n: int, partitions: int, seed: int = 0) -> Path:
    """The cached dataset of ``n`` branches (generated part by part when missing)."""
    from workbench.scale import read_manifest, write_synthetic

    folder = OUTPUT / f"scale_{n}_{partitions}"
    try:
        info = read_manifest(folder)
        if info.n_branches == n and info.partitions == partitions:
            return folder
    except (FileNotFoundError, ValueError):
        pass
    print(f"generating {n:,} branches in {partitions} partitions -> {folder} (once; cached)", flush=True)
    started = time.perf_counter()
    step = max(1, partitions // 10)
    write_synthetic(folder, n, partitions=partitions, seed=seed, today=TODAY,
                    progress=lambda i, k, s: print(f"  {i}/{k} partitions, {s:.0f} s", flush=True)
                    if i % step == 0 or i == k else None)
    print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def rows(folder: Path) -> dict[str, int]:
    from workbench.scale import read_manifest

    info = read_manifest(folder)
    return {t: sum(info.rows(t)) for t in info.tables}


def disk_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.parquet"))


def worker_peaks(client) -> list[float]:
    """Peak resident memory (GiB) of every worker process since it started."""
    def peak():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return sorted(client.run(peak).values())


def run_dask(folder: Path, *, validate: bool, workers: int, draws: int) -> dict:
    from distributed.diagnostics import MemorySampler

    from workbench.scale import score_dataset
    from workbench.cli.scale import describe, scheduler

    out: dict = {"validate": validate}
    with scheduler(None, n_workers=workers, threads_per_worker=1) as client:
        out["cluster"] = describe(client)
        started = time.perf_counter()
        client.run(_warm_up)  # worker processes import the package once: timed apart
        out["warm_up_seconds"] = time.perf_counter() - started
        print(f"  cluster: {out['cluster']} (workers import the package in {out['warm_up_seconds']:.1f} s)",
              flush=True)
        out["load_average_before"] = os.getloadavg()
        sampler = MemorySampler()
        started = time.perf_counter()
        with sampler.sample("score"):
            result = score_dataset(folder, client=client, validate=validate, today=TODAY)
            result.to_parquet(OUTPUT / f"results_{folder.name}.parquet")
        out["seconds"] = time.perf_counter() - started
        out["branches"] = result.national["branches"]
        out["grades"] = result.grade_counts().to_dict()
        out["worker_peak_gib"] = worker_peaks(client)
        out["cluster_peak_gib"] = float(sampler.to_pandas().max().iloc[0]) / 2**30
        out["load_average_after"] = os.getloadavg()
        del result
        if draws:
            out.update(run_robustness(folder, client, draws, validate))
            out["worker_peak_gib_with_mc"] = worker_peaks(client)
    return out


def run_robustness(folder: Path, client, draws: int, validate: bool) -> dict:
    """The national Monte Carlo, and the exact in-memory run of the same draws (the reference)."""
    import numpy as np
    import pandas as pd

    import workbench as wb
    from workbench.scale import robustness_dataset
    from workbench.scale.engine import build_graph, resolve_arguments

    out: dict = {"mc_draws": draws}
    started = time.perf_counter()
    mc = robustness_dataset(folder, n=draws, seed=0, client=client, validate=validate, today=TODAY)
    national = mc.compute()
    out["mc_seconds"] = time.perf_counter() - started
    out["mc_settings"] = {k: v for k, v in mc.settings.items() if k not in ("seed",)}
    out["mc_undecided"] = int(national["decided_by_weighting"].sum())
    # the reference: the whole indicator table in this process, the scheme with the national statistics
    info, fw, scheme, period = resolve_arguments(folder, None, None, None)
    graph = build_graph(info, fw, scheme, period, validate=False, today=TODAY)
    started = time.perf_counter()
    tables, towns, scoring = client.compute([graph.tables, graph.towns, graph.scoring], sync=True)
    table, towns = pd.concat(tables), pd.concat(towns)
    out["gather_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    memory = wb.monte_carlo(scoring, table, n=draws, seed=0, groups=towns, progress=False, max_memory=2**32)
    out["memory_mc_seconds"] = time.perf_counter() - started
    out["memory_mc_threads"] = memory.settings["threads"]
    ref = memory.summary
    got = national.reindex(ref.index)
    errors = {c: float(np.nanmax(np.abs(got[c].to_numpy(float) - ref[c].to_numpy(float))))
              for c in ("rank_p5", "rank_median", "rank_p95", "mean_abs_shift")}
    out["mc_max_rank_error"] = int(max(errors[c] for c in ("rank_p5", "rank_median", "rank_p95")))
    out["mc_max_shift_error"] = errors["mean_abs_shift"]
    probabilities = [c for c in ref.columns if c.startswith("p_")]
    out["mc_max_probability_error"] = float(np.nanmax(np.abs(got[probabilities].to_numpy(float)
                                                            - ref[probabilities].to_numpy(float))))
    out["mc_identical"] = bool(got.drop(columns="total").equals(ref.drop(columns="total"))
                               and np.allclose(got["total"], ref["total"], rtol=0, atol=1e-9))
    return out


def _warm_up() -> None:
    import workbench.scale  # noqa: F401  (and with it pandas, pyarrow, scipy, pydantic)


PANDAS = """
import json, resource, sys, time
import workbench as wb
from workbench.assess.scoring import results_table
t0 = time.perf_counter()
data = wb.load(sys.argv[1], today=__import__("datetime").date(2026, 3, 1))
t1 = time.perf_counter()
fw = wb.Framework.default()
table = wb.compute_indicators(data, fw)
t2 = time.perf_counter()
result = wb.Scheme(fw).score(table, groups=data)
results_table(result.total, result.rank, result.grade, result.dimensions).to_parquet(sys.argv[2], index=False)
t3 = time.perf_counter()
print(json.dumps({"load_validate": t1 - t0, "indicators": t2 - t1, "score_write": t3 - t2,
                  "seconds": t3 - t0, "branches": len(result.total),
                  "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""


def run_pandas(folder: Path) -> dict:
    out = OUTPUT / f"results_{folder.name}_pandas.parquet"
    proc = subprocess.run([sys.executable, "-c", PANDAS, str(folder), str(out)], capture_output=True,
                          text=True, cwd=ROOT)
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=100)
    parser.add_argument("--pandas-branches", type=int, default=100_000,
                        help="size for the pandas engine and the side-by-side run (0: skip)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--draws", type=int, default=100, help="Monte Carlo draws on the big set (0: skip)")
    parser.add_argument("--no-validate", action="store_true", help="skip the validated dask run")
    args = parser.parse_args(argv)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    report: dict = {"machine": f"{os.cpu_count()} cores", "date": dt.datetime.now().isoformat(timespec="seconds")}
    if args.pandas_branches:
        # pandas holds every table of the country at once: ~5 GiB per 10^5 branches measured below
        report["pandas_note"] = "run only where it fits; the peak grows linearly with the branches"

    if args.pandas_branches:
        n = args.pandas_branches
        small = dataset(n, max(1, args.partitions * n // args.branches))
        print(f"\n== {n:,} branches: pandas engine vs dask engine", flush=True)
        report["pandas"] = pd_run = run_pandas(small)
        report["dask_small"] = dk = run_dask(small, validate=True, workers=args.workers, draws=0)
        if "error" in pd_run:
            print(f"  pandas: failed: {pd_run['error']}")
        else:
            print(f"  pandas: {pd_run['seconds']:.1f} s (load+validate {pd_run['load_validate']:.1f}, indicators "
                  f"{pd_run['indicators']:.1f}, score {pd_run['score_write']:.1f}) = "
                  f"{n / pd_run['seconds']:,.0f} branches/s, peak {pd_run['peak_gib']:.2f} GiB")
        print(f"  dask:   {dk['seconds']:.1f} s = {n / dk['seconds']:,.0f} branches/s, worker peaks "
              + ", ".join(f"{g:.2f}" for g in dk["worker_peak_gib"]) + " GiB")
        if "peak_gib" in pd_run:
            need = pd_run["peak_gib"] * args.branches / n
            report["pandas_projected_peak_gib"] = need
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
            print(f"  pandas at {args.branches:,} branches would peak near {need:.0f} GiB (linear): "
                  + ("does not fit in" if need > total else "fits in") + f" this machine's {total:.0f} GiB")

    n = args.branches
    big = dataset(n, args.partitions)
    size = rows(big)
    report["dataset"] = {"folder": str(big), "rows": size, "parquet_gib": disk_size(big) / 2**30,
                         "partitions": args.partitions}
    print(f"\n== {n:,} branches from Parquet ({report['dataset']['parquet_gib']:.2f} GiB on disk): "
          + ", ".join(f"{t} {v:,}" for t, v in size.items()), flush=True)
    runs = [] if args.no_validate else [True]
    runs.append(False)
    for validate in runs:
        label = "validated" if validate else "trusted (no re-validation)"
        print(f"-- dask engine, {label}", flush=True)
        res = run_dask(big, validate=validate, workers=args.workers, draws=args.draws if not validate else 0)
        report[f"dask_{'validated' if validate else 'trusted'}"] = res
        rate = n / res["seconds"]
        print(f"  {res['seconds']:.0f} s = {rate:,.0f} branches/s ({rate / args.workers:,.0f} per worker); "
              f"worker peaks " + ", ".join(f"{g:.2f}" for g in res["worker_peak_gib"])
              + f" GiB; cluster peak {res['cluster_peak_gib']:.2f} GiB", flush=True)
        if res.get("mc_draws"):
            st = res["mc_settings"]
            print(f"  national Monte Carlo: {res['mc_draws']} draws over {n:,} branches in {res['mc_seconds']:.0f} s "
                  f"(indicators and scores included; {st['draw_tasks']} draw tasks of {st['draws_per_task']} draws, "
                  f"{st['groups']} groups), worker peaks "
                  + ", ".join(f"{g:.2f}" for g in res["worker_peak_gib_with_mc"]) + " GiB", flush=True)
            print(f"  reference, the same draws in memory (wb.monte_carlo on the gathered table, "
                  f"{res['memory_mc_threads']} thread(s)): {res['memory_mc_seconds']:.0f} s "
                  f"(+ {res['gather_seconds']:.0f} s to gather the table)", flush=True)
            print(f"  national vs in-memory: max rank error {res['mc_max_rank_error']} (rank P5 / median / P95), "
                  f"max error of mean |shift| {res['mc_max_shift_error']:.3g}, of P(grade) "
                  f"{res['mc_max_probability_error']:.3g}; summaries identical: "
                  f"{'yes' if res['mc_identical'] else 'NO'}", flush=True)
        print(f"  load average of the machine (shared) before / after: "
              f"{res['load_average_before'][0]:.1f} / {res['load_average_after'][0]:.1f} "
              f"on {os.cpu_count()} cores", flush=True)
        rate_core = rate / args.workers
        report[f"projection_{'validated' if validate else 'trusted'}"] = proj = {
            "hours_on_this_machine": NATION / rate / 3600,
            "cores_for_10_minutes": NATION / rate_core / 600,
        }
        print(f"  projection to {NATION:,} branches: {proj['hours_on_this_machine']:.1f} h on this machine "
              f"({args.workers} workers), or ~{proj['cores_for_10_minutes']:.0f} cores for 10 minutes; "
              f"per-worker memory is set by the partition size (~{n // args.partitions:,} branches), "
              f"plus the national ranking step: about {NATIONAL_BYTES} bytes per branch, "
              f"{NATIONAL_BYTES * NATION / 2**30:.2f} GiB on one worker for {NATION:,} branches",
              flush=True)
    path = OUTPUT / "bench_scale.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    with open(path, "w", encoding="utf-8") as f:  # a partial rerun updates its own figures only
        json.dump({**previous, **report}, f, indent=1, default=str)
    print(f"\nfigures -> {OUTPUT / 'bench_scale.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
