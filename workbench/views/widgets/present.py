"""Presentation mode: one widget every dashboard carries (through ``views/apps/common.py``).

A button (and the address ``?present=1``) turns it on: the controls are
hidden, the charts take the full width at projector size, the type grows, a
footer says which year, scheme and data the page shows, and ← → step between
the dashboard's sections like slides (Escape leaves). ``?advance=30`` (or the
seconds chosen beside the button) moves to the next section on its own, for a
big screen in a lobby. The JavaScript is ``present.js``; the kernel keeps the
state (``active``, ``section``, ``interval``) so tests can drive it.

>>> from workbench.views.state import AppState
>>> state = AppState.from_source("sample_data", lang="en")
>>> bar = PresentationBar(state)
>>> bar.presenter.label_on, bar.presenter.footer.startswith("Year 2025 · scheme default")
('Presentation', True)
>>> state.lang = "zh"
>>> bar.presenter.label_on
'演示模式'
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import ipywidgets as w
import traitlets

from ...i18n import LANGUAGES, tr
from ...meeting.context import OutputContext
from ..mvc import follow

__all__ = ["Presenter", "PresentationBar", "PRESENT_STYLE"]

#: What presentation mode changes on the page (the body carries ``wb-present``).
PRESENT_STYLE = """
<style>
body.wb-present .wb-app .wb-export, body.wb-present .wb-app .wb-meeting-export, body.wb-present .wb-app .widget-accordion,
body.wb-present .wb-app .jupyter-widget-Collapse, body.wb-present .wb-app .lm-Accordion,
body.wb-present .wb-app .wb-data-picker, body.wb-present .wb-app .wb-weight-panel,
body.wb-present .wb-app .wb-editor, body.wb-present .wb-app .wb-ahp, body.wb-present .wb-app .wb-decide,
body.wb-present .wb-app .widget-dropdown, body.wb-present .wb-app .widget-toggle-buttons,
body.wb-present .wb-app .widget-slider, body.wb-present .wb-app .widget-upload,
body.wb-present .wb-app .widget-text, body.wb-present .wb-app .widget-checkbox,
body.wb-present .wb-app .widget-select-multiple,
body.wb-present .wb-app .widget-button:not(.wb-present-toggle),
body.wb-present .wb-app .wb-header .widget-hbox { display: none !important; }
body.wb-present .wb-app { font-size: 22px; max-width: none !important; }
body.wb-present .wb-app .wb-kpi .wb-kpi-value { font-size: 46px; }
body.wb-present .wb-app .wb-kpi .wb-kpi-label { font-size: 19px; }
body.wb-present .wb-app .wb-section { font-size: 30px; }
body.wb-present .wb-app .wb-subtitle { font-size: 20px; }
body.wb-present .wb-app .widget-hbox:has(.wb-chart) { flex-direction: column !important; }
body.wb-present .wb-app .widget-hbox:has(.wb-chart) > .widget-box { flex: 1 1 auto !important; width: 100% !important; }
body.wb-present .wb-app .wb-chart { width: 100% !important; }
body.wb-present { padding-bottom: 48px; }
body.wb-present .jp-Cell { max-width: none !important; }
body.wb-present #rendered_cells { padding: 0 16px 56px !important; }
@media (min-width: 1600px) { body.wb-present .wb-app { zoom: 1.25; } }
.wb-present-footer { display: none; }
body.wb-present .wb-present-footer { display: flex; justify-content: space-between; gap: 16px; position: fixed;
  left: 0; right: 0; bottom: 0; z-index: 1000; padding: 8px 18px; font-size: 16px;
  color: var(--wb-muted, #5b6470); background: var(--wb-surface, #fff); border-top: 1px solid var(--wb-border, #dfe3e8); }
.wb-present-bar { display: flex; align-items: center; gap: 10px; }
body.wb-present .wb-app .wb-present-controls { display: none !important; }
.wb-present-floating { display: none; }
body.wb-present .wb-present-floating { display: flex; align-items: center; gap: 10px; position: fixed;
  top: 8px; right: 12px; z-index: 1001; padding: 4px 8px; border-radius: 6px;
  background: var(--wb-surface, #fff); border: 1px solid var(--wb-border, #dfe3e8); }
.wb-present-hint { font-size: 14px; color: var(--wb-muted, #5b6470); }
.wb-present-place { white-space: nowrap; }
</style>
"""

#: Seconds per section offered for auto-advance (0: off).
ADVANCE_CHOICES = (0, 10, 20, 30, 60)


class Presenter(anywidget.AnyWidget):
    """The browser side of presentation mode (``present.js``)."""

    _esm = Path(__file__).with_name("present.js")
    active = traitlets.Bool(False).tag(sync=True)
    section = traitlets.Int(0).tag(sync=True)
    sections = traitlets.Int(0).tag(sync=True)
    interval = traitlets.Int(0).tag(sync=True)        # seconds between sections; 0: no auto-advance
    footer = traitlets.Unicode("").tag(sync=True)
    label_on = traitlets.Unicode("").tag(sync=True)
    label_off = traitlets.Unicode("").tag(sync=True)
    hint = traitlets.Unicode("").tag(sync=True)
    lang = traitlets.Unicode("zh").tag(sync=True)       # the page's language; the browser may ask for the other
    label_lang = traitlets.Unicode("").tag(sync=True)   # the language button: the other language's name

    @traitlets.validate("interval")
    def _interval(self, proposal):
        value = int(proposal["value"])
        return value if 0 <= value <= 3600 else 0  # the browser is never trusted

    @traitlets.validate("lang")
    def _lang(self, proposal):
        value = proposal["value"]
        return value if value in LANGUAGES else self.lang  # the browser is never trusted

    @traitlets.validate("section")
    def _section(self, proposal):
        return max(0, int(proposal["value"]))


class PresentationBar:
    """The presentation button, the auto-advance choice and the footer's text, following the page.

    ``scoring`` (a ScoringModel) names the scheme in the footer; without it the
    framework's default scheme is named.
    """

    def __init__(self, state, scoring=None):
        self.state, self.scoring = state, scoring
        self.presenter = Presenter()
        self.advance = w.Dropdown(options=[("—", 0)], value=0, layout=w.Layout(width="130px"))
        w.dlink((self.advance, "value"), (self.presenter, "interval"))  # ?advance=N may set other values
        follow(state, ["lang", "period", "source", "loaded_at"], self.render)
        # the hidden header's language toggle is out of reach while presenting: the bar offers it (and L)
        self.presenter.observe(self._switch_language, names=["lang"])
        if scoring is not None:
            scoring.observe(lambda _: self.render(), names=["scheme"])
        self.widget = w.HBox([w.HTML(PRESENT_STYLE), self.presenter, self.advance],
                             layout=w.Layout(align_items="center", justify_content="flex-end"))
        self.widget.add_class("wb-present-controls")

    def context(self) -> OutputContext:
        from ...assess.scoring import Scheme

        scheme = self.scoring.scheme if self.scoring is not None else Scheme(self.state.framework)
        # no "made at": the footer stays on the page while time passes
        return OutputContext.of(scheme, self.state.period, source=self.state.source, loaded_at=self.state.loaded_at,
                                made_at="")

    def render(self) -> None:
        lang = self.state.lang
        p = self.presenter
        p.footer = self.context().footer(lang) if self.state.period is not None else ""
        p.label_off = tr("present_off", lang)
        p.hint = tr("present_hint", lang)
        p.label_on = tr("present_on", lang)
        p.label_lang = tr("present_lang", lang)
        p.lang = lang
        value = self.advance.value
        self.advance.options = [(tr("present_advance_off", lang) if s == 0 else tr("present_advance", lang, s=s), s)
                                for s in ADVANCE_CHOICES]
        self.advance.value = value if value in ADVANCE_CHOICES else 0

    def _switch_language(self, change) -> None:
        if change["new"] != self.state.lang:
            self.state.lang = change["new"]
