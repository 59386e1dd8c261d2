"""Views: widgets that render a model and bind user actions to it.

Each view takes the models it shows, builds its widgets once, and re-renders
on model changes (including the language). Charts are kept for the life of the
page and re-drawn in place (:class:`~workbench.views.widgets.plotly_chart.PlotlyChart`).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import html
import os
import tempfile
from pathlib import Path

import ipywidgets as w
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import charts
from ...i18n import LANGUAGES, tr
from ...assess.scoring import Scheme
from ...assess.weights import SAATY_SCALE, consistency_ratio
from ..environment import MAX_UPLOAD_BYTES
from .models import AppState, ScoringModel
from .plotly_chart import PlotlyChart

__all__ = [
    "STYLE",
    "style",
    "Header",
    "DataPicker",
    "KpiCards",
    "ChartView",
    "RankingView",
    "ProfileView",
    "WeightPanel",
    "AhpEditor",
    "SchemeStore",
    "ExportBar",
    "RobustnessView",
    "problems_html",
    "MAX_UPLOAD_BYTES",
]


STYLE = """
<style>
.wb-app { font-size: 17px; color: var(--wb-text, #1d2125); }
.wb-app .wb-title { font-size: 30px; font-weight: 700; margin: 4px 0 2px; }
.wb-app .wb-subtitle { font-size: 17px; color: var(--wb-muted, #5b6470); margin: 0 0 8px; }
.wb-app .wb-panel { background: var(--wb-surface, #fff); border: 1px solid var(--wb-border, #dfe3e8);
  border-radius: 10px; padding: 10px 14px; margin: 6px 0; }
.wb-app .wb-kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px;
  margin: 6px 0 10px; }
.wb-app .wb-kpi { background: var(--wb-surface, #fff); border: 1px solid var(--wb-border, #dfe3e8);
  border-top: 5px solid var(--wb-kpi-color, #b3261e); border-radius: 10px; padding: 10px 14px; }
.wb-app .wb-kpi .wb-kpi-label { font-size: 15px; color: var(--wb-muted, #5b6470); }
.wb-app .wb-kpi .wb-kpi-value { font-size: 34px; font-weight: 700; line-height: 1.2; }
.wb-app .wb-kpi .wb-kpi-detail { font-size: 14px; color: var(--wb-muted, #5b6470); }
.wb-app .wb-note { font-size: 15px; color: var(--wb-muted, #5b6470); }
.wb-app .wb-ok { color: #1b7837; } .wb-app .wb-bad { color: #b2182b; font-weight: 600; }
.wb-app table.wb-problems { border-collapse: collapse; font-size: 14px; margin-top: 6px; }
.wb-app table.wb-problems th, .wb-app table.wb-problems td { border: 1px solid var(--wb-border, #dfe3e8);
  padding: 3px 8px; text-align: left; vertical-align: top; }
.wb-app table.wb-problems th { background: var(--wb-bg, #f4f5f7); }
.wb-app .wb-weight-label { font-size: 16px; }
.wb-app .wb-sum-bad { color: #b2182b; font-weight: 600; }
.wb-app .wb-ahp-cell { text-align: center; }
</style>
"""


def style() -> w.HTML:
    """The widget styles (the page template adds theme colours when served)."""
    return w.HTML(STYLE, layout=w.Layout(height="0px", margin="0"))


def _text(key: str, lang: str, **values) -> str:
    return html.escape(tr(key, lang, **values))


# --------------------------------------------------------------------- header

class Header:
    """Title, data source, period and language."""

    def __init__(self, state: AppState, title_key: str):
        self.state = state
        self.title_key = title_key
        self.title = w.HTML()
        self.language = w.ToggleButtons(options=[(v, k) for k, v in LANGUAGES.items()], value=state.lang,
                                        style={"button_width": "90px"})
        self.period = w.Dropdown(options=state.periods, value=state.period, layout=w.Layout(width="200px"))
        self.period_label = w.HTML()
        w.link((self.language, "value"), (state, "lang"))
        self.period.observe(self._on_period, names="value")
        state.observe(self._on_state, names=["lang", "periods", "period", "source", "revision"])
        self.widget = w.VBox([
            w.HBox([self.title], layout=w.Layout(justify_content="space-between")),
            w.HBox([self.period_label, self.period, w.HTML("&nbsp;" * 4), self.language],
                   layout=w.Layout(align_items="center", flex_flow="row wrap")),
        ], layout=w.Layout(margin="0 0 6px 0"))
        self.render()

    def _on_period(self, change) -> None:
        if change["new"] is not None and change["new"] != self.state.period:
            self.state.period = change["new"]

    def _on_state(self, change) -> None:
        self.render()

    def render(self) -> None:
        lang = self.state.lang
        source = Path(self.state.source).name or self.state.source
        # the notebook's heading names the dashboard; the header says what it shows now
        self.title.value = (f'<div class="wb-subtitle">{_text("data_source", lang)}: {html.escape(source)}'
                            f' · {_text(self.title_key, lang)}</div>')
        self.period_label.value = f"<b>{_text('period', lang)}</b>&nbsp;"
        if list(self.period.options) != list(self.state.periods):
            self.period.options = self.state.periods
        if self.period.value != self.state.period:
            self.period.value = self.state.period


# ---------------------------------------------------------------- data picker

def problems_html(problems: pd.DataFrame, lang: str, limit: int = 200) -> str:
    """The DataError problem table as HTML (file, row, column, value, problem)."""
    heads = [tr(k, lang) for k in ("problem_file", "problem_row", "problem_column", "problem_value",
                                   "problem_message")]
    rows = []
    for rec in problems.head(limit).itertuples(index=False):
        row = "" if pd.isna(rec.row) else str(int(rec.row))
        value = "" if rec.value is None or (isinstance(rec.value, float) and np.isnan(rec.value)) else rec.value
        cells = [rec.file, row, rec.column, value, rec.message]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    more = f"<div class='wb-note'>… {len(problems) - limit}</div>" if len(problems) > limit else ""
    return ("<table class='wb-problems'><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in heads)
            + "</tr>" + "".join(rows) + "</table>" + more)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


class DataPicker:
    """Choose the sample county, a server-side folder or workbook, or upload files.

    A load that fails shows its problems as a table and keeps the data that
    was loaded before.
    """

    def __init__(self, state: AppState, *, sample_path: str | Path | None = None,
                 max_upload_bytes: int = MAX_UPLOAD_BYTES):
        self.state = state
        self.sample_path = Path(sample_path) if sample_path else Path(__file__).resolve().parents[3] / "sample_data"
        self.max_upload_bytes = max_upload_bytes
        self.mode = w.ToggleButtons(options=[("sample", "sample"), ("path", "path"), ("upload", "upload")],
                                    value="sample", style={"button_width": "130px"})
        self.path = w.Text(layout=w.Layout(width="420px"))
        self.upload = w.FileUpload(accept=".csv,.xlsx,.xlsm,.txt", multiple=True)
        self.load_button = w.Button(button_style="primary", icon="folder-open", layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.problems = w.HTML()
        self.load_button.on_click(lambda _: self.load())
        self.mode.observe(lambda _: self._show(), names="value")
        state.observe(lambda _: self.render(), names=["lang", "revision", "problems"])
        self.inputs = w.HBox([])
        self.widget = w.VBox([self.mode, w.HBox([self.inputs, self.load_button],
                                                layout=w.Layout(align_items="center")),
                              self.status, self.problems])
        self.widget.add_class("wb-panel")
        self._show()
        self.render()

    def _show(self) -> None:
        self.inputs.children = {"sample": [], "path": [self.path], "upload": [self.upload]}[self.mode.value]

    def render(self) -> None:
        lang = self.state.lang
        self.mode.options = [(tr("sample_county", lang), "sample"), (tr("server_path", lang), "path"),
                             (tr("upload", lang), "upload")]
        self.load_button.description = tr("load", lang)
        self.path.placeholder = tr("path_placeholder", lang)
        self.upload.description = tr("upload", lang)
        self.upload.tooltip = tr("upload_hint", lang)
        data = self.state.data
        loaded = _text("loaded", lang, source=Path(self.state.source).name or self.state.source,
                       branches=len(data.branches), members=len(data.members))
        if self.state.problems is not None:
            self.status.value = (f"<div class='wb-bad'>{_text('load_failed', lang, n=len(self.state.problems))}"
                                 f"</div><div class='wb-note'>{loaded}</div>")
            self.problems.value = problems_html(self.state.problems, lang)
        else:
            self.status.value = f"<div class='wb-ok'>{loaded}</div>"
            self.problems.value = ""

    def load(self) -> bool:
        """Load from the chosen source; returns whether the data changed."""
        lang = self.state.lang
        self.status.value = f"<div class='wb-note'>{_text('loading', lang)}</div>"
        if self.mode.value == "sample":
            changed = self.state.load(self.sample_path)
        elif self.mode.value == "path":
            changed = self.state.load(os.path.expanduser(self.path.value.strip()))
        else:
            files = {f["name"]: bytes(f["content"]) for f in self.upload.value}
            total = sum(len(b) for b in files.values())
            if total > self.max_upload_bytes:
                message = _text("upload_too_large", lang, size=_size(total), limit=_size(self.max_upload_bytes))
                self.status.value = f"<div class='wb-bad'>{message}</div>"
                return False
            if not files:
                self.status.value = f"<div class='wb-note'>{_text('upload_hint', lang)}</div>"
                return False
            changed = self.state.load_uploaded(files)
        self.render()
        return changed


# ----------------------------------------------------------------------- KPIs

class KpiCards:
    """Key figures of the county: branches, members, grades, violations, rectification."""

    def __init__(self, state: AppState, scoring: ScoringModel):
        from ...studies.kpis import county_kpis

        self.state, self.scoring, self._kpis = state, scoring, county_kpis
        self.widget = w.HTML()
        scoring.observe(lambda _: self.render(), names="revision")
        state.observe(lambda _: self.render(), names="lang")
        self.render()

    def render(self) -> None:
        lang = self.state.lang
        result = self.scoring.result
        if result is None:
            self.widget.value = ""
            return
        k = self._kpis(self.state.data, self.scoring.table, result)
        fw = result.framework
        colors = charts.grade_colors(fw)
        n = max(k["branches"], 1)
        cards = [
            (tr("branches", lang), f"{k['branches']:,}", f"{tr('members', lang)} {k['members']:,}", "#2166ac"),
        ]
        for g, count in k["grades"].items():
            cards.append((fw.label(g, lang), f"{count:,}", tr("share_of_branches", lang, share=count / n),
                          colors[g]))
        cards += [
            (tr("violations", lang), f"{k['branches_with_errors']:,}",
             tr("violations_detail", lang, errors=k["errors"], warnings=k["warnings"]), "#b2182b"),
            (tr("rectification", lang), f"{k['rectification_rate']:.0%}",
             tr("rectification_detail", lang, done=k["problems_done"], found=k["problems_found"]), "#1b7837"),
            (tr("overdue", lang), f"{k['overdue']:,}", "", "#e08214"),
        ]
        items = "".join(
            f"<div class='wb-kpi' style='--wb-kpi-color:{c}'><div class='wb-kpi-label'>{html.escape(label)}</div>"
            f"<div class='wb-kpi-value'>{html.escape(value)}</div>"
            f"<div class='wb-kpi-detail'>{html.escape(detail)}</div></div>"
            for label, value, detail, c in cards)
        self.widget.value = f"<div class='wb-kpis'>{items}</div>"


# --------------------------------------------------------------------- charts

class ChartView:
    """One chart kept for the life of the dashboard, re-drawn by ``build(lang, theme)``.

    ``figure`` is the figure last drawn (a ``go.Figure``); the page shows it
    through a :class:`~workbench.views.widgets.plotly_chart.PlotlyChart`.
    """

    def __init__(self, state: AppState, build, *, width: int = 1280):
        self.state = state
        self.build = build
        self.width = width
        # Created at the first figure, so that a chart never drawn (robustness before it is run)
        # costs the page nothing.
        self.plot: PlotlyChart | None = None
        # The figure gets a pixel width (a plotly chart does not follow the size of its container);
        # a Box carries the page layout.
        self.widget = w.Box([], layout=w.Layout(width=f"{width + 8}px", overflow="hidden"))
        state.observe(lambda _: self.render(), names=["lang", "theme"])

    @property
    def figure(self) -> go.Figure | None:
        return self.plot.figure if self.plot is not None else None

    def current(self) -> go.Figure | None:
        fig = self.build(self.state.lang, self.state.theme)
        if fig is not None:
            fig.update_layout(width=self.width)
        return fig

    def render(self) -> None:
        fig = self.current()
        if fig is None:
            return
        if self.plot is None:
            self.plot = PlotlyChart(fig)
            self.widget.children = [self.plot]
        else:
            self.plot.show(fig)


class RankingView:
    """Top or bottom branches with their rank shift against the baseline weighting."""

    def __init__(self, state: AppState, scoring: ScoringModel, *, n: int = 10, compare: bool = True,
                 width: int = 1280):
        self.state, self.scoring, self.compare = state, scoring, compare
        self.which = w.ToggleButtons(options=[("top", "top"), ("bottom", "bottom")], value="top",
                                     style={"button_width": "110px"})
        self.n = n
        self.summary = w.HTML()
        self.chart = ChartView(state, self._figure, width=width)
        self.which.observe(lambda _: self.render(), names="value")
        scoring.observe(lambda _: self.render(), names="revision")
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([self.which, self.summary, self.chart.widget])
        self.render()

    def _figure(self, lang, theme):
        if self.scoring.result is None:
            return None
        return charts.ranking(self.scoring.result, lang=lang, theme=theme, names=self.state.names,
                              baseline=self.scoring.baseline if self.compare else None, n=self.n,
                              which=self.which.value)

    def render(self) -> None:
        lang = self.state.lang
        self.which.options = [(tr("top_n", lang, n=self.n), "top"), (tr("bottom_n", lang, n=self.n), "bottom")]
        cmp = self.scoring.comparison
        if cmp is not None and self.compare:
            moved = int((cmp.table["shift"].fillna(0) != 0).sum())
            tau = cmp.kendall_tau if np.isfinite(cmp.kendall_tau) else 1.0
            text = _text("comparison_summary", lang, moved=moved, changed=cmp.grade_changes, tau=tau)
            self.summary.value = f"<div class='wb-note'>{text}</div>"
        self.chart.render()


class ProfileView:
    """One branch: radar of dimension scores against the county mean, and what raises or lowers it."""

    def __init__(self, state: AppState, scoring: ScoringModel):
        self.state, self.scoring = state, scoring
        self.branch = w.Dropdown(layout=w.Layout(width="420px"))
        self.label = w.HTML()
        self.chart = ChartView(state, self._card, width=1280)
        self._pending = None
        self.branch.observe(lambda _: self._draw(), names="value")
        scoring.observe(lambda _: self._draw_soon(), names="revision")
        state.observe(lambda _: self._options(), names=["revision", "lang"])
        self.widget = w.VBox([w.HBox([self.label, self.branch], layout=w.Layout(align_items="center")),
                              self.chart.widget])
        self._options()

    def _options(self) -> None:
        lang = self.state.lang
        self.label.value = f"<b>{_text('select_branch', lang)}</b>&nbsp;"
        result = self.scoring.result
        if result is None:
            return
        order = result.frame().index
        names = self.state.names
        options = [(f"{int(result.rank[b]) if pd.notna(result.rank[b]) else '-'}. {names.get(b, b)} ({b})", b)
                   for b in order]
        current = self.branch.value
        self.branch.options = options
        self.branch.value = current if current in result.total.index else order[0]
        self._draw()

    def _card(self, lang, theme):
        b, r = self.branch.value, self.scoring.result
        if b is None or r is None or b not in r.total.index:
            return None
        return charts.branch_card(r, b, lang=lang, theme=theme, names=self.state.names)

    def _draw(self) -> None:
        self.chart.render()

    def _draw_soon(self, delay: float = 0.25) -> None:
        """Re-draw once the weights settle: while a slider moves, the ranking follows at once and this
        card (a radar and a bar chart) a quarter of a second after the last move."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (plain Python, tests): draw now
            self._draw()
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(delay, self._draw)


# ---------------------------------------------------------------- weights

class WeightPanel:
    """A slider per dimension and, expanded, per indicator; locks; auto-balance or renormalize; presets."""

    def __init__(self, state: AppState, scoring: ScoringModel):
        self.state, self.scoring = state, scoring
        fw = scoring.framework
        self._updating = False
        self.sliders: dict[str, w.FloatSlider] = {}
        self.locks: dict[str, w.ToggleButton] = {}
        self.labels: dict[str, w.HTML] = {}
        for key in fw.dimension_ids + fw.indicator_ids:
            self.sliders[key] = w.FloatSlider(min=0, max=100, step=1, value=scoring.percents[key],
                                              readout_format=".0f", continuous_update=True,
                                              layout=w.Layout(width="300px"))
            self.locks[key] = w.ToggleButton(value=False, icon="lock", layout=w.Layout(width="44px"))
            self.labels[key] = w.HTML(layout=w.Layout(width="230px"))
            self.sliders[key].observe(self._slider_moved(key), names="value")
            self.locks[key].observe(self._lock_changed(key), names="value")
        self.auto = w.Checkbox(value=scoring.auto_balance, indent=False, layout=w.Layout(width="auto"))
        w.link((self.auto, "value"), (scoring, "auto_balance"))
        self.renormalize = w.Button(icon="balance-scale", layout=w.Layout(width="auto"))
        self.renormalize.on_click(lambda _: scoring.renormalize())
        self.preset = w.Dropdown(layout=w.Layout(width="180px"))
        self.preset_label = w.HTML()
        self.preset.observe(self._preset_chosen, names="value")
        self.dim_sum = w.HTML()
        self.heading = w.HTML()
        self.ind_heading = w.HTML()
        rows = [self._row(d) for d in fw.dimension_ids]
        self.sums: dict[str, w.HTML] = {d: w.HTML() for d in fw.dimension_ids}
        self.accordion = w.Accordion(children=[
            w.VBox([self._row(i.id) for i in dim.indicators] + [self.sums[dim.id]]) for dim in fw.dimensions])
        self.accordion.selected_index = None
        scoring.observe(self._sync, names="percents")
        scoring.observe(self._sync_locks, names="locked")
        scoring.observe(lambda _: self._sync_preset(), names="preset")
        scoring.observe(lambda _: self._sync({}), names="auto_balance")
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([
            self.heading,
            w.HBox([self.preset_label, self.preset, self.auto, self.renormalize],
                   layout=w.Layout(align_items="center", flex_flow="row wrap", grid_gap="8px")),
            *rows, self.dim_sum, self.ind_heading, self.accordion])
        self.widget.add_class("wb-panel")
        self.render()

    def _row(self, key: str) -> w.HBox:
        return w.HBox([self.labels[key], self.sliders[key], self.locks[key]],
                      layout=w.Layout(align_items="center"))

    def _slider_moved(self, key):
        def handler(change):
            if not self._updating:
                self.scoring.set_weight(key, change["new"])
                self._sync({})  # clamped or refused moves snap back
        return handler

    def _lock_changed(self, key):
        def handler(change):
            if not self._updating:
                self.scoring.toggle_lock(key, change["new"])
        return handler

    def _preset_chosen(self, change) -> None:
        if self._updating or change["new"] in (None, "custom"):
            return
        if change["new"] == "ahp":
            return  # the AHP editor applies its own weights
        self.scoring.apply_preset(change["new"])

    def _sync(self, change) -> None:
        self._updating = True
        try:
            for key, slider in self.sliders.items():
                value = round(self.scoring.percents[key], 6)
                if abs(slider.value - value) > 1e-6:
                    slider.value = value
        finally:
            self._updating = False
        self._sums()

    def _sync_locks(self, change) -> None:
        self._updating = True
        try:
            for key, lock in self.locks.items():
                lock.value = key in self.scoring.locked
                self.sliders[key].disabled = lock.value
        finally:
            self._updating = False

    def _sync_preset(self) -> None:
        self._updating = True
        try:
            names = [v for _, v in self.preset.options]
            if self.scoring.preset in names:
                self.preset.value = self.scoring.preset
            else:
                self.preset.value = "custom"
        finally:
            self._updating = False

    def _sums(self) -> None:
        lang = self.state.lang
        fw = self.scoring.framework

        def fmt(total):
            css = "wb-note" if abs(total - 100) < 0.5 else "wb-sum-bad"
            return f"<span class='{css}'>{_text('weights_sum', lang, total=total)}</span>"

        self.dim_sum.value = fmt(self.scoring.group_total(fw.dimension_ids[0]))
        for dim in fw.dimensions:
            self.sums[dim.id].value = fmt(self.scoring.group_total(dim.indicators[0].id))

    def render(self) -> None:
        lang = self.state.lang
        fw = self.scoring.framework
        self.heading.value = f"<b>{_text('dimension_weights', lang)}</b>"
        self.ind_heading.value = f"<b>{_text('indicator_weights', lang)}</b>"
        for key in self.labels:
            self.labels[key].value = f"<span class='wb-weight-label'>{html.escape(fw.label(key, lang))}</span>"
            self.locks[key].tooltip = tr("lock", lang)
        for k, dim in enumerate(fw.dimensions):
            self.accordion.set_title(k, dim.label(lang))
        self.auto.description = tr("auto_balance", lang)
        self.renormalize.description = tr("renormalize", lang)
        self._updating = True
        try:
            current = self.scoring.preset
            self.preset.options = [(tr(f"preset_{p}", lang), p) for p in ("default", "equal", "entropy",
                                                                          "critic", "ahp")] + [("—", "custom")]
            self.preset_label.value = f"<b>{_text('preset', lang)}</b>&nbsp;"
            self.preset.value = current if current in ("default", "equal", "entropy", "critic", "ahp") else "custom"
        finally:
            self._updating = False
        self._sums()


class AhpEditor:
    """Saaty pairwise comparisons of the dimensions, the consistency ratio, and "apply"."""

    def __init__(self, state: AppState, scoring: ScoringModel):
        self.state, self.scoring = state, scoring
        fw = scoring.framework
        self.ids = fw.dimension_ids
        n = len(self.ids)
        options = [(_saaty_label(v), float(v)) for v in SAATY_SCALE]
        self.cells: dict[tuple[int, int], w.Dropdown] = {}
        self.mirror: dict[tuple[int, int], w.HTML] = {}
        self.row_labels = [w.HTML(layout=w.Layout(width="160px")) for _ in range(n)]
        self.col_labels = [w.HTML(layout=w.Layout(width="86px")) for _ in range(n)]
        grid = [w.HBox([w.HTML(layout=w.Layout(width="160px"))] + self.col_labels)]
        for i in range(n):
            row = [self.row_labels[i]]
            for j in range(n):
                if i == j:
                    row.append(w.HTML("<div class='wb-ahp-cell'>1</div>", layout=w.Layout(width="86px")))
                elif i < j:
                    cell = w.Dropdown(options=options, value=1.0, layout=w.Layout(width="86px"))
                    cell.observe(lambda _: self._update(), names="value")
                    self.cells[(i, j)] = cell
                    row.append(cell)
                else:
                    self.mirror[(i, j)] = w.HTML("<div class='wb-ahp-cell'>1</div>", layout=w.Layout(width="86px"))
                    row.append(self.mirror[(i, j)])
            grid.append(w.HBox(row, layout=w.Layout(align_items="center")))
        self.cr = w.HTML()
        self.hint = w.HTML()
        self.apply = w.Button(button_style="info", icon="check", layout=w.Layout(width="auto"))
        self.apply.on_click(lambda _: self.apply_weights())
        self.title = w.HTML()
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([self.title, self.hint, *grid, w.HBox([self.apply, self.cr],
                                                                   layout=w.Layout(align_items="center"))])
        self.widget.add_class("wb-panel")
        self.render()

    def matrix(self) -> np.ndarray:
        n = len(self.ids)
        a = np.ones((n, n))
        for (i, j), cell in self.cells.items():
            a[i, j] = cell.value
            a[j, i] = 1.0 / cell.value
        return a

    def set_judgement(self, i: int, j: int, value: float) -> None:
        """Set a[i, j] (i < j) to a value of Saaty's scale."""
        self.cells[(i, j)].value = min(SAATY_SCALE, key=lambda v: abs(v - value))

    def consistency(self) -> float:
        return consistency_ratio(self.matrix())

    def _update(self) -> None:
        a = self.matrix()
        for (i, j), cell in self.mirror.items():
            cell.value = f"<div class='wb-ahp-cell'>{_saaty_label(a[i, j])}</div>"
        self.render_cr()

    def render_cr(self) -> None:
        lang = self.state.lang
        cr = self.consistency()
        verdict = tr("ahp_cr_ok", lang) if cr <= 0.1 else tr("ahp_cr_bad", lang)
        css = "wb-ok" if cr <= 0.1 else "wb-bad"
        self.cr.value = (f"&nbsp;&nbsp;<span class='{css}'>{_text('ahp_cr', lang, cr=cr)} · "
                         f"{html.escape(verdict)}</span>")

    def apply_weights(self) -> float:
        return self.scoring.apply_ahp(self.matrix())

    def render(self) -> None:
        lang = self.state.lang
        fw = self.scoring.framework
        self.title.value = f"<b>{_text('ahp_editor', lang)}</b>"
        self.hint.value = f"<div class='wb-note'>{_text('ahp_hint', lang)}</div>"
        for k, d in enumerate(self.ids):
            self.row_labels[k].value = html.escape(fw.label(d, lang))
            self.col_labels[k].value = f"<div class='wb-ahp-cell'>{html.escape(fw.label(d, lang)[:6])}</div>"
        self.apply.description = tr("ahp_apply", lang)
        self.render_cr()


def _saaty_label(value: float) -> str:
    if value >= 1:
        return f"{value:.0f}"
    return f"1/{1 / value:.0f}"


class SchemeStore:
    """Save the current weighting under a name; load a saved one (YAML files in a folder)."""

    def __init__(self, state: AppState, scoring: ScoringModel, folder: str | Path | None = None):
        self.state, self.scoring = state, scoring
        self.folder = Path(folder or os.environ.get("WORKBENCH_SCHEMES", Path.home() / ".workbench" / "schemes"))
        self.name = w.Text(layout=w.Layout(width="220px"))
        self.save = w.Button(icon="save", layout=w.Layout(width="auto"))
        self.saved = w.Dropdown(layout=w.Layout(width="220px"))
        self.load = w.Button(icon="upload", layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.save.on_click(lambda _: self.save_scheme())
        self.load.on_click(lambda _: self.load_scheme())
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([w.HBox([self.name, self.save], layout=w.Layout(align_items="center")),
                              w.HBox([self.saved, self.load], layout=w.Layout(align_items="center")),
                              self.status])
        self.widget.add_class("wb-panel")
        self.render()

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.yaml")) if self.folder.is_dir() else []

    def save_scheme(self) -> Path | None:
        name = "".join(c for c in self.name.value.strip() if c.isalnum() or c in "-_ ") or "scheme"
        scheme = self.scoring.scheme.with_weights({}, name=name)
        path = scheme.to_yaml(self.folder / f"{name}.yaml")
        self.status.value = f"<span class='wb-ok'>{_text('saved_to', self.state.lang, path=str(path))}</span>"
        self.render()
        self.saved.value = str(path)
        return path

    def load_scheme(self) -> Scheme | None:
        from ...assess.framework import FrameworkError

        if not self.saved.value:
            return None
        try:
            scheme = Scheme.from_yaml(self.saved.value, self.scoring.framework)
        except FrameworkError as err:
            self.status.value = f"<span class='wb-bad'>{html.escape(str(err))}</span>"
            return None
        self.scoring.use_scheme(scheme)
        self.status.value = f"<span class='wb-ok'>{_text('loaded_scheme', self.state.lang, name=scheme.name)}</span>"
        return scheme

    def render(self) -> None:
        lang = self.state.lang
        self.name.placeholder = tr("scheme_name", lang)
        self.save.description = tr("save_scheme", lang)
        self.load.description = tr("load_scheme", lang)
        files = self.files()
        current = self.saved.value
        self.saved.options = [(p.stem, str(p)) for p in files] or [(tr("no_saved_schemes", lang), "")]
        if current in [str(p) for p in files]:
            self.saved.value = current


# ---------------------------------------------------------------------- export

def _download_link(path: Path, label: str, mime: str) -> str:
    payload = base64.b64encode(path.read_bytes()).decode()
    return (f"<a download='{html.escape(path.name)}' href='data:{mime};base64,{payload}' "
            f"style='font-weight:600'>{html.escape(label)}</a>")


class ExportBar:
    """Results to Excel; the current chart to HTML (offline, plotly.js inside) or PNG."""

    MIME = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".html": "text/html", ".png": "image/png"}

    #: the catalogue key of each exportable chart's name (shown in the chart picker)
    CHART_LABELS = {"ranking": "ranking_chart", "grades": "grade_distribution", "townships": "score_by_township",
                    "profile": "profile", "intervals": "rank_intervals"}

    def __init__(self, state: AppState, scoring: ScoringModel, charts_by_name: dict[str, ChartView],
                 folder: str | Path | None = None):
        self.state, self.scoring, self.charts = state, scoring, charts_by_name
        self.folder = Path(folder or os.environ.get("WORKBENCH_EXPORTS", Path(tempfile.gettempdir()) / "workbench-exports"))
        self.excel = w.Button(icon="file-excel-o", layout=w.Layout(width="auto"))
        self.chart = w.Dropdown(options=list(charts_by_name), layout=w.Layout(width="220px"))
        self.html = w.Button(icon="file-code-o", layout=w.Layout(width="auto"))
        self.png = w.Button(icon="file-image-o", layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.excel.on_click(lambda _: self.export_excel())
        self.html.on_click(lambda _: self.export_chart(".html"))
        self.png.on_click(lambda _: self.export_chart(".png"))
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([w.HBox([self.excel, self.chart, self.html, self.png],
                                     layout=w.Layout(align_items="center", flex_flow="row wrap")), self.status])
        self.render()

    def _stamp(self) -> str:
        return dt.datetime.now().strftime("%Y%m%d-%H%M%S")

    def _done(self, path: Path) -> Path:
        lang = self.state.lang
        link = _download_link(path, tr("download", lang, name=path.name), self.MIME[path.suffix])
        self.status.value = f"<span class='wb-ok'>{_text('exported', lang, path=str(path))}</span> · {link}"
        return path

    def export_excel(self) -> Path:
        result = self.scoring.result
        path = result.to_excel(self.folder / f"results-{result.period}-{self._stamp()}.xlsx", data=self.state.data)
        return self._done(path)

    def export_chart(self, suffix: str) -> Path | None:
        from ...files import atomic_path

        view = self.charts[self.chart.value]
        fig = view.current()
        if fig is None:
            return None
        path = self.folder / f"{self.chart.value}-{self._stamp()}{suffix}"
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            with atomic_path(path) as tmp:
                if suffix == ".html":
                    fig.write_html(tmp, include_plotlyjs=True, full_html=True)  # offline: plotly.js inside
                else:
                    if "BROWSER_PATH" not in os.environ and Path("/usr/bin/chromium").exists():
                        os.environ["BROWSER_PATH"] = "/usr/bin/chromium"  # kaleido renders with it
                    fig.write_image(tmp, format="png", width=1400, height=int(fig.layout.height or 600), scale=1)
        except Exception as exc:  # kaleido without a browser, a full disk ...
            self.status.value = f"<span class='wb-bad'>{_text('error', self.state.lang, message=str(exc))}</span>"
            return None
        return self._done(path)

    def render(self) -> None:
        lang = self.state.lang
        self.excel.description = tr("export_excel", lang)
        self.html.description = tr("export_html", lang)
        self.png.description = tr("export_png", lang)
        current = self.chart.value
        self.chart.options = [(tr(self.CHART_LABELS[name], lang), name) for name in self.charts]
        self.chart.value = current


# ------------------------------------------------------------------ robustness

class RobustnessView:
    """Monte Carlo rank intervals of the current weighting (on request: it takes a moment)."""

    def __init__(self, state: AppState, scoring: ScoringModel, *, n: int = 300, seed: int = 0):
        self.state, self.scoring, self.n, self.seed = state, scoring, n, seed
        self.run = w.Button(button_style="warning", icon="random", layout=w.Layout(width="auto"))
        self.run.on_click(lambda _: self.compute())
        self.summary = w.HTML()
        self.result = None
        self.chart = ChartView(state, self._figure, width=1100)
        self.chart.widget.layout.display = "none"
        state.observe(lambda _: self.render(), names="lang")
        scoring.observe(lambda _: self._stale(), names="revision")
        self.widget = w.VBox([w.HBox([self.run, self.summary], layout=w.Layout(align_items="center")),
                              self.chart.widget])
        self.render()

    def compute(self):
        from ...assess.robustness import monte_carlo

        self.result = monte_carlo(self.scoring.scheme, self.scoring.table, n=self.n, seed=self.seed,
                                  groups=self.state.townships, progress=False)
        self.chart.widget.layout.display = None
        self.render()
        return self.result

    def _stale(self) -> None:
        if self.result is not None and self.result.scheme is not self.scoring.scheme:
            self.result = None
            self.chart.widget.layout.display = "none"
            self.render()

    def _figure(self, lang, theme):
        if self.result is None:
            return None
        s = self.result.summary
        intervals = pd.DataFrame({"nominal_rank": s["rank"], "p5": s["rank_p5"], "p50": s["rank_median"],
                                  "p95": s["rank_p95"]})
        return charts.rank_intervals(intervals, lang=lang, theme=theme, names=self.state.names)

    def render(self) -> None:
        lang = self.state.lang
        self.run.description = tr("run_robustness", lang, n=self.n)
        if self.result is not None:
            decided = int(self.result.summary["decided_by_weighting"].sum())
            self.summary.value = f"&nbsp;&nbsp;<b>{_text('robustness_summary', lang, decided=decided)}</b>"
        else:
            self.summary.value = ""
        self.chart.render()
