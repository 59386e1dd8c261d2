"""``workbench sample`` and ``workbench check``: make and validate data sets."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

__all__ = ["register"]


def register(sub) -> None:
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


def _cmd_sample(args) -> int:
    from ..data.synth import generate

    if args.parquet and args.partitions:  # a country, generated and written part by part
        from .scale import sample_command_partitioned

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
    from ..data import load

    data = load(args.path)
    summary = data.summary()
    print(f"OK: {args.path} is valid.")
    with pd.option_context("display.width", 120, "display.max_columns", 10):
        print(summary.to_string(index=False))
    print(f"assessment years with records: {', '.join(map(str, data.periods)) or 'none'}")
    kinds = data.branches["kind"].value_counts().to_dict()
    print("branches by kind: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    return 0
