"""Robustness of rankings: Monte Carlo rank intervals, grade probabilities, sensitivity indices.

A planner must know which grades are decided by the data and which by the
weighting. The functions follow SALib's *sample -> evaluate -> analyze*:

- :func:`draw` samples weight vectors around a scheme (Dirichlet or uniform
  +/- spread, renormalized within each level) and, optionally, alternative
  normalizations and aggregations as discrete choices; :func:`evaluate` scores,
  ranks and grades every draw (vectorised: a block of draws is one matrix
  product, ranks are an ``argsort`` along an axis, the quota a cumulative
  count along the sorted order) and summarises per branch;
  :func:`monte_carlo` is the two in one call.
- :func:`sensitivity`: first-order and total Sobol indices (SALib) of the
  dimension weights, and of the method choices, on a summary of the ranking.
- :func:`leave_one_out`: what happens to the ranking when one indicator or one
  dimension is removed (weight 0, the others renormalized).

References
----------
- Saisana, M., Saltelli, A., Tarantola, S. (2005). Uncertainty and sensitivity
  analysis techniques as tools for the quality assessment of composite
  indicators. *J. R. Stat. Soc. A* 168(2), 307-323.
- OECD/JRC (2008). *Handbook on Constructing Composite Indicators*, step 7.
- Saltelli, A. et al. (2010). Variance based sensitivity analysis of model
  output. *Comput. Phys. Commun.* 181(2), 259-270 (the Sobol estimators of SALib).

>>> import workbench as wb
>>> table = wb.compute_indicators(wb.load("sample_data"), period=2025)
>>> scheme = wb.Scheme(wb.Framework.default())
>>> mc = wb.monte_carlo(scheme, table, n=200, seed=1, progress=False)
>>> row = mc.summary.loc["B00001"]
>>> bool(row["rank_p5"] <= row["rank"] <= row["rank_p95"])
True
>>> again = mc.scheme_for(7).score(table)      # draw 7, rebuilt as a Scheme
>>> bool((again.rank.to_numpy() == mc.ranks[7]).all())
True
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import os
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .aggregate import GeometricZeroWarning
from .kernel import GEOMETRIC_FLOOR, Grading, closeness, floored_log, rank_rows, topsis_terms
from ..data.core import BranchData
from ..files import atomic_path
from .framework import Aggregation, Framework
from .scoring import Assessment, Scheme
from .scoring import _bilingual as scoring_bilingual

__all__ = [
    "Samples",
    "RobustnessResult",
    "draw",
    "evaluate",
    "monte_carlo",
    "sensitivity",
    "leave_one_out",
    "factor_label",
]

#: What can vary: the weights of one or both levels, and the methods.
VARY = ("weights", "dimension_weights", "indicator_weights", "normalization", "aggregation")
_LEVELS = {"weights": ("dimensions", "indicators"), "dimension_weights": ("dimensions",),
           "indicator_weights": ("indicators",), "normalization": (), "aggregation": ()}
#: Alternatives drawn when ``"normalization"`` varies (None = the scheme's own).
DEFAULT_NORMALIZATIONS: tuple = (None, "minmax", "rank")
#: Alternatives drawn when ``"aggregation"`` varies (None = the scheme's own).
DEFAULT_AGGREGATIONS: tuple = (None, ("arithmetic", "arithmetic"), ("geometric", "geometric"),
                               ("arithmetic", "topsis"))
_BLOCK_BYTES = 24 * 2**20  # working memory of one block of draws (auto block size)


# ===================================================================== helpers

def _rng(seed) -> np.random.Generator:
    """The one place where ``seed`` (None, int or Generator) becomes a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be None, an int or a numpy.random.Generator, got {type(seed).__name__}")


def _vary_levels(vary) -> tuple[tuple[str, ...], set[str]]:
    tokens = (vary,) if isinstance(vary, str) else tuple(vary)
    unknown = [t for t in tokens if t not in _LEVELS]
    if unknown or not tokens:
        raise ValueError(f"vary: expected one or more of {list(VARY)}, got {list(tokens)!r}")
    levels = tuple(dict.fromkeys(lv for t in tokens for lv in _LEVELS[t]))
    return levels, {t for t in tokens if t in ("normalization", "aggregation")}


def _spreads(spread) -> dict[str, float]:
    if isinstance(spread, Mapping):
        unknown = set(spread) - {"dimensions", "indicators"}
        if unknown:
            raise ValueError(f"spread: keys must be 'dimensions' and/or 'indicators', got {sorted(unknown)}")
        out = {"dimensions": float(spread.get("dimensions", 0.0)),
               "indicators": float(spread.get("indicators", 0.0))}
    else:
        out = {"dimensions": float(spread), "indicators": float(spread)}
    for level, value in out.items():
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"spread ({level}): expected a number in [0, 1] (0.2 = +/-20 %), got {value}")
    return out


def _normalization_options(scheme: Scheme, options) -> tuple[tuple[str, Mapping | None], ...]:
    out: list[tuple[str, Mapping | None]] = []
    seen: list[dict] = []
    for opt in options:
        if opt is None:
            label, mapping = "scheme", None
        elif isinstance(opt, str):
            label, mapping = opt, {"*": opt}
        elif isinstance(opt, Mapping):
            mapping = dict(opt)
            label = ", ".join(f"{k}={v if isinstance(v, str) else getattr(v, 'method', v)}"
                              for k, v in mapping.items())
        else:
            raise TypeError(f"normalizations: expected None, a method name or a mapping, got {opt!r}")
        try:
            resolved = scheme.with_normalization(mapping).normalizations if mapping else scheme.normalizations
        except (KeyError, ValueError) as exc:
            raise ValueError(f"normalizations: {opt!r}: {exc.args[0] if exc.args else exc}") from None
        if resolved not in seen:
            seen.append(resolved)
            out.append((label, mapping))
    return tuple(out)


def _aggregation_options(scheme: Scheme, options) -> tuple[tuple[str, Aggregation], ...]:
    out: list[tuple[str, Aggregation]] = []
    for opt in options:
        if opt is None:
            agg = scheme.aggregation
        elif isinstance(opt, Aggregation):
            agg = opt
        elif isinstance(opt, Mapping):
            agg = scheme.with_aggregation(**dict(opt)).aggregation
        elif isinstance(opt, (tuple, list)) and len(opt) == 2:
            agg = scheme.with_aggregation(indicators=opt[0], dimensions=opt[1]).aggregation
        else:
            raise TypeError("aggregations: expected None, (indicators, dimensions) or a mapping, "
                            f"got {opt!r}")
        if all(agg != a for _, a in out):
            out.append((f"{agg.indicators}/{agg.dimensions}", agg))
    return tuple(out)


# ===================================================================== samples

@dataclass(frozen=True, eq=False)
class Samples:
    """The parameters of every draw: enough to rebuild the scheme of any draw.

    ``dimension_weights`` is draws x dimensions (rows sum to 1);
    ``indicator_weights`` is draws x indicators, weights within their
    dimension (each dimension's entries sum to 1); ``normalization`` and
    ``aggregation`` index the option tuples (label, override).
    """

    dimension_weights: np.ndarray
    indicator_weights: np.ndarray
    normalization: np.ndarray
    aggregation: np.ndarray
    normalizations: tuple
    aggregations: tuple

    def __len__(self) -> int:
        return len(self.dimension_weights)

    def subset(self, rows) -> Samples:
        return Samples(self.dimension_weights[rows], self.indicator_weights[rows],
                       self.normalization[rows], self.aggregation[rows],
                       self.normalizations, self.aggregations)

    def frame(self, framework: Framework) -> pd.DataFrame:
        """One row per draw: dimension weights, indicator weights within dimension, methods."""
        out = pd.concat([
            pd.DataFrame(self.dimension_weights, columns=framework.dimension_ids),
            pd.DataFrame(self.indicator_weights, columns=framework.indicator_ids),
        ], axis=1)
        out["normalization"] = [self.normalizations[c][0] for c in self.normalization]
        out["aggregation"] = [self.aggregations[c][0] for c in self.aggregation]
        out.index.name = "sample"
        return out

    def scheme(self, base: Scheme, i: int) -> Scheme:
        """The scheme of draw ``i``, built from ``base`` by its public ``with_*`` methods."""
        i = operator.index(i)
        if not -len(self) <= i < len(self):
            raise IndexError(f"sample {i} out of range: there are {len(self)} samples")
        i %= len(self)
        fw = base.framework
        weights = dict(zip(fw.dimension_ids, self.dimension_weights[i].tolist()))
        weights.update(zip(fw.indicator_ids, self.indicator_weights[i].tolist()))
        scheme = base.with_weights(weights, name=f"{base.name} / sample {i}")
        norm = self.normalizations[self.normalization[i]][1]
        if norm:
            scheme = scheme.with_normalization(norm)
        agg = self.aggregations[self.aggregation[i]][1]
        if agg != scheme.aggregation:
            scheme = scheme.with_aggregation(indicators=agg.indicators, dimensions=agg.dimensions)
        return scheme


def _draw_level(rng, nominal: np.ndarray, starts: np.ndarray, n: int, spread: float,
                distribution: str) -> np.ndarray:
    """``n`` draws of a weight vector made of groups (``starts``), each group renormalized."""
    out = np.tile(nominal, (n, 1))
    if spread == 0 or n == 0:
        return out
    sizes = np.diff(np.append(starts, len(nominal)))
    positive = nominal > 0
    counts = np.add.reduceat(positive.astype(int), starts)
    varies = np.repeat(counts > 1, sizes)          # a group with one weight cannot vary
    if distribution == "uniform":
        draws = nominal * rng.uniform(1.0 - spread, 1.0 + spread, size=(n, len(nominal)))
    else:
        # a weight of average size 1/m gets the relative sd spread/sqrt(3), as a uniform +/-spread
        alpha0 = np.repeat(3.0 * (counts - 1) / spread**2 - 1.0, sizes)
        draws = rng.standard_gamma(np.where(positive & varies, alpha0 * nominal, 0.0), size=(n, len(nominal)))
        # a tiny shape can underflow to 0: keep weighted items weighted (zero weights stay zero)
        draws = np.where(positive, np.maximum(draws, np.finfo(float).tiny), 0.0)
    draws = np.where(varies, draws, nominal)
    sums = np.repeat(np.add.reduceat(draws, starts, axis=1), sizes, axis=1)
    return np.divide(draws, sums, out=out, where=sums > 0)


def draw(scheme: Scheme, n: int = 1000, seed=None, spread=0.2, vary=("weights",), *,
         distribution: str = "dirichlet", normalizations: Sequence | None = None,
         aggregations: Sequence | None = None) -> Samples:
    """Sample ``n`` schemes around ``scheme`` (the *sample* step of :func:`monte_carlo`).

    Parameters
    ----------
    scheme : Scheme
    n : int
        Number of draws.
    seed : None, int or numpy.random.Generator
    spread : float in [0, 1] or {"dimensions": x, "indicators": y}
        Size of the weight perturbation. ``distribution="uniform"``: each
        weight is multiplied by U(1 - spread, 1 + spread), then the level is
        renormalized. ``"dirichlet"``: the weights of a level (the dimensions;
        the indicators of one dimension) follow a Dirichlet distribution with
        the nominal weights as mean and concentration 3(m - 1)/spread^2 - 1
        for m weighted items, which gives a weight of average size the same
        relative standard deviation (spread/sqrt(3)) as the uniform case.
        Zero weights stay zero; 0 reproduces the scheme.
    vary : sequence of str
        ``"weights"`` (both levels), ``"dimension_weights"``,
        ``"indicator_weights"``, ``"normalization"``, ``"aggregation"``.
    normalizations : sequence, optional
        Alternatives drawn with equal probability when ``"normalization"``
        varies: None (the scheme's own), a method name for every indicator
        (``"minmax"``), or a mapping for :meth:`Scheme.with_normalization`.
        Default: the scheme's own, min-max, percentile rank.
    aggregations : sequence, optional
        Alternatives when ``"aggregation"`` varies: None, ``(indicators,
        dimensions)`` pairs or mappings. Default: the scheme's own,
        arithmetic/arithmetic, geometric/geometric, arithmetic/topsis. The
        grade bands are points of the scheme's own scale: TOPSIS closeness
        (x 100) is another scale, so grade probabilities under it say more
        about the method than about the branch.

    Returns
    -------
    Samples

    >>> s = draw(Scheme(Framework.default()), 5, seed=0, spread=0.3)
    >>> s.dimension_weights.shape, bool(np.allclose(s.dimension_weights.sum(axis=1), 1))
    ((5, 6), True)
    """
    n = operator.index(n)
    if n < 1:
        raise ValueError(f"n: expected at least 1 sample, got {n}")
    if distribution not in ("dirichlet", "uniform"):
        raise ValueError(f"distribution: expected 'dirichlet' or 'uniform', got {distribution!r}")
    levels, methods = _vary_levels(vary)
    spreads = _spreads(spread)
    rng = _rng(seed)
    fw = scheme.framework
    dims = scheme.dimension_weights.to_numpy()
    within = scheme.indicator_weights.to_numpy()
    starts = np.cumsum([0] + [len(d.indicators) for d in fw.dimensions])[:-1]
    dw = _draw_level(rng, dims, np.array([0]), n, spreads["dimensions"] if "dimensions" in levels else 0.0,
                     distribution)
    iw = _draw_level(rng, within, starts, n, spreads["indicators"] if "indicators" in levels else 0.0,
                     distribution)
    norms = _normalization_options(scheme, DEFAULT_NORMALIZATIONS if normalizations is None else normalizations
                                   ) if "normalization" in methods else _normalization_options(scheme, [None])
    aggs = _aggregation_options(scheme, DEFAULT_AGGREGATIONS if aggregations is None else aggregations
                                ) if "aggregation" in methods else _aggregation_options(scheme, [None])
    norm_codes = rng.integers(len(norms), size=n) if len(norms) > 1 else np.zeros(n, dtype=np.int64)
    agg_codes = rng.integers(len(aggs), size=n) if len(aggs) > 1 else np.zeros(n, dtype=np.int64)
    return Samples(dw, iw, norm_codes, agg_codes, norms, aggs)


# ====================================================================== engine

@dataclass(eq=False)
class _Plan:
    """One (normalization, aggregation) choice: the matrices every draw of it multiplies."""

    indicators: str
    dimensions: str
    xt: np.ndarray                 # indicators x branches: scores (or their logs), 0 where missing
    pt: np.ndarray | None          # indicators x branches: 1 where present, None when complete
    xpt: list                      # per dimension: [xt | pt] side by side (xt alone when complete)
    present: np.ndarray            # dimensions x branches: the dimension has a value
    complete: bool
    linear: bool                   # the same mean at both levels: totals are one product (+ corrections)
    corrections: list              # per dimension with missing values: (j, a, b, branches, [xt | pt] of them)
    absent: np.ndarray             # branches lacking a whole dimension (dimension weights renormalized)
    fixed: dict = field(default_factory=dict)


class _Engine:
    """Scores, ranks and grades blocks of draws of one scheme on one table."""

    def __init__(self, scheme: Scheme, table: pd.DataFrame, *, groups=None, dtype="float64"):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype: expected 'float64' or 'float32', got {dtype!r}")
        self.scheme, self.table, self.groups = scheme, table, groups
        fw = scheme.framework
        self.framework = fw
        self.nominal = scheme.score(table, groups=groups)
        self.n = len(self.nominal.total)
        sizes = [len(d.indicators) for d in fw.dimensions]
        self.bounds = np.cumsum([0] + sizes)
        self.dim_of = np.repeat(np.arange(len(sizes)), sizes)
        self.support = scheme.indicator_weights.to_numpy() > 0
        self.grades = Grading(fw, self.nominal.prepared.flags)
        self.rank_dtype = np.uint16 if self.n < np.iinfo(np.uint16).max else np.uint32
        self._prepared: dict = {}
        self._plans: dict = {}
        self.low_scores = 0       # geometric: scores raised to the floor (nominal matrices)
        self.low_dimensions = 0   # geometric dimensions: dimension scores raised to the floor (all draws)

    # ------------------------------------------------------------------ plans
    def _prepare(self, samples: Samples, code: int):
        if code not in self._prepared:
            override = samples.normalizations[code][1]
            scheme = self.scheme.with_normalization(override) if override else self.scheme
            self._prepared[code] = (self.nominal.prepared if not override
                                    else scheme.prepare(self.table, groups=self.groups))
        return self._prepared[code]

    def plan(self, samples: Samples, norm: int, agg: int) -> _Plan:
        key = (norm, agg)
        if key in self._plans:
            return self._plans[key]
        prepared = self._prepare(samples, norm)
        how = samples.aggregations[agg][1]
        x = prepared.normalized
        used = prepared.present & self.support
        if how.indicators == "geometric":
            if np.any(x[used] < 0):
                raise ValueError(f"geometric aggregation needs non-negative scores, but the normalization "
                                 f"{samples.normalizations[norm][0]!r} gives negative ones; use min-max, "
                                 "goalposts, target or rank normalization (not z-scores)")
            values, raised = floored_log(x, used)
            self.low_scores += raised
        else:
            values = np.where(used, x, 0.0)
        present = np.stack([used[:, a:b].any(axis=1) for a, b in zip(self.bounds[:-1], self.bounds[1:])])
        complete = bool(used[:, self.support].all())
        xt = np.ascontiguousarray(values.T, dtype=self.dtype)
        pt = None if complete else np.ascontiguousarray(used.T, dtype=self.dtype)
        xpt = [np.ascontiguousarray(xt[a:b] if pt is None else np.hstack([xt[a:b], pt[a:b]]))
               for a, b in zip(self.bounds[:-1], self.bounds[1:])]
        linear = how.indicators == how.dimensions
        corrections = []
        if linear and pt is not None:
            for j, (a, b) in enumerate(zip(self.bounds[:-1], self.bounds[1:])):
                u = used[:, a:b]
                partial = np.flatnonzero(u.any(axis=1) & ~u[:, self.support[a:b]].all(axis=1))
                if len(partial):
                    corrections.append((j, a, b, partial, np.ascontiguousarray(
                        np.hstack([xt[a:b][:, partial], pt[a:b][:, partial]]))))
        plan = _Plan(how.indicators, how.dimensions, xt, pt, xpt, present, complete, linear, corrections,
                     np.flatnonzero(~present.all(axis=0)))
        self._plans[key] = plan
        return plan

    # ----------------------------------------------------------------- totals
    def _dimensions(self, plan: _Plan, within: np.ndarray) -> list[np.ndarray]:
        """Scores of each dimension for a block of within-dimension weights (draws x branches each).

        One product per dimension gives the weighted sums and, side by side,
        the sums of the weights present (the per-branch renormalization when
        values are missing). NaN where a dimension has no value.
        """
        n = self.n
        out = []
        for j, (a, b) in enumerate(zip(self.bounds[:-1], self.bounds[1:])):
            both = within[:, a:b] @ plan.xpt[j]
            if plan.pt is None:
                scores = both
            else:
                num, den = both[:, :n], both[:, n:]
                scores = np.full(num.shape, np.nan, dtype=num.dtype)
                np.divide(num, den, out=scores, where=den > 0)
            if plan.indicators == "geometric":
                np.exp(scores, out=scores)
            out.append(scores)
        return out

    def totals(self, plan: _Plan, within: np.ndarray, dims: np.ndarray, fixed_within: bool) -> np.ndarray:
        """Totals of a block of draws (draws x branches)."""
        within = within.astype(self.dtype, copy=False)
        dims = dims.astype(self.dtype, copy=False)
        if fixed_within:
            return self._fixed_totals(plan, within[0], dims)
        if plan.linear:
            total = self._linear_totals(plan, within, dims)
            if total is not None:
                return total
        acc = _DimensionSum(plan.dimensions, dims, self)
        for j, scores in enumerate(self._dimensions(plan, within)):
            acc.add(j, scores)
        return acc.total()

    def _linear_totals(self, plan: _Plan, within: np.ndarray, dims: np.ndarray) -> np.ndarray | None:
        """Both levels arithmetic (or both geometric, in log space): one product with the effective weights.

        Where a branch lacks some values of a dimension, its weights within that
        dimension are renormalized: only those branches get a correction,
        ``w_dim * (num / den - num)``, from a product over their columns alone.
        None when a draw leaves a dimension without weight for some branch
        (the general path handles it).
        """
        total = (within * dims[:, self.dim_of]) @ plan.xt
        for j, a, b, idx, both_x in plan.corrections:
            m = len(idx)
            both = within[:, a:b] @ both_x
            num, den = both[:, :m], both[:, m:]
            if not (den > 0).all():
                return None
            num *= (1.0 / den - 1.0)
            num *= dims[:, j, None]
            total[:, idx] += num
        if len(plan.absent):
            den = dims @ plan.present[:, plan.absent].astype(self.dtype)
            sub = total[:, plan.absent]
            total[:, plan.absent] = np.where(den > 0, sub / np.where(den > 0, den, 1), np.nan)
        return np.exp(total, out=total) if plan.linear and plan.indicators == "geometric" else total

    def _fixed_totals(self, plan: _Plan, within: np.ndarray, dims: np.ndarray) -> np.ndarray:
        """Dimension scores do not vary: totals are products with the dimension weights."""
        key = within.tobytes()
        if key not in plan.fixed:
            scores = np.concatenate(self._dimensions(plan, within[None, :]))      # dimensions x branches
            present = plan.present
            if plan.dimensions == "topsis":
                # unweighted terms: a weight w scales a criterion's terms by w^2 (a product per block)
                parts = topsis_terms(scores, 1.0, axis=1, present=present)
            elif plan.dimensions == "geometric":
                logs, raised = floored_log(scores, present)
                self.low_dimensions += raised
                parts = (logs,)
            else:
                parts = (np.where(present, scores, 0.0),)
            plan.fixed[key] = tuple(np.ascontiguousarray(p, dtype=self.dtype) for p in parts)
        parts = plan.fixed[key]
        every = plan.present.all()
        pf = None if every else plan.present.astype(self.dtype)
        if plan.dimensions == "topsis":
            w2 = dims * dims
            d_plus = np.sqrt(w2 @ parts[0])
            d_minus = np.sqrt(w2 @ parts[1])
            c = closeness(d_plus, d_minus)
            if not every:
                c[:, ~plan.present.any(axis=0)] = np.nan
            return c
        num = dims @ parts[0]
        if pf is not None:
            den = dims @ pf
            with np.errstate(invalid="ignore", divide="ignore"):
                num = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
        return np.exp(num, out=num) if plan.dimensions == "geometric" else num

    # ----------------------------------------------------------------- blocks
    def block_size(self, requested: int | None) -> int:
        if requested is not None:
            size = operator.index(requested)
            if size < 1:
                raise ValueError(f"block_size: expected a positive number of draws, got {size}")
            return size
        per_draw = self.n * (8 * self.dtype.itemsize + 8 + 4 + 2) + 1
        return int(max(1, min(4096, _BLOCK_BYTES // per_draw)))

    def blocks(self, samples: Samples, block_size: int, *, grades: bool = True, bar=None):
        """Yield (draw indices, ranks, grade codes or None, totals) block by block."""
        combos = samples.normalization * len(samples.aggregations) + samples.aggregation
        for combo in np.unique(combos):
            idx = np.flatnonzero(combos == combo)
            plan = self.plan(samples, int(combo // len(samples.aggregations)),
                             int(combo % len(samples.aggregations)))
            within_all = samples.indicator_weights[idx]
            fixed = bool((within_all == within_all[0]).all())
            for start in range(0, len(idx), block_size):
                rows = idx[start:start + block_size]
                total = self.totals(plan, samples.indicator_weights[rows], samples.dimension_weights[rows], fixed)
                ranking = rank_rows(total, self.rank_dtype)
                codes = self.grades.grade(total, ranking) if grades else None
                if bar is not None:
                    bar.update(len(rows))
                yield rows, ranking.ranks, codes, total

    def warn_floor(self) -> None:
        """One warning per run (not per draw) when the geometric zero floor was used."""
        level = _caller_level()
        if self.low_scores:
            warnings.warn(f"{self.low_scores} indicator score(s) below {GEOMETRIC_FLOOR:g} were raised to "
                          f"{GEOMETRIC_FLOOR:g} "
                          "before a geometric mean (a zero would make the whole mean zero)",
                          GeometricZeroWarning, stacklevel=level)
        if self.low_dimensions:
            warnings.warn(f"{self.low_dimensions} dimension score(s) below {GEOMETRIC_FLOOR:g} were raised to "
                          f"{GEOMETRIC_FLOOR:g} before the geometric mean of dimensions (counted over all draws)",
                          GeometricZeroWarning, stacklevel=level)
        self.low_scores = self.low_dimensions = 0


def _caller_level() -> int:
    """The stacklevel of the first frame outside this module (warnings point at the user's line)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    return level


class _DimensionSum:
    """Accumulates dimension scores of a block of draws into totals (arithmetic, geometric, TOPSIS).

    A dimension without a value (NaN) for a branch in a draw is left out and
    the dimension weights renormalized, as in :mod:`workbench.assess.aggregate`.
    """

    def __init__(self, how: str, weights: np.ndarray, engine: _Engine):
        self.how, self.w, self.engine = how, weights, engine
        shape = (weights.shape[0], engine.n)
        self.a = np.zeros(shape, dtype=weights.dtype)
        self.b = np.zeros(shape, dtype=weights.dtype) if how == "topsis" else None
        self.den = np.zeros(shape, dtype=weights.dtype)
        self.any = np.zeros(shape, dtype=bool)

    def add(self, j: int, scores: np.ndarray) -> None:
        ok = ~np.isnan(scores)
        every = bool(ok.all())
        w = self.w[:, j, None]
        if self.how == "topsis":
            to_ideal, to_anti = topsis_terms(scores, w, axis=1, present=None if every else ok)
            self.a += to_ideal
            self.b += to_anti
        elif self.how == "geometric":
            logs, raised = floored_log(scores, ok)
            self.engine.low_dimensions += raised
            self.a += w * logs
        else:
            self.a += w * (scores if every else np.where(ok, scores, 0.0))
        self.den += w if every else w * ok
        self.any |= ok

    def total(self) -> np.ndarray:
        if self.how == "topsis":
            c = closeness(np.sqrt(self.a), np.sqrt(self.b))
            c[~self.any] = np.nan
            return c
        with np.errstate(invalid="ignore", divide="ignore"):
            num = np.where(self.den > 0, self.a / np.where(self.den > 0, self.den, 1), np.nan)
        return np.exp(num, out=num) if self.how == "geometric" else num


def _progress(show: bool | None, total: int, work: float, desc: str):
    if show is None:
        show = work >= 2e7
    if not show:
        return None
    from tqdm.auto import tqdm   # a terminal bar, or an ipywidgets bar in a notebook

    return tqdm(total=total, desc=desc, unit="draw", leave=False)


# ================================================================ monte carlo

@dataclass(frozen=True, eq=False)
class RobustnessResult:
    """Per-branch rank intervals and grade probabilities, and the draws behind them.

    Attributes
    ----------
    summary : DataFrame
        Per branch (index as the table): ``total``, ``rank``, ``grade`` (the
        nominal assessment), ``rank_p5``, ``rank_median``, ``rank_p95``
        (empirical percentiles of the rank over the draws, inverted-CDF
        definition, so they are ranks that occurred), ``mean_abs_shift``
        (mean absolute rank change), ``p_<grade>`` for every grade, ``p_grade``
        (probability of the nominal grade) and ``decided_by_weighting``
        (``p_grade < threshold``).
    samples : Samples
        The parameters of every draw (:meth:`scheme_for` rebuilds one).
    ranks : ndarray or None
        Draws x branches min ranks (0 = no total), kept when they fit in
        ``max_memory``.
    grades : ndarray or None
        Draws x branches grade codes (categories of ``nominal.grade``, -1 = no total).
    """

    summary: pd.DataFrame
    samples: Samples
    scheme: Scheme
    nominal: Assessment
    ranks: np.ndarray | None
    grades: np.ndarray | None
    threshold: float
    settings: dict

    def scheme_for(self, i: int) -> Scheme:
        """The scheme of draw ``i``: ``scheme_for(i).score(table)`` reproduces its ranks and grades."""
        return self.samples.scheme(self.scheme, i)

    def parameters(self) -> pd.DataFrame:
        """One row per draw: weights and methods."""
        return self.samples.frame(self.scheme.framework)

    def rank_frame(self) -> pd.DataFrame:
        """Draws x branches ranks (nullable integers), when kept."""
        if self.ranks is None:
            raise ValueError("the per-draw ranks were not kept (they exceeded max_memory); "
                             "rerun with a larger max_memory or rebuild a draw with scheme_for(i)")
        r = pd.DataFrame(self.ranks.astype("int64"), columns=self.summary.index).astype("Int64")
        return r.mask(r == 0)

    def grade_frame(self) -> pd.DataFrame:
        """Draws x branches grades (ordered categoricals), when kept."""
        if self.grades is None:
            raise ValueError("the per-draw grades were not kept (they exceeded max_memory)")
        dtype = self.nominal.grade_dtype
        return pd.DataFrame({b: pd.Categorical.from_codes(self.grades[:, k], dtype=dtype)
                             for k, b in enumerate(self.summary.index)})

    @property
    def undecided(self) -> pd.DataFrame:
        """Branches whose grade is decided by the weighting, lowest probability first."""
        s = self.summary
        return s[s["decided_by_weighting"].fillna(False).astype(bool)].sort_values("p_grade", kind="stable")

    def frame(self, lang: str | None = None) -> pd.DataFrame:
        """The summary best first; ``lang="zh"``/``"en"`` labels the columns."""
        out = self.summary.sort_values(["rank", "total"], na_position="last", kind="stable")
        if lang:
            out = out.rename(columns=lambda c: _label(self.scheme.framework, c, lang))
        return out

    def to_excel(self, path: str | os.PathLike, *, sensitivity: pd.DataFrame | None = None,
                 leave_one_out: Sequence[pd.DataFrame] = (), data: BranchData | None = None) -> Path:
        """Write the summary, the Sobol indices, leave-one-out tables, the draws and the settings.

        Headers are Chinese and English ("排名P5 Rank P5"); the file is written atomically.
        """
        fw = self.scheme.framework
        results = self.frame()
        if data is not None:
            info = data.branches.set_index("branch_id")[["name", "township", "kind"]]
            results = info.reindex(results.index).join(results)
        results = results.copy()
        results["grade"] = results["grade"].astype(object)
        results.insert(0, "branch_id", results.index)
        sheets = {"稳健性 Robustness": _bilingual(fw, results)}
        if sensitivity is not None:
            sheets["敏感性 Sensitivity"] = _bilingual(fw, sensitivity)
        for loo in leave_one_out:
            level = loo["level"].iloc[0] if len(loo) else "indicator"
            name = "剔除指标 Leave-one-out indicators" if level == "indicator" else "剔除维度 Leave-one-out dims"
            sheets[name] = _bilingual(fw, loo)
        sheets["抽样 Samples"] = _bilingual(fw, self.parameters().reset_index())
        sheets["方法 Method"] = self._method_sheet()
        path = Path(path)
        with atomic_path(path) as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                for name, frame in sheets.items():
                    frame.to_excel(writer, sheet_name=name[:31], index=False)
        return path

    def _method_sheet(self) -> pd.DataFrame:
        from .. import __version__

        st = self.settings
        rows = [
            ("方案 Scheme", repr(self.scheme)),
            ("考评年度 Period", self.nominal.period),
            ("抽样次数 Draws", len(self.samples)),
            ("随机种子 Seed", st["seed"]),
            ("扰动幅度 Spread", st["spread"]),
            ("分布 Distribution", st["distribution"]),
            ("变动内容 Varied", ", ".join(st["vary"])),
            ("标准化备选 Normalizations", "; ".join(lbl for lbl, _ in self.samples.normalizations)),
            ("汇总备选 Aggregations", "; ".join(lbl for lbl, _ in self.samples.aggregations)),
            ("阈值 Threshold", f"P(nominal grade) < {self.threshold:g} → decided by weighting"),
            ("分位数 Percentiles", "P5 / median / P95 of the rank over draws (inverted CDF)"),
            ("软件 Software", f"workbench {__version__}"),
            ("生成时间 Created", dt.datetime.now().isoformat(timespec="seconds")),
        ]
        return pd.DataFrame(rows, columns=["项目 Item", "值 Value"])

    def __repr__(self) -> str:
        s = self.summary
        undecided = int(s["decided_by_weighting"].fillna(False).astype(bool).sum())
        width = (s["rank_p95"] - s["rank_p5"]).astype("float64").median()
        return (f"RobustnessResult(draws={len(self.samples)}, branches={len(s)}, "
                f"median P5-P95 width={width:g} ranks, decided by weighting: {undecided})")


def _quantile_rows(values: np.ndarray, qs: Sequence[float]) -> list[np.ndarray]:
    """Inverted-CDF quantiles along axis 0 (the smallest value with F >= q), via one partition."""
    s = values.shape[0]
    kth = [max(0, math.ceil(q * s - 1e-9) - 1) for q in qs]
    part = np.partition(values, sorted(set(kth)), axis=0)
    return [part[k] for k in kth]


def evaluate(scheme: Scheme, table: pd.DataFrame, samples: Samples, *, groups=None, threshold: float = 0.8,
             block_size: int | None = None, dtype: str = "float64", max_memory: int = 2**30,
             progress: bool | None = None, settings: dict | None = None,
             blas_threads: int | None = 1) -> RobustnessResult:
    """Score, rank and grade every draw and summarise per branch (the *evaluate* and *analyze* steps).

    Parameters are those of :func:`monte_carlo` (``samples`` from :func:`draw`).
    """
    if blas_threads is None:
        return _evaluate(scheme, table, samples, groups=groups, threshold=threshold, block_size=block_size,
                         dtype=dtype, max_memory=max_memory, progress=progress, settings=settings)
    # The block products are moderate (branches x indicators by indicators x draws); several BLAS
    # threads spend more on contention than they gain, above all on a shared machine (bench_robustness).
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        return _evaluate(scheme, table, samples, groups=groups, threshold=threshold, block_size=block_size,
                         dtype=dtype, max_memory=max_memory, progress=progress, settings=settings)


def _evaluate(scheme: Scheme, table: pd.DataFrame, samples: Samples, *, groups, threshold, block_size, dtype,
              max_memory, progress, settings) -> RobustnessResult:
    if not 0.0 < float(threshold) <= 1.0:
        raise ValueError(f"threshold: expected a probability in (0, 1], got {threshold}")
    engine = _Engine(scheme, table, groups=groups, dtype=dtype)
    nominal = engine.nominal
    fw = scheme.framework
    s, n = len(samples), engine.n
    size = engine.block_size(block_size)
    itemsize = np.dtype(engine.rank_dtype).itemsize
    keep = s * n * (itemsize + 1) <= max_memory
    width = n if keep else max(1, int(max_memory // (s * itemsize)))
    chunks = [slice(a, min(a + width, n)) for a in range(0, n, width)]
    nominal_rank = nominal.rank.to_numpy(dtype="float64", na_value=np.nan)
    counts = np.zeros((engine.grades.n_grades, n), dtype=np.int64)
    shift = np.zeros(n)
    ranks_kept = np.zeros((s, n), dtype=engine.rank_dtype) if keep else None
    grades_kept = np.zeros((s, n), dtype=np.int8) if keep else None
    quantiles = np.zeros((3, n))
    bar = _progress(progress, s * len(chunks), float(s) * n * len(chunks), "Monte Carlo")
    try:
        for p, chunk in enumerate(chunks):
            store = ranks_kept if keep else np.zeros((s, chunk.stop - chunk.start), dtype=engine.rank_dtype)
            for rows, ranks, codes, _ in engine.blocks(samples, size, grades=p == 0, bar=bar):
                store[rows] = ranks[:, chunk]
                if p == 0:
                    for g in range(engine.grades.n_grades):
                        counts[g] += np.count_nonzero(codes == g, axis=0)
                    shift += np.abs(ranks - nominal_rank).sum(axis=0)
                    if keep:
                        grades_kept[rows] = codes
            for q, values in enumerate(_quantile_rows(store, (0.05, 0.5, 0.95))):
                quantiles[q, chunk] = values
    finally:
        if bar is not None:
            bar.close()
    engine.warn_floor()

    scored = nominal.rank.notna().to_numpy()
    summary = pd.DataFrame({"total": nominal.total, "rank": nominal.rank, "grade": nominal.grade},
                           index=nominal.total.index)
    for name, values in zip(("rank_p5", "rank_median", "rank_p95"), quantiles):
        summary[name] = pd.array(np.where(scored, values, 0).astype("int64"), dtype="Int64")
        summary.loc[~scored, name] = pd.NA
    summary["mean_abs_shift"] = np.where(scored, shift / s, np.nan)
    categories = list(nominal.grade_dtype.categories)
    for grade in fw.grade_ids:
        summary[f"p_{grade}"] = np.where(scored, counts[categories.index(grade)] / s, np.nan)
    codes = nominal.grade.cat.codes.to_numpy()
    p_nominal = np.where(codes >= 0, counts[np.maximum(codes, 0), np.arange(n)] / s, np.nan)
    summary["p_grade"] = p_nominal
    summary["decided_by_weighting"] = pd.array(np.where(codes >= 0, p_nominal < threshold, False),
                                               dtype="boolean")
    summary.loc[codes < 0, "decided_by_weighting"] = pd.NA
    summary.index.name = nominal.total.index.name
    return RobustnessResult(summary=summary, samples=samples, scheme=scheme, nominal=nominal,
                            ranks=ranks_kept, grades=grades_kept, threshold=float(threshold),
                            settings=dict(settings or {}, dtype=str(np.dtype(dtype)), block_size=size,
                                          passes=len(chunks)))


def monte_carlo(scheme: Scheme, table: pd.DataFrame, n: int = 1000, seed=None, spread=0.2,
                vary=("weights",), *, distribution: str = "dirichlet", normalizations: Sequence | None = None,
                aggregations: Sequence | None = None, groups=None, threshold: float = 0.8,
                block_size: int | None = None, dtype: str = "float64", max_memory: int = 2**30,
                progress: bool | None = None, blas_threads: int | None = 1) -> RobustnessResult:
    """Rank intervals and grade probabilities of every branch under uncertain weights (and methods).

    ``blas_threads`` caps the BLAS threads during the run (``None`` leaves the library's default).

    Draws ``n`` schemes around ``scheme`` (:func:`draw`), scores every branch
    under each (a block of draws is one matrix product of the effective
    weights; with missing values, a correction for the branches that lack
    values, from products over their columns only; geometric means in log
    space; mixed methods and TOPSIS by a product per dimension),
    ranks every draw (an ``argsort`` along an axis; ties share the smallest
    rank, as :func:`workbench.assess.scoring.min_rank`), grades it (bands, veto caps,
    the strict quota per draw, as :func:`workbench.assess.scoring.assign_grades`) and
    summarises per branch.

    Parameters
    ----------
    scheme : Scheme
        The nominal scheme; its own assessment gives ``rank`` and ``grade``.
    table : DataFrame
        Raw indicator table (:func:`workbench.compute_indicators`).
    n : int
        Number of draws.
    seed : None, int or numpy.random.Generator
        The same seed gives identical draws and results.
    spread, vary, distribution, normalizations, aggregations
        How draws differ from the scheme (see :func:`draw`). ``spread=0``
        reproduces the scheme in every draw.
    groups : Series or BranchData, optional
        Townships, for ``missing="impute_township"``.
    threshold : float
        A branch is flagged ``decided_by_weighting`` when the probability of
        its nominal grade is below this (default 0.8).
    block_size : int, optional
        Draws per block (default: as many as fit in about 24 MB of working memory).
    dtype : "float64" or "float32"
        float32 halves memory and speeds up products and sorting; totals closer
        than about 1e-5 points may then tie or swap.
    max_memory : int
        Bytes for the per-draw ranks (2 bytes per branch and draw below 65,535
        branches, else 4) and grades (1 byte) kept in the result. Beyond it
        they are not kept and the draws are evaluated again for each chunk of
        branches that fits, so the percentiles stay exact (time grows with the
        number of passes, memory stays bounded).
    progress : bool, optional
        A progress bar (tqdm in a terminal, an ipywidgets bar in a notebook);
        default: shown for long runs only.

    Returns
    -------
    RobustnessResult

    Examples
    --------
    >>> import workbench as wb
    >>> table = wb.compute_indicators(wb.load("sample_data"), period=2025)
    >>> mc = wb.monte_carlo(wb.Scheme(wb.Framework.default()), table, n=100, seed=0, spread=0,
    ...                     progress=False)
    >>> bool((mc.summary["rank_p5"] == mc.summary["rank"]).all())
    True
    """
    samples = draw(scheme, n, seed, spread, vary, distribution=distribution,
                   normalizations=normalizations, aggregations=aggregations)
    settings = {"n": n, "seed": seed if not isinstance(seed, np.random.Generator) else "Generator",
                "spread": spread, "distribution": distribution,
                "vary": list((vary,) if isinstance(vary, str) else vary)}
    return evaluate(scheme, table, samples, groups=groups, threshold=threshold, block_size=block_size,
                    dtype=dtype, max_memory=max_memory, progress=progress, settings=settings,
                    blas_threads=blas_threads)


# ================================================================ sensitivity

def _sobol_indices(problem: dict, model: Callable[[np.ndarray], np.ndarray], n: int, rng: np.random.Generator,
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
    rng = _rng(seed)
    fw = scheme.framework
    levels, methods = _vary_levels(vary)
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
    norms = _normalization_options(scheme, DEFAULT_NORMALIZATIONS if normalizations is None else normalizations
                                   ) if "normalization" in methods else _normalization_options(scheme, [None])
    aggs = _aggregation_options(scheme, DEFAULT_AGGREGATIONS if aggregations is None else aggregations
                                ) if "aggregation" in methods else _aggregation_options(scheme, [None])
    names = list(weighted)
    for name, options in (("normalization", norms), ("aggregation", aggs)):
        if name in methods:
            names.append(name)
            problem_bounds.append([0.0, float(len(options))])
    if not names:
        raise ValueError("nothing to vary: give vary='dimension_weights' and/or method choices")
    problem = {"num_vars": len(names), "names": names, "bounds": problem_bounds}

    engine = _Engine(scheme, table, groups=groups, dtype=dtype)
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
        bar = _progress(progress, s, float(s) * engine.n, "Sobol")
        try:
            for rows, ranks, _, _ in engine.blocks(samples, engine.block_size(block_size), grades=False, bar=bar):
                y[rows] = summary(ranks)
        finally:
            if bar is not None:
                bar.close()
        engine.warn_floor()
        return y

    out = _sobol_indices(problem, model, n, rng, conf_level=conf_level, num_resamples=num_resamples)
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


# ============================================================== leave one out

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


# ==================================================================== headers

_HEADERS = {
    "branch_id": ("支部编号", "Branch id"), "name": ("支部名称", "Name"), "township": ("乡镇", "Township"),
    "kind": ("支部类型", "Kind"), "total": ("总分", "Total"), "rank": ("排名", "Rank"),
    "grade": ("等次", "Grade"), "rank_p5": ("排名P5", "Rank P5"), "rank_median": ("排名中位数", "Rank median"),
    "rank_p95": ("排名P95", "Rank P95"), "mean_abs_shift": ("平均排名变动", "Mean abs. rank shift"),
    "p_grade": ("保持原等次概率", "P(nominal grade)"),
    "decided_by_weighting": ("等次取决于权重", "Grade decided by weighting"),
    "factor": ("因素", "Factor"), "S1": ("一阶指数", "S1"), "S1_conf": ("一阶置信半宽", "S1 conf"),
    "ST": ("总效应指数", "ST"), "ST_conf": ("总效应置信半宽", "ST conf"),
    "level": ("层级", "Level"), "id": ("编号", "Id"), "dimension": ("维度", "Dimension"),
    "label_zh": ("名称", "Label (zh)"), "label_en": ("英文名称", "Label (en)"), "weight": ("权重", "Weight"),
    "mean_abs_rank_change": ("平均排名变动", "Mean abs. rank change"),
    "max_rank_change": ("最大排名变动", "Max rank change"), "kendall_tau": ("肯德尔τ", "Kendall tau"),
    "grade_changes": ("等次变化数", "Grade changes"), "note": ("说明", "Note"), "sample": ("抽样序号", "Sample"),
    "normalization": ("标准化方法", "Normalization"), "aggregation": ("汇总方法", "Aggregation"),
}


def _label(fw: Framework, column: str, lang: str) -> str:
    if column in _HEADERS:
        return _HEADERS[column][0 if lang == "zh" else 1]
    if column.startswith("p_") and column[2:] in fw.grade_ids:
        return f"P({fw.label(column[2:], lang)})"
    try:
        return fw.label(column, lang)
    except KeyError:
        return column


def _bilingual(fw: Framework, frame: pd.DataFrame) -> pd.DataFrame:
    return scoring_bilingual(fw, frame, label=_label)


def factor_label(fw: Framework, factor: str, lang: str) -> str:
    if factor in _HEADERS:
        return _HEADERS[factor][0 if lang == "zh" else 1]
    return fw.label(factor, lang)
