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
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..._version import __version__
from ...data.core import BranchData
from ...files import atomic_path
from ..labels import bilingual, both, column_label, method_sheet
from ..assessment import Assessment
from ..scoring import Scheme
from .engine import Engine, progress_bar
from .samples import Samples, draw

__all__ = ["RobustnessResult", "evaluate", "monte_carlo", "quantile_rows"]


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
        path = Path(path)
        with atomic_path(path) as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                for name, frame in sheets.items():
                    frame.to_excel(writer, sheet_name=name[:31], index=False)
        return path

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


def quantile_rows(values: np.ndarray, qs: Sequence[float]) -> list[np.ndarray]:
    """Inverted-CDF quantiles along axis 0 (the smallest value with F >= q), via one partition."""
    s = values.shape[0]
    kth = [max(0, math.ceil(q * s - 1e-9) - 1) for q in qs]
    part = np.partition(values, sorted(set(kth)), axis=0)
    return [part[k] for k in kth]


def evaluate(scheme: Scheme, table: pd.DataFrame, samples: Samples, *, groups=None, threshold: float = 0.8,
             block_size: int | None = None, dtype: str = "float64", max_memory: int = 2**30,
             progress: bool | None = None, settings: dict | None = None,
             blas_threads: int | None = 1) -> RobustnessResult:
    """Score, rank and grade every draw and summarise per branch (the *evaluate* and *analyze* steps).

    Parameters are those of :func:`monte_carlo` (``samples`` from :func:`draw`).
    """
    if blas_threads is None:
        return _evaluate(scheme, table, samples, groups=groups, threshold=threshold, block_size=block_size,
                         dtype=dtype, max_memory=max_memory, progress=progress, settings=settings)
    # The block products are moderate (branches x indicators by indicators x draws); several BLAS
    # threads spend more on contention than they gain, above all on a shared machine (bench_robustness).
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        return _evaluate(scheme, table, samples, groups=groups, threshold=threshold, block_size=block_size,
                         dtype=dtype, max_memory=max_memory, progress=progress, settings=settings)


def _evaluate(scheme: Scheme, table: pd.DataFrame, samples: Samples, *, groups, threshold, block_size, dtype,
              max_memory, progress, settings) -> RobustnessResult:
    if not 0.0 < float(threshold) <= 1.0:
        raise ValueError(f"threshold: expected a probability in (0, 1], got {threshold}")
    engine = Engine(scheme, table, groups=groups, dtype=dtype)
    nominal = engine.nominal
    fw = scheme.framework
    s, n = len(samples), engine.n
    size = engine.block_size(block_size)
    itemsize = np.dtype(engine.rank_dtype).itemsize
    keep = s * n * (itemsize + 1) <= max_memory
    width = n if keep else max(1, int(max_memory // (s * itemsize)))
    chunks = [slice(a, min(a + width, n)) for a in range(0, n, width)]
    nominal_rank = nominal.rank.to_numpy(dtype="float64", na_value=np.nan)
    counts = np.zeros((engine.grades.n_grades, n), dtype=np.int64)
    shift = np.zeros(n)
    ranks_kept = np.zeros((s, n), dtype=engine.rank_dtype) if keep else None
    grades_kept = np.zeros((s, n), dtype=np.int8) if keep else None
    quantiles = np.zeros((3, n))
    bar = progress_bar(progress, s * len(chunks), float(s) * n * len(chunks), "Monte Carlo")
    try:
        for p, chunk in enumerate(chunks):
            store = ranks_kept if keep else np.zeros((s, chunk.stop - chunk.start), dtype=engine.rank_dtype)
            for rows, ranks, codes, _ in engine.blocks(samples, size, grades=p == 0, bar=bar):
                store[rows] = ranks[:, chunk]
                if p == 0:
                    for g in range(engine.grades.n_grades):
                        counts[g] += np.count_nonzero(codes == g, axis=0)
                    shift += np.abs(ranks - nominal_rank).sum(axis=0)
                    if keep:
                        grades_kept[rows] = codes
            for q, values in enumerate(quantile_rows(store, (0.05, 0.5, 0.95))):
                quantiles[q, chunk] = values
    finally:
        if bar is not None:
            bar.close()
    engine.warn_floor()

    scored = nominal.rank.notna().to_numpy()
    summary = pd.DataFrame({"total": nominal.total, "rank": nominal.rank, "grade": nominal.grade},
                           index=nominal.total.index)
    for name, values in zip(("rank_p5", "rank_median", "rank_p95"), quantiles):
        summary[name] = pd.array(np.where(scored, values, 0).astype("int64"), dtype="Int64")
        summary.loc[~scored, name] = pd.NA
    summary["mean_abs_shift"] = np.where(scored, shift / s, np.nan)
    categories = list(nominal.grade_dtype.categories)
    for grade in fw.grade_ids:
        summary[f"p_{grade}"] = np.where(scored, counts[categories.index(grade)] / s, np.nan)
    codes = nominal.grade.cat.codes.to_numpy()
    p_nominal = np.where(codes >= 0, counts[np.maximum(codes, 0), np.arange(n)] / s, np.nan)
    summary["p_grade"] = p_nominal
    summary["decided_by_weighting"] = pd.array(np.where(codes >= 0, p_nominal < threshold, False),
                                               dtype="boolean")
    summary.loc[codes < 0, "decided_by_weighting"] = pd.NA
    summary.index.name = nominal.total.index.name
    return RobustnessResult(summary=summary, samples=samples, scheme=scheme, nominal=nominal,
                            ranks=ranks_kept, grades=grades_kept, threshold=float(threshold),
                            settings=dict(settings or {}, dtype=str(np.dtype(dtype)), block_size=size,
                                          passes=len(chunks)))


def monte_carlo(scheme: Scheme, table: pd.DataFrame, n: int = 1000, seed=None, spread=0.2,
                vary=("weights",), *, distribution: str = "dirichlet", normalizations: Sequence | None = None,
                aggregations: Sequence | None = None, groups=None, threshold: float = 0.8,
                block_size: int | None = None, dtype: str = "float64", max_memory: int = 2**30,
                progress: bool | None = None, blas_threads: int | None = 1) -> RobustnessResult:
    """Rank intervals and grade probabilities of every branch under uncertain weights (and methods).

    ``blas_threads`` caps the BLAS threads during the run (``None`` leaves the library's default).

    Draws ``n`` schemes around ``scheme`` (:func:`draw`), scores every branch
    under each (a block of draws is one matrix product of the effective
    weights; with missing values, a correction for the branches that lack
    values, from products over their columns only; geometric means in log
    space; mixed methods and TOPSIS by a product per dimension),
    ranks and grades every draw with the kernel :meth:`Scheme.score` runs as its
    one-draw case (:func:`~workbench.assess.kernel.rank_rows`: an ``argsort`` along
    an axis, ties share the smallest rank; :class:`~workbench.assess.kernel.Grading`:
    bands, veto caps, the strict quotas per draw) and summarises per branch.

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
        float32 halves memory and speeds up products and sorting; totals closer
        than about 1e-5 points may then tie or swap.
    max_memory : int
        Bytes for the per-draw ranks (2 bytes per branch and draw below 65,535
        branches, else 4) and grades (1 byte) kept in the result. Beyond it
        they are not kept and the draws are evaluated again for each chunk of
        branches that fits, so the percentiles stay exact (time grows with the
        number of passes, memory stays bounded).
    progress : bool, optional
        A progress bar (tqdm in a terminal, an ipywidgets bar in a notebook);
        default: shown for long runs only.

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
                    blas_threads=blas_threads)
