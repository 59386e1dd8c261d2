"""The *evaluate* step, vectorised: totals, ranks and grades of a block of draws at once.

:class:`Engine` prepares, for one scheme and one table, the matrices every draw
multiplies (one :class:`Plan` per normalization and aggregation choice); a
block of draws is then one matrix product of the effective weights (with
missing values, a correction for the branches that lack values, from products
over their columns only; geometric means in log space; mixed methods and
TOPSIS by a product per dimension). Ranks and grades come from the kernel
(:mod:`workbench.assess.kernel`) that :meth:`Scheme.score` runs as its one-draw case.
"""

from __future__ import annotations

import operator
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..aggregate import GeometricZeroWarning
from ..kernel import GEOMETRIC_FLOOR, Grading, closeness, floored_log, rank_rows, topsis_terms
from ..scoring import Scheme
from .samples import Samples

__all__ = ["Engine", "progress_bar"]

_BLOCK_BYTES = 24 * 2**20  # working memory of one block of draws (auto block size)
_PACKAGE = Path(__file__).resolve().parent


@dataclass(eq=False)
class Plan:
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


class Engine:
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
        self.grades = Grading(fw, self.nominal.prepared.flags, kinds=self.nominal.prepared.kinds)
        # manual grade decisions are not drawn: the runs show what the rules give
        self.bonus = self.nominal.prepared.bonus
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

    def plan(self, samples: Samples, norm: int, agg: int) -> Plan:
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
        plan = Plan(how.indicators, how.dimensions, xt, pt, xpt, present, complete, linear, corrections,
                     np.flatnonzero(~present.all(axis=0)))
        self._plans[key] = plan
        return plan

    # ----------------------------------------------------------------- totals
    def _dimensions(self, plan: Plan, within: np.ndarray) -> list[np.ndarray]:
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

    def totals(self, plan: Plan, within: np.ndarray, dims: np.ndarray, fixed_within: bool) -> np.ndarray:
        """Totals of a block of draws (draws x branches)."""
        within = within.astype(self.dtype, copy=False)
        dims = dims.astype(self.dtype, copy=False)
        if plan.dimensions == "points":
            return self._points_totals(plan, within, dims)
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

    def _points_totals(self, plan: Plan, within: np.ndarray, dims: np.ndarray) -> np.ndarray:
        """A points framework: the effective weights are the items' points; one product for the points
        earned and, with items that do not apply or values left out, one for the points that apply."""
        effective = within * dims[:, self.dim_of]
        total = effective @ plan.xt
        if plan.pt is not None:
            den = effective @ plan.pt
            total = np.where(den > 0, total / np.where(den > 0, den, 1), np.nan).astype(self.dtype, copy=False)
        if self.bonus is not None:
            total += self.bonus.astype(self.dtype, copy=False)
        return total

    def _linear_totals(self, plan: Plan, within: np.ndarray, dims: np.ndarray) -> np.ndarray | None:
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

    def _fixed_totals(self, plan: Plan, within: np.ndarray, dims: np.ndarray) -> np.ndarray:
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
    """The stacklevel of the first frame outside this package (warnings point at the user's line)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and Path(frame.f_code.co_filename).resolve().parent == _PACKAGE:
        frame, level = frame.f_back, level + 1
    return level


class _DimensionSum:
    """Accumulates dimension scores of a block of draws into totals (arithmetic, geometric, TOPSIS).

    A dimension without a value (NaN) for a branch in a draw is left out and
    the dimension weights renormalized, as in :mod:`workbench.assess.aggregate`.
    """

    def __init__(self, how: str, weights: np.ndarray, engine: Engine):
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


def progress_bar(show: bool | None, total: int, work: float, desc: str):
    if show is None:
        show = work >= 2e7
    if not show:
        return None
    from tqdm.auto import tqdm   # a terminal bar, or an ipywidgets bar in a notebook

    return tqdm(total=total, desc=desc, unit="draw", leave=False)
