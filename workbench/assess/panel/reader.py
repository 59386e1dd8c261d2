"""Reading an expert panel workbook: one sheet per expert, or one sheet in long form.

See :mod:`workbench.assess.panel` for the layouts.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
import zlib
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ...data.workbook import scan_workbook
from ..framework import Framework
from .model import (INSTRUCTION_SHEETS, LEVEL_DIMENSIONS, LONG_HEADERS, WEIGHT_SHEETS, Panel, _CELL_KEYS,
                    _Label, _MAX_COLUMNS, _MAX_ROWS, _Problems, _TOLERANCE, _WEIGHT_HEADERS, _norm, judgement_text,
                    parse_judgement)

__all__ = ["read_panel", "MAX_PANEL_XML_BYTES", "MAX_PANEL_CELLS"]

#: What a panel workbook may hold, measured from its XML before anything is read (a panel is small).
MAX_PANEL_XML_BYTES = 64 * 2**20
MAX_PANEL_CELLS = 1_000_000


def _measured(content: bytes, problems: _Problems) -> bool:
    """Refuse a workbook that is not one, lies about its contents, or holds far more than a panel."""
    try:
        sheets = scan_workbook(io.BytesIO(content))
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            strings = sum(i.file_size for i in zf.infolist() if i.filename.lower().endswith("sharedstrings.xml"))
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, OSError, EOFError, RuntimeError) as exc:
        problems.add("panel_err_not_xlsx", reason=type(exc).__name__)
        return False
    xml = sum(sheet.xml_bytes for sheet in sheets) + strings
    cells = sum(sheet.cells for sheet in sheets)
    if xml > MAX_PANEL_XML_BYTES or cells > MAX_PANEL_CELLS:
        problems.add("panel_err_too_big", cells=f"{cells:,}", mb=f"{xml / 2**20:,.0f}")
        return False
    return True

# =================================================================== reading

class _Names:
    """Criterion names of a framework (ids and labels) and the level they belong to."""

    def __init__(self, fw: Framework):
        self.fw = fw
        self.ids: dict[str, set[str]] = {}
        for dim in fw.dimensions:
            for name in (dim.id, dim.zh, dim.en):
                self.ids.setdefault(_norm(name), set()).add(dim.id)
            for ind in dim.indicators:
                for name in (ind.id, ind.zh, ind.en):
                    self.ids.setdefault(_norm(name), set()).add(ind.id)

    def find(self, name) -> str | None:
        found = self.ids.get(_norm(name)) if name not in (None, "") else None
        return next(iter(found)) if found and len(found) == 1 else None

    def level(self, criterion: str) -> str:
        return LEVEL_DIMENSIONS if criterion in self.fw.dimension_ids else self.fw.dimension_of(criterion)

    @staticmethod
    def expected(level: str | None) -> _Label:
        return _Label("expected", level)


def _letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _match_headers(row: tuple, spec: Mapping[str, tuple]) -> dict[str, int] | None:
    found = {}
    wanted = {key: {_norm(s) for s in spellings} for key, spellings in spec.items()}
    for j, value in enumerate(row):
        if _blank(value):
            continue
        for key, spellings in wanted.items():
            if key not in found and _norm(value) in spellings:
                found[key] = j
    return found if len(found) == len(spec) else None


def read_panel(source: str | os.PathLike | bytes, framework: Framework, *, name: str | None = None) -> Panel:
    """Read an expert panel workbook (see :mod:`workbench.assess.panel`) for ``framework``.

    Parameters
    ----------
    source : path-like or bytes
        The .xlsx workbook, or its content (an upload).
    framework : Framework
        Whose dimensions and indicators the experts compared.
    name : str, optional
        The file name to report (default: the path's name), e.g. an upload's.

    Raises
    ------
    PanelError
        With every problem: a judgement not on Saaty's scale, a zero, a pair
        not reciprocal, an unknown criterion, a missing pair, an expert
        without the comparisons the others made ...
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if isinstance(source, (bytes, bytearray, memoryview)):
        content = bytes(source)
        source_name = name or "panel.xlsx"
        problems = _Problems(source_name, framework)
    else:
        path = Path(source)
        source_name = name or path.name
        problems = _Problems(source_name, framework)
        try:
            content = path.read_bytes()
        except OSError as exc:
            problems.add("panel_err_open", reason=exc.strerror or str(exc))
            problems.raise_if_any()
    if not _measured(content, problems):
        problems.raise_if_any()
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        problems.add("panel_err_not_xlsx", reason=type(exc).__name__)
        problems.raise_if_any()
    names = _Names(framework)
    collected: dict[str, dict[str, dict]] = {}    # level -> expert -> {"cells": {(a, b): (value, where)}, ...}
    order: list[str] = []
    weights: dict[str, float] = {}
    try:
        for ws in book.worksheets:
            title = ws.title.strip()
            rows = []
            for k, row in enumerate(ws.iter_rows(values_only=True, max_col=_MAX_COLUMNS)):
                if k >= _MAX_ROWS:
                    problems.add("panel_err_too_long", sheet=title, limit=_MAX_ROWS)
                    break
                rows.append(tuple(row))
            if _norm(title) in {_norm(s) for s in INSTRUCTION_SHEETS}:
                continue
            if _norm(title) in {_norm(s) for s in WEIGHT_SHEETS}:
                _read_weights(rows, title, problems, weights)
                continue
            long_head = next(((r, m) for r, row in enumerate(rows[:10])
                              if (m := _match_headers(row, LONG_HEADERS)) is not None), None)
            if long_head is not None:
                _read_long(rows, long_head, title, names, problems, collected, order)
            else:
                _read_wide(rows, title, names, problems, collected, order)
    finally:
        book.close()
    if not collected and not problems.rows:
        problems.add("panel_err_empty")
    unknown = [e for e in weights if e not in order]
    for e in unknown:
        problems.add("panel_err_weight_expert", sheet=WEIGHT_SHEETS[0], expert=e, experts="、".join(order))
    if weights and not unknown:
        for e in order:
            if e not in weights:
                problems.add("panel_err_weight_missing", sheet=WEIGHT_SHEETS[0], expert=e)
    levels = _matrices(collected, order, names, problems)
    problems.raise_if_any()
    return Panel(framework, order, levels, weights or None, source=source_name,
                 sha256=hashlib.sha256(content).hexdigest())


def _read_weights(rows, title, problems: _Problems, out: dict[str, float]) -> None:
    head = next(((r, m) for r, row in enumerate(rows[:10]) if (m := _match_headers(row, _WEIGHT_HEADERS))), None)
    if head is None:
        problems.add("panel_err_weight_headers", sheet=title, row=1)
        return
    r0, cols = head
    for r in range(r0 + 1, len(rows)):
        row = rows[r]
        expert = row[cols["expert"]] if cols["expert"] < len(row) else None
        value = row[cols["weight"]] if cols["weight"] < len(row) else None
        if _blank(expert) and _blank(value):
            continue
        where = dict(sheet=title, row=r + 1, expert="" if _blank(expert) else str(expert).strip())
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if _blank(expert):
            problems.add("panel_err_weight_no_expert", column=_letter(cols["expert"]), **where)
        elif not np.isfinite(number) or number <= 0:
            problems.add("panel_err_weight_value", column=_letter(cols["weight"]), value=value, **where)
        elif where["expert"] in out:
            problems.add("panel_err_weight_twice", column=_letter(cols["expert"]), **where)
        else:
            out[where["expert"]] = number


def _put(collected, order, level: str, expert: str, a: str, b: str, value: float, where: dict,
         problems: _Problems) -> None:
    if expert not in order:
        order.append(expert)
    cells = collected.setdefault(level, {}).setdefault(expert, {})
    if (a, b) in cells:
        first = cells[(a, b)][1]
        problems.add("panel_err_twice", first=f"{first['sheet']} {first.get('column', '')}{first['row']}",
                     a=a, b=b, **where)
        return
    cells[(a, b)] = (value, where)


def _judgement(value, where: dict, problems: _Problems) -> float | None:
    try:
        return parse_judgement(value)
    except ValueError as exc:
        problems.add(str(exc), value=value, **where)
        return None


def _read_long(rows, head, title, names: _Names, problems: _Problems, collected, order) -> None:
    r0, cols = head
    for r in range(r0 + 1, len(rows)):
        row = rows[r] + (None,) * (max(cols.values()) + 1 - len(rows[r]))
        expert, a_name, b_name, value = (row[cols[k]] for k in ("expert", "a", "b", "judgement"))
        if all(_blank(v) for v in (expert, a_name, b_name, value)):
            continue
        expert = "" if _blank(expert) else str(expert).strip()
        base = dict(sheet=title, row=r + 1, expert=expert)
        if not expert:
            problems.add("panel_err_no_expert", column=_letter(cols["expert"]), **base)
            continue
        if expert not in order:
            order.append(expert)
        ids = []
        for key, name in (("a", a_name), ("b", b_name)):
            found = names.find(name)
            if found is None:
                problems.add("panel_err_unknown" if not _blank(name) else "panel_err_no_criterion",
                             column=_letter(cols[key]), value=name, expected=names.expected(None), **base)
            ids.append(found)
        if None in ids:
            known = [names.level(c) for c in ids if c is not None]
            problems.damaged.add((known[0] if known else None, expert))
            continue
        a, b = ids
        if a == b:
            problems.add("panel_err_same", column=_letter(cols["b"]), value=b_name, **base)
            problems.damaged.add((names.level(a), expert))
            continue
        if names.level(a) != names.level(b):
            problems.add("panel_err_levels", column=_letter(cols["b"]), value=b_name,
                         a=_Label("criterion", a), b=_Label("criterion", b), **base)
            problems.damaged.update({(names.level(a), expert), (names.level(b), expert)})
            continue
        where = dict(base, column=_letter(cols["judgement"]))
        number = None
        if _blank(value):
            problems.add("panel_err_missing_value", **where)
        else:
            number = _judgement(value, where, problems)
        if number is None:
            problems.refused.add((names.level(a), expert, frozenset((a, b))))
            continue
        if number is not None:
            _put(collected, order, names.level(a), expert, a, b, number, where, problems)


def _read_wide(rows, title, names: _Names, problems: _Problems, collected, order) -> None:
    """Matrices on one expert's sheet: a header row of criteria, then a row per criterion."""
    expert = title
    r = 0
    found_any = False
    while r < len(rows):
        row = rows[r]
        hits = [(j, names.find(v)) for j, v in enumerate(row) if not _blank(v)]
        known = [(j, c) for j, c in hits if c is not None]
        if len(known) < 2:
            r += 1
            continue
        # a header row: criteria from the first known one to the row's last filled cell
        first = known[0][0]
        header = [(j, row[j]) for j in range(first, len(row)) if not _blank(row[j])]
        label_col = first - 1
        if label_col < 0:
            r += 1
            continue
        found_any = True
        cols: dict[int, str] = {}
        level = None
        reported = len(problems.rows)
        for j, value in header:
            cid = names.find(value)
            if cid is None:
                problems.add("panel_err_unknown", sheet=title, row=r + 1, column=_letter(j), expert=expert,
                             value=value, expected=names.expected(level))
                continue
            lv = names.level(cid)
            if level is None:
                level = lv
            elif lv != level:
                problems.add("panel_err_levels", sheet=title, row=r + 1, column=_letter(j), expert=expert,
                             value=value, a=_Label("criterion", next(iter(cols.values()))),
                             b=_Label("criterion", cid))
                continue
            if cid in cols.values():
                problems.add("panel_err_header_twice", sheet=title, row=r + 1, column=_letter(j), expert=expert,
                             value=value)
                continue
            cols[j] = cid
        r += 1
        seen_rows: dict[str, int] = {}
        while r < len(rows):
            row = rows[r]
            label = row[label_col] if label_col < len(row) else None
            if _blank(label):
                if all(_blank(v) for v in row):
                    break
                problems.add("panel_err_row_label", sheet=title, row=r + 1, column=_letter(label_col),
                             expert=expert)
                r += 1
                continue
            rid = names.find(label)
            if rid is None:
                if names.find(label) is None and sum(names.find(v) is not None for v in row) >= 2:
                    break  # the next matrix's header
                problems.add("panel_err_unknown", sheet=title, row=r + 1, column=_letter(label_col),
                             expert=expert, value=label, expected=names.expected(level))
                r += 1
                continue
            if level is not None and names.level(rid) != level:
                problems.add("panel_err_levels", sheet=title, row=r + 1, column=_letter(label_col), expert=expert,
                             value=label, a=_Label("criterion", next(iter(cols.values()))),
                             b=_Label("criterion", rid))
                r += 1
                continue
            if rid in seen_rows:
                problems.add("panel_err_header_twice", sheet=title, row=r + 1, column=_letter(label_col),
                             expert=expert, value=label)
                r += 1
                continue
            seen_rows[rid] = r
            for j, cid in cols.items():
                value = row[j] if j < len(row) else None
                where = dict(sheet=title, row=r + 1, column=_letter(j), expert=expert)
                if cid == rid:
                    if not _blank(value):
                        number = _judgement(value, where, problems)
                        if number is not None and abs(number - 1) > 1e-9:
                            problems.add("panel_err_diagonal", value=value, **where)
                    continue
                if _blank(value):
                    continue
                number = _judgement(value, where, problems)
                if number is not None:
                    _put(collected, order, level, expert, rid, cid, number, where, problems)
                else:
                    problems.refused.add((level, expert, frozenset((rid, cid))))
            r += 1
        if level is not None:
            # criteria of the header that have no row, and rows without a column, are missing comparisons
            missing = [c for c in cols.values() if c not in seen_rows] + [c for c in seen_rows
                                                                           if c not in cols.values()]
            for c in missing:
                problems.add("panel_err_incomplete", sheet=title, row=r, expert=expert,
                             criterion=_Label("criterion", c))
            if any(p["key"] not in _CELL_KEYS for p in problems.rows[reported:]):
                # names or rows wrong: the pairs of the criteria not both in the header and the rows follow from them
                listed = set(cols.values()) & set(seen_rows)
                problems.absent.update((level, expert, c) for c in Panel(names.fw, [], {}).criteria(level)
                                       if c not in listed)
            collected.setdefault(level, {}).setdefault(expert, {})
            if expert not in order:
                order.append(expert)
    if not found_any and any(not _blank(v) for row in rows for v in row):
        problems.add("panel_err_no_matrix", sheet=title, expert=expert)


def _matrices(collected, order, names: _Names, problems: _Problems) -> dict[str, dict[str, pd.DataFrame]]:
    """Full reciprocal matrices from the judgements read; checks reciprocity and completeness."""
    fw = names.fw
    probe = Panel(fw, [], {})
    levels: dict[str, dict[str, pd.DataFrame]] = {}
    for level in [LEVEL_DIMENSIONS] + fw.dimension_ids:
        if level not in collected:
            continue
        ids = probe.criteria(level)
        n = len(ids)
        index = {c: k for k, c in enumerate(ids)}
        experts = [e for e in order if e in collected[level]]
        for e in order:
            if e not in collected[level] and not ({(None, e), (level, e)} & problems.damaged) and \
                    not any(lv == level and ex == e for lv, ex, _ in problems.refused):
                problems.add("panel_err_expert_level", expert=e,
                             level=_Label("level", level))
        levels[level] = {}
        for expert in experts:
            cells = collected[level][expert]
            a = np.ones((n, n))
            given = np.zeros((n, n), dtype=bool)
            for (ra, cb), (value, where) in cells.items():
                i, j = index[ra], index[cb]
                mirror = cells.get((cb, ra))
                if mirror is not None and given[j, i]:
                    if abs(np.log(value * mirror[0])) > np.log1p(_TOLERANCE):
                        problems.add("panel_err_reciprocal", value=value, given=judgement_text(value), a=_Label("criterion", ra),
                                     b=_Label("criterion", cb), other=f"{mirror[1].get('column', '')}{mirror[1]['row']}",
                                     mirror=judgement_text(mirror[0]), expected=judgement_text(1 / mirror[0]), **where)
                    continue
                a[i, j], a[j, i] = value, 1.0 / value
                given[i, j] = given[j, i] = True
            for i in range(n):
                for j in range(i + 1, n):
                    if not given[i, j] and not ({(level, expert), (None, expert)} & problems.damaged) and \
                            (level, expert, frozenset((ids[i], ids[j]))) not in problems.refused and \
                            not {(level, expert, ids[i]), (level, expert, ids[j])} & problems.absent:
                        problems.add("panel_err_missing_pair", expert=expert, a=_Label("criterion", ids[i]),
                                     b=_Label("criterion", ids[j]),
                                     sheet=next(iter(cells.values()))[1]["sheet"] if cells else "")
            levels[level][expert] = pd.DataFrame(a, index=ids, columns=ids)
    return levels


