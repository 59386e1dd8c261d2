"""Research on branch functions (key point 6): relations, clusters, coherence, movers.

Pure functions on the indicator table and assessments, for the research
dashboard and for researchers' own scripts:

- :func:`research_frame`: one row per branch with the raw indicators, the
  dimension scores and the total of a period;
- :func:`correlation_matrix`, :func:`fit_line` (OLS with a confidence band)
  and :func:`regression` (OLS with heteroskedasticity-robust HC3 errors,
  MacKinnon & White 1985) for the relations between the function indicators
  and the outcomes (collective income, satisfaction);
- :func:`cluster_profiles`: k-means on dimension scores (``scipy.cluster.vq``,
  fixed seed, best of several starts) with the profile of each cluster;
- :func:`cronbach_alpha` and :func:`coherence`: the statistical coherence of
  the framework as the JRC/OECD *Handbook on constructing composite
  indicators* (2008) and the JRC COIN audits ask: correlations within
  dimensions, of each indicator with its dimension and with the other
  dimensions, Cronbach's alpha (Cronbach 1951);
- :func:`movers`: branches that moved up a grade between two years (e.g. from
  standardized to strong) and what changed, against those that stayed;
- :func:`pseudonyms` / :func:`pseudonymise`: keyed-hash codes instead of
  names (HMAC-SHA256), so research output shows no names.

>>> import workbench as wb
>>> frame = research_frame(wb.load("sample_data"), period=2025)
>>> {"satisfaction", "functions", "total"} <= set(frame.columns)
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from ..data.core import BranchData
from ..assess.framework import Framework

__all__ = [
    "OUTCOMES",
    "OUTCOME_RELATED",
    "research_frame",
    "function_indicators",
    "correlation_matrix",
    "fit_line",
    "LineFit",
    "regression",
    "Regression",
    "kmeans",
    "cluster_profiles",
    "Clusters",
    "cronbach_alpha",
    "standardized_alpha",
    "coherence",
    "Coherence",
    "movers",
    "Movers",
    "pseudonyms",
    "pseudonymise",
]

#: The outcomes of branch functions the research relates the indicators to.
OUTCOMES = ("collective_income", "satisfaction")
#: Indicators that are outcomes or derive from them (not predictors of them).
OUTCOME_RELATED = ("collective_income", "income_growth", "satisfaction")


# ===================================================================== data

def research_frame(data: BranchData, framework: Framework | None = None, period: int | None = None, *,
                   scheme=None, groups: bool = True) -> pd.DataFrame:
    """Raw indicators, dimension scores and total per branch for one period.

    Parameters
    ----------
    data : BranchData
    framework : Framework, optional
        Default: :meth:`Framework.default`.
    period : int, optional
        Default: the latest year with records.
    scheme : Scheme, optional
        How dimension scores are computed (default: the framework's weights).
    groups : bool
        Normalize with townships as groups (as the dashboards do).

    Returns
    -------
    DataFrame
        Index ``branch_id``; indicator ids, dimension ids, ``total``, plus
        ``kind`` and ``township``. ``attrs``: ``period`` and ``result`` (the
        :class:`~workbench.assess.scoring.Assessment`).
    """
    from ..assess.indicators import compute_indicators
    from ..assess.scoring import Scheme

    framework = framework or Framework.default()
    scheme = scheme or Scheme(framework)
    table = compute_indicators(data, framework, period=period)
    branches = data.branches.set_index("branch_id")
    towns = branches["township"] if groups else None
    result = scheme.score(table, groups=towns)
    frame = pd.concat([table[framework.indicator_ids], result.dimensions, result.total], axis=1)
    frame["kind"] = branches["kind"].astype(str).reindex(frame.index)
    frame["township"] = branches["township"].reindex(frame.index)
    frame.attrs["period"] = table.attrs["period"]
    frame.attrs["result"] = result
    return frame


def function_indicators(framework: Framework) -> list[str]:
    """Indicators of the ``functions`` dimension that are not outcomes (the predictors).

    >>> function_indicators(Framework.default())
    ['general_meeting_decisions', 'committee_meetings', 'attendance_rate']
    """
    if "functions" not in framework.dimension_ids:
        return []
    return [i.id for i in framework.dimension("functions").indicators if i.id not in OUTCOME_RELATED]


def _numeric(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"columns {missing} are not in the table; available: {list(frame.columns)}")
    return frame.loc[:, list(columns)].apply(pd.to_numeric, errors="coerce").astype("float64")


# ============================================================== correlations

def correlation_matrix(frame: pd.DataFrame, columns: Sequence[str], *, method: str = "pearson") -> pd.DataFrame:
    """Pairwise correlations of ``columns`` (pairs of non-missing values); ``attrs["n"]`` the pair counts.

    >>> f = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 4, 6, 9], "c": [4, 3, 2, np.nan]})
    >>> correlation_matrix(f, ["a", "c"]).loc["a", "c"]
    -1.0
    >>> int(correlation_matrix(f, ["a", "c"]).attrs["n"].loc["a", "c"])
    3
    """
    if method not in ("pearson", "spearman", "kendall"):
        raise ValueError(f"method must be pearson, spearman or kendall, got {method!r}")
    values = _numeric(frame, columns)
    corr = values.corr(method=method)
    present = values.notna().to_numpy().astype("int64")
    corr.attrs["n"] = pd.DataFrame(present.T @ present, index=corr.index, columns=corr.columns)
    corr.attrs["method"] = method
    return corr


@dataclass(frozen=True)
class LineFit:
    """A straight line fitted by OLS with a confidence band of the mean (HC3 covariance)."""

    slope: float
    intercept: float
    r: float
    r2: float
    p: float              # of the slope, HC3
    n: int
    level: float
    band: pd.DataFrame    # x, fit, lower, upper


def fit_line(x, y, *, level: float = 0.95, points: int = 60) -> LineFit:
    """OLS of ``y`` on ``x`` (pairs with both values) with the confidence band of the fitted mean.

    >>> fit = fit_line([1, 2, 3, 4, 5], [2.1, 3.9, 6.2, 7.8, 10.1])
    >>> round(fit.slope, 2), fit.n
    (1.99, 5)
    >>> bool((fit.band["lower"] <= fit.band["fit"]).all())
    True
    """
    import statsmodels.api as sm

    x = np.asarray(pd.to_numeric(pd.Series(x), errors="coerce"), dtype="float64")
    y = np.asarray(pd.to_numeric(pd.Series(y), errors="coerce"), dtype="float64")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 3:
        raise ValueError(f"fit_line needs at least 3 pairs with both values, got {len(x)}")
    if np.ptp(x) == 0:
        raise ValueError("fit_line: x has a single value; nothing to fit a line to")
    model = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC3", use_t=True)
    grid = np.linspace(x.min(), x.max(), points)
    pred = model.get_prediction(sm.add_constant(grid)).summary_frame(alpha=1 - level)
    band = pd.DataFrame({"x": grid, "fit": pred["mean"].to_numpy(), "lower": pred["mean_ci_lower"].to_numpy(),
                         "upper": pred["mean_ci_upper"].to_numpy()})
    r = float(np.corrcoef(x, y)[0, 1]) if np.ptp(y) > 0 else float("nan")
    return LineFit(slope=float(model.params[1]), intercept=float(model.params[0]), r=r, r2=float(model.rsquared),
                   p=float(model.pvalues[1]), n=int(len(x)), level=level, band=band)


@dataclass(frozen=True)
class Regression:
    """An OLS regression with robust errors, as tables.

    ``table``: one row per term (``const`` first) with ``coef, se, t, p,
    ci_low, ci_high``; ``n`` rows used (complete cases), ``r2``, ``r2_adj``,
    ``f_p`` (robust Wald test that all slopes are 0), ``cov_type``.
    """

    outcome: str
    predictors: tuple[str, ...]
    table: pd.DataFrame
    n: int
    dropped: int
    r2: float
    r2_adj: float
    f_p: float
    cov_type: str
    standardized: bool


def regression(frame: pd.DataFrame, outcome: str, predictors: Sequence[str], *, standardize: bool = False,
               cov_type: str = "HC3", level: float = 0.95) -> Regression:
    """OLS of ``outcome`` on ``predictors`` with heteroskedasticity-robust standard errors.

    Rows with a missing value in any of the variables are left out (complete
    cases; ``dropped`` says how many). ``standardize=True`` z-scores every
    variable first, so the slopes are standardized (beta) coefficients.
    Inference uses the t distribution with the robust covariance (``cov_type``,
    default HC3).

    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"x": rng.normal(size=200), "z": rng.normal(size=200)})
    >>> f["y"] = 1 + 2 * f["x"] + rng.normal(size=200)
    >>> reg = regression(f, "y", ["x", "z"])
    >>> reg.table.index.tolist(), bool(abs(reg.table.loc["x", "coef"] - 2) < 3 * reg.table.loc["x", "se"])
    (['const', 'x', 'z'], True)
    """
    import statsmodels.api as sm

    predictors = list(dict.fromkeys(predictors))
    if not predictors:
        raise ValueError("regression: choose at least one predictor")
    if outcome in predictors:
        raise ValueError(f"regression: the outcome {outcome!r} cannot also be a predictor")
    values = _numeric(frame, [outcome, *predictors])
    complete = values.dropna()
    k = len(predictors)
    if len(complete) <= k + 1:
        raise ValueError(f"regression: {len(complete)} complete rows for {k} predictor(s); "
                         f"need at least {k + 2}")
    flat = [c for c in predictors if complete[c].nunique() < 2]
    if flat:
        raise ValueError(f"regression: predictor(s) {flat} take a single value in the {len(complete)} "
                         "complete rows; leave them out")
    if standardize:
        complete = (complete - complete.mean()) / complete.std(ddof=1)
    X = sm.add_constant(complete[predictors], has_constant="add")
    model = sm.OLS(complete[outcome], X).fit(cov_type=cov_type, use_t=True)
    ci = model.conf_int(alpha=1 - level)
    table = pd.DataFrame({"coef": model.params, "se": model.bse, "t": model.tvalues, "p": model.pvalues,
                          "ci_low": ci[0], "ci_high": ci[1]})
    table.index.name = "term"
    f_p = float(np.asarray(model.f_pvalue).ravel()[0]) if model.f_pvalue is not None else float("nan")
    return Regression(outcome=outcome, predictors=tuple(predictors), table=table, n=int(model.nobs),
                      dropped=int(len(values) - len(complete)), r2=float(model.rsquared),
                      r2_adj=float(model.rsquared_adj), f_p=f_p, cov_type=cov_type, standardized=standardize)


# ================================================================== clusters

def kmeans(X: np.ndarray, k: int, *, seed: int | np.random.Generator | None = 0, n_init: int = 10,
           iterations: int = 50) -> tuple[np.ndarray, np.ndarray, float]:
    """k-means (``scipy.cluster.vq.kmeans2``, k-means++ starts): the best of ``n_init`` runs.

    Returns ``(labels, centers, inertia)``; the same ``seed`` gives the same result.

    >>> X = np.r_[np.zeros((5, 2)), np.ones((5, 2)) * 10]
    >>> labels, centers, inertia = kmeans(X, 2, seed=0)
    >>> sorted(np.bincount(labels).tolist()), inertia
    ([5, 5], 0.0)
    """
    from scipy.cluster.vq import kmeans2

    X = np.asarray(X, dtype="float64")
    if not 1 <= k <= len(X):
        raise ValueError(f"kmeans: k must be between 1 and the number of rows ({len(X)}), got {k}")
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(max(1, n_init)):
        centers, labels = kmeans2(X, k, iter=iterations, minit="++", rng=rng, missing="raise")
        inertia = float(((X - centers[labels]) ** 2).sum())
        if best is None or inertia < best[2] - 1e-12:
            best = (labels, centers, inertia)
    return best


@dataclass(frozen=True)
class Clusters:
    """Branch profiles: ``labels`` (cluster 1..k by branch, 1 = best mean total),
    ``centers`` (cluster x dimension mean scores), ``summary`` (cluster: size,
    share, mean total, means of the extra columns, strongest and weakest
    dimension relative to the county mean), ``inertia``."""

    k: int
    labels: pd.Series
    centers: pd.DataFrame
    summary: pd.DataFrame
    inertia: float
    seed: int | None = None


def cluster_profiles(dimensions: pd.DataFrame, k: int = 4, *, total: pd.Series | None = None,
                     extra: pd.DataFrame | None = None, seed: int = 0, n_init: int = 10) -> Clusters:
    """Cluster branches by their dimension scores (k-means, same 0-100 scale, not re-scaled).

    Branches with a missing dimension score are left out. Clusters are
    numbered by their mean ``total`` (default: the mean of the dimension
    scores), best first, so the numbering does not depend on the start.

    >>> dims = pd.DataFrame({"a": [90, 92, 40, 42, 41.0], "b": [80, 82, 30, 31, 29.0]},
    ...                     index=list("vwxyz"))
    >>> c = cluster_profiles(dims, 2, seed=0)
    >>> c.labels.tolist(), c.summary["size"].tolist()
    ([1, 1, 2, 2, 2], [2, 3])
    """
    dims = dimensions.dropna().astype("float64")
    labels, centers, inertia = kmeans(dims.to_numpy(), k, seed=seed, n_init=n_init)
    total = (total if total is not None else dims.mean(axis=1)).reindex(dims.index)
    order = pd.Series(total.to_numpy()).groupby(labels).mean().sort_values(ascending=False).index.to_numpy()
    renumber = np.empty(k, dtype=int)
    renumber[order] = np.arange(1, k + 1)
    named = pd.Series(renumber[labels], index=dims.index, name="cluster")
    centers = pd.DataFrame(centers[order], index=pd.Index(range(1, k + 1), name="cluster"), columns=dims.columns)
    sizes = named.value_counts().reindex(centers.index, fill_value=0)
    summary = pd.DataFrame({"size": sizes, "share": sizes / max(len(named), 1),
                            "total": total.groupby(named).mean().reindex(centers.index)})
    if extra is not None:
        for col in extra.columns:
            summary[col] = pd.to_numeric(extra[col].reindex(dims.index), errors="coerce").groupby(named).mean()
    relative = centers - dims.mean()
    summary["strongest"] = relative.idxmax(axis=1)
    summary["weakest"] = relative.idxmin(axis=1)
    return Clusters(k=k, labels=named, centers=centers, summary=summary, inertia=inertia, seed=seed)


# ================================================================= coherence

def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha of the columns of ``items`` (rows with every item present).

    alpha = k / (k - 1) * (1 - sum of item variances / variance of the sum),
    sample variances (ddof = 1). NaN with fewer than two items or rows.

    >>> items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5], "c": [1, 3, 2, 4]})
    >>> round(cronbach_alpha(items), 4)  # 1.5 * (1 - (5/3 + 19/12 + 5/3) / (163/12))
    0.9571
    """
    values = items.apply(pd.to_numeric, errors="coerce").dropna().to_numpy(dtype="float64")
    n, k = values.shape
    if k < 2 or n < 2:
        return float("nan")
    total_var = values.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - values.var(axis=0, ddof=1).sum() / total_var))


def standardized_alpha(corr: pd.DataFrame) -> float:
    """Standardized alpha from a correlation matrix: k r / (1 + (k - 1) r), r the mean inter-item correlation.

    >>> standardized_alpha(pd.DataFrame([[1, 0.5], [0.5, 1]]))
    0.6666666666666666
    """
    k = len(corr)
    if k < 2:
        return float("nan")
    r = corr.to_numpy()[np.triu_indices(k, 1)]
    r = r[np.isfinite(r)]
    if not len(r):
        return float("nan")
    mean = float(r.mean())
    return k * mean / (1 + (k - 1) * mean)


@dataclass(frozen=True)
class Coherence:
    """Statistical coherence of a framework on one assessment.

    ``dimensions``: per dimension ``items, n (complete rows), alpha,
    alpha_std, mean_r, min_r, negative_pairs``, plus a row ``total`` (the
    dimension scores as items). ``indicators``: per indicator ``dimension,
    r_dimension`` (with its own dimension score), ``r_total``,
    ``best_other`` and ``r_best_other`` (the other dimension it correlates
    with most), and ``flag``: ``"negative"`` (it works against its
    dimension), ``"weak"`` (|r| < 0.3 with its dimension), ``"elsewhere"``
    (closer to another dimension than to its own) or ``""``.
    ``within``: the correlation matrix of each dimension's indicators.
    """

    dimensions: pd.DataFrame
    indicators: pd.DataFrame
    within: dict = field(default_factory=dict)


def coherence(result, *, weak: float = 0.3, method: str = "pearson") -> Coherence:
    """Correlations within dimensions and Cronbach's alpha, on the normalized indicator scores.

    Follows the statistical coherence step of the JRC/OECD Handbook: every
    indicator should correlate positively with its dimension (not too weakly),
    not more with another dimension, and the indicators of a dimension should
    hang together (alpha; 0.7 is the usual threshold).

    >>> import workbench as wb
    >>> data = wb.load("sample_data")
    >>> result = wb.Scheme(wb.Framework.default()).score(wb.compute_indicators(data, period=2025))
    >>> coh = coherence(result)
    >>> coh.dimensions.index.tolist()[-1], len(coh.indicators) == len(result.framework.indicator_ids)
    ('total', True)
    """
    fw = result.framework
    scores = result.indicators
    dims = result.dimensions
    total = result.total
    rows, within = [], {}
    for dim in fw.dimensions:
        ids = [i.id for i in dim.indicators]
        corr = scores[ids].corr(method=method)
        within[dim.id] = corr
        rows.append(_scale_row(dim.id, scores[ids], corr))
    rows.append(_scale_row("total", dims, dims.corr(method=method)))
    table = pd.DataFrame(rows).set_index("dimension")
    ind_rows = []
    both = pd.concat([scores, dims, total.rename("__total__")], axis=1)
    corr_all = both.corr(method=method)
    for dim in fw.dimensions:
        for ind in dim.indicators:
            r_own = corr_all.loc[ind.id, dim.id]
            others = corr_all.loc[ind.id, [d for d in fw.dimension_ids if d != dim.id]]
            best = others.idxmax() if others.notna().any() else ""
            r_best = float(others.max()) if others.notna().any() else float("nan")
            if np.isfinite(r_own) and r_own < 0:
                flag = "negative"
            elif not np.isfinite(r_own) or abs(r_own) < weak:
                flag = "weak"
            elif np.isfinite(r_best) and r_best > r_own:
                flag = "elsewhere"
            else:
                flag = ""
            ind_rows.append({"indicator": ind.id, "dimension": dim.id, "r_dimension": float(r_own),
                             "r_total": float(corr_all.loc[ind.id, "__total__"]), "best_other": best,
                             "r_best_other": r_best, "flag": flag})
    return Coherence(dimensions=table, indicators=pd.DataFrame(ind_rows).set_index("indicator"), within=within)


def _scale_row(name: str, items: pd.DataFrame, corr: pd.DataFrame) -> dict:
    k = items.shape[1]
    upper = corr.to_numpy()[np.triu_indices(k, 1)] if k > 1 else np.array([])
    upper = upper[np.isfinite(upper)]
    return {"dimension": name, "items": k, "n": int(items.dropna().shape[0]),
            "alpha": cronbach_alpha(items), "alpha_std": standardized_alpha(corr),
            "mean_r": float(upper.mean()) if len(upper) else float("nan"),
            "min_r": float(upper.min()) if len(upper) else float("nan"),
            "negative_pairs": int((upper < 0).sum())}


# ==================================================================== movers

@dataclass(frozen=True)
class Movers:
    """Branches that moved from one grade to a better one, and what changed.

    ``branches``: the movers (index branch_id) with ``total_before,
    total_after, rank_before, rank_after`` and the change of each dimension
    score; ``dimensions`` and ``indicators``: per dimension / indicator the
    mean change of the movers and of the ``stayers`` (same grade both years),
    their ``difference`` and Welch's t-test ``p``, largest difference first
    (indicators: normalized scores). ``stayed``: how many stayed.
    """

    from_grade: str
    to_grade: str
    branches: pd.DataFrame
    dimensions: pd.DataFrame
    indicators: pd.DataFrame
    stayed: int


def _difference(changes: pd.DataFrame, movers: pd.Index, stayers: pd.Index) -> pd.DataFrame:
    from scipy import stats

    rows = []
    for col in changes.columns:
        a = changes.loc[movers, col].dropna().to_numpy()
        b = changes.loc[stayers, col].dropna().to_numpy()
        p = float("nan")
        if len(a) >= 2 and len(b) >= 2 and (a.var() > 0 or b.var() > 0):
            p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        ma = float(a.mean()) if len(a) else float("nan")
        mb = float(b.mean()) if len(b) else float("nan")
        rows.append({"item": col, "movers": ma, "stayers": mb, "difference": ma - mb, "p": p,
                     "n_movers": len(a), "n_stayers": len(b)})
    out = pd.DataFrame(rows).set_index("item")
    return out.reindex(out["difference"].abs().sort_values(ascending=False, na_position="last").index)


def movers(before, after, *, from_grade: str = "standardized", to_grade: str = "strong") -> Movers:
    """Who moved from ``from_grade`` (in ``before``) to ``to_grade`` (in ``after``), and what changed.

    ``before`` and ``after`` are assessments of two periods under the same
    framework. Changes are after minus before: dimension scores, and the
    normalized score of every indicator. The comparison group are the
    branches that held ``from_grade`` in both periods.

    >>> import workbench as wb
    >>> data, fw = wb.load("sample_data"), wb.Framework.default()
    >>> r24, r25 = (wb.Scheme(fw).score(wb.compute_indicators(data, fw, period=p)) for p in (2024, 2025))
    >>> m = movers(r24, r25)
    >>> set(r24.grade[m.branches.index]), set(r25.grade[m.branches.index])
    ({'standardized'}, {'strong'})
    """
    from .trends import branch_changes

    fw = after.framework
    for g in (from_grade, to_grade):
        if g not in fw.grade_ids:
            raise ValueError(f"movers: unknown grade {g!r}; the framework's grades are {fw.grade_ids}")
    # the per-branch changes of the year-over-year view (workbench.studies.trends)
    changes = branch_changes(before, after)
    gb, ga = changes["grade_before"], changes["grade_after"]
    moved = changes.index[((gb == from_grade) & (ga == to_grade)).to_numpy()]
    stayed = changes.index[((gb == from_grade) & (ga == from_grade)).to_numpy()]
    dim_change = changes.filter(like="dim:").rename(columns=lambda c: c.removeprefix("dim:"))
    ind_change = changes.filter(like="ind:").rename(columns=lambda c: c.removeprefix("ind:"))
    branches = pd.concat([changes.loc[moved, ["total_before", "total_after", "rank_before", "rank_after"]],
                          dim_change.reindex(moved)], axis=1)
    branches = branches.sort_values("total_after", ascending=False, kind="stable")
    return Movers(from_grade=from_grade, to_grade=to_grade, branches=branches,
                  dimensions=_difference(dim_change, moved, stayed),
                  indicators=_difference(ind_change, moved, stayed), stayed=int(len(stayed)))


# =========================================================== pseudonymisation

_SESSION_KEY = secrets.token_bytes(32)


def _key(key: bytes | str | None) -> bytes:
    if key is None:
        env = os.environ.get("WORKBENCH_PSEUDONYM_KEY")
        return env.encode() if env else _SESSION_KEY
    return key.encode() if isinstance(key, str) else bytes(key)


def pseudonyms(ids: Iterable[str], *, key: bytes | str | None = None, prefix: str = "") -> pd.Series:
    """Stable codes for ids: ``prefix`` + the first hex digits of HMAC-SHA256(key, id), unique.

    The key decides the codes: the same key gives the same codes (reproducible
    research); without it, codes are not linkable to the ids. Default key:
    ``WORKBENCH_PSEUDONYM_KEY`` from the environment, else a random key for
    this Python process. At least 6 hex digits, more when needed to be unique.

    >>> codes = pseudonyms(["B00001", "B00002"], key="k", prefix="S-")
    >>> codes.tolist()
    ['S-1E14B6', 'S-3FD42F']
    """
    ids = [str(i) for i in ids]
    raw = _key(key)
    digests = [hmac.new(raw, i.encode("utf-8"), hashlib.sha256).hexdigest().upper() for i in ids]
    unique_ids = len(set(ids))
    width = 6
    while width < 64 and len({d[:width] for d in digests}) < unique_ids:
        width += 1
    return pd.Series([prefix + d[:width] for d in digests], index=pd.Index(ids, name="id"), name="pseudonym")


def pseudonymise(data: BranchData, *, key: bytes | str | None = None) -> BranchData:
    """The data with member names and branch names replaced by keyed codes (ids unchanged).

    >>> import workbench as wb
    >>> p = pseudonymise(wb.load("sample_data"), key="k")
    >>> bool(p.members["name"].str.startswith("M-").all()), bool(p.branches["name"].str.startswith("B-").all())
    (True, True)
    """
    members = data.members.copy()
    branches = data.branches.copy()
    members["name"] = pseudonyms(members["member_id"], key=key, prefix="M-").to_numpy()
    branches["name"] = pseudonyms(branches["branch_id"], key=key, prefix="B-").to_numpy()
    members["name"] = members["name"].astype(data.members["name"].dtype)
    branches["name"] = branches["name"].astype(data.branches["name"].dtype)
    return data.replace(members=members, branches=branches, source=data.source)
