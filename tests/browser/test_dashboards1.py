"""The served dashboards I: overview and weight explorer, in headless Chromium.

Each renders with no failing cell, no unexpected page error and no request leaving
the machine; moving a weight slider changes the ranking shown; the language switch
re-labels the page. Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import dashboards_served, page_log_on, open_dashboard, save_screenshot

pytestmark = pytest.mark.browser

OPEN_TIMEOUT = 180_000  # a cold kernel on a busy two-core machine
PLOT = ".js-plotly-plot"


dashboards_server = dashboards_served("voila-dashboards1")


log = page_log_on("dashboards_server", 1440, 1600)


def open_with_charts(page, name: str, count: int) -> float:
    started = time.perf_counter()
    open_dashboard(page, name, timeout=OPEN_TIMEOUT)
    page.wait_for_function(
        "([sel, n]) => [...document.querySelectorAll(sel)].filter(el => el.querySelector('.trace')).length >= n",
        arg=[PLOT, count], timeout=90_000)
    return time.perf_counter() - started


def bar_texts(page, index: int) -> list[str]:
    return page.locator(PLOT).nth(index).locator(".bartext").all_text_contents()


def test_overview_renders_offline_and_switches_language(log):
    page = log.page
    seconds = open_with_charts(page, "01_overview.ipynb", 3)
    print(f"\n01_overview: first charts after {seconds:.1f} s")
    app = page.locator(".wb-app-overview")
    assert app.count() == 1
    cards = page.locator(".wb-kpi")
    assert cards.count() == 8
    assert "支部数" in cards.first.inner_text() and "300" in cards.first.inner_text()
    assert "三强" in page.locator(PLOT).nth(0).inner_text()  # grade chart
    assert page.locator(PLOT).nth(1).locator(".box").count() >= 1  # township box plots
    assert len(bar_texts(page, 2)) == 10  # top 10
    save_screenshot(page, "01_overview_zh")

    page.get_by_role("button", name="English").click()
    page.wait_for_function("() => document.querySelector('.wb-kpi').innerText.includes('Branches')", timeout=30_000)
    page.wait_for_function(
        "sel => document.querySelectorAll(sel)[0].textContent.includes('Strong')", arg=PLOT, timeout=30_000)
    assert "Data source" in app.inner_text()
    page.wait_for_function(  # each chart re-draws in its own time
        "sel => document.querySelectorAll(sel)[2].textContent.includes('Top 10')", arg=PLOT, timeout=30_000)
    save_screenshot(page, "01_overview_en")
    log.assert_clean()


def test_weight_slider_changes_the_ranking(log):
    page = log.page
    seconds = open_with_charts(page, "02_weights.ipynb", 3)
    print(f"\n02_weights: first charts after {seconds:.1f} s")
    app = page.locator(".wb-app-weights")
    assert app.count() == 1
    before = bar_texts(page, 0)  # the ranking is the first chart
    assert len(before) == 10 and all("▲" not in t and "▼" not in t for t in before)

    readout = app.locator(".widget-slider .widget-readout").first  # the first dimension: team
    readout.click()
    readout.fill("60")
    readout.press("Enter")
    page.wait_for_function(
        "([sel, old]) => { const t = [...document.querySelectorAll(sel)[0].querySelectorAll('.bartext')]"
        ".map(e => e.textContent); return t.length && JSON.stringify(t) !== JSON.stringify(old); }",
        arg=[PLOT, before], timeout=30_000)
    after = bar_texts(page, 0)
    assert after != before
    # the summary counts the branches whose rank moved against the baseline weighting (its message may
    # arrive a moment after the chart's)
    page.wait_for_function("() => /[1-9]\\d* 个支部排名变化/.test(document.body.innerText)", timeout=30_000)
    summary = app.locator(".wb-note", has_text="Kendall").first.inner_text()
    moved = int(re.search(r"(\d+) 个支部排名变化", summary).group(1))
    assert moved > 0, summary
    # the other dimension sliders followed: the sum stays 100 %
    assert "合计 100%" in app.inner_text()
    save_screenshot(page, "02_weights_moved")
    log.assert_clean()


def test_plotly_js_loads_once_per_page_from_the_server(log):
    """Four charts, one download of plotly.js (cached by the browser), none through the websocket."""
    page = log.page
    fetched: list[tuple[str, int, str]] = []
    page.on("response", lambda r: fetched.append((r.url, r.status, r.headers.get("cache-control", "")))
            if r.url.endswith("plotly.min.js") else None)
    received: list[int] = []  # sizes of websocket frames from the kernel
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    open_with_charts(page, "02_weights.ipynb", 3)
    assert [(url.rsplit("/", 2)[-2:], status) for url, status, _ in fetched] == [(["workbench", "plotly.min.js"], 200)]
    assert "max-age" in fetched[0][2]
    assert max(received) < 1_000_000, "no chart carries plotly.js over the websocket"
    log.assert_clean()


def test_charts_draw_when_the_server_has_no_plotly_route(log):
    """On a server without the route (plain Jupyter), the first chart asks its kernel for plotly.js."""
    page = log.page
    refused: list[str] = []

    def refuse(route):
        refused.append(route.request.url)
        route.fulfill(status=404, body="not here")
    page.route("**/workbench/plotly.min.js", refuse)
    received: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    open_with_charts(page, "02_weights.ipynb", 3)
    assert len(bar_texts(page, 0)) == 10
    # asked for by the page's early fetch (the template) and by the first chart, never by every chart
    assert 1 <= len(refused) <= 2, refused
    assert sum(size > 4_000_000 for size in received) == 1, "plotly.js came once, through the kernel"
    # only the missing route failed; the charts drew from the bundle the kernel sent
    log.console_errors[:] = [e for e in log.console_errors if "404" not in e]
    log.assert_clean()
