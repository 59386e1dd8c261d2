"""The weights a planner tries: exact, only the group moved changes, presets and schemes kept exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.views.scoring import PRESETS, ScoringModel, rebalance, shown_percents
from workbench.views.state import AppState


@pytest.fixture
def model(sample):
    return ScoringModel(AppState(sample))


def test_a_weight_set_stays_exactly_where_it_was_put(model):
    model.set_weight("team", 37)
    assert model.percents["team"] == 37.0
    assert float(model.scheme.dimension_weights["team"]) == pytest.approx(0.37, abs=1e-15)
    before = {i: model.percents[i] for i in model.framework.indicator_ids}
    model.set_weight("education", 20)   # the dimensions re-balance; the indicators are untouched
    assert model.percents["education"] == 20.0
    assert {i: model.percents[i] for i in model.framework.indicator_ids} == before


def test_moving_an_indicator_changes_only_its_dimension(model):
    dims = {d: model.percents[d] for d in model.framework.dimension_ids}
    model.set_weight("satisfaction", 60)
    assert {d: model.percents[d] for d in model.framework.dimension_ids} == dims
    functions = [i.id for i in model.framework.dimension("functions").indicators]
    assert sum(model.percents[i] for i in functions) == pytest.approx(100)
    assert model.scheme.indicator_weights["satisfaction"] == pytest.approx(0.6)


def test_presets_give_exactly_their_weights_and_name(model):
    model.apply_preset("equal")
    assert all(float(v) == 1 / 6 for v in model.scheme.dimension_weights)
    assert model.scheme.name == "equal" and model.preset == "equal"
    assert [model.shown_percent(d) for d in model.framework.dimension_ids] == [17, 17, 17, 17, 16, 16]
    model.apply_preset("default")
    default = wb.Scheme(model.framework)
    assert model.scheme.weights == default.weights
    for name in PRESETS:
        model.apply_preset(name)
        assert model.scheme.effective_weights.sum() == pytest.approx(1) and model.scheme.name == name


def test_a_locked_weight_cannot_be_moved(model):
    model.toggle_lock("inspection", True)
    with pytest.raises(ValueError, match="locked"):
        model.set_weight("inspection", 5)
    model.set_weight("team", 40)
    assert model.percents["inspection"] == pytest.approx(25)


@pytest.mark.parametrize("value", [float("nan"), -5, 120])
def test_impossible_weights_are_refused(model, value):
    before = model.scheme
    with pytest.raises(ValueError):
        model.set_weight("team", value)
    assert model.scheme is before


def test_a_saved_scheme_reloads_with_its_exact_weights_name_note_and_ahp(model, tmp_path):
    a = np.array([[1, 3, 3, 5, 1, 1], [1 / 3, 1, 1, 2, 1, 1], [1 / 3, 1, 1, 2, 1, 1],
                  [1 / 5, 1 / 2, 1 / 2, 1, 1, 1], [1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]])
    cr = model.apply_ahp(a)
    model.set_note("县委组织部 2025 年会议")
    path = model.scheme.with_origin(name="会议方案").to_yaml(tmp_path / "s.yaml")
    back = wb.Scheme.from_yaml(path, model.framework)
    assert back.weights == model.scheme.weights
    assert back.name == "会议方案" and back.note == "县委组织部 2025 年会议"
    assert back.origin["method"] == "ahp" and back.origin["cr"] == pytest.approx(cr)
    assert np.allclose(back.origin["matrix"], a)


def test_the_result_follows_the_scheme(model):
    before = model.result
    model.set_weight("team", 60)
    assert model.result is not before
    expected = model.scheme.score(model.table, groups=model.state.townships)
    assert model.result.total.equals(expected.total)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=2, max_size=7), st.integers(0, 6), st.floats(-10, 120),
       st.sets(st.integers(0, 6), max_size=3))
def test_rebalance_keeps_the_sum_and_the_locks(raw, pick, value, locked_idx):
    total = sum(raw)
    if total == 0:
        return
    values = {f"k{i}": 100 * v / total for i, v in enumerate(raw)}
    keys = list(values)
    changed = keys[pick % len(keys)]
    locked = {keys[i] for i in locked_idx if i < len(keys)} - {changed}
    out = rebalance(values, changed, value, locked)
    for k in locked:
        assert out[k] == pytest.approx(values[k])
    assert all(v >= -1e-9 for v in out.values())
    if len(locked) < len(keys) - 1:
        assert sum(out.values()) == pytest.approx(100)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(0.001, 100), min_size=1, max_size=9))
def test_shown_percents_add_up_to_100_and_stay_within_one_of_the_exact(raw):
    total = sum(raw)
    values = {f"k{i}": 100 * v / total for i, v in enumerate(raw)}
    shown = shown_percents(values)
    if math.isclose(sum(values.values()), 100, abs_tol=1e-6):
        assert sum(shown.values()) == 100
    assert all(abs(shown[k] - values[k]) < 1 + 1e-9 for k in values)
