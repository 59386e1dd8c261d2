"""The steps of the scenario with their reasons; undo, the suggested scenario, clearing, saving and loading.

Loading the suggested scenario, clearing it and loading a file replace the
steps; each is taken back by "undo" like a step (the status says how many
steps were replaced, the undo button's hover says what it takes back).

>>> from workbench.views.state import AppState
>>> from workbench.views.apps.settings.scenario import ScenarioModel
>>> state = AppState.from_source("sample_data", lang="en")
>>> steps = StepsPanel(state, ScenarioModel(state, folder="/nonexistent"))
>>> steps.undo.disabled, steps.undo.description
(True, 'Undo last step')
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w
import traitlets as t

from ....i18n import tr
from ...mvc import Model, bind, follow
from ...state import AppState
from ...widgets.html import download_link, esc
from ..controls import Choice
from .scenario import ScenarioModel

__all__ = ["StepsPanel", "FilesModel"]


class FilesModel(Model):
    """The name a scenario is saved under and the saved file chosen to load."""

    name = t.Unicode("")
    chosen = t.Unicode("", allow_none=True)
    saved_path = t.Unicode("")


class StepsPanel:
    """The steps (with their reasons), undo, the suggested scenario, clear, save and load."""

    def __init__(self, state: AppState, model: ScenarioModel):
        self.state, self.model = state, model
        self.files = files = FilesModel()
        self.title = w.HTML()
        self.steps = w.HTML()
        self.undo = w.Button(icon="undo", layout=w.Layout(width="auto"))
        self.suggest = w.Button(button_style="info", icon="magic", layout=w.Layout(width="auto"))
        self.reset = w.Button(icon="trash", layout=w.Layout(width="auto"))
        self.name = w.Text(layout=w.Layout(flex="1 1 140px", min_width="0", max_width="240px"))
        self.save = w.Button(icon="save", layout=w.Layout(width="auto"))
        self.saved = w.Dropdown(layout=w.Layout(flex="1 1 140px", min_width="0", max_width="240px"))
        self.load = w.Button(icon="folder-open", layout=w.Layout(width="auto"))
        self.upload = w.FileUpload(accept=".yaml,.yml", multiple=False, layout=w.Layout(width="auto"))
        self.link = w.HTML()
        self.undo.on_click(lambda _: model.undo())
        self.suggest.on_click(lambda _: model.suggest())
        self.reset.on_click(lambda _: model.reset())
        self.save.on_click(lambda _: self.save_scenario())
        self.load.on_click(lambda _: model.load(files.chosen))
        self.upload.observe(lambda _: self.load_upload(), names="value")
        bind(self.name, "value", files, "name", render=lambda: files.name,
             accept=lambda v: setattr(files, "name", str(v)[:80]))
        self.choice = Choice(state, self.saved, files, "chosen", self._saved_options,
                             refresh_on=[(files, "saved_path"), (model, "revision")])
        follow(model, ["revision", "undoable"], self.render)
        follow(files, "saved_path", self._link)
        state.observe(lambda _: (self.render(), self._link()), names="lang")
        self.widget = w.VBox([
            self.title,
            w.HBox([self.undo, self.suggest, self.reset], layout=w.Layout(flex_flow="row wrap", grid_gap="6px")),
            self.steps,
            w.HBox([self.name, self.save], layout=w.Layout(align_items="center", grid_gap="6px",
                                                            flex_flow="row wrap")),
            w.HBox([self.saved, self.load, self.upload], layout=w.Layout(align_items="center", grid_gap="6px",
                                                                          flex_flow="row wrap")),
            self.link], layout=w.Layout(width="100%"))
        self.widget.add_class("wb-panel")

    def _saved_options(self, lang: str) -> list[tuple[str, str]]:
        files = [(p.stem, str(p)) for p in self.model.saved()]
        return files or [(tr("no_saved_scenarios", lang), "")]

    def save_scenario(self) -> Path | None:
        path = self.model.save(self.files.name)
        if path is not None:
            self.files.saved_path = str(path)
            self.choice.refresh()
            self.files.chosen = str(path)
        return path

    def load_upload(self) -> bool:
        files = list(self.upload.value)
        if not files:
            return False
        f = files[-1]
        return self.model.load_text(bytes(f["content"]), name=Path(f["name"]).name)

    def _link(self) -> None:
        path = Path(self.files.saved_path) if self.files.saved_path else None
        self.link.value = (download_link(path, tr("download", self.state.lang, name=path.name), "application/x-yaml")
                           if path is not None and path.is_file() else "")

    def render(self) -> None:
        lang = self.state.lang
        s = self.model.scenario
        self.title.value = f"<div class='wb-subsection'>{esc(tr('steps_title', lang))} ({len(s)})</div>"
        if not len(s):
            self.steps.value = f"<div class='wb-note'>{esc(tr('steps_empty', lang))}</div>"
        else:
            summary = s.summary()
            text, why = ("description_zh", "reason_zh") if lang == "zh" else ("description_en", "reason_en")
            items = []
            for row in summary.itertuples(index=False):
                reason = getattr(row, why)
                extra = f"<div class='wb-why'>{esc(tr('why', lang))}: {esc(reason)}</div>" if reason else ""
                items.append(f"<li>{esc(getattr(row, text))}{extra}</li>")
            self.steps.value = (f"<div class='wb-scroll' style='max-height:380px'>"
                                f"<ol class='wb-steps'>{''.join(items)}</ol></div>")
        undoable = self.model.undoable
        self.undo.description = tr("undo", lang)
        self.undo.disabled = not undoable
        self.undo.tooltip = tr("undo_what", lang, what=tr(undoable, lang)) if undoable else ""
        self.suggest.description = tr("suggest", lang)
        self.reset.description = tr("reset_scenario", lang)
        self.reset.disabled = not len(s)
        self.name.placeholder = tr("scenario_name", lang)
        self.save.description = tr("save_scenario", lang)
        self.load.description = tr("load_scenario", lang)
        self.upload.description = tr("upload_scenario", lang)
