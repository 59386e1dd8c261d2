"""An expert panel's pairwise comparisons, read from a workbook, and the group weights they give.

County leading groups and expert panels fill in Saaty comparisons on paper or
in Excel; :func:`read_panel` reads such a workbook for a framework and
:meth:`Panel.scheme` turns it into a weighting scheme whose origin records the
panel file, the aggregation, every expert's consistency ratio and the
consensus. Two layouts are read (a workbook may mix them):

- **one sheet per expert** (the sheet's name is the expert's): one or more
  matrices, each a header row of criteria and one row per criterion, the cell
  in row i and column j saying how much more important criterion i is than j.
  Only one triangle needs filling; where both are filled they must be
  reciprocal. A matrix of the dimensions gives dimension weights, a matrix of
  the indicators of one dimension gives their weights within it;
- **one sheet in long form**: columns expert (专家), criterion A (指标A),
  criterion B (指标B) and judgement (判断), one comparison per row.

Criteria are named by id or by their Chinese or English label. A judgement is
a number of Saaty's 1-9 scale, a reciprocal written ``1/3``, or a word of the
scale (同等重要 1, 稍微重要 3, 明显重要 5, 强烈重要 7, 极端重要 9, or the English
equal, moderate, strong, very strong, extreme). An optional sheet 专家权重
(expert, weight) lets one expert count more.

Every problem is collected before anything is computed and raised as one
:class:`PanelError` whose table names the file, sheet, row, column, expert and
value, in Chinese or English (:meth:`PanelError.render`).

>>> from workbench.assess.framework import Framework
>>> import tempfile
>>> from workbench.assess.panel_template import write_panel_template
>>> fw = Framework.default()
>>> path = write_panel_template(Path(tempfile.mkdtemp()) / "专家打分表.xlsx", fw, experts=2, example=True)
>>> panel = read_panel(path, fw)
>>> panel.experts, sorted(panel.levels)[:2]
(['专家1', '专家2'], ['dimensions', 'education'])
>>> scheme = panel.scheme(method="aij")
>>> scheme.origin["method"], round(float(scheme.dimension_weights.sum()), 6)
('ahp_group', 1.0)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ..i18n import tr
from .framework import Framework
from .weights import SAATY_SCALE, ahp_group

__all__ = [
    "Panel",
    "PanelError",
    "PROBLEM_COLUMNS",
    "SAATY_WORDS",
    "parse_judgement",
    "read_panel",
    "panel_from_matrices",
    "LEVEL_DIMENSIONS",
    "INSTRUCTION_SHEETS",
    "WEIGHT_SHEETS",
    "LONG_HEADERS",
    "judgement_text",
]

#: The level of the dimension weights (other levels are named by their dimension's id).
LEVEL_DIMENSIONS = "dimensions"
#: Words of Saaty's scale (how much more important the first criterion is) and their judgements.
SAATY_WORDS: dict[str, float] = {
    "同等重要": 1, "一样重要": 1, "同样重要": 1,
    "稍微重要": 3, "稍重要": 3, "略微重要": 3, "略重要": 3,
    "明显重要": 5, "较重要": 5,
    "强烈重要": 7, "非常重要": 7,
    "极端重要": 9, "绝对重要": 9, "极其重要": 9,
    "equal": 1, "equally important": 1, "moderate": 3, "moderately more important": 3,
    "strong": 5, "strongly more important": 5, "very strong": 7, "very strongly more important": 7,
    "extreme": 9, "extremely more important": 9,
}
#: Sheets the reader passes over (the template's instructions).
INSTRUCTION_SHEETS = ("填表说明", "说明", "instructions", "readme")
#: Sheets of expert weights.
WEIGHT_SHEETS = ("专家权重", "expert weights", "expert_weights", "weights")
#: Headers of the long form (any spelling listed here; compared without case and spaces).
LONG_HEADERS = {
    "expert": ("专家", "专家姓名", "专家编号", "expert"),
    "a": ("指标a", "因素a", "比较对象a", "criteriona", "criterion_a", "a"),
    "b": ("指标b", "因素b", "比较对象b", "criterionb", "criterion_b", "b"),
    "judgement": ("判断", "标度", "重要程度", "判断值", "judgement", "judgment", "value"),
}
_WEIGHT_HEADERS = {"expert": LONG_HEADERS["expert"], "weight": ("权重", "专家权重", "weight")}
#: Columns of :attr:`PanelError.problems`.
PROBLEM_COLUMNS = ["file", "sheet", "row", "column", "expert", "value", "message"]
_MAX_ROWS = 5000          # rows read from one sheet
_MAX_COLUMNS = 200        # columns read from one sheet
_CELL_KEYS = {"panel_err_zero", "panel_err_date", "panel_err_scale", "panel_err_judgement", "panel_err_diagonal",
              "panel_err_twice"}
_TOLERANCE = 0.05         # a judgement and its mirror multiply to 1 within 5 % (3 and 0.33 are reciprocal)


# =================================================================== errors

class PanelError(ValueError):
    """A panel workbook that cannot be used, with every problem found.

    ``problems`` is a DataFrame with columns ``file, sheet, row, column,
    expert, value, message`` (messages in English; :meth:`table` gives them in
    Chinese); ``row`` is the row number a spreadsheet shows and ``column`` its
    letter. ``str(err)`` lists them in English, :meth:`render` in either language.
    """

    def __init__(self, problems: list[dict], *, source: str = "", framework: Framework | None = None):
        self._problems = problems
        self.source = source
        self.framework = framework
        super().__init__(self.render("en"))

    def _param(self, value, lang: str):
        """A parameter in ``lang``: criteria and levels by their label, lists of names joined."""
        if isinstance(value, _Label):
            fw = self.framework
            if value.kind == "level":
                if value.key == LEVEL_DIMENSIONS or fw is None:
                    return tr("panel_level_dimensions", lang)
                return tr("panel_level_indicators", lang, dimension=fw.label(value.key, lang))
            if value.kind == "expected":
                if fw is None:
                    return ""
                ids = (fw.dimension_ids if value.key in (None, LEVEL_DIMENSIONS)
                       else [i.id for i in fw.dimension(value.key).indicators])
                shown = ("、" if lang == "zh" else ", ").join(fw.label(i, lang) for i in ids)
                return shown if value.key is not None else shown + tr("panel_or_indicators", lang)
            return fw.label(value.key, lang) if fw is not None else value.key
        return value

    def table(self, lang: str = "en") -> pd.DataFrame:
        """The problems with their messages in ``lang``."""
        rows = [{**{k: p.get(k, "") for k in PROBLEM_COLUMNS[:-1]},
                 "message": tr(p["key"], lang, **{k: self._param(v, lang) for k, v in p.get("params", {}).items()})}
                for p in self._problems]
        frame = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
        frame["row"] = pd.array([r if r not in ("", None) else pd.NA for r in frame["row"]], dtype="Int64")
        return frame

    @property
    def problems(self) -> pd.DataFrame:
        return self.table("en")

    def render(self, lang: str = "en", *, limit: int = 40) -> str:
        """Every problem on its own line, in ``lang``."""
        table = self.table(lang)
        lines = [tr("panel_err_head", lang, n=len(table), source=self.source)]
        for rec in table.head(limit).itertuples(index=False):
            place = [rec.file] if rec.file else []
            if rec.sheet:
                place.append(tr("panel_err_sheet", lang, sheet=rec.sheet))
            if rec.row is not pd.NA:
                place.append(tr("panel_err_cell", lang, cell=f"{rec.column}{rec.row}") if rec.column
                             else tr("panel_err_row", lang, row=rec.row))
            if rec.expert:
                place.append(tr("panel_err_expert", lang, expert=rec.expert))
            value = f" ({tr('panel_err_value', lang)} {rec.value!r})" if rec.value not in ("", None) else ""
            lines.append(f"  - {', '.join(place)}: {rec.message}{value}")
        if len(table) > limit:
            lines.append(tr("panel_err_more", lang, n=len(table) - limit))
        return "\n".join(lines)


@dataclass(frozen=True)
class _Label:
    """A parameter of a message shown in the reader's language: a criterion, a level, or the names expected."""

    kind: str   # "criterion", "level" or "expected"
    key: str | None


class _Problems:
    def __init__(self, file: str, framework: Framework | None = None):
        self.file = file
        self.framework = framework
        self.rows: list[dict] = []
        # what a problem already reported makes incomplete, so that it is not reported again as a missing pair
        self.damaged: set[tuple[str | None, str]] = set()           # (level or None, expert)
        self.absent: set[tuple[str, str, str]] = set()              # (level, expert, criterion named wrongly)
        self.refused: set[tuple[str, str, frozenset]] = set()       # (level, expert, {a, b})

    def add(self, key: str, *, sheet: str = "", row=None, column: str = "", expert: str = "", value="",
            **params) -> None:
        self.rows.append({"file": self.file, "sheet": sheet, "row": row, "column": column, "expert": expert,
                          "value": _shown(value), "key": key, "params": params})

    def raise_if_any(self) -> None:
        if self.rows:
            raise PanelError(self.rows, source=self.file, framework=self.framework)


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ================================================================ judgements

def _norm(text) -> str:
    """Names compared without case, spaces or full-width forms."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


_WORDS = {_norm(k): float(v) for k, v in SAATY_WORDS.items()}
_FRACTION = re.compile(r"^(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)$")


def parse_judgement(value) -> float:
    """A judgement of Saaty's scale from what a person wrote: 3, "3", "1/3", "１／３", "稍微重要".

    Raises ValueError with the catalogue key of the problem as its message
    (``panel_err_zero``, ``panel_err_date``, ``panel_err_scale``,
    ``panel_err_judgement``) so that callers can say it in either language.

    >>> parse_judgement("1/3"), parse_judgement(5), parse_judgement("明显重要"), parse_judgement(" very strong ")
    (0.3333333333333333, 5.0, 5.0, 7.0)
    """
    if isinstance(value, bool):
        raise ValueError("panel_err_judgement")
    if isinstance(value, (dt.datetime, dt.date)):
        raise ValueError("panel_err_date")  # Excel turned 1/3 into 3 January
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
    else:
        text = _norm(value)
        if text in _WORDS:
            return _WORDS[text]
        match = _FRACTION.match(text)
        try:
            number = float(match.group(1)) / float(match.group(2)) if match else float(text)
        except (ValueError, ZeroDivisionError):
            raise ValueError("panel_err_zero" if match and float(match.group(2) or 0) == 0 else
                             "panel_err_judgement") from None
    if not np.isfinite(number):
        raise ValueError("panel_err_judgement")
    if number == 0:
        raise ValueError("panel_err_zero")
    if number < 0 or number > 9 * (1 + 1e-9) or number < 1 / 9 * (1 - 1e-9):
        raise ValueError("panel_err_scale")
    return number


# ==================================================================== panel

@dataclass(frozen=True)
class Panel:
    """The judgements of an expert panel for one framework.

    ``levels`` maps ``"dimensions"`` and dimension ids to ``{expert: matrix}``
    (DataFrames over the criteria ids, in framework order). ``expert_weights``
    is None (equal) or ``{expert: weight}``. ``source`` names the workbook (its
    file name) and ``sha256`` its content.
    """

    framework: Framework
    experts: list[str]
    levels: dict[str, dict[str, pd.DataFrame]]
    expert_weights: dict[str, float] | None = None
    source: str = ""
    sha256: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def criteria(self, level: str) -> list[str]:
        """The ids compared at ``level`` ("dimensions" or a dimension id)."""
        fw = self.framework
        return fw.dimension_ids if level == LEVEL_DIMENSIONS else [i.id for i in fw.dimension(level).indicators]

    def group(self, level: str, *, method: str = "aij", prioritization: str = "eigenvector"
              ) -> tuple[pd.Series, pd.DataFrame]:
        """Group weights of one level and the table per expert (see :func:`~workbench.assess.weights.ahp_group`)."""
        key = (level, method, prioritization)
        if key not in self._cache:
            matrices = self.levels[level]
            weights = None
            if self.expert_weights:
                weights = {e: self.expert_weights[e] for e in matrices}
            self._cache[key] = ahp_group(matrices, method=method, weights=weights, prioritization=prioritization,
                                         warn=False)
        w, table = self._cache[key]
        return w.copy(), table.copy()

    def weights(self, *, method: str = "aij", prioritization: str = "eigenvector") -> dict[str, float]:
        """Every level's group weights by id: dimension weights, and indicator weights within their dimension."""
        out: dict[str, float] = {}
        for level in self.ordered_levels():
            w, _ = self.group(level, method=method, prioritization=prioritization)
            out.update({k: float(v) for k, v in w.items()})
        return out

    def ordered_levels(self) -> list[str]:
        """The levels present, dimensions first, then the dimensions in framework order."""
        order = [LEVEL_DIMENSIONS] + self.framework.dimension_ids
        return [lv for lv in order if lv in self.levels]

    def summary(self, *, method: str = "aij", prioritization: str = "eigenvector") -> pd.DataFrame:
        """One row per level and expert: CR, consistent, distance, worst comparison; and a row per level for the group."""
        rows = []
        for level in self.ordered_levels():
            w, table = self.group(level, method=method, prioritization=prioritization)
            rows.append({"level": level, "expert": "", "cr": table.attrs["group_cr"],
                         "consistent": table.attrs["group_cr"] <= 0.1, "consensus": table.attrs["consensus"],
                         "distance": np.nan, "worst_a": None, "worst_b": None, "judgement": np.nan,
                         "suggested": np.nan})
            for expert, rec in table.iterrows():
                rows.append({"level": level, "expert": expert, "cr": rec["cr"], "consistent": rec["consistent"],
                             "consensus": np.nan, "distance": rec["distance"], "worst_a": rec["worst_a"],
                             "worst_b": rec["worst_b"], "judgement": rec["judgement"],
                             "suggested": rec["suggested"]})
        return pd.DataFrame(rows)

    def origin(self, *, method: str = "aij", prioritization: str = "eigenvector") -> dict:
        """What a scheme records about where its weights came from (plain data, saved in its YAML)."""
        levels = {}
        parts = []
        for level in self.ordered_levels():
            w, table = self.group(level, method=method, prioritization=prioritization)
            consensus = table.attrs["consensus"]
            levels[level] = {
                "criteria": list(w.index),
                "weights": {k: float(v) for k, v in w.items()},
                "group_cr": round(float(table.attrs["group_cr"]), 6),
                "consensus": None if not np.isfinite(consensus) else round(float(consensus), 6),
                "experts": {str(e): {"cr": round(float(r["cr"]), 6), "distance": round(float(r["distance"]), 6),
                                     "weight": round(float(r["expert_weight"]), 6)}
                            for e, r in table.iterrows()},
            }
            crs = ", ".join(f"{e} {r['cr']:.3f}{' (>0.1)' if r['cr'] > 0.1 else ''}" for e, r in table.iterrows())
            s = "" if not np.isfinite(consensus) else f", S* {consensus:.2f}"
            parts.append(f"{level}: CR {table.attrs['group_cr']:.3f}{s}; experts' CR {crs}")
        head = (f"{self.source or 'panel'}, {len(self.experts)} experts, {method.upper()}"
                + ("" if prioritization == "eigenvector" else f" ({prioritization})"))
        origin = {"method": "ahp_group", "summary": head + " | " + " | ".join(parts), "panel": self.source,
                  "sha256": self.sha256, "aggregation": method, "prioritization": prioritization,
                  "experts": list(self.experts)}
        if self.expert_weights:
            origin["expert_weights"] = {k: float(v) for k, v in self.expert_weights.items()}
        origin["levels"] = levels
        return origin

    def scheme(self, base=None, *, method: str = "aij", prioritization: str = "eigenvector", name: str | None = None):
        """``base`` (default: the framework's scheme) with the panel's weights and their origin.

        Levels the panel does not compare keep the base's weights.
        """
        from .scoring import Scheme

        base = base if base is not None else Scheme(self.framework)
        weights = self.weights(method=method, prioritization=prioritization)
        return base.with_weights(weights, name=name or "ahp_group").with_origin(
            origin=self.origin(method=method, prioritization=prioritization))


def panel_from_matrices(framework: Framework, levels: Mapping[str, Mapping[str, object]], *,
                        expert_weights: Mapping[str, float] | None = None, source: str = "") -> Panel:
    """A panel from matrices already in hand: ``{level: {expert: matrix}}`` (criteria in framework order).

    >>> fw = Framework.default()
    >>> a = np.ones((6, 6))
    >>> round(panel_from_matrices(fw, {"dimensions": {"甲": a, "乙": a}}).weights()["team"], 12) == round(1 / 6, 12)
    True
    """
    experts: list[str] = []
    out: dict[str, dict[str, pd.DataFrame]] = {}
    probe = Panel(framework, [], {})
    for level, by_expert in levels.items():
        if level != LEVEL_DIMENSIONS and level not in framework.dimension_ids:
            raise ValueError(f"level {level!r} is neither 'dimensions' nor a dimension of {framework.name!r}")
        ids = probe.criteria(level)
        out[level] = {}
        for expert, matrix in by_expert.items():
            frame = matrix.loc[ids, ids] if isinstance(matrix, pd.DataFrame) else pd.DataFrame(
                np.asarray(matrix, dtype="float64"), index=ids, columns=ids)
            out[level][str(expert)] = frame.astype("float64")
            if str(expert) not in experts:
                experts.append(str(expert))
    return Panel(framework, experts, out, dict(expert_weights) if expert_weights else None, source=source)


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


def read_panel(path: str | os.PathLike, framework: Framework, *, name: str | None = None) -> Panel:
    """Read an expert panel workbook (see the module's description) for ``framework``.

    Parameters
    ----------
    path : path-like
        The .xlsx workbook.
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

    path = Path(path)
    source = name or path.name
    problems = _Problems(source, framework)
    try:
        content = path.read_bytes()
    except OSError as exc:
        problems.add("panel_err_open", reason=exc.strerror or str(exc))
        problems.raise_if_any()
    try:
        import io
        import zipfile

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
    return Panel(framework, order, levels, weights or None, source=source,
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


def judgement_text(value: float) -> str:
    """A judgement as people write it: 3, 1/3, 2.5.

    >>> judgement_text(1 / 3), judgement_text(3.0), judgement_text(2.5)
    ('1/3', '3', '2.5')
    """
    if value >= 1:
        return f"{value:g}" if abs(value - round(value)) > 1e-9 else f"{round(value)}"
    inv = 1 / value
    return f"1/{round(inv)}" if abs(inv - round(inv)) < 1e-6 else f"{value:.3g}"
