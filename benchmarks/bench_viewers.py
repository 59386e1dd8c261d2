"""Many viewers at once: do they all get a usable page, and how fast?

Starts ``workbench serve`` on the real dashboards (127.0.0.1 only), with a pool
of pre-run kernels for the dashboard measured (``--pool``), waits until the pool
is full, then opens ``--viewers`` headless Chromium pages on it at the same
moment (one browser, one context per viewer, as separate people). A page is
*usable* when its cells are shown, its widgets are drawn, plotly.js is loaded
and a chart has its SVG; a page not usable within ``--timeout`` seconds counts
as blank. Prints, per run:

- time from navigation to a usable page: p50, p95, max (seconds);
- blank pages;
- kernel memory (resident and proportional set size per kernel, MB), measured
  on the kernels' processes once every page is usable, and the server's own.

``--protocol`` measures the server alone: each viewer is a small client that
fetches the page and reads every widget's state over the kernel's websocket, as
the page's widget manager does, without a browser (time to the widgets' state).
On this machine the headless browsers share the server's two cores, so the
browser figures include the browsers' own work; the protocol figures do not.

    python benchmarks/bench_viewers.py                      # 20 viewers, pool 20, weight explorer
    python benchmarks/bench_viewers.py --viewers 40 --pool 20
    python benchmarks/bench_viewers.py --viewers 20 --pool 0    # no pool: every page starts its kernel
    python benchmarks/bench_viewers.py --runs 20x20,40x20       # several runs (viewers x pool) in one go

Every server it starts is stopped at the end (its whole process group).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import statistics
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, SAMPLE, start_server, stop_server  # noqa: E402

USABLE = """
() => {
  const cells = document.getElementById("rendered_cells");
  return !!(cells && cells.style.display !== "none"
    && document.querySelector(".jupyter-widgets .widget-slider")
    && typeof window.Plotly === "object"
    && document.querySelector(".js-plotly-plot .main-svg"));
}
"""


#: What a page that is not usable shows (why it counts as blank).
SHOWN = """
() => ({cells: !!document.getElementById("rendered_cells"),
        widgets: document.querySelectorAll(".jupyter-widgets").length,
        plotly: typeof window.Plotly,
        charts: document.querySelectorAll(".wb-plotly-chart").length,
        drawn: document.querySelectorAll(".js-plotly-plot .main-svg").length,
        chartText: [...document.querySelectorAll(".wb-plotly-chart")].map(e => e.textContent.slice(0, 120))
                   .filter(Boolean).slice(0, 2)})
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def wait_for_pool(server, notebook: str, size: int, timeout: float) -> float:
    """Seconds until every pre-run kernel of the pool has run the notebook (the server logs it)."""
    started = time.perf_counter()
    if size <= 0:
        return 0.0
    while f"pre-run kernels of {notebook}: {size} of {size} ready" not in server.log_text():
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"the pool of {notebook} did not fill within {timeout} s:\n{server.log_text()[-3000:]}")
        time.sleep(1)
    return time.perf_counter() - started


def kernel_memory(server) -> dict:
    """Resident and proportional set size (MB) of the server and of each of its kernels."""
    try:
        root = psutil.Process(server.process.pid)
    except psutil.Error:
        return {}
    kernels, server_mb = [], 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            info = proc.memory_full_info()
            cmd = " ".join(proc.cmdline())
        except psutil.Error:
            continue
        rss, pss = info.rss / 2**20, getattr(info, "pss", info.rss) / 2**20
        if "workbench.serve.kernel" in cmd:
            kernels.append((rss, pss))
        elif "workbench.cli" in cmd:
            server_mb = rss
    if not kernels:
        return {"server_rss": server_mb}
    return {"kernels": len(kernels), "server_rss": server_mb,
            "rss_mean": statistics.mean(r for r, _ in kernels), "rss_max": max(r for r, _ in kernels),
            "pss_mean": statistics.mean(p for _, p in kernels), "pss_total": sum(p for _, p in kernels)}


async def one_viewer(browser, url: str, notebook: str, timeout: float, start: asyncio.Event) -> dict:
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, base_url=url)
    page = await context.new_page()
    errors: list[str] = []
    console: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text[:200]}")
            if msg.type in ("error", "warning") else None)
    await start.wait()
    began = time.perf_counter()
    try:
        await page.goto(f"voila/render/{notebook}", wait_until="commit", timeout=timeout * 1000)
        await page.wait_for_function(USABLE, timeout=timeout * 1000, polling=100)
        return {"seconds": time.perf_counter() - began, "errors": errors, "context": context}
    except Exception as exc:  # not usable in time: a blank page
        shown = await page.evaluate(SHOWN)
        return {"seconds": None, "errors": errors + [type(exc).__name__], "shown": shown,
                "console": console[-5:], "context": context}


def cpu_seconds(server) -> dict[str, float]:
    """CPU time (user + system, s) so far of the headless browsers, of the server's kernels and of the
    server itself: on this machine they share the same cores."""
    totals = {"browsers": 0.0, "kernels": 0.0, "server": 0.0}
    for proc in psutil.process_iter(["cmdline"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            times = proc.cpu_times()
        except psutil.Error:
            continue
        spent = times.user + times.system
        if "chrom" in cmd.split(" ", 1)[0]:
            totals["browsers"] += spent
        elif "workbench.serve.kernel" in cmd:
            totals["kernels"] += spent
        elif proc.pid == server.process.pid:
            totals["server"] += spent
    return totals


async def viewers_at_once(url: str, notebook: str, n: int, timeout: float, server=None) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        start = asyncio.Event()
        tasks = [asyncio.create_task(one_viewer(browser, url, notebook, timeout, start)) for _ in range(n)]
        await asyncio.sleep(1.0)  # every context is ready: now they all navigate at the same moment
        before = cpu_seconds(server) if server else {}
        start.set()
        results = await asyncio.gather(*tasks)
        if server:  # before the pages close: a closed page's renderer process and its CPU time are gone
            after = cpu_seconds(server)
            results[0]["cpu"] = {k: after[k] - before[k] for k in after}
        for r in results:
            await r.pop("context").close()
        await browser.close()
    return results


async def protocol_viewers(url: str, notebook: str, n: int, timeout: float) -> list[dict]:
    """Each viewer fetches the page and reads every widget's state over the websocket (no browser)."""
    from tests.serve.access import Client, KernelSocket

    # a thread per viewer for the blocking page request: asyncio's default pool has min(32, cores + 4)
    # threads, and tornado resolves 127.0.0.1 in that pool too: viewers waiting there for the pool's
    # refill would make the others' websockets time out "while resolving"
    threads = concurrent.futures.ThreadPoolExecutor(max_workers=n)

    async def one() -> dict:
        began = time.perf_counter()
        try:
            client = Client(url)
            response, kernel_id = await asyncio.get_running_loop().run_in_executor(
                threads, lambda: client.open_dashboard(notebook, timeout=timeout))
            if response.status != 200 or kernel_id is None:
                return {"seconds": None, "errors": [f"HTTP {response.status}"]}
            ws = await KernelSocket.connect(url, kernel_id, headers={"Cookie": client.cookie_header()})
            states = await ws.widget_states(timeout=timeout)
            ws.close()
            return {"seconds": time.perf_counter() - began, "errors": [], "widgets": len(states)}
        except Exception as exc:
            return {"seconds": None, "errors": [repr(exc)[:200]]}

    try:
        return await asyncio.gather(*(one() for _ in range(n)))
    finally:
        threads.shutdown(wait=False)


def run(viewers: int, pool: int, *, notebook: str, data: Path, timeout: float, lang: str,
        protocol: bool = False) -> dict:
    args = ["--lang", lang, "--max-kernels", str(max(viewers * 2, 40)), "--max-kernels-per-user", "0",
            "--connect-timeout", str(int(timeout) + 60)]
    if pool:
        args += ["--pool", f"{notebook}={pool}"]
    server = start_server(notebooks=ROOT / "notebooks", data=data, name=f"bench-viewers-{viewers}x{pool}",
                          args=tuple(args), timeout=120)
    try:
        fill = wait_for_pool(server, notebook, pool, timeout=900)
        idle = kernel_memory(server)
        load = _load()
        if protocol:
            results = asyncio.run(protocol_viewers(server.url, notebook, viewers, timeout))
        else:
            results = asyncio.run(viewers_at_once(server.url, notebook, viewers, timeout, server))
        memory = kernel_memory(server)
    finally:
        stop_server(server)
    seconds = [r["seconds"] for r in results if r["seconds"] is not None]
    blank = [r for r in results if r["seconds"] is None]
    return {"viewers": viewers, "pool": pool, "protocol": protocol, "load_before": load,
            "pool_fill_s": fill, "seconds": seconds, "blank": len(blank),
            "blank_detail": [r.get("shown") for r in blank][:3],
            "console": sorted({c for r in blank for c in r.get("console", [])})[:6],
            "error_kinds": sorted({e[:160] for r in results for e in r["errors"]})[:8],
            "page_errors": sum(len(r["errors"]) for r in results), "memory": memory, "idle_memory": idle,
            "cpu": results[0].get("cpu", {}) if results else {}}


def _load() -> float:
    """The machine's 1-minute load average (other work on the two cores skews every figure)."""
    try:
        return psutil.getloadavg()[0]
    except (AttributeError, OSError):
        return float("nan")


def report(r: dict, timeout: float) -> None:
    s = r["seconds"]
    kind = "protocol viewers (no browser)" if r["protocol"] else "browser viewers"
    head = f"{r['viewers']} {kind} at once, pool {r['pool']}"
    if r["pool"]:
        head += f" (pre-run in {r['pool_fill_s']:.0f} s)"
    head += f"; load average before: {r['load_before']:.1f} on {psutil.cpu_count()} cores"
    print(head)
    if s:
        within10 = sum(1 for v in s if v <= 10)
        print(f"  {'widgets state' if r['protocol'] else 'usable page'}: p50 {percentile(s, 50):.1f} s, p95 {percentile(s, 95):.1f} s, max {max(s):.1f} s; "
              f"{within10}/{r['viewers']} within 10 s")
    what = "viewers without the widgets' state" if r["protocol"] else "blank pages"
    print(f"  {what} (within {timeout:.0f} s): {r['blank']}/{r['viewers']}"
          + (f"  e.g. {r['blank_detail']}" if r["blank"] else ""))
    m = r["memory"]
    if m.get("kernels"):
        print(f"  kernels: {m['kernels']}, resident mean {m['rss_mean']:.0f} MB (max {m['rss_max']:.0f}), "
              f"proportional mean {m['pss_mean']:.0f} MB, {m['pss_total'] / 1024:.1f} GB together; "
              f"server {m['server_rss']:.0f} MB")
    if r.get("cpu"):
        c = r["cpu"]
        total = sum(c.values()) or float("nan")
        print(f"  CPU while the pages opened: browsers {c['browsers']:.0f} s ({c['browsers'] / total:.0%}), "
              f"kernels {c['kernels']:.1f} s, server {c['server']:.1f} s; per viewer: browser "
              f"{c['browsers'] / r['viewers']:.2f} s, server and kernel {(c['kernels'] + c['server']) / r['viewers']:.2f} s")
    if r.get("console"):
        print("  console of blank pages: " + " | ".join(r["console"]))
    if r["page_errors"]:
        print(f"  errors: {r['page_errors']}: " + " | ".join(r["error_kinds"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--pool", type=int, default=20, help="pre-run kernels of the dashboard (default 20)")
    parser.add_argument("--runs", default="", help="several runs, e.g. 20x20,40x20 (viewers x pool)")
    parser.add_argument("--notebook", default="02_weights.ipynb")
    parser.add_argument("--data", default=str(SAMPLE))
    parser.add_argument("--timeout", type=float, default=180, help="seconds before a page counts as blank")
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--protocol", action="store_true",
                        help="viewers without a browser: the server's own time to every widget's state")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    runs = [tuple(int(x) for x in item.split("x")) for item in args.runs.split(",") if item] \
        or [(args.viewers, args.pool)]
    results = []
    for viewers, pool in runs:
        result = run(viewers, pool, notebook=args.notebook, data=Path(args.data), timeout=args.timeout,
                     lang=args.lang, protocol=args.protocol)
        report(result, args.timeout)
        results.append(result)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0 if all(r["blank"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
