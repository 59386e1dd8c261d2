"""Sobol sensitivity indices of the dimension weights (and method choices) on the ranking.

The weights must sum to one, so each dimension's *relative* weight is a factor;
sampling and the estimators are SALib's (Saltelli's scheme), the model is the
vectorised :class:`~workbench.assess.robustness.engine.Engine`.
"""

from __future__ import annotations

import operator
import warnings
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..assessment import Assessment
from ..scoring import Scheme
from .engine import Engine, progress_bar
from .samples import (DEFAULT_AGGREGATIONS, DEFAULT_NORMALIZATIONS, Samples, aggregation_options, as_generator,
                      normalization_options, vary_levels)

__all__ = ["sensitivity", "sobol_indices"]


def sobol_indices(problem: dict, model: Callable[[np.ndarray], np.ndarray], n: int, rng: np.random.Generator,
                   *, conf_level: float = 0.95, num_resamples: int = 100) -> pd.DataFrame:
    """Saltelli/Sobol sampling, the model, SALib's analysis: a tidy table of S1 and ST with intervals."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    n = operator.index(n)
    if n < 2 or n & (n - 1):
        low = 1 << max(1, n.bit_length() - 1)
        raise ValueError(f"n: the Sobol sample size must be a power of 2 (balance of Sobol points), "
                         f"got {n}; try {low} or {low * 2}")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level: expected a probability in (0, 1), got {conf_level}")
    x = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=rng)
    y = np.asarray(model(x), dtype="float64")
    names = list(problem["names"])
    if y.shape != (len(x),) or not np.isfinite(y).all():
        raise ValueError("the model output must be one finite number per sample")
    if np.ptp(y) == 0:
        warnings.warn("the output does not vary over the samples: Sobol indices are undefined (NaN)",
                      RuntimeWarning, stacklevel=3)
        nan = np.full(len(names), np.nan)
        return pd.DataFrame({"factor": names, "S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan})
    # SALib seeds its bootstrap only with a non-zero int (0 or None fall back to the global state)
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples,
                               conf_level=conf_level, seed=int(rng.integers(1, 2**31 - 1)))
    out = pd.DataFrame({"factor": names, "S1": si["S1"], "S1_conf": si["S1_conf"],
                        "ST": si["ST"], "ST_conf": si["ST_conf"]})
    out.attrs["evaluations"] = len(x)
    return out


def sensitivity(scheme: Scheme, table: pd.DataFrame, n: int = 256, seed=None, output="mean_abs_shift", *,
                vary=("dimension_weights",), spread: float = 0.5,
                bounds: Mapping[str, tuple[float, float]] | None = None,
                normalizations: Sequence | None = None, aggregations: Sequence | None = None,
                groups=None, conf_level: float = 0.95, num_resamples: int = 100, dtype: str = "float64",
                block_size: int | None = None, progress: bool | None = None) -> pd.DataFrame:
    """First-order and total Sobol indices of the dimension weights (and methods) on the ranking.

    The weights must sum to one, so they cannot be independent factors.
    Instead each dimension's *relative* weight is a factor, uniform in
    ``[low, high]`` (default: the scheme's weight times ``1 - spread`` and
    ``1 + spread``), and every sample is renormalized to sum to one before
    scoring: an index measures the effect of a dimension's weight relative to
    the others. Indicator weights within dimensions stay as in the scheme.
    Method choices (``vary`` with ``"normalization"`` or ``"aggregation"``)
    are discrete factors: a uniform factor in [0, m) picks one of the m
    alternatives (see :func:`draw`). Sampling is SALib's Sobol sequence
    (Saltelli's scheme, ``n * (D + 2)`` evaluations for D factors); indices and
    bootstrap confidence intervals come from ``SALib.analyze.sobol``.

    Parameters
    ----------
    scheme, table
        As for :func:`monte_carlo`.
    n : int
        Base sample size, a power of 2.
    seed : None, int or numpy.random.Generator
    output : "mean_abs_shift" or ("rank", branch_id)
        The summary of each draw's ranking: the mean absolute rank change
        against the nominal ranking, or the rank of one branch.
    vary : sequence of str
        ``"dimension_weights"`` and optionally ``"normalization"``, ``"aggregation"``.
    spread : float in [0, 1)
        Default bounds of the relative weights.
    bounds : mapping, optional
        ``{dimension_id: (low, high)}`` on the relative-weight scale
        (any positive numbers; the sample is renormalized).
    conf_level, num_resamples
        Bootstrap confidence intervals (SALib).

    Returns
    -------
    DataFrame
        ``factor, S1, S1_conf, ST, ST_conf`` (``S1_conf`` is the half-width of
        the interval). ``attrs["evaluations"]`` is the number of rankings.

    Examples
    --------
    >>> import workbench as wb
    >>> table = wb.compute_indicators(wb.load("sample_data"), period=2025)
    >>> si = wb.sensitivity(wb.Scheme(wb.Framework.default()), table, n=64, seed=0, progress=False)
    >>> si.columns.tolist()
    ['factor', 'S1', 'S1_conf', 'ST', 'ST_conf']
    """
    rng = as_generator(seed)
    fw = scheme.framework
    levels, methods = vary_levels(vary)
    if "indicators" in levels:
        raise ValueError("vary: sensitivity takes 'dimension_weights', 'normalization' and 'aggregation' "
                         "(indicator weights stay as in the scheme)")
    if not 0 <= spread < 1:
        raise ValueError(f"spread: expected a number in [0, 1), got {spread}")
    nominal_dims = scheme.dimension_weights
    weighted = [d for d in fw.dimension_ids if nominal_dims[d] > 0] if "dimensions" in levels else []
    bounds = dict(bounds or {})
    unknown = set(bounds) - set(fw.dimension_ids)
    if unknown:
        raise ValueError(f"bounds: not dimensions of {fw.name!r}: {sorted(unknown)}")
    problem_bounds = []
    for d in weighted:
        low, high = bounds.get(d, (nominal_dims[d] * (1 - spread), nominal_dims[d] * (1 + spread)))
        if not 0 <= low < high:
            raise ValueError(f"bounds[{d!r}]: expected 0 <= low < high, got ({low}, {high})")
        problem_bounds.append([float(low), float(high)])
    norms = normalization_options(scheme, DEFAULT_NORMALIZATIONS if normalizations is None else normalizations
                                   ) if "normalization" in methods else normalization_options(scheme, [None])
    aggs = aggregation_options(scheme, DEFAULT_AGGREGATIONS if aggregations is None else aggregations
                                ) if "aggregation" in methods else aggregation_options(scheme, [None])
    names = list(weighted)
    for name, options in (("normalization", norms), ("aggregation", aggs)):
        if name in methods:
            names.append(name)
            problem_bounds.append([0.0, float(len(options))])
    if not names:
        raise ValueError("nothing to vary: give vary='dimension_weights' and/or method choices")
    problem = {"num_vars": len(names), "names": names, "bounds": problem_bounds}

    engine = Engine(scheme, table, groups=groups, dtype=dtype)
    nominal_rank = engine.nominal.rank.to_numpy(dtype="float64", na_value=np.nan)
    summary = _ranking_summary(output, engine.nominal, nominal_rank)
    within = scheme.indicator_weights.to_numpy()
    columns = {name: k for k, name in enumerate(names)}

    def model(x: np.ndarray) -> np.ndarray:
        s = len(x)
        dims = np.tile(nominal_dims.to_numpy(), (s, 1))
        for j, d in enumerate(fw.dimension_ids):
            if d in columns:
                dims[:, j] = x[:, columns[d]]
        dims /= dims.sum(axis=1, keepdims=True)
        codes = {name: (np.minimum(np.floor(x[:, columns[name]]), len(opts) - 1).astype(np.int64)
                        if name in columns else np.zeros(s, dtype=np.int64))
                 for name, opts in (("normalization", norms), ("aggregation", aggs))}
        samples = Samples(dims, np.tile(within, (s, 1)), codes["normalization"], codes["aggregation"],
                          norms, aggs)
        y = np.empty(s)
        bar = progress_bar(progress, s, float(s) * engine.n, "Sobol")
        try:
            for rows, ranks, _, _ in engine.blocks(samples, engine.block_size(block_size), grades=False, bar=bar):
                y[rows] = summary(ranks)
        finally:
            if bar is not None:
                bar.close()
        engine.warn_floor()
        return y

    out = sobol_indices(problem, model, n, rng, conf_level=conf_level, num_resamples=num_resamples)
    out.attrs["output"] = output if isinstance(output, str) else list(output)
    return out


def _ranking_summary(output, nominal: Assessment, nominal_rank: np.ndarray) -> Callable:
    if isinstance(output, str) and output == "mean_abs_shift":
        scored = ~np.isnan(nominal_rank)

        def mean_abs_shift(ranks):
            return np.abs(ranks[:, scored] - nominal_rank[scored]).mean(axis=1)
        return mean_abs_shift
    if isinstance(output, (tuple, list)) and len(output) == 2 and output[0] == "rank":
        branch = output[1]
        index = nominal.total.index
        if branch not in index:
            raise ValueError(f"output: no branch {branch!r} in the table")
        b = index.get_loc(branch)
        if np.isnan(nominal_rank[b]):
            raise ValueError(f"output: branch {branch!r} has no total (no indicator values), so no rank")

        def rank_of(ranks):
            return ranks[:, b].astype("float64")
        return rank_of
    raise ValueError(f"output: expected 'mean_abs_shift' or ('rank', branch_id), got {output!r}")
