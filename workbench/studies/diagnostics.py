"""Diagnostics of an assessment for researchers: importance against weight, factor structure, rank reversal.

These describe how a scheme behaves on data; none of them sets a weight
(official weights come from a framework, a panel or a planner, never silently
from here).

- :func:`weight_importance`: how much each dimension (or indicator) actually
  drives the total, beside its nominal weight: the squared correlation with the
  total and the first-order sensitivity index estimated from the data (the
  correlation ratio, Paruolo, Saisana & Saltelli 2013). A 10 % weight that
  explains 40 % of the total is flagged.
- :func:`factor_structure`: principal components of the indicators (on their
  normalized scores), the number worth keeping (Kaiser; Horn's parallel
  analysis), varimax-rotated loadings, and which indicators load with another
  dimension's indicators rather than their own: are the six key points
  empirically distinct?
- :func:`rank_reversals` and :func:`rank_reversal`: whether adding, removing or
  merging branches changes the order of *other* branches. Relative
  normalizations (min-max, z-score, rank) and data-derived weights (entropy,
  CRITIC) do this; the default framework's target and goalpost normalizations
  with fixed weights do not. :func:`scenario_reversals` is the check a
  scenario comparison runs on the branches a scenario did not touch.

References
----------
- Paruolo, P., Saisana, M., Saltelli, A. (2013). Ratings and rankings: voodoo or
  science? J. R. Stat. Soc. A 176(3), 609-634.
- Pearson, K. (1905). On the general theory of skew correlation and non-linear
  regression (the correlation ratio).
- Kaiser, H. F. (1958). The varimax criterion for analytic rotation in factor
  analysis. Psychometrika 23(3), 187-200. Horn, J. L. (1965). A rationale and
  test for the number of factors in factor analysis. Psychometrika 30, 179-185.
- Belton, V., Gear, T. (1983). On a short-coming of Saaty's method of analytic
  hierarchies. Omega 11(3), 228-230 (rank reversal); OECD/JRC (2008),
  *Handbook on Constructing Composite Indicators*, steps 4 and 7.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> result = wb.Scheme(wb.Framework.default()).score(wb.compute_indicators(data, period=2025))
>>> imp = weight_importance(result)
>>> round(float(imp["weight"].sum()), 6), round(float(imp["s1_share"].sum()), 6)
(1.0, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from ..i18n import tr

__all__ = [
    "importance",
    "correlation_ratio",
    "weight_importance",
    "FactorStructure",
    "factor_structure",
    "varimax",
    "parallel_analysis",
    "rank_reversals",
    "LIST_PAIRS_UP_TO",
    "RankReversal",
    "scenario_reversals",
    "ReversalStudy",
    "rank_reversal",
]


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


# ======================================================= weight vs importance

def correlation_ratio(x, y, *, bins: int | None = None) -> float:
    """How much of the variance of ``y`` the conditional mean ``E[y | x]`` explains (0 to 1).

    The first-order sensitivity index of ``y`` to ``x`` estimated from data
    (Pearson's correlation ratio eta squared): ``x`` is cut into groups (its
    distinct values when it has at most ``bins`` of them, else ``bins``
    groups of equal size; default ``round(sqrt(n))``, at least 5), the group
    means of ``y`` stand for ``E[y | x]``, and the between-group share of the
    variance is corrected for the number of groups as an adjusted R squared is
    (clipped at 0). Unlike a squared correlation it sees relations that are
    not straight lines.

    >>> x = np.linspace(-1, 1, 2001)
    >>> round(correlation_ratio(x, x ** 2), 2), round(float(np.corrcoef(x, x ** 2)[0, 1] ** 2), 2)
    (1.0, 0.0)
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(y)
    if n < 3 or np.ptp(y) == 0:
        return float("nan")
    k = bins or max(5, int(round(np.sqrt(n))))
    values = np.unique(x)
    if len(values) <= k:
        groups = np.searchsorted(values, x)
    else:
        order = np.argsort(x, kind="stable")
        groups = np.empty(n, dtype=np.int64)
        groups[order] = np.arange(n) * k // n
        # ties must share a group: a value takes the group of its first occurrence
        first = pd.Series(groups[order]).groupby(x[order]).transform("min").to_numpy()
        groups[order] = first
    counts = np.bincount(groups)
    means = np.bincount(groups, weights=y) / np.where(counts > 0, counts, 1)
    g = int((counts > 0).sum())
    between = float((counts * (means - y.mean()) ** 2).sum())
    total = float(((y - y.mean()) ** 2).sum())
    eta2 = between / total
    if n - g <= 0:
        return float(eta2)
    return float(max(0.0, 1.0 - (1.0 - eta2) * (n - 1) / (n - g)))


def importance(components: pd.DataFrame, total: pd.Series, weights: pd.Series, *, target: str = "total",
               bins: int | None = None, flag_ratio: float = 2.0, flag_gap: float = 0.05) -> pd.DataFrame:
    """Nominal weight against the share of the total each component explains (a pure function).

    Parameters
    ----------
    components : DataFrame
        One column per component (dimension scores, or normalized indicator scores), one row per branch.
    total : Series
        The composite of each branch.
    weights : Series
        The nominal weight of each component (normalized here to sum to 1).
    target : {"total", "rank"}
        Explain the total, or its ranks (what a ranking shows).
    flag_ratio, flag_gap
        A component is flagged ``"over"`` when its share of the explained
        variance (first-order index) is at least ``flag_ratio`` times its
        weight and at least ``flag_gap`` above it, ``"under"`` the other way round.

    Returns
    -------
    DataFrame
        ``id, weight, r2, r2_share, s1, s1_share, ratio, flag``: ``r2`` the
        squared Pearson correlation with the target, ``s1`` the correlation
        ratio (:func:`correlation_ratio`), the shares normalized to sum to 1
        over the components, ``ratio = s1_share / weight``.
    """
    if target not in ("total", "rank"):
        raise ValueError(f"target must be 'total' or 'rank', got {target!r}")
    y = total.reindex(components.index).astype("float64")
    if target == "rank":
        y = y.rank(method="average")
    w = weights.reindex(components.columns).astype("float64")
    if w.isna().any():
        raise ValueError(f"weights: no weight for {list(w.index[w.isna()])}")
    w = w / w.sum()
    rows = []
    for col in components.columns:
        x = components[col].astype("float64")
        ok = x.notna() & y.notna()
        r = float(np.corrcoef(x[ok], y[ok])[0, 1]) if ok.sum() > 2 and x[ok].std() > 0 else float("nan")
        rows.append({"id": col, "weight": float(w[col]), "r2": r * r if np.isfinite(r) else float("nan"),
                     "s1": correlation_ratio(x[ok], y[ok], bins=bins)})
    out = pd.DataFrame(rows)
    for col in ("r2", "s1"):
        s = out[col].fillna(0.0)
        out[f"{col}_share"] = s / s.sum() if s.sum() > 0 else np.nan
    out["ratio"] = out["s1_share"] / out["weight"].where(out["weight"] > 0)
    over = (out["s1_share"] >= flag_ratio * out["weight"]) & (out["s1_share"] - out["weight"] >= flag_gap)
    under = (out["s1_share"] * flag_ratio <= out["weight"]) & (out["weight"] - out["s1_share"] >= flag_gap)
    out["flag"] = np.where(over, "over", np.where(under, "under", ""))
    return out[["id", "weight", "r2", "r2_share", "s1", "s1_share", "ratio", "flag"]]


def weight_importance(result, *, level: str = "dimensions", target: str = "total", bins: int | None = None
                      ) -> pd.DataFrame:
    """How much each dimension or indicator of an assessment drives its total, beside its nominal weight.

    ``level="dimensions"``: the dimension scores against the total, nominal
    weights the scheme's dimension weights. ``level="indicators"``: the
    normalized indicator scores against the total, nominal weights their
    effective (index-level) weights, with their ``dimension``. See
    :func:`importance` for the columns. The Sobol indices of the *weights*
    (how much the ranking depends on each weight's uncertainty) are
    :func:`workbench.sensitivity`; this is the other question: which
    component the totals follow.

    >>> import workbench as wb
    >>> result = wb.Scheme(wb.Framework.default()).score(wb.compute_indicators(wb.load("sample_data"), period=2025))
    >>> weight_importance(result, level="indicators").columns.tolist()[:3]
    ['level', 'id', 'dimension']
    """
    fw = result.framework
    scheme = result.scheme
    if level == "dimensions":
        out = importance(result.dimensions, result.total, scheme.dimension_weights, target=target, bins=bins)
        out.insert(0, "dimension", out["id"])
    elif level == "indicators":
        out = importance(result.indicators[fw.indicator_ids], result.total, scheme.effective_weights,
                         target=target, bins=bins)
        out.insert(0, "dimension", [fw.dimension_of(i) for i in out["id"]])
    else:
        raise ValueError(f"level must be 'dimensions' or 'indicators', got {level!r}")
    out.insert(0, "level", level)
    return out[["level", "id", "dimension"] + [c for c in out.columns if c not in ("level", "id", "dimension")]]


# ========================================================== factor structure

def varimax(loadings: np.ndarray, *, gamma: float = 1.0, max_iter: int = 500, tol: float = 1e-10
            ) -> tuple[np.ndarray, np.ndarray]:
    """Kaiser's varimax rotation of a loading matrix; returns the rotated loadings and the rotation.

    The orthogonal rotation that maximizes the variance of the squared
    loadings in each column (Kaiser 1958), by the usual SVD iteration.

    >>> a = np.array([[0.8, 0.5], [0.7, 0.4], [0.6, -0.5], [0.5, -0.6]])
    >>> np.round(varimax(a)[0], 2).tolist()     # two indicators on each component
    [[0.94, -0.08], [0.8, -0.1], [0.18, -0.76], [0.04, -0.78]]
    """
    a = np.asarray(loadings, dtype="float64")
    p, k = a.shape
    r = np.eye(k)
    if k < 2:
        return a.copy(), r
    objective = 0.0
    for _ in range(max_iter):
        b = a @ r
        u, s, vt = np.linalg.svd(a.T @ (b ** 3 - (gamma / p) * b @ np.diag((b ** 2).sum(axis=0))))
        r = u @ vt
        new = float(s.sum())
        if new < objective * (1 + tol):
            break
        objective = new
    return a @ r, r


def parallel_analysis(n: int, p: int, *, reps: int = 200, quantile: float = 0.95, seed=0) -> np.ndarray:
    """Eigenvalues of the correlation matrix of ``n x p`` normal noise at ``quantile`` (Horn 1965).

    Components whose eigenvalue exceeds these are worth keeping.
    """
    rng = _rng(seed)
    values = np.empty((reps, p))
    for k in range(reps):
        x = rng.standard_normal((n, p))
        values[k] = np.sort(np.linalg.eigvalsh(np.corrcoef(x, rowvar=False)))[::-1]
    return np.quantile(values, quantile, axis=0)


@dataclass
class FactorStructure:
    """Principal components of the indicators and how they line up with the dimensions.

    - ``eigenvalues`` and ``explained`` (share of variance) per component;
      ``kaiser`` (eigenvalues above 1) and ``parallel`` (above Horn's noise
      quantile) components worth keeping; ``n_components`` kept and rotated;
    - ``loadings``: indicators x components, varimax-rotated (signs turned so
      that each component's largest loading is positive);
    - ``indicators``: per indicator its ``dimension``, the ``component`` it
      loads on most, that ``loading``, its ``communality``, ``home`` (the
      component most of its dimension's indicators load on), ``loads_with``
      (the other dimensions whose home that component is) and ``flag``:
      ``"elsewhere"`` when it loads on the home of another dimension and not
      on its own, ``"alone"`` when its component is no dimension's home, ``""``;
    - ``dimensions``: per dimension its ``home`` component, ``share`` of its
      indicators loading there, ``shared_with`` (other dimensions with the same
      home) and ``distinct`` (its home is its own);
    - ``dimension_correlation``: correlations of the dimension scores;
    - ``n`` branches behind a correlation (the median over the pairs),
      ``dropped`` indicators without spread.
    """

    eigenvalues: pd.Series
    explained: pd.Series
    kaiser: int
    parallel: int
    n_components: int
    loadings: pd.DataFrame
    indicators: pd.DataFrame
    dimensions: pd.DataFrame
    dimension_correlation: pd.DataFrame
    n: int
    dropped: list = field(default_factory=list)

    @property
    def distinct(self) -> int:
        """How many dimensions have a component of their own."""
        return int(self.dimensions["distinct"].sum())


def factor_structure(result, *, n_components: int | None = None, missing: str = "pairwise", reps: int = 200,
                     seed=0) -> FactorStructure:
    """Principal components of an assessment's normalized indicator scores, varimax-rotated.

    Indicators without spread are left out. Branches often lack an indicator
    (only villages have collective income; not every branch is inspected on
    site), so correlations are pairwise by default (each pair over the
    branches that have both, at least 20; fewer count as 0) and the matrix is
    made positive semi-definite by clipping negative eigenvalues;
    ``missing="listwise"`` uses only branches with every indicator.
    ``n_components`` defaults to Horn's parallel analysis at the median pair
    count (at least 1); the Kaiser count is reported beside it.

    >>> import workbench as wb
    >>> result = wb.Scheme(wb.Framework.default()).score(wb.compute_indicators(wb.load("sample_data"), period=2025))
    >>> fs = factor_structure(result, reps=20)
    >>> round(float(fs.explained.sum()), 6), fs.loadings.shape[1] == fs.n_components
    (1.0, True)
    """
    if missing not in ("pairwise", "listwise"):
        raise ValueError(f"missing must be 'pairwise' or 'listwise', got {missing!r}")
    fw = result.framework
    x = result.indicators[fw.indicator_ids].astype("float64")
    if missing == "listwise":
        x = x.dropna()
    spread = x.std(ddof=1) > 0
    dropped = list(x.columns[~spread.to_numpy()])
    x = x.loc[:, spread.to_numpy()]
    present = x.notna().astype("float64")
    counts = present.T @ present
    p = x.shape[1]
    n = int(np.median(counts.to_numpy()[np.triu_indices(p, 1)])) if p > 1 else len(x)
    if n < 5 or p < 2:
        raise ValueError(f"factor structure needs at least 5 branches with the indicators and 2 indicators "
                         f"with spread; got {n} branches and {p} indicators")
    corr = x.corr(min_periods=20).fillna(0.0).to_numpy().copy()
    np.fill_diagonal(corr, 1.0)
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    values = np.clip(values, 0.0, None)
    names = [f"PC{k + 1}" for k in range(p)]
    noise = parallel_analysis(n, p, reps=reps, seed=seed)
    kaiser = int((values > 1).sum())
    parallel = int(np.argmax(values <= noise)) if (values <= noise).any() else p
    k = n_components or max(1, parallel)
    if not 1 <= k <= p:
        raise ValueError(f"n_components must be between 1 and {p}, got {k}")
    unrotated = vectors[:, :k] * np.sqrt(values[:k])
    rotated, _ = varimax(unrotated)
    signs = np.sign(rotated[np.argmax(np.abs(rotated), axis=0), np.arange(k)])
    rotated = rotated * np.where(signs == 0, 1, signs)
    comps = [f"RC{j + 1}" for j in range(k)]
    loadings = pd.DataFrame(rotated, index=x.columns, columns=comps)
    main = loadings.abs().idxmax(axis=1)
    dims = {i: fw.dimension_of(i) for i in x.columns}
    home = {d: main[[i for i in x.columns if dims[i] == d]].value_counts().idxmax()
            for d in fw.dimension_ids if any(dims[i] == d for i in x.columns)}
    homes_of = {}
    for d, c in home.items():
        homes_of.setdefault(c, []).append(d)
    ind_rows = []
    for i in x.columns:
        comp = main[i]
        flag = "" if comp == home[dims[i]] else ("elsewhere" if comp in homes_of else "alone")
        ind_rows.append({"indicator": i, "dimension": dims[i], "component": comp,
                         "loading": float(loadings.loc[i, comp]),
                         "communality": float((loadings.loc[i] ** 2).sum()), "home": home[dims[i]],
                         "loads_with": "、".join(d for d in homes_of.get(comp, []) if d != dims[i]),
                         "flag": flag})
    dim_rows = []
    for d, c in home.items():
        members = [i for i in x.columns if dims[i] == d]
        dim_rows.append({"dimension": d, "home": c, "share": float((main[members] == c).mean()),
                         "shared_with": "、".join(o for o in homes_of[c] if o != d),
                         "distinct": len(homes_of[c]) == 1})
    return FactorStructure(
        eigenvalues=pd.Series(values, index=names, name="eigenvalue"),
        explained=pd.Series(values / values.sum(), index=names, name="explained"),
        kaiser=kaiser, parallel=parallel, n_components=k, loadings=loadings,
        indicators=pd.DataFrame(ind_rows).set_index("indicator"),
        dimensions=pd.DataFrame(dim_rows).set_index("dimension"),
        dimension_correlation=result.dimensions.corr(), n=n, dropped=dropped)


# ============================================================= rank reversal

def _totals(x) -> pd.Series:
    return (x.total if hasattr(x, "total") else pd.Series(x)).astype("float64")


#: Above this many branches the pairs are counted (in n log n) but not listed.
LIST_PAIRS_UP_TO = 5000


def _count_reversals(xb: np.ndarray, xa: np.ndarray) -> int:
    """Pairs strictly ahead before and strictly behind after, counted with a Fenwick tree (n log n).

    Branches are taken best first (before); each is paired with those taken
    earlier (strictly ahead: a group of equal totals is counted before it is
    added) whose after total is strictly below its own.
    """
    ranks = np.unique(xa, return_inverse=True)[1] + 1          # dense ranks of the after totals, from 1
    size = int(ranks.max()) if len(ranks) else 0
    tree = [0] * (size + 1)
    order = np.argsort(-xb, kind="stable")
    count, k, n = 0, 0, len(order)
    while k < n:
        end = k
        while end + 1 < n and xb[order[end + 1]] == xb[order[k]]:
            end += 1
        group = [int(ranks[g]) for g in order[k:end + 1]]
        for r in group:
            q = r - 1
            while q > 0:
                count += tree[q]
                q -= q & -q
        for r in group:
            while r <= size:
                tree[r] += 1
                r += r & -r
        k = end + 1
    return count


def rank_reversals(before, after, *, among: Sequence | None = None, limit: int = 500) -> pd.DataFrame:
    """Pairs of branches whose order flipped between two assessments (or two Series of totals).

    Only branches in both (and in ``among`` when given) count; a pair flips
    when one was strictly ahead before and the other strictly ahead after
    (ties are no order). Returns ``branch_a, branch_b, total_a_before,
    total_b_before, total_a_after, total_b_after`` with ``a`` ahead before,
    largest flips first, at most ``limit`` rows (none above
    :data:`LIST_PAIRS_UP_TO` branches, where the pairs are only counted);
    ``attrs["pairs"]`` is the number of pairs flipped and
    ``attrs["compared"]`` the number of pairs.

    >>> before = pd.Series({"A": 90.0, "B": 80.0, "C": 70.0})
    >>> after = pd.Series({"A": 85.0, "B": 88.0, "C": 60.0})
    >>> rank_reversals(before, after)[["branch_a", "branch_b"]].values.tolist()
    [['A', 'B']]
    """
    b, a = _totals(before), _totals(after)
    ids = b.index.intersection(a.index)
    if among is not None:
        ids = ids.intersection(pd.Index(among))
    b, a = b.reindex(ids), a.reindex(ids)
    ok = b.notna() & a.notna()
    ids = ids[ok.to_numpy()]
    xb, xa = b[ids].to_numpy(), a[ids].to_numpy()
    n = len(ids)
    columns = ["branch_a", "branch_b", "total_a_before", "total_b_before", "total_a_after", "total_b_after"]
    if n > LIST_PAIRS_UP_TO:
        out = pd.DataFrame(columns=columns)
        out.attrs["pairs"] = _count_reversals(xb, xa)
        out.attrs["compared"] = n * (n - 1) // 2
        return out
    rows_i, rows_j = [], []
    step = max(1, 2_000_000 // max(n, 1))
    for start in range(0, n, step):
        db = np.sign(xb[start:start + step, None] - xb[None, :])
        da = np.sign(xa[start:start + step, None] - xa[None, :])
        i, j = np.nonzero((db > 0) & (da < 0))
        rows_i.append(i + start)
        rows_j.append(j)
    i = np.concatenate(rows_i) if rows_i else np.array([], dtype=np.int64)
    j = np.concatenate(rows_j) if rows_j else np.array([], dtype=np.int64)
    size = np.abs((xb[i] - xb[j])) + np.abs(xa[i] - xa[j])
    order = np.argsort(-size, kind="stable")[:limit]
    i, j = i[order], j[order]
    out = pd.DataFrame({"branch_a": ids[i], "branch_b": ids[j], "total_a_before": xb[i], "total_b_before": xb[j],
                        "total_a_after": xa[i], "total_b_after": xa[j]}, columns=columns)
    out.attrs["pairs"] = int(len(size))
    out.attrs["compared"] = n * (n - 1) // 2
    return out


@dataclass(frozen=True)
class RankReversal:
    """Order changes among branches a change did not touch (what a scenario comparison warns about)."""

    pairs: pd.DataFrame
    n_pairs: int
    compared: int
    branches: pd.Index

    def message(self, lang: str = "zh") -> str:
        """The warning, in ``lang``."""
        example = ""
        if len(self.pairs):
            first = self.pairs.iloc[0]
            example = tr("diag_reversal_example", lang, a=first["branch_a"], b=first["branch_b"])
        return tr("diag_reversal_warning", lang, pairs=self.n_pairs, branches=len(self.branches), example=example)


def scenario_reversals(before, after, affected: Sequence) -> RankReversal | None:
    """Did a change of some branches reorder the others? None when it did not.

    ``affected`` are the branches the change touched (merged, split, moved,
    new, removed); the pairs compared are those of the other branches, whose
    own data did not change: a flip among them comes from the scheme's relative
    normalizations or data-derived weights, not from their records.
    """
    b = _totals(before)
    untouched = b.index.difference(pd.Index(affected))
    pairs = rank_reversals(before, after, among=untouched)
    if not pairs.attrs["pairs"]:
        return None
    involved = pd.Index(pd.unique(np.concatenate([pairs["branch_a"].to_numpy(), pairs["branch_b"].to_numpy()])))
    return RankReversal(pairs=pairs, n_pairs=pairs.attrs["pairs"], compared=pairs.attrs["compared"],
                        branches=involved)


@dataclass
class ReversalStudy:
    """What adding, removing and merging branches does to the order of the others under a scheme.

    ``trials``: one row per change tried: ``operation`` ("remove", "add",
    "merge"), ``branches`` (the ids changed), ``pairs`` (pairs of other
    branches whose order flipped), ``share`` (of the pairs compared),
    ``max_shift`` (the largest rank change of another branch); ``summary``:
    per operation the ``trials``, the share ``with_reversal`` and the mean and
    largest ``pairs``; ``branches``: how often each branch was in a flipped pair.
    """

    trials: pd.DataFrame
    summary: pd.DataFrame
    branches: pd.Series
    rederived: str = ""


def _rederive(scheme, rederive) -> str:
    method = (scheme.origin or {}).get("method", "") if rederive in ("auto", None) else (rederive or "")
    return method if method in ("entropy", "critic") else ""


def rank_reversal(scheme, table: pd.DataFrame, *, operations: Sequence[str] = ("remove", "add", "merge"),
                  trials: int = 50, seed=0, groups=None, rederive="auto") -> ReversalStudy:
    """Try changes of the set of branches and count the order changes among the branches left alone.

    - ``remove``: one branch (chosen at random) is left out;
    - ``add``: a new branch joins, a copy of a random branch that is better
      than everyone on one random indicator (by a quarter of its range):
      what a branch new to the county, best in one respect, does;
    - ``merge``: two random branches become one whose indicators are the
      mean of theirs (an approximation of a merge; a real one is a scenario,
      see :func:`scenario_reversals`).

    After each change the table is scored again with ``scheme`` (its
    normalization statistics recomputed from the new table), and when the
    scheme's weights were derived from data (``rederive="auto"``: its origin
    says entropy or CRITIC; or name the method) they are derived again.

    >>> import workbench as wb
    >>> fw = wb.Framework.default()
    >>> table = wb.compute_indicators(wb.load("sample_data"), fw, period=2025)
    >>> study = rank_reversal(wb.Scheme(fw), table, trials=5)
    >>> int(study.trials["pairs"].sum())   # target and goalpost normalizations, fixed weights: none
    0
    """
    unknown = set(operations) - {"remove", "add", "merge"}
    if unknown:
        raise ValueError(f"operations: expected remove, add or merge, got {sorted(unknown)}")
    rng = _rng(seed)
    method = _rederive(scheme, rederive)
    fw = scheme.framework
    ind = fw.indicator_ids

    def score(t: pd.DataFrame):
        s = scheme.with_preset(method, t, groups=groups) if method else scheme
        return s.score(t, groups=groups)

    base = score(table)
    base_total = base.total
    ids = table.index
    higher = {i.id: i.direction == "higher" for i in fw.indicators}
    rows = []
    for operation in operations:
        for _ in range(trials):
            if operation == "remove":
                gone = [ids[rng.integers(len(ids))]]
                new_table, touched = table.drop(index=gone), gone
            elif operation == "add":
                source = table.loc[ids[rng.integers(len(ids))]].copy()
                col = ind[rng.integers(len(ind))]
                values = table[col].astype("float64")
                span = float(values.max() - values.min()) or 1.0
                source[col] = values.max() + 0.25 * span if higher[col] else values.min() - 0.25 * span
                new_id = "__new__"
                new_table = pd.concat([table, source.to_frame(new_id).T]).astype(table.dtypes.to_dict())
                touched = [new_id]
                gone = [f"+{col}"]
            else:
                pick = rng.choice(len(ids), size=2, replace=False)
                pair = [ids[k] for k in pick]
                merged = table.loc[pair, ind].mean(axis=0)
                keep = table.drop(index=pair[1]).copy()
                keep.loc[pair[0], ind] = merged.to_numpy()
                new_table, touched, gone = keep, pair, pair
            new_table.attrs = dict(table.attrs)
            after = score(new_table)
            flips = rank_reversals(base_total, after.total, among=ids.difference(pd.Index(touched)), limit=10_000)
            others = ids.difference(pd.Index(touched))
            rank_after = after.total.reindex(others).rank(ascending=False, method="min")
            rank_before = base_total.reindex(others).rank(ascending=False, method="min")
            rows.append({"operation": operation, "branches": ", ".join(map(str, gone)),
                         "pairs": flips.attrs["pairs"],
                         "share": flips.attrs["pairs"] / flips.attrs["compared"] if flips.attrs["compared"] else 0.0,
                         "max_shift": int(np.nanmax(np.abs(rank_after - rank_before))) if len(others) else 0,
                         "_flipped": pd.concat([flips["branch_a"], flips["branch_b"]]).to_numpy()})
    trials_frame = pd.DataFrame(rows)
    counts = pd.Series(np.concatenate([r for r in trials_frame["_flipped"]]) if len(trials_frame) else [],
                       dtype=object).value_counts()
    trials_frame = trials_frame.drop(columns="_flipped")
    summary = trials_frame.groupby("operation", sort=False).agg(
        trials=("pairs", "size"), with_reversal=("pairs", lambda s: float((s > 0).mean())),
        mean_pairs=("pairs", "mean"), max_pairs=("pairs", "max"), max_shift=("max_shift", "max"))
    return ReversalStudy(trials=trials_frame, summary=summary, branches=counts.rename("pairs"), rederived=method)
