"""The deck opened with python-pptx (and its PDF with pypdf): slides, pictures, Chinese text, footers, notes."""

from __future__ import annotations

import unicodedata

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from pypdf import PdfReader

from workbench.meeting.deck import CJK_FONT, key_figures, write_deck

pytestmark = pytest.mark.browser  # kaleido and the PDF start Chromium

CHART_SLIDES = ("grades", "townships", "best_weakest", "years", "violations", "rectification", "robustness")


@pytest.fixture(scope="module")
def decks(sample_facts, tmp_path_factory, test_output):
    folder = tmp_path_factory.mktemp("deck")
    out = {}
    for lang in ("zh", "en"):
        path = write_deck(sample_facts, folder / f"deck-{lang}.pptx", lang=lang, pdf=folder / f"deck-{lang}.pdf")
        out[lang] = path
    (test_output / "meeting").mkdir(exist_ok=True)
    (test_output / "meeting" / "deck-zh.pptx").write_bytes(out["zh"].read_bytes())
    return out


def _texts(slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame]


def test_every_slide_is_there_with_its_picture(decks):
    prs = Presentation(str(decks["zh"]))
    assert len(prs.slides) == 2 + len(CHART_SLIDES)
    titles = [_texts(s)[0] for s in prs.slides]
    assert titles[0] == "2025 年度基层党支部考评"
    assert titles[2:] == ["等次分布", "各乡镇比较", "得分最高和最低的支部", "与上年相比：等次变化",
                          "组织设置和组织生活规则问题", "问题整改进度", "稳健性：哪些等次取决于权重"]
    for slide in list(prs.slides)[2:]:
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        blob = pictures[0].image.blob
        assert blob[:8] == b"\x89PNG\r\n\x1a\n" and len(blob) > 20_000   # a chart, not an empty picture
        assert pictures[0].image.size[0] == 1600


def test_every_slide_says_year_scheme_and_source(decks, sample_facts):
    for lang, year, scheme in (("zh", "2025 年度", "方案 default"), ("en", "Year 2025", "scheme default")):
        prs = Presentation(str(decks[lang]))
        for slide in prs.slides:
            footer = [t for t in _texts(slide) if year in t and scheme in t]
            assert footer and "sample_data" in footer[0], _texts(slide)


def test_chinese_runs_name_a_cjk_east_asian_font(decks):
    prs = Presentation(str(decks["zh"]))
    runs = [r for s in prs.slides for sh in s.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs for r in p.runs if r.text.strip()]
    assert runs
    for run in runs:
        ea = run._r.rPr.find(qn("a:ea"))
        assert ea is not None and ea.get("typeface") == CJK_FONT


def test_notes_hold_the_overviews_numbers(decks, sample_facts):
    prs = Presentation(str(decks["en"]))
    notes = [s.notes_slide.notes_text_frame.text for s in prs.slides]
    k = sample_facts.kpis
    key = notes[1]
    assert f"Branches: {k['branches']:,}" in key
    assert f"Rule violations: {k['violations']:,}" in key
    assert f"{k['problems_closed']} of {k['problems_found']} problems closed" in key
    assert f"Overdue problems: {k['problems_overdue']:,}" in key or f": {k['problems_overdue']:,} (" in key
    counts = sample_facts.result.grade_counts()
    assert "Strong " + str(int(counts["strong"])) in notes[2]
    best = sample_facts.standing.iloc[0]
    assert f"#1 {best['name']} {best['total']:.1f}" in notes[4]
    assert [label for label, *_ in key_figures(sample_facts, "en")][0] == "Branches"


def test_the_pdf_has_a_page_per_slide_with_chinese_text(decks):
    reader = PdfReader(str(decks["zh"].with_suffix(".pdf")))
    assert len(reader.pages) == 2 + len(CHART_SLIDES)
    # Noto CJK maps some glyphs to Kangxi radicals in the text layer; NFKC folds them back
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in reader.pages))
    assert "2025 年度基层党支部考评" in text and "等次分布" in text and "方案 default" in text


def test_a_deck_that_fails_leaves_the_earlier_one(decks, sample_facts, monkeypatch, tmp_path):
    target = tmp_path / "deck.pptx"
    target.write_bytes(decks["zh"].read_bytes())
    before = target.read_bytes()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("workbench.meeting.deck.render_pngs", broken)
    with pytest.raises(OSError):
        write_deck(sample_facts, target, lang="zh")
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["deck.pptx"]
