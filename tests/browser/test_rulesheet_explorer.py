"""The weight explorer served on a county rule sheet (``workbench serve --framework 评分细则.xlsx``), in Chromium.

The sliders start at the sheet's points, a label says the points a slider stands
for, and after a person moves a slider the ranking the page shows is the core's
ranking of the rule sheet for the weights the page shows.
"""

from __future__ import annotations

import pytest

import workbench as wb
from tests.browser.conftest import dashboards_served, page_log_on, SAMPLE, open_dashboard, save_screenshot

pytestmark = pytest.mark.browser

SHEET = SAMPLE / "评分细则.xlsx"
PLOT = ".js-plotly-plot"


server = dashboards_served("voila-rulesheet", "--framework", str(SHEET))


log = page_log_on()


@pytest.fixture(scope="module")
def county():
    data = wb.load(SAMPLE)
    fw = wb.Framework.from_rule_sheet(SHEET)
    return data, fw, wb.compute_indicators(data, fw, period=2025)


def readouts(page, n: int) -> list[int]:
    cells = page.locator(".wb-weight-panel .widget-slider .widget-readout")
    return [int(cells.nth(i).inner_text()) for i in range(n)]


def top_totals(page) -> list[str]:
    texts = page.locator(".wb-app-weights " + PLOT).first.locator(".bartext").all_text_contents()
    return [t.split()[0] for t in texts]


def expected_top10(county, weights: dict[str, float] | None = None) -> list[str]:
    data, fw, table = county
    scheme = wb.Scheme(fw).with_weights(weights) if weights else wb.Scheme(fw)
    return [f"{t:.1f}" for t in scheme.score(table, groups=data).frame().head(10)["total"]]


def test_the_explorer_on_the_example_sheet_starts_at_its_points_and_follows_a_slider(log, county):
    page = log.page
    _data, fw, _table = county
    open_dashboard(page, "02_weights.ipynb", timeout=180_000)
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].filter(e => e.querySelector('.bartext')).length >= 1",
        arg=PLOT, timeout=120_000)
    points = [int(d.weight) for d in fw.dimensions]
    assert points == [20, 15, 15, 10, 25, 15]
    assert readouts(page, len(points)) == points
    labels = page.locator(".wb-weight-panel .wb-weight-label")
    assert "20 分" in labels.first.inner_text()
    assert top_totals(page) == expected_top10(county)
    save_screenshot(page, "rulesheet_02_start")

    before = top_totals(page)
    handle = page.locator(".wb-weight-panel .widget-slider .noUi-handle").nth(3)   # red education, 10 points
    handle.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelectorAll('.wb-weight-panel .widget-readout')[3].innerText "
                           "=== '15'", timeout=30_000)
    page.wait_for_timeout(2000)
    shown = readouts(page, len(points))
    assert shown[3] == 15 and sum(shown) == 100
    # the other dimensions were re-balanced from the sheet's points: the page shows the core's numbers
    rest = {d.id: d.weight for d in fw.dimensions if d.id != "red"}
    weights = {"red": 0.15, **{k: v * 85 / 90 / 100 for k, v in rest.items()}}
    after = top_totals(page)
    assert after == expected_top10(county, weights) and after != before
    assert "18.9 分" in labels.first.inner_text()           # team: 20 x 85 / 90 points
    save_screenshot(page, "rulesheet_02_moved")
    log.assert_clean()
