"""The *sample* step: weight vectors (and method choices) drawn around a scheme.

:func:`draw` returns :class:`Samples`, the parameters of every draw, from which
the scheme of any draw can be rebuilt (:meth:`Samples.scheme`). The options
(what varies, how much, which alternative methods) are checked here once for
:func:`~workbench.assess.robustness.monte_carlo` and
:func:`~workbench.assess.robustness.sensitivity`.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..framework import Aggregation, Framework
from ..scoring import Scheme

__all__ = ["Samples", "draw", "as_generator", "vary_levels", "normalization_options", "aggregation_options",
           "DEFAULT_NORMALIZATIONS", "DEFAULT_AGGREGATIONS"]

VARY = ("weights", "dimension_weights", "indicator_weights", "normalization", "aggregation")
_LEVELS = {"weights": ("dimensions", "indicators"), "dimension_weights": ("dimensions",),
           "indicator_weights": ("indicators",), "normalization": (), "aggregation": ()}
#: Alternatives drawn when ``"normalization"`` varies (None = the scheme's own).
DEFAULT_NORMALIZATIONS: tuple = (None, "minmax", "rank")
#: Alternatives drawn when ``"aggregation"`` varies (None = the scheme's own).
DEFAULT_AGGREGATIONS: tuple = (None, ("arithmetic", "arithmetic"), ("geometric", "geometric"),
                               ("arithmetic", "topsis"))


def as_generator(seed) -> np.random.Generator:
    """The one place where ``seed`` (None, int or Generator) becomes a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be None, an int or a numpy.random.Generator, got {type(seed).__name__}")


def vary_levels(vary) -> tuple[tuple[str, ...], set[str]]:
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


def normalization_options(scheme: Scheme, options) -> tuple[tuple[str, Mapping | None], ...]:
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


def aggregation_options(scheme: Scheme, options) -> tuple[tuple[str, Aggregation], ...]:
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
    levels, methods = vary_levels(vary)
    spreads = _spreads(spread)
    rng = as_generator(seed)
    fw = scheme.framework
    dims = scheme.dimension_weights.to_numpy()
    within = scheme.indicator_weights.to_numpy()
    starts = np.cumsum([0] + [len(d.indicators) for d in fw.dimensions])[:-1]
    dw = _draw_level(rng, dims, np.array([0]), n, spreads["dimensions"] if "dimensions" in levels else 0.0,
                     distribution)
    iw = _draw_level(rng, within, starts, n, spreads["indicators"] if "indicators" in levels else 0.0,
                     distribution)
    norms = normalization_options(scheme, DEFAULT_NORMALIZATIONS if normalizations is None else normalizations
                                   ) if "normalization" in methods else normalization_options(scheme, [None])
    aggs = aggregation_options(scheme, DEFAULT_AGGREGATIONS if aggregations is None else aggregations
                                ) if "aggregation" in methods else aggregation_options(scheme, [None])
    norm_codes = rng.integers(len(norms), size=n) if len(norms) > 1 else np.zeros(n, dtype=np.int64)
    agg_codes = rng.integers(len(aggs), size=n) if len(aggs) > 1 else np.zeros(n, dtype=np.int64)
    return Samples(dw, iw, norm_codes, agg_codes, norms, aggs)
