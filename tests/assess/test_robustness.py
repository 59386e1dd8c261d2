"""Robustness of rankings (issue 4): Monte Carlo draws, ranks, grades, Sobol indices, leave-one-out."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.assess.aggregate import GeometricZeroWarning
from workbench.cli import main
from workbench.assess.robustness import Engine, sobol_indices, draw, evaluate

FW = wb.Framework.default()
# the geometric alternatives floor zero scores (one warning per run); asserted once below
pytestmark = pytest.mark.filterwarnings("ignore::workbench.assess.aggregate.GeometricZeroWarning")


@pytest.fixture(scope="module")
def table(sample) -> pd.DataFrame:
    return wb.compute_indicators(sample, FW, period=2025)


@pytest.fixture(scope="module")
def scheme() -> wb.Scheme:
    return wb.Scheme(FW)


def small_framework(quota: float = 0.3) -> wb.Framework:
    """3 dimensions x 2-3 indicators (one lower-is-better), a veto, a quota."""
    sizes = [2, 3, 2]
    dims = []
    for d, size in enumerate(sizes):
        inds = [{"id": f"i{d}{k}", "zh": f"指标{d}{k}", "en": f"I{d}{k}", "weight": 1 + k,
                 "direction": "lower" if (d, k) == (1, 2) else "higher",
                 "normalization": {"method": "minmax"}} for k in range(size)]
        dims.append({"id": f"d{d}", "zh": f"维度{d}", "en": f"D{d}", "weight": 1 + d, "indicators": inds})
    return wb.Framework.model_validate({
        "name": "small", "dimensions": dims,
        "flags": [{"id": "flag", "zh": "否决", "en": "flag"}],
        "grades": [{"id": "strong", "zh": "三强", "en": "Strong", "min": 70},
                   {"id": "standardized", "zh": "规范", "en": "Standardized", "min": 50},
                   {"id": "basic", "zh": "基本", "en": "Basic", "min": 30},
                   {"id": "weak", "zh": "软弱涣散", "en": "Weak", "min": 0}],
        "vetoes": [{"id": "v", "zh": "否决", "en": "veto", "column": "flag", "op": ">=", "value": 1, "cap": "basic"}],
        "quota": {"grade": "strong", "max_share": quota},
    })


def random_table(fw: wb.Framework, n: int, seed: int, missing: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    quality = rng.beta(3, 2, size=(n, 1))
    values = quality * 100 + rng.normal(0, 15, size=(n, len(fw.indicator_ids)))
    values[rng.random(values.shape) < missing] = np.nan
    out = pd.DataFrame(values, columns=fw.indicator_ids,
                       index=pd.Index([f"B{i:03d}" for i in range(n)], name="branch_id"))
    out["flag"] = (rng.random(n) < 0.1).astype(float)
    return out


def score_loop(result, table, groups=None):
    """The slow reference: Scheme.score once per draw (ranks with 0 for no total, grade codes)."""
    ranks, codes = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(len(result.samples)):
            a = result.scheme_for(i).score(table, groups=groups)
            ranks.append(a.rank.to_numpy(dtype="float64", na_value=0))
            codes.append(a.grade.cat.codes.to_numpy())
    return np.array(ranks), np.array(codes)


# ------------------------------------------------------------------ Monte Carlo

def test_zero_spread_collapses_every_interval_to_the_nominal_rank(scheme, table):
    mc = wb.monte_carlo(scheme, table, n=40, seed=0, spread=0, progress=False)
    s = mc.summary
    for col in ("rank_p5", "rank_median", "rank_p95"):
        assert (s[col] == s["rank"]).all(), col
    assert (s["p_grade"] == 1).all()
    assert (s["mean_abs_shift"] == 0).all()
    assert not s["decided_by_weighting"].any()
    assert (mc.ranks == s["rank"].to_numpy(dtype="int64")).all()


def test_spread_widens_intervals_around_the_nominal_rank(scheme, table):
    mc = wb.monte_carlo(scheme, table, n=200, seed=1, spread=0.3, progress=False)
    s = mc.summary
    assert ((s["rank_p5"] <= s["rank_median"]) & (s["rank_median"] <= s["rank_p95"])).all()
    assert (s["rank_p95"] - s["rank_p5"]).max() > 5
    probs = s[[f"p_{g}" for g in FW.grade_ids]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert s["decided_by_weighting"].equals((s["p_grade"] < 0.8).astype("boolean"))
    # the percentiles are the inverted-CDF ones of the kept ranks
    ranks = mc.ranks.astype("int64")
    expected = np.quantile(ranks, [0.05, 0.5, 0.95], axis=0, method="inverted_cdf")
    np.testing.assert_array_equal(s[["rank_p5", "rank_median", "rank_p95"]].to_numpy("int64"), expected.T)


def test_same_seed_same_result_and_generators_accepted(scheme, table):
    kwargs = dict(n=60, spread=0.3, vary=("weights", "aggregation"), progress=False)
    a = wb.monte_carlo(scheme, table, seed=7, **kwargs)
    b = wb.monte_carlo(scheme, table, seed=7, **kwargs)
    c = wb.monte_carlo(scheme, table, seed=np.random.default_rng(7), **kwargs)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.samples.dimension_weights, c.samples.dimension_weights)
    d = wb.monte_carlo(scheme, table, seed=8, **kwargs)
    assert not np.array_equal(a.samples.dimension_weights, d.samples.dimension_weights)
    with pytest.raises(TypeError, match="seed"):
        wb.monte_carlo(scheme, table, seed="7", **kwargs)


def test_scheme_for_reproduces_draws_exactly(scheme, table):
    mc = wb.monte_carlo(scheme, table, n=30, seed=3, spread=0.5,
                        vary=("weights", "normalization", "aggregation"), progress=False)
    assert len(set(mc.samples.aggregation)) > 1 and len(set(mc.samples.normalization)) > 1
    ranks, codes = score_loop(mc, table)
    np.testing.assert_array_equal(mc.ranks, ranks)
    np.testing.assert_array_equal(mc.grades, codes)
    params = mc.parameters()
    assert params.shape[0] == 30 and {"normalization", "aggregation"} <= set(params.columns)
    np.testing.assert_allclose(params[FW.dimension_ids].sum(axis=1), 1.0)


def test_impute_township_draws_match_score(sample, table):
    scheme = wb.Scheme(FW).with_missing("impute_township")
    mc = wb.monte_carlo(scheme, table, n=15, seed=4, spread=0.4, groups=sample, progress=False)
    ranks, codes = score_loop(mc, table, groups=sample)
    np.testing.assert_array_equal(mc.ranks, ranks)
    np.testing.assert_array_equal(mc.grades, codes)


def test_a_branch_dominating_every_indicator_ranks_first_in_every_draw(scheme, table):
    complete = table.fillna(table.median())
    best = {i.id: complete[i.id].max() if i.direction == "higher" else complete[i.id].min() for i in FW.indicators}
    complete.loc["B00150", list(best)] = pd.Series(best)
    mc = wb.monte_carlo(scheme, complete, n=120, seed=5, spread=1.0,
                        vary=("weights", "normalization", "aggregation"), progress=False)
    position = complete.index.get_loc("B00150")
    assert (mc.ranks[:, position] == 1).all()
    assert mc.summary.loc["B00150", "rank_p95"] == 1


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(3, 40), missing=st.sampled_from([0.0, 0.2]),
       vary=st.sampled_from([("weights",), ("indicator_weights",), ("dimension_weights", "aggregation"),
                             ("weights", "normalization", "aggregation")]),
       distribution=st.sampled_from(["dirichlet", "uniform"]), dtype=st.sampled_from(["float64"]),
       threads=st.sampled_from([1, 3]))
def test_vectorised_draws_equal_a_score_loop(seed, n, missing, vary, distribution, dtype, threads):
    fw = small_framework()
    table = random_table(fw, n, seed, missing)
    mc = wb.monte_carlo(wb.Scheme(fw), table, n=12, seed=seed, spread=0.6, vary=vary,
                        distribution=distribution, block_size=5, dtype=dtype, progress=False, threads=threads)
    ranks, codes = score_loop(mc, table)
    np.testing.assert_array_equal(mc.ranks, ranks)
    np.testing.assert_array_equal(mc.grades, codes)


def test_threads_give_the_same_result(scheme, table):
    kwargs = dict(n=90, seed=5, spread=0.4, vary=("weights", "aggregation"), block_size=7, progress=False)
    one = wb.monte_carlo(scheme, table, threads=1, **kwargs)
    three = wb.monte_carlo(scheme, table, threads=3, **kwargs)
    assert one.settings["threads"] == 1 and three.settings["threads"] == 3
    pd.testing.assert_frame_equal(one.summary, three.summary)
    np.testing.assert_array_equal(one.ranks, three.ranks)
    np.testing.assert_array_equal(one.grades, three.grades)
    chunked = wb.monte_carlo(scheme, table, threads=2, max_memory=90 * 2 * 70, **kwargs)
    assert chunked.settings["passes"] > 1
    pd.testing.assert_frame_equal(one.summary, chunked.summary)
    with pytest.raises(ValueError, match="threads"):
        wb.monte_carlo(scheme, table, n=5, threads=0, progress=False)


def test_threads_default_to_one_for_a_county_and_to_the_cores_for_a_large_run(scheme, table, monkeypatch):
    from workbench.assess.robustness import engine

    assert wb.monte_carlo(scheme, table, n=300, seed=0, progress=False).settings["threads"] == 1
    monkeypatch.setattr(engine, "THREAD_MIN_CELLS", 1000)     # as if the county were a province
    cores = len(os.sched_getaffinity(0))
    mc = wb.monte_carlo(scheme, table, n=300, seed=0, block_size=50, progress=False)
    assert mc.settings["threads"] == min(cores, 6)


def test_identical_branches_tie_in_every_draw_wherever_they_sit():
    """Padded products: a total's bits do not depend on its column (BLAS edge kernels round otherwise)."""
    fw = small_framework()
    table = random_table(fw, 997, 3, 0.1)
    table.iloc[-1] = table.iloc[0].to_numpy()       # the last column is where an edge kernel would run
    mc = wb.monte_carlo(wb.Scheme(fw), table, n=100, seed=1, spread=0.5, progress=False)
    np.testing.assert_array_equal(mc.ranks[:, 0], mc.ranks[:, -1])
    np.testing.assert_array_equal(mc.grades[:, 0], mc.grades[:, -1])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(5, 400), missing=st.sampled_from([0.0, 0.2]),
       vary=st.sampled_from([("weights",), ("weights", "aggregation")]))
def test_float32_differs_from_float64_only_where_totals_are_within_its_rounding(seed, n, missing, vary):
    """float32 totals carry a relative error below (k + 2) * 2**-24 (k indicators): ranks and grades may then
    differ from float64 (= Scheme.score) only for a branch whose float64 total is that close to another
    branch's total or to a grade minimum (a quota cut is another branch's total)."""
    fw = small_framework()
    table = random_table(fw, n, seed, missing)
    scheme = wb.Scheme(fw)
    samples = draw(scheme, 40, seed=seed, spread=0.6, vary=vary)
    a = evaluate(scheme, table, samples, dtype="float64", progress=False)
    b = evaluate(scheme, table, samples, dtype="float32", progress=False)
    engine = Engine(scheme, table)
    totals = np.empty((len(samples), n))
    for rows, _, _, total in engine.blocks(samples, 8, grades=False):
        totals[rows] = total
    k = len(fw.indicator_ids)
    delta = 4 * (k + 2) * 2.0**-24 * np.nanmax(np.abs(totals))
    minimums = np.array([g.min for g in fw.grades if g.min is not None])
    for i, j in zip(*np.nonzero((a.ranks != b.ranks) | (a.grades != b.grades))):
        t = totals[i, j]
        others = np.delete(totals[i], j)
        assert np.nanmin(np.abs(others - t)) <= delta or np.min(np.abs(minimums - t)) <= delta, (i, j)


def test_draws_keep_zero_weights_and_sum_to_one_per_level():
    scheme = wb.Scheme(FW).with_weights({"red": 0.0, "satisfaction": 0.0})
    for distribution in ("dirichlet", "uniform"):
        s = draw(scheme, 200, seed=0, spread=0.8, distribution=distribution)
        dims = pd.DataFrame(s.dimension_weights, columns=FW.dimension_ids)
        within = pd.DataFrame(s.indicator_weights, columns=FW.indicator_ids)
        assert (dims["red"] == 0).all() and (within["satisfaction"] == 0).all()
        np.testing.assert_allclose(dims.sum(axis=1), 1.0)
        for dim in FW.dimensions:
            np.testing.assert_allclose(within[[i.id for i in dim.indicators]].sum(axis=1), 1.0)
        assert (dims.drop(columns="red") > 0).all().all()
        # the nominal weights are the mean (Dirichlet) or close to it (uniform, renormalized)
        np.testing.assert_allclose(dims.mean(), scheme.dimension_weights, atol=0.02)


def test_dirichlet_spread_sets_the_relative_sd_of_an_average_weight():
    fw = small_framework()
    scheme = wb.Scheme(fw).with_weights({"d0": 1, "d1": 1, "d2": 1})
    s = draw(scheme, 20_000, seed=1, spread=0.3, vary="dimension_weights")
    rel_sd = s.dimension_weights.std(axis=0) / s.dimension_weights.mean(axis=0)
    np.testing.assert_allclose(rel_sd, 0.3 / np.sqrt(3), rtol=0.05)


def test_chunked_passes_give_the_same_percentiles_without_keeping_draws(scheme, table):
    kwargs = dict(n=80, seed=11, spread=0.4, progress=False)
    kept = wb.monte_carlo(scheme, table, **kwargs)
    chunked = wb.monte_carlo(scheme, table, max_memory=80 * 2 * 70, **kwargs)
    assert chunked.ranks is None and chunked.settings["passes"] > 1
    pd.testing.assert_frame_equal(kept.summary, chunked.summary)
    with pytest.raises(ValueError, match="max_memory"):
        chunked.rank_frame()


def test_float32_is_close_to_float64_and_progress_bar_runs(scheme, table, capsys, monkeypatch):
    import tqdm.auto
    import tqdm.std

    # in a terminal: earlier tests of the suite may have started an IPython kernel, where tqdm.auto
    # draws a widget instead of writing to stderr
    monkeypatch.setattr(tqdm.auto, "tqdm", tqdm.std.tqdm)
    a = wb.monte_carlo(scheme, table, n=50, seed=2, progress=False)
    b = wb.monte_carlo(scheme, table, n=50, seed=2, dtype="float32", progress=True)
    diff = (a.summary["rank_median"] - b.summary["rank_median"]).abs()
    assert diff.max() <= 2
    assert "Monte Carlo" in capsys.readouterr().err


def test_frames_and_repr(scheme, table):
    mc = wb.monte_carlo(scheme, table, n=20, seed=0, progress=False)
    assert mc.frame()["rank"].is_monotonic_increasing
    assert "P(三强)" in mc.frame("zh").columns and "Rank P95" in mc.frame("en").columns
    grades = mc.grade_frame()
    assert grades.shape == (20, len(table)) and grades.dtypes.iloc[0] == mc.nominal.grade_dtype
    assert list(mc.rank_frame().columns) == list(table.index)
    assert "draws=20" in repr(mc)
    assert set(mc.undecided.index) == set(mc.summary.index[mc.summary["decided_by_weighting"].astype(bool)])


@pytest.mark.parametrize("kwargs, message", [
    (dict(spread=1.5), "spread"), (dict(vary=("weights", "colour")), "vary"), (dict(n=0), "n:"),
    (dict(threshold=0), "threshold"), (dict(dtype="float16"), "dtype"), (dict(distribution="beta"), "distribution"),
    (dict(spread={"dims": 0.1}), "spread"),
])
def test_bad_arguments_name_the_argument(scheme, table, kwargs, message):
    with pytest.raises(ValueError, match=message):
        wb.monte_carlo(scheme, table, **{"n": 5, "progress": False, **kwargs})


# ------------------------------------------------------------------ sensitivity

def test_sobol_wrapper_on_the_ishigami_function():
    """Known indices (Ishigami & Homma 1990; a = 7, b = 0.1)."""
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}

    def ishigami(x):
        return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])

    out = sobol_indices(problem, ishigami, 4096, np.random.default_rng(0)).set_index("factor")
    np.testing.assert_allclose(out["S1"], [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(out["ST"], [0.5576, 0.4424, 0.2437], atol=0.03)
    assert (out["S1_conf"] > 0).all() and (out["ST_conf"] < 0.1).all()
    again = sobol_indices(problem, ishigami, 4096, np.random.default_rng(0))
    pd.testing.assert_frame_equal(out.reset_index(), again)


def test_a_dimension_without_spread_between_branches_has_zero_indices(scheme, table):
    flat = table.copy()
    for ind in FW.dimension("red").indicators:
        flat[ind.id] = flat[ind.id].median()       # every branch the same: its weight cannot reorder
    si = wb.sensitivity(scheme, flat, n=64, seed=0, progress=False).set_index("factor")
    assert list(si.index) == FW.dimension_ids
    assert abs(si.loc["red", "S1"]) < 1e-12 and abs(si.loc["red", "ST"]) < 1e-12
    assert (si.drop(index="red")["ST"] > 0.01).all()
    assert si.attrs["evaluations"] == 64 * (6 + 2)


def test_sensitivity_of_one_branch_rank_with_method_factors(scheme, table):
    with pytest.warns(GeometricZeroWarning, match="raised to 1"):   # the geometric alternative
        si = wb.sensitivity(scheme, table, n=32, seed=1, output=("rank", "B00003"),
                            vary=("dimension_weights", "aggregation"), progress=False)
    assert list(si["factor"]) == FW.dimension_ids + ["aggregation"]
    assert si["ST"].notna().all() and si.loc[si["factor"] == "aggregation", "ST"].item() > 0.05
    with pytest.raises(ValueError, match="power of 2"):
        wb.sensitivity(scheme, table, n=48, progress=False)
    with pytest.raises(ValueError, match="no branch"):
        wb.sensitivity(scheme, table, n=8, output=("rank", "nope"), progress=False)
    with pytest.raises(ValueError, match="bounds"):
        wb.sensitivity(scheme, table, n=8, bounds={"team": (0.3, 0.1)}, progress=False)


# ---------------------------------------------------------------- leave one out

def test_leave_one_out_of_a_zero_weight_indicator_changes_nothing(table):
    scheme = wb.Scheme(FW).with_weights({"red_sessions": 0.0})
    loo = wb.leave_one_out(scheme, table).set_index("id")
    row = loo.loc["red_sessions"]
    assert row["mean_abs_rank_change"] == 0 and row["max_rank_change"] == 0
    assert row["kendall_tau"] == pytest.approx(1.0) and row["grade_changes"] == 0
    assert len(loo) == len(FW.indicator_ids)
    assert loo["mean_abs_rank_change"].is_monotonic_decreasing
    assert loo.drop(index="red_sessions")["mean_abs_rank_change"].gt(0).all()


def test_leave_one_out_matches_rescoring_and_handles_lone_items(table):
    scheme = wb.Scheme(FW)
    dims = wb.leave_one_out(scheme, table, "dimension").set_index("id")
    by_hand = scheme.with_weights({"team": 0}).score(table).compare(scheme.score(table))
    assert dims.loc["team", "mean_abs_rank_change"] == pytest.approx(by_hand.mean_abs_shift)
    assert dims.loc["team", "grade_changes"] == by_hand.grade_changes
    lone = scheme.with_weights({i.id: 0.0 for i in FW.dimension("red").indicators[1:]})
    loo = wb.leave_one_out(lone, table).set_index("id")
    first_red = FW.dimension("red").indicators[0].id
    assert "dimension is removed" in loo.loc[first_red, "note"]
    lone_dims = wb.leave_one_out(lone, table, "dimension").set_index("id")
    assert loo.loc[first_red, "mean_abs_rank_change"] == pytest.approx(lone_dims.loc["red", "mean_abs_rank_change"])
    with pytest.raises(ValueError, match="level"):
        wb.leave_one_out(scheme, table, "branch")


# ------------------------------------------------------------------------- CLI

def test_cli_writes_a_bilingual_workbook(tmp_path, capsys):
    out = tmp_path / "robustness.xlsx"
    code = main(["robustness", "sample_data", "-n", "40", "--sobol", "16", "--seed", "1", "-o", str(out),
                 "--no-progress"])
    assert code == 0 and out.exists()
    assert "decided by the weighting" in capsys.readouterr().out
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"稳健性 Robustness", "敏感性 Sensitivity", "抽样 Samples", "方法 Method"} <= set(sheets)
    robust = sheets["稳健性 Robustness"]
    assert {"排名P5 Rank P5", "排名P95 Rank P95", "P(三强) P(Strong)", "支部名称 Name"} <= set(robust.columns)
    assert len(robust) == 300 and len(sheets["抽样 Samples"]) == 40
    assert sheets["敏感性 Sensitivity"]["因素 Factor"].tolist() == FW.dimension_ids


def test_cli_reports_bad_input_as_an_error(tmp_path, capsys):
    code = main(["robustness", "sample_data", "-n", "10", "--sobol", "10", "-o", str(tmp_path / "x.xlsx"),
                 "--no-progress"])
    assert code == 1
    assert "error: --sobol: n: the Sobol sample size must be a power of 2" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_evaluate_accepts_given_draws(scheme, table):
    samples = draw(scheme, 10, seed=0, spread=0.2)
    a = evaluate(scheme, table, samples, progress=False)
    b = wb.monte_carlo(scheme, table, n=10, seed=0, spread=0.2, progress=False)
    pd.testing.assert_frame_equal(a.summary, b.summary)
