"""Research on branch functions (key point 6): correlations, fits, regression, clusters, coherence, movers.

``ResearchModel`` holds the research table of the period (and of the year
before, for the movers) and the researcher's choices; every number comes from
:mod:`workbench.studies.research`. Branches are shown by keyed pseudonyms unless the
app is built with ``pseudonymise=False``; no view shows a person's name.

>>> from workbench.views.state import AppState
>>> model = ResearchModel(AppState.from_source("sample_data"), key="doc")
>>> model.regression().n > 100, model.names.iloc[0].startswith("B-")
(True, True)
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
from ...files import atomic_path
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
from ..mvc import App, follow
from ..widgets.chart import ChartView
from ..widgets.data_picker import DataPicker
from ..widgets.header import Header
from ..widgets.html import style
from .common import Opened, data_section, open_app, section
from ..state import AppState
from ..widgets.html import Cell, download_link, fmt_number, html_table, section_title, status_html

__all__ = ["ResearchModel", "CorrelationView", "ScatterView", "RegressionView", "ClusterView", "CoherenceView",
           "MoversView", "ResearchExport"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _esc(key: str, lang: str, **values) -> str:
    return html.escape(tr(key, lang, **values))


def _r(value: float) -> Cell:
    """A correlation or alpha with two decimals."""
    return Cell("" if value != value else f"{value:.2f}", "wb-num")


def _p(value: float) -> str:
    if value != value:
        return ""
    return "<0.001" if value < 0.001 else f"{value:.3f}"


class ResearchModel(t.HasTraits):
    """The research tables of the period and the choices made on them.

    Parameters
    ----------
    state : AppState
    pseudonymise : bool
        Show branches by keyed codes (default) instead of their names.
    key : str or bytes, optional
        Key of the codes (:func:`workbench.studies.research.pseudonyms`).
    """

    corr_set = t.Unicode("functions")
    corr_method = t.Unicode("pearson")
    x = t.Unicode("attendance_rate")
    y = t.Unicode("satisfaction")
    outcome = t.Unicode("satisfaction")
    predictors = t.List(t.Unicode())
    standardize = t.Bool(False)
    k = t.Int(4)
    revision = t.Int(0)

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
        self.revision += 1

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
        if self.corr_set.startswith("dim:"):
            return [i.id for i in fw.dimension(self.corr_set[4:]).indicators]
        return [*function_indicators(fw), *OUTCOMES]

    # -------------------------------------------------------------- analyses
    def correlations(self) -> pd.DataFrame:
        """The chosen correlation matrix (within a dimension: on the normalized scores, as coherence does)."""
        source = self.result.indicators if self.corr_set.startswith("dim:") else self.frame
        return correlation_matrix(source, self.corr_columns(), method=self.corr_method)

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
        grades = self.framework.grade_ids
        return movers(self.before, self.result, from_grade=grades[1], to_grade=grades[0])


# ================================================================ views

class _View:
    """A view that re-renders on the model's revision, the language, and the given traits."""

    def __init__(self, state: AppState, model: ResearchModel, traits=()):
        self.state, self.model = state, model
        model.observe(lambda _: self.render(), names=["revision", *traits])
        state.observe(lambda _: self.render(), names="lang")


class CorrelationView(_View):
    """Correlation matrix: function indicators and outcomes, dimension scores, or within a dimension."""

    def __init__(self, state: AppState, model: ResearchModel, *, width: int = 640):
        self.title = w.HTML()
        self.set_label, self.method_label = w.HTML(), w.HTML()
        self.set = w.Dropdown(layout=w.Layout(width="300px"))
        self.method = w.ToggleButtons(style={"button_width": "190px"})
        self.chart = ChartView(state, self._figure)
        self._updating = False
        self.set.observe(lambda c: self._pick("corr_set", c), names="value")
        self.method.observe(lambda c: self._pick("corr_method", c), names="value")
        super().__init__(state, model, ("corr_set", "corr_method"))
        self.widget = w.VBox([self.title, w.HBox([self.set_label, self.set], layout=w.Layout(align_items="center")),
                              w.HBox([self.method_label, self.method], layout=w.Layout(align_items="center")),
                              self.chart.widget], layout=w.Layout(width=f"{width + 20}px"))
        self.render()

    def _pick(self, trait, change):
        if not self._updating and change["new"] is not None:
            setattr(self.model, trait, change["new"])

    def _figure(self, lang, theme):
        corr = self.model.correlations()
        labels = {c: self.model.label(c, lang) for c in corr.columns}
        return charts.correlation_heatmap(corr, lang=lang, theme=theme, labels=labels)

    def render(self) -> None:
        lang = self.state.lang
        fw = self.model.framework
        self.title.value = f"<div class='wb-subsection'>{_esc('corr_title', lang)}</div>"
        self.set_label.value = f"<b>{_esc('corr_set', lang)}</b>&nbsp;"
        self.method_label.value = f"<b>{_esc('corr_method', lang)}</b>&nbsp;"
        self._updating = True
        try:
            self.set.options = ([(tr("corr_set_functions", lang), "functions"),
                                 (tr("corr_set_dimensions", lang), "dimensions")]
                                + [(tr("corr_set_within", lang, dimension=d.label(lang)), f"dim:{d.id}")
                                   for d in fw.dimensions])
            self.set.value = self.model.corr_set
            self.method.options = [(tr("corr_pearson", lang), "pearson"), (tr("corr_spearman", lang), "spearman")]
            self.method.value = self.model.corr_method
        finally:
            self._updating = False
        self.chart.render()


class ScatterView(_View):
    """One variable against an outcome, with the OLS line and its 95 % band (HC3)."""

    def __init__(self, state: AppState, model: ResearchModel, *, width: int = 640):
        self.title = w.HTML()
        self.x_label, self.y_label = w.HTML(), w.HTML()
        self.x = w.Dropdown(layout=w.Layout(width="260px"))
        self.y = w.Dropdown(layout=w.Layout(width="200px"))
        self.summary = w.HTML()
        self.chart = ChartView(state, self._figure)
        self._updating = False
        self._fit = None
        self.x.observe(lambda c: self._pick("x", c), names="value")
        self.y.observe(lambda c: self._pick("y", c), names="value")
        super().__init__(state, model, ("x", "y"))
        self.widget = w.VBox([self.title, w.HBox([self.x_label, self.x, self.y_label, self.y],
                                                 layout=w.Layout(align_items="center", flex_flow="row wrap")),
                              self.summary, self.chart.widget], layout=w.Layout(width=f"{width + 20}px"))
        self.render()

    def _pick(self, trait, change):
        if not self._updating and change["new"] is not None:
            setattr(self.model, trait, change["new"])

    def _figure(self, lang, theme):
        m = self.model
        labels = {m.x: m.label(m.x, lang), m.y: m.label(m.y, lang)}
        return charts.scatter_fit(m.frame, m.x, m.y, self._fit, lang=lang, theme=theme, labels=labels,
                                  names=m.names)

    def render(self) -> None:
        lang = self.state.lang
        m = self.model
        self.title.value = f"<div class='wb-subsection'>{_esc('scatter_title', lang)}</div>"
        self.x_label.value = f"<b>{_esc('scatter_x', lang)}</b>&nbsp;"
        self.y_label.value = f"&nbsp;&nbsp;<b>{_esc('scatter_y', lang)}</b>&nbsp;"
        self._updating = True
        try:
            self.x.options = [(m.label(c, lang), c) for c in m.variables()]
            self.x.value = m.x
            self.y.options = [(m.label(c, lang), c) for c in (*OUTCOMES, "income_growth")]
            self.y.value = m.y
        finally:
            self._updating = False
        try:
            self._fit = m.fit()
            f = self._fit
            self.summary.value = (f"<div class='wb-note'>{_esc('fit_summary', lang, slope=f.slope, p=f.p, r=f.r, r2=f.r2, n=f.n)}</div>")
        except ValueError as exc:
            self._fit = None
            self.summary.value = status_html(tr("error", lang, message=str(exc)), False)
        self.chart.render()


class RegressionView(_View):
    """OLS of an outcome on the chosen predictors, HC3 robust errors, as a table."""

    def __init__(self, state: AppState, model: ResearchModel):
        self.title = w.HTML()
        self.outcome_label, self.pred_label = w.HTML(), w.HTML()
        self.outcome = w.Dropdown(layout=w.Layout(width="240px"))
        self.predictors = w.SelectMultiple(rows=8, layout=w.Layout(width="380px"))
        self.standardize = w.Checkbox(indent=False, layout=w.Layout(width="auto"))
        self.summary = w.HTML()
        self.table = w.HTML()
        self._updating = False
        self.outcome.observe(lambda c: self._pick("outcome", c["new"]), names="value")
        self.predictors.observe(lambda c: self._pick("predictors", list(c["new"])), names="value")
        self.standardize.observe(lambda c: self._pick("standardize", bool(c["new"])), names="value")
        super().__init__(state, model, ("outcome", "predictors", "standardize"))
        controls = w.VBox([self.outcome_label, self.outcome, self.pred_label, self.predictors, self.standardize],
                          layout=w.Layout(width="400px"))
        self.widget = w.VBox([self.title, w.HBox([controls, w.VBox([self.summary, self.table],
                                                                   layout=w.Layout(flex="1 1 600px"))],
                                                 layout=w.Layout(grid_gap="20px", flex_flow="row wrap"))])
        self.render()

    def _pick(self, trait, value):
        if not self._updating and value is not None:
            setattr(self.model, trait, value)

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
        self.outcome_label.value = f"<div class='wb-field-label'>{_esc('reg_outcome', lang)}</div>"
        self.pred_label.value = f"<div class='wb-field-label'>{_esc('reg_predictors', lang)}</div>"
        self.standardize.description = tr("reg_standardize", lang)
        self._updating = True
        try:
            self.outcome.options = [(m.label(c, lang), c) for c in (*OUTCOMES, "income_growth")]
            self.outcome.value = m.outcome
            self.predictors.options = [(m.label(c, lang), c) for c in m.variables() if c != m.outcome]
            self.predictors.value = tuple(p for p in m.predictors if p != m.outcome)
            self.standardize.value = m.standardize
        finally:
            self._updating = False
        try:
            reg = m.regression()
        except (ValueError, KeyError) as exc:
            self.summary.value = status_html(tr("error", lang, message=str(exc)), False)
            self.table.value = ""
            return
        self.summary.value = (f"<div class='wb-note'>{_esc('reg_summary', lang, n=reg.n, dropped=reg.dropped, r2=reg.r2, r2_adj=reg.r2_adj, f_p=reg.f_p)}</div>")
        heads = [tr(k, lang) for k in ("reg_term", "reg_coef", "reg_se", "reg_t", "reg_p", "reg_ci")]
        self.table.value = (html_table(heads, self.table_rows(reg, lang), numeric=(1, 2, 3, 4, 5))
                            + "<div class='wb-note'>* p &lt; 0.05 · ** p &lt; 0.01 · *** p &lt; 0.001</div>")


class ClusterView(_View):
    """k-means clusters of the dimension scores: a line per cluster profile and a summary table."""

    def __init__(self, state: AppState, model: ResearchModel, *, width: int = 1000):
        self.title = w.HTML()
        self.k_label = w.HTML()
        self.k = w.IntSlider(min=2, max=6, value=model.k, continuous_update=False, layout=w.Layout(width="260px"))
        self.chart = ChartView(state, self._figure)
        self.table = w.HTML()
        self._clusters = None
        w.link((self.k, "value"), (model, "k"))
        super().__init__(state, model, ("k",))
        self.widget = w.VBox([self.title, w.HBox([self.k_label, self.k], layout=w.Layout(align_items="center")),
                              self.chart.widget, w.Box([self.table], layout=w.Layout(max_width="1100px"))])
        self.render()

    def _figure(self, lang, theme):
        fw = self.model.framework
        return charts.cluster_profiles(self._clusters, fw, lang=lang, theme=theme,
                                       county_mean=self.model.frame[fw.dimension_ids].mean())

    def render(self) -> None:
        lang = self.state.lang
        m = self.model
        self.title.value = section_title(tr("cluster_title", lang))
        self.k_label.value = f"<b>{_esc('cluster_k', lang)}</b>&nbsp;"
        self._clusters = c = m.clusters()
        heads = [tr(k, lang) for k in ("cluster_col", "cluster_size", "cluster_total")] + \
            [m.label(o, lang) for o in OUTCOMES] + [tr("cluster_strongest", lang), tr("cluster_weakest", lang)]
        rows = [[k, int(r["size"]), round(r["total"], 1), *[round(r[o], 1) for o in OUTCOMES],
                 m.label(r["strongest"], lang), m.label(r["weakest"], lang)] for k, r in c.summary.iterrows()]
        self.table.value = html_table(heads, rows, numeric=(0, 1, 2, 3, 4))
        self.chart.render()


class CoherenceView(_View):
    """Cronbach's alpha and correlations within each dimension; indicators that need a look."""

    def __init__(self, state: AppState, model: ResearchModel):
        self.title = w.HTML()
        self.note = w.HTML()
        self.dimensions = w.HTML()
        self.flagged = w.HTML()
        super().__init__(state, model)
        self.widget = w.VBox([self.title, self.note, self.dimensions, self.flagged])
        self.render()

    def render(self) -> None:
        lang = self.state.lang
        m = self.model
        coh = m.coherence
        self.title.value = section_title(tr("coherence_title", lang))
        self.note.value = f"<div class='wb-note'>{_esc('coherence_note', lang)}</div>"
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
        self.dimensions.value = f"<div style='max-width:1000px'>{html_table(heads, rows, row_classes=css, numeric=(1, 2, 3, 4, 5, 6, 7))}</div>"
        ind = coh.indicators[coh.indicators["flag"] != ""]
        heads = [tr(k, lang) for k in ("coh_indicator", "coh_dimension", "coh_r_dimension", "coh_r_total",
                                       "coh_best_other", "coh_flag")]
        rows = [[m.label(i, lang), m.label(r["dimension"], lang), _r(r["r_dimension"]), _r(r["r_total"]),
                 f"{m.label(r['best_other'], lang)} ({r['r_best_other']:.2f})" if r["best_other"] else "",
                 tr(f"flag_{r['flag']}", lang)] for i, r in ind.iterrows()]
        self.flagged.value = (f"<div class='wb-subsection'>{_esc('coh_flagged', lang, n=len(rows))}</div>"
                              f"<div style='max-width:1100px'>{html_table(heads, rows, numeric=(2, 3))}</div>")


class MoversView(_View):
    """Branches that moved up from standardized to strong since the year before, and what changed."""

    def __init__(self, state: AppState, model: ResearchModel, *, width: int = 640):
        self.title = w.HTML()
        self.summary = w.HTML()
        self.chart = ChartView(state, self._figure)
        self.branches = w.HTML()
        self.indicators = w.HTML()
        self._movers = None
        super().__init__(state, model)
        self.widget = w.VBox([self.title, self.summary,
                              w.HBox([self.chart.widget, w.VBox([self.branches], layout=w.Layout(flex="1 1 560px"))],
                                     layout=w.Layout(flex_flow="row wrap", grid_gap="10px")),
                              self.indicators])
        self.render()

    def _figure(self, lang, theme):
        if self._movers is None:
            return None
        return charts.movers_changes(self._movers, self.model.framework, lang=lang, theme=theme,
                                    title=tr("movers_chart", lang))

    def render(self) -> None:
        lang = self.state.lang
        m = self.model
        fw = m.framework
        period = self.state.period
        grades = {"from_grade": fw.label(fw.grade_ids[1], lang), "to_grade": fw.label(fw.grade_ids[0], lang)}
        self.title.value = section_title(tr("movers_title", lang, before=period - 1, after=period, **grades))
        self._movers = mv = m.movers()
        if mv is None:
            self.summary.value = f"<div class='wb-note'>{_esc('movers_need_two', lang, period=period)}</div>"
            self.chart.widget.layout.display = "none"
            self.branches.value = self.indicators.value = ""
            return
        self.chart.widget.layout.display = None
        self.summary.value = (f"<div class='wb-note'>{_esc('movers_summary', lang, n=len(mv.branches), stayed=mv.stayed, **grades)}</div>")
        kinds = m.frame["kind"]
        heads = [tr("movers_col_code", lang), tr("movers_col_kind", lang), tr("movers_col_total", lang),
                 tr("col_rank", lang), tr("movers_col_gain", lang)]
        rows = []
        for bid, r in mv.branches.iterrows():
            gains = r[fw.dimension_ids].astype("float64")
            best = gains.idxmax()
            rows.append([m.names.get(bid, bid), tr(f"kind_{kinds.get(bid)}", lang),
                         Cell(f"{r['total_before']:.1f} → <span class='wb-better'>{r['total_after']:.1f}</span>",
                              "wb-num", raw=True),
                         Cell(f"{int(r['rank_before'])} → {int(r['rank_after'])}", "wb-num"),
                         f"{m.label(best, lang)} (+{gains[best]:.1f})"])
        self.branches.value = (f"<div class='wb-subsection'>{_esc('movers_branches', lang)} ({len(rows)})</div>"
                               f"<div class='wb-scroll' style='max-height:430px'>{html_table(heads, rows, numeric=(2, 3))}</div>")
        top = mv.indicators.head(8)
        heads = [tr(k, lang) for k in ("coh_indicator", "movers_col_movers", "movers_col_stayers",
                                       "movers_col_difference", "movers_col_p")]
        rows = [[m.label(i, lang), round(r["movers"], 1), round(r["stayers"], 1),
                 Cell(f"{r['difference']:+.1f}", "wb-num"), Cell(_p(r["p"]), "wb-num")] for i, r in top.iterrows()]
        self.indicators.value = (f"<div class='wb-subsection'>{_esc('movers_indicators', lang)}</div>"
                                 f"<div style='max-width:1000px'>{html_table(heads, rows, numeric=(1, 2, 3, 4))}</div>")
        self.chart.render()


class ResearchExport:
    """All research tables of the current choices in one workbook (pseudonymised), with a download link."""

    def __init__(self, state: AppState, model: ResearchModel, folder: str | Path | None = None):
        self.state, self.model = state, model
        self.folder = Path(folder or os.environ.get("WORKBENCH_EXPORTS",
                                                    Path(tempfile.gettempdir()) / "workbench-exports"))
        self.button = w.Button(icon="file-excel-o", layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.button.on_click(lambda _: self.export())
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.HBox([self.button, self.status], layout=w.Layout(align_items="center", grid_gap="10px"))
        self.render()

    def tables(self) -> dict[str, pd.DataFrame]:
        m = self.model
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
            out["movers"] = mv.branches.rename(index=m.names.to_dict()).rename_axis("code")
            out["movers_dimensions"] = mv.dimensions
            out["movers_indicators"] = mv.indicators
        return out

    def export(self) -> Path | None:
        lang = self.state.lang
        path = self.folder / f"research-{self.state.period}-{dt.datetime.now():%Y%m%d-%H%M%S}.xlsx"
        try:
            with atomic_path(path) as tmp:
                with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                    for name, frame in self.tables().items():
                        frame.to_excel(writer, sheet_name=name[:31])
        except OSError as exc:
            self.status.value = status_html(tr("error", lang, message=f"{exc.strerror or exc}"), False)
            return None
        link = download_link(path, tr("download", lang, name=path.name), XLSX)
        self.status.value = f"<span class='wb-ok'>{_esc('exported', lang, path=str(path))}</span> · {link}"
        return path

    def render(self) -> None:
        self.button.description = tr("export_research", self.state.lang)


# ---------------------------------------------------------------------------------- app

class ResearchApp(App):
    """Function indicators and outcomes: correlations, fits, robust regression, clusters, coherence, movers."""

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
            intro.value = (f"<div class='wb-note'>{html.escape(tr('research_intro', state.lang, period=state.period))} "
                           f"<b>{html.escape(note)}</b></div>")
        follow(state, ["lang", "period"], render_intro)
        correlations = CorrelationView(state, model)
        scatter = ScatterView(state, model)
        reg = RegressionView(state, model)
        clusters = ClusterView(state, model)
        coh = CoherenceView(state, model)
        movers = MoversView(state, model)
        export = ResearchExport(state, model, folder=exports_folder or opened.exports.folder)
        self.models = {"research": model}
        self.views = {"header": header, "picker": picker, "correlations": correlations, "scatter": scatter,
                      "regression": reg, "clusters": clusters, "coherence": coh, "movers": movers, "export": export}
        self.widget = w.VBox([style(), header.widget, data_section(state, picker), intro,
                              section(state, "sec_relations"),
                              w.HBox([correlations.widget, scatter.widget],
                                     layout=w.Layout(flex_flow="row wrap", grid_gap="16px", width="100%")),
                              reg.widget, clusters.widget, coh.widget, movers.widget, export.widget],
                             layout=w.Layout(width="100%"))
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-app-research")


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
