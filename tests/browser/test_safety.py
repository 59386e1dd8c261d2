"""Safety of the served pages: loopback only, no code from the browser, size limits."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.browser.conftest import close_page_log, FIXTURES, new_page_log, open_dashboard
from workbench.cli import build_parser
from workbench.serve.run import _warn_if_exposed
from workbench.serve.server import (
    MAX_UPLOAD_BYTES,
    WEBSOCKET_MAX_MESSAGE_BYTES,
    is_loopback,
    lab_config,
    serve_options,
    voila_config,
)

pytestmark = pytest.mark.browser

KERNEL_CLIENT = (Path(__file__).parent / "kernel_client.js").read_text(encoding="utf-8")
TORNADO_DEFAULT_LIMIT = 10 * 1024 * 1024
# Tornado answers a too-big message with a close frame (1009, "message too big")
# and drops the connection; while the browser is still sending the rest, it may
# see only the dropped connection (1006). Either way the server closed it.
SERVER_CLOSED = (1009, 1006)

# Sends, on one socket: kernel_info_request (control), execute_request (the
# attempt), kernel_info_request (control). The shell channel is handled in order,
# so once the last reply is in, an executed request would have answered too.
TRY_TO_EXECUTE = """
async ({ which, code }) => {
  const K = window.__wbKernel;
  const ws = which === "page" ? K.pageSocket().socket : await K.connect();
  const listener = K.listen(ws);
  const before = K.message("kernel_info_request", {});
  const attempt = K.message("execute_request", {
    code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true,
  });
  const after = K.message("kernel_info_request", {});
  for (const m of [before, attempt, after]) ws.send(K.encode("shell", m, ws.protocol));
  await K.waitFor(() => listener.received.some((m) => m.parent === after.header.msg_id), 20000);
  await K.sleep(500);
  listener.stop();
  if (which !== "page") ws.close();
  return {
    protocol: ws.protocol,
    ids: { before: before.header.msg_id, attempt: attempt.header.msg_id, after: after.header.msg_id },
    received: listener.received,
  };
}
"""


@pytest.fixture(scope="module")
def served_dashboard(chromium, voila_server):
    """One dashboard page shared by the tests that only open sockets of their own."""
    log = new_page_log(chromium, voila_server.url)
    log.page.add_init_script(KERNEL_CLIENT)
    open_dashboard(log.page, "slider_chart.ipynb", widgets=".widget-slider")
    yield log
    close_page_log(log)


def replies_to(result: dict, key: str) -> list[dict]:
    return [m for m in result["received"] if m["parent"] == result["ids"][key]]


def test_execute_requests_from_the_browser_are_refused(served_dashboard, voila_server, tmp_path):
    page = served_dashboard.page
    marker = tmp_path / "executed-by-a-viewer"
    code = f"open({str(marker)!r}, 'w').write('a viewer ran code')"

    results = {which: page.evaluate(TRY_TO_EXECUTE, {"which": which, "code": code})
               for which in ("page", "new")}

    # the page's own socket speaks the v1 protocol; the new one legacy JSON
    assert results["page"]["protocol"] == "v1.kernel.websocket.jupyter.org"
    assert results["new"]["protocol"] == ""
    for which, result in results.items():
        # controls: the kernel answered before and after, so messages got through
        assert [m["type"] for m in replies_to(result, "before")].count("kernel_info_reply") == 1, which
        assert [m["type"] for m in replies_to(result, "after")].count("kernel_info_reply") == 1, which
        # the attempt: not a single message in reply (no status, no execute_reply)
        assert replies_to(result, "attempt") == [], which
    assert not marker.exists()
    refused = 'Received message of type "execute_request", which is not allowed'
    assert voila_server.log_text().count(refused) >= 2


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp*)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_the_server_listens_on_loopback_only(voila_server):
    assert listening_addresses(voila_server.port) == {"127.0.0.1"}
    # and is not reachable through this machine's other addresses
    others = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    for address in others - {"127.0.0.1"}:
        if address.startswith("127."):
            continue
        with pytest.raises(OSError):
            socket.create_connection((address, voila_server.port), timeout=2).close()


def test_host_is_loopback_unless_given_on_purpose(capsys):
    default = build_parser().parse_args(["serve", "--notebooks", str(FIXTURES)])
    opts = serve_options(notebooks=default.notebooks, host=default.host)
    assert voila_config(opts)["Voila"]["ip"] == "127.0.0.1"
    assert lab_config(opts, token="t")["ServerApp"]["ip"] == "127.0.0.1"

    given = build_parser().parse_args(["serve", "--notebooks", str(FIXTURES), "--host", "0.0.0.0"])
    opts = serve_options(notebooks=given.notebooks, host=given.host)
    assert voila_config(opts)["Voila"]["ip"] == "0.0.0.0"

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20") and not is_loopback("intranet-host")
    _warn_if_exposed("127.0.0.1")
    assert capsys.readouterr().err == ""
    _warn_if_exposed("0.0.0.0")
    err = capsys.readouterr().err
    assert "警告" in err and "WARNING" in err and "0.0.0.0" in err


def test_limits_and_safe_defaults_are_in_the_config():
    opts = serve_options(notebooks=FIXTURES)
    config = voila_config(opts)
    assert config["Voila"]["tornado_settings"]["websocket_max_message_size"] == WEBSOCKET_MAX_MESSAGE_BYTES
    assert MAX_UPLOAD_BYTES < WEBSOCKET_MAX_MESSAGE_BYTES <= MAX_UPLOAD_BYTES + 2 * 1024 * 1024
    assert config["Voila"]["config_file_paths"] == []  # no stray voila.json can override this
    assert config["VoilaConfiguration"]["strip_sources"] is True
    assert config["VoilaConfiguration"]["template"] == "workbench"
    assert config["VoilaConfiguration"]["allow_template_override"] == "NO"
    assert config["MappingKernelManager"]["cull_idle_timeout"] > 0
    lab = lab_config(opts, token="secret")
    assert lab["ServerApp"]["tornado_settings"]["websocket_max_message_size"] == WEBSOCKET_MAX_MESSAGE_BYTES
    assert lab["IdentityProvider"]["token"] == "secret"


# A new connection to the page's kernel sends a message just under the limit
# (accepted: the server drops it, its channel does not exist), then one above
# it (the server closes the connection with 1009, "message too big").
SEND_LARGE = """
async ({ under, over }) => {
  const K = window.__wbKernel;
  const ws = await K.connect();
  let closeCode = null;
  ws.addEventListener("close", (event) => { closeCode = event.code; });
  const listener = K.listen(ws);
  const ping = async () => {
    const m = K.message("kernel_info_request", {});
    ws.send(K.encode("shell", m, ws.protocol));
    return K.waitFor(() => listener.received.some((r) => r.parent === m.header.msg_id), 30000);
  };
  const padded = (size) => {
    const m = { ...K.message("comm_info_request", {}), channel: "nowhere", pad: "" };
    return JSON.stringify({ ...m, pad: "x".repeat(size - JSON.stringify(m).length) });
  };
  const result = { first: await ping() };
  ws.send(padded(under));
  result.afterUnder = await ping();
  ws.send(padded(over));
  await K.waitFor(() => closeCode !== null, 60000);
  result.closeCode = closeCode;
  return result;
}
"""


def test_a_websocket_message_above_the_limit_is_refused(served_dashboard, voila_server):
    page = served_dashboard.page
    under = WEBSOCKET_MAX_MESSAGE_BYTES - 1024 * 1024
    assert under > 4 * TORNADO_DEFAULT_LIMIT  # so acceptance shows our limit is in force
    result = page.evaluate(SEND_LARGE, {"under": under, "over": WEBSOCKET_MAX_MESSAGE_BYTES + 1024 * 1024})
    assert result["first"] and result["afterUnder"]
    assert result["closeCode"] in SERVER_CLOSED
    # the message under the limit reached the server (and was dropped there); the one above did not
    assert voila_server.log_text().count("No such channel: 'nowhere'") == 1


def choose_file(page, path: Path) -> None:
    """Click the upload button and pick ``path`` in the file chooser, as a user does."""
    with page.expect_file_chooser() as chooser:
        page.click(".widget-upload")
    chooser.value.set_files(str(path))


def test_an_upload_above_the_limit_is_refused(page_log, voila_server, tmp_path):
    page = page_log.page
    page.add_init_script(KERNEL_CLIENT)
    open_dashboard(page, "slider_chart.ipynb", widgets=".widget-upload")
    label = page.get_by_text("已收到 received")

    small = tmp_path / "small.csv"
    small.write_text("a,b\n1,2\n", encoding="utf-8")
    choose_file(page, small)
    label.wait_for()
    assert label.inner_text() == f"已收到 received {small.stat().st_size} bytes"

    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.truncate(WEBSOCKET_MAX_MESSAGE_BYTES + 1)  # a file alone above the hard limit
    choose_file(page, big)
    page.wait_for_function(
        "codes => window.__wbSockets.some((e) => codes.includes(e.closeCode))",
        arg=list(SERVER_CLOSED), timeout=60_000,
    )
    page.wait_for_timeout(2_000)
    # the kernel never got the file
    assert label.inner_text() == f"已收到 received {small.stat().st_size} bytes"
    # the page reconnected by itself: the dashboard still works
    readout = page.locator(".widget-slider .widget-readout")
    readout.fill("3")
    readout.press("Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot .bartext')].map(e => e.textContent).join(',')"
        " === '9.0,15.0,6.0,12.0'", timeout=15_000,
    )
    page_log.assert_clean()
