"""What every dashboard shares: opening its state for its user, the data section, section headings,
and the page a dashboard shows when its data cannot be loaded.

:func:`open_app` opens every dashboard the same way: it asks who the page's
user is (:func:`~workbench.views.environment.kernel_identity`, which the server
decides, never the page), opens that user's store, exports and state (a
township user's state holds only their township; a presenter's refuses uploads
and saves, and their upload and save controls are disabled), writes the
opening in the audit log, then calls the dashboard's ``build``.

A dashboard never shows a traceback: when the server's data (or the data set
last uploaded) does not load, :func:`open_app` returns a :class:`DataProblemApp`
that lists the problems in the page's language and offers an upload; once a
good data set is uploaded, the dashboard itself takes the problem page's place.

A kernel the server runs ahead of time (its pool of pre-run kernels) does not
know its user yet: :func:`open_app` then builds the dashboard on the server's
data for nobody in particular, inside a :class:`ServedApp`, and makes it the
user's when the server hands the kernel to a page (before the page sees any
of it): a county or presenter user gets the dashboard as built (with their own
upload, if they have one), a township user a dashboard rebuilt on their
township's data, the first one closed.
"""

from __future__ import annotations

import gc
import os
import tempfile
from pathlib import Path
from typing import Callable

import ipywidgets as w
import traitlets as t
from ipywidgets.widgets.widget import _instances

from ...assess.framework import Framework
from ...data import BranchData, DataError, load, load_files
from ...i18n import tr
from ..environment import ENV_KERNEL_ID, Identity, dashboard_settings, kernel_identity, when_identified
from ..mvc import App, Model, follow
from ..state import AppState, DataStore, KernelHome
from ..widgets.data_picker import DataPicker, ProblemsPanel
from ..widgets.export import ExportFolder
from ..widgets.present import PresentationBar
from ..widgets.html import StatusLine, esc, section_title, style
from ..widgets.table import DataTable

__all__ = ["open_app", "data_section", "section", "DataProblemApp", "Opened", "ServedApp", "with_presentation"]

ENV_SCENARIOS = "WORKBENCH_SCENARIOS"


class Opened:
    """What a dashboard starts from: the state, the user's store and folders."""

    def __init__(self, state: AppState, *, store: DataStore | None, data_root: Path | None, exports: ExportFolder):
        self.state, self.store, self.data_root, self.exports = state, store, data_root, exports


def _no_township(identity: Identity, source: str, lang: str) -> DataError:
    """The refusal of a data set with nothing of the user's township, as the problem page shows errors."""
    towns = ("、" if lang == "zh" else ", ").join(identity.townships)
    return DataError([{"file": Path(source).name if source else "", "key": "township_no_branches",
                       "params": {"townships": towns}}], lang=lang)


def _open_state(data, *, identity: Identity, lang, theme, period, state_dir, home=None, framework=None
                ) -> tuple[AppState | None, DataError | None, dict]:
    """Load the data a dashboard shows: given data, else the user's last upload, else the server's."""
    settings = dashboard_settings()
    lang = lang or settings.lang
    theme = theme or settings.theme
    served = data is None
    store_root = Path(state_dir) if state_dir is not None else (settings.state_dir if served else None)
    store = DataStore(store_root, user=identity.user, read_only=identity.read_only, home=home) \
        if store_root is not None else None
    context = {"lang": lang, "theme": theme, "store": store, "settings": settings, "source": ""}
    if framework is None and settings.framework_path is not None:
        try:
            framework = Framework.from_file(settings.framework_path, lang=lang)
        except DataError as err:          # a rule sheet with problems: its cells on the problem page
            context["source"] = str(settings.framework_path)
            context["framework_failed"] = True
            return None, err, context
    context["framework"] = framework
    common = {"lang": lang, "theme": theme, "period": period, "store": store, "identity": identity,
              "framework": framework}

    def state_of(loaded: BranchData, source: str, **extra) -> tuple[AppState | None, DataError | None, dict]:
        try:
            return AppState(loaded, source=source, **common, **extra), None, context
        except ValueError:  # nothing of this township in the data
            context["source"] = source
            return None, _no_township(identity, source, lang), context

    if isinstance(data, BranchData):
        return state_of(data, data.source)
    stored = store.current() if (store is not None and served) else None
    if stored is not None:
        try:
            loaded = stored.load()
            return state_of(loaded, stored.source, loaded_by=stored.loaded_by, loaded_at=stored.loaded_at)
        except DataError:
            store.forget()  # the stored set no longer loads (e.g. stricter rules): back to the server's data
    path = data if data is not None else settings.data_path
    try:
        loaded = load(path, lang=lang)
    except DataError as err:
        context["source"] = str(path)
        return None, err, context
    return state_of(loaded, str(path))


def open_app(build: Callable[[Opened], App], data=None, *, lang=None, theme=None, period=None,
             state_dir=None, data_root=None, title_key: str = "", framework=None) -> App:
    """Open a dashboard for its user: state, store and exports, then ``build(opened)``; a problem page on bad data.

    In a pre-run kernel of the server (no user yet) the dashboard comes in a
    :class:`ServedApp` that becomes the user's when the server names them.
    """
    options = {"lang": lang, "theme": theme, "period": period, "state_dir": state_dir, "data_root": data_root,
               "title_key": title_key, "framework": framework}
    identity = kernel_identity()
    if identity is None:
        return ServedApp(build, data, options)
    return _open(build, data, identity, **options)


def _open(build: Callable[[Opened], App], data, identity: Identity, *, lang=None, theme=None, period=None,
          state_dir=None, data_root=None, title_key: str = "", home=None, audit: bool = True,
          framework=None) -> App:
    before = set(_instances)
    state, error, context = _open_state(data, identity=identity, lang=lang, theme=theme, period=period,
                                        state_dir=state_dir, home=home, framework=framework)
    settings = context["settings"]
    store = context["store"]
    if store is not None:
        exports = ExportFolder(store.exports_folder())
        if os.environ.get(ENV_KERNEL_ID):  # a kernel of the server: the settings page saves scenarios here
            os.environ[ENV_SCENARIOS] = str(store.scenarios_folder())
    else:
        exports = ExportFolder(Path(tempfile.gettempdir()) / "workbench-exports")
    root = Path(data_root) if data_root is not None else _default_root(settings.data_path)
    if state is None:
        def rebuild(new_state: AppState) -> App:
            return build(Opened(new_state, store=store, data_root=root, exports=exports))
        app = DataProblemApp(error, source=context["source"], lang=context["lang"], theme=context["theme"],
                             store=store, rebuild=rebuild, title_key=title_key, exports=exports, identity=identity,
                             framework=context.get("framework"), framework_failed=context.get("framework_failed",
                                                                                              False))
    else:
        app = build(Opened(state, store=store, data_root=root, exports=exports))
        with_presentation(app)
        if audit and store is not None:
            store.audit.record("open", user=identity.user, dashboard=title_key or type(app).__name__,
                               source=state.source, branches=len(state.data.branches))
    if identity.read_only:
        _read_only_controls([_instances[k] for k in set(_instances) - before], context["lang"])
    return app


def with_presentation(app: App) -> App:
    """Give a dashboard its presentation mode (a button, ``?present=1``; :mod:`~workbench.views.widgets.present`).

    The bar goes first in the dashboard's box; its footer names the scheme of
    the dashboard's scoring model when it has one.
    """
    if "present" not in app.views:
        bar = PresentationBar(app.state, app.models.get("scoring"))
        app.views["present"] = bar
        app.widget.children = (bar.widget, *app.widget.children)
    return app


def _read_only_controls(widgets, lang: str) -> None:
    """Disable what would upload or save for a read-only user (the kernel refuses them anyway)."""
    for widget in widgets:
        if isinstance(widget, w.FileUpload) or (isinstance(widget, w.Button) and widget.icon == "save"):
            widget.disabled = True
            widget.tooltip = tr("read_only_refused", lang)


class ServedApp(App):
    """A dashboard run before its user is known, made theirs when the server names them.

    ``widget`` is a box that stays for the life of the page; the dashboard
    inside is ``app`` (its ``state``, ``models`` and ``views`` are this
    object's).
    """

    name = "served"

    def __init__(self, build: Callable[[Opened], App], data, options: dict):
        self.build, self.data, self.options = build, data, options
        settings = dashboard_settings()
        state_dir = options.get("state_dir") or settings.state_dir
        self.home = KernelHome(state_dir, os.environ.get(ENV_KERNEL_ID) or "local")
        root = w.VBox(layout=w.Layout(width="100%"))
        root.add_class("wb-served")
        before = set(_instances)
        self.app = _open(build, data, Identity(user="nobody", role="county"), home=self.home.path, audit=False,
                         **options)
        self._first = set(_instances) - before
        root.children = [self.app.widget]
        super().__init__(self.app.state, models=self.app.models, views=self.app.views, widget=root)
        self.identity: Identity | None = None
        when_identified(self.become)

    def __getattr__(self, name):  # app-specific attributes (``scoring``, ``table`` ...) are the dashboard's
        if name == "app":
            raise AttributeError(name)
        return getattr(self.app, name)

    def become(self, identity: Identity) -> None:
        """Make the dashboard ``identity``'s (called once, before the page sees anything)."""
        self.identity = identity
        self.home.bind(identity.user)
        app = self.app
        store = getattr(app.state, "store", None) or getattr(app, "store", None)
        upload = store.current() if store is not None else None
        if identity.scoped or isinstance(app, DataProblemApp):
            self._rebuild(identity)
            return
        # the same data for every county or presenter user: keep the dashboard, make its store theirs
        if store is not None:
            store.user, store.read_only = identity.user, identity.read_only
        app.state.identity = identity
        if identity.read_only:
            _read_only_controls([_instances[k] for k in self._first if k in _instances], app.state.lang)
        if upload is not None:
            try:
                data = upload.load()
            except DataError:
                store.forget()
            else:
                app.state.replace_data(data, upload.source, loaded_by=upload.loaded_by, loaded_at=upload.loaded_at)
        if store is not None:
            store.audit.record("open", user=identity.user, dashboard=self.options.get("title_key") or
                               type(app).__name__, source=app.state.source, branches=len(app.state.data.branches))

    def _rebuild(self, identity: Identity) -> None:
        first = self.app
        self.app = _open(self.build, self.data, identity, home=self.home.path, **self.options)
        self.widget.children = [self.app.widget]
        self.state, self.models, self.views = self.app.state, self.app.models, self.app.views
        for key in self._first:  # nothing of the first dashboard stays for the page to read
            widget = _instances.get(key)
            if widget is not None:
                widget.close()
        self._first = set()
        del first
        gc.collect()


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
                 rebuild: Callable[[AppState], App], title_key: str, exports: ExportFolder,
                 identity: Identity | None = None, framework=None, framework_failed: bool = False):
        page = PageState(lang=lang, theme=theme)
        super().__init__(page)
        # the assessment the dashboard scores; when it is the framework that failed (a rule sheet with
        # problems), new data cannot help: an upload shows the framework's problems again
        self.framework, self.framework_failed = framework, framework_failed
        self.source, self.store, self.rebuild, self.title_key = source, store, rebuild, title_key
        self.identity = identity
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
        self.panel.show(error, source=str(source))
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
        if self.identity is not None and self.identity.read_only:
            self.status.set("read_only_refused", ok=False)
            return False
        if self.framework_failed:
            self.panel.show(self.error)
            self.status.set("load_failed", ok=False, n=len(self.error.problems))
            return False
        files = {f["name"]: bytes(f["content"]) for f in self.upload.value}
        source = ", ".join(sorted(files))
        try:
            data = load_files(files, source=source, lang=self.state.lang)
            state = AppState(data, framework=self.framework, lang=self.state.lang, theme=self.state.theme,
                             source=source, store=self.store,
                             identity=self.identity)
        except DataError as err:
            self.error = err
            self.panel.show(err, source=source)
            self.status.set("load_failed", ok=False, n=len(err.problems))
            self.render()
            return False
        except ValueError:  # nothing of the user's township in the upload
            self.error = _no_township(self.identity, source, self.state.lang)
            self.panel.show(self.error, source=source)
            self.status.set("load_failed", ok=False, n=1)
            self.render()
            return False
        if self.store is not None:
            record = self.store.save(files, source=source)
            state.loaded_by, state.loaded_at = record.loaded_by, record.loaded_at
        self.app = self.rebuild(state)
        self.widget.children = [self.app.widget]
        self.views, self.models, self.state = self.app.views, self.app.models, self.app.state
        return True


