"""``workbench sample``, ``workbench check`` and ``workbench template``: make, check and start data sets."""

from __future__ import annotations

import sys
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
    p.add_argument("path", help="a workbook (.xlsx), a folder of CSV files or of township workbooks")
    p.add_argument("--lang", choices=["zh", "en"], default="en", help="language of the messages (default en)")
    p.add_argument("--report", metavar="XLSX",
                   help="on problems, write the workbook back with every bad cell marked (e.g. 问题清单.xlsx)")
    p.add_argument("--hidden", action="store_true", help="read hidden sheets too")
    p.add_argument("--max-cells", type=int, metavar="N",
                   help="refuse sheets whose used range holds more cells than this (default 4,000,000)")
    p.add_argument("--max-mb", type=int, metavar="MB",
                   help="refuse files larger than this many MB (default 256)")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("template", help="write the empty county workbook clerks fill in (dropdowns, checks)")
    p.add_argument("-o", "--output", default="支部数据模板.xlsx", help="the .xlsx to write (default 支部数据模板.xlsx)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the instructions (default zh)")
    p.set_defaults(func=_cmd_template)


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


def _budget(args):
    from dataclasses import replace

    from ..data.readers import DEFAULT_BUDGET

    budget = DEFAULT_BUDGET
    if args.max_cells:
        budget = replace(budget, max_cells=args.max_cells)
    if args.max_mb:
        budget = replace(budget, max_file_bytes=args.max_mb * 2**20)
    return budget


def _cmd_check(args) -> int:
    from ..data import DataError, load, write_problem_report
    from ..i18n import tr

    lang = args.lang
    try:
        data = load(args.path, lang=lang, budget=_budget(args), include_hidden=args.hidden)
    except DataError as err:
        print(tr("cli_error", lang, message=err.render(lang)), file=sys.stderr)
        if args.report:
            out = write_problem_report(err, args.report, lang=lang)
            print(tr("data_report_written", lang, path=out))
        return 1
    print(tr("data_check_ok", lang, path=args.path))
    if data.intake is not None:
        print(data.intake.render(lang))
    summary = data.summary()
    with pd.option_context("display.width", 120, "display.max_columns", 10):
        print(summary.to_string(index=False))
    print(tr("data_check_years", lang, years=", ".join(map(str, data.periods)) or "-"))
    kinds = data.branches["kind"].value_counts().to_dict()
    print(tr("data_check_kinds", lang, kinds=", ".join(f"{k} {v}" for k, v in kinds.items())))
    return 0


def _cmd_template(args) -> int:
    from ..data import write_template
    from ..i18n import tr

    path = write_template(args.output, lang=args.lang)
    print(tr("data_template_written", args.lang, path=path))
    return 0
