"""BranchData: the six validated tables of a county (plus optional yearly outcomes and assessor scores)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from functools import cached_property
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ..files import MANIFEST_NAME, atomic_folder, formula_safe, write_excel
from .errors import DataError, ProblemLog, render_problems
from .readers import (
    DEFAULT_BUDGET,
    RawTable,
    ReadBudget,
    match_table_name,
    read_csv_bytes,
    table_file_names,
    table_label,
)
from .schema import REQUIRED_TABLES, TABLE_ORDER, TABLES, VALUE_ALIASES
from .sources import read_source
from .validate import empty_table, validate_tables

__all__ = ["BranchData", "LoadSummary", "load", "load_files"]

#: Number formats of the data workbook (the stored values keep full precision).
NUMBER_FORMATS = {"collective_income": "0.00", "satisfaction": "0.0", "hours": "0.0", "score": "0.0",
                  "村集体经济收入": "0.00", "满意度": "0.0", "学时": "0.0", "得分": "0.0"}


@dataclasses.dataclass(frozen=True)
class LoadSummary:
    """What a successful load read: rows per table and sheet, skipped rows, and warnings.

    ``tables`` has one row per table: ``table``, ``表``, ``source`` (files or
    sheets), ``rows`` read, ``blank`` and ``totals`` rows skipped.
    :meth:`warnings` lists what was accepted but is worth a look (unrecognised
    optional headers, hidden sheets not read, merged cells ...).

    >>> import workbench as wb
    >>> summary = wb.load("sample_data/county.xlsx").intake
    >>> int(summary.tables.set_index("table").loc["branches", "rows"]) > 200
    True
    """

    source: str
    tables: pd.DataFrame
    warning_records: tuple = ()
    #: where each row of the small tables checked again later came from (the ``scores`` table: its
    #: items are known once a rule sheet is given): table -> the table as read
    places: Mapping = dataclasses.field(default_factory=dict)

    def warnings(self, lang: str = "en") -> pd.DataFrame:
        """Warnings and notes as a table (same columns as ``DataError.problems``) in ``lang``."""
        return render_problems(list(self.warning_records), lang)

    def render(self, lang: str = "en") -> str:
        """The summary as text lines (what ``workbench check`` prints)."""
        from ..i18n import tr

        lines = [tr("data_summary_title", lang) + f"：{self.source}" if lang == "zh" else
                 tr("data_summary_title", lang) + f": {self.source}"]
        for rec in self.tables.itertuples(index=False):
            name = rec.表 if lang == "zh" else rec.table
            extra = []
            if rec.blank:
                extra.append(f"{tr('data_summary_blank', lang)} {rec.blank}")
            if rec.totals:
                extra.append(f"{tr('data_summary_totals', lang)} {rec.totals}")
            more = f" ({', '.join(extra)})" if extra else ""
            lines.append(f"  {name:<12} {rec.rows:>8,}  {rec.source}{more}")
        warnings = self.warnings(lang)
        if len(warnings):
            lines.append(tr("data_warnings_head", lang, n=len(warnings)))
            from .errors import _line

            for rec in warnings.head(40).itertuples(index=False):
                lines.append("  - " + _line(rec, lang))
        return "\n".join(lines)


def _summary(raw: dict[str, RawTable], typed: dict[str, pd.DataFrame], log: ProblemLog, source: str
             ) -> LoadSummary:
    rows = []
    for name in TABLE_ORDER:
        table = raw.get(name)
        if table is None:
            continue
        sources = sorted({p.label for p in table.parts}) if table.parts else [table.file]
        shown = ", ".join(sources[:4]) + (f" (+{len(sources) - 4})" if len(sources) > 4 else "")
        rows.append({"table": name, "表": TABLES[name].zh, "source": shown, "rows": len(typed.get(name, [])),
                     "blank": table.skipped_blank, "totals": table.skipped_totals})
    frame = pd.DataFrame(rows, columns=["table", "表", "source", "rows", "blank", "totals"])
    places = {name: raw[name] for name in LATER_CHECKED if name in raw}
    return LoadSummary(source, frame, tuple(log.warnings), places)


#: Tables whose rows are checked again when scoring (against a rule sheet): their places are kept.
LATER_CHECKED = ("scores",)


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
    scores: pd.DataFrame = dataclasses.field(default_factory=lambda: empty_table("scores"))
    source: str = ""
    #: What the load read and skipped (:class:`LoadSummary`); None for data made in code.
    intake: LoadSummary | None = dataclasses.field(default=None, repr=False, compare=False)

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
                log.add(name, "data_missing_table", table=table_label(name))
        return _build(raw, log, today=today, source=source)

    def replace(self, **tables: pd.DataFrame) -> BranchData:
        """A copy with some tables replaced (not re-validated: for trusted code paths)."""
        return dataclasses.replace(self, intake=None, **tables)

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

    def where(self, table: str, positions, column: str = "") -> list:
        """Where rows of ``table`` (positions in the loaded frame) came from, as the clerk sees them.

        The workbook, sheet and Excel cell when the data were loaded from files
        and the table is one checked again later (``scores``); else the table
        and the row number a CSV export of it would show.

        >>> import workbench as wb
        >>> wb.load("sample_data/county.xlsx").where("scores", [0], "assessor_score")[0].cell
        '考核评分!E2'
        """
        positions = list(positions)
        raw = self.intake.places.get(table) if self.intake is not None else None
        if raw is not None and len(positions) and max(positions) < len(raw.frame):
            return raw.where(positions, column)
        from .errors import Where

        name = f"{TABLES[table].zh}.csv"
        return [Where(name, row=int(p) + 2, header=TABLES[table].column(column).zh if column else "")
                for p in positions]

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
        """Write one CSV per table (``lang="zh"``: Chinese headers and values).

        The folder is written whole or not at all (:func:`workbench.files.atomic_folder`:
        a manifest last, then one swap); texts that a spreadsheet would run as
        formulas get a leading quote that :func:`load` removes again.
        """
        folder = Path(folder)
        with atomic_folder(folder) as tmp:
            for name, frame in self.tables().items():
                if not TABLES[name].required and frame.empty:
                    continue
                fname = f"{TABLES[name].zh if lang == 'zh' else name}.csv"
                out = _formula_safe_text(_export_frame(name, frame, lang))
                if encoding.replace("_", "-").lower() == "utf-8":
                    _write_csv_arrow(out, tmp / fname)
                else:
                    out.to_csv(tmp / fname, index=False, encoding=encoding, date_format="%Y-%m-%d")
        return folder

    def to_excel(self, path: str | os.PathLike, *, lang: str = "zh") -> Path:
        """Write one workbook, a sheet per table (Chinese headers and values by default).

        Written through :func:`workbench.files.write_excel`: texts stay texts
        (never formulas), dates as dates, widths to the content, headers frozen.
        """
        sheets = {}
        for name, frame in self.tables().items():
            if not TABLES[name].required and frame.empty:
                continue
            sheet = TABLES[name].zh if lang == "zh" else name
            sheets[sheet] = _export_frame(name, frame, lang, excel=True)
        return write_excel(path, sheets, number_formats=NUMBER_FORMATS)

    def to_parquet(self, folder: str | os.PathLike) -> Path:
        """Write one Parquet file per table (typed; the fastest to load), the folder whole or not at all."""
        folder = Path(folder)
        with atomic_folder(folder) as tmp:
            for name, frame in self.tables().items():
                if not TABLES[name].required and frame.empty:
                    continue
                frame.to_parquet(tmp / f"{name}.parquet", index=False)
        return folder


def _formula_safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns with a quote before values a spreadsheet would run (see files.formula_safe)."""
    out = frame
    for col in frame.columns:
        series = frame[col]
        if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
            text = series.astype(object)
            risky = text.map(lambda v: isinstance(v, str) and v[:1] in "=+-@\t\r'")
            if risky.any():
                if out is frame:
                    out = frame.copy()
                out[col] = text.where(~risky, text[risky].map(formula_safe))
    return out


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


def _build(raw: dict[str, RawTable], log: ProblemLog, *, today, source: str, lang: str = "en"
           ) -> BranchData:
    typed = validate_tables(raw, log, today=today)
    if log:
        raise log.error(lang)
    tables = {name: typed.get(name, empty_table(name)) for name in TABLE_ORDER}
    return BranchData(**tables, source=source, intake=_summary(raw, typed, log, source))


def load(path: str | os.PathLike, *, today: dt.date | None = None, lang: str = "en",
         budget: ReadBudget = DEFAULT_BUDGET, include_hidden: bool = False) -> BranchData:
    """Load and validate a county's tables.

    ``path`` is a folder of CSV files (``branches.csv`` ... or Chinese names
    such as ``支部.csv``), a folder of Parquet files, one ``.xlsx`` workbook
    with a sheet per table, or a folder of township workbooks (combined). A
    sheet may hold a table below a title and notes; blank and totals rows are
    skipped; sheets named after townships are recognised by their headers.
    Headers may be English identifiers or Chinese. CSV may be UTF-8 (with or
    without BOM), GBK / GB18030 or UTF-16.

    Raises :class:`DataError` listing every problem (in ``lang``: "en" or "zh");
    nothing is half-loaded. ``today`` (default: the current date) is the limit
    for dates in the future. ``budget`` bounds what is read; hidden sheets are
    read only with ``include_hidden``. ``data.intake`` says what was read.

    >>> import workbench as wb
    >>> data = wb.load("sample_data")
    >>> len(data.branches) > 200
    True
    """
    path = Path(path)
    log = ProblemLog(str(path))
    log.sources[path.name] = path
    raw = read_source(path, log, budget=budget, include_hidden=include_hidden)
    if log:  # unreadable files: report them before typing the rest
        raise log.error(lang)
    return _build(raw, log, today=today, source=str(path), lang=lang)


def load_files(files: dict[str, bytes], *, today: dt.date | None = None, source: str = "upload",
               lang: str = "en", budget: ReadBudget = DEFAULT_BUDGET, include_hidden: bool = False
               ) -> BranchData:
    """Load uploaded files: CSV files (one per table) or .xlsx workbooks (combined).

    ``files`` maps file names to their bytes, as a browser upload gives them.
    """
    log = ProblemLog(source)
    files = {n: b for n, b in files.items() if Path(n).name != MANIFEST_NAME}
    log.sources.update(files)
    names = list(files)
    workbooks = [n for n in names if n.lower().endswith((".xlsx", ".xlsm"))]
    raw: dict[str, RawTable] = {}
    if workbooks:
        if len(workbooks) != len(files):
            log.add(source, "data_upload_mixed")
            raise log.error(lang)
        from .workbook import read_workbooks

        raw = read_workbooks([(Path(n).name, files[n]) for n in workbooks], log, budget=budget,
                             include_hidden=include_hidden)
    else:
        for table in TABLES:
            found = [n for n in names if match_table_name(Path(n).stem, table)]
            if not found:
                if TABLES[table].required:
                    log.add(source, "data_missing_upload", table=table_label(table),
                            names=f"{table_file_names(table)[0]}.csv / {table_file_names(table)[1]}.csv")
                continue
            if len(found) > 1:
                log.add(source, "data_table_twice", table=table_label(table), names=", ".join(found))
                continue
            got = read_csv_bytes(files[found[0]], Path(found[0]).name, log, table=table, budget=budget)
            if got is not None:
                raw[table] = got
        stray = [n for n in names if not any(match_table_name(Path(n).stem, t) for t in TABLES)]
        for n in stray:
            log.add(Path(n).name, "data_upload_not_a_table")
    if log:
        raise log.error(lang)
    return _build(raw, log, today=today, source=source, lang=lang)
