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
import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import Localized, ProblemLog, Where
from .readers import RawTable, map_headers
from .schema import (
    FALSE_WORDS,
    TABLES,
    TRUE_WORDS,
    VALUE_ALIASES,
    Column,
    TableSchema,
    preferred_spellings,
)

__all__ = ["validate_tables", "DATE_DTYPE", "TEXT_DTYPE", "canonical_dtype"]

DATE_DTYPE = "datetime64[us]"
TEXT_DTYPE = pd.StringDtype(na_value=np.nan)
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Spaces of every width clerks type, as literal characters (Arrow's RE2 then matches whole columns).
SPACES = "[ \t\r\n\x0b\x0c\xa0\u2000-\u200b\u3000\ufeff]+"


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
    """Type every raw table and check it; problems go to ``log``.

    Checks run from root causes to consequences: a table's own cells and keys
    first, references between tables after, against the key columns that typed
    cleanly (so a bad row in 支部 does not also fail every row that names it).
    """
    today = pd.Timestamp(today or dt.date.today())
    typed: dict[str, pd.DataFrame] = {}
    keys: dict[str, dict[str, pd.Series]] = {}
    for name, table in raw.items():
        frame, columns = _type_table(TABLES[name], table, log)
        keys[name] = columns
        if frame is not None:
            typed[name] = frame
    for name, frame in typed.items():
        _check_keys(TABLES[name], frame, raw[name], log)
    _check_references(keys, raw, log)
    _check_facts(typed, raw, log, today)
    return typed


# ------------------------------------------------------------------ headers, cells

def _map_frame_headers(schema: TableSchema, table: RawTable, log: ProblemLog) -> RawTable | None:
    """Map the headers of a DataFrame or Parquet table (files are mapped by the readers)."""
    headers = [str(c) for c in table.frame.columns]
    hmap = map_headers(schema.name, headers)
    where = Where(table.file)
    for pos, target in hmap.duplicates:
        first = next(p for p, t in hmap.columns.items() if t == target)
        log.add(Where(table.file, header=headers[pos]), "data_header_twice", column=target,
                other=headers[first], other_cell=headers[first])
    for col in hmap.missing:
        unknown = ", ".join(repr(headers[p]) for p in hmap.unknown[:6])
        log.add(where, "data_missing_column", column=col, header_zh=schema.column(col).zh,
                unknown=unknown or "-")
    if hmap.duplicates or hmap.missing:
        return None
    frame = table.frame.iloc[:, list(hmap.columns)].copy()
    frame.columns = list(hmap.columns.values())
    return RawTable(table.name, table.file, frame.reset_index(drop=True), typed=table.typed, mapped=True)


def _type_table(schema: TableSchema, table: RawTable, log: ProblemLog
                ) -> tuple[pd.DataFrame | None, dict[str, pd.Series]]:
    """The typed table (None when a cell failed) and the id columns that typed cleanly."""
    if not table.mapped:
        mapped = _map_frame_headers(schema, table, log)
        if mapped is None:
            return None, {}
        table.frame, table.mapped = mapped.frame, True
    src = table.frame
    n = len(src)
    out = {}
    ok = True
    for col in schema.columns:
        if col.name in src.columns:
            series = src[col.name].reset_index(drop=True)
        else:
            series = pd.Series([""] * n, dtype=object)
            if col.kind not in ("bool",) and not col.nullable:
                continue  # optional non-nullable column absent: filled below
        typed = _type_column(col, series, table, log)
        if typed is None:
            ok = False
            continue
        out[col.name] = typed
    ids = {c.name: out[c.name] for c in schema.columns if c.kind == "id" and c.name in out}
    if not ok:
        return None, ids
    frame = pd.DataFrame(out, index=pd.RangeIndex(n))
    for col in schema.columns:  # absent optional columns
        if col.name not in frame:
            default = 0 if col.kind == "int" else np.nan
            frame[col.name] = pd.Series(default, index=frame.index).astype(canonical_dtype(col))
    return frame[schema.names], ids


def _as_text(series: pd.Series) -> pd.Series:
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        return series.fillna("").astype(str).str.strip()
    return series.astype(str).where(series.notna(), "").str.strip()


def _folded(series: pd.Series) -> pd.Series:
    """Text with full-width letters and digits folded (Ｂ０００２ -> B0002) and odd spaces trimmed."""
    text = _as_text(series)
    if len(text) and not _all_ascii(text):
        text = text.str.normalize("NFKC").str.strip()
    return text


def _all_ascii(text: pd.Series) -> bool:
    try:
        return bool(pc.all(pc.string_is_ascii(_arrow(text))).as_py() is not False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return bool(text.map(str.isascii).all())


def _clerk_spelling(table: RawTable, col: Column) -> bool:
    """True when the clerk writes this column in Chinese (its header as written is not ASCII)."""
    return not str(table.header_written(col.name)).isascii() or not str(table.file).isascii()


def _report(log: ProblemLog, table: RawTable, col: Column, mask: np.ndarray, values, key: str,
            **params) -> None:
    """One problem per flagged cell (capped), at the cell the clerk sees."""
    positions = np.flatnonzero(mask)
    explained = table.explained
    if explained:
        keep = np.array([(int(p), col.name) not in explained for p in positions], dtype=bool)
        positions = positions[keep] if len(positions) else positions
        if not len(positions):
            return
    values = np.asarray(values, dtype=object)
    shown = values[positions] if len(values) == len(mask) else values
    places = table.where(positions[:60], col.name) + [table.column_where(col.name)] * max(0, len(positions) - 60)
    log.add_cells(places, list(shown), key, column=col.name, header_zh=col.zh, **params)


def _type_column(col: Column, series: pd.Series, table: RawTable, log: ProblemLog):
    """Convert one column to its canonical dtype; None on problems."""
    problems_before = len(log.rows)
    kind = col.kind
    optional_blank = not col.required and not col.nullable  # blank cells take the default
    if kind == "text":
        text = _as_text(series)
        empty = (text == "").to_numpy()
        if not col.nullable and empty.any():
            _report(log, table, col, empty, [""] * len(text), "data_empty_cell")
        result = text.astype(TEXT_DTYPE).mask(empty)
    elif kind == "id":
        text = _folded(series).str.replace(SPACES, "", regex=True)
        empty = (text == "").to_numpy()
        if not col.nullable and empty.any():
            _report(log, table, col, empty, [""] * len(text), "data_empty_cell")
        result = text.astype(TEXT_DTYPE).mask(empty)
    elif kind == "category":
        result = _to_category(col, series, table, log)
    elif kind in ("int", "float"):
        result = _to_number(col, series, table, log, optional_blank=optional_blank)
    elif kind == "date":
        result = _to_date(col, series, table, log)
    elif kind == "bool":
        result = _to_bool(col, series, table, log)
    else:  # pragma: no cover - schema is fixed
        raise ValueError(kind)
    return result if len(log.rows) == problems_before else None


def _to_category(col, series, table, log):
    dtype = pd.CategoricalDtype(list(col.allowed))
    if isinstance(series.dtype, pd.CategoricalDtype) and set(series.cat.categories) <= set(col.allowed):
        result = series.astype(dtype)
        bad = result.isna().to_numpy()
    else:
        aliases = {normalize_value(k): v for k, v in VALUE_ALIASES.get(col.aliases or "", {}).items()}
        aliases.update({normalize_value(a): a for a in col.allowed})
        # a column holds a handful of distinct spellings: map those, then take by code
        codes, uniques = pd.factorize(_as_text(series))
        spelled = [normalize_value(u) for u in pd.Index(uniques).astype(str)]
        target = np.array([list(col.allowed).index(aliases[u]) if u in aliases else -1 for u in spelled]
                          + [-1], dtype=np.int64)
        result_codes = target[codes]  # code -1 (missing) takes the last entry, -1
        result = pd.Series(pd.Categorical.from_codes(result_codes, dtype=dtype))
        bad = result_codes < 0
    if bad.any():
        values = np.asarray(series.astype(object))
        empty = bad & (_as_text(series) == "").to_numpy()
        expected = "、".join(preferred_spellings(col, chinese=_clerk_spelling(table, col)))
        if empty.any():
            _report(log, table, col, empty, values, "data_empty_category", expected=expected)
        if (bad & ~empty).any():
            _report(log, table, col, bad & ~empty, values, "data_not_allowed", expected=expected)
    return result


def normalize_value(text: str) -> str:
    """A category value as compared: full-width folded, no spaces, lower case.

    >>> normalize_value(" 本　科 "), normalize_value("Junior High")
    ('本科', 'junior_high')
    """
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"\s+", "_", text) if text.isascii() else re.sub(r"\s+", "", text)


def _fast_numbers(text: pd.Series, given: np.ndarray) -> pd.Series | None:
    """Arrow's cast of numeric text to float64 (C++, ~10x pandas' to_numeric); None if a cell fails."""
    try:
        arr = pc.cast(_arrow(text.where(given)), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _to_number(col, series, table, log, *, optional_blank: bool = False):
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.astype("float64")
        given = values.notna().to_numpy() if optional_blank else np.ones(len(series), dtype=bool)
    else:
        text = _folded(series).str.replace(SPACES, "", regex=True)
        if text.str.contains(",", regex=False).any():
            thousands = text.str.match(_THOUSANDS)
            text = text.where(~thousands, text.str.replace(",", "", regex=False))
        given = (text != "").to_numpy()
        values = _fast_numbers(text, given)
        if values is None:  # something is not a number: the slow path finds which rows
            values = pd.to_numeric(text.where(given), errors="coerce").astype("float64")
        notnum = given & values.isna().to_numpy()
        if notnum.any():
            _report(log, table, col, notnum, np.asarray(series.astype(object)), "data_not_a_number")
    if optional_blank and (~given).any():
        values = values.where(given, 0.0)
        given = np.ones(len(values), dtype=bool)
    missing = ~given | values.isna().to_numpy()
    if not col.nullable and (~given).any():
        _report(log, table, col, ~given, [""] * len(values), "data_empty_number")
    arr = values.to_numpy()
    with np.errstate(invalid="ignore"):
        if col.minimum is not None:
            low = ~missing & (arr < col.minimum)
            if low.any():
                key = "data_negative" if col.minimum == 0 else "data_below_minimum"
                _report(log, table, col, low, arr, key, minimum=f"{col.minimum:g}")
        if col.maximum is not None:
            high = ~missing & (arr > col.maximum)
            if high.any():
                _report(log, table, col, high, arr, "data_above_maximum", maximum=f"{col.maximum:g}")
        if col.kind == "int":
            frac = ~missing & (np.floor(np.nan_to_num(arr)) != np.nan_to_num(arr))
            if frac.any():
                _report(log, table, col, frac, arr, "data_not_whole_number")
            if frac.any() or (missing.any() and not col.nullable):
                return values  # the caller discards it: problems were logged
            if col.nullable:
                return values.round().astype("Int64")
            return values.round().astype(canonical_dtype(col))
    return values


def _to_date(col, series, table, log):
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        result = series.astype(DATE_DTYPE)
        given = result.notna().to_numpy()
    else:
        if series.dtype == object and len(series) and isinstance(series.iloc[0], dt.date):
            series = series.map(lambda v: v.isoformat() if isinstance(v, dt.date) else v)
        text = _folded(series)
        given = (text != "").to_numpy()
        result = pd.to_datetime(text.where(given), format="%Y-%m-%d", errors="coerce")
        rest = given & result.isna().to_numpy()
        if rest.any():
            result.loc[rest] = _parse_loose_dates(text[rest])
        result = result.astype(DATE_DTYPE)
        bad = given & result.isna().to_numpy()
        if bad.any():
            _report(log, table, col, bad, np.asarray(series.astype(object)), "data_not_a_date")
    if not col.nullable and (~given).any():
        _report(log, table, col, ~given, [""] * len(series), "data_empty_date")
    return result


def _parse_loose_dates(text: pd.Series) -> pd.Series:
    """Dates as people type them: 2024/3/5, 2024.3.5, 2024年3月5日, 20240305, with a time, or Excel serials."""
    tidy = text.str.replace(r"\s*([年月日号/.\-])\s*", r"\1", regex=True).str.strip()
    part = tidy.str.split(r"[ T]", n=1, regex=True).str[0]
    part = part.str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True)
    part = part.str.replace(r"[年/.月]", "-", regex=True).str.replace(r"[日号]$", "", regex=True)
    parsed = pd.to_datetime(part, format="%Y-%m-%d", errors="coerce")
    serial = text.str.fullmatch(r"\d{5}(\.\d+)?") & parsed.isna()
    if serial.any():
        days = np.floor(pd.to_numeric(text[serial], errors="coerce"))
        parsed.loc[serial] = _EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
    return parsed


def _to_bool(col, series, table, log):
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.fillna(False).astype(bool)
    text = _folded(series).str.lower().str.replace(SPACES, "", regex=True)
    true = text.isin(TRUE_WORDS).to_numpy()
    false = text.isin(FALSE_WORDS).to_numpy()
    bad = ~(true | false)
    if bad.any():
        expected = "、".join(preferred_spellings(col, chinese=_clerk_spelling(table, col)))
        _report(log, table, col, bad, np.asarray(series.astype(object)), "data_not_yes_no",
                expected=expected)
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


def _check_keys(schema: TableSchema, frame: pd.DataFrame, table: RawTable, log: ProblemLog) -> None:
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
        col = schema.column(keys[0])
        values = frame[keys[0]].to_numpy(dtype=object) if len(keys) == 1 else \
            frame[keys].astype(str).agg(" / ".join, axis=1).to_numpy(dtype=object)
        # the other row of each repeated key: the first one, or for the first one the second
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
        group = np.cumsum(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) - 1
        first = np.empty_like(codes)
        second = np.empty_like(codes)
        first[order] = order[starts[group]]
        second[order] = order[np.minimum(starts[group] + 1, len(order) - 1)]
        positions = np.flatnonzero(dup)[:60]
        other = np.where(first[positions] == positions, second[positions], first[positions])
        for where, pos, there in zip(table.where(positions, keys[0]), positions, table.where(other, keys[0])):
            log.add(where, "data_duplicate_key", column="+".join(keys), value=values[pos],
                    header_zh=col.zh, other=there.cell or there.row)
        if dup.sum() > 60:
            log.add(table.column_where(keys[0]), "data_duplicate_key", column="+".join(keys),
                    header_zh=col.zh, other="", _more=int(dup.sum()) - 60)


def loose_id(text: str) -> str:
    """An id as compared when looking for the same id written two ways (case, spaces, dashes).

    >>> loose_id(" b-0002 "), loose_id("B0002")
    ('b0002', 'b0002')
    """
    return re.sub(r"[\s\-_./]+", "", unicodedata.normalize("NFKC", str(text))).casefold()


def _check_references(keys: dict[str, dict[str, pd.Series]], raw: dict[str, RawTable],
                      log: ProblemLog) -> None:
    """Every reference names an existing key; an id written two ways is reported where it is defined.

    Root causes first: when ids that no row defines match a defined id but for
    letter case, spaces or signs, the one defining cell is reported (with how
    many rows of which tables use the other spelling), not every referring row.
    """
    causes: dict[tuple[str, str, int], dict] = {}
    for name, columns in keys.items():
        for ref in TABLES[name].references:
            target = keys.get(ref.table, {}).get(ref.target)
            values = columns.get(ref.column)
            if target is None or values is None:
                continue
            # Arrow's is_in: pandas 3 runs Series.isin on Arrow strings as a Python loop
            found = pc.is_in(_arrow(values), value_set=_arrow(target))
            unknown = ~found.to_numpy(zero_copy_only=False) & values.notna().to_numpy()
            if not unknown.any():
                continue
            loose_target: dict[str, int] = {}
            for pos, key in enumerate(target.to_numpy(dtype=object)):
                if isinstance(key, str):
                    loose_target.setdefault(loose_id(key), pos)
            explained = np.zeros(len(values), dtype=bool)
            for value in pd.unique(values[unknown].to_numpy(dtype=object)):
                pos = loose_target.get(loose_id(value))
                if pos is None:
                    continue
                same = (values == value).fillna(False).to_numpy()
                explained |= same
                cause = causes.setdefault((ref.table, ref.target, pos),
                                          {"spelling": value, "n": 0, "tables": [], "value": target.iloc[pos]})
                cause["n"] += int(same.sum())
                if TABLES[name].zh not in cause["tables"]:
                    cause["tables"].append(TABLES[name].zh)
                    cause.setdefault("tables_en", []).append(name)
            rest = unknown & ~explained
            if rest.any():
                col = TABLES[name].column(ref.column)
                places = raw[name].where(np.flatnonzero(rest)[:60], ref.column)
                places += [raw[name].column_where(ref.column)] * max(0, int(rest.sum()) - 60)
                log.add_cells(places, values[rest].tolist(), "data_unknown_reference", column=ref.column,
                              header_zh=col.zh, table=Localized(TABLES[ref.table].zh, ref.table),
                              target=ref.target)
    for (table, column, pos), cause in causes.items():
        where = raw[table].where([pos], column)[0]
        log.add(where, "data_id_written_differently", column=column, value=cause["value"],
                expected=cause["spelling"], n=cause["n"], header_zh=TABLES[table].column(column).zh,
                table=Localized("、".join(cause["tables"]), ", ".join(cause["tables_en"])))


def _check_facts(typed, raw, log, today: pd.Timestamp) -> None:
    def flag(name, mask, column, values, key, **params):
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            col = TABLES[name].column(column)
            _report(log, raw[name], col, mask, np.asarray(pd.Series(values).astype(object)), key, **params)

    for name, frame in typed.items():
        for col in TABLES[name].columns:
            if col.kind == "date" and col.name != "due":  # deadlines may lie ahead
                values = frame[col.name]
                flag(name, (values > today).fillna(False), col.name, values, "data_date_in_future",
                     today=str(today.date()))

    if "members" in typed:
        m = typed["members"]
        join_year = m["join_date"].dt.year
        flag("members", (join_year < m["birth_year"]).fillna(False), "join_date", m["join_date"],
             "data_joined_before_birth")
        flag("members", ((join_year - m["birth_year"]) < 18).fillna(False)
             & (join_year >= m["birth_year"]).fillna(False),
             "join_date", m["join_date"], "data_joined_before_18")
        flag("members", (m["birth_year"] > today.year).fillna(False), "birth_year", m["birth_year"],
             "data_born_in_future")
        sec = m[m["role"] == "secretary"]
        many = sec["branch_id"].duplicated(keep="first")
        if many.any():
            mask = np.zeros(len(m), dtype=bool)
            mask[sec.index[many.to_numpy()].to_numpy()] = True
            flag("members", mask, "role", m["branch_id"], "data_second_secretary")
    if "branches" in typed:
        b = typed["branches"]
        flag("branches", (b["committee_elected"] < b["established"]).fillna(False),
             "committee_elected", b["committee_elected"], "data_elected_before_established")
    if "problems" in typed:
        p = typed["problems"]
        flag("problems", (p["rectified"] < p["found"]).fillna(False), "rectified", p["rectified"],
             "data_rectified_before_found")
        flag("problems", (p["due"] < p["found"]).fillna(False), "due", p["due"], "data_due_before_found")
        if "inspections" in typed:
            # Duplicated inspection ids are reported by the key check; map through the first.
            insp = typed["inspections"].drop_duplicates("inspection_id").set_index("inspection_id")
            # reindex, not Series.map: map fails on an empty mapping of dates (pandas 3)
            expected = pd.Series(insp["branch_id"].reindex(p["inspection_id"]).to_numpy(), index=p.index)
            mismatch = (expected.notna() & (expected != p["branch_id"])).fillna(False)
            flag("problems", mismatch, "branch_id", p["branch_id"], "data_branch_differs_from_inspection")
            insp_date = pd.Series(insp["date"].reindex(p["inspection_id"]).to_numpy(), index=p.index)
            flag("problems", (p["found"] < insp_date).fillna(False), "found", p["found"],
                 "data_found_before_inspection")
