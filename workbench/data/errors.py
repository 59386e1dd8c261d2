"""One error type for bad input data, carrying every problem as a table.

A problem is data: a message key of the catalogue (:mod:`workbench.i18n.data`)
with its parameters, and where it is (workbook, sheet, Excel cell, the header
as written). The CLI, the dashboards and the problem report render the same
records in the clerk's language.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..i18n import tr

__all__ = [
    "DataError",
    "ProblemLog",
    "PROBLEM_COLUMNS",
    "DETAIL_COLUMNS",
    "Where",
    "Localized",
    "render_problems",
]

#: The columns every problem table starts with (what ``str(err)`` lists).
PROBLEM_COLUMNS = ["file", "row", "column", "value", "message"]
#: The columns that follow: where the clerk finds it, what to write, how to fix it.
DETAIL_COLUMNS = ["severity", "workbook", "sheet", "cell", "header", "expected", "fix", "key"]

# Beyond this many rows with the same problem in one column, the log keeps a
# sample and one summary row: a ten-million-row problem table helps nobody.
MAX_ROWS_PER_CHECK = 50
# No message ever formats more than this many characters of a value from the data.
MAX_VALUE_CHARS = 60


@dataclasses.dataclass(frozen=True)
class Localized:
    """A parameter that reads differently in Chinese and English (a table's name ...)."""

    zh: str
    en: str

    def __str__(self) -> str:  # the English text, where no language is chosen
        return self.en

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclasses.dataclass(frozen=True)
class Where:
    """Where a problem is, as the clerk sees it.

    ``file`` is the short label used before (``members.csv``, ``county.xlsx[党员]``);
    ``row`` the Excel row (CSV: the line); ``cell`` an address such as ``党员!F5``.
    """

    file: str
    workbook: str = ""
    sheet: str = ""
    row: int | None = None
    cell: str = ""
    header: str = ""


def short(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """A value as text for a message: bounded, whatever it is.

    >>> short("x" * 100)[-3:]
    '...'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.date().isoformat()
    if isinstance(value, (list, tuple, set, dict)):
        # never format an unbounded structure: at most a few items, each bounded
        items = list(value.items() if isinstance(value, dict) else value)[:6]
        text = ", ".join(short(v, 20) for v in items) + (", ..." if len(value) > 6 else "")
    else:
        text = str(value)
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _param(value: Any, lang: str) -> Any:
    if isinstance(value, Localized):
        return value.text(lang)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return value
    return short(value)


def render(key: str, params: dict, lang: str) -> str:
    """The message ``key`` in ``lang`` with bounded parameters."""
    text = tr(key, lang, **{k: _param(v, lang) for k, v in params.items() if not k.startswith("_")})
    if params.get("_more"):
        text += tr("data_and_more_rows", lang, n=int(params["_more"]))
    return text


def _fix(key: str, params: dict, lang: str) -> str:
    from ..i18n import MESSAGES

    fix_key = f"{key}_fix"
    if fix_key not in MESSAGES:
        return ""
    return render(fix_key, {k: v for k, v in params.items() if k != "_more"}, lang)


def render_problems(records: list[dict], lang: str) -> pd.DataFrame:
    """Problem records (key, params, place) as a table in ``lang``."""
    rows = []
    for rec in records:
        key, params = rec.get("key"), rec.get("params") or {}
        params = {"column": rec.get("column", ""), **params}
        if key:
            message = render(key, params, lang)
            fix = _fix(key, params, lang)
            expected = _param(params.get("expected", ""), lang)
        else:  # a literal message (tables built by hand)
            message, fix, expected = rec.get("message", ""), rec.get("fix", ""), rec.get("expected", "")
        rows.append({
            "file": rec.get("file", ""), "row": rec.get("row"), "column": rec.get("column", ""),
            "value": rec.get("value", ""), "message": message,
            "severity": rec.get("severity", "error"), "workbook": rec.get("workbook", ""),
            "sheet": rec.get("sheet", ""), "cell": rec.get("cell", ""), "header": rec.get("header", ""),
            "expected": expected or "", "fix": fix, "key": key or "",
        })
    frame = pd.DataFrame(rows, columns=PROBLEM_COLUMNS + DETAIL_COLUMNS)
    frame["row"] = pd.array(frame["row"].tolist(), dtype="Int64") if len(frame) else frame["row"].astype("Int64")
    frame["value"] = frame["value"].astype(object)
    return frame


class DataError(ValueError):
    """Input data that cannot be loaded, with every problem found.

    ``problems`` is a DataFrame whose first columns are ``file, row, column,
    value, message``, followed by ``severity, workbook, sheet, cell, header,
    expected, fix, key``. ``row`` is the row number a spreadsheet shows; it is
    empty for problems of a whole file or column. Messages are English unless a
    language is chosen: :meth:`in_language` gives the same error in Chinese.
    ``warnings`` holds what was accepted but is worth a look (skipped rows,
    unrecognised optional headers, hidden sheets).

    >>> err = DataError(pd.DataFrame([{"file": "members.csv", "row": 5,
    ...     "column": "education", "value": "phd", "message": "not an allowed value"}]))
    >>> len(err.problems)
    1
    """

    def __init__(self, problems: pd.DataFrame | list[dict], *, source: str | None = None,
                 lang: str = "en", warnings: list[dict] | None = None,
                 sources: dict | None = None):
        if isinstance(problems, pd.DataFrame):
            records = problems.to_dict("records")
        else:
            records = list(problems)
        self.records = records
        self.warning_records = list(warnings or [])
        self.source = source
        self.lang = lang
        #: what the problem report needs to write the files back: name -> path or bytes
        self.sources = dict(sources or {})
        self.problems = render_problems(records, lang)
        super().__init__(self.render(lang))

    @property
    def warnings(self) -> pd.DataFrame:
        """Notes and warnings (accepted input worth a look), in the error's language."""
        return render_problems(self.warning_records, self.lang)

    def in_language(self, lang: str) -> DataError:
        """The same error with its messages in ``lang`` ("zh" or "en").

        >>> DataError([{"file": "a.csv", "key": "data_empty_file", "params": {}}]).in_language("zh").problems["message"][0]
        '文件是空的，应当有一行表头和若干条记录'
        """
        return DataError(self.records, source=self.source, lang=lang, warnings=self.warning_records,
                         sources=self.sources)

    def table(self, lang: str | None = None) -> pd.DataFrame:
        """Problems, then warnings, as one table in ``lang`` (what the report lists)."""
        lang = lang or self.lang
        return render_problems(self.records + self.warning_records, lang)

    def render(self, lang: str | None = None, limit: int = 40) -> str:
        """The problems as lines of text, at most ``limit`` of them."""
        lang = lang or self.lang
        frame = self.problems if lang == self.lang else render_problems(self.records, lang)
        n = len(frame)
        if lang == "zh":
            head = f"在 {self.source} 中发现 {n} 个问题，未加载任何数据：" if self.source else \
                f"发现 {n} 个问题，未加载任何数据："
        else:
            where = f" in {self.source}" if self.source else ""
            head = f"{n} problem{'s' if n != 1 else ''} found{where}; nothing was loaded:"
        lines = [head]
        for rec in frame.head(limit).itertuples(index=False):
            lines.append("  - " + _line(rec, lang))
        if n > limit:
            lines.append(f"  ... 另有 {n - limit} 个（见 err.problems）" if lang == "zh"
                         else f"  ... and {n - limit} more (see err.problems)")
        return "\n".join(lines)


def _line(rec, lang: str) -> str:
    """One problem as a line: where (file, row, column as written, cell), what, the value, the fix."""
    zh = lang == "zh"
    place = str(rec.file)
    if not pd.isna(rec.row):
        place += f" 第 {int(rec.row)} 行" if zh else f", row {int(rec.row)}"
    column = rec.header or rec.column
    if column:
        place += f"「{column}」列" if zh else f", column {column!r}"
    if rec.cell and rec.sheet:
        place += f"（单元格 {rec.cell}）" if zh else f" (cell {rec.cell})"
    value = short(rec.value, 40)
    shown = ""
    if value:
        shown = f"（值为 {value!r}）" if zh else f" (value {value!r})"
    fix = f" {rec.fix}" if rec.fix else ""
    return f"{place}{'：' if zh else ': '}{rec.message}{shown}{fix}"


def plain(value):
    """A cell value as a plain Python value for the problem table."""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, str):
        return short(value, 200)
    if hasattr(value, "item"):
        return value.item()
    return value


class ProblemLog:
    """Collects problems and warnings while reading and validating; raises one DataError.

    Records are keys of the catalogue with parameters; the place comes from a
    :class:`Where`.
    """

    def __init__(self, source: str | None = None):
        self.rows: list[dict] = []
        self.warnings: list[dict] = []
        self.source = source
        self.sources: dict = {}

    def _record(self, where: Where | str, key: str, params: dict, *, column: str = "", value="",
                severity: str = "error") -> dict:
        if isinstance(where, str):
            where = Where(where)
        return {"file": where.file, "row": where.row, "column": column, "value": plain(value),
                "key": key, "params": params, "severity": severity, "workbook": where.workbook,
                "sheet": where.sheet, "cell": where.cell, "header": where.header}

    def add(self, where: Where | str, key: str, *, column: str = "", value="", **params) -> None:
        """Record one error."""
        self.rows.append(self._record(where, key, params, column=column, value=value))

    def warn(self, where: Where | str, key: str, *, column: str = "", value="",
             severity: str = "warning", **params) -> None:
        """Record something accepted but worth a look (``severity`` "warning" or "note")."""
        self.warnings.append(self._record(where, key, params, column=column, value=value,
                                          severity=severity))

    def add_cells(self, places: Iterable[Where], values: Iterable, key: str, *, column: str = "",
                  **params) -> None:
        """One problem for many cells; beyond MAX_ROWS_PER_CHECK, one summary row."""
        places = list(places)
        values = list(values)
        for where, v in zip(places[:MAX_ROWS_PER_CHECK], values[:MAX_ROWS_PER_CHECK]):
            self.add(where, key, column=column, value=v, **params)
        if len(places) > MAX_ROWS_PER_CHECK:
            first = places[0]
            self.add(Where(first.file, first.workbook, first.sheet, header=first.header), key,
                     column=column, _more=len(places) - MAX_ROWS_PER_CHECK, **params)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def error(self, lang: str = "en") -> DataError:
        return DataError(self.rows, source=self.source, lang=lang, warnings=self.warnings,
                         sources=self.sources)

    def frame(self, lang: str = "en") -> pd.DataFrame:
        return render_problems(self.rows, lang)

    def raise_if_any(self) -> None:
        if self.rows:
            raise self.error()
