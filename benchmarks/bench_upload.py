"""Uploading a county's workbook in a served page, against reading it in Python (issue 19).

Starts ``workbench serve`` (127.0.0.1 only) on the real dashboards, opens the
overview in headless Chromium, unfolds the data section and uploads the
workbook as a person does (click, file chooser), then times:

- click -> the page says the data set is loaded (its branch count shown): what
  the planner waits for;
- the reference in the same run: ``wb.load`` of the same file in this process
  (the reader alone, no browser, no websocket, no re-scoring of the page).

The difference is the page's own cost: sending the bytes over the websocket,
storing the data set for every dashboard of the server, scoring and drawing.

    python benchmarks/bench_upload.py                       # sample_data/county.xlsx, 3 uploads
    python benchmarks/bench_upload.py --file province.xlsx --uploads 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (  # noqa: E402  (the browser tests' server and browser setup)
    CHROMIUM,
    CHROMIUM_ARGS,
    SAMPLE,
    close_page_log,
    new_page_log,
    open_dashboard,
    start_server,
    stop_server,
)

LOADED = "(n) => document.body.innerText.includes('已加载') && document.body.innerText.includes(n + ' 个支部')"


def upload_seconds(browser, url: str, path: Path, branches: int, timeout_ms: float) -> float:
    """Seconds from the click on the upload button to the page showing the data set loaded."""
    log = new_page_log(browser, url)
    try:
        page = log.page
        open_dashboard(page, "01_overview.ipynb", timeout=timeout_ms)
        page.get_by_text("数据", exact=True).first.click()  # unfold the data section
        started = time.perf_counter()
        with page.expect_file_chooser() as chooser:
            page.click(".wb-data-picker .widget-upload")
        chooser.value.set_files(str(path))
        page.wait_for_function(LOADED, arg=str(branches), timeout=timeout_ms)
        elapsed = time.perf_counter() - started
        log.assert_clean()
        return elapsed
    finally:
        close_page_log(log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(SAMPLE / "county.xlsx"), help="workbook to upload")
    parser.add_argument("--uploads", type=int, default=3, help="uploads to time (a new page each)")
    parser.add_argument("--timeout", type=float, default=180, help="seconds allowed per upload")
    args = parser.parse_args(argv)

    import workbench as wb
    from playwright.sync_api import sync_playwright

    path = Path(args.file).resolve()
    loads = []
    for _ in range(max(args.uploads, 1)):
        started = time.perf_counter()
        data = wb.load(path)
        loads.append(time.perf_counter() - started)
    branches = len(data.branches)

    server = start_server(notebooks=ROOT / "notebooks", name="bench-upload", args=("--preheat", "1"))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            pages = [upload_seconds(browser, server.url, path, branches, args.timeout * 1000)
                     for _ in range(args.uploads)]
            browser.close()
    finally:
        stop_server(server)

    page, load = statistics.median(pages), statistics.median(loads)
    print(f"upload of {path.name} ({path.stat().st_size / 2**20:.1f} MiB, {branches} branches) in the overview")
    print("  click -> page shows it loaded: " + ", ".join(f"{s:.1f}" for s in pages) + f" s (median {page:.1f} s)")
    print(f"  reference, wb.load of the same file in Python: median {load:.2f} s")
    print(f"  ratio page / reader: {page / load:.1f}x; the page's own cost {page - load:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
