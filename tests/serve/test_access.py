"""Who may reach the served dashboards: logins, the Host check, owned kernels, limits, sign-out.

Each test talks to a real ``workbench serve`` over 127.0.0.1, as a browser or an
attacker would (HTTP and the kernel websocket). The server here serves the
small fixture dashboard; roles on real data are in ``test_roles.py``.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.browser.conftest import FIXTURES, start_server, stop_server
from tests.serve.access import Client, KernelSocket, run_async
from workbench.cli import main
from workbench.serve.users import UsersFile
from workbench.views.audit import AuditLog

pytestmark = pytest.mark.slow

PASSWORDS = {"li": "county passphrase", "wang": "township passphrase", "zhao": "presenter passphrase"}
NOTEBOOK = "slider_chart.ipynb"


def add_users(state_dir) -> UsersFile:
    users = UsersFile(state_dir / "users.json")
    users.add("li", role="county", password=PASSWORDS["li"])
    users.add("wang", role="township", townships=["石明乡"], password=PASSWORDS["wang"])
    users.add("zhao", role="presenter", password=PASSWORDS["zhao"])
    users.add("sso", role="county")
    users.add("kim", role="presenter", password="guessed passphrase")
    return users


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    state = tmp_path_factory.mktemp("state")
    add_users(state)
    server = start_server(notebooks=FIXTURES, state_dir=state, name="access",
                          args=("--max-kernels-per-user", "2", "--connect-timeout", "4",
                                "--proxy-header", "X-Remote-User", "--proxy-address", "127.0.0.1"))
    yield server
    stop_server(server)


def signed_in(server, name: str) -> Client:
    client = Client(server.url)
    r = client.login(name, PASSWORDS[name])
    assert r.status == 302 and r.location == "/", r
    return client


def kernels_started(server) -> int:
    return server.log_text().count("Kernel started:")


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return predicate()


async def _connect(server, kernel_id, **headers):
    try:
        ws = await KernelSocket.connect(server.url, kernel_id, headers=headers)
    except Exception as exc:  # tornado raises HTTPClientError for a refused upgrade
        return getattr(exc, "code", repr(exc))
    ws.close()
    return 101


def connect(server, kernel_id, **headers):
    return run_async(_connect(server, kernel_id, **headers))


def test_every_page_needs_a_login_and_no_kernel_starts_without_one(server):
    anonymous = Client(server.url)
    before = kernels_started(server)
    for path in ("", f"voila/render/{NOTEBOOK}", "voila/tree", "voila/api/contents"):
        r = anonymous.request(path)
        assert r.status in (302, 403), (path, r.status)
        if r.status == 302:
            assert r.location.startswith("/login?next="), r.location
    assert kernels_started(server) == before
    # the REST API of kernels answers nobody, not even a signed-in user
    li = signed_in(server, "li")
    assert li.request("api/kernels").status in (403, 404, 405)
    # the login page itself is public, in both languages, with the form
    page = anonymous.request("login")
    assert page.status == 200 and "用户名" in page.text and "User name" in page.text and 'name="_xsrf"' in page.text


def test_a_wrong_password_is_refused_in_both_languages_and_guessing_is_slowed(server):
    client = Client(server.url)
    r = client.login("li", "not the password")
    assert r.status == 401 and "用户名或密码不正确" in r.text and "The user name or the password is not right" in r.text
    r = client.login("nobody", "whatever it is")
    assert r.status == 401  # an unknown name looks the same
    r = client.login("sso", "any password at all")
    assert r.status == 401 and "single sign-on" in r.text
    guesser = Client(server.url)
    statuses = [guesser.login("kim", f"guess number {i}").status for i in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    assert "秒后再试" in guesser.login("kim", "guessed passphrase").text  # even the right one waits now


def test_the_host_header_must_name_the_server(server):
    li = signed_in(server, "li")
    r, kernel_id = li.open_dashboard(NOTEBOOK)
    assert r.status == 200 and kernel_id
    for host in ("attacker.example", f"attacker.example:{server.port}", "127.0.0.1.evil.example"):
        refused = li.request(f"voila/render/{NOTEBOOK}", headers={"Host": host})
        assert refused.status == 403 and "Refused" in refused.text and "拒绝访问" in refused.text
        assert li.request("login", headers={"Host": host}).status == 403
        # the websocket of the page's own kernel, with the user's cookie, under another name
        assert connect(server, kernel_id, Host=host, Origin=f"http://{host}", Cookie=li.cookie_header()) == 403
    assert connect(server, kernel_id, Cookie=li.cookie_header()) == 101
    assert li.request("", headers={"Host": f"localhost:{server.port}"}).status == 200


def test_a_kernel_belongs_to_the_page_of_its_user(server):
    li, zhao = signed_in(server, "li"), signed_in(server, "zhao")
    r, kernel_id = li.open_dashboard(NOTEBOOK)
    assert r.status == 200
    assert connect(server, kernel_id) == 403                                 # no login
    assert connect(server, kernel_id, Cookie=zhao.cookie_header()) == 403    # another user
    assert connect(server, kernel_id, Cookie=li.cookie_header()) == 101
    # another user cannot close it either (the page-close beacon)
    shut = zhao.request(f"voila/api/shutdown/{kernel_id}", data={}, headers={"X-XSRFToken": zhao.xsrf()})
    assert shut.status == 403
    assert connect(server, kernel_id, Cookie=li.cookie_header()) == 101
    mine = li.request(f"voila/api/shutdown/{kernel_id}", data={}, headers={"X-XSRFToken": li.xsrf()})
    assert mine.status == 204


def test_kernels_per_user_are_limited_and_the_refusal_says_so(server):
    wang = signed_in(server, "wang")

    async def two_pages_then_a_third():
        sockets = []
        for _ in range(2):  # two pages, connected to their kernels as pages are
            _, kernel_id = await asyncio.to_thread(wang.open_dashboard, NOTEBOOK)
            sockets.append(await KernelSocket.connect(server.url, kernel_id, headers={"Cookie": wang.cookie_header()}))
        third = await asyncio.to_thread(wang.open_dashboard, NOTEBOOK)
        for ws in sockets:
            ws.close()
        return third, [ws for ws in sockets]

    (third, none), _ = run_async(two_pages_then_a_third())
    assert third.status == 429 and none is None
    assert "每人上限 2" in third.text and "the limit is 2 per person" in third.text
    assert third.headers.get("Retry-After")


def test_a_page_that_never_connects_loses_its_kernel(server):
    li = signed_in(server, "li")
    r, kernel_id = li.open_dashboard(NOTEBOOK)  # like an <img> tag or a crawler: the page never runs
    assert r.status == 200
    assert wait_for(lambda: f"kernel {kernel_id} of li: its page never connected" in server.log_text(), 40)
    assert connect(server, kernel_id, Cookie=li.cookie_header()) in (403, 404)


def test_a_dashboard_embedded_in_another_page_gets_no_kernel(server):
    li = signed_in(server, "li")
    before = kernels_started(server)
    for dest in ("image", "iframe", "script"):
        r = li.request(f"voila/render/{NOTEBOOK}", headers={"Sec-Fetch-Dest": dest, "Sec-Fetch-Site": "cross-site",
                                                             "Sec-Fetch-Mode": "no-cors"})
        assert r.status == 403 and "不能嵌入其他网页" in r.text
    assert kernels_started(server) == before


def test_the_proxy_header_is_a_login_only_for_known_users(server):
    proxied = Client(server.url)
    r = proxied.request("", headers={"X-Remote-User": "sso"})
    assert r.status == 200 and "sso" in r.text
    assert proxied.request("", headers={"X-Remote-User": "stranger"}).status == 302


def test_signing_out_ends_the_pages_and_the_login(server):
    zhao = signed_in(server, "zhao")
    r, kernel_id = zhao.open_dashboard(NOTEBOOK)
    assert connect(server, kernel_id, Cookie=zhao.cookie_header()) == 101
    page = zhao.request("logout")
    assert page.status == 200 and "退出登录" in page.text and "Sign out" in page.text
    done = zhao.request("logout", data={"_xsrf": zhao.xsrf(), "keep": "0"})
    assert done.status == 200 and "您已退出登录" in done.text
    assert zhao.request("").status == 302
    assert wait_for(lambda: f"kernel {kernel_id} of zhao shut down: signed out" in server.log_text(), 10)
    events = [(e["user"], e["event"]) for e in AuditLog(server.state_dir).read()]
    assert ("zhao", "login") in events and ("zhao", "logout") in events


def test_a_removed_user_loses_their_login_and_pages(server):
    users = UsersFile(server.state_dir / "users.json")
    users.add("temp", role="county", password="temporary passphrase")
    client = Client(server.url)
    assert client.login("temp", "temporary passphrase").status == 302
    r, kernel_id = client.open_dashboard(NOTEBOOK)
    assert r.status == 200
    # connected as a page is, so the server's short connect timeout cannot take the kernel first
    assert connect(server, kernel_id, Cookie=client.cookie_header()) == 101
    users.remove("temp")
    assert client.request("").status == 302
    # the kernel checker runs every few seconds; a loaded machine (the whole suite) needs longer
    assert wait_for(lambda: f"kernel {kernel_id}: user temp was removed or changed" in server.log_text(), 60)


def test_a_server_beyond_this_machine_refuses_to_start_without_users(tmp_path, capsys):
    code = main(["serve", "--no-browser", "--notebooks", str(FIXTURES), "--host", "0.0.0.0",
                 "--state-dir", str(tmp_path), "--port", "1"])
    err = capsys.readouterr().err
    assert code == 1
    assert "no user can log in" in err and "workbench users add NAME --role county" in err


def test_login_on_loopback_whenever_users_exist(tmp_path):
    add_users(tmp_path)
    server = start_server(notebooks=FIXTURES, state_dir=tmp_path, name="loopback-users")
    try:
        assert Client(server.url).request("").status == 302
    finally:
        stop_server(server)
