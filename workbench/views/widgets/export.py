"""Exports from a page: where they are written, and the bar that makes them.

:class:`ExportFolder` is a user's own folder of exports (mode 0700, files
0600, oldest removed beyond a size limit). :class:`ExportBar` writes the
results workbook and the chart chosen (HTML with plotly.js inside, or PNG),
each saying which year, scheme and data it shows and when it was made.

>>> import tempfile
>>> folder = ExportFolder(tempfile.mkdtemp(), limit_bytes=10)
>>> path = folder.path("results", ".txt")
>>> _ = path.write_text("0123456789ab"); folder.tidy(keep=path)
>>> oct(folder.folder.stat().st_mode & 0o777)
'0o700'
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import ipywidgets as w

from ...files import atomic_path
from ...i18n import tr
from ..mvc import follow
from .chart import ChartView, context_lines, with_context
from .html import download_link, esc

__all__ = ["ExportFolder", "ExportBar", "EXPORT_LIMIT_BYTES"]

#: Exports a user keeps on the server; the oldest go first beyond this.
EXPORT_LIMIT_BYTES = 200 * 1024 * 1024


class ExportFolder:
    """A user's folder of exports on the server."""

    def __init__(self, folder: str | os.PathLike, *, limit_bytes: int = EXPORT_LIMIT_BYTES):
        self.folder = Path(folder)
        self.limit_bytes = limit_bytes
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.folder, 0o700)

    def path(self, stem: str, suffix: str) -> Path:
        """A new file name in the folder (time-stamped, never an existing file)."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        return self.folder / f"{stem}-{stamp}-{secrets.token_hex(2)}{suffix}"

    def written(self, path: Path) -> Path:
        """Make a file just written private to the server's user and keep the folder within its limit."""
        os.chmod(path, 0o600)
        self.tidy(keep=path)
        return path

    def tidy(self, *, keep: Path | None = None) -> None:
        files = sorted((p for p in self.folder.iterdir() if p.is_file() and not p.name.startswith(".")),
                       key=lambda p: p.stat().st_mtime)
        total = sum(p.stat().st_size for p in files)
        for p in files:
            if total <= self.limit_bytes:
                break
            if keep is not None and p == keep:
                continue
            total -= p.stat().st_size
            p.unlink(missing_ok=True)


class ExportBar:
    """Results to Excel; the chart chosen to HTML (offline, plotly.js inside) or PNG."""

    #: the catalogue key of each exportable chart's name (shown in the chart picker)
    CHART_LABELS = {"ranking": "ranking_chart", "grades": "grade_distribution", "townships": "score_by_township",
                    "profile": "profile", "intervals": "rank_intervals"}

    def __init__(self, state, scoring, charts_by_name: dict[str, ChartView], folder: ExportFolder):
        self.state, self.scoring, self.charts, self.folder = state, scoring, charts_by_name, folder
        self.excel = w.Button(icon="file-excel-o", layout=w.Layout(width="auto"))
        self.chart = w.Dropdown(options=list(charts_by_name), layout=w.Layout(width="240px"))
        self.html = w.Button(icon="file-code-o", layout=w.Layout(width="auto"))
        self.png = w.Button(icon="file-image-o", layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.excel.on_click(lambda _: self.export_excel())
        self.html.on_click(lambda _: self.export_chart(".html"))
        self.png.on_click(lambda _: self.export_chart(".png"))
        self._last: tuple[str, Path] | None = None
        follow(state, "lang", self.render)
        self.widget = w.VBox([w.HBox([self.excel, self.chart, self.html, self.png],
                                     layout=w.Layout(align_items="center", flex_flow="row wrap")), self.status])
        self.widget.add_class("wb-export")

    def _done(self, kind: str, path: Path) -> Path:
        self._last = (kind, self.folder.written(path))
        self._show_status()
        return path

    def _show_status(self) -> None:
        if self._last is None:
            self.status.value = ""
            return
        kind, path = self._last
        lang = self.state.lang
        if kind == "error":
            self.status.value = f"<span class='wb-bad'>{esc(tr('error', lang, message=path))}</span>"
            return
        link = download_link(path, tr("download", lang, name=path.name))
        self.status.value = f"<span class='wb-ok'>{esc(tr('exported_file', lang, name=path.name))}</span> · {link}"

    def export_excel(self) -> Path:
        result = self.scoring.result
        path = self.folder.path(f"results-{result.period}", ".xlsx")
        result.to_excel(path, data=self.state.data, loaded_at=self.state.loaded_at)
        return self._done("excel", path)

    def export_chart(self, suffix: str) -> Path | None:
        view = self.charts[self.chart.value]
        fig = view.current()
        if fig is None:
            return None
        lang = self.state.lang
        fig = with_context(fig, context_lines(self.state, self.scoring.scheme, lang=lang))
        path = self.folder.path(self.chart.value, suffix)
        try:
            with atomic_path(path) as tmp:
                if suffix == ".html":
                    # offline (plotly.js inside), as wide as the reader's window
                    fig.write_html(tmp, include_plotlyjs=True, full_html=True, default_width="100%",
                                   default_height=f"{int(fig.layout.height or 600)}px")
                else:
                    if "BROWSER_PATH" not in os.environ and Path("/usr/bin/chromium").exists():
                        os.environ["BROWSER_PATH"] = "/usr/bin/chromium"  # kaleido renders with it
                    fig.write_image(tmp, format="png", width=1400, height=int(fig.layout.height or 600), scale=1)
        except Exception as exc:  # kaleido without a browser, a full disk ...
            self._last = ("error", str(exc))
            self._show_status()
            return None
        return self._done("chart", path)

    def render(self) -> None:
        lang = self.state.lang
        self.excel.description = tr("export_excel", lang)
        self.html.description = tr("export_html", lang)
        self.png.description = tr("export_png", lang)
        current = self.chart.value
        self.chart.options = [(tr(self.CHART_LABELS[name], lang), name) for name in self.charts]
        self.chart.value = current
        self._show_status()
