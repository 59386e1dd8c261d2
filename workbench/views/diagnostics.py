"""The diagnostics section of the research page: importance against weight, factor structure, rank reversal.

:class:`DiagnosticsModel` asks :mod:`workbench.studies.diagnostics` for every
number, on the period's assessment under the framework's scheme (the rank
reversal study also under min-max normalization or entropy weights, to show
what relative methods do); :class:`DiagnosticsView` shows them. Nothing here
changes a weight: the section describes, the weight explorer decides.

>>> from workbench.views.state import AppState
>>> model = DiagnosticsModel(AppState.from_source("sample_data"), reps=20)
>>> model.importance()["flag"].isin(["", "over", "under"]).all()
True
"""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
import traitlets as t

from ..assess.indicators import compute_indicators
from ..assess.scoring import Scheme
from ..i18n import tr
from ..studies.diagnostics import factor_structure, rank_reversal, weight_importance
from .mvc import Model, bind, follow
from .panel_charts import factor_loadings, weight_importance as importance_figure
from .state import AppState
from .widgets.chart import ChartView
from .widgets.html import Cell, esc, html_table

__all__ = ["DiagnosticsModel", "DiagnosticsView", "VARIANTS"]

#: Schemes the rank reversal study can try: the framework's, min-max normalization, entropy weights.
VARIANTS = ("framework", "minmax", "entropy")


class DiagnosticsModel(Model):
    """The period's assessment and the diagnostics of it (the rank reversal study on request)."""

    level = t.Unicode("dimensions")
    variant = t.Unicode("framework")
    reversal = t.Any(None)

    def __init__(self, state: AppState, *, reps: int = 200, trials: int = 20, seed: int = 0):
        super().__init__()
        self.state, self.reps, self.trials, self.seed = state, reps, trials, seed
        self.table = self.result = None
        self._factors = None
        state.observe(lambda _: self.refresh(), names=["revision", "period"])
        self.observe(lambda _: setattr(self, "reversal", None), names="variant")
        self.refresh()

    def refresh(self) -> None:
        state = self.state
        self.reversal = None
        self._factors = None
        if state.period is None:
            self.table = self.result = None
        else:
            self.table = compute_indicators(state.data, state.framework, period=state.period)
            self.result = Scheme(state.framework).score(self.table, groups=state.townships)
        self.changed()

    def importance(self) -> pd.DataFrame:
        return weight_importance(self.result, level=self.level)

    def factors(self):
        if self._factors is None:
            self._factors = factor_structure(self.result, reps=self.reps, seed=self.seed)
        return self._factors

    def scheme(self) -> Scheme:
        fw = self.state.framework
        if self.variant == "minmax":
            return Scheme(fw, normalization={"*": "minmax"}, name="minmax")
        if self.variant == "entropy":
            return Scheme(fw).with_preset("entropy", self.table, groups=self.state.townships).with_origin(
                origin={"method": "entropy"})
        return Scheme(fw)

    def run_reversal(self):
        self.reversal = rank_reversal(self.scheme(), self.table, trials=self.trials, seed=self.seed,
                                      groups=self.state.townships)
        return self.reversal


class DiagnosticsView:
    """Three parts, each a heading, a chart or table, and a sentence that says what it means."""

    def __init__(self, state: AppState, model: DiagnosticsModel, *, names=None):
        self.state, self.model = state, model
        self.names = names
        self.heading = w.HTML()
        self.intro = w.HTML()
        # importance
        self.imp_title = w.HTML()
        self.level = w.ToggleButtons(options=[("dimensions", "dimensions"), ("indicators", "indicators")],
                                     style={"button_width": "auto"})
        self._level = bind(self.level, "value", model, "level", render=lambda: model.level,
                           accept=lambda v: setattr(model, "level", v))
        self.imp_chart = ChartView(state, self._importance, inputs=[(model, ["revision", "level"])],
                                   name="importance")
        self.imp_note = w.HTML()
        # factors
        self.fac_title = w.HTML()
        self.fac_note = w.HTML()
        self.fac_chart = ChartView(state, self._loadings, inputs=[(model, "revision")], name="loadings")
        self.fac_table = w.HTML()
        # reversal
        self.rev_title = w.HTML()
        self.variant = w.Dropdown(options=[(v, v) for v in VARIANTS], layout=w.Layout(width="260px"))
        self._variant = bind(self.variant, "value", model, "variant", render=lambda: model.variant,
                             accept=lambda v: setattr(model, "variant", v))
        self.run = w.Button(button_style="warning", icon="random", layout=w.Layout(width="auto"))
        self.run.on_click(lambda _: model.run_reversal())
        self.rev_table = w.HTML()
        self.rev_note = w.HTML()
        follow(model, ["revision", "level"], self.render_importance)
        follow(model, "revision", self.render_factors)
        follow(model, ["reversal", "variant"], self.render_reversal)
        follow(state, "lang", self.render)
        for chart in (self.imp_chart, self.fac_chart):
            chart.render()
        self.widget = w.VBox([
            self.heading, self.intro,
            self.imp_title, self.level, self.imp_chart.widget, self.imp_note,
            self.fac_title, self.fac_note, self.fac_chart.widget, self.fac_table,
            self.rev_title, w.HBox([self.variant, self.run], layout=w.Layout(align_items="center", grid_gap="8px")),
            self.rev_table, self.rev_note])
        self.widget.add_class("wb-diagnostics")

    # ------------------------------------------------------------ importance
    def _labels(self) -> dict[str, str]:
        fw, lang = self.state.framework, self.state.lang
        return {k: fw.label(k, lang) for k in fw.dimension_ids + fw.indicator_ids}

    def _importance(self, lang, theme):
        if self.model.result is None:
            return None
        frame = self.model.importance()
        return importance_figure(frame, self._labels(), lang=lang, theme=theme,
                                 title=tr("diag_importance_title", lang))

    def render_importance(self) -> None:
        lang, model = self.state.lang, self.model
        if model.result is None:
            self.imp_note.value = ""
            return
        frame = model.importance()
        labels = self._labels()
        lines = [tr("diag_flag_" + r.flag, lang, name=labels[r.id], weight=r.weight, share=r.s1_share)
                 for r in frame.itertuples() if r.flag]
        text = "；".join(lines) if lang == "zh" else "; ".join(lines)
        self.imp_note.value = (f"<div class='wb-note'>{esc(tr('diag_importance_hint', lang))}</div>"
                               + (f"<div class='wb-bad'>{esc(text)}</div>" if text else
                                  f"<div class='wb-ok'>{esc(tr('diag_importance_ok', lang))}</div>"))

    # --------------------------------------------------------------- factors
    def _loadings(self, lang, theme):
        if self.model.result is None:
            return None
        fs = self.model.factors()
        fw = self.state.framework
        order = [i for i in fw.indicator_ids if i in fs.loadings.index]
        return factor_loadings(fs.loadings.loc[order], self._labels(), lang=lang, theme=theme,
                               title=tr("diag_loadings_title", lang))

    def render_factors(self) -> None:
        lang, model = self.state.lang, self.model
        if model.result is None:
            self.fac_note.value = self.fac_table.value = ""
            return
        fs = model.factors()
        labels = self._labels()
        shared = fs.dimensions[~fs.dimensions["distinct"]]
        groups = shared.groupby("home").groups
        together = ("；" if lang == "zh" else "; ").join(
            ("、" if lang == "zh" else ", ").join(labels[d] for d in dims) for dims in groups.values())
        self.fac_note.value = "<div class='wb-note'>" + esc(tr(
            "diag_factors_summary", lang, n=fs.n_components, kaiser=fs.kaiser, first=float(fs.explained.iloc[0]),
            kept=float(fs.explained.iloc[:fs.n_components].sum()), distinct=fs.distinct,
            dims=len(fs.dimensions))) + "</div>" + (
            f"<div class='wb-bad'>{esc(tr('diag_factors_shared', lang, groups=together))}</div>" if together else "")
        stray = fs.indicators[fs.indicators["flag"] != ""]
        if not len(stray):
            self.fac_table.value = f"<div class='wb-ok'>{esc(tr('diag_factors_ok', lang))}</div>"
            return
        heads = [tr(k, lang) for k in ("diag_col_indicator", "diag_col_dimension", "diag_col_component",
                                       "diag_col_loading", "diag_col_with")]
        rows = [[labels[i], labels[r.dimension], tr("diag_component", lang, k=int(r.component[2:])),
                 Cell(f"{r.loading:.2f}", "wb-num"),
                 ("、" if lang == "zh" else ", ").join(labels[d] for d in r.loads_with.split("、") if d)
                 or tr("diag_alone", lang)]
                for i, r in stray.iterrows()]
        self.fac_table.value = (f"<div class='wb-note'>{esc(tr('diag_factors_stray', lang))}</div>"
                                f"<div style='overflow-x:auto'>{html_table(heads, rows, numeric=(3,))}</div>")

    # -------------------------------------------------------------- reversal
    def render_reversal(self) -> None:
        lang, study = self.state.lang, self.model.reversal
        if study is None:
            self.rev_table.value = ""
            self.rev_note.value = f"<div class='wb-note'>{esc(tr('diag_reversal_hint', lang))}</div>"
            return
        heads = [tr(k, lang) for k in ("diag_col_operation", "diag_col_trials", "diag_col_with_reversal",
                                       "diag_col_mean_pairs", "diag_col_max_pairs", "diag_col_max_shift")]
        rows = [[tr(f"diag_op_{op}", lang), int(r["trials"]), Cell(f"{r['with_reversal']:.0%}", "wb-num"),
                 Cell(f"{r['mean_pairs']:.1f}", "wb-num"), int(r["max_pairs"]), int(r["max_shift"])]
                for op, r in study.summary.iterrows()]
        self.rev_table.value = html_table(heads, rows, numeric=(1, 2, 3, 4, 5))
        any_flip = bool((study.summary["with_reversal"] > 0).any())
        key = "diag_reversal_found" if any_flip else "diag_reversal_none"
        self.rev_note.value = (f"<div class='{'wb-bad' if any_flip else 'wb-ok'}'>"
                               f"{esc(tr(key, lang, variant=tr('diag_variant_' + self.model.variant, lang)))}</div>")

    def render(self) -> None:
        lang = self.state.lang
        self.heading.value = f"<div class='wb-section'>{esc(tr('diag_title', lang))}</div>"
        self.intro.value = f"<div class='wb-note'>{esc(tr('diag_intro', lang))}</div>"
        self.imp_title.value = f"<div class='wb-subsection'>{esc(tr('diag_importance_heading', lang))}</div>"
        self.fac_title.value = f"<div class='wb-subsection'>{esc(tr('diag_factors_heading', lang))}</div>"
        self.rev_title.value = f"<div class='wb-subsection'>{esc(tr('diag_reversal_heading', lang))}</div>"
        with self._level.quietly():
            self.level.options = [(tr("diag_level_dimensions", lang), "dimensions"),
                                  (tr("diag_level_indicators", lang), "indicators")]
        self._level.refresh()
        with self._variant.quietly():
            self.variant.options = [(tr(f"diag_variant_{v}", lang), v) for v in VARIANTS]
        self._variant.refresh()
        self.run.description = tr("diag_run_reversal", lang, n=self.model.trials)
        self.render_importance()
        self.render_factors()
        self.render_reversal()
