"""The meeting deck of the sample county: its pictures in one kaleido session against one session per picture.

kaleido starts a headless Chromium for each call of ``fig.write_image``; the
deck renders its seven charts with one ``plotly.io.write_images`` call (one
browser). Printed: both ways, their ratio, then the whole deck (.pptx) and the
deck with its PDF, as ``workbench deck`` writes them.

    python benchmarks/bench_deck.py [--lang zh]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import workbench as wb  # noqa: E402
from workbench.meeting import gather  # noqa: E402
from workbench.meeting.deck import deck_figure, write_deck  # noqa: E402
from workbench.meeting.figures import FIGURES  # noqa: E402
from workbench.meeting.render import render_pngs  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", default="zh", choices=["zh", "en"])
    args = ap.parse_args(argv)
    start = time.perf_counter()
    facts = gather(wb.load(ROOT / "sample_data"), period=2025)
    print(f"score + key figures + last year + robustness: {time.perf_counter() - start:.2f} s")
    figures = {name: deck_figure(build(facts, lang=args.lang)) for name, build in FIGURES.items()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        render_pngs(figures, tmp / "one")
        t_one = time.perf_counter() - start
        os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")
        (tmp / "each").mkdir()
        start = time.perf_counter()
        for name, fig in figures.items():
            fig.write_image(tmp / "each" / f"{name}.png", width=1600, height=int(fig.layout.height or 620))
        t_each = time.perf_counter() - start
        print(f"{len(figures)} charts, one kaleido session:     {t_one:6.2f} s")
        print(f"{len(figures)} charts, a session per chart:     {t_each:6.2f} s   ({t_each / t_one:.2f}x slower)")
        start = time.perf_counter()
        write_deck(facts, tmp / "deck.pptx", lang=args.lang)
        t_deck = time.perf_counter() - start
        start = time.perf_counter()
        write_deck(facts, tmp / "deck2.pptx", lang=args.lang, pdf=tmp / "deck2.pdf")
        t_pdf = time.perf_counter() - start
        print(f"the deck (.pptx):                     {t_deck:6.2f} s ({(tmp / 'deck.pptx').stat().st_size / 2**20:.1f} MB)")
        print(f"the deck and its PDF:                 {t_pdf:6.2f} s ({(tmp / 'deck2.pdf').stat().st_size / 2**20:.1f} MB PDF)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
