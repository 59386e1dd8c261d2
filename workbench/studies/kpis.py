"""County-level key figures for the overview (pure functions of core results).

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> table = wb.compute_indicators(data, period=2025)
>>> k = county_kpis(data, table, wb.Scheme(wb.Framework.default()).score(table))
>>> k["branches"] == len(data.branches)
True
"""

from __future__ import annotations

import pandas as pd

from ..data import BranchData
from ..settings.rules import check_rules

__all__ = ["county_kpis", "problem_progress"]


def problem_progress(data: BranchData, period: int) -> dict:
    """Problems found in ``period`` and how many were closed off (rectified) by its end."""
    p = data.problems
    end = pd.Timestamp(period, 12, 31)
    found = p[p["found"].dt.year == period]
    done = int((found["rectified"] <= end).sum())
    return {"found": int(len(found)), "done": done, "rate": done / len(found) if len(found) else 1.0}


def county_kpis(data: BranchData, table: pd.DataFrame, result, violations: pd.DataFrame | None = None
                ) -> dict:
    """Branches, members, grades, rule violations, rectification and overdue problems of a period."""
    period = table.attrs.get("period", result.period)
    if violations is None:
        violations = check_rules(data, result.framework.rules, period=period)
    members = data.members[data.members["join_date"] < pd.Timestamp(period + 1, 1, 1)]
    setting = violations[violations["category"] == "setting"]
    progress = problem_progress(data, period)
    return {
        "period": period,
        "branches": int(len(data.branches)),
        "members": int(len(members)),
        "grades": result.grade_counts().to_dict(),
        "errors": int((setting["severity"] == "error").sum()),
        "warnings": int((setting["severity"] == "warning").sum()),
        "branches_with_errors": int(setting.loc[setting["severity"] == "error", "branch_id"].nunique()),
        "problems_found": progress["found"],
        "problems_done": progress["done"],
        "rectification_rate": progress["rate"],
        "overdue": int(table["overdue_problems"].sum()) if "overdue_problems" in table else 0,
    }
