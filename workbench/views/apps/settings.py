"""Branch-settings simulator: rule violations, a scenario editor and the before/after.

Models hold state and call the core (:func:`~workbench.settings.rules.check_rules`,
:class:`~workbench.settings.scenario.Scenario`, :func:`~workbench.settings.suggest.suggest_settings`);
views render them and turn clicks into model calls. The baseline in
``AppState.data`` is never changed: every operation builds a new, immutable
scenario, and one that fails leaves the previous scenario in place (its
reason is shown in the page, never a traceback).

>>> from workbench.views.state import AppState
>>> state = AppState.from_source("sample_data", lang="en")
>>> model = ScenarioModel(state)
>>> model.merge(["B00031", "B00032"], name="Joint branch")
True
>>> model.comparison.totals.loc["branches", "change"]
-1.0
>>> model.merge(["B00031"], name="x"), model.status["key"], len(model.scenario)
(False, 'need_two_branches', 1)
>>> model.move(["M0000001"], to="B00001"), model.status["zh"]["message"]
(False, '转移：党员M0000001已在支部B00001中；党员不能转移到其所在的支部')
"""

from __future__ import annotations

import datetime as dt
import html
import os
import time
from pathlib import Path

import ipywidgets as w
import numpy as np
import pandas as pd
import traitlets as t

from .. import charts
from ...data.schema import BRANCH_KINDS
from ...i18n import tr
from ...settings.rules import check_rules
from ...data.schema import ROLES
from ...settings.scenario import Scenario, ScenarioError
from ...assess.scoring import Scheme
from ...settings.suggest import suggest_settings
from ...settings.violations import (
    filter_violations,
    rule_label,
    violation_list,
    violations_by_rule,
    violations_by_township,
)
from ..mvc import App
from ..widgets.chart import ChartView
from ..widgets.data_picker import DataPicker
from ..widgets.header import Header
from ..widgets.html import style
from .common import Opened, data_section, open_app, section
from ..state import AppState
from ..widgets.html import Cell, change_cell, download_link, html_table, section_title, status_html

__all__ = ["ViolationsModel", "ViolationsView", "ScenarioModel", "ScenarioEditor", "StepsPanel", "BeforeAfterView"]

ALL = "__all__"
#: Posts the editor offers (the discipline member first: the rule most often broken).
POSTS = ("discipline", "secretary", "deputy_secretary", "organization", "propaganda", "committee")
SPLIT_BY = ("party_group", "unit", "members")
TABLE_ROWS = 80


def _esc(key: str, lang: str, **values) -> str:
    return html.escape(tr(key, lang, **values))


def _label(text: str) -> w.HTML:
    return w.HTML(f"<div class='wb-field-label'>{html.escape(text)}</div>")


# ================================================================ violations

class ViolationsModel(t.HasTraits):
    """The rule violations of the baseline for the period (a :func:`violation_list`)."""

    revision = t.Int(0)

    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.violations = None
        state.observe(lambda _: self.refresh(), names=["revision", "period"])
        self.refresh()

    def refresh(self) -> None:
        s = self.state
        v = check_rules(s.data, s.framework.rules, period=s.period)
        self.violations = violation_list(v, s.data)
        self.revision += 1


class ViolationsView:
    """Violations by rule and by township (one chart), filters, and the filtered list."""

    def __init__(self, state: AppState, model: ViolationsModel, *, width: int = 1280):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.summary = w.HTML()
        self.chart = ChartView(state, self._figure)
        self.rule = w.Dropdown(layout=w.Layout(width="320px"))
        self.township = w.Dropdown(layout=w.Layout(width="250px"))
        self.severity = w.Dropdown(layout=w.Layout(width="180px"))
        self.category = w.Dropdown(layout=w.Layout(width="200px"))
        self.labels = {k: w.HTML() for k in ("rule", "township", "severity", "category")}
        self.shown = w.HTML()
        self.table = w.HTML()
        self._updating = False
        for control in (self.rule, self.township, self.severity, self.category):
            control.observe(lambda _: self._filtered_changed(), names="value")
        model.observe(lambda _: self.render(), names="revision")
        state.observe(lambda _: self.render(), names="lang")
        filters = w.HBox([w.HBox([self.labels[k], c], layout=w.Layout(align_items="center", margin="0 16px 0 0"))
                          for k, c in (("rule", self.rule), ("township", self.township),
                                       ("severity", self.severity), ("category", self.category))],
                         layout=w.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = w.VBox([self.title, self.summary, self.chart.widget, filters, self.shown, self.table])
        self.render()

    # ------------------------------------------------------------ filtering
    def filtered(self) -> pd.DataFrame:
        def chosen(control):
            return None if control.value in (None, ALL) else control.value

        return filter_violations(self.model.violations, rules=chosen(self.rule), townships=chosen(self.township),
                                 severities=chosen(self.severity), categories=chosen(self.category))

    def _filtered_changed(self) -> None:
        if not self._updating:
            self.render_table()

    def _figure(self, lang, theme):
        v = self.model.violations
        return charts.violations_overview(violations_by_rule(v), violations_by_township(v, self.state.townships),
                                          lang=lang, theme=theme)

    def _options(self) -> None:
        lang = self.state.lang
        v = self.model.violations
        every = (tr("all", lang), ALL)
        rules = violations_by_rule(v).index.tolist()
        towns = sorted(self.state.townships.dropna().unique())
        self._updating = True
        try:
            for control, options in (
                    (self.rule, [every] + [(rule_label(r, lang), r) for r in rules]),
                    (self.township, [every] + [(tw, tw) for tw in towns]),
                    (self.severity, [every] + [(tr(f"rule_severity_{s}", lang), s) for s in ("error", "warning")]),
                    (self.category, [every] + [(tr(f"rule_category_{c}", lang), c) for c in ("setting", "activity")])):
                current = control.value
                control.options = options
                control.value = current if current in [o[1] for o in options] else ALL
        finally:
            self._updating = False

    # --------------------------------------------------------------- render
    def render(self) -> None:
        lang = self.state.lang
        v = self.model.violations
        self.title.value = section_title(tr("sec_violations", lang) + f" · {self.state.period}")
        errors = int((v["severity"] == "error").sum())
        self.summary.value = (f"<div class='wb-note'>{_esc('violations_summary', lang, n=len(v), errors=errors,warnings=len(v) - errors, branches=v['branch_id'].nunique())}</div>")
        for key, label in (("rule", "filter_rule"), ("township", "filter_township"),
                           ("severity", "filter_severity"), ("category", "filter_category")):
            self.labels[key].value = f"<b>{_esc(label, lang)}</b>&nbsp;"
        self._options()
        self.chart.render()
        self.render_table()

    def render_table(self) -> None:
        lang = self.state.lang
        rows = self.filtered()
        self.shown.value = (f"<div class='wb-note'>{_esc('violations_shown', lang, n=len(rows), branches=rows['branch_id'].nunique())}</div>")
        head = rows.head(TABLE_ROWS)
        message = "message_zh" if lang == "zh" else "message_en"
        body = [[Cell(f"{html.escape(str(r.name))} <span class='wb-note'>{html.escape(r.branch_id)}</span>", raw=True),
                 r.township, rule_label(r.rule, lang), tr(f"rule_severity_{r.severity}", lang), getattr(r, message)]
                for r in head.itertuples(index=False)]
        css = ["wb-row-bad" if s == "error" else "" for s in head["severity"]]
        more = (f"<div class='wb-note'>{_esc('more_rows', lang, n=len(rows) - TABLE_ROWS)}</div>"
                if len(rows) > TABLE_ROWS else "")
        heads = [tr(k, lang) for k in ("col_branch", "township", "col_rule", "col_severity", "col_message")]
        self.table.value = f"<div class='wb-scroll' style='max-height:420px'>{html_table(heads, body, row_classes=css)}</div>{more}"


# ================================================================== scenario

class ScenarioModel(t.HasTraits):
    """The scenario being edited and its before/after against the baseline.

    Every action returns whether it changed the scenario; ``status`` says what
    happened (``{"ok": bool, "key": message key, "zh": {...}, "en": {...}}``,
    the values to format the message with in each language).
    """

    scenario = t.Any()
    comparison = t.Any(None)
    current_violations = t.Any(None)
    status = t.Dict()
    revision = t.Int(0)
    seconds = t.Float(0.0)

    def __init__(self, state: AppState, *, folder: str | Path | None = None):
        super().__init__()
        self.state = state
        self.scheme = Scheme(state.framework)
        self.folder = Path(folder or os.environ.get("WORKBENCH_SCENARIOS", Path.home() / ".workbench" / "scenarios"))
        self.scenario = Scenario(state.data)
        state.observe(self._on_data, names="revision")
        state.observe(lambda _: self._compare(), names="period")
        self._compare()

    # ---------------------------------------------------------------- state
    def current(self):
        """The data after the scenario (the baseline when it is empty)."""
        return self.scenario.apply()

    def _on_data(self, change) -> None:
        self.scenario = Scenario(self.state.data)
        self._say(True, "scenario_cleared")
        self._compare()

    def _compare(self) -> None:
        started = time.perf_counter()
        after = self.current()
        self.comparison = self.scenario.compare(self.scheme, self.state.period, groups=True)
        self.current_violations = check_rules(after, self.state.framework.rules, period=self.state.period)
        self.seconds = time.perf_counter() - started
        self.revision += 1

    def _say(self, ok: bool, key: str, zh: dict | None = None, en: dict | None = None) -> None:
        self.status = {"ok": ok, "key": key, "zh": zh or {}, "en": en if en is not None else (zh or {})}

    def _refuse(self, key: str) -> bool:
        self._say(False, key)
        return False

    def _try(self, build, done=None) -> bool:
        """Build a new scenario from the current one; on failure keep the current one and say why.

        ``done(new_scenario)`` gives the status of a success as ``(key, zh values, en values)``;
        by default the description of the step just added.
        """
        try:
            new = build(self.scenario)
        except ScenarioError as exc:
            # Both languages are kept: the status re-renders when the user switches language.
            self._say(False, "op_failed", {"message": exc.message("zh")}, {"message": exc.message("en")})
            return False
        except (ValueError, KeyError, TypeError) as exc:
            self._say(False, "op_failed", {"message": str(exc).strip("'\"")})
            return False
        self.scenario = new
        if done is not None:
            self._say(True, *done(new))
        elif len(new):
            row = new.summary().iloc[-1]
            self._say(True, "step_done", {"text": row["description_zh"]}, {"text": row["description_en"]})
        self._compare()
        return True

    # ------------------------------------------------------------ operations
    def merge(self, branch_ids, *, name: str, kind: str = "joint") -> bool:
        """Merge the branches into a new one (the first keeps its committee)."""
        branch_ids = list(branch_ids)
        if len(branch_ids) < 2:
            return self._refuse("need_two_branches")
        if not str(name).strip():
            return self._refuse("need_name")
        towns = self.current().branches.set_index("branch_id")["township"].reindex(branch_ids).dropna().unique()
        if len(towns) > 1:
            self._say(False, "need_same_township", {"towns": "、".join(sorted(towns))},
                      {"towns": ", ".join(sorted(towns))})
            return False
        return self._try(lambda s: s.merge(branch_ids, name=str(name).strip(), kind=kind))

    def split(self, branch_id: str | None, *, by: str = "party_group", members=()) -> bool:
        """Split a branch by a member attribute (``party_group``, ``unit``) or the chosen ``members``."""
        if not branch_id:
            return self._refuse("need_branch")
        if by == "members":
            members = list(members)
            if not members:
                return self._refuse("need_members")
            return self._try(lambda s: s.split(branch_id, groups=[members]))
        return self._try(lambda s: s.split(branch_id, by=by))

    def move(self, member_ids, *, to: str | None) -> bool:
        """Move members to branch ``to``."""
        member_ids = list(member_ids)
        if not member_ids:
            return self._refuse("need_members")
        if not to:
            return self._refuse("need_target")
        return self._try(lambda s: s.move(member_ids, to=to))

    def appoint(self, member_id: str | None, role: str = "discipline") -> bool:
        """Give a member a post (by default: discipline inspection member)."""
        if not member_id:
            return self._refuse("need_members")
        return self._try(lambda s: s.appoint(member_id, role))

    def undo(self) -> bool:
        """Drop the last step."""
        if not len(self.scenario):
            return self._refuse("nothing_to_undo")
        row = self.scenario.summary().iloc[-1]
        return self._try(lambda s: s.undo(), lambda new: ("step_undone", {"text": row["description_zh"]},
                                                         {"text": row["description_en"]}))

    def suggest(self) -> bool:
        """Replace the scenario by :func:`~workbench.settings.suggest.suggest_settings` of the baseline."""
        return self._try(lambda s: suggest_settings(self.state.data, self.state.framework.rules),
                         lambda new: ("suggested", {"n": len(new)}, None))

    def reset(self) -> bool:
        """Back to the empty scenario (the baseline)."""
        return self._try(lambda s: Scenario(self.state.data), lambda new: ("scenario_cleared", None, None))

    # ------------------------------------------------------------------ files
    def saved(self) -> list[Path]:
        return sorted(self.folder.glob("*.yaml")) if self.folder.is_dir() else []

    def save(self, name: str) -> Path | None:
        """Write the scenario as YAML (atomically) into the scenarios folder."""
        stem = "".join(c for c in str(name).strip() if c.isalnum() or c in "-_ ").strip() or \
            f"scenario-{dt.datetime.now():%Y%m%d-%H%M%S}"
        try:
            path = self.scenario.to_yaml(self.folder / f"{stem}.yaml")
        except OSError as exc:
            self._say(False, "op_failed", {"message": f"{exc.strerror or exc}: {exc.filename or self.folder}"})
            return None
        self._say(True, "scenario_saved", {"path": str(path)})
        return path

    def load(self, path: str | Path | None) -> bool:
        """Read a saved scenario; every step is validated against the current data."""
        if not path:
            return self._refuse("need_file")
        path = Path(path)
        return self._try(lambda s: Scenario.from_yaml(path, self.state.data),
                         lambda new: ("scenario_loaded", {"name": path.stem, "n": len(new)}, None))

    def load_text(self, text: bytes | str, name: str = "upload") -> bool:
        """Read a scenario from uploaded YAML text."""
        return self._try(lambda _: Scenario.from_yaml_text(text, self.state.data, source=name),
                         lambda new: ("scenario_loaded", {"name": name, "n": len(new)}, None))


# ------------------------------------------------------------------- editor

def _branch_options(data, violations: pd.DataFrame, township: str | None, lang: str) -> list[tuple[str, str]]:
    b = data.branches
    if township not in (None, ALL):
        b = b[b["township"] == township]
    sizes = data.members["branch_id"].value_counts()
    errors = violations.loc[violations["severity"] == "error", "branch_id"].value_counts()
    out = []
    for bid, name in zip(b["branch_id"], b["name"]):
        n_err = int(errors.get(bid, 0))
        extra = tr("branch_option_errors", lang, n=n_err) if n_err else ""
        out.append((tr("branch_option", lang, name=name, id=bid, members=int(sizes.get(bid, 0)), errors=extra), bid))
    return out


def _member_options(data, branch_id: str | None, lang: str) -> list[tuple[str, str]]:
    if not branch_id:
        return []
    m = data.members[data.members["branch_id"] == branch_id]
    order = pd.Categorical(m["role"].astype(str), categories=list(ROLES)).codes
    m = m.iloc[np.argsort(order, kind="stable")]
    return [(tr("member_option", lang, name=name, id=mid, role=tr(f"role_{role}", lang)), mid)
            for mid, name, role in zip(m["member_id"], m["name"], m["role"].astype(str))]


class ScenarioEditor:
    """Pick branches and members, then merge, split, move or appoint (one panel per operation)."""

    def __init__(self, state: AppState, model: ScenarioModel):
        self.state, self.model = state, model
        self._updating = False

        def wide():  # a Layout per widget: a shared one would hide them all together
            return w.Layout(width="560px")
        self.hint = w.HTML()
        self.township_label = w.HTML()
        self.township = w.Dropdown(layout=w.Layout(width="240px"))
        self.operation = w.ToggleButtons(options=[("merge", "merge")], style={"button_width": "150px"})
        # merge
        self.merge_branches = w.SelectMultiple(rows=9, layout=wide())
        self.merge_name = w.Text(layout=w.Layout(width="360px"))
        self.merge_kind = w.Dropdown(layout=w.Layout(width="180px"))
        self.merge_do = w.Button(button_style="primary", icon="compress", layout=w.Layout(width="auto"))
        # split
        self.split_branch = w.Dropdown(layout=wide())
        self.split_by = w.ToggleButtons(options=[(b, b) for b in SPLIT_BY], style={"button_width": "130px"})
        self.split_members = w.SelectMultiple(rows=8, layout=wide())
        self.split_preview = w.HTML()
        self.split_do = w.Button(button_style="primary", icon="columns", layout=w.Layout(width="auto"))
        # move
        self.move_from = w.Dropdown(layout=wide())
        self.move_members = w.SelectMultiple(rows=8, layout=wide())
        self.move_to = w.Dropdown(layout=wide())
        self.move_do = w.Button(button_style="primary", icon="exchange", layout=w.Layout(width="auto"))
        # appoint
        self.appoint_branch = w.Dropdown(layout=wide())
        self.appoint_member = w.Dropdown(layout=wide())
        self.appoint_role = w.Dropdown(layout=w.Layout(width="260px"))
        self.appoint_do = w.Button(button_style="primary", icon="user-plus", layout=w.Layout(width="auto"))
        self.labels: dict[str, w.HTML] = {k: w.HTML() for k in (
            "merge_branches", "merge_name", "merge_kind", "split_branch", "split_by", "split_members",
            "move_from", "move_members", "move_to", "appoint_branch", "appoint_member", "appoint_role")}
        L = self.labels
        self.panels = {
            "merge": w.VBox([L["merge_branches"], self.merge_branches,
                             w.HBox([w.VBox([L["merge_name"], self.merge_name]),
                                     w.VBox([L["merge_kind"], self.merge_kind])], layout=w.Layout(grid_gap="12px")),
                             self.merge_do]),
            "split": w.VBox([L["split_branch"], self.split_branch, L["split_by"], self.split_by, self.split_preview,
                             L["split_members"], self.split_members, self.split_do]),
            "move": w.VBox([L["move_from"], self.move_from, L["move_members"], self.move_members,
                            L["move_to"], self.move_to, self.move_do]),
            "appoint": w.VBox([L["appoint_branch"], self.appoint_branch, L["appoint_member"], self.appoint_member,
                               L["appoint_role"], self.appoint_role, self.appoint_do]),
        }
        for panel in self.panels.values():
            panel.layout.grid_gap = "2px"
        for name, button in (("merge", self.merge_do), ("split", self.split_do), ("move", self.move_do),
                             ("appoint", self.appoint_do)):
            button.add_class(f"wb-do-{name}")  # a stable handle for browser tests
        self.body = w.VBox([self.panels["merge"]])
        self.status = w.HTML()
        # wiring
        self.operation.observe(lambda _: self._show(), names="value")
        self.township.observe(lambda _: self._branch_lists(), names="value")
        self.merge_branches.observe(lambda _: self._default_name(), names="value")
        self.split_branch.observe(lambda _: self._split_members(), names="value")
        self.split_by.observe(lambda _: self._split_members(), names="value")
        self.move_from.observe(lambda _: self._move_members(), names="value")
        self.appoint_branch.observe(lambda _: self._appoint_members(), names="value")
        self.merge_do.on_click(lambda _: self.do_merge())
        self.split_do.on_click(lambda _: self.do_split())
        self.move_do.on_click(lambda _: self.do_move())
        self.appoint_do.on_click(lambda _: self.do_appoint())
        model.observe(lambda _: self.refresh(), names="revision")
        model.observe(lambda _: self.render_status(), names="status")
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([self.hint, w.HBox([self.township_label, self.township],
                                                layout=w.Layout(align_items="center")),
                              self.operation, self.body, self.status])
        self.widget.add_class("wb-panel")
        self.render()

    # ------------------------------------------------------------- actions
    def do_merge(self) -> bool:
        return self.model.merge(self.merge_branches.value, name=self.merge_name.value, kind=self.merge_kind.value)

    def do_split(self) -> bool:
        return self.model.split(self.split_branch.value, by=self.split_by.value, members=self.split_members.value)

    def do_move(self) -> bool:
        return self.model.move(self.move_members.value, to=self.move_to.value)

    def do_appoint(self) -> bool:
        return self.model.appoint(self.appoint_member.value, self.appoint_role.value)

    # ------------------------------------------------------------- lists
    def _show(self) -> None:
        self.body.children = [self.panels[self.operation.value]]

    def refresh(self) -> None:
        """Re-list branches and members from the scenario's current state (new branches included)."""
        self._branch_lists()

    def _set_options(self, control, options, *, multiple: bool = False) -> None:
        values = [v for _, v in options]
        if multiple:
            keep = tuple(v for v in control.value if v in values)
            control.options = options
            control.value = keep
        else:
            current = control.value
            control.options = options
            control.value = current if current in values else (values[0] if values else None)

    def _branch_lists(self) -> None:
        lang = self.state.lang
        data = self.model.current()
        violations = self.model.current_violations
        here = _branch_options(data, violations, self.township.value, lang)
        everywhere = _branch_options(data, violations, None, lang)
        self._updating = True
        try:
            self._set_options(self.merge_branches, here, multiple=True)
            for control in (self.split_branch, self.move_from, self.appoint_branch):
                self._set_options(control, here)
            self._set_options(self.move_to, everywhere)
        finally:
            self._updating = False
        self._default_name()
        self._split_members()
        self._move_members()
        self._appoint_members()

    def _default_name(self) -> None:
        chosen = self.merge_branches.value
        data = self.model.current()
        if not chosen:
            return
        towns = data.branches.set_index("branch_id")["township"]
        town = towns.get(chosen[0], "")
        suggestion = tr("merge_default_name", self.state.lang, township=town)
        previous = getattr(self, "_suggested_name", None)
        if not self.merge_name.value or self.merge_name.value == previous:
            self.merge_name.value = suggestion
        self._suggested_name = suggestion

    def _split_members(self) -> None:
        lang = self.state.lang
        data = self.model.current()
        branch = self.split_branch.value
        by = self.split_by.value
        self._set_options(self.split_members, _member_options(data, branch, lang), multiple=True)
        show = by == "members"
        for widget in (self.split_members, self.labels["split_members"]):
            widget.layout.display = None if show else "none"
        if show or not branch:
            self.split_preview.value = ""
            return
        members = data.members[data.members["branch_id"] == branch]
        values = members[by].astype("string").str.strip().replace("", pd.NA).dropna()
        label = tr(f"split_by_{by}", lang)
        if values.nunique() < 2:
            self.split_preview.value = f"<div class='wb-note'>{_esc('split_preview_none', lang, by=label)}</div>"
            return
        counts = values.value_counts().sort_index()
        sep = "、" if lang == "zh" else ", "
        parts = sep.join(f"{k} ({v})" for k, v in counts.items())
        self.split_preview.value = f"<div class='wb-note'>{_esc('split_preview', lang, by=label, parts=parts)}</div>"

    def _move_members(self) -> None:
        self._set_options(self.move_members, _member_options(self.model.current(), self.move_from.value,
                                                             self.state.lang), multiple=True)

    def _appoint_members(self) -> None:
        self._set_options(self.appoint_member, _member_options(self.model.current(), self.appoint_branch.value,
                                                               self.state.lang))

    # ------------------------------------------------------------- render
    def render_status(self) -> None:
        s = self.model.status
        if not s:
            self.status.value = ""
            return
        lang = self.state.lang
        self.status.value = status_html(tr(s["key"], lang, **s.get(lang, {})), s["ok"])

    def render(self) -> None:
        lang = self.state.lang
        self.hint.value = f"<div class='wb-note'>{_esc('editor_hint', lang)}</div>"
        self.township_label.value = f"<b>{_esc('editor_township', lang)}</b>&nbsp;"
        towns = sorted(self.state.data.branches["township"].dropna().unique())
        current = self.township.value
        self.township.options = [(tr("all", lang), ALL)] + [(tw, tw) for tw in towns]
        self.township.value = current if current in towns else ALL
        op = self.operation.value
        self.operation.options = [(tr(f"op_{k}", lang), k) for k in ("merge", "split", "move", "appoint")]
        self.operation.value = op if op in ("merge", "split", "move", "appoint") else "merge"
        by = self.split_by.value
        self.split_by.options = [(tr(f"split_by_{b}", lang), b) for b in SPLIT_BY]
        self.split_by.value = by or "party_group"
        kind = self.merge_kind.value
        self.merge_kind.options = [(tr(f"kind_{k}", lang), k) for k in BRANCH_KINDS]
        self.merge_kind.value = kind or "joint"
        role = self.appoint_role.value
        self.appoint_role.options = [(tr(f"role_{r}", lang), r) for r in POSTS]
        self.appoint_role.value = role or "discipline"
        for key, label in self.labels.items():
            label.value = f"<div class='wb-field-label'>{_esc(key, lang)}</div>"
        for button, key in ((self.merge_do, "merge_do"), (self.split_do, "split_do"), (self.move_do, "move_do"),
                            (self.appoint_do, "appoint_do")):
            button.description = tr(key, lang)
        self.merge_name.placeholder = tr("merge_name", lang)
        self._suggested_name = None if not self.merge_name.value else self.merge_name.value
        self.refresh()
        self.render_status()


class StepsPanel:
    """The steps of the scenario (with their reasons), undo, the suggested scenario, save and load."""

    def __init__(self, state: AppState, model: ScenarioModel):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.steps = w.HTML()
        self.undo = w.Button(icon="undo", layout=w.Layout(width="auto"))
        self.suggest = w.Button(button_style="info", icon="magic", layout=w.Layout(width="auto"))
        self.reset = w.Button(icon="trash", layout=w.Layout(width="auto"))
        self.name = w.Text(layout=w.Layout(width="240px"))
        self.save = w.Button(icon="save", layout=w.Layout(width="auto"))
        self.saved = w.Dropdown(layout=w.Layout(width="240px"))
        self.load = w.Button(icon="folder-open", layout=w.Layout(width="auto"))
        self.upload = w.FileUpload(accept=".yaml,.yml", multiple=False, layout=w.Layout(width="auto"))
        self.link = w.HTML()
        self.undo.on_click(lambda _: model.undo())
        self.suggest.on_click(lambda _: model.suggest())
        self.reset.on_click(lambda _: model.reset())
        self.save.on_click(lambda _: self.save_scenario())
        self.load.on_click(lambda _: model.load(self.saved.value))
        self.upload.observe(lambda _: self.load_upload(), names="value")
        model.observe(lambda _: self.render(), names="revision")
        state.observe(lambda _: self.render(), names="lang")
        self.widget = w.VBox([
            self.title,
            w.HBox([self.undo, self.suggest, self.reset], layout=w.Layout(flex_flow="row wrap", grid_gap="6px")),
            self.steps,
            w.HBox([self.name, self.save], layout=w.Layout(align_items="center", grid_gap="6px")),
            w.HBox([self.saved, self.load, self.upload], layout=w.Layout(align_items="center", grid_gap="6px",
                                                                          flex_flow="row wrap")),
            self.link])
        self.widget.add_class("wb-panel")
        self.render()

    def save_scenario(self) -> Path | None:
        path = self.model.save(self.name.value)
        if path is not None:
            self.render()
            self.saved.value = str(path)
            self.link.value = download_link(path, tr("download", self.state.lang, name=path.name),
                                            "application/x-yaml")
        return path

    def load_upload(self) -> bool:
        files = list(self.upload.value)
        if not files:
            return False
        f = files[-1]
        return self.model.load_text(bytes(f["content"]), name=f["name"])

    def render(self) -> None:
        lang = self.state.lang
        s = self.model.scenario
        self.title.value = f"<div class='wb-subsection'>{_esc('steps_title', lang)} ({len(s)})</div>"
        if not len(s):
            self.steps.value = f"<div class='wb-note'>{_esc('steps_empty', lang)}</div>"
        else:
            summary = s.summary()
            text, why = ("description_zh", "reason_zh") if lang == "zh" else ("description_en", "reason_en")
            items = []
            for row in summary.itertuples(index=False):
                reason = getattr(row, why)
                extra = f"<div class='wb-why'>{_esc('why', lang)}: {html.escape(reason)}</div>" if reason else ""
                items.append(f"<li>{html.escape(getattr(row, text))}{extra}</li>")
            self.steps.value = f"<div class='wb-scroll' style='max-height:380px'><ol class='wb-steps'>{''.join(items)}</ol></div>"
        self.undo.description = tr("undo", lang)
        self.undo.disabled = not len(s)
        self.suggest.description = tr("suggest", lang)
        self.reset.description = tr("reset_scenario", lang)
        self.name.placeholder = tr("scenario_name", lang)
        self.save.description = tr("save_scenario", lang)
        self.load.description = tr("load_scenario", lang)
        self.upload.description = tr("upload_scenario", lang)
        files = self.model.saved()
        current = self.saved.value
        self.saved.options = [(p.stem, str(p)) for p in files] or [(tr("no_saved_scenarios", lang), "")]
        self.saved.value = current if current in [str(p) for p in files] else self.saved.options[0][1]


# -------------------------------------------------------------- before/after

class BeforeAfterView:
    """County totals, grades and violations before and after, and the branches the scenario touches."""

    def __init__(self, state: AppState, model: ScenarioModel, *, width: int = 800):
        self.state, self.model = state, model
        self.title = w.HTML()
        self.totals = w.HTML()
        self.chart = ChartView(state, self._figure)
        self.affected_title = w.HTML()
        self.affected = w.HTML()
        self.timing = w.HTML()
        model.observe(lambda _: self.render(), names="revision")
        state.observe(lambda _: self.render(), names="lang")
        self.totals.layout = w.Layout(width="470px", min_width="420px")
        self.widget = w.VBox([self.title,
                              w.HBox([self.totals, self.chart.widget], layout=w.Layout(flex_flow="row wrap",
                                                                                      grid_gap="16px")),
                              self.affected_title, self.affected, self.timing])
        self.render()

    def _figure(self, lang, theme):
        c = self.model.comparison
        return charts.scenario_before_after(c, self.state.framework, lang=lang, theme=theme) if c is not None else None

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
        for bid, r in c.branches.iterrows():
            def grade(g):
                return fw.label(g, lang) if isinstance(g, str) and g in fw.grade_ids else "–"
            grade_cell = Cell(f"{html.escape(grade(r['grade_before']))} → {html.escape(grade(r['grade_after']))}",
                              raw=True)
            if isinstance(r["grade_before"], str) and isinstance(r["grade_after"], str) and \
                    r["grade_before"] in fw.grade_ids and r["grade_after"] in fw.grade_ids and \
                    r["grade_before"] != r["grade_after"]:
                up = fw.grade_ids.index(r["grade_after"]) < fw.grade_ids.index(r["grade_before"])
                grade_cell = Cell(f"{html.escape(grade(r['grade_before']))} → <span class='"
                                  f"{'wb-better' if up else 'wb-worse'}'>{html.escape(grade(r['grade_after']))}</span>",
                                  raw=True)
            rows.append([
                tr(f"branch_{r['status']}", lang),
                Cell(f"{html.escape(str(r['name']))} <span class='wb-note'>{html.escape(bid)}</span>", raw=True),
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
        if c is None:
            return
        heads = [tr(k, lang) for k in ("col_item", "col_before", "col_after", "col_change")]
        empty = "" if len(self.model.scenario) else f"<div class='wb-note'>{_esc('no_changes', lang)}</div>"
        self.totals.value = (f"<div class='wb-subsection'>{_esc('totals_title', lang)}</div>{empty}"
                             f"{html_table(heads, self.totals_rows(lang), numeric=(1, 2, 3))}")
        self.chart.render()
        rows, css = self.affected_rows(lang)
        self.affected_title.value = f"<div class='wb-subsection'>{_esc('affected_title', lang, n=len(rows))}</div>"
        heads = [tr(k, lang) for k in ("col_status", "col_branch", "col_members", "col_errors", "col_warnings",
                                       "col_score", "col_grade", "col_rank")]
        self.affected.value = (f"<div class='wb-scroll wb-before-after'>{html_table(heads, rows, row_classes=css, numeric=(2, 3, 4, 5, 7))}</div>"
                               if rows else "")
        self.timing.value = f"<div class='wb-note'>{_esc('compare_timing', lang, seconds=self.model.seconds)}</div>"


# ---------------------------------------------------------------------------------- app

class SettingsApp(App):
    """Rule violations, the scenario editor and the before / after of the scenario."""

    name = "settings"

    def __init__(self, opened: Opened, *, scenarios_folder=None):
        state = opened.state
        super().__init__(state)
        header = Header(state, "settings_title")
        picker = DataPicker(state, data_root=opened.data_root, exports=opened.exports)
        violations_model = ViolationsModel(state)
        violations = ViolationsView(state, violations_model)
        scenario = ScenarioModel(state, folder=scenarios_folder)
        editor = ScenarioEditor(state, scenario)
        steps = StepsPanel(state, scenario)
        before_after = BeforeAfterView(state, scenario)
        editor.widget.layout = w.Layout(flex="1 1 520px", min_width="0", max_width="680px")
        steps.widget.layout = w.Layout(flex="1 1 420px", min_width="0")
        self.models = {"violations": violations_model, "scenario": scenario}
        self.views = {"header": header, "picker": picker, "violations": violations, "editor": editor,
                      "steps": steps, "before_after": before_after}
        self.widget = w.VBox([style(), header.widget, data_section(state, picker), violations.widget,
                              section(state, "sec_editor"),
                              w.HBox([editor.widget, steps.widget],
                                     layout=w.Layout(flex_flow="row wrap", grid_gap="12px", align_items="flex-start",
                                                     width="100%")),
                              before_after.widget], layout=w.Layout(width="100%"))
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-app-settings")


def build_settings_app(data=None, *, lang: str | None = None, theme: str | None = None, period: int | None = None,
                       scenarios_folder=None, state_dir=None, data_root=None) -> App:
    """Branch-settings simulator: rule violations, the scenario editor, and before / after.

    >>> app = build_settings_app("sample_data", lang="en")
    >>> app.models["scenario"].merge(["B00031", "B00032"], name="Joint")
    True
    >>> "B00031" in set(app.state.data.branches["branch_id"])  # the baseline is never changed
    True
    """
    return open_app(lambda opened: SettingsApp(opened, scenarios_folder=scenarios_folder), data, lang=lang,
                    theme=theme, period=period, state_dir=state_dir, data_root=data_root, title_key="settings_title")
