"""Group AHP (``wb.weights.ahp_group``): a published example, independent calculations, properties."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import workbench as wb
from workbench.assess.weights import (AHPConsistencyWarning, aggregate_judgements, ahp_group, ahp_inconsistency,
                                      consensus_band, consensus_distance, consensus_indicator)

# Dong, Zhang, Hong & Xu (2010), Decision Support Systems 49, 281-289, section 5: five decision makers,
# four alternatives, weights 0.1, 0.3, 0.1, 0.2, 0.3 (A1-A4 first in Xu 2000). The paper prints a32 of A5
# as 1/2, a typo: a23 = 1/2, so a32 = 2 (its w(5), A(c) and Table 3 all follow from 2).
DONG = [
    [[1, 4, 6, 7], [1 / 4, 1, 3, 4], [1 / 6, 1 / 3, 1, 2], [1 / 7, 1 / 4, 1 / 2, 1]],
    [[1, 5, 7, 9], [1 / 5, 1, 4, 6], [1 / 7, 1 / 4, 1, 2], [1 / 9, 1 / 6, 1 / 2, 1]],
    [[1, 3, 5, 8], [1 / 3, 1, 4, 5], [1 / 5, 1 / 4, 1, 2], [1 / 8, 1 / 5, 1 / 2, 1]],
    [[1, 4, 5, 6], [1 / 4, 1, 3, 3], [1 / 5, 1 / 3, 1, 2], [1 / 6, 1 / 3, 1 / 2, 1]],
    [[1, 1 / 2, 1, 2], [2, 1, 1 / 2, 3], [1, 2, 1, 4], [1 / 2, 1 / 3, 1 / 4, 1]],
]
DONG_WEIGHTS = [0.1, 0.3, 0.1, 0.2, 0.3]


def test_dong_2010_collective_matrix_weights_and_consensus_indices():
    w, panel = ahp_group(DONG, method="aij", weights=DONG_WEIGHTS, prioritization="geometric", warn=False)
    # the collective judgement matrix A(c) and its RGMM priorities, as printed
    assert panel.attrs["group_matrix"] == pytest.approx(np.array([
        [1, 2.227, 3.4756, 5.0937], [0.4490, 1, 1.9663, 4.0005],
        [0.2877, 0.5086, 1, 2.4623], [0.1963, 0.2500, 0.4061, 1]]), abs=6e-5)
    assert np.round(w, 4).tolist() == [0.4984, 0.2727, 0.1541, 0.0747]
    # each decision maker's own priorities w(k)
    own = panel[[0, 1, 2, 3]].to_numpy()
    assert np.round(own, 4).tolist() == [[0.6145, 0.2246, 0.0985, 0.0624], [0.6461, 0.2270, 0.0793, 0.0476],
                                         [0.5693, 0.2764, 0.0967, 0.0575], [0.5967, 0.2208, 0.1089, 0.0736],
                                         [0.2247, 0.2958, 0.3780, 0.1015]]
    # Table 3: GCCI (the distance from the group) and GOCI (the rank distance)
    assert panel["distance"].round(4).tolist() == [0.4285, 0.8707, 0.4113, 0.3774, 2.1944]
    assert panel["rank_distance"].tolist() == [0, 0, 0, 0, 1]
    # ... and GCI, the distance of a matrix from its own weights
    gci = [consensus_distance(np.array(a), panel.loc[e, [0, 1, 2, 3]].to_numpy())
           for a, e in zip(DONG, panel.index)]
    assert np.round(gci, 4).tolist() == [0.1349, 0.2358, 0.1194, 0.1657, 0.2208]
    g = panel.attrs["group_matrix"]
    assert round(consensus_distance(g, w), 3) == 0.056
    assert panel["expert_weight"].tolist() == pytest.approx(DONG_WEIGHTS)


def _power_iteration(a: np.ndarray, steps: int = 500) -> np.ndarray:
    """The principal eigenvector by repeated multiplication (independent of numpy.linalg.eig)."""
    v = np.ones(len(a)) / len(a)
    for _ in range(steps):
        v = a @ v
        v = v / v.sum()
    return v


def _geomean_matrix(matrices, weights) -> np.ndarray:
    """Element by element, with math.prod: the weighted geometric mean of the judgements."""
    n = len(matrices[0])
    total = sum(weights)
    return np.array([[math.prod(m[i][j] ** (lam / total) for m, lam in zip(matrices, weights))
                      for j in range(n)] for i in range(n)])


PANEL = [
    [[1, 3, 5, 1 / 2], [1 / 3, 1, 2, 1 / 4], [1 / 5, 1 / 2, 1, 1 / 6], [2, 4, 6, 1]],
    [[1, 2, 7, 1], [1 / 2, 1, 3, 1 / 2], [1 / 7, 1 / 3, 1, 1 / 5], [1, 2, 5, 1]],
    [[1, 1 / 2, 3, 1 / 3], [2, 1, 5, 1], [1 / 3, 1 / 5, 1, 1 / 7], [3, 1, 7, 1]],
]


@pytest.mark.parametrize("weights", [None, [2, 1, 1]])
def test_aij_with_eigenvectors_matches_an_independent_calculation(weights):
    lam = weights or [1, 1, 1]
    w, panel = ahp_group(PANEL, method="aij", weights=weights)
    g = _geomean_matrix(PANEL, lam)
    assert panel.attrs["group_matrix"] == pytest.approx(g, rel=1e-12)
    assert w == pytest.approx(_power_iteration(g), abs=1e-10)
    lam_max = float((g @ w / w).mean())
    assert panel.attrs["group_cr"] == pytest.approx((lam_max - 4) / 3 / 0.90, abs=1e-9)


def test_aip_with_eigenvectors_matches_an_independent_calculation():
    lam = [1, 3, 2]
    w, panel = ahp_group(PANEL, method="aip", weights=lam)
    own = [_power_iteration(np.array(m)) for m in PANEL]
    g = np.array([math.prod(v[i] ** (l / 6) for v, l in zip(own, lam)) for i in range(4)])
    assert w == pytest.approx(g / g.sum(), abs=1e-10)
    assert panel[[0, 1, 2, 3]].to_numpy() == pytest.approx(np.array(own), abs=1e-10)


def test_goepel_consensus_by_hand():
    w, panel = ahp_group(PANEL)
    p = panel[[0, 1, 2, 3]].to_numpy()
    h = [-sum(x * math.log(x) for x in row) for row in p]
    h_alpha = sum(h) / 3
    mean = p.mean(axis=0)
    h_gamma = -sum(x * math.log(x) for x in mean)
    n, m = 4, 9
    h_alpha_min = -(m / (n + m - 1)) * math.log(m / (n + m - 1)) - (n - 1) / (n + m - 1) * math.log(1 / (n + m - 1))
    d_min = math.exp(h_alpha_min) / math.exp(math.log(n))
    expected = (math.exp(-(h_gamma - h_alpha)) - d_min) / (1 - d_min)
    assert panel.attrs["consensus"] == pytest.approx(expected, rel=1e-12)
    assert 0 < expected < 1 and panel.attrs["consensus_band"] == consensus_band(expected)


def test_consensus_is_one_for_identical_experts_and_zero_for_the_most_divided_panel():
    assert consensus_indicator([[0.6, 0.3, 0.1]] * 4) == pytest.approx(1.0)
    # each expert as extreme as the 1-9 scale allows (9 to 1 against every other criterion), on a different
    # criterion each: the panel the indicator is scaled to call 0
    n = 5
    mats = []
    for k in range(n):
        a = np.ones((n, n))
        a[k, :], a[:, k] = 9.0, 1 / 9
        a[k, k] = 1.0
        mats.append(a)
    _, panel = ahp_group(mats, warn=False)
    assert panel.attrs["consensus"] == pytest.approx(0.0, abs=1e-9)
    assert panel.attrs["consensus_band"] == "very_low"
    assert np.isnan(consensus_indicator([[0.5, 0.5]]))  # one expert is no panel


def test_a_consistent_panel_of_one_mind_gives_its_weights_back():
    w0 = np.array([0.4, 0.3, 0.2, 0.1])
    a = w0[:, None] / w0[None, :]
    for method in ("aij", "aip"):
        w, panel = ahp_group({"甲": a, "乙": a, "丙": a}, method=method)
        assert w == pytest.approx(w0)
        assert panel["cr"].tolist() == pytest.approx([0, 0, 0], abs=1e-12)
        assert panel["distance"].tolist() == pytest.approx([0, 0, 0], abs=1e-20)
        assert panel["worst_a"].isna().all() and panel["suggested"].isna().all()
        assert panel.attrs["consensus"] == pytest.approx(1.0)
        assert panel.index.tolist() == ["甲", "乙", "丙"]


def test_the_worst_comparison_of_each_expert_is_the_single_matrix_diagnosis():
    _, panel = ahp_group(PANEL)
    for k, a in enumerate(PANEL):
        top = ahp_inconsistency(np.array(a)).iloc[0]
        row = panel.iloc[k]
        assert (row["worst_i"], row["worst_j"]) == (top["i"], top["j"])
        assert row["suggested"] == top["suggested"] and row["cr_if_changed"] == pytest.approx(top["cr_if_changed"])
        assert row["cr"] == pytest.approx(wb.weights.consistency_ratio(a))
        assert row["consistent"] == (row["cr"] <= 0.1)


def test_labelled_matrices_are_aligned_by_name_and_the_api_of_the_design():
    names = ["team", "education", "red"]
    m1 = pd.DataFrame([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]], index=names, columns=names)
    order = ["red", "team", "education"]
    m2 = m1.loc[order, order]
    w, panel = wb.weights.ahp_group([m1, m2], method="aij")
    assert list(w.index) == names and w.sum() == pytest.approx(1)
    single, _ = wb.weights.ahp(m1)
    assert w.to_numpy() == pytest.approx(single.to_numpy())
    assert panel.loc["expert 1", "team"] == pytest.approx(single["team"])
    assert panel.attrs["criteria"] == names and panel.attrs["experts"] == ["expert 1", "expert 2"]


def test_an_expert_weight_counts_more():
    a = [[1, 5], [1 / 5, 1]]
    b = [[1, 1 / 5], [5, 1]]
    even, _ = ahp_group([a, b])
    assert even == pytest.approx([0.5, 0.5])
    heavy, panel = ahp_group({"a": a, "b": b}, weights={"a": 3, "b": 1})
    assert heavy[0] > 0.5 and panel["expert_weight"].tolist() == [0.75, 0.25]
    # the weighted geometric mean of 5 and 1/5 with weights 3:1 is 5 ** 0.5
    assert panel.attrs["group_matrix"][0, 1] == pytest.approx(5 ** 0.5)


@pytest.mark.parametrize("bad, message", [
    ([[[1, 3], [3, 1]]], "expert 'expert 1': the matrix is not reciprocal: a[0,1] = 3"),
    ([[[1, 0], [0, 1]]], "expert 'expert 1': pairwise judgements must be positive"),
    ([[[1, 2], [0.5, 1]], np.ones((3, 3))], "expert 'expert 2': every matrix must be 2 x 2"),
    ([], "at least one expert"),
])
def test_bad_panels_are_refused_naming_the_expert(bad, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ahp_group(bad)


def test_bad_expert_weights_and_methods_are_refused():
    a = [[1, 2], [1 / 2, 1]]
    with pytest.raises(ValueError, match="one weight per expert"):
        ahp_group([a, a], weights=[1])
    with pytest.raises(ValueError, match="positive"):
        ahp_group([a, a], weights=[1, 0])
    with pytest.raises(ValueError, match=r"no expert named \['c'\]"):
        ahp_group({"a": a, "b": a}, weights={"a": 1, "c": 1})
    with pytest.raises(ValueError, match="'aij'"):
        ahp_group([a], method="mean")
    names = ["x", "y"]
    other = pd.DataFrame(a, index=["x", "z"], columns=["x", "z"])
    with pytest.raises(ValueError, match=r"expert 'expert 2' compares other criteria.*missing \['y'\]"):
        ahp_group([pd.DataFrame(a, index=names, columns=names), other])


def test_an_inconsistent_panel_warns():
    bad = [[1, 3, 1 / 5], [1 / 3, 1, 3], [5, 1 / 3, 1]]
    with pytest.warns(AHPConsistencyWarning, match="panel"):
        ahp_group([bad, bad])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ahp_group([bad, bad], warn=False)


@st.composite
def reciprocal(draw, n):
    scale = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 1, 2, 3, 5, 7, 9]
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            v = draw(st.sampled_from(scale))
            a[i, j], a[j, i] = v, 1 / v
    return a


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 6).flatmap(lambda n: st.lists(reciprocal(n), min_size=2, max_size=5)),
       st.lists(st.floats(0.1, 10), min_size=5, max_size=5))
def test_aij_and_aip_agree_under_row_geometric_means_and_respect_unanimity(mats, lam):
    lam = lam[:len(mats)]
    w_aij, panel = ahp_group(mats, method="aij", weights=lam, prioritization="geometric", warn=False)
    w_aip, _ = ahp_group(mats, method="aip", weights=lam, prioritization="geometric", warn=False)
    assert w_aij == pytest.approx(w_aip, rel=1e-9)              # Barzilai & Golany (1994)
    assert w_aij.sum() == pytest.approx(1)
    own = panel[list(range(len(w_aij)))].to_numpy()
    for i in range(len(w_aij)):                                   # Pareto: all prefer i to j -> so does the group
        for j in range(len(w_aij)):
            if np.all(own[:, i] > own[:, j]):
                assert w_aip[i] > w_aip[j]
    assert aggregate_judgements(mats, lam) == pytest.approx(panel.attrs["group_matrix"])
    s = panel.attrs["consensus"]
    assert s <= 1 + 1e-12
