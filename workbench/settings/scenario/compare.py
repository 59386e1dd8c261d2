"""Before and after a scenario: members, violations, indicators, scores, grades and ranks.

:func:`evaluate` assesses one BranchData (indicators, scores, rule checks);
:func:`comparison` sets the baseline's and the scenario's results side by side
for the branches the scenario touches, and in county totals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...assess.indicators import compute_indicators
from ...data.core import BranchData
from ...i18n import tr
from ...studies.diagnostics import RankReversal, scenario_reversals
from ..rules import RULES, RuleSet, check_rules
from .state import State

__all__ = ["ScenarioComparison", "evaluate", "comparison"]


@dataclass(frozen=True)
class ScenarioComparison:
    """Before / after of a scenario, as DataFrames (:meth:`to_text` renders them).

    - ``branches``: one row per affected branch (index ``branch_id``):
      ``status`` ("changed", "removed", "new"), ``name``, and before / after
      pairs of ``members``, ``errors``, ``warnings``, ``score``, ``grade``,
      ``rank``; plus ``rank_change`` (positive = moved up).
    - ``indicators``: long table ``branch_id, indicator, before, after`` of the
      affected branches.
    - ``violations``: the violations of the affected branches (the columns of
      :func:`~workbench.settings.rules.check_rules`) with ``when`` ("before" / "after").
    - ``totals``: rows ``branches``, ``members``, ``errors``, ``warnings``,
      ``rule:<id>``, ``grade:<id>``, ``mean_score``; columns ``before, after,
      change``.
    - ``reversal``: pairs of branches the scenario does not touch whose order
      changed (relative normalizations, data-derived weights), or None.
    """

    period: int
    branches: pd.DataFrame
    indicators: pd.DataFrame
    violations: pd.DataFrame
    totals: pd.DataFrame
    reversal: RankReversal | None = None

    def to_text(self, lang: str = "en", *, limit: int = 40) -> str:
        """A printable report (what ``workbench simulate`` prints)."""
        lines = [f"{tr('scenario_report_period', lang)} {self.period}", "", tr("scenario_report_totals", lang)]
        for key, row in self.totals.iterrows():
            if key.startswith("rule:") and row["before"] == row["after"]:
                continue
            fmt = "{:.1f}" if key == "mean_score" else "{:.0f}"
            lines.append(f"  {key:<32} {fmt.format(row['before']):>8} -> {fmt.format(row['after']):>8}"
                         f"  ({row['change']:+.1f})")
        lines += ["", f"{tr('scenario_report_affected', lang)} ({len(self.branches)})"]
        cols = ["status", "name", "members_before", "members_after", "errors_before", "errors_after",
                "score_before", "score_after", "grade_before", "grade_after", "rank_before", "rank_after"]
        with pd.option_context("display.width", 250, "display.max_columns", 20, "display.max_colwidth", 24,
                               "display.float_format", "{:.1f}".format):
            lines.append(self.branches.head(limit)[cols].to_string() if len(self.branches) else "  -")
        if len(self.branches) > limit:
            lines.append(tr("scenario_report_more", lang, n=len(self.branches) - limit))
        if self.reversal is not None:
            lines += ["", self.reversal.message(lang)]
        return "\n".join(lines)


def evaluate(data: BranchData, scheme, rules: RuleSet, period: int | None, groups: bool) -> dict:
    """Indicators, the assessment and the rule violations of ``data`` (one side of a comparison)."""
    table = compute_indicators(data, scheme.framework, period=period)
    period = int(table.attrs.get("period", period))
    towns = data.branches.set_index("branch_id")["township"] if groups else None
    return {"period": period, "table": table, "result": scheme.score(table, groups=towns),
            "violations": check_rules(data, rules, period=period)}


def comparison(state: State, status: pd.Series, before: dict, after: dict, framework) -> ScenarioComparison:
    """Before / after of the branches in ``status`` (affected ones) and of the county, from two evaluations."""
    base = state.base
    ids = status.index
    n_base = len(base.branch_ids)
    # Codes of the affected branches: they index the state's arrays, old and new alike.
    codes = np.asarray([base.branch_index[i] if i in base.branch_index else state.new_index[i] for i in ids],
                       dtype=np.int64)
    was = codes < n_base
    now = state.alive[codes]
    size_b = np.bincount(base.member_codes, minlength=len(state.ids))[codes]
    size_a = state.counts()[codes]
    rb, ra = before["result"], after["result"]
    vb, va = before["violations"], after["violations"]
    vb_here = vb[vb["branch_id"].isin(ids).to_numpy()]
    va_here = va[va["branch_id"].isin(ids).to_numpy()]

    def count(v, severity, mask):
        found = v.loc[(v["severity"] == severity).to_numpy(), "branch_id"].value_counts()
        return pd.array(np.where(mask, found.reindex(ids, fill_value=0).to_numpy(), pd.NA), dtype="Int64")

    def masked(values, mask):
        return pd.array(np.where(mask, values, pd.NA), dtype="Int64")

    branches = pd.DataFrame({
        "status": status,
        "name": [state.name[c] for c in codes],
        "members_before": masked(size_b, was), "members_after": masked(size_a, now),
        "errors_before": count(vb_here, "error", was), "errors_after": count(va_here, "error", now),
        "warnings_before": count(vb_here, "warning", was), "warnings_after": count(va_here, "warning", now),
        "score_before": rb.total.reindex(ids), "score_after": ra.total.reindex(ids),
        "grade_before": rb.grade.astype("str").reindex(ids), "grade_after": ra.grade.astype("str").reindex(ids),
        "rank_before": rb.rank.reindex(ids).astype("Int64"), "rank_after": ra.rank.reindex(ids).astype("Int64"),
    }, index=ids)
    branches["rank_change"] = branches["rank_before"] - branches["rank_after"]

    ind_ids = list(framework.indicator_ids)
    lb = before["table"].reindex(ids)[ind_ids].stack(future_stack=True).rename("before")
    la = after["table"].reindex(ids)[ind_ids].stack(future_stack=True).rename("after")
    indicators = pd.concat([lb, la], axis=1).rename_axis(["branch_id", "indicator"]).reset_index()
    violations = pd.concat([vb_here.assign(when="before"), va_here.assign(when="after")], ignore_index=True)

    def severity(v, s):
        return int((v["severity"] == s).to_numpy().sum())

    rows = {
        "branches": (n_base, int(state.alive.sum())),
        "members": (len(base.member_codes), len(state.member_branch)),
        "errors": (severity(vb, "error"), severity(va, "error")),
        "warnings": (severity(vb, "warning"), severity(va, "warning")),
    }
    rule_b, rule_a = vb["rule"].value_counts(), va["rule"].value_counts()
    for rule in RULES:
        if rule in rule_b.index or rule in rule_a.index:
            rows[f"rule:{rule}"] = (int(rule_b.get(rule, 0)), int(rule_a.get(rule, 0)))
    grades = list(framework.grade_ids)
    gb, ga = _grade_counts(rb.grade, grades), _grade_counts(ra.grade, grades)
    for k, grade in enumerate(grades):
        rows[f"grade:{grade}"] = (gb[k], ga[k])
    rows["mean_score"] = (float(rb.total.mean()), float(ra.total.mean()))
    totals = pd.DataFrame(rows, index=["before", "after"]).T.astype("float64")
    totals["change"] = totals["after"] - totals["before"]
    return ScenarioComparison(period=before["period"], branches=branches, indicators=indicators,
                              violations=violations, totals=totals, reversal=scenario_reversals(rb, ra, ids))


def _grade_counts(grade: pd.Series, grades: list[str]) -> list[int]:
    """Branches per grade, in ``grades`` order (best first)."""
    at = pd.Categorical(grade, categories=grades).codes
    return np.bincount(at[at >= 0], minlength=len(grades)).tolist()
