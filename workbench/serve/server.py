"""Serving the dashboards: Voilà for presenters, JupyterLab for researchers.

``workbench serve`` runs Voilà on the repository's ``notebooks/`` folder with the
offline template shipped in this package (``share/jupyter/voila/templates/workbench``):
sources hidden, bound to 127.0.0.1 unless a host is given on purpose, idle kernels
culled, execute requests from the browser refused (Voilà's default, kept), websocket
messages (and so uploads) limited to :data:`WEBSOCKET_MAX_MESSAGE_BYTES`, and a
bilingual landing page at ``/`` listing every dashboard with the title and summary
read from its notebook metadata. ``workbench lab`` opens the same notebooks in
JupyterLab. This module holds the options and the configuration; :mod:`.run`
starts the servers (and Voilà's application with the workbench's handlers).

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

import base64
import hashlib
import ipaddress
import json
import os
import secrets
import shutil
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
#: Voilà's one inline script without our nonce: a heartbeat it streams while a slow kernel runs
#: the notebook (voila/handler.py), allowed by its hash (our template makes it a no-op).
VOILA_HEARTBEAT_SCRIPT = "window.voila_heartbeat()"
_HEARTBEAT_HASH = base64.b64encode(hashlib.sha256(VOILA_HEARTBEAT_SCRIPT.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{{nonce}}' 'sha256-{_HEARTBEAT_HASH}' blob:",
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
