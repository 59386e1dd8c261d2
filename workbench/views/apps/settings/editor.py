"""The scenario editor: pick branches and members, then merge, split, move or appoint.

:class:`EditorModel` holds what the planner has picked (township, operation,
branches, members, the split plan); every control is bound to it with
:class:`~workbench.views.apps.controls.Choice` or
:func:`~workbench.views.mvc.bind`, and the lists follow the scenario (a branch
the scenario created can be picked for the next step; a merged one cannot).
The split planner chooses how many branches and which party groups (or
units) go where, and previews the result before it is applied.

>>> from workbench.views.state import AppState
>>> state = AppState.from_source("sample_data", lang="en")
>>> from workbench.views.apps.settings.scenario import ScenarioModel
>>> editor = ScenarioEditor(state, ScenarioModel(state))
>>> editor.operation.value = "split"; editor.split_branch.value = "B00012"
>>> editor.split_parts.value = 2
>>> editor.split_do.click()
>>> len(editor.scenario.scenario.created_ids), editor.scenario.status["ok"]
(1, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import traitlets as t
import ipywidgets as w

from ....data.schema import BRANCH_KINDS, ROLES
from ....i18n import tr
from ...mvc import Model, bind, follow
from ...state import AppState
from ...widgets.html import Cell, esc, html_table
from ..controls import ALL, Choice, ModelStatus, field
from .scenario import ScenarioModel
from .split import default_assignment, is_one_per_group, member_groups, plan_groups, split_preview

__all__ = ["EditorModel", "ScenarioEditor", "POSTS", "SPLIT_BY", "OPERATIONS"]

#: Posts the editor offers (the discipline member first: the rule most often broken).
POSTS = ("discipline", "secretary", "deputy_secretary", "organization", "propaganda", "committee")
SPLIT_BY = ("party_group", "unit", "members")
OPERATIONS = ("merge", "split", "move", "appoint")


class EditorModel(Model):
    """What the planner has picked in the editor; the split plan and its preview.

    ``split_parts`` is the number of branches after a split (the original
    included); ``split_plan`` says which part each group joins (0: stays).
    """

    township = t.Unicode(ALL, allow_none=True)
    operation = t.Unicode("merge", allow_none=True)
    merge_branches = t.List(t.Unicode())
    merge_name = t.Unicode("")
    merge_kind = t.Unicode("joint", allow_none=True)
    split_branch = t.Unicode(None, allow_none=True)
    split_by = t.Unicode("party_group", allow_none=True)
    split_members = t.List(t.Unicode())
    split_parts = t.Int(2)
    split_plan = t.Dict()
    groups_revision = t.Int(0)   # the groups of the branch to split changed
    move_from = t.Unicode(None, allow_none=True)
    move_members = t.List(t.Unicode())
    move_to = t.Unicode(None, allow_none=True)
    appoint_branch = t.Unicode(None, allow_none=True)
    appoint_member = t.Unicode(None, allow_none=True)
    appoint_role = t.Unicode("discipline", allow_none=True)

    def __init__(self, state: AppState, scenario: ScenarioModel):
        super().__init__()
        self.state, self.scenario = state, scenario
        self._suggested = ""
        self.groups = pd.DataFrame(columns=["members", "formal", "secretary", "posts"])
        self.observe(lambda _: self._suggest_name(), names="merge_branches")
        self.observe(lambda _: self._new_groups(), names=["split_branch", "split_by"])
        scenario.observe(lambda _: self._new_groups(), names="revision")
        self.observe(lambda c: self.plan_for(c["new"]), names="split_parts")
        self._new_groups()

    # ------------------------------------------------------------- merge
    def _suggest_name(self) -> None:
        """Name the merged branch after its township unless the planner typed a name."""
        if not self.merge_branches:
            return
        towns = self.scenario.current().branches.set_index("branch_id")["township"]
        suggestion = tr("merge_default_name", self.state.lang, township=towns.get(self.merge_branches[0], ""))
        if not self.merge_name or self.merge_name == self._suggested:
            self.merge_name = suggestion
        self._suggested = suggestion

    # ------------------------------------------------------------- split
    def _new_groups(self) -> None:
        """The groups of the branch to split; by default each its own branch, as before."""
        by = self.split_by
        groups = (member_groups(self.scenario.current(), self.split_branch, by)
                  if self.split_branch and by in ("party_group", "unit") else self.groups.iloc[0:0])
        if groups.equals(self.groups) and self.split_plan:
            return
        self.groups = groups
        parts = max(len(groups), 2)
        self.split_plan = default_assignment(groups, parts)
        self.split_parts = parts
        self.groups_revision += 1

    def plan_for(self, parts: int) -> None:
        """A new plan for ``parts`` branches (groups spread by size; the secretary's group stays)."""
        self.split_plan = default_assignment(self.groups, parts)

    def assign(self, value: str, part: int) -> None:
        """Send group ``value`` to part ``part`` (0 = stays); refused for an unknown group or part."""
        if value not in self.groups.index or not 0 <= int(part) < self.split_parts:
            raise ValueError(f"no group {value!r} or part {part!r} in this split")
        self.split_plan = {**self.split_plan, value: int(part)}

    def split_request(self) -> dict:
        """The arguments of :meth:`ScenarioModel.split` for what the planner has set up."""
        by = self.split_by
        if by == "members":
            return {"by": "members", "members": list(self.split_members)}
        if len(self.groups) < 2 or is_one_per_group(self.groups, self.split_plan):
            return {"by": by}  # the split by value itself: kept as such in the scenario file
        data = self.scenario.current()
        name = data.branches.set_index("branch_id")["name"].get(self.split_branch, self.split_branch)
        parts = plan_groups(data, self.split_branch, by, self.split_plan)
        sep = "、"
        return {"groups": [ids for ids, _ in parts], "names": [f"{name}（{sep.join(vals)}）" for _, vals in parts]}

    def preview(self, lang: str) -> tuple[pd.DataFrame | None, str]:
        """:func:`~workbench.views.apps.settings.split.split_preview` of the current plan."""
        request = self.split_request()
        s = self.scenario
        rules, period = self.state.framework.rules, self.state.period
        if "groups" in request:
            return split_preview(s.scenario, self.split_branch, groups=request["groups"], names=request["names"],
                                 rules=rules, period=period, lang=lang)
        if request.get("by") == "members":
            if not request["members"]:
                return None, ""
            return split_preview(s.scenario, self.split_branch, groups=[request["members"]], rules=rules,
                                 period=period, lang=lang)
        return split_preview(s.scenario, self.split_branch, by=request["by"], rules=rules, period=period, lang=lang)


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


def _offered(value, options) -> object:
    """``value`` when it is one of the options, else the first (rows are rebuilt right after a change)."""
    return value if value in [v for _, v in options] else options[0][1]


class ScenarioEditor:
    """Pick branches and members, then merge, split, move or appoint (one panel per operation)."""

    def __init__(self, state: AppState, scenario: ScenarioModel):
        self.state, self.scenario = state, scenario
        self.model = m = EditorModel(state, scenario)

        def wide():  # a Layout per widget: a shared one would change them all together
            return w.Layout(width="100%", max_width="560px")
        self.hint = w.HTML()
        self.township = w.Dropdown(layout=w.Layout(width="240px"))
        self.operation = w.ToggleButtons(style={"button_width": "auto"})
        self.merge_branches = w.SelectMultiple(rows=9, layout=wide())
        self.merge_name = w.Text(layout=w.Layout(width="100%", max_width="360px"))
        self.merge_kind = w.Dropdown(layout=w.Layout(width="180px"))
        self.merge_do = w.Button(button_style="primary", icon="compress", layout=w.Layout(width="auto"))
        self.split_branch = w.Dropdown(layout=wide())
        self.split_by = w.ToggleButtons(style={"button_width": "auto"})
        self.split_members = w.SelectMultiple(rows=8, layout=wide())
        self.split_parts = w.Dropdown(layout=w.Layout(width="120px"))
        self.split_groups = w.VBox([], layout=w.Layout(width="100%"))
        self.split_preview = w.HTML(layout=w.Layout(width="100%"))
        self.split_do = w.Button(button_style="primary", icon="columns", layout=w.Layout(width="auto"))
        self.move_from = w.Dropdown(layout=wide())
        self.move_members = w.SelectMultiple(rows=8, layout=wide())
        self.move_to = w.Dropdown(layout=wide())
        self.move_do = w.Button(button_style="primary", icon="exchange", layout=w.Layout(width="auto"))
        self.appoint_branch = w.Dropdown(layout=wide())
        self.appoint_member = w.Dropdown(layout=wide())
        self.appoint_role = w.Dropdown(layout=w.Layout(width="260px"))
        self.appoint_do = w.Button(button_style="primary", icon="user-plus", layout=w.Layout(width="auto"))

        data = [(scenario, "revision")]
        here = data + [(m, "township")]

        def branches(where):
            def options(lang):
                return _branch_options(scenario.current(), scenario.current_violations,
                                       m.township if where == "here" else None, lang)
            return options

        def members(of):
            return lambda lang: _member_options(scenario.current(), getattr(m, of), lang)

        self.choices = {
            "township": Choice(state, self.township, m, "township", lambda lang: [(tr("all", lang), ALL)] + [
                (tw, tw) for tw in sorted(state.data.branches["township"].dropna().unique())],
                refresh_on=[(state, "revision")]),
            "operation": Choice(state, self.operation, m, "operation",
                                lambda lang: [(tr(f"op_{k}", lang), k) for k in OPERATIONS]),
            "merge_branches": Choice(state, self.merge_branches, m, "merge_branches", branches("here"),
                                     refresh_on=here, multiple=True),
            "merge_kind": Choice(state, self.merge_kind, m, "merge_kind",
                                 lambda lang: [(tr(f"kind_{k}", lang), k) for k in BRANCH_KINDS]),
            "split_branch": Choice(state, self.split_branch, m, "split_branch", branches("here"), refresh_on=here),
            "split_by": Choice(state, self.split_by, m, "split_by",
                               lambda lang: [(tr(f"split_by_{b}", lang), b) for b in SPLIT_BY]),
            "split_members": Choice(state, self.split_members, m, "split_members", members("split_branch"),
                                    refresh_on=data + [(m, "split_branch")], multiple=True),
            "split_parts": Choice(state, self.split_parts, m, "split_parts", self._parts_options,
                                  refresh_on=[(m, "groups_revision")],
                                  accept=lambda v: setattr(m, "split_parts", int(v))),
            "move_from": Choice(state, self.move_from, m, "move_from", branches("here"), refresh_on=here),
            "move_members": Choice(state, self.move_members, m, "move_members", members("move_from"),
                                   refresh_on=data + [(m, "move_from")], multiple=True),
            "move_to": Choice(state, self.move_to, m, "move_to", branches("all"), refresh_on=data),
            "appoint_branch": Choice(state, self.appoint_branch, m, "appoint_branch", branches("here"),
                                     refresh_on=here),
            "appoint_member": Choice(state, self.appoint_member, m, "appoint_member", members("appoint_branch"),
                                     refresh_on=data + [(m, "appoint_branch")]),
            "appoint_role": Choice(state, self.appoint_role, m, "appoint_role",
                                   lambda lang: [(tr(f"role_{r}", lang), r) for r in POSTS]),
        }
        bind(self.merge_name, "value", m, "merge_name", render=lambda: m.merge_name,
             accept=lambda v: setattr(m, "merge_name", str(v)[:120]))
        self.labels = {k: field(state, k) for k in (
            "merge_branches", "merge_name", "merge_kind", "split_branch", "split_by", "split_members",
            "split_parts_label", "split_groups_label", "move_from", "move_members", "move_to", "appoint_branch",
            "appoint_member", "appoint_role")}
        L = self.labels
        self.split_plan_box = w.VBox([w.HBox([L["split_parts_label"], self.split_parts],
                                             layout=w.Layout(align_items="center", grid_gap="8px")),
                                      L["split_groups_label"], self.split_groups])
        self.panels = {
            "merge": w.VBox([L["merge_branches"], self.merge_branches,
                             w.HBox([w.VBox([L["merge_name"], self.merge_name], layout=w.Layout(flex="1 1 200px")),
                                     w.VBox([L["merge_kind"], self.merge_kind])],
                                    layout=w.Layout(grid_gap="12px", flex_flow="row wrap")),
                             self.merge_do]),
            "split": w.VBox([L["split_branch"], self.split_branch, L["split_by"], self.split_by,
                             L["split_members"], self.split_members, self.split_plan_box, self.split_preview,
                             self.split_do]),
            "move": w.VBox([L["move_from"], self.move_from, L["move_members"], self.move_members,
                            L["move_to"], self.move_to, self.move_do]),
            "appoint": w.VBox([L["appoint_branch"], self.appoint_branch, L["appoint_member"], self.appoint_member,
                               L["appoint_role"], self.appoint_role, self.appoint_do]),
        }
        for panel in self.panels.values():
            panel.layout.grid_gap = "2px"
            panel.layout.width = "100%"
        for name, button in (("merge", self.merge_do), ("split", self.split_do), ("move", self.move_do),
                             ("appoint", self.appoint_do)):
            button.add_class(f"wb-do-{name}")  # a stable handle for browser tests
            button.on_click(lambda _, op=name: self.do(op))
        self.body = w.VBox([], layout=w.Layout(width="100%"))
        self.status_line = ModelStatus(state, scenario)
        self.status = self.status_line.widget
        self._group_bindings: list = []
        follow(m, "operation", self._show)
        follow(m, ["split_by", "groups_revision"], self._split_mode)
        follow(m, ["groups_revision", "split_parts"], self._group_rows)
        follow(m, ["groups_revision", "split_plan", "split_members", "operation"], self.render_preview)
        scenario.observe(lambda _: self.render_preview(), names="revision")
        follow(state, "lang", self.render)
        self.widget = w.VBox([self.hint, w.HBox([field(state, "editor_township", bold=True), self.township],
                                                layout=w.Layout(align_items="center")),
                              self.operation, self.body, self.status], layout=w.Layout(width="100%"))
        self.widget.add_class("wb-panel")
        self.widget.add_class("wb-editor")
        self.split_branch.add_class("wb-split-branch")  # stable handles for browser tests
        self.split_parts.add_class("wb-split-parts")

    # ------------------------------------------------------------- actions
    def do(self, operation: str) -> bool:
        """Apply the operation with what is picked; the status says what happened."""
        m, s = self.model, self.scenario
        if operation == "merge":
            return s.merge(m.merge_branches, name=m.merge_name, kind=m.merge_kind or "joint")
        if operation == "split":
            return s.split(m.split_branch, **m.split_request())
        if operation == "move":
            return s.move(m.move_members, to=m.move_to)
        return s.appoint(m.appoint_member, m.appoint_role or "discipline")

    def do_merge(self) -> bool:
        return self.do("merge")

    def do_split(self) -> bool:
        return self.do("split")

    def do_move(self) -> bool:
        return self.do("move")

    def do_appoint(self) -> bool:
        return self.do("appoint")

    # --------------------------------------------------------------- views
    def _show(self) -> None:
        self.body.children = [self.panels.get(self.model.operation or "merge", self.panels["merge"])]

    def _parts_options(self, lang: str) -> list[tuple[str, int]]:
        n = max(len(self.model.groups), 2)
        return [(tr("split_parts_option", lang, n=k), k) for k in range(2, n + 1)]

    def _split_mode(self) -> None:
        by_members = self.model.split_by == "members"
        plan = not by_members and len(self.model.groups) >= 2
        for widget in (self.split_members, self.labels["split_members"]):
            widget.layout.display = None if by_members else "none"
        self.split_plan_box.layout.display = None if plan else "none"

    def _part_options(self, lang: str) -> list[tuple[str, int]]:
        return [(tr("split_part_stays", lang) if k == 0 else tr("split_part_new", lang, k=k), k)
                for k in range(self.model.split_parts)]

    def _group_rows(self) -> None:
        """A row per group: its size and posts, and the branch it joins (bound to the plan)."""
        for binding in self._group_bindings:
            binding.unbind()
        self._group_bindings = []
        m, lang = self.model, self.state.lang
        rows = []
        options = self._part_options(lang)
        for value, g in m.groups.iterrows():
            label = w.HTML(layout=w.Layout(width="300px", max_width="60%"))
            label.value = "<span class='wb-note'>" + esc(tr(
                "split_group_row", lang, group=value, members=int(g["members"]),
                secretary=tr("split_with_secretary", lang) if g["secretary"] else "")) + "</span>"
            part = w.Dropdown(options=options, layout=w.Layout(width="200px"))
            self._group_bindings.append(bind(
                part, "value", m, "split_plan", render=lambda v=value: _offered(m.split_plan.get(v, 0), options),
                accept=lambda p, v=value: m.assign(v, p)))
            rows.append(w.HBox([label, part], layout=w.Layout(align_items="center", flex_flow="row wrap")))
        self.split_groups.children = rows

    def render_preview(self) -> None:
        """What the split would give: the sentence of its parts and a table per resulting branch."""
        m, lang = self.model, self.state.lang
        if m.operation != "split" or not m.split_branch:
            self.split_preview.value = ""
            return
        head = ""
        if m.split_by in ("party_group", "unit"):
            label = tr(f"split_by_{m.split_by}", lang)
            if len(m.groups) < 2:
                self.split_preview.value = f"<div class='wb-note'>{esc(tr('split_preview_none', lang, by=label))}</div>"
                return
            sep = "、" if lang == "zh" else ", "
            parts = sep.join(f"{k} ({int(v)})" for k, v in m.groups["members"].items())
            head = f"<div class='wb-note'>{esc(tr('split_preview', lang, by=label, parts=parts))}</div>"
        table, why = m.preview(lang)
        if table is None:
            body = f"<div class='wb-status wb-bad'>{esc(why)}</div>" if why else ""
            self.split_preview.value = head + body
            return
        before = self.scenario.current_violations
        before = before[before["branch_id"] == m.split_branch]
        errors_before = int((before["severity"] == "error").sum())
        verdict = tr("preview_verdict", lang, n=len(table), errors=int(table["errors"].sum()),
                     warnings=int(table["warnings"].sum()), before=errors_before)
        bad = int(table["errors"].sum()) > errors_before
        rows = [[r.status, Cell(f"{esc(r.name)} <span class='wb-note'>{esc(r.branch_id)}</span>", raw=True),
                 Cell(f"{r.members} ({r.formal})", "wb-num"), r.secretary, r.committee,
                 Cell(esc(r.rules) if r.rules else "—", "wb-worse" if r.errors else "", raw=True)]
                for r in table.itertuples(index=False)]
        heads = [tr(k, lang) for k in ("col_status", "col_branch", "preview_members", "preview_secretary",
                                       "preview_committee_col", "preview_rules")]
        css = "wb-status wb-bad" if bad else "wb-note"
        self.split_preview.value = (
            f"{head}<div class='wb-subsection'>{esc(tr('preview_title', lang))}</div>"
            f"<div class='{css}'>{esc(verdict)}</div>"
            f"<div class='wb-scroll wb-split-preview' style='max-height:320px'>{html_table(heads, rows)}</div>")

    def render(self) -> None:
        lang = self.state.lang
        self.hint.value = f"<div class='wb-note'>{esc(tr('editor_hint', lang))}</div>"
        for button, key in ((self.merge_do, "merge_do"), (self.split_do, "split_do"), (self.move_do, "move_do"),
                            (self.appoint_do, "appoint_do")):
            button.description = tr(key, lang)
        self.merge_name.placeholder = tr("merge_name", lang)
        self._group_rows()
        self.render_preview()
