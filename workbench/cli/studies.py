"""``workbench screen``: weak-and-lax screening from the command line.

>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers(dest="command")
>>> register(sub)
>>> sub.choices["screen"].parse_args(["sample_data", "--period", "2025"]).period
2025
"""

from __future__ import annotations

import sys

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "screen", help="propose weak-and-lax candidates with their reasons (软弱涣散排查)",
        description="Run the framework's weak-and-lax screening criteria on one year, print the candidates "
        "by township with the criteria each one meets and the evidence, and with -o write them to an Excel "
        "workbook. Candidates are proposals: confirm or reject each one in the dashboard or with "
        "workbench.settings.screening.Decisions.")
    p.add_argument("path", help="data folder or workbook")
    p.add_argument("--period", type=int, default=None, help="year to screen (default: the latest with records)")
    p.add_argument("--framework", default=None, help="framework YAML with its screening list (default: built-in)")
    p.add_argument("--decisions", default=None, help="decisions YAML: show each candidate's decision and note")
    p.add_argument("-o", "--out", default=None, help="write the candidates to this .xlsx workbook")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.set_defaults(func=_cmd_screen)


def _cmd_screen(args) -> int:
    from ..assess.framework import Framework
    from ..data import load
    from ..i18n import tr
    from ..settings.screening import Decisions, ScreeningError, export_candidates, screen

    lang = args.lang
    data = load(args.path)
    if args.period is not None and args.period not in data.periods:
        print(tr("cli_period_unknown", lang, period=args.period,
                 years=", ".join(map(str, data.periods)) or "—"), file=sys.stderr)
        return 1
    if args.out and not args.out.lower().endswith(".xlsx"):
        print(tr("cli_xlsx_only", lang, path=args.out), file=sys.stderr)
        return 1
    framework = Framework.from_yaml(args.framework) if args.framework else Framework.default()
    try:
        decisions = Decisions.from_yaml(args.decisions, data) if args.decisions else None
    except ScreeningError as err:
        print(err.message(lang), file=sys.stderr)
        return 1
    result = screen(data, framework, args.period)
    current = decisions.current(result.period) if decisions is not None else None
    print(result.summary(lang))
    for township, rows in result.candidates.groupby("township", sort=False):
        print()
        print(f"{township} ({len(rows)})")
        for bid, row in rows.iterrows():
            state = ""
            if current is not None and bid in current.index:
                state = f"  [{tr('decision_' + current.loc[bid, 'decision'], lang)}] {current.loc[bid, 'note']}"
            print(f"  {bid} {row['name']}  {tr('screening_col_reasons', lang)} {row['reasons']}{state}")
            for reason in result.reasons(bid, lang).itertuples(index=False):
                print(f"      - {reason.label}{'：' if lang == 'zh' else ': '}{reason.evidence}")
    if args.out:
        path = export_candidates(result, args.out, lang=lang, decisions=decisions)
        print()
        print(f"{tr('cli_written', lang)} {path}")
    return 0
