"""The *evaluate* step, vectorised: totals, ranks and grades of a block of draws at once.

:class:`Engine` prepares, for one scheme and one table, the matrices every draw
multiplies (one :class:`Plan` per normalization and aggregation choice); a
block of draws is then one matrix product of the effective weights (with
missing values, a correction for the branches that lack values, from products
over their columns only; geometric means in log space; mixed methods and
TOPSIS by a product per dimension). Ranks and grades come from the kernel
(:mod:`workbench.assess.kernel`) that :meth:`Scheme.score` runs as its one-draw case.

Blocks of draws are independent: :meth:`Engine.blocks` runs them on a pool of
threads (numpy releases the GIL in the products, the sorts and most element-wise
work), each thread holding BLAS to one thread so that the pool, not BLAS, uses
the cores. A :class:`Plan` carries everything a block's totals need, so the
national Monte Carlo (:mod:`workbench.scale.robustness`) ships plans to its
workers and computes the same totals there.
"""

from __future__ import annotations

import operator
import os
import sys
import warnings
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..aggregate import GeometricZeroWarning
from ..kernel import GEOMETRIC_FLOOR, Grading, closeness, floored_log, rank_rows, topsis_terms
from ..scoring import Scheme
from .samples import Samples

__all__ = ["Engine", "Plan", "make_plan", "product", "pad_columns", "progress_bar", "default_threads",
           "blas_limits"]

_BLOCK_BYTES = 24 * 2**20  # working memory of one block of draws (auto block size)
#: Below this many draws x branches a run stays on one thread (a pool costs more than it gains).
THREAD_MIN_CELLS = 2_000_000
# Products are padded to these multiples (draws, branches): BLAS then computes every element with its
# main kernel, never an edge kernel, so a branch's total has the same bits wherever it sits (in a
# county, a partition of the country, a block of 7 or 32 draws). Ties stay ties, and the national
# Monte Carlo equals the in-memory one exactly.
_PAD_ROWS = 16
_PAD_COLUMNS = 64


def padded(n: int, multiple: int = _PAD_COLUMNS) -> int:
    """``n`` rounded up to a multiple of ``multiple``."""
    return -(-int(n) // multiple) * multiple


def pad_columns(x: np.ndarray, dtype) -> np.ndarray:
    """``x`` (rows x branches) in a C-ordered array with zero columns up to a multiple of 64."""
    out = np.zeros((x.shape[0], padded(x.shape[1])), dtype=dtype)
    out[:, :x.shape[1]] = x
    return out


def product(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """``a @ b`` restricted to the first ``n`` columns, each element independent of its position.

    ``b``'s columns are padded already (:func:`pad_columns`); ``a``'s rows are
    padded here to a multiple of 16 (a single row would otherwise take the
    matrix-vector path, another order of operations).
    """
    s = a.shape[0]
    rows = padded(s, _PAD_ROWS)
    if rows != s:
        full = np.zeros((rows, a.shape[1]), dtype=a.dtype)
        full[:s] = a
        a = full
    return (a @ b)[:s, :n]
_PACKAGE = Path(__file__).resolve().parent


@dataclass(eq=False)
class Plan:
    """One (normalization, aggregation) choice: the matrices every draw of it multiplies, and their layout.

    A plan refers to no table or scheme: it pickles, and :meth:`totals` gives the
    totals of a block of draws wherever it runs (a thread of the pool, a Dask worker).
    """

    indicators: str
    dimensions: str
    n: int                         # branches
    bounds: np.ndarray             # where each dimension's indicators start (and the last end)
    dim_of: np.ndarray             # the dimension of each indicator
    xt: np.ndarray                 # indicators x branches (padded): scores (or their logs), 0 where missing
    pt: np.ndarray | None          # indicators x branches (padded): 1 where present, None when complete
    present: np.ndarray            # dimensions x branches: the dimension has a value
    complete: bool
    linear: bool                   # the same mean at both levels: totals are one product (+ corrections)
    corrections: list              # per dimension with missing values: (j, a, b, branches, [xt | pt] of them, padded)
    absent: np.ndarray             # branches lacking a whole dimension (dimension weights renormalized)
    fixed: dict = field(default_factory=dict)
    _xpt: list | None = None       # per dimension: [xt | pt] side by side (built when first needed)

    @property
    def dtype(self) -> np.dtype:
        return self.xt.dtype

    def _spans(self):
        return zip(self.bounds[:-1], self.bounds[1:])

    @property
    def xpt(self) -> list:
        if self._xpt is None:
            self._xpt = [np.ascontiguousarray(self.xt[a:b] if self.pt is None
                                              else np.hstack([self.xt[a:b], self.pt[a:b]]))
                         for a, b in self._spans()]       # both halves padded: the product stays aligned
        return self._xpt

    # ------------------------------------------------------------ totals
    def dimension_scores(self, within: np.ndarray) -> list[np.ndarray]:
        """Scores of each dimension for a block of within-dimension weights (draws x branches each).

        One product per dimension gives the weighted sums and, side by side,
        the sums of the weights present (the per-branch renormalization when
        values are missing). NaN where a dimension has no value.
        """
        n, width = self.n, self.xt.shape[1]
        out = []
        for j, (a, b) in enumerate(self._spans()):
            both = product(within[:, a:b], self.xpt[j], width + n if self.pt is not None else n)
            if self.pt is None:
                scores = both
            else:
                num, den = both[:, :n], both[:, width:]
                scores = np.full(num.shape, np.nan, dtype=num.dtype)
                np.divide(num, den, out=scores, where=den > 0)
            if self.indicators == "geometric":
                np.exp(scores, out=scores)
            out.append(scores)
        return out

    def totals(self, within: np.ndarray, dims: np.ndarray, fixed_within: bool = False) -> tuple[np.ndarray, int]:
        """Totals of a block of draws (draws x branches) and the dimension scores raised to the geometric floor."""
        within = within.astype(self.dtype, copy=False)
        dims = dims.astype(self.dtype, copy=False)
        if fixed_within:
            return self._fixed_totals(within[0], dims), 0
        if self.linear:
            total = self._linear_totals(within, dims)
            if total is not None:
                return total, 0
        acc = _DimensionSum(self.dimensions, dims, self.n)
        for j, scores in enumerate(self.dimension_scores(within)):
            acc.add(j, scores)
        return acc.total(), acc.raised

    def _linear_totals(self, within: np.ndarray, dims: np.ndarray) -> np.ndarray | None:
        """Both levels arithmetic (or both geometric, in log space): one product with the effective weights.

        Where a branch lacks some values of a dimension, its weights within that
        dimension are renormalized: only those branches get a correction,
        ``w_dim * (num / den - num)``, from a product over their columns alone.
        None when a draw leaves a dimension without weight for some branch
        (the general path handles it).
        """
        total = product(within * dims[:, self.dim_of], self.xt, self.n)
        for j, a, b, idx, both_x in self.corrections:
            m, width = len(idx), both_x.shape[1] // 2
            both = product(within[:, a:b], both_x, width + m)
            num, den = both[:, :m], both[:, width:]
            if not (den > 0).all():
                return None
            num *= (1.0 / den - 1.0)
            num *= dims[:, j, None]
            total[:, idx] += num
        if len(self.absent):
            den = product(dims, pad_columns(self.present[:, self.absent], self.dtype), len(self.absent))
            sub = total[:, self.absent]
            total[:, self.absent] = np.where(den > 0, sub / np.where(den > 0, den, 1), np.nan)
        return np.exp(total, out=total) if self.indicators == "geometric" else total

    def fixed_parts(self, within: np.ndarray) -> tuple[tuple, int]:
        """The dimension scores of fixed within-dimension weights (cached), and the scores floored the first time."""
        key = within.tobytes()
        if key in self.fixed:
            return self.fixed[key], 0
        raised = 0
        scores = np.concatenate(self.dimension_scores(within[None, :]))      # dimensions x branches
        present = self.present
        if self.dimensions == "topsis":
            # unweighted terms: a weight w scales a criterion's terms by w^2 (a product per block)
            parts = topsis_terms(scores, 1.0, axis=1, present=present)
        elif self.dimensions == "geometric":
            logs, raised = floored_log(scores, present)
            parts = (logs,)
        else:
            parts = (np.where(present, scores, 0.0),)
        parts = tuple(pad_columns(p, self.dtype) for p in parts)
        self.fixed[key] = parts
        return parts, raised

    def _fixed_totals(self, within: np.ndarray, dims: np.ndarray) -> np.ndarray:
        """Dimension scores do not vary: totals are products with the dimension weights."""
        parts, _ = self.fixed_parts(within)
        n = self.n
        every = self.present.all()
        pf = None if every else pad_columns(self.present, self.dtype)
        if self.dimensions == "topsis":
            w2 = dims * dims
            d_plus = np.sqrt(product(w2, parts[0], n))
            d_minus = np.sqrt(product(w2, parts[1], n))
            c = closeness(d_plus, d_minus)
            if not every:
                c[:, ~self.present.any(axis=0)] = np.nan
            return c
        num = product(dims, parts[0], n)
        if pf is not None:
            den = product(dims, pf, n)
            with np.errstate(invalid="ignore", divide="ignore"):
                num = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
        return np.exp(num, out=num) if self.dimensions == "geometric" else num


def make_plan(prepared, indicators: str, dimensions: str, support: np.ndarray, sizes, *, dtype="float64",
              label: str = "") -> tuple[Plan, int]:
    """The :class:`Plan` of a prepared table under one aggregation, and the scores raised to the geometric floor.

    ``prepared``: :meth:`Scheme.prepare`'s result; ``support``: the indicators
    with a positive weight; ``sizes``: indicators per dimension; ``label``: the
    normalization's name for the error message.
    """
    dtype = np.dtype(dtype)
    bounds = np.cumsum([0] + list(sizes))
    x = prepared.normalized
    used = prepared.present & support
    raised = 0
    if indicators == "geometric":
        if np.any(x[used] < 0):
            raise ValueError(f"geometric aggregation needs non-negative scores, but the normalization "
                             f"{label!r} gives negative ones; use min-max, "
                             "goalposts, target or rank normalization (not z-scores)")
        values, raised = floored_log(x, used)
    else:
        values = np.where(used, x, 0.0)
    present = np.stack([used[:, a:b].any(axis=1) for a, b in zip(bounds[:-1], bounds[1:])])
    complete = bool(used[:, support].all())
    xt = pad_columns(values.T, dtype)
    pt = None if complete else pad_columns(used.T, dtype)
    linear = indicators == dimensions
    corrections = []
    if linear and pt is not None:
        for j, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
            u = used[:, a:b]
            partial = np.flatnonzero(u.any(axis=1) & ~u[:, support[a:b]].all(axis=1))
            if len(partial):
                corrections.append((j, a, b, partial, np.hstack([pad_columns(values.T[a:b][:, partial], dtype),
                                                                 pad_columns(used.T[a:b][:, partial], dtype)])))
    plan = Plan(indicators, dimensions, len(x), bounds, np.repeat(np.arange(len(sizes)), sizes), xt, pt, present,
                complete, linear, corrections, np.flatnonzero(~present.all(axis=0)))
    return plan, raised


_CONTROLLER = None


def blas_limits(limit: int):
    """A context holding BLAS to ``limit`` threads.

    The BLAS libraries are looked up once per process (threadpoolctl's
    ``ThreadpoolController``): ``threadpool_limits()`` looks them up on every
    call, about 7 ms, a third of a dashboard's whole 300-draw run.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=limit, user_api="blas")


def default_threads(cells: float, blocks: int) -> int:
    """Threads for a run of ``cells`` draws x branches in ``blocks`` blocks: the cores this process may use.

    One thread below :data:`THREAD_MIN_CELLS` (a dashboard's few hundred draws
    of a county take milliseconds: a pool would cost more than it gains). The
    cores are those the operating system lets this process run on (its CPU
    affinity: a served kernel limited to some cores gets those), not the
    machine's count.
    """
    if cells < THREAD_MIN_CELLS or blocks < 2:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, blocks))


def check_threads(threads) -> int | None:
    """``threads``: None (automatic) or a positive number."""
    if threads is None:
        return None
    value = operator.index(threads)
    if value < 1:
        raise ValueError(f"threads: expected None (automatic) or a positive number of threads, got {threads!r}")
    return value


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
        self.sizes = [len(d.indicators) for d in fw.dimensions]
        self.bounds = np.cumsum([0] + self.sizes)
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

    def plan(self, samples: Samples, norm: int, agg: int) -> Plan:
        key = (norm, agg)
        if key in self._plans:
            return self._plans[key]
        how = samples.aggregations[agg][1]
        plan, raised = make_plan(self._prepare(samples, norm), how.indicators, how.dimensions, self.support,
                                 self.sizes, dtype=self.dtype, label=samples.normalizations[norm][0])
        self.low_scores += raised
        self._plans[key] = plan
        return plan

    def totals(self, plan: Plan, within: np.ndarray, dims: np.ndarray, fixed_within: bool) -> np.ndarray:
        """Totals of a block of draws (draws x branches)."""
        if fixed_within:
            self.low_dimensions += plan.fixed_parts(within[0].astype(self.dtype, copy=False))[1]
        total, raised = plan.totals(within, dims, fixed_within)
        self.low_dimensions += raised
        return total

    # ----------------------------------------------------------------- blocks
    def block_size(self, requested: int | None) -> int:
        if requested is not None:
            size = operator.index(requested)
            if size < 1:
                raise ValueError(f"block_size: expected a positive number of draws, got {size}")
            return size
        per_draw = self.n * (8 * self.dtype.itemsize + 8 + 4 + 2) + 1
        return int(max(1, min(4096, _BLOCK_BYTES // per_draw)))

    def tasks(self, samples: Samples, block_size: int) -> list[tuple[Plan, np.ndarray, bool]]:
        """The blocks of a run: (plan, draw indices, fixed within-dimension weights), plans built here."""
        out = []
        combos = samples.normalization * len(samples.aggregations) + samples.aggregation
        for combo in np.unique(combos):
            idx = np.flatnonzero(combos == combo)
            plan = self.plan(samples, int(combo // len(samples.aggregations)),
                             int(combo % len(samples.aggregations)))
            within_all = samples.indicator_weights[idx]
            fixed = bool((within_all == within_all[0]).all())
            if fixed:   # the cached dimension scores, built once before any thread reads them
                self.low_dimensions += plan.fixed_parts(within_all[0].astype(self.dtype, copy=False))[1]
            out.extend((plan, idx[a:a + block_size], fixed) for a in range(0, len(idx), block_size))
        return out

    def _block(self, task, samples: Samples, grades: bool, each):
        plan, rows, fixed = task
        total, raised = plan.totals(samples.indicator_weights[rows], samples.dimension_weights[rows], fixed)
        ranking = rank_rows(total, self.rank_dtype)
        codes = self.grades.grade(total, ranking) if grades else None
        out = (ranking.ranks, codes, total) if each is None else each(rows, ranking.ranks, codes, total)
        return out, raised

    def blocks(self, samples: Samples, block_size: int, *, grades: bool = True, bar=None, threads: int = 1,
               each=None):
        """Score, rank and grade every block of draws; yield the blocks in order.

        Yields ``(draw indices, ranks, grade codes or None, totals)``, or, with
        ``each``, ``(draw indices, each(rows, ranks, codes, totals))``: ``each``
        runs in the thread that computed the block (reduce a block there, so that
        only the small result waits for the caller). With ``threads`` > 1 the
        blocks run on a pool of that many threads, a few blocks ahead of the
        caller (memory stays bounded), BLAS held to one thread each.
        """
        tasks = self.tasks(samples, block_size)
        threads = max(1, min(int(threads), len(tasks)))
        if threads == 1:
            for task in tasks:
                out, raised = self._block(task, samples, grades, each)
                yield from self._deliver(task[1], out, raised, bar, each)
            return
        with blas_limits(1), ThreadPoolExecutor(threads) as pool:
            pending: deque = deque()
            queue = iter(tasks)
            try:
                for task in queue:
                    pending.append((task, pool.submit(self._block, task, samples, grades, each)))
                    if len(pending) >= 2 * threads:
                        done, future = pending.popleft()
                        yield from self._deliver(done[1], *future.result(), bar, each)
                while pending:
                    done, future = pending.popleft()
                    yield from self._deliver(done[1], *future.result(), bar, each)
            finally:
                for _, future in pending:
                    future.cancel()

    def _deliver(self, rows, out, raised, bar, each):
        self.low_dimensions += raised
        if bar is not None:
            bar.update(len(rows))
        if each is None:
            yield (rows, *out)
        else:
            yield rows, out

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
    ``raised`` counts the dimension scores raised to the geometric floor.
    """

    def __init__(self, how: str, weights: np.ndarray, n: int):
        self.how, self.w = how, weights
        shape = (weights.shape[0], n)
        self.a = np.zeros(shape, dtype=weights.dtype)
        self.b = np.zeros(shape, dtype=weights.dtype) if how == "topsis" else None
        self.den = np.zeros(shape, dtype=weights.dtype)
        self.any = np.zeros(shape, dtype=bool)
        self.raised = 0

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
            self.raised += raised
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
