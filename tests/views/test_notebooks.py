"""Committed notebooks are thin (title, import, build, show) and carry no outputs or widget state."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_dashboards():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean_and_thin(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert "widgets" not in nb["metadata"], "widget state must not be committed"
    meta = nb["metadata"].get("workbench", {})
    assert {"title_zh", "title_en", "summary_zh", "summary_en", "order"} <= set(meta), "landing-page metadata"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None, "outputs must not be committed"
    assert nb["cells"][0]["cell_type"] == "markdown" and "".join(nb["cells"][0]["source"]).startswith("# ")
    source = "\n".join("".join(c["source"]) for c in code)
    assert "from workbench.views import build_" in source and "app = build_" in source
    assert len(source.splitlines()) <= 6, "a dashboard notebook only composes: the logic lives in workbench"
