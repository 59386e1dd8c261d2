"""The ``workbench`` command line.

Every command prints a readable message and exits 1 on bad input, never a
Python traceback: DataError (and the framework's and scenario's errors, which
subclass ValueError) are caught at this one place.

>>> main(["check", "sample_data"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

__all__ = ["main", "build_parser"]


def _cmd_sample(args) -> int:
    from .data.synth import generate

    if args.parquet and args.partitions:  # a country, generated and written part by part
        from .scale.cli import sample_command_partitioned

        return sample_command_partitioned(args)
    started = time.perf_counter()
    years = tuple(int(y) for y in args.years.split(","))
    data = generate(args.branches, seed=args.seed, years=years, validate=not args.no_validate)
    generated = time.perf_counter() - started
    written = []
    if args.out:
        data.to_csv(args.out, lang=args.lang)
        written.append(f"CSV -> {args.out}")
    if args.xlsx:
        path = Path(args.xlsx)
        data.to_excel(path, lang="zh")
        written.append(f"workbook -> {path}")
    if args.parquet:
        data.to_parquet(args.parquet)
        written.append(f"Parquet -> {args.parquet}")
    print(f"generated {data!r} in {generated:.1f} s")
    for line in written or ["(nothing written: give --out DIR, --xlsx FILE or --parquet DIR)"]:
        print("  " + line)
    return 0


def _cmd_check(args) -> int:
    from .data import load

    data = load(args.path)
    summary = data.summary()
    print(f"OK: {args.path} is valid.")
    with pd.option_context("display.width", 120, "display.max_columns", 10):
        print(summary.to_string(index=False))
    print(f"assessment years with records: {', '.join(map(str, data.periods)) or 'none'}")
    kinds = data.branches["kind"].value_counts().to_dict()
    print("branches by kind: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    return 0


def _load_scheme(args):
    from .framework import Framework
    from .scoring import Scheme

    framework = Framework.from_yaml(args.framework) if args.framework else Framework.default()
    scheme = Scheme.from_yaml(args.scheme, framework) if args.scheme else Scheme(framework)
    return framework, scheme


def results_table(result) -> pd.DataFrame:
    """The engine-neutral results table: branch_id, total, rank, grade, one column per dimension."""
    out = pd.concat([result.total, result.rank, result.grade.astype(str), result.dimensions], axis=1)
    return out.reset_index()


def _cmd_score(args) -> int:
    if args.engine == "dask":
        from .scale import score_command_dask

        return score_command_dask(args)
    from .data import load
    from .indicators import compute_indicators

    framework, scheme = _load_scheme(args)
    data = load(args.path)
    table = compute_indicators(data, framework, period=args.period)
    result = scheme.score(table, groups=data)
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        result.to_excel(out, data=data)
    elif suffix == ".parquet":
        from .data import atomic_path

        with atomic_path(out) as tmp:
            results_table(result).to_parquet(tmp, index=False)
    elif suffix == ".csv":
        from .data import atomic_path

        with atomic_path(out) as tmp:
            result.frame().to_csv(tmp, encoding="utf-8-sig")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Branch Assessment Workbench (支部考评工作台): data, scoring, scenarios, dashboards.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("sample", help="generate a synthetic county or province")
    p.add_argument("--branches", type=int, default=300, help="number of branches (default 300)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--years", default="2024,2025", help="assessment years, comma separated")
    p.add_argument("--out", help="folder for CSV files")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="CSV headers (default en)")
    p.add_argument("--xlsx", help="also write one .xlsx workbook with Chinese headers")
    p.add_argument("--parquet", help="folder for Parquet files")
    p.add_argument("--partitions", type=int, default=0,
                   help="with --parquet: write a partitioned dataset in this many parts")
    p.add_argument("--no-validate", action="store_true",
                   help="skip re-validating the generated tables (faster for provinces)")
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("check", help="validate a data folder or workbook and summarise it")
    p.add_argument("path")
    p.set_defaults(func=_cmd_check)

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

    for register in _extra_commands():
        register(sub)
    return parser


def _extra_commands():
    """Subcommands that live beside the modules they drive."""
    from . import commands

    return commands.REGISTRY


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, PermissionError) as exc:
        # DataError, FrameworkError, ScenarioError ... all say what and where.
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
