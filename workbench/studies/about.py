"""What a downloaded table says about itself: the "说明 About" sheet beside its rows.

A workbook handed out after a meeting leaves the page that made it; without
its filters a list of 12 branches reads as "the" list. Every table export
therefore writes, beside its rows, which table it is, the filters that
produced it, its sort order, its row count and the output context (year,
scheme and weights, data file and when loaded, when made:
:class:`workbench.meeting.OutputContext`).

Filters are given as ``{catalogue key of the filter's label: chosen value}``,
so a page names its filters once and the sheet speaks the user's language.

>>> lines = about_lines("候选支部", "zh", filters={"filter_township": "城关镇", "filter_category": ["a", "b"]},
...                     sort="总分 ↓", rows=12, context=["2025 年度"])
>>> lines[:3]
[('表格', '候选支部'), ('乡镇', '城关镇'), ('类别', 'a、b')]
>>> list(about_sheet(lines).columns)
['项目 Item', '内容 Value']
"""

from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd

from ..assess.labels import both
from ..i18n import tr

__all__ = ["filter_lines", "about_lines", "about_sheet", "ABOUT_SHEET", "RESULTS_SHEET"]

#: Sheet names of a table download, in both languages like the assessment workbook's ("结果 Results").
RESULTS_SHEET = both("sheet_results")
ABOUT_SHEET = both("export_about_sheet")


def filter_lines(filters: Mapping[str, object], lang: str = "zh") -> list[tuple[str, str]]:
    """The filters of a table as ``(what, chosen)`` rows in ``lang``.

    ``filters`` maps the catalogue key of each filter's label to what is chosen:
    a text or number, a list of them (joined as the language joins a list),
    or ``True`` for a switch that is on (shown as ✓). A filter with nothing
    chosen (``None``, ``""``, an empty list, ``False``) is not listed: it
    does not narrow the table.

    >>> filter_lines({"filter_township": ["城关镇", "河口镇"], "overdue_only": True, "filter_status": []}, "en")
    [('Township', '城关镇, 河口镇'), ('Overdue only', '✓')]
    """
    sep = "、" if lang == "zh" else ", "
    lines = []
    for key, chosen in filters.items():
        if chosen is None or chosen is False or (isinstance(chosen, (str, list, tuple)) and not chosen):
            continue
        if chosen is True:
            text = "✓"
        elif isinstance(chosen, (list, tuple)):
            text = sep.join(str(v) for v in chosen)
        else:
            text = str(chosen)
        lines.append((tr(key, lang), text))
    return lines


def about_lines(what: str, lang: str = "zh", *, filters: Mapping[str, object] | None = None,
                sort: str | None = None, rows: int, context: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The About sheet's ``(item, value)`` rows of a table download, in ``lang``.

    In order: which table (``what``, already in ``lang``), its filters
    (:func:`filter_lines`), its sort order (``sort``; none: as listed), its
    row count, then one row per line of the output context
    (:meth:`workbench.meeting.OutputContext.lines`).

    >>> about_lines("Movers", "en", rows=3, context=["Year 2025"])
    [('Table', 'Movers'), ('Sorted by', 'as listed'), ('Rows', '3'), ('Context', 'Year 2025')]
    """
    lines = [(tr("about_table", lang), what)]
    lines += filter_lines(filters or {}, lang)
    lines.append((tr("about_sort", lang), sort or tr("about_unsorted", lang)))
    lines.append((tr("about_rows", lang), str(int(rows))))
    lines += [(tr("about_context", lang), line) for line in context]
    return lines


def about_sheet(lines: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """The About sheet of ``(item, value)`` rows, its headers in both languages ("项目 Item", "内容 Value").

    Values are texts: :func:`workbench.files.write_excel` writes a filter value
    that starts with ``=`` as text, never as a formula.

    >>> about_sheet([("Rows", "3")]).to_dict("records")
    [{'项目 Item': 'Rows', '内容 Value': '3'}]
    """
    return pd.DataFrame([(str(k), str(v)) for k, v in lines],
                        columns=[both("export_about_key"), both("export_about_value")])
