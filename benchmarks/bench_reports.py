"""Feedback reports of a county (sample_data: 300 branches, 12 townships): how long, and against what.

Measured in one run, on the same reports:

- ``browser per report``: a fresh Chromium for each PDF (what a loop over
  ``chromium --print-to-pdf`` does), on a few reports;
- ``one page at a time``: one browser, one page, the reports in turn;
- ``concurrent pages`` (what ``workbench report`` does): one browser, one
  context, ``--concurrency`` pages at once;

per report and as ratios, then the whole county (every branch, every
township, the index) the way ``workbench report`` writes it.

    python benchmarks/bench_reports.py [--subset 48] [--concurrency 3] [--no-full]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import workbench as wb  # noqa: E402
from workbench.meeting import gather  # noqa: E402
from workbench.meeting.pdf import PdfJob, print_pdfs  # noqa: E402
from workbench.meeting.reports import branch_report_html, write_reports  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "sample_data"))
    ap.add_argument("--period", type=int, default=2025)
    ap.add_argument("--subset", type=int, default=48, help="reports for the method comparison (default 48)")
    ap.add_argument("--fresh", type=int, default=6, help="reports printed with a browser each (default 6)")
    ap.add_argument("--concurrency", type=int, default=3)
    ap.add_argument("--no-full", action="store_true", help="skip the whole county")
    args = ap.parse_args(argv)

    start = time.perf_counter()
    data = wb.load(args.data)
    facts = gather(data, period=args.period)
    t_gather = time.perf_counter() - start
    ids = facts.standing.index[: args.subset]
    start = time.perf_counter()
    pages = [branch_report_html(facts, b, lang="zh") for b in ids]
    t_html = (time.perf_counter() - start) / len(ids)
    print(f"{len(facts.standing)} branches, {facts.standing['township'].nunique()} townships, period {facts.period}")
    print(f"score + key figures + last year + robustness (once): {t_gather:6.2f} s")
    print(f"HTML of one branch report:                          {t_html * 1000:6.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rows = []
        fresh = [PdfJob(h, tmp / f"fresh-{k}.pdf") for k, h in enumerate(pages[: args.fresh])]
        start = time.perf_counter()
        for job in fresh:
            print_pdfs([job], concurrency=1)   # a new browser for each
        rows.append(("browser per report", (time.perf_counter() - start) / len(fresh), len(fresh)))
        for label, concurrency in (("one page at a time", 1), (f"concurrent pages ({args.concurrency})",
                                                               args.concurrency)):
            jobs = [PdfJob(h, tmp / f"{concurrency}-{k}.pdf") for k, h in enumerate(pages)]
            start = time.perf_counter()
            print_pdfs(jobs, concurrency=concurrency)
            rows.append((label, (time.perf_counter() - start) / len(jobs), len(jobs)))
        reference = rows[1][1]
        print()
        print(f"{'method':<26} {'reports':>7} {'per report':>11} {'300 branches':>13} {'vs one page':>12}")
        for label, per, n in rows:
            print(f"{label:<26} {n:>7} {per * 1000:>8.0f} ms {per * 300:>11.0f} s {reference / per:>11.2f}x")

        if not args.no_full:
            start = time.perf_counter()
            written = write_reports(facts, tmp / "county", lang="zh", concurrency=args.concurrency)
            t_full = time.perf_counter() - start
            size = sum(p.stat().st_size for p in (tmp / "county").iterdir()) / 2**20
            print()
            print(f"whole county (workbench report): {len(written.branches)} branch + {len(written.townships)} "
                  f"township PDFs + index in {t_full:.1f} s ({t_full / (len(written.branches) + len(written.townships)) * 1000:.0f} ms a file, "
                  f"{size:.1f} MB); with scoring: {t_full + t_gather:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
