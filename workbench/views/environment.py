"""What a dashboard kernel learns from the server that started it: data, language, theme.

The server (``workbench serve``) passes these to its kernels through the
environment (:data:`ENV_DATA`, :data:`ENV_LANG`, :data:`ENV_THEME`); an app reads
them with :func:`dashboard_settings`. This is the one contract between the
serving layer and the views, so the views never import the server.

>>> settings = dashboard_settings({"WORKBENCH_LANG": "en", "WORKBENCH_THEME": "dark"})
>>> settings.lang, settings.theme, plotly_template(settings.theme)
('en', 'dark', 'plotly_dark')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

__all__ = ["MAX_UPLOAD_BYTES", "ENV_DATA", "ENV_LANG", "ENV_THEME", "ENV_STATE", "ENV_USER", "LANGS", "THEMES",
           "DEFAULT_DATA", "DEFAULT_STATE", "DashboardSettings", "dashboard_settings", "plotly_template"]

#: Largest file a dashboard accepts through an upload widget (50 MiB).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

ENV_DATA = "WORKBENCH_DATA"
ENV_LANG = "WORKBENCH_LANG"
ENV_THEME = "WORKBENCH_THEME"
ENV_STATE = "WORKBENCH_STATE"
ENV_USER = "WORKBENCH_USER"
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


def _choice(name: str, value, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value
