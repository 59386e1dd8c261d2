"""Assessments: scores, ranks and grades of every branch, and comparisons between two of them.

:meth:`Scheme.score <workbench.assess.scoring.Scheme.score>` returns an
:class:`Assessment`; ranks and grades come from the kernel
(:mod:`workbench.assess.kernel`) as its one-draw case.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from .._version import __version__
from ..data.core import BranchData
from ..files import write_excel
from .derivations import ASSESSOR
from .kernel import Grading, min_rank, rank_rows
from .scores import assessor_scores
from ..i18n import MESSAGES as _MESSAGES, tr
from .labels import bilingual, both, column_label, describe_origin, method_sheet

if TYPE_CHECKING:  # pragma: no cover
    from .scoring import Prepared, Scheme

__all__ = ["Assessment", "Comparison", "results_table"]


# ================================================================ assessment

class Assessment:
    """The result of scoring: dimension scores, total, rank, grade, vetoes, quota.

    Attributes are Series / DataFrames indexed by branch_id: ``total``,
    ``rank`` (Int64, 1 = best, ties share the smallest rank), ``grade``
    (ordered Categorical, worst first), ``dimensions``.
    """

    def __init__(self, scheme: Scheme, prepared: Prepared, dims: np.ndarray, total: np.ndarray):
        self.scheme = scheme
        self.framework = scheme.framework
        self.prepared = prepared
        self.period = prepared.period
        self._dims = dims
        self._total = total
        # the work is done here, in numpy (the one-draw case of the kernel the Monte Carlo engine runs);
        # the pandas objects are built when first read
        ranking = rank_rows(total[None, :])
        self._ranks = min_rank(total, ranking)
        grading = Grading(self.framework, prepared.flags, kinds=prepared.kinds)
        self._group_of = grading.group_of if grading.group_of is not None else prepared.kinds
        codes, self._veto_hits, self.quota_demoted = grading.grade_one(total, ranking)
        self._computed_codes = codes
        self._grade_codes, self._overrides = _apply_overrides(codes, scheme.overrides, prepared.index,
                                                              list(reversed(self.framework.grade_ids)))

    @cached_property
    def total(self) -> pd.Series:
        return pd.Series(self._total, index=self.prepared.index, name="total")

    @cached_property
    def rank(self) -> pd.Series:
        return pd.Series(self._ranks, index=self.prepared.index, name="rank")

    @cached_property
    def grade(self) -> pd.Series:
        return pd.Series(pd.Categorical.from_codes(self._grade_codes, dtype=self.grade_dtype),
                         index=self.prepared.index, name="grade")

    @cached_property
    def rank_within(self) -> pd.Series | None:
        """Rank within the branch's kind (or its standards group): 1 = best of its kind; None without kinds.

        >>> import workbench as wb
        >>> fw = wb.Framework.from_rule_sheet("sample_data/评分细则.xlsx")
        >>> res = wb.Scheme(fw).score(wb.compute_indicators(wb.load("sample_data"), fw, period=2025))
        >>> int(res.rank_within.min()), bool((res.rank_within <= res.rank).all())
        (1, True)
        """
        if self._group_of is None:
            return None
        out = np.zeros(len(self._total), dtype="int64")
        for group in np.unique(self._group_of):
            mask = self._group_of == group
            out[mask] = np.asarray(min_rank(self._total[mask]).fillna(0), dtype="int64")
        return pd.Series(pd.arrays.IntegerArray(out, np.isnan(self._total)), index=self.prepared.index,
                         name="rank_within")

    @cached_property
    def overrides(self) -> pd.DataFrame:
        """Manual grade decisions of the scheme: branch_id, grade_computed, grade, reason, applied.

        ``applied`` is False for a decision on a branch this assessment does not hold
        (it is listed, never dropped silently).
        """
        return self._overrides

    @cached_property
    def grade_computed(self) -> pd.Series:
        """The grade before manual decisions (bands, vetoes, quotas)."""
        return pd.Series(pd.Categorical.from_codes(self._computed_codes, dtype=self.grade_dtype),
                         index=self.prepared.index, name="grade_computed")

    @cached_property
    def points(self) -> pd.DataFrame | None:
        """A points framework's sub-totals: points earned per dimension, earned, applicable, bonus, total.

        Item points are the scheme's effective weights scaled to the framework's
        total points (the items' own points unless re-weighted): ``total = 100 x
        earned / applicable + bonus``. None for a weighted-index framework.
        """
        if not self.framework.points_based:
            return None
        block, wd = self.scheme.matrices()
        points = (block @ wd) * self.framework.total_points
        prepared = self.prepared
        earned = np.where(prepared.present, np.nan_to_num(prepared.normalized) / 100.0, 0.0) * points
        sizes = [len(d.indicators) for d in self.framework.dimensions]
        bounds = np.cumsum([0] + sizes)
        out = pd.DataFrame({d.id: earned[:, a:b].sum(axis=1)
                            for d, a, b in zip(self.framework.dimensions, bounds[:-1], bounds[1:])},
                           index=prepared.index)
        out["earned"] = earned.sum(axis=1)
        out["applicable"] = prepared.present_float @ points
        out["bonus"] = prepared.bonus if prepared.bonus is not None else 0.0
        out["total"] = self._total
        return out

    @property
    def grade_dtype(self) -> pd.CategoricalDtype:
        return _grade_dtype(tuple(self.framework.grade_ids))

    @cached_property
    def dimensions(self) -> pd.DataFrame:
        return pd.DataFrame(self._dims, index=self.prepared.index, columns=self.framework.dimension_ids)

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """Normalized indicator scores (after the missing policy)."""
        return self.prepared.frame()

    @property
    def missing(self) -> pd.DataFrame:
        """Branches and indicators without an observed value, and what the policy did."""
        return self.prepared.missing_report

    @cached_property
    def vetoes(self) -> pd.DataFrame:
        """Vetoes that lowered a grade: branch_id, veto, grade before the veto, grade after."""
        fw = self.framework
        cats = self.grade_dtype.categories
        rows = [{"branch_id": self.prepared.index[b], "veto": fw.vetoes[v].id,
                 "veto_zh": fw.vetoes[v].zh, "veto_en": fw.vetoes[v].en,
                 "grade_before": cats[before], "grade_after": cats[after]}
                for b, v, before, after in self._veto_hits]
        return pd.DataFrame(rows, columns=["branch_id", "veto", "veto_zh", "veto_en",
                                           "grade_before", "grade_after"])

    def grade_counts(self) -> pd.Series:
        """Branches per grade, best first."""
        return self.grade.value_counts().reindex(self.framework.grade_ids).fillna(0).astype(int)

    def frame(self, lang: str | None = None) -> pd.DataFrame:
        """Results per branch: total, rank, grade and the dimension scores, best first."""
        parts = [self.total, self.rank]
        if self.rank_within is not None:
            parts.append(self.rank_within)
        parts.append(self.grade)
        if len(self.overrides):
            applied = self.overrides[self.overrides["applied"]].set_index("branch_id")
            parts.append(applied["reason"].reindex(self.prepared.index).rename("override"))
        parts.append(self.dimensions)
        if self.prepared.bonus is not None:
            parts.append(pd.Series(self.prepared.bonus, index=self.prepared.index, name="bonus"))
        out = pd.concat(parts, axis=1)
        out = out.sort_values(["rank", "total"], na_position="last")
        if lang:
            out = out.rename(columns=lambda c: column_label(self.framework, c, lang))
        return out

    # ------------------------------------------------------------- comparison
    def compare(self, other: Assessment) -> Comparison:
        """Compare with ``other`` taken as the reference ("before"): rank shifts, grade transitions, tau, rho.

        ``shift`` is ``rank_before - rank_after``: positive when a branch moved up.
        """
        return Comparison.between(before=other, after=self)

    def explain(self, branch_id: str, *, lang: str = "en") -> pd.DataFrame:
        """Which indicators raise or lower this branch most.

        contribution = the branch's effective weight of the indicator x (its
        normalized score - the mean normalized score of all branches). With
        arithmetic aggregation and complete data the contributions add up to
        the branch's total minus the mean total. Sorted from the most raising
        to the most lowering.
        """
        if branch_id not in self.prepared.index:
            raise KeyError(f"no branch {branch_id!r} in this assessment")
        b = self.prepared.index.get_loc(branch_id)
        block, wd = self.scheme.matrices()
        present = self.prepared.present[b]
        within = block * present[:, None]
        sums = within.sum(axis=0)
        within = np.divide(within, sums, out=np.zeros_like(within), where=sums > 0)
        dims_present = sums > 0
        wd_b = np.where(dims_present, wd, 0.0)
        wd_b = wd_b / wd_b.sum() if wd_b.sum() > 0 else wd_b
        weight = within @ wd_b
        norm = self.prepared.normalized
        means = np.nanmean(np.where(self.prepared.present, norm, np.nan), axis=0)
        contribution = weight * (np.nan_to_num(norm[b]) - np.nan_to_num(means))
        contribution = np.where(present, contribution, 0.0)
        fw = self.framework
        out = pd.DataFrame({
            "indicator": fw.indicator_ids,
            "label": [i.label(lang) for i in fw.indicators],
            "dimension": [fw.dimension_of(i) for i in fw.indicator_ids],
            "value": self.prepared.raw.iloc[b].to_numpy(),
            "score": norm[b],
            "mean_score": means,
            "weight": weight,
            "contribution": contribution,
        })
        if fw.points_based:
            # the county's own terms: the item's points, the points earned, and why an item earned nothing
            points = (block @ wd) * fw.total_points
            applies = (self.prepared.applicable[b] if self.prepared.applicable is not None
                       else np.ones(len(points), dtype=bool))
            out["points"] = np.where(applies, points, np.nan)
            out["earned"] = np.where(applies, np.nan_to_num(norm[b]) / 100.0 * points, np.nan)
            missing = applies & np.isnan(self.prepared.raw.iloc[b].to_numpy(dtype="float64"))
            note = np.where(~applies, tr("note_not_applicable", lang),
                            np.where(missing, tr("note_missing_zero", lang), ""))
            out["note"] = note
        return out.sort_values("contribution", ascending=False, kind="stable").reset_index(drop=True)

    # ----------------------------------------------------------------- export
    def to_excel(self, path: str | os.PathLike, *, data: BranchData | None = None,
                 loaded_at: str | None = None) -> Path:
        """Write results, dimension scores, indicator values, weights and methods to a workbook.

        Headers are Chinese and English ("总分 Total"); the weights and methods
        sheets hold everything needed to reproduce the numbers. ``data`` adds
        branch names and townships, and the method sheet names the data (its
        file, and ``loaded_at`` when given: when it was loaded). The file is
        written atomically.
        """
        fw = self.framework
        results = self.frame()
        if data is not None:
            info = data.branches.set_index("branch_id")[["name", "township", "kind"]]
            results = info.reindex(results.index).join(results)
            # the kind as a reader writes it (村 village), not the data's identifier
            results["kind"] = results["kind"].map(lambda k: both(f"kind_{k}") if isinstance(k, str) else k)
        vetoed = self.vetoes.groupby("branch_id")["veto_zh"].agg("、".join) if len(self.vetoes) else pd.Series(dtype=str)
        results["veto"] = vetoed.reindex(results.index).fillna("").astype(object)
        labels = {g.id: f"{g.zh} {g.en}" for g in fw.grades}
        results.insert(results.columns.get_loc("grade") + 1, "grade_label",
                       results["grade"].astype(object).map(labels))
        results.insert(0, "branch_id", results.index)
        if len(self.overrides):
            marks = self.overrides[self.overrides["applied"]].set_index("branch_id")
            results["override"] = [tr("override_mark", "zh", reason=marks.loc[b, "reason"]) if b in marks.index
                                   else "" for b in results.index]
        sheets = {
            both("sheet_results"): bilingual(fw, results),
            both("sheet_dimensions"): bilingual(fw, self.dimensions.reset_index()),
            both("sheet_indicator_values"): bilingual(fw, self.prepared.raw.reset_index()),
            both("sheet_indicator_scores"): bilingual(fw, self.indicators.reset_index()),
            both("sheet_weights"): bilingual(fw, self.scheme.describe("zh").merge(
                self.scheme.describe("en")[["indicator", "dimension_label", "indicator_label"]],
                on="indicator", suffixes=("_zh", "_en"))),
            both("sheet_method"): self._method_sheet(data, loaded_at),
            both("sheet_vetoes"): bilingual(fw, self.vetoes),
            both("sheet_missing"): bilingual(fw, self.missing),
        }
        if self.points is not None:
            sheets[both("sheet_points")] = bilingual(fw, self.points.reset_index())
        if data is not None and self.period is not None and any(i.derivation == ASSESSOR for i in fw.indicators):
            sheets[both("sheet_assessor_gaps")] = bilingual(fw, assessor_scores(data, fw, self.period))
        if len(self.overrides):
            sheets[both("sheet_overrides")] = bilingual(fw, self.overrides)
        # formula-safe texts (branch names come from the data), scores with one decimal, header frozen
        scores = {"total": "0.0", "score": "0.0", **{str(c): "0.0" for c in self.dimensions.columns}}
        return write_excel(Path(path), sheets, number_formats=scores)

    def _method_sheet(self, data: BranchData | None = None, loaded_at: str | None = None) -> pd.DataFrame:
        fw, s = self.framework, self.scheme
        quotas = "; ".join(f"{q.grade} ≤ {q.max_share:.0%}" + (f" ({q.scope})" if q.scope else "")
                           for q in fw.quota_rules)
        rows = [
            ("framework", f"{fw.name} v{fw.version} ({fw.zh} / {fw.en})"),
            ("scheme", s.name),
            ("note", s.note),
            ("origin", describe_origin(s.origin)),
            ("period", self.period),
            ("indicator_aggregation", s.aggregation.indicators),
            ("dimension_aggregation", s.aggregation.dimensions),
            ("missing", s.missing),
            ("grades", "; ".join(f"{g.zh} {g.en} ≥ {g.min:g}" if g.min is not None else
                                 f"{g.zh} {g.en} (veto only)" for g in fw.grades)),
            ("vetoes", "; ".join(f"{v.zh}: {v.column} {v.op} {v.value:g} → ≤ {v.cap}" for v in fw.vetoes)),
            ("quota", quotas or "none"),
            ("standards", "; ".join(f"{g.id}: {', '.join(g.members)}" + (
                " (" + ", ".join(f"{k} ≥ {v:g}" for k, v in g.grades.items()) + ")" if g.grades else "")
                for g in fw.standards.groups) or fw.standards.by if fw.standards else "none"),
            ("overrides", "; ".join(f"{b}: {g} ({r})" for b, (g, r) in s.overrides.items()) or "none"),
            ("software", f"workbench {__version__}"),
            ("created", dt.datetime.now().isoformat(timespec="seconds")),
        ]
        if data is not None and data.source:  # which data (the file's name, not the server's folders)
            rows.insert(5, ("data", Path(data.source).name or data.source))
            if loaded_at:
                rows.insert(6, ("loaded", str(loaded_at).replace("T", " ")))
        return method_sheet(rows)

    def publicity_list(self, data: BranchData, *, lang: str = "zh") -> pd.DataFrame:
        """The publicity list (公示名单): every branch by township, its grade, overrides marked.

        Rows are ordered by township, then grade (best first) and rank; the
        ``override`` column names a manual decision and its reason, so that no
        decision is published silently.
        """
        info = data.branches.set_index("branch_id")[["township", "name", "kind"]]
        out = info.reindex(self.prepared.index).copy()
        out["kind"] = [tr(f"scenario_kind_{k}", lang) if f"scenario_kind_{k}" in _MESSAGES else k
                       for k in out["kind"].astype(str)]
        out["total"] = self.total.round(1)
        out["rank"] = self.rank
        if self.rank_within is not None:
            out["rank_within"] = self.rank_within
        grade_order = {g: k for k, g in enumerate(self.framework.grade_ids)}
        out["grade"] = [self.framework.label(g, lang) if isinstance(g, str) else "" for g in
                        self.grade.astype(object)]
        applied = self.overrides[self.overrides["applied"]].set_index("branch_id") if len(self.overrides) \
            else pd.DataFrame(columns=["reason"])
        out["override"] = [tr("override_mark", lang, reason=applied.loc[b, "reason"]) if b in applied.index else ""
                           for b in out.index]
        out["_order"] = self.grade.astype(object).map(grade_order).fillna(len(grade_order))
        out = out.reset_index().sort_values(["township", "_order", "rank"], kind="stable").drop(columns="_order")
        return out.rename(columns=lambda c: tr(f"column_{c}", lang) if f"column_{c}" in _MESSAGES else c)

    def publicity_to_excel(self, path: str | os.PathLike, data: BranchData, *, lang: str = "zh") -> Path:
        """Write the publicity list (公示名单) to a workbook: one sheet per township (formula-safe, atomic)."""
        frame = self.publicity_list(data, lang=lang)
        township = tr("column_township", lang)
        sheets = {}
        for name, part in frame.groupby(township, sort=False):
            title = _sheet_title(str(name), sheets)
            sheets[title] = part.reset_index(drop=True)
        if not sheets:
            sheets[tr("sheet_publicity", lang)] = frame
        return write_excel(Path(path), sheets, number_formats={tr("column_total", lang): "0.0"})

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.grade_counts().items())
        return f"Assessment(period={self.period}, branches={len(self.total)}, {counts})"


# ================================================================ overrides

def _apply_overrides(codes: np.ndarray, overrides: dict, index: pd.Index, categories: list[str]
                     ) -> tuple[np.ndarray, pd.DataFrame]:
    """Grade codes with the manual decisions applied, and the table of decisions (never silent)."""
    columns = ["branch_id", "grade_computed", "grade", "reason", "applied"]
    if not overrides:
        return codes, pd.DataFrame(columns=columns)
    out = codes.copy()
    rows = []
    for branch, (grade, reason) in overrides.items():
        pos = index.get_indexer([branch])[0]
        before = categories[codes[pos]] if pos >= 0 and codes[pos] >= 0 else None
        if pos >= 0:
            out[pos] = categories.index(grade)
        rows.append({"branch_id": branch, "grade_computed": before, "grade": grade, "reason": reason,
                     "applied": pos >= 0})
    return out, pd.DataFrame(rows, columns=columns)


def _sheet_title(name: str, taken) -> str:
    """An Excel sheet name (at most 31 characters, none of []:*?/\\) not yet taken."""
    title = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "-"
    k = 2
    while title in taken:
        title = f"{title[:28]}_{k}"
        k += 1
    return title


# ================================================================ results table

def results_table(total: pd.Series, rank: pd.Series, grade: pd.Series, dimensions: pd.DataFrame) -> pd.DataFrame:
    """The engine-neutral results table: branch_id, total, rank, grade, one column per dimension.

    What ``workbench score -o results.parquet`` writes, whether pandas or Dask scored.

    >>> idx = pd.Index(["B1", "B2"], name="branch_id")
    >>> results_table(pd.Series([90.0, 80.0], idx, name="total"), pd.Series([1, 2], idx, name="rank"),
    ...               pd.Series(["strong", "basic"], idx, name="grade"),
    ...               pd.DataFrame({"team": [1.0, 2.0]}, idx)).columns.tolist()
    ['branch_id', 'total', 'rank', 'grade', 'team']
    """
    out = pd.concat([total, rank, grade.astype(str), dimensions], axis=1)
    return out.reset_index()


# ================================================================ ranks, grades

@lru_cache(maxsize=64)
def _grade_dtype(grade_ids: tuple[str, ...]) -> pd.CategoricalDtype:
    """Grades worst first, ordered (built once per set of grades: a re-score must not rebuild it)."""
    return pd.CategoricalDtype(list(reversed(grade_ids)), ordered=True)


# ================================================================ comparison

@dataclass
class Comparison:
    """Rank shifts, grade transitions and rank correlations between two assessments."""

    table: pd.DataFrame
    transitions: pd.DataFrame
    kendall_tau: float
    spearman_rho: float
    mean_abs_shift: float
    grade_changes: int = field(default=0)

    @classmethod
    def between(cls, *, before: Assessment, after: Assessment) -> Comparison:
        common = before.total.index.intersection(after.total.index, sort=False)
        rb = before.rank.reindex(common)
        ra = after.rank.reindex(common)
        table = pd.DataFrame({
            "rank_before": rb, "rank_after": ra, "shift": (rb - ra).astype("Int64"),
            "total_before": before.total.reindex(common), "total_after": after.total.reindex(common),
            "grade_before": before.grade.reindex(common), "grade_after": after.grade.reindex(common),
        })
        both = table[["rank_before", "rank_after"]].dropna().astype("float64")
        if len(both) > 1:
            tau = float(stats.kendalltau(both["rank_before"], both["rank_after"]).statistic)
            rho = float(stats.spearmanr(both["rank_before"], both["rank_after"]).statistic)
        else:
            tau = rho = float("nan")
        grades_b = list(before.grade_dtype.categories)[::-1]
        grades_a = list(after.grade_dtype.categories)[::-1]
        transitions = pd.crosstab(table["grade_before"], table["grade_after"], dropna=False)
        transitions = transitions.reindex(index=grades_b, columns=grades_a, fill_value=0)
        transitions.index.name, transitions.columns.name = "before", "after"
        shift = table["shift"].astype("float64")
        changes = int((table["grade_before"].astype(object) != table["grade_after"].astype(object)).sum())
        return cls(table=table, transitions=transitions, kendall_tau=tau, spearman_rho=rho,
                   mean_abs_shift=float(np.nanmean(np.abs(shift))) if len(shift) else 0.0,
                   grade_changes=changes)

    def movers(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` branches that moved most (up or down)."""
        order = self.table["shift"].astype("float64").abs().sort_values(ascending=False, kind="stable")
        return self.table.loc[order.index[:n]]
