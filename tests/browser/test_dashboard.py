"""A served dashboard: renders offline, no code shown, slider moves the chart."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import CELL_ERROR_TEXT, open_dashboard, save_screenshot

pytestmark = pytest.mark.browser

BARS = ".js-plotly-plot .bartext"


def bar_texts(page) -> list[str]:
    return page.eval_on_selector_all(BARS, "els => els.map(e => e.textContent)")


def test_dashboard_renders_offline_and_the_slider_moves_the_chart(page_log, voila_server):
    page = page_log.page
    open_dashboard(page, "slider_chart.ipynb", widgets=".widget-slider")
    page.wait_for_selector(BARS)
    assert bar_texts(page) == ["3.0", "5.0", "2.0", "4.0"]
    # the chart fills the width of the page (drawn while hidden, then re-fitted)
    page.wait_for_function(
        """() => {
          const chart = document.querySelector('.js-plotly-plot .main-svg').getBoundingClientRect().width;
          const cells = document.getElementById('rendered_cells').getBoundingClientRect().width;
          return chart > 0.85 * (cells - 64);
        }""", timeout=10_000,
    )

    # the kernel got the server's settings through the environment
    assert page.inner_text(".wb-settings") == "data=sample_data lang=zh theme=light"
    # sources are stripped: no code cell input reaches the page
    assert page.locator(".jp-InputArea-editor").count() == 0
    assert "rescale" not in page.content()
    # bilingual frame around the notebook
    topbar = page.inner_text(".wb-topbar")
    assert "全部看板" in topbar and "All dashboards" in topbar
    assert page.title() == "测试看板：滑块与柱状图 · Test dashboard: slider and bar chart — 支部考评工作台"

    readout = page.locator(".widget-slider .widget-readout")
    readout.fill("2")
    readout.press("Enter")
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].map(e => e.textContent).join(',') === '6.0,10.0,4.0,8.0'",
        arg=BARS, timeout=10_000,
    )

    page_log.assert_clean()
    save_screenshot(page, "dashboard-slider_chart")

    # closing the tab shuts its kernel down (not left for the culler)
    kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 15
    while f"Kernel shutdown: {kernel_id}" not in voila_server.log_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert f"Kernel shutdown: {kernel_id}" in voila_server.log_text()


def test_open_dashboard_fails_on_a_failing_cell(page_log, voila_server):
    page = page_log.page
    with pytest.raises(AssertionError, match="broken.ipynb: a cell failed"):
        open_dashboard(page, "broken.ipynb")
    assert CELL_ERROR_TEXT in page.content()
    # the cells after the failing one never ran
    assert page.locator(".widget-slider").count() == 0


# A call to AbortSignal.timeout(2000) made from anywidget's code (its stack names
# a script under .../anywidget/...) and one made from anywhere else.
ANYWIDGET_DEADLINE = """
async () => {
  const fromAnywidget = new Function(
    "return AbortSignal.timeout(2000)\\n//# sourceURL=" + location.origin + "/voila/labextensions/anywidget/static/probe.js");
  const theirs = fromAnywidget();
  const ours = AbortSignal.timeout(2000);
  await new Promise((resolve) => setTimeout(resolve, 2600));
  return { anywidget: theirs.aborted, other: ours.aborted };
}
"""


def test_anywidget_gets_more_than_two_seconds_to_start(page_log, voila_server):
    """anywidget gives a model 2 s to load plotly's 5 MB bundle; one that misses it
    never takes an update again (its chart freezes). The page lengthens only that
    deadline."""
    page = page_log.page
    open_dashboard(page, "slider_chart.ipynb", widgets=".widget-slider")
    assert page.evaluate(ANYWIDGET_DEADLINE) == {"anywidget": False, "other": True}
