"""Diagnostics for researchers: importance against weight, factor structure, rank reversal."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from statsmodels.multivariate.factor_rotation import rotate_factors

import workbench as wb
from workbench.studies.diagnostics import (_count_reversals, correlation_ratio, factor_structure, importance, rank_reversal,
                                           rank_reversals, scenario_reversals, varimax, weight_importance)

FW = wb.Framework.default()


@pytest.fixture(scope="module")
def county():
    data = wb.load("sample_data")
    table = wb.compute_indicators(data, FW, period=2025)
    return data, table, wb.Scheme(FW).score(table, groups=data)


# ------------------------------------------------------------------ importance

def test_first_order_indices_of_a_linear_total_match_the_analytic_values():
    rng = np.random.default_rng(7)
    n = 40_000
    sd = np.array([1.0, 1.0, 5.5])          # the third component spreads 5.5 times as much
    w = np.array([0.45, 0.45, 0.10])
    x = rng.standard_normal((n, 3)) * sd
    y = x @ w
    analytic = (w * sd) ** 2 / ((w * sd) ** 2).sum()          # independent inputs: S_i = w_i^2 var_i / var(y)
    comps = pd.DataFrame(x, columns=["a", "b", "c"])
    out = importance(comps, pd.Series(y), pd.Series(w, index=["a", "b", "c"])).set_index("id")
    assert out["s1"].to_numpy() == pytest.approx(analytic, abs=0.01)
    assert out["r2"].to_numpy() == pytest.approx(analytic, abs=0.01)
    # a 10 % weight that explains about 43 % of the total is flagged
    assert analytic[2] == pytest.approx(0.428, abs=0.001)
    assert out.loc["c", "flag"] == "over" and out.loc["a", "flag"] == "" and out["weight"].sum() == pytest.approx(1)


def test_the_correlation_ratio_sees_what_a_correlation_misses_and_equals_the_group_means_by_hand():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, 5000)
    y = x ** 2 + rng.normal(0, 0.05, 5000)
    assert correlation_ratio(x, y) > 0.9 > 0.05 > np.corrcoef(x, y)[0, 1] ** 2
    # a discrete component: the exact correlation ratio, adjusted for the number of groups, by hand
    xd = rng.integers(0, 4, 400).astype(float)
    yd = xd * 2 + rng.normal(0, 2, 400)
    frame = pd.DataFrame({"x": xd, "y": yd})
    between = frame.groupby("x")["y"].apply(lambda g: len(g) * (g.mean() - yd.mean()) ** 2).sum()
    eta2 = between / ((yd - yd.mean()) ** 2).sum()
    adjusted = 1 - (1 - eta2) * (400 - 1) / (400 - 4)
    assert correlation_ratio(xd, yd) == pytest.approx(adjusted, rel=1e-12)


def test_weight_importance_on_the_sample_county(county):
    _, _, result = county
    dims = weight_importance(result)
    assert dims["id"].tolist() == FW.dimension_ids
    assert dims["weight"].to_numpy() == pytest.approx(result.scheme.dimension_weights.to_numpy())
    assert dims["s1_share"].sum() == pytest.approx(1) and dims["r2_share"].sum() == pytest.approx(1)
    assert ((dims["s1"] >= 0) & (dims["s1"] <= 1)).all()
    # the weakly correlated organization dimension explains far less than its 15 %
    assert dims.set_index("id").loc["organization", "flag"] == "under"
    ind = weight_importance(result, level="indicators", target="rank")
    assert len(ind) == len(FW.indicator_ids) and ind["weight"].sum() == pytest.approx(1)
    assert set(ind["dimension"]) == set(FW.dimension_ids)
    with pytest.raises(ValueError, match="level"):
        weight_importance(result, level="branches")


# ------------------------------------------------------------ factor structure

def test_varimax_matches_statsmodels_and_keeps_communalities():
    rng = np.random.default_rng(11)
    a = rng.uniform(-1, 1, (12, 3))
    ours, r = varimax(a)
    theirs, _ = rotate_factors(a, "varimax")
    assert r.T @ r == pytest.approx(np.eye(3), abs=1e-10)
    assert (ours ** 2).sum(axis=1) == pytest.approx((a ** 2).sum(axis=1))
    # the same columns up to order and sign
    for col in ours.T:
        assert any(np.allclose(col, s * other, atol=1e-4) for other in theirs.T for s in (1, -1))


def synthetic_result(n: int = 600, *, stray: str | None = None, seed: int = 0):
    """Indicator scores driven by one latent factor per dimension (and, for ``stray``, the red one)."""
    rng = np.random.default_rng(seed)
    latent = {d: rng.standard_normal(n) for d in FW.dimension_ids}
    cols = {}
    for dim in FW.dimensions:
        for ind in dim.indicators:
            source = latent["red"] if ind.id == stray else latent[dim.id]
            cols[ind.id] = 50 + 10 * (0.85 * source + 0.5 * rng.standard_normal(n))
    indicators = pd.DataFrame(cols)
    dims = pd.DataFrame({d.id: indicators[[i.id for i in d.indicators]].mean(axis=1) for d in FW.dimensions})
    return SimpleNamespace(framework=FW, indicators=indicators, dimensions=dims)


def test_six_distinct_factors_are_found_and_a_stray_indicator_is_named():
    fs = factor_structure(synthetic_result(), reps=30)
    assert fs.parallel == 6 and fs.n_components == 6 and fs.distinct == 6
    assert (fs.indicators["flag"] == "").all()
    corr = synthetic_result().indicators.corr().to_numpy()
    assert fs.eigenvalues.to_numpy() == pytest.approx(np.sort(np.linalg.eigvalsh(corr))[::-1], abs=1e-9)
    assert fs.explained.sum() == pytest.approx(1)
    stray = factor_structure(synthetic_result(stray="capable_cadres"), reps=30)
    row = stray.indicators.loc["capable_cadres"]
    assert row["flag"] == "elsewhere" and row["loads_with"] == "red" and row["home"] != row["component"]
    assert stray.dimensions.loc["team", "distinct"]


def test_factor_structure_on_the_sample_county(county):
    _, _, result = county
    fs = factor_structure(result, reps=40)
    assert fs.n > 200 and fs.kaiser >= fs.parallel >= 1
    assert set(fs.indicators.index) | set(fs.dropped) == set(FW.indicator_ids)
    assert fs.loadings.shape == (len(fs.indicators), fs.n_components)
    assert set(fs.dimensions.index) == set(FW.dimension_ids)
    # the county's activity dimensions (red education, inspection, functions) share one component
    assert not fs.dimensions.loc["inspection", "distinct"]
    assert fs.dimension_correlation.loc["inspection", "functions"] > 0.7


# --------------------------------------------------------------- rank reversal

def test_rank_reversals_are_exactly_the_discordant_pairs():
    rng = np.random.default_rng(5)
    ids = [f"B{k:03d}" for k in range(60)]
    before = pd.Series(rng.integers(0, 30, 60).astype(float), index=ids)
    after = before + rng.normal(0, 3, 60)
    found = rank_reversals(before, after, limit=10_000)
    brute = {(a, b) for a, b in itertools.permutations(ids, 2) if before[a] > before[b] and after[a] < after[b]}
    assert set(zip(found["branch_a"], found["branch_b"])) == brute and found.attrs["pairs"] == len(brute)
    assert found.attrs["compared"] == 60 * 59 // 2
    among = ids[:20]
    assert found.attrs["pairs"] >= rank_reversals(before, after, among=among).attrs["pairs"]
    # the n log n count (used above LIST_PAIRS_UP_TO branches) agrees, ties and all
    assert _count_reversals(before.to_numpy(), after.round(0).to_numpy()) == sum(
        1 for a, b in itertools.permutations(ids, 2) if before[a] > before[b] and round(after[a]) < round(after[b]))
    assert _count_reversals(before.to_numpy(), after.to_numpy()) == len(brute)
    tied = rank_reversals(pd.Series({"A": 1.0, "B": 1.0}), pd.Series({"A": 0.0, "B": 2.0}))
    assert tied.attrs["pairs"] == 0                       # a tie before is no order to reverse


def test_a_scenario_warning_names_the_pairs_of_untouched_branches(county):
    _, table, result = county
    minmax = wb.Scheme(FW, normalization={"*": "minmax"})
    before = minmax.score(table)
    column = table["training_hours"]
    assert (column == column.max()).sum() == 1
    best = column.idxmax()
    after = minmax.score(table.drop(index=best))          # the branch best in one indicator merged away
    warning = scenario_reversals(before, after, affected=[best])
    assert warning is not None and warning.n_pairs > 0 and best not in set(warning.branches)
    assert f"{warning.n_pairs} 对支部" in warning.message("zh")
    assert f"{warning.n_pairs} pair(s) swapped places" in warning.message("en")
    assert scenario_reversals(result, wb.Scheme(FW).score(table.drop(index=best)), affected=[best]) is None


def test_absolute_normalizations_never_reverse_and_relative_ones_and_data_weights_do(county):
    data, table, _ = county
    default = rank_reversal(wb.Scheme(FW), table, trials=15, groups=data)
    assert default.trials["pairs"].sum() == 0 and default.rederived == ""
    minmax = rank_reversal(wb.Scheme(FW, normalization={"*": "minmax"}), table, trials=15, seed=1, groups=data)
    assert minmax.summary.loc["add", "with_reversal"] == 1.0     # a new best-in-one-respect branch moves others
    assert minmax.summary.loc["add", "max_shift"] > 0 and len(minmax.branches) > 0
    entropy = wb.Scheme(FW).with_preset("entropy", table).with_origin(origin={"method": "entropy"})
    study = rank_reversal(entropy, table, trials=10, operations=("remove",), groups=data)
    assert study.rederived == "entropy" and study.summary.loc["remove", "with_reversal"] > 0
    fixed = rank_reversal(entropy, table, trials=10, operations=("remove",), groups=data, rederive=False)
    assert fixed.rederived == "" and fixed.trials["pairs"].sum() == 0
    again = rank_reversal(wb.Scheme(FW, normalization={"*": "minmax"}), table, trials=15, seed=1, groups=data)
    pd.testing.assert_frame_equal(again.trials, minmax.trials)      # seeded: the same trials
    with pytest.raises(ValueError, match="operations"):
        rank_reversal(wb.Scheme(FW), table, operations=("split",))


def test_many_branches_are_counted_not_listed():
    rng = np.random.default_rng(2)
    n = 6000
    before = pd.Series(rng.normal(size=n), index=[f"B{k}" for k in range(n)])
    after = before + rng.normal(0, 0.01, n)
    big = rank_reversals(before, after)
    small = rank_reversals(before.iloc[:3000], after.iloc[:3000])
    assert len(big) == 0 and big.attrs["pairs"] > small.attrs["pairs"] > 0
    assert big.attrs["compared"] == n * (n - 1) // 2
    assert _count_reversals(before.iloc[:3000].to_numpy(), after.iloc[:3000].to_numpy()) == small.attrs["pairs"]
