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

__all__ = ["minmax", "zscore", "rank", "target", "goalposts", "proportional", "deduct_below", "deduct_each",
           "assessor_share", "normalize", "Method", "METHODS"]

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


# ------------------------------------------------------------- rule sheets
# The methods of a county rule sheet (评分细则): the share of an item's full points earned, x 100.
# A missing value on an item that applies earns nothing (0), as the county's spreadsheet counts it.

def _earned(points: float, earned: np.ndarray) -> np.ndarray:
    return np.nan_to_num(np.clip(earned, 0.0, points) / points * 100.0, nan=0.0)


def proportional(values, *, standard: float) -> np.ndarray:
    """points x clip(value / standard, 0, 1), as a share of the points x 100; missing earns 0.

    >>> proportional(np.array([2.0, 4.0, 6.0, np.nan]), standard=4).tolist()
    [50.0, 100.0, 100.0, 0.0]
    """
    x = np.asarray(values, dtype="float64")
    return np.nan_to_num(np.clip(x / standard, 0.0, 1.0) * 100.0, nan=0.0)


def deduct_below(values, *, standard: float, per_unit: float, points: float) -> np.ndarray:
    """points - per_unit x max(0, standard - value), clipped to [0, points] (每低于标准1个单位扣 per_unit 分).

    >>> deduct_below(np.array([12.0, 10.0, 0.0]), standard=12, per_unit=0.5, points=5).tolist()
    [100.0, 80.0, 0.0]
    """
    x = np.asarray(values, dtype="float64")
    return _earned(points, points - per_unit * np.maximum(0.0, standard - x))


def deduct_each(values, *, per_unit: float, points: float) -> np.ndarray:
    """points - per_unit x value, clipped to [0, points] (每发生1次扣 per_unit 分).

    >>> deduct_each(np.array([0.0, 3.0, 20.0]), per_unit=1, points=6).tolist()
    [100.0, 50.0, 0.0]
    """
    x = np.asarray(values, dtype="float64")
    return _earned(points, points - per_unit * x)


def assessor_share(values, *, points: float) -> np.ndarray:
    """The assessors' score as a share of the item's points (clipped to [0, points]).

    >>> assessor_share(np.array([8.0, 10.0, np.nan]), points=10).tolist()
    [80.0, 100.0, 0.0]
    """
    return _earned(points, np.asarray(values, dtype="float64"))


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
    # the rule sheet's methods: fixed rules, the direction is the rule's own
    "proportional": Method(lambda x, spec, d, s: proportional(x, standard=spec.standard)),
    "deduct_below": Method(lambda x, spec, d, s: deduct_below(x, standard=spec.standard, per_unit=spec.per_unit,
                                                              points=spec.points)),
    "deduct_each": Method(lambda x, spec, d, s: deduct_each(x, per_unit=spec.per_unit, points=spec.points)),
    "assessor": Method(lambda x, spec, d, s: assessor_share(x, points=spec.points)),
}

#: Methods under which a missing value scores 0 (an item of a rule sheet) rather than being left out.
MISSING_EARNS_ZERO = frozenset({"proportional", "deduct_below", "deduct_each", "assessor"})


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
