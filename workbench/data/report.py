"""The problem report: the clerk's workbook written back with every bad cell marked.

``write_problem_report(err, "问题清单.xlsx", lang="zh")`` opens the workbook
that was refused (kept by the :class:`~workbench.data.DataError` as a path or
the uploaded bytes), fills every cell with a problem yellow, puts the problem
and its fix in the cell's comment, and adds a first sheet that lists every
problem and note with a link to its cell. The clerk fixes the file in Excel and
sends it again. CSV tables come back as one sheet each, marked the same way.
A workbook that was refused for its size is not opened again: the report then
holds the list only.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd

from ..files import atomic_path
from ..i18n import tr
from .errors import DataError
from .readers import DEFAULT_BUDGET, ReadBudget, detect_encoding
from .workbook import scan_workbook

__all__ = ["write_problem_report"]

_FILL_ERROR = "FFFF00"     # yellow: a problem
_FILL_WARNING = "FFE4B5"   # light orange: a warning
_SIZE_KEYS = {"data_file_too_large", "data_workbook_too_large", "data_sheet_too_large",
              "data_workbook_too_many_cells", "data_csv_too_many_cells", "data_too_many_columns",
              "data_not_a_workbook", "data_xls_or_encrypted"}
_LIST_COLUMNS = ("severity", "workbook", "sheet", "cell", "row", "header", "value", "message", "expected", "fix")
MAX_CSV_ROWS = 200_000


def write_problem_report(err: DataError, path: str | os.PathLike, *, lang: str = "zh",
                         budget: ReadBudget = DEFAULT_BUDGET) -> Path:
    """Write the report of a refused load to ``path`` (.xlsx); returns the path.

    Parameters
    ----------
    err : DataError
        The error ``wb.load`` or ``wb.load_files`` raised (it keeps the sources).
    path : path-like
        Where to write the report (written atomically).
    lang : {"zh", "en"}
        Language of the comments and of the list.

    Examples
    --------
    >>> import tempfile, workbench as wb
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> data = wb.load("sample_data")
    >>> book = data.to_excel(folder / "county.xlsx")
    >>> import openpyxl
    >>> wbk = openpyxl.load_workbook(book); wbk["党员"]["F3"] = "幼儿园"; wbk.save(book)
    >>> try:
    ...     wb.load(book)
    ... except wb.DataError as err:
    ...     out = write_problem_report(err, folder / "问题清单.xlsx", lang="zh")
    >>> report = openpyxl.load_workbook(out)
    >>> report.sheetnames[0], report["党员"]["F3"].comment is not None
    ('问题清单', True)
    """
    from openpyxl import Workbook, load_workbook

    path = Path(path)
    table = err.table(lang)
    refused_for_size = set(table.loc[table["key"].isin(_SIZE_KEYS), "workbook"])
    book = None
    for name, source in err.sources.items():
        if not str(name).lower().endswith((".xlsx", ".xlsm")) or name in refused_for_size:
            continue
        if not _small_enough(source, budget):
            continue
        try:
            handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
            book = load_workbook(handle, keep_vba=str(name).lower().endswith(".xlsm"))
        except Exception:  # damaged: the list alone still helps
            book = None
        break  # one workbook is written back; the list names the others
    if book is None:
        book = Workbook()
        book.remove(book.active)
        _add_csv_sheets(book, err, table, budget)
    marked_workbook = next((n for n in err.sources if str(n).lower().endswith((".xlsx", ".xlsm"))), None)
    _mark_cells(book, table, lang, workbook=marked_workbook)
    _add_list(book, table, lang)
    with atomic_path(path) as tmp:
        book.save(tmp)
    return path


def _small_enough(source, budget: ReadBudget) -> bool:
    """Every sheet (hidden ones too: openpyxl opens them all) within the budget."""
    try:
        handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
        sheets = scan_workbook(handle, budget=budget)
    except Exception:
        return False
    return sum(s.used_cells for s in sheets) <= budget.max_cells and \
        sum(s.xml_bytes for s in sheets) <= budget.max_xml_bytes


def _add_csv_sheets(book, err: DataError, table: pd.DataFrame, budget: ReadBudget) -> None:
    """Each refused CSV file as a sheet of its own (values as text), so that its cells can be marked."""
    bad_files = set(table["workbook"]) | set(table["file"])
    for name, source in err.sources.items():
        if not str(name).lower().endswith((".csv", ".txt", ".tsv")) or name not in bad_files:
            continue
        raw = source if isinstance(source, (bytes, bytearray)) else None
        if raw is None:
            try:
                if Path(source).stat().st_size > budget.max_file_bytes:
                    continue
                raw = Path(source).read_bytes()
            except OSError:
                continue
        encoding = detect_encoding(raw)
        if encoding is None:
            continue
        text = raw.decode(encoding, errors="replace").lstrip("\ufeff")
        first = text.split("\n", 1)[0]
        delimiter = max(",;\t|", key=first.count)
        ws = book.create_sheet(_title(name))
        for i, fields in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
            if i >= MAX_CSV_ROWS:
                break
            ws.append([_text_cell(ws, f) for f in fields])


def _title(name: str) -> str:
    import re

    return re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31]


def _text_cell(ws, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _mark_cells(book, table: pd.DataFrame, lang: str, *, workbook: str | None) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    from openpyxl.utils.cell import coordinate_from_string

    comments: dict[tuple[str, str], list[str]] = {}
    severity: dict[tuple[str, str], str] = {}
    for rec in table.itertuples(index=False):
        sheet, ref = _sheet_and_ref(rec, workbook, book)
        if not sheet:
            continue
        try:
            coordinate_from_string(ref)
        except ValueError:
            continue
        head = f"{rec.header}：" if rec.header and lang == "zh" else f"{rec.header}: " if rec.header else ""
        text = head + rec.message + (f"\n{rec.fix}" if rec.fix else "")
        comments.setdefault((sheet, ref), []).append(text)
        if rec.severity == "error" or (sheet, ref) not in severity:
            severity[(sheet, ref)] = rec.severity
    for (sheet, ref), texts in comments.items():
        ws = book[sheet]
        cell = ws[ref]
        color = _FILL_ERROR if severity[(sheet, ref)] == "error" else _FILL_WARNING
        cell.fill = PatternFill("solid", fgColor=color)
        body = "\n\n".join(dict.fromkeys(texts))[:2000]
        comment = Comment(body, "workbench")
        comment.width, comment.height = 320, min(60 + 15 * body.count("\n") + len(body) // 3, 400)
        cell.comment = comment


def _sheet_and_ref(rec, workbook: str | None, book) -> tuple[str, str]:
    """The sheet of the report and the cell reference of a problem ("" when it has none)."""
    if rec.cell and "!" in rec.cell:
        sheet, ref = rec.cell.rsplit("!", 1)
        if rec.workbook and workbook and rec.workbook != workbook:
            return "", ""
        return (sheet, ref) if sheet in book.sheetnames else ("", "")
    if rec.cell and rec.workbook:  # a CSV file: its sheet is named after the file
        title = _title(rec.workbook)
        return (title, rec.cell) if title in book.sheetnames else ("", "")
    return "", ""


def _add_list(book, table: pd.DataFrame, lang: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    title = tr("data_report_sheet", lang)[:31]
    if title in book.sheetnames:
        del book[title]
    ws = book.create_sheet(title, 0)
    errors = int((table["severity"] == "error").sum())
    ws.append([tr("data_report_intro", lang, n=errors)])
    ws["A1"].font = Font(bold=True)
    heads = [tr(f"data_report_col_{c}", lang) for c in _LIST_COLUMNS]
    ws.append(heads)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    order = table.assign(_rank=table["severity"].map({"error": 0, "warning": 1, "note": 2}).fillna(3))
    order = order.sort_values("_rank", kind="stable")
    for rec in order.itertuples(index=False):
        row = []
        for col in _LIST_COLUMNS:
            value = getattr(rec, col)
            if col == "severity":
                value = tr(f"data_report_severity_{value}", lang) if value in ("error", "warning", "note") else value
            if col == "row":
                value = None if pd.isna(value) else int(value)
            elif value is None or (isinstance(value, float) and pd.isna(value)):
                value = ""
            row.append(value)
        ws.append(row)
        r = ws.max_row
        for j, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=j)
            if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                cell.data_type = "s"  # a value from the data is never a formula
                cell.quotePrefix = True
        ref_cell = ws.cell(row=r, column=_LIST_COLUMNS.index("cell") + 1)
        if rec.cell and "!" in rec.cell and rec.cell.rsplit("!", 1)[0] in book.sheetnames:
            sheet, ref = rec.cell.rsplit("!", 1)
            ref_cell.hyperlink = f"#'{sheet}'!{ref}"
            ref_cell.font = Font(color="0563C1", underline="single")
        if rec.severity == "error":
            ws.cell(row=r, column=1).fill = PatternFill("solid", fgColor=_FILL_ERROR)
    widths = {"severity": 8, "workbook": 18, "sheet": 10, "cell": 12, "row": 6, "header": 16, "value": 18,
              "message": 60, "expected": 30, "fix": 50}
    from openpyxl.utils import get_column_letter

    for j, col in enumerate(_LIST_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = widths[col]
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    book.active = 0
