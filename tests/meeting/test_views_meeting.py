"""The dashboards' side of meeting output, without a browser: presentation state, deck and report buttons."""

from __future__ import annotations

import unicodedata

import pytest
from pypdf import PdfReader

from workbench.views.apps.overview import build_overview_app
from workbench.views.apps.weights import build_weight_explorer
from workbench.views.widgets.present import Presenter


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("state")


def test_every_dashboard_has_a_presentation_bar_that_follows_the_page(state_dir):
    from workbench.views.apps.inspection import build_inspection_app

    for build in (build_overview_app, build_weight_explorer, build_inspection_app):
        app = build("sample_data", lang="en", state_dir=state_dir)
        bar = app.views["present"]
        assert app.widget.children[0] is bar.widget
        assert bar.presenter.footer.startswith("Year 2025 · scheme default")
        app.state.lang = "zh"
        assert bar.presenter.label_on == "演示模式" and bar.presenter.footer.startswith("2025 年度")
        app.state.period = 2024
        assert bar.presenter.footer.startswith("2024 年度")


def test_the_footer_names_the_scheme_being_tried(state_dir):
    app = build_weight_explorer("sample_data", lang="en", state_dir=state_dir)
    scoring = app.models["scoring"]
    scoring.scheme = scoring.scheme.with_weights({"team": 0.5}, name="team first")
    team = f"{scoring.scheme.dimension_weights['team']:.0%}"
    assert f"scheme team first (Team and reserve cadres {team}" in app.views["present"].presenter.footer


def test_the_browser_cannot_set_nonsense():
    p = Presenter()
    p.interval = 10**9
    p.section = -5
    assert (p.interval, p.section) == (0, 0)


@pytest.mark.browser
def test_the_branch_card_writes_that_branchs_report(state_dir):
    app = build_weight_explorer("sample_data", lang="zh", state_dir=state_dir)
    app.views["profile"].branch.value = "B00066"
    path = app.views["report"].make()
    assert path is not None and path.parent == app.views["export"].folder.folder
    assert path.stat().st_mode & 0o777 == 0o600
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in PdfReader(str(path)).pages))
    result = app.models["scoring"].result
    assert "下庄社区党支部" in text and f"总分\n{result.total['B00066']:.1f}" in text
    assert "download=" in app.views["report"].status.value


@pytest.mark.browser
def test_the_overview_writes_the_deck(state_dir):
    from pptx import Presentation

    app = build_overview_app("sample_data", lang="en", state_dir=state_dir)
    path = app.views["deck"].make()
    assert path is not None and path.suffix == ".pptx"
    prs = Presentation(str(path))
    assert len(prs.slides) == 9
    assert "Key figures" in prs.slides[1].shapes[0].text_frame.text


def test_a_failure_is_shown_in_the_pages_language(state_dir, monkeypatch):
    app = build_overview_app("sample_data", lang="zh", state_dir=state_dir)

    def no_browser(*args, **kwargs):
        from workbench.meeting import MeetingError

        raise MeetingError("meeting_no_browser", reason="/usr/bin/chromium")

    monkeypatch.setattr("workbench.meeting.deck.write_deck", no_browser)
    assert app.views["deck"].make() is None
    assert "未找到 Chromium 浏览器" in app.views["deck"].status.value
    assert not app.views["deck"].button.disabled
