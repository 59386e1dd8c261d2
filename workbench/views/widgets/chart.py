"""One chart on the page, re-drawn when what it shows changes.

A :class:`ChartView` holds a function ``build(lang, theme) -> go.Figure | None``
and the model traits it depends on; it draws once when any of them changes
(and for the language and theme of the page). The figure has no pixel width:
the browser sizes it to its place on the page.

>>> import plotly.graph_objects as go
>>> from workbench.views.state import AppState
>>> state = AppState.from_source("sample_data", lang="en")
>>> view = ChartView(state, lambda lang, theme: go.Figure(go.Bar(x=[lang], y=[1])))
>>> state.lang = "zh"
>>> list(view.figure.data[0].x)
['zh']
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Iterable

import ipywidgets as w
import plotly.graph_objects as go
import traitlets as t

from .plotly_chart import PlotlyChart

__all__ = ["ChartView", "with_context"]


class ChartView:
    """A chart kept for the life of the page, re-drawn by ``build(lang, theme)``.

    ``inputs`` are ``(model, names)`` pairs the figure depends on besides the
    page's language and theme. ``figure`` is the figure last drawn (a plain
    ``go.Figure``, for tests and exports).
    """

    def __init__(self, state, build: Callable[[str, str], go.Figure | None], *,
                 inputs: Iterable[tuple[t.HasTraits, str | list[str]]] = (), name: str = ""):
        self.state = state
        self.build = build
        self.name = name
        # Created at the first figure, so that a chart never drawn (robustness before it is run)
        # costs the page nothing.
        self.plot: PlotlyChart | None = None
        # a column, so that the chart's element stretches to the whole width of its place: in a row
        # the element is as wide as its content, and plotly, finding no width, draws 700 px
        self.widget = w.Box([], layout=w.Layout(width="100%", min_width="0", flex_flow="column"))
        self.widget.add_class("wb-chart")
        self.draws = 0
        state.observe(lambda _: self.render(), names=["lang", "theme"])
        for model, names in inputs:
            model.observe(lambda _: self.render(), names=[names] if isinstance(names, str) else list(names))

    @property
    def figure(self) -> go.Figure | None:
        return self.plot.figure if self.plot is not None else None

    def current(self) -> go.Figure | None:
        """A new figure of what the chart shows now."""
        return self.build(self.state.lang, self.state.theme)

    def render(self) -> None:
        fig = self.current()
        if fig is None:
            return
        self.draws += 1
        if self.plot is None:
            self.plot = PlotlyChart(fig)
            self.widget.children = [self.plot]
        else:
            self.plot.show(fig)

    def show_when(self, visible: bool) -> None:
        self.widget.layout.display = None if visible else "none"


def with_context(fig: go.Figure, lines: Iterable[str]) -> go.Figure:
    """A copy of ``fig`` with a footer that says what it shows (year, scheme, data, when made).

    Exported charts travel without the page around them; the footer keeps them honest.

    >>> fig = with_context(go.Figure(), ["2025", "scheme: equal"])
    >>> fig.layout.annotations[-1].text
    '2025 · scheme: equal'
    """
    from ..charts import plain  # the data's file name and the scheme's name are the user's: shown as text

    out = go.Figure(fig)
    text = " · ".join(plain(line) for line in lines if line)
    bottom = (out.layout.margin.b or 40) + 36
    out.add_annotation(text=text, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
                       yshift=-(bottom - 12), showarrow=False, font={"size": 12, "color": "#6b7280"},
                       align="left")
    out.update_layout(margin={"b": bottom})
    return out


def context_lines(state, scheme=None, *, lang: str) -> list[str]:
    """Year, scheme (name and weights), data (file and when loaded) and now, for exports."""
    from ...i18n import tr

    if scheme is not None:  # the one context every output carries (the deck, the reports, these exports)
        from ...meeting.context import OutputContext

        return OutputContext.of(scheme, state.period, source=state.source, loaded_at=state.loaded_at).lines(lang)
    source = Path(state.source).name or state.source
    lines = [tr("ctx_period", lang, period=state.period)]
    if scheme is not None:
        weights = ", ".join(f"{scheme.framework.label(k, lang)} {v:.0%}" for k, v in scheme.dimension_weights.items())
        lines.append(tr("ctx_scheme", lang, name=scheme.name, weights=weights))
    loaded = state.loaded_at.replace("T", " ")[:16] if state.loaded_at else ""
    lines.append(tr("ctx_data", lang, source=source, loaded=loaded) if loaded else tr("ctx_data_plain", lang,
                                                                                       source=source))
    lines.append(tr("ctx_made", lang, when=dt.datetime.now().strftime("%Y-%m-%d %H:%M")))
    return lines


__all__.append("context_lines")
