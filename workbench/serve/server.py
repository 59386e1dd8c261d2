"""Serving the dashboards: Voilà for presenters, JupyterLab for researchers.

``workbench serve`` runs Voilà on the repository's ``notebooks/`` folder with the
offline template shipped in this package (``share/jupyter/voila/templates/workbench``):
sources hidden, bound to 127.0.0.1 unless a host is given on purpose, idle kernels
culled, execute requests from the browser refused (Voilà's default, kept), websocket
messages (and so uploads) limited to :data:`WEBSOCKET_MAX_MESSAGE_BYTES`, and a
bilingual landing page at ``/`` listing every dashboard with the title and summary
read from its notebook metadata. ``workbench lab`` opens the same notebooks in
JupyterLab.

Who may see what (see :mod:`.auth`, :mod:`.users`, :mod:`.kernels`, :mod:`.kernel`):
every request must name the server by one of its names (``Host``); beyond this
machine, or whenever users are configured, every page and websocket needs a
login (bilingual login page, sign-out at ``/logout``); each page gets a kernel
of its own, owned by its user, within limits per user and in total, that learns
its user and role from the server; the page's kernel enforces the role.

The dashboards learn which data to show, in which language and theme, from the
environment their kernel inherits from the server (see
:mod:`workbench.views.environment`).

>>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0")
(True, False)
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import re
import secrets
import shutil
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..views.environment import (
    DEFAULT_DATA,
    DEFAULT_STATE,
    ENV_IDENTITY_DIR,
    ENV_STATE,
    ENV_DATA,
    ENV_LANG,
    ENV_THEME,
    LANGS,
    MAX_UPLOAD_BYTES,
    THEMES,
    DashboardSettings,
    _choice,
    dashboard_settings,
    plotly_template,
)

__all__ = [
    "MAX_UPLOAD_BYTES",
    "WEBSOCKET_MAX_MESSAGE_BYTES",
    "ENV_DATA",
    "ENV_LANG",
    "ENV_THEME",
    "LANGS",
    "THEMES",
    "DashboardSettings",
    "dashboard_settings",
    "plotly_template",
    "Dashboard",
    "list_dashboards",
    "ServeOptions",
    "serve_options",
    "is_loopback",
    "server_environment",
    "voila_config",
    "lab_config",
    "serve",
    "lab",
    "prepare_state",
    "CONTENT_SECURITY_POLICY",
]

#: Largest websocket message the server accepts: one upload plus room for the
#: message envelope. Tornado closes the connection (code 1009) on a larger one.
WEBSOCKET_MAX_MESSAGE_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024


PACKAGE_DIR = Path(__file__).resolve().parents[1]
SHARE_DIR = PACKAGE_DIR / "share" / "jupyter"
TEMPLATE_NAME = "workbench"
DEFAULT_NOTEBOOKS = PACKAGE_DIR.parent / "notebooks"
DEFAULT_PORT = 8866
DEFAULT_LAB_PORT = 8888
LOOPBACK = "127.0.0.1"

#: Kernels of closed pages are shut down after this many idle seconds,
#: checked every CULL_INTERVAL seconds. Pages still open are never culled.
CULL_INTERVAL = 60
CULL_IDLE_TIMEOUT = 600

#: Every page may load only from its own server (scripts, styles, fonts, data).
#: Scripts: the server's files, the page's own inline start-up scripts (those
#: carrying the server's nonce: no other inline script, and no inline event
#: handler, ever runs), and the modules anywidget builds from blob: URLs; no eval
#: (plotly.js, the widget manager and anywidget work without it). The nonce is
#: the server's, made at each start, not each response's: pre-run kernels render
#: their page before it is asked for. Styles inline too (widgets and plotly set
#: style attributes). Websockets only to the server's own host and port ({host}
#: is the request's Host, which the server checked first). No page may frame the
#: dashboards, and no form posts elsewhere.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'nonce-{nonce}' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self' ws://{host} wss://{host}",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
#: The address of a dashboard is never sent to another site (links in data, exports).
REFERRER_POLICY = "same-origin"


# ---------------------------------------------------------------------------
# The landing page's catalogue


@dataclass(frozen=True)
class Dashboard:
    """One notebook of the served folder, as the landing page lists it."""

    name: str
    title_zh: str
    title_en: str
    summary_zh: str = ""
    summary_en: str = ""
    order: float = 1000.0


def list_dashboards(folder: str | Path) -> list[Dashboard]:
    """The notebooks of a folder with their bilingual titles, in display order.

    Titles and summaries come from ``metadata["workbench"]`` of each notebook
    (``title_zh``, ``title_en``, ``summary_zh``, ``summary_en``, ``order``);
    missing ones fall back to the first markdown heading and the paragraph
    after it, then to the file name. Hidden files (``.x``, ``_x``) are skipped;
    a notebook that cannot be read is still listed, saying so.

    Examples
    --------
    >>> import json, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> cells = [{"cell_type": "markdown", "source": "# 总览 Overview\\n\\nKPIs at a glance."}]
    >>> _ = (folder / "01_overview.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}}))
    >>> [(d.name, d.title_en, d.summary_en) for d in list_dashboards(folder)]
    [('01_overview.ipynb', '总览 Overview', 'KPIs at a glance.')]
    """
    folder = Path(folder)
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        if path.name.startswith((".", "_")) or not path.is_file():
            continue
        found.append(_read_dashboard(path))
    return sorted(found, key=lambda d: (d.order, d.name))


def _read_dashboard(path: Path) -> Dashboard:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        meta = nb.get("metadata", {}).get("workbench", {}) or {}
        heading, paragraph = _first_heading(nb.get("cells", []))
    except (OSError, ValueError, AttributeError) as exc:
        return Dashboard(
            name=path.name,
            title_zh=path.stem,
            title_en=path.stem,
            summary_zh="无法读取此笔记本",
            summary_en=f"cannot read this notebook ({type(exc).__name__})",
        )
    title = heading or path.stem
    order = meta.get("order", 1000)
    return Dashboard(
        name=path.name,
        title_zh=str(meta.get("title_zh") or meta.get("title_en") or title),
        title_en=str(meta.get("title_en") or meta.get("title_zh") or title),
        summary_zh=str(meta.get("summary_zh") or meta.get("summary_en") or paragraph),
        summary_en=str(meta.get("summary_en") or meta.get("summary_zh") or paragraph),
        order=float(order) if isinstance(order, (int, float)) else 1000.0,
    )


def _first_heading(cells) -> tuple[str, str]:
    """The first markdown heading and the first paragraph line after it."""
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        lines = (source if isinstance(source, str) else "".join(source)).splitlines()
        for i, line in enumerate(lines):
            if line.lstrip().startswith("#"):
                rest = (s.strip() for s in lines[i + 1:])
                paragraph = next((s for s in rest if s and not s.startswith("#")), "")
                return line.strip().lstrip("#").strip(), paragraph
    return "", ""


# ---------------------------------------------------------------------------
# Options and the configuration built from them


@dataclass(frozen=True)
class ServeOptions:
    """Validated options of ``workbench serve`` and ``workbench lab``; build with
    :func:`serve_options`."""

    notebooks: Path
    data: Path
    port: int = DEFAULT_PORT
    host: str = LOOPBACK
    lang: str = "zh"
    theme: str = "light"
    open_browser: bool = True
    preheat: int = 0
    show_tracebacks: bool = False
    state_dir: Path = DEFAULT_STATE
    #: pre-run kernels per dashboard by notebook name (beyond ``preheat`` for every dashboard)
    pools: tuple[tuple[str, int], ...] = ()
    users_file: Path | None = None
    names: tuple[str, ...] = ()
    proxy_header: str = ""
    proxy_addresses: tuple[str, ...] = ()
    max_kernels: int = 40
    max_kernels_per_user: int = 8
    connect_timeout: float = 60.0
    login_hours: float = 12.0

    @property
    def users_path(self) -> Path:
        from .users import USERS_FILE_NAME

        return self.users_file if self.users_file is not None else self.state_dir / USERS_FILE_NAME


def serve_options(
    *,
    data: str | Path | None = None,
    notebooks: str | Path | None = None,
    port: int = DEFAULT_PORT,
    host: str = LOOPBACK,
    lang: str = "zh",
    theme: str = "light",
    open_browser: bool = True,
    preheat: int = 0,
    show_tracebacks: bool = False,
    state_dir: str | Path | None = None,
    pools: dict[str, int] | None = None,
    users_file: str | Path | None = None,
    names: tuple[str, ...] | list[str] = (),
    proxy_header: str = "",
    proxy_addresses: tuple[str, ...] | list[str] = (),
    max_kernels: int = 40,
    max_kernels_per_user: int = 8,
    connect_timeout: float = 60.0,
    login_hours: float = 12.0,
) -> ServeOptions:
    """Check the options of a server and make the paths absolute.

    Raises
    ------
    ValueError
        Naming the option, what was expected and what was given.
    FileNotFoundError
        When the data or notebooks folder does not exist.

    Examples
    --------
    >>> import tempfile
    >>> opts = serve_options(notebooks=tempfile.mkdtemp())
    >>> opts.host, opts.port, opts.data.name
    ('127.0.0.1', 8866, 'sample_data')
    """
    data_path = Path(data if data is not None else DEFAULT_DATA).expanduser().absolute()
    if not data_path.exists():
        raise FileNotFoundError(
            f"--data: no such file or folder: {data_path} "
            "(expected a folder of CSV or Parquet files, or an .xlsx workbook)"
        )
    nb_path = Path(notebooks if notebooks is not None else DEFAULT_NOTEBOOKS).expanduser().absolute()
    if not nb_path.is_dir():
        raise FileNotFoundError(
            f"--notebooks: the notebooks folder {nb_path} does not exist; "
            "give the folder of dashboard notebooks with --notebooks DIR"
        )
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"--port must be a whole number from 1 to 65535; got {port!r}")
    if not host:
        raise ValueError("--host must be an address or host name; got an empty string")
    _choice("--lang", lang, LANGS)
    _choice("--theme", theme, THEMES)
    if not isinstance(preheat, int) or preheat < 0:
        raise ValueError(f"--preheat must be 0 or a positive number of kernels; got {preheat!r}")
    pools = dict(pools or {})
    for name, size in pools.items():
        if not (nb_path / name).is_file() or not name.endswith(".ipynb"):
            raise ValueError(f"--pool {name}={size}: no notebook {name!r} in {nb_path} "
                             f"(expected one of {', '.join(d.name for d in list_dashboards(nb_path))})")
        if not isinstance(size, int) or size < 0:
            raise ValueError(f"--pool {name}=N: N must be 0 or a positive number of kernels; got {size!r}")
    for option, value in (("--max-kernels", max_kernels), ("--max-kernels-per-user", max_kernels_per_user)):
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"{option} must be 0 (no limit) or a positive number; got {value!r}")
    if not connect_timeout > 0:
        raise ValueError(f"--connect-timeout must be a positive number of seconds; got {connect_timeout!r}")
    if not login_hours > 0:
        raise ValueError(f"--login-hours must be a positive number of hours; got {login_hours!r}")
    state = Path(state_dir).expanduser().absolute() if state_dir else DEFAULT_STATE
    return ServeOptions(
        notebooks=nb_path, data=data_path, port=port, host=host, lang=lang, theme=theme,
        open_browser=open_browser, preheat=preheat, show_tracebacks=show_tracebacks, state_dir=state,
        pools=tuple(sorted(pools.items())),
        users_file=Path(users_file).expanduser().absolute() if users_file else None,
        names=tuple(names), proxy_header=proxy_header, proxy_addresses=tuple(proxy_addresses),
        max_kernels=max_kernels, max_kernels_per_user=max_kernels_per_user,
        connect_timeout=float(connect_timeout), login_hours=float(login_hours),
    )


def is_loopback(host: str) -> bool:
    """Whether a host name or address reaches only this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_environment(opts: ServeOptions) -> dict[str, str]:
    """Environment variables the server sets, so that its kernels inherit them.

    ``JUPYTER_PATH`` puts this package's ``share/jupyter`` first, where Voilà
    finds the offline template.
    """
    jupyter_path = [str(SHARE_DIR)]
    if os.environ.get("JUPYTER_PATH"):
        jupyter_path.append(os.environ["JUPYTER_PATH"])
    env = {
        ENV_DATA: str(opts.data),
        ENV_LANG: opts.lang,
        ENV_THEME: opts.theme,
        ENV_STATE: str(opts.state_dir),
        ENV_IDENTITY_DIR: str(identity_dir(opts)),
        "WORKBENCH_SHOW_TRACEBACKS": "1" if opts.show_tracebacks else "0",
        "JUPYTER_PATH": os.pathsep.join(jupyter_path),
    }
    # One BLAS thread per kernel: a dashboard's products are small, and several kernels (one per
    # viewer) share the cores; threads only contend (a slider's re-score: 0.4 ms vs 1 ms on 2 cores).
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = os.environ.get(name, "1")
    # ipykernel's debugger (never used here) warns on every start about frozen modules
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def identity_dir(opts: ServeOptions) -> Path:
    """Where the server writes each kernel's identity (wiped at every start)."""
    return opts.state_dir / "run" / "identity"


def prepare_state(opts: ServeOptions) -> dict:
    """Make the state folder private and tidy before serving; returns what was cleaned.

    The folder and everything the server writes there are readable by the
    server's user only. What a previous run left of its kernels (identities,
    kernel folders) goes; exports older than a day go; in login modes, uploads
    of users whose session lapsed go (see :mod:`workbench.views.state`).
    """
    from ..views.state import EXPORT_KEEP_SECONDS, clean_exports, sweep_uploads

    state = opts.state_dir
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(state, 0o700)
    shutil.rmtree(state / "run", ignore_errors=True)
    identity_dir(opts).mkdir(parents=True, mode=0o700)
    os.chmod(state / "run", 0o700)
    cleaned = {"exports": clean_exports(state, older_than=EXPORT_KEEP_SECONDS), "uploads": []}
    if _has_users(opts):
        cleaned["uploads"] = sweep_uploads(state, idle_seconds=opts.login_hours * 3600)
    return cleaned


def _has_users(opts: ServeOptions) -> bool:
    from .users import UsersFile

    users = UsersFile(opts.users_path)
    return users.exists() and bool(users.users())


def cookie_secret(opts: ServeOptions) -> bytes:
    """The key that signs login cookies, kept in the state folder (mode 0600) so that
    a restart does not sign everybody out."""
    path = opts.state_dir / "cookie_secret"
    try:
        secret = path.read_bytes()
        if len(secret) >= 32:
            return secret
    except FileNotFoundError:
        pass
    secret = secrets.token_bytes(32)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secret)
    return secret


def voila_config(opts: ServeOptions, *, nonce: str = "") -> dict:
    """The traitlets configuration of the Voilà server, as a plain dict.

    No ``voila.json`` of the user or of the environment is read: the server is
    configured by these options alone. ``nonce`` marks the page's own inline
    scripts (see :data:`CONTENT_SECURITY_POLICY`).
    """
    voila_configuration = {
        "template": TEMPLATE_NAME,
        "theme": opts.theme,
        "strip_sources": True,
        "show_tracebacks": opts.show_tracebacks,
        "classic_tree": True,
        "allow_template_override": "NO",
        "allow_theme_override": "NO",
        "preheat_kernel": opts.preheat > 0,
        "resources": {"workbench_nonce": nonce},
        # The dashboards draw with their own plotly chart (plotly.js loaded once per page, see
        # views.widgets.plotly_chart); plotly's JupyterLab renderer (4.7 MB, for fig.show() output)
        # and the syntax colours of hidden sources would only slow every page down.
        "extension_denylist": ["jupyterlab-plotly", "jupyterlab_pygments"],
    }
    pools = {name: size for name, size in opts.pools}
    preheat = opts.preheat > 0 or any(pools.values())
    voila_configuration["preheat_kernel"] = preheat
    voila_configuration["multi_kernel_manager_class"] = "workbench.serve.kernels.WorkbenchKernelManager"
    voila_configuration["kernel_spec_manager_class"] = "workbench.serve.kernel.KernelSpecs"
    config = {
        "Voila": {
            "ip": opts.host,
            "port": opts.port,
            "port_retries": 0,
            "open_browser": opts.open_browser,
            "root_dir": str(opts.notebooks),
            "config_file_paths": [],
            "tornado_settings": _tornado_settings(),
        },
        "VoilaConfiguration": voila_configuration,
        "MappingKernelManager": {
            "cull_interval": CULL_INTERVAL,
            "cull_idle_timeout": CULL_IDLE_TIMEOUT,
            "cull_connected": False,
        },
        # kernels listen on sockets in the server's private connection folder, not on TCP ports
        "KernelManager": {"transport": "ipc"},
        "WorkbenchKernelManager": {
            "max_kernels": opts.max_kernels,
            "max_kernels_per_user": opts.max_kernels_per_user,
            "connect_timeout": opts.connect_timeout,
            "identity_dir": str(identity_dir(opts)),
        },
    }
    if preheat:
        voila_configuration["default_pool_size"] = opts.preheat
        pools_config = {"default": {"pool_size": opts.preheat}}
        pools_config.update({name: {"pool_size": size} for name, size in pools.items()})
        config["VoilaKernelManager"] = {"kernel_pools_config": pools_config,
                                        # refill soon after a kernel is taken; the kernel manager holds the
                                        # refill back while pages are on their way (see kernels.py)
                                        "fill_delay": 5}
    return config


def lab_config(opts: ServeOptions, *, token: str) -> dict:
    """The traitlets configuration of JupyterLab on the notebooks folder."""
    return {
        "ServerApp": {
            "ip": opts.host,
            "port": opts.port,
            "port_retries": 0,
            "root_dir": str(opts.notebooks),
            "open_browser": opts.open_browser,
            "allow_root": hasattr(os, "geteuid") and os.geteuid() == 0,
            "tornado_settings": {"websocket_max_message_size": WEBSOCKET_MAX_MESSAGE_BYTES},
        },
        "IdentityProvider": {"token": token},
    }


def _tornado_settings() -> dict:
    # security headers (CSP, Referrer-Policy ...) are set on every response by SecurityHeaders
    return {"websocket_max_message_size": WEBSOCKET_MAX_MESSAGE_BYTES}


# ---------------------------------------------------------------------------
# Running the servers


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
    from .kernels import PAGE_REQUEST, PageRequest

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
            policy = self.workbench_policy
            self.identity_provider = identity_provider_for(policy, parent=self, log=self.log, port=self.port)
            km = self.kernel_manager
            self.authorizer = WorkbenchAuthorizer(parent=self, log=self.log, identity_provider=self.identity_provider,
                                                  kernel_owner=km.owner)
            km.user_lookup = self.identity_provider.current
            if hasattr(km, "get_rendered_notebook"):
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
