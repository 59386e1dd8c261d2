"""Validation in one place: type the raw tables and collect every problem.

The checks, in order: headers (mapped from English or Chinese, required ones
present), cells (type, allowed value, range, empty), keys (unique), references
between tables, and facts that cannot be true (joined the party before birth or
before 18, rectified before found, dates in the future, a branch with two
secretaries). Problems are gathered in a ProblemLog; the caller raises one
DataError with all of them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import ProblemLog
from .readers import RawTable
from .schema import (
    FALSE_WORDS,
    TABLES,
    TRUE_WORDS,
    VALUE_ALIASES,
    Column,
    TableSchema,
    header_aliases,
    normalize_header,
)

__all__ = ["validate_tables", "DATE_DTYPE", "TEXT_DTYPE", "canonical_dtype"]

DATE_DTYPE = "datetime64[us]"
TEXT_DTYPE = pd.StringDtype(na_value=np.nan)
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def canonical_dtype(col: Column):
    """The dtype a column has in a loaded BranchData."""
    if col.kind in ("id", "text"):
        return TEXT_DTYPE
    if col.kind == "category":
        return pd.CategoricalDtype(list(col.allowed))
    if col.kind == "int":
        return "Int64" if col.nullable else "int64"
    if col.kind == "float":
        return "float64"
    if col.kind == "date":
        return DATE_DTYPE
    if col.kind == "bool":
        return "bool"
    raise ValueError(f"unknown column kind {col.kind!r}")


def empty_table(name: str) -> pd.DataFrame:
    """An empty, correctly typed table (used for optional tables that are absent)."""
    schema = TABLES[name]
    return pd.DataFrame({c.name: pd.Series([], dtype=canonical_dtype(c)) for c in schema.columns})


def validate_tables(raw: dict[str, RawTable], log: ProblemLog, *, today: dt.date | None = None
                    ) -> dict[str, pd.DataFrame]:
    """Type every raw table and check it; problems go to ``log``."""
    today = pd.Timestamp(today or dt.date.today())
    typed: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    for name, table in raw.items():
        frame = _type_table(TABLES[name], table, log)
        if frame is not None:
            typed[name] = frame
            files[name] = table.file
    for name, frame in typed.items():
        _check_keys(TABLES[name], frame, files[name], log)
    _check_references(typed, files, log)
    _check_facts(typed, files, log, today)
    return typed


# ------------------------------------------------------------------ headers, cells

def _map_headers(schema: TableSchema, table: RawTable, log: ProblemLog) -> dict[str, str] | None:
    aliases = header_aliases(schema.name)
    mapping: dict[str, str] = {}
    unknown = []
    for header in table.frame.columns:
        target = aliases.get(normalize_header(header))
        if target is None:
            unknown.append(header)
            continue
        if target in mapping.values():
            first = next(h for h, t in mapping.items() if t == target)
            log.add(table.file, f"columns {first!r} and {header!r} both give {target!r}; keep one",
                    column=str(header))
            return None
        mapping[header] = target
    missing = [c for c in schema.columns if c.required and c.name not in mapping.values()]
    for col in missing:
        hint = f"; unrecognised headers: {', '.join(map(repr, unknown[:6]))}" if unknown else ""
        log.add(table.file, f"missing required column {col.name!r} ({col.zh}){hint}", column=col.name)
    return None if missing else mapping


def _type_table(schema: TableSchema, table: RawTable, log: ProblemLog) -> pd.DataFrame | None:
    mapping = _map_headers(schema, table, log)
    if mapping is None:
        return None
    src = table.frame.rename(columns=mapping)
    rows = np.arange(len(src)) + 2  # spreadsheet row numbers: header is row 1
    out = {}
    ok = True
    for col in schema.columns:
        if col.name in src.columns:
            series = src[col.name].reset_index(drop=True)
        else:
            series = pd.Series([""] * len(src), dtype=object)
            if col.kind not in ("bool",) and not col.nullable:
                continue  # optional non-nullable column absent: filled below
        typed = _type_column(col, series, rows, table.file, log)
        if typed is None:
            ok = False
            continue
        out[col.name] = typed
    if not ok:
        return None
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(src)))
    for col in schema.columns:  # absent optional columns
        if col.name not in frame:
            default = 0 if col.kind == "int" else np.nan
            frame[col.name] = pd.Series(default, index=frame.index).astype(canonical_dtype(col))
    return frame[schema.names]


def _as_text(series: pd.Series) -> pd.Series:
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        return series.fillna("").astype(str).str.strip()
    return series.astype(str).where(series.notna(), "").str.strip()


def _type_column(col: Column, series: pd.Series, rows: np.ndarray, file: str, log: ProblemLog):
    """Convert one column to its canonical dtype; False-y result on problems."""
    problems_before = len(log.rows)
    kind = col.kind
    if kind in ("id", "text"):
        text = _as_text(series)
        empty = (text == "").to_numpy()
        if not col.nullable and empty.any():
            log.add_rows(file, col.name, rows[empty], [""] * empty.sum(),
                         f"empty {col.name} ({col.zh}); every record needs one")
        result = text.astype(TEXT_DTYPE).mask(empty)
    elif kind == "category":
        result = _to_category(col, series, rows, file, log)
    elif kind in ("int", "float"):
        result = _to_number(col, series, rows, file, log)
    elif kind == "date":
        result = _to_date(col, series, rows, file, log)
    elif kind == "bool":
        result = _to_bool(col, series, rows, file, log)
    else:  # pragma: no cover - schema is fixed
        raise ValueError(kind)
    return result if len(log.rows) == problems_before else None


def _to_category(col, series, rows, file, log):
    dtype = pd.CategoricalDtype(list(col.allowed))
    if isinstance(series.dtype, pd.CategoricalDtype) and set(series.cat.categories) <= set(col.allowed):
        result = series.astype(dtype)
        bad = result.isna().to_numpy()
    else:
        aliases = {k.lower(): v for k, v in VALUE_ALIASES.get(col.aliases or "", {}).items()}
        aliases.update({a: a for a in col.allowed})
        # a column holds a handful of distinct spellings: map those, then take by code
        codes, uniques = pd.factorize(_as_text(series))
        spelled = pd.Index(uniques).astype(str).str.lower().str.replace(" ", "_", regex=False)
        target = np.array([list(col.allowed).index(aliases[u]) if u in aliases else -1 for u in spelled]
                          + [-1], dtype=np.int64)
        result_codes = target[codes]  # code -1 (missing) takes the last entry, -1
        result = pd.Series(pd.Categorical.from_codes(result_codes, dtype=dtype))
        bad = result_codes < 0
    if bad.any():
        allowed = ", ".join(col.allowed)
        log.add_rows(file, col.name, rows[bad], series[bad],
                     f"not an allowed {col.name} ({col.zh}); expected one of: {allowed}")
    return result


def _fast_numbers(text: pd.Series, given: np.ndarray) -> pd.Series | None:
    """Arrow's cast of numeric text to float64 (C++, ~10x pandas' to_numeric); None if a cell fails."""
    try:
        arr = pc.cast(_arrow(text.where(given)), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")


def _to_number(col, series, rows, file, log):
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.astype("float64")
        given = np.ones(len(series), dtype=bool)
    else:
        text = _as_text(series).str.replace(",", "", regex=False)
        given = (text != "").to_numpy()
        values = _fast_numbers(text, given)
        if values is None:  # something is not a number: the slow path finds which rows
            values = pd.to_numeric(text.where(given), errors="coerce").astype("float64")
        notnum = given & values.isna().to_numpy()
        if notnum.any():
            log.add_rows(file, col.name, rows[notnum], series[notnum],
                         f"{col.name} ({col.zh}) should be a number")
    missing = ~given | values.isna().to_numpy()
    if not col.nullable and (~given).any():
        log.add_rows(file, col.name, rows[~given], [""] * int((~given).sum()),
                     f"empty {col.name} ({col.zh}); a number is needed")
    arr = values.to_numpy()
    with np.errstate(invalid="ignore"):
        if col.minimum is not None:
            low = ~missing & (arr < col.minimum)
            if low.any():
                what = "negative" if col.minimum == 0 else f"below {col.minimum:g}"
                log.add_rows(file, col.name, rows[low], arr[low],
                             f"{col.name} ({col.zh}) is {what}; expected at least {col.minimum:g}")
        if col.maximum is not None:
            high = ~missing & (arr > col.maximum)
            if high.any():
                log.add_rows(file, col.name, rows[high], arr[high],
                             f"{col.name} ({col.zh}) is above {col.maximum:g}")
        if col.kind == "int":
            frac = ~missing & (np.floor(np.nan_to_num(arr)) != np.nan_to_num(arr))
            if frac.any():
                log.add_rows(file, col.name, rows[frac], arr[frac],
                             f"{col.name} ({col.zh}) should be a whole number")
            if frac.any() or (missing.any() and not col.nullable):
                return values  # the caller discards it: problems were logged
            return values.round().astype(canonical_dtype(col))
    return values


def _to_date(col, series, rows, file, log):
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        result = series.astype(DATE_DTYPE)
        given = result.notna().to_numpy()
        bad = np.zeros(len(series), dtype=bool)
    else:
        if series.dtype == object and len(series) and isinstance(series.iloc[0], dt.date):
            series = series.map(lambda v: v.isoformat() if isinstance(v, dt.date) else v)
        text = _as_text(series)
        given = (text != "").to_numpy()
        result = pd.to_datetime(text.where(given), format="%Y-%m-%d", errors="coerce")
        rest = given & result.isna().to_numpy()
        if rest.any():
            result.loc[rest] = _parse_loose_dates(text[rest])
        result = result.astype(DATE_DTYPE)
        bad = given & result.isna().to_numpy()
        if bad.any():
            log.add_rows(file, col.name, rows[bad], series[bad],
                         f"{col.name} ({col.zh}) is not a date; write it as YYYY-MM-DD")
    if not col.nullable and (~given).any():
        log.add_rows(file, col.name, rows[~given], [""] * int((~given).sum()),
                     f"empty {col.name} ({col.zh}); a date is needed")
    return result


def _parse_loose_dates(text: pd.Series) -> pd.Series:
    """Dates as people type them: 2024/3/5, 2024.3.5, 2024年3月5日, with a time, or Excel serials."""
    cleaned = (
        text.str.replace(r"[年/.]", "-", regex=True).str.replace("月", "-", regex=False)
        .str.replace("日", "", regex=False).str.split(r"[ T]", n=1, regex=True).str[0]
    )
    parsed = pd.to_datetime(cleaned, format="%Y-%m-%d", errors="coerce")
    serial = text.str.fullmatch(r"\d{5}(\.0+)?") & parsed.isna()
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        parsed.loc[serial] = _EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
    return parsed


def _to_bool(col, series, rows, file, log):
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.fillna(False).astype(bool)
    text = _as_text(series).str.lower()
    true = text.isin(TRUE_WORDS).to_numpy()
    false = text.isin(FALSE_WORDS).to_numpy()
    bad = ~(true | false)
    if bad.any():
        log.add_rows(file, col.name, rows[bad], series[bad],
                     f"{col.name} ({col.zh}) should be yes/no (是/否, 1/0)")
    return pd.Series(true, index=series.index)


# ------------------------------------------------------------ keys and references

def _arrow(values: pd.Series) -> pa.Array:
    arr = pa.array(values, from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a column's distinct values (-1 for missing), by Arrow's hashing (fast on millions)."""
    encoded = pc.dictionary_encode(_arrow(values))
    return encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _strictly_increasing(values: pd.Series) -> bool:
    """True when every value is greater than the one before: then no key repeats (no hashing needed)."""
    arr = _arrow(values)
    if len(arr) < 2:
        return True
    if arr.null_count:
        return False
    return bool(pc.all(pc.greater(arr.slice(1), arr.slice(0, len(arr) - 1))).as_py())


def _check_keys(schema: TableSchema, frame: pd.DataFrame, file: str, log: ProblemLog) -> None:
    keys = list(schema.keys)
    if len(keys) == 1 and _strictly_increasing(frame[keys[0]]):
        return  # the usual case (exports sorted by id): linear, not a hash of millions of strings
    codes = _codes(frame[keys[0]])
    for key in keys[1:]:
        more = _codes(frame[key])
        codes = codes * (int(more.max(initial=0)) + 2) + more + 1
    if len(keys) > 1:
        codes = pd.factorize(codes)[0]
    dup = np.bincount(codes[codes >= 0], minlength=1)[np.maximum(codes, 0)] > 1
    if dup.any():
        rows = np.flatnonzero(dup) + 2
        values = frame.loc[dup, keys[0]] if len(keys) == 1 else \
            frame.loc[dup, keys].astype(str).agg(" / ".join, axis=1)
        log.add_rows(file, "+".join(keys), rows, values,
                     f"duplicate {' + '.join(keys)}; each must appear once")


def _check_references(typed, files, log) -> None:
    for name, frame in typed.items():
        for ref in TABLES[name].references:
            if ref.table not in typed:
                continue
            values = frame[ref.column]
            # Arrow's is_in: pandas 3 runs Series.isin on Arrow strings as a Python loop
            found = pc.is_in(_arrow(values), value_set=_arrow(typed[ref.table][ref.target]))
            unknown = ~found.to_numpy(zero_copy_only=False) & values.notna().to_numpy()
            if unknown.any():
                log.add_rows(files[name], ref.column, np.flatnonzero(unknown) + 2, values[unknown],
                             f"refers to an unknown {ref.target} (not in {ref.table})")


def _check_facts(typed, files, log, today: pd.Timestamp) -> None:
    def flag(name, mask, column, values, message):
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            log.add_rows(files[name], column, np.flatnonzero(mask) + 2, values[mask], message)

    for name, frame in typed.items():
        for col in TABLES[name].columns:
            if col.kind == "date" and col.name != "due":  # deadlines may lie ahead
                values = frame[col.name]
                flag(name, (values > today).fillna(False), col.name, values,
                     f"{col.name} ({col.zh}) is in the future (after {today.date()})")

    if "members" in typed:
        m = typed["members"]
        join_year = m["join_date"].dt.year
        flag("members", (join_year < m["birth_year"]).fillna(False), "join_date", m["join_date"],
             "joined the party before being born (check join_date and birth_year)")
        flag("members", ((join_year - m["birth_year"]) < 18).fillna(False)
             & (join_year >= m["birth_year"]).fillna(False),
             "join_date", m["join_date"], "joined the party before turning 18")
        flag("members", (m["birth_year"] > today.year).fillna(False), "birth_year", m["birth_year"],
             "birth year is in the future")
        sec = m[m["role"] == "secretary"]
        many = sec["branch_id"].duplicated(keep="first")
        if many.any():
            extra = sec[many]
            log.add_rows(files["members"], "role", extra.index.to_numpy() + 2, extra["branch_id"],
                         "a second secretary in the same branch; a branch has one secretary")
    if "branches" in typed:
        b = typed["branches"]
        flag("branches", (b["committee_elected"] < b["established"]).fillna(False),
             "committee_elected", b["committee_elected"],
             "committee elected before the branch was established")
    if "problems" in typed:
        p = typed["problems"]
        flag("problems", (p["rectified"] < p["found"]).fillna(False), "rectified", p["rectified"],
             "rectified before the problem was found")
        flag("problems", (p["due"] < p["found"]).fillna(False), "due", p["due"],
             "due date before the problem was found")
        if "inspections" in typed:
            # Duplicated inspection ids are reported by the key check; map through the first.
            insp = typed["inspections"].drop_duplicates("inspection_id").set_index("inspection_id")
            # reindex, not Series.map: map fails on an empty mapping of dates (pandas 3)
            expected = pd.Series(insp["branch_id"].reindex(p["inspection_id"]).to_numpy(), index=p.index)
            mismatch = (expected.notna() & (expected != p["branch_id"])).fillna(False)
            flag("problems", mismatch, "branch_id", p["branch_id"],
                 "branch_id differs from the branch of its inspection")
            insp_date = pd.Series(insp["date"].reindex(p["inspection_id"]).to_numpy(), index=p.index)
            flag("problems", (p["found"] < insp_date).fillna(False), "found", p["found"],
                 "found before its inspection took place")
