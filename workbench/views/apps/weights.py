"""The weight explorer: sliders, presets and AHP on the left; live ranking and grades on the right;
the chosen branch's profile, rank intervals, saved schemes and exports below.

Every control is bound to :class:`~workbench.views.scoring.ScoringModel` with
:func:`~workbench.views.mvc.bind`: a slider shows the model's whole percent and
hands a person's move to the model, and nothing a browser echoes back is taken
as a move. The charts follow the model's ``revision`` (one new result, one draw).

>>> app = build_weight_explorer("sample_data", lang="en")
>>> app.views["panel"].sliders["team"].value = 40
>>> round(app.models["scoring"].scheme.dimension_weights["team"], 12)
0.4
"""

from __future__ import annotations

import os
from pathlib import Path

import ipywidgets as w
import pandas as pd
import traitlets as t

from ...assess.robustness import monte_carlo
from ...assess.scoring import Scheme
from ...assess.framework import Framework, FrameworkError
from ...files import remove_stale_temporaries, saved_files
from ...i18n import tr
from .. import charts
from ..mvc import App, Model, bind, checked_number, follow
from ..scoring import PRESETS, ScoringModel
from ..state import AppState
from ..widgets.chart import ChartView
from ..widgets.data_picker import DataPicker
from ..widgets.export import ExportBar, ExportFolder
from ..widgets.meeting import MeetingButton
from ..widgets.html import StatusLine, download_link, esc, style
from ..widgets.table import DataTable
from .ahp import AhpEditor
from .common import Opened, data_section, open_app
from .controls import export_table, output_context
from .overview import RankingView
from ..widgets.header import Header

__all__ = ["WeightPanel", "AhpEditor", "SchemeStore", "ProfileView", "RobustnessModel", "RobustnessView",
           "WeightExplorer", "build_weight_explorer"]

#: Preset choices of the dropdown; "ahp" is set by the AHP editor, "custom" by any slider move.
_PRESET_CHOICES = PRESETS + ("ahp",)


# ----------------------------------------------------------------------------- sliders

class WeightPanel:
    """A slider per dimension and, expanded, per indicator; locks; auto-balance or renormalize; presets."""

    def __init__(self, state: AppState, scoring: ScoringModel):
        self.state, self.scoring = state, scoring
        fw = scoring.framework
        self.sliders: dict[str, w.IntSlider] = {}
        self.locks: dict[str, w.ToggleButton] = {}
        self.labels: dict[str, w.HTML] = {}
        self.bindings = {}
        for key in fw.dimension_ids + fw.indicator_ids:
            slider = w.IntSlider(min=0, max=100, step=1, value=scoring.shown_percent(key), continuous_update=True,
                                 readout=True, style={"description_width": "0px"},
                                 layout=w.Layout(width="auto", flex="1 1 auto", min_width="120px"))
            lock = w.ToggleButton(value=False, icon="lock", layout=w.Layout(width="40px", min_width="40px"))
            self.sliders[key], self.locks[key] = slider, lock
            self.labels[key] = w.HTML(layout=w.Layout(width="190px", min_width="150px", flex="0 0 auto"))
            self.bindings[key] = bind(slider, "value", scoring, "scheme",
                                      render=lambda k=key: scoring.shown_percent(k),
                                      accept=lambda v, k=key: scoring.set_weight(k, checked_number(v, low=0,
                                                                                                  high=100)))
            bind(lock, "value", scoring, "locked", render=lambda k=key: k in scoring.locked,
                 accept=lambda v, k=key: scoring.toggle_lock(k, bool(v)))
            bind(slider, "disabled", scoring, "locked", render=lambda k=key: k in scoring.locked)
        self.auto = w.Checkbox(value=scoring.auto_balance, indent=False, layout=w.Layout(width="auto"))
        bind(self.auto, "value", scoring, "auto_balance", render=lambda: scoring.auto_balance,
             accept=lambda v: setattr(scoring, "auto_balance", bool(v)))
        self.renormalize = w.Button(icon="balance-scale", layout=w.Layout(width="auto"))
        self.renormalize.on_click(lambda _: scoring.renormalize())
        self.preset = w.Dropdown(options=self._preset_options(state.lang), layout=w.Layout(width="230px"))
        self.preset_label = w.HTML()
        self._preset = bind(self.preset, "value", scoring, ["preset", "scheme"], render=self._shown_preset,
                            accept=self._choose_preset)
        self.dim_sum = w.HTML()
        self.heading = w.HTML()
        self.ind_heading = w.HTML()
        rows = [self._row(d) for d in fw.dimension_ids]
        self.sums: dict[str, w.HTML] = {d: w.HTML() for d in fw.dimension_ids}
        self.accordion = w.Accordion(children=[
            w.VBox([self._row(i.id) for i in dim.indicators] + [self.sums[dim.id]]) for dim in fw.dimensions])
        self.accordion.selected_index = None
        follow(scoring, "scheme", self._sums)
        follow(state, "lang", self.render)
        self.widget = w.VBox([
            self.heading,
            w.HBox([self.preset_label, self.preset, self.auto, self.renormalize],
                   layout=w.Layout(align_items="center", flex_flow="row wrap", grid_gap="8px")),
            *rows, self.dim_sum, self.ind_heading, self.accordion])
        self.widget.add_class("wb-panel")
        self.widget.add_class("wb-weight-panel")

    def _row(self, key: str) -> w.HBox:
        return w.HBox([self.labels[key], self.sliders[key], self.locks[key]],
                      layout=w.Layout(align_items="center", width="100%"))

    @staticmethod
    def _preset_options(lang: str) -> list[tuple[str, str]]:
        return [(tr(f"preset_{p}", lang), p) for p in _PRESET_CHOICES] + [(tr("preset_custom", lang), "custom")]

    def _preset_values(self) -> list[str]:
        return list(_PRESET_CHOICES) + ["custom"]

    def _shown_preset(self) -> str:
        preset = self.scoring.preset
        return preset if preset in self._preset_values() else "custom"

    def _choose_preset(self, value) -> None:
        if value in PRESETS:
            self.scoring.apply_preset(value)
        # "ahp" comes from the AHP editor and "custom" from the sliders: choosing them changes nothing

    def _sums(self) -> None:
        lang = self.state.lang
        fw = self.scoring.framework

        def fmt(total: float) -> str:
            css = "wb-note" if abs(total - 100) < 0.05 else "wb-sum-bad"
            return f"<span class='{css}'>{esc(tr('weights_sum', lang, total=total))}</span>"

        self.dim_sum.value = fmt(self.scoring.group_total(fw.dimension_ids[0]))
        for dim in fw.dimensions:
            self.sums[dim.id].value = fmt(self.scoring.group_total(dim.indicators[0].id))
        if fw.points_based:
            self._labels()   # the points a slider stands for move with the weights

    def _labels(self) -> None:
        """Each slider's label; on a rule sheet with the points of the dimension or item (weights x total)."""
        lang = self.state.lang
        fw = self.scoring.framework
        points = {}
        if fw.points_based:
            scheme = self.scoring.scheme
            dims = scheme.dimension_weights * fw.total_points
            points = {**dims.to_dict(), **(scheme.effective_weights * fw.total_points).to_dict()}
        for key, label in self.labels.items():
            text = fw.label(key, lang)
            shown = esc(text)
            if key in points:
                shown += f" <span class='wb-note'>· {esc(tr('points_value', lang, points=round(points[key], 1)))}</span>"
            label.value = f"<span class='wb-weight-label' title='{esc(text)}'>{shown}</span>"

    def render(self) -> None:
        lang = self.state.lang
        fw = self.scoring.framework
        self.heading.value = f"<b>{esc(tr('dimension_weights', lang))}</b>"
        self.ind_heading.value = f"<b>{esc(tr('indicator_weights', lang))}</b>"
        self._labels()
        for key in self.labels:
            self.locks[key].tooltip = tr("lock", lang)
        for k, dim in enumerate(fw.dimensions):
            self.accordion.set_title(k, dim.label(lang))
        self.auto.description = tr("auto_balance", lang)
        self.renormalize.description = tr("renormalize", lang)
        self.preset_label.value = f"<b>{esc(tr('preset', lang))}</b>&nbsp;"
        with self._preset.quietly():
            self.preset.options = self._preset_options(lang)
        self._preset.refresh()
        self._sums()


# ------------------------------------------------------------------------------ schemes

class SchemeStore:
    """Save the weighting under a name with a note; list, load, download and upload schemes.

    Schemes live per data set and per user (``folder``); the file is the scheme's
    YAML (exact weights, methods, note and where the weights came from).
    """

    def __init__(self, state: AppState, scoring: ScoringModel, folder):
        self.state, self.scoring = state, scoring
        self._folder = folder  # a Path, or a function of the data set
        self.name = w.Text(layout=w.Layout(width="220px"))
        self.note = w.Textarea(layout=w.Layout(width="100%", height="60px"))
        self.save = w.Button(icon="save", layout=w.Layout(width="auto"))
        self.saved = w.Dropdown(layout=w.Layout(width="260px"))
        self.load = w.Button(icon="folder-open", layout=w.Layout(width="auto"))
        self.download = w.HTML()
        self.upload = w.FileUpload(accept=".yaml,.yml", multiple=False)
        self.status = StatusLine(state)
        self.save.on_click(lambda _: self.save_scheme())
        self.load.on_click(lambda _: self.load_scheme())
        self.upload.observe(lambda _: self.upload_scheme() if self.upload.value else None, names="value")
        follow(state, ["lang", "revision"], self.render)
        self.widget = w.VBox([w.HBox([self.name, self.save], layout=w.Layout(align_items="center")), self.note,
                              w.HBox([self.saved, self.load, self.download],
                                     layout=w.Layout(align_items="center", flex_flow="row wrap")),
                              self.upload, self.status.widget])
        self.widget.add_class("wb-panel")

    @property
    def folder(self) -> Path:
        return Path(self._folder(self.state.data) if callable(self._folder) else self._folder)

    def files(self) -> list[Path]:
        """Saved schemes (a write in progress, a dot-file, is never listed)."""
        folder = self.folder
        remove_stale_temporaries(folder)  # left by a save that was killed
        return saved_files(folder, ".yaml")

    def save_scheme(self) -> Path:
        name = self.name.value.strip() or "scheme"
        safe = "".join(c for c in name if c.isalnum() or c in "-_ ").strip() or "scheme"
        scheme = self.scoring.scheme.with_origin(name=name, note=self.note.value)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = scheme.to_yaml(self.folder / f"{safe}.yaml")
        os.chmod(path, 0o600)
        self.scoring.use_scheme(scheme)
        self.status.set("saved_scheme", ok=True, name=name)
        self.render()
        self.saved.value = str(path)
        self._download(path)
        return path

    def load_scheme(self, path: str | Path | None = None) -> Scheme | None:
        path = path or self.saved.value
        if not path:
            self.status.set("choose_scheme", ok=False)
            return None
        try:
            scheme = Scheme.from_yaml(path, self.scoring.framework)
            self.scoring.use_scheme(scheme)
        except (FrameworkError, ValueError) as err:
            self.status.set("scheme_refused", ok=False, message=str(err))
            return None
        self.name.value = scheme.name
        self.note.value = scheme.note
        self.status.set("loaded_scheme", ok=True, name=scheme.name)
        self._download(Path(path))
        return scheme

    def upload_scheme(self) -> Scheme | None:
        item = self.upload.value[0]
        content = bytes(item["content"])
        if len(content) > 1_000_000:
            self.status.set("scheme_refused", ok=False, message=f"{len(content)} bytes")
            return None
        name = Path(item["name"]).name
        safe = "".join(c for c in Path(name).stem if c.isalnum() or c in "-_ ").strip() or "uploaded"
        self.folder.mkdir(parents=True, exist_ok=True)
        staging = self.folder / f".upload-{safe}.yaml"
        staging.write_bytes(content)
        try:
            Scheme.from_yaml(staging, self.scoring.framework)  # refuse a bad file before it is listed
        except (FrameworkError, ValueError) as err:
            staging.unlink(missing_ok=True)
            self.status.set("scheme_refused", ok=False, message=str(err))
            return None
        path = self.folder / f"{safe}.yaml"
        os.replace(staging, path)
        self.render()
        self.saved.value = str(path)
        return self.load_scheme(path)

    def _download(self, path: Path) -> None:
        self.download.value = download_link(path, tr("download", self.state.lang, name=path.name))

    def render(self) -> None:
        lang = self.state.lang
        self.name.placeholder = tr("scheme_name", lang)
        self.note.placeholder = tr("scheme_note", lang)
        self.save.description = tr("save_scheme", lang)
        self.load.description = tr("load_scheme", lang)
        self.upload.description = tr("upload_scheme", lang)
        files = self.files()
        current = self.saved.value
        options = [(p.stem, str(p)) for p in files]
        self.saved.options = [(tr("choose_saved_scheme", lang) if options else tr("no_saved_schemes", lang), "")] + options
        self.saved.value = current if current in [str(p) for p in files] else ""


# ------------------------------------------------------------------------------ profile

class ProfileView:
    """One branch: radar of dimension scores against the county mean, and what raises or lowers it.

    Two charts side by side that wrap one under the other on a narrow screen,
    under a heading with the branch's total, rank and grade.
    """

    def __init__(self, state: AppState, scoring: ScoringModel):
        self.state, self.scoring = state, scoring
        self.branch = w.Dropdown(layout=w.Layout(width="100%", max_width="520px"))
        self.label = w.HTML()
        self.heading = w.HTML()
        self.chosen = _Choice()
        self._bound = bind(self.branch, "value", self.chosen, "branch", render=lambda: self.chosen.branch or None,
                           accept=self._choose)
        inputs = [(scoring, "revision"), (self.chosen, "branch")]
        self.radar = ChartView(state, self._radar, inputs=inputs, name="profile")
        self.bars = ChartView(state, self._bars, inputs=inputs, name="contributions")
        follow(scoring, "revision", self._options)
        follow(state, "lang", self._labels)
        for model, names in inputs:
            model.observe(lambda _: self._heading(), names=names)
        self.widget = w.VBox([
            w.HBox([self.label, self.branch], layout=w.Layout(align_items="center")), self.heading,
            w.HBox([w.Box([self.radar.widget], layout=w.Layout(flex="1 1 420px", min_width="0")),
                    w.Box([self.bars.widget], layout=w.Layout(flex="1 1 420px", min_width="0"))],
                   layout=w.Layout(flex_flow="row wrap", width="100%", grid_gap="8px"))])
        self.widget.add_class("wb-profile")
        self.radar.render()
        self.bars.render()

    @property
    def chart(self) -> ChartView:
        """The chart exported as "profile": the radar."""
        return self.radar

    def _choose(self, value) -> None:
        result = self.scoring.result
        if result is not None and value in result.total.index:
            self.chosen.branch = value

    def _options(self) -> None:
        """Branches in rank order, each with its current rank (re-labelled on every new result)."""
        result = self.scoring.result
        if result is None:
            return
        order = result.frame().index
        names = self.state.names
        options = [(f"{int(result.rank[b]) if pd.notna(result.rank[b]) else '-'}. {names.get(b, b)} ({b})", b)
                   for b in order]
        if list(self.branch.options) != options:
            with self._bound.quietly():
                self.branch.options = options
        if self.chosen.branch not in result.total.index:
            self.chosen.branch = order[0]
        self._bound.refresh()

    def _labels(self) -> None:
        self.label.value = f"<b>{esc(tr('select_branch', self.state.lang))}</b>&nbsp;"
        self._heading()

    def _heading(self) -> None:
        b, r, lang = self.chosen.branch, self.scoring.result, self.state.lang
        if not b or r is None or b not in r.total.index:
            self.heading.value = ""
            return
        grade = r.framework.label(str(r.grade[b]), lang) if pd.notna(r.grade[b]) else "–"
        rank = int(r.rank[b]) if pd.notna(r.rank[b]) else "–"
        text = tr("profile_heading", lang, name=self.state.names.get(b, b), total=r.total[b], rank=rank,
                  n=int(r.rank.notna().sum()), grade=grade)
        self.heading.value = f"<div class='wb-subsection'>{esc(text)}</div>"

    def _radar(self, lang, theme):
        b, r = self.chosen.branch, self.scoring.result
        if not b or r is None or b not in r.total.index:
            return None
        return charts.branch_profile(r, b, lang=lang, theme=theme, names=self.state.names,
                                     title=tr("profile", lang))

    def _bars(self, lang, theme):
        b, r = self.chosen.branch, self.scoring.result
        if not b or r is None or b not in r.total.index:
            return None
        return charts.contributions(r, b, lang=lang, theme=theme)


class _Choice(Model):
    branch = t.Unicode("")


# --------------------------------------------------------------------------- robustness

class RobustnessModel(Model):
    """Monte Carlo rank intervals of the current weighting (on request: it takes a moment)."""

    result = t.Any(None)

    def __init__(self, state: AppState, scoring: ScoringModel, *, n: int = 300, seed: int = 0):
        super().__init__()
        self.state, self.scoring, self.n, self.seed = state, scoring, n, seed
        scoring.observe(self._stale, names="revision")

    def compute(self):
        self.result = monte_carlo(self.scoring.scheme, self.scoring.table, n=self.n, seed=self.seed,
                                  groups=self.state.townships, progress=False)
        return self.result

    def filters(self, lang: str) -> dict[str, object]:
        """What the intervals were drawn for: the scheme, the number of random draws and the seed.

        >>> from workbench.views.state import AppState
        >>> state = AppState.from_source("sample_data", lang="en")
        >>> RobustnessModel(state, ScoringModel(state), n=40).filters("en")
        {'about_scheme': 'default', 'about_draws': 40, 'about_seed': 0}
        """
        return {"about_scheme": self.scoring.scheme.name, "about_draws": self.n, "about_seed": self.seed}

    def _stale(self, _change=None) -> None:
        if self.result is not None and self.result.scheme is not self.scoring.scheme:
            self.result = None

    def decided(self, lang: str) -> pd.DataFrame:
        """The branches whose grade depends on the weighting, with their rank interval."""
        s = self.result.summary
        rows = s[s["decided_by_weighting"]].copy()
        fw = self.scoring.framework
        out = pd.DataFrame({
            "branch_id": rows.index,
            "name": self.state.names.reindex(rows.index).to_numpy(),
            "township": self.state.townships.reindex(rows.index).to_numpy(),
            "grade": [fw.label(str(g), lang) for g in rows["grade"]],
            "p_grade": rows["p_grade"].round(3).to_numpy(),
            "rank": rows["rank"].to_numpy(),
            "rank_p5": rows["rank_p5"].to_numpy(),
            "rank_median": rows["rank_median"].to_numpy(),
            "rank_p95": rows["rank_p95"].to_numpy(),
        })
        return out.sort_values("p_grade", kind="stable").reset_index(drop=True)


class RobustnessView:
    """The run button, the summary, the intervals and the list of branches decided by the weighting."""

    COLUMNS = ("branch_id", "name", "township", "grade", "p_grade", "rank", "rank_p5", "rank_median", "rank_p95")

    def __init__(self, state: AppState, model: RobustnessModel, exports: ExportFolder):
        self.state, self.model = state, model
        self.run = w.Button(button_style="warning", icon="random", layout=w.Layout(width="auto"))
        self.run.on_click(lambda _: model.compute())
        self.summary = w.HTML()
        self.chart = ChartView(state, self._figure, inputs=[(model, "result")], name="intervals")
        self.table = DataTable(state, page_size=10, what="about_what_robustness", describe=model.filters,
                               context=lambda: output_context(state, model.scoring.scheme),
                               export=lambda frame, about: export_table(exports, "robustness", frame, about))
        follow(model, "result", self._show)
        follow(state, "lang", self.render)
        self.widget = w.VBox([w.HBox([self.run, self.summary], layout=w.Layout(align_items="center")),
                              self.chart.widget, self.table.widget])
        self.widget.add_class("wb-robustness")

    def _figure(self, lang, theme):
        if self.model.result is None:
            return None
        s = self.model.result.summary
        intervals = pd.DataFrame({"nominal_rank": s["rank"], "p5": s["rank_p5"], "p50": s["rank_median"],
                                  "p95": s["rank_p95"]})
        return charts.rank_intervals(intervals, lang=lang, theme=theme, names=self.state.names)

    def _show(self) -> None:
        shown = self.model.result is not None
        self.chart.show_when(shown)
        self.table.widget.layout.display = None if shown else "none"
        self.render()

    def render(self) -> None:
        lang = self.state.lang
        self.run.description = tr("run_robustness", lang, n=self.model.n)
        if self.model.result is None:
            self.summary.value = ""
            return
        decided = self.model.decided(lang)
        self.summary.value = f"&nbsp;&nbsp;<b>{esc(tr('robustness_summary', lang, decided=len(decided)))}</b>"
        labels = {c: tr(f"col_{c}", lang) for c in self.COLUMNS}
        self.table.show(decided, labels, sort_by=self.table.model.sort_by or "p_grade",
                        descending=self.table.model.descending)


# ---------------------------------------------------------------------------------- app

class WeightExplorer(App):
    """The weight explorer: ``models`` scoring and robustness; ``views`` every panel."""

    name = "weights"

    def __init__(self, opened: Opened, *, schemes_folder=None):
        state = opened.state
        super().__init__(state)
        scoring = ScoringModel(state)
        robustness = RobustnessModel(state, scoring)
        folder = schemes_folder if schemes_folder is not None else (
            opened.store.schemes_folder if opened.store is not None else Path(opened.exports.folder) / "schemes")
        header = Header(state, "weights_title")
        picker = DataPicker(state, data_root=opened.data_root, exports=opened.exports)
        panel = WeightPanel(state, scoring)
        ahp = AhpEditor(state, scoring, exports=opened.exports)
        store = SchemeStore(state, scoring, folder)
        tools = w.Accordion(children=[ahp.widget, store.widget])
        tools.selected_index = None

        def tool_titles():
            tools.set_title(0, tr("ahp_editor", state.lang))
            tools.set_title(1, f"{tr('save_scheme', state.lang)} / {tr('load_scheme', state.lang)}")
        follow(state, "lang", tool_titles)
        ranking = RankingView(state, scoring)
        grades = ChartView(state, lambda lang, theme: scoring.result and charts.grade_distribution(
            scoring.result, lang=lang, theme=theme, baseline=scoring.baseline, height=360),
            inputs=[(scoring, "revision")], name="grades")
        grades.render()
        profile = ProfileView(state, scoring)
        # the branch card's one-click feedback report (支部考评反馈单) of the branch shown
        report = MeetingButton(state, scoring, opened.exports, kind="report", branch=lambda: profile.chosen.branch)
        profile.widget.children = (*profile.widget.children, report.widget)
        robust = RobustnessView(state, robustness, opened.exports)
        export = ExportBar(state, scoring, {"ranking": ranking.chart, "grades": grades, "profile": profile.chart,
                                            "intervals": robust.chart}, opened.exports)
        left = w.VBox([panel.widget, tools], layout=w.Layout(flex="1 1 460px", min_width="0", max_width="660px"))
        right = w.VBox([ranking.widget, grades.widget], layout=w.Layout(flex="1 1 400px", min_width="0"))
        self.models = {"scoring": scoring, "robustness": robustness}
        self.views = {"header": header, "picker": picker, "panel": panel, "ahp": ahp, "store": store,
                      "ranking": ranking, "grades": grades, "profile": profile, "robustness": robust,
                      "export": export, "report": report}
        self.widget = w.VBox([style(), header.widget, data_section(state, picker),
                              w.HBox([left, right], layout=w.Layout(flex_flow="row wrap", align_items="flex-start",
                                                                   grid_gap="12px", width="100%")),
                              profile.widget, robust.widget, export.widget],
                             layout=w.Layout(width="100%"))
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-app-weights")

    @property
    def scoring(self) -> ScoringModel:
        return self.models["scoring"]


def build_weight_explorer(data=None, *, lang: str | None = None, theme: str | None = None,
                          period: int | None = None, schemes_folder=None, state_dir=None, data_root=None,
                          framework=None) -> App:
    """Weight explorer: sliders, presets and AHP on the left; live rankings and grades on the right.

    ``framework``: the assessment to explore (a Framework; default the server's
    ``--framework``, else the built-in one). On a county rule sheet the item
    points are the weights: a slider's label shows the points it stands for.

    >>> fw = Framework.from_rule_sheet("sample_data/评分细则.xlsx")
    >>> app = build_weight_explorer("sample_data", lang="zh", framework=fw)
    >>> app.views["panel"].labels["team"].value.count("20 分")
    1
    """
    return open_app(lambda opened: WeightExplorer(opened, schemes_folder=schemes_folder), data, lang=lang,
                    theme=theme, period=period, state_dir=state_dir, data_root=data_root, title_key="weights_title",
                    framework=framework)
