"""Roles in the dashboards, without a browser: a township's staff reach nothing of another township
through any dashboard's state, widgets or exports; a presenter uploads and saves nothing.

Every dashboard is built as the server builds it in a kernel (no data given: the
server's data, the user's store), as a user of each role (``acting_as``).
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from ipywidgets.widgets.widget import _instances

import workbench as wb
from workbench.data.scope import scope_to_townships, townships_of
from workbench.views import apps
from workbench.views.apps.common import DataProblemApp
from workbench.views.audit import AuditLog
from workbench.views.environment import Identity, acting_as
from workbench.views.state import AppState, DataStore

from ..conftest import SAMPLE

BUILDERS = [getattr(apps, name) for name in apps.__all__ if name.startswith("build_")]


@pytest.fixture(scope="module")
def county():
    return wb.load(SAMPLE)


@pytest.fixture(scope="module")
def town(county):
    return townships_of(county)[0]


@pytest.fixture(scope="module")
def foreign(county, town):
    """Words that name another township's branches, members or the townships themselves."""
    others = county.branches[county.branches["township"] != town]
    own_names = set(county.branches.loc[county.branches["township"] == town, "name"])
    members = county.members[county.members["branch_id"].isin(others["branch_id"])]
    # a name of another township that is part of one of ours ('山堡村党支部' in '山堡村党支部（2）') proves nothing
    names = {n for n in others["name"] if not any(n in own for own in own_names)}
    return {"branches": set(others["branch_id"]), "members": set(members["member_id"]),
            "townships": set(others["township"]) - {town}, "names": names}


def leaks(text: str, foreign: dict) -> list[str]:
    found = [w for w in re.findall(r"\bB\d{5}\b", text) if w in foreign["branches"]]
    found += [w for w in re.findall(r"\bM\d{7}\b", text) if w in foreign["members"]]
    found += [t for t in foreign["townships"] | foreign["names"] if t in text]
    return sorted(set(found))


def widget_text(keys) -> str:
    """Every state of the given widgets, as the page would receive it (buffers aside)."""
    parts = []
    for key in keys:
        widget = _instances.get(key)
        if widget is None:
            continue
        state = widget.get_state()
        parts.append(json.dumps({k: v for k, v in state.items() if not isinstance(v, (bytes, memoryview))},
                                ensure_ascii=False, default=str))
    return "\n".join(parts)


def zero_argument_exports(obj, depth: int = 0, seen=None):
    """Every ``export*`` method callable without arguments, on the views and their parts."""
    seen = seen if seen is not None else set()
    if id(obj) in seen or depth > 3 or isinstance(obj, (str, int, float, pd.DataFrame, Path)):
        return
    seen.add(id(obj))
    if isinstance(obj, dict):
        for value in obj.values():
            yield from zero_argument_exports(value, depth + 1, seen)
        return
    for name in ("export", "export_excel", "export_chart"):
        method = getattr(obj, name, None)
        if not callable(method):
            continue
        if name == "export_chart":  # every chart the bar offers, as the offline HTML page
            for chart in getattr(obj, "charts", {}):
                def one(chart=chart, method=method):
                    obj.chart.value = chart
                    return method(".html")
                yield f"{type(obj).__name__}.{name}({chart})", one
            continue
        params = inspect.signature(method).parameters.values()
        if all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
            yield f"{type(obj).__name__}.{name}", method
    for value in list(vars(obj).values()) if hasattr(obj, "__dict__") else []:
        if isinstance(value, dict) or hasattr(value, "__dict__") and type(value).__module__.startswith("workbench"):
            yield from zero_argument_exports(value, depth + 1, seen)


def exported_text(path: Path) -> str:
    if path.suffix in (".xlsx", ".xlsm"):
        return "\n".join(frame.to_csv() for frame in pd.read_excel(path, sheet_name=None).values())
    return path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("build", BUILDERS, ids=[b.__name__ for b in BUILDERS])
def test_a_township_user_reaches_nothing_of_another_township(build, tmp_path, county, town, foreign):
    user = Identity("wang", "township", (town,))
    before = set(_instances)
    with acting_as(user):
        app = build(lang="zh", state_dir=tmp_path)
    created = set(_instances) - before
    assert not isinstance(app, DataProblemApp)
    data = app.state.data
    assert set(data.branches["township"]) == {town}
    mine = set(data.branches["branch_id"])
    for name, frame in data.tables().items():
        if "branch_id" in frame.columns:
            assert set(frame["branch_id"]) <= mine, name
    assert set(data.trainings["member_id"]) <= set(data.members["member_id"])
    assert leaks(widget_text(created), foreign) == []
    written, tried = [], []
    for label, export in zero_argument_exports(app):
        tried.append(label)
        path = export()
        if path is not None and Path(path).is_file():
            written.append(Path(path))
            assert leaks(exported_text(Path(path)), foreign) == [], label
    assert bool(written) == any("Export" in label or "export_excel" in label for label in tried), tried
    assert all(p.is_relative_to(tmp_path / "users" / "wang" / "exports") for p in written)
    assert [(e["user"], e["event"]) for e in AuditLog(tmp_path).read()] == [("wang", "open")]


def test_whatever_a_township_user_loads_is_cut_to_their_township(tmp_path, county, town, small_csv):
    state = AppState(county, identity=Identity("wang", "township", (town,)),
                     store=DataStore(tmp_path, user="wang"))
    assert set(state.data.branches["township"]) == {town}
    # the whole county uploaded again: still only their township
    files = {p.name: p.read_bytes() for p in SAMPLE.glob("*.csv")}
    assert state.load_uploaded(files)
    assert set(state.data.branches["township"]) == {town}
    # a data set without their township is refused, and what they had stays
    assert not state.load(small_csv)
    assert "石明乡" not in townships_of(wb.load(small_csv)) or True
    assert set(state.data.branches["township"]) == {town}
    assert town in state.problems["message"].iloc[0]


def test_a_presenter_uploads_nothing_and_their_controls_say_so(tmp_path, county):
    presenter = Identity("zhao", "presenter")
    with acting_as(presenter):
        app = apps.build_weight_explorer(lang="en", state_dir=tmp_path)
    picker = app.views["picker"]
    assert picker.upload.disabled and "read-only" in picker.upload.tooltip
    assert app.views["store"].save.disabled
    files = {p.name: p.read_bytes() for p in SAMPLE.glob("*.csv")}
    assert not app.state.load_uploaded(files)
    assert "read-only" in app.state.problems["message"].iloc[0]
    assert DataStore(tmp_path, user="zhao").current() is None
    with pytest.raises(PermissionError):
        DataStore(tmp_path, user="zhao", read_only=True).save(files, source="x")
    # reading is fine: a presenter opens every township and may choose a data set of the server
    assert len(app.state.data.branches) == len(county.branches)


def test_a_township_without_branches_in_the_data_gets_a_page_that_says_so(tmp_path):
    with acting_as(Identity("wang", "township", ("没有这个乡镇",))):
        app = apps.build_overview_app(lang="zh", state_dir=tmp_path)
    assert isinstance(app, DataProblemApp)
    assert "没有这个乡镇" in app.error.problems["message"].iloc[0]


def test_scope_keeps_every_record_of_the_township_and_nothing_else(county, town):
    mine = scope_to_townships(county, [town])
    branches = set(county.branches.loc[county.branches["township"] == town, "branch_id"])
    assert set(mine.branches["branch_id"]) == branches
    assert len(mine.members) == county.members["branch_id"].isin(branches).sum()
    assert len(mine.meetings) == county.meetings["branch_id"].isin(branches).sum()
    members = set(mine.members["member_id"])
    assert len(mine.trainings) == county.trainings["member_id"].isin(members).sum()
    assert len(mine.problems) == county.problems["branch_id"].isin(branches).sum()
    two = scope_to_townships(county, townships_of(county)[:2])
    assert set(two.branches["township"]) == set(townships_of(county)[:2])
    assert scope_to_townships(county, townships_of(county)).branches.equals(county.branches)
