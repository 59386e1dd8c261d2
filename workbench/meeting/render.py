"""Charts to PNG offline: every figure of an output in ONE kaleido session (its start costs seconds).

Kaleido renders with Chromium; Debian's is used (``BROWSER_PATH``), nothing is
downloaded and nothing fetched: plotly.js comes with the plotly package.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import plotly.graph_objects as go
import plotly.io as pio

from .pdf import chromium_path

__all__ = ["render_pngs"]


def render_pngs(figures: Mapping[str, go.Figure], folder: str | os.PathLike, *, width: int = 1600,
                scale: float = 1.0) -> dict[str, Path]:
    """Write each figure to ``folder/<name>.png`` (its own height, ``width`` pixels) in one kaleido session.

    Returns name -> path. Raises :class:`~workbench.meeting.facts.MeetingError` when no Chromium is installed.
    """
    if "BROWSER_PATH" not in os.environ:
        found = chromium_path()
        if found is None:
            from .facts import MeetingError

            raise MeetingError("meeting_no_browser", reason="/usr/bin/chromium")
        os.environ["BROWSER_PATH"] = found  # kaleido (choreographer) starts this browser
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(figures)
    paths = [folder / f"{name}.png" for name in names]
    if names:
        pio.write_images([figures[n] for n in names], paths, format="png", width=width,
                         height=[int(figures[n].layout.height or 620) for n in names], scale=scale)
    return dict(zip(names, paths))
