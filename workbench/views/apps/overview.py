"""The overview: key figures, grades, scores by township, best and weakest branches, and year over year.

The key figures are the county's (:mod:`workbench.studies.kpis`): each card
carries its one label and, as a hover, what it counts, the same on the
settings and inspection pages. The year-over-year section is
:mod:`workbench.views.apps.yoy`.

>>> app = build_overview_app("sample_data", lang="en")
>>> sorted(app.views)[:4]
['deck', 'export', 'grades', 'header']
"""

from __future__ import annotations

import ipywidgets as w
import numpy as np

from ...i18n import tr
from ...studies.kpis import county_kpis, figure_label
from .. import charts
from ..mvc import App, follow
from ..scoring import ScoringModel
from ..state import AppState
from ..widgets.chart import ChartView
from ..widgets.data_picker import DataPicker
from ..widgets.export import ExportBar
from ..widgets.meeting import MeetingButton
from ..widgets.header import Header
from ..widgets.html import esc, kpi_cards, style
from .common import Opened, data_section, open_app
from .controls import figure_card, page_style
from .yoy import YearOverYearModel, YearOverYearView

__all__ = ["KpiCards", "RankingView", "OverviewApp", "build_overview_app"]


class KpiCards:
    """Key figures of the county: branches, members, grades, violations, rectification."""

    def __init__(self, state: AppState, scoring: ScoringModel):
        self.state, self.scoring = state, scoring
        self.widget = w.HTML()
        self.kpis: dict | None = None
        follow(scoring, "revision", self._compute)
        state.observe(lambda _: self.render(), names="lang")

    def _compute(self) -> None:
        result = self.scoring.result
        self.kpis = None if result is None else county_kpis(self.state.data, self.scoring.table, result)
        self.render()

    def render(self) -> None:
        lang = self.state.lang
        k, result = self.kpis, self.scoring.result
        if k is None or result is None:
            self.widget.value = ""
            return
        fw = result.framework
        colors = charts.grade_colors(fw)
        n = max(k["branches"], 1)
        cards = [(tr("branches", lang), f"{k['branches']:,}", f"{tr('members', lang)} {k['members']:,}", "#2166ac")]
        for g, count in k["grades"].items():
            cards.append((fw.label(g, lang), f"{count:,}", tr("share_of_branches", lang, share=count / n),
                          colors[g]))
        # the county's key figures: one label, one number and one definition (the hover) on every page
        cards += [
            figure_card("violations", f"{k['violations']:,}", tr("figure_violations_detail", lang,
                        errors=k["violation_errors"], warnings=k["violation_warnings"],
                        branches=k["violation_branches"]), "#b2182b", lang),
            figure_card("rectification_rate", f"{k['rectification_rate']:.0%}", tr(
                "rectification_detail", lang, done=k["problems_closed"], found=k["problems_found"]), "#1b7837", lang),
            figure_card("problems_overdue", f"{k['problems_overdue']:,}",
                        f"{figure_label('problems_open', lang)} {k['problems_open']:,}", "#e08214", lang),
        ]
        self.widget.value = kpi_cards(cards)


class RankingView:
    """Top or bottom branches with their rank shift against the baseline weighting."""

    def __init__(self, state: AppState, scoring: ScoringModel, *, n: int = 10, compare: bool = True):
        self.state, self.scoring, self.compare, self.n = state, scoring, compare, n
        self.which = w.ToggleButtons(options=[("top", "top"), ("bottom", "bottom")], value="top",
                                     style={"button_width": "110px"})
        self.summary = w.HTML()
        self.chart = ChartView(state, self._figure, inputs=[(scoring, "revision")], name="ranking")
        self.which.observe(lambda _: self.chart.render(), names="value")
        follow(scoring, "revision", self._summary)
        follow(state, "lang", self._labels)
        self.widget = w.VBox([self.which, self.summary, self.chart.widget], layout=w.Layout(width="100%"))
        self.chart.render()

    def _figure(self, lang, theme):
        if self.scoring.result is None:
            return None
        return charts.ranking(self.scoring.result, lang=lang, theme=theme, names=self.state.names,
                              baseline=self.scoring.baseline if self.compare else None, n=self.n,
                              which=self.which.value)

    def _labels(self) -> None:
        lang = self.state.lang
        value = self.which.value
        self.which.options = [(tr("top_n", lang, n=self.n), "top"), (tr("bottom_n", lang, n=self.n), "bottom")]
        self.which.value = value
        self._summary()

    def _summary(self) -> None:
        cmp = self.scoring.comparison
        if cmp is None or not self.compare:
            self.summary.value = ""
            return
        moved = int((cmp.table["shift"].fillna(0) != 0).sum())
        tau = cmp.kendall_tau if np.isfinite(cmp.kendall_tau) else 1.0
        text = tr("comparison_summary", self.state.lang, moved=moved, changed=cmp.grade_changes, tau=tau)
        self.summary.value = f"<div class='wb-note'>{esc(text)}</div>"


class OverviewApp(App):
    """Key figures, grades, scores by township, the best and weakest branches."""

    name = "overview"

    def __init__(self, opened: Opened):
        state = opened.state
        super().__init__(state)
        scoring = ScoringModel(state)
        header = Header(state, "overview_title")
        picker = DataPicker(state, data_root=opened.data_root, exports=opened.exports)
        kpis = KpiCards(state, scoring)
        grades = ChartView(state, lambda lang, theme: scoring.result and charts.grade_distribution(
            scoring.result, lang=lang, theme=theme, height=440), inputs=[(scoring, "revision")], name="grades")
        towns = ChartView(state, lambda lang, theme: scoring.result and charts.township_scores(
            scoring.result, state.townships, lang=lang, theme=theme, height=440), inputs=[(scoring, "revision")],
            name="townships")
        grades.render()
        towns.render()
        ranking = RankingView(state, scoring, compare=False)
        yoy_model = YearOverYearModel(state, scoring)
        yoy = YearOverYearView(state, yoy_model, opened.exports)
        export = ExportBar(state, scoring, {"grades": grades, "townships": towns, "ranking": ranking.chart},
                           opened.exports)
        deck = MeetingButton(state, scoring, opened.exports, kind="deck")
        charts_row = w.HBox([w.Box([grades.widget], layout=w.Layout(flex="1 1 380px", min_width="0")),
                             w.Box([towns.widget], layout=w.Layout(flex="2 1 520px", min_width="0"))],
                            layout=w.Layout(flex_flow="row wrap", width="100%", grid_gap="12px"))
        self.models = {"scoring": scoring, "yoy": yoy_model}
        self.views = {"header": header, "picker": picker, "kpis": kpis, "grades": grades, "townships": towns,
                      "ranking": ranking, "yoy": yoy, "export": export, "deck": deck}
        self.widget = w.VBox([style(), page_style(), header.widget, data_section(state, picker), kpis.widget,
                              charts_row, ranking.widget,
                              w.VBox([export.widget, deck.widget], layout=w.Layout(width="100%")), yoy.widget], layout=w.Layout(width="100%"))
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-app-overview")
        self.widget.add_class("wb-pages")

    @property
    def scoring(self) -> ScoringModel:
        return self.models["scoring"]


def build_overview_app(data=None, *, lang: str | None = None, theme: str | None = None, period: int | None = None,
                       state_dir=None, data_root=None) -> App:
    """Overview: key figures, grades, scores by township, best and weakest branches."""
    return open_app(OverviewApp, data, lang=lang, theme=theme, period=period, state_dir=state_dir,
                    data_root=data_root, title_key="overview_title")
