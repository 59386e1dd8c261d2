"""Summaries of rule violations: by rule, by township, a filterable list.

Pure functions of the table :func:`~workbench.settings.rules.check_rules` returns (one
row per branch and rule), used by the branch-settings dashboard and the
scenario before/after.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> v = violation_list(wb.check_rules(data, period=2025), data)
>>> v.iloc[0]["severity"], list(v.columns[:4])
('error', ['branch_id', 'name', 'township', 'rule'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.core import BranchData
from .rules import RULES, rule_label

__all__ = ["rule_label", "violation_list", "violations_by_rule", "violations_by_township",
           "filter_violations", "SEVERITY_ORDER"]

#: Severities of the rules, the more serious first.
SEVERITY_ORDER = ("error", "warning")


def _rule_order(rules: pd.Series) -> np.ndarray:
    order = {r: k for k, r in enumerate(RULES)}
    return rules.map(order).fillna(len(order)).to_numpy()


def violation_list(violations: pd.DataFrame, data: BranchData) -> pd.DataFrame:
    """Violations with the branch name and township: errors first, then by rule and branch.

    Columns: ``branch_id, name, township, rule, category, severity,
    message_zh, message_en, value, threshold``.
    """
    branches = data.branches.set_index("branch_id")
    out = violations.copy()
    out.insert(1, "name", branches["name"].reindex(out["branch_id"]).to_numpy())
    out.insert(2, "township", branches["township"].reindex(out["branch_id"]).to_numpy())
    severity = pd.Categorical(out["severity"].astype(str), categories=list(SEVERITY_ORDER)).codes
    order = np.lexsort((out["branch_id"].astype(str).to_numpy(), _rule_order(out["rule"].astype(str)), severity))
    return out.iloc[order].reset_index(drop=True)


def violations_by_rule(violations: pd.DataFrame) -> pd.DataFrame:
    """Per rule: ``category, severity, count`` (rows) and ``branches`` (distinct), errors first.

    >>> v = pd.DataFrame({"branch_id": ["a", "a", "b"], "rule": ["no_secretary", "term_due", "term_due"],
    ...                   "category": "setting", "severity": ["error", "warning", "warning"]})
    >>> violations_by_rule(v)[["count", "branches"]].to_dict("index")
    {'no_secretary': {'count': 1, 'branches': 1}, 'term_due': {'count': 2, 'branches': 2}}
    """
    if violations.empty:
        return pd.DataFrame(columns=["category", "severity", "count", "branches"],
                            index=pd.Index([], name="rule"))
    grouped = violations.groupby("rule", observed=True)
    out = pd.DataFrame({
        "category": grouped["category"].first().astype(str),
        "severity": grouped["severity"].first().astype(str),
        "count": grouped.size(),
        "branches": grouped["branch_id"].nunique(),
    })
    severity = pd.Categorical(out["severity"], categories=list(SEVERITY_ORDER)).codes
    order = np.lexsort((_rule_order(out.index.to_series()), -out["count"].to_numpy(), severity))
    out = out.iloc[order]
    out.index.name = "rule"
    return out


def violations_by_township(violations: pd.DataFrame, townships: pd.Series) -> pd.DataFrame:
    """Per township: ``error`` and ``warning`` counts and ``branches`` with any, most errors first.

    Every township of ``townships`` (branch_id -> township) is listed, with
    zeros where it has no violation.
    """
    towns = pd.Series(townships)
    all_towns = pd.Index(sorted(towns.dropna().unique()), name="township")
    at = towns.reindex(violations["branch_id"]).to_numpy()
    frame = pd.DataFrame({"township": at, "severity": violations["severity"].astype(str).to_numpy(),
                          "branch_id": violations["branch_id"].to_numpy()})
    counts = pd.crosstab(frame["township"], frame["severity"]).reindex(index=all_towns, columns=list(SEVERITY_ORDER),
                                                                      fill_value=0)
    counts.columns.name = None
    counts["branches"] = frame.groupby("township")["branch_id"].nunique().reindex(all_towns, fill_value=0)
    counts = counts.fillna(0).astype("int64")
    order = np.lexsort((counts.index.to_numpy(), -counts["warning"].to_numpy(), -counts["error"].to_numpy()))
    return counts.iloc[order]


def filter_violations(violations: pd.DataFrame, *, rules=None, townships=None, severities=None,
                      categories=None, branch_ids=None) -> pd.DataFrame:
    """Rows of a :func:`violation_list` matching every filter given (a value or a list; None = all).

    >>> import workbench as wb
    >>> data = wb.load("sample_data")
    >>> v = violation_list(wb.check_rules(data, period=2025), data)
    >>> set(filter_violations(v, severities="error")["severity"])
    {'error'}
    """
    def values(x):
        if x is None:
            return None
        x = [x] if isinstance(x, str) else list(x)
        return x or None

    mask = np.ones(len(violations), dtype=bool)
    for column, chosen in (("rule", rules), ("township", townships), ("severity", severities),
                           ("category", categories), ("branch_id", branch_ids)):
        chosen = values(chosen)
        if chosen is None:
            continue
        if column not in violations.columns:
            raise KeyError(f"filter on {column!r}: the table has no such column (use violation_list)")
        mask &= violations[column].astype(str).isin([str(c) for c in chosen]).to_numpy()
    return violations[mask]
