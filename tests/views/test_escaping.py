"""Markup in data is shown as text in every chart: names, townships and labels pass ``charts.plain``.

Every dashboard is built on the sample county with branch and township names
that carry markup plotly would otherwise read (a link, a styled span, a line
break); no figure a page receives carries that markup raw.
"""

from __future__ import annotations

import json
import re

import pytest
from ipywidgets.widgets.widget import _instances

import workbench as wb
from workbench.views import apps
from workbench.views.charts import plain
from workbench.views.widgets.plotly_chart import PlotlyChart

from ..conftest import SAMPLE

LINK = '<a href="http://evil.example/phish">x</a>'
BIG = '<span style="font-size:90px">big</span>'
BREAK = "村<br>支部"
BUILDERS = [getattr(apps, name) for name in apps.__all__ if name.startswith("build_")]


def hostile(data: wb.BranchData) -> wb.BranchData:
    """The county with markup in the names of its best branches and in one township's name."""
    result = wb.Scheme(wb.Framework.default()).score(wb.compute_indicators(data), groups=data)
    best = result.rank.sort_values().index[:3]
    branches = data.branches.copy()
    for branch_id, name in zip(best, (LINK, BIG, BREAK)):
        branches.loc[branches["branch_id"] == branch_id, "name"] = name
    town = branches["township"].iloc[0]
    branches.loc[branches["township"] == town, "township"] = f"<b>{town}</b>"
    return data.replace(branches=branches)


@pytest.fixture(scope="module")
def data():
    return hostile(wb.load(SAMPLE))


def strings(obj):
    """Every string in a parsed figure."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from strings(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from strings(value)


def test_plain_escapes_what_plotly_reads_and_nothing_else():
    assert plain(LINK) == '&lt;a href="http://evil.example/phish"&gt;x&lt;/a&gt;'
    assert plain("A & B < C") == "A &amp; B &lt; C"
    assert plain("支部（2）") == "支部（2）"


@pytest.mark.parametrize("build", BUILDERS, ids=[b.__name__ for b in BUILDERS])
def test_no_figure_of_any_dashboard_carries_markup_from_data(build, data, tmp_path):
    before = set(_instances)
    app = build(data, lang="zh", state_dir=tmp_path)
    charts = [w for k, w in _instances.items() if k not in before and isinstance(w, PlotlyChart)]
    assert charts, "the dashboard draws charts"
    figures = "\n".join(s for chart in charts for s in strings(json.loads(chart.figure_json)))
    # the one markup of our own: a legend's coloured key under a title (trend_charts.legend_under_title)
    figures = re.sub(r'<span style="color:#[0-9a-fA-F]{6}">■</span>', "", figures)
    for raw in (LINK, BIG, BREAK, "<b>"):
        assert raw not in figures
    assert "<a " not in figures and "<span" not in figures
    if build is apps.build_weight_explorer:  # the ranking shows the best branches by name
        assert plain(LINK) in figures and plain(BIG) in figures
    del app
