"""The rule violations of the baseline: key figures, by rule and by township, filters, the list.

The figures are the county's key figures (:func:`~workbench.studies.kpis.violation_figures`,
with the labels and hovers every page uses), so the overview and this page
show the same numbers under the same names.

>>> from workbench.views.state import AppState
>>> model = ViolationsModel(AppState.from_source("sample_data"))
>>> model.severity = "error"
>>> set(model.filtered()["severity"])
{'error'}
"""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
import traitlets as t

from ... import charts
from ....i18n import tr
from ....settings.rules import check_rules
from ....settings.violations import (
    filter_violations,
    rule_label,
    violation_list,
    violations_by_rule,
    violations_by_township,
)
from ....studies.kpis import violation_figures
from ...mvc import Model, follow
from ...state import AppState
from ...widgets.chart import ChartView
from ...widgets.html import Cell, esc, html_table, kpi_cards, section_title
from ..controls import ALL, Choice, field, figure_card

__all__ = ["ViolationsModel", "ViolationsView", "TABLE_ROWS"]

#: Rows of the list shown on the page (the rest are counted below it).
TABLE_ROWS = 80
SEVERITIES = ("error", "warning")
CATEGORIES = ("setting", "activity")


class ViolationsModel(Model):
    """The rule violations of the baseline for the period (a :func:`violation_list`) and the filters."""

    rule = t.Unicode(ALL, allow_none=True)
    township = t.Unicode(ALL, allow_none=True)
    severity = t.Unicode(ALL, allow_none=True)
    category = t.Unicode(ALL, allow_none=True)

    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.violations: pd.DataFrame | None = None
        self.figures: dict[str, int] = {}
        state.observe(lambda _: self.refresh(), names=["revision", "period"])
        self.refresh()

    def refresh(self) -> None:
        s = self.state
        v = check_rules(s.data, s.framework.rules, period=s.period)
        self.violations = violation_list(v, s.data)
        self.figures = violation_figures(self.violations)
        self.changed()

    def filtered(self) -> pd.DataFrame:
        """The violations that match the filters."""
        def chosen(value):
            return None if value in (None, ALL) else value

        return filter_violations(self.violations, rules=chosen(self.rule), townships=chosen(self.township),
                                 severities=chosen(self.severity), categories=chosen(self.category))


class ViolationsView:
    """The key figures, violations by rule and by township (one chart), filters and the filtered list."""

    FILTERS = ("rule", "township", "severity", "category")

    def __init__(self, state: AppState, model: ViolationsModel):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.summary = w.HTML()
        self.chart = ChartView(state, self._figure, inputs=[(model, "revision")], name="violations")
        self.rule = w.Dropdown(layout=w.Layout(width="300px", max_width="100%"))
        self.township = w.Dropdown(layout=w.Layout(width="220px", max_width="100%"))
        self.severity = w.Dropdown(layout=w.Layout(width="150px"))
        self.category = w.Dropdown(layout=w.Layout(width="190px"))
        every = [(model, "revision")]
        self.choices = {
            "rule": Choice(state, self.rule, model, "rule", self._rule_options, refresh_on=every),
            "township": Choice(state, self.township, model, "township", self._township_options, refresh_on=every),
            "severity": Choice(state, self.severity, model, "severity", lambda lang: self._every(lang) + [
                (tr(f"rule_severity_{s}", lang), s) for s in SEVERITIES]),
            "category": Choice(state, self.category, model, "category", lambda lang: self._every(lang) + [
                (tr(f"rule_category_{c}", lang), c) for c in CATEGORIES]),
        }
        self.shown = w.HTML()
        self.table = w.HTML()
        follow(model, "revision", self._heading)
        state.observe(lambda _: self._heading(), names="lang")
        follow(model, ["revision", *self.FILTERS], self.render_table)
        state.observe(lambda _: self.render_table(), names="lang")
        filters = w.HBox([w.HBox([field(state, f"filter_{k}", bold=True), getattr(self, k)],
                                 layout=w.Layout(align_items="center", margin="0 14px 0 0", max_width="100%"))
                          for k in self.FILTERS], layout=w.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = w.VBox([self.title, self.summary, self.chart.widget, filters, self.shown, self.table],
                             layout=w.Layout(width="100%"))
        self.chart.render()

    @staticmethod
    def _every(lang: str) -> list[tuple[str, str]]:
        return [(tr("all", lang), ALL)]

    def _rule_options(self, lang: str) -> list[tuple[str, str]]:
        rules = violations_by_rule(self.model.violations).index.tolist()
        return self._every(lang) + [(rule_label(r, lang), r) for r in rules]

    def _township_options(self, lang: str) -> list[tuple[str, str]]:
        return self._every(lang) + [(tw, tw) for tw in sorted(self.state.townships.dropna().unique())]

    def _figure(self, lang, theme):
        v = self.model.violations
        return charts.violations_overview(violations_by_rule(v), violations_by_township(v, self.state.townships),
                                          lang=lang, theme=theme)

    def _heading(self) -> None:
        lang = self.state.lang
        f = self.model.figures
        self.title.value = section_title(tr("sec_violations", lang) + f" · {self.state.period}")
        self.summary.value = kpi_cards([
            figure_card("violations", f"{f['violations']:,}", tr("figure_violations_detail", lang,
                        errors=f["violation_errors"], warnings=f["violation_warnings"],
                        branches=f["violation_branches"]), "#b2182b", lang),
            figure_card("violation_errors", f"{f['violation_errors']:,}", "", "#b2182b", lang),
            figure_card("violation_warnings", f"{f['violation_warnings']:,}", "", "#e08214", lang),
            figure_card("violation_branches", f"{f['violation_branches']:,}", "", "#2166ac", lang),
            figure_card("error_branches", f"{f['error_branches']:,}", "", "#8073ac", lang),
        ])

    def filtered(self) -> pd.DataFrame:
        return self.model.filtered()

    def render_table(self) -> None:
        lang = self.state.lang
        rows = self.model.filtered()
        text = tr("violations_shown", lang, n=len(rows), branches=rows["branch_id"].nunique())
        self.shown.value = f"<div class='wb-note'>{esc(text)}</div>"
        head = rows.head(TABLE_ROWS)
        message = "message_zh" if lang == "zh" else "message_en"
        body = [[Cell(f"{esc(r.name)} <span class='wb-note'>{esc(r.branch_id)}</span>", raw=True),
                 r.township, rule_label(r.rule, lang), tr(f"rule_severity_{r.severity}", lang), getattr(r, message)]
                for r in head.itertuples(index=False)]
        css = ["wb-row-bad" if s == "error" else "" for s in head["severity"]]
        more = (f"<div class='wb-note'>{esc(tr('more_rows', lang, n=len(rows) - TABLE_ROWS))}</div>"
                if len(rows) > TABLE_ROWS else "")
        heads = [tr(k, lang) for k in ("col_branch", "township", "col_rule", "col_severity", "col_message")]
        self.table.value = (f"<div class='wb-scroll' style='max-height:420px'>"
                            f"{html_table(heads, body, row_classes=css)}</div>{more}")
