"""The bindings between widgets and models: echoes are not moves, refusals snap back."""

from __future__ import annotations

import ipywidgets as w
import pytest
import traitlets as t

from workbench.views.mvc import App, Model, bind, checked_number, follow


class Weights(Model):
    exact = t.Float(100 / 6)


def test_an_echo_of_the_shown_value_is_not_a_move():
    model, moves = Weights(), []
    slider = w.IntSlider(max=100)
    bind(slider, "value", model, "exact", render=lambda: round(model.exact),
         accept=lambda v: moves.append(v) or setattr(model, "exact", float(v)))
    assert slider.value == 17
    slider.value = 17                   # the browser reports what it was shown
    assert moves == [] and model.exact == pytest.approx(100 / 6)
    slider.value = 30                   # a person moves it
    assert moves == [30] and model.exact == 30.0


def test_a_refused_or_clamped_value_snaps_back_to_the_model():
    model = Weights(exact=10.0)
    slider = w.IntSlider(max=100)

    def accept(value):
        if value > 50:
            raise ValueError("too much")
        model.exact = float(value)
    binding = bind(slider, "value", model, "exact", render=lambda: round(model.exact), accept=accept)
    slider.value = 80                   # refused: no exception escapes to the page
    assert slider.value == 10 and model.exact == 10.0 and binding.refused == "too much"
    slider.value = 20
    assert model.exact == 20.0 and binding.refused is None


def test_a_model_change_is_shown_without_being_taken_as_input():
    model, moves = Weights(exact=10.0), []
    slider = w.IntSlider(max=100)
    bind(slider, "value", model, "exact", render=lambda: round(model.exact), accept=moves.append)
    model.exact = 42.4
    assert slider.value == 42 and moves == []


def test_quietly_lets_a_view_change_options_without_input():
    model, chosen = Weights(), []
    dropdown = w.Dropdown(options=["a", "b"])
    binding = bind(dropdown, "value", model, "exact", render=lambda: "b", accept=chosen.append)
    with binding.quietly():
        dropdown.options = ["b", "c"]
    binding.refresh()
    assert chosen == [] and dropdown.value == "b"


def test_follow_renders_now_and_on_change():
    model, seen = Weights(), []
    follow(model, "exact", lambda: seen.append(model.exact))
    model.exact = 3.0
    assert seen == [pytest.approx(100 / 6), 3.0]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1, 101, "x", None])
def test_checked_number_refuses_what_a_browser_should_not_send(value):
    with pytest.raises(ValueError):
        checked_number(value, low=0, high=100)


def test_an_app_shows_its_widget():
    box = w.VBox()
    app = App(Weights(), widget=box)
    assert app._repr_mimebundle_() == box._repr_mimebundle_()
