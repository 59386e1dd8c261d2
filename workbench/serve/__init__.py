"""Serving the dashboards: Voilà for presenters, JupyterLab for researchers (see :mod:`.server`)."""

from .server import *  # noqa: F403
from .server import __all__  # noqa: F401
