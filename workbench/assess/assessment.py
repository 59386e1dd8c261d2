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
from .kernel import Grading, min_rank, rank_rows
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
        grading = Grading(self.framework, prepared.flags)
        self._grade_codes, self._veto_hits, self.quota_demoted = grading.grade_one(total, ranking)

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
        out = pd.concat([self.total, self.rank, self.grade, self.dimensions], axis=1)
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
            ("software", f"workbench {__version__}"),
            ("created", dt.datetime.now().isoformat(timespec="seconds")),
        ]
        if data is not None and data.source:  # which data (the file's name, not the server's folders)
            rows.insert(5, ("data", Path(data.source).name or data.source))
            if loaded_at:
                rows.insert(6, ("loaded", str(loaded_at).replace("T", " ")))
        return method_sheet(rows)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.grade_counts().items())
        return f"Assessment(period={self.period}, branches={len(self.total)}, {counts})"


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
