"""Branch-settings simulator (03): rule violations, a scenario editor and the before/after.

Models hold state and call the core (:func:`~workbench.settings.rules.check_rules`,
:class:`~workbench.settings.scenario.Scenario`, :func:`~workbench.settings.suggest.suggest_settings`);
views build their widgets once, bind them to the models and render on change.
The baseline in ``AppState.data`` is never changed: every operation builds a
new, immutable scenario, and one that fails leaves the previous scenario in
place (its reason is shown in the page, never a traceback).

- :mod:`.violations`: the violations of the baseline, their key figures, filters and list;
- :mod:`.scenario`: the scenario model (history, files, the before/after workbook);
- :mod:`.split`: planning a split (how many branches, which groups where) and its preview;
- :mod:`.editor`: the editor (merge, split, move, appoint);
- :mod:`.steps`: the steps, undo, the suggested scenario, save and load;
- :mod:`.before_after`: the before/after and its export;
- :mod:`.app`: the dashboard.

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

from .app import SettingsApp, build_settings_app
from .before_after import BeforeAfterView
from .editor import EditorModel, ScenarioEditor
from .scenario import ScenarioModel, comparison_workbook
from .split import default_assignment, member_groups, split_preview
from .steps import StepsPanel
from .violations import ViolationsModel, ViolationsView

__all__ = ["SettingsApp", "build_settings_app", "ViolationsModel", "ViolationsView", "ScenarioModel",
           "ScenarioEditor", "EditorModel", "StepsPanel", "BeforeAfterView", "comparison_workbook",
           "default_assignment", "member_groups", "split_preview"]
