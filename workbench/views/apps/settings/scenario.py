"""The scenario being edited, its before/after, its history, and its files.

:class:`ScenarioModel` holds one immutable
:class:`~workbench.settings.scenario.Scenario` and the comparison with the
baseline; every action builds a new scenario (one that fails leaves the
current one in place and says why, in both languages). Every action that
changes the scenario is kept in a history, so "undo" takes back the last one,
whatever it was: a step, or loading the suggested scenario, clearing the
scenario or loading a file, each of which replaces the steps. Replacing is
undoable rather than asked about: nothing is lost, and the person's flow is
not interrupted by a question that is soon clicked through by habit.

>>> from workbench.views.state import AppState
>>> model = ScenarioModel(AppState.from_source("sample_data", lang="en"))
>>> model.appoint("M0000018", "discipline"), len(model.scenario)
(True, 1)
>>> model.suggest(), len(model.scenario) > 1
(True, True)
>>> model.undo(), len(model.scenario), model.status["key"]
(True, 1, 'replace_undone')
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Callable

import pandas as pd
import traitlets as t

from ....assess.scoring import Scheme
from ....i18n import tr
from ....settings.rules import check_rules
from ....settings.scenario import Scenario, ScenarioError
from ....settings.suggest import suggest_settings
from ....settings.violations import rule_label
from ...mvc import Model
from ...state import AppState
from ..controls import write_workbook

__all__ = ["ScenarioModel", "comparison_workbook"]

#: Actions kept for undo.
HISTORY = 50


class ScenarioModel(Model):
    """The scenario being edited and its before/after against the baseline.

    Every action returns whether it changed the scenario; ``status`` says what
    happened (``{"ok": bool, "key": message key, "zh": {...}, "en": {...}}``,
    the values to format the message with in each language, and a ``note``
    when steps were replaced). ``undoable`` names the action "undo" would take
    back (a catalogue key; empty when there is none).
    """

    scenario = t.Any()
    comparison = t.Any(None)
    current_violations = t.Any(None)
    status = t.Dict()
    seconds = t.Float(0.0)
    undoable = t.Unicode("")

    def __init__(self, state: AppState, *, folder: str | Path | Callable[[], Path] | None = None):
        super().__init__()
        self.state = state
        self.scheme = Scheme(state.framework)
        if folder is None:
            folder = Path(os.environ.get("WORKBENCH_SCENARIOS", Path.home() / ".workbench" / "scenarios"))
        self._folder = folder
        self._history: list[tuple[Scenario, dict]] = []
        self.scenario = Scenario(state.data)
        state.observe(self._on_data, names="revision")
        state.observe(lambda _: self._compare(), names="period")
        self._compare()

    @property
    def folder(self) -> Path:
        """Where scenarios of the data shown are saved (per data set and user when served)."""
        return Path(self._folder()) if callable(self._folder) else Path(self._folder)

    # ---------------------------------------------------------------- state
    def current(self):
        """The data after the scenario (the baseline when it is empty)."""
        return self.scenario.apply()

    def start_over(self) -> None:
        """An empty scenario on the current data, with no history (the data changed)."""
        self._history = []
        self.undoable = ""
        self.scenario = Scenario(self.state.data)
        self._compare()

    def _on_data(self, change) -> None:
        self.start_over()
        self._say(True, "scenario_cleared")

    def _compare(self) -> None:
        started = time.perf_counter()
        after = self.current()
        self.comparison = self.scenario.compare(self.scheme, self.state.period, groups=True)
        self.current_violations = check_rules(after, self.state.framework.rules, period=self.state.period)
        self.seconds = time.perf_counter() - started
        self.changed()

    def _say(self, ok: bool, key: str, zh: dict | None = None, en: dict | None = None, *,
             note: dict | None = None, link: str | None = None) -> None:
        status = {"ok": ok, "key": key, "zh": zh or {}, "en": en if en is not None else (zh or {})}
        if note:
            status["note"] = note
        if link:
            status["link"] = link
        self.status = status

    def _refuse(self, key: str) -> bool:
        self._say(False, key)
        return False

    def _try(self, build, done=None, *, replaces: str | None = None) -> bool:
        """Build a new scenario from the current one; on failure keep the current one and say why.

        ``done(new_scenario)`` gives the status of a success as ``(key, zh values, en values)``;
        by default the description of the step just added. ``replaces`` names an action that
        replaces the steps (its catalogue key): the status then says how many were replaced.
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
        old = self.scenario
        if replaces is not None:
            undo = {"kind": "replace", "action": replaces, "steps": len(old)}
        else:
            row = new.summary().iloc[-1]
            undo = {"kind": "step", "action": f"op_{new.operations[-1].op}", "zh": row["description_zh"],
                    "en": row["description_en"]}
        if not (replaces is not None and new == old):
            self._history = (self._history + [(old, undo)])[-HISTORY:]
        self.scenario = new
        self.undoable = self._history[-1][1]["action"] if self._history else ""
        note = None
        if replaces is not None and len(old) and new != old:
            note = {lang: tr("replaced_steps", lang, n=len(old)) for lang in ("zh", "en")}
        if done is not None:
            self._say(True, *done(new), note=note)
        elif len(new):
            self._say(True, "step_done", {"text": undo["zh"]}, {"text": undo["en"]})
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

    def split(self, branch_id: str | None, *, by: str = "party_group", members=(), groups=None,
              names=None) -> bool:
        """Split a branch: by a member attribute (``party_group``, ``unit``: one branch per value), by
        the chosen ``members`` (one new branch), or into ``groups`` (lists of member ids, one new branch
        each, named ``names``) as the split planner builds them."""
        if not branch_id:
            return self._refuse("need_branch")
        if groups is not None:
            groups = [list(g) for g in groups]
            if not groups or not all(groups):
                return self._refuse("need_members")
            return self._try(lambda s: s.split(branch_id, groups=groups, names=names))
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
        """Take back the last action: a step, or a replacement of the steps (suggested, cleared, loaded)."""
        if not self._history:
            return self._refuse("nothing_to_undo")
        previous, what = self._history.pop()
        self.scenario = previous
        self.undoable = self._history[-1][1]["action"] if self._history else ""
        if what["kind"] == "step":
            self._say(True, "step_undone", {"text": what["zh"]}, {"text": what["en"]})
        else:
            self._say(True, "replace_undone", {"what": tr(what["action"], "zh"), "n": len(previous)},
                      {"what": tr(what["action"], "en"), "n": len(previous)})
        self._compare()
        return True

    def suggest(self) -> bool:
        """Replace the steps by :func:`~workbench.settings.suggest.suggest_settings` of the baseline (undoable)."""
        return self._try(lambda s: suggest_settings(self.state.data, self.state.framework.rules),
                         lambda new: ("suggested", {"n": len(new)}, None), replaces="suggest")

    def reset(self) -> bool:
        """Back to the empty scenario, the baseline (undoable)."""
        return self._try(lambda s: Scenario(self.state.data), lambda new: ("scenario_cleared", None, None),
                         replaces="reset_scenario")

    # ------------------------------------------------------------------ files
    def saved(self) -> list[Path]:
        folder = self.folder
        return sorted(folder.glob("*.yaml")) if folder.is_dir() else []

    def save(self, name: str) -> Path | None:
        """Write the scenario as YAML (atomically) into the scenarios folder."""
        stem = "".join(c for c in str(name).strip() if c.isalnum() or c in "-_ ").strip() or \
            f"scenario-{dt.datetime.now():%Y%m%d-%H%M%S}"
        folder = self.folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = self.scenario.to_yaml(folder / f"{stem}.yaml")
            os.chmod(path, 0o600)
        except OSError as exc:
            self._say(False, "op_failed", {"message": f"{exc.strerror or exc}: {exc.filename or folder}"})
            return None
        self._say(True, "scenario_saved", {"path": path.name}, link=str(path))
        return path

    def load(self, path: str | Path | None) -> bool:
        """Read a saved scenario (it replaces the steps, undoably); every step is validated against the data."""
        if not path:
            return self._refuse("need_file")
        path = Path(path)
        if path.resolve().parent != self.folder.resolve():
            return self._refuse("need_file")  # only the files this page listed
        return self._try(lambda s: Scenario.from_yaml(path, self.state.data),
                         lambda new: ("scenario_loaded", {"name": path.stem, "n": len(new)}, None),
                         replaces="load_scenario")

    def load_text(self, text: bytes | str, name: str = "upload") -> bool:
        """Read a scenario from uploaded YAML text (it replaces the steps, undoably)."""
        if len(text) > 1_000_000:
            self._say(False, "op_failed", {"message": f"{name}: {len(text):,} bytes"})
            return False
        return self._try(lambda _: Scenario.from_yaml_text(text, self.state.data, source=name),
                         lambda new: ("scenario_loaded", {"name": name, "n": len(new)}, None),
                         replaces="load_scenario")

    def export(self, folder: str | Path, *, lang: str | None = None) -> Path:
        """The before/after of the scenario, with its steps, as an Excel workbook in ``folder``.

        Raises OSError when it cannot be written (the page says why).
        """
        path = Path(folder) / f"scenario-{self.state.period}-{dt.datetime.now():%Y%m%d-%H%M%S}.xlsx"
        return comparison_workbook(self.scenario, self.comparison, self.state, path, lang=lang or self.state.lang)


def comparison_workbook(scenario: Scenario, comparison, state: AppState, path: Path, *, lang: str = "zh") -> Path:
    """The before/after of ``scenario`` as a workbook: what it is, the steps, county totals, the branches
    touched and the violations that change (headers, grades and rules in ``lang``, one decimal for scores).

    >>> import tempfile
    >>> from workbench.views.state import AppState
    >>> state = AppState.from_source("sample_data", lang="en")
    >>> s = Scenario(state.data).merge(["B00031", "B00032"], name="Joint")
    >>> path = comparison_workbook(s, s.compare(Scheme(state.framework), 2025, groups=True), state,
    ...                            Path(tempfile.mkdtemp()) / "s.xlsx", lang="en")
    >>> pd.read_excel(path, sheet_name="Steps")["Step"].tolist()
    [1]
    """
    fw = state.framework
    c = comparison

    def col(key):
        return tr(key, lang)

    def grade(g):
        return fw.label(g, lang) if isinstance(g, str) and g in fw.grade_ids else ""

    summary = scenario.summary()
    text, why = ("description_zh", "reason_zh") if lang == "zh" else ("description_en", "reason_en")
    steps = pd.DataFrame({col("xl_step"): summary["step"].to_numpy(), col("xl_operation"): [
        tr(f"op_{op}", lang) for op in summary["op"]], col("xl_description"): summary[text].to_numpy(),
        col("why"): summary[why].to_numpy()})
    rows = []
    for key, r in c.totals.iterrows():
        if key.startswith("rule:") and r["change"] == 0:
            continue
        if key.startswith("grade:"):
            label = fw.label(key[6:], lang)
        elif key.startswith("rule:"):
            label = rule_label(key[5:], lang)
        else:
            label = tr(f"row_{key}", lang)
        digits = 1 if key == "mean_score" else 0
        rows.append({col("col_item"): label, col("col_before"): round(float(r["before"]), digits),
                     col("col_after"): round(float(r["after"]), digits),
                     col("col_change"): round(float(r["change"]), digits)})
    totals = pd.DataFrame(rows, columns=[col(k) for k in ("col_item", "col_before", "col_after", "col_change")])
    b = c.branches
    pair = lambda key: f"{col(key)} · "  # noqa: E731
    branches = pd.DataFrame({
        col("col_status"): [tr(f"branch_{s}", lang) for s in b["status"]],
        col("col_branch_id"): b.index.to_numpy(), col("col_name"): b["name"].to_numpy(),
        pair("col_members") + col("col_before"): b["members_before"].to_numpy(),
        pair("col_members") + col("col_after"): b["members_after"].to_numpy(),
        pair("col_errors") + col("col_before"): b["errors_before"].to_numpy(),
        pair("col_errors") + col("col_after"): b["errors_after"].to_numpy(),
        pair("col_warnings") + col("col_before"): b["warnings_before"].to_numpy(),
        pair("col_warnings") + col("col_after"): b["warnings_after"].to_numpy(),
        pair("col_score") + col("col_before"): b["score_before"].astype("float64").round(1).to_numpy(),
        pair("col_score") + col("col_after"): b["score_after"].astype("float64").round(1).to_numpy(),
        pair("col_grade") + col("col_before"): [grade(g) for g in b["grade_before"]],
        pair("col_grade") + col("col_after"): [grade(g) for g in b["grade_after"]],
        pair("col_rank") + col("col_before"): b["rank_before"].to_numpy(),
        pair("col_rank") + col("col_after"): b["rank_after"].to_numpy(),
    })
    v = c.violations
    message = "message_zh" if lang == "zh" else "message_en"
    violations = pd.DataFrame({
        col("xl_when"): [col(f"col_{w}") for w in v["when"]], col("col_branch_id"): v["branch_id"].to_numpy(),
        col("col_rule"): [rule_label(r, lang) for r in v["rule"]],
        col("col_severity"): [tr(f"rule_severity_{s}", lang) for s in v["severity"]],
        col("col_message"): v[message].to_numpy() if message in v else "",
    })
    about = pd.DataFrame({col("export_about_key"): [col("xl_period"), col("data_source"), col("xl_steps"),
                                                    col("xl_framework"), col("xl_made")],
                          col("export_about_value"): [str(c.period), Path(state.source).name or state.source,
                                                      str(len(scenario)),
                                                      (fw.zh if lang == "zh" else fw.en) or fw.name,
                                                      dt.datetime.now().strftime("%Y-%m-%d %H:%M")]})
    return write_workbook(path, [
        (col("xl_sheet_about"), about),
        (col("xl_sheet_steps"), steps),
        (col("xl_sheet_totals"), totals),
        (col("xl_sheet_branches"), branches),
        (col("xl_sheet_violations"), violations),
    ])
