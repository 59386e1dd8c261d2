"""Research core: correlations, line fits, robust OLS, k-means profiles, Cronbach's alpha, movers, pseudonyms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import workbench as wb
from workbench.studies.research import (
    OUTCOMES,
    cluster_profiles,
    coherence,
    correlation_matrix,
    cronbach_alpha,
    fit_line,
    function_indicators,
    kmeans,
    movers,
    pseudonymise,
    pseudonyms,
    regression,
    research_frame,
    standardized_alpha,
)


@pytest.fixture(scope="module")
def fw():
    return wb.Framework.default()


@pytest.fixture(scope="module")
def frames(sample, fw):
    return {p: research_frame(sample, fw, p) for p in (2024, 2025)}


def test_research_frame_shape(frames, fw, sample):
    f = frames[2025]
    assert len(f) == len(sample.branches)
    assert list(f.columns[:len(fw.indicator_ids)]) == list(fw.indicator_ids)
    assert {"total", "kind", "township", *fw.dimension_ids} <= set(f.columns)
    result = f.attrs["result"]
    np.testing.assert_allclose(f["total"], result.total)
    assert f.attrs["period"] == 2025


def test_correlations_match_numpy(frames, fw):
    f = frames[2025]
    cols = function_indicators(fw) + list(OUTCOMES)
    corr = correlation_matrix(f, cols)
    assert corr.shape == (5, 5) and np.allclose(np.diag(corr), 1)
    pair = f[["attendance_rate", "satisfaction"]].dropna()
    assert corr.loc["attendance_rate", "satisfaction"] == pytest.approx(np.corrcoef(pair.T)[0, 1])
    n = corr.attrs["n"]
    assert n.loc["collective_income", "satisfaction"] == f[["collective_income", "satisfaction"]].dropna().shape[0]
    assert n.loc["collective_income", "collective_income"] < len(f)  # villages only
    spearman = correlation_matrix(f, cols, method="spearman")
    assert spearman.loc["attendance_rate", "satisfaction"] == pytest.approx(
        pair.rank().corr().iloc[0, 1])
    with pytest.raises(KeyError, match="not in the table"):
        correlation_matrix(f, ["nope"])


def test_fit_line_band_and_robust_p():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 10, 80)
    y = 2 + 0.5 * x + rng.normal(0, 1 + x / 5, 80)
    fit = fit_line(x, y)
    ref = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC3", use_t=True)
    assert fit.slope == pytest.approx(ref.params[1]) and fit.p == pytest.approx(ref.pvalues[1])
    assert fit.r == pytest.approx(np.corrcoef(x, y)[0, 1]) and fit.n == 80
    band = fit.band
    assert (band["lower"] < band["fit"]).all() and (band["fit"] < band["upper"]).all()
    # the band is narrowest near the mean of x
    width = band["upper"] - band["lower"]
    assert width.idxmin() not in (0, len(band) - 1)
    with pytest.raises(ValueError, match="at least 3"):
        fit_line([1, 2], [1, 2])
    with pytest.raises(ValueError, match="single value"):
        fit_line([1, 1, 1], [1, 2, 3])


def test_regression_hc3_matches_statsmodels(frames, fw):
    f = frames[2025]
    preds = function_indicators(fw)
    reg = regression(f, "satisfaction", preds)
    complete = f[["satisfaction", *preds]].dropna()
    ref = sm.OLS(complete["satisfaction"], sm.add_constant(complete[preds])).fit(cov_type="HC3", use_t=True)
    assert reg.table.index.tolist() == ["const", *preds]
    np.testing.assert_allclose(reg.table["coef"], ref.params)
    np.testing.assert_allclose(reg.table["se"], ref.bse)
    np.testing.assert_allclose(reg.table["p"], ref.pvalues)
    assert reg.n == len(complete) and reg.dropped == len(f) - len(complete)
    assert reg.r2 == pytest.approx(ref.rsquared) and 0 <= reg.f_p <= 1
    # HC3 differs from the classical errors
    classical = sm.OLS(complete["satisfaction"], sm.add_constant(complete[preds])).fit()
    assert not np.allclose(reg.table["se"], classical.bse)
    # standardized: the slope of a single predictor is the correlation
    beta = regression(f, "satisfaction", ["attendance_rate"], standardize=True)
    pair = f[["attendance_rate", "satisfaction"]].dropna()
    assert beta.table.loc["attendance_rate", "coef"] == pytest.approx(pair.corr().iloc[0, 1])
    # income: villages only
    income = regression(f, "collective_income", preds)
    assert income.n < reg.n


def test_regression_errors(frames):
    f = frames[2025]
    with pytest.raises(ValueError, match="at least one predictor"):
        regression(f, "satisfaction", [])
    with pytest.raises(ValueError, match="cannot also be a predictor"):
        regression(f, "satisfaction", ["satisfaction"])
    tiny = f.head(3)
    with pytest.raises(ValueError, match="complete rows"):
        regression(tiny, "satisfaction", ["attendance_rate", "committee_meetings"])
    flat = f.assign(one=1.0)
    with pytest.raises(ValueError, match="single value"):
        regression(flat, "satisfaction", ["one"])


def test_kmeans_is_reproducible_and_finds_obvious_groups():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 0.3, (20, 2)), rng.normal(5, 0.3, (15, 2)), rng.normal([0, 8], 0.3, (10, 2))]
    labels, centers, inertia = kmeans(X, 3, seed=1)
    again = kmeans(X, 3, seed=1)
    assert (labels == again[0]).all() and inertia == again[2]
    assert sorted(np.bincount(labels).tolist()) == [10, 15, 20]
    with pytest.raises(ValueError, match="k must be"):
        kmeans(X, 0)


def test_cluster_profiles_on_the_county(frames, fw):
    f = frames[2025]
    dims = f[fw.dimension_ids]
    c = cluster_profiles(dims, 4, total=f["total"], extra=f[list(OUTCOMES)], seed=0)
    assert c.centers.shape == (4, len(fw.dimension_ids))
    assert c.summary["size"].sum() == len(dims.dropna())
    assert c.summary["total"].is_monotonic_decreasing, "cluster 1 is the best"
    # centers are the means of their members
    for k in c.centers.index:
        np.testing.assert_allclose(c.centers.loc[k], dims[c.labels == k].mean(), rtol=1e-9)
    assert c.summary.loc[1, "satisfaction"] == pytest.approx(f.loc[c.labels[c.labels == 1].index, "satisfaction"].mean())
    assert set(c.summary["strongest"]) <= set(fw.dimension_ids)
    same = cluster_profiles(dims, 4, total=f["total"], seed=0)
    assert same.labels.equals(c.labels)


def test_cronbach_alpha_by_hand():
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5], "c": [1, 3, 2, 4]})
    # variances 5/3, 19/12, 5/3; sums 4, 8, 8, 13 with variance 163/12
    expected = 3 / 2 * (1 - (5 / 3 + 19 / 12 + 5 / 3) / (163 / 12))
    assert cronbach_alpha(items) == pytest.approx(expected)
    # rows with a missing item are left out
    assert cronbach_alpha(pd.concat([items, pd.DataFrame({"a": [9.0], "b": [np.nan], "c": [1.0]})])) == \
        pytest.approx(expected)
    # identical items: alpha 1; two independent items ~ 0
    assert cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3]})) == pytest.approx(1)
    assert np.isnan(cronbach_alpha(items[["a"]]))
    assert standardized_alpha(pd.DataFrame(np.eye(3))) == pytest.approx(0)


def test_coherence_of_the_framework(frames, fw):
    result = frames[2025].attrs["result"]
    coh = coherence(result)
    assert coh.dimensions.index.tolist() == [*fw.dimension_ids, "total"]
    for dim in fw.dimensions:
        ids = [i.id for i in dim.indicators]
        assert coh.dimensions.loc[dim.id, "items"] == len(ids)
        assert coh.dimensions.loc[dim.id, "alpha"] == pytest.approx(cronbach_alpha(result.indicators[ids]))
        assert coh.dimensions.loc[dim.id, "n"] == result.indicators[ids].dropna().shape[0]
        assert coh.within[dim.id].shape == (len(ids), len(ids))
    assert coh.dimensions.loc["total", "alpha"] == pytest.approx(cronbach_alpha(result.dimensions))
    ind = coh.indicators
    assert ind.loc["satisfaction", "r_dimension"] == pytest.approx(
        result.indicators["satisfaction"].corr(result.dimensions["functions"]))
    assert set(ind["flag"]) <= {"", "negative", "weak", "elsewhere"}
    flagged = ind[ind["flag"] == "negative"]
    assert (flagged["r_dimension"] < 0).all()
    elsewhere = ind[ind["flag"] == "elsewhere"]
    assert (elsewhere["r_best_other"] > elsewhere["r_dimension"]).all()


def test_movers_from_standardized_to_strong(frames, fw):
    before, after = frames[2024].attrs["result"], frames[2025].attrs["result"]
    m = movers(before, after)
    expected = before.grade.index[(before.grade == "standardized") & (after.grade == "strong")]
    assert sorted(m.branches.index) == sorted(expected)
    assert m.stayed == int(((before.grade == "standardized") & (after.grade == "standardized")).sum())
    b = m.branches.index[0]
    assert m.branches.loc[b, "functions"] == pytest.approx(after.dimensions.loc[b, "functions"]
                                                           - before.dimensions.loc[b, "functions"])
    assert m.dimensions.loc["organization", "movers"] == pytest.approx(
        (after.dimensions.loc[expected, "organization"] - before.dimensions.loc[expected, "organization"]).mean())
    assert set(m.dimensions.index) == set(fw.dimension_ids)
    assert m.dimensions["difference"].abs().is_monotonic_decreasing
    assert len(m.indicators) == len(fw.indicator_ids)
    with pytest.raises(ValueError, match="unknown grade"):
        movers(before, after, from_grade="gold")


def test_pseudonyms_are_keyed_stable_and_unique(sample):
    ids = sample.members["member_id"]
    a = pseudonyms(ids, key="secret", prefix="M-")
    assert a.is_unique and a.str.startswith("M-").all()
    assert a.equals(pseudonyms(ids, key="secret", prefix="M-"))
    assert not (a.to_numpy() == pseudonyms(ids, key="other", prefix="M-").to_numpy()).any()
    data = pseudonymise(sample, key="secret")
    assert not set(data.members["name"]) & set(sample.members["name"])
    assert not set(data.branches["name"]) & set(sample.branches["name"])
    assert data.members["member_id"].equals(sample.members["member_id"])
    assert sample.members["name"].iloc[0] != data.members["name"].iloc[0]  # the original is untouched
