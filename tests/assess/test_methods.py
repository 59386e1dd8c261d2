"""Normalization, weighting and aggregation methods: hand-computed and published examples."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from workbench.assess import aggregate as agg
from workbench.assess import normalize as nz
from workbench.assess import weights as wm

# ------------------------------------------------------------- normalization


def test_minmax_by_hand_and_direction():
    x = np.array([2.0, 4.0, np.nan, 6.0])
    np.testing.assert_allclose(nz.minmax(x), [0, 50, np.nan, 100])
    np.testing.assert_allclose(nz.minmax(x, "lower"), [100, 50, np.nan, 0])
    np.testing.assert_allclose(nz.minmax(np.array([3.0, 3.0])), [100, 100])


def test_zscore_by_hand():
    x = np.array([1.0, 2.0, 3.0])  # mean 2, population sd sqrt(2/3)
    sd = np.sqrt(2 / 3)
    np.testing.assert_allclose(nz.zscore(x, center=0, scale=1), [-1 / sd, 0, 1 / sd])
    np.testing.assert_allclose(nz.zscore(x), [50 - 10 / sd, 50, 50 + 10 / sd])
    np.testing.assert_allclose(nz.zscore(x, "lower", center=0, scale=1), [1 / sd, 0, -1 / sd])


def test_rank_percentile_with_ties():
    np.testing.assert_allclose(nz.rank(np.array([10.0, 20.0, 20.0, 40.0, np.nan])),
                               [0, 50, 50, 100, np.nan])
    np.testing.assert_allclose(nz.rank(np.array([10.0, 20.0, 40.0]), "lower"), [100, 50, 0])


def test_target_and_goalposts_by_hand():
    np.testing.assert_allclose(nz.target(np.array([0, 1, 2, 5.0]), target=2, worst=0), [0, 50, 100, 100])
    # lower is better: committee mean age target 48, worst 62
    np.testing.assert_allclose(nz.target(np.array([40, 48, 55, 70.0]), target=48, worst=62),
                               [100, 100, 50, 0])
    np.testing.assert_allclose(nz.goalposts(np.array([0.25, 0.5, 2.0]), low=0, high=1), [25, 50, 100])
    np.testing.assert_allclose(nz.goalposts(np.array([0.0, 1.5, 6.0]), "lower", low=0, high=6),
                               [100, 75, 0])


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, st.integers(2, 30), elements=st.floats(-1e6, 1e6)),
       st.sampled_from(["minmax", "zscore", "rank", "goalposts"]))
def test_normalizations_are_monotonic(x, method):
    spec = {"minmax": lambda v, d: nz.minmax(v, d), "zscore": lambda v, d: nz.zscore(v, d),
            "rank": lambda v, d: nz.rank(v, d),
            "goalposts": lambda v, d: nz.goalposts(v, d, low=-1e5, high=1e5)}[method]
    order = np.argsort(x, kind="stable")
    up = spec(x, "higher")[order]
    down = spec(x, "lower")[order]
    assert np.all(np.diff(up) >= -1e-9)
    assert np.all(np.diff(down) <= 1e-9)


# ------------------------------------------------------------------- weights

def test_a_new_normalization_is_one_function_and_one_registry_entry(monkeypatch):
    """The framework accepts exactly the registry's names, scoring and the national engine go through it."""
    import workbench as wb
    from workbench.assess.framework import Normalization
    from workbench.scale.stats import needed_statistics

    def halves(values, direction="higher"):
        return np.where(np.asarray(values) > 1, 100.0, 50.0)

    with pytest.raises(ValueError, match="unknown normalization method 'halves'"):
        Normalization(method="halves")
    monkeypatch.setitem(nz.METHODS, "halves", nz.Method(lambda x, spec, d, s: halves(x, d)))
    scheme = wb.Scheme(wb.Framework.default(), normalization={"satisfaction": "halves"})
    table = wb.compute_indicators(wb.load("sample_data"), period=2025)
    scored = scheme.score(table).indicators["satisfaction"]
    assert set(scored.dropna().unique()) <= {50.0, 100.0}
    assert "satisfaction" not in needed_statistics(scheme)     # reads no population statistics


def test_entropy_published_examples():
    # Xu, X. (2004). A note on the subjective and objective integrated approach to determine
    # attribute weights. EJOR 156(2), 530-532.
    x = np.array([[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]])
    np.testing.assert_allclose(wm.entropy(x), [0.4630, 0.3992, 0.1378, 0.0000], atol=5e-5)
    # Zavadskas, E. K., Podvezko, V. (2016). Integrated determination of objective criteria
    # weights in MCDM. IJITDM 15(2), 267-283.
    y = np.array([[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11], [2.2, 70, 12, 9]])
    np.testing.assert_allclose(wm.entropy(y), [0.1146, 0.1981, 0.4185, 0.2689], atol=5e-5)


def test_critic_published_example():
    # Tuş, A., Aytaç Adalı, E. (2019). The new combination with CRITIC and WASPAS methods for the
    # time and attendance software selection problem. Opsearch 56(2), 528-538.
    x = np.array([[5000, 3, 3, 4, 3, 2], [680, 5, 3, 2, 2, 1], [2000, 3, 2, 3, 4, 3],
                  [600, 4, 3, 1, 2, 2], [800, 2, 4, 3, 3, 4]])
    np.testing.assert_allclose(wm.critic(x), [0.157, 0.249, 0.168, 0.121, 0.154, 0.151], atol=5e-4)


HOUSE = np.array([  # Saaty (1990), How to make a decision, EJOR 48, 9-26: choosing a house
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4], [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5], [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6], [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2], [4, 7, 5, 8, 6, 6, 2, 1]])


def test_ahp_saaty_house_example():
    with pytest.warns(wm.AHPConsistencyWarning, match="0.169"):
        w, cr = wm.ahp(HOUSE)
    np.testing.assert_allclose(w, [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333], atol=5e-4)
    assert cr == pytest.approx(0.169, abs=5e-4)
    lam = max(np.linalg.eigvals(HOUSE).real)
    assert lam == pytest.approx(9.669, abs=5e-3)  # Saaty's lambda_max


def test_ahp_consistent_matrix_and_geometric_method():
    w_true = np.array([0.5, 0.3, 0.2])
    consistent = w_true[:, None] / w_true[None, :]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w, cr = wm.ahp(consistent)
        g, _ = wm.ahp(consistent, method="geometric")
    np.testing.assert_allclose(w, w_true)
    np.testing.assert_allclose(g, w_true)
    assert cr == pytest.approx(0.0, abs=1e-12)


def test_ahp_rejects_bad_matrices():
    with pytest.raises(ValueError, match="not reciprocal"):
        wm.ahp([[1, 3], [3, 1]])
    with pytest.raises(ValueError, match="square"):
        wm.ahp([[1, 2, 3], [0.5, 1, 2]])
    with pytest.raises(ValueError, match="positive"):
        wm.ahp([[1, -2], [-0.5, 1]])


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(3, 20), st.integers(2, 8)),
                  elements=st.floats(0, 100)))
def test_data_weights_sum_to_one(x):
    for w in (wm.entropy(x), wm.critic(x), wm.equal(x)):
        assert np.all(w >= 0)
        assert w.sum() == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(wm.SAATY_SCALE), min_size=1, max_size=28), st.integers(2, 8))
def test_ahp_weights_sum_to_one(judgements, n):
    a = np.ones((n, n))
    k = 0
    for i in range(n):
        for j in range(i + 1, n):
            a[i, j] = judgements[k % len(judgements)]
            a[j, i] = 1 / a[i, j]
            k += 1
    for method in ("eigenvector", "geometric"):
        w, cr = wm.ahp(a, method=method, warn=False)
        assert np.all(w > 0) and w.sum() == pytest.approx(1.0)
        assert cr >= 0


# ---------------------------------------------------------------- aggregation

def test_arithmetic_and_geometric_by_hand():
    x = np.array([[80.0, 20.0], [50.0, 50.0]])
    w = np.array([0.5, 0.5])
    np.testing.assert_allclose(agg.arithmetic(x, w), [50, 50])
    np.testing.assert_allclose(agg.geometric(x, w), [40, 50])  # sqrt(80*20) = 40: less compensation
    np.testing.assert_allclose(agg.arithmetic(np.array([[80.0, np.nan]]), w), [80])


def test_geometric_zero_is_floored_with_a_warning():
    with pytest.warns(agg.GeometricZeroWarning, match="1 score"):
        out = agg.geometric(np.array([[0.0, 100.0]]), np.array([0.5, 0.5]))
    assert out[0] == pytest.approx(10.0)  # sqrt(1 * 100)
    with pytest.raises(ValueError, match="z-scores"):
        agg.geometric(np.array([[-1.0, 3.0]]), np.array([0.5, 0.5]))


def test_topsis_published_example():
    # Hwang, C. L., Yoon, K. (1981). Multiple Attribute Decision Making, the fighter aircraft example.
    x = [[2.0, 1500, 20000, 5.5, 5, 9], [2.5, 2700, 18000, 6.5, 3, 5],
         [1.8, 2000, 21000, 4.5, 7, 7], [2.2, 1800, 20000, 5.0, 5, 5]]
    c = agg.topsis(x, [0.2, 0.1, 0.1, 0.1, 0.2, 0.3], benefit=[1, 1, 1, 0, 1, 1], scale=1)
    np.testing.assert_allclose(c, [0.643, 0.268, 0.613, 0.312], atol=1e-3)
    assert list(np.argsort(-c)) == [0, 2, 3, 1]


def test_aggregate_rejects_unknown_method_and_bad_weights():
    with pytest.raises(ValueError, match="unknown aggregation"):
        agg.aggregate(np.ones((2, 2)), [1, 1], "median")
    with pytest.raises(ValueError, match="non-negative"):
        agg.arithmetic(np.ones((2, 2)), [1, -1])
