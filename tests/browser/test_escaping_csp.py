"""Markup in data stays text in the drawn charts, and the page's Content-Security-Policy runs
nothing but the page's own code (no eval, no inline handler, websockets to this server only).

The server here serves the real dashboards on the sample county whose best
branches are named ``<a href="http://evil.example/phish">x</a>`` and
``<span style="font-size:90px">big</span>`` (and one township ``<b>…</b>``).
"""

from __future__ import annotations

import pytest

import workbench as wb
from tests.browser.conftest import ROOT, SAMPLE, close_page_log, new_page_log, open_dashboard, save_screenshot
from tests.browser.conftest import start_server, stop_server
from tests.views.test_escaping import BIG, LINK, hostile

pytestmark = pytest.mark.browser

DASHBOARDS = ["01_overview.ipynb", "02_weights.ipynb", "03_branch_settings.ipynb", "04_inspection.ipynb",
              "05_research.ipynb"]

WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push([e.violatedDirective, e.blockedURI, (e.sample || "").slice(0, 80)]));
"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-county")
    hostile(wb.load(SAMPLE)).to_csv(folder / "county")
    server = start_server(notebooks=ROOT / "notebooks", data=folder / "county", name="hostile-names")
    yield server
    stop_server(server)


def test_names_with_markup_are_drawn_as_text(chromium, hostile_server):
    log = new_page_log(chromium, hostile_server.url)
    page = log.page
    try:
        open_dashboard(page, "02_weights.ipynb", timeout=180_000, widgets=".js-plotly-plot")
        page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot .ytick text')]"
                               ".some(t => t.textContent.includes('evil.example'))", timeout=60_000)
        svg = page.evaluate("""() => {
          const plots = [...document.querySelectorAll('.js-plotly-plot')];
          return {
            links: plots.reduce((n, p) => n + p.querySelectorAll('a').length, 0),
            styled: plots.reduce((n, p) => n + [...p.querySelectorAll('tspan')]
                .filter(t => (t.getAttribute('style') || '').includes('90px')).length, 0),
            texts: plots.map(p => p.textContent).join(' '),
          };
        }""")
        assert svg["links"] == 0
        assert svg["styled"] == 0
        assert LINK in svg["texts"] and BIG in svg["texts"]  # shown as typed
        save_screenshot(page, "hostile-names-weights")
        log.assert_clean()
    finally:
        close_page_log(log)


@pytest.mark.parametrize("notebook", DASHBOARDS)
def test_every_dashboard_runs_under_the_policy_without_a_violation(chromium, hostile_server, notebook):
    log = new_page_log(chromium, hostile_server.url)
    page = log.page
    page.add_init_script(WATCH_CSP)
    try:
        response = page.goto(f"voila/render/{notebook}", wait_until="commit", timeout=180_000)
        policy = response.headers["content-security-policy"]
        assert "unsafe-eval" not in policy and "unsafe-inline" not in policy.split("style-src")[0]
        assert f"connect-src 'self' ws://127.0.0.1:{hostile_server.port} wss://127.0.0.1:{hostile_server.port}" \
            in policy
        assert response.headers["referrer-policy"] == "same-origin"
        open_dashboard(page, notebook, timeout=180_000, navigate=False, widgets=".js-plotly-plot")
        page.wait_for_function("() => typeof window.Plotly === 'object'", timeout=60_000)
        # markup that slipped into a page (as an HTML widget would insert it) does not run
        ran = page.evaluate("""async () => {
          const box = document.createElement('div');
          box.innerHTML = '<img src="data:," onerror="window.__ran = 1"><svg onload="window.__ran = 2"></svg>';
          document.body.appendChild(box);
          await new Promise((r) => setTimeout(r, 500));
          return window.__ran || 0;
        }""")
        assert ran == 0
        violations = [v for v in page.evaluate("window.__csp") if v[0] != "script-src-attr"]
        assert violations == []
        assert log.external_requests == [] and log.unexpected_page_errors() == []
    finally:
        close_page_log(log)
