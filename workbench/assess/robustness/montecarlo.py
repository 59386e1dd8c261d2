"""Monte Carlo rank intervals and grade probabilities: :func:`monte_carlo` and its result.

:func:`monte_carlo` = :func:`~workbench.assess.robustness.samples.draw` (the
*sample* step) + :func:`evaluate` (score, rank and grade every draw with the
:class:`~workbench.assess.robustness.engine.Engine`, then summarise per branch:
the *analyze* step). :class:`RobustnessResult` keeps the summary, the draws and,
when they fit, the per-draw ranks and grades.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..._version import __version__
from ...data.core import BranchData
from ...files import write_excel
from ..labels import bilingual, both, column_label, method_sheet
from ..assessment import Assessment
from ..scoring import Scheme
from .engine import Engine, blas_limits, check_threads, default_threads, progress_bar
from .samples import Samples, draw

__all__ = ["RobustnessResult", "evaluate", "monte_carlo", "quantile_rows", "branch_quantiles",
           "summary_frame", "block_sums", "QUANTILES"]


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
            out = out.rename(columns=lambda c: column_label(self.scheme.framework, c, lang))
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
        sheets = {both("sheet_robustness"): bilingual(fw, results)}
        if sensitivity is not None:
            sheets[both("sheet_sensitivity")] = bilingual(fw, sensitivity)
        for loo in leave_one_out:
            level = loo["level"].iloc[0] if len(loo) else "indicator"
            sheets[both("sheet_loo_indicators" if level == "indicator" else "sheet_loo_dimensions")] = \
                bilingual(fw, loo)
        sheets[both("sheet_samples")] = bilingual(fw, self.parameters().reset_index())
        sheets[both("sheet_method")] = self._method_sheet()
        # formula-safe texts, widths to the content, header frozen
        return write_excel(Path(path), sheets)

    def _method_sheet(self) -> pd.DataFrame:
        st = self.settings
        return method_sheet([
            ("scheme", repr(self.scheme)),
            ("period", self.nominal.period),
            ("draws", len(self.samples)),
            ("seed", st["seed"]),
            ("spread", st["spread"]),
            ("distribution", st["distribution"]),
            ("varied", ", ".join(st["vary"])),
            ("normalizations", "; ".join(lbl for lbl, _ in self.samples.normalizations)),
            ("aggregations", "; ".join(lbl for lbl, _ in self.samples.aggregations)),
            ("threshold", f"P(nominal grade) < {self.threshold:g} → decided by weighting"),
            ("percentiles", "P5 / median / P95 of the rank over draws (inverted CDF)"),
            ("software", f"workbench {__version__}"),
            ("created", dt.datetime.now().isoformat(timespec="seconds")),
        ])

    def __repr__(self) -> str:
        s = self.summary
        undecided = int(s["decided_by_weighting"].fillna(False).astype(bool).sum())
        width = (s["rank_p95"] - s["rank_p5"]).astype("float64").median()
        return (f"RobustnessResult(draws={len(self.samples)}, branches={len(s)}, "
                f"median P5-P95 width={width:g} ranks, decided by weighting: {undecided})")


#: The rank percentiles of the summary: P5, median, P95.
QUANTILES = (0.05, 0.5, 0.95)
_SORT_BYTES = 8 * 2**20   # a chunk of branches whose draws are sorted at once


def quantile_rows(values: np.ndarray, qs: Sequence[float], *, threads: int = 1) -> list[np.ndarray]:
    """Inverted-CDF quantiles along axis 0 (the smallest value with F >= q), one array per ``q``.

    Equivalent to ``np.quantile(values, qs, axis=0, method="inverted_cdf")``,
    computed by sorting chunks of columns made contiguous (faster than a
    partition along axis 0: the SIMD sorts of numpy take a contiguous axis),
    on ``threads`` threads.

    >>> quantile_rows(np.array([[3, 1], [1, 2], [2, 9]]), (0.5, 1.0))[0].tolist()
    [2, 2]
    """
    return branch_quantiles(values.T, qs, threads=threads)


def branch_quantiles(by_branch: np.ndarray, qs: Sequence[float], *, threads: int = 1) -> list[np.ndarray]:
    """Inverted-CDF quantiles along axis 1 of ``by_branch`` (branches x draws), one array per ``q``."""
    n, s = by_branch.shape
    kth = [max(0, math.ceil(q * s - 1e-9) - 1) for q in qs]
    out = [np.empty(n, dtype=by_branch.dtype) for _ in qs]
    width = max(1, _SORT_BYTES // max(1, s * by_branch.itemsize))

    def chunk(a: int) -> None:
        part = np.array(by_branch[a:a + width], order="C")     # a copy: the caller's values stay as they are
        part.sort(axis=1)
        for values, k in zip(out, kth):
            values[a:a + width] = part[:, k]

    starts = range(0, n, width)
    if threads > 1 and len(starts) > 1:
        with ThreadPoolExecutor(min(threads, len(starts))) as pool:
            list(pool.map(chunk, starts))
    else:
        for a in starts:
            chunk(a)
    return out


def block_sums(nominal_rank: np.ndarray, n_grades: int):
    """The per-branch sums a block of draws adds: ``f(rows, ranks, codes, total) -> (counts, shift)``.

    ``counts`` (grades x branches) counts the draws in each grade; ``shift``
    sums ``|rank - nominal rank|``. Both are integers, so blocks may be added
    in any order (threads) and give the same result. ``nominal_rank``: 0 where
    a branch has no rank (its sums are not used).
    """
    nominal = np.asarray(nominal_rank, dtype=np.int64)

    def sums(rows, ranks, codes, total):
        counts = None
        if codes is not None:
            counts = np.stack([np.count_nonzero(codes == g, axis=0) for g in range(n_grades)])
        shift = np.abs(ranks.astype(np.int64) - nominal).sum(axis=0)
        return counts, shift
    return sums


def summary_frame(total: pd.Series, rank: pd.Series, grade: pd.Series, *, counts: np.ndarray, shift: np.ndarray,
                  quantiles: Sequence[np.ndarray], draws: int, grade_ids: Sequence[str], threshold: float
                  ) -> pd.DataFrame:
    """The per-branch summary of a Monte Carlo run, from its sums (one definition for every engine).

    ``total``, ``rank`` (Int64), ``grade`` (categories worst first): the nominal
    assessment; ``counts`` (grades x branches, in the categories' order),
    ``shift`` (sum of absolute rank changes) and the rank ``quantiles`` (P5,
    median, P95) over ``draws`` draws.
    """
    n = len(total)
    scored = rank.notna().to_numpy()
    summary = pd.DataFrame({"total": total, "rank": rank, "grade": grade}, index=total.index)
    for name, values in zip(("rank_p5", "rank_median", "rank_p95"), quantiles):
        summary[name] = pd.array(np.where(scored, values, 0).astype("int64"), dtype="Int64")
        summary.loc[~scored, name] = pd.NA
    summary["mean_abs_shift"] = np.where(scored, shift / draws, np.nan)
    categories = list(grade.cat.categories)
    for g in grade_ids:
        summary[f"p_{g}"] = np.where(scored, counts[categories.index(g)] / draws, np.nan)
    codes = grade.cat.codes.to_numpy()
    p_nominal = np.where(codes >= 0, counts[np.maximum(codes, 0), np.arange(n)] / draws, np.nan)
    summary["p_grade"] = p_nominal
    summary["decided_by_weighting"] = pd.array(np.where(codes >= 0, p_nominal < threshold, False),
                                               dtype="boolean")
    summary.loc[codes < 0, "decided_by_weighting"] = pd.NA
    summary.index.name = total.index.name
    return summary


def evaluate(scheme: Scheme, table: pd.DataFrame, samples: Samples, *, groups=None, threshold: float = 0.8,
             block_size: int | None = None, dtype: str = "float64", max_memory: int = 2**30,
             progress: bool | None = None, settings: dict | None = None,
             blas_threads: int | None = 1, threads: int | None = None) -> RobustnessResult:
    """Score, rank and grade every draw and summarise per branch (the *evaluate* and *analyze* steps).

    Parameters are those of :func:`monte_carlo` (``samples`` from :func:`draw`).
    """
    threads = check_threads(threads)
    if blas_threads is None:
        return _evaluate(scheme, table, samples, groups=groups, threshold=threshold, block_size=block_size,
                         dtype=dtype, max_memory=max_memory, progress=progress, settings=settings,
                         threads=threads)
    # The block products are moderate (branches x indicators by indicators x draws); several BLAS
    # threads spend more on contention than they gain, above all on a shared machine (bench_robustness).
    with blas_limits(blas_threads):
        return _evaluate(scheme, table, samples, groups=groups, threshold=threshold, block_size=block_size,
                         dtype=dtype, max_memory=max_memory, progress=progress, settings=settings,
                         threads=threads)


def _evaluate(scheme: Scheme, table: pd.DataFrame, samples: Samples, *, groups, threshold, block_size, dtype,
              max_memory, progress, settings, threads) -> RobustnessResult:
    if not 0.0 < float(threshold) <= 1.0:
        raise ValueError(f"threshold: expected a probability in (0, 1], got {threshold}")
    engine = Engine(scheme, table, groups=groups, dtype=dtype)
    nominal = engine.nominal
    fw = scheme.framework
    s, n = len(samples), engine.n
    size = engine.block_size(block_size)
    if threads is None:
        threads = default_threads(float(s) * n, -(-s // size))
    itemsize = np.dtype(engine.rank_dtype).itemsize
    keep = s * n * (itemsize + 1) <= max_memory
    width = n if keep else max(1, int(max_memory // (s * itemsize)))
    chunks = [slice(a, min(a + width, n)) for a in range(0, n, width)]
    nominal_rank = nominal.rank.to_numpy(dtype="int64", na_value=0)
    counts = np.zeros((engine.grades.n_grades, n), dtype=np.int64)
    shift = np.zeros(n, dtype=np.int64)
    # ranks are kept branches x draws: the percentiles sort each branch's draws, a contiguous row
    ranks_kept = np.zeros((n, s), dtype=engine.rank_dtype) if keep else None
    grades_kept = np.zeros((s, n), dtype=np.int8) if keep else None
    quantiles = [np.zeros(n, dtype=engine.rank_dtype) for _ in QUANTILES]
    sums = block_sums(nominal_rank, engine.grades.n_grades)
    bar = progress_bar(progress, s * len(chunks), float(s) * n * len(chunks), "Monte Carlo")
    try:
        for p, chunk in enumerate(chunks):
            store = ranks_kept if keep else np.zeros((chunk.stop - chunk.start, s), dtype=engine.rank_dtype)

            def each(rows, ranks, codes, total, first=p == 0, chunk=chunk, store=store):
                store[:, rows] = ranks[:, chunk].T          # rows of draws: disjoint between blocks
                if keep:
                    grades_kept[rows] = codes
                return sums(rows, ranks, codes, total) if first else None

            for _, out in engine.blocks(samples, size, grades=p == 0, bar=bar, threads=threads, each=each):
                if out is not None:
                    counts += out[0]
                    shift += out[1]
            for q, values in enumerate(branch_quantiles(store, QUANTILES, threads=threads)):
                quantiles[q][chunk] = values
    finally:
        if bar is not None:
            bar.close()
    engine.warn_floor()
    summary = summary_frame(nominal.total, nominal.rank, nominal.grade, counts=counts, shift=shift,
                            quantiles=quantiles, draws=s, grade_ids=fw.grade_ids, threshold=threshold)
    return RobustnessResult(summary=summary, samples=samples, scheme=scheme, nominal=nominal,
                            ranks=ranks_kept.T if keep else None, grades=grades_kept, threshold=float(threshold),
                            settings=dict(settings or {}, dtype=str(np.dtype(dtype)), block_size=size,
                                          passes=len(chunks), threads=threads))


def monte_carlo(scheme: Scheme, table: pd.DataFrame, n: int = 1000, seed=None, spread=0.2,
                vary=("weights",), *, distribution: str = "dirichlet", normalizations: Sequence | None = None,
                aggregations: Sequence | None = None, groups=None, threshold: float = 0.8,
                block_size: int | None = None, dtype: str = "float64", max_memory: int = 2**30,
                progress: bool | None = None, blas_threads: int | None = 1,
                threads: int | None = None) -> RobustnessResult:
    """Rank intervals and grade probabilities of every branch under uncertain weights (and methods).

    Draws ``n`` schemes around ``scheme`` (:func:`draw`), scores every branch
    under each (a block of draws is one matrix product of the effective
    weights; with missing values, a correction for the branches that lack
    values, from products over their columns only; geometric means in log
    space; mixed methods and TOPSIS by a product per dimension),
    ranks and grades every draw with the kernel :meth:`Scheme.score` runs as its
    one-draw case (:func:`~workbench.assess.kernel.rank_rows`: one sort per draw,
    ties share the smallest rank; :class:`~workbench.assess.kernel.Grading`:
    bands, veto caps, the strict quotas per draw) and summarises per branch.
    Blocks of draws run in parallel on ``threads`` threads.

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
        The precision of the totals. float64 (default) gives every draw the
        ranks and grades of ``scheme_for(i).score(table)``. float32 halves the
        memory of the products; its totals carry a relative rounding error of
        about 1e-7 times the number of indicators, so two totals closer than
        that (about 1e-5 points on a 100-point scale) may tie or swap, and a
        total within it of a grade's minimum may change band: ranks and grades
        then differ from ``Scheme.score`` for those branches in those draws.
        The order is otherwise exact (the rank kernel sorts float32 keys
        exactly). On the usual tables it saves little time (the sort, not the
        product, dominates): an option for very large runs short of memory.
    max_memory : int
        Bytes for the per-draw ranks (2 bytes per branch and draw below 65,535
        branches, else 4) and grades (1 byte) kept in the result. Beyond it
        they are not kept and the draws are evaluated again for each chunk of
        branches that fits, so the percentiles stay exact (time grows with the
        number of passes, memory stays bounded).
    progress : bool, optional
        A progress bar (tqdm in a terminal, an ipywidgets bar in a notebook);
        default: shown for long runs only.
    blas_threads : int or None
        Caps the BLAS threads during the run (default 1; ``None`` leaves the
        library's setting). With a pool of several threads, each holds BLAS to one.
    threads : int, optional
        Blocks of draws evaluated in parallel on this many threads (numpy
        releases the GIL in the products and sorts). Default: the cores this
        process may run on (its CPU affinity), and one thread for runs under
        2 x 10^6 draws x branches (a county's few hundred draws take
        milliseconds). The result does not depend on it.

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
                    blas_threads=blas_threads, threads=threads)
