"""Serving the dashboards: Voilà for presenters, JupyterLab for researchers.

``workbench serve`` runs Voilà on the repository's ``notebooks/`` folder with the
offline template shipped in this package (``share/jupyter/voila/templates/workbench``):
sources hidden, bound to 127.0.0.1 unless a host is given on purpose, idle kernels
culled, execute requests from the browser refused (Voilà's default, kept), websocket
messages (and so uploads) limited to :data:`WEBSOCKET_MAX_MESSAGE_BYTES`, and a
bilingual landing page at ``/`` listing every dashboard with the title and summary
read from its notebook metadata. ``workbench lab`` opens the same notebooks in
JupyterLab.

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
import secrets
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from ..views.environment import (
    DEFAULT_DATA,
    DEFAULT_STATE,
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

#: Every page may load only from its own server (scripts, styles, fonts, data);
#: inline code, eval, data: and blob: are what JupyterLab widgets, plotly and
#: anywidget need. A request to anywhere else is blocked by the browser.
#: (Websockets are allowed by scheme: older Safari does not count ws: as 'self'.)
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:",
        "connect-src 'self' ws: wss:",
        "frame-ancestors 'self'",
        "form-action 'self'",
    ]
)


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
    return ServeOptions(
        notebooks=nb_path, data=data_path, port=port, host=host, lang=lang, theme=theme,
        open_browser=open_browser, preheat=preheat, show_tracebacks=show_tracebacks,
        state_dir=Path(state_dir).expanduser().absolute() if state_dir else DEFAULT_STATE,
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
        "JUPYTER_PATH": os.pathsep.join(jupyter_path),
    }
    # One BLAS thread per kernel: a dashboard's products are small, and several kernels (one per
    # viewer) share the cores; threads only contend (a slider's re-score: 0.4 ms vs 1 ms on 2 cores).
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = os.environ.get(name, "1")
    return env


def voila_config(opts: ServeOptions) -> dict:
    """The traitlets configuration of the Voilà server, as a plain dict.

    No ``voila.json`` of the user or of the environment is read: the server is
    configured by these options alone.
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
    }
    if opts.preheat > 0:
        voila_configuration["default_pool_size"] = opts.preheat
    return {
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
    }


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
    return {
        "websocket_max_message_size": WEBSOCKET_MAX_MESSAGE_BYTES,
        "headers": {"Content-Security-Policy": CONTENT_SECURITY_POLICY},
    }


# ---------------------------------------------------------------------------
# Running the servers


def serve(opts: ServeOptions) -> int:
    """Run Voilà on ``opts.notebooks`` until interrupted (Ctrl+C)."""
    from traitlets.config import Config

    _check_port_free(opts.host, opts.port)
    _warn_if_exposed(opts.host)
    os.environ.update(server_environment(opts))
    app = _voila_app_class()(config=Config(voila_config(opts)), workbench_options=opts)
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


def _warn_if_exposed(host: str) -> None:
    if not is_loopback(host):
        print(
            f"警告：服务监听在 {host}，同一网络中的任何人都可以打开这些页面。\n"
            f"WARNING: serving on {host}: anyone who can reach this machine can open these pages.",
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
    """Voilà with our landing page at ``/`` and a bilingual address line.

    Built on first use so that ``workbench check`` and friends do not import
    Voilà and the Jupyter server.
    """
    from tornado import web
    from tornado.ioloop import IOLoop
    from traitlets import Any as AnyTrait
    from voila.app import Voila
    from voila.tornado.handler import TornadoVoilaHandler
    from voila.tornado.treehandler import TornadoVoilaTreeHandler

    from ..views.widgets.plotly_chart import plotly_js_handlers

    class LandingHandler(TornadoVoilaTreeHandler):
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
            prefix = f"{self.base_url}voila/render/" + (f"{relative}/" if relative else "")
            dashboards = [
                {**d.__dict__, "url": prefix + d.name} for d in list_dashboards(folder)
            ]
            subfolders = [
                {"name": p.name, "url": f"{self.base_url}voila/tree/{relative + '/' if relative else ''}{p.name}"}
                for p in sorted(folder.iterdir())
                if p.is_dir() and not p.name.startswith((".", "_"))
            ]
            self.write(
                self.render_template(
                    "landing.html",
                    dashboards=dashboards,
                    subfolders=subfolders,
                    folder=relative,
                    home_url=self.base_url,
                    lang=self.opts.lang,
                    theme=self.opts.theme,
                    data_name=self.opts.data.name,
                )
            )

    class DashboardHandler(TornadoVoilaHandler):
        """``/voila/render/<notebook>``, also setting the ``_xsrf`` cookie.

        When a tab closes, Voilà's page posts ``/voila/api/shutdown/<kernel>``
        with the ``_xsrf`` cookie's value; without the cookie the server refuses
        (403) and the kernel lives on until culled.
        """

        async def prepare(self, **kwargs):
            await super().prepare(**kwargs)
            self.xsrf_token  # noqa: B018 - reading it sets the cookie

    class WorkbenchVoila(Voila):
        workbench_options = AnyTrait()

        def init_handlers(self):
            handlers = []
            for spec in super().init_handlers():
                if len(spec) >= 2 and spec[1] is TornadoVoilaTreeHandler:
                    kwargs = {**spec[2], "root": self.root_dir, "opts": self.workbench_options}
                    spec = (spec[0], LandingHandler, kwargs)
                elif len(spec) >= 2 and spec[1] is TornadoVoilaHandler:
                    spec = (spec[0], DashboardHandler, *spec[2:])
                handlers.append(spec)
            # plotly.js once per page (and cached), not once per chart: see widgets.plotly_chart
            handlers[:0] = plotly_js_handlers(self.base_url)
            # Runs once the event loop starts, i.e. after the port is bound.
            IOLoop.current().add_callback(self._announce_address)
            return handlers

        def _announce_address(self):
            _announce(
                "看板已启动，请在浏览器中打开",
                "Dashboards are served; open",
                _display_url(self.ip, self.port),
                self.workbench_options,
            )

    return WorkbenchVoila
