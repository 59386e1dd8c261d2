"""Small views the dashboards II share: a bound choice whose options follow the page, a model's status
line, labelled fields, KPI cards from the county's key figures, and table exports.

:class:`Choice` binds a choice widget (dropdown, toggle buttons, multiple
select) to one model trait with :func:`~workbench.views.mvc.bind`: the options
are re-listed in the page's language (and when the data behind them changes)
without that counting as a person's input, a value the model holds that is no
longer offered snaps to one that is, and a value the browser sends that is not
offered is refused and snaps back.

>>> import ipywidgets as w, traitlets as t
>>> from workbench.views.mvc import Model
>>> from workbench.views.state import AppState
>>> state = AppState.from_source("sample_data", lang="en")
>>> class Pick(Model):
...     colour = t.Unicode("red", allow_none=True)
>>> pick = Pick()
>>> menu = w.Dropdown()
>>> choice = Choice(state, menu, pick, "colour", lambda lang: [(f"{c} ({lang})", c) for c in ("red", "blue")])
>>> menu.value = "blue"; pick.colour
'blue'
>>> state.lang = "zh"; menu.options[1], pick.colour
(('blue (zh)', 'blue'), 'blue')
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Sequence

import ipywidgets as w
import pandas as pd
import traitlets as t

from ...assess.scoring import Scheme
from ...files import write_excel
from ...i18n import tr
from ...meeting.context import OutputContext
from ...studies.about import ABOUT_SHEET, RESULTS_SHEET
from ...studies.kpis import figure_definition, figure_label
from ..mvc import bind, follow
from ..widgets.export import ExportFolder
from ..widgets.html import download_link, esc, kpi_cards

__all__ = ["ALL", "Choice", "ModelStatus", "field", "figure_card", "write_workbook", "export_table", "output_context", "work_folder",
           "PAGE_STYLE", "page_style"]

#: The option value of "all" in a filter.
ALL = "__all__"

#: What these pages add to the kit's styles: table headers wrap at spaces (English headers are long; a
#: table wider than the screen is cut on a projector); the short columns of the candidate list (township,
#: id, name, count, decision) keep to one line, so that the criteria and the evidence take the rest.
PAGE_STYLE = """
<style>
.wb-app.wb-pages table.wb-table th, .wb-app.wb-pages table.wb-table th.wb-num { white-space: normal;
  overflow-wrap: normal; word-break: normal; min-width: 2.5em; }
.wb-app.wb-pages .wb-split-preview table.wb-table { font-size: 14px; }
.wb-app.wb-pages .wb-candidates table.wb-table td:nth-child(-n+4),
.wb-app.wb-pages .wb-candidates table.wb-table td:nth-child(7) { white-space: nowrap; }
</style>
"""


def page_style() -> w.HTML:
    """:data:`PAGE_STYLE` as an invisible widget; the app's box carries the class ``wb-pages``."""
    return w.HTML(PAGE_STYLE, layout=w.Layout(height="0px", margin="0"))


class Choice:
    """A choice widget bound to ``model.<name>``; ``options(lang) -> [(label, value), ...]``.

    ``refresh_on`` are ``(model, names)`` pairs whose change re-lists the
    options (the language always does). ``multiple`` for a widget whose value
    is a tuple (``SelectMultiple``); the model trait is then a list.
    ``fallback(values)`` picks the value when the model's is no longer offered
    (default: the first, or None when nothing is offered); ``accept(value)``
    sets the model and ``get()`` reads what the widget shows (default: the
    trait itself, e.g. for a model that keeps a list of which a dropdown shows one).
    """

    def __init__(self, state, widget: w.Widget, model: t.HasTraits, name: str,
                 options: Callable[[str], Sequence[tuple[str, object]]], *,
                 refresh_on: Iterable[tuple[t.HasTraits, str | list[str]]] = (), multiple: bool = False,
                 fallback: Callable[[list], object] | None = None, accept: Callable[[object], None] | None = None,
                 get: Callable[[], object] | None = None):
        self.state, self.widget, self.model, self.name = state, widget, model, name
        self.options, self.multiple = options, multiple
        self.fallback = fallback or (lambda values: values[0] if values else None)
        self.setter = accept or (lambda value: setattr(model, name, value))
        self.get = get or (lambda: getattr(model, name))
        self.offered: list = []
        self.binding = bind(widget, "value", model, name, render=self._render, accept=self._accept)
        state.observe(lambda _: self.refresh(), names="lang")
        for other, names in refresh_on:
            other.observe(lambda _: self.refresh(), names=[names] if isinstance(names, str) else list(names))
        self.refresh()

    def _render(self):
        value = self.get()
        if self.multiple:
            return tuple(v for v in (value or ()) if v in self.offered)
        return value if value in self.offered else (self.offered[0] if self.offered else None)

    def _accept(self, value) -> None:
        if self.multiple:
            chosen = list(value or ())
            if any(v not in self.offered for v in chosen):
                raise ValueError(f"{self.name}: not offered: {[v for v in chosen if v not in self.offered]}")
            self.setter(chosen)
        else:
            if value not in self.offered:
                raise ValueError(f"{self.name}: {value!r} is not offered")
            self.setter(value)

    def refresh(self) -> None:
        """List the options again; keep the model's value when it is still offered."""
        options = [(str(label), value) for label, value in self.options(self.state.lang)]
        self.offered = [v for _, v in options]
        if tuple(tuple(o) for o in self.widget.options) != tuple(options):
            with self.binding.quietly():
                self.widget.options = options
        current = self.get()
        if self.multiple:
            keep = [v for v in (current or ()) if v in self.offered]
            if keep != list(current or ()):
                self.setter(keep)
        elif current not in self.offered:
            self.setter(self.fallback(self.offered))
        self.binding.refresh()


class ModelStatus:
    """A model's status line in the page's language.

    The model keeps ``status`` as ``{"ok": bool, "key": catalogue key, "zh":
    values, "en": values}`` (values per language: a refusal from the core
    carries its reason in both); ``note`` (``{"zh": text, "en": text}``, from
    the catalogue) adds a sentence; ``link`` (a file) adds a download link.
    """

    def __init__(self, state, model: t.HasTraits, name: str = "status"):
        self.state, self.model, self.name = state, model, name
        self.widget = w.HTML()
        follow(model, name, self.render)
        state.observe(lambda _: self.render(), names="lang")

    def render(self) -> None:
        status = getattr(self.model, self.name) or {}
        if not status.get("key"):
            self.widget.value = ""
            return
        lang = self.state.lang
        text = tr(status["key"], lang, **status.get(lang, {}))
        css = "wb-ok" if status.get("ok", True) else "wb-bad"
        note = (status.get("note") or {}).get(lang)
        if note:
            text = f"{text} {note}"
        link = status.get("link")
        extra = ""
        if link and Path(link).is_file():
            extra = " · " + download_link(link, tr("download", lang, name=Path(link).name))
        self.widget.value = f"<div class='wb-status {css}'>{esc(text)}{extra}</div>"


def field(state, key: str, *, bold: bool = False) -> w.HTML:
    """A label above (or, ``bold``, beside) a control, following the language."""
    label = w.HTML()

    def render():
        text = esc(tr(key, state.lang))
        label.value = f"<b>{text}</b>&nbsp;" if bold else f"<div class='wb-field-label'>{text}</div>"
    follow(state, "lang", render)
    return label


def figure_card(name: str, value: str, detail: str, colour: str, lang: str) -> tuple[str, str, str, str, str]:
    """A KPI card of a county key figure: its one label, the value, a detail and its definition (hover).

    >>> figure_card("violations", "3", "", "#b2182b", "en")[:2]
    ('Rule violations', '3')
    """
    return (figure_label(name, lang), value, detail, colour, figure_definition(name, lang))


def cards_html(cards) -> str:
    """The kit's KPI cards (re-exported for the pages of this package)."""
    return kpi_cards(cards)


def write_workbook(path: Path, sheets: Sequence[tuple[str, pd.DataFrame]]) -> Path:
    """An Excel workbook of ``(sheet name, frame)`` pairs through :func:`workbench.files.write_excel`:
    texts from the data never become formulas, widths follow the content, the header is frozen,
    the file is replaced whole."""
    write_excel(path, {str(name)[:31]: frame for name, frame in sheets})
    return path


def export_table(exports: ExportFolder, stem: str, frame: pd.DataFrame, about: pd.DataFrame | None = None) -> Path:
    """A table a person downloads (the kit's DataTable export): the rows ("结果 Results") and, when given,
    what they show ("说明 About": :meth:`~workbench.views.widgets.table.DataTable.about`), readable widths.

    >>> import tempfile
    >>> from workbench.views.widgets.export import ExportFolder
    >>> path = export_table(ExportFolder(tempfile.mkdtemp()), "movers", pd.DataFrame({"a": [1]}),
    ...                     pd.DataFrame({"item": ["Rows"], "value": ["1"]}))
    >>> pd.ExcelFile(path).sheet_names
    ['结果 Results', '说明 About']
    """
    sheets = [(RESULTS_SHEET, frame)] + ([(ABOUT_SHEET, about)] if about is not None else [])
    path = write_workbook(exports.path(stem, ".xlsx"), sheets)
    return exports.written(path)


def output_context(state, scheme=None) -> OutputContext:
    """The context a page's output carries: its year, ``scheme`` (default: the framework's), data and now.

    >>> from workbench.views.state import AppState
    >>> output_context(AppState.from_source("sample_data")).lines("en")[0]
    'Year 2025'
    """
    if scheme is None:
        scheme = Scheme(state.framework)
    return OutputContext.of(scheme, state.period, source=state.source, loaded_at=state.loaded_at)


def work_folder(opened, kind: str) -> Callable[[], Path]:
    """Where a page keeps a user's saved work of ``kind`` for the data it shows now.

    Per data set and per user in the server's state folder
    (:meth:`~workbench.views.state.DataStore.work_folder`); a page built on
    data without a server (a notebook, a test) keeps it beside its exports.
    The data set may change (an upload): the folder is asked for each time.
    """
    from ..state import dataset_key

    state, store = opened.state, opened.store

    def folder() -> Path:
        if store is not None:
            return store.work_folder(state.data, kind)
        return Path(opened.exports.folder) / kind / dataset_key(state.data)
    return folder
