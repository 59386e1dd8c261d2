"""Assessor scores (table ``scores``, 考核评分) checked against a framework's assessor items, and their gaps.

Items of a county rule sheet with the source ``assessor`` are scored on site:
each branch scores itself first (自评分), then the assessors score it (考核分).
Which items exist and their full points come from the framework, so the table
is checked when a framework meets the data (:func:`check_scores`, called by
:func:`~workbench.assess.indicators.compute_indicators`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.errors import Localized, ProblemLog
from .derivations import ASSESSOR

__all__ = ["check_scores", "assessor_scores"]


def assessor_scores(data, framework, period: int) -> pd.DataFrame:
    """The ``scores`` rows of ``period`` for the framework's items, with the gap between self and assessors.

    Columns: branch_id, item, self_score, assessor_score, gap (self - assessor),
    points (the item's full points), assessor, note; the rows of items the
    framework scores, largest gap first (a branch that rates itself far above the
    assessors is a finding).

    >>> import workbench as wb
    >>> fw = wb.Framework.from_rule_sheet("sample_data/评分细则.xlsx")
    >>> gaps = assessor_scores(wb.load("sample_data"), fw, 2025)
    >>> bool(gaps["gap"].mean() > 0)        # the sample's branches rate themselves above the assessors
    True
    """
    points = {i.id: float(i.normalization.points) for i in framework.indicators
              if i.derivation == ASSESSOR}
    scores = data.scores
    rows = scores[(scores["year"] == period) & scores["item"].isin(points)].copy()
    rows["gap"] = rows["self_score"] - rows["assessor_score"]
    rows["points"] = rows["item"].map(points)
    columns = ["branch_id", "item", "self_score", "assessor_score", "gap", "points", "assessor", "note"]
    rows = rows.reindex(columns=columns)
    return rows.sort_values("gap", ascending=False, kind="stable", na_position="last").reset_index(drop=True)


def check_scores(data, framework) -> None:
    """Refuse a ``scores`` table that does not fit the framework's assessor items (a DataError at the cells).

    An item that is not one of the framework's assessor items, or a score above
    the item's full points, is refused with the workbook, sheet and cell. A
    framework without assessor items checks nothing.

    >>> import workbench as wb
    >>> check_scores(wb.load("sample_data"), wb.Framework.from_rule_sheet("sample_data/评分细则.xlsx"))
    """
    points = {i.id: float(i.normalization.points) for i in framework.indicators if i.derivation == ASSESSOR}
    if not points or data.scores.empty:
        return
    scores = data.scores.reset_index(drop=True)
    log = ProblemLog(data.source or None)
    allowed = "、".join(points)
    unknown = np.flatnonzero(~scores["item"].isin(points).to_numpy())
    log.add_cells(data.where("scores", unknown, "item"), scores["item"].to_numpy()[unknown],
                  "scores_unknown_item", column="item", allowed=Localized(allowed, allowed))
    full = scores["item"].map(points).to_numpy(dtype="float64")
    for column in ("self_score", "assessor_score"):
        values = scores[column].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            above = np.flatnonzero(values > full + 1e-9)
        for pos in above:
            log.add(data.where("scores", [pos], column)[0], "scores_above_points", column=column,
                    value=float(values[pos]), item=scores["item"].iloc[pos], points=float(full[pos]))
    if log:
        raise log.error()
