"""The AHP panel editor used as a person uses it: open it, add an expert, pick judgements, upload a panel
workbook, see the experts and their spread, confirm, apply, and wait: the sliders show the panel's weights."""

from __future__ import annotations

import pytest

import workbench as wb
from tests.browser.conftest import dashboards_served, page_log_on, open_dashboard, save_screenshot
from workbench.assess.panel import read_panel, write_panel_template
from workbench.views.scoring import shown_percents

pytestmark = pytest.mark.browser

PLOT = ".js-plotly-plot"


server = dashboards_served("voila-panel")


log = page_log_on()


def open_editor(page) -> None:
    open_dashboard(page, "02_weights.ipynb", timeout=180_000)
    page.wait_for_selector(f"{PLOT} .bartext", timeout=120_000)
    page.get_by_text("层次分析法两两比较", exact=True).first.click()
    page.wait_for_selector(".wb-ahp select", state="visible", timeout=30_000)


def readouts(page) -> list[int]:
    cells = page.locator(".wb-weight-panel .widget-slider .widget-readout")
    return [int(cells.nth(i).inner_text()) for i in range(6)]


def test_two_experts_typed_in_show_a_panel_and_its_spread(log):
    page = log.page
    open_editor(page)
    ahp = page.locator(".wb-ahp")
    selects = ahp.locator(".wb-ahp-input select")
    selects.nth(0).select_option(label="3")               # expert 1: team 3x education
    page.wait_for_timeout(800)
    ahp.get_by_role("button", name="添加专家").click()
    page.wait_for_function("() => [...document.querySelectorAll('.wb-ahp select')][1]"
                           ".selectedOptions[0].text.startsWith('专家2')", timeout=30_000)
    selects.nth(0).select_option(label="1/3")             # expert 2: the other way round
    page.wait_for_selector(f".wb-ahp {PLOT} .scatterlayer .point", timeout=60_000)
    page.wait_for_timeout(10_000)                          # and nothing moves on its own
    text = ahp.inner_text()
    assert "已录入 2/2 位专家" in text and "专家1" in text and "专家2" in text
    assert selects.nth(0).input_value() == "1/3"          # expert 2's cell still shows 1/3
    save_screenshot(page, "panel_01_two_experts")
    log.assert_clean()


def test_an_uploaded_panel_is_flagged_confirmed_and_applied(log, tmp_path):
    page = log.page
    fw = wb.Framework.default()
    book = write_panel_template(tmp_path / "专家打分表.xlsx", fw, experts=["张三", "李四", "王五"], example=True,
                                seed=4)
    expected = read_panel(book, fw).scheme()
    open_editor(page)
    assert readouts(page) == [15, 15, 15, 10, 25, 20]
    with page.expect_file_chooser() as chooser:           # as a person does: click, pick the file
        page.click(".wb-ahp .widget-upload")
    chooser.value.set_files(str(book))
    page.wait_for_selector(".wb-ahp .wb-status.wb-ok", timeout=60_000)
    assert "已读取 专家打分表.xlsx：3 位专家，7 组比较" in page.locator(".wb-ahp .wb-status").first.inner_text()
    page.wait_for_selector(f".wb-ahp {PLOT} .scatterlayer .point", timeout=60_000)
    page.locator(".wb-ahp select").first.select_option(label="督查整改内的指标")
    page.wait_for_timeout(1500)
    page.locator(".wb-ahp select").first.select_option(label="维度之间")
    page.get_by_role("button", name="应用全部层级的权重").click()
    page.wait_for_timeout(1500)
    if page.get_by_role("button", name="仍然应用").is_visible():   # inconsistent experts: asked first
        assert "判断不一致的专家" in page.locator(".wb-ahp").inner_text()
        assert readouts(page) == [15, 15, 15, 10, 25, 20]          # nothing applied before the answer
        page.get_by_role("button", name="仍然应用").click()
    want = shown_percents({k: 100 * v for k, v in expected.dimension_weights.items()})
    page.wait_for_function(
        "want => [...document.querySelectorAll('.wb-weight-panel .widget-slider .widget-readout')]"
        ".slice(0, 6).map(e => e.innerText).join(',') === want",
        arg=",".join(str(want[d]) for d in fw.dimension_ids), timeout=30_000)
    page.wait_for_timeout(10_000)
    assert readouts(page) == [want[d] for d in fw.dimension_ids]
    assert "已应用层次分析法权重" in page.locator(".wb-ahp").inner_text()
    save_screenshot(page, "panel_02_uploaded_and_applied")
    log.assert_clean()
