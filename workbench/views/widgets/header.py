"""The top of every dashboard: what it shows, from which data, for which year, in which language.

>>> from workbench.views.state import AppState
>>> state = AppState.from_source("sample_data", lang="en")
>>> header = Header(state, "weights_title")
>>> header.period.value = 2024
>>> state.period
2024
>>> header.language.value = "zh"
>>> "数据来源" in header.title.value
True
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from ...i18n import LANGUAGES, tr
from ..mvc import bind, follow
from .html import esc

__all__ = ["Header"]


class Header:
    """Title, data source (who loaded it, when), period and language."""

    def __init__(self, state, title_key: str):
        self.state = state
        self.title_key = title_key
        self.title = w.HTML()
        self.language = w.ToggleButtons(options=[(v, k) for k, v in LANGUAGES.items()], value=state.lang,
                                        style={"button_width": "90px"})
        self.period = w.Dropdown(options=state.periods, layout=w.Layout(width="120px"))
        self.period_label = w.HTML()
        w.link((self.language, "value"), (state, "lang"))
        follow(state, "periods", self._period_options)
        self._period = bind(self.period, "value", state, "period", render=lambda: state.period,
                            accept=self._choose_period)
        follow(state, ["lang", "source", "loaded_at", "revision"], self.render)
        self.widget = w.VBox([
            self.title,
            w.HBox([self.period_label, self.period, w.HTML("&nbsp;" * 4), self.language],
                   layout=w.Layout(align_items="center", flex_flow="row wrap")),
        ], layout=w.Layout(margin="0 0 6px 0"))
        self.widget.add_class("wb-header")

    def _choose_period(self, value) -> None:
        if value in self.state.periods:
            self.state.period = value

    def _period_options(self) -> None:
        if list(self.period.options) != list(self.state.periods):
            binding = getattr(self, "_period", None)
            if binding is None:
                self.period.options = self.state.periods
            else:
                with binding.quietly():
                    self.period.options = self.state.periods
                binding.refresh()

    def render(self) -> None:
        state, lang = self.state, self.state.lang
        source = Path(state.source).name or state.source
        who = ""
        if state.loaded_at:
            when = state.loaded_at.replace("T", " ")[:16]
            who = " · " + (tr("loaded_by_when", lang, who=state.loaded_by, when=when) if state.loaded_by
                           else tr("loaded_when", lang, when=when))
        # the notebook's heading names the dashboard; the header says what it shows now
        self.title.value = (f'<div class="wb-subtitle">{esc(tr("data_source", lang))}: {esc(source)}{esc(who)}'
                            f' · {esc(tr(self.title_key, lang))}</div>')
        self.period_label.value = f"<b>{esc(tr('period', lang))}</b>&nbsp;"
