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
    "ahp_group",
    "aggregate_judgements",
    "consensus_indicator",
    "consensus_band",
    "consensus_distance",
    "CONSENSUS_BANDS",
    "PANEL_COLUMNS",
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


# ================================================================== group AHP

#: Bands of Goepel's AHP consensus indicator S* (Goepel 2013; AHP-OS): upper bound of each band.
CONSENSUS_BANDS = (("very_low", 0.50), ("low", 0.65), ("moderate", 0.75), ("high", 0.85), ("very_high", 1.0))
#: Columns of the table per expert that :func:`ahp_group` returns (before the criteria's weights).
PANEL_COLUMNS = ("expert_weight", "cr", "consistent", "worst_i", "worst_j", "worst_a", "worst_b", "judgement",
                 "suggested", "cr_if_changed", "distance", "rank_distance", "max_gap", "max_gap_criterion")


def _panel_matrices(matrices) -> tuple[list[str], list[np.ndarray], list | None]:
    """Expert names, their matrices as arrays (criteria in one order) and the criteria (or None)."""
    if isinstance(matrices, dict):
        names, items = [str(k) for k in matrices], list(matrices.values())
    else:
        items = list(matrices)
        names = [f"expert {k + 1}" for k in range(len(items))]
    if not items:
        raise ValueError("ahp_group needs at least one expert's pairwise matrix; got none")
    if len(set(names)) != len(names):
        raise ValueError(f"expert names must be unique; got {names}")
    labelled = [isinstance(m, pd.DataFrame) for m in items]
    criteria = None
    arrays = []
    if any(labelled):
        if not all(labelled):
            raise ValueError("give every expert's matrix as a DataFrame with the criteria as labels, or none")
        criteria = list(items[0].columns)
        for name, frame in zip(names, items):
            if list(frame.index) != list(frame.columns):
                raise ValueError(f"expert {name!r}: the rows and columns must name the same criteria in the same "
                                 f"order; rows {list(frame.index)}, columns {list(frame.columns)}")
            if set(frame.columns) != set(criteria) or len(frame.columns) != len(criteria):
                missing = [c for c in criteria if c not in set(frame.columns)]
                extra = [c for c in frame.columns if c not in set(criteria)]
                raise ValueError(f"expert {name!r} compares other criteria than {names[0]!r}: "
                                 f"missing {missing}, not expected {extra}")
            arrays.append(frame.loc[criteria, criteria].to_numpy(dtype="float64"))
    else:
        arrays = [np.asarray(m, dtype="float64") for m in items]
    shape = arrays[0].shape
    for name, a in zip(names, arrays):
        if a.shape != shape:
            raise ValueError(f"expert {name!r}: every matrix must be {shape[0]} x {shape[0]} (the same criteria); "
                             f"got {a.shape}")
        try:
            _check_pairwise(a)
        except ValueError as exc:
            raise ValueError(f"expert {name!r}: {exc}") from None
    return names, arrays, criteria


def _expert_weights(weights, names: list[str]) -> np.ndarray:
    if weights is None:
        return np.full(len(names), 1.0 / len(names))
    if isinstance(weights, (dict, pd.Series)):
        unknown = [k for k in weights.keys() if str(k) not in names]
        if unknown:
            raise ValueError(f"weights: no expert named {unknown}; the experts are {names}")
        lam = np.array([float(weights.get(n, np.nan)) for n in names])
        if np.isnan(lam).any():
            raise ValueError(f"weights: give a weight for every expert; missing "
                             f"{[n for n, v in zip(names, lam) if np.isnan(v)]}")
    else:
        lam = np.asarray(list(weights), dtype="float64")
        if lam.shape != (len(names),):
            raise ValueError(f"weights: expected one weight per expert ({len(names)}), got {lam.shape[0]}")
    if not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError(f"weights: every expert's weight must be a positive number; got {lam.tolist()}")
    return lam / lam.sum()


def aggregate_judgements(matrices, weights=None) -> np.ndarray:
    """The panel's matrix: the element-wise weighted geometric mean of the experts' judgements.

    ``a_ij = prod_k a_ij(k) ** lambda_k`` with expert weights summing to 1
    (equal by default). The geometric mean is the one aggregation that keeps
    the group matrix reciprocal (Aczél & Saaty 1983).

    >>> np.round(aggregate_judgements([[[1, 4], [1/4, 1]], [[1, 1], [1, 1]]]), 3).tolist()
    [[1.0, 2.0], [0.5, 1.0]]
    """
    names, arrays, _ = _panel_matrices(matrices)
    lam = _expert_weights(weights, names)
    return np.exp(np.tensordot(lam, np.log(np.stack(arrays)), axes=1))


def _shannon(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype="float64")
    return -(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)).sum(axis=-1)


def consensus_indicator(priorities, weights=None, *, scale_max: float = 9.0) -> float:
    """Goepel's AHP consensus indicator S* of a panel's priority vectors (0 = none, 1 = full).

    Shannon entropy partitioned into alpha and beta diversity (Jost 2006):
    ``H_alpha`` is the mean entropy of the experts' priorities, ``H_gamma``
    the entropy of their mean, ``H_beta = H_gamma - H_alpha``, and
    ``M = exp(-H_beta)``. S* rescales M between its value for the most
    divided panel a 1-``scale_max`` scale allows (each expert's priorities as
    extreme as possible, ``m / (n + m - 1)`` on one criterion, the experts
    spread evenly) and 1 (identical priorities):
    ``S* = (M - D_min) / (1 - D_min)`` with
    ``D_min = exp(H_alpha_min - ln n)``. With expert weights the means are
    weighted. NaN for a single expert (no panel).

    Bands (Goepel): up to 0.5 very low, 0.65 low, 0.75 moderate, 0.85 high, above that very high.

    References
    ----------
    Goepel, K. D. (2013). Implementing the analytic hierarchy process as a
    standard method for multi-criteria decision making in corporate
    enterprises: a new AHP Excel template with multiple inputs. ISAHP 2013,
    Kuala Lumpur. Goepel, K. D. (2018). Implementation of an online software
    tool for the analytic hierarchy process (AHP-OS). IJAHP 10(3), 469-487.
    Jost, L. (2006). Entropy and diversity. Oikos 113(2), 363-375.

    >>> round(consensus_indicator([[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]]), 6)
    1.0
    >>> extreme = np.full((3, 3), 1 / 11) + np.eye(3) * 8 / 11   # 9/11 on a different criterion each
    >>> round(consensus_indicator(extreme), 6)
    0.0
    """
    p = np.asarray(priorities, dtype="float64")
    if p.ndim != 2:
        raise ValueError(f"priorities: expected one priority vector per expert (a 2-D table), got shape {p.shape}")
    k, n = p.shape
    if k < 2:
        return float("nan")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("priorities: each expert's priorities must be non-negative and sum to 1")
    lam = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, dtype="float64") / np.sum(weights)
    h_alpha = float(lam @ _shannon(p))
    h_gamma = float(_shannon(lam @ p))
    m = float(scale_max)
    top, rest = m / (n + m - 1.0), 1.0 / (n + m - 1.0)
    h_alpha_min = -top * np.log(top) - (n - 1) * rest * np.log(rest)
    d_min = np.exp(h_alpha_min - np.log(n))
    homogeneity = np.exp(-(h_gamma - h_alpha))
    return float((homogeneity - d_min) / (1.0 - d_min))


def consensus_band(value: float) -> str:
    """Goepel's wording of a consensus S*: ``very_low``, ``low``, ``moderate``, ``high``, ``very_high``.

    >>> consensus_band(0.62), consensus_band(0.9)
    ('low', 'very_high')
    """
    if not np.isfinite(value):
        return ""
    for band, upper in CONSENSUS_BANDS:
        if value <= upper:
            return band
    return CONSENSUS_BANDS[-1][0]


def consensus_distance(matrix, group_weights) -> float:
    """How far one expert's judgements are from the group's weights (0 = exactly what they imply).

    Dong et al.'s geometric cardinal consensus index (GCCI):
    ``2 / ((n - 1)(n - 2)) * sum_{i<j} (ln a_ij - ln w_i + ln w_j)^2`` with
    the group's weights ``w``; it includes the expert's own inconsistency
    (the geometric consistency index, GCI, is its value at the expert's own
    row-geometric-mean weights). For n = 2 the sum is not rescaled.

    References
    ----------
    Dong, Y., Zhang, G., Hong, W.-C., Xu, Y. (2010). Consensus models for AHP
    group decision making under row geometric mean prioritization method.
    Decision Support Systems 49, 281-289.

    >>> round(consensus_distance([[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]], [4/7, 2/7, 1/7]), 12)
    0.0
    """
    a = np.asarray(matrix, dtype="float64")
    w = np.asarray(group_weights, dtype="float64")
    n = a.shape[0]
    i, j = np.triu_indices(n, 1)
    s = float(((np.log(a[i, j]) - np.log(w[i]) + np.log(w[j])) ** 2).sum())
    return 2.0 * s / ((n - 1) * (n - 2)) if n > 2 else s


def _worst_comparison(a: np.ndarray, *, method: str = "eigenvector") -> dict:
    """The first row of :func:`ahp_inconsistency` (the same numbers), trying the scale on that pair only."""
    w, _ = ahp(a, method=method, warn=False)
    w = np.asarray(w, dtype="float64")
    i_up, j_up = np.triu_indices(a.shape[0], 1)
    log_error = np.abs(np.log(a[i_up, j_up] * w[j_up] / w[i_up]))
    top = int(np.argmax(log_error))             # the first of the largest, as the stable sort takes it
    i, j = int(i_up[top]), int(j_up[top])
    trial = a.copy()
    best, best_cr = a[i, j], consistency_ratio(a)
    for value in SAATY_SCALE:
        trial[i, j], trial[j, i] = value, 1.0 / value
        cr = consistency_ratio(trial)
        if cr < best_cr - 1e-12:
            best, best_cr = value, cr
    return {"i": i, "j": j, "judgement": float(a[i, j]), "suggested": float(best), "cr_if_changed": float(best_cr),
            "log_error": float(log_error[top])}


def _positions(w: np.ndarray) -> np.ndarray:
    """Position of each criterion when sorted by weight, 1 = heaviest (ties share the smallest)."""
    return pd.Series(w).rank(ascending=False, method="min").to_numpy()


def ahp_group(matrices, *, method: str = "aij", weights=None, prioritization: str = "eigenvector",
              warn: bool = True) -> tuple[np.ndarray | pd.Series, pd.DataFrame]:
    """Group weights from several experts' pairwise comparison matrices, and a table per expert.

    Parameters
    ----------
    matrices : list or dict of matrices
        Each expert's Saaty matrix over the same criteria (arrays, or
        DataFrames labelled by the criteria; a dict names the experts).
    method : {"aij", "aip"}
        ``"aij"``, aggregation of individual judgements: the element-wise
        weighted geometric mean of the judgements, then its priorities (Aczél
        & Saaty 1983; Forman & Peniwati 1998, the panel acting as one unit).
        ``"aip"``, aggregation of individual priorities: each expert's
        priorities, then their weighted geometric mean, normalised (Forman &
        Peniwati 1998, a collection of individuals).
    weights : sequence or mapping, optional
        Expert weights (one expert counting more), positive; equal by default.
    prioritization : {"eigenvector", "geometric"}
        How priorities come from a matrix (see :func:`ahp`). With
        ``"geometric"`` (row geometric means) AIJ and AIP give the same weights
        (Barzilai & Golany 1994).
    warn : bool
        Warn (:class:`AHPConsistencyWarning`) when the panel's matrix has CR > 0.1.

    Returns
    -------
    weights : ndarray or Series
        The group's weights, summing to 1 (a Series when the matrices are labelled).
    panel : DataFrame
        One row per expert (index: the expert's name): ``expert_weight``;
        ``cr`` and ``consistent`` (CR <= 0.1); the comparison contributing most
        to their inconsistency, ``worst_i, worst_j, worst_a, worst_b,
        judgement``, with ``suggested`` (the judgement of the 1-9 scale that
        fits best) and ``cr_if_changed`` (empty for a perfectly consistent
        matrix); ``distance`` from the group (:func:`consensus_distance`);
        ``rank_distance`` (mean shift of the criteria's positions against the
        group's, Dong et al. 2010's GOCI); ``max_gap`` and
        ``max_gap_criterion`` (the largest difference between the expert's own
        weight of a criterion and the group's); then the expert's own weights,
        one column per criterion. ``panel.attrs`` holds the panel as a whole:
        ``method``, ``prioritization``, ``group_cr`` (CR of the geometric-mean
        matrix of the judgements, ``group_matrix``), ``consensus`` (Goepel's
        S*, :func:`consensus_indicator`), ``consensus_band``, ``criteria``,
        ``experts``.

    References
    ----------
    Aczél, J., Saaty, T. L. (1983). Procedures for synthesizing ratio
    judgements. J. Math. Psychology 27(1), 93-102. Forman, E., Peniwati, K.
    (1998). Aggregating individual judgments and priorities with the analytic
    hierarchy process. EJOR 108(1), 165-169. Barzilai, J., Golany, B. (1994).
    AHP rank reversal, normalization and aggregation rules. INFOR 32(2), 57-64.
    Dong et al. (2010), Goepel (2013): see :func:`consensus_distance`,
    :func:`consensus_indicator`.

    Examples
    --------
    >>> m1 = [[1, 3, 5], [1/3, 1, 2], [1/5, 1/2, 1]]
    >>> m2 = [[1, 2, 4], [1/2, 1, 3], [1/4, 1/3, 1]]
    >>> m3 = [[1, 5, 7], [1/5, 1, 3], [1/7, 1/3, 1]]
    >>> w, panel = ahp_group([m1, m2, m3], method="aij")
    >>> np.round(w, 3).tolist(), panel["cr"].round(3).tolist(), round(panel.attrs["consensus"], 2)
    ([0.649, 0.243, 0.108], [0.003, 0.016, 0.056], 0.97)
    """
    if method not in ("aij", "aip"):
        raise ValueError(f"method must be 'aij' (judgements, then priorities) or 'aip' (priorities, then their "
                         f"geometric mean); got {method!r}")
    names, arrays, criteria = _panel_matrices(matrices)
    lam = _expert_weights(weights, names)
    n = arrays[0].shape[0]
    own = np.stack([np.asarray(ahp(a, method=prioritization, warn=False)[0], dtype="float64") for a in arrays])
    group_matrix = np.exp(np.tensordot(lam, np.log(np.stack(arrays)), axes=1))
    if method == "aij":
        w = np.asarray(ahp(group_matrix, method=prioritization, warn=False)[0], dtype="float64")
    else:
        g = np.exp(lam @ np.log(own))
        w = g / g.sum()
    group_cr = consistency_ratio(group_matrix)
    if warn and group_cr > 0.1:
        warnings.warn(f"the panel's judgements are inconsistent: consistency ratio {group_cr:.3f} > 0.1",
                      AHPConsistencyWarning, stacklevel=2)
    labels = criteria if criteria is not None else list(range(n))
    clash = [c for c in labels if c in PANEL_COLUMNS]
    if clash:
        raise ValueError(f"criteria may not be named like a column of the panel table: {clash}")
    group_pos = _positions(w)
    rows = []
    for k, (name, a) in enumerate(zip(names, arrays)):
        cr = consistency_ratio(a)
        row = {"expert_weight": float(lam[k]), "cr": float(cr), "consistent": bool(cr <= 0.1)}
        worst = _worst_comparison(a, method=prioritization) if n > 2 else None
        if worst is not None and worst["log_error"] > 1e-9:
            row.update(worst_i=int(worst["i"]), worst_j=int(worst["j"]), worst_a=labels[int(worst["i"])],
                       worst_b=labels[int(worst["j"])], judgement=float(worst["judgement"]),
                       suggested=float(worst["suggested"]), cr_if_changed=float(worst["cr_if_changed"]))
        else:
            row.update(worst_i=pd.NA, worst_j=pd.NA, worst_a=None, worst_b=None, judgement=np.nan,
                       suggested=np.nan, cr_if_changed=np.nan)
        gaps = np.abs(own[k] - w)
        row.update(distance=consensus_distance(a, w), rank_distance=float(np.abs(_positions(own[k]) - group_pos).mean()),
                   max_gap=float(gaps.max()), max_gap_criterion=labels[int(np.argmax(gaps))])
        row.update({c: float(own[k, j]) for j, c in enumerate(labels)})
        rows.append(row)
    panel = pd.DataFrame(rows, index=pd.Index(names, name="expert"), columns=list(PANEL_COLUMNS) + labels)
    panel["worst_i"] = panel["worst_i"].astype("Int64")
    panel["worst_j"] = panel["worst_j"].astype("Int64")
    consensus = consensus_indicator(own, lam)
    panel.attrs.update({
        "method": method, "prioritization": prioritization, "group_cr": float(group_cr),
        "group_matrix": group_matrix, "consensus": consensus, "consensus_band": consensus_band(consensus),
        "criteria": labels, "experts": names,
    })
    if criteria is not None:
        return pd.Series(w, index=criteria, name="weight"), panel
    return w, panel
