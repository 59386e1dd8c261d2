"""What a dashboard kernel learns from the server that started it: data, language, theme, and whose page it is.

The server (``workbench serve``) passes the settings to its kernels through the
environment (:data:`ENV_DATA`, :data:`ENV_LANG`, :data:`ENV_THEME`,
:data:`ENV_STATE`); an app reads them with :func:`dashboard_settings`. Who the
page's user is (:class:`Identity`: name, role, townships) the server writes into
a file only it and its kernels can read, named after the kernel
(``$WORKBENCH_IDENTITY_DIR/$WORKBENCH_KERNEL_ID.json``), before the page can
reach the kernel; :func:`kernel_identity` reads it. Nothing a page sends can
change it. A kernel the server runs ahead of time (the pool of pre-run
kernels) has no user yet: :func:`kernel_identity` says None until the server
hands it to a page, and :func:`when_identified` runs code at that moment.
This is the one contract between the serving layer and the views, so the views
never import the server.

>>> settings = dashboard_settings({"WORKBENCH_LANG": "en", "WORKBENCH_THEME": "dark"})
>>> settings.lang, settings.theme, plotly_template(settings.theme)
('en', 'dark', 'plotly_dark')
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

__all__ = ["MAX_UPLOAD_BYTES", "ENV_DATA", "ENV_LANG", "ENV_THEME", "ENV_STATE", "ENV_USER", "ENV_IDENTITY_DIR",
           "ENV_KERNEL_ID", "LANGS", "THEMES", "ROLES", "DEFAULT_DATA", "DEFAULT_STATE", "DashboardSettings",
           "dashboard_settings", "plotly_template", "Identity", "kernel_identity", "when_identified",
           "use_identity", "identity_pending", "acting_as"]

log = logging.getLogger("workbench.views")

#: Largest file a dashboard accepts through an upload widget (50 MiB).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

ENV_DATA = "WORKBENCH_DATA"
ENV_LANG = "WORKBENCH_LANG"
ENV_THEME = "WORKBENCH_THEME"
ENV_STATE = "WORKBENCH_STATE"
ENV_USER = "WORKBENCH_USER"
ENV_IDENTITY_DIR = "WORKBENCH_IDENTITY_DIR"
ENV_KERNEL_ID = "WORKBENCH_KERNEL_ID"
ROLES = ("county", "township", "presenter")
LANGS = ("zh", "en")
THEMES = ("light", "dark")

#: The sample county shipped beside the package.
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "sample_data"
#: Where a server keeps what its users load and save (uploaded data, schemes, scenarios, exports),
#: unless the operator names a folder (``workbench serve --state-dir``).
DEFAULT_STATE = Path.home() / ".local" / "share" / "workbench"


@dataclass(frozen=True)
class DashboardSettings:
    """What the server asks every dashboard to show: which data, language, theme."""

    data_path: Path
    lang: str = "zh"
    theme: str = "light"
    state_dir: Path = DEFAULT_STATE
    user: str = "local"


def dashboard_settings(environ: Mapping[str, str] | None = None) -> DashboardSettings:
    """Read the dashboard settings from the environment the server passed on.

    Parameters
    ----------
    environ : mapping, optional
        Defaults to ``os.environ``. Reads ``WORKBENCH_DATA`` (a path; default the
        ``sample_data`` folder next to the package), ``WORKBENCH_LANG`` (``zh`` or
        ``en``; default ``zh``) and ``WORKBENCH_THEME`` (``light`` or ``dark``;
        default ``light``), ``WORKBENCH_STATE`` (the folder of uploaded data,
        saved schemes and exports; default ``~/.local/share/workbench``) and
        ``WORKBENCH_USER`` (whose page this is; default ``local``). Empty values
        count as unset.

    Raises
    ------
    ValueError
        When the language or theme is not one of the allowed values.

    Examples
    --------
    >>> dashboard_settings({"WORKBENCH_DATA": "/srv/county"}).data_path
    PosixPath('/srv/county')
    """
    env = os.environ if environ is None else environ
    data = env.get(ENV_DATA) or str(DEFAULT_DATA)
    lang = _choice(ENV_LANG, env.get(ENV_LANG) or "zh", LANGS)
    theme = _choice(ENV_THEME, env.get(ENV_THEME) or "light", THEMES)
    state = env.get(ENV_STATE) or str(DEFAULT_STATE)
    user = env.get(ENV_USER) or "local"
    return DashboardSettings(data_path=Path(data).expanduser().absolute(), lang=lang, theme=theme,
                             state_dir=Path(state).expanduser().absolute(), user=user)


def plotly_template(theme: str) -> str:
    """The plotly template name that matches a dashboard theme.

    >>> plotly_template("light"), plotly_template("dark")
    ('plotly_white', 'plotly_dark')
    """
    return {"light": "plotly_white", "dark": "plotly_dark"}[_choice("theme", theme, THEMES)]


def _choice(name: str, value, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value



# ---------------------------------------------------------------------------
# Whose page this kernel serves


@dataclass(frozen=True)
class Identity:
    """The user a dashboard kernel works for, as the server said.

    ``county``: everything; ``township``: only ``townships``; ``presenter``:
    everything, read-only (no upload, nothing saved on the server).

    >>> Identity("wang", "township", ("城关镇",)).scoped, Identity("li", "presenter").read_only
    (True, True)
    """

    user: str = "local"
    role: str = "county"
    townships: tuple[str, ...] = ()

    def __post_init__(self):
        _choice("role", self.role, ROLES)
        if self.role == "township" and not self.townships:
            raise ValueError(f"township user {self.user!r} has no township")

    @property
    def read_only(self) -> bool:
        return self.role == "presenter"

    @property
    def scoped(self) -> bool:
        return self.role == "township"


class _Current:
    identity: Identity | None = None
    callbacks: list[Callable[[Identity], None]] = []


def _served(env: Mapping[str, str]) -> Path | None:
    folder, kernel = env.get(ENV_IDENTITY_DIR), env.get(ENV_KERNEL_ID)
    return Path(folder) / f"{kernel}.json" if folder and kernel else None


def kernel_identity(environ: Mapping[str, str] | None = None) -> Identity | None:
    """Who this kernel works for.

    Under a server that hands out identities (``WORKBENCH_IDENTITY_DIR`` and
    ``WORKBENCH_KERNEL_ID`` set), the identity the server wrote for this
    kernel, or None while there is none yet (a pre-run kernel waiting for its
    page). Elsewhere (tests, JupyterLab, scripts), the county user named by
    ``WORKBENCH_USER`` (default ``local``), unless :func:`use_identity` set one.

    Examples
    --------
    >>> kernel_identity({"WORKBENCH_USER": "analyst"})
    Identity(user='analyst', role='county', townships=())
    >>> import tempfile
    >>> kernel_identity({"WORKBENCH_IDENTITY_DIR": tempfile.mkdtemp(), "WORKBENCH_KERNEL_ID": "k1"}) is None
    True
    """
    if _Current.identity is not None:
        return _Current.identity
    env = os.environ if environ is None else environ
    path = _served(env)
    if path is None:
        return Identity(user=env.get(ENV_USER) or "local")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    identity = Identity(user=str(raw["user"]), role=str(raw["role"]),
                        townships=tuple(str(t) for t in raw.get("townships", ())))
    use_identity(identity)
    return identity


def identity_pending(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this kernel waits for the server to say whose page it serves."""
    return kernel_identity(environ) is None


def use_identity(identity: Identity) -> None:
    """Make ``identity`` this process's user and run what waited for it (once per process).

    The server's kernels call it through :func:`kernel_identity`; tests and
    scripts may call it to act as a user. A kernel's user never changes.
    """
    current = _Current.identity
    if current is not None:
        if current != identity:
            raise PermissionError(f"this kernel works for {current.user!r}; it cannot become {identity.user!r}")
        return
    _Current.identity = identity
    waiting, _Current.callbacks = _Current.callbacks, []
    for callback in waiting:
        try:
            callback(identity)
        except Exception:  # one failing follower must not stop the others (it is logged with its cause)
            log.exception("applying the identity of %s failed in %r", identity.user, callback)


def when_identified(callback: Callable[[Identity], None]) -> None:
    """Call ``callback(identity)`` once the kernel's user is known (now, if it is)."""
    identity = kernel_identity()
    if identity is not None:
        callback(identity)
    else:
        _Current.callbacks.append(callback)


def _forget_identity() -> None:
    """For tests: forget the process's identity and what waited for it."""
    _Current.identity = None
    _Current.callbacks = []


@contextmanager
def acting_as(identity: Identity):
    """Build dashboards as ``identity`` within the block (tests and scripts; a kernel never changes user).

    >>> with acting_as(Identity("wang", "township", ("石明乡",))):
    ...     kernel_identity().townships
    ('石明乡',)
    >>> kernel_identity({}).user
    'local'
    """
    saved = _Current.identity, _Current.callbacks
    _Current.identity, _Current.callbacks = None, []
    use_identity(identity)
    try:
        yield identity
    finally:
        _Current.identity, _Current.callbacks = saved
