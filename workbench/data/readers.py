"""Read raw tables from a CSV folder, an Excel workbook or a Parquet folder.

Readers only turn bytes into frames and report files that are not tables at
all; typing and checking the cells is ``validate``'s work. Every failure goes
into the ProblemLog (never a raw pandas / openpyxl traceback).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import ProblemLog
from .schema import TABLES, normalize_header

__all__ = ["RawTable", "read_source", "detect_encoding", "table_file_names"]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t", "|")


@dataclass
class RawTable:
    """A table as read: ``frame`` (strings, or typed for Parquet) and where it came from."""

    name: str
    file: str
    frame: pd.DataFrame
    typed: bool = False  # True when the file format carries types (Parquet)


def table_file_names(table: str) -> list[str]:
    """Accepted base names for a table's file or sheet: English, Chinese, others."""
    schema = TABLES[table]
    return [schema.name, schema.zh, *schema.other_names]


def match_table_name(stem: str, table: str) -> bool:
    key = normalize_header(stem)
    return key in {normalize_header(n) for n in table_file_names(table)}


def read_source(path: Path, log: ProblemLog) -> dict[str, RawTable]:
    """Read every table found at ``path`` (folder or workbook)."""
    path = Path(path)
    if not path.exists():
        log.add(str(path), "no such file or folder")
        return {}
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if not p.name.startswith((".", "~$")))
        parquet = [p for p in files if p.suffix == ".parquet"]
        if parquet:
            return _read_parquet_folder(path, parquet, log)
        return _read_csv_folder(path, files, log)
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return read_workbook(path, log)
    if suffix == ".xls":
        log.add(path.name, "old .xls workbooks are not supported; save it as .xlsx in Excel and load that")
        return {}
    if suffix in CSV_SUFFIXES:
        log.add(path.name, "a single CSV file holds one table; give the folder that holds all the "
                "tables (branches.csv, members.csv, ...)")
        return {}
    log.add(path.name, f"not a folder of CSV / Parquet files nor an .xlsx workbook (suffix {suffix or 'none'})")
    return {}


# --------------------------------------------------------------------------- CSV

def detect_encoding(raw: bytes) -> str | None:
    """Name the text encoding of ``raw``: utf-8-sig, utf-16 or gb18030; None if binary.

    GB18030 is a superset of GBK and GB2312, which Excel on Chinese Windows writes.

    >>> detect_encoding("支部编号".encode("gbk"))
    'gb18030'
    >>> detect_encoding("支部编号".encode("utf-8"))
    'utf-8-sig'
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in raw[:65536]:
        return None
    try:
        raw.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        return None


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _read_csv_folder(folder: Path, files: list[Path], log: ProblemLog) -> dict[str, RawTable]:
    out: dict[str, RawTable] = {}
    csvs = [p for p in files if p.suffix.lower() in CSV_SUFFIXES and p.is_file()]
    for table in TABLES:
        found = [p for p in csvs if match_table_name(p.stem, table)]
        if not found:
            if TABLES[table].required:
                names = " / ".join(f"{n}.csv" for n in table_file_names(table)[:2])
                log.add(f"{folder.name}/", f"missing table {table!r}: expected a file named {names}")
            continue
        if len(found) > 1:
            log.add(f"{folder.name}/", f"table {table!r} is given twice: "
                    + ", ".join(p.name for p in found) + "; keep one")
            continue
        frame = read_csv_table(found[0], log)
        if frame is not None:
            out[table] = RawTable(table, found[0].name, frame)
    return out


def read_csv_table(path: Path, log: ProblemLog, *, label: str | None = None) -> pd.DataFrame | None:
    """Read one CSV file as strings, detecting encoding and delimiter."""
    label = label or path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        log.add(label, f"cannot read the file: {exc.strerror or exc}")
        return None
    return read_csv_bytes(raw, label, log)


def read_csv_bytes(raw: bytes, label: str, log: ProblemLog) -> pd.DataFrame | None:
    if not raw.strip():
        log.add(label, "the file is empty; expected a header row and records")
        return None
    encoding = detect_encoding(raw)
    if encoding is None:
        log.add(label, "not a text table: the file is binary or in an unknown encoding "
                "(expected CSV in UTF-8 or GBK)")
        return None
    text = raw.decode(encoding)
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = _sniff_delimiter(first_line)
    utf8 = raw[3:] if encoding == "utf-8-sig" and raw.startswith(b"\xef\xbb\xbf") else \
        raw if encoding == "utf-8-sig" else text.lstrip("\ufeff").encode("utf-8")
    try:
        # Arrow's reader: six times faster than pandas' C parser on millions of rows
        frame = pd.read_csv(io.BytesIO(utf8), sep=delimiter, dtype=str, keep_default_na=False,
                            engine="pyarrow")
    except Exception:  # pyarrow.lib.ArrowInvalid: rows short of fields, unclosed quotes ...
        # pandas' own parser is lenient (short rows get empty cells), so the checks that follow can
        # still name missing columns and empty cells; only what it cannot read is reported as ragged
        try:
            frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                                na_filter=False, skipinitialspace=True, engine="c")
        except (pd.errors.ParserError, ValueError, csv.Error) as exc:
            _report_ragged(text, delimiter, label, log, exc)
            return None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.shape[1] == 1 and len(frame.columns[0]) > 0 and any(d in frame.columns[0] for d in " :"):
        # A "table" with one column whose header looks like prose.
        log.add(label, "the file has a single column; expected a table separated by commas "
                f"(header read as {frame.columns[0][:60]!r})")
        return None
    return frame


def _report_ragged(text: str, delimiter: str, label: str, log: ProblemLog, exc: Exception) -> None:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
        bad = 0
        for fields in reader:
            if fields and len(fields) != len(header):
                bad += 1
                if bad <= 20:
                    log.add(label, f"this row has {len(fields)} fields, the header has {len(header)}",
                            row=reader.line_num, value=delimiter.join(fields)[:60])
        if bad:
            return
    except csv.Error as csv_exc:
        log.add(label, f"the file is not valid CSV near line {reader.line_num}: {csv_exc} "
                "(an unclosed quote, or the file was cut off)", row=reader.line_num)
        return
    log.add(label, f"the file could not be read as CSV: {exc}")


# ------------------------------------------------------------------------ Excel

def read_workbook(path: Path, log: ProblemLog) -> dict[str, RawTable]:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl", na_filter=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        reason = "it is damaged or cut off" if isinstance(exc, (zipfile.BadZipFile, EOFError)) else str(exc)
        log.add(path.name, f"not a readable Excel workbook (.xlsx): {reason}")
        return {}
    except Exception as exc:  # openpyxl raises its own types for malformed parts
        log.add(path.name, f"not a readable Excel workbook (.xlsx): {type(exc).__name__}: {exc}")
        return {}
    out: dict[str, RawTable] = {}
    for table in TABLES:
        found = [s for s in sheets if match_table_name(s, table)]
        if not found:
            if TABLES[table].required:
                log.add(path.name, f"missing sheet for table {table!r}: expected a sheet named "
                        + " or ".join(repr(n) for n in table_file_names(table)[:2]))
            continue
        if len(found) > 1:
            log.add(path.name, f"table {table!r} is given by several sheets: {found}; keep one")
            continue
        frame = sheets[found[0]]
        frame.columns = [str(c).strip() for c in frame.columns]
        frame = frame.loc[:, [not c.startswith("Unnamed:") for c in frame.columns]]
        out[table] = RawTable(table, f"{path.name}[{found[0]}]", frame.fillna(""))
    return out


# ---------------------------------------------------------------------- Parquet

def _read_parquet_folder(folder: Path, files: list[Path], log: ProblemLog) -> dict[str, RawTable]:
    out: dict[str, RawTable] = {}
    for table in TABLES:
        found = [p for p in files if p.suffix == ".parquet" and match_table_name(p.stem, table)]
        if not found:
            if TABLES[table].required:
                log.add(f"{folder.name}/", f"missing table {table!r}: expected {table}.parquet")
            continue
        try:
            frame = pd.read_parquet(found[0])
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
            log.add(found[0].name, f"not a readable Parquet file: {exc}")
            continue
        frame.columns = [str(c).strip() for c in frame.columns]
        out[table] = RawTable(table, found[0].name, frame, typed=True)
    return out
