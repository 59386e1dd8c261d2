"""How fast a served dashboard feels in the browser.

Starts ``workbench serve`` (or uses a running server with ``--url``), opens the
dashboard once to warm the server, then measures in headless Chromium:

- page open -> first chart drawn, on the warm server (``--opens`` times);
- slider -> chart update: a key press on a slider's handle (or a typed value in
  its readout) to the first change of the chart's SVG, measured inside the page
  (keydown timestamp to DOM mutation), over ``--moves`` moves; p50 / p95 / max.

    python benchmarks/bench_dashboard.py --notebook 02_weights.ipynb
    python benchmarks/bench_dashboard.py --notebook slider_chart.ipynb \\
        --notebooks tests/browser/fixtures --data sample_data --moves 20
    python benchmarks/bench_dashboard.py --notebook 02_weights.ipynb --data province/ --preheat 1

A dashboard with several sliders or charts: pick them with ``--slider`` /
``--slider-index`` and ``--chart`` (CSS selectors; the first match by default).
``--json PATH`` also writes the figures (and the raw samples) to a file.
"""

from __future__ import annotations

import argparse
import json
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

# Arms a one-shot measurement: t0 at the next keydown anywhere in the page
# (capturing, so before any widget handles it), t1 at the first mutation of the
# chart's SVG after it. Resolves to t1 - t0 in ms, or null after `timeout` ms.
ARM = """
({ chart, timeout }) => {
  const target = document.querySelectorAll(chart)[0];
  if (!target) throw new Error("no chart matches " + chart);
  let t0 = null;
  window.__benchResult = new Promise((resolve) => {
    const onKey = () => { if (t0 === null) t0 = performance.now(); };
    document.addEventListener("keydown", onKey, true);
    const observer = new MutationObserver(() => {
      if (t0 === null) return;
      const elapsed = performance.now() - t0;
      observer.disconnect();
      document.removeEventListener("keydown", onKey, true);
      resolve(elapsed);
    });
    observer.observe(target, { subtree: true, childList: true, attributes: true, characterData: true });
    setTimeout(() => {
      observer.disconnect();
      document.removeEventListener("keydown", onKey, true);
      resolve(null);
    }, timeout);
  });
}
"""

FIRST_CHART = """
(chart) => [...document.querySelectorAll(chart)].some(
  (el) => el.querySelector(".main-svg .trace") !== null)
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def time_to_first_chart(browser, url: str, notebook: str, chart: str, timeout_ms: float) -> tuple[float, float]:
    """Seconds from navigation to (cells shown, first chart drawn).

    Cells are shown once the server has run the notebook and the page has loaded
    its scripts; the rest, to the first chart, is the browser building the widgets.
    """
    log = new_page_log(browser, url)
    try:
        page = log.page
        started = time.perf_counter()
        page.goto(f"voila/render/{notebook}", wait_until="commit", timeout=timeout_ms)
        page.wait_for_selector("#rendered_cells", state="visible", timeout=timeout_ms)
        cells = time.perf_counter() - started
        open_dashboard(page, notebook, timeout=timeout_ms, widgets=chart, navigate=False)
        page.wait_for_function(FIRST_CHART, arg=chart, timeout=timeout_ms)
        elapsed = time.perf_counter() - started
        log.assert_clean()
        return cells, elapsed
    finally:
        close_page_log(log)


def slider_latencies(browser, url: str, notebook: str, *, slider: str, index: int, chart: str,
                     moves: int, method: str, timeout_ms: float) -> tuple[list[float], int]:
    log = new_page_log(browser, url)
    try:
        page = log.page
        open_dashboard(page, notebook, timeout=timeout_ms, widgets=chart)
        page.wait_for_function(FIRST_CHART, arg=chart, timeout=timeout_ms)
        target = page.locator(slider).nth(index)
        target.scroll_into_view_if_needed()
        handle = target.locator(".noUi-handle").first
        readout = target.locator(".widget-readout").first
        samples, missed, direction = [], 0, "ArrowRight"
        for move in range(moves):
            page.evaluate(ARM, {"chart": chart, "timeout": 5000})
            if method == "keyboard":
                handle.focus()
                page.keyboard.press(direction)
            else:
                value = float(readout.inner_text() or 0)
                step = 1 if move % 2 == 0 else -1
                readout.fill(f"{value + step:g}")
                readout.press("Enter")
            result = page.evaluate("window.__benchResult")
            if result is None:  # at the end of the range, or the chart did not change
                missed += 1
                direction = "ArrowLeft" if direction == "ArrowRight" else "ArrowRight"
            else:
                samples.append(result)
            page.wait_for_timeout(150)  # let the kernel settle between moves
        log.assert_clean()
        return samples, missed
    finally:
        close_page_log(log)


def reference_open(browser, args, timeout_ms: float) -> float:
    """Median warm open of the smallest dashboard (tests/browser/fixtures/slider_chart.ipynb): what
    Voilà, the widget manager and plotly.js cost before any workbench code runs."""
    server = start_server(notebooks=ROOT / "tests" / "browser" / "fixtures", name="bench-dashboard-floor",
                          args=("--preheat", str(args.preheat)))
    try:
        time_to_first_chart(browser, server.url, "slider_chart.ipynb", ".js-plotly-plot", timeout_ms)
        runs = []
        for _ in range(args.opens):
            time.sleep(args.pause)
            runs.append(time_to_first_chart(browser, server.url, "slider_chart.ipynb", ".js-plotly-plot",
                                            timeout_ms)[1])
        return statistics.median(runs)
    finally:
        stop_server(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", default="02_weights.ipynb",
                        help="dashboard file name (default 02_weights.ipynb)")
    parser.add_argument("--notebooks", default=str(ROOT / "notebooks"), help="folder served (default notebooks/)")
    parser.add_argument("--data", default=str(SAMPLE), help="data folder or workbook (default sample_data)")
    parser.add_argument("--url", help="use this running server instead of starting one")
    parser.add_argument("--preheat", type=int, default=1,
                        help="start the server with --preheat N (default 1, as make dashboard)")
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--theme", default="light")
    parser.add_argument("--opens", type=int, default=3, help="warm page opens to time (default 3)")
    parser.add_argument("--pause", type=float, default=15,
                        help="seconds between page opens (default 15: the preheated kernel is ready again; "
                             "0: one open after another)")
    parser.add_argument("--moves", type=int, default=20, help="slider moves to time (default 20)")
    parser.add_argument("--method", choices=["keyboard", "readout"], default="keyboard",
                        help="move by arrow key on the handle, or type into the readout")
    parser.add_argument("--slider", default=".widget-slider", help="CSS selector of the slider")
    parser.add_argument("--slider-index", type=int, default=0, help="which match of --slider")
    parser.add_argument("--chart", default=".js-plotly-plot", help="CSS selector of the chart")
    parser.add_argument("--timeout", type=float, default=120, help="seconds allowed per page open")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the reference: Voilà's own floor, a one-slider one-chart page on a second server")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    server = None
    url = args.url
    if url is None:
        server = start_server(
            notebooks=Path(args.notebooks), data=Path(args.data), name="bench-dashboard",
            args=("--lang", args.lang, "--theme", args.theme, "--preheat", str(args.preheat)),
        )
        url = server.url
    timeout_ms = args.timeout * 1000
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            if args.preheat:
                time.sleep(2)  # the pool fills in the background; the first open waits for it anyway
            _, cold = time_to_first_chart(browser, url, args.notebook, args.chart, timeout_ms)
            runs = []
            for _ in range(args.opens):
                # with --preheat, the pool starts a new kernel after each open: --pause lets it
                # finish (a viewer arriving some seconds after the last), 0 measures opens in a rush
                time.sleep(args.pause)
                runs.append(time_to_first_chart(browser, url, args.notebook, args.chart, timeout_ms))
            warm_cells = [c for c, _ in runs]
            warm = [w for _, w in runs]
            floor = None
            if not args.no_reference:
                floor = reference_open(browser, args, timeout_ms)
            latencies, missed = slider_latencies(
                browser, url, args.notebook, slider=args.slider, index=args.slider_index,
                chart=args.chart, moves=args.moves, method=args.method, timeout_ms=timeout_ms,
            )
            browser.close()
    finally:
        if server is not None:
            stop_server(server)

    print(f"dashboard {args.notebook}  data {Path(args.data).name}  "
          f"server {'given' if args.url else f'started, preheat {args.preheat}'}")
    print(f"  first open (server just started) -> first chart: {cold:5.1f} s")
    print(f"  warm page open -> first chart, {len(warm)} runs {args.pause:g} s apart: "
          + ", ".join(f"{w:.1f}" for w in warm) + f" s  (median {statistics.median(warm):.1f} s)")
    print(f"    of which server runs the notebook + page loads -> cells shown: median "
          f"{statistics.median(warm_cells):.1f} s; widgets and charts built in the browser: "
          f"{statistics.median(warm) - statistics.median(warm_cells):.1f} s")
    if floor is not None:
        print(f"  reference, Voilà's floor (one slider, one chart, same machine, same run): median {floor:.1f} s; "
              f"ratio {statistics.median(warm) / floor:.1f}x")
    if latencies:
        print(f"  slider -> chart update ({args.method}), {len(latencies)} moves: "
              f"p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms, "
              f"max {max(latencies):.0f} ms" + (f"  ({missed} moves changed nothing)" if missed else ""))
    else:
        print(f"  slider -> chart update: no move changed the chart ({missed} tried); "
              "check --slider / --chart")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({
            "notebook": args.notebook, "data": str(args.data), "preheat": args.preheat, "pause_s": args.pause,
            "first_open_s": cold, "warm_open_s": warm, "warm_cells_shown_s": warm_cells,
            "slider_ms": latencies, "slider_missed": missed, "method": args.method,
            "slider_p50_ms": percentile(latencies, 50) if latencies else None,
            "slider_p95_ms": percentile(latencies, 95) if latencies else None,
            "reference_open_s": floor,
        }, indent=2))
    return 0 if latencies else 1


if __name__ == "__main__":
    sys.exit(main())
