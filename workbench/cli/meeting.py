"""``workbench deck`` and ``workbench report``: the meeting deck and the feedback reports.

>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers(dest="command")
>>> register(sub)
>>> sub.choices["report"].parse_args(["sample_data", "-o", "out", "--branch", "B00001"]).branch
['B00001']
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

__all__ = ["register"]


def _common(p) -> None:
    p.add_argument("path", help="data folder (CSV), .xlsx workbook or Parquet folder")
    p.add_argument("--period", type=int, default=None, help="assessment year (default: the latest with records)")
    p.add_argument("--framework", default=None, help="framework YAML (default: the built-in framework)")
    p.add_argument("--scheme", default=None, help="weighting scheme YAML saved by the workbench")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the output (default zh)")


def register(sub) -> None:
    p = sub.add_parser("deck", help="the meeting deck: PowerPoint (and PDF) of a year's assessment (考评演示文稿)",
                       description="Title, key figures, grades, townships, best and weakest branches, year over "
                       "year, rule violations, rectification, robustness; charts rendered offline, each slide with "
                       "its year, scheme and source, the numbers in the notes.")
    _common(p)
    p.add_argument("-o", "--output", required=True, help="the deck, a .pptx file")
    p.add_argument("--pdf", action="store_true", help="also write the slides as one PDF beside it")
    p.set_defaults(func=_cmd_deck)
    p = sub.add_parser("report", help="feedback reports: a PDF per branch and per township, an index (考评反馈单)",
                       description="One PDF per branch (支部考评反馈单), one per township (乡镇汇总) and index.html "
                       "linking them, written into a folder; with --branch only those branches' reports.")
    _common(p)
    p.add_argument("-o", "--output", required=True, help="folder of the reports")
    p.add_argument("--branch", action="append", default=None, metavar="ID",
                   help="only this branch's report (repeat for more)")
    p.set_defaults(func=_cmd_report)


def _facts(args):
    from ..data import load
    from ..meeting import gather
    from .assess import load_scheme

    _, scheme = load_scheme(args)
    data = load(args.path)
    return gather(data, scheme, args.period, source=args.path)


def _cmd_deck(args) -> int:
    from ..i18n import tr
    from ..meeting import MeetingError
    from ..meeting.deck import deck_slides, write_deck

    out = Path(args.output)
    if out.suffix.lower() != ".pptx":
        raise MeetingError("meeting_output_suffix", path=str(out))
    facts = _facts(args)
    pdf = out.with_suffix(".pdf") if args.pdf else None
    write_deck(facts, out, lang=args.lang, pdf=pdf)
    print(tr("meeting_cli_deck", args.lang, n=len(deck_slides(facts, lang=args.lang)), path=out))
    if pdf is not None:
        print(tr("meeting_cli_pdf", args.lang, path=pdf))
    return 0


def _cmd_report(args) -> int:
    from ..i18n import tr
    from ..meeting.reports import write_reports

    start = time.perf_counter()
    facts = _facts(args)
    written = write_reports(facts, args.output, lang=args.lang, branches=args.branch)
    print(tr("meeting_cli_reports", args.lang, branches=len(written.branches), townships=len(written.townships),
             seconds=time.perf_counter() - start, path=written.index or written.folder))
    sys.stdout.flush()
    return 0
