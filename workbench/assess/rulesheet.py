"""County rule sheets (评分细则): one row per item, its full points and how it scores.

A county publishes its assessment as a list of items rather than a weighted
index: "支部委员会会议 10 分，每少开 1 次扣 0.5 分", bonus items with a cap, items the
assessors score on site. :func:`read_rule_sheet` reads such a sheet (an .xlsx
workbook, the sheet 评分细则 or the first; or a .csv file) into the data of a
:class:`~workbench.assess.framework.Framework` whose indicators are the items
(their weights the points, their normalizations the scoring methods, the
aggregation ``points``). Headers are matched as the intake matches them
(line breaks, units in brackets, full-width characters, ``*`` are ignored).

Columns (Chinese header / identifier):

=============  ==============  ====================================================
维度            ``dimension``   one of the six key points (id, Chinese or English name)
项目            ``item``        the item's id (letters, digits, ``_``; unique)
名称            ``zh``          the item's name; ``en`` its English name (optional)
分值            ``points``      the item's full points
依据            ``source``      an indicator the workbench derives, or ``assessor``
计分方式        ``method``      ``proportional`` 按比例, ``deduct_below`` 低于标准扣分,
                                ``deduct_each`` 每次扣分, ``assessor`` 考核打分, ``bonus`` 加分
标准            ``standard``    the standard (proportional, deduct_below)
每单位分值      ``per_unit``    points per unit (deduct_below, deduct_each, bonus)
适用类型        ``applies_to``  branch kinds (村,社区 / village,community); blank: all
=============  ==============  ====================================================

Scoring of an item worth ``p`` points, for a value ``x``:

- ``proportional``: p x clip(x / standard, 0, 1);
- ``deduct_below``: p - per_unit x max(0, standard - x), within [0, p];
- ``deduct_each``: p - per_unit x x, within [0, p];
- ``assessor``: the assessors' score (table ``scores``), within [0, p];
- ``bonus``: min(p, per_unit x x), added on top of the total.

A missing value on an item that applies to the branch earns 0 (and is listed
in the branch's explanation). Total = 100 x (points earned on the items that
apply) / (points of the items that apply) + bonus points. Grades, vetoes,
quotas and standards come from the base framework (the default one unless
given). A sheet that breaks a rule is refused with every problem at its cell,
in Chinese or English (:class:`~workbench.data.errors.DataError`).

>>> import workbench as wb
>>> fw = wb.Framework.from_rule_sheet("sample_data/评分细则.xlsx")
>>> fw.points_based, fw.total_points, fw.indicator("training_hours").normalization.method
(True, 100.0, 'deduct_below')
"""

from __future__ import annotations

import difflib
import io
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.errors import DataError, Localized, ProblemLog, Where
from ..data.readers import column_letter, detect_encoding
from ..data.schema import BRANCH_KINDS, VALUE_ALIASES, header_variants, is_ignored_header, normalize_header
from . import context  # noqa: F401  (registers the built-in derivations a sheet may name)
from .derivations import ASSESSOR, DERIVATIONS

__all__ = ["read_rule_sheet", "looks_like_rule_sheet", "RULE_SHEET_METHODS", "SHEET_NAMES", "RULE_SHEET_COLUMNS"]

#: Names of the sheet looked for first in a workbook.
SHEET_NAMES = ("评分细则", "考核细则", "评分标准", "rule_sheet", "rules")

#: The columns of a rule sheet: identifier -> (Chinese header, other accepted headers, required).
RULE_SHEET_COLUMNS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "dimension": ("维度", ("考核维度", "类别", "考核类别", "重点任务"), True),
    "item": ("项目", ("项目编号", "编号", "id", "item_id"), True),
    "zh": ("名称", ("项目名称", "考核内容", "考核项目", "name"), False),
    "en": ("英文名称", ("english", "name_en"), False),
    "points": ("分值", ("满分", "标准分", "分数"), True),
    "source": ("依据", ("数据来源", "来源", "指标", "indicator"), True),
    "method": ("计分方式", ("计分方法", "评分方法", "评分方式"), True),
    "standard": ("标准", ("达标标准", "目标值", "要求"), False),
    "per_unit": ("每单位分值", ("每单位扣分", "扣分标准", "单位分值", "每项分值"), False),
    "applies_to": ("适用类型", ("适用范围", "适用支部", "支部类型"), False),
    "description": ("评分细则", ("评分标准说明", "细则", "考核标准"), False),
}

#: Scoring methods, with their Chinese names.
RULE_SHEET_METHODS: dict[str, tuple[str, ...]] = {
    "proportional": ("按比例", "按比例计分", "比例"),
    "deduct_below": ("低于标准扣分", "未达标扣分", "少于标准扣分"),
    "deduct_each": ("每次扣分", "按次扣分", "每发生一次扣分"),
    "assessor": ("考核打分", "现场打分", "考核组打分"),
    "bonus": ("加分", "加分项"),
}
#: Parameters each method needs, besides the points.
_NEEDS = {"proportional": ("standard",), "deduct_below": ("standard", "per_unit"),
          "deduct_each": ("per_unit",), "assessor": (), "bonus": ("per_unit",)}

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SEPARATORS = re.compile(r"[,，、;；/\s]+")
_MAX_BYTES = 8 * 2**20
_MAX_ROWS = 2000
_HEADER_ROWS = 10


def looks_like_rule_sheet(path: str | os.PathLike) -> bool:
    """Whether a file is named as a rule sheet (评分细则.xlsx ...), not a county's data (for pickers).

    >>> looks_like_rule_sheet("sample_data/评分细则.xlsx"), looks_like_rule_sheet("county.xlsx")
    (True, False)
    """
    return normalize_header(Path(path).stem) in {normalize_header(n) for n in SHEET_NAMES}


def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, (zh, others, _required) in RULE_SHEET_COLUMNS.items():
        for spelling in (name, zh, *others):
            for variant in header_variants(spelling):
                out.setdefault(variant, name)
    return out


_ALIASES = _aliases()
_METHOD_NAMES = {normalize_header(s): m for m, names in RULE_SHEET_METHODS.items() for s in (m, *names)}
_KIND_NAMES = {**{normalize_header(k): k for k in BRANCH_KINDS},
               **{normalize_header(k): v for k, v in VALUE_ALIASES["kind_branch"].items()}}


@dataclass
class _Sheet:
    """A sheet as text, with the place of each cell."""

    file: str                 # what messages call it: 评分细则.xlsx[评分细则] or rules.csv
    workbook: str
    sheet: str
    rows: list[list[str]]
    first_row: int            # the Excel row (CSV line) of rows[0]
    first_column: int         # 0-based column of rows[i][0]

    def where(self, r: int, c: int | None, header: str = "") -> Where:
        row = self.first_row + r
        cell = ""
        if c is not None:
            cell = f"{column_letter(self.first_column + c)}{row}"
            if self.sheet:
                cell = f"{self.sheet}!{cell}"
        return Where(self.file, self.workbook, self.sheet, row, cell, header)


# ===================================================================== reading

def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()


def _read(path: Path, sheet: str | None, log: ProblemLog) -> _Sheet | None:
    where = Where(path.name, path.name)
    try:
        size = path.stat().st_size
        if size > _MAX_BYTES:
            log.add(where, "rules_file_too_large", size=f"{size / 2**20:.1f} MB", limit=f"{_MAX_BYTES // 2**20} MB")
            return None
        raw = path.read_bytes()
    except OSError as exc:
        log.add(where, "data_os_error", reason=exc.strerror or str(exc))
        return None
    if path.suffix.lower() == ".csv":
        encoding = detect_encoding(raw)
        if encoding is None:
            log.add(where, "rules_unreadable", reason="not text (UTF-8, UTF-16 or GBK)")
            return None
        import csv

        text = raw.decode(encoding, errors="replace")
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
        return _Sheet(path.name, "", "", rows[:_MAX_ROWS + _HEADER_ROWS], 1, 0)
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        names = list(book.sheet_names)
        if sheet is None:
            wanted = {normalize_header(n) for n in SHEET_NAMES}
            sheet = next((n for n in names if normalize_header(n) in wanted), names[0] if names else None)
        if sheet not in names:
            log.add(where, "rules_no_sheet", sheet_name=sheet or "", names="、".join(names[:10]))
            return None
        found = book.get_sheet_by_name(sheet)
        values = found.to_python(skip_empty_area=True, nrows=_MAX_ROWS + _HEADER_ROWS)
        top, left = found.start if values else (0, 0)
    except Exception as exc:   # calamine's own error types (zip, xml, password ...)
        log.add(where, "rules_unreadable", reason=f"{type(exc).__name__}: {str(exc)[:80]}")
        return None
    rows = [[_cell(v) for v in row] for row in values]
    return _Sheet(f"{path.name}[{sheet}]", path.name, sheet, rows, top + 1, left)


def _header(sheet: _Sheet, log: ProblemLog) -> tuple[int, dict[int, str]] | None:
    """The header row (the first of the first rows naming the most columns) and column positions."""
    best, at = {}, None
    for r, row in enumerate(sheet.rows[:_HEADER_ROWS]):
        found: dict[int, str] = {}
        for c, text in enumerate(row):
            target = next((_ALIASES[v] for v in header_variants(text) if v in _ALIASES), None) if text else None
            if target and target not in found.values():
                found[c] = target
        if len(found) > len(best):
            best, at = found, r
    required = [n for n, (_zh, _o, req) in RULE_SHEET_COLUMNS.items() if req]
    if at is None or len(best) < 3:
        log.add(Where(sheet.file, sheet.workbook, sheet.sheet), "rules_no_header",
                expected="、".join(RULE_SHEET_COLUMNS[n][0] for n in required))
        return None
    missing = [n for n in required if n not in best.values()]
    for name in missing:
        log.add(sheet.where(at, None), "rules_missing_column", column=name,
                header=RULE_SHEET_COLUMNS[name][0])
    return (at, best) if not missing else None


def _number(text: str) -> float | None:
    """A number as a clerk writes it: full-width digits, a trailing 分 / 次 / 个 / %, thousands commas."""
    t = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    t = re.sub(r"(分|次|个|人|项|篇|小时|万元)$", "", t).strip()
    percent = t.endswith("%")
    try:
        value = float(t.rstrip("%"))
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return value / 100 if percent else value


def _item_id(text: str) -> str:
    """An item's id as an identifier: lower case, separators as ``_`` (A1 -> a1, 1.2 -> item_1_2)."""
    t = unicodedata.normalize("NFKC", text).strip().lower()
    t = re.sub(r"[\s.\-()（）]+", "_", t).strip("_")
    if t and t[0].isdigit():
        t = "item_" + t
    return t


def _closest(word: str, names, n: int = 3) -> str:
    return "、".join(difflib.get_close_matches(word, list(names), n=n, cutoff=0.5))


def read_rule_sheet(path: str | os.PathLike, *, base: dict, sheet: str | None = None, lang: str = "en") -> dict:
    """The data of a framework (a dict to validate) from a rule sheet and a base framework's data.

    Every problem of the sheet is collected, then one
    :class:`~workbench.data.errors.DataError` lists them at their cells (in
    ``lang``). The items replace the base framework's dimensions and
    indicators; its grades, vetoes (a veto on an indicator the sheet does not
    score reads it as a flag), quotas and standards are kept.

    >>> import workbench as wb
    >>> raw = read_rule_sheet("sample_data/评分细则.xlsx", base=wb.Framework.default().model_dump(mode="json"))
    >>> raw["aggregation"], len(raw["bonus"]) > 0
    ({'indicators': 'arithmetic', 'dimensions': 'points'}, True)
    """
    path = Path(path)
    log = ProblemLog(path.name)
    log.sources[path.name] = path
    table = _read(path, sheet, log)
    parsed = None
    if table is not None:
        parsed = _items(table, base, log)
    if log.rows or parsed is None:
        err = log.error()
        raise err.in_language(lang) if lang != "en" else err
    items, bonus = parsed
    return _framework_data(path, table, base, items, bonus)


def _items(sheet: _Sheet, base: dict, log: ProblemLog):
    found = _header(sheet, log)
    if found is None:
        return None
    at, columns = found
    position = {name: c for c, name in columns.items()}
    headers = sheet.rows[at]
    dimensions = {}
    for d in base["dimensions"]:
        for spelling in (d["id"], d["zh"], d["en"]):
            dimensions[normalize_header(spelling)] = d["id"]
    dimension_names = "、".join(f"{d['zh']} ({d['id']})" for d in base["dimensions"])
    sources = sorted(DERIVATIONS) + [ASSESSOR]
    items, bonus, seen = [], [], {}
    reserved = {d["id"] for d in base["dimensions"]} | {"kind", "total", "rank", "grade", "bonus"}

    def value(row, name):
        c = position.get(name)
        return (row[c] if c is not None and c < len(row) else "").strip()

    def place(r, name):
        c = position.get(name)
        return sheet.where(r, c, headers[c] if c is not None and c < len(headers) else "")

    body = sheet.rows[at + 1:]
    if len(body) > _MAX_ROWS:
        log.add(sheet.where(at, None), "rules_too_many_rows", n=len(body), limit=_MAX_ROWS)
        return None
    for k, row in enumerate(body):
        r = at + 1 + k
        if not any(cell.strip() for cell in row):
            continue
        bad = len(log.rows)
        item_text = value(row, "item")
        item = _item_id(item_text)
        if not item_text:
            log.add(place(r, "item"), "rules_blank", column="item")
        elif not _ID.match(item):
            log.add(place(r, "item"), "rules_bad_item_id", column="item", value=item_text)
        elif item in seen:
            log.add(place(r, "item"), "rules_item_twice", column="item", value=item_text, first=seen[item])
        elif item in reserved:
            log.add(place(r, "item"), "rules_item_reserved", column="item", value=item_text)
        else:
            seen[item] = place(r, "item").cell or str(place(r, "item").row)
        dim_text = value(row, "dimension")
        dimension = dimensions.get(normalize_header(dim_text)) if dim_text else None
        if dimension is None:
            log.add(place(r, "dimension"), "rules_unknown_dimension", column="dimension", value=dim_text,
                    allowed=Localized(dimension_names, dimension_names))
        method_text = value(row, "method")
        source = value(row, "source")
        source_id = unicodedata.normalize("NFKC", source).strip().lower()   # ids keep their "_"
        method = _METHOD_NAMES.get(normalize_header(method_text)) if method_text else None
        if not method_text and source_id == ASSESSOR:
            method = "assessor"
        if method is None:
            allowed = "; ".join(f"{m} ({'、'.join(names[:1])})" for m, names in RULE_SHEET_METHODS.items())
            log.add(place(r, "method"), "rules_unknown_method", column="method", value=method_text,
                    allowed=Localized(allowed, allowed))
        if source_id not in sources:
            near = _closest(source_id, sources)
            listing = "、".join(sources)
            log.add(place(r, "source"), "rules_unknown_source", column="source", value=source,
                    near=near or "-", allowed=Localized(listing, listing))
        elif method is not None and (source_id == ASSESSOR) != (method == "assessor"):
            log.add(place(r, "source"), "rules_assessor_pair", column="source", value=source, method=method)
        numbers = {}
        for name in ("points", "standard", "per_unit"):
            text = value(row, name)
            number = _number(text) if text else None
            needed = name == "points" or (method is not None and name in _NEEDS[method])
            if text and number is None:
                log.add(place(r, name), "rules_bad_number", column=name, value=text)
            elif number is None and needed:
                log.add(place(r, name), "rules_needs", column=name, method=method or "")
            elif number is not None and name != "standard" and number <= 0:
                log.add(place(r, name), "rules_not_positive", column=name, value=text)
            elif number is not None and name == "standard" and method == "proportional" and number <= 0:
                log.add(place(r, name), "rules_not_positive", column=name, value=text)
            numbers[name] = number
        kinds_text = value(row, "applies_to")
        kinds = []
        for word in (w for w in _SEPARATORS.split(kinds_text) if w):
            kind = _KIND_NAMES.get(normalize_header(word))
            if kind is None:
                allowed = "村 village、社区 community、企业 enterprise、机关事业单位 institution、联合 joint"
                log.add(place(r, "applies_to"), "rules_unknown_kind", column="applies_to", value=word,
                        allowed=Localized(allowed, allowed))
            elif kind not in kinds:
                kinds.append(kind)
        if len(log.rows) > bad:
            continue
        zh = value(row, "zh") or item_text
        entry = {"id": item, "zh": zh, "en": value(row, "en") or zh, "dimension": dimension,
                 "points": numbers["points"], "applies_to": kinds,
                 "description": value(row, "description"), "derive": source_id, "method": method,
                 "standard": numbers["standard"], "per_unit": numbers["per_unit"]}
        (bonus if method == "bonus" else items).append(entry)
    if not log.rows and not items:
        log.add(Where(sheet.file, sheet.workbook, sheet.sheet), "rules_no_items")
    used = {i["dimension"] for i in items}
    for b in bonus:
        if b["dimension"] not in used:
            log.add(Where(sheet.file, sheet.workbook, sheet.sheet), "rules_bonus_dimension",
                    item=b["id"], dimension=b["dimension"])
    return items, bonus


def _framework_data(path: Path, sheet: _Sheet, base: dict, items: list[dict], bonus: list[dict]) -> dict:
    """The framework's data: the base's grades, vetoes, quotas; the sheet's items as points indicators."""
    dims = []
    for d in base["dimensions"]:
        own = [i for i in items if i["dimension"] == d["id"]]
        if not own:
            continue
        indicators = []
        for i in own:
            norm = {"method": i["method"], "points": i["points"]}
            if i["method"] in ("proportional", "deduct_below"):
                norm["standard"] = i["standard"]
            if i["method"] in ("deduct_below", "deduct_each"):
                norm["per_unit"] = i["per_unit"]
            indicators.append({
                "id": i["id"], "zh": i["zh"], "en": i["en"], "derive": i["derive"],
                "direction": "lower" if i["method"] == "deduct_each" else "higher",
                "normalization": norm, "weight": i["points"], "applies_to": i["applies_to"],
                "description": i["description"], "unit": "points", "unit_zh": "分"})
        dims.append({"id": d["id"], "zh": d["zh"], "en": d["en"], "description": d.get("description", ""),
                     "weight": float(sum(i["points"] for i in own)), "indicators": indicators})
    item_ids = {i["id"] for i in items}
    flags = [f for f in base.get("flags", []) if f["id"] not in item_ids]
    flag_ids = {f["id"] for f in flags}
    old = {i["id"]: i for d in base["dimensions"] for i in d["indicators"]}
    vetoes = []
    for v in base.get("vetoes", []):
        column = v["column"]
        if column not in item_ids and column not in flag_ids:
            if column not in old and column not in DERIVATIONS:
                continue
            # a veto on an indicator the sheet does not score still holds: the value is read as a flag
            source = old[column] if column in old else {"zh": column, "en": column}
            flags.append({"id": column, "zh": source["zh"], "en": source["en"],
                          "derive": source.get("derive") or column})
            flag_ids.add(column)
        vetoes.append(v)
    raw = {k: v for k, v in base.items() if k not in ("dimensions", "flags", "vetoes", "bonus", "aggregation")}
    raw.update({
        "name": f"rule_sheet_{_item_id(path.stem)}",
        "zh": f"{path.stem}（评分细则）", "en": f"{path.stem} (rule sheet)",
        "dimensions": dims, "flags": flags, "vetoes": vetoes,
        "bonus": [{"id": b["id"], "zh": b["zh"], "en": b["en"], "dimension": b["dimension"],
                   "points": b["points"], "per_unit": b["per_unit"], "derive": b["derive"],
                   "applies_to": b["applies_to"], "description": b["description"]} for b in bonus],
        "aggregation": {"indicators": "arithmetic", "dimensions": "points"},
        "missing": "renormalize",
        "source": sheet.file,
    })
    if not _ID.match(raw["name"]):
        raw["name"] = "rule_sheet"
    return raw
