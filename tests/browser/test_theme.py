"""--lang en --theme dark: English first, dark pages and dark plotly charts."""

from __future__ import annotations

import pytest

from tests.browser.conftest import close_page_log, new_page_log, open_dashboard, save_screenshot, start_server, stop_server

pytestmark = pytest.mark.browser

PLOTLY_DARK_PAPER = "rgb(17, 17, 17)"


@pytest.fixture(scope="module")
def dark_server():
    server = start_server(args=("--lang", "en", "--theme", "dark"), name="voila-dark-en")
    yield server
    stop_server(server)


@pytest.fixture
def dark_page_log(chromium, dark_server):
    log = new_page_log(chromium, dark_server.url)
    yield log
    close_page_log(log)


def test_landing_in_english_and_dark(dark_page_log):
    page = dark_page_log.page
    page.goto("/")
    assert page.inner_text(".wb-app-title") == "Branch Assessment Workbench"
    assert page.inner_text(".wb-app-subtitle") == "支部考评工作台"
    card = page.locator("a.wb-card").first
    assert card.locator(".wb-card-title").inner_text() == "Test dashboard: slider and bar chart"
    assert card.locator(".wb-card-title-alt").inner_text() == "测试看板：滑块与柱状图"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(17, 19, 21)"
    dark_page_log.assert_clean()
    save_screenshot(page, "landing-dark-en")


def test_dashboard_and_its_charts_are_dark(dark_page_log):
    page = dark_page_log.page
    open_dashboard(page, "slider_chart.ipynb", widgets=".widget-slider")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.inner_text(".wb-settings") == "data=sample_data lang=en theme=dark"
    assert "theme-dark" in page.get_attribute("body", "class")
    paper = page.eval_on_selector(".js-plotly-plot .main-svg", "e => getComputedStyle(e).backgroundColor")
    assert paper == PLOTLY_DARK_PAPER
    dark_page_log.assert_clean()
    save_screenshot(page, "dashboard-dark-en")
