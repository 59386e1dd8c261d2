"""Excel workbooks: measured from their XML (streamed) before anything is read, then read by calamine.

A sheet's used range, cells, formulas and merged cells are measured from the
zip without inflating more than a chunk at a time (a lying zip fails its CRC
here); only sheets within the :class:`~workbench.data.readers.ReadBudget` are
handed to calamine. Hidden sheets are passed over (and said so) unless asked
for; a sheet is a table by its name or, failing that, by its header row (one
sheet per township).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from .errors import Localized, ProblemLog, Where
from .readers import (
    DEFAULT_BUDGET,
    ReadBudget,
    _assemble,
    _Chunk,
    _column_index,
    _mb,
    _TEXT,
    _UNIX_ORDINAL,
    column_letter,
    find_header,
    RawTable,
    table_file_names,
    table_label,
    table_of_name,
)
from .schema import TABLES, normalize_header

__all__ = ["read_workbook", "read_workbooks", "scan_workbook", "scan_sheet", "SheetInfo"]



_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(r"([\w:]+)\s*=\s*\"([^\"]*)\"")
_REL_TAG = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)/?>")
_CELL_REF = re.compile(rb"<c\b[^>]*?\sr=\"([A-Z]{1,3})([0-9]{1,7})\"")
_CELL_COL = re.compile(rb"<c\b[^>]*?\sr=\"([A-Z]{1,3})[0-9]")
_ROW_REF = re.compile(rb"<row\b[^>]*?\sr=\"([0-9]{1,7})\"")
_MERGE = re.compile(rb"<mergeCell\b[^>]*?\sref=\"([A-Z]{1,3}[0-9]{1,7}):([A-Z]{1,3}[0-9]{1,7})\"")
_CELL_WITH_FORMULA = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


@dataclass
class SheetInfo:
    """A worksheet as listed in the workbook, and what its XML holds (measured, not read)."""

    name: str
    state: str
    part: str
    xml_bytes: int = 0
    rows: int = 0
    columns: int = 0
    cells: int = 0
    formulas: list[tuple[int, int, bool]] = field(default_factory=list)  # (row, col, has a value)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2 (1-based)

    @property
    def used_cells(self) -> int:
        return self.rows * self.columns

    @property
    def used_range(self) -> str:
        return f"A1:{column_letter(max(self.columns, 1) - 1)}{max(self.rows, 1)}"


_INSTRUCTIONS = frozenset({"填表说明", "说明", "使用说明", "instructions", "readme"})


def _xml_text(zf: zipfile.ZipFile, name: str, limit: int = 16 * 2**20) -> str:
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise ValueError(f"{name} is {info.file_size:,} bytes")
    return zf.read(name).decode("utf-8", errors="replace")


def _sheet_list(zf: zipfile.ZipFile) -> list[SheetInfo]:
    workbook = _xml_text(zf, "xl/workbook.xml")
    rels_text = _xml_text(zf, "xl/_rels/workbook.xml.rels")
    rels = {}
    for m in _REL_TAG.finditer(rels_text):
        attrs = dict(_ATTR.findall(m.group(1)))
        rels[attrs.get("Id")] = attrs.get("Target", "")
    out = []
    for m in _SHEET_TAG.finditer(workbook):
        attrs = dict(_ATTR.findall(m.group(1)))
        rid = next((v for k, v in attrs.items() if k.endswith(":id") or k == "id"), None)
        target = rels.get(rid, "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        part = os.path.normpath(part).replace(os.sep, "/")
        out.append(SheetInfo(html.unescape(attrs.get("name", "")), attrs.get("state", "visible"), part))
    return out


def scan_sheet(zf: zipfile.ZipFile, info: SheetInfo, *, chunk_size: int = 1 << 20) -> SheetInfo:
    """Measure a sheet from its XML, streamed: used range, cells, formulas, merged cells.

    Memory stays at a chunk whatever the sheet holds; the zip's CRC is checked at the end.
    """
    max_row = max_col = cells = 0
    formulas: list[tuple[int, int, bool]] = []
    merged: list[tuple[int, int, int, int]] = []
    with zf.open(info.part) as stream:
        tail = b""
        while True:
            chunk = stream.read(chunk_size)
            if not chunk and not tail:
                break
            buf = tail + chunk
            cut = buf.rfind(b"<c ") if chunk else len(buf)
            if cut <= 0:
                cut = len(buf) if not chunk else buf.rfind(b"<")
            if cut <= 0:
                tail = buf
                if not chunk:
                    break
                continue
            body, tail = buf[:cut], buf[cut:]
            letters = _CELL_COL.findall(body)
            if letters:
                cells += len(letters)
                distinct = set(letters)
                widest = max(distinct, key=lambda c: (len(c), c))
                max_col = max(max_col, _column_index(widest.decode()) + 1)
            rows = _ROW_REF.findall(body)
            if rows:
                max_row = max(max_row, int(max(rows, key=lambda r: (len(r), r))))
            elif letters:  # rows without their number: take it from the cells
                refs = _CELL_REF.findall(body)
                if refs:
                    max_row = max(max_row, max(int(r) for _, r in refs))
            if b"<f" in body:
                for m in _CELL_WITH_FORMULA.finditer(body):
                    inner = m.group(2) or b""
                    if b"<f" in inner:
                        ref = _CELL_REF.match(b"<c " + m.group(1))
                        if ref:
                            has_value = b"<v>" in inner and b"<v></v>" not in inner
                            if len(formulas) < 10_000:
                                formulas.append((int(ref.group(2)), _column_index(ref.group(1).decode()),
                                                 has_value))
            for m in _MERGE.finditer(body):
                a, b = _REF.match(m.group(1).decode()), _REF.match(m.group(2).decode())
                if len(merged) < 10_000:
                    merged.append((int(a.group(2)), _column_index(a.group(1)) + 1,
                                   int(b.group(2)), _column_index(b.group(1)) + 1))
            if not chunk:
                break
    info.rows, info.columns, info.cells = max_row, max_col, cells
    info.formulas, info.merged = formulas, merged
    return info


def scan_workbook(source, *, budget: ReadBudget = DEFAULT_BUDGET) -> list[SheetInfo]:
    """The sheets of a workbook with their measured used ranges (nothing is read into memory).

    >>> [(s.name, s.used_range) for s in scan_workbook("sample_data/county.xlsx")][:2]
    [('支部', 'A1:H301'), ('党员', 'A1:O6642')]
    """
    with zipfile.ZipFile(source) as zf:
        sheets = _sheet_list(zf)
        for info in sheets:
            info.xml_bytes = zf.getinfo(info.part).file_size
            scan_sheet(zf, info)
    return sheets


def read_workbooks(books: list[tuple[str, object]], log: ProblemLog, *, budget: ReadBudget,
                   include_hidden: bool = False, folder: str = "") -> dict[str, RawTable]:
    """Read several workbooks (a folder of township workbooks) into one set of tables."""
    chunks: dict[str, list[_Chunk]] = {}
    for name, source in books:
        log.sources.setdefault(name, source)
        for table, found in _workbook_chunks(name, source, log, budget=budget,
                                             include_hidden=include_hidden).items():
            chunks.setdefault(table, []).extend(found)
    out: dict[str, RawTable] = {}
    where = f"{folder}/" if folder else (books[0][0] if books else "")
    for table in TABLES:
        found = chunks.get(table, [])
        if not found:
            if TABLES[table].required and not log.rows:
                log.add(where, "data_missing_sheet", table=table_label(table),
                        names=" / ".join(table_file_names(table)[:2]))
            continue
        raw = _assemble(found, table, log)
        if raw is not None:
            out[table] = raw
    return out


def read_workbook(path, log: ProblemLog, *, budget: ReadBudget = DEFAULT_BUDGET,
                  include_hidden: bool = False, name: str | None = None) -> dict[str, RawTable]:
    """Read one workbook (a path, or bytes of an upload named ``name``)."""
    name = name or Path(path).name
    return read_workbooks([(name, path)], log, budget=budget, include_hidden=include_hidden)


def _workbook_chunks(name: str, source, log: ProblemLog, *, budget: ReadBudget,
                     include_hidden: bool) -> dict[str, list[_Chunk]]:
    where = Where(name, name)
    try:
        size = len(source) if isinstance(source, (bytes, bytearray)) else Path(source).stat().st_size
        if size > budget.max_file_bytes:
            log.add(where, "data_file_too_large", size=_mb(size), limit=_mb(budget.max_file_bytes))
            return {}
        handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else open(source, "rb")
    except OSError as exc:
        log.add(where, "data_os_error", reason=exc.strerror or str(exc))
        return {}
    with handle:
        magic = handle.read(8)
        handle.seek(0)
        if magic.startswith(b"\xd0\xcf\x11\xe0"):
            log.add(where, "data_xls_or_encrypted")
            return {}
        try:
            with zipfile.ZipFile(handle) as zf:
                plan = _plan_workbook(zf, name, log, budget=budget, include_hidden=include_hidden)
                if plan is None:
                    return {}
                handle.seek(0)
                return _read_planned(handle, name, plan, log, budget=budget)
        except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, KeyError, ValueError,
                NotImplementedError, OSError, RuntimeError) as exc:
            reason = "damaged" if isinstance(exc, (zipfile.BadZipFile, EOFError)) else type(exc).__name__
            log.add(where, "data_not_a_workbook", reason=f"{reason}: {str(exc)[:80]}")
            return {}


def _plan_workbook(zf: zipfile.ZipFile, name: str, log: ProblemLog, *, budget: ReadBudget,
                   include_hidden: bool) -> list[tuple[SheetInfo, str | None]] | None:
    """Which sheets to read (and as which table), measured against the budget before reading."""
    where = Where(name, name)
    sheets = _sheet_list(zf)
    if not sheets:
        log.add(where, "data_not_a_workbook", reason="no worksheets")
        return None
    plan: list[tuple[SheetInfo, str | None]] = []
    for info in sheets:
        if info.part not in zf.NameToInfo:
            continue  # a chart sheet or a dangling reference
        table = table_of_name(info.name)
        if table is None and normalize_header(info.name) in _INSTRUCTIONS:
            continue  # the template's instructions
        if info.state != "visible" and not include_hidden:
            log.warn(Where(name, name, info.name), "data_hidden_sheet_ignored", severity="warning",
                     sheet_name=info.name,
                     table=table_label(table) if table else Localized("-", "-"))
            continue
        info.xml_bytes = zf.getinfo(info.part).file_size
        plan.append((info, table))
    shared = [n for n in ("xl/sharedStrings.xml", "xl/styles.xml") if n in zf.NameToInfo]
    xml_total = sum(i.xml_bytes for i, _ in plan) + sum(zf.getinfo(n).file_size for n in shared)
    if xml_total > budget.max_xml_bytes:
        log.add(where, "data_workbook_too_large", size=_mb(xml_total), limit=_mb(budget.max_xml_bytes))
        return None
    cells_total = 0
    chosen = []
    for info, table in plan:
        scan_sheet(zf, info)
        if info.used_cells > budget.max_cells:
            key = "data_sheet_too_large" if table else "data_other_sheet_too_large"
            target = log.add if table else (lambda *a, **k: log.warn(*a, severity="warning", **k))
            target(Where(name, name, info.name), key, sheet_name=info.name, used=info.used_range,
                   rows=f"{info.rows:,}", columns=f"{info.columns:,}", n=f"{info.used_cells:,}",
                   limit=f"{budget.max_cells:,}")
            continue
        cells_total += info.used_cells
        chosen.append((info, table))
    if cells_total > budget.max_cells:
        log.add(where, "data_workbook_too_many_cells", n=f"{cells_total:,}", limit=f"{budget.max_cells:,}")
        return None
    if log.rows:
        return None
    for part in shared:  # stream them to check the zip (a lying size fails its CRC here)
        with zf.open(part) as stream:
            while stream.read(1 << 20):
                pass
    return chosen


def _cell_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)


def _text_column(values: tuple) -> pd.Series:
    """A column of cell values (text, numbers, dates) as text, vectorised for the common cases."""
    kinds = set(map(type, values))
    if kinds <= {str}:
        return pd.Series(pd.array(list(values), dtype=_TEXT)).str.strip()
    if kinds <= {float, int}:
        arr = np.asarray(values, dtype="float64")
        whole = np.isfinite(arr) & (arr == np.floor(arr)) & (np.abs(arr) < 1e15)
        text = arr.astype(str).astype(object)
        text[whole] = arr[whole].astype(np.int64).astype(str)
        return pd.Series(pd.array(text, dtype=_TEXT))
    if kinds <= {dt.date, str} and dt.date in kinds:
        # days since 1970 from the ordinals (numpy's conversion of date objects is ten times slower)
        ordinals = np.fromiter((v.toordinal() if type(v) is dt.date else 0 for v in values), dtype=np.int64,
                               count=len(values))
        strings = ordinals == 0
        text = (ordinals - _UNIX_ORDINAL).astype("datetime64[D]").astype(str).astype(object)
        if strings.any():
            text[strings] = [v.strip() for v, s in zip(values, strings) if s]
        return pd.Series(pd.array(text, dtype=_TEXT))
    return pd.Series(pd.array([v.strip() if type(v) is str else _cell_text(v) for v in values], dtype=_TEXT))


def _read_planned(handle, name: str, plan: list[tuple[SheetInfo, str | None]], log: ProblemLog, *,
                  budget: ReadBudget) -> dict[str, list[_Chunk]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(handle)
    except Exception as exc:  # calamine's own error types (ZipError, XmlError, PasswordError ...)
        log.add(Where(name, name), "data_not_a_workbook", reason=f"{type(exc).__name__}: {str(exc)[:80]}")
        return {}
    out: dict[str, list[_Chunk]] = {}
    for info, table in plan:
        where = Where(name, name, info.name)
        try:
            sheet = book.get_sheet_by_name(info.name)
            values = sheet.to_python(skip_empty_area=True) if info.cells else []
            top, left = sheet.start if values else (0, 0)
        except Exception as exc:  # a damaged sheet
            log.add(where, "data_not_a_workbook", reason=f"{info.name}: {type(exc).__name__}: {str(exc)[:80]}")
            continue
        rows = values  # raw values (str, float, date ...): converted to text per column below
        width = max((len(r) for r in rows), default=0)
        if not rows:
            if table:
                log.add(where, "data_sheet_empty", sheet_name=info.name)
            continue
        # merged cells: each covered cell reads the value of the first
        merged_note: list[tuple[str, int]] = []  # (range, last row)
        for r1, c1, r2, c2 in info.merged:
            first = (r1 - 1 - top, c1 - 1 - left)
            if not (0 <= first[0] < len(rows) and 0 <= first[1] < width):
                continue
            value = rows[first[0]][first[1]] if first[1] < len(rows[first[0]]) else ""
            for r in range(max(r1 - 1 - top, 0), min(r2 - top, len(rows))):
                for c in range(max(c1 - 1 - left, 0), min(c2 - left, width)):
                    if len(rows[r]) < width:
                        rows[r].extend([""] * (width - len(rows[r])))
                    rows[r][c] = value
            merged_note.append((f"{column_letter(c1 - 1)}{r1}:{column_letter(c2 - 1)}{r2}", r2))
        head = [[v.strip() if type(v) is str else _cell_text(v) for v in row]
                for row in rows[: budget.header_rows]]
        found, header_at = find_header(head, table, budget.header_rows)
        if found is None:
            if table:
                expected = "、".join(c.zh for c in TABLES[table].columns if c.required)
                log.add(where, "data_no_header_row", sheet_name=info.name, n=budget.header_rows,
                        expected=expected)
            else:
                log.warn(where, "data_sheet_not_a_table", severity="note", sheet_name=info.name)
            continue
        header = head[header_at] + [""] * (width - len(head[header_at]))
        body = rows[header_at + 1:]
        padded = [r if len(r) == width else r + [""] * (width - len(r)) for r in body]
        columns = list(zip(*padded)) if padded else [()] * width
        frame = pd.DataFrame({j: _text_column(columns[j]) for j in range(width)},
                             index=pd.RangeIndex(len(body)))
        del padded, columns, rows, values
        excel_rows = np.arange(len(body), dtype=np.int64) + top + header_at + 2
        letters = [column_letter(left + j) for j in range(width)]
        header_row_excel = top + header_at + 1
        chunk = _Chunk(name, info.name, f"{name}[{info.name}]", header, letters, frame, excel_rows,
                       header_row=header_row_excel)
        # merged cells below the header: accepted (each row reads the first cell's value), said so
        data_merges = [ref for ref, last in merged_note if last > header_row_excel]
        if data_merges:
            log.warn(where, "data_merged_cells", severity="note", n=len(data_merges),
                     ranges=", ".join(data_merges[:6]))
        # formulas without a saved result read as empty: say why at their cells
        empty_formulas = [(r, c) for r, c, has_value in info.formulas if not has_value and r > header_row_excel]
        for r, c in empty_formulas[:50]:
            pos, hpos = r - header_row_excel - 1, c - left
            if 0 <= hpos < width:
                chunk.explained.add((pos, hpos))
            log.add(Where(chunk.label, name, info.name, r, f"{info.name}!{column_letter(c)}{r}",
                          str(header[hpos]) if 0 <= hpos < width else ""), "data_formula_no_value")
        with_value = sum(1 for r, c, has_value in info.formulas if has_value and r > header_row_excel)
        if with_value:
            log.warn(where, "data_formulas_used", severity="note", n=with_value)
        if table is not None and any(c.sheet != info.name and table_of_name(c.sheet) == table
                                     for c in out.get(found, [])):
            others = [c.sheet for c in out[found] if table_of_name(c.sheet) == table]
            log.add(where, "data_table_twice", table=table_label(found),
                    names=", ".join([*others, info.name]))
            continue
        out.setdefault(found, []).append(chunk)
    return out


