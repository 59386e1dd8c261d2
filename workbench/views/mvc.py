"""Models, views and the bindings between them: the one way dashboards are wired.

A *model* (:class:`Model`, a ``traitlets.HasTraits``) holds the state of a
panel and calls the core for every number. A *view* builds its widgets once and
re-renders when the model changes; it never computes a score. An *app* (:class:`App`)
owns the models and views of one dashboard and wires them in one place.

The bindings here are the only places where a widget value meets a model value:

- :func:`bind` keeps a widget trait equal to what a model shows (``render``) and
  hands a person's input to the model (``accept``). Browsers echo values back
  (a slider snaps to its step and reports the snapped value; a stale value
  arrives after a newer one was sent): an incoming value equal to the one last
  shown is an echo and is ignored, and after every input the widget is set to
  what the model then shows (a clamped value snaps to it; a refused one, which
  ``accept`` signals by raising ValueError, snaps back and is logged, never
  reaching the page as a traceback). Nothing else is needed to keep a widget
  from fighting its model.
- :func:`follow` re-runs a render function when any of a model's traits change.

>>> import ipywidgets as w, traitlets as t
>>> class Counter(Model):
...     value = t.Float(0.0)
>>> counter = Counter()
>>> slider = w.IntSlider(max=10)
>>> binding = bind(slider, "value", counter, "value", render=lambda: round(counter.value),
...                accept=lambda v: setattr(counter, "value", min(v, 5) + 0.25))
>>> slider.value = 9          # a person moves it: the model clamps, the slider shows the model
>>> counter.value, slider.value
(5.25, 5)
>>> slider.value = 5          # the browser echoes what it was shown: ignored
>>> counter.value
5.25
"""

from __future__ import annotations

import logging
import math
from contextlib import contextmanager
from typing import Any, Callable, Iterable

import ipywidgets as w
import traitlets as t

__all__ = ["Model", "App", "Binding", "bind", "follow", "checked_number"]

log = logging.getLogger("workbench.views")


class Model(t.HasTraits):
    """State of one panel in traitlets; methods that change it call the core.

    ``revision`` counts the changes a view re-renders on, so that a view can
    follow one trait instead of many.
    """

    revision = t.Int(0)

    def changed(self) -> None:
        """Tell the views that the state they render has changed."""
        self.revision += 1


class Binding:
    """A widget trait bound to a model: see :func:`bind`."""

    def __init__(self, widget: w.Widget, name: str, model: t.HasTraits, names: str | Iterable[str], *,
                 render: Callable[[], Any], accept: Callable[[Any], None] | None = None,
                 same: Callable[[Any, Any], bool] | None = None):
        self.widget, self.name, self.model = widget, name, model
        self.names = [names] if isinstance(names, str) else list(names)
        self.render, self.accept = render, accept
        self.same = same or _same
        self._shown: Any = _NOTHING
        self._busy = False
        #: why the last input was refused (None when it was accepted)
        self.refused: str | None = None
        model.observe(self._from_model, names=self.names)
        if accept is not None:
            widget.observe(self._from_widget, names=name)
        self.refresh()

    @contextmanager
    def _setting(self):
        self._busy = True
        try:
            yield
        finally:
            self._busy = False

    def quietly(self):
        """A context in which changes of the widget (e.g. new dropdown options) are not input."""
        return self._setting()

    def refresh(self) -> None:
        """Show the model's value in the widget (nothing is sent when it is already shown)."""
        value = self.render()
        self._shown = value
        with self._setting():
            if not self.same(getattr(self.widget, self.name), value):
                setattr(self.widget, self.name, value)

    def _from_model(self, change=None) -> None:
        self.refresh()

    def _from_widget(self, change) -> None:
        if self._busy or self.same(change["new"], self._shown):
            return  # our own write, or the browser echoing what it was shown
        try:
            self.accept(change["new"])
            self.refused = None
        except (ValueError, TypeError, KeyError) as exc:
            # The browser is never trusted: a refused value (NaN, out of range, a locked control)
            # is logged on the server and snaps back; no traceback ever reaches the page.
            self.refused = str(exc)
            log.warning("refused %r for %s.%s: %s", change["new"], type(self.widget).__name__, self.name, exc)
        finally:
            self.refresh()  # a clamped or refused value snaps back to the model's

    def unbind(self) -> None:
        self.model.unobserve(self._from_model, names=self.names)
        if self.accept is not None:
            self.widget.unobserve(self._from_widget, names=self.name)


_NOTHING = object()


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return a == b


def bind(widget: w.Widget, name: str, model: t.HasTraits, names: str | Iterable[str], *,
         render: Callable[[], Any], accept: Callable[[Any], None] | None = None,
         same: Callable[[Any, Any], bool] | None = None) -> Binding:
    """Bind ``widget.<name>`` to a model: shown as ``render()``, a person's input given to ``accept``.

    ``names`` are the model traits whose change re-renders the widget. Without
    ``accept`` the binding is one-way (model to widget). ``same`` decides
    whether an incoming value is the one shown (default: equal, floats to 1e-9).
    """
    return Binding(widget, name, model, names, render=render, accept=accept, same=same)


def follow(model: t.HasTraits, names: str | Iterable[str], render: Callable[[], None]) -> Callable:
    """Call ``render()`` now and whenever any of ``names`` of ``model`` change; returns the observer."""
    def observer(_change=None):
        render()
    model.observe(observer, names=[names] if isinstance(names, str) else list(names))
    render()
    return observer


def checked_number(value, *, low: float, high: float) -> float:
    """A number from the browser, refused unless finite and within ``[low, high]``.

    The browser is never trusted: a comm message can carry anything.

    >>> checked_number(40, low=0, high=100)
    40.0
    >>> checked_number(float("nan"), low=0, high=100)
    Traceback (most recent call last):
    ...
    ValueError: expected a number from 0 to 100, got nan
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number from {low:g} to {high:g}, got {value!r}") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"expected a number from {low:g} to {high:g}, got {value!r}")
    return number


class App:
    """One dashboard: its state, models and views, and the widget that shows them.

    Apps are small objects, not attributes stuck on a box: ``app.state``,
    ``app.models["scoring"]``, ``app.views["ranking"]``. The notebook's last line
    ``app`` shows :attr:`widget`.
    """

    name = "app"

    def __init__(self, state, *, models: dict | None = None, views: dict | None = None,
                 widget: w.Widget | None = None):
        self.state = state
        self.models: dict[str, Model] = dict(models or {})
        self.views: dict[str, Any] = dict(views or {})
        self.widget: w.Widget = widget if widget is not None else w.VBox()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(views={sorted(self.views)}, models={sorted(self.models)})"
