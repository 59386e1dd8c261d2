"""Dashboards: one function per dashboard composes the widget kit into one widget.

A notebook is a title, an import and ``app = build_..._app()``; everything the
dashboard shows can therefore be built and tested without a browser.

>>> app = build_overview_app("sample_data", lang="en")
>>> type(app).__name__
'VBox'
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from . import charts
from ..data import BranchData
from ..i18n import tr
from .environment import dashboard_settings
from .widgets import (
    AhpEditor,
    AppState,
    ChartView,
    DataPicker,
    ExportBar,
    Header,
    KpiCards,
    ProfileView,
    RankingView,
    RobustnessView,
    SchemeStore,
    ScoringModel,
    WeightPanel,
    style,
)

__all__ = ["build_overview_app", "build_weight_explorer", "app_state"]


def app_state(data: str | Path | BranchData | None = None, *, lang: str | None = None,
              theme: str | None = None, period: int | None = None) -> AppState:
    """The state of a dashboard; defaults come from ``workbench serve`` (data path, language, theme)."""
    settings = dashboard_settings()
    source = data if data is not None else settings.data_path
    return AppState.from_source(source, lang=lang or settings.lang, theme=theme or settings.theme,
                                period=period)


def _data_section(state: AppState, picker: DataPicker) -> w.Accordion:
    section = w.Accordion(children=[picker.widget])
    section.selected_index = None

    def title(_=None):
        section.set_title(0, tr("data", state.lang))
    state.observe(title, names="lang")
    title()
    return section


def _tag(app: w.Widget, name: str, state: AppState, scoring: ScoringModel, **views) -> w.Widget:
    app.add_class("wb-app")
    app.add_class(f"wb-app-{name}")
    # the models and views stay reachable for tests and researchers in JupyterLab
    app.state, app.scoring, app.views = state, scoring, views
    return app


def build_overview_app(data: str | Path | BranchData | None = None, *, lang: str | None = None,
                       theme: str | None = None, period: int | None = None) -> w.VBox:
    """Overview: key figures, grades, scores by township, best and weakest branches."""
    state = app_state(data, lang=lang, theme=theme, period=period)
    scoring = ScoringModel(state)
    header = Header(state, "overview_title")
    picker = DataPicker(state)
    kpis = KpiCards(state, scoring)
    grades = ChartView(state, lambda lang, theme: scoring.result and charts.grade_distribution(
        scoring.result, lang=lang, theme=theme, height=440), width=500)
    towns = ChartView(state, lambda lang, theme: scoring.result and charts.township_scores(
        scoring.result, state.townships, lang=lang, theme=theme, height=440), width=780)
    for view in (grades, towns):
        scoring.observe(lambda _, v=view: v.render(), names="revision")
        view.render()
    ranking = RankingView(state, scoring, compare=False)
    export = ExportBar(state, scoring, {"grades": grades, "townships": towns, "ranking": ranking.chart})
    app = w.VBox([style(), header.widget, _data_section(state, picker), kpis.widget,
                  w.HBox([grades.widget, towns.widget], layout=w.Layout(flex_flow="row wrap",
                                                                       justify_content="space-between")),
                  ranking.widget, export.widget])
    return _tag(app, "overview", state, scoring, header=header, picker=picker, kpis=kpis, grades=grades,
                townships=towns, ranking=ranking, export=export)


def build_weight_explorer(data: str | Path | BranchData | None = None, *, lang: str | None = None,
                          theme: str | None = None, period: int | None = None,
                          schemes_folder: str | Path | None = None) -> w.VBox:
    """Weight explorer: sliders, presets and AHP on the left; live rankings and grades on the right."""
    state = app_state(data, lang=lang, theme=theme, period=period)
    scoring = ScoringModel(state)
    header = Header(state, "weights_title")
    picker = DataPicker(state)
    panel = WeightPanel(state, scoring)
    ahp = AhpEditor(state, scoring)
    store = SchemeStore(state, scoring, folder=schemes_folder)
    tools = w.Accordion(children=[ahp.widget, store.widget])
    tools.selected_index = None

    def tool_titles(_=None):
        tools.set_title(0, tr("ahp_editor", state.lang))
        tools.set_title(1, f"{tr('save_scheme', state.lang)} / {tr('load_scheme', state.lang)}")
    state.observe(tool_titles, names="lang")
    tool_titles()
    ranking = RankingView(state, scoring, width=700)
    grades = ChartView(state, lambda lang, theme: scoring.result and charts.grade_distribution(
        scoring.result, lang=lang, theme=theme, baseline=scoring.baseline, height=360), width=700)
    scoring.observe(lambda _: grades.render(), names="revision")
    grades.render()
    profile = ProfileView(state, scoring)
    robustness = RobustnessView(state, scoring)
    export = ExportBar(state, scoring, {"ranking": ranking.chart, "grades": grades, "profile": profile.chart,
                                        "intervals": robustness.chart})
    left = w.VBox([panel.widget, tools], layout=w.Layout(width="610px", min_width="560px"))
    right = w.VBox([ranking.widget, grades.widget], layout=w.Layout(flex="1 1 520px", min_width="480px"))
    app = w.VBox([style(), header.widget, _data_section(state, picker),
                  w.HBox([left, right], layout=w.Layout(flex_flow="row wrap", align_items="flex-start")),
                  profile.widget, robustness.widget, export.widget])
    return _tag(app, "weights", state, scoring, header=header, picker=picker, panel=panel, ahp=ahp,
                store=store, ranking=ranking, grades=grades, profile=profile, robustness=robustness,
                export=export)


# ============================================================================
# Dashboards II (issue 7): branch-settings simulator, inspection and rectification, research.

__all__ += ["build_settings_app", "build_inspection_app", "build_research_app"]


def _section(state: AppState, key: str) -> w.HTML:
    """A section heading that follows the language."""
    from .widgets.tables import section_title

    heading = w.HTML()

    def render(_=None):
        heading.value = section_title(tr(key, state.lang))
    state.observe(render, names="lang")
    render()
    return heading


def build_settings_app(data: str | Path | BranchData | None = None, *, lang: str | None = None,
                       theme: str | None = None, period: int | None = None,
                       scenarios_folder: str | Path | None = None) -> w.VBox:
    """Branch-settings simulator: rule violations, the scenario editor, and before / after.

    >>> app = build_settings_app("sample_data", lang="en")
    >>> app.models["scenario"].merge(["B00031", "B00032"], name="Joint")
    True
    >>> "B00031" in set(app.state.data.branches["branch_id"])  # the baseline is never changed
    True
    """
    from .widgets.settings import BeforeAfterView, ScenarioEditor, ScenarioModel, StepsPanel, ViolationsModel, \
        ViolationsView
    from .widgets.tables import extra_style

    state = app_state(data, lang=lang, theme=theme, period=period)
    header = Header(state, "settings_title")
    picker = DataPicker(state)
    violations_model = ViolationsModel(state)
    violations = ViolationsView(state, violations_model)
    scenario = ScenarioModel(state, folder=scenarios_folder)
    editor = ScenarioEditor(state, scenario)
    steps = StepsPanel(state, scenario)
    before_after = BeforeAfterView(state, scenario)
    editor.widget.layout = w.Layout(width="640px", min_width="600px")
    steps.widget.layout = w.Layout(flex="1 1 520px", min_width="480px")
    app = w.VBox([style(), extra_style(), header.widget, _data_section(state, picker), violations.widget,
                  _section(state, "sec_editor"),
                  w.HBox([editor.widget, steps.widget], layout=w.Layout(flex_flow="row wrap", grid_gap="12px",
                                                                        align_items="flex-start")),
                  before_after.widget])
    app = _tag(app, "settings", state, None, header=header, picker=picker, violations=violations, editor=editor,
               steps=steps, before_after=before_after)
    app.models = {"violations": violations_model, "scenario": scenario}
    return app


def build_inspection_app(data: str | Path | BranchData | None = None, *, lang: str | None = None,
                         theme: str | None = None, period: int | None = None,
                         exports_folder: str | Path | None = None) -> w.VBox:
    """Inspection and rectification: completion heat map, scores by method, the problem list, progress.

    >>> app = build_inspection_app("sample_data", lang="en")
    >>> app.views["problems"].overdue.value = True
    >>> set(app.models["inspection"].filtered["status"])
    {'overdue'}
    """
    from .widgets.inspection import CompletionView, InspectionKpis, InspectionModel, ProblemsView, ScoresView
    from .widgets.tables import extra_style

    state = app_state(data, lang=lang, theme=theme, period=period)
    header = Header(state, "inspection_title")
    picker = DataPicker(state)
    model = InspectionModel(state)
    kpis = InspectionKpis(state, model)
    completion = CompletionView(state, model)
    scores = ScoresView(state, model)
    problems = ProblemsView(state, model, folder=exports_folder)
    app = w.VBox([style(), extra_style(), header.widget, _data_section(state, picker), kpis.widget,
                  completion.widget, scores.widget, problems.widget])
    app = _tag(app, "inspection", state, None, header=header, picker=picker, kpis=kpis, completion=completion,
               scores=scores, problems=problems)
    app.models = {"inspection": model}
    return app


def build_research_app(data: str | Path | BranchData | None = None, *, lang: str | None = None,
                       theme: str | None = None, period: int | None = None, pseudonymise: bool = True,
                       key: str | bytes | None = None, exports_folder: str | Path | None = None) -> w.VBox:
    """Research of branch functions: correlations, fits, robust regression, clusters, coherence, movers.

    Branches appear as keyed pseudonyms (``pseudonymise=True``, the default);
    ``key`` fixes the codes (default: ``WORKBENCH_PSEUDONYM_KEY`` or a key of
    this session).

    >>> app = build_research_app("sample_data", lang="en", key="doc")
    >>> app.models["research"].coherence.dimensions.index[-1]
    'total'
    """
    from .widgets.research import (
        ClusterView,
        CoherenceView,
        CorrelationView,
        MoversView,
        RegressionView,
        ResearchExport,
        ResearchModel,
        ScatterView,
    )
    from .widgets.tables import extra_style

    state = app_state(data, lang=lang, theme=theme, period=period)
    header = Header(state, "research_title")
    picker = DataPicker(state)
    model = ResearchModel(state, pseudonymise=pseudonymise, key=key)
    intro = w.HTML()

    def render_intro(_=None):
        note = tr("pseudonymised_note", state.lang) if pseudonymise else ""
        intro.value = (f"<div class='wb-note'>{tr('research_intro', state.lang, period=state.period)} "
                       f"<b>{note}</b></div>")
    state.observe(render_intro, names=["lang", "period"])
    render_intro()
    correlations = CorrelationView(state, model)
    scatter = ScatterView(state, model)
    reg = RegressionView(state, model)
    clusters = ClusterView(state, model)
    coh = CoherenceView(state, model)
    movers = MoversView(state, model)
    export = ResearchExport(state, model, folder=exports_folder)
    app = w.VBox([style(), extra_style(), header.widget, _data_section(state, picker), intro,
                  _section(state, "sec_relations"),
                  w.HBox([correlations.widget, scatter.widget], layout=w.Layout(flex_flow="row wrap",
                                                                                 grid_gap="16px")),
                  reg.widget, clusters.widget, coh.widget, movers.widget, export.widget])
    app = _tag(app, "research", state, None, header=header, picker=picker, correlations=correlations,
               scatter=scatter, regression=reg, clusters=clusters, coherence=coh, movers=movers, export=export)
    app.models = {"research": model}
    return app
