"""A light plotly chart widget: the page loads plotly.js once, not once per chart.

plotly's ``FigureWidget`` sends its whole JavaScript bundle (about 5 MB) with
every instance; a dashboard with four charts sent 20 MB through the websocket
and evaluated plotly.js four times before the first chart appeared.
:class:`PlotlyChart` is an anywidget with a few lines of JavaScript
(``plotly_chart.js``): the figure travels as JSON and is drawn with
``Plotly.react``; plotly.js itself comes from the server's
``workbench/plotly.min.js`` route (:func:`plotly_js_handlers`, added by
``workbench serve`` and ``workbench lab``, cached by the browser), or, on a
server without that route, from the kernel once per page.

>>> import plotly.graph_objects as go
>>> chart = PlotlyChart(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])))
>>> chart.figure.data[0].type, '"type":"bar"' in chart.figure_json
('bar', True)
>>> chart.show(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])))  # the same figure: nothing is sent
False
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import anywidget
import plotly
import plotly.graph_objects as go
import traitlets

__all__ = ["PlotlyChart", "PLOTLY_JS_ROUTE", "plotly_js_path", "plotly_js_handlers"]

#: Where the servers of this package serve plotly.js, relative to their base URL.
PLOTLY_JS_ROUTE = "workbench/plotly.min.js"


def plotly_js_path() -> Path:
    """The plotly.js bundle shipped with the installed plotly package (its version matches plotly's)."""
    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


@functools.cache
def _plotly_js_text() -> str:
    return plotly_js_path().read_text(encoding="utf-8")


def plotly_js_handlers(base_url: str = "/") -> list[tuple]:
    """Tornado handlers serving :func:`plotly_js_path` at ``base_url + PLOTLY_JS_ROUTE``.

    The browser keeps it for a day and then asks again (ETag), so a page opened
    again starts drawing without downloading plotly.js.

    >>> [(pattern, kwargs["path"] == str(plotly_js_path().parent)) for pattern, _, kwargs in plotly_js_handlers("/")]
    [('/workbench/(plotly\\\\.min\\\\.js)', True)]
    """
    from tornado.web import StaticFileHandler

    class PlotlyJsHandler(StaticFileHandler):
        def set_extra_headers(self, path):
            self.set_header("Cache-Control", "public, max-age=86400")

    base = base_url if base_url.endswith("/") else base_url + "/"
    folder, name = PLOTLY_JS_ROUTE.rsplit("/", 1)
    return [(f"{base}{folder}/({re.escape(name)})", PlotlyJsHandler, {"path": str(plotly_js_path().parent)})]


class PlotlyChart(anywidget.AnyWidget):
    """One plotly figure on the page, replaced with :meth:`show` (the browser re-draws what changed).

    ``figure`` is the last figure shown (a plain ``go.Figure``, for tests and
    exports); ``figure_json`` is what the page draws.
    """

    _esm = Path(__file__).with_name("plotly_chart.js")
    figure_json = traitlets.Unicode("{}").tag(sync=True)

    def __init__(self, figure: go.Figure | None = None, **kwargs):
        super().__init__(**kwargs)
        self.figure: go.Figure | None = None
        self.on_msg(self._on_message)
        if figure is not None:
            self.show(figure)

    def show(self, figure: go.Figure) -> bool:
        """Draw ``figure``; returns whether anything was sent (an unchanged figure sends nothing)."""
        self.figure = figure
        text = figure.to_json(validate=False)
        if text == self.figure_json:
            return False
        self.figure_json = text
        return True

    def _on_message(self, _widget, content, _buffers) -> None:
        # A page whose server has no plotly.js route asks its first chart for the bundle.
        if isinstance(content, dict) and content.get("request") == "plotly_js":
            self.send({"plotly_js": _plotly_js_text()})
