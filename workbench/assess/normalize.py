"""Normalization: raw indicator values -> comparable scores where higher is better.

Each method is a pure function of one column of values (NaN stays NaN) and
its parameters; ``direction`` is explicit. :data:`METHODS` is the registry:
:func:`normalize` applies a framework's (or scheme's) choice through it, the
framework accepts exactly its names, and :mod:`workbench.scale` asks it which
population statistics a method reads. A new method is one function plus one
entry there.

>>> import numpy as np
>>> minmax(np.array([2.0, 4.0, 6.0]))
array([  0.,  50., 100.])
>>> goalposts(np.array([0.5, 1.5]), low=0, high=1)
array([ 50., 100.])
>>> target(np.array([1.0, 2.0, 3.0]), target=2, worst=0)
array([ 50., 100., 100.])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .framework import Normalization

__all__ = ["minmax", "zscore", "rank", "target", "goalposts", "normalize", "Method", "METHODS"]

Direction = Literal["higher", "lower"]


def _flip(values: np.ndarray, direction: Direction) -> np.ndarray:
    if direction not in ("higher", "lower"):
        raise ValueError(f"direction must be 'higher' or 'lower', got {direction!r}")
    return values if direction == "higher" else -values


def _flip_bounds(bounds, direction: Direction) -> tuple[float, float]:
    lo, hi = (float(b) for b in bounds)
    return (lo, hi) if direction == "higher" else (-hi, -lo)


def minmax(values, direction: Direction = "higher", *, bounds=None) -> np.ndarray:
    """(x - min) / (max - min) * 100 over the finite values.

    A column with a single distinct value carries no information about who is
    better: every branch gets 100 (no one falls short of the best observed).
    ``bounds``: (min, max) of the raw values of a larger population to scale
    against (e.g. every branch of the country, computed by ``workbench.scale``);
    default: those of ``values``.
    """
    x = _flip(np.asarray(values, dtype="float64"), direction)
    if bounds is None:
        lo, hi = np.nanmin(x, initial=np.inf), np.nanmax(x, initial=-np.inf)
    else:
        lo, hi = _flip_bounds(bounds, direction)
    if not np.isfinite(lo) or hi == lo:
        return np.where(np.isnan(x), np.nan, 100.0)
    return (x - lo) / (hi - lo) * 100.0


def zscore(values, direction: Direction = "higher", *, center: float = 50.0, scale: float = 10.0,
           moments=None) -> np.ndarray:
    """center + scale * (x - mean) / sd (population sd); a T-score by default.

    Use ``center=0, scale=1`` for plain z-scores. A constant column gives ``center``.
    ``moments``: (mean, sd) of the raw values of a larger population; default:
    those of ``values``.
    """
    x = _flip(np.asarray(values, dtype="float64"), direction)
    if moments is None:
        mean = np.nanmean(x) if np.isfinite(x).any() else np.nan
        sd = np.nanstd(x) if np.isfinite(x).any() else np.nan
    else:
        mean, sd = (float(m) for m in moments)
        mean = mean if direction == "higher" else -mean
    # a spread at rounding level (equal values whose mean is not exact) is no spread at all
    if not sd > 1e-12 * max(abs(mean), 1.0):
        return np.where(np.isnan(x), np.nan, center)
    return center + scale * (x - mean) / sd


def rank(values, direction: Direction = "higher", *, reference=None) -> np.ndarray:
    """Percentile rank * 100: the best branch 100, the worst 0; ties share the mean rank.

    ``reference``: the raw values of a larger population to rank against (e.g.
    every branch of the country); default: ``values``. A value between two
    values of the reference gets the mid-point of their positions.
    """
    x = _flip(np.asarray(values, dtype="float64"), direction)
    pop = x if reference is None else _flip(np.asarray(reference, dtype="float64"), direction)
    pop = np.sort(pop[~np.isnan(pop)])
    ok = ~np.isnan(x)
    out = np.full(x.shape, np.nan)
    k = pop.size
    if k == 1:
        out[ok] = 100.0
    elif k > 1:
        # ties occupy the 0-based positions below .. upto-1 of the sorted population
        below = np.searchsorted(pop, x[ok], side="left")
        upto = np.searchsorted(pop, x[ok], side="right")
        out[ok] = np.clip((below + upto - 1) / 2 / (k - 1) * 100.0, 0.0, 100.0)
    return out


def target(values, *, target: float, worst: float | None = None, direction: Direction | None = None,
           bounds=None) -> np.ndarray:
    """Distance to a target: 100 at ``target`` or beyond, 0 at ``worst``, linear between.

    ``worst`` defaults to 0 when higher is better, and to the largest value
    observed when lower is better (``direction="lower"``): in ``values``, or in
    a larger population whose raw (min, max) are ``bounds``.
    """
    x = np.asarray(values, dtype="float64")
    if worst is None:
        observed = x if bounds is None else np.asarray(bounds, dtype="float64")
        worst = 0.0 if direction != "lower" else float(np.nanmax(observed, initial=target))
        if worst == target:
            return np.where(np.isnan(x), np.nan, 100.0)
    return np.clip((x - worst) / (target - worst), 0.0, 1.0) * 100.0


def goalposts(values, direction: Direction = "higher", *, low: float, high: float) -> np.ndarray:
    """Fixed bounds: 0 at ``low``, 100 at ``high`` (reversed for lower-is-better), clipped."""
    x = np.asarray(values, dtype="float64")
    score = np.clip((x - low) / (high - low), 0.0, 1.0) * 100.0
    return score if direction == "higher" else 100.0 - score


def _reads_nothing(spec: Normalization, direction: Direction) -> frozenset:
    return frozenset()


@dataclass(frozen=True)
class Method:
    """A normalization in the registry.

    ``apply(values, spec, direction, stats)`` calls the method's function with the
    parameters of ``spec`` (a :class:`~workbench.assess.framework.Normalization`);
    ``stats`` holds statistics of a larger population than ``values`` (the
    keyword arguments ``bounds``, ``moments``, ``reference`` of the functions).
    ``needs(spec, direction)`` names the statistics it reads from the population
    assessed (none for fixed bounds): the national engine computes those.
    """

    apply: Callable[..., np.ndarray]
    needs: Callable[..., frozenset] = _reads_nothing


#: The normalization methods, by the name a framework file uses.
METHODS: dict[str, Method] = {
    "minmax": Method(lambda x, spec, d, s: minmax(x, d, bounds=s.get("bounds")),
                     lambda spec, d: frozenset({"bounds"})),
    "zscore": Method(lambda x, spec, d, s: zscore(x, d, center=spec.center, scale=spec.scale,
                                                  moments=s.get("moments")),
                     lambda spec, d: frozenset({"moments"})),
    "rank": Method(lambda x, spec, d, s: rank(x, d, reference=s.get("reference")),
                   lambda spec, d: frozenset({"reference"})),
    # lower is better without a fixed worst: the worst is the largest value observed
    "target": Method(lambda x, spec, d, s: target(x, target=spec.target, worst=spec.worst, direction=d,
                                                  bounds=s.get("bounds")),
                     lambda spec, d: frozenset({"bounds"} if spec.worst is None and d == "lower" else ())),
    "goalposts": Method(lambda x, spec, d, s: goalposts(x, d, low=spec.low, high=spec.high)),
}


def normalize(values, spec: Normalization, direction: Direction = "higher", *, stats=None) -> np.ndarray:
    """Apply one :class:`~workbench.assess.framework.Normalization` to a column (through :data:`METHODS`).

    ``stats``: statistics of a larger population than ``values`` (a mapping
    with ``bounds``, ``moments`` or ``reference``, the keyword arguments of the
    method functions above); default: the statistics of ``values``.

    >>> from workbench.assess.framework import Normalization
    >>> normalize(np.array([1.0, 3.0]), Normalization(method="goalposts", low=0, high=4)).tolist()
    [25.0, 75.0]
    """
    try:
        method = METHODS[spec.method]
    except KeyError:
        raise ValueError(f"unknown normalization method {spec.method!r}; expected one of {list(METHODS)}") from None
    return method.apply(values, spec, direction, stats or {})
