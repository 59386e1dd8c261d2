"""Feedback reports of a county (sample_data: 300 branches, 12 townships): how long, and against what.

Measured in one run, on the same branch reports:

- ``browser per report``: a fresh Chromium for each PDF (what a loop over
  ``chromium --print-to-pdf`` does), on a few reports;
- ``one page at a time``: one browser, one page, the reports in turn, and the
  same with the Noto CJK font only (which Chromium embeds as Type 3 glyph
  pictures) to show what the TrueType font buys;
- ``concurrent pages``: one browser, one context, ``--concurrency`` pages;
- ``batches cut apart`` (what ``workbench report`` does): ``--batch`` reports
  printed as one document and cut into one PDF each at named destinations;

per report and against one page at a time, then the whole county (every
branch, every township, the index) as ``workbench report`` writes it.

    python benchmarks/bench_reports.py [--subset 50] [--concurrency 3] [--batch 25] [--no-full]
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
from workbench.meeting.pdf import PDF_FONTS, Part, PdfJob, print_pdfs, print_split  # noqa: E402
from workbench.meeting.reports import _HEAD, branch_report_body, branch_report_html, write_reports  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "sample_data"))
    ap.add_argument("--period", type=int, default=2025)
    ap.add_argument("--subset", type=int, default=50, help="reports for the method comparison (default 50)")
    ap.add_argument("--fresh", type=int, default=5, help="reports printed with a browser each (default 5)")
    ap.add_argument("--concurrency", type=int, default=3)
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--no-full", action="store_true", help="skip the whole county")
    args = ap.parse_args(argv)

    start = time.perf_counter()
    facts = gather(wb.load(args.data), period=args.period)
    t_gather = time.perf_counter() - start
    ids = facts.standing.index[: args.subset]
    start = time.perf_counter()
    pages = [branch_report_html(facts, b, lang="zh") for b in ids]
    t_html = (time.perf_counter() - start) / len(ids)
    bodies = [branch_report_body(facts, b, lang="zh") for b in ids]
    footer = facts.context.footer("zh")
    print(f"{len(facts.standing)} branches, {facts.standing['township'].nunique()} townships, period {facts.period}")
    print(f"score + key figures + last year + robustness (once): {t_gather:6.2f} s")
    print(f"HTML of one branch report:                          {t_html * 1000:6.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rows = []

        def timed(label, n, run):
            start = time.perf_counter()
            run()
            rows.append((label, (time.perf_counter() - start) / n, n))

        fresh = [PdfJob(h, tmp / f"fresh-{k}.pdf") for k, h in enumerate(pages[: args.fresh])]
        timed("browser per report", len(fresh), lambda: [print_pdfs([job], concurrency=1) for job in fresh])
        one = [PdfJob(h, tmp / f"one-{k}.pdf") for k, h in enumerate(pages)]
        timed("one page at a time", len(one), lambda: print_pdfs(one, concurrency=1))
        noto = [PdfJob(h.replace(PDF_FONTS, '"Noto Sans CJK SC", sans-serif'), tmp / f"noto-{k}.pdf")
                for k, h in enumerate(pages)]
        timed("  the same, Noto CJK only", len(noto), lambda: print_pdfs(noto, concurrency=1))
        many = [PdfJob(h, tmp / f"many-{k}.pdf") for k, h in enumerate(pages)]
        timed(f"concurrent pages ({args.concurrency})", len(many), lambda: print_pdfs(many, concurrency=args.concurrency))
        parts = [Part(b, tmp / f"cut-{k}.pdf") for k, b in enumerate(bodies)]
        timed(f"batches of {args.batch} cut apart", len(parts),
              lambda: print_split(parts, head=_HEAD, footer=footer, batch=args.batch, concurrency=args.concurrency))
        reference = rows[1][1]
        print()
        print(f"{'method':<28} {'reports':>7} {'per report':>11} {'300 branches':>13} {'vs one page':>12}")
        for label, per, n in rows:
            print(f"{label:<28} {n:>7} {per * 1000:>8.0f} ms {per * 300:>11.0f} s {reference / per:>11.2f}x")
        size_one = sum((tmp / f"one-{k}.pdf").stat().st_size for k in range(len(pages))) / len(pages) / 1024
        size_noto = sum((tmp / f"noto-{k}.pdf").stat().st_size for k in range(len(pages))) / len(pages) / 1024
        size_cut = sum(p.path.stat().st_size for p in parts) / len(parts) / 1024
        print(f"file size: {size_one:.0f} KB (one at a time), {size_noto:.0f} KB (Noto CJK only), "
              f"{size_cut:.0f} KB (cut from a batch)")

        if not args.no_full:
            start = time.perf_counter()
            written = write_reports(facts, tmp / "county", lang="zh", concurrency=args.concurrency,
                                    batch=args.batch)
            t_full = time.perf_counter() - start
            n = len(written.branches) + len(written.townships)
            size = sum(p.stat().st_size for p in (tmp / "county").iterdir()) / 2**20
            print()
            print(f"whole county (workbench report): {len(written.branches)} branch + {len(written.townships)} "
                  f"township PDFs + index in {t_full:.1f} s ({t_full / n * 1000:.0f} ms a file, {size:.1f} MB); "
                  f"with loading and scoring: {t_full + t_gather:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
