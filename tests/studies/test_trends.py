"""Year over year: transitions, rank shifts, township trends, movers and why; carry-forward."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.assess.indicators import carry_forward
from workbench.studies.research import movers
from workbench.studies.trends import branch_changes, compare_years, why_moved, year_over_year

FW = wb.Framework.default()


@pytest.fixture(scope="module")
def yoy(sample):
    return year_over_year(sample, FW, before=2024, after=2025)


def test_transition_matrix_counts_every_branch_by_both_grades(yoy):
    t = yoy.transitions
    assert list(t.index) == FW.grade_ids and list(t.columns) == FW.grade_ids   # best first
    expected = pd.crosstab(yoy.before.grade.astype(object), yoy.after.grade.astype(object))
    for g1 in FW.grade_ids:
        for g2 in FW.grade_ids:
            assert t.loc[g1, g2] == expected.get(g2, pd.Series(dtype=int)).get(g1, 0)
    assert t.to_numpy().sum() == len(yoy.branches) == 300
    moves = yoy.grade_moves()
    upper = np.triu(t.to_numpy(), 1).sum()   # above the diagonal: a worse grade this year
    assert moves == {"up": int(np.tril(t.to_numpy(), -1).sum()), "down": int(upper),
                     "same": int(np.trace(t.to_numpy()))}
    labels = yoy.transition_labels("zh")
    assert list(labels.index) == ["三强", "规范", "基本", "软弱涣散"] and labels.index.name == "2024 年等次"


def test_branch_changes_are_consistent(yoy):
    b = yoy.branches
    np.testing.assert_allclose(b["change"], b["total_after"] - b["total_before"])
    assert (b["shift"] == b["rank_before"] - b["rank_after"]).all()
    order = {g: k for k, g in enumerate(FW.grade_ids[::-1])}
    expected = np.sign(b["grade_after"].map(order) - b["grade_before"].map(order))
    assert (b["grade_move"].astype(int) == expected).all()
    dims = [c for c in b.columns if c.startswith("dim:")]
    assert [c.removeprefix("dim:") for c in dims] == FW.dimension_ids
    np.testing.assert_allclose(b["dim:team"], yoy.after.dimensions["team"] - yoy.before.dimensions["team"])
    assert yoy.kendall_tau == pytest.approx(yoy.after.compare(yoy.before).kendall_tau)


def test_movers_are_the_largest_rank_shifts_with_their_reasons(yoy):
    m = yoy.movers
    assert len(m) == 10
    shifts = yoy.branches["shift"].astype(float).abs()
    assert m["shift"].astype(float).abs().min() >= shifts.drop(m.index).max()
    assert (m["shift"].astype(float).abs().diff().dropna() <= 0).all()
    first = m.index[0]
    top = yoy.why(first, lang="zh", top=3)
    assert m.loc[first, "why_zh"].startswith(top["label"].iloc[0])
    assert top["label"].iloc[0] in m.loc[first, "why_zh"]
    assert yoy.why(first, lang="en", top=3)["label"].iloc[0] in m.loc[first, "why_en"]
    by_total = compare_years(yoy.before, yoy.after, n_movers=5, by="total")
    assert by_total.movers["change"].abs().min() >= yoy.branches["change"].abs().drop(by_total.movers.index).max()
    with pytest.raises(ValueError, match="by must be"):
        compare_years(yoy.before, yoy.after, by="grade")


def test_township_trends_are_the_mean_dimension_scores(yoy, sample):
    t = yoy.townships
    towns = sample.branches.set_index("branch_id")["township"]
    expected = yoy.after.dimensions["functions"].groupby(towns).mean()
    got = t[t["dimension"] == "functions"].set_index("township")["after"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    total = t[t["dimension"] == "total"].set_index("township")
    pd.testing.assert_series_equal(total["before"].sort_index(),
                                   yoy.before.total.groupby(towns).mean().sort_index(), check_names=False)
    np.testing.assert_allclose(t["change"], t["after"] - t["before"])
    assert set(t["township"]) == set(towns)


def _random_table(rng, n=40, period=2025):
    cols = {}
    for ind in FW.indicators:
        n_ = ind.normalization
        lo = n_.low if n_.low is not None else (n_.worst if n_.worst is not None else 0)
        hi = n_.high if n_.high is not None else (n_.target if n_.target is not None else 1)
        lo, hi = min(lo, hi), max(lo, hi)
        cols[ind.id] = rng.uniform(lo, hi, n)
    for flag in FW.flags:
        cols[flag.id] = np.zeros(n)
    table = pd.DataFrame(cols, index=pd.Index([f"B{i:03d}" for i in range(n)], name="branch_id"))
    table.attrs["period"] = period
    return table


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_why_changes_add_up_to_the_relative_move(seed):
    """Complete data, arithmetic aggregation: the contribution changes add up to the branch's change
    of total minus the county's mean change (the promise of ``why_moved``)."""
    rng = np.random.default_rng(seed)
    before = wb.Scheme(FW).score(_random_table(rng, period=2024))
    after = wb.Scheme(FW).score(_random_table(rng, period=2025))
    branch = "B007"
    why = why_moved(before, after, branch, lang="en")
    relative = (after.total[branch] - after.total.mean()) - (before.total[branch] - before.total.mean())
    assert why["change"].sum() == pytest.approx(relative, abs=1e-9)
    assert (why["change"].abs().diff().dropna() <= 1e-12).all()


def test_research_movers_use_the_same_changes(yoy):
    m = movers(yoy.before, yoy.after)
    changes = branch_changes(yoy.before, yoy.after)
    assert len(m.branches) == int(((changes["grade_before"] == "standardized")
                                   & (changes["grade_after"] == "strong")).sum()) > 0
    pd.testing.assert_series_equal(m.branches["total_after"], changes.loc[m.branches.index, "total_after"])
    assert m.branches["functions"].tolist() == changes.loc[m.branches.index, "dim:functions"].tolist()


def test_summary_sentences(yoy):
    m = yoy.grade_moves()
    assert yoy.summary("zh").startswith(f"{m['up']} 个支部等次上升，{m['down']} 个下降")
    assert yoy.summary("en").startswith(f"{m['up']} branches moved up a grade")


# -------------------------------------------------------------- carry forward

def test_carry_forward_fills_only_missing_records_and_flags_them(sample):
    t24 = wb.compute_indicators(sample, FW, period=2024)
    t25 = wb.compute_indicators(sample, FW, period=2025)
    filled = wb.compute_indicators(sample, FW, period=2025, carry_forward=True)
    carried = filled.attrs["carried"]
    assert set(carried["indicator"]) <= {"satisfaction", "collective_income", "platform_score", "onsite_score",
                                         "materials_score"}
    assert len(carried) > 20 and (carried["from_period"] == 2024).all()
    for row in carried.itertuples(index=False):
        assert np.isnan(t25.loc[row.branch_id, row.indicator])
        assert filled.loc[row.branch_id, row.indicator] == t24.loc[row.branch_id, row.indicator] == row.value
    # "does not apply" stays empty: committee meetings of a branch without a committee
    assert filled["committee_meetings"].isna().equals(t25["committee_meetings"].isna())
    # everything else is this year's
    untouched = filled.drop(columns=carried["indicator"].unique())
    pd.testing.assert_frame_equal(untouched, t25.drop(columns=carried["indicator"].unique()))
    assert "carried" not in t25.attrs


def test_carry_forward_by_hand_and_errors():
    idx = pd.Index(["a", "b", "c"], name="branch_id")
    this = pd.DataFrame({"satisfaction": [80.0, np.nan, np.nan], "committee_meetings": [np.nan, 3.0, 4.0]},
                        index=idx)
    last = pd.DataFrame({"satisfaction": [70.0, 75.0, np.nan], "committee_meetings": [12.0, 3.0, 4.0]},
                        index=idx)
    last.attrs["period"] = 2024
    out = carry_forward(this, last)
    assert out["satisfaction"].tolist()[:2] == [80.0, 75.0] and np.isnan(out.loc["c", "satisfaction"])
    assert np.isnan(out.loc["a", "committee_meetings"])   # not a recorded measure: never carried
    assert out.attrs["carried"][["branch_id", "indicator"]].values.tolist() == [["b", "satisfaction"]]
    explicit = carry_forward(this, last, indicators=["committee_meetings"])
    assert explicit.loc["a", "committee_meetings"] == 12.0
    with pytest.raises(ValueError, match="not columns of the table"):
        carry_forward(this, last, indicators=["nothing"])


def test_year_over_year_with_carry_forward_reports_the_carried_cells(sample):
    y = year_over_year(sample, FW, carry_forward=True)
    assert y.carried is not None and len(y.carried) > 0
    plain = year_over_year(sample, FW)
    assert plain.carried is None
    changed = y.carried["branch_id"].unique()
    assert not np.allclose(y.after.total[changed], plain.after.total[changed])


def test_years_must_be_in_order(sample):
    with pytest.raises(ValueError, match="must be an earlier year"):
        year_over_year(sample, FW, before=2025, after=2024)
