"""Where the tables come from: a folder of CSV, Parquet or workbooks, or one workbook (the dispatch)."""

from __future__ import annotations

from pathlib import Path

from .errors import ProblemLog
from .readers import (
    CSV_SUFFIXES,
    DEFAULT_BUDGET,
    EXCEL_SUFFIXES,
    RawTable,
    ReadBudget,
    _read_csv_folder,
    _read_parquet_folder,
    check_manifest,
)
from .workbook import read_workbook, read_workbooks

__all__ = ["read_source"]


def read_source(path: Path, log: ProblemLog, *, budget: ReadBudget = DEFAULT_BUDGET,
                include_hidden: bool = False) -> dict[str, RawTable]:
    """Read every table found at ``path`` (folder or workbook)."""
    path = Path(path)
    try:
        exists = path.exists()
    except OSError as exc:  # a name too long for the file system ...
        log.add(str(path)[:200], "data_os_error", reason=exc.strerror or str(exc))
        return {}
    if not exists:
        log.add(str(path)[:200], "data_no_such_path")
        return {}
    if path.is_dir():
        if not check_manifest(path, log):
            return {}
        try:
            files = sorted(p for p in path.iterdir() if not p.name.startswith((".", "~$")))
        except OSError as exc:
            log.add(path.name, "data_os_error", reason=exc.strerror or str(exc))
            return {}
        parquet = [p for p in files if p.suffix == ".parquet"]
        if parquet:
            return _read_parquet_folder(path, parquet, log)
        books = [p for p in files if p.suffix.lower() in EXCEL_SUFFIXES and p.is_file()]
        csvs = [p for p in files if p.suffix.lower() in CSV_SUFFIXES and p.is_file()]
        if books and not csvs:
            return read_workbooks([(p.name, p) for p in books], log, budget=budget,
                                  include_hidden=include_hidden, folder=path.name)
        return _read_csv_folder(path, csvs, log, budget=budget)
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return read_workbook(path, log, budget=budget, include_hidden=include_hidden)
    if suffix == ".xls":
        log.add(path.name, "data_xls_unsupported")
        return {}
    if suffix in CSV_SUFFIXES:
        log.add(path.name, "data_single_csv")
        return {}
    log.add(path.name, "data_unknown_kind", suffix=suffix or "-")
    return {}
