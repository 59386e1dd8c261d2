"""Feedback reports: the branch's own numbers in its PDF, townships, the index, hostile names, atomic writes."""

from __future__ import annotations

import re
import unicodedata

import pytest
from pypdf import PdfReader

import workbench as wb
from workbench.meeting import MeetingError
from workbench.meeting.reports import (branch_file, branch_report_html, index_html, township_file,
                                       township_report_html, write_reports)

from .conftest import HOSTILE_NAME, HOSTILE_TOWNSHIP

RADICALS = re.compile("[\u2e80-\u2fdf]")


def pdf_text(path) -> str:
    # with the Noto CJK fallback font some glyphs copy out as Kangxi radicals (⽀ for 支); NFKC folds them back
    text = "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)
    return RADICALS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


# ---------------------------------------------------------------- HTML (no browser)

def test_hostile_names_are_escaped_everywhere(hostile_facts):
    bid = hostile_facts.standing.index[hostile_facts.standing["name"] == HOSTILE_NAME][0]
    pages = [branch_report_html(hostile_facts, bid, lang="zh"),
             township_report_html(hostile_facts, HOSTILE_TOWNSHIP, lang="en"),
             index_html(hostile_facts, lang="zh")]
    for page in pages:
        assert "<script>" not in page and "<img" not in page and "<b>镇" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;支部&quot;" in pages[0]
    assert "&lt;b&gt;镇&lt;/b&gt;&amp;amp;" in pages[1]


def test_file_names_are_safe_whatever_the_names_hold():
    assert branch_file("B00001") == "branch-B00001.pdf"
    for hostile in ("../../etc/passwd", ".hidden", "a/b\\c", "x" * 500, "<b>镇</b>"):
        name = branch_file(hostile)
        assert "/" not in name and "\\" not in name and not name.startswith(".") and len(name) < 100
        assert name != branch_file(hostile + "!")   # two names never share a file
    assert township_file("石明乡") == "township-石明乡.pdf"


def test_a_branch_report_says_what_the_issue_asks(sample_facts):
    # a vetoed branch: its grade, the veto, problems with due dates, violations with what to do
    facts = sample_facts
    vetoed = facts.result.vetoes["branch_id"].iloc[0]
    page = branch_report_html(facts, vetoed, lang="zh")
    for heading in ("各维度得分与全县平均", "失分最多的指标", "未整改和逾期问题", "规则问题和整改建议", "与上年对比",
                    "全县排名", "乡镇内排名", "同类支部排名", "一票否决"):
        assert heading in page
    open_rows = facts.problems[(facts.problems["branch_id"] == vetoed) & facts.problems["status"].isin(
        ("open", "overdue"))]
    for due in open_rows["due"]:
        assert due.strftime("%Y-%m-%d") in page
    for rule in facts.violations.loc[facts.violations["branch_id"] == vetoed, "rule"]:
        assert wb.i18n.tr(f"meeting_fix_{rule}", "zh") in page


def test_every_rule_has_a_what_to_do():
    from workbench.i18n import MESSAGES
    from workbench.settings.rules import RULES

    assert not [r for r in RULES if f"meeting_fix_{r}" not in MESSAGES]


def test_an_unknown_branch_is_refused_in_both_languages(sample_facts, tmp_path):
    with pytest.raises(MeetingError) as err:
        write_reports(sample_facts, tmp_path, branches=["B99999"])
    assert err.value.message("zh") == "没有编号为 B99999 的支部"
    assert err.value.message("en") == "no branch with id B99999"
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- PDF (Chromium)

@pytest.mark.browser
def test_the_branch_pdf_holds_its_own_score_and_ranks(sample_facts, tmp_path, test_output):
    facts = sample_facts
    # the branch's numbers straight from Scheme.score, not from the report's own tables
    fw = wb.Framework.default()
    result = wb.Scheme(fw).score(wb.compute_indicators(facts.data, fw, period=2025), groups=facts.data)
    chosen = [result.rank.idxmin(), result.vetoes["branch_id"].iloc[0]]
    written = write_reports(facts, tmp_path, lang="zh", branches=chosen)
    for bid in chosen:
        raw = PdfReader(str(written.branches[bid])).pages[0].extract_text()
        assert "支部考评反馈单" in raw   # copied out as written (a TrueType CJK font, not Type 3 pictures)
        text = pdf_text(written.branches[bid])
        assert "2025 年度支部考评反馈单" in text and str(facts.standing.loc[bid, "name"]) in text
        assert f"总分\n{result.total[bid]:.1f}" in text
        assert f"全县排名\n{int(result.rank[bid])} / {len(result.total)}" in text
        assert facts.framework.label(str(result.grade[bid]), "zh") in text
        assert "2025 年度 · 方案 default" in text   # the footer: year, scheme, data
    (test_output / "meeting").mkdir(exist_ok=True)
    (test_output / "meeting" / "branch-zh.pdf").write_bytes(written.branches[chosen[1]].read_bytes())


@pytest.mark.browser
def test_a_whole_county_with_hostile_names(hostile_facts, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "notes.txt").write_text("the clerk's own notes")
    (folder / "branch-GONE.pdf").write_bytes(b"%PDF- an earlier run's branch that no longer exists")
    written = write_reports(hostile_facts, folder, lang="en")
    st = hostile_facts.standing
    names = sorted(p.name for p in folder.iterdir())
    assert len(written.branches) == len(st) and len(written.townships) == st["township"].nunique()
    assert "notes.txt" in names and "branch-GONE.pdf" not in names and "index.html" in names
    assert not [n for n in names if n.startswith(".")]
    bid = st.index[st["name"] == HOSTILE_NAME][0]
    text = pdf_text(written.branches[bid])
    assert "<script>alert('x')</script>" in text   # shown as text, never run
    assert f"Total\n{st.loc[bid, 'total']:.1f}" in text
    town = pdf_text(written.townships[HOSTILE_TOWNSHIP])
    assert "Township summary" in town and "<b>镇</b>&amp;" in town
    index = (folder / "index.html").read_text(encoding="utf-8")
    for target in re.findall(r"href='([^']+)'", index):
        from urllib.parse import unquote

        assert (folder / unquote(target)).is_file(), target


@pytest.mark.browser
def test_a_failed_run_leaves_the_earlier_reports_whole(hostile_facts, tmp_path, monkeypatch):
    folder = tmp_path / "reports"
    write_reports(hostile_facts, folder, lang="zh", branches=list(hostile_facts.standing.index[:2]))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("workbench.meeting.reports.print_split", killed)
    with pytest.raises(KeyboardInterrupt):
        write_reports(hostile_facts, folder, lang="zh")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["reports"]


@pytest.mark.browser
def test_batches_are_cut_at_each_report_and_a_bad_cut_falls_back(sample_facts, tmp_path, monkeypatch):
    from workbench.meeting import pdf as pdf_module
    from workbench.meeting.pdf import Part, print_split
    from workbench.meeting.reports import _HEAD, branch_report_body

    ids = list(sample_facts.standing.index[:5]) + ["B00066"]   # B00066's report runs over two pages
    parts = [Part(branch_report_body(sample_facts, b, lang="zh"), tmp_path / "cut" / f"{b}.pdf") for b in ids]
    (tmp_path / "cut").mkdir()
    print_split(parts, head=_HEAD, footer="页脚 footer", batch=4, concurrency=2)
    for b, part in zip(ids, parts):
        pages = PdfReader(str(part.path)).pages
        text = pdf_text(part.path)
        assert str(sample_facts.standing.loc[b, "name"]) in text and f"支部编号 {b}" in text
        assert text.count("支部考评反馈单") == 1 and text.count("页脚 footer") == len(pages)
    assert len(PdfReader(str(parts[-1].path)).pages) == 2

    monkeypatch.setattr(pdf_module, "_split", lambda whole, parts: False)   # destinations that do not add up
    (tmp_path / "one").mkdir()
    again = [Part(p.body, tmp_path / "one" / p.path.name) for p in parts[:3]]
    print_split(again, head=_HEAD, footer="页脚 footer", batch=3, concurrency=1)
    for b, part in zip(ids, again):
        assert f"支部编号 {b}" in pdf_text(part.path)
