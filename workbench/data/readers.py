"""Read raw tables from CSV folders, Excel workbooks (or folders of them) and Parquet folders.

This module holds what every source shares (finding the header row, mapping
headers, skipping blank and totals rows, where each row came from), the CSV
and Parquet readers; workbooks are read by
:mod:`workbench.data.workbook`, and :mod:`workbench.data.sources` picks the reader.

Readers turn bytes into frames of text, find the header row under titles and
notes, skip blank, totals and footer rows, map the headers to our columns and
remember where each row came from (workbook, sheet, Excel row, column letter)
so that every message names the cell the clerk sees. Typing and checking the
cells is ``validate``'s work. Every failure goes into the ProblemLog.

Reading is bounded (:class:`ReadBudget`): a workbook's parts are measured
before anything is read (the used range of a sheet from its XML, streamed), a
CSV file's size and columns from its first bytes, and only then read
(calamine for workbooks, Arrow's streaming reader for CSV).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from ..files import MANIFEST_NAME, ManifestError, read_folder_manifest
from .errors import Localized, ProblemLog, Where
from .schema import (
    TABLES,
    header_aliases,
    header_variants,
    is_ignored_header,
    normalize_header,
)

__all__ = [
    "RawTable",
    "ReadBudget",
    "DEFAULT_BUDGET",
    "read_csv_table",
    "read_csv_bytes",
    "detect_encoding",
    "table_file_names",
    "column_letter",
]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t", "|")
HEAD_BYTES = 1 << 16
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
_UNIX_ORDINAL = dt.date(1970, 1, 1).toordinal()

# A row whose first cells say 合计 / 总计 / 小计 / 共N条: a totals row, not a record.
# (written for RE2 too, so that Arrow matches whole columns: no \s, \d or \b)
TOTALS = re.compile("(?i)^[ \u3000]*(?:合[ \u3000]*计|总[ \u3000]*计|小[ \u3000]*计|共[ \u3000]*计|累[ \u3000]*计|总[ \u3000]*数|"
                    "共[ \u3000]*[0-9]+[ \u3000]*[条个人项]|(?:sub)?totals?(?:[^a-z]|$)|sum(?:[^a-z]|$))")
# Lines clerks put under a table: who filled it in, who checked it, a phone number.
FOOTER = re.compile("^[ \u3000]*(填表人|填报人|制表人|审核人|审批人|负责人|联系人|联系电话|填表日期|填报日期|"
                    "注[:：]|说明[:：]|备注[:：])")
# A quote put before a value that a spreadsheet would read as a formula (see files.write_csv).
QUOTED_FORMULA = re.compile(r"^'(?='*[=+\-@\t\r])")


@dataclass(frozen=True)
class ReadBudget:
    """How much a file may hold before it is refused without being read.

    ``max_file_bytes``: a CSV file or a workbook on disk. ``max_xml_bytes``:
    the uncompressed parts of a workbook that are read (its table sheets and
    shared strings). ``max_cells``: the used range (rows x columns) of the
    sheets read, or the cells of one CSV file. ``max_columns``: the columns of
    a table. Each is checked before the reading that it guards.

    >>> ReadBudget().max_cells
    4000000
    """

    max_file_bytes: int = 256 * 2**20
    max_xml_bytes: int = 512 * 2**20
    max_cells: int = 4_000_000
    max_columns: int = 512
    header_rows: int = 30


DEFAULT_BUDGET = ReadBudget()


def column_letter(index: int) -> str:
    """Excel's letters for a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(16383)
    ('A', 'Z', 'AA', 'XFD')
    """
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


# ------------------------------------------------------------------- raw tables

@dataclass
class SheetPart:
    """Rows ``start .. start+len(rows)`` of a combined table came from this sheet or file."""

    workbook: str
    sheet: str
    label: str
    start: int
    rows: np.ndarray
    letters: dict[str, str]   # our column -> Excel letter
    headers: dict[str, str]   # our column -> header as written


@dataclass
class RawTable:
    """A table as read: ``frame`` (text, or typed for Parquet and DataFrames) and where it came from.

    When ``mapped`` the frame's columns are already our identifiers; ``parts``
    say which workbook, sheet and Excel row each record came from.
    """

    name: str
    file: str
    frame: pd.DataFrame
    typed: bool = False
    parts: list[SheetPart] = field(default_factory=list)
    mapped: bool = False
    explained: set = field(default_factory=set)  # (position, column) whose problem is already reported
    skipped_blank: int = 0
    skipped_totals: int = 0

    def where(self, positions, column: str = "") -> list[Where]:
        """The place of each record position (and ``column``) as the clerk sees it."""
        positions = np.asarray(positions, dtype=np.int64)
        if not self.parts:
            return [Where(self.file, row=int(p) + 2, header=column) for p in positions]
        starts = np.array([p.start for p in self.parts])
        which = np.searchsorted(starts, positions, side="right") - 1
        out = []
        for pos, k in zip(positions.tolist(), which.tolist()):
            part = self.parts[k]
            row = int(part.rows[pos - part.start])
            letter = part.letters.get(column, "")
            cell = ""
            if letter:
                cell = f"{part.sheet}!{letter}{row}" if part.sheet else f"{letter}{row}"
            out.append(Where(part.label, part.workbook, part.sheet, row, cell,
                             part.headers.get(column, column)))
        return out

    def column_where(self, column: str) -> Where:
        """The place of a whole column (its header cell in the first part)."""
        if not self.parts:
            return Where(self.file, header=column)
        part = self.parts[0]
        return Where(part.label, part.workbook, part.sheet, header=part.headers.get(column, column))

    def header_written(self, column: str) -> str:
        return self.parts[0].headers.get(column, column) if self.parts else column


def table_file_names(table: str) -> list[str]:
    """Accepted base names for a table's file or sheet: English, Chinese, others."""
    schema = TABLES[table]
    return [schema.name, schema.zh, *schema.other_names]


def table_label(table: str) -> Localized:
    return Localized(TABLES[table].zh, table)


def match_table_name(stem: str, table: str) -> bool:
    names = {normalize_header(n) for n in table_file_names(table)}
    return any(v in names for v in header_variants(stem))


def table_of_name(stem: str) -> str | None:
    for table in TABLES:
        if match_table_name(stem, table):
            return table
    return None


# ---------------------------------------------------------------- header rows

@dataclass
class HeaderMap:
    columns: dict[int, str]        # position -> our column
    ignored: list[int]
    unknown: list[int]
    duplicates: list[tuple[int, str]]
    missing: list[str]


def map_headers(table: str, headers: list[str]) -> HeaderMap:
    """Map headers as written (a row of a sheet) to the columns of ``table``."""
    aliases = header_aliases(table)
    columns: dict[int, str] = {}
    ignored, unknown, duplicates = [], [], []
    for pos, text in enumerate(headers):
        if not str(text).strip():
            continue
        target = next((aliases[v] for v in header_variants(text) if v in aliases), None)
        if target is None:
            (ignored if is_ignored_header(text) else unknown).append(pos)
        elif target in columns.values():
            duplicates.append((pos, target))
        else:
            columns[pos] = target
    missing = [c.name for c in TABLES[table].columns if c.required and c.name not in columns.values()]
    return HeaderMap(columns, ignored, unknown, duplicates, missing)


def _header_score(table: str, row: list[str]) -> int:
    aliases = header_aliases(table)
    found = set()
    for text in row:
        if text:
            target = next((aliases[v] for v in header_variants(text) if v in aliases), None)
            if target:
                found.add(target)
    return len(found)


def find_header(rows: list[list[str]], table: str | None, limit: int) -> tuple[str | None, int | None]:
    """The table and the index of its header row among the first ``limit`` rows.

    A header row names at least half of the table's required columns (two at
    least); the row naming the most wins, the first of equals.
    """
    candidates = [table] if table else list(TABLES)
    best: tuple[int, int, str | None, int | None] = (0, 0, None, None)
    for name in candidates:
        required = [c for c in TABLES[name].columns if c.required]
        need = max(2, (len(required) + 1) // 2)
        for i, row in enumerate(rows[:limit]):
            score = _header_score(name, row)
            if score < need:
                continue
            complete = int(table is not None or not map_headers(name, row).missing)
            if (complete, score) > best[:2]:
                best = (complete, score, name, i)
    if best[2] is None or (table is None and not best[0]):
        return None, None
    return best[2], best[3]


# ------------------------------------------------------------------- dispatch

def check_manifest(folder: Path, log: ProblemLog) -> bool:
    """False (and a problem logged) when the folder's manifest says a write did not finish."""
    try:
        doc = read_folder_manifest(folder)
    except ManifestError as exc:
        log.add(f"{folder.name}/", "data_manifest_incomplete", manifest=MANIFEST_NAME, reason=exc.reason)
        return False
    for name in (doc or {}).get("changed", [])[:20]:
        log.warn(name, "data_manifest_changed", severity="note", name=name)
    for name in (doc or {}).get("removed", [])[:20]:
        log.warn(name, "data_manifest_removed", severity="note", name=name)
    if (folder / "dataset.json").is_file():
        return _check_partitioned(folder, log)
    return True


def _check_partitioned(folder: Path, log: ProblemLog) -> bool:
    import json

    try:
        doc = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
        parts = int(doc["partitions"])
        tables = list(doc.get("tables", []))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.add(f"{folder.name}/", "data_manifest_incomplete", manifest="dataset.json", reason=str(exc)[:80])
        return False
    for table in tables:
        for part in range(parts):
            p = folder / f"{table}.parquet" / f"part.{part:05d}.parquet"
            if not p.is_file():
                log.add(f"{folder.name}/", "data_manifest_incomplete", manifest="dataset.json",
                        reason=f"{p.relative_to(folder)} is missing")
                return False
    return True


# ------------------------------------------------------------------------- CSV

def detect_encoding(raw: bytes, *, complete: bool = True) -> str | None:
    """Name the text encoding of ``raw``: utf-8-sig, utf-16 or gb18030; None if binary.

    GB18030 is a superset of GBK and GB2312, which Excel on Chinese Windows writes.
    Encodings we do not read are named by :func:`encoding_problem`.

    >>> detect_encoding("支部编号".encode("gbk"))
    'gb18030'
    >>> detect_encoding("支部编号".encode("utf-8"))
    'utf-8-sig'
    """
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in raw[:HEAD_BYTES]:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(raw[:HEAD_BYTES],
                                                            final=complete and len(raw) <= HEAD_BYTES)
            if encoding == "gb18030" and raw.startswith(b"\xef\xbb\xbf"):
                return None  # a UTF-8 mark in front of GBK text: named by encoding_problem
            return encoding
        except UnicodeDecodeError:
            continue
    return None


def encoding_problem(raw: bytes) -> str:
    """The message key for text we do not read (UTF-32, a UTF-8 mark before GBK, binary)."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "data_encoding_utf32"
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            codecs.getincrementaldecoder("gb18030")().decode(raw[3:HEAD_BYTES], final=False)
            return "data_encoding_bom_gbk"
        except UnicodeDecodeError:
            pass
    if raw.startswith(b"PK\x03\x04"):
        return "data_csv_is_workbook"
    return "data_binary"


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _read_csv_folder(folder: Path, csvs: list[Path], log: ProblemLog, *,
                     budget: ReadBudget) -> dict[str, RawTable]:
    out: dict[str, RawTable] = {}
    for table in TABLES:
        found = [p for p in csvs if match_table_name(p.stem, table)]
        if not found:
            if TABLES[table].required:
                names = " / ".join(f"{n}.csv" for n in table_file_names(table)[:2])
                log.add(f"{folder.name}/", "data_missing_table_file", table=table_label(table), names=names)
            continue
        if len(found) > 1:
            log.add(f"{folder.name}/", "data_table_twice", table=table_label(table),
                    names=", ".join(p.name for p in found))
            continue
        raw = read_csv_table(found[0], log, table=table, budget=budget)
        if raw is not None:
            out[table] = raw
    for p in csvs:
        if table_of_name(p.stem) is None:
            log.warn(p.name, "data_file_not_a_table", severity="note")
    return out


def read_csv_table(path: Path, log: ProblemLog, *, table: str | None = None, label: str | None = None,
                   budget: ReadBudget = DEFAULT_BUDGET) -> RawTable | None:
    """Read one CSV file (sniffed from its first bytes, then streamed) as a table of text."""
    label = label or path.name
    table = table or table_of_name(path.stem)
    log.sources.setdefault(label, path)
    try:
        size = path.stat().st_size
        if size > budget.max_file_bytes:
            log.add(label, "data_file_too_large", size=_mb(size), limit=_mb(budget.max_file_bytes))
            return None
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
            return _read_csv_stream(handle, head, size, label, table, log, budget,
                                    native=lambda: pa.OSFile(str(path)))
    except OSError as exc:
        log.add(label, "data_os_error", reason=exc.strerror or str(exc))
        return None


def read_csv_bytes(raw: bytes, label: str, log: ProblemLog, *, table: str | None = None,
                   budget: ReadBudget = DEFAULT_BUDGET) -> RawTable | None:
    """Read a CSV upload held in memory (same checks as a file)."""
    if len(raw) > budget.max_file_bytes:
        log.add(label, "data_file_too_large", size=_mb(len(raw)), limit=_mb(budget.max_file_bytes))
        return None
    table = table or table_of_name(Path(label).stem)
    handle = io.BytesIO(raw)
    head = handle.read(HEAD_BYTES)
    return _read_csv_stream(handle, head, len(raw), label, table, log, budget,
                            native=lambda: pa.BufferReader(raw))


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n / 1024:,.0f} KB"


def _read_csv_stream(handle, head: bytes, size: int, label: str, table: str | None, log: ProblemLog,
                     budget: ReadBudget, *, native) -> RawTable | None:
    """Read a CSV from its first bytes (``head``) on; ``native()`` opens it for Arrow's reader.

    Arrow reads from its own file object (never from a Python one that its
    read-ahead threads could outlive), in blocks, and stops at the cell budget.
    """
    where = Where(label, label)
    if not head.strip():
        log.add(where, "data_empty_file")
        return None
    encoding = detect_encoding(head, complete=size <= len(head))
    if encoding is None:
        log.add(where, encoding_problem(head))
        return None
    text = codecs.getincrementaldecoder(encoding)().decode(head, final=size <= len(head))
    text = text.lstrip("\ufeff")
    newline = text.find("\n")
    first_line = text if newline < 0 else text[:newline]
    delimiter = _sniff_delimiter(first_line)
    if first_line.count(delimiter) + 1 > budget.max_columns or (newline < 0 and size > len(head)):
        n = first_line.count(delimiter) + 1
        log.add(where, "data_too_many_columns", n=f"{n:,}" + ("+" if newline < 0 else ""),
                limit=budget.max_columns)
        return None
    lines = text.splitlines()[: budget.header_rows + 1]
    if size > len(head):
        lines = lines[:-1]  # the last line of the head may be cut
    try:
        head_rows = [r for r in csv.reader(lines, delimiter=delimiter)]
    except csv.Error:
        head_rows = [line.split(delimiter) for line in lines]
    head_rows = [[c.strip() for c in r] for r in head_rows]
    found, header_at = find_header(head_rows, table, budget.header_rows)
    if found is None:
        if table is None:
            return None
        if len(head_rows) and len(head_rows[0]) == 1 and re.search(r"[ :]", head_rows[0][0] or ""):
            log.add(where, "data_single_column", value=head_rows[0][0][:60])
            return None
        header_at = 0
        found = table
    table = found
    headers = head_rows[header_at] if header_at < len(head_rows) else []
    n_cols = len(headers)
    # Arrow's streaming reader: blocks of 1 MB, every column as text
    skip_bom = 3 if encoding == "utf-8-sig" and head.startswith(b"\xef\xbb\xbf") else 0
    stream = native()
    if skip_bom:
        stream.seek(skip_bom)
    bad_rows: list[tuple[int | None, str]] = []
    notes: list[str] = []

    def on_invalid(row) -> str:
        if not row.text.strip(" ,;\t|\r\n") or FOOTER.match(row.text) or TOTALS.match(row.text):
            notes.append(row.text)
        else:
            bad_rows.append((row.number, row.text))
        return "skip"

    try:
        reader = pa_csv.open_csv(
            stream,
            read_options=pa_csv.ReadOptions(skip_rows=header_at + 1, autogenerate_column_names=True,
                                            block_size=1 << 20,
                                            encoding="utf8" if encoding == "utf-8-sig" else encoding),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                              ignore_empty_lines=False, invalid_row_handler=on_invalid),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(n_cols)},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
        batches, cells = [], 0
        try:
            for batch in reader:
                cells += batch.num_rows * max(n_cols, 1)
                if cells > budget.max_cells:
                    log.add(where, "data_csv_too_many_cells", n=f"{cells:,}", limit=f"{budget.max_cells:,}")
                    return None
                batches.append(batch)
        finally:
            reader.close()
            stream.close()
        frame = pa.Table.from_batches(batches, schema=reader.schema).to_pandas() if batches else \
            pd.DataFrame({f"f{i}": pd.Series([], dtype=str) for i in range(n_cols)})
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            frame = pd.DataFrame({f"f{i}": pd.Series([], dtype=str) for i in range(n_cols)})
        else:
            _report_ragged(handle, encoding, delimiter, label, log, exc, skip=header_at)
            return None
    except (UnicodeDecodeError, ValueError, pa.ArrowException) as exc:
        log.add(where, "data_csv_unreadable", reason=str(exc)[:120])
        return None
    if bad_rows:
        _report_ragged(handle, encoding, delimiter, label, log, None, skip=header_at,
                       expected=n_cols)
        return None
    if notes:
        log.warn(where, "data_rows_skipped_footer", severity="note", n=len(notes), value=notes[0][:60])
    frame.columns = range(frame.shape[1])
    # a column with no value at all comes back from Arrow as null (float), not text: nothing to unquote
    frame = frame.apply(lambda s: s.str.replace(QUOTED_FORMULA, "", regex=True)
                        if pd.api.types.is_string_dtype(s) and s.str.startswith("'").any() else s)
    rows = np.arange(len(frame)) + header_at + 2
    return _assemble([_Chunk(label, "", label, headers, [column_letter(i) for i in range(n_cols)],
                             frame, rows, header_row=header_at + 1)], table, log)


def _report_ragged(handle, encoding: str, delimiter: str, label: str, log: ProblemLog,
                   exc: Exception | None, *, skip: int = 0, expected: int | None = None) -> None:
    """Name the rows whose fields do not match the header (streamed with the csv module)."""
    handle.seek(0)
    stream = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
    reader = csv.reader(stream, delimiter=delimiter)
    bad = 0
    try:
        for _ in range(skip):
            next(reader, None)
        header = next(reader, [])
        n = expected or len(header)
        for fields in reader:
            if fields and len(fields) != n and any(f.strip() for f in fields):
                text = delimiter.join(fields)
                if FOOTER.match(text) or TOTALS.match(text):
                    continue
                bad += 1
                if bad <= 20:
                    log.add(Where(label, label, row=reader.line_num), "data_ragged_row",
                            value=text[:60], got=len(fields), expected=n)
        if bad:
            return
    except csv.Error as csv_exc:
        log.add(Where(label, label, row=reader.line_num), "data_csv_broken", reason=str(csv_exc)[:80])
        return
    finally:
        stream.detach()
    log.add(Where(label, label), "data_csv_unreadable", reason=str(exc)[:120] if exc else "")


# ------------------------------------------------------------------ assembling

@dataclass
class _Chunk:
    """The rows of one sheet (or CSV file) below its header, as text."""

    workbook: str
    sheet: str
    label: str
    headers: list[str]
    letters: list[str]
    frame: pd.DataFrame        # columns 0..n-1 as text
    rows: np.ndarray           # Excel row of each record
    header_row: int = 1        # Excel row of the header
    explained: set = field(default_factory=set)  # (local position, header position)


def _assemble(chunks: list[_Chunk], table: str, log: ProblemLog) -> RawTable | None:
    """Map each chunk's headers, drop blank / totals / footer rows, and stack the chunks."""
    frames, parts, explained = [], [], set()
    start = skipped_blank = skipped_totals = 0
    for chunk in chunks:
        hmap = map_headers(table, chunk.headers)
        where = Where(chunk.label, chunk.workbook, chunk.sheet)
        ok = True
        for pos, target in hmap.duplicates:
            first = next(p for p, t in hmap.columns.items() if t == target)
            log.add(_cell_where(chunk, pos), "data_header_twice", column=target,
                    other=chunk.headers[first], other_cell=_address(chunk, first))
            ok = False
        for col in hmap.missing:
            unknown = ", ".join(repr(chunk.headers[p]) for p in hmap.unknown[:6])
            log.add(where, "data_missing_column", column=col, header_zh=TABLES[table].column(col).zh,
                    unknown=unknown or "-")
            ok = False
        if not ok:
            continue
        for pos in hmap.unknown:
            values = chunk.frame[pos] if pos in chunk.frame.columns else pd.Series([], dtype=str)
            filled = int((values.astype(str).str.strip() != "").sum())
            log.warn(_cell_where(chunk, pos), "data_unknown_header", severity="warning",
                     value=chunk.headers[pos], n=filled)
        frame = chunk.frame
        keep = list(hmap.columns)
        data = frame[keep].copy()
        data.columns = [hmap.columns[p] for p in keep]
        data = data.fillna("")
        # blank rows (序号 / 备注 do not count), totals and footer rows
        blank = np.ones(len(data), dtype=bool)
        for col in data.columns:
            blank &= (data[col].astype(_TEXT).str.strip() == "").to_numpy()
        special = np.zeros(len(frame), dtype=bool)
        key = TABLES[table].keys[0]
        # a totals row names no record: its key cell is empty or the word itself
        key_text = data[key].astype(_TEXT).str.strip() if key in data.columns else None
        candidates = ~blank if key_text is None else ~blank & (
            (key_text == "") | key_text.str.match(TOTALS.pattern) | key_text.str.match(FOOTER.pattern)
        ).fillna(False).to_numpy()
        if candidates.any():
            first_cells = frame.iloc[np.flatnonzero(candidates), : min(4, frame.shape[1])].astype(_TEXT)
            hit = np.zeros(len(first_cells), dtype=bool)
            for j in range(first_cells.shape[1]):
                col = first_cells.iloc[:, j].str.strip()
                hit |= (col.str.match(TOTALS.pattern) | col.str.match(FOOTER.pattern)).fillna(False).to_numpy()
            special[np.flatnonzero(candidates)[hit]] = True
        drop = blank | special
        skipped_blank += int(blank.sum())
        skipped_totals += int(special.sum())
        if blank.any():
            _note_rows(log, where, "data_rows_skipped_blank", chunk.rows[blank])
        if special.any():
            _note_rows(log, where, "data_rows_skipped_totals", chunk.rows[special])
        kept = np.flatnonzero(~drop)
        data = data.iloc[kept].reset_index(drop=True)
        local = {int(p): i for i, p in enumerate(kept)}
        for pos, hpos in chunk.explained:
            if pos in local and hpos in hmap.columns:
                explained.add((start + local[pos], hmap.columns[hpos]))
        frames.append(data)
        parts.append(SheetPart(
            chunk.workbook, chunk.sheet, chunk.label, start, chunk.rows[kept],
            {hmap.columns[p]: chunk.letters[p] for p in keep},
            {hmap.columns[p]: str(chunk.headers[p]).replace("\n", " ").strip() for p in keep}))
        start += len(data)
    if not frames:
        return None
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    frame = pd.concat([f.reindex(columns=columns, fill_value="") for f in frames], ignore_index=True) \
        if len(frames) > 1 else frames[0]
    label = chunks[0].label if len(chunks) == 1 else f"{chunks[0].workbook}…"
    return RawTable(table, label, frame, parts=parts, mapped=True, explained=explained,
                    skipped_blank=skipped_blank, skipped_totals=skipped_totals)


def _address(chunk: _Chunk, pos: int) -> str:
    """The address of the header cell at ``pos`` (e.g. 党员!F3)."""
    letter = chunk.letters[pos] if pos < len(chunk.letters) else column_letter(pos)
    ref = f"{letter}{chunk.header_row}"
    return f"{chunk.sheet}!{ref}" if chunk.sheet else ref


def _cell_where(chunk: _Chunk, pos: int) -> Where:
    return Where(chunk.label, chunk.workbook, chunk.sheet, chunk.header_row, _address(chunk, pos),
                 str(chunk.headers[pos]).replace("\n", " "))


def _note_rows(log: ProblemLog, where: Where, key: str, rows: np.ndarray) -> None:
    shown = ", ".join(str(int(r)) for r in rows[:8]) + (" ..." if len(rows) > 8 else "")
    log.warn(where, key, severity="note", n=len(rows), rows=shown)


# --------------------------------------------------------------------- Parquet

def _read_parquet_folder(folder: Path, files: list[Path], log: ProblemLog) -> dict[str, RawTable]:
    out: dict[str, RawTable] = {}
    for table in TABLES:
        found = [p for p in files if p.suffix == ".parquet" and match_table_name(p.stem, table)]
        if not found:
            if TABLES[table].required:
                log.add(f"{folder.name}/", "data_missing_parquet", table=table_label(table), name=table)
            continue
        try:
            frame = pd.read_parquet(found[0])
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
            log.add(found[0].name, "data_parquet_unreadable", reason=str(exc)[:120])
            continue
        frame.columns = [str(c).strip() for c in frame.columns]
        out[table] = RawTable(table, found[0].name, frame, typed=True)
    return out
