"""The served dashboards II: branch settings, inspection, research.

Each renders with no failing cell, no unexpected page error and no request
leaving the machine; a merge in the settings dashboard changes the before/after
table; "overdue only" leaves only overdue problems in the list. Screenshots go
to test-output/screenshots/ (full height: Voilà scrolls inside the page, so the
viewport is grown to the content first).
"""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import dashboards_served, page_log_on, open_dashboard, save_screenshot

pytestmark = pytest.mark.browser

CHART = ".js-plotly-plot .main-svg"
OPEN_TIMEOUT = 180_000  # a cold kernel on a busy two-core machine


dashboards_server = dashboards_served("voila-dashboards2")


log = page_log_on("dashboards_server", 1440, 1600)


def open_with_chart(page, name: str) -> tuple[float, float]:
    """Open a dashboard; seconds to its widgets and to its first drawn chart."""
    started = time.perf_counter()
    widgets = open_dashboard(page, name, timeout=OPEN_TIMEOUT)
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].some(el => el.querySelector('.trace') !== null)",
        arg=".js-plotly-plot", timeout=60_000)
    return widgets, time.perf_counter() - started


def full_screenshot(page, name: str):
    height = page.evaluate("document.getElementById('rendered_cells').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": int(height) + 120})
    page.wait_for_timeout(1500)  # plotly re-fits to the new viewport
    return save_screenshot(page, name)


def test_settings_dashboard_merge_changes_the_before_after(log):
    page = log.page
    widgets, chart = open_with_chart(page, "03_branch_settings.ipynb")
    print(f"\n03_branch_settings: widgets {widgets:.1f} s, first chart {chart:.1f} s")
    assert page.locator(".wb-app-settings").count() == 1
    assert "全县组织设置与组织生活问题" in page.inner_text(".wb-app-settings")
    assert page.locator(".wb-app-settings .js-plotly-plot").count() == 2
    assert page.locator(".wb-before-after").count() == 0  # nothing touched yet
    totals = page.locator(".wb-app-settings table.wb-table").nth(1)
    assert "300" in totals.inner_text()

    select = page.locator(".wb-app-settings .widget-select-multiple select").first
    labels = select.evaluate("s => [...s.options].map(o => o.value)")
    pick = [lab for lab in labels if "B00031，" in lab or "B00032，" in lab]
    assert len(pick) == 2, labels[:5]
    select.select_option(label=pick)
    started = time.perf_counter()
    button = page.locator("button.wb-do-merge")
    assert button.inner_text().strip() == "合并"
    button.click()
    page.wait_for_selector(".wb-before-after", timeout=30_000)
    merge_seconds = time.perf_counter() - started
    print(f"03_branch_settings: merge -> before/after table {merge_seconds:.2f} s")
    table = page.inner_text(".wb-before-after")
    assert table.count("撤销") == 2 and "新设" in table
    assert "B00031" in table and "B00032" in table and "B00301" in table
    assert "299" in page.locator(".wb-app-settings table.wb-table").nth(1).inner_text()
    assert "已执行" in page.inner_text(".wb-status.wb-ok")
    assert page.locator(".wb-steps li").count() == 1

    log.assert_clean()
    full_screenshot(page, "dashboard-03_branch_settings")


def test_inspection_dashboard_overdue_filter(log):
    page = log.page
    widgets, chart = open_with_chart(page, "04_inspection.ipynb")
    print(f"\n04_inspection: widgets {widgets:.1f} s, first chart {chart:.1f} s")
    assert page.locator(".wb-app-inspection .js-plotly-plot").count() == 3
    pills = ".wb-problem-list .wb-pill"
    summary = page.locator(".wb-app-inspection .wb-note", has_text="共 ")
    before = summary.inner_text()
    page.get_by_label("只看逾期").check()
    page.wait_for_function(
        "([sel, before]) => { const s = [...document.querySelectorAll('.wb-app-inspection .wb-note')]"
        ".find(e => e.textContent.startsWith('共 ')); return s && s.textContent !== before; }",
        arg=[".wb-app-inspection", before], timeout=30_000)
    texts = page.eval_on_selector_all(pills, "els => els.map(e => e.textContent)")
    assert texts and set(texts) == {"逾期未整改"}
    rows = page.locator(".wb-problem-list tbody tr")
    assert rows.count() == len(texts)
    text = summary.inner_text()
    n = int(text.split("共 ")[1].split(" ")[0])
    assert f"其中逾期 {n} 个" in text and "整改中 0 个" in text

    log.assert_clean()
    full_screenshot(page, "dashboard-04_inspection")


def test_research_dashboard_renders_pseudonymised(log):
    page = log.page
    widgets, chart = open_with_chart(page, "05_research.ipynb")
    print(f"\n05_research: widgets {widgets:.1f} s, first chart {chart:.1f} s")
    app = page.locator(".wb-app-research")
    assert app.count() == 1
    # correlations, scatter, clusters, coherence; the diagnostics' importance and loadings
    assert page.locator(".wb-app-research .js-plotly-plot").count() == 6
    text = app.inner_text()
    for label in ("相关矩阵", "回归分析", "支部画像聚类", "Cronbach", "从规范到三强", "数据已脱敏", "名义权重与实际影响"):
        assert label in text, label
    assert "党支部" not in text.split("数据已脱敏")[1], "no branch names below the note"

    log.assert_clean()
    full_screenshot(page, "dashboard-05_research")


def test_landing_lists_the_six_dashboards(log):
    page = log.page
    page.goto("/")
    cards = page.locator("a.wb-card")
    cards.first.wait_for()
    hrefs = [cards.nth(i).get_attribute("href") for i in range(cards.count())]
    assert hrefs == [f"/voila/render/{n}" for n in ("01_overview.ipynb", "02_weights.ipynb",
                                                    "03_branch_settings.ipynb", "04_inspection.ipynb",
                                                    "05_research.ipynb", "06_screening.ipynb")]
    for k, title in ((2, "支部设置模拟"), (3, "督查整改"), (4, "支部功能研究"), (5, "软弱涣散排查")):
        assert title in cards.nth(k).inner_text()
    log.assert_clean()
    save_screenshot(page, "landing-six-dashboards")
