"""This round's pages used as a person uses them: mouse and keyboard in the served page, then waiting.

- 03: plan a split into two branches, see the preview, apply it, undo it; the page holds still;
- 04 and 05: a filter or a variable chosen; the page holds still;
- 06: confirm a candidate with a note, reload the page: the decision and the note are still there;
- 01: the year-over-year section: carry forward (flagged), a mover's reasons; the page holds still.

After each action the test waits 10 s and checks that nothing on the page changed on its own.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import dashboards_served, page_log_on, open_dashboard, save_screenshot

pytestmark = pytest.mark.browser

OPEN_TIMEOUT = 180_000
PLOT = ".js-plotly-plot"
SETTLE_SECONDS = 10


server = dashboards_served("voila-pages")


log = page_log_on()


def open_with_charts(page, notebook: str, n: int) -> None:
    open_dashboard(page, notebook, timeout=OPEN_TIMEOUT)
    page.wait_for_function(
        "([sel, n]) => [...document.querySelectorAll(sel)].filter(e => e.querySelector('.trace, .hm')).length >= n",
        arg=[PLOT, n], timeout=120_000)


def snapshot(page, selector: str) -> str:
    """What a person sees in a part of the page: its text and the text of its charts."""
    return page.evaluate("""(sel) => [...document.querySelectorAll(sel)].map(e => e.innerText + '|' +
        [...e.querySelectorAll('.js-plotly-plot text')].map(t => t.textContent).join(',')).join('\\n')""", selector)


def assert_settles(page, selector: str, seconds: int = SETTLE_SECONDS) -> str:
    """Wait for the page to answer, then watch it for ``seconds``: nothing may change on its own."""
    page.wait_for_timeout(1500)
    first = snapshot(page, selector)
    for _ in range(seconds):
        page.wait_for_timeout(1000)
        assert snapshot(page, selector) == first, "the page moved on its own"
    return first


def select_containing(select, text: str) -> str:
    """Pick the option of a <select> whose label contains ``text`` (as a person picks from the list)."""
    labels = select.evaluate("s => [...s.options].map(o => o.textContent)")
    label = next(lab for lab in labels if text in lab)
    select.select_option(label=label)
    return label


def test_a_split_planned_into_two_branches_is_previewed_applied_and_undone(log):
    page = log.page
    open_with_charts(page, "03_branch_settings.ipynb", 2)
    app = ".wb-app-settings"
    page.locator(f"{app} .widget-toggle-buttons button", has_text="拆分支部").click()
    select_containing(page.locator(".wb-split-branch select"), "B00012，")
    page.wait_for_selector(".wb-split-preview", timeout=30_000)
    assert "拆分后共 5 个支部" in page.inner_text(app)
    # the planner wants two branches, not one per party group
    page.locator(".wb-split-parts select").select_option(label="2 个支部")
    page.wait_for_function("() => document.body.innerText.includes('拆分后共 2 个支部')", timeout=30_000)
    preview = page.inner_text(".wb-split-preview")
    assert preview.count("新设") == 1 and preview.count("保留") == 1
    assert page.locator(".wb-steps li").count() == 0          # only a preview: nothing applied
    assert_settles(page, app)
    page.locator("button.wb-do-split").click()
    page.wait_for_selector(".wb-steps li", timeout=30_000)
    page.wait_for_selector(".wb-before-after", timeout=30_000)
    assert page.locator(".wb-steps li").count() == 1
    assert "已执行" in page.inner_text(f"{app} .wb-status.wb-ok")
    assert_settles(page, app)
    save_screenshot(page, "pages_03_split_applied")
    page.locator(f"{app} button", has_text="撤销上一步").click()
    page.wait_for_function("() => document.querySelectorAll('.wb-steps li').length === 0", timeout=30_000)
    assert "已撤销" in page.inner_text(f"{app} .wb-status.wb-ok")
    log.assert_clean()


def test_a_problem_filter_chosen_on_04_holds_still(log):
    page = log.page
    open_with_charts(page, "04_inspection.ipynb", 3)
    app = ".wb-app-inspection"
    before = page.inner_text(".wb-problem-list")
    page.locator(".wb-filter-category select").select_option(label="台账资料")
    page.wait_for_function("(b) => document.querySelector('.wb-problem-list').innerText !== b", arg=before,
                           timeout=30_000)
    shown = assert_settles(page, app)
    rows = page.locator(".wb-problem-list tbody tr")
    assert rows.count() > 0 and all("台账资料" in rows.nth(k).inner_text() for k in range(rows.count()))
    assert "（按所选条件筛选）" in shown
    log.assert_clean()


def test_a_variable_chosen_on_05_holds_still(log):
    page = log.page
    open_with_charts(page, "05_research.ipynb", 4)
    app = ".wb-app-research"
    select_containing(page.locator(".wb-scatter-x select"), "三会一课完成率")
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot .xtitle')]"
                           ".some(t => t.textContent.includes('三会一课完成率'))", timeout=30_000)
    assert_settles(page, app)
    log.assert_clean()


def test_a_confirmation_with_a_note_is_kept_after_a_reload(log):
    page = log.page
    open_with_charts(page, "06_screening.ipynb", 2)
    app = ".wb-app-screening"
    decide = page.locator(".wb-decide")
    select_containing(page.locator(".wb-decide-branch select"), "（B00143）")
    page.wait_for_function("() => document.querySelector('.wb-decide').innerText.includes('B00143')",
                           timeout=30_000)
    note = "经镇党委研究：三会一课不正常，列入整顿"
    decide.locator("textarea").click()
    page.keyboard.type(note)
    page.wait_for_timeout(500)
    decide.locator("button.wb-do-confirm").click()
    page.wait_for_function("() => document.querySelector('.wb-decide .wb-status.wb-ok') !== null", timeout=30_000)
    assert "已确认" in decide.inner_text()
    shown = assert_settles(page, app)
    assert note in shown                                    # the note stands in the lists
    save_screenshot(page, "pages_06_confirmed")
    page.reload()
    open_dashboard(page, "06_screening.ipynb", timeout=OPEN_TIMEOUT, navigate=False)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .trace').length > 0",
                           timeout=120_000)
    # after the reload: choose the confirmed candidates; the branch is there with its note
    page.locator(".wb-filter-decision select").select_option(label="确认列入")
    page.wait_for_function("() => document.body.innerText.includes('列表中 1 个排查对象')", timeout=30_000)
    table = page.locator(".wb-candidates .wb-datatable").inner_text()
    assert "B00143" in table and note in table and "确认列入" in table
    cards = page.inner_text(f"{app} .wb-kpis")
    assert "确认列入\n1" in cards
    log.assert_clean()


def test_the_year_over_year_section_of_the_overview(log):
    page = log.page
    open_with_charts(page, "01_overview.ipynb", 6)
    yoy = ".wb-yoy"
    page.locator(yoy).scroll_into_view_if_needed()
    assert "年度对比：2024 → 2025" in page.inner_text(yoy)
    assert page.locator(f"{yoy} .js-plotly-plot").count() == 5
    assert "未沿用上年值" in page.inner_text(yoy)
    page.locator(f"{yoy} .wb-carry-forward input").check()
    page.wait_for_selector(".wb-carried-flag", timeout=60_000)
    assert "已沿用 2024 年数值" in page.inner_text(".wb-carried-flag")
    first = page.inner_text(yoy)
    movers = page.locator(".wb-yoy-branch select")
    labels = movers.evaluate("s => [...s.options].map(o => o.textContent)")
    movers.select_option(label=labels[3])
    name = labels[3].replace("\xa0", " ").split(" (")[0]   # option labels show spaces as no-break spaces
    page.wait_for_function("(n) => [...document.querySelectorAll('.wb-yoy .gtitle')]"
                           ".some(t => t.textContent.startsWith(n))",
                           arg=name, timeout=30_000)
    assert page.inner_text(yoy) != first
    assert_settles(page, yoy)
    save_screenshot(page, "pages_01_year_over_year")
    log.assert_clean()
