"""What every dashboard shares: opening its state, the data section, section headings, and the page
a dashboard shows when its data cannot be loaded.

A dashboard never shows a traceback: when the server's data (or the data set
last uploaded) does not load, :func:`open_app` returns a :class:`DataProblemApp`
that lists the problems in the page's language and offers an upload; once a
good data set is uploaded, the dashboard itself takes the problem page's place.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

import ipywidgets as w
import traitlets as t

from ...data import BranchData, DataError, load, load_files
from ...i18n import tr
from ..environment import dashboard_settings
from ..mvc import App, Model, follow
from ..state import AppState, DataStore
from ..widgets.data_picker import DataPicker, ProblemsPanel
from ..widgets.export import ExportFolder
from ..widgets.html import StatusLine, esc, section_title, style
from ..widgets.table import DataTable

__all__ = ["open_app", "data_section", "section", "DataProblemApp", "Opened"]


class Opened:
    """What a dashboard starts from: the state, the user's store and folders."""

    def __init__(self, state: AppState, *, store: DataStore | None, data_root: Path | None, exports: ExportFolder):
        self.state, self.store, self.data_root, self.exports = state, store, data_root, exports


def _open_state(data, *, lang, theme, period, state_dir) -> tuple[AppState | None, DataError | None, dict]:
    """Load the data a dashboard shows: given data, else the user's last upload, else the server's."""
    settings = dashboard_settings()
    lang = lang or settings.lang
    theme = theme or settings.theme
    served = data is None
    store_root = Path(state_dir) if state_dir is not None else (settings.state_dir if served else None)
    store = DataStore(store_root, user=settings.user) if store_root is not None else None
    context = {"lang": lang, "theme": theme, "store": store, "settings": settings}
    if isinstance(data, BranchData):
        return AppState(data, lang=lang, theme=theme, period=period, source=data.source, store=store), None, context
    stored = store.current() if (store is not None and served) else None
    if stored is not None:
        try:
            loaded = stored.load()
            return AppState(loaded, lang=lang, theme=theme, period=period, source=stored.source, store=store,
                            loaded_by=stored.loaded_by, loaded_at=stored.loaded_at), None, context
        except DataError:
            store.forget()  # the stored set no longer loads (e.g. stricter rules): back to the server's data
    path = data if data is not None else settings.data_path
    try:
        loaded = load(path, lang=lang)
    except DataError as err:
        context["source"] = str(path)
        return None, err, context
    return AppState(loaded, lang=lang, theme=theme, period=period, source=str(path), store=store), None, context


def open_app(build: Callable[[Opened], App], data=None, *, lang=None, theme=None, period=None,
             state_dir=None, data_root=None, title_key: str = "") -> App:
    """Open a dashboard: its state from the data, then ``build(opened)``; a problem page on bad data."""
    state, error, context = _open_state(data, lang=lang, theme=theme, period=period, state_dir=state_dir)
    settings = context["settings"]
    store = context["store"]
    exports_root = (store.root / "users" / store.folder.name / "exports") if store is not None else \
        Path(tempfile.gettempdir()) / "workbench-exports"
    exports = ExportFolder(exports_root)
    root = Path(data_root) if data_root is not None else _default_root(settings.data_path)
    if state is None:
        def rebuild(new_state: AppState) -> App:
            return build(Opened(new_state, store=store, data_root=root, exports=exports))
        return DataProblemApp(error, source=context["source"], lang=context["lang"], theme=context["theme"],
                              store=store, rebuild=rebuild, title_key=title_key, exports=exports)
    return build(Opened(state, store=store, data_root=root, exports=exports))


def _default_root(data_path: Path) -> Path:
    """The operator's data folder: the server's data folder, or the folder of its workbook."""
    return data_path if data_path.is_dir() else data_path.parent


def data_section(state: AppState, picker: DataPicker) -> w.Accordion:
    """The data picker, folded away under a heading that follows the language."""
    section_box = w.Accordion(children=[picker.widget])
    section_box.selected_index = None
    follow(state, "lang", lambda: section_box.set_title(0, tr("data", state.lang)))
    return section_box


def section(state: AppState, key: str) -> w.HTML:
    """A section heading that follows the language."""
    heading = w.HTML()
    follow(state, "lang", lambda: setattr(heading, "value", section_title(tr(key, state.lang))))
    return heading


class PageState(Model):
    """The language and theme of a page that has no data yet."""

    lang = t.Unicode("zh")
    theme = t.Unicode("light")


class DataProblemApp(App):
    """The page a dashboard shows when its data does not load: the problems, and an upload."""

    name = "data-problems"

    def __init__(self, error: DataError, *, source: str, lang: str, theme: str, store: DataStore | None,
                 rebuild: Callable[[AppState], App], title_key: str, exports: ExportFolder):
        page = PageState(lang=lang, theme=theme)
        super().__init__(page)
        self.source, self.store, self.rebuild, self.title_key = source, store, rebuild, title_key
        self.error = error
        self.heading = w.HTML()
        self.language = w.ToggleButtons(options=[("中文", "zh"), ("English", "en")], value=lang,
                                        style={"button_width": "90px"})
        w.link((self.language, "value"), (page, "lang"))
        self.panel = ProblemsPanel(page, exports)
        self.upload = w.FileUpload(accept=".csv,.xlsx,.xlsm,.txt", multiple=True)
        self.status = StatusLine(page)
        self.upload.observe(lambda _: self.try_upload() if self.upload.value else None, names="value")
        follow(page, "lang", self.render)
        self.panel.show(error)
        self.views = {"problems": self.panel, "status": self.status}
        self.widget = w.VBox([style(), self.heading, self.language, self.upload, self.status.widget,
                              self.panel.widget])
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-app-data-problems")
        self.app: App | None = None

    @property
    def table(self) -> DataTable:
        return self.panel.table

    def render(self) -> None:
        lang = self.state.lang
        title = tr(self.title_key, lang) if self.title_key else ""
        n = len(self.error.problems)
        self.heading.value = (f"<div class='wb-status wb-bad'><b>{esc(tr('data_refused', lang, source=Path(self.source).name, n=n))}</b>"
                              f"<br>{esc(tr('data_refused_hint', lang, title=title))}</div>")
        self.upload.description = tr("upload", lang)

    def try_upload(self) -> bool:
        """Load the uploaded files; when they load, the dashboard replaces this page."""
        files = {f["name"]: bytes(f["content"]) for f in self.upload.value}
        source = ", ".join(sorted(files))
        try:
            data = load_files(files, source=source, lang=self.state.lang)
        except DataError as err:
            self.error = err
            self.panel.show(err)
            self.status.set("load_failed", ok=False, n=len(err.problems))
            self.render()
            return False
        loaded_by = loaded_at = ""
        if self.store is not None:
            record = self.store.save(files, source=source)
            loaded_by, loaded_at = record.loaded_by, record.loaded_at
        state = AppState(data, lang=self.state.lang, theme=self.state.theme, source=source, store=self.store,
                         loaded_by=loaded_by, loaded_at=loaded_at)
        self.app = self.rebuild(state)
        self.widget.children = [self.app.widget]
        self.views, self.models, self.state = self.app.views, self.app.models, self.app.state
        return True


