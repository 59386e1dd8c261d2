"""Charts of the screening list and the year-over-year view: fig.data and fig.layout, never pixels."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

import workbench as wb
from workbench.settings.screening import screen
from workbench.studies.trends import year_over_year
from workbench.views import trend_charts as tc

FW = wb.Framework.default()


@pytest.fixture(scope="module")
def screened(sample):
    return screen(sample, FW, 2025)


@pytest.fixture(scope="module")
def yoy(sample):
    return year_over_year(sample, FW)


ALL = [
    ("screening_by_township", "screened"), ("screening_triggers", "screened"),
    ("grade_transitions", "yoy"), ("rank_shifts", "yoy"), ("township_trends", "yoy"), ("movers_bars", "yoy"),
]


@pytest.mark.parametrize("name, source", ALL)
def test_every_builder_has_the_common_signature(name, source, request):
    result = request.getfixturevalue(source)
    builder = getattr(tc, name)
    for lang in ("zh", "en"):
        fig = builder(result, lang=lang, title="T", height=480, theme="dark")
        assert isinstance(fig, go.Figure)
        assert fig.layout.title.text == "T" and fig.layout.height == 480
        assert fig.layout.paper_bgcolor == "#1e1f24"
    assert builder(result).layout.title.text  # a default title


def test_screening_by_township_counts_candidates_and_the_rest(screened):
    fig = tc.screening_by_township(screened, lang="en")
    cand, rest = fig.data
    towns = screened.by_township()
    assert list(cand.y) == list(towns.index[::-1])        # most candidates on top
    assert list(cand.x) == towns["candidates"].tolist()[::-1]
    assert (np.asarray(cand.x) + np.asarray(rest.x)).tolist() == towns["branches"].tolist()[::-1]
    assert sum(cand.x) == len(screened.candidates)
    assert fig.layout.barmode == "stack"
    assert fig.layout.title.text.startswith("58 candidates in 2025")


@pytest.mark.parametrize("name", ["screening_by_township", "screening_triggers"])
def test_the_legend_is_a_line_under_the_title_not_over_it(name, screened):
    for lang in ("zh", "en"):
        fig = getattr(tc, name)(screened, lang=lang, title="T")
        assert fig.layout.showlegend is False
        keys = fig.layout.title.subtitle.text
        assert [t.name for t in fig.data if t.name and t.name in keys] == [t.name for t in fig.data if t.name]


def test_screening_triggers_by_group(screened):
    fig = tc.screening_triggers(screened, lang="zh")
    names = [t.name for t in fig.data]
    assert names == ["班子建设", "组织生活", "作用发挥"]
    counted = {y: x for t in fig.data for y, x in zip(t.y, t.x)}
    by = screened.by_trigger()
    assert counted == dict(zip(by["label_zh"], by["branches"]))
    assert list(fig.layout.yaxis.categoryarray) == by["label_zh"].tolist()[::-1]


def test_grade_transitions_heatmap(yoy):
    fig = tc.grade_transitions(yoy, lang="zh")
    heat = fig.data[0]
    labels = ["三强", "规范", "基本", "软弱涣散"]
    assert list(heat.x) == labels and list(heat.y) == labels[::-1]
    counts = np.asarray(heat.customdata, dtype=float)[::-1]
    np.testing.assert_array_equal(counts, yoy.transitions.to_numpy())
    z = np.asarray(heat.z, dtype=float)[::-1]
    # below the diagonal (a better grade this year) green (> 0), above red (< 0), the diagonal 0
    assert np.nanmin(z[np.tril_indices(4, -1)]) > 0 and np.nanmax(z[np.triu_indices(4, 1)]) < 0
    assert np.all(np.diag(z)[np.diag(counts) > 0] == 0)
    assert fig.layout.xaxis.title.text == "2025 年等次" and fig.layout.yaxis.title.text == "2024 年等次"


def test_rank_shifts_scatter_by_grade_move(yoy):
    fig = tc.rank_shifts(yoy, lang="en")
    points = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in points] == ["Up", "Same", "Down"]
    assert sum(len(t.x) for t in points) == len(yoy.branches)
    moves = yoy.grade_moves()
    assert [len(t.x) for t in points] == [moves["up"], moves["same"], moves["down"]]
    assert fig.layout.xaxis.title.text == "Total 2024" and fig.layout.yaxis.title.text == "Total 2025"
    assert tuple(fig.layout.xaxis.range) == tuple(fig.layout.yaxis.range)


def test_township_trends_heatmap(yoy):
    fig = tc.township_trends(yoy, lang="zh")
    heat = fig.data[0]
    assert list(heat.x)[-1] == "总分" and len(heat.x) == len(FW.dimensions) + 1
    t = yoy.townships
    total = t[t["dimension"] == "total"].set_index("township")["change"]
    assert list(heat.y) == total.sort_values(kind="stable").index.tolist()
    z = np.asarray(heat.z, dtype=float)
    np.testing.assert_allclose(z[:, -1], total.sort_values(kind="stable").to_numpy())
    assert heat.zmin == -heat.zmax  # centred on no change


def test_movers_bars_show_shift_and_why(yoy):
    fig = tc.movers_bars(yoy, lang="en")
    bar = fig.data[0]
    m = yoy.movers
    assert list(bar.x) == m["shift"].astype(float).tolist()[::-1]
    colors = {float(x): c for x, c in zip(bar.x, bar.marker.color)}
    assert all(c == (tc.MOVE_COLORS[1] if x > 0 else tc.MOVE_COLORS[-1]) for x, c in colors.items())
    first = m.index[0]
    hover = bar.customdata[-1]
    assert m.loc[first, "why_en"].split("; ")[0] in hover[3]


def test_why_bars_for_one_branch(yoy):
    first = yoy.movers.index[0]
    fig = tc.why_bars(yoy, first, lang="zh", top=5)
    bar = fig.data[0]
    why = yoy.why(first, lang="zh", top=5)
    assert list(bar.y) == why["label"].tolist()[::-1]
    np.testing.assert_allclose(bar.x, why["change"].to_numpy()[::-1])
    assert fig.layout.title.text.endswith("2024 → 2025")
