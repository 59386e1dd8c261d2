"""``workbench score`` and ``workbench robustness``: assess a data set from the command line."""

from __future__ import annotations

from pathlib import Path

__all__ = ["register", "load_scheme"]


def register(sub) -> None:
    _register_score(sub)
    _register_robustness(sub)


def _register_score(sub) -> None:
    p = sub.add_parser("score", help="compute indicators and score every branch")
    p.add_argument("path", help="data folder, workbook, or (with --engine dask) a partitioned dataset")
    p.add_argument("--framework", help="framework YAML (default: the six-point default)")
    p.add_argument("--scheme", help="weighting scheme YAML saved by the workbench")
    p.add_argument("--period", type=int, help="assessment year (default: the latest with records)")
    p.add_argument("--engine", choices=["pandas", "dask"], default="pandas")
    p.add_argument("--scheduler", help="with --engine dask: a dask.distributed scheduler address, or "
                   "'synchronous', 'threads' or 'processes' for a local scheduler (default: a local cluster)")
    p.add_argument("--no-validate", action="store_true",
                   help="with --engine dask: trust the stored Parquet types of a dataset this package wrote "
                        "(about five times faster)")
    p.add_argument("-o", "--output", required=True, help="results file: .xlsx, .parquet or .csv")
    p.set_defaults(func=_cmd_score)


def load_scheme(args):
    """The framework and scheme that ``--framework`` and ``--scheme`` name (defaults: the built-in ones)."""
    from ..assess.framework import Framework
    from ..assess.scoring import Scheme

    framework = Framework.from_yaml(args.framework) if args.framework else Framework.default()
    scheme = Scheme.from_yaml(args.scheme, framework) if args.scheme else Scheme(framework)
    return framework, scheme


def _cmd_score(args) -> int:
    framework, scheme = load_scheme(args)
    if args.engine == "dask":
        from .scale import score_command_dask

        return score_command_dask(args, framework, scheme)
    from ..assess.indicators import compute_indicators
    from ..assess.assessment import results_table
    from ..data import load

    data = load(args.path)
    table = compute_indicators(data, framework, period=args.period)
    result = scheme.score(table, groups=data)
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        result.to_excel(out, data=data)
    elif suffix == ".parquet":
        from ..files import atomic_path

        with atomic_path(out) as tmp:
            results_table(result.total, result.rank, result.grade, result.dimensions).to_parquet(tmp, index=False)
    elif suffix == ".csv":
        from ..files import write_csv

        write_csv(out, result.frame(), index=True)  # names that look like formulas are written as text
    else:
        raise ValueError(f"-o {out}: write .xlsx, .parquet or .csv")
    counts = result.grade_counts()
    print(f"period {result.period}: {len(result.total)} branches scored with {scheme!r}")
    print("grades: " + ", ".join(f"{framework.label(g, 'zh')} {framework.label(g, 'en')} {n}"
                                 for g, n in counts.items()))
    if len(result.vetoes):
        print(f"vetoes applied: {len(result.vetoes)}; quota demotions: {len(result.quota_demoted)}")
    print(f"results -> {out}")
    return 0


def _register_robustness(subparsers) -> None:
    p = subparsers.add_parser(
        "robustness",
        help="rank intervals, grade probabilities and sensitivity of a scheme (稳健性分析)",
        description="Monte Carlo over the weights: rank P5/median/P95 and grade probabilities per branch, "
                    "Sobol indices of the dimension weights, leave-one-out of indicators and dimensions, "
                    "written to one workbook (权重不确定性下的排名区间、等次概率与敏感性).",
    )
    p.add_argument("path", help="data folder (CSV), .xlsx workbook or Parquet folder, or (with --engine dask) "
                                "a partitioned dataset")
    p.add_argument("--framework", help="framework YAML (default: the built-in framework)")
    p.add_argument("--scheme", help="scheme YAML saved by Scheme.to_yaml (default: the framework's weights)")
    p.add_argument("--period", type=int, help="assessment year (default: the latest year with records)")
    p.add_argument("--engine", choices=["pandas", "dask"], default="pandas",
                   help="dask: a partitioned country on a Dask cluster, exact national ranks in every draw; "
                        "writes a .parquet folder (one row per branch) and a summary beside it")
    p.add_argument("--scheduler", help="with --engine dask: a dask.distributed scheduler address, or "
                   "'synchronous', 'threads' or 'processes' for a local scheduler (default: a local cluster)")
    p.add_argument("--no-validate", action="store_true",
                   help="with --engine dask: trust the stored Parquet types of a dataset this package wrote")
    p.add_argument("--threads", type=int, default=None,
                   help="with the pandas engine: threads for blocks of draws (default: the cores available)")
    p.add_argument("-n", "--samples", type=int, default=1000, help="Monte Carlo draws (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--spread", type=float, default=0.2, help="weight perturbation, 0.2 = ±20%% (default)")
    p.add_argument("--distribution", choices=("dirichlet", "uniform"), default="dirichlet")
    p.add_argument("--vary", default="weights",
                   help="comma-separated: weights, dimension_weights, indicator_weights, normalization, "
                        "aggregation (default weights)")
    p.add_argument("--threshold", type=float, default=0.8,
                   help="flag a grade as decided by weighting below this probability (default 0.8)")
    p.add_argument("--sobol", type=int, default=None, metavar="N",
                   help="Sobol base sample size, a power of 2 (N x (D+2) rankings; 0 skips; default 256; "
                        "pandas engine only)")
    p.add_argument("-o", "--output", required=True,
                   help="results: a workbook (.xlsx: every table) or a table per branch (.csv); with "
                        "--engine dask a .parquet folder")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_robustness)


def _cmd_robustness(args) -> int:
    from ..assess.indicators import compute_indicators
    from ..assess.labels import column_label
    from ..assess.robustness import leave_one_out, monte_carlo, sensitivity
    from ..data import load

    fw, scheme = load_scheme(args)
    if args.samples < 1:
        raise ValueError(f"-n: expected at least 1 draw, got {args.samples}")
    if args.engine == "dask":
        if args.sobol:
            raise ValueError("--sobol: Sobol indices are not computed at national scale; run them on a "
                             "province or a sample with the pandas engine")
        if args.threads is not None:
            raise ValueError("--threads: with --engine dask the cluster's workers set the parallelism "
                             "(--scheduler); --threads is for the pandas engine")
        from .scale import robustness_command_dask

        return robustness_command_dask(args, fw, scheme)
    if args.scheduler or args.no_validate:
        raise ValueError("--scheduler and --no-validate go with --engine dask")
    suffix = Path(args.output).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"-o {args.output}: write a workbook (.xlsx) or a table per branch (.csv)")
    args.sobol = 256 if args.sobol is None else args.sobol
    if args.sobol and (args.sobol < 2 or args.sobol & (args.sobol - 1)):
        raise ValueError(f"--sobol: n: the Sobol sample size must be a power of 2, got {args.sobol}")
    data = load(args.path)
    table = compute_indicators(data, fw, period=args.period)
    vary = tuple(v.strip() for v in args.vary.split(",") if v.strip())
    progress = False if args.no_progress else None
    result = monte_carlo(scheme, table, n=args.samples, seed=args.seed, spread=args.spread, vary=vary,
                         distribution=args.distribution, groups=data, threshold=args.threshold,
                         progress=progress, threads=args.threads)
    sens = None
    if args.sobol:
        methods = tuple(v for v in vary if v in ("normalization", "aggregation"))
        sens = sensitivity(scheme, table, n=args.sobol, seed=args.seed,
                           vary=("dimension_weights",) + methods, groups=data, progress=progress)
        sens.insert(1, "label_zh", [column_label(fw, f, "zh") for f in sens["factor"]])
        sens.insert(2, "label_en", [column_label(fw, f, "en") for f in sens["factor"]])
    loo = [leave_one_out(scheme, table, "dimension", groups=data),
           leave_one_out(scheme, table, "indicator", groups=data)]
    if suffix == ".csv":
        from ..files import write_csv

        path = write_csv(Path(args.output), result.summary, index=True)
    else:
        path = result.to_excel(args.output, sensitivity=sens, leave_one_out=loo, data=data)
    undecided = result.undecided
    print(f"{len(result.summary)} branches, {len(result.samples)} draws (period {table.attrs.get('period')}): "
          f"{len(undecided)} grade(s) decided by the weighting (P(grade) < {args.threshold:g}).")
    print(f"written: {path}")
    return 0
