"""A table a person can sort, page through and download.

:class:`DataTable` shows a DataFrame: a column chooser to sort by (and the
direction), pages of ``page_size`` rows with previous / next, the row count,
and an Excel download of the whole table (not only the page shown). Headers
come translated; values are escaped.

The download says what it shows: its owner names the table (``what``, a
catalogue key), the filters that produced it (``describe(lang)``, see
:func:`workbench.studies.about.filter_lines`) and the output context
(``context()``, an :class:`~workbench.meeting.OutputContext`); the
``export`` callable gets the rows and the About sheet
(:func:`workbench.studies.about.about_sheet`).

>>> import pandas as pd
>>> from workbench.views.state import AppState
>>> state = AppState.from_source("sample_data", lang="en")
>>> table = DataTable(state, page_size=2)
>>> table.show(pd.DataFrame({"id": ["a", "b", "c"], "score": [3.0, 1.0, 2.0]}), {"id": "Id", "score": "Score"})
>>> table.sort.value = "score"
>>> table.rows_shown()["id"].tolist()
['b', 'c']
>>> table.next.click(); table.rows_shown()["id"].tolist()
['a']
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

import ipywidgets as w
import pandas as pd

from ...i18n import tr
from ...studies.about import about_lines, about_sheet
from ..mvc import Model, bind, follow
from .html import download_link, esc, html_table

import traitlets as t

if TYPE_CHECKING:  # pragma: no cover
    from ...meeting.context import OutputContext

__all__ = ["DataTable", "TableModel"]


class TableModel(Model):
    """What the table shows: the frame, its sort order and the page."""

    frame = t.Any(None)
    labels = t.Dict()
    sort_by = t.Unicode("")
    descending = t.Bool(False)
    page = t.Int(0)

    def sorted_frame(self) -> pd.DataFrame:
        frame = self.frame if self.frame is not None else pd.DataFrame()
        if self.sort_by and self.sort_by in frame.columns:
            frame = frame.sort_values(self.sort_by, ascending=not self.descending, kind="stable",
                                      na_position="last")
        return frame


class DataTable:
    """A sortable, paged, downloadable table of a DataFrame."""

    def __init__(self, state, *, page_size: int = 20,
                 export: Callable[[pd.DataFrame, pd.DataFrame], Path] | None = None,
                 row_class: Callable[[pd.Series], str] | None = None, what: str | None = None,
                 describe: Callable[[str], Mapping[str, object]] | None = None,
                 context: Callable[[], OutputContext | None] | None = None):
        self.state = state
        self.page_size = page_size
        self.export_to = export
        self.what, self.describe, self.context = what, describe, context
        self.row_class = row_class
        self.model = TableModel()
        self.sort = w.Dropdown(layout=w.Layout(width="200px"))
        self.direction = w.ToggleButtons(options=[("↑", False), ("↓", True)], style={"button_width": "40px"})
        self.previous = w.Button(icon="chevron-left", layout=w.Layout(width="44px"))
        self.next = w.Button(icon="chevron-right", layout=w.Layout(width="44px"))
        self.position = w.HTML()
        self.download = w.Button(icon="download", layout=w.Layout(width="auto"))
        self.link = w.HTML()
        self.body = w.HTML()
        self.previous.on_click(lambda _: self._turn(-1))
        self.next.on_click(lambda _: self._turn(+1))
        self.download.on_click(lambda _: self.export())
        m = self.model
        self._sort = bind(self.sort, "value", m, "sort_by", render=lambda: m.sort_by or None,
                          accept=self._choose_sort)
        bind(self.direction, "value", m, "descending", render=lambda: m.descending,
             accept=lambda v: setattr(m, "descending", bool(v)))
        follow(state, "lang", self._labels)
        follow(m, ["frame", "sort_by", "descending", "page", "labels"], self.render)
        self.controls = w.HBox([self.sort, self.direction, self.previous, self.position, self.next,
                                self.download, self.link],
                               layout=w.Layout(align_items="center", flex_flow="row wrap", grid_gap="6px"))
        self.widget = w.VBox([self.controls, self.body])
        self.widget.add_class("wb-datatable")

    # ------------------------------------------------------------------ state
    def show(self, frame: pd.DataFrame, labels: dict[str, str] | None = None, *, sort_by: str | None = None,
             descending: bool = False) -> None:
        """Show ``frame`` from its first page; ``labels`` name its columns for the reader."""
        m = self.model
        with m.hold_trait_notifications():
            m.frame = frame.reset_index(drop=True)
            m.labels = dict(labels or {c: str(c) for c in frame.columns})
            m.sort_by = sort_by if sort_by in frame.columns else ""
            m.descending = descending
            m.page = 0
        self._options()

    def _choose_sort(self, value) -> None:
        m = self.model
        if value is None or (m.frame is not None and value in m.frame.columns):
            with m.hold_trait_notifications():
                m.sort_by = value or ""
                m.page = 0

    def _turn(self, step: int) -> None:
        pages = self.pages()
        self.model.page = min(max(self.model.page + step, 0), pages - 1)

    def pages(self) -> int:
        n = 0 if self.model.frame is None else len(self.model.frame)
        return max(1, math.ceil(n / self.page_size))

    def rows_shown(self) -> pd.DataFrame:
        start = self.model.page * self.page_size
        return self.model.sorted_frame().iloc[start:start + self.page_size]

    # ----------------------------------------------------------------- render
    def _options(self) -> None:
        m = self.model
        columns = [] if m.frame is None else list(m.frame.columns)
        options = [(m.labels.get(c, str(c)), c) for c in columns]
        if [v for _, v in self.sort.options] != columns or list(self.sort.options) != options:
            with self._sort.quietly():
                self.sort.options = options
            self._sort.refresh()

    def _labels(self) -> None:
        lang = self.state.lang
        self.sort.description = ""
        self.sort.layout.width = "200px"
        self.download.description = tr("table_download", lang)
        self.previous.tooltip = tr("table_previous", lang)
        self.next.tooltip = tr("table_next", lang)
        self.render()

    def render(self) -> None:
        m, lang = self.model, self.state.lang
        self._options()
        frame = m.frame
        if frame is None or not len(frame):
            self.body.value = f"<div class='wb-note'>{esc(tr('table_empty', lang))}</div>"
            self.position.value = ""
            return
        rows = self.rows_shown()
        headers = [m.labels.get(c, str(c)) for c in rows.columns]
        numeric = [k for k, c in enumerate(rows.columns) if pd.api.types.is_numeric_dtype(rows[c])
                   and not pd.api.types.is_bool_dtype(rows[c])]
        classes = [self.row_class(r) for _, r in rows.iterrows()] if self.row_class else None
        self.body.value = ("<div class='wb-scroll'>"
                           + html_table(headers, rows.itertuples(index=False), numeric=numeric, row_classes=classes)
                           + "</div>")
        self.position.value = esc(tr("table_position", lang, page=m.page + 1, pages=self.pages(), rows=len(frame)))
        self.previous.disabled = m.page == 0
        self.next.disabled = m.page >= self.pages() - 1

    def export(self) -> Path | None:
        """Write the whole table (sorted as shown, headers as shown) with its About sheet, offer it for download."""
        if self.export_to is None or self.model.frame is None:
            return None
        frame = self.model.sorted_frame().rename(columns=self.model.labels)
        path = self.export_to(frame, self.about(rows=len(frame)))
        self.link.value = download_link(path, tr("download", self.state.lang, name=path.name))
        return path

    def about(self, *, rows: int | None = None) -> pd.DataFrame:
        """The About sheet of the download: which table, its filters, sort order, row count and context."""
        lang, m = self.state.lang, self.model
        if m.sort_by:
            column = m.labels.get(m.sort_by, str(m.sort_by))
            sort = tr("about_descending" if m.descending else "about_ascending", lang, column=column)
        else:
            sort = None
        context = self.context() if self.context is not None else None
        return about_sheet(about_lines(
            tr(self.what, lang) if self.what else "", lang,
            filters=self.describe(lang) if self.describe is not None else None, sort=sort,
            rows=rows if rows is not None else (0 if m.frame is None else len(m.frame)),
            context=context.lines(lang) if context is not None else ()))
