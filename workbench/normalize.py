"""Normalization: raw indicator values -> comparable scores where higher is better.

Each method is a pure function of one column of values (NaN stays NaN) and
its parameters; ``direction`` is explicit. ``normalize_table`` applies a
framework's (or scheme's) per-indicator choices.

>>> import numpy as np
>>> minmax(np.array([2.0, 4.0, 6.0]))
array([  0.,  50., 100.])
>>> goalposts(np.array([0.5, 1.5]), low=0, high=1)
array([ 50., 100.])
>>> target(np.array([1.0, 2.0, 3.0]), target=2, worst=0)
array([ 50., 100., 100.])
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .framework import Normalization

__all__ = ["minmax", "zscore", "rank", "target", "goalposts", "normalize", "normalize_table", "METHODS"]

Direction = Literal["higher", "lower"]


def _flip(values: np.ndarray, direction: Direction) -> np.ndarray:
    if direction not in ("higher", "lower"):
        raise ValueError(f"direction must be 'higher' or 'lower', got {direction!r}")
    return values if direction == "higher" else -values


def minmax(values, direction: Direction = "higher") -> np.ndarray:
    """(x - min) / (max - min) * 100 over the finite values.

    A column with a single distinct value carries no information about who is
    better: every branch gets 100 (no one falls short of the best observed).
    """
    x = _flip(np.asarray(values, dtype="float64"), direction)
    lo, hi = np.nanmin(x, initial=np.inf), np.nanmax(x, initial=-np.inf)
    if not np.isfinite(lo) or hi == lo:
        return np.where(np.isnan(x), np.nan, 100.0)
    return (x - lo) / (hi - lo) * 100.0


def zscore(values, direction: Direction = "higher", *, center: float = 50.0, scale: float = 10.0) -> np.ndarray:
    """center + scale * (x - mean) / sd (population sd); a T-score by default.

    Use ``center=0, scale=1`` for plain z-scores. A constant column gives ``center``.
    """
    x = _flip(np.asarray(values, dtype="float64"), direction)
    mean = np.nanmean(x) if np.isfinite(x).any() else np.nan
    sd = np.nanstd(x) if np.isfinite(x).any() else np.nan
    if not sd > 0:
        return np.where(np.isnan(x), np.nan, center)
    return center + scale * (x - mean) / sd


def rank(values, direction: Direction = "higher") -> np.ndarray:
    """Percentile rank * 100: the best branch 100, the worst 0; ties share the mean rank."""
    x = _flip(np.asarray(values, dtype="float64"), direction)
    ok = ~np.isnan(x)
    out = np.full(x.shape, np.nan)
    k = ok.sum()
    if k == 1:
        out[ok] = 100.0
    elif k > 1:
        out[ok] = (rankdata(x[ok], method="average") - 1) / (k - 1) * 100.0
    return out


def target(values, *, target: float, worst: float | None = None, direction: Direction | None = None
           ) -> np.ndarray:
    """Distance to a target: 100 at ``target`` or beyond, 0 at ``worst``, linear between.

    ``worst`` defaults to 0 when higher is better, and to the largest value
    observed when lower is better (``direction="lower"``).
    """
    x = np.asarray(values, dtype="float64")
    if worst is None:
        worst = 0.0 if direction != "lower" else float(np.nanmax(x, initial=target))
        if worst == target:
            return np.where(np.isnan(x), np.nan, 100.0)
    return np.clip((x - worst) / (target - worst), 0.0, 1.0) * 100.0


def goalposts(values, direction: Direction = "higher", *, low: float, high: float) -> np.ndarray:
    """Fixed bounds: 0 at ``low``, 100 at ``high`` (reversed for lower-is-better), clipped."""
    x = np.asarray(values, dtype="float64")
    score = np.clip((x - low) / (high - low), 0.0, 1.0) * 100.0
    return score if direction == "higher" else 100.0 - score


METHODS = {"minmax": minmax, "zscore": zscore, "rank": rank, "target": target, "goalposts": goalposts}


def normalize(values, spec: Normalization, direction: Direction = "higher") -> np.ndarray:
    """Apply one :class:`~workbench.framework.Normalization` to a column."""
    if spec.method == "minmax":
        return minmax(values, direction)
    if spec.method == "zscore":
        return zscore(values, direction, center=spec.center, scale=spec.scale)
    if spec.method == "rank":
        return rank(values, direction)
    if spec.method == "target":
        return target(values, target=spec.target, worst=spec.worst, direction=direction)
    if spec.method == "goalposts":
        return goalposts(values, direction, low=spec.low, high=spec.high)
    raise ValueError(f"unknown normalization method {spec.method!r}; expected one of {sorted(METHODS)}")


def normalize_table(table: pd.DataFrame, specs: dict[str, tuple[Normalization, Direction]]) -> pd.DataFrame:
    """Normalize the columns named in ``specs`` (id -> (normalization, direction))."""
    missing = [c for c in specs if c not in table.columns]
    if missing:
        raise ValueError(f"the indicator table lacks columns {missing}; was it computed with "
                         "the same framework?")
    return pd.DataFrame({c: normalize(table[c].to_numpy(dtype="float64"), spec, direction)
                         for c, (spec, direction) in specs.items()}, index=table.index)
