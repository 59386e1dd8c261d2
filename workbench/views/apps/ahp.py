"""The AHP part of the weight explorer: one expert's or a whole panel's pairwise comparisons.

:class:`AhpEditor` shows the matrix of the level (the dimensions, or the
indicators of one dimension) and expert on screen, bound to a
:class:`~workbench.views.panel.PanelModel`; experts are added, renamed and
removed here, or a panel workbook is uploaded (and its template downloaded).
With two or more experts it shows the group's weights, each expert's own
weights as a chart of their spread, the consensus, and every expert whose
judgements are inconsistent with the comparison to revise. Weights from a
matrix with CR > 0.1 (an expert's or the group's) are applied only after the
person confirms; the scheme records where they came from.

>>> from workbench.views.state import AppState
>>> from workbench.views.scoring import ScoringModel
>>> state = AppState.from_source("sample_data", lang="en")
>>> editor = AhpEditor(state, ScoringModel(state))
>>> editor.set_judgement(0, 1, 3); editor.add_expert.click(); editor.set_judgement(0, 1, 5)
>>> editor.apply_weights(force=True) < 0.1, editor.scoring.scheme.origin["method"]
(True, 'ahp_group')
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w
import numpy as np
import pandas as pd

from ...assess.panel import LEVEL_DIMENSIONS, PanelError, judgement_text, read_panel, write_panel_template
from ...assess.weights import SAATY_SCALE, ahp_inconsistency, nearest_saaty
from ...i18n import tr
from ..mvc import bind, follow
from ..panel import PanelModel
from ..panel_charts import weight_spread
from ..scoring import ScoringModel
from ..state import AppState
from ..widgets.chart import ChartView
from ..widgets.html import Cell, StatusLine, download_link, esc, html_table

__all__ = ["AhpEditor", "MAX_PANEL_BYTES"]

#: The largest panel workbook a page accepts.
MAX_PANEL_BYTES = 5_000_000
_CELL = dict(width="72px", min_width="72px")
_LABEL = dict(width="132px", min_width="110px")


def _saaty_label(value: float) -> str:
    return judgement_text(value)


class _Grid:
    """The matrix of one level: a dropdown per upper cell, the reciprocal shown below the diagonal."""

    def __init__(self, model: PanelModel, level: str):
        self.model = model
        self.level = level
        self.ids = model.criteria(level)
        n = len(self.ids)
        options = [(_saaty_label(v), float(v)) for v in SAATY_SCALE]
        self.cells: dict[tuple[int, int], w.Dropdown] = {}
        self.mirror: dict[tuple[int, int], w.HTML] = {}
        self.row_labels = [w.HTML(layout=w.Layout(**_LABEL)) for _ in range(n)]
        self.col_labels = [w.HTML(layout=w.Layout(**_CELL)) for _ in range(n)]
        rows = [w.HBox([w.HTML(layout=w.Layout(**_LABEL))] + self.col_labels, layout=w.Layout(align_items="flex-end"))]
        for i in range(n):
            row = [self.row_labels[i]]
            for j in range(n):
                if i == j:
                    row.append(w.HTML("<div class='wb-ahp-cell'>1</div>", layout=w.Layout(**_CELL)))
                elif i < j:
                    cell = w.Dropdown(options=options, value=1.0, layout=w.Layout(**_CELL))
                    cell.add_class("wb-ahp-input")
                    bind(cell, "value", model, ["revision", "expert"],
                         render=lambda i=i, j=j: nearest_saaty(model.matrix(level)[i, j]),
                         accept=lambda v, i=i, j=j: model.set_judgement(i, j, v, level=level))
                    self.cells[(i, j)] = cell
                    row.append(cell)
                else:
                    self.mirror[(i, j)] = w.HTML(layout=w.Layout(**_CELL))
                    row.append(self.mirror[(i, j)])
            rows.append(w.HBox(row, layout=w.Layout(align_items="center")))
        self.widget = w.VBox(rows, layout=w.Layout(overflow="auto hidden", max_width="100%"))
        follow(model, ["revision", "expert"], self.render_mirror)

    def render_mirror(self) -> None:
        a = self.model.matrix(self.level)
        for (i, j), cell in self.mirror.items():
            cell.value = f"<div class='wb-ahp-cell'>{esc(_saaty_label(a[i, j]))}</div>"

    def labels(self, fw, lang: str) -> None:
        for k, key in enumerate(self.ids):
            label = fw.label(key, lang)
            self.row_labels[k].value = (f"<div class='wb-ahp-head' style='text-align:left;font-size:14px' "
                                        f"title='{esc(label)}'>{esc(label)}</div>")
            self.col_labels[k].value = f"<div class='wb-ahp-head' title='{esc(label)}'>{esc(label)}</div>"


class AhpEditor:
    """Pairwise comparisons of one expert or a panel, their consistency, the group weights and "apply".

    The attributes of the single-matrix editor stay: ``cells``, ``mirror``,
    ``col_labels`` (of the level on screen), ``matrix()``, ``set_judgement()``,
    ``consistency()``, ``worst()``, ``apply``, ``confirm``, ``cancel``, ``fix``.
    """

    def __init__(self, state: AppState, scoring: ScoringModel, *, exports=None):
        self.state, self.scoring, self.exports = state, scoring, exports
        fw = scoring.framework
        self.model = model = PanelModel(fw, lang=state.lang)
        self._grids: dict[str, _Grid] = {}
        self.grid_box = w.Box(layout=w.Layout(max_width="100%"))
        # ---- level, expert, panel file
        self.level = w.Dropdown(options=[(lv, lv) for lv in model.levels()], layout=w.Layout(width="260px"))
        self._level = bind(self.level, "value", model, "level", render=lambda: model.level,
                           accept=lambda v: setattr(model, "level", v))
        self.expert = w.Dropdown(options=[(e, e) for e in model.experts], layout=w.Layout(width="220px"))
        self._expert = bind(self.expert, "value", model, "expert", render=lambda: model.expert,
                            accept=lambda v: setattr(model, "expert", v))
        self.add_expert = w.Button(icon="user-plus", layout=w.Layout(width="auto"))
        self.add_expert.on_click(lambda _: model.add_expert())
        self.remove_expert = w.Button(icon="user-times", layout=w.Layout(width="auto"))
        self.remove_expert.on_click(lambda _: self._remove())
        self.name = w.Text(layout=w.Layout(width="140px"))
        self.rename = w.Button(icon="pencil", layout=w.Layout(width="auto"))
        self.rename.on_click(lambda _: self._rename())
        self.upload = w.FileUpload(accept=".xlsx", multiple=False, layout=w.Layout(width="auto"))
        self.upload.observe(lambda _: self.upload_panel() if self.upload.value else None, names="value")
        self.template = w.Button(icon="file-excel-o", layout=w.Layout(width="auto"))
        self.template.on_click(lambda _: self.download_template())
        self.template.layout.display = None if exports is not None else "none"
        self.download = w.HTML()
        self.problems = w.HTML()
        self._error: PanelError | None = None
        # ---- one matrix
        self.cr = w.HTML()
        self.diagnosis = w.HTML()
        self.fix = w.Button(icon="magic", layout=w.Layout(width="auto"))
        self.fix.on_click(lambda _: self.apply_suggestion())
        self.hint = w.HTML()
        self.title = w.HTML()
        # ---- the panel
        self.method = w.Dropdown(options=[("aij", "aij"), ("aip", "aip")], layout=w.Layout(width="300px"))
        self._method = bind(self.method, "value", model, "method", render=lambda: model.method,
             accept=lambda v: setattr(model, "method", v))
        self.summary = w.HTML()
        self.table = w.HTML()
        self.spread = ChartView(state, self._spread, inputs=[(model, ["revision", "level", "method"])],
                                name="panel_spread")
        self.panel_box = w.VBox([w.HBox([self.method, self.summary], layout=w.Layout(
            align_items="center", flex_flow="row wrap", grid_gap="8px")), self.table, self.spread.widget])
        # ---- apply
        self.apply = w.Button(button_style="info", icon="check", layout=w.Layout(width="auto"))
        self.apply.on_click(lambda _: self.request_apply())
        self.apply_all = w.Button(button_style="info", icon="check-square-o", layout=w.Layout(width="auto"))
        self.apply_all.on_click(lambda _: self.request_apply(every_level=True))
        self.confirm = w.Button(button_style="danger", layout=w.Layout(width="auto"))
        self.cancel = w.Button(layout=w.Layout(width="auto"))
        self.confirm.on_click(lambda _: self.apply_weights(force=True, every_level=self._asked_all))
        self.cancel.on_click(lambda _: self._ask(False))
        self._asked_all = False
        self.question = w.HTML()
        self.asking = w.HBox([self.question, self.confirm, self.cancel],
                             layout=w.Layout(align_items="center", flex_flow="row wrap", display="none"))
        self.status = StatusLine(state)
        self.file_status = StatusLine(state)
        follow(model, "level", self._show_grid)
        follow(model, ["experts", "revision", "level"], self._expert_options)
        follow(model, ["revision", "expert", "level", "method"], self.render_cr)
        follow(state, "lang", self.render)
        bar = dict(align_items="center", flex_flow="row wrap", grid_gap="6px")
        self.widget = w.VBox([
            self.title, self.hint,
            w.HBox([self.level, self.expert, self.add_expert, self.remove_expert, self.name, self.rename],
                   layout=w.Layout(**bar)),
            w.HBox([self.upload, self.template, self.download], layout=w.Layout(**bar)),
            self.file_status.widget, self.problems, self.grid_box,
            w.HBox([self.apply, self.apply_all, self.cr], layout=w.Layout(**bar)),
            w.HBox([self.diagnosis, self.fix], layout=w.Layout(**bar)),
            self.panel_box, self.asking, self.status.widget])
        self.widget.add_class("wb-panel")
        self.widget.add_class("wb-ahp")

    # ---------------------------------------------------------------- grids
    def _grid(self, level: str | None = None) -> _Grid:
        level = level or self.model.level
        if level not in self._grids:
            grid = _Grid(self.model, level)
            grid.labels(self.scoring.framework, self.state.lang)
            self._grids[level] = grid
        return self._grids[level]

    def _show_grid(self) -> None:
        self.grid_box.children = [self._grid().widget]
        self._ask(False)

    @property
    def ids(self) -> list[str]:
        return self._grid().ids

    @property
    def cells(self) -> dict[tuple[int, int], w.Dropdown]:
        return self._grid().cells

    @property
    def mirror(self) -> dict[tuple[int, int], w.HTML]:
        return self._grid().mirror

    @property
    def col_labels(self) -> list[w.HTML]:
        return self._grid().col_labels

    @property
    def row_labels(self) -> list[w.HTML]:
        return self._grid().row_labels

    # --------------------------------------------------------------- matrix
    def matrix(self) -> np.ndarray:
        """The matrix of the expert and level on screen."""
        return self.model.matrix()

    def set_judgement(self, i: int, j: int, value: float) -> None:
        """Set a[i, j] to a value of Saaty's scale (i > j sets the reciprocal of a[j, i]), as a person would."""
        if i > j:
            i, j, value = j, i, 1.0 / value
        self.cells[(i, j)].value = nearest_saaty(value)

    def consistency(self) -> float:
        return self.model.consistency()

    def worst(self) -> pd.Series | None:
        """The comparison of the matrix on screen contributing most to its inconsistency (None when CR <= 0.1)."""
        if self.consistency() <= 0.1:
            return None
        return ahp_inconsistency(self.matrix()).iloc[0]

    def apply_suggestion(self) -> None:
        worst = self.worst()
        if worst is not None:
            self.set_judgement(int(worst["i"]), int(worst["j"]), float(worst["suggested"]))

    # --------------------------------------------------------------- experts
    def _remove(self) -> None:
        try:
            self.model.remove_expert()
        except ValueError:
            self.file_status.set("panel_keep_one", ok=False)

    def _rename(self) -> None:
        try:
            self.model.rename_expert(self.name.value)
            self.name.value = ""
        except ValueError:
            self.file_status.set("panel_name_taken", ok=False, name=self.name.value)

    def _expert_options(self) -> None:
        model, lang = self.model, self.state.lang
        entered = set(model.entered())
        options = []
        for e in model.experts:
            label = e
            if e in entered:
                cr = model.consistency(expert=e)
                label += f" · CR {cr:.2f}" + (" ⚠" if cr > 0.1 else "")
            else:
                label += " · " + tr("panel_not_entered", lang)
            options.append((label, e))
        if list(self.expert.options) != options:
            with self._expert.quietly():
                self.expert.options = options
        self._expert.refresh()
        self.remove_expert.disabled = len(model.experts) < 2

    # ---------------------------------------------------------------- upload
    def upload_panel(self):
        """Read an uploaded panel workbook; its experts and matrices replace the ones here."""
        item = self.upload.value[0]
        content = bytes(item["content"])
        name = Path(str(item["name"])).name
        with self.upload.hold_trait_notifications():
            self.upload.value = ()
        if len(content) > MAX_PANEL_BYTES:
            self.file_status.set("panel_too_large", ok=False, size=f"{len(content) / 1e6:.1f} MB",
                            limit=f"{MAX_PANEL_BYTES / 1e6:.0f} MB")
            return None
        try:
            panel = read_panel(content, self.scoring.framework, name=name)
        except PanelError as err:
            self._error = err
            self._render_problems()
            self.file_status.set("panel_refused", ok=False, name=name, n=len(err.problems))
            return None
        self._error = None
        self._render_problems()
        self.model.load(panel)
        self.file_status.set("panel_loaded", ok=True, name=name, n=len(panel.experts), levels=len(panel.levels))
        return panel

    def _render_problems(self) -> None:
        err, lang = self._error, self.state.lang
        if err is None:
            self.problems.value = ""
            return
        table = err.table(lang)
        heads = [tr(k, lang) for k in ("panel_col_sheet", "panel_col_cell", "panel_col_expert", "problem_value",
                                       "problem_message")]
        rows = [[r.sheet, f"{r.column}{r.row}" if r.row is not pd.NA else "", r.expert, r.value, r.message]
                for r in table.head(200).itertuples(index=False)]
        self.problems.value = f"<div class='wb-scroll' style='max-height:260px'>{html_table(heads, rows)}</div>"

    def download_template(self) -> Path | None:
        if self.exports is None:
            return None
        lang = self.state.lang
        experts = self.model.experts if len(self.model.experts) > 1 else 3
        path = self.exports.path(tr("panel_tpl_file", lang), ".xlsx")
        write_panel_template(path, self.scoring.framework, experts=experts, lang=lang)
        self.exports.written(path)
        self.download.value = download_link(path, tr("download", lang, name=path.name))
        return path

    # --------------------------------------------------------------- showing
    def _labels(self) -> dict[str, str]:
        fw, lang = self.scoring.framework, self.state.lang
        return {k: fw.label(k, lang) for k in self.ids}

    def _spread(self, lang, theme):
        if len(self.model.entered()) < 2:
            return None
        w_, table = self.model.group()
        return weight_spread(w_, table, self._labels(), lang=lang, theme=theme,
                             title=tr("panel_spread_title", lang, level=self._level_name(self.model.level)))

    def _level_name(self, level: str) -> str:
        lang = self.state.lang
        return tr("panel_ui_dimensions", lang) if level == LEVEL_DIMENSIONS else \
            tr("panel_ui_indicators", lang, dimension=self.scoring.framework.label(level, lang))

    def render_cr(self) -> None:
        lang = self.state.lang
        fw = self.scoring.framework
        cr = self.consistency()
        ok = cr <= 0.1
        verdict = tr("ahp_cr_ok", lang) if ok else tr("ahp_cr_bad", lang)
        who = f"{self.model.expert}: " if len(self.model.experts) > 1 else ""
        self.cr.value = (f"&nbsp;&nbsp;<span class='{'wb-ok' if ok else 'wb-bad'}'>{esc(who)}"
                         f"{esc(tr('ahp_cr', lang, cr=cr))} · {esc(verdict)}</span>")
        worst = self.worst()
        if worst is None:
            self.diagnosis.value = ""
            self.fix.layout.display = "none"
        else:
            ids = self.ids
            a, b = fw.label(ids[int(worst["i"])], lang), fw.label(ids[int(worst["j"])], lang)
            self.diagnosis.value = "<span class='wb-bad'>" + esc(tr(
                "ahp_worst", lang, a=a, b=b, now=_saaty_label(worst["judgement"]),
                better=_saaty_label(worst["suggested"]), cr=worst["cr_if_changed"])) + "</span>&nbsp;"
            self.fix.layout.display = None
            self.fix.description = tr("ahp_use_suggestion", lang, value=_saaty_label(worst["suggested"]))
        self._render_panel()

    def _render_panel(self) -> None:
        model, lang, fw = self.model, self.state.lang, self.scoring.framework
        entered = model.entered()
        group = len(entered) >= 2
        self.panel_box.layout.display = None if group else "none"
        several = sum(1 for lv in model.levels() if model.entered(lv)) > 1
        self.apply_all.layout.display = None if several else "none"
        if not group:
            self.summary.value = self.table.value = ""
            return
        w_, table = model.group()
        attrs = table.attrs
        band = tr(f"consensus_{attrs['consensus_band']}", lang) if attrs["consensus_band"] else "–"
        css = "wb-ok" if attrs["group_cr"] <= 0.1 else "wb-bad"
        self.summary.value = (f"<span class='{css}'>" + esc(tr(
            "panel_summary", lang, n=len(entered), total=len(model.experts), cr=attrs["group_cr"],
            consensus=attrs["consensus"], band=band)) + "</span>")
        heads = [tr(k, lang) for k in ("panel_col_expert", "panel_col_cr", "panel_col_worst", "panel_col_distance")]
        rows, classes = [], []
        for expert, rec in table.iterrows():
            bad = rec["cr"] > 0.1
            worst = ""
            if bad and rec["worst_a"] is not None:
                worst = tr("panel_worst_short", lang, a=fw.label(rec["worst_a"], lang), b=fw.label(rec["worst_b"], lang),
                           now=_saaty_label(rec["judgement"]), better=_saaty_label(rec["suggested"]),
                           cr=rec["cr_if_changed"])
            flag = tr("panel_cli_inconsistent", lang) if bad else tr("panel_cli_consistent", lang)
            rows.append([expert, f"{rec['cr']:.3f} · {flag}", worst, Cell(f"{rec['distance']:.2f}", "wb-num")])
            classes.append("wb-row-bad" if bad else "")
        self.table.value = (f"<div style='overflow-x:auto'>"
                            f"{html_table(heads, rows, row_classes=classes, numeric=(3,))}</div>")

    def render(self) -> None:
        lang = self.state.lang
        fw = self.scoring.framework
        model = self.model
        self.title.value = f"<b>{esc(tr('ahp_editor', lang))}</b>"
        self.hint.value = (f"<div class='wb-note'>{esc(tr('ahp_hint', lang))}</div>"
                           f"<div class='wb-note'>{esc(tr('panel_hint', lang))}</div>")
        with self._level.quietly():
            self.level.options = [(self._level_name(lv), lv) for lv in model.levels()]
        self._level.refresh()
        with self._method.quietly():
            self.method.options = [(tr("panel_method_aij", lang), "aij"), (tr("panel_method_aip", lang), "aip")]
        self._method.refresh()
        for grid in self._grids.values():
            grid.labels(fw, lang)
        self.add_expert.description = tr("panel_add_expert", lang)
        self.remove_expert.description = tr("panel_remove_expert", lang)
        self.name.placeholder = tr("panel_rename_placeholder", lang)
        self.rename.description = tr("panel_rename", lang)
        self.upload.description = tr("panel_upload", lang)
        self.template.description = tr("panel_template", lang)
        self.apply.description = tr("ahp_apply", lang)
        self.apply_all.description = tr("panel_apply_all", lang)
        self.confirm.description = tr("ahp_apply_anyway", lang)
        self.cancel.description = tr("cancel", lang)
        self._expert_options()
        self._render_problems()
        self.render_cr()
        self._ask(self.asking.layout.display != "none", every_level=self._asked_all)

    # ----------------------------------------------------------------- apply
    def _levels_to_apply(self, every_level: bool) -> list[str]:
        model = self.model
        if every_level:
            return [lv for lv in model.levels() if model.entered(lv)]
        return [model.level]

    def _doubts(self, levels: list[str]) -> list[str]:
        """What makes the weights of ``levels`` doubtful, in words: an inconsistent group or expert."""
        model, lang = self.model, self.state.lang
        doubts = []
        for level in levels:
            entered = model.entered(level)
            name = self._level_name(level)
            if len(entered) >= 2:
                _, table = model.group(level)
                if table.attrs["group_cr"] > 0.1:
                    doubts.append(tr("panel_doubt_group", lang, level=name, cr=table.attrs["group_cr"]))
                bad = [f"{e} ({r['cr']:.2f})" for e, r in table.iterrows() if r["cr"] > 0.1]
                if bad:
                    doubts.append(tr("panel_doubt_experts", lang, level=name, experts="、".join(bad)))
            else:
                expert = entered[0] if entered else model.expert
                cr = model.consistency(level, expert)
                if cr > 0.1:
                    doubts.append(tr("panel_doubt_single", lang, level=name, cr=cr))
        return doubts

    def _ask(self, asking: bool, *, every_level: bool = False) -> None:
        self.asking.layout.display = None if asking else "none"
        self._asked_all = every_level if asking else False
        if asking:
            levels = self._levels_to_apply(every_level)
            single = levels == [LEVEL_DIMENSIONS] and len(self.model.entered(LEVEL_DIMENSIONS)) < 2
            if single:
                text = tr("ahp_confirm", self.state.lang, cr=self.model.consistency(LEVEL_DIMENSIONS))
            else:
                text = tr("panel_confirm", self.state.lang, doubts="；".join(self._doubts(levels)))
            self.question.value = f"<span class='wb-bad'>{esc(text)}</span>&nbsp;"

    def request_apply(self, *, every_level: bool = False) -> float | None:
        """Apply when nothing is doubtful; otherwise ask first (the person confirms with :attr:`confirm`)."""
        if self._doubts(self._levels_to_apply(every_level)):
            self._ask(True, every_level=every_level)
            return None
        return self.apply_weights(force=True, every_level=every_level)

    def apply_weights(self, *, force: bool = False, every_level: bool = False) -> float | None:
        """Apply the weights of the level on screen (or of every level compared); returns the largest CR."""
        levels = self._levels_to_apply(every_level)
        if not force and self._doubts(levels):
            self._ask(True, every_level=every_level)
            return None
        model = self.model
        if levels == [LEVEL_DIMENSIONS] and len(model.entered(LEVEL_DIMENSIONS)) < 2 and not model.source:
            # one matrix of the dimensions: the scheme records the matrix and its judgements
            ids = model.criteria(LEVEL_DIMENSIONS)
            a = model.matrix(LEVEL_DIMENSIONS, (model.entered(LEVEL_DIMENSIONS) or [model.expert])[0])
            judgements = {f"{ids[i]}/{ids[j]}": float(a[i, j]) for i in range(len(ids)) for j in range(i + 1, len(ids))}
            cr = self.scoring.apply_ahp(a, judgements=judgements)
        else:
            scheme = model.scheme_for(self.scoring.scheme, levels)
            self.scoring.use_scheme(scheme)
            cr = max(float(model.group(lv)[1].attrs["group_cr"]) for lv in levels)
        self._ask(False)
        names = "、".join(self._level_name(lv) for lv in levels)
        n = max(len(model.entered(lv)) for lv in levels)
        self.status.set("panel_applied", ok=cr <= 0.1, levels=names, n=max(n, 1), cr=cr)
        return cr
