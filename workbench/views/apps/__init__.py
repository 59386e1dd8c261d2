"""The dashboards, one module each: its models and views, wired in one :class:`~workbench.views.mvc.App`.

A notebook is a title and ``app = build_..._app()``; everything a dashboard
shows can be built and tested without a browser.
"""

from .inspection import InspectionApp, build_inspection_app
from .overview import OverviewApp, build_overview_app
from .research import ResearchApp, build_research_app
from .screening import ScreeningApp, build_screening_app
from .settings import SettingsApp, build_settings_app
from .weights import WeightExplorer, build_weight_explorer

__all__ = ["InspectionApp", "OverviewApp", "ResearchApp", "ScreeningApp", "SettingsApp", "WeightExplorer",
           "build_inspection_app", "build_overview_app", "build_research_app", "build_screening_app",
           "build_settings_app", "build_weight_explorer"]
