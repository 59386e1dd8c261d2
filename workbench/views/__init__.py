"""What a person sees: charts (plotly figures), widgets (models and views) and the dashboards.

Nothing here computes a score: views call the core (``workbench.assess``,
``workbench.settings``, ``workbench.studies``) and render its results. Each
dashboard is one ``build_*`` function; a notebook is a title and one call.
"""

from .apps import (
    build_inspection_app,
    build_overview_app,
    build_research_app,
    build_screening_app,
    build_settings_app,
    build_weight_explorer,
)

__all__ = ["build_inspection_app", "build_overview_app", "build_research_app", "build_screening_app",
           "build_settings_app", "build_weight_explorer"]
