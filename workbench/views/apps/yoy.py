"""Year over year on the overview: grade transitions, rank shifts, dimension trends per township, and the
branches that moved most with why.

:class:`YearOverYearModel` scores the year shown and the year before with the
overview's scheme (:func:`workbench.studies.trends.year_over_year`) and holds
the two choices a person makes here: whether a value missing this year is
carried forward from last year (an explicit, flagged option: the carried
values are counted, listed and can be downloaded) and which mover's reasons
are shown.

>>> from workbench.views.state import AppState
>>> from workbench.views.scoring import ScoringModel
>>> state = AppState.from_source("sample_data", lang="en")
>>> model = YearOverYearModel(state, ScoringModel(state))
>>> model.result.periods, model.carried_count()
((2024, 2025), 0)
>>> model.carry_forward = True
>>> model.carried_count() > 0
True
"""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
import traitlets as t

from ...i18n import tr
from ...studies.trends import year_over_year
from .. import trend_charts
from ..mvc import Model, bind, follow
from ..scoring import ScoringModel
from ..state import AppState
from ..widgets.chart import ChartView
from ..widgets.export import ExportFolder
from ..widgets.html import esc, section_title
from ..widgets.table import DataTable
from .controls import Choice, export_table, field, output_context

__all__ = ["YearOverYearModel", "YearOverYearView"]


class YearOverYearModel(Model):
    """The year shown against the year before (None when there is no year before), and the choices on it."""

    carry_forward = t.Bool(False)
    branch = t.Unicode(None, allow_none=True)
    result = t.Any(None)

    def __init__(self, state: AppState, scoring: ScoringModel):
        super().__init__()
        self.state, self.scoring = state, scoring
        scoring.observe(lambda _: self.refresh(), names="revision")
        self.observe(lambda _: self.refresh(), names="carry_forward")
        self.refresh()

    @property
    def years(self) -> tuple[int, int] | None:
        after = self.state.period
        if after is None or after - 1 not in self.state.periods:
            return None
        return after - 1, after

    def refresh(self) -> None:
        years = self.years
        if years is None or self.scoring.result is None:
            self.result = None
        else:
            self.result = year_over_year(self.state.data, self.state.framework, before=years[0], after=years[1],
                                         scheme=self.scoring.scheme, carry_forward=self.carry_forward)
        movers = [] if self.result is None else list(self.result.movers.index)
        if self.branch not in movers:
            self.branch = movers[0] if movers else None
        self.changed()

    def filters(self, lang: str) -> dict[str, str]:
        """What the tables of this section depend on besides the scheme: the years and the carry-forward choice.

        >>> from workbench.views.state import AppState
        >>> from workbench.views.scoring import ScoringModel
        >>> state = AppState.from_source("sample_data", lang="en")
        >>> YearOverYearModel(state, ScoringModel(state)).filters("en")
        {'about_years': '2024 → 2025', 'about_carry_forward': 'no'}
        """
        years = self.years
        return {"about_years": f"{years[0]} → {years[1]}" if years else "",
                "about_carry_forward": tr("about_yes" if self.carry_forward else "about_no", lang)}

    def carried_count(self) -> int:
        """How many values of this year were carried forward from last year (0 when the option is off)."""
        carried = None if self.result is None else self.result.carried
        return 0 if carried is None else len(carried)

    def carried_table(self, lang: str) -> pd.DataFrame:
        """The carried values: branch, name, township, indicator (its label), value and the year it comes from."""
        carried = self.result.carried if self.result is not None else None
        if carried is None or carried.empty:
            return pd.DataFrame(columns=["branch_id", "name", "township", "indicator", "value", "from_period"])
        fw = self.state.framework
        ids = carried["branch_id"]
        return pd.DataFrame({
            "branch_id": ids.to_numpy(), "name": self.state.names.reindex(ids).to_numpy(),
            "township": self.state.townships.reindex(ids).to_numpy(),
            "indicator": [fw.label(i, lang) for i in carried["indicator"]],
            "value": carried["value"].round(2).to_numpy(), "from_period": carried["from_period"].to_numpy(),
        })

    def movers_table(self, lang: str) -> pd.DataFrame:
        """The branches that moved most: both years' totals, ranks and grades (before → after), and why."""
        y = self.result
        m = y.movers
        fw = self.state.framework

        def grade(g):
            return fw.label(str(g), lang) if str(g) in fw.grade_ids else "–"
        return pd.DataFrame({
            "branch_id": m.index.to_numpy(), "name": m["name"].to_numpy(),
            "total": [f"{a:.1f} → {b:.1f}" for a, b in zip(m["total_before"], m["total_after"])],
            "rank": [f"{int(a)} → {int(b)}" for a, b in zip(m["rank_before"], m["rank_after"])],
            "shift": m["shift"].to_numpy(),
            "grades": [f"{grade(a)} → {grade(b)}" for a, b in zip(m["grade_before"], m["grade_after"])],
            "why": m[f"why_{'zh' if lang == 'zh' else 'en'}"].to_numpy(),
        })


#: Column labels of the movers and carried tables (catalogue keys).
MOVER_COLUMNS = {"branch_id": "col_branch_id", "name": "col_name", "total": "yoy_col_total",
                 "rank": "yoy_col_rank", "shift": "yoy_rank_shift", "grades": "col_grade", "why": "yoy_col_why"}
CARRIED_COLUMNS = {"branch_id": "col_branch_id", "name": "col_name", "township": "col_township",
                   "indicator": "coh_indicator", "value": "yoy_col_value", "from_period": "yoy_col_from"}


class YearOverYearView:
    """The year-over-year section of the overview."""

    def __init__(self, state: AppState, model: YearOverYearModel, exports: ExportFolder):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.summary = w.HTML()
        self.carry = w.Checkbox(indent=False, layout=w.Layout(width="auto"))
        self.carry.add_class("wb-carry-forward")
        bind(self.carry, "value", model, "carry_forward", render=lambda: model.carry_forward,
             accept=lambda v: setattr(model, "carry_forward", bool(v)))
        self.flag = w.HTML()
        def context():  # both tables of the section: the year, the overview's scheme, the data
            return output_context(state, model.scoring.scheme)
        self.carried = DataTable(state, page_size=10, what="about_what_carried", describe=model.filters,
                                 context=context,
                                 export=lambda frame, about: export_table(exports, "carried", frame, about))
        inputs = [(model, "revision")]

        def chart(build, name):
            return ChartView(state, lambda lang, theme: model.result and build(model.result, lang=lang, theme=theme),
                             inputs=inputs, name=name)
        self.transitions = chart(trend_charts.grade_transitions, "transitions")
        self.shifts = chart(trend_charts.rank_shifts, "rank_shifts")
        self.townships = chart(trend_charts.township_trends, "township_trends")
        self.movers = chart(trend_charts.movers_bars, "movers")
        self.branch = w.Dropdown(layout=w.Layout(width="100%", max_width="420px"))
        self.branch.add_class("wb-yoy-branch")
        self.choice = Choice(state, self.branch, model, "branch", self._mover_options, refresh_on=inputs)
        self.why = ChartView(state, self._why, inputs=[(model, ["revision", "branch"])], name="why")
        self.table = DataTable(state, page_size=10, what="about_what_movers", describe=model.filters,
                               context=context,
                               export=lambda frame, about: export_table(exports, "movers", frame, about))
        for view in (self.transitions, self.shifts, self.townships, self.movers, self.why):
            view.render()

        def cell(view, basis):
            return w.Box([view.widget], layout=w.Layout(flex=f"1 1 {basis}", min_width="0"))
        self.charts = w.VBox([
            # side by side from about 1100 px; one under the other on a laptop at 125 % (1024 px)
            w.HBox([cell(self.transitions, "520px"), cell(self.shifts, "480px")],
                   layout=w.Layout(flex_flow="row wrap", grid_gap="12px", width="100%")),
            self.townships.widget,
            w.HBox([cell(self.movers, "460px"),
                    w.VBox([w.HBox([field(state, "yoy_why_of", bold=True), self.branch],
                                   layout=w.Layout(align_items="center", flex_flow="row wrap")), self.why.widget],
                           layout=w.Layout(flex="1 1 420px", min_width="0"))],
                   layout=w.Layout(flex_flow="row wrap", grid_gap="12px", width="100%")),
            self.table.widget], layout=w.Layout(width="100%"))
        self.widget = w.VBox([self.title, w.HBox([self.carry, self.flag], layout=w.Layout(
            align_items="center", flex_flow="row wrap", grid_gap="8px")), self.carried.widget, self.summary,
            self.charts], layout=w.Layout(width="100%"))
        self.widget.add_class("wb-yoy")
        follow(model, "revision", self.render)
        state.observe(lambda _: self.render(), names="lang")

    def _mover_options(self, lang: str) -> list[tuple[str, str]]:
        y = self.model.result
        if y is None:
            return []
        return [(f"{r['name']} ({b}) {float(r['shift']):+.0f}", b) for b, r in y.movers.iterrows()]

    def _why(self, lang, theme):
        y, b = self.model.result, self.model.branch
        if y is None or not b:
            return None
        return trend_charts.why_bars(y, b, lang=lang, theme=theme)

    def render(self) -> None:
        lang = self.state.lang
        m = self.model
        years = m.years
        self.carry.description = tr("yoy_carry_option", lang)
        self.carry.tooltip = tr("carried_forward_def", lang)
        if m.result is None:
            self.title.value = section_title(tr("yoy_title", lang))
            need = tr("movers_need_two", lang, period=self.state.period)
            self.summary.value = f"<div class='wb-note'>{esc(need)}</div>"
            self.charts.layout.display = "none"
            self.carry.disabled = True
            self.flag.value = ""
            self.carried.widget.layout.display = "none"
            return
        self.carry.disabled = False
        self.charts.layout.display = None
        before, after = years
        self.title.value = section_title(tr("yoy_section", lang, before=before, after=after))
        self.summary.value = f"<div class='wb-note'><b>{esc(m.result.summary(lang))}</b></div>"
        n = m.carried_count()
        if m.carry_forward:
            carried = m.result.carried
            branches = 0 if carried is None else carried["branch_id"].nunique()
            hover = esc(tr("carried_forward_def", lang))
            text = esc(tr("yoy_carried_flag", lang, n=n, branches=branches, year=before))
            self.flag.value = f"<span class='wb-status wb-bad wb-carried-flag' title='{hover}'>{text}</span>"
            self.carried.show(m.carried_table(lang), {c: tr(k, lang) for c, k in CARRIED_COLUMNS.items()},
                              sort_by=self.carried.model.sort_by, descending=self.carried.model.descending)
            self.carried.widget.layout.display = None if n else "none"
        else:
            self.flag.value = f"<span class='wb-note'>{esc(tr('yoy_not_carried', lang))}</span>"
            self.carried.widget.layout.display = "none"
        self.table.show(m.movers_table(lang), {c: tr(k, lang) for c, k in MOVER_COLUMNS.items()},
                        sort_by=self.table.model.sort_by, descending=self.table.model.descending)
