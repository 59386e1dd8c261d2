"""The widget kit: models (traitlets state that calls the core) and views (render and bind).

>>> from workbench.views.widgets import AppState, ScoringModel
>>> state = AppState.from_source("sample_data", lang="en")
>>> ScoringModel(state).result.period
2025
"""

from .components import (
    AhpEditor,
    ChartView,
    DataPicker,
    ExportBar,
    Header,
    KpiCards,
    ProfileView,
    RankingView,
    RobustnessView,
    SchemeStore,
    WeightPanel,
    problems_html,
    style,
)
from .models import AppState, ScoringModel, rebalance

__all__ = [
    "AhpEditor", "AppState", "ChartView", "DataPicker", "ExportBar", "Header", "KpiCards", "ProfileView",
    "RankingView", "RobustnessView", "SchemeStore", "ScoringModel", "WeightPanel", "problems_html",
    "rebalance", "style",
]
