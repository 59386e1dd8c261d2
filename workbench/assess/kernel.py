"""The vectorised kernels of scoring: ranks, grades, TOPSIS closeness, the geometric zero floor.

Every engine calls these functions: :meth:`Scheme.score <workbench.assess.scoring.Scheme.score>`
as the one-draw case, the Monte Carlo engine of :mod:`workbench.assess.robustness`
on blocks of draws (rows = draws, columns = branches), and :mod:`workbench.scale`
on the national totals. A rule of grading or ranking is therefore written once.

- :func:`rank_rows` / :func:`min_rank`: rank 1 = the highest total, ties share
  the smallest rank, a missing total has no rank. The order comes from
  :func:`sort_rows`: one sort of integer keys that pack each value with its
  column, exact (about 1.5 times faster than ``np.argsort`` here).
- :class:`Grading`: bands, then veto caps, then quota rules (:class:`QuotaRule`),
  best grade first; the branches beyond a grade's quota fall to the next grade,
  which is then held to its own quota (a cascade). The quota is strict: the
  branches tied with the first one left out are left out too, so a quota is
  never exceeded.
- :func:`topsis_terms` and :func:`closeness`: TOPSIS (Hwang & Yoon 1981) split
  into the squared distances per criterion and the closeness of their sums, so
  that a fixed matrix can be re-weighted by matrix products.
- :func:`floored_log`: the logarithms a weighted geometric mean sums, with the
  zero floor (:data:`GEOMETRIC_FLOOR`).

>>> import numpy as np
>>> rank_rows(np.array([[3.0, 5.0, 5.0, np.nan]])).ranks.tolist()
[[3, 1, 1, 0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .framework import Framework

__all__ = [
    "GEOMETRIC_FLOOR",
    "Ranking",
    "sort_rows",
    "rank_rows",
    "min_rank",
    "QuotaRule",
    "GradeQuota",
    "Grading",
    "demote_at_or_below",
    "share_limit",
    "topsis_terms",
    "closeness",
    "floored_log",
]

#: Scores below this (points on the 0-100 scale) are raised to it before a geometric mean:
#: a single zero would make the whole mean zero.
GEOMETRIC_FLOOR = 1.0

#: The comparison operators a veto may use.
VETO_OPS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
            "==": np.equal, "!=": np.not_equal}


# ====================================================================== ranks

@dataclass(frozen=True, eq=False)
class Ranking:
    """Min ranks of every row, with the sort that produced them (grading re-uses it).

    ``ranks``: rows x branches, 1 = highest, 0 = no total; ``order``: the
    argsort of ``-total`` per row; ``sorted_neg``: ``-total`` in that order;
    ``missing``: where the total is NaN (None when nothing is missing).
    """

    ranks: np.ndarray
    order: np.ndarray
    sorted_neg: np.ndarray
    missing: np.ndarray | None


def sort_rows(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ascending order of every row of a float array and the sorted rows: an argsort by one value sort.

    ``np.argsort`` moves (value, index) pairs; sorting one unsigned integer per
    element is faster (the SIMD sorts of numpy 2). Each value becomes an
    order-preserving integer key with its column index in the low bits, the
    keys are sorted, the indices read back. float32 keys keep all their 32 bits
    (the order is exact). float64 keys give up their lowest ``ceil(log2(n))``
    mantissa bits to the index, so values closer than about ``2**-52 * n``
    relative may come out of order: those runs (equal shortened keys) are
    re-sorted on their full values afterwards, so the result is always the
    exact ascending order. NaN sorts last. Ties keep no particular order (as
    ``np.argsort``'s default). Other dtypes use ``np.argsort``.

    >>> order, ordered = sort_rows(np.array([[3.0, -1.0, np.nan, 2.5]]))
    >>> order.tolist(), ordered.tolist()[0][:3]
    ([[1, 3, 0, 2]], [-1.0, 2.5, 3.0])
    """
    values = np.ascontiguousarray(values)
    if values.dtype not in (np.float64, np.float32):
        order = np.argsort(values, axis=1)
        return order, np.take_along_axis(values, order, axis=1)
    order, ordered, _ = _sort_packed(values, descending=False)
    return order, ordered


def _sort_packed(values: np.ndarray, *, descending: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`sort_rows` of ``values`` (or of ``-values``), and the flat positions of the order (for a scatter).

    Few large temporaries: a fresh array costs page faults, which on a
    virtual machine take as long as the arithmetic.
    """
    s, n = values.shape
    width = values.dtype.itemsize * 8
    signed, unsigned = (np.int64, np.uint64) if width == 64 else (np.int32, np.uint32)
    if n < 2:
        order = np.zeros((s, n), dtype=np.intp)
        ordered = np.negative(values) if descending else values.copy()
        return order, ordered, order + (np.arange(s) * n)[:, None]
    # IEEE 754 -> an unsigned integer in the same order: flip every bit of a negative number, only the
    # sign bit of a positive one (descending: the key of -value, i.e. flip the other bits of a positive one)
    raw = values.view(signed)
    key = raw >> signed(width - 1)                      # -1 where negative, 0 elsewhere
    if descending:
        np.invert(key, out=key)
        key &= signed(np.iinfo(signed).max)
    else:
        key |= signed(np.iinfo(signed).min)
    key ^= raw
    key = key.view(unsigned)
    nan = np.isnan(values)
    if nan.any():
        key[nan] = np.iinfo(unsigned).max               # NaN (either sign) last
    index_bits = max(1, (n - 1).bit_length())
    low = np.uint64((1 << index_bits) - 1)
    if width == 32:
        packed = key.astype(np.uint64)
        packed <<= np.uint64(32)
    else:
        packed = key
        packed &= ~low
    packed |= np.arange(n, dtype=np.uint64)
    packed.sort(axis=1)
    order = np.bitwise_and(packed, low).view(np.intp)
    flat = order + (np.arange(s, dtype=np.intp) * n)[:, None]
    ordered = values.ravel()[flat]
    if descending:
        np.negative(ordered, out=ordered)
    if width == 64:
        _resort_shortened_runs(packed, order, ordered, index_bits)
        flat = order + (np.arange(s, dtype=np.intp) * n)[:, None]
    return order, ordered, flat


def _resort_shortened_runs(packed: np.ndarray, order: np.ndarray, ordered: np.ndarray, index_bits: int) -> None:
    """In place: where values sharing a shortened key came out of order, sort those runs on the values."""
    with np.errstate(invalid="ignore"):
        wrong = ordered[:, 1:] < ordered[:, :-1]
    if not wrong.any():
        return
    rows = np.flatnonzero(wrong.any(axis=1))
    head = packed[rows] >> np.uint64(index_bits)
    same = head[:, 1:] == head[:, :-1]                # a run: neighbours with one shortened key
    member = np.zeros(head.shape, dtype=bool)
    member[:, 1:] |= same
    member[:, :-1] |= same
    r, c = np.nonzero(member)
    starts = np.ones(len(c), dtype=bool)
    inner = c > 0
    starts[inner] = ~same[r[inner], c[inner] - 1]
    run = np.cumsum(starts)
    sub_order, sub_values = order[rows], ordered[rows]
    perm = np.lexsort((sub_values[r, c], run))        # runs keep their places, values ascend within each
    sub_order[r, c] = sub_order[r, c][perm]
    sub_values[r, c] = sub_values[r, c][perm]
    order[rows], ordered[rows] = sub_order, sub_values


def rank_rows(total: np.ndarray, dtype=np.int64) -> Ranking:
    """Min ranks per row of ``total`` (rows x branches), without a Python loop.

    The order comes from one sort of packed integer keys (:func:`sort_rows`);
    ties share the rank of their first member.

    Parameters
    ----------
    total : ndarray, 2-D
        One row per draw (a single assessment is one row).
    dtype : integer dtype of the ranks (the Monte Carlo engine keeps them as uint16).

    Returns
    -------
    Ranking

    >>> rank_rows(np.array([[1.0, 2.0, 2.0], [np.nan, 0.0, 3.0]])).ranks.tolist()
    [[3, 1, 1], [0, 2, 1]]
    """
    total = np.ascontiguousarray(total)
    if total.dtype in (np.float64, np.float32):
        order, sorted_neg, flat = _sort_packed(total, descending=True)
    else:
        order, sorted_neg = sort_rows(np.negative(total))
        flat = order + (np.arange(total.shape[0]) * total.shape[1])[:, None]
    s, n = total.shape
    new = np.empty((s, n), dtype=bool)
    if n:
        new[:, 0] = True
    np.not_equal(sorted_neg[:, 1:], sorted_neg[:, :-1], out=new[:, 1:])
    positions = np.arange(1, n + 1, dtype=dtype)
    if new.all():
        ranked = np.broadcast_to(positions, (s, n))
    else:
        # a tie keeps the position of its first member: the running maximum of "new" positions
        ranked = np.multiply(new, positions, dtype=dtype)
        np.maximum.accumulate(ranked, axis=1, out=ranked)
    ranks = np.empty((s, n), dtype=dtype)
    ranks.ravel()[flat] = ranked
    missing = np.isnan(total)
    if missing.any():
        ranks[missing] = 0
    else:
        missing = None
    return Ranking(ranks, order, sorted_neg, missing)


def min_rank(total: np.ndarray, ranking: Ranking | None = None) -> pd.api.extensions.ExtensionArray:
    """Ranks of one assessment: 1 = highest total; ties share the smallest rank; NaN stays missing (Int64).

    ``ranking``: :func:`rank_rows` of ``total[None, :]`` when already computed (grading re-uses it).

    >>> min_rank(np.array([80.0, 95.0, 80.0, np.nan])).tolist()
    [2, 1, 2, <NA>]
    """
    total = np.asarray(total, dtype="float64")
    ranking = ranking or rank_rows(total[None, :])
    return pd.arrays.IntegerArray(ranking.ranks[0].astype("int64", copy=False), np.isnan(total))


# ===================================================================== grades

@dataclass(frozen=True)
class QuotaRule:
    """At most ``max_share`` of the branches assessed may hold ``grade``.

    ``scope`` names a group of branches (e.g. the village branches); the rule then
    counts and cuts within that group only. :class:`Grading` takes the group's
    members as ``scopes={name: mask}``.

    >>> QuotaRule("strong", 0.3)
    QuotaRule(grade='strong', max_share=0.3, scope=None)
    """

    grade: str
    max_share: float
    scope: str | None = None

    def __post_init__(self):
        if not 0 < float(self.max_share) <= 1:
            raise ValueError(f"quota of {self.grade!r}: max_share must be in (0, 1], got {self.max_share}")


@dataclass(frozen=True)
class GradeQuota:
    """A :class:`QuotaRule` resolved against a framework's grades and a set of branches."""

    code: int                 # the grade's code (worst first)
    share: float
    scope: np.ndarray | None  # branches the rule counts and cuts, None = all
    band_min: float | None    # the grade's band minimum: its holders score at least this


class Grading:
    """Grades of one framework for a fixed set of branches: bands, veto caps, quota rules.

    Built once per assessment (or per Monte Carlo run: the veto flags are the
    same in every draw), then applied to one row of totals or to a block of draws.

    Parameters
    ----------
    framework : Framework
        Its grade bands and vetoes.
    flags : DataFrame
        The veto columns, one row per branch (a column the frame lacks never holds).
    quotas : sequence of QuotaRule, optional
        Default: the framework's (``framework.quota_rules``). Applied best grade first.
    scopes : mapping of name to boolean array, optional
        The branches of each scope a quota rule names.

    Codes index the grades worst first (the categories of ``Assessment.grade``);
    -1 marks a branch without a total.

    >>> import workbench as wb
    >>> fw = wb.Framework.default()
    >>> g = Grading(fw, pd.DataFrame(index=range(5)), quotas=[QuotaRule("strong", 0.25)])
    >>> total = np.array([[95.0, 92.0, 70.0, 50.0, np.nan]])     # 4 assessed: 1 may be strong
    >>> [fw.grade_ids[::-1][c] if c >= 0 else None for c in g.grade(total, rank_rows(total))[0]]
    ['strong', 'standardized', 'basic', 'weak', None]
    """

    def __init__(self, framework: Framework, flags: pd.DataFrame, *, quotas: Sequence[QuotaRule] | None = None,
                 scopes: Mapping[str, np.ndarray] | None = None):
        n = len(flags)
        categories = list(reversed(framework.grade_ids))
        self.categories = categories
        self.n_grades = len(categories)
        scored = [g for g in framework.grades if g.min is not None]                 # best first
        self.mins = np.array([g.min for g in reversed(scored)], dtype="float64")    # ascending
        self.first = categories.index(scored[-1].id)
        best = len(categories) - 1
        self.vetoes: list[tuple[np.ndarray, int]] = []
        caps = np.full(n, best, dtype=np.int8)
        for veto in framework.vetoes:
            column = (flags[veto.column].to_numpy(dtype="float64") if veto.column in flags
                      else np.full(n, np.nan))
            with np.errstate(invalid="ignore"):
                holds = VETO_OPS[veto.op](column, veto.value) & ~np.isnan(column)
            cap = categories.index(veto.cap)
            self.vetoes.append((holds, cap))
            caps = np.where(holds, np.minimum(caps, cap), caps).astype(np.int8)
        self.caps = caps if (caps < best).any() else None
        rules = framework.quota_rules if quotas is None else tuple(quotas)
        minimum = {g.id: g.min for g in framework.grades}
        scopes = dict(scopes or {})
        self.quotas: list[GradeQuota] = []
        # best grade first; rules on one grade keep their order
        for rule in sorted(rules, key=lambda r: -categories.index(r.grade)):
            if rule.grade not in categories:
                raise ValueError(f"quota: {rule.grade!r} is not a grade (grades: {framework.grade_ids})")
            mask = None
            if rule.scope is not None:
                if rule.scope not in scopes:
                    raise ValueError(f"quota of {rule.grade!r}: scope {rule.scope!r} needs its branches "
                                     f"(scopes={{{rule.scope!r}: mask}}); given scopes: {sorted(scopes)}")
                mask = np.asarray(scopes[rule.scope], dtype=bool)
                if mask.shape != (n,):
                    raise ValueError(f"scope {rule.scope!r}: expected {n} booleans, got shape {mask.shape}")
            self.quotas.append(GradeQuota(categories.index(rule.grade), float(rule.max_share), mask,
                                      minimum[rule.grade]))

    # ------------------------------------------------------------------ steps
    def bands(self, total: np.ndarray, dtype=np.int8) -> np.ndarray:
        """The grade of each band a total reaches, before vetoes and quotas (NaN: the lowest band)."""
        # how many minimums above the lowest the total reaches (NaN reaches none)
        codes = np.full(total.shape, self.first, dtype=dtype)
        for low in self.mins[1:]:
            codes += total >= low
        return codes

    def capped_bands(self, total: np.ndarray) -> np.ndarray:
        """Bands and veto caps, before any quota (int8 codes; -1 where the total is missing)."""
        codes = self.bands(total)
        if self.caps is not None:
            np.minimum(codes, self.caps, out=codes)
        missing = np.isnan(total)
        if missing.any():
            codes[missing] = -1
        return codes

    def apply_quota(self, quota: GradeQuota, codes: np.ndarray, total: np.ndarray, ranking: Ranking) -> None:
        """Demote, in place, the holders of ``quota``'s grade beyond its share, row by row (strict)."""
        s, n = total.shape
        holders = codes == quota.code
        if quota.scope is not None:
            holders &= quota.scope
        assessed = ~ranking.missing if ranking.missing is not None else None
        if quota.scope is not None:
            assessed = quota.scope if assessed is None else assessed & quota.scope
        counted = n if assessed is None else assessed.sum(axis=-1)
        limit = np.broadcast_to(share_limit(quota.share, counted), (s,))
        over = np.flatnonzero(holders.sum(axis=1) > limit)
        if not len(over):
            return
        # the (limit+1)-th holder from the top sets the cut; holders sit among the first `reach`
        # sorted totals (a grade's holders score at least its band minimum), so only that prefix is scanned
        h = holders[over]
        reach = n
        if quota.band_min is not None:
            reach = max(1, int((ranking.sorted_neg[over] <= -quota.band_min).sum(axis=1).max()))
        ranked = np.cumsum(np.take_along_axis(h, ranking.order[over, :reach], axis=1), axis=1, dtype=np.int32)
        first_out = np.argmax(ranked > limit[over, None], axis=1)
        cut = -ranking.sorted_neg[over, first_out]
        sub = codes[over]
        demote_at_or_below(sub, total[over], quota.code, cut, h)
        codes[over] = sub

    def grade(self, total: np.ndarray, ranking: Ranking) -> np.ndarray:
        """Grade codes of every row of ``total`` (rows x branches; int8, -1 = no total)."""
        codes = self.capped_bands(total)
        for quota in self.quotas:
            self.apply_quota(quota, codes, total, ranking)
        return codes

    def grade_one(self, total: np.ndarray, ranking: Ranking | None = None
                  ) -> tuple[np.ndarray, list[tuple[int, int, int, int]], np.ndarray]:
        """One assessment: codes (int64), the veto hits, and the branches the quotas demoted.

        A hit is ``(branch, veto, code before, code after)`` for each veto that
        lowered a grade, the vetoes taken in the framework's order.
        """
        total = np.asarray(total, dtype="float64")
        row = total[None, :]
        ranking = ranking or rank_rows(row)
        capped = self.capped_bands(row)
        codes = capped.copy()
        for quota in self.quotas:
            self.apply_quota(quota, codes, row, ranking)
        return codes[0].astype("int64"), self.veto_hits(total), np.flatnonzero(codes[0] != capped[0])

    def veto_hits(self, total: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Which veto lowered which branch's band, and from which grade to which (vetoes in order)."""
        ok = ~np.isnan(total)
        codes = self.bands(total, dtype=np.int64)
        hits = []
        for v, (holds, cap) in enumerate(self.vetoes):
            lowered = holds & ok & (codes > cap)
            hits.extend((int(b), v, int(codes[b]), cap) for b in np.flatnonzero(lowered))
            codes = np.where(holds, np.minimum(codes, cap), codes)
        return hits


def demote_at_or_below(codes: np.ndarray, total: np.ndarray, code: int, cut, holders: np.ndarray) -> None:
    """The strict quota rule, in place: ``holders`` with a total at or below their row's ``cut`` fall one grade.

    ``cut`` is the total of the first holder left out (one per row); the holders
    tied with it fall too, so that no holder is preferred to an equal one.
    """
    cut = np.asarray(cut)
    codes[holders & (total <= (cut[:, None] if cut.ndim else cut))] = code - 1


# ===================================================================== TOPSIS

def topsis_terms(x: np.ndarray, weights, *, axis: int, present: np.ndarray | None = None, benefit=True
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Squared distances of each weighted, vector-normalized value to the ideal and the anti-ideal.

    ``axis`` runs over the branches (the alternatives); each criterion is
    normalized by its Euclidean norm over them, weighted, and compared with
    its best and worst value. Summing the terms over the criteria and taking
    square roots gives the distances :func:`closeness` combines. ``present``
    (same shape as ``x``) leaves values out (their terms are 0); ``benefit``
    False marks a cost criterion (lower is better), broadcast like ``weights``.

    >>> a, b = topsis_terms(np.array([[1.0], [3.0]]), 1.0, axis=0)
    >>> closeness(np.sqrt(a.sum(axis=1)), np.sqrt(b.sum(axis=1)), scale=1).tolist()
    [0.0, 1.0]
    """
    x0 = x if present is None else np.where(present, x, 0.0)
    norm = np.sqrt((x0 * x0).sum(axis=axis, keepdims=True))
    v = x0 / np.where(norm > 0, norm, 1.0) * weights
    if present is None:
        best, worst = v.max(axis=axis, keepdims=True), v.min(axis=axis, keepdims=True)
    else:
        best = np.where(present, v, -np.inf).max(axis=axis, keepdims=True)
        worst = np.where(present, v, np.inf).min(axis=axis, keepdims=True)
        best = np.where(np.isfinite(best), best, 0.0)
        worst = np.where(np.isfinite(worst), worst, 0.0)
    ideal, anti = (best, worst) if benefit is True else (np.where(benefit, best, worst),
                                                          np.where(benefit, worst, best))
    to_ideal, to_anti = (v - ideal) ** 2, (v - anti) ** 2
    if present is not None:
        to_ideal, to_anti = np.where(present, to_ideal, 0.0), np.where(present, to_anti, 0.0)
    return to_ideal, to_anti


def closeness(d_plus: np.ndarray, d_minus: np.ndarray, *, scale: float = 100.0) -> np.ndarray:
    """TOPSIS closeness ``d- / (d+ + d-)`` times ``scale``; 1 (the ideal) where both distances are 0.

    >>> closeness(np.array([1.0, 0.0]), np.array([3.0, 0.0])).tolist()
    [75.0, 100.0]
    """
    total = d_plus + d_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(total > 0, d_minus / np.where(total > 0, total, 1.0), 1.0) * scale
    return c.astype(d_plus.dtype, copy=False)


# ================================================================== geometric

def floored_log(x: np.ndarray, present: np.ndarray | None = None, floor: float = GEOMETRIC_FLOOR
                ) -> tuple[np.ndarray, int]:
    """``log(max(x, floor))`` where present, 0 elsewhere, and how many values were raised to ``floor``.

    A weighted geometric mean is ``exp(sum w log x / sum w)``; this is its
    ``log x`` with the zero floor applied once, for every engine. The caller
    warns (:class:`~workbench.assess.aggregate.GeometricZeroWarning`) with the count.

    >>> logs, raised = floored_log(np.array([0.0, np.e, np.nan]))
    >>> logs.round(6).tolist(), raised
    ([0.0, 1.0, 0.0], 1)
    """
    ok = ~np.isnan(x) if present is None else present
    raised = int(np.count_nonzero(ok & (x < floor)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.where(ok, np.maximum(x, floor), 1.0)), raised


def share_limit(share: float, assessed) -> np.ndarray:
    """The most branches a quota of ``share`` allows among ``assessed`` (rounded down; 0.1 x 30 is 3, not 2).

    >>> share_limit(0.3, 10).item(), share_limit(0.1, np.array([30, 9])).tolist()
    (3, [3, 0])
    """
    return np.floor(share * np.asarray(assessed) + 1e-9).astype(np.int64)
