"""Inspection and rectification (key point 5): key figures, completion heat map, scores by method, the
problem list and rectification over time.

:class:`InspectionModel` computes everything of a period through
:mod:`workbench.studies.inspection` and holds the problem-list filters; the
views render it and every control is bound to it. The filters apply to the
problem list and to the progress chart alike. The problem figures are the
county's key figures (:func:`~workbench.studies.kpis.problem_figures`): the
overview shows the same numbers under the same labels.

>>> from workbench.views.state import AppState
>>> model = InspectionModel(AppState.from_source("sample_data"))
>>> model.overdue_only = True
>>> set(model.filtered["status"])
{'overdue'}
"""

from __future__ import annotations

import datetime as dt
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
    inspection_scores,
    period_end,
    problem_list,
    rectification_progress,
    scores_by_township,
)
from ...studies.kpis import figure_definition, figure_label, inspection_kpis
from ..mvc import App, Model, bind, follow
from ..state import AppState
from ..widgets.chart import ChartView
from ..widgets.data_picker import DataPicker
from ..widgets.header import Header
from ..widgets.html import Cell, StatusLine, download_link, esc, html_table, kpi_cards, section_title, style
from .common import Opened, data_section, open_app
from .controls import ALL, Choice, field, figure_card, output_context, page_style

__all__ = ["InspectionModel", "InspectionKpis", "CompletionView", "ScoresView", "ProblemsView", "InspectionApp",
           "build_inspection_app"]

TABLE_ROWS = 100
STATUS_COLORS = {"overdue": "#b2182b", "open": "#e08214", "closed_late": "#6f6f6f", "closed": "#1b7837"}
#: The list filters: the model's trait (a list of values; empty = all) and the catalogue prefix of its values.
FILTERS = {"category": ("categories", "category", PROBLEM_CATEGORIES),
           "severity": ("severities", "severity", SEVERITIES),
           "township": ("townships", None, None),
           "status": ("statuses", "status", PROBLEM_STATUSES)}


class InspectionModel(Model):
    """Completion, inspection scores and problems of the period; the problem-list filters.

    ``categories``, ``severities``, ``townships``, ``statuses`` (lists; empty =
    all) and ``overdue_only`` filter ``problems`` into ``filtered`` and the
    rectification ``progress``. ``scope`` is the completion heat map's:
    the county's townships (``ALL``) or one township's branches.
    """

    categories = t.List(t.Unicode())
    severities = t.List(t.Unicode())
    townships = t.List(t.Unicode())
    statuses = t.List(t.Unicode())
    overdue_only = t.Bool(False)
    scope = t.Unicode(ALL, allow_none=True)
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
        self.changed()

    def filters(self) -> dict:
        return {"categories": self.categories, "severities": self.severities, "townships": self.townships,
                "statuses": self.statuses, "overdue_only": self.overdue_only}

    def filtering(self) -> bool:
        """Whether any filter is set (the list then shows part of the year's problems)."""
        return any(self.filters().values())

    def _filter(self) -> None:
        self.filtered = filter_problems(self.problems, **self.filters())
        history = filter_problems(self.history, categories=self.categories, severities=self.severities,
                                  townships=self.townships)
        self.progress = rectification_progress(history, end=period_end(self.state.period))

    def apply_filters(self) -> None:
        """Re-filter the list and the progress after a filter changed."""
        self._filter()
        self.filter_revision += 1

    def completion_rows(self) -> pd.DataFrame:
        """The heat map's rows: township means, or the branches of the chosen township (weakest first)."""
        m, towns = self.matrix, self.state.townships
        if self.scope in (None, ALL):
            return completion_by_township(m, towns)
        here = m[towns.reindex(m.index).to_numpy() == self.scope]
        return here.sort_values("overall", kind="stable")

    def export(self, folder: str | Path, *, lang: str | None = None) -> Path:
        """The filtered problem list as an Excel workbook in ``folder`` (written atomically)."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = Path(folder) / f"problems-{self.state.period}-{stamp}.xlsx"
        lang = lang or self.state.lang
        return export_problems(self.filtered, path, lang=lang, filters=self.filters(),
                               context=output_context(self.state).lines(lang))


class InspectionKpis:
    """The problem figures (found, closed, rate, handled in the year, overdue), completion, scores by method.

    Each problem card carries the county's label of its figure and, as a hover, what it counts.
    """

    def __init__(self, state: AppState, model: InspectionModel):
        self.state, self.model = state, model
        self.widget = w.HTML()
        follow(model, "revision", self.render)
        state.observe(lambda _: self.render(), names="lang")

    def render(self) -> None:
        lang = self.state.lang
        k = self.model.kpis
        cards = [
            figure_card("problems_found", f"{k['problems_found']:,}",
                        tr("kpi_found_detail", lang, closed=k["problems_closed"]), "#2166ac", lang),
            figure_card("rectification_rate", f"{k['rectification_rate']:.0%}",
                        tr("rectification_detail", lang, done=k["problems_closed"], found=k["problems_found"]),
                        "#1b7837", lang),
            figure_card("problems_in_year", f"{k['problems_in_year']:,}",
                        tr("figure_problems_in_year_detail", lang, found=k["problems_found"],
                           carried=k["problems_carried"]), "#8c6d31", lang),
            figure_card("problems_overdue", f"{k['problems_overdue']:,}",
                        f"{figure_label('problems_open', lang)} {k['problems_open']:,}", "#b2182b", lang),
            (tr("kpi_completion", lang), f"{k['completion']:.0%}", tr("kpi_completion_detail", lang), "#8073ac",
             tr("kpi_completion_def", lang)),
        ]
        for method in INSPECTION_METHODS:
            score = k["scores"][method]
            cards.append((tr("kpi_method", lang, method=tr(f"method_{method}", lang)),
                          f"{score:.1f}" if score == score else "–",
                          tr("kpi_method_detail", lang, n=k["inspections"][method]), charts.METHOD_COLORS[method],
                          tr("kpi_method_def", lang)))
        self.widget.value = kpi_cards(cards)


class CompletionView:
    """Heat map of completion by activity: the townships of the county, or the branches of one township."""

    def __init__(self, state: AppState, model: InspectionModel):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.scope = w.Dropdown(layout=w.Layout(width="320px", max_width="100%"))
        self.choice = Choice(state, self.scope, model, "scope", self._options, refresh_on=[(state, "revision")])
        self.chart = ChartView(state, self._figure, inputs=[(model, ["revision", "scope"])], name="completion")
        follow(model, "revision", self._title)
        state.observe(lambda _: self._title(), names="lang")
        self.widget = w.VBox([self.title, w.HBox([field(state, "completion_scope", bold=True), self.scope],
                                                 layout=w.Layout(align_items="center")), self.chart.widget],
                             layout=w.Layout(width="100%"))
        self.chart.render()

    def _options(self, lang: str) -> list[tuple[str, str]]:
        towns = sorted(self.state.townships.dropna().unique())
        return [(tr("completion_all", lang), ALL)] + [(tr("completion_township", lang, township=tw), tw)
                                                      for tw in towns]

    def rows(self) -> pd.DataFrame:
        return self.model.completion_rows()

    def _figure(self, lang, theme):
        rows, m = self.model.completion_rows(), self.model.matrix
        if self.model.scope in (None, ALL):
            return charts.completion_heatmap(rows, lang=lang, theme=theme)
        return charts.completion_heatmap(rows, lang=lang, theme=theme, names=self.state.names,
                                         held=m.attrs["held"], required=m.attrs["required"])

    def _title(self) -> None:
        self.title.value = section_title(tr("completion_title", self.state.lang) + f" · {self.state.period}")


class ScoresView:
    """Mean inspection score by township and method (platform, on-site, records)."""

    def __init__(self, state: AppState, model: InspectionModel):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.chart = ChartView(state, self._figure, inputs=[(model, "revision")], name="scores")
        follow(model, "revision", self._title)
        state.observe(lambda _: self._title(), names="lang")
        self.widget = w.VBox([self.title, self.chart.widget], layout=w.Layout(width="100%"))
        self.chart.render()

    def _figure(self, lang, theme):
        scores = self.model.scores
        return charts.method_scores(scores_by_township(scores, self.state.townships), lang=lang, theme=theme,
                                    county=scores.mean())

    def _title(self) -> None:
        self.title.value = section_title(tr("scores_title", self.state.lang) + f" · {self.state.period}")


def _date(value) -> str:
    if value is None or pd.isna(value):
        return ""
    return str(pd.Timestamp(value).date())


class ProblemsView:
    """The problem list (overdue first) with filters, its Excel export, and rectification over time."""

    def __init__(self, state: AppState, model: InspectionModel, *, folder: str | Path | None = None):
        self.state, self.model = state, model
        self.folder = Path(folder or os.environ.get("WORKBENCH_EXPORTS",
                                                    Path(tempfile.gettempdir()) / "workbench-exports"))
        self.title = w.HTML()
        self.category = w.Dropdown(layout=w.Layout(width="170px"))
        self.severity = w.Dropdown(layout=w.Layout(width="120px"))
        self.township = w.Dropdown(layout=w.Layout(width="150px"))
        self.status = w.Dropdown(layout=w.Layout(width="160px"))
        self.overdue = w.Checkbox(value=model.overdue_only, indent=False, layout=w.Layout(width="auto"))
        self.choices = {key: self._filter_choice(key) for key in FILTERS}
        for key in FILTERS:
            getattr(self, key).add_class(f"wb-filter-{key}")  # stable handles for browser tests
        bind(self.overdue, "value", model, "overdue_only", render=lambda: model.overdue_only,
             accept=lambda v: setattr(model, "overdue_only", bool(v)))
        self.figures = w.HTML()
        self.summary = w.HTML()
        self.table = w.HTML()
        self.export = w.Button(icon="file-excel-o", layout=w.Layout(width="auto"))
        self.export_line = StatusLine(state)
        self.export_status = self.export_line.widget
        self.progress_title = w.HTML()
        self.chart = ChartView(state, self._figure, inputs=[(model, ["revision", "filter_revision"])],
                               name="progress")
        self.export.on_click(lambda _: self.export_excel())
        follow(model, ["revision", "filter_revision"], self.render_list)
        follow(state, "lang", self.render)
        filters = w.HBox([w.HBox([field(state, f"filter_{k}", bold=True), getattr(self, k)],
                                 layout=w.Layout(align_items="center", margin="0 12px 0 0"))
                          for k in FILTERS] + [self.overdue],
                         layout=w.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = w.VBox([self.title, filters, self.figures, self.summary, self.table,
                              w.HBox([self.export, self.export_status], layout=w.Layout(
                                  align_items="center", grid_gap="10px", flex_flow="row wrap")),
                              self.progress_title, self.chart.widget], layout=w.Layout(width="100%"))
        self.chart.render()

    def _filter_choice(self, key: str) -> Choice:
        trait, prefix, values = FILTERS[key]
        m = self.model

        def options(lang):
            every = [(tr("all", lang), ALL)]
            if values is None:
                return every + [(tw, tw) for tw in sorted(self.state.townships.dropna().unique())]
            return every + [(tr(f"{prefix}_{v}", lang), v) for v in values]

        def get():
            chosen = getattr(m, trait)
            return chosen[0] if len(chosen) == 1 else ALL

        return Choice(self.state, getattr(self, key), m, trait, options, refresh_on=[(self.state, "revision")],
                      get=get, accept=lambda v: setattr(m, trait, [] if v in (None, ALL) else [v]))

    def export_excel(self) -> Path | None:
        """The filtered list as a workbook, offered for download."""
        lang = self.state.lang
        try:
            path = self.model.export(self.folder, lang=lang)
        except OSError as exc:
            self.export_line.set("error", ok=False, message=f"{exc.strerror or exc}")
            return None
        self.export_line.set("exported_file", ok=True, name=path.name,
                             extra_html=download_link(path, tr("download", lang, name=path.name)))
        return path

    def _figure(self, lang, theme):
        return charts.rectification_progress(self.model.progress, lang=lang, theme=theme)

    def render(self) -> None:
        lang = self.state.lang
        self.overdue.description = tr("overdue_only", lang)
        self.export.description = tr("export_problems", lang)
        self.progress_title.value = section_title(tr("progress_title", lang))
        self.render_list()

    def table_rows(self, rows: pd.DataFrame, lang: str) -> tuple[list[list], list[str]]:
        out, css = [], []
        for r in rows.itertuples(index=False):
            pill = (f"<span class='wb-pill' style='background:{STATUS_COLORS[r.status]}'>"
                    f"{esc(tr(f'status_{r.status}', lang))}</span>")
            out.append([
                r.problem_id,
                Cell(f"{esc(r.name)} <span class='wb-note'>{esc(r.branch_id)}</span>", raw=True),
                r.township, tr(f"category_{r.category}", lang), tr(f"severity_{r.severity}", lang),
                _date(r.found), _date(r.due), _date(r.rectified), Cell(pill, raw=True),
                Cell(f"{r.days_overdue:,}" if r.days_overdue else "", "wb-num"),
            ])
            css.append("wb-row-bad" if r.status == "overdue" else "")
        return out, css

    def render_list(self) -> None:
        lang = self.state.lang
        m = self.model
        k = m.kpis
        self.title.value = section_title(tr("problems_title", lang) + f" · {self.state.period}")
        # the year's count under its one label, as on the cards; then what the filters leave
        label, hover = figure_label("problems_in_year", lang), figure_definition("problems_in_year", lang)
        detail = tr("figure_problems_in_year_detail", lang, found=k["problems_found"], carried=k["problems_carried"])
        self.figures.value = (f"<div class='wb-note' title='{esc(hover)}'><b>{esc(label)} "
                              f"{k['problems_in_year']:,}</b> · {esc(detail)}</div>")
        rows = m.filtered
        as_of = m.problems.attrs.get("as_of")
        filtered = tr("problems_filtered", lang) if m.filtering() else ""
        self.summary.value = "<div class='wb-note'>" + esc(tr(
            "problems_summary", lang, n=len(rows), overdue=int((rows["status"] == "overdue").sum()),
            open=int((rows["status"] == "open").sum()), date=_date(as_of)) + filtered) + "</div>"
        body, css = self.table_rows(rows.head(TABLE_ROWS), lang)
        heads = [tr(f"problem_col_{c}", lang) for c in ("problem_id", "name", "township", "category", "severity",
                                                        "found", "due", "rectified", "status", "days_overdue")]
        more = (f"<div class='wb-note'>{esc(tr('more_rows', lang, n=len(rows) - TABLE_ROWS))}</div>"
                if len(rows) > TABLE_ROWS else "")
        self.table.value = (f"<div class='wb-scroll wb-problem-list' style='max-height:520px'>"
                            f"{html_table(heads, body, row_classes=css, numeric=(9,))}</div>{more}")


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
        self.widget = w.VBox([style(), page_style(), header.widget, data_section(state, picker), kpis.widget,
                              completion.widget, scores.widget, problems.widget], layout=w.Layout(width="100%"))
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-app-inspection")
        self.widget.add_class("wb-pages")


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
