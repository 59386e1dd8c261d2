"""The widget kit's HTML: styles, tables, KPI cards, status lines, problem tables, download links.

Pure string builders (no state); every text they show comes in already
translated and is escaped here. :data:`STYLE` is the kit's one style sheet; it
uses the page template's colour variables, so dark pages stay readable.

>>> html_table(["a", "b"], [[1, "x<y"]])
'<table class="wb-table"><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td class="wb-num">1</td><td>x&lt;y</td></tr></tbody></table>'
"""

from __future__ import annotations

import base64
import html
import numbers
from pathlib import Path
from typing import Iterable, Sequence

import ipywidgets as w
import numpy as np
import pandas as pd

from ...i18n import tr

__all__ = ["STYLE", "style", "esc", "html_table", "Cell", "kpi_cards", "section_title", "change_cell",
           "fmt_number", "download_link", "status_html", "problems_html", "MIME", "StatusLine"]

STYLE = """
<style>
.wb-app { font-size: 17px; color: var(--wb-text, #1d2125); }
.wb-app .wb-title { font-size: 30px; font-weight: 700; margin: 4px 0 2px; }
.wb-app .wb-subtitle { font-size: 17px; color: var(--wb-muted, #5b6470); margin: 0 0 8px; }
.wb-app .wb-panel { background: var(--wb-surface, #fff); border: 1px solid var(--wb-border, #dfe3e8);
  border-radius: 10px; padding: 10px 14px; margin: 6px 0; }
.wb-app .wb-kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px;
  margin: 6px 0 10px; }
.wb-app .wb-kpi { background: var(--wb-surface, #fff); border: 1px solid var(--wb-border, #dfe3e8);
  border-top: 5px solid var(--wb-kpi-color, #b3261e); border-radius: 10px; padding: 10px 14px; }
.wb-app .wb-kpi .wb-kpi-label { font-size: 15px; color: var(--wb-muted, #5b6470); }
.wb-app .wb-kpi .wb-kpi-value { font-size: 34px; font-weight: 700; line-height: 1.2; }
.wb-app .wb-kpi .wb-kpi-detail { font-size: 14px; color: var(--wb-muted, #5b6470); }
.wb-app .wb-note { font-size: 15px; color: var(--wb-muted, #5b6470); }
.wb-app .wb-ok { color: #1b7837; } .wb-app .wb-bad { color: #b2182b; font-weight: 600; }
.wb-app table.wb-problems { border-collapse: collapse; font-size: 14px; margin-top: 6px; }
.wb-app table.wb-problems th, .wb-app table.wb-problems td { border: 1px solid var(--wb-border, #dfe3e8);
  padding: 3px 8px; text-align: left; vertical-align: top; }
.wb-app table.wb-problems th { background: var(--wb-bg, #f4f5f7); }
.wb-app .wb-weight-label { font-size: 16px; }
.wb-app .wb-sum-bad { color: #b2182b; font-weight: 600; }
.wb-app .wb-ahp-cell { text-align: center; }
.wb-app .wb-ahp-head { text-align: center; font-size: 13px; line-height: 1.25; white-space: normal;
  overflow-wrap: anywhere; }
.wb-app .wb-weight-label { display: block; white-space: normal; line-height: 1.2; font-size: 15px; }
.wb-app .wb-weight-panel .widget-html { overflow: hidden; }
.wb-app .wb-weight-panel .widget-readout { min-width: 34px; width: 34px; margin-left: 4px; }
.wb-app .widget-html-content { overflow-wrap: anywhere; }
.wb-app .wb-chart { max-width: 100%; }
.wb-app .wb-section { font-size: 23px; font-weight: 700; margin: 22px 0 8px; padding-left: 10px;
  border-left: 6px solid var(--wb-accent, #b3261e); }
.wb-app .wb-subsection { font-size: 19px; font-weight: 700; margin: 10px 0 4px; }
.wb-app .wb-scroll { max-height: 560px; overflow: auto; border: 1px solid var(--wb-border, #dfe3e8);
  border-radius: 8px; background: var(--wb-surface, #fff); }
.wb-app table.wb-table { border-collapse: collapse; font-size: 15px; width: 100%; }
.wb-app table.wb-table th, .wb-app table.wb-table td { border-bottom: 1px solid var(--wb-border, #dfe3e8);
  padding: 5px 10px; text-align: left; vertical-align: top; line-height: 1.45; }
.wb-app table.wb-table th { position: sticky; top: 0; z-index: 1; background: var(--wb-bg, #f4f5f7);
  font-weight: 700; white-space: nowrap; }
.wb-app table.wb-table td.wb-num, .wb-app table.wb-table th.wb-num { text-align: right;
  font-variant-numeric: tabular-nums; white-space: nowrap; }
.wb-app table.wb-table tr.wb-row-bad td { background: rgba(178, 24, 43, 0.08); }
.wb-app table.wb-table tr.wb-row-warn td { background: rgba(224, 130, 20, 0.08); }
.wb-app table.wb-table tr.wb-row-muted td { color: var(--wb-muted, #5b6470); }
.wb-app .wb-better { color: #1b7837; font-weight: 700; }
.wb-app .wb-worse { color: #b2182b; font-weight: 700; }
.wb-app .wb-pill { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 13px;
  font-weight: 600; color: #fff; white-space: nowrap; }
.wb-app .wb-status { font-size: 16px; padding: 6px 10px; border-radius: 6px; margin: 4px 0; }
.wb-app .wb-status.wb-bad { background: rgba(178, 24, 43, 0.10); }
.wb-app .wb-status.wb-ok { background: rgba(27, 120, 55, 0.10); }
.wb-app .wb-steps { margin: 4px 0; padding-left: 28px; font-size: 15px; line-height: 1.5; }
.wb-app .wb-steps .wb-why { color: var(--wb-muted, #5b6470); font-size: 14px; }
.wb-app .wb-field-label { font-size: 15px; font-weight: 600; margin: 6px 0 2px; }
.wb-app .widget-select-multiple select, .wb-app .widget-dropdown select { font-size: 15px; }
.wb-app .wb-note, .wb-app .wb-kpi-label, .wb-app .wb-kpi-detail, .wb-app .wb-status { line-height: 1.45; }
.wb-app .wb-grid2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 14px; }
</style>
"""

#: Content types of the files the dashboards offer for download.
MIME = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".html": "text/html", ".png": "image/png", ".pdf": "application/pdf",
        ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".yaml": "application/x-yaml", ".csv": "text/csv"}


def style() -> w.HTML:
    """The kit's styles as an invisible widget (the page template adds theme colours when served)."""
    return w.HTML(STYLE, layout=w.Layout(height="0px", margin="0"))


def esc(text) -> str:
    """Text from data or the catalogue, safe inside HTML.

    >>> esc('<a href="x">')
    '&lt;a href=&quot;x&quot;&gt;'
    """
    return html.escape(str(text))


class Cell:
    """A table cell with its own CSS class and optional raw (already escaped) HTML."""

    __slots__ = ("value", "css", "raw")

    def __init__(self, value, css: str = "", *, raw: bool = False):
        self.value, self.css, self.raw = value, css, raw


def fmt_number(value, digits: int = 1) -> str:
    """A number for a table: integers without decimals, NaN as an empty cell."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        if float(value).is_integer() and digits == 0:
            return f"{int(value):,}"
        return f"{float(value):,.{digits}f}"
    return str(value)


def _cell(value) -> str:
    if isinstance(value, Cell):
        text = str(value.value) if value.raw else html.escape(str(value.value))
        return f'<td class="{value.css}">{text}</td>' if value.css else f"<td>{text}</td>"
    if isinstance(value, numbers.Number) and not isinstance(value, (bool, np.bool_)):
        return f'<td class="wb-num">{html.escape(fmt_number(value))}</td>'
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "<td></td>"
    return f"<td>{html.escape(str(value))}</td>"


def html_table(headers: Sequence[str], rows: Iterable[Sequence], *, row_classes: Sequence[str] | None = None,
               numeric: Sequence[int] = (), css: str = "wb-table") -> str:
    """An HTML table; numbers right-aligned, text escaped (pass :class:`Cell` for raw HTML or a class)."""
    heads = "".join(f'<th class="wb-num">{html.escape(h)}</th>' if k in numeric else f"<th>{html.escape(h)}</th>"
                    for k, h in enumerate(headers))
    body = []
    for k, row in enumerate(rows):
        css_row = row_classes[k] if row_classes is not None and row_classes[k] else ""
        attrs = f' class="{css_row}"' if css_row else ""
        body.append(f"<tr{attrs}>" + "".join(_cell(v) for v in row) + "</tr>")
    return f'<table class="{css}"><thead><tr>{heads}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def change_cell(before, after, *, better: str = "higher", digits: int = 0) -> Cell:
    """``before → after`` coloured green when it got better, red when worse (raw HTML cell).

    >>> change_cell(3, 1, better="lower").value
    '3 → <span class="wb-better">1</span>'
    """
    b = fmt_number(before, digits) if not _missing(before) else "–"
    a = fmt_number(after, digits) if not _missing(after) else "–"
    if _missing(before) or _missing(after) or float(before) == float(after):
        return Cell(f"{html.escape(b)} → {html.escape(a)}", "wb-num", raw=True)
    up = float(after) > float(before)
    good = up if better == "higher" else not up
    css = "wb-better" if good else "wb-worse"
    return Cell(f'{html.escape(b)} → <span class="{css}">{html.escape(a)}</span>', "wb-num", raw=True)


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def kpi_cards(cards: Sequence[Sequence[str]]) -> str:
    """KPI cards in the kit's ``wb-kpis`` grid: (label, value, detail, colour[, what it counts]).

    The fifth element, when given, is the hover text that says what the number counts.

    >>> "title='problems found this year'" in kpi_cards([("Found", "5", "", "#000", "problems found this year")])
    True
    """
    items = []
    for card in cards:
        label, value, detail, colour = card[:4]
        hint = f" title='{esc(card[4])}'" if len(card) > 4 and card[4] else ""
        items.append(f"<div class='wb-kpi' style='--wb-kpi-color:{esc(colour)}'{hint}>"
                     f"<div class='wb-kpi-label'>{esc(label)}</div>"
                     f"<div class='wb-kpi-value'>{esc(value)}</div>"
                     f"<div class='wb-kpi-detail'>{esc(detail)}</div></div>")
    return f"<div class='wb-kpis'>{''.join(items)}</div>"


def section_title(text: str) -> str:
    return f"<div class='wb-section'>{html.escape(text)}</div>"


def status_html(text: str, ok: bool) -> str:
    """A status line: green for done, red for refused (the text is escaped)."""
    css = "wb-ok" if ok else "wb-bad"
    return f"<div class='wb-status {css}'>{html.escape(text)}</div>" if text else ""


def download_link(path, label: str, mime: str | None = None) -> str:
    """A link that downloads ``path`` from the page (data URI: works without a file server)."""
    path = Path(path)
    mime = mime or MIME.get(path.suffix.lower(), "application/octet-stream")
    payload = base64.b64encode(path.read_bytes()).decode()
    return (f"<a download='{html.escape(path.name)}' href='data:{mime};base64,{payload}' "
            f"style='font-weight:600'>{html.escape(label)}</a>")


def problems_html(problems: pd.DataFrame, lang: str, limit: int = 200) -> str:
    """The DataError problem table as HTML (file, row, column, value, problem)."""
    heads = [tr(k, lang) for k in ("problem_file", "problem_row", "problem_column", "problem_value",
                                   "problem_message")]
    rows = []
    for rec in problems.head(limit).itertuples(index=False):
        row = "" if pd.isna(rec.row) else str(int(rec.row))
        value = "" if rec.value is None or (isinstance(rec.value, float) and np.isnan(rec.value)) else rec.value
        cells = [rec.file, row, rec.column, value, rec.message]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    more = f"<div class='wb-note'>… {len(problems) - limit}</div>" if len(problems) > limit else ""
    return ("<table class='wb-problems'><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in heads)
            + "</tr>" + "".join(rows) + "</table>" + more)


class StatusLine:
    """A status line kept as a message key and its values, so it follows the page's language.

    >>> from workbench.views.state import AppState
    >>> state = AppState.from_source("sample_data", lang="zh")
    >>> line = StatusLine(state)
    >>> line.set("error", ok=False, message="x")
    >>> state.lang = "en"
    >>> "Something went wrong: x" in line.widget.value
    True
    """

    def __init__(self, state):
        self.state = state
        self.widget = w.HTML()
        self.key: str | None = None
        self.ok = True
        self.values: dict = {}
        self.extra = ""
        state.observe(lambda _: self.render(), names="lang")

    def set(self, key: str | None, *, ok: bool = True, extra_html: str = "", **values) -> None:
        """Show message ``key`` (None clears); ``extra_html`` (already safe) follows it, e.g. a link."""
        self.key, self.ok, self.values, self.extra = key, ok, values, extra_html
        self.render()

    def render(self) -> None:
        if self.key is None:
            self.widget.value = ""
            return
        text = tr(self.key, self.state.lang, **self.values)
        css = "wb-ok" if self.ok else "wb-bad"
        extra = f" · {self.extra}" if self.extra else ""
        self.widget.value = f"<div class='wb-status {css}'>{esc(text)}{extra}</div>"
