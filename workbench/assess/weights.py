"""Weighting methods: equal, entropy, CRITIC, AHP (eigenvector and geometric mean).

Each is a pure function of a matrix (rows = branches, columns = indicators)
or, for AHP, of a pairwise comparison matrix; each returns weights summing to 1
(a Series named by the columns when given a DataFrame).

Data-derived weights (entropy, CRITIC) describe the spread of the data, not
importance; use them on normalized values where higher is better (for example
``scheme.prepare(table).normalized``), as the literature does.

References
----------
- Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill; Saaty, T. L.
  (1990). How to make a decision: the analytic hierarchy process. EJOR 48, 9-26.
- Shannon entropy weights: Zeleny, M. (1982). *Multiple Criteria Decision Making*;
  Xu, X. (2004). EJOR 156(2), 530-532.
- Diakoulaki, D., Mavrotas, G., Papayannakis, L. (1995). Determining objective
  weights in multiple criteria problems: the CRITIC method. Computers & OR 22(7).

>>> import numpy as np
>>> w, cr = ahp(np.array([[1, 3], [1/3, 1]]))
>>> np.round(w, 2).tolist(), round(cr, 3)
([0.75, 0.25], 0.0)
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

__all__ = [
    "equal",
    "entropy",
    "critic",
    "ahp",
    "consistency_ratio",
    "RANDOM_INDEX",
    "AHPConsistencyWarning",
    "SAATY_SCALE",
    "ahp_inconsistency",
    "nearest_saaty",
]

#: Saaty's random consistency index RI for n = 1 ... 10.
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
#: The judgements of Saaty's 1-9 scale and their reciprocals.
SAATY_SCALE = (1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9)


class AHPConsistencyWarning(UserWarning):
    """A pairwise matrix whose consistency ratio exceeds 0.1."""


def _as_matrix(matrix) -> tuple[np.ndarray, pd.Index | None]:
    if isinstance(matrix, pd.DataFrame):
        return matrix.to_numpy(dtype="float64"), matrix.columns
    return np.asarray(matrix, dtype="float64"), None


def _wrap(weights: np.ndarray, columns) -> np.ndarray | pd.Series:
    return pd.Series(weights, index=columns, name="weight") if columns is not None else weights


def equal(matrix) -> np.ndarray | pd.Series:
    """Equal weights 1/k for the k columns of ``matrix`` (a table, or a list of names).

    >>> equal(["a", "b", "c", "d"]).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    if isinstance(matrix, (list, tuple, pd.Index)):
        return pd.Series(1.0 / len(matrix), index=list(matrix), name="weight")
    x, columns = _as_matrix(matrix)
    return _wrap(np.full(x.shape[1], 1.0 / x.shape[1]), columns)


def entropy(matrix) -> np.ndarray | pd.Series:
    """Shannon-entropy weights of the columns of a non-negative matrix.

    p_ij = x_ij / sum_i x_ij;  e_j = -sum_i p_ij ln p_ij / ln n;  w_j = (1 - e_j) / sum (1 - e).
    Missing values (NaN) are left out of their column (n is then the column's
    count). A column with no spread gets weight 0; if every column is flat the
    weights are equal.

    >>> x = np.array([[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]])
    >>> np.round(entropy(x), 4).tolist()   # Xu (2004), EJOR 156, 530-532
    [0.463, 0.3992, 0.1378, 0.0]
    """
    x, columns = _as_matrix(matrix)
    if np.nanmin(x, initial=0) < 0:
        raise ValueError("entropy weights need non-negative values; normalize the indicators "
                         "first (e.g. min-max to 0-100)")
    ok = ~np.isnan(x)
    x0 = np.where(ok, x, 0.0)
    colsum = x0.sum(axis=0)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(colsum > 0, x0 / colsum, 0.0)
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
        e = np.where((n > 1) & (colsum > 0), -plogp.sum(axis=0) / np.log(np.maximum(n, 2)), 1.0)
    d = np.clip(1.0 - e, 0.0, None)
    if d.sum() <= 0:
        return _wrap(np.full(x.shape[1], 1.0 / x.shape[1]), columns)
    return _wrap(d / d.sum(), columns)


def critic(matrix, *, normalize: bool = True) -> np.ndarray | pd.Series:
    """CRITIC weights (Diakoulaki et al. 1995): contrast (sd) times conflict (sum of 1 - r).

    Columns are min-max normalized first (``normalize=False`` when they already
    are; pass values where higher is better). Sample standard deviation and
    Pearson correlation over rows without missing values. A constant column
    gets weight 0.

    >>> x = np.array([[5000, 3, 3, 4, 3, 2], [680, 5, 3, 2, 2, 1], [2000, 3, 2, 3, 4, 3],
    ...               [600, 4, 3, 1, 2, 2], [800, 2, 4, 3, 3, 4]])
    >>> np.round(critic(x), 3).tolist()   # Tus & Aytac Adali (2019), Opsearch 56, 528-538
    [0.157, 0.249, 0.168, 0.121, 0.154, 0.151]
    """
    x, columns = _as_matrix(matrix)
    x = x[~np.isnan(x).any(axis=1)]
    if x.shape[0] < 3:
        raise ValueError("CRITIC needs at least 3 rows without missing values")
    if normalize:
        lo, hi = x.min(axis=0), x.max(axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        x = (x - lo) / span
    sd = x.std(axis=0, ddof=1)
    flat = sd == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(x, rowvar=False)
    r = np.atleast_2d(r)
    r[flat, :] = 0.0
    r[:, flat] = 0.0
    np.fill_diagonal(r, 1.0)
    c = sd * (1.0 - r).sum(axis=0)
    if c.sum() <= 0:
        return _wrap(np.full(x.shape[1], 1.0 / x.shape[1]), columns)
    return _wrap(c / c.sum(), columns)


def consistency_ratio(matrix) -> float:
    """Saaty's consistency ratio CR = CI / RI with CI = (lambda_max - n) / (n - 1).

    0 for n <= 2 (always consistent). RI for n = 1 ... 10 is :data:`RANDOM_INDEX`.
    """
    a, _ = _as_matrix(matrix)
    n = a.shape[0]
    if n <= 2:
        return 0.0
    if n > len(RANDOM_INDEX):
        raise ValueError(f"Saaty's random index is tabulated up to n = {len(RANDOM_INDEX)}; got n = {n}")
    lam = float(np.max(np.linalg.eigvals(a).real))
    ci = (lam - n) / (n - 1)
    return max(ci, 0.0) / RANDOM_INDEX[n - 1]


def _check_pairwise(a: np.ndarray) -> None:
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"a pairwise comparison matrix must be square; got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("pairwise judgements must be positive numbers (Saaty's 1-9 scale and reciprocals)")
    bad = np.argwhere(~np.isclose(a * a.T, 1.0, rtol=1e-3))
    if len(bad):
        i, j = bad[0]
        raise ValueError(f"the matrix is not reciprocal: a[{i},{j}] = {a[i, j]:.4g} but "
                         f"a[{j},{i}] = {a[j, i]:.4g} (expected {1 / a[i, j]:.4g})")


def ahp(matrix, *, method: str = "eigenvector", warn: bool = True) -> tuple[np.ndarray | pd.Series, float]:
    """Weights and consistency ratio from a Saaty pairwise comparison matrix.

    ``a[i, j]`` says how much more important i is than j (1-9 scale; ``a[j, i] = 1 / a[i, j]``).
    ``method="eigenvector"`` (Saaty's principal eigenvector) or
    ``"geometric"`` (normalized row geometric means). Warns with
    :class:`AHPConsistencyWarning` when CR > 0.1.

    >>> house = [[1, 5, 3, 7, 6, 6, 1/3, 1/4], [1/5, 1, 1/3, 5, 3, 3, 1/5, 1/7],
    ...          [1/3, 3, 1, 6, 3, 4, 6, 1/5], [1/7, 1/5, 1/6, 1, 1/3, 1/4, 1/7, 1/8],
    ...          [1/6, 1/3, 1/3, 3, 1, 1/2, 1/5, 1/6], [1/6, 1/3, 1/4, 4, 2, 1, 1/5, 1/6],
    ...          [3, 5, 1/6, 7, 5, 5, 1, 1/2], [4, 7, 5, 8, 6, 6, 2, 1]]
    >>> w, cr = ahp(house, warn=False)   # Saaty (1990), EJOR 48, the house example
    >>> np.round(w, 3).tolist(), round(cr, 3)
    ([0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333], 0.169)
    """
    a, columns = _as_matrix(matrix)
    _check_pairwise(a)
    if method == "eigenvector":
        values, vectors = np.linalg.eig(a)
        v = np.abs(vectors[:, np.argmax(values.real)].real)
        w = v / v.sum()
    elif method == "geometric":
        g = np.exp(np.log(a).mean(axis=1))
        w = g / g.sum()
    else:
        raise ValueError(f"method must be 'eigenvector' or 'geometric'; got {method!r}")
    cr = consistency_ratio(a)
    if warn and cr > 0.1:
        warnings.warn(f"the pairwise judgements are inconsistent: consistency ratio {cr:.3f} > 0.1; "
                      "revise the comparisons", AHPConsistencyWarning, stacklevel=2)
    if isinstance(matrix, pd.DataFrame):
        return pd.Series(w, index=matrix.index, name="weight"), cr
    return w, cr


def nearest_saaty(value: float) -> float:
    """The judgement of Saaty's scale closest to ``value`` on a log scale.

    >>> nearest_saaty(2.6), nearest_saaty(0.3)
    (3, 0.3333333333333333)
    """
    if not value > 0:
        raise ValueError(f"a judgement must be positive, got {value!r}")
    return min(SAATY_SCALE, key=lambda v: abs(np.log(v) - np.log(value)))


def ahp_inconsistency(matrix, *, method: str = "eigenvector") -> pd.DataFrame:
    """Which comparisons make a pairwise matrix inconsistent, and what would fit.

    For each pair i < j, the judgement ``a[i, j]`` is compared with the ratio of
    the derived weights ``w[i] / w[j]`` (what a perfectly consistent judge would
    have said): ``error = a[i, j] * w[j] / w[i]``, 1 when consistent. Rows come
    sorted by ``|log(error)|``, the first being the comparison that contributes
    most to the inconsistency (Saaty 2003, EJOR 145, "Decision-making with the
    AHP: why is the principal eigenvector necessary", sec. 5). ``suggested`` is
    the judgement of Saaty's scale that, put in place of this one alone, gives
    the lowest consistency ratio (``cr_if_changed``).

    >>> w = np.array([8, 4, 2, 1.0]); a = w[:, None] / w[None, :]   # consistent ...
    >>> a[0, 3], a[3, 0] = 1 / 8, 8                                    # ... but for one slip
    >>> top = ahp_inconsistency(a).iloc[0]
    >>> (int(top["i"]), int(top["j"]), top["judgement"], top["suggested"], round(top["cr_if_changed"], 3))
    (0, 3, 0.125, 8.0, 0.0)
    """
    a, columns = _as_matrix(matrix)
    _check_pairwise(a)
    w, _ = ahp(a, method=method, warn=False)
    w = np.asarray(w, dtype="float64")
    names = list(columns) if columns is not None else list(range(a.shape[0]))
    rows = []
    for i in range(a.shape[0]):
        for j in range(i + 1, a.shape[0]):
            error = a[i, j] * w[j] / w[i]
            trial = a.copy()
            best, best_cr = a[i, j], consistency_ratio(a)
            for value in SAATY_SCALE:
                trial[i, j], trial[j, i] = value, 1.0 / value
                cr = consistency_ratio(trial)
                if cr < best_cr - 1e-12:
                    best, best_cr = value, cr
            rows.append({"i": i, "j": j, "a": names[i], "b": names[j], "judgement": float(a[i, j]),
                         "consistent": float(w[i] / w[j]), "suggested": float(best), "cr_if_changed": float(best_cr),
                         "error": float(error), "log_error": float(abs(np.log(error)))})
    out = pd.DataFrame(rows, columns=["i", "j", "a", "b", "judgement", "consistent", "suggested", "cr_if_changed",
                                      "error", "log_error"])
    return out.sort_values("log_error", ascending=False, kind="stable").reset_index(drop=True)
