"""BranchData: the six validated tables of a county (plus optional yearly outcomes)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tempfile
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ..files import atomic_path
from .errors import DataError, ProblemLog
from .readers import RawTable, match_table_name, read_csv_bytes, read_source, read_workbook, table_file_names
from .schema import REQUIRED_TABLES, TABLE_ORDER, TABLES, VALUE_ALIASES
from .validate import empty_table, validate_tables

__all__ = ["BranchData", "load", "load_files"]


@dataclasses.dataclass(frozen=True, eq=False)
class BranchData:
    """The validated tables of one county (or province), immutable by convention.

    Build it with :func:`load` (files) or :meth:`from_frames` (DataFrames);
    both validate. Operations that change data (scenarios) return a new
    BranchData through :meth:`replace`.

    >>> import workbench as wb
    >>> data = wb.load("sample_data")
    >>> sorted(data.branches.columns)[:3]
    ['branch_id', 'collective_income', 'committee_elected']
    """

    branches: pd.DataFrame
    members: pd.DataFrame
    meetings: pd.DataFrame
    trainings: pd.DataFrame
    inspections: pd.DataFrame
    problems: pd.DataFrame
    outcomes: pd.DataFrame = dataclasses.field(default_factory=lambda: empty_table("outcomes"))
    source: str = ""

    # ---------------------------------------------------------------- building
    @classmethod
    def from_frames(cls, *, today: dt.date | None = None, source: str = "frames",
                    **frames: pd.DataFrame) -> BranchData:
        """Validate DataFrames (English or Chinese headers) and build BranchData.

        >>> import workbench as wb
        >>> d = wb.load("sample_data")
        >>> wb.BranchData.from_frames(**d.tables()).equals(d)
        True
        """
        unknown = set(frames) - set(TABLES)
        if unknown:
            raise TypeError(f"unknown tables {sorted(unknown)}; expected {list(TABLES)}")
        log = ProblemLog(source)
        raw = {}
        for name in TABLES:
            if name in frames and frames[name] is not None:
                raw[name] = RawTable(name, name, frames[name].reset_index(drop=True), typed=True)
            elif TABLES[name].required:
                log.add(name, f"missing table {name!r}")
        return _build(raw, log, today=today, source=source)

    def replace(self, **tables: pd.DataFrame) -> BranchData:
        """A copy with some tables replaced (not re-validated: for trusted code paths)."""
        return dataclasses.replace(self, **tables)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in schema order."""
        return {name: getattr(self, name) for name in TABLE_ORDER}

    # ------------------------------------------------------------------ facts
    @cached_property
    def _codes_cache(self) -> dict:
        return {}

    def codes(self, table: str, column: str) -> np.ndarray:
        """Positions of ``table[column]`` in the table it refers to (-1 when unknown).

        ``codes("members", "branch_id")`` gives each member's row in
        ``branches``; ``codes("trainings", "member_id")`` each training's row in
        ``members``. Computed once per BranchData with Arrow's hash lookup (much
        faster than a pandas string index on millions of rows) and cached:
        the derivations of every period and every scheme reuse them.
        """
        key = (table, column)
        cache = self._codes_cache
        if key not in cache:
            ref = next((r for r in TABLES[table].references if r.column == column), None)
            if ref is None:
                raise KeyError(f"{table}.{column} does not refer to another table")
            values = pa.array(getattr(self, table)[column], type=pa.large_string())
            keys = pa.array(getattr(self, ref.table)[ref.target], type=pa.large_string())
            found = pc.index_in(values, value_set=keys)
            cache[key] = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        return cache[key]

    @property
    def periods(self) -> list[int]:
        """Years that have activity records (meetings, trainings or inspections)."""
        years: set[int] = set()
        for name, col in (("meetings", "date"), ("trainings", "date"), ("inspections", "date")):
            years.update(getattr(self, name)[col].dt.year.dropna().astype(int).unique().tolist())
        return sorted(years)

    def outcomes_for(self, year: int) -> pd.DataFrame:
        """Collective income, satisfaction and weak-and-lax flag per branch for ``year``.

        Taken from the ``outcomes`` table when it has that year, else from the
        single-year columns of ``branches``. Indexed by branch_id over all branches.
        """
        index = pd.Index(self.branches["branch_id"], name="branch_id")
        rows = self.outcomes[self.outcomes["year"] == year]
        if len(rows):
            out = rows.set_index("branch_id")[["collective_income", "satisfaction", "weak_lax"]]
            out = out.reindex(index)
            out["weak_lax"] = out["weak_lax"].fillna(False).astype(bool)
            return out
        b = self.branches.set_index("branch_id")
        return pd.DataFrame({
            "collective_income": b["collective_income"].astype("float64"),
            "satisfaction": b["satisfaction"].astype("float64"),
            "weak_lax": False,
        }, index=index)

    def summary(self) -> pd.DataFrame:
        """Rows and date range per table."""
        rows = []
        for name, frame in self.tables().items():
            dates = [c.name for c in TABLES[name].columns if c.kind == "date"]
            first = min((frame[c].min() for c in dates if frame[c].notna().any()), default=pd.NaT)
            last = max((frame[c].max() for c in dates if frame[c].notna().any()), default=pd.NaT)
            rows.append({"table": name, "表": TABLES[name].zh, "rows": len(frame),
                         "first_date": first, "last_date": last})
        return pd.DataFrame(rows)

    def equals(self, other: object) -> bool:
        if not isinstance(other, BranchData):
            return False
        return all(
            _frame_equal(getattr(self, name), getattr(other, name)) for name in TABLE_ORDER
        )


    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(getattr(self, n))}" for n in TABLE_ORDER)
        return f"BranchData({sizes}{', source=' + repr(self.source) if self.source else ''})"

    # ---------------------------------------------------------------- writing
    def to_csv(self, folder: str | os.PathLike, *, lang: str = "en", encoding: str = "utf-8") -> Path:
        """Write one CSV per table (``lang="zh"``: Chinese headers and values)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in self.tables().items():
            if name == "outcomes" and frame.empty:
                continue
            fname = f"{TABLES[name].zh if lang == 'zh' else name}.csv"
            with atomic_path(folder / fname) as tmp:
                out = _export_frame(name, frame, lang)
                if encoding.replace("_", "-").lower() == "utf-8":
                    _write_csv_arrow(out, tmp)
                else:
                    out.to_csv(tmp, index=False, encoding=encoding, date_format="%Y-%m-%d")
        return folder

    def to_excel(self, path: str | os.PathLike, *, lang: str = "zh") -> Path:
        """Write one workbook, a sheet per table (Chinese headers and values by default)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                for name, frame in self.tables().items():
                    if name == "outcomes" and frame.empty:
                        continue
                    sheet = TABLES[name].zh if lang == "zh" else name
                    _export_frame(name, frame, lang, excel=True).to_excel(writer, sheet_name=sheet,
                                                                           index=False)
        return path

    def to_parquet(self, folder: str | os.PathLike) -> Path:
        """Write one Parquet file per table (typed; the fastest to load)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in self.tables().items():
            if name == "outcomes" and frame.empty:
                continue
            with atomic_path(folder / f"{name}.parquet") as tmp:
                frame.to_parquet(tmp, index=False)
        return folder


def _write_csv_arrow(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV through Arrow's writer (ten times pandas' to_csv on millions of rows).

    Dates are written as YYYY-MM-DD, categories as their values, missing values as empty cells.
    """
    columns = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            columns[col] = pa.array(values.to_numpy().astype("datetime64[D]"), mask=values.isna().to_numpy())
        elif isinstance(values.dtype, pd.CategoricalDtype):
            columns[col] = pa.array(values.astype(object).to_numpy(), type=pa.string(), from_pandas=True)
        else:
            columns[col] = pa.array(values, from_pandas=True)
    pa_csv.write_csv(pa.table(columns), path, pa_csv.WriteOptions(quoting_style="needed"))


def _frame_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                      check_dtype=True, check_exact=False, rtol=1e-9)
        return True
    except AssertionError:
        return False


_PREFERRED_ZH = {}
for _key, _aliases in VALUE_ALIASES.items():
    for _zh, _en in _aliases.items():
        if _zh.isascii():
            continue
        _PREFERRED_ZH.setdefault((_key, _en), _zh)


def _export_frame(name: str, frame: pd.DataFrame, lang: str, *, excel: bool = False) -> pd.DataFrame:
    out = frame.copy()
    if excel:
        for col in TABLES[name].columns:
            if col.kind == "date":
                out[col.name] = out[col.name].astype("datetime64[us]")
    if lang != "zh":
        return out
    for col in TABLES[name].columns:
        if col.kind == "category" and col.aliases:
            mapping = {v: _PREFERRED_ZH.get((col.aliases, v), v) for v in col.allowed}
            out[col.name] = out[col.name].astype(object).map(mapping)
        elif col.kind == "bool":
            out[col.name] = np.where(out[col.name].to_numpy(dtype=bool), "是", "否")
    return out.rename(columns={c.name: c.zh for c in TABLES[name].columns})


def _build(raw: dict[str, RawTable], log: ProblemLog, *, today, source: str) -> BranchData:
    typed = validate_tables(raw, log, today=today)
    log.raise_if_any()
    for name in REQUIRED_TABLES:
        if name not in typed:  # pragma: no cover - logged above
            raise DataError(pd.DataFrame([{"file": name, "row": None, "column": "", "value": "",
                                           "message": "missing table"}]))
    tables = {name: typed.get(name, empty_table(name)) for name in TABLE_ORDER}
    return BranchData(**tables, source=source)


def load(path: str | os.PathLike, *, today: dt.date | None = None) -> BranchData:
    """Load and validate a county's tables.

    ``path`` is a folder of CSV files (``branches.csv`` ... or Chinese names
    such as ``支部.csv``), a folder of Parquet files, or one ``.xlsx`` workbook
    with a sheet per table. Headers may be English identifiers or Chinese.
    CSV may be UTF-8 (with or without BOM) or GBK / GB18030.

    Raises :class:`DataError` listing every problem; nothing is half-loaded.
    ``today`` (default: the current date) is the limit for dates in the future.

    >>> import workbench as wb
    >>> data = wb.load("sample_data")
    >>> len(data.branches) > 200
    True
    """
    path = Path(path)
    log = ProblemLog(str(path))
    raw = read_source(path, log)
    if log:  # unreadable files: report them before typing the rest
        log.raise_if_any()
    return _build(raw, log, today=today, source=str(path))


def load_files(files: dict[str, bytes], *, today: dt.date | None = None, source: str = "upload"
               ) -> BranchData:
    """Load uploaded files: CSV files (one per table) or a single .xlsx workbook.

    ``files`` maps file names to their bytes, as a browser upload gives them.
    """
    log = ProblemLog(source)
    names = list(files)
    workbooks = [n for n in names if n.lower().endswith((".xlsx", ".xlsm"))]
    raw: dict[str, RawTable] = {}
    if workbooks:
        if len(files) > 1:
            log.add(source, "upload either one .xlsx workbook or the CSV files, not both")
            log.raise_if_any()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(workbooks[0]).name
            path.write_bytes(files[workbooks[0]])
            raw = read_workbook(path, log)
    else:
        for table in TABLES:
            found = [n for n in names if match_table_name(Path(n).stem, table)]
            if not found:
                if TABLES[table].required:
                    log.add(source, f"missing table {table!r}: upload a file named "
                            f"{table_file_names(table)[0]}.csv or {table_file_names(table)[1]}.csv")
                continue
            frame = read_csv_bytes(files[found[0]], Path(found[0]).name, log)
            if frame is not None:
                raw[table] = RawTable(table, Path(found[0]).name, frame)
        stray = [n for n in names if not any(match_table_name(Path(n).stem, t) for t in TABLES)]
        for n in stray:
            log.add(Path(n).name, "not one of the tables (branches, members, meetings, trainings, "
                    "inspections, problems, outcomes)")
    if log:
        log.raise_if_any()
    return _build(raw, log, today=today, source=source)
