"""The overview, the data picker, the shared data set, and the page shown for bad data."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from workbench.studies.kpis import county_kpis
from workbench.views import build_overview_app, build_weight_explorer
from workbench.views.apps.common import DataProblemApp
from workbench.views.state import DataStore
from workbench.views.widgets.data_picker import data_choices, resolve_choice


def _files(picker, files: dict[str, bytes]):
    picker.mode.value = "upload"
    picker.upload.value = tuple(
        {"name": name, "type": "text/csv", "size": len(raw), "content": memoryview(raw),
         "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)} for name, raw in files.items())


def _csv(data) -> dict[str, bytes]:
    return {f"{name}.csv": frame.to_csv(index=False).encode() for name, frame in data.tables().items()}


@pytest.fixture
def overview(tmp_path):
    return build_overview_app("sample_data", lang="zh", state_dir=tmp_path / "state")


def test_overview_kpis_and_charts(overview):
    state, scoring = overview.state, overview.scoring
    k = county_kpis(state.data, scoring.table, scoring.result)
    html = overview.views["kpis"].widget.value
    assert f"{k['branches']:,}" in html and f"{k['members']:,}" in html
    assert f"{k['rectification_rate']:.0%}" in html
    assert list(overview.views["grades"].figure.data[0].y) == list(scoring.result.grade_counts())
    assert set(overview.views["townships"].figure.data[0].y) == set(state.data.branches["township"])


def test_a_bad_upload_shows_its_problems_as_a_table_and_keeps_the_data(overview, small):
    state, picker = overview.state, overview.views["picker"]
    before = state.data
    files = _csv(small)
    files["members.csv"] = files["members.csv"].replace(b"formal", b"honorary", 1)
    _files(picker, files)
    assert state.data is before
    table = picker.problems.table.model.frame
    row = table[table["value"].astype(str) == "honorary"].iloc[0]
    assert row["place"].startswith("members.csv") and row["header"] == "status"
    assert "formal" in row["message"] and row["fix"]            # what is allowed, and how to fix it
    assert "wb-bad" in picker.status.widget.value and picker.problems.widget.layout.display is None
    state.lang = "en"                                            # the problems follow the language
    assert "Where" in [label for label, _ in picker.problems.table.sort.options]
    assert "not an allowed value" in picker.problems.table.model.frame["message"].iloc[0]
    report = picker.problems.write_report()                      # the clerk's files, marked
    import openpyxl
    assert report.exists() and len(openpyxl.load_workbook(report).sheetnames) >= 2
    assert "download=" in picker.problems.link.value
    state.lang = "zh"
    files["members.csv"] = small.members.to_csv(index=False).encode()
    _files(picker, files)
    assert len(state.data.branches) == len(small.branches)
    assert picker.problems.widget.layout.display == "none"
    assert len(overview.scoring.result.total) == len(small.branches)
    assert "秒" in picker.status.widget.value


def test_an_upload_over_the_limit_is_refused(overview):
    picker = overview.views["picker"]
    picker.max_upload_bytes = 1000
    before = overview.state.data
    _files(picker, {"branches.csv": b"x" * 2000})
    assert overview.state.data is before and "KB" in picker.status.widget.value


def test_the_server_data_folder_is_the_only_server_place_a_page_reaches(tmp_path):
    root = tmp_path / "data"
    (root / "county").mkdir(parents=True)
    (root / "county" / "branches.csv").write_text("x")
    (root / "county.xlsx").write_bytes(b"")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.xlsx").write_bytes(b"")
    os.symlink(outside / "secret.xlsx", root / "link.xlsx")
    os.symlink(outside, root / "linked")
    assert data_choices(root) == ["county", "county.xlsx"]
    for bad in ("../outside/secret.xlsx", str(outside / "secret.xlsx"), "link.xlsx", "linked", "~"):
        with pytest.raises(ValueError):
            resolve_choice(root, bad)


def test_an_upload_is_the_data_of_every_dashboard_of_that_user(tmp_path, small):
    state_dir = tmp_path / "state"
    first = build_overview_app("sample_data", lang="zh", state_dir=state_dir)
    # as served: no explicit data, the user's last upload wins over the server's data
    os.environ["WORKBENCH_DATA"] = "sample_data"
    try:
        _files(first.views["picker"], _csv(small))
        assert len(first.state.data.branches) == len(small.branches)
        second = build_weight_explorer(lang="en", state_dir=state_dir)
        assert len(second.state.data.branches) == len(small.branches)
        assert second.state.loaded_by == "local" and second.state.loaded_at
        assert "loaded by local" in second.views["header"].title.value
        other_user = DataStore(state_dir, user="someone-else")
        assert other_user.current() is None
    finally:
        del os.environ["WORKBENCH_DATA"]


def test_a_store_never_shows_half_a_data_set(tmp_path):
    store = DataStore(tmp_path, user="u")
    store.save({"a.csv": b"1"}, source="first")
    store.save({"b.csv": b"2"}, source="second")
    current = store.current()
    assert current.source == "second" and list(current.files) == ["b.csv"]
    assert len(list((store.folder / "sets").iterdir())) == 1
    (store.folder / "current").unlink()
    os.symlink(tmp_path.parent, store.folder / "current")   # a link planted out of the store
    assert store.current() is None


def test_bad_server_data_gives_a_problem_page_and_a_good_upload_replaces_it(tmp_path, small):
    bad = tmp_path / "bad"
    small.to_csv(bad)
    members = (bad / "members.csv").read_text().replace("formal", "honorary", 3)
    (bad / "members.csv").write_text(members)
    app = build_weight_explorer(bad, lang="en", state_dir=tmp_path / "state")
    assert isinstance(app, DataProblemApp)
    assert "honorary" in set(app.table.model.frame["value"].astype(str))
    assert app.panel.write_report().exists()
    assert "cannot be shown" in app.heading.value
    app.state.lang = "zh"
    assert "无法显示看板" in app.heading.value
    app.upload.value = tuple(
        {"name": n, "type": "text/csv", "size": len(b), "content": memoryview(b),
         "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)} for n, b in _csv(small).items())
    assert app.app is not None and app.widget.children == (app.app.widget,)
    assert len(app.state.data.branches) == len(small.branches) and "panel" in app.views


def test_the_overview_and_the_settings_page_count_violations_alike(tmp_path):
    from workbench.settings.rules import check_rules
    from workbench.studies.kpis import violation_figures
    from workbench.views import build_settings_app

    overview = build_overview_app("sample_data", lang="zh", state_dir=tmp_path / "s1")
    settings = build_settings_app("sample_data", lang="zh", state_dir=tmp_path / "s2")
    f = violation_figures(check_rules(overview.state.data, period=2025))
    cards = overview.views["kpis"].widget.value
    assert f"{f['violations']:,}" in cards and f"错误 {f['violation_errors']}" in cards
    assert f"涉及 {f['violation_branches']} 个支部" in cards
    settings_text = settings.views["violations"].widget.children[0].value if hasattr(
        settings.views["violations"].widget, "children") else ""
    page = " ".join(getattr(w, "value", "") for w in _walk(settings.widget) if isinstance(getattr(w, "value", None), str))
    assert f"{f['violations']}" in page and f"{f['violation_errors']}" in page, settings_text


def _walk(widget):
    stack = [widget]
    while stack:
        x = stack.pop()
        yield x
        stack.extend(getattr(x, "children", ()) or ())
