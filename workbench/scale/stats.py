"""National statistics for the normalizations that compare a branch with all others.

``minmax``, ``zscore``, ``rank`` (and ``target`` for a lower-is-better
indicator without a fixed ``worst``) scale a value by statistics of every
branch assessed. A partition sees only its own branches, so each partition
summarizes its indicator columns (:func:`partition_summary`), the summaries are
merged pairwise in a tree (:func:`merge`), and the merged summary becomes the
keyword arguments of :func:`workbench.assess.normalize.normalize`
(:func:`finish`). Each partition is then normalized by the same functions as
in pandas, given the national figures (``Scheme.with_statistics``).

What is kept per indicator, and why it is exact:

- ``bounds`` (min, max): merged by min and max.
- ``moments`` (mean, population sd): count, mean and sum of squared deviations
  per partition, merged with Chan et al.'s pairwise update (stable; agrees with
  one-pass ``numpy.nanstd`` to ~1e-15 relative).
- ``reference`` (percentile rank): the sorted column itself. A percentile rank
  with ties sharing the mean rank needs, for each value, how many values are
  below it and how many equal it in the whole country; two binary searches in
  the sorted national column give both, which is exactly what ranking the
  national column at once gives. Partitions send their sorted columns, merged
  by sorting runs (8 bytes per branch: 36 MB for 4.5 million branches).

>>> import numpy as np
>>> a = partition_summary(pd.DataFrame({"x": [1.0, 2.0]}), {"x": {"bounds", "moments"}})
>>> b = partition_summary(pd.DataFrame({"x": [4.0, np.nan]}), {"x": {"bounds", "moments"}})
>>> stats = finish(merge(a, b))
>>> stats["x"]["bounds"], round(stats["x"]["moments"][1], 6) == round(np.std([1, 2, 4]), 6)
((1.0, 4.0), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from ..assess.normalize import METHODS

__all__ = ["ColumnSummary", "needed_statistics", "partition_summary", "merge", "finish",
           "normalized_sums", "merge_sums", "fill_values"]

Needs = Mapping[str, set[str]]


def needed_statistics(scheme) -> dict[str, set[str]]:
    """Which national statistics each indicator's normalization needs (only those that need any).

    >>> import workbench as wb
    >>> needed_statistics(wb.Scheme(wb.Framework.default()))
    {}
    >>> needed_statistics(wb.Scheme(wb.Framework.default(), normalization={"satisfaction": "rank"}))
    {'satisfaction': {'reference'}}
    """
    out: dict[str, set[str]] = {}
    for ind in scheme.framework.indicators:
        spec = scheme.normalizations[ind.id]
        needs = METHODS[spec.method].needs(spec, ind.direction)
        if needs:
            out[ind.id] = set(needs)
    return out


@dataclass(frozen=True)
class ColumnSummary:
    """Mergeable statistics of one indicator over part of the branches.

    ``n``: values present; ``lo``/``hi``: min and max; ``mean``/``m2``: mean
    and sum of squared deviations; ``values``: the sorted values (only when a
    percentile rank needs them).
    """

    n: int
    lo: float
    hi: float
    mean: float
    m2: float
    values: np.ndarray | None = None

    @classmethod
    def of(cls, column, *, keep_values: bool = False) -> ColumnSummary:
        x = np.asarray(column, dtype="float64")
        x = x[~np.isnan(x)]
        n = int(x.size)
        mean = float(x.mean()) if n else 0.0
        return cls(n=n, lo=float(x.min(initial=np.inf)), hi=float(x.max(initial=-np.inf)), mean=mean,
                   m2=float(((x - mean) ** 2).sum()) if n else 0.0,
                   values=np.sort(x, kind="stable") if keep_values else None)

    def merge(self, other: ColumnSummary) -> ColumnSummary:
        n = self.n + other.n
        if not self.n or not other.n:
            mean, m2 = (self.mean, self.m2) if self.n else (other.mean, other.m2)
        else:  # Chan, Golub & LeVeque (1979)
            delta = other.mean - self.mean
            mean = self.mean + delta * other.n / n
            m2 = self.m2 + other.m2 + delta * delta * self.n * other.n / n
        values = None
        if self.values is not None and other.values is not None:
            # two sorted runs: a stable sort (timsort) merges them in linear time
            values = np.sort(np.concatenate([self.values, other.values]), kind="stable")
        return ColumnSummary(n=n, lo=min(self.lo, other.lo), hi=max(self.hi, other.hi), mean=mean,
                             m2=m2, values=values)

    def statistics(self, needs: set[str]) -> dict:
        """The keyword arguments of the normalization functions (see ``workbench.assess.normalize``)."""
        out: dict = {}
        if "bounds" in needs:
            out["bounds"] = (self.lo, self.hi) if self.n else (np.nan, np.nan)
        if "moments" in needs:
            out["moments"] = (self.mean, float(np.sqrt(self.m2 / self.n))) if self.n else (np.nan, np.nan)
        if "reference" in needs:
            out["reference"] = self.values
        return out


def partition_summary(table: pd.DataFrame, needs: Needs) -> dict[str, tuple[ColumnSummary, set[str]]]:
    """Summaries of the indicator columns of one partition's table."""
    return {ind: (ColumnSummary.of(table[ind].to_numpy(dtype="float64"), keep_values="reference" in what), set(what))
            for ind, what in needs.items()}


def merge(*summaries: Mapping[str, tuple[ColumnSummary, set[str]]]) -> dict:
    """Merge partition summaries (associative: any tree of merges gives the same result)."""
    out = dict(summaries[0])
    for other in summaries[1:]:
        for ind, (summary, what) in other.items():
            out[ind] = (out[ind][0].merge(summary), what) if ind in out else (summary, what)
    return out


def finish(merged: Mapping[str, tuple[ColumnSummary, set[str]]]) -> dict[str, dict]:
    """National statistics per indicator, for ``Scheme.with_statistics``."""
    return {ind: summary.statistics(what) for ind, (summary, what) in merged.items()}


# ------------------------------------------- the county mean of impute_township

def normalized_sums(table: pd.DataFrame, scheme) -> tuple[np.ndarray, np.ndarray]:
    """Sum and count of the normalized scores per indicator in one partition (before imputation).

    ``missing="impute_township"`` fills a township without any value by the
    mean normalized score of all branches; the mean over the country is the sum
    of these sums over the sum of these counts.
    """
    prepared = scheme.with_missing("renormalize").prepare(table)
    present = ~np.isnan(prepared.normalized)
    return np.where(present, prepared.normalized, 0.0).sum(axis=0), present.sum(axis=0)


def merge_sums(*parts: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


def fill_values(sums: tuple[np.ndarray, np.ndarray], scheme) -> dict[str, float]:
    total, count = sums
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return dict(zip(scheme.framework.indicator_ids, mean.tolist()))
