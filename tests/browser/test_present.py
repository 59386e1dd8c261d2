"""Presentation mode in the served dashboards: at projector sizes, in both languages, with screenshots.

``?present=1`` (or the button) hides the controls, gives the charts the full
width, shows the year, scheme and source in a footer, and ← → step through the
sections; ``&advance=N`` moves on its own; Escape leaves.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import ROOT, close_page_log, new_page_log, open_dashboard, save_screenshot, \
    start_server, stop_server

pytestmark = pytest.mark.browser

OPEN_TIMEOUT = 180_000
PLOT = ".js-plotly-plot"
FOOTER = {"zh": ("2025 年度", "方案 default", "数据 sample_data"), "en": ("Year 2025", "scheme default",
                                                                      "data sample_data")}


@pytest.fixture(scope="module")
def server():
    server = start_server(notebooks=ROOT / "notebooks", name="voila-present")
    yield server
    stop_server(server)


@pytest.fixture
def open_page(chromium, server):
    logs = []

    def opener(width: int, height: int):
        log = new_page_log(chromium, server.url)
        log.page.set_viewport_size({"width": width, "height": height})
        logs.append(log)
        return log.page

    yield opener
    for log in logs:
        close_page_log(log)


def wait_for_charts(page, n: int = 1) -> None:
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel + ' .main-svg').length >= n",
                           arg=[PLOT, n], timeout=120_000)


def to_english(page) -> None:
    page.locator(".wb-header .widget-toggle-button", has_text="English").first.click()
    page.wait_for_function("() => document.body.innerText.includes('Key figures') || "
                           "document.body.innerText.includes('Branches')", timeout=30_000)


def check_presenting(page, lang: str, width: int) -> None:
    page.wait_for_selector("body.wb-present", timeout=30_000)
    footer = page.locator(".wb-present-footer")
    assert footer.is_visible()
    # the kernel's new labels may still be on their way after a language switch
    page.wait_for_function("parts => parts.every(p => document.querySelector('.wb-present-footer').innerText"
                           ".includes(p))", arg=list(FOOTER[lang]), timeout=30_000)
    text = footer.inner_text()
    assert all(part in text for part in FOOTER[lang]), text
    # controls hidden: no slider, dropdown, upload or export bar is visible
    for selector in (".wb-app .widget-slider", ".wb-app .widget-dropdown", ".wb-app .widget-upload",
                     ".wb-app .wb-export", ".wb-app .wb-meeting-export"):
        assert not [k for k in range(page.locator(selector).count()) if page.locator(selector).nth(k).is_visible()], \
            selector
    # charts take (nearly) the whole width
    page.wait_for_timeout(800)
    widths = page.eval_on_selector_all(PLOT, "els => els.map(e => e.getBoundingClientRect().width)")
    assert widths and max(widths) >= 0.8 * width, widths
    # the controls float at the top of the screen on every section
    box = page.locator(".wb-present-floating").bounding_box()
    assert box and 0 <= box["y"] < 40 and box["x"] + box["width"] <= width, box
    assert page.locator(".wb-present-leave").is_visible() and page.locator(".wb-present-lang").is_visible()


def place(page) -> tuple[int, int]:
    text = page.locator(".wb-present-place").inner_text()
    k, n = (int(x) for x in text.split("/"))
    return k, n


@pytest.mark.parametrize("lang, width, height, by", [("zh", 1280, 720, "address"), ("en", 1920, 1080, "button")])
def test_overview_steps_through_sections(open_page, lang, width, height, by):
    page = open_page(width, height)
    open_dashboard(page, "01_overview.ipynb" + ("?present=1" if by == "address" else ""), timeout=OPEN_TIMEOUT)
    wait_for_charts(page, 2)
    if by == "button":
        to_english(page)
        page.locator(".wb-present-toggle").click()
    check_presenting(page, lang, width)
    first, n = place(page)
    assert first == 1 and n >= 4
    save_screenshot(page, f"present-overview-{lang}-{width}x{height}-1", full_page=False)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.wb-present-place').innerText.startsWith('2 /')")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(600)
    assert place(page)[0] == 3
    save_screenshot(page, f"present-overview-{lang}-{width}x{height}-3", full_page=False)
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(300)
    assert place(page)[0] == 2
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.body.classList.contains('wb-present')")
    assert page.locator(".wb-app .wb-export").first.is_visible()


@pytest.mark.parametrize("lang, width, height, by", [("en", 1280, 720, "button"), ("zh", 1920, 1080, "address")])
def test_weight_explorer_auto_advances(open_page, lang, width, height, by):
    page = open_page(width, height)
    open_dashboard(page, "02_weights.ipynb?advance=2" + ("&present=1" if by == "address" else ""),
                   timeout=OPEN_TIMEOUT)
    wait_for_charts(page)
    if by == "button":
        to_english(page)
        assert page.locator(".wb-weight-panel .widget-slider").first.is_visible()
        page.locator(".wb-present-toggle").click()
    check_presenting(page, lang, width)
    save_screenshot(page, f"present-weights-{lang}-{width}x{height}", full_page=False)
    start = place(page)[0]
    # advance=2: the page moves on by itself (within a few seconds, however busy the machine)
    page.wait_for_function("start => !document.querySelector('.wb-present-place').innerText.startsWith(start + ' /')",
                           arg=start, timeout=15_000)
    page.locator(".wb-present-leave").click()
    page.wait_for_function("() => !document.body.classList.contains('wb-present')")
    assert page.locator(".wb-weight-panel .widget-slider").first.is_visible()


def current_section_top(page) -> float | None:
    return page.evaluate("() => { const s = document.querySelector('.wb-present-current');"
                         " return s ? s.getBoundingClientRect().top : null; }")


def test_switching_language_while_presenting_keeps_the_section(open_page):
    page = open_page(1280, 720)
    open_dashboard(page, "01_overview.ipynb?present=1", timeout=OPEN_TIMEOUT)
    wait_for_charts(page, 2)
    check_presenting(page, "zh", 1280)
    for _ in range(2):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(300)
    assert place(page)[0] == 3
    # the header's language toggle is hidden while presenting: the bar's button (and L) switch
    page.locator(".wb-present-lang").click()
    check_presenting(page, "en", 1280)
    page.wait_for_timeout(1500)  # whatever the new labels re-lay out has settled
    assert place(page)[0] == 3
    top = current_section_top(page)
    assert top is not None and abs(top) < 80, top
    box = page.locator(".wb-present-floating").bounding_box()
    assert box and 0 <= box["y"] < 40, box  # still on screen on section 3
    save_screenshot(page, "present-overview-en-after-switch-3", full_page=False)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.wb-present-place').innerText.startsWith('4 /')")
    page.keyboard.press("l")
    check_presenting(page, "zh", 1280)
    page.wait_for_timeout(1500)
    assert place(page)[0] == 4
    top = current_section_top(page)
    assert top is not None and abs(top) < 80, top


@pytest.fixture(scope="module")
def dark_server():
    server = start_server(notebooks=ROOT / "notebooks", args=("--lang", "en", "--theme", "dark"),
                          name="voila-present-dark")
    yield server
    stop_server(server)


def luminance(css_color: str) -> float:
    r, g, b = (float(x) for x in css_color[css_color.index("(") + 1:].rstrip(")").split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.parametrize("width, height", [(1024, 768), (1920, 1080)])
def test_presenting_in_the_dark_theme(chromium, dark_server, width, height):
    log = new_page_log(chromium, dark_server.url)
    try:
        page = log.page
        page.set_viewport_size({"width": width, "height": height})
        open_dashboard(page, "01_overview.ipynb?present=1", timeout=OPEN_TIMEOUT)
        wait_for_charts(page, 2)
        check_presenting(page, "en", width)
        footer = page.locator(".wb-present-footer")
        background = footer.evaluate("e => getComputedStyle(e).backgroundColor")
        color = footer.evaluate("e => getComputedStyle(e).color")
        # a dark footer with light text, as the rest of the page (not a white bar on a projector)
        assert luminance(background) < 0.2 and luminance(color) > 0.45, (background, color)
        for selector in (".wb-present-leave", ".wb-present-lang"):
            shade = page.locator(selector).evaluate("e => getComputedStyle(e).color")
            assert luminance(shade) > 0.45, (selector, shade)
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.querySelector('.wb-present-place').innerText.startsWith('2 /')")
        save_screenshot(page, f"present-overview-dark-en-{width}x{height}", full_page=False)
        log.assert_clean()
    finally:
        close_page_log(log)
