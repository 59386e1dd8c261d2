"""``workbench deck`` and ``workbench report``: happy paths and bad input (one line, in --lang, no traceback)."""

from __future__ import annotations

import pytest
from pptx import Presentation

from ..cli.test_cli import one_error_line, run


def test_deck_refuses_another_suffix_in_english(capsys, tmp_path):
    code, _, err = run(capsys, "deck", "sample_data", "-o", tmp_path / "deck.ppt", "--lang", "en")
    assert code == 1 and one_error_line(err).endswith("deck.ppt: the deck is written as .pptx")
    assert not list(tmp_path.iterdir())


def test_deck_refuses_a_year_without_records_in_chinese(capsys, tmp_path):
    code, _, err = run(capsys, "deck", "sample_data", "--period", 1990, "-o", tmp_path / "d.pptx", "--lang", "zh")
    assert code == 1 and one_error_line(err, "错误：") == "错误：数据中没有 1990 年的记录；有记录的年份：2024, 2025"


def test_report_refuses_an_unknown_branch(capsys, tmp_path):
    code, _, err = run(capsys, "report", "sample_data", "-o", tmp_path / "r", "--branch", "B99999", "--lang", "en")
    assert code == 1 and one_error_line(err) == "error: no branch with id B99999"


def test_report_refuses_data_that_do_not_load(capsys, tmp_path):
    code, _, err = run(capsys, "report", tmp_path / "nothing-here", "-o", tmp_path / "r", "--lang", "en")
    assert code == 1 and "Traceback" not in err and err.startswith("error: ")


@pytest.mark.browser
def test_report_writes_one_branch(capsys, tmp_path):
    code, out, _ = run(capsys, "report", "sample_data", "--period", 2025, "-o", tmp_path / "r",
                       "--branch", "B00007", "--lang", "en")
    assert code == 0 and out.startswith("1 branch reports, 0 township summaries")
    assert [p.name for p in (tmp_path / "r").iterdir()] == ["branch-B00007.pdf"]


@pytest.mark.browser
def test_deck_writes_pptx_and_pdf(capsys, tmp_path):
    code, out, _ = run(capsys, "deck", "sample_data", "--period", 2025, "-o", tmp_path / "考评.pptx", "--pdf")
    assert code == 0 and "演示文稿（9 页）" in out
    assert len(Presentation(str(tmp_path / "考评.pptx")).slides) == 9
    assert (tmp_path / "考评.pdf").stat().st_size > 50_000
