"""Score a partitioned country on Dask with the framework, scheme and functions of the pandas engine.

The task graph (one column of tasks per partition, ``K`` partitions)::

    load_partition(i) ─ compute_indicators ─┬─ partition_summary ─┐            (only for normalizations
                                            │                      ├ merge (tree) ─ finish ─┐ with global
                                            │                      ┘                        │ statistics)
                                            └──────────── scheme.with_statistics(...) ◄─────┘
                                                     scheme.prepare + scheme.aggregate (per partition)
                                                                     │
                 national order: the kernel's min_rank and Grading over all totals (one task)
                                                                     │
                                            results table per partition (branch_id, total, rank, grade, dims)

- Indicators: :func:`workbench.compute_indicators` on each partition's
  BranchData. Every derivation is per branch and a partition holds whole
  townships with all their records, so the values are those of the whole table.
- Normalization: the same ``Scheme.prepare``; methods that compare a branch
  with all others (minmax, zscore, rank) get national statistics computed in
  one reduction (:mod:`workbench.scale.stats`); ``missing="impute_township"``
  gets the national mean score for townships without any value (a second,
  cheap reduction).
- Aggregation: the same ``Scheme.aggregate`` per partition. TOPSIS compares
  with the best and worst branch nationally, so its totals are recomputed in
  the national step from the gathered dimension scores (6 numbers per branch).
- Ranks and grades: a rank is a position in the national order and the quota
  on the top grade cuts that order, so one task runs the kernel the pandas engine
  runs (:func:`~workbench.assess.kernel.min_rank`, :class:`~workbench.assess.kernel.Grading`)
  on the national totals and veto flags (a few numbers per branch: about 150 MB
  for 4.5 million branches, sorted in a second), then hands each partition its slice.

Nothing here re-implements a formula: every number comes from the functions
the pandas engine calls. The test suite checks both engines agree to 1e-9.
"""

from __future__ import annotations

import operator
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from dask import delayed

from ..assess import aggregate as agg
from ..assess.framework import Framework
from ..assess.indicators import compute_indicators
from ..assess.kernel import Grading, min_rank, rank_rows
from ..assess.assessment import results_table
from ..assess.scoring import Scheme
from . import stats as st
from .cluster import active_client, compute, persist, tree_reduce, write_frame
from .dataset import DatasetInfo, load_partition, read_manifest

__all__ = ["score_dataset", "ScaleResult", "build_graph", "resolve_arguments"]


def _indicators(folder, part, framework, period, validate, today):
    data = load_partition(folder, part, validate=validate, today=today)
    try:
        table = compute_indicators(data, framework, period=period)
    except ValueError as exc:
        raise ValueError(f"partition {part} of {folder}: {exc}") from None
    return table, data.branches.set_index("branch_id")["township"]


def _scoring_scheme(scheme, statistics, fill):
    return scheme.with_statistics(statistics, fill=fill) if statistics or fill is not None else scheme


@dataclass
class _Scored:
    total: np.ndarray
    dimensions: pd.DataFrame   # index branch_id
    flags: pd.DataFrame


def _score_partition(table, towns, scheme) -> _Scored:
    prepared = scheme.prepare(table, groups=towns)
    dims, total = scheme.aggregate(prepared)
    return _Scored(total=total, flags=prepared.flags,
                   dimensions=pd.DataFrame(dims, index=prepared.index, columns=scheme.framework.dimension_ids))


@dataclass
class _National:
    pieces: list            # per partition: (total, rank, grade codes)
    n_branches: int
    n_vetoes: int
    n_demoted: int


def _unique(values: pd.Series) -> np.ndarray:
    return values.unique()


def _national_order(scored: list[_Scored], townships: list[np.ndarray], scheme) -> _National:
    """Ranks and grades in the national order; ``townships``: those of each partition (impute_township)."""
    fw = scheme.framework
    index = scored[0].dimensions.index.append([s.dimensions.index for s in scored[1:]])
    if not index.is_unique:
        dup = index[index.duplicated()].unique()
        raise ValueError(f"{len(dup)} branch id(s) occur in more than one partition, e.g. {list(dup[:5])}; "
                         "every branch must be in exactly one partition")
    if townships:
        seen = pd.Index(np.concatenate(townships))
        split = seen[seen.duplicated()].unique()
        if len(split):
            raise ValueError(f"townships split across partitions, e.g. {list(split[:5])}: "
                             "missing='impute_township' needs each township in one partition")
    if scheme.aggregation.dimensions == "topsis":
        # closeness to the national best and worst: recompute from all dimension scores
        dims = np.vstack([s.dimensions.to_numpy() for s in scored])
        total = agg.aggregate(dims, scheme.matrices()[1], "topsis")
    else:
        total = np.concatenate([s.total for s in scored])
    flags = pd.concat([s.flags for s in scored])
    ranking = rank_rows(total[None, :])
    rank = min_rank(total, ranking)
    codes, hits, demoted = Grading(fw, flags).grade_one(total, ranking)
    cuts = np.cumsum([0] + [len(s.total) for s in scored])
    pieces = [(total[a:b], rank[a:b], codes[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]
    return _National(pieces=pieces, n_branches=len(total), n_vetoes=len(hits), n_demoted=len(demoted))


def _results(scored: _Scored, piece, framework) -> pd.DataFrame:
    total, rank, codes = piece
    index = scored.dimensions.index
    dtype = pd.CategoricalDtype(list(reversed(framework.grade_ids)), ordered=True)
    return results_table(pd.Series(total, index=index, name="total"),
                         pd.Series(rank, index=index, name="rank"),
                         pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=index, name="grade"),
                         scored.dimensions)


def _township_counts(results: pd.DataFrame, towns: pd.Series, part: int, grades: list[str]) -> pd.DataFrame:
    town = towns.reindex(results["branch_id"]).to_numpy()
    counts = pd.crosstab([np.full(len(town), part), town], results["grade"].to_numpy())
    counts = counts.reindex(columns=grades, fill_value=0)
    counts.index.names, counts.columns.name = ["partition", "township"], None
    return counts


def _national_summary(national: _National) -> dict:
    return {"branches": national.n_branches, "vetoes": national.n_vetoes, "quota_demoted": national.n_demoted}


# ================================================================ the graph

@dataclass
class _Graph:
    results: list      # delayed results table per partition
    counts: list       # delayed grade counts per (partition, township)
    national: object   # delayed summary dict
    statistics: object  # delayed national statistics (or {})
    tables: list       # delayed indicator table per partition
    towns: list        # delayed township per branch, per partition
    scoring: object    # delayed scheme with the national statistics


def build_graph(info: DatasetInfo, framework: Framework, scheme: Scheme, period: int, *, validate: bool,
           today) -> _Graph:
    """The task graph of one national assessment (indicators, statistics, scores, national order, results)."""
    token = uuid.uuid4().hex[:8]
    fw = delayed(framework, name=f"framework-{token}", traverse=False)
    base = delayed(scheme, name=f"scheme-{token}", traverse=False)
    folder = str(info.folder.resolve())  # workers may run elsewhere: an absolute path
    parts = [delayed(_indicators, nout=2, pure=True)(folder, i, fw, period, validate, today,
                                                    dask_key_name=f"indicators-{token}-{i}")
             for i in range(info.partitions)]
    tables = [p[0] for p in parts]
    towns = [p[1] for p in parts]
    needs = st.needed_statistics(scheme)
    statistics = delayed(dict, pure=True)()  # no normalization needs national statistics
    if needs:
        summaries = [delayed(st.partition_summary, pure=True)(t, needs) for t in tables]
        statistics = delayed(st.finish, pure=True)(tree_reduce(st.merge, summaries))
    fill = None
    if scheme.missing == "impute_township":
        with_stats = delayed(_scoring_scheme, pure=True)(base, statistics, None)
        sums = [delayed(st.normalized_sums, pure=True)(t, with_stats) for t in tables]
        fill = delayed(st.fill_values, pure=True)(tree_reduce(st.merge_sums, sums), base)
    scoring = delayed(_scoring_scheme, pure=True)(base, statistics, fill)
    scored = [delayed(_score_partition, pure=True)(t, g, scoring) for t, g in zip(tables, towns)]
    town_sets = [delayed(_unique, pure=True)(g) for g in towns] if scheme.missing == "impute_township" else []
    national = delayed(_national_order, pure=True)(scored, town_sets, base)
    results = [delayed(_results, pure=True)(s, delayed(operator.getitem)(national.pieces, i), fw)
               for i, s in enumerate(scored)]
    grades = framework.grade_ids
    counts = [delayed(_township_counts, pure=True)(r, g, i, grades)
              for i, (r, g) in enumerate(zip(results, towns))]
    return _Graph(results=results, counts=counts, national=delayed(_national_summary)(national),
                  statistics=statistics, tables=tables, towns=towns, scoring=scoring)


# ================================================================ the result

@dataclass
class ScaleResult:
    """The national assessment: results per branch (a Dask DataFrame) and grade counts.

    Attributes
    ----------
    frame : dask.dataframe.DataFrame
        One partition per dataset partition, columns ``branch_id, total, rank,
        grade`` and one per dimension: the table the pandas engine writes.
        Held in the memory of the cluster (persisted) while the client lives.
    summary : pandas.DataFrame
        Branches per grade (columns, best first) by partition and township (index).
    national : dict
        ``branches``, ``vetoes`` (veto caps applied), ``quota_demoted``.
    statistics : dict
        The national statistics the normalizations used (empty when none needed them).
    """

    frame: object
    summary: pd.DataFrame
    national: dict
    statistics: dict
    framework: Framework
    scheme: Scheme
    period: int
    info: DatasetInfo
    seconds: float = 0.0
    _client: object = field(default=None, repr=False)

    def grade_counts(self) -> pd.Series:
        """Branches per grade in the whole country, best first."""
        return self.summary.sum().reindex(self.framework.grade_ids).astype(int)

    def by_partition(self) -> pd.DataFrame:
        """Branches per grade by partition (a township group: a county of generated data)."""
        return self.summary.groupby(level="partition").sum()

    def compute(self) -> pd.DataFrame:
        """All results as one pandas DataFrame (when it fits in memory), in partition order."""
        return self.frame.compute().reset_index(drop=True)

    def to_parquet(self, path) -> Path:
        """Write the results as a partitioned Parquet dataset: ``path/part.00000.parquet`` ...

        Each worker writes its partitions (on a real cluster ``path`` must be on
        storage every worker sees). The files go to a temporary folder next to
        ``path`` that replaces ``path`` only when every part is written.
        """
        return write_frame(self.frame, path, client=self._client)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.grade_counts().items())
        return (f"ScaleResult(period={self.period}, branches={self.national['branches']}, "
                f"partitions={self.info.partitions}, {counts})")


def resolve_arguments(path, framework, scheme, period) -> tuple[DatasetInfo, Framework, Scheme, int]:
    """The dataset's manifest, the framework and scheme to use, and the period (default: the latest year)."""
    info = read_manifest(path)
    if scheme is not None and framework is not None and scheme.framework != framework:
        raise ValueError("scheme was made for another framework than the one given; pass one of them "
                         "(a scheme carries its framework)")
    framework = scheme.framework if scheme is not None else (framework or Framework.default())
    scheme = scheme or Scheme(framework)
    if period is None:
        if not info.periods:
            raise ValueError(f"{path}: the manifest lists no year with records; pass period=")
        period = int(max(info.periods))
    elif info.periods and int(period) not in info.periods:
        raise ValueError(f"no records for period {period} in {path}; years with records: "
                         + ", ".join(map(str, info.periods)))
    return info, framework, scheme, int(period)


def score_dataset(path, framework: Framework | None = None, scheme: Scheme | None = None,
                  period: int | None = None, *, client=None, validate: bool = True, today=None,
                  progress: bool = False) -> ScaleResult:
    """Compute indicators and scores of every branch of a partitioned dataset on Dask.

    Parameters
    ----------
    path : folder of a partitioned dataset (see :mod:`workbench.scale.dataset`).
    framework, scheme : as for the pandas engine (default: the default framework
        and its scheme). A scheme carries its framework.
    period : assessment year (default: the latest year with records).
    client : a ``dask.distributed.Client``; default: the active client if any,
        else Dask's local scheduler (threads, or ``dask.config.set(scheduler=...)``).
    validate : run the loader's checks on each partition (default) or trust
        the stored Parquet types (datasets this package wrote).
    progress : show a progress bar (``distributed.progress`` on a cluster,
        ``dask.diagnostics.ProgressBar`` otherwise).

    Returns
    -------
    ScaleResult
        ``frame`` (Dask DataFrame, persisted), ``summary`` (grade counts by
        partition and township), ``grade_counts()``, ``to_parquet(path)``.

    Examples
    --------
    >>> import tempfile, workbench as wb
    >>> from workbench.scale import write_partitioned
    >>> folder = write_partitioned(wb.load("sample_data"), tempfile.mkdtemp(), partitions=3)
    >>> result = score_dataset(folder, period=2025)
    >>> int(result.grade_counts().sum()) == len(wb.load("sample_data").branches)
    True
    """
    started = time.perf_counter()
    info, framework, scheme, period = resolve_arguments(path, framework, scheme, period)
    graph = build_graph(info, framework, scheme, period, validate=validate, today=today)
    client = active_client(client)
    results = persist(client, [*graph.results, *graph.counts, graph.national, graph.statistics],
                   progress=progress)
    k = info.partitions
    persisted_results, persisted_counts = results[:k], results[k:2 * k]
    national, statistics, meta, *counts = compute(client, results[2 * k], results[2 * k + 1],
                                                   persisted_results[0], *persisted_counts)
    summary = pd.concat(counts).fillna(0).astype("int64")
    meta = meta.iloc[:0]
    import dask.dataframe as dd

    frame = dd.from_delayed(persisted_results, meta=meta, verify_meta=False)
    return ScaleResult(frame=frame, summary=summary, national=national, statistics=statistics,
                       framework=framework, scheme=scheme, period=int(period), info=info,
                       seconds=time.perf_counter() - started, _client=client)
