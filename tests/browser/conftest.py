"""Browser tests: the served dashboards in headless Chromium (Playwright, sync API).

One server per session (``workbench serve --no-browser`` on a free port, in its own
process group, sample data, notebooks from ``--notebooks``); readiness is a TCP
poll of the port, never a dashboard URL (a GET on a dashboard starts a kernel).

Fixtures
--------
voila_server   the session's server (``.url``, ``.port``, ``.log_text()``); serves
               ``tests/browser/fixtures`` until the real dashboards exist
chromium       the browser; FAILS (never skips) when Playwright or /usr/bin/chromium
               is missing, so ``make test`` cannot pass without a browser
page_log       a fresh context + page that aborts and records every request to a
               host other than this machine, and records page and console errors
page           ``page_log.page``

Helpers
-------
open_dashboard(page, "name.ipynb", timeout=...)  navigate, wait for the widgets,
                                                  assert no failing cell
save_screenshot(page, "name")                     -> test-output/screenshots/name.png
start_server(...), stop_server(server)            for tests that need their own server
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = ROOT / "sample_data"
OUTPUT = ROOT / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
LOGS = OUTPUT / "browser-logs"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1440, "height": 900}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
NETWORK_SCHEMES = {"http", "https", "ws", "wss", "ftp"}

# The fixture notebooks are served to the browser, not run by nbval (one fails on purpose).
collect_ignore_glob = ["fixtures/*"]

#: What Voilà writes in place of the output of a cell that raised.
CELL_ERROR_TEXT = "There was an error when executing cell"

#: Page errors that are known and harmless; a test ignores only these.
#: - "r.setData is not a function": plotly's fig.show() output (not FigureWidget)
#:   in Voilà; the chart still renders (STACK.md).
KNOWN_HARMLESS_PAGE_ERRORS = ("r.setData is not a function",)


# ---------------------------------------------------------------------------
# The server


@dataclass
class Server:
    process: subprocess.Popen
    host: str
    port: int
    log_path: Path
    state_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    *,
    notebooks: Path = FIXTURES,
    data: Path = SAMPLE,
    args: tuple[str, ...] = (),
    name: str = "server",
    timeout: float = 60.0,
    state_dir: Path | None = None,
) -> Server:
    """Start ``workbench serve --no-browser`` in a new process group; wait for its port.

    Each server keeps what its users upload and save in its own fresh state folder
    (``state_dir``, default a new temporary folder), so tests never see each other's data.
    """
    port = free_port()
    state_dir = Path(state_dir) if state_dir is not None else Path(tempfile.mkdtemp(prefix=f"wb-state-{name}-"))
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"{name}.log"
    command = [
        sys.executable, "-m", "workbench.cli", "serve", "--no-browser",
        "--port", str(port), "--notebooks", str(notebooks), "--data", str(data), "--state-dir", str(state_dir),
        *args,
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    server = Server(process=process, host="127.0.0.1", port=port, log_path=log_path, state_dir=state_dir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"workbench serve exited with {process.returncode} before listening:\n{server.log_text()}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"workbench serve did not listen on {port} within {timeout} s:\n{server.log_text()}")


def stop_server(server: Server, *, timeout: float = 15.0) -> None:
    """Terminate the server's whole process group (kernels are shut down by the server)."""
    if server.process.poll() is not None:
        return
    try:
        os.killpg(server.process.pid, signal.SIGTERM)
        server.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=timeout)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def voila_server():
    server = start_server(name="voila-fixtures")
    yield server
    stop_server(server)


# ---------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium; fails loudly when it or Playwright is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.fail(f"the browser tests need Playwright (pip install -e '.[test]'): {exc}", pytrace=False)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"the browser tests need Chromium at {CHROMIUM}: run `make browser` "
            "(apt-get install chromium)", pytrace=False,
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class PageLog:
    """A page and what it did: blocked external requests, page and console errors."""

    page: object
    external_requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def unexpected_page_errors(self) -> list[str]:
        return [e for e in self.page_errors if not any(k in e for k in KNOWN_HARMLESS_PAGE_ERRORS)]

    def assert_clean(self) -> None:
        """No external request, no page error beyond the known harmless, no console error."""
        assert self.external_requests == [], f"requests outside the server: {self.external_requests}"
        assert self.unexpected_page_errors() == [], f"page errors: {self.page_errors}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in NETWORK_SCHEMES and (parts.hostname or "") not in LOCAL_HOSTS


def new_page_log(browser, base_url: str) -> PageLog:
    context = browser.new_context(viewport=VIEWPORT, base_url=base_url)
    context.set_default_timeout(30_000)
    page = context.new_page()
    log = PageLog(page=page)

    def route(route):
        url = route.request.url
        if is_external(url):
            log.external_requests.append(url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)
    page.on("websocket", lambda ws: log.external_requests.append(ws.url) if is_external(ws.url) else None)
    page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    page.on("console", lambda msg: log.console_errors.append(msg.text) if msg.type == "error" else None)
    return log


def close_page_log(log: PageLog) -> None:
    """Close the page as a tab is closed (Voilà's unload handler asks the server
    to shut the page's kernel down), then its context."""
    try:
        log.page.close(run_before_unload=True)
    except Exception:  # the page may already be gone; the context still closes
        pass
    time.sleep(0.3)  # let the beacon leave
    log.page.context.close()


@pytest.fixture
def page_log(chromium, voila_server):
    log = new_page_log(chromium, voila_server.url)
    yield log
    close_page_log(log)


@pytest.fixture
def page(page_log):
    return page_log.page


def dashboards_served(name: str, *args: str):
    """A module-scoped fixture: the real dashboards (``notebooks/``) on a server of the module's own,
    started with ``args``. In a test module: ``server = dashboards_served("voila-person")``."""

    @pytest.fixture(scope="module")
    def server():
        started = start_server(notebooks=ROOT / "notebooks", name=name, args=args)
        yield started
        stop_server(started)

    return server


def page_log_on(server_fixture: str = "server", width: int = 1280, height: int = 900):
    """A fixture: a fresh page (with its log) on the module's server, at ``width`` x ``height``,
    closed as a tab is after the test. In a test module: ``log = page_log_on()``."""

    @pytest.fixture
    def log(chromium, request):
        page_log = new_page_log(chromium, request.getfixturevalue(server_fixture).url)
        page_log.page.set_viewport_size({"width": width, "height": height})
        yield page_log
        close_page_log(page_log)

    return log


# ---------------------------------------------------------------------------
# Helpers


def open_dashboard(page, notebook_name: str, *, timeout: float = 60_000, widgets: str = ".jupyter-widgets",
                   navigate: bool = True) -> float:
    """Open ``/voila/render/<notebook_name>`` and wait until its widgets are rendered.

    Asserts that no cell failed (Voilà still answers 200 and stops executing) and
    that at least one element matching ``widgets`` is visible. Returns the seconds
    from navigation to rendered widgets. ``navigate=False``: the page is already
    on its way there; only wait and check.
    """
    started = time.perf_counter()
    if navigate:
        response = page.goto(f"voila/render/{notebook_name}", wait_until="commit", timeout=timeout)
        assert response is not None and response.status == 200, (
            f"{notebook_name}: HTTP {response.status if response else 'no response'}"
        )
    # Voilà removes the spinner and shows #rendered_cells once every cell has run.
    page.wait_for_selector("#rendered_cells", state="visible", timeout=timeout)
    html = page.content()
    if CELL_ERROR_TEXT in html:
        shown = page.inner_text("#rendered_cells")
        raise AssertionError(f"{notebook_name}: a cell failed:\n{shown[:2000]}")
    remaining = max(1_000, timeout - (time.perf_counter() - started) * 1000)
    page.wait_for_selector(widgets, state="visible", timeout=remaining)
    return time.perf_counter() - started


# A dashboard scrolls inside Voilà's shell, not the document: its full height.
CONTENT_HEIGHT = """() => {
  const cells = document.getElementById("rendered_cells");
  if (!cells) return document.documentElement.scrollHeight;
  return Math.ceil(cells.getBoundingClientRect().top + cells.scrollHeight);
}"""


def save_screenshot(page, name: str, *, full_page: bool = True, max_height: int = 12_000) -> Path:
    """Save a PNG of the page under test-output/screenshots/ and return its path.

    ``full_page`` captures a whole dashboard: the viewport is made as tall as the
    content for the shot (Playwright's own full_page sees only the shell's height).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    viewport = page.viewport_size
    height = min(page.evaluate(CONTENT_HEIGHT), max_height) if full_page else 0
    if viewport and height > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": height})
        page.wait_for_timeout(500)
        try:
            page.screenshot(path=str(path))
        finally:
            page.set_viewport_size(viewport)
    else:
        page.screenshot(path=str(path), full_page=full_page)
    return path
