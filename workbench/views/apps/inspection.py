"""Inspection and rectification (key point 5): completion heat map, scores by method, the problem list.

``InspectionModel`` computes everything of a period through
:mod:`workbench.studies.inspection` and holds the problem-list filters; the views render
it. The filters apply to the problem list and to the progress chart alike.

>>> from workbench.views.state import AppState
>>> model = InspectionModel(AppState.from_source("sample_data"))
>>> model.overdue_only = True
>>> set(model.filtered["status"])
{'overdue'}
"""

from __future__ import annotations

import datetime as dt
import html
import os
import tempfile
from pathlib import Path

import ipywidgets as w
import pandas as pd
import traitlets as t

from .. import charts
from ...data.schema import INSPECTION_METHODS, PROBLEM_CATEGORIES, SEVERITIES
from ...i18n import tr
from ...studies.inspection import (
    PROBLEM_STATUSES,
    completion_by_township,
    completion_matrix,
    export_problems,
    filter_problems,
    inspection_kpis,
    inspection_scores,
    period_end,
    problem_list,
    rectification_progress,
    scores_by_township,
)
from ..mvc import App
from ..widgets.chart import ChartView
from ..widgets.data_picker import DataPicker
from ..widgets.header import Header
from ..widgets.html import style
from .common import Opened, data_section, open_app
from ..state import AppState
from ..widgets.html import Cell, download_link, html_table, kpi_cards, section_title, status_html

__all__ = ["InspectionModel", "InspectionKpis", "CompletionView", "ScoresView", "ProblemsView"]

ALL = "__all__"
TABLE_ROWS = 100
STATUS_COLORS = {"overdue": "#b2182b", "open": "#e08214", "closed_late": "#6f6f6f", "closed": "#1b7837"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _esc(key: str, lang: str, **values) -> str:
    return html.escape(tr(key, lang, **values))


class InspectionModel(t.HasTraits):
    """Completion, inspection scores and problems of the period; the problem-list filters.

    ``categories``, ``severities``, ``townships``, ``statuses`` (lists; empty =
    all) and ``overdue_only`` filter ``problems`` into ``filtered`` and the
    rectification ``progress``.
    """

    categories = t.List(t.Unicode())
    severities = t.List(t.Unicode())
    townships = t.List(t.Unicode())
    statuses = t.List(t.Unicode())
    overdue_only = t.Bool(False)
    revision = t.Int(0)          # the period's tables were recomputed
    filter_revision = t.Int(0)   # the filtered list changed

    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.matrix = self.scores = self.problems = self.history = self.kpis = None
        self.filtered = self.progress = None
        state.observe(lambda _: self.refresh(), names=["revision", "period"])
        self.observe(lambda _: self.apply_filters(), names=["categories", "severities", "townships", "statuses",
                                                             "overdue_only"])
        self.refresh()

    def refresh(self) -> None:
        s = self.state
        rules = s.framework.rules
        self.matrix = completion_matrix(s.data, s.period, rules=rules)
        self.scores = inspection_scores(s.data, s.period)
        self.problems = problem_list(s.data, period=s.period)
        # the progress chart runs from the first problem on record to the period end
        self.history = problem_list(s.data, as_of=period_end(s.period))
        self.kpis = inspection_kpis(s.data, s.period, rules=rules)
        self._filter()
        self.revision += 1

    def _filters(self) -> dict:
        return {"categories": self.categories, "severities": self.severities, "townships": self.townships,
                "statuses": self.statuses, "overdue_only": self.overdue_only}

    def _filter(self) -> None:
        self.filtered = filter_problems(self.problems, **self._filters())
        history = filter_problems(self.history, categories=self.categories, severities=self.severities,
                                  townships=self.townships)
        self.progress = rectification_progress(history, end=period_end(self.state.period))

    def apply_filters(self) -> None:
        """Re-filter the list and the progress after a filter changed."""
        self._filter()
        self.filter_revision += 1

    def export(self, folder: str | Path, *, lang: str | None = None) -> Path:
        """The filtered problem list as an Excel workbook in ``folder`` (written atomically)."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = Path(folder) / f"problems-{self.state.period}-{stamp}.xlsx"
        return export_problems(self.filtered, path, lang=lang or self.state.lang)


class InspectionKpis:
    """Problems found and closed off, overdue, three-meetings-one-lesson completion, scores by method."""

    def __init__(self, state: AppState, model: InspectionModel):
        self.state, self.model = state, model
        self.widget = w.HTML()
        model.observe(lambda _: self.render(), names="revision")
        state.observe(lambda _: self.render(), names="lang")
        self.render()

    def render(self) -> None:
        lang = self.state.lang
        k = self.model.kpis
        cards = [
            (tr("kpi_found", lang), f"{k['found']:,}", tr("kpi_found_detail", lang, closed=k["closed"]), "#2166ac"),
            (tr("kpi_rate", lang), f"{k['rate']:.0%}", tr("rectification_detail", lang, done=k["closed"],
                                                             found=k["found"]), "#1b7837"),
            (tr("kpi_overdue", lang), f"{k['overdue']:,}", tr("kpi_overdue_detail", lang, open=k["open"]), "#b2182b"),
            (tr("kpi_completion", lang), f"{k['completion']:.0%}", tr("kpi_completion_detail", lang), "#8073ac"),
        ]
        for method in INSPECTION_METHODS:
            score = k["scores"][method]
            cards.append((tr("kpi_method", lang, method=tr(f"method_{method}", lang)),
                          f"{score:.1f}" if score == score else "–",
                          tr("kpi_method_detail", lang, n=k["inspections"][method]), charts.METHOD_COLORS[method]))
        self.widget.value = kpi_cards(cards)


class CompletionView:
    """Heat map of completion by activity: the townships of the county, or the branches of one township."""

    def __init__(self, state: AppState, model: InspectionModel, *, width: int = 1280):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.scope_label = w.HTML()
        self.scope = w.Dropdown(layout=w.Layout(width="320px"))
        self.chart = ChartView(state, self._figure)
        self._updating = False
        self.scope.observe(lambda _: None if self._updating else self.chart.render(), names="value")
        model.observe(lambda _: self.render(), names="revision")
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([self.title, w.HBox([self.scope_label, self.scope], layout=w.Layout(align_items="center")),
                              self.chart.widget])
        self.render()

    def rows(self) -> pd.DataFrame:
        """The matrix shown: township means, or the branches of the chosen township (weakest first)."""
        m = self.model.matrix
        towns = self.state.townships
        if self.scope.value in (None, ALL):
            return completion_by_township(m, towns)
        here = m[towns.reindex(m.index).to_numpy() == self.scope.value]
        return here.sort_values("overall", kind="stable")

    def _figure(self, lang, theme):
        rows = self.rows()
        m = self.model.matrix
        if self.scope.value in (None, ALL):
            return charts.completion_heatmap(rows, lang=lang, theme=theme)
        return charts.completion_heatmap(rows, lang=lang, theme=theme, names=self.state.names,
                                         held=m.attrs["held"], required=m.attrs["required"])

    def render(self) -> None:
        lang = self.state.lang
        self.title.value = section_title(tr("completion_title", lang) + f" · {self.state.period}")
        self.scope_label.value = f"<b>{_esc('completion_scope', lang)}</b>&nbsp;"
        towns = sorted(self.state.townships.dropna().unique())
        current = self.scope.value
        self._updating = True
        try:
            self.scope.options = [(tr("completion_all", lang), ALL)] + [
                (tr("completion_township", lang, township=tw), tw) for tw in towns]
            self.scope.value = current if current in towns else ALL
        finally:
            self._updating = False
        self.chart.render()


class ScoresView:
    """Mean inspection score by township and method (platform, on-site, records)."""

    def __init__(self, state: AppState, model: InspectionModel, *, width: int = 1280):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.chart = ChartView(state, self._figure)
        model.observe(lambda _: self.render(), names="revision")
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([self.title, self.chart.widget])
        self.render()

    def _figure(self, lang, theme):
        scores = self.model.scores
        return charts.method_scores(scores_by_township(scores, self.state.townships), lang=lang, theme=theme,
                                    county=scores.mean())

    def render(self) -> None:
        self.title.value = section_title(tr("scores_title", self.state.lang) + f" · {self.state.period}")
        self.chart.render()


class ProblemsView:
    """The problem list (overdue first) with filters, its Excel export, and rectification over time."""

    def __init__(self, state: AppState, model: InspectionModel, *, width: int = 1280,
                 folder: str | Path | None = None):
        self.state, self.model = state, model
        self.folder = Path(folder or os.environ.get("WORKBENCH_EXPORTS",
                                                    Path(tempfile.gettempdir()) / "workbench-exports"))
        self.title = w.HTML()
        self.category = w.Dropdown(layout=w.Layout(width="200px"))
        self.severity = w.Dropdown(layout=w.Layout(width="150px"))
        self.township = w.Dropdown(layout=w.Layout(width="180px"))
        self.status = w.Dropdown(layout=w.Layout(width="180px"))
        self.overdue = w.Checkbox(value=model.overdue_only, indent=False, layout=w.Layout(width="auto"))
        self.labels = {k: w.HTML() for k in ("category", "severity", "township", "status")}
        self.summary = w.HTML()
        self.table = w.HTML()
        self.export = w.Button(icon="file-excel-o", layout=w.Layout(width="auto"))
        self.export_status = w.HTML()
        self.progress_title = w.HTML()
        self.chart = ChartView(state, self._figure)
        self._updating = False
        for control, trait in ((self.category, "categories"), (self.severity, "severities"),
                               (self.township, "townships"), (self.status, "statuses")):
            control.observe(self._chosen(trait), names="value")
        w.link((self.overdue, "value"), (model, "overdue_only"))
        self.export.on_click(lambda _: self.export_excel())
        model.observe(lambda _: self.render_list(), names="filter_revision")
        model.observe(lambda _: self.render(), names="revision")
        state.observe(lambda _: self.render(), names="lang")
        filters = w.HBox([w.HBox([self.labels[k], c], layout=w.Layout(align_items="center", margin="0 14px 0 0"))
                          for k, c in (("category", self.category), ("severity", self.severity),
                                       ("township", self.township), ("status", self.status))] + [self.overdue],
                         layout=w.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = w.VBox([self.title, filters, self.summary, self.table,
                              w.HBox([self.export, self.export_status], layout=w.Layout(align_items="center",
                                                                                        grid_gap="10px")),
                              self.progress_title, self.chart.widget])
        self.render()

    def _chosen(self, trait: str):
        def handler(change):
            if not self._updating:
                setattr(self.model, trait, [] if change["new"] in (None, ALL) else [change["new"]])
        return handler

    def export_excel(self) -> Path | None:
        lang = self.state.lang
        try:
            path = self.model.export(self.folder, lang=lang)
        except OSError as exc:
            self.export_status.value = status_html(tr("error", lang, message=f"{exc.strerror or exc}"), False)
            return None
        link = download_link(path, tr("download", lang, name=path.name), XLSX)
        self.export_status.value = (f"<span class='wb-ok'>{_esc('exported', lang, path=str(path))}</span> · {link}")
        return path

    def _figure(self, lang, theme):
        return charts.rectification_progress(self.model.progress, lang=lang, theme=theme)

    def _options(self) -> None:
        lang = self.state.lang
        every = (tr("all", lang), ALL)
        towns = sorted(self.state.townships.dropna().unique())
        m = self.model
        self._updating = True
        try:
            for control, options, chosen in (
                    (self.category, [every] + [(tr(f"category_{c}", lang), c) for c in PROBLEM_CATEGORIES],
                     m.categories),
                    (self.severity, [every] + [(tr(f"severity_{s}", lang), s) for s in SEVERITIES], m.severities),
                    (self.township, [every] + [(tw, tw) for tw in towns], m.townships),
                    (self.status, [every] + [(tr(f"status_{s}", lang), s) for s in PROBLEM_STATUSES], m.statuses)):
                control.options = options
                control.value = chosen[0] if len(chosen) == 1 and chosen[0] in [o[1] for o in options] else ALL
        finally:
            self._updating = False

    def render(self) -> None:
        lang = self.state.lang
        self.title.value = section_title(tr("problems_title", lang) + f" · {self.state.period}")
        for key, label in (("category", "filter_category"), ("severity", "filter_severity"),
                           ("township", "filter_township"), ("status", "filter_status")):
            self.labels[key].value = f"<b>{_esc(label, lang)}</b>&nbsp;"
        self.overdue.description = tr("overdue_only", lang)
        self.export.description = tr("export_problems", lang)
        self.progress_title.value = section_title(tr("progress_title", lang))
        self._options()
        self.render_list()

    def table_rows(self, rows: pd.DataFrame, lang: str) -> tuple[list[list], list[str]]:
        out, css = [], []
        for r in rows.itertuples(index=False):
            pill = (f"<span class='wb-pill' style='background:{STATUS_COLORS[r.status]}'>"
                    f"{_esc(f'status_{r.status}', lang)}</span>")
            out.append([
                r.problem_id,
                Cell(f"{html.escape(str(r.name))} <span class='wb-note'>{html.escape(r.branch_id)}</span>", raw=True),
                r.township, tr(f"category_{r.category}", lang), tr(f"severity_{r.severity}", lang),
                _date(r.found), _date(r.due), _date(r.rectified), Cell(pill, raw=True),
                Cell(f"{r.days_overdue:,}" if r.days_overdue else "", "wb-num"),
            ])
            css.append("wb-row-bad" if r.status == "overdue" else "")
        return out, css

    def render_list(self) -> None:
        lang = self.state.lang
        rows = self.model.filtered
        as_of = self.model.problems.attrs.get("as_of")
        self.summary.value = "<div class='wb-note'>" + _esc(
            "problems_summary", lang, n=len(rows), overdue=int((rows["status"] == "overdue").sum()),
            open=int((rows["status"] == "open").sum()), date=_date(as_of)) + "</div>"
        body, css = self.table_rows(rows.head(TABLE_ROWS), lang)
        heads = [tr(f"problem_col_{c}", lang) for c in ("problem_id", "name", "township", "category", "severity",
                                                        "found", "due", "rectified", "status", "days_overdue")]
        more = (f"<div class='wb-note'>{_esc('more_rows', lang, n=len(rows) - TABLE_ROWS)}</div>"
                if len(rows) > TABLE_ROWS else "")
        self.table.value = (f"<div class='wb-scroll wb-problem-list' style='max-height:520px'>"
                            f"{html_table(heads, body, row_classes=css, numeric=(9,))}</div>{more}")
        self.chart.render()


def _date(value) -> str:
    if value is None or pd.isna(value):
        return ""
    return str(pd.Timestamp(value).date())


# ---------------------------------------------------------------------------------- app

class InspectionApp(App):
    """Three meetings and one lesson, inspection scores, the problem list, rectification progress."""

    name = "inspection"

    def __init__(self, opened: Opened, *, exports_folder=None):
        state = opened.state
        super().__init__(state)
        header = Header(state, "inspection_title")
        picker = DataPicker(state, data_root=opened.data_root, exports=opened.exports)
        model = InspectionModel(state)
        kpis = InspectionKpis(state, model)
        completion = CompletionView(state, model)
        scores = ScoresView(state, model)
        problems = ProblemsView(state, model, folder=exports_folder or opened.exports.folder)
        self.models = {"inspection": model}
        self.views = {"header": header, "picker": picker, "kpis": kpis, "completion": completion,
                      "scores": scores, "problems": problems}
        self.widget = w.VBox([style(), header.widget, data_section(state, picker), kpis.widget, completion.widget,
                              scores.widget, problems.widget], layout=w.Layout(width="100%"))
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-app-inspection")


def build_inspection_app(data=None, *, lang: str | None = None, theme: str | None = None,
                         period: int | None = None, exports_folder=None, state_dir=None, data_root=None) -> App:
    """Inspection and rectification: completion heat map, scores by method, the problem list, progress.

    >>> app = build_inspection_app("sample_data", lang="en")
    >>> app.views["problems"].overdue.value = True
    >>> set(app.models["inspection"].filtered["status"])
    {'overdue'}
    """
    return open_app(lambda opened: InspectionApp(opened, exports_folder=exports_folder), data, lang=lang,
                    theme=theme, period=period, state_dir=state_dir, data_root=data_root,
                    title_key="inspection_title")
