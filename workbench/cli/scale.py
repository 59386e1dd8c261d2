"""``workbench score|robustness PATH --engine dask [--scheduler ADDRESS]``: the national runs from the command line."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pandas as pd

__all__ = ["score_command_dask", "robustness_command_dask", "scheduler"]

LOCAL_SCHEDULERS = ("synchronous", "threads", "processes")


@contextmanager
def scheduler(address: str | None = None, **cluster_options):
    """Where the tasks run; yields a ``distributed.Client`` or None (a local Dask scheduler).

    - ``None``: a ``distributed.LocalCluster`` on this machine, all cores
      (``cluster_options`` go to it, e.g. ``n_workers=2, processes=False``);
    - ``"synchronous"``, ``"threads"`` or ``"processes"``: Dask's local
      schedulers, no cluster (for debugging and small data);
    - anything else: the address of a running ``dask.distributed`` scheduler
      (``tcp://10.0.0.5:8786``). Workers there read the dataset and write the
      results by path: both must be on storage every worker sees.
    """
    if address in LOCAL_SCHEDULERS:
        import dask

        with dask.config.set(scheduler=address):
            yield None
        return
    from distributed import Client, LocalCluster

    if address is None:
        with LocalCluster(**{"dashboard_address": None, **cluster_options}) as cluster, Client(cluster) as client:
            yield client
    else:
        try:
            client = Client(address, timeout="15s")
        except (OSError, ValueError, TypeError) as exc:
            raise ValueError(
                f"--scheduler {address}: cannot reach a Dask scheduler there ({exc}); give the address of a "
                f"running dask.distributed scheduler (tcp://host:8786), or {', '.join(LOCAL_SCHEDULERS)} for "
                "a local one, or leave --scheduler out for a local cluster") from None
        with client:
            yield client


def describe(client) -> str:
    if client is None:
        import dask

        return f"local scheduler ({dask.config.get('scheduler', 'threads')})"
    workers = client.scheduler_info(n_workers=-1)["workers"] if _accepts_n_workers(client) \
        else client.scheduler_info()["workers"]
    threads = sum(w["nthreads"] for w in workers.values())
    memory = sum(w.get("memory_limit", 0) for w in workers.values()) / 2**30
    return f"{client.scheduler.address}: {len(workers)} workers, {threads} threads, {memory:.1f} GiB"


def _accepts_n_workers(client) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters


def summary_path(output: Path) -> Path:
    """``results.parquet`` -> ``results.summary.csv`` (beside it)."""
    return output.with_name(output.name.removesuffix(output.suffix) + ".summary.csv")


def score_command_dask(args, framework, scheme) -> int:
    """Run ``workbench score`` on Dask: ``args`` are the score command's options, with its framework and scheme.

    Reads ``args.path`` (a partitioned dataset), writes ``args.output`` (a
    ``.parquet`` folder, one file per partition: branch_id, total, rank, grade
    and one column per dimension, as the pandas engine writes) and the grade
    counts by township beside it (``<name>.summary.csv``), and prints them.
    """
    from ..scale.engine import score_dataset

    out = Path(args.output)
    if out.suffix.lower() != ".parquet":
        raise ValueError(f"-o {out}: with --engine dask the results are a partitioned Parquet dataset; "
                         "give a folder name ending in .parquet")
    with scheduler(getattr(args, "scheduler", None)) as client:
        print(f"dask: {describe(client)}")
        result = score_dataset(args.path, framework, scheme, args.period, client=client, progress=True,
                               validate=not getattr(args, "no_validate", False))
        result.to_parquet(out)
    summary = result.summary
    towns = summary.reset_index()
    towns.insert(2, "branches", summary.sum(axis=1).to_numpy())
    path = summary_path(out)
    from ..files import write_csv

    write_csv(path, towns)  # township names that look like formulas are written as text
    fw = framework
    counts = result.grade_counts()
    print(f"period {result.period}: {result.national['branches']} branches in {result.info.partitions} "
          f"partitions scored with {scheme!r} in {result.seconds:.1f} s")
    print("grades: " + ", ".join(f"{fw.label(g, 'zh')} {fw.label(g, 'en')} {n}" for g, n in counts.items()))
    print(f"vetoes applied: {result.national['vetoes']}; quota demotions: {result.national['quota_demoted']}")
    by_part = result.by_partition()
    by_part.insert(0, "townships", summary.groupby(level="partition").size())
    with pd.option_context("display.width", 120, "display.max_rows", 12):
        print(by_part.to_string(max_rows=12))
    print(f"results -> {out} ({result.info.partitions} parts)")
    print(f"grade counts by township ({len(towns)} townships) -> {path}")
    return 0


def robustness_command_dask(args, framework, scheme) -> int:
    """``workbench robustness DATASET --engine dask``: the national Monte Carlo, exact national ranks.

    Writes ``args.output`` (a ``.parquet`` folder: one row per branch with the
    columns of the pandas engine's table: total, rank, grade, rank P5 / median
    / P95, mean absolute rank change, P(each grade), P(nominal grade), decided
    by the weighting) and ``<name>.summary.csv`` beside it (per grade: branches
    holding it, branches expected in it over the draws, branches whose grade the
    weighting decides), and prints the summary.
    """
    from ..scale.robustness import robustness_dataset

    out = Path(args.output)
    if out.suffix.lower() != ".parquet":
        raise ValueError(f"-o {out}: with --engine dask the results are a partitioned Parquet dataset; "
                         "give a folder name ending in .parquet")
    vary = tuple(v.strip() for v in args.vary.split(",") if v.strip())
    with scheduler(getattr(args, "scheduler", None)) as client:
        print(f"dask: {describe(client)}")
        result = robustness_dataset(args.path, scheme=scheme, n=args.samples, seed=args.seed, spread=args.spread,
                                    vary=vary, period=args.period, distribution=args.distribution,
                                    threshold=args.threshold, client=client, progress=not args.no_progress,
                                    validate=not args.no_validate)
        result.to_parquet(out)
        table = robustness_summary(result.summary, framework, args.threshold)
    path = summary_path(out)
    from ..files import atomic_path

    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8-sig")
    st = result.settings
    print(f"period {result.period}: {st['branches']} branches, {len(result.samples)} draws of {scheme!r} "
          f"(spread {args.spread:g}, {args.distribution}) in {result.seconds:.1f} s "
          f"({st['draw_tasks']} draw tasks, {st['groups']} groups of partitions)")
    print("ranks: exact. Every draw ranks and grades the whole country at once (the national order and the "
          "quota cut), as wb.monte_carlo does on one table: no rank is approximated.")
    with pd.option_context("display.width", 120):
        print(table.to_string(index=False))
    print(f"results -> {out} (one row per branch)")
    print(f"summary -> {path}")
    return 0


def robustness_summary(summary, framework, threshold: float) -> pd.DataFrame:
    """Per grade: branches holding it, branches expected in it over the draws, and those the weighting decides.

    ``summary``: the national Monte Carlo's Dask DataFrame (each partition reduced where it lives).
    """
    import dask

    grades = list(framework.grade_ids)
    parts = dask.compute(*[dask.delayed(_grade_sums)(part, grades) for part in summary.to_delayed()])
    sums = sum(parts[1:], parts[0]) if parts else pd.DataFrame(0.0, index=grades, columns=range(3))
    return pd.DataFrame({
        "grade": grades,
        "label_zh": [framework.label(g, "zh") for g in grades],
        "label_en": [framework.label(g, "en") for g in grades],
        "branches": sums["branches"].astype(int).to_numpy(),
        "expected_over_draws": sums["expected"].round(1).to_numpy(),
        f"decided_by_weighting_p<{threshold:g}": sums["undecided"].astype(int).to_numpy(),
    })


def _grade_sums(part: pd.DataFrame, grades: list[str]) -> pd.DataFrame:
    grade = part["grade"].astype(object)
    undecided = part["decided_by_weighting"].fillna(False).astype(bool).to_numpy()
    return pd.DataFrame({
        "branches": [float((grade == g).sum()) for g in grades],
        "expected": [float(part[f"p_{g}"].sum()) for g in grades],
        "undecided": [float(((grade == g).to_numpy() & undecided).sum()) for g in grades],
    }, index=grades)


def sample_command_partitioned(args) -> int:
    """``workbench sample --branches N --parquet DIR --partitions K``: generate and write part by part."""
    import time

    from ..scale.dataset import write_synthetic

    if args.out or args.xlsx:
        raise ValueError("--partitions streams the country to Parquet part by part; write CSV (--out) or "
                         "a workbook (--xlsx) in a separate run without --partitions")
    years = tuple(int(y) for y in args.years.split(","))
    started = time.perf_counter()
    step = max(1, args.partitions // 20)

    def report(done: int, total: int, seconds: float) -> None:
        if done % step == 0 or done == total:
            print(f"  {done}/{total} partitions written ({seconds:.0f} s)", flush=True)

    folder = write_synthetic(args.parquet, args.branches, partitions=args.partitions, seed=args.seed,
                             years=years, progress=report)
    from ..scale.dataset import read_manifest

    info = read_manifest(folder)
    rows = {t: sum(info.rows(t)) for t in info.tables}
    print(f"generated {args.branches} branches in {args.partitions} partitions in "
          f"{time.perf_counter() - started:.1f} s: " + ", ".join(f"{t}={n}" for t, n in rows.items()))
    print(f"  partitioned Parquet -> {folder} (manifest {folder / 'dataset.json'})")
    return 0
