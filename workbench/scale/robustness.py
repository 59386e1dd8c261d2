"""Monte Carlo robustness of a national assessment, by blocks of branches on the cluster.

``wb.monte_carlo`` scores, ranks and grades every draw of weights on one
table in memory: draws x branches numbers, 36 GB for 1,000 draws of 4.5
million branches. Here every partition is a block of branches that scores its
own branches under all draws (the robustness engine of
:mod:`workbench.assess.robustness`, the same draws everywhere), and ranks and grades
are taken against the *national* distribution of each draw's scores, which the
blocks build together without ever gathering the draws x branches matrix:

1. range: each block sends the min and max of its totals per draw; merged.
2. distribution: each block sends a histogram of its totals per draw on
   ``bins`` equal-width bins over the national range (and one of the holders
   of the best quota grade when the framework has a quota); summed in a tree.
3. quota: a quota rule cuts the national order of its grade's holders at the
   ``limit + 1``-th highest total (the strict rule of :class:`~workbench.assess.kernel.Grading`).
   The holders' histogram gives the bin of that total; the blocks send the
   holders' totals in that one bin, which gives the cut exactly. Rules are
   taken best grade first, each counting the grades the previous cuts left
   (the kernel's cascade; a further rule costs a further histogram pass).
4. summary: each block grades its branches under every draw (bands and vetoes
   by :meth:`Grading.capped_bands <workbench.assess.kernel.Grading.capped_bands>`,
   then the national cuts) and
   ranks them against the national histogram: rank = 1 + branches in higher
   bins + the others of the own bin in proportion to the distance to the bin's
   top. Grades are exact; a rank is exact when no other branch shares its bin
   and is otherwise off by less than the number of branches in that bin
   (``rank_error`` per branch: 1 in 10^4 to 10^5 of the country at the default
   2^14 bins). Then per branch: rank P5 / median / P95 over the draws, mean
   absolute rank change, probability of each grade, as ``wb.monte_carlo``.

Only weights vary (``vary`` of ``wb.monte_carlo`` without ``normalization`` or
``aggregation``): another normalization would need its own national
statistics, and TOPSIS totals compare with the national best and worst.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from dask import delayed

from ..assess.kernel import Grading, demote_at_or_below, share_limit
from ..assess.robustness import Engine, Samples, draw, quantile_rows
from .cluster import active_client, compute, persist, tree_reduce, write_frame
from .engine import build_graph, resolve_arguments

__all__ = ["robustness_dataset", "NationalRobustness"]

WEIGHT_TOKENS = ("weights", "dimension_weights", "indicator_weights")


# ======================================================== per block of branches

def _engine(block):
    """The robustness engine of one block (rebuilt per pass from the persisted indicator table)."""
    table, towns, scheme = block
    return Engine(scheme, table, groups=towns)


def _totals(engine, samples: Samples) -> np.ndarray:
    """Totals of every draw for the block's branches (draws x branches)."""
    plan = engine.plan(samples, 0, 0)
    within, dims = samples.indicator_weights, samples.dimension_weights
    fixed = bool((within == within[0]).all())
    size = engine.block_size(None)
    out = np.empty((len(samples), engine.n))
    for a in range(0, len(samples), size):
        out[a:a + size] = engine.totals(plan, within[a:a + size], dims[a:a + size], fixed)
    return out


def _codes(engine, total: np.ndarray, cuts: list) -> np.ndarray:
    """Grade codes of every draw: bands and vetoes (the kernel's), then the national quota cuts found so far.

    ``cuts[r]`` is, per draw, the total of the first holder the ``r``-th quota
    rule leaves out nationally; holders at or below it fall one grade (the
    kernel's strict rule), and the next rule counts the grades after that.
    """
    grading = engine.grades
    codes = grading.capped_bands(total)
    for quota, cut in zip(grading.quotas, cuts):
        demote_at_or_below(codes, total, quota.code, cut, codes == quota.code)
    return codes


def _bin_of(total: np.ndarray, lo: np.ndarray, hi: np.ndarray, bins: int) -> np.ndarray:
    """Bin of every total on its draw's national grid (-1 where the total is missing)."""
    width = (hi - lo) / bins
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.floor((total - lo[:, None]) / np.where(width > 0, width, 1.0)[:, None])
    k = np.clip(np.nan_to_num(k, nan=-1.0), -1, bins - 1).astype(np.int64)
    return np.where(np.isnan(total), -1, np.maximum(k, 0))


def _histogram(k: np.ndarray, bins: int, mask: np.ndarray | None = None) -> np.ndarray:
    s = k.shape[0]
    ok = k >= 0 if mask is None else (k >= 0) & mask
    flat = (np.arange(s)[:, None] * bins + k)[ok]
    return np.bincount(flat, minlength=s * bins).reshape(s, bins).astype(np.uint32)


def _block_range(block, samples):
    t = _totals(_engine(block), samples)
    ok = ~np.isnan(t)
    return (np.where(ok, t, np.inf).min(axis=1), np.where(ok, t, -np.inf).max(axis=1), ok.sum(axis=1))


def _merge_ranges(*parts):
    return (np.minimum.reduce([p[0] for p in parts]), np.maximum.reduce([p[1] for p in parts]),
            sum(p[2] for p in parts))


def _block_histograms(block, samples, ranges, bins, code):
    """Histograms of the block's totals per draw, and of the holders of grade ``code`` before any quota."""
    engine = _engine(block)
    t = _totals(engine, samples)
    k = _bin_of(t, ranges[0], ranges[1], bins)
    holders = None if code is None else _histogram(k, bins, _codes(engine, t, []) == code)
    return _histogram(k, bins), holders


def _sum_histograms(*parts):
    hist = sum(p[0].astype(np.int64) for p in parts)
    holders = None if parts[0][1] is None else sum(p[1].astype(np.int64) for p in parts)
    return hist, holders


def _block_holders(block, samples, ranges, bins, cuts, code):
    """Histogram of the holders of grade ``code`` after the quota cuts of the better grades."""
    engine = _engine(block)
    t = _totals(engine, samples)
    return _histogram(_bin_of(t, ranges[0], ranges[1], bins), bins, _codes(engine, t, cuts) == code)


def _sum_holders(*parts):
    return sum(p.astype(np.int64) for p in parts)


def _block_cut_values(block, samples, ranges, bins, cuts, code, draws, kstar):
    engine = _engine(block)
    t = _totals(engine, samples)[draws]
    k = _bin_of(t, ranges[0][draws], ranges[1][draws], bins)
    codes = _codes(engine, t, [c[draws] for c in cuts])
    return [row[(c == code) & (kk == ks)] for row, c, kk, ks in zip(t, codes, k, kstar)]


def _block_summary(block, samples, ranges, histograms, cuts, bins, framework, nominal: pd.DataFrame,
                   threshold: float) -> pd.DataFrame:
    engine = _engine(block)
    t = _totals(engine, samples)
    s, n = t.shape
    codes = _codes(engine, t, cuts)
    hist = histograms[0]
    lo, hi = ranges[0], ranges[1]
    k = _bin_of(t, lo, hi, bins)
    kk = np.maximum(k, 0)
    above = np.take_along_axis(hist[:, ::-1].cumsum(axis=1)[:, ::-1] - hist, kk, axis=1)
    same = np.take_along_axis(hist, kk, axis=1)
    width = ((hi - lo) / bins)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip((lo[:, None] + (kk + 1) * width - t) / np.where(width > 0, width, 1.0), 0.0, 1.0)
    frac = np.where(width > 0, frac, 0.0)
    missing = k < 0
    ranks = np.rint(1 + above + (same - 1) * frac).astype(np.int64)
    ranks[missing] = 0
    error = np.where(missing, 0, same - 1).max(axis=0)

    categories = list(reversed(framework.grade_ids))
    nominal_rank = nominal["rank"].to_numpy(dtype="float64", na_value=np.nan)
    scored = ~np.isnan(nominal_rank)
    quantiles = quantile_rows(ranks, (0.05, 0.5, 0.95))
    out = pd.DataFrame({"branch_id": nominal["branch_id"].to_numpy(), "total": nominal["total"].to_numpy(),
                        "rank": nominal["rank"].array, "grade": nominal["grade"].to_numpy()})
    for name, values in zip(("rank_p5", "rank_median", "rank_p95"), quantiles):
        out[name] = pd.array(np.where(scored, values, 0), dtype="Int64")
        out.loc[~scored, name] = pd.NA
    with np.errstate(invalid="ignore"):
        shift = np.where(missing, 0.0, np.abs(ranks - nominal_rank)).sum(axis=0)
    out["mean_abs_shift"] = np.where(scored, shift / s, np.nan)
    counts = {g: (codes == categories.index(g)).sum(axis=0) for g in framework.grade_ids}
    for g in framework.grade_ids:
        out[f"p_{g}"] = np.where(scored, counts[g] / s, np.nan)
    nominal_code = nominal["grade"].map({g: i for i, g in enumerate(categories)}).to_numpy(dtype="float64")
    has = ~np.isnan(nominal_code)
    p_nominal = np.full(n, np.nan)
    for g in framework.grade_ids:
        here = has & (nominal_code == categories.index(g))
        p_nominal[here] = counts[g][here] / s
    out["p_grade"] = p_nominal
    out["decided_by_weighting"] = pd.array(np.where(has, p_nominal < threshold, False), dtype="boolean")
    out.loc[~has, "decided_by_weighting"] = pd.NA
    out["rank_error"] = pd.array(np.where(scored, error, 0), dtype="Int64")
    return out


# ============================================================== national plan

def _quota_plan(holders, ranges, share):
    """Per draw: which need a cut, and the bin and the position in it of the cut."""
    n_ok = ranges[2]
    limit = share_limit(share, n_ok)
    held = holders.sum(axis=1)
    cut = np.full(len(n_ok), -np.inf)             # no demotion
    over = held > limit
    cut[over & (limit == 0)] = np.inf             # a quota of none: every holder goes down
    draws = np.flatnonzero(over & (limit > 0))
    from_top = holders[draws, ::-1].cumsum(axis=1)
    first = np.argmax(from_top >= (limit[draws] + 1)[:, None], axis=1)
    kstar = holders.shape[1] - 1 - first
    above = from_top[np.arange(len(draws)), first] - holders[draws, kstar]
    position = limit[draws] + 1 - above           # 1 = the highest holder total in the bin
    return cut, draws, kstar, position


def _cuts(cut, draws, position, values_per_block):
    cut = cut.copy()
    for j, s in enumerate(draws):
        values = np.sort(np.concatenate([block[j] for block in values_per_block]))[::-1]
        cut[s] = values[position[j] - 1]
    return cut


# ==================================================================== result

@dataclass
class NationalRobustness:
    """Rank intervals and grade probabilities of every branch of a country.

    ``summary`` (Dask DataFrame, one partition per dataset partition) has the
    columns of ``wb.monte_carlo(...).summary`` (branch_id first) plus
    ``rank_error``: the most the national ranks of that branch may be off
    (branches sharing its histogram bin in some draw; 0 = exact).
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
        return (f"NationalRobustness(draws={len(self.samples)}, period={self.period}, "
                f"bins={self.settings['bins']}, max rank_error={self.settings['max_rank_error']})")


def robustness_dataset(path, scheme=None, n: int = 1000, seed=None, spread=0.2, vary=("weights",), *,
                       framework=None, period: int | None = None, distribution: str = "dirichlet",
                       threshold: float = 0.8, bins: int = 2**14, client=None, validate: bool = True,
                       today=None, progress: bool = False) -> NationalRobustness:
    """``wb.monte_carlo`` over a partitioned country: each partition a block of branches on the cluster.

    Parameters are those of :func:`workbench.monte_carlo` (the same draws for
    the same seed) and of :func:`workbench.scale.score_dataset`; ``bins`` sets
    the resolution of the national score distribution per draw (memory per
    block: draws x bins x 4 bytes).

    Examples
    --------
    >>> import tempfile, workbench as wb
    >>> from workbench.scale import write_partitioned
    >>> folder = write_partitioned(wb.load("sample_data"), tempfile.mkdtemp(), partitions=2)
    >>> mc = robustness_dataset(folder, n=50, seed=0)
    >>> row = mc.compute().iloc[0]
    >>> bool(row["rank_p5"] <= row["rank_p95"]) and abs(row[[c for c in row.index if c.startswith("p_")
    ...                                                      and c != "p_grade"]].sum() - 1) < 1e-9
    True
    """
    started = time.perf_counter()
    tokens = (vary,) if isinstance(vary, str) else tuple(vary)
    if not tokens or any(t not in WEIGHT_TOKENS for t in tokens):
        raise ValueError(f"vary: at national scale only weights vary ({', '.join(WEIGHT_TOKENS)}), got "
                         f"{list(tokens)}; alternative normalizations would need their own national "
                         "statistics: run them as separate schemes")
    if int(bins) < 2:
        raise ValueError(f"bins: expected at least 2, got {bins}")
    bins = int(bins)
    info, fw, scheme, period = resolve_arguments(path, framework, scheme, period)
    if any(rule.scope is not None for rule in fw.quota_rules):
        raise ValueError("quota rules scoped to a group of branches are not supported at national scale yet; "
                         "score each group as its own dataset")
    if scheme.aggregation.dimensions == "topsis":
        raise ValueError("TOPSIS totals compare each branch with the national best and worst of every "
                         "draw; the national Monte Carlo supports arithmetic and geometric aggregation")
    samples = draw(scheme, n, seed, spread, tokens, distribution=distribution)
    graph = build_graph(info, fw, scheme, period, validate=validate, today=today)
    # blocks keep their indicator tables in the cluster's memory (8 bytes per branch and indicator);
    # each pass rebuilds the block's engine from them (a few ms), which takes far less memory than keeping it
    blocks = [delayed(tuple, pure=True)([t, g, graph.scoring]) for t, g in zip(graph.tables, graph.towns)]
    k = info.partitions
    client = active_client(client)
    persisted = persist(client, [*blocks, *graph.results], progress=progress)
    engines, results = persisted[:k], persisted[k:]
    token = uuid.uuid4().hex[:8]
    sd = delayed(samples, name=f"samples-{token}", traverse=False)
    # the quota rules, resolved best grade first as the kernel applies them
    quotas = Grading(fw, pd.DataFrame(index=pd.RangeIndex(0))).quotas

    ranges = tree_reduce(_merge_ranges, [delayed(_block_range, pure=True)(e, sd) for e in engines])
    ranges, = persist(client, [ranges], progress=False)
    first = quotas[0].code if quotas else None
    hists = tree_reduce(_sum_histograms, [delayed(_block_histograms, pure=True)(e, sd, ranges, bins, first)
                                    for e in engines])
    hists, = persist(client, [hists], progress=False)
    # a cascade: each rule cuts the national order of its grade's holders after the cuts of the better grades
    cuts: list = []
    for r, quota in enumerate(quotas):
        holders = hists[1] if r == 0 else tree_reduce(_sum_holders, [
            delayed(_block_holders, pure=True)(e, sd, ranges, bins, cuts, quota.code) for e in engines])
        cut, draws, kstar, position = compute(client, delayed(_quota_plan)(holders, ranges, quota.share))[0]
        if len(draws):
            values = [delayed(_block_cut_values, pure=True)(e, sd, ranges, bins, cuts, quota.code, draws, kstar)
                      for e in engines]
            cut = compute(client, delayed(_cuts)(cut, draws, position, values))[0]
        cuts.append(cut)
    summaries = [delayed(_block_summary, pure=True)(e, sd, ranges, hists, cuts, bins, fw, r, threshold)
                 for e, r in zip(engines, results)]
    summaries = persist(client, summaries, progress=progress)
    first, max_error = compute(client, summaries[0], delayed(_max_error)(summaries))
    import dask.dataframe as dd

    frame = dd.from_delayed(summaries, meta=first.iloc[:0], verify_meta=False)
    settings = {"n": n, "seed": seed, "spread": spread, "distribution": distribution, "vary": list(tokens),
                "bins": bins, "max_rank_error": int(max_error), "threshold": threshold}
    return NationalRobustness(summary=frame, samples=samples, scheme=scheme, period=period, settings=settings,
                              seconds=time.perf_counter() - started, _client=client)


def _max_error(summaries) -> int:
    return max(int(s["rank_error"].max(skipna=True) or 0) if len(s) else 0 for s in summaries)

