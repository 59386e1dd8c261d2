"""Weak-and-lax screening (06): candidates by township with the reasons that fired and their evidence,
the planner's decisions with a note, the list and what it does to grades, the exit check, the export.

Screening proposes, the planner decides: :class:`~workbench.views.apps.screening_model.ScreeningModel`
holds the candidates and the decisions (kept per data set and per user);
the views here render it and bind every control to it.

>>> import tempfile
>>> app = build_screening_app("sample_data", lang="en", state_dir=tempfile.mkdtemp())
>>> model, decide = app.models["screening"], app.views["decide"]
>>> decide.branch.value = model.screening.candidates.index[0]
>>> decide.note.value = "Secretary post vacant since spring"
>>> decide.confirm.click()
>>> model.current_decision(decide.branch.value)
'confirmed'
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w
import pandas as pd

from ...i18n import tr
from .. import trend_charts
from ..mvc import App, bind, follow
from ..state import AppState
from ..widgets.chart import ChartView
from ..widgets.data_picker import DataPicker
from ..widgets.export import ExportFolder
from ..widgets.header import Header
from ..widgets.html import Cell, StatusLine, download_link, esc, html_table, kpi_cards, section_title, style
from ..widgets.table import DataTable
from .common import Opened, data_section, open_app, section
from .controls import ALL, Choice, ModelStatus, export_table, field, output_context, page_style, work_folder
from .screening_model import DECISION_FILTERS, ScreeningModel

__all__ = ["ScreeningApp", "build_screening_app", "CandidatesView", "DecisionPanel", "ListView", "ExitView"]

DECISION_COLORS = {"pending": "#6f6f6f", "confirmed": "#b2182b", "rejected": "#1b7837", "exited": "#2166ac"}
#: Columns of the candidate list (catalogue keys of their headers).
CANDIDATE_COLUMNS = {"township": "screening_col_township", "branch_id": "screening_col_branch_id",
                     "name": "screening_col_name", "reasons": "screening_col_reasons",
                     "criteria": "screening_col_triggers", "evidence": "screening_col_evidence",
                     "decision": "screening_col_decision", "note": "screening_col_note"}
LIST_COLUMNS = {"branch_id": "screening_col_branch_id", "name": "screening_col_name",
                "township": "screening_col_township", "source": "list_col_source", "note": "screening_col_note", "total": "list_col_total",
                "grade_without": "list_col_grade_without", "grade_with": "list_col_grade_with"}


def _pill(decision: str, lang: str) -> str:
    return (f"<span class='wb-pill' style='background:{DECISION_COLORS.get(decision, '#6f6f6f')}'>"
            f"{esc(tr(f'decision_{decision}', lang))}</span>")


class Overview:
    """What the screening found this year: the sentence, the figures, candidates by township and by criterion."""

    def __init__(self, state: AppState, model: ScreeningModel):
        self.state, self.model = state, model
        self.intro = w.HTML()
        self.cards = w.HTML()
        inputs = [(model, "revision")]
        # short titles: the sentence of what was found is above the charts already
        self.towns = ChartView(state, lambda lang, theme: trend_charts.screening_by_township(
            model.screening, lang=lang, theme=theme, title=tr("screening_chart_townships", lang)),
            inputs=inputs, name="screening_townships")
        self.triggers = ChartView(state, lambda lang, theme: trend_charts.screening_triggers(
            model.screening, lang=lang, theme=theme, title=tr("screening_chart_triggers", lang)),
            inputs=inputs, name="screening_triggers")
        follow(model, ["revision", "decisions_revision"], self.render)
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([self.intro, self.cards, w.HBox([
            w.Box([self.towns.widget], layout=w.Layout(flex="1 1 440px", min_width="0")),
            w.Box([self.triggers.widget], layout=w.Layout(flex="1 1 560px", min_width="0"))],
            layout=w.Layout(flex_flow="row wrap", grid_gap="12px", width="100%"))], layout=w.Layout(width="100%"))
        self.towns.render()
        self.triggers.render()

    def render(self) -> None:
        lang, m = self.state.lang, self.model
        s = m.screening
        self.intro.value = (f"<div class='wb-note'><b>{esc(s.summary(lang))}</b> · "
                            f"{esc(tr('screening_about_note_text', lang))}</div>")
        c = m.counts()
        hover = tr("screening_candidates_def", lang, n=s.min_reasons)
        self.cards.value = kpi_cards([
            (tr("screening_candidates", lang), f"{c['candidates']:,}", tr("share_of_branches", lang,
             share=c["candidates"] / max(len(s.branches), 1)), "#e08214", hover),
            (tr("decision_pending", lang), f"{c['pending']:,}", "", "#6f6f6f", tr("screening_pending_def", lang)),
            (tr("decision_confirmed", lang), f"{c['confirmed']:,}", "", "#b2182b",
             tr("screening_confirmed_def", lang)),
            (tr("decision_rejected", lang), f"{c['rejected']:,}", "", "#1b7837", tr("screening_rejected_def", lang)),
            (tr("screening_listed", lang), f"{c['listed']:,}", tr("screening_listed_detail", lang,
             n=c["grade_changes"]), "#8073ac", tr("screening_listed_def", lang)),
        ])


class CandidatesView:
    """The candidates by township with the criteria they meet, the evidence, the decision and its note."""

    def __init__(self, state: AppState, model: ScreeningModel, exports: ExportFolder):
        self.state, self.model = state, model
        self.township = w.Dropdown(layout=w.Layout(width="180px"))
        self.trigger = w.Dropdown(layout=w.Layout(width="300px", max_width="100%"))
        self.decision = w.Dropdown(layout=w.Layout(width="150px"))
        every = [(model, "revision")]
        self.choices = [
            Choice(state, self.township, model, "township", lambda lang: [(tr("all", lang), ALL)] + [
                (tw, tw) for tw in sorted(model.screening.branches["township"].dropna().unique())], refresh_on=every),
            Choice(state, self.trigger, model, "trigger", lambda lang: [(tr("all", lang), ALL)] + [
                (t.label(lang), t.id) for t in model.screening.triggers], refresh_on=every),
            Choice(state, self.decision, model, "decision", lambda lang: [
                (tr("all", lang) if d == ALL else tr(f"decision_{d}", lang), d) for d in DECISION_FILTERS]),
        ]
        self.decision.add_class("wb-filter-decision")
        self.summary = w.HTML()
        self.table = DataTable(state, page_size=12, what="about_what_candidates", describe=self.filters,
                               context=lambda: output_context(state, model.scheme),
                               export=lambda frame, about: export_table(exports, "candidates", frame, about))
        follow(model, ["revision", "decisions_revision", "township", "trigger", "decision"], self.render)
        state.observe(lambda _: self.render(), names="lang")
        filters = w.HBox([w.HBox([field(state, key, bold=True), widget], layout=w.Layout(
            align_items="center", margin="0 12px 0 0", max_width="100%"))
            for key, widget in (("filter_township", self.township), ("screening_filter_trigger", self.trigger),
                                ("screening_filter_decision", self.decision))],
            layout=w.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = w.VBox([filters, self.summary, self.table.widget], layout=w.Layout(width="100%"))
        self.widget.add_class("wb-candidates")

    def filters(self, lang: str) -> dict[str, str]:
        """The township, criterion and decision the candidates are filtered by (their labels in ``lang``)."""
        m = self.model
        chosen = {t.id: t.label(lang) for t in m.screening.triggers}
        every = tr("all", lang)
        return {"filter_township": every if m.township in (None, ALL) else m.township,
                "screening_filter_trigger": every if m.trigger in (None, ALL) else chosen.get(m.trigger, m.trigger),
                "screening_filter_decision": every if m.decision in (None, ALL) else tr(f"decision_{m.decision}", lang)}

    def frame(self, lang: str) -> pd.DataFrame:
        c = self.model.candidates()
        labels = {t.id: t.label(lang) for t in self.model.screening.triggers}
        sep = "；" if lang == "zh" else "; "
        return pd.DataFrame({
            "township": c["township"].to_numpy(), "branch_id": c.index.to_numpy(), "name": c["name"].to_numpy(),
            "reasons": c["reasons"].to_numpy(),
            "criteria": [sep.join(labels[t] for t in ts.split(";")) for ts in c["triggers"]],
            "evidence": c[f"evidence_{'zh' if lang == 'zh' else 'en'}"].to_numpy(),
            "decision": [tr(f"decision_{d}", lang) for d in c["decision"]], "note": c["note"].to_numpy(),
        })

    def render(self) -> None:
        lang = self.state.lang
        frame = self.frame(lang)
        self.summary.value = f"<div class='wb-note'>{esc(tr('screening_shown', lang, n=len(frame)))}</div>"
        self.table.show(frame, {c: tr(k, lang) for c, k in CANDIDATE_COLUMNS.items()},
                        sort_by=self.table.model.sort_by, descending=self.table.model.descending)


class DecisionPanel:
    """One branch: the criteria it meets with their evidence, and confirm / reject / withdraw with a note."""

    def __init__(self, state: AppState, model: ScreeningModel):
        self.state, self.model = state, model
        self.branch = w.Dropdown(layout=w.Layout(width="100%", max_width="560px"))
        self.choice = Choice(state, self.branch, model, "branch", self._options,
                             refresh_on=[(model, ["revision", "decisions_revision", "township", "trigger",
                                                  "decision"])], accept=model.choose)
        self.branch.add_class("wb-decide-branch")
        self.heading = w.HTML()
        self.reasons = w.HTML()
        self.note = w.Textarea(layout=w.Layout(width="100%", max_width="560px", height="70px"))
        bind(self.note, "value", model, "note", render=lambda: model.note,
             accept=lambda v: setattr(model, "note", str(v)[:2000]))
        self.confirm = w.Button(button_style="danger", icon="check", layout=w.Layout(width="auto"))
        self.reject = w.Button(button_style="success", icon="times", layout=w.Layout(width="auto"))
        self.withdraw = w.Button(icon="undo", layout=w.Layout(width="auto"))
        self.confirm.add_class("wb-do-confirm")
        self.reject.add_class("wb-do-reject")
        self.confirm.on_click(lambda _: model.decide("confirmed"))
        self.reject.on_click(lambda _: model.decide("rejected"))
        self.withdraw.on_click(lambda _: model.withdraw())
        self.status_line = ModelStatus(state, model)
        self.status = self.status_line.widget
        follow(model, ["branch", "decisions_revision"], self.render)
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([w.HBox([field(state, "screening_branch", bold=True), self.branch],
                                     layout=w.Layout(align_items="center", flex_flow="row wrap")),
                              self.heading, self.reasons, field(state, "screening_note"), self.note,
                              w.HBox([self.confirm, self.reject, self.withdraw],
                                     layout=w.Layout(flex_flow="row wrap", grid_gap="8px")), self.status],
                             layout=w.Layout(width="100%"))
        self.widget.add_class("wb-panel")
        self.widget.add_class("wb-decide")

    def _options(self, lang: str) -> list[tuple[str, str]]:
        m = self.model
        c = m.screening.candidates
        out = []
        for b in m.branches():
            name = m.state.names.get(b, b)
            decided = tr(f"decision_{m.current_decision(b)}", lang)
            if b in c.index:
                out.append((tr("screening_option", lang, name=name, id=b, n=int(c.loc[b, "reasons"]),
                               decision=decided), b))
            else:
                out.append((tr("screening_option_listed", lang, name=name, id=b), b))
        return out

    def render(self) -> None:
        lang, m = self.state.lang, self.model
        b = m.branch
        self.confirm.description = tr("screening_confirm", lang)
        self.reject.description = tr("screening_reject", lang)
        self.withdraw.description = tr("screening_withdraw", lang)
        self.note.placeholder = tr("screening_note_hint", lang)
        if not b:
            self.heading.value = f"<div class='wb-note'>{esc(tr('screening_nothing', lang))}</div>"
            self.reasons.value = ""
            for button in (self.confirm, self.reject, self.withdraw):
                button.disabled = True
            return
        candidate = b in m.screening.candidates.index
        decision = m.current_decision(b)
        self.confirm.disabled = self.reject.disabled = not candidate
        self.withdraw.disabled = decision == "pending"
        current = m.current()
        note = current.loc[b, "note"] if b in current.index else ""
        on_list = tr("screening_on_list", lang) if b in m.listed else ""
        self.heading.value = (f"<div class='wb-subsection'>{esc(m.state.names.get(b, b))} "
                              f"<span class='wb-note'>{esc(b)} · {esc(m.state.townships.get(b, ''))}</span> "
                              f"{_pill(decision, lang)} <span class='wb-note'>{esc(on_list)}</span></div>"
                              + (f"<div class='wb-note'>{esc(tr('screening_col_note', lang))}: {esc(note)}</div>"
                                 if note else ""))
        if not candidate:
            self.reasons.value = f"<div class='wb-note'>{esc(tr('screening_not_candidate', lang))}</div>"
            return
        reasons = m.screening.reasons(b, lang)
        rows = [[r.label, r.group, r.evidence] for r in reasons.itertuples(index=False)]
        heads = [tr(k, lang) for k in ("screening_col_trigger", "screening_col_group", "screening_col_evidence")]
        self.reasons.value = f"<div class='wb-scroll'>{html_table(heads, rows)}</div>"


class ListView:
    """The list of the period and what it does to grades (the weak-and-lax veto caps a listed branch)."""

    def __init__(self, state: AppState, model: ScreeningModel, exports: ExportFolder):
        self.state, self.model = state, model
        self.summary = w.HTML()
        # the list is not filtered: the year and scheme of the context say all it depends on
        self.table = DataTable(state, page_size=10, what="about_what_weak_lax_list",
                               context=lambda: output_context(state, model.scheme),
                               export=lambda frame, about: export_table(exports, "weak-lax-list", frame, about))
        self.changes = w.HTML()
        follow(model, ["revision", "decisions_revision"], self.render)
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([self.summary, self.table.widget, self.changes], layout=w.Layout(width="100%"))

    def render(self) -> None:
        lang, m = self.state.lang, self.model
        fw = self.state.framework
        changes = m.grade_changes()
        text = tr("list_summary", lang, n=len(m.listed), changed=len(changes), period=self.state.period)
        self.summary.value = (f"<div class='wb-note'><b>{esc(text)}</b>"
                              f" · {esc(tr('list_veto_note', lang))}</div>")
        self.table.show(m.list_table(lang), {c: tr(k, lang) for c, k in LIST_COLUMNS.items()},
                        sort_by=self.table.model.sort_by, descending=self.table.model.descending)
        others = changes[~changes["listed"]]
        if len(others):
            rows = [[Cell(f"{esc(self.state.names.get(b, b))} <span class='wb-note'>{esc(b)}</span>", raw=True),
                     round(float(r["total"]), 1), fw.label(str(r["grade_without"]), lang),
                     fw.label(str(r["grade_with"]), lang)] for b, r in others.iterrows()]
            heads = [tr(k, lang) for k in ("screening_col_name", "list_col_total", "list_col_grade_without",
                                           "list_col_grade_with")]
            self.changes.value = (f"<div class='wb-note'>{esc(tr('list_other_changes', lang, n=len(others)))}</div>"
                                  f"<div class='wb-scroll'>{html_table(heads, rows, numeric=(1,))}</div>")
        else:
            self.changes.value = ""


class ExitView:
    """The exit check of the listed branches; the votes of an exit survey; the exit with a note."""

    def __init__(self, state: AppState, model: ScreeningModel):
        self.state, self.model = state, model
        self.table = w.HTML()
        self.votes = w.BoundedFloatText(min=0, max=100, step=1, layout=w.Layout(width="120px"))
        bind(self.votes, "value", model, ["votes", "branch"], render=self._shown_votes,
             accept=lambda v: model.set_votes(model.branch, v) if model.branch in model.listed else None)
        self.exit = w.Button(button_style="primary", icon="sign-out", layout=w.Layout(width="auto"))
        self.exit.on_click(lambda _: model.decide("exited"))
        self.hint = w.HTML()
        self.controls = w.HBox([field(state, "exit_votes_label", bold=True), self.votes, self.exit],
                               layout=w.Layout(align_items="center", flex_flow="row wrap", grid_gap="8px"))
        self.widget = w.VBox([self.table, self.hint, self.controls], layout=w.Layout(width="100%"))
        follow(model, ["revision", "decisions_revision", "votes", "branch"], self.render)
        state.observe(lambda _: self.render(), names="lang")

    def _shown_votes(self) -> float:
        share = self.model.votes.get(self.model.branch)
        return round(100 * share, 1) if share is not None else 0.0

    def render(self) -> None:
        lang, m = self.state.lang, self.model
        e = m.exit
        self.exit.description = tr("exit_do", lang)
        rows, css = [], []
        for b, r in e.iterrows():
            verdict = {True: "exit_pass", False: "exit_fail"}.get(r["passes"], "exit_unknown")
            rows.append([Cell(f"{esc(self.state.names.get(b, b))} <span class='wb-note'>{esc(b)}</span>", raw=True),
                         round(float(r["total"]), 1), tr(verdict, lang),
                         r["reason_zh"] if lang == "zh" else r["reason_en"]])
            css.append("wb-row-bad" if r["passes"] is False else ("" if r["passes"] else "wb-row-warn"))
        heads = [tr(k, lang) for k in ("screening_col_name", "list_col_total", "exit_col_result", "exit_col_why")]
        self.table.value = (f"<div class='wb-scroll' style='max-height:360px'>"
                            f"{html_table(heads, rows, row_classes=css, numeric=(1,))}</div>" if rows else
                            f"<div class='wb-note'>{esc(tr('exit_none', lang))}</div>")
        b = m.branch
        listed = b in m.listed
        self.controls.layout.display = None if listed else "none"
        passes = listed and b in e.index and e.loc[b, "passes"] is True
        self.exit.disabled = not passes
        self.hint.value = (f"<div class='wb-note'>{esc(tr('exit_hint', lang, name=self.state.names.get(b, b)))}</div>"
                           if listed else f"<div class='wb-note'>{esc(tr('exit_pick', lang))}</div>")


class ScreeningExport:
    """The candidates by township with decisions and notes, the count per township and the criteria (Excel)."""

    def __init__(self, state: AppState, model: ScreeningModel, folder: Path):
        self.state, self.model, self.folder = state, model, Path(folder)
        self.button = w.Button(icon="file-excel-o", layout=w.Layout(width="auto"))
        self.button.add_class("wb-export-screening")
        self.line = StatusLine(state)
        self.button.on_click(lambda _: self.export())
        follow(state, "lang", lambda: setattr(self.button, "description", tr("screening_export", state.lang)))
        self.widget = w.HBox([self.button, self.line.widget], layout=w.Layout(align_items="center", grid_gap="10px",
                                                                             flex_flow="row wrap"))

    def export(self) -> Path | None:
        lang = self.state.lang
        try:
            path = self.model.export(self.folder, lang=lang)
        except OSError as exc:
            self.line.set("error", ok=False, message=f"{exc.strerror or exc}")
            return None
        self.line.set("exported_file", ok=True, name=path.name,
                      extra_html=download_link(path, tr("download", lang, name=path.name)))
        return path


class ScreeningApp(App):
    """Weak-and-lax screening: candidates, decisions, the list and its effect on grades, the exit check."""

    name = "screening"

    def __init__(self, opened: Opened, *, decisions_folder=None):
        state = opened.state
        super().__init__(state)
        header = Header(state, "screening_page_title")
        picker = DataPicker(state, data_root=opened.data_root, exports=opened.exports)
        folder = decisions_folder if decisions_folder is not None else work_folder(opened, "screening")
        user = opened.store.user if opened.store is not None else "local"
        model = ScreeningModel(state, folder=folder, user=user)
        overview = Overview(state, model)
        candidates = CandidatesView(state, model, opened.exports)
        decide = DecisionPanel(state, model)
        the_list = ListView(state, model, opened.exports)
        exits = ExitView(state, model)
        export = ScreeningExport(state, model, opened.exports.folder)
        title = w.HTML()
        follow(state, ["lang", "period"], lambda: setattr(title, "value", section_title(
            tr("screening_title", state.lang) + f" · {state.period}")))
        self.models = {"screening": model}
        self.views = {"header": header, "picker": picker, "overview": overview, "candidates": candidates,
                      "decide": decide, "list": the_list, "exit": exits, "export": export}
        self.widget = w.VBox([style(), page_style(), header.widget, data_section(state, picker), title, overview.widget,
                              section(state, "screening_sec_candidates"), candidates.widget,
                              section(state, "screening_sec_decide"), decide.widget,
                              section(state, "screening_sec_list"), the_list.widget,
                              section(state, "screening_sec_exit"), exits.widget, export.widget],
                             layout=w.Layout(width="100%"))
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-app-screening")
        self.widget.add_class("wb-pages")


def build_screening_app(data=None, *, lang: str | None = None, theme: str | None = None, period: int | None = None,
                        decisions_folder=None, state_dir=None, data_root=None) -> App:
    """Weak-and-lax screening: candidates by township with their reasons, decisions, the list, the exit check.

    Decisions are kept per data set and per user in the server's state folder
    (``decisions_folder`` overrides it).
    """
    return open_app(lambda opened: ScreeningApp(opened, decisions_folder=decisions_folder), data, lang=lang,
                    theme=theme, period=period, state_dir=state_dir, data_root=data_root,
                    title_key="screening_page_title")
