"""Monte Carlo robustness of a national assessment on the cluster, with exact national ranks.

``wb.monte_carlo`` scores, ranks and grades every draw of weights on one table
in memory: draws x branches ranks, 18 GB for 1,000 draws of 4.5 million
branches. A rank is a position in the *national* order of a draw, and a quota
cuts that order, so this module splits the work by draws, where the in-memory
engine splits it by blocks of draws too:

1. blocks: every partition's normalized indicators (with the national
   statistics of :mod:`workbench.scale.engine`) become a
   :class:`~workbench.assess.robustness.engine.Plan`, the matrices the
   robustness engine multiplies (8 bytes per branch and indicator), and the
   national :class:`~workbench.assess.kernel.Grading` (bands, vetoes, quota
   rules) is built once from every partition's veto flags. Both stay in the
   cluster's memory.
2. draws: a task takes a few draws, computes the totals of every branch of the
   country under them from all the plans (one product per partition; the
   products are padded so that a total has the same bits as in one table),
   ranks and grades them with the kernel that ``wb.monte_carlo`` and
   ``Scheme.score`` run (:func:`~workbench.assess.kernel.rank_rows`,
   :meth:`Grading.grade <workbench.assess.kernel.Grading.grade>`: the strict
   quota cascade on the national order) and cuts the ranks and grades into
   pieces, one per group of partitions.
3. summaries: each group of partitions gathers its pieces from every draw task
   (the only exchange between tasks: 5 bytes per branch and draw) and
   summarises them with the functions of ``wb.monte_carlo``: rank P5 / median
   / P95, mean absolute rank change, probability of each grade.

The result is therefore the in-memory one, exactly: the same draws for the same
seed, the same ranks and grades in every draw (the test suite compares the two
on partitioned data). Earlier versions ranked each branch against a histogram of
the national totals and reported a ``rank_error`` (up to 362 ranks on 10^6
branches: the branches sharing its histogram bin); there is no such error now.

Cost: every draw task reads every plan (a worker keeps them: 240 MB per 10^6
branches with 30 indicators, twice that with missing values) and sorts the
national totals of its draws (about 0.1 s per draw per 10^6 branches on one
core); the pieces moved are 5 bytes per branch and draw.

Only weights vary (``vary`` of ``wb.monte_carlo`` without ``normalization`` or
``aggregation``): another normalization would need its own national
statistics, and TOPSIS totals compare with the national best and worst.
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

from ..assess.kernel import Grading, rank_rows
from ..assess.robustness import Samples, draw
from ..assess.robustness.engine import make_plan
from ..assess.robustness.montecarlo import QUANTILES, block_sums, branch_quantiles, summary_frame
from .cluster import active_client, compute, persist, write_frame
from .engine import build_graph, resolve_arguments

__all__ = ["robustness_dataset", "NationalRobustness", "draws_per_task"]

WEIGHT_TOKENS = ("weights", "dimension_weights", "indicator_weights")
#: Totals a draw task holds at once (draws x branches); its peak is about 6 times this in 8-byte numbers.
TASK_CELLS = 2**22
#: Ranks and grades a group summary holds (branches x draws).
GROUP_CELLS = 2**24
#: Draw tasks a run makes at least (when there are that many draws), so that every worker has work.
MIN_TASKS = 16


def draws_per_task(n_branches: int, n_draws: int, cells: int = TASK_CELLS) -> int:
    """Draws per task: as many as keep ``draws x branches`` within ``cells``, and at least :data:`MIN_TASKS` tasks.

    >>> draws_per_task(10_000, 1000), draws_per_task(1_000_000, 1000), draws_per_task(5_000_000, 10)
    (63, 4, 1)
    """
    most = -(-n_draws // MIN_TASKS)
    return int(max(1, min(most, cells // max(1, n_branches))))


# ======================================================== per partition

def _block(table, towns, scoring):
    """A partition's plan (national statistics) and its veto flags."""
    fw = scoring.framework
    prepared = scoring.prepare(table, groups=towns)
    plan, _ = make_plan(prepared, scoring.aggregation.indicators, scoring.aggregation.dimensions,
                        scoring.indicator_weights.to_numpy() > 0, [len(d.indicators) for d in fw.dimensions])
    return plan, prepared.flags


def _size(block) -> int:
    return block[0].n


def _national_grading(framework, *blocks) -> Grading:
    """Bands, vetoes and quota rules for every branch of the country, in partition order."""
    return Grading(framework, pd.concat([b[1] for b in blocks]))


# ============================================================ per draw task

def _draw_task(samples: Samples, rows: np.ndarray, fixed: bool, grading: Grading, groups: list, *blocks
               ) -> list[tuple[np.ndarray, np.ndarray]]:
    """National totals, ranks and grades of draws ``rows``; cut into one (ranks, codes) piece per group."""
    within, dims = samples.indicator_weights[rows], samples.dimension_weights[rows]
    n = sum(b[0].n for b in blocks)
    total = np.empty((len(rows), n))
    start = 0
    for plan, _ in blocks:
        total[:, start:start + plan.n] = plan.totals(within, dims, fixed)[0]
        start += plan.n
    ranking = rank_rows(total, np.uint16 if n < np.iinfo(np.uint16).max else np.uint32)
    codes = grading.grade(total, ranking)
    return [(ranking.ranks[:, a:b].copy(), codes[:, a:b].copy()) for a, b in groups]


# ========================================================= per group summary

def _group_summary(draws: int, tasks: list, framework, threshold: float, *parts) -> pd.DataFrame:
    """The summary of one group of partitions from its piece of every draw task.

    ``tasks``: the draw indices of each task; ``parts``: the group's nominal
    results (one frame per partition) followed by its (ranks, codes) piece of each draw task.
    """
    k = len(parts) - len(tasks)
    nominal = pd.concat(parts[:k], ignore_index=True)
    pieces = parts[k:]
    n = len(nominal)
    rank = nominal["rank"].astype("Int64")
    grade_dtype = pd.CategoricalDtype(list(reversed(framework.grade_ids)), ordered=True)
    grade = pd.Series(pd.Categorical(nominal["grade"].to_numpy(), dtype=grade_dtype))
    n_grades = len(grade_dtype.categories)
    sums = block_sums(rank.to_numpy(dtype="int64", na_value=0), n_grades)
    counts = np.zeros((n_grades, n), dtype=np.int64)
    shift = np.zeros(n, dtype=np.int64)
    by_branch = np.empty((n, draws), dtype=pieces[0][0].dtype if pieces else np.uint32)
    for rows, (ranks, codes) in zip(tasks, pieces):
        by_branch[:, rows] = ranks.T
        c, s = sums(rows, ranks, codes, None)
        counts += c
        shift += s
    quantiles = branch_quantiles(by_branch, QUANTILES)
    index_ = pd.Index(nominal["branch_id"].to_numpy(), name="branch_id")
    total = pd.Series(nominal["total"].to_numpy(dtype="float64"), index=index_, name="total")
    summary = summary_frame(total, rank.set_axis(index_), grade.set_axis(index_), counts=counts, shift=shift,
                            quantiles=quantiles, draws=draws, grade_ids=framework.grade_ids,
                            threshold=threshold)
    return summary.reset_index()


def _groups(sizes: list[int], draws: int) -> list[list[int]]:
    """Consecutive partitions gathered into groups of about ``GROUP_CELLS / draws`` branches (at least one each)."""
    limit = max(1, GROUP_CELLS // max(1, draws))
    groups, current, held = [], [], 0
    for i, size in enumerate(sizes):
        if current and held + size > limit:
            groups.append(current)
            current, held = [], 0
        current.append(i)
        held += size
    if current:
        groups.append(current)
    return groups


# ==================================================================== result

@dataclass
class NationalRobustness:
    """Rank intervals and grade probabilities of every branch of a country.

    ``summary`` (Dask DataFrame, one partition per group of dataset
    partitions, in their order) has the columns of ``wb.monte_carlo(...).summary``
    with ``branch_id`` first: the same numbers ``wb.monte_carlo`` gives on the
    whole table (national ranks and grades are exact in every draw).
    """

    summary: object
    samples: Samples
    scheme: object
    period: int
    settings: dict
    seconds: float = 0.0
    _client: object = field(default=None, repr=False)

    def compute(self) -> pd.DataFrame:
        """The summary of every branch in pandas (when it fits), indexed by branch_id."""
        return self.summary.compute().set_index("branch_id")

    def parameters(self) -> pd.DataFrame:
        """One row per draw: weights (what ``wb.monte_carlo`` keeps to reproduce a draw)."""
        return self.samples.frame(self.scheme.framework)

    def scheme_for(self, i: int):
        return self.samples.scheme(self.scheme, i)

    def to_parquet(self, path) -> Path:
        """Write the summary as ``path/part.00000.parquet`` ... (replacing ``path``)."""
        return write_frame(self.summary, path, client=self._client)

    def __repr__(self) -> str:
        st = self.settings
        return (f"NationalRobustness(draws={len(self.samples)}, period={self.period}, "
                f"branches={st['branches']}, draw tasks={st['draw_tasks']}, exact national ranks)")


def robustness_dataset(path, scheme=None, n: int = 1000, seed=None, spread=0.2, vary=("weights",), *,
                       framework=None, period: int | None = None, distribution: str = "dirichlet",
                       threshold: float = 0.8, client=None, validate: bool = True, today=None,
                       progress: bool = False, task_cells: int = TASK_CELLS) -> NationalRobustness:
    """``wb.monte_carlo`` over a partitioned country, on the cluster, with the same (exact) results.

    Parameters are those of :func:`workbench.monte_carlo` (the same draws for
    the same seed) and of :func:`workbench.scale.score_dataset`.
    ``task_cells`` bounds the draws x branches one draw task holds (its memory
    is about 48 bytes per cell: 200 MB at the default; the draws per task are
    ``task_cells // branches``, at least one).

    Returns
    -------
    NationalRobustness
        ``summary`` (a Dask DataFrame), ``compute()``, ``to_parquet(path)``,
        ``settings`` (draws, branches, draw tasks, groups).

    Examples
    --------
    >>> import tempfile, workbench as wb
    >>> from workbench.scale import write_partitioned
    >>> folder = write_partitioned(wb.load("sample_data"), tempfile.mkdtemp(), partitions=2)
    >>> mc = robustness_dataset(folder, n=50, seed=0, period=2025)
    >>> table = wb.compute_indicators(wb.load("sample_data"), period=2025)
    >>> memory = wb.monte_carlo(wb.Scheme(wb.Framework.default()), table, n=50, seed=0, progress=False)
    >>> bool((mc.compute()["rank_p95"] == memory.summary["rank_p95"]).all())
    True
    """
    started = time.perf_counter()
    tokens = (vary,) if isinstance(vary, str) else tuple(vary)
    if not tokens or any(t not in WEIGHT_TOKENS for t in tokens):
        raise ValueError(f"vary: at national scale only weights vary ({', '.join(WEIGHT_TOKENS)}), got "
                         f"{list(tokens)}; alternative normalizations would need their own national "
                         "statistics: run them as separate schemes")
    if int(task_cells) < 1:
        raise ValueError(f"task_cells: expected a positive number of draws x branches, got {task_cells}")
    if not 0.0 < float(threshold) <= 1.0:
        raise ValueError(f"threshold: expected a probability in (0, 1], got {threshold}")
    info, fw, scheme, period = resolve_arguments(path, framework, scheme, period)
    if any(rule.scope is not None for rule in fw.quota_rules):
        raise ValueError("quota rules scoped to a group of branches are not supported at national scale yet; "
                         "score each group as its own dataset")
    if scheme.aggregation.dimensions == "topsis":
        raise ValueError("TOPSIS totals compare each branch with the national best and worst of every "
                         "draw; the national Monte Carlo supports arithmetic and geometric aggregation")
    samples = draw(scheme, n, seed, spread, tokens, distribution=distribution)
    graph = build_graph(info, fw, scheme, period, validate=validate, today=today)
    token = uuid.uuid4().hex[:8]
    blocks = [delayed(_block, pure=True)(t, g, graph.scoring, dask_key_name=f"mc-block-{token}-{i}")
              for i, (t, g) in enumerate(zip(graph.tables, graph.towns))]
    grading = delayed(_national_grading, pure=True)(fw, *blocks, dask_key_name=f"mc-grading-{token}")
    client = active_client(client)
    k = info.partitions
    persisted = persist(client, [*blocks, grading, *graph.results], progress=progress)
    blocks, grading, results = persisted[:k], persisted[k], persisted[k + 1:]
    sizes = [int(v) for v in compute(client, *[delayed(_size)(b) for b in blocks])]
    n_branches = sum(sizes)

    s = len(samples)
    per_task = draws_per_task(n_branches, s, int(task_cells))
    tasks = [np.arange(a, min(a + per_task, s)) for a in range(0, s, per_task)]
    within = samples.indicator_weights
    fixed = bool((within == within[0]).all())
    groups = _groups(sizes, s)
    edges = np.cumsum([0] + sizes)
    spans = [(int(edges[g[0]]), int(edges[g[-1] + 1])) for g in groups]
    sd = delayed(samples, name=f"samples-{token}", traverse=False)
    outputs = [delayed(_draw_task, pure=True)(sd, rows, fixed, grading, spans, *blocks,
                                              dask_key_name=f"mc-draws-{token}-{j}")
               for j, rows in enumerate(tasks)]
    # each group fetches only its own piece of every draw task's output
    summaries = [delayed(_group_summary, pure=True)(s, tasks, fw, float(threshold),
                                                    *[results[p] for p in group],
                                                    *[delayed(operator.getitem, pure=True)(out, i) for out in outputs],
                                                    dask_key_name=f"mc-summary-{token}-{i}")
                 for i, group in enumerate(groups)]
    summaries = persist(client, summaries, progress=progress)
    first, = compute(client, summaries[0])
    import dask.dataframe as dd

    frame = dd.from_delayed(summaries, meta=first.iloc[:0], verify_meta=False)
    settings = {"n": n, "seed": seed, "spread": spread, "distribution": distribution, "vary": list(tokens),
                "threshold": threshold, "branches": n_branches, "draws_per_task": per_task,
                "draw_tasks": len(tasks), "groups": len(groups)}
    return NationalRobustness(summary=frame, samples=samples, scheme=scheme, period=period, settings=settings,
                              seconds=time.perf_counter() - started, _client=client)
