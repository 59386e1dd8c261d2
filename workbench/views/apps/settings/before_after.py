"""Before and after the scenario: county totals, grades and violations, the branches it touches, and
the Excel export of all of it with the steps listed.

>>> from workbench.views.state import AppState
>>> from workbench.views.apps.settings.scenario import ScenarioModel
>>> state = AppState.from_source("sample_data", lang="en")
>>> model = ScenarioModel(state)
>>> view = BeforeAfterView(state, model)
>>> model.merge(["B00031", "B00032"], name="Joint")
True
>>> view.affected.value.count("removed")
2
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from ... import charts
from ....i18n import tr
from ....settings.violations import rule_label
from ...mvc import follow
from ...state import AppState
from ...widgets.chart import ChartView
from ...widgets.html import Cell, StatusLine, change_cell, download_link, esc, html_table, section_title
from .scenario import ScenarioModel

__all__ = ["BeforeAfterView"]


class BeforeAfterView:
    """County totals, grades and violations before and after, the branches the scenario touches, the export."""

    def __init__(self, state: AppState, model: ScenarioModel, *, folder: str | Path | None = None):
        self.state, self.model = state, model
        self.folder = Path(folder) if folder is not None else None
        self.title = w.HTML()
        self.totals = w.HTML(layout=w.Layout(flex="1 1 420px", min_width="0", max_width="560px"))
        self.chart = ChartView(state, self._figure, inputs=[(model, "revision")], name="before_after")
        self.chart.widget.layout.flex = "1 1 560px"   # beside the totals on a wide screen, below them at 1024
        self.affected_title = w.HTML()
        self.affected = w.HTML()
        self.timing = w.HTML()
        self.export = w.Button(icon="file-excel-o", layout=w.Layout(width="auto"))
        self.export.add_class("wb-export-scenario")
        self.export_status = StatusLine(state)
        self.export.on_click(lambda _: self.export_excel())
        follow(model, "revision", self.render)
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([self.title,
                              w.HBox([self.totals, self.chart.widget],
                                     layout=w.Layout(flex_flow="row wrap", grid_gap="16px", width="100%")),
                              self.affected_title, self.affected, self.timing,
                              w.HBox([self.export, self.export_status.widget],
                                     layout=w.Layout(align_items="center", grid_gap="10px", flex_flow="row wrap"))],
                             layout=w.Layout(width="100%"))
        self.chart.render()

    def _figure(self, lang, theme):
        c = self.model.comparison
        return charts.scenario_before_after(c, self.state.framework, lang=lang, theme=theme) if c is not None else None

    def export_excel(self) -> Path | None:
        """The before/after with the steps listed, as an Excel workbook offered for download."""
        lang = self.state.lang
        try:
            path = self.model.export(self.folder, lang=lang)
        except OSError as exc:
            self.export_status.set("error", ok=False, message=f"{exc.strerror or exc}")
            return None
        self.export_status.set("exported_file", ok=True, name=path.name,
                               extra_html=download_link(path, tr("download", lang, name=path.name)))
        return path

    def totals_rows(self, lang: str) -> list[list]:
        """Rows of the county totals table: item, before, after, change (coloured)."""
        c = self.model.comparison
        fw = self.state.framework
        totals = c.totals
        better = {"errors": "lower", "warnings": "lower", "mean_score": "higher"}
        rows = []
        keys = ["branches", "members", "errors", "warnings", "mean_score"] + [f"grade:{g}" for g in fw.grade_ids]
        keys += [k for k in totals.index if k.startswith("rule:") and totals.loc[k, "change"] != 0]
        for key in keys:
            if key not in totals.index:
                continue
            before, after, change = totals.loc[key, ["before", "after", "change"]]
            if key.startswith("grade:"):
                label = fw.label(key[6:], lang)
                direction = "higher" if key[6:] == fw.grade_ids[0] else (
                    "lower" if key[6:] == fw.grade_ids[-1] else "")
            elif key.startswith("rule:"):
                label = rule_label(key[5:], lang)
                direction = "lower"
            else:
                label = tr(f"row_{key}", lang)
                direction = better.get(key, "")
            digits = 1 if key == "mean_score" else 0
            change = round(float(change), digits)  # a change that rounds to nothing is no change
            if change == 0 or not direction:
                cell = Cell(f"{change:+.{digits}f}" if change else f"{0:.{digits}f}", "wb-num")
            else:
                good = (change > 0) == (direction == "higher")
                cell = Cell(f"<span class='{'wb-better' if good else 'wb-worse'}'>{change:+.{digits}f}</span>",
                            "wb-num", raw=True)
            rows.append([label, round(before, digits) if digits else int(before),
                         round(after, digits) if digits else int(after), cell])
        return rows

    def affected_rows(self, lang: str) -> tuple[list[list], list[str]]:
        c = self.model.comparison
        fw = self.state.framework
        rows, css = [], []

        def grade(g):
            return fw.label(g, lang) if isinstance(g, str) and g in fw.grade_ids else "–"

        for bid, r in c.branches.iterrows():
            g0, g1 = r["grade_before"], r["grade_after"]
            grade_cell = Cell(f"{esc(grade(g0))} → {esc(grade(g1))}", raw=True)
            if g0 in fw.grade_ids and g1 in fw.grade_ids and g0 != g1:
                up = fw.grade_ids.index(g1) < fw.grade_ids.index(g0)
                grade_cell = Cell(f"{esc(grade(g0))} → <span class='{'wb-better' if up else 'wb-worse'}'>"
                                  f"{esc(grade(g1))}</span>", raw=True)
            rows.append([
                tr(f"branch_{r['status']}", lang),
                Cell(f"{esc(r['name'])} <span class='wb-note'>{esc(bid)}</span>", raw=True),
                change_cell(r["members_before"], r["members_after"], better=""),
                change_cell(r["errors_before"], r["errors_after"], better="lower"),
                change_cell(r["warnings_before"], r["warnings_after"], better="lower"),
                change_cell(r["score_before"], r["score_after"], better="higher", digits=1),
                grade_cell,
                change_cell(r["rank_before"], r["rank_after"], better="lower"),
            ])
            css.append("wb-row-muted" if r["status"] == "removed" else "")
        return rows, css

    def render(self) -> None:
        lang = self.state.lang
        c = self.model.comparison
        self.title.value = section_title(tr("sec_before_after", lang) + f" · {c.period if c is not None else ''}")
        self.export.description = tr("export_scenario", lang)
        if c is None:
            return
        heads = [tr(k, lang) for k in ("col_item", "col_before", "col_after", "col_change")]
        empty = "" if len(self.model.scenario) else f"<div class='wb-note'>{esc(tr('no_changes', lang))}</div>"
        self.totals.value = (f"<div class='wb-subsection'>{esc(tr('totals_title', lang))}</div>{empty}"
                             f"{html_table(heads, self.totals_rows(lang), numeric=(1, 2, 3))}")
        rows, css = self.affected_rows(lang)
        self.affected_title.value = (f"<div class='wb-subsection'>"
                                     f"{esc(tr('affected_title', lang, n=len(rows)))}</div>")
        heads = [tr(k, lang) for k in ("col_status", "col_branch", "col_members", "col_errors", "col_warnings",
                                       "col_score", "col_grade", "col_rank")]
        self.affected.value = (f"<div class='wb-scroll wb-before-after'>"
                               f"{html_table(heads, rows, row_classes=css, numeric=(2, 3, 4, 5, 7))}</div>"
                               if rows else "")
        self.timing.value = (f"<div class='wb-note'>"
                             f"{esc(tr('compare_timing', lang, seconds=self.model.seconds))}</div>")
