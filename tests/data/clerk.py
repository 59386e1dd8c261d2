"""Workbooks made the way township clerks make them, from a generated county (openpyxl).

``sheets_of(data)`` gives each table as the clerk writes it (Chinese headers and
values, 是/否, dates as dates); ``write_book`` writes sheets with optional rows
above the header, merged titles, hidden sheets and formulas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd

import workbench as wb
from workbench.data.core import _export_frame
from workbench.data.schema import TABLE_ORDER, TABLES


@dataclass
class Sheet:
    """One sheet: a title row, notes, the header, records; what a clerk puts around them."""

    name: str
    headers: list
    rows: list[list]
    above: list[list] = field(default_factory=list)      # rows above the header (title, notes)
    merge_title: bool = False                           # merge the first row above across the table
    below: list[list] = field(default_factory=list)      # rows under the records (totals, footer)
    state: str = "visible"
    merges: list[str] = field(default_factory=list)      # ranges to merge (after writing)


def _cell(value):
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().date() if value == value.normalize() else value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


def sheets_of(data: wb.BranchData) -> dict[str, Sheet]:
    """Every table as a sheet with Chinese headers and values (keyed by table name)."""
    out = {}
    for name in TABLE_ORDER:
        frame = data.tables()[name]
        if name == "outcomes" and frame.empty:
            continue
        zh = _export_frame(name, frame, "zh", excel=True)
        rows = [[_cell(v) for v in rec] for rec in zh.itertuples(index=False)]
        out[name] = Sheet(TABLES[name].zh, list(zh.columns), rows)
    return out


def write_book(path: Path, sheets: list[Sheet]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        for row in sheet.above:
            ws.append(row)
        if sheet.merge_title and sheet.above:
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(sheet.headers))
        ws.append(sheet.headers)
        for row in sheet.rows:
            ws.append(row)
        for row in sheet.below:
            ws.append(row)
        for ref in sheet.merges:
            ws.merge_cells(ref)
        ws.sheet_state = sheet.state
    book.save(path)
    return path


def sorted_tables(data: wb.BranchData) -> wb.BranchData:
    """The same data with every table sorted by its key (for layouts that regroup rows)."""
    tables = {}
    for name, frame in data.tables().items():
        keys = list(TABLES[name].keys)
        tables[name] = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    return data.replace(**tables)


def as_serial(day: dt.date) -> int:
    """An Excel serial date number."""
    return (day - dt.date(1899, 12, 30)).days
