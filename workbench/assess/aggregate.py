"""Aggregation: weighted arithmetic mean, weighted geometric mean and TOPSIS.

Pure functions of a score matrix (rows = branches, columns = indicators or
dimensions; higher is better) and weights. Missing values (NaN) are dropped
per row and the remaining weights re-normalized for that row; a row with no
value left gives NaN.

References: Hwang, C. L., Yoon, K. (1981). *Multiple Attribute Decision Making*.
Springer (TOPSIS); OECD/JRC (2008). *Handbook on Constructing Composite
Indicators* (arithmetic and geometric aggregation).

>>> import numpy as np
>>> arithmetic(np.array([[80.0, 60.0], [100.0, np.nan]]), np.array([0.75, 0.25]))
array([ 75., 100.])
"""

from __future__ import annotations

import warnings

import numpy as np

from .kernel import GEOMETRIC_FLOOR, closeness, floored_log, topsis_terms

__all__ = ["arithmetic", "geometric", "topsis", "aggregate", "GeometricZeroWarning", "METHODS"]


class GeometricZeroWarning(UserWarning):
    """Zeros raised to a floor before a geometric mean (a zero would zero the whole mean)."""


def _weights(weights, k: int) -> np.ndarray:
    w = np.asarray(weights, dtype="float64")
    if w.shape != (k,):
        raise ValueError(f"expected {k} weights, got shape {w.shape}")
    if np.any(w < 0) or not np.isfinite(w).all():
        raise ValueError("weights must be finite and non-negative")
    return w


def arithmetic(scores, weights) -> np.ndarray:
    """Weighted arithmetic mean per row, re-normalizing weights over the values present."""
    x = np.asarray(scores, dtype="float64")
    w = _weights(weights, x.shape[1])
    ok = ~np.isnan(x)
    if ok.all():
        return x @ (w / w.sum())
    num = np.where(ok, x, 0.0) @ w
    den = ok @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def geometric(scores, weights, *, floor: float = GEOMETRIC_FLOOR) -> np.ndarray:
    """Weighted geometric mean per row: exp(sum w ln x / sum w), computed in log space.

    A single zero would make the whole mean zero (no compensation at all), so
    values below ``floor`` (default 1 point on the 0-100 scale) are raised to
    it, with a :class:`GeometricZeroWarning` saying how many. Negative scores
    (z-scores) cannot enter a geometric mean: use a 0-100 normalization.
    """
    x = np.asarray(scores, dtype="float64")
    w = _weights(weights, x.shape[1])
    ok = ~np.isnan(x)
    if np.any(x[ok] < 0):
        raise ValueError("geometric aggregation needs non-negative scores; use min-max, goalposts, "
                         "target or rank normalization (not z-scores)")
    logs, raised = floored_log(x, ok, floor)
    if raised:
        warnings.warn(f"{raised} score(s) below {floor:g} were raised to {floor:g} before the "
                      "geometric mean (a zero would make the whole mean zero)",
                      GeometricZeroWarning, stacklevel=2)
    num = logs @ w
    den = ok @ w
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.where(den > 0, np.exp(num / np.where(den > 0, den, 1.0)), np.nan)


def topsis(scores, weights, *, benefit=None, scale: float = 100.0) -> np.ndarray:
    """TOPSIS closeness to the ideal (Hwang & Yoon 1981), times ``scale``.

    Vector normalization of each column, weighting, distances to the ideal and
    anti-ideal (per column best and worst), closeness = d- / (d+ + d-).
    ``benefit``: booleans per column (False = cost criterion); default all benefit.
    Missing values are left out of the distances of their row.

    >>> x = [[2.0, 1500, 20000, 5.5, 5, 9], [2.5, 2700, 18000, 6.5, 3, 5],
    ...      [1.8, 2000, 21000, 4.5, 7, 7], [2.2, 1800, 20000, 5.0, 5, 5]]
    >>> c = topsis(x, [0.2, 0.1, 0.1, 0.1, 0.2, 0.3],
    ...            benefit=[True, True, True, False, True, True], scale=1)
    >>> np.round(c, 2).tolist()   # Hwang & Yoon (1981), the fighter aircraft example
    [0.64, 0.27, 0.61, 0.31]
    """
    x = np.asarray(scores, dtype="float64")
    w = _weights(weights, x.shape[1])
    w = w / w.sum()
    benefit = True if benefit is None else np.asarray(benefit, dtype=bool)
    ok = ~np.isnan(x)
    to_ideal, to_anti = topsis_terms(x, w, axis=0, present=ok, benefit=benefit)
    c = closeness(np.sqrt(to_ideal.sum(axis=1)), np.sqrt(to_anti.sum(axis=1)), scale=scale)
    return np.where(ok.any(axis=1), c, np.nan)


METHODS = {"arithmetic": arithmetic, "geometric": geometric, "topsis": topsis}


def aggregate(scores, weights, method: str = "arithmetic") -> np.ndarray:
    """Dispatch to :func:`arithmetic`, :func:`geometric` or :func:`topsis` by name."""
    try:
        return METHODS[method](scores, weights)
    except KeyError:
        raise ValueError(f"unknown aggregation {method!r}; expected one of {sorted(METHODS)}") from None
