"""The facts every meeting output shows: context, standing (ranks overall, in township, in kind), errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import workbench as wb
from workbench.meeting import MeetingError, OutputContext, gather
from workbench.meeting.facts import group_ranks
from workbench.studies.kpis import county_kpis


def test_context_says_year_scheme_weights_data_and_when_in_both_languages():
    scheme = wb.Scheme(wb.Framework.default()).with_weights({"team": 0.3}, name="重队伍")
    ctx = OutputContext.of(scheme, 2025, source="/srv/data/县2025.xlsx", loaded_at="2026-11-30T09:15:42",
                           made_at="2026-11-30T10:01:00")
    zh, en = ctx.footer("zh"), ctx.footer("en")
    team = f"{scheme.dimension_weights['team']:.0%}"
    assert "2025 年度" in zh and "方案 重队伍" in zh and f"队伍建设 {team}" in zh
    assert "数据 县2025.xlsx（2026-11-30 09:15 载入）" in zh and "生成于 2026-11-30 10:01" in zh
    assert "Year 2025" in en and f"Team and reserve cadres {team}" in en and "loaded 2026-11-30 09:15" in en
    assert "/srv/data" not in zh + en  # the server's folders are nobody's business
    assert sum(w for *_, w in ctx.weights) == pytest.approx(1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.period = 2024


def test_standing_ranks_equal_the_assessment_and_the_groups(sample_facts):
    st, result = sample_facts.standing, sample_facts.result
    assert st["rank"].astype(int).equals(result.rank.reindex(st.index).astype(int))
    assert st["total"].equals(result.total.reindex(st.index))
    # within a township: 1 + the number of its branches with a higher total
    for bid in st.index[::37]:
        row = st.loc[bid]
        same = st[st["township"] == row["township"]]
        assert row["rank_township"] == 1 + int((same["total"] > row["total"]).sum())
        kind = st[st["kind"] == row["kind"]]
        assert row["rank_kind"] == 1 + int((kind["total"] > row["total"]).sum())
        assert row["of_kind"] == len(kind)
    assert st.index[0] == result.rank.idxmin()


def test_key_figures_are_the_overviews(sample_facts):
    f = sample_facts
    assert f.kpis == county_kpis(f.data, f.table, f.result, f.violations)


def test_a_year_without_records_is_refused_in_both_languages(sample):
    with pytest.raises(MeetingError) as err:
        gather(sample, period=1990)
    assert err.value.message("zh") == "数据中没有 1990 年的记录；有记录的年份：2024, 2025"
    assert "no records of 1990" in err.value.message("en")


def test_without_last_year_there_is_no_comparison(sample):
    facts = gather(sample, period=2024, draws=20)
    assert facts.previous is None and facts.years is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.one_of(st.none(), st.integers(0, 20))), min_size=1,
                max_size=30))
def test_group_ranks_are_min_ranks_within_each_group(rows):
    index = [f"b{k}" for k in range(len(rows))]
    groups = pd.Series([g for g, _ in rows], index=index)
    total = pd.Series([np.nan if v is None else float(v) for _, v in rows], index=index)
    rank, size = group_ranks(total, groups)
    for b in index:
        same = total[groups == groups[b]]
        assert size[b] == same.notna().sum()
        if np.isnan(total[b]):
            assert pd.isna(rank[b])
        else:
            assert rank[b] == 1 + int((same > total[b]).sum())


def test_the_results_workbook_says_year_scheme_data_and_when(sample, tmp_path):
    result = wb.Scheme(wb.Framework.default()).score(wb.compute_indicators(sample, period=2025))
    path = result.to_excel(tmp_path / "results.xlsx", data=sample, loaded_at="2026-11-30T09:15:00")
    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    method = sheets["方法 Method"].set_index("项目 Item")["值 Value"]
    assert method["考评年度 Period"] == 2025 and method["方案 Scheme"] == "default"
    assert method["数据 Data"] == "sample_data" and method["数据载入时间 Data loaded"] == "2026-11-30 09:15:00"
    assert str(method["生成时间 Created"]).startswith(str(pd.Timestamp.now().year))
    assert "权重 Weights" in sheets
