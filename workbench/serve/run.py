"""Running the servers: ``workbench serve`` (Voilà with the workbench's handlers) and ``workbench lab``.

The options and the configuration they run with are :mod:`.server`'s; this
module starts them: the port checked first, a warning when the pages can be
reached from other machines, Voilà's application class extended with the
login, Host check, security headers, kernel limits and the pool of pre-run
kernels (:func:`_voila_app_class`).

>>> _display_url("0.0.0.0", 8866)
'http://127.0.0.1:8866/'
"""

from __future__ import annotations

import functools
import logging
import os
import re
import secrets
import socket
import sys
import time
from pathlib import Path

from .server import (
    CONTENT_SECURITY_POLICY,
    LANGS,
    LOOPBACK,
    REFERRER_POLICY,
    ServeOptions,
    cookie_secret,
    is_loopback,
    lab_config,
    list_dashboards,
    prepare_state,
    server_environment,
    voila_config,
)

__all__ = ["serve", "lab"]



def serve(opts: ServeOptions) -> int:
    """Run Voilà on ``opts.notebooks`` until interrupted (Ctrl+C)."""
    from traitlets.config import Config

    from .auth import access_policy

    policy = access_policy(host=opts.host, users_path=opts.users_path, proxy_header=opts.proxy_header,
                           proxy_addresses=opts.proxy_addresses, names=opts.names, login_hours=opts.login_hours)
    _check_port_free(opts.host, opts.port)
    _warn_if_exposed(opts.host, policy)
    cleaned = prepare_state(opts)
    if cleaned["exports"] or cleaned["uploads"]:
        print(f"清理 / cleaned: {cleaned['exports']} old exports, uploads of {len(cleaned['uploads'])} "
              "users whose session lapsed", flush=True)
    os.environ.update(server_environment(opts))
    nonce = secrets.token_urlsafe(18)
    config = voila_config(opts, nonce=nonce)
    config["Voila"]["cookie_secret"] = cookie_secret(opts)
    app = _voila_app_class()(config=Config(config), workbench_options=opts, workbench_policy=policy)
    app.initialize(argv=[])
    app.start()
    return 0


def lab(opts: ServeOptions) -> int:
    """Run JupyterLab on ``opts.notebooks`` until interrupted (Ctrl+C)."""
    from jupyterlab.labapp import LabApp
    from traitlets.config import Config

    from ..views.widgets.plotly_chart import plotly_js_handlers

    _check_port_free(opts.host, opts.port)
    _warn_if_exposed(opts.host)
    os.environ.update(server_environment(opts))
    token = secrets.token_urlsafe(24)
    server = LabApp.initialize_server(argv=[], config=Config(lab_config(opts, token=token)))
    server.web_app.add_handlers(".*$", plotly_js_handlers(server.base_url))
    url = f"{_display_url(opts.host, server.port)}lab?token={token}"
    _announce("JupyterLab 已启动，请在浏览器中打开", "JupyterLab is running; open", url, opts)
    server.start()
    return 0


def _display_url(host: str, port: int) -> str:
    shown = LOOPBACK if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def _announce(zh: str, en: str, url: str, opts: ServeOptions) -> None:
    lines = [
        "",
        f"  {zh}：{url}",
        f"  {en}: {url}",
        f"  数据 / data: {opts.data}",
        f"  笔记本 / notebooks: {opts.notebooks}",
        "  按 Ctrl+C 停止 / press Ctrl+C to stop",
        "",
    ]
    print("\n".join(lines), flush=True)


def _warn_if_exposed(host: str, policy=None) -> None:
    if is_loopback(host):
        return
    if policy is None or policy.open:
        print(
            f"警告：服务监听在 {host}，同一网络中的任何人都可以打开这些页面。\n"
            f"WARNING: serving on {host}: anyone who can reach this machine can open these pages.",
            file=sys.stderr,
            flush=True,
        )
        return
    print(
        f"服务监听在 {host}：同一网络中的人须用账号登录后才能打开看板（用户：{policy.users.path}）。\n"
        f"Serving on {host}: people on the network must sign in to open the dashboards "
        f"(users: {policy.users.path}). Served names: {', '.join(sorted(policy.names.names))}",
        file=sys.stderr,
        flush=True,
    )


def _check_port_free(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ValueError(f"--host: cannot resolve {host!r} ({exc})") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise ValueError(
                f"--port: cannot listen on {host}:{port} ({exc.strerror}); "
                "is another server running there? choose another port with --port"
            ) from None


def _quiet_operator_log(record) -> bool:
    """Keep out of the operator's log what says nothing to an operator: that every dashboard is
    "not trusted" (notebook trust is JupyterLab's; the dashboards never run in it), and tornado's
    note that jupyter_server's websocket ping timeout (in ms, read by tornado as seconds) is longer
    than its interval (jupyter_server does its own pinging)."""
    return not (record.msg == "Notebook %s is not trusted"
                or str(record.msg).startswith("The websocket_ping_timeout"))


@functools.cache
def _voila_app_class():
    """Voilà with our landing page at ``/``, logins, owned kernels and a bilingual address line.

    Built on first use so that ``workbench check`` and friends do not import
    Voilà and the Jupyter server.
    """
    from jupyter_server.auth.decorator import allow_unauthenticated
    from jupyter_server.utils import url_path_join
    from tornado import web
    from tornado.ioloop import IOLoop, PeriodicCallback
    from traitlets import Any as AnyTrait
    from voila.app import Voila
    from voila.handler import BaseVoilaHandler
    from voila.request_info_handler import RequestInfoSocketHandler
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
    from voila.static_file_handler import AllowListFileHandler
    from voila.tornado.handler import TornadoVoilaHandler
    from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler
    from voila.tornado.treehandler import TornadoVoilaTreeHandler

    from ..i18n import tr
    from ..views.audit import AuditLog
    from ..views.state import DataStore, sweep_uploads
    from ..views.widgets.plotly_chart import plotly_js_handlers
    from .auth import LoginThrottle, Refused, WorkbenchAuthorizer, identity_provider_for, role_text
    from .kernels import PAGE_REQUEST, PageRequest, pace_pre_runs

    def pair(key: str, lang: str, **values) -> tuple[str, str]:
        """A catalogue text in the page's language first, then the other one."""
        other = "en" if lang == "zh" else "zh"
        return tr(key, lang, **values), tr(key, other, **values)

    class Pages:
        """What the server's own pages share: the language, refusals rendered from the catalogue."""

        def page_lang(self) -> str:
            lang = self.get_argument("lang", None)
            return lang if lang in LANGS else self.application.settings["workbench_options"].lang

        def write_error(self, status_code, **kwargs):
            exc = kwargs.get("exc_info", (None, None, None))[1]
            key = getattr(exc, "key", None) or ("refused_generic" if status_code == 403 else None)
            lang = self.page_lang()
            if key is None:
                return super().write_error(status_code, **kwargs)
            values = getattr(exc, "values", {})
            if status_code in (429, 503):
                self.set_header("Retry-After", "30")
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.finish(self.render_template("error.html", status_code=status_code, status_message="",
                                             refusal=pair(key, lang, **values), base_url=self.base_url,
                                             back=pair("back_to_dashboards", lang), lang=lang,
                                             theme=self.application.settings["workbench_options"].theme))

    def touch(handler) -> None:
        """Note the user's activity (their upload lives while their session does), at most once a minute."""
        user = handler.current_user
        seen = handler.application.settings.setdefault("workbench_seen", {})
        if user is None or time.monotonic() - seen.get(user.username, -1e9) < 60:
            return
        seen[user.username] = time.monotonic()
        try:
            DataStore(handler.application.settings["workbench_options"].state_dir, user=user.username).touch()
        except OSError:
            pass

    class LandingHandler(Pages, TornadoVoilaTreeHandler):
        """``/`` and ``/voila/tree/<folder>``: the dashboards of a folder."""

        def initialize(self, **kwargs):
            super().initialize(**kwargs)
            self.root = Path(kwargs["root"]).resolve()
            self.opts = kwargs["opts"]

        @web.authenticated
        async def get(self, path=""):
            relative = (path or "").strip("/")
            folder = (self.root / relative).resolve()
            hidden = any(part.startswith((".", "_")) for part in Path(relative).parts)
            if hidden or not folder.is_dir() or not folder.is_relative_to(self.root):
                raise web.HTTPError(404)
            touch(self)
            prefix = f"{self.base_url}voila/render/" + (f"{relative}/" if relative else "")
            dashboards = [
                {**d.__dict__, "url": prefix + d.name} for d in list_dashboards(folder)
            ]
            subfolders = [
                {"name": p.name, "url": f"{self.base_url}voila/tree/{relative + '/' if relative else ''}{p.name}"}
                for p in sorted(folder.iterdir())
                if p.is_dir() and not p.name.startswith((".", "_"))
            ]
            lang = self.opts.lang
            user = self.current_user
            signed_in = None if self.identity_provider.policy.open else pair(
                "signed_in_as", lang, user=user.username, role=role_text(user, lang))
            self.write(
                self.render_template(
                    "landing.html",
                    dashboards=dashboards,
                    subfolders=subfolders,
                    folder=relative,
                    home_url=self.base_url,
                    lang=lang,
                    theme=self.opts.theme,
                    data_name=self.opts.data.name,
                    signed_in=signed_in,
                    logout=pair("logout", lang),
                    logout_url=url_path_join(self.base_url, "logout"),
                )
            )

    class DashboardHandler(Pages, TornadoVoilaHandler):
        """``/voila/render/<notebook>``: a page and its kernel, for a signed-in user within the limits.

        Also sets the ``_xsrf`` cookie: when a tab closes, Voilà's page posts
        ``/voila/api/shutdown/<kernel>`` with it; without the cookie the server
        refuses (403) and the kernel lives on until culled.
        """

        async def prepare(self, **kwargs):
            await super().prepare(**kwargs)
            self.xsrf_token  # noqa: B018 - reading it sets the cookie

        @web.authenticated
        async def get(self, path=None):
            headers = self.request.headers
            dest, site = headers.get("Sec-Fetch-Dest"), headers.get("Sec-Fetch-Site")
            if dest not in (None, "document") or (site == "cross-site" and headers.get("Sec-Fetch-Mode") != "navigate"):
                # an <img>, <iframe> or script of some page asking for a dashboard: no kernel for that
                raise Refused(403, "refused_cross_site")
            request = PageRequest(user=self.current_user, notebook=str(path or ""))
            self.kernel_manager.admit(request)
            token = PAGE_REQUEST.set(request)
            touch(self)
            try:
                async for html in self.get_generator(path=path):
                    self.write(html)
                    self.flush()
            finally:
                PAGE_REQUEST.reset(token)
                self.kernel_manager.release(request)

    class KernelSocketHandler(VoilaKernelWebsocketHandler):
        """The kernel websocket; a refusal is a bare status (no page to render for a websocket)."""

        def write_error(self, status_code, **kwargs):
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            self.finish(f"{status_code}\n")

    class ShutdownHandler(VoilaShutdownKernelHandler):
        """``/voila/api/shutdown/<kernel>`` (a tab closing): only the kernel's owner may shut it down."""

        @web.authenticated
        async def post(self, kernel_id):
            if self.kernel_manager.owner(kernel_id) != self.current_user.username:
                raise web.HTTPError(403)
            await self.kernel_manager.shutdown_kernel(kernel_id)
            self.set_status(204)
            self.finish()

    class LoginHandler(Pages, BaseVoilaHandler):
        """``/login``: the bilingual sign-in page (user name and password)."""

        throttle = LoginThrottle()

        def initialize(self, **kwargs):
            super().initialize(**kwargs)

        def render_page(self, *, message=None, status=200):
            lang = self.page_lang()
            keys = ("app_name", "login_title", "login_intro", "login_user", "login_password", "login_submit",
                    "login_no_account")
            self.set_status(status)
            self.write(self.render_template(
                "login.html", lang=lang, theme=self.application.settings["workbench_options"].theme,
                t={key: pair(key, lang) for key in keys}, message=message,
                next=self.get_argument("next", self.base_url), base_url=self.base_url,
                other_lang="en" if lang == "zh" else "zh"))

        @allow_unauthenticated
        def get(self):
            if self.identity_provider.policy.open:
                return self.redirect(self.base_url)
            if self.current_user:
                return self._redirect_safe(self.get_argument("next", self.base_url))
            self.render_page()

        @allow_unauthenticated
        async def post(self):
            policy = self.identity_provider.policy
            if policy.open:
                return self.redirect(self.base_url)
            name = self.get_body_argument("username", "").strip()[:64]
            password = self.get_body_argument("password", "")[:1024]
            address = self.request.remote_ip or ""
            lang = self.page_lang()
            wait = self.throttle.wait(name, address)
            if wait:
                return self.render_page(message=pair("login_throttled", lang, seconds=wait), status=429)
            found = await IOLoop.current().run_in_executor(None, policy.users.verify, name, password)
            if found is None:
                self.throttle.failed(name, address)
                existing = policy.users.get(name)
                key = "login_sso_only" if existing is not None and not existing.has_password else "login_failed"
                self.log.warning("failed sign-in for %r from %s", name, address)
                return self.render_page(message=pair(key, lang), status=401)
            self.throttle.succeeded(name)
            user = self.identity_provider.current(found.name)
            self.identity_provider.set_login_cookie(self, user)
            AuditLog(self.application.settings["workbench_options"].state_dir).record(
                "login", user=user.username, address=address)
            self.log.info("%s signed in from %s", user.username, address)
            self._redirect_safe(self.get_argument("next", self.base_url))

        def _redirect_safe(self, url):
            # only paths of this server: never another site, never //host or a scheme
            if not isinstance(url, str) or not url.startswith(self.base_url) or url.startswith("//") \
                    or "\\" in url or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url):
                url = self.base_url
            self.redirect(url)

    class LogoutHandler(Pages, BaseVoilaHandler):
        """``/logout``: sign out; the user chooses whether their upload stays for next time."""

        def initialize(self, **kwargs):
            super().initialize(**kwargs)

        def _page(self, **ns):
            lang = self.page_lang()
            keys = ("app_name", "logout_title", "logout_question", "logout_remove", "logout_keep", "logged_out",
                    "logged_out_removed", "logged_out_kept", "login_again", "back_to_dashboards")
            self.write(self.render_template(
                "logout.html", lang=lang, theme=self.application.settings["workbench_options"].theme,
                t={key: pair(key, lang) for key in keys}, base_url=self.base_url,
                login_url=url_path_join(self.base_url, "login"), **ns))

        @allow_unauthenticated
        def get(self):
            if self.identity_provider.policy.open:
                return self.redirect(self.base_url)
            user = self.current_user
            if user is None:
                return self._page(done=True, outcome=None)
            store = DataStore(self.application.settings["workbench_options"].state_dir, user=user.username)
            self._page(done=False, has_upload=store.current() is not None, kept=store.kept())

        @allow_unauthenticated
        async def post(self):
            user = self.current_user
            if self.identity_provider.policy.open or user is None:
                return self.redirect(self.base_url)
            opts = self.application.settings["workbench_options"]
            keep = self.get_body_argument("keep", "0") == "1"
            store = DataStore(opts.state_dir, user=user.username)
            if keep and store.current() is not None:
                store.keep_uploads(True)
                outcome = "logged_out_kept"
            else:
                outcome = "logged_out_removed" if store.remove_uploads() else None
            stopped = await self.kernel_manager.shutdown_user(user.username, reason="signed out")
            self.identity_provider.clear_login_cookie(self)
            AuditLog(opts.state_dir).record("logout", user=user.username, kept_upload=keep, pages_closed=stopped)
            self._page(done=True, outcome=outcome)

    class RefusedHost(web.RequestHandler):
        """Any request whose ``Host`` is not a name of this server (a DNS-rebinding page, a stray proxy)."""

        def prepare(self):
            host = self.request.host or ""
            self.set_status(403)
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            lines = [tr("refused_host", lang, host=host[:100]) + " " + tr("refused_host_hint", lang)
                     for lang in ("zh", "en")]
            self.finish("\n".join(lines) + "\n")

    class SecurityHeaders(web.OutputTransform):
        """CSP (websockets to the checked Host only), Referrer-Policy and friends on every response."""

        nonce = ""

        def __init__(self, request):
            super().__init__(request)
            self.host = request.host or ""

        def transform_first_chunk(self, status_code, headers, chunk, finishing):
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(host=self.host, nonce=self.nonce)
            headers["Referrer-Policy"] = REFERRER_POLICY
            headers["X-Content-Type-Options"] = "nosniff"
            headers["Cross-Origin-Opener-Policy"] = "same-origin"
            return status_code, headers, chunk

    class WorkbenchApplication(web.Application):
        """tornado's application, refusing any request whose Host is not one of the server's names."""

        def find_handler(self, request, **kwargs):
            names = self.settings.get("workbench_names")
            if names is not None and not names.allows(request.host):
                return self.get_handler_delegate(request, RefusedHost)
            return super().find_handler(request, **kwargs)

    class WorkbenchVoila(Voila):
        workbench_options = AnyTrait()
        workbench_policy = AnyTrait()

        def init_settings(self):
            settings = super().init_settings()
            self.log.addFilter(_quiet_operator_log)
            logging.getLogger("tornado.general").addFilter(_quiet_operator_log)
            policy = self.workbench_policy
            self.identity_provider = identity_provider_for(policy, parent=self, log=self.log, port=self.port)
            km = self.kernel_manager
            self.authorizer = WorkbenchAuthorizer(parent=self, log=self.log, identity_provider=self.identity_provider,
                                                  kernel_owner=km.owner)
            km.user_lookup = self.identity_provider.current
            if hasattr(km, "get_rendered_notebook"):
                pace_pre_runs(km)
                _claim_pooled_kernels(km)
            settings.update(identity_provider=self.identity_provider, authorizer=self.authorizer,
                            login_url=url_path_join(self.base_url, "login"), workbench_names=policy.names,
                            workbench_options=self.workbench_options, allow_unauthenticated_access=False)
            return settings

        def init_handlers(self):
            handlers = []
            drop = {RequestInfoSocketHandler, AllowListFileHandler}
            for spec in super().init_handlers():
                handler = spec[1] if len(spec) >= 2 else None
                if handler in drop:
                    continue  # pre-run kernels' query socket (unused, no login); notebook-folder files (unused)
                if handler is TornadoVoilaTreeHandler:
                    kwargs = {**spec[2], "root": self.root_dir, "opts": self.workbench_options}
                    spec = (spec[0], LandingHandler, kwargs)
                elif handler is TornadoVoilaHandler:
                    spec = (spec[0], DashboardHandler, *spec[2:])
                elif handler is VoilaShutdownKernelHandler:
                    spec = (spec[0], ShutdownHandler, *spec[2:])
                elif handler is VoilaKernelWebsocketHandler:
                    spec = (spec[0], KernelSocketHandler, *spec[2:])
                handlers.append(spec)
            pages = {"voila_configuration": self.voila_configuration}
            handlers[:0] = [(url_path_join(self.base_url, "login"), LoginHandler, pages),
                            (url_path_join(self.base_url, "logout"), LogoutHandler, pages)]
            # plotly.js once per page (and cached), not once per chart: see widgets.plotly_chart
            handlers[:0] = plotly_js_handlers(self.base_url)
            # Runs once the event loop starts, i.e. after the port is bound.
            IOLoop.current().add_callback(self._announce_address)
            IOLoop.current().add_callback(self._start_sweeper)
            return handlers

        def start(self):
            # Voilà's start(), with our tornado application (the Host check) and the security headers
            import tempfile

            self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
            settings = self.init_settings()
            self.app = WorkbenchApplication(**settings)
            self.app.settings.update(self.tornado_settings)
            SecurityHeaders.nonce = self.voila_configuration.resources.get("workbench_nonce", "")
            self.app.add_transform(SecurityHeaders)
            self.app.add_handlers(".*$", self.init_handlers())
            self.listen()

        def _start_sweeper(self):
            if self.workbench_policy.open:
                return
            opts = self.workbench_options

            def sweep():
                for name in sweep_uploads(opts.state_dir, idle_seconds=opts.login_hours * 3600):
                    self.log.info("removed the upload of %s: their session lapsed", name)

            self._sweeper = PeriodicCallback(sweep, 3600 * 1000)
            self._sweeper.start()

        def _announce_address(self):
            _announce(
                "看板已启动，请在浏览器中打开",
                "Dashboards are served; open",
                _display_url(self.ip, self.port),
                self.workbench_options,
            )

    def _claim_pooled_kernels(km) -> None:
        # Voilà hands a pre-run kernel to a page in get_rendered_notebook; the kernel is made the
        # page's user's there, before any of the page is sent (see kernels.WorkbenchKernelManager.claim).
        hand_out = km.get_rendered_notebook

        async def get_rendered_notebook(*args, **kwargs):
            request = PAGE_REQUEST.get()
            if request is None:
                raise web.HTTPError(403)
            token = PAGE_REQUEST.set(None)  # the pool's refill, started in there, is for nobody
            try:
                render_task, rendered, kernel_id = await hand_out(*args, **kwargs)
            finally:
                PAGE_REQUEST.reset(token)
            km.claim(kernel_id, request)
            return render_task, rendered, kernel_id

        km.get_rendered_notebook = get_rendered_notebook

    return WorkbenchVoila
