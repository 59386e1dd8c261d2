"""Leave one out: what each indicator (or dimension) does to the ranking when it is removed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..scoring import Scheme

__all__ = ["leave_one_out"]


def leave_one_out(scheme: Scheme, table: pd.DataFrame, level: str = "indicator", *, groups=None
                  ) -> pd.DataFrame:
    """What each indicator (or dimension) does to the ranking: remove it, compare.

    Each item in turn gets weight 0 and the others of its level are
    renormalized (``scheme.with_weights({id: 0})``); the result is compared
    with the nominal assessment. An indicator that is the only weighted one of
    its dimension is removed with its dimension (said in ``note``); the only
    weighted dimension cannot be removed (NaN).

    Parameters
    ----------
    scheme, table, groups
        As for :func:`monte_carlo`.
    level : "indicator" or "dimension"

    Returns
    -------
    DataFrame
        One row per item, the largest mean change first: ``level``, ``id``,
        ``dimension``, ``label_zh``, ``label_en``, ``weight`` (effective
        weight, or dimension weight), ``mean_abs_rank_change``,
        ``max_rank_change``, ``kendall_tau``, ``grade_changes``, ``note``.

    Examples
    --------
    >>> import workbench as wb
    >>> table = wb.compute_indicators(wb.load("sample_data"), period=2025)
    >>> loo = wb.leave_one_out(wb.Scheme(wb.Framework.default()), table, level="dimension")
    >>> len(loo), bool(loo["mean_abs_rank_change"].iloc[0] >= loo["mean_abs_rank_change"].iloc[-1])
    (6, True)
    """
    if level not in ("indicator", "dimension"):
        raise ValueError(f"level: expected 'indicator' or 'dimension', got {level!r}")
    fw = scheme.framework
    raw = scheme.weights
    nominal = scheme.score(table, groups=groups)
    dims_w = scheme.dimension_weights
    eff = scheme.effective_weights
    weighted_dims = [d.id for d in fw.dimensions if raw[d.id] > 0]
    items = []
    if level == "indicator":
        for dim in fw.dimensions:
            for ind in dim.indicators:
                others = any(raw[o.id] > 0 for o in dim.indicators if o.id != ind.id)
                if raw[ind.id] == 0 or others:
                    items.append((ind, dim.id, float(eff[ind.id]), {ind.id: 0.0}, ""))
                elif weighted_dims != [dim.id]:
                    items.append((ind, dim.id, float(eff[ind.id]), {dim.id: 0.0},
                                  "only weighted indicator of its dimension: the dimension is removed"))
                else:
                    items.append((ind, dim.id, float(eff[ind.id]), None,
                                  "the only weighted indicator: cannot be removed"))
    else:
        for dim in fw.dimensions:
            if raw[dim.id] == 0 or weighted_dims != [dim.id]:
                items.append((dim, dim.id, float(dims_w[dim.id]), {dim.id: 0.0}, ""))
            else:
                items.append((dim, dim.id, float(dims_w[dim.id]), None,
                              "the only weighted dimension: cannot be removed"))
    rows = []
    for item, dim_id, weight, change, note in items:
        row = {"level": level, "id": item.id, "dimension": dim_id, "label_zh": item.zh, "label_en": item.en,
               "weight": weight}
        if change is None:
            row.update(mean_abs_rank_change=np.nan, max_rank_change=np.nan, kendall_tau=np.nan,
                       grade_changes=pd.NA, note=note)
        else:
            cmp = scheme.with_weights(change).score(table, groups=groups).compare(nominal)
            shift = cmp.table["shift"].astype("float64").abs()
            row.update(mean_abs_rank_change=cmp.mean_abs_shift,
                       max_rank_change=float(shift.max()) if shift.notna().any() else np.nan,
                       kendall_tau=cmp.kendall_tau, grade_changes=cmp.grade_changes, note=note)
        rows.append(row)
    out = pd.DataFrame(rows)
    out["grade_changes"] = out["grade_changes"].astype("Int64")
    return out.sort_values("mean_abs_rank_change", ascending=False, kind="stable",
                           na_position="last").reset_index(drop=True)
