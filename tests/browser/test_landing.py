"""The landing page at / and the server's own pages: bilingual, offline."""

from __future__ import annotations

import pytest

from tests.browser.conftest import save_screenshot

pytestmark = pytest.mark.browser


def test_landing_lists_every_notebook_with_its_titles_offline(page_log, voila_server):
    page = page_log.page
    response = page.goto("/")
    assert response.status == 200
    cards = page.locator("a.wb-card")
    cards.first.wait_for()

    # every notebook of the folder, metadata "order" first, then by name
    assert [cards.nth(i).get_attribute("href") for i in range(cards.count())] == [
        "/voila/render/slider_chart.ipynb",
        "/voila/render/broken.ipynb",
    ]
    first = cards.nth(0).inner_text()
    for text in ("测试看板：滑块与柱状图", "Test dashboard: slider and bar chart",
                 "拖动滑块，柱状图随之更新", "Move the slider and the bar chart follows"):
        assert text in first
    # no metadata: the first markdown heading and the paragraph after it
    second = cards.nth(1).inner_text()
    assert "出错的看板 Broken dashboard" in second
    assert "A cell raises" in second

    # bilingual frame, our stylesheet applied (served locally, allowed by the CSP)
    body = page.inner_text("body")
    assert "支部考评工作台" in body and "Branch Assessment Workbench" in body
    assert "sample_data" in body
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "20px"
    assert "Content-Security-Policy" in response.headers or "content-security-policy" in response.headers

    page_log.assert_clean()
    save_screenshot(page, "landing")


def test_missing_pages_are_bilingual_and_offline(page_log, voila_server):
    page = page_log.page
    response = page.goto("/voila/render/no_such_dashboard.ipynb")
    assert response.status == 404
    text = page.inner_text("body")
    assert "页面不存在" in text and "This page does not exist" in text
    assert page.locator("a.wb-button").get_attribute("href") == "/"
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "20px"
    assert page.goto("/voila/tree/.hidden").status == 404
    assert page.goto("/voila/tree/no_such_folder").status == 404

    assert page_log.external_requests == []
    assert page_log.page_errors == []
    # the only console errors are the two 404 documents themselves
    assert len(page_log.console_errors) == 3
    assert all("404" in e for e in page_log.console_errors)


def test_landing_refuses_paths_outside_the_notebooks_folder(voila_server):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", voila_server.port, timeout=10)
    for path in ("/voila/tree/..", "/voila/tree/../..", "/voila/tree/%2e%2e/%2e%2e"):
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        assert response.status == 404, path
    connection.close()
