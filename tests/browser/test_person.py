"""The dashboards used as a person uses them: mouse drags, key presses, presets, uploads, and waiting.

Each test acts on the served page with Playwright's mouse and keyboard, then
waits 10 s and checks that nothing moved on its own, and that the numbers the
page shows are the core's numbers for the weights the page shows.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

import workbench as wb
from tests.browser.conftest import dashboards_served, page_log_on, ROOT, SAMPLE, close_page_log, new_page_log, open_dashboard, save_screenshot, \
    start_server, stop_server

pytestmark = pytest.mark.browser

OPEN_TIMEOUT = 180_000
PLOT = ".js-plotly-plot"
DIMENSIONS = wb.Framework.default().dimension_ids
SETTLE_SECONDS = 10


server = dashboards_served("voila-person")


log = page_log_on()


@pytest.fixture(scope="module")
def county():
    data = wb.load(SAMPLE)
    fw = wb.Framework.default()
    return data, fw, wb.compute_indicators(data, fw, period=2025)


def open_explorer(page) -> None:
    open_dashboard(page, "02_weights.ipynb", timeout=OPEN_TIMEOUT)
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].filter(e => e.querySelector('.bartext')).length >= 1",
        arg=PLOT, timeout=120_000)


def readouts(page) -> list[int]:
    cells = page.locator(".wb-weight-panel .widget-slider .widget-readout")
    return [int(cells.nth(i).inner_text()) for i in range(len(DIMENSIONS))]


def ranking_texts(page) -> list[str]:
    return page.locator(".wb-app-weights " + PLOT).first.locator(".bartext").all_text_contents()


def page_state(page) -> tuple:
    """What a person sees move: the weights, the ranking, the comparison line, the branch card."""
    return (tuple(readouts(page)), tuple(ranking_texts(page)),
            page.locator(".wb-app-weights .wb-note", has_text="Kendall").first.inner_text(),
            page.locator(".wb-profile .wb-subsection").first.inner_text())


def assert_settles(page, seconds: int = SETTLE_SECONDS) -> tuple:
    """Wait for the page to answer, then watch it for ``seconds``: nothing may change on its own."""
    page.wait_for_timeout(1500)
    first = page_state(page)
    for _ in range(seconds):
        page.wait_for_timeout(1000)
        now = page_state(page)
        assert now == first, f"the page moved on its own:\n{first}\n{now}"
    return first


def drag_handle(page, index: int, dx: float, steps: int = 10) -> None:
    handle = page.locator(".wb-weight-panel .widget-slider .noUi-handle").nth(index)
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, steps + 1):
        page.mouse.move(x + dx * k / steps, y)
        page.wait_for_timeout(25)
    page.mouse.up()


def expected_top10(county, weights: dict[str, float] | None = None, *, preset: str | None = None) -> list[str]:
    data, fw, table = county
    scheme = wb.Scheme(fw).with_preset(preset) if preset else wb.Scheme(fw).with_weights(weights)
    result = scheme.score(table, groups=data)
    top = result.frame().head(10)
    return [f"{t:.1f}" for t in top["total"]]


def totals_of(texts: list[str]) -> list[str]:
    return [t.split()[0] for t in texts]


def test_a_dragged_slider_stays_where_it_was_put_and_the_page_holds_still(log, county):
    page = log.page
    open_explorer(page)
    assert readouts(page) == [15, 15, 15, 10, 25, 20]
    drag_handle(page, 0, 40)
    shown = assert_settles(page)
    team = shown[0][0]
    assert team > 15 and sum(shown[0]) == 100
    # the others were re-balanced from the framework's weights: what the page shows is the core's result
    rest = {"education": 15, "organization": 15, "red": 10, "inspection": 25, "functions": 20}
    weights = {"team": team / 100, **{k: (100 - team) * v / 85 / 100 for k, v in rest.items()}}
    assert totals_of(list(shown[1])) == expected_top10(county, weights)
    save_screenshot(page, "person_02_dragged")
    log.assert_clean()


def test_the_equal_preset_gives_exactly_equal_weights_and_holds_still(log, county):
    page = log.page
    open_explorer(page)
    page.locator(".wb-weight-panel select").first.select_option(label="等权")
    page.wait_for_function("() => document.querySelector('.wb-weight-panel .widget-readout').innerText === '17'",
                           timeout=30_000)
    shown = assert_settles(page)
    assert shown[0] == (17, 17, 17, 17, 16, 16)
    # 等权: every dimension 1/6 and, within each, every indicator alike
    assert totals_of(list(shown[1])) == expected_top10(county, preset="equal")
    log.assert_clean()


def test_five_quick_arrow_presses_move_a_slider_by_five(log):
    page = log.page
    open_explorer(page)
    handle = page.locator(".wb-weight-panel .widget-slider .noUi-handle").nth(3)  # red education, 10
    handle.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    shown = assert_settles(page)
    assert shown[0][3] == 15 and sum(shown[0]) == 100
    log.assert_clean()


def test_the_branch_card_and_list_follow_a_slider(log, county):
    page = log.page
    open_explorer(page)
    select = page.locator(".wb-profile select")
    select.select_option(index=20)
    page.wait_for_timeout(1500)
    chosen = re.search(r"\((B\d+)\)$", select.input_value()).group(1)  # options read "rank. name (id)"
    drag_handle(page, 5, -30)   # branch functions down
    shown = assert_settles(page)
    dims = shown[0]
    data, fw, table = county
    # the exact weights behind the whole percents: the moved one, the others re-balanced from the defaults
    moved = dims[5]
    rest = {"team": 15, "education": 15, "organization": 15, "red": 10, "inspection": 25}
    weights = {"functions": moved / 100, **{k: (100 - moved) * v / 80 / 100 for k, v in rest.items()}}
    result = wb.Scheme(fw).with_weights(weights).score(table, groups=data)
    heading = shown[3]
    assert f"{result.total[chosen]:.1f}" in heading, heading
    assert f"第 {int(result.rank[chosen])}/" in heading
    label = select.locator("option:checked").inner_text().replace("\xa0", " ")
    assert label.startswith(f"{int(result.rank[chosen])}. "), label
    log.assert_clean()


#: Charts each dashboard draws on opening (the fit test waits for them).
FIT_CHARTS = {"01_overview": 8, "02_weights": 3, "03_branch_settings": 2, "04_inspection": 3, "05_research": 4,
              "06_screening": 2}
#: What counts as content on the first screen of each dashboard.
FIRST_SCREEN = ".js-plotly-plot, .wb-kpis, .wb-weight-panel"


class _OpenPage:
    """The page of one dashboard kept open across the sizes of the fit test (one kernel per dashboard, not one
    per size): the first size opens it, the next ones resize the window, as a person resizes a browser."""

    current: tuple[str, object] | None = None

    @classmethod
    def get(cls, chromium, server, notebook: str, size) -> object:
        if cls.current is not None and cls.current[0] == notebook:
            log = cls.current[1]
            log.page.set_viewport_size({"width": size[0], "height": size[1]})
            log.page.get_by_role("button", name="中文").first.click()
            log.page.wait_for_function("() => document.body.innerText.includes('数据来源')", timeout=30_000)
            log.page.wait_for_timeout(2000)
            return log
        cls.close()
        log = new_page_log(chromium, server.url)
        log.page.set_viewport_size({"width": size[0], "height": size[1]})
        open_dashboard(log.page, f"{notebook}.ipynb", timeout=OPEN_TIMEOUT)
        log.page.wait_for_function(
            "([sel, n]) => [...document.querySelectorAll(sel)].filter(e => e.querySelector('.trace, .hm')).length >= n",
            arg=[PLOT, FIT_CHARTS[notebook]], timeout=120_000)   # .hm: a heat map's drawing
        log.page.wait_for_timeout(1000)
        cls.current = (notebook, log)
        return log

    @classmethod
    def close(cls) -> None:
        if cls.current is not None:
            close_page_log(cls.current[1])
            cls.current = None


@pytest.fixture(scope="module")
def open_pages():
    yield _OpenPage
    _OpenPage.close()


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720), (1920, 1080)])
@pytest.mark.parametrize("notebook", list(FIT_CHARTS))
def test_every_chart_and_table_fits_the_screen(chromium, server, open_pages, size, notebook):
    log = open_pages.get(chromium, server, notebook, size)
    page = log.page
    for lang in ("zh", "en"):
        if lang == "en":
            page.get_by_role("button", name="English").first.click()
            page.wait_for_function("() => document.body.innerText.includes('Data source')", timeout=30_000)
            page.wait_for_timeout(2000)
        wide = page.evaluate("""(w) => [...document.querySelectorAll('.js-plotly-plot, table, .wb-app .widget-box, .wb-app select, .wb-app textarea, .wb-app button')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.className.toString().slice(0, 40), Math.round(e.getBoundingClientRect().right)])
            .filter(([_, right]) => right > w + 1)""", size[0])
        assert wide == [], f"{notebook} at {size} ({lang}): cut at the right: {wide}"
        # a chart fills the width of its place (plotly draws 700 px when it finds no width)
        narrow = page.evaluate("""() => [...document.querySelectorAll('.wb-chart')].filter(e => e.offsetParent !== null)
            .map(e => [e.clientWidth, (e.querySelector('.js-plotly-plot') || {}).clientWidth])
            .filter(([box, plot]) => plot !== undefined && Math.abs(box - plot) > 2)""")
        assert narrow == [], f"{notebook} at {size} ({lang}): charts narrower than their place: {narrow}"
        # the first screen shows content, not only titles: a chart or the KPI cards start in it
        first = page.evaluate("""([h, sel]) => [...document.querySelectorAll(sel)]
            .some(e => e.getBoundingClientRect().top < h)""", [size[1], FIRST_SCREEN])
        assert first, f"{notebook} at {size} ({lang}): nothing but titles on the first screen"
        save_screenshot(page, f"fit_{notebook}_{size[0]}_{lang}")
    log.assert_clean()


def test_an_upload_in_the_overview_is_the_data_of_the_weight_explorer(chromium, tmp_path):
    from workbench.data.synth import generate

    folder = generate(40, seed=3).to_csv(tmp_path / "county40")
    server = start_server(notebooks=ROOT / "notebooks", name="voila-shared-upload")
    log = new_page_log(chromium, server.url)
    page = log.page
    try:
        open_dashboard(page, "01_overview.ipynb", timeout=OPEN_TIMEOUT)
        page.get_by_text("数据", exact=True).first.click()   # unfold the data section
        started = time.perf_counter()
        with page.expect_file_chooser() as chooser:   # as a person does: click, pick the files
            page.click(".wb-data-picker .widget-upload")
        chooser.value.set_files(sorted(str(p) for p in folder.glob("*.csv")))
        page.wait_for_function("() => /已加载.*40 个支部/.test(document.body.innerText)", timeout=60_000)
        print(f"\nupload of 40 branches shown after {time.perf_counter() - started:.1f} s")
        save_screenshot(page, "person_01_uploaded")
        open_dashboard(page, "02_weights.ipynb", timeout=OPEN_TIMEOUT)
        page.wait_for_function("() => document.body.innerText.includes('local')", timeout=60_000)
        options = page.locator(".wb-profile select option")
        page.wait_for_function("() => document.querySelectorAll('.wb-profile select option').length === 40",
                               timeout=60_000)
        assert options.count() == 40
        log.assert_clean()
    finally:
        close_page_log(log)
        stop_server(server)


def test_the_server_refuses_to_start_on_bad_data_and_says_why(tmp_path):
    bad = wb.load(SAMPLE).to_csv(tmp_path / "bad")
    text = (bad / "members.csv").read_text(encoding="utf-8").replace("formal", "honorary", 2)
    (bad / "members.csv").write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "serve", "--no-browser", "--data", str(bad),
                           "--port", "1", "--state-dir", str(tmp_path / "state")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1
    assert "honorary" in done.stderr and "members.csv" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_page_that_meets_bad_data_shows_the_problems_not_a_traceback(chromium, tmp_path):
    data = wb.load(SAMPLE).to_csv(tmp_path / "county")
    server = start_server(notebooks=ROOT / "notebooks", data=data, name="voila-bad-later")
    text = (data / "members.csv").read_text(encoding="utf-8")
    (data / "members.csv").write_text(text.replace("formal", "honorary", 2), encoding="utf-8")
    log = new_page_log(chromium, server.url)
    page = log.page
    try:
        open_dashboard(page, "02_weights.ipynb", timeout=OPEN_TIMEOUT)
        page.wait_for_selector(".wb-app-data-problems", timeout=60_000)
        body = page.inner_text("body")
        assert "无法显示看板" in body and "honorary" in body and "members.csv" in body
        assert "Traceback" not in body and "show_tracebacks" not in body
        save_screenshot(page, "person_bad_data_page")
        log.assert_clean()
    finally:
        close_page_log(log)
        stop_server(server)
