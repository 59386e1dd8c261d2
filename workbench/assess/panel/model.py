"""The panel's data: judgements of experts per level, their group weights, and the panel's errors.

See :mod:`workbench.assess.panel` for the workbook layouts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from ...i18n import tr
from ..framework import Framework
from ..scoring import Scheme
from ..weights import ahp_group

__all__ = ["Panel", "PanelError", "panel_from_matrices", "parse_judgement", "judgement_text", "SAATY_WORDS",
           "LEVEL_DIMENSIONS", "PROBLEM_COLUMNS"]

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
        super().__init__(self.render(lang="en"))

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

    def message(self, lang: str = "en") -> str:
        """The error in ``lang`` (what the command line prints for ``--lang``)."""
        return self.render(lang)

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
        one = len(self.experts) == 1
        head = (f"{self.source or 'entered in the weight explorer'}, {len(self.experts)} expert{'' if one else 's'}"
                + ("" if one else f", {method.upper()}")
                + ("" if prioritization == "eigenvector" else f" ({prioritization})"))
        origin = {"method": "ahp" if one else "ahp_group", "summary": head + " | " + " | ".join(parts), "panel": self.source,
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


def judgement_text(value: float) -> str:
    """A judgement as people write it: 3, 1/3, 2.5.

    >>> judgement_text(1 / 3), judgement_text(3.0), judgement_text(2.5)
    ('1/3', '3', '2.5')
    """
    if value >= 1:
        return f"{value:g}" if abs(value - round(value)) > 1e-9 else f"{round(value)}"
    inv = 1 / value
    return f"1/{round(inv)}" if abs(inv - round(inv)) < 1e-6 else f"{value:.3g}"
