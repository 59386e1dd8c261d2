"""The branch-settings simulator: rule violations, the scenario editor, the steps and the before/after.

>>> app = build_settings_app("sample_data", lang="en")
>>> app.models["scenario"].merge(["B00031", "B00032"], name="Joint")
True
>>> "B00031" in set(app.state.data.branches["branch_id"])  # the baseline is never changed
True
"""

from __future__ import annotations

import ipywidgets as w

from ...mvc import App
from ...widgets.data_picker import DataPicker
from ...widgets.header import Header
from ...widgets.html import style
from ..common import Opened, data_section, open_app, section
from ..controls import page_style, work_folder
from .before_after import BeforeAfterView
from .editor import ScenarioEditor
from .scenario import ScenarioModel
from .steps import StepsPanel
from .violations import ViolationsModel, ViolationsView

__all__ = ["SettingsApp", "build_settings_app"]


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
        folder = scenarios_folder if scenarios_folder is not None else work_folder(opened, "scenarios")
        scenario = ScenarioModel(state, folder=folder)
        editor = ScenarioEditor(state, scenario)
        steps = StepsPanel(state, scenario)
        before_after = BeforeAfterView(state, scenario, folder=opened.exports.folder)
        editor.widget.layout = w.Layout(flex="1 1 480px", min_width="0", max_width="680px")
        steps.widget.layout = w.Layout(flex="1 1 380px", min_width="0")
        self.models = {"violations": violations_model, "scenario": scenario, "editor": editor.model}
        self.views = {"header": header, "picker": picker, "violations": violations, "editor": editor,
                      "steps": steps, "before_after": before_after}
        self.widget = w.VBox([style(), page_style(), header.widget, data_section(state, picker), violations.widget,
                              section(state, "sec_editor"),
                              w.HBox([editor.widget, steps.widget],
                                     layout=w.Layout(flex_flow="row wrap", grid_gap="12px", align_items="flex-start",
                                                     width="100%")),
                              before_after.widget], layout=w.Layout(width="100%"))
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-app-settings")
        self.widget.add_class("wb-pages")


def build_settings_app(data=None, *, lang: str | None = None, theme: str | None = None, period: int | None = None,
                       scenarios_folder=None, state_dir=None, data_root=None) -> App:
    """Branch-settings simulator: rule violations, the scenario editor, and before / after.

    Scenarios are saved per data set and per user in the server's state folder
    (``scenarios_folder`` overrides it).
    """
    return open_app(lambda opened: SettingsApp(opened, scenarios_folder=scenarios_folder), data, lang=lang,
                    theme=theme, period=period, state_dir=state_dir, data_root=data_root, title_key="settings_title")
