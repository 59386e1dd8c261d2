"""Research on branch functions (key point 6): correlations, fits, regression, clusters, coherence, movers.

:class:`ResearchModel` holds the research table of the period (and of the
year before, for the movers) and the researcher's choices; every number comes
from :mod:`workbench.studies.research` and, for why the movers moved, from the
year-over-year core (:func:`workbench.studies.trends.why_moved`, the overview's
too). Every control is bound to the model. Branches are shown by keyed
pseudonyms unless the app is built with ``pseudonymise=False``; no view shows
a person's name.

>>> from workbench.views.state import AppState
>>> model = ResearchModel(AppState.from_source("sample_data"), key="doc")
>>> model.regression().n > 100, model.names.iloc[0].startswith("B-")
(True, True)
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import ipywidgets as w
import numpy as np
import pandas as pd
import traitlets as t

from .. import charts
from ...files import write_excel
from ...i18n import tr
from ...studies.research import (
    OUTCOMES,
    cluster_profiles,
    coherence,
    correlation_matrix,
    fit_line,
    function_indicators,
    movers,
    pseudonyms,
    regression,
    research_frame,
)
from ...studies.trends import why_moved
from ..mvc import App, Model, bind, checked_number, follow
from ..state import AppState
from ..widgets.chart import ChartView
from ..widgets.data_picker import DataPicker
from ..widgets.export import ExportFolder
from ..diagnostics import DiagnosticsModel, DiagnosticsView
from ..widgets.header import Header
from ..widgets.html import Cell, StatusLine, download_link, esc, fmt_number, html_table, section_title, style
from .common import Opened, data_section, open_app, section
from .controls import Choice, field, page_style

__all__ = ["ResearchModel", "CorrelationView", "ScatterView", "RegressionView", "ClusterView", "CoherenceView",
           "MoversView", "ResearchExport", "ResearchApp", "build_research_app", "why_text"]


def _r(value: float) -> Cell:
    """A correlation or alpha with two decimals."""
    return Cell("" if value != value else f"{value:.2f}", "wb-num")


def _p(value: float) -> str:
    if value != value:
        return ""
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def why_text(why: pd.DataFrame, lang: str) -> str:
    """The reasons of :func:`~workbench.studies.trends.why_moved` as one line: label before → after (change).

    >>> why_text(pd.DataFrame({"label": ["Red sessions"], "value_before": [0.0], "value_after": [3.0],
    ...                        "change": [2.6]}), "en")
    'Red sessions 0 → 3 (+2.6)'
    """
    def value(x):
        if not np.isfinite(x):
            return "—"
        return f"{x:.0f}" if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")

    parts = [(f"{r.label} {value(r.value_before)} → {value(r.value_after)}（{r.change:+.1f}）" if lang == "zh"
              else f"{r.label} {value(r.value_before)} → {value(r.value_after)} ({r.change:+.1f})")
             for r in why.itertuples(index=False)]
    return ("；" if lang == "zh" else "; ").join(parts)


class ResearchModel(Model):
    """The research tables of the period and the choices made on them.

    Parameters
    ----------
    state : AppState
    pseudonymise : bool
        Show branches by keyed codes (default) instead of their names.
    key : str or bytes, optional
        Key of the codes (:func:`workbench.studies.research.pseudonyms`).
    """

    corr_set = t.Unicode("functions", allow_none=True)
    corr_method = t.Unicode("pearson", allow_none=True)
    x = t.Unicode("attendance_rate", allow_none=True)
    y = t.Unicode("satisfaction", allow_none=True)
    outcome = t.Unicode("satisfaction", allow_none=True)
    predictors = t.List(t.Unicode())
    standardize = t.Bool(False)
    k = t.Int(4)

    def __init__(self, state: AppState, *, pseudonymise: bool = True, key: str | bytes | None = None,
                 seed: int = 0):
        super().__init__()
        self.state = state
        self.framework = state.framework
        self.pseudonymise, self.key, self.seed = pseudonymise, key, seed
        self.predictors = function_indicators(self.framework)
        state.observe(lambda _: self.refresh(), names=["revision", "period"])
        self.refresh()

    # ------------------------------------------------------------------ data
    def refresh(self) -> None:
        s = self.state
        self.frame = research_frame(s.data, self.framework, s.period)
        self.result = self.frame.attrs["result"]
        before = s.period - 1
        self.before = (research_frame(s.data, self.framework, before).attrs["result"]
                       if before in s.periods else None)
        ids = self.frame.index
        self.names = (pseudonyms(ids, key=self.key, prefix="B-").set_axis(ids) if self.pseudonymise
                      else s.names.reindex(ids))
        self.coherence = coherence(self.result)
        self._movers = None
        self.changed()

    def label(self, column: str, lang: str) -> str:
        """Display label of an indicator, dimension or ``total``."""
        if column == "total":
            return tr("total", lang)
        try:
            return self.framework.label(column, lang)
        except KeyError:
            return column

    def variables(self) -> list[str]:
        """Numeric columns a researcher can pick: the indicators, the dimension scores and the total."""
        return [*self.framework.indicator_ids, *self.framework.dimension_ids, "total"]

    def corr_columns(self) -> list[str]:
        fw = self.framework
        if self.corr_set == "dimensions":
            return [*fw.dimension_ids, "total", *OUTCOMES]
        if self.corr_set and self.corr_set.startswith("dim:"):
            return [i.id for i in fw.dimension(self.corr_set[4:]).indicators]
        return [*function_indicators(fw), *OUTCOMES]

    # -------------------------------------------------------------- analyses
    def correlations(self) -> pd.DataFrame:
        """The chosen correlation matrix (within a dimension: on the normalized scores, as coherence does)."""
        within = bool(self.corr_set and self.corr_set.startswith("dim:"))
        source = self.result.indicators if within else self.frame
        return correlation_matrix(source, self.corr_columns(), method=self.corr_method or "pearson")

    def fit(self):
        return fit_line(self.frame[self.x], self.frame[self.y])

    def regression(self):
        return regression(self.frame, self.outcome, self.predictors, standardize=self.standardize)

    def clusters(self):
        fw = self.framework
        return cluster_profiles(self.frame[fw.dimension_ids], self.k, total=self.frame["total"],
                                extra=self.frame[list(OUTCOMES)], seed=self.seed)

    def movers(self):
        """Standardized -> strong between the year before and the period (None without the year before)."""
        if self.before is None:
            return None
        if self._movers is None:
            grades = self.framework.grade_ids
            self._movers = movers(self.before, self.result, from_grade=grades[1], to_grade=grades[0])
        return self._movers

    def why(self, branch_id: str, lang: str, *, top: int = 3) -> str:
        """Why a branch moved: the indicators whose contribution changed most (both years' ``explain``)."""
        return why_text(why_moved(self.before, self.result, branch_id, lang=lang, top=top), lang)


# ================================================================ views

def _choice_row(state, key: str, widget) -> w.HBox:
    return w.HBox([field(state, key, bold=True), widget],
                  layout=w.Layout(align_items="center", flex_flow="row wrap", max_width="100%"))


class CorrelationView:
    """Correlation matrix: function indicators and outcomes, dimension scores, or within a dimension."""

    def __init__(self, state: AppState, model: ResearchModel):
        self.state, self.model = state, model
        fw = model.framework
        self.title = w.HTML()
        self.set = w.Dropdown(layout=w.Layout(width="300px", max_width="100%"))
        self.method = w.ToggleButtons(style={"button_width": "180px"})
        self.choices = [
            Choice(state, self.set, model, "corr_set", lambda lang: [
                (tr("corr_set_functions", lang), "functions"), (tr("corr_set_dimensions", lang), "dimensions")] + [
                (tr("corr_set_within", lang, dimension=d.label(lang)), f"dim:{d.id}") for d in fw.dimensions]),
            Choice(state, self.method, model, "corr_method", lambda lang: [
                (tr("corr_pearson", lang), "pearson"), (tr("corr_spearman", lang), "spearman")]),
        ]
        self.chart = ChartView(state, self._figure, inputs=[(model, ["revision", "corr_set", "corr_method"])],
                               name="correlations")
        follow(state, "lang", lambda: setattr(self.title, "value", f"<div class='wb-subsection'>"
                                                                   f"{esc(tr('corr_title', state.lang))}</div>"))
        self.widget = w.VBox([self.title, _choice_row(state, "corr_set", self.set),
                              _choice_row(state, "corr_method", self.method), self.chart.widget],
                             layout=w.Layout(flex="1 1 440px", min_width="0"))
        self.chart.render()

    def _figure(self, lang, theme):
        corr = self.model.correlations()
        labels = {c: self.model.label(c, lang) for c in corr.columns}
        return charts.correlation_heatmap(corr, lang=lang, theme=theme, labels=labels)


class ScatterView:
    """One variable against an outcome, with the OLS line and its 95 % band (HC3)."""

    def __init__(self, state: AppState, model: ResearchModel):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.x = w.Dropdown(layout=w.Layout(width="260px", max_width="100%"))
        self.y = w.Dropdown(layout=w.Layout(width="200px", max_width="100%"))
        self.choices = [
            Choice(state, self.x, model, "x", lambda lang: [(model.label(c, lang), c) for c in model.variables()]),
            Choice(state, self.y, model, "y", lambda lang: [(model.label(c, lang), c)
                                                           for c in (*OUTCOMES, "income_growth")]),
        ]
        self.x.add_class("wb-scatter-x")
        self.summary = w.HTML()
        self._fit = None
        follow(model, ["revision", "x", "y"], self._compute)
        self.chart = ChartView(state, self._figure, inputs=[(model, ["revision", "x", "y"])], name="scatter")
        state.observe(lambda _: self._summary(), names="lang")
        follow(state, "lang", lambda: setattr(self.title, "value", f"<div class='wb-subsection'>"
                                                                   f"{esc(tr('scatter_title', state.lang))}</div>"))
        self.widget = w.VBox([self.title, w.HBox([_choice_row(state, "scatter_x", self.x),
                                                  _choice_row(state, "scatter_y", self.y)],
                                                 layout=w.Layout(flex_flow="row wrap", grid_gap="10px")),
                              self.summary, self.chart.widget], layout=w.Layout(flex="1 1 440px", min_width="0"))
        self.chart.render()

    def _compute(self) -> None:
        try:
            self._fit, self._error = self.model.fit(), ""
        except ValueError as exc:
            self._fit, self._error = None, str(exc)
        self._summary()

    def _summary(self) -> None:
        lang = self.state.lang
        f = self._fit
        if f is None:
            self.summary.value = f"<div class='wb-status wb-bad'>{esc(tr('error', lang, message=self._error))}</div>"
            return
        self.summary.value = (f"<div class='wb-note'>"
                              f"{esc(tr('fit_summary', lang, slope=f.slope, p=f.p, r=f.r, r2=f.r2, n=f.n))}</div>")

    def _figure(self, lang, theme):
        m = self.model
        labels = {m.x: m.label(m.x, lang), m.y: m.label(m.y, lang)}
        return charts.scatter_fit(m.frame, m.x, m.y, self._fit, lang=lang, theme=theme, labels=labels,
                                  names=m.names)


class RegressionView:
    """OLS of an outcome on the chosen predictors, HC3 robust errors, as a table."""

    def __init__(self, state: AppState, model: ResearchModel):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.outcome = w.Dropdown(layout=w.Layout(width="240px", max_width="100%"))
        self.predictors = w.SelectMultiple(rows=8, layout=w.Layout(width="100%", max_width="380px"))
        self.standardize = w.Checkbox(indent=False, layout=w.Layout(width="auto"))
        self.choices = [
            Choice(state, self.outcome, model, "outcome", lambda lang: [(model.label(c, lang), c)
                                                                       for c in (*OUTCOMES, "income_growth")]),
            Choice(state, self.predictors, model, "predictors", lambda lang: [
                (model.label(c, lang), c) for c in model.variables() if c != model.outcome],
                refresh_on=[(model, "outcome")], multiple=True),
        ]
        bind(self.standardize, "value", model, "standardize", render=lambda: model.standardize,
             accept=lambda v: setattr(model, "standardize", bool(v)))
        self.summary = w.HTML()
        self.table = w.HTML()
        follow(model, ["revision", "outcome", "predictors", "standardize"], self.render)
        state.observe(lambda _: self.render(), names="lang")
        controls = w.VBox([field(state, "reg_outcome"), self.outcome, field(state, "reg_predictors"),
                           self.predictors, self.standardize], layout=w.Layout(flex="0 1 400px", min_width="0"))
        self.widget = w.VBox([self.title, w.HBox([controls, w.VBox([self.summary, self.table],
                                                                   layout=w.Layout(flex="1 1 480px", min_width="0"))],
                                                 layout=w.Layout(grid_gap="20px", flex_flow="row wrap",
                                                                 width="100%"))], layout=w.Layout(width="100%"))

    def table_rows(self, reg, lang: str) -> list[list]:
        rows = []
        for term, r in reg.table.iterrows():
            name = tr("reg_const", lang) if term == "const" else self.model.label(term, lang)
            stars = "***" if r["p"] < 0.001 else "**" if r["p"] < 0.01 else "*" if r["p"] < 0.05 else ""
            rows.append([name, Cell(f"{r['coef']:.4g}{stars}", "wb-num"), Cell(f"{r['se']:.4g}", "wb-num"),
                         Cell(f"{r['t']:.2f}", "wb-num"), Cell(_p(r["p"]), "wb-num"),
                         Cell(f"[{r['ci_low']:.4g}, {r['ci_high']:.4g}]", "wb-num")])
        return rows

    def render(self) -> None:
        lang = self.state.lang
        m = self.model
        self.title.value = section_title(tr("reg_title", lang))
        self.standardize.description = tr("reg_standardize", lang)
        try:
            reg = m.regression()
        except (ValueError, KeyError) as exc:
            self.summary.value = f"<div class='wb-status wb-bad'>{esc(tr('error', lang, message=str(exc)))}</div>"
            self.table.value = ""
            return
        text = tr("reg_summary", lang, n=reg.n, dropped=reg.dropped, r2=reg.r2, r2_adj=reg.r2_adj, f_p=reg.f_p)
        self.summary.value = f"<div class='wb-note'>{esc(text)}</div>"
        heads = [tr(k, lang) for k in ("reg_term", "reg_coef", "reg_se", "reg_t", "reg_p", "reg_ci")]
        self.table.value = ("<div class='wb-scroll'>" + html_table(heads, self.table_rows(reg, lang),
                                                                   numeric=(1, 2, 3, 4, 5))
                            + "</div><div class='wb-note'>* p &lt; 0.05 · ** p &lt; 0.01 · *** p &lt; 0.001</div>")


class ClusterView:
    """k-means clusters of the dimension scores: a line per cluster profile and a summary table."""

    def __init__(self, state: AppState, model: ResearchModel):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.k = w.IntSlider(min=2, max=6, value=model.k, continuous_update=False,
                             layout=w.Layout(width="260px", max_width="100%"))
        bind(self.k, "value", model, "k", render=lambda: model.k,
             accept=lambda v: setattr(model, "k", int(checked_number(v, low=2, high=6))))
        self._clusters = None
        follow(model, ["revision", "k"], self._compute)
        self.chart = ChartView(state, self._figure, inputs=[(model, ["revision", "k"])], name="clusters")
        self.table = w.HTML()
        follow(model, ["revision", "k"], self.render)
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([self.title, _choice_row(state, "cluster_k", self.k), self.chart.widget,
                              w.Box([self.table], layout=w.Layout(max_width="1100px", width="100%"))],
                             layout=w.Layout(width="100%"))
        self.chart.render()

    def _compute(self) -> None:
        self._clusters = self.model.clusters()

    def _figure(self, lang, theme):
        fw = self.model.framework
        return charts.cluster_profiles(self._clusters, fw, lang=lang, theme=theme,
                                       county_mean=self.model.frame[fw.dimension_ids].mean())

    def render(self) -> None:
        lang = self.state.lang
        m, c = self.model, self._clusters
        self.title.value = section_title(tr("cluster_title", lang))
        heads = [tr(k, lang) for k in ("cluster_col", "cluster_size", "cluster_total")] + \
            [m.label(o, lang) for o in OUTCOMES] + [tr("cluster_strongest", lang), tr("cluster_weakest", lang)]
        rows = [[k, int(r["size"]), round(r["total"], 1), *[round(r[o], 1) for o in OUTCOMES],
                 m.label(r["strongest"], lang), m.label(r["weakest"], lang)] for k, r in c.summary.iterrows()]
        self.table.value = f"<div class='wb-scroll'>{html_table(heads, rows, numeric=(0, 1, 2, 3, 4))}</div>"


class CoherenceView:
    """Cronbach's alpha and correlations within each dimension; indicators that need a look."""

    def __init__(self, state: AppState, model: ResearchModel):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.note = w.HTML()
        self.dimensions = w.HTML()
        self.flagged = w.HTML()
        follow(model, "revision", self.render)
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([self.title, self.note, self.dimensions, self.flagged], layout=w.Layout(width="100%"))

    def render(self) -> None:
        lang = self.state.lang
        m = self.model
        coh = m.coherence
        self.title.value = section_title(tr("coherence_title", lang))
        self.note.value = f"<div class='wb-note'>{esc(tr('coherence_note', lang))}</div>"
        heads = [tr(k, lang) for k in ("coh_dimension", "coh_items", "coh_n", "coh_alpha", "coh_alpha_std",
                                       "coh_mean_r", "coh_min_r", "coh_negative")]
        rows, css = [], []
        for dim, r in coh.dimensions.iterrows():
            name = tr("coh_total", lang) if dim == "total" else m.label(dim, lang)
            alpha = r["alpha"]
            cell = Cell(fmt_number(alpha, 2), "wb-num" + ("" if alpha != alpha or alpha >= 0.7 else " wb-worse"))
            rows.append([name, int(r["items"]), int(r["n"]), cell, _r(r["alpha_std"]), _r(r["mean_r"]),
                         _r(r["min_r"]), int(r["negative_pairs"])])
            css.append("wb-row-warn" if dim != "total" and (alpha != alpha or alpha < 0.7) else "")
        self.dimensions.value = (f"<div class='wb-scroll' style='max-width:1000px'>"
                                 f"{html_table(heads, rows, row_classes=css, numeric=(1, 2, 3, 4, 5, 6, 7))}</div>")
        ind = coh.indicators[coh.indicators["flag"] != ""]
        heads = [tr(k, lang) for k in ("coh_indicator", "coh_dimension", "coh_r_dimension", "coh_r_total",
                                       "coh_best_other", "coh_flag")]
        rows = [[m.label(i, lang), m.label(r["dimension"], lang), _r(r["r_dimension"]), _r(r["r_total"]),
                 f"{m.label(r['best_other'], lang)} ({r['r_best_other']:.2f})" if r["best_other"] else "",
                 tr(f"flag_{r['flag']}", lang)] for i, r in ind.iterrows()]
        self.flagged.value = (f"<div class='wb-subsection'>{esc(tr('coh_flagged', lang, n=len(rows)))}</div>"
                              f"<div class='wb-scroll' style='max-width:1100px'>"
                              f"{html_table(heads, rows, numeric=(2, 3))}</div>")


class MoversView:
    """Branches that moved up from standardized to strong since the year before, what changed, and why.

    The why of each branch is the year-over-year core's (:func:`~workbench.studies.trends.why_moved`):
    the indicators whose contribution changed most between the two years.
    """

    def __init__(self, state: AppState, model: ResearchModel):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.summary = w.HTML()
        self.chart = ChartView(state, self._figure, inputs=[(model, "revision")], name="movers")
        self.chart.widget.layout.flex = "1 1 420px"
        self.branches = w.HTML()
        self.indicators = w.HTML()
        follow(model, "revision", self.render)
        state.observe(lambda _: self.render(), names="lang")
        self.indicators.layout = w.Layout(flex="1 1 480px", min_width="0")
        self.widget = w.VBox([self.title, self.summary,
                              w.HBox([self.chart.widget, self.indicators],
                                     layout=w.Layout(flex_flow="row wrap", grid_gap="10px", width="100%")),
                              self.branches], layout=w.Layout(width="100%"))
        self.chart.render()

    def _figure(self, lang, theme):
        mv = self.model.movers()
        if mv is None:
            return None
        return charts.movers_changes(mv, self.model.framework, lang=lang, theme=theme,
                                    title=tr("movers_chart", lang))

    def rows(self, lang: str) -> list[list]:
        """A row per mover: code, kind, total before → after, rank, largest gain, why."""
        m = self.model
        fw, mv = m.framework, m.movers()
        kinds = m.frame["kind"]
        rows = []
        for bid, r in mv.branches.iterrows():
            gains = r[fw.dimension_ids].astype("float64")
            best = gains.idxmax()
            rows.append([m.names.get(bid, bid), tr(f"kind_{kinds.get(bid)}", lang),
                         Cell(f"{r['total_before']:.1f} → <span class='wb-better'>{r['total_after']:.1f}</span>",
                              "wb-num", raw=True),
                         Cell(f"{int(r['rank_before'])} → {int(r['rank_after'])}", "wb-num"),
                         f"{m.label(best, lang)} (+{gains[best]:.1f})", m.why(bid, lang)])
        return rows

    def render(self) -> None:
        lang = self.state.lang
        m = self.model
        fw = m.framework
        period = self.state.period
        grades = {"from_grade": fw.label(fw.grade_ids[1], lang), "to_grade": fw.label(fw.grade_ids[0], lang)}
        self.title.value = section_title(tr("movers_title", lang, before=period - 1, after=period, **grades))
        mv = m.movers()
        if mv is None:
            self.summary.value = f"<div class='wb-note'>{esc(tr('movers_need_two', lang, period=period))}</div>"
            self.chart.show_when(False)
            self.branches.value = self.indicators.value = ""
            return
        self.chart.show_when(True)
        text = tr("movers_summary", lang, n=len(mv.branches), stayed=mv.stayed, **grades)
        self.summary.value = f"<div class='wb-note'>{esc(text)}</div>"
        heads = [tr("movers_col_code", lang), tr("movers_col_kind", lang), tr("movers_col_total", lang),
                 tr("col_rank", lang), tr("movers_col_gain", lang), tr("movers_col_why", lang)]
        rows = self.rows(lang)
        self.branches.value = (f"<div class='wb-subsection'>{esc(tr('movers_branches', lang))} ({len(rows)})</div>"
                               f"<div class='wb-scroll' style='max-height:430px'>"
                               f"{html_table(heads, rows, numeric=(2, 3))}</div>")
        top = mv.indicators.head(8)
        heads = [tr(k, lang) for k in ("coh_indicator", "movers_col_movers", "movers_col_stayers",
                                       "movers_col_difference", "movers_col_p")]
        rows = [[m.label(i, lang), round(r["movers"], 1), round(r["stayers"], 1),
                 Cell(f"{r['difference']:+.1f}", "wb-num"), Cell(_p(r["p"]), "wb-num")] for i, r in top.iterrows()]
        self.indicators.value = (f"<div class='wb-subsection'>{esc(tr('movers_indicators', lang))}</div>"
                                 f"<div class='wb-scroll' style='max-width:1000px'>"
                                 f"{html_table(heads, rows, numeric=(1, 2, 3, 4))}</div>")


class ResearchExport:
    """All research tables of the current choices in one workbook (pseudonymised), with a download link."""

    def __init__(self, state: AppState, model: ResearchModel, folder: str | Path | None = None,
                 exports: ExportFolder | None = None):
        self.state, self.model = state, model
        # the user's export folder of the server (private, size-limited); a folder only outside a server
        self.exports = exports
        self.folder = (exports.folder if exports is not None else
                       Path(folder or os.environ.get("WORKBENCH_EXPORTS",
                                                     Path(tempfile.gettempdir()) / "workbench-exports")))
        self.button = w.Button(icon="file-excel-o", layout=w.Layout(width="auto"))
        self.line = StatusLine(state)
        self.status = self.line.widget
        self.button.on_click(lambda _: self.export())
        follow(state, "lang", lambda: setattr(self.button, "description", tr("export_research", state.lang)))
        self.widget = w.HBox([self.button, self.status], layout=w.Layout(align_items="center", grid_gap="10px",
                                                                        flex_flow="row wrap"))

    def tables(self) -> dict[str, pd.DataFrame]:
        m = self.model
        lang = self.state.lang
        out = {"correlations": m.correlations()}
        try:
            reg = m.regression()
            out["regression"] = reg.table.assign(n=reg.n, r2=reg.r2, r2_adj=reg.r2_adj, cov_type=reg.cov_type)
        except (ValueError, KeyError):
            pass
        c = m.clusters()
        out["clusters"] = c.summary.join(c.centers)
        out["cluster_members"] = c.labels.rename(index=m.names.to_dict()).rename_axis("code").to_frame()
        out["coherence"] = m.coherence.dimensions
        out["coherence_indicators"] = m.coherence.indicators
        mv = m.movers()
        if mv is not None:
            branches = mv.branches.assign(why=[m.why(b, lang) for b in mv.branches.index])
            out["movers"] = branches.rename(index=m.names.to_dict()).rename_axis("code")
            out["movers_dimensions"] = mv.dimensions
            out["movers_indicators"] = mv.indicators
        return out

    def readable(self, lang: str) -> dict[str, pd.DataFrame]:
        """The tables as a reader gets them: sheet names and the headers of indicators, dimensions and
        the total in ``lang`` (ids kept in the row index where they name a branch)."""
        m = self.model
        out = {}
        for key, frame in self.tables().items():
            frame = frame.rename(columns=lambda c: m.label(c, lang) if isinstance(c, str) else c)
            if frame.index.dtype == object and frame.index.name not in ("code",):
                frame = frame.rename(index=lambda i: m.label(i, lang) if isinstance(i, str) else i)
            out[tr(f"research_sheet_{key}", lang)[:31]] = frame
        return out

    def export(self) -> Path | None:
        lang = self.state.lang
        stem = f"research-{self.state.period}"
        if self.exports is not None:
            path = self.exports.path(stem, ".xlsx")
        else:
            path = self.folder / f"{stem}-{dt.datetime.now():%Y%m%d-%H%M%S}.xlsx"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_excel(path, self.readable(lang), index=True)
            if self.exports is not None:
                self.exports.written(path)
        except OSError as exc:
            self.line.set("error", ok=False, message=f"{exc.strerror or exc}")
            return None
        self.line.set("exported_file", ok=True, name=path.name,
                      extra_html=download_link(path, tr("download", lang, name=path.name)))
        return path


# ---------------------------------------------------------------------------------- app

class ResearchApp(App):
    """Function indicators and outcomes: correlations, fits, robust regression, clusters, coherence, movers,
    and the diagnostics of the assessment (importance against weight, factor structure, rank reversal)."""

    name = "research"

    def __init__(self, opened: Opened, *, pseudonymise: bool = True, key=None, exports_folder=None):
        state = opened.state
        super().__init__(state)
        header = Header(state, "research_title")
        picker = DataPicker(state, data_root=opened.data_root, exports=opened.exports)
        model = ResearchModel(state, pseudonymise=pseudonymise, key=key)
        intro = w.HTML()

        def render_intro():
            note = tr("pseudonymised_note", state.lang) if pseudonymise else ""
            intro.value = (f"<div class='wb-note'>{esc(tr('research_intro', state.lang, period=state.period))} "
                           f"<b>{esc(note)}</b></div>")
        follow(state, ["lang", "period"], render_intro)
        correlations = CorrelationView(state, model)
        scatter = ScatterView(state, model)
        reg = RegressionView(state, model)
        clusters = ClusterView(state, model)
        coh = CoherenceView(state, model)
        movers_view = MoversView(state, model)
        # what drives the total against its nominal weight, the factor structure, rank reversal
        diagnostics_model = DiagnosticsModel(state)
        diagnostics = DiagnosticsView(state, diagnostics_model)
        export = ResearchExport(state, model,
                                exports=ExportFolder(exports_folder) if exports_folder else opened.exports)
        self.models = {"research": model, "diagnostics": diagnostics_model}
        self.views = {"header": header, "picker": picker, "correlations": correlations, "scatter": scatter,
                      "regression": reg, "clusters": clusters, "coherence": coh, "movers": movers_view,
                      "diagnostics": diagnostics, "export": export}
        self.widget = w.VBox([style(), page_style(), header.widget, data_section(state, picker), intro,
                              section(state, "sec_relations"),
                              w.HBox([correlations.widget, scatter.widget],
                                     layout=w.Layout(flex_flow="row wrap", grid_gap="16px", width="100%")),
                              reg.widget, clusters.widget, coh.widget, movers_view.widget, diagnostics.widget,
                              export.widget],
                             layout=w.Layout(width="100%"))
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-app-research")
        self.widget.add_class("wb-pages")


def build_research_app(data=None, *, lang: str | None = None, theme: str | None = None, period: int | None = None,
                       pseudonymise: bool = True, key: str | bytes | None = None, exports_folder=None,
                       state_dir=None, data_root=None) -> App:
    """Research of branch functions: correlations, fits, robust regression, clusters, coherence, movers.

    Branches appear as keyed pseudonyms (``pseudonymise=True``, the default);
    ``key`` fixes the codes (default: ``WORKBENCH_PSEUDONYM_KEY`` or a key of
    this session).

    >>> app = build_research_app("sample_data", lang="en", key="doc")
    >>> app.models["research"].coherence.dimensions.index[-1]
    'total'
    """
    return open_app(lambda opened: ResearchApp(opened, pseudonymise=pseudonymise, key=key,
                                               exports_folder=exports_folder),
                    data, lang=lang, theme=theme, period=period, state_dir=state_dir, data_root=data_root,
                    title_key="research_title")
