"""The meeting deck: a PowerPoint file (python-pptx) of one year's assessment, and the same as one PDF.

Slides: title, key figures (the overview's numbers, :func:`workbench.studies.kpis.county_kpis`),
grade distribution, township comparison, best and weakest branches, year over
year, rule violations, rectification progress, robustness of the grades. Each
chart is a picture rendered offline (all in one kaleido session); each slide
has the year, scheme and data source in its footer and the numbers in its notes.

>>> import workbench as wb
>>> from workbench.meeting.facts import gather
>>> slides = deck_slides(gather(wb.load("sample_data"), period=2025, draws=20), lang="en")
>>> [s.name for s in slides][:3]
['title', 'key_figures', 'grades']
"""

from __future__ import annotations

import base64
import html
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..files import atomic_path
from ..i18n import tr
from ..settings.rules import rule_label
from ..settings.violations import violations_by_rule
from ..studies.kpis import figure_label
from .figures import FIGURES
from .pdf import PDF_FONTS, PdfJob, print_pdfs
from .render import render_pngs

__all__ = ["Slide", "deck_slides", "write_deck", "KEY_FIGURES"]

#: The CJK font every text run names (Debian's fonts-noto-cjk; PowerPoint falls back to its own).
CJK_FONT = "Noto Sans CJK SC"
# python-pptx (with lxml) is imported when a deck is written, not whenever the package is imported
_EMU_PER_INCH = 914400
_WIDTH, _HEIGHT = int(13.333 * _EMU_PER_INCH), int(7.5 * _EMU_PER_INCH)
_GREY, _INK, _ACCENT = "6B7280", "1F2937", "B2182B"


def Inches(value: float) -> int:  # noqa: N802 - python-pptx's name for the same unit
    return int(value * _EMU_PER_INCH)


def _rgb(hex_colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_colour)


@dataclass
class Slide:
    """One slide's content: title, optional chart (a figure name), big numbers, notes."""

    name: str
    title: str
    subtitle: str = ""
    chart: str | None = None
    cards: list[tuple[str, str, str]] = field(default_factory=list)   # (label, value, detail)
    notes: list[str] = field(default_factory=list)


def _fmt(x: float, digits: int = 1) -> str:
    return "—" if x != x else f"{x:.{digits}f}"


def _int(x) -> str:
    return "—" if x is None or pd.isna(x) else str(int(x))


def _signed(x) -> str:
    return "—" if x is None or pd.isna(x) else f"{int(x):+d}"


def key_figures(facts, lang: str = "zh") -> list[tuple[str, str, str]]:
    """The overview's key-figure cards: (label, value, detail), the same numbers and labels."""
    k, fw = facts.kpis, facts.framework
    n = max(k["branches"], 1)
    cards = [(tr("branches", lang), f"{k['branches']:,}", f"{tr('members', lang)} {k['members']:,}")]
    for g in fw.grade_ids:
        count = int(k["grades"].get(g, 0))
        cards.append((fw.label(g, lang), f"{count:,}", tr("share_of_branches", lang, share=count / n)))
    cards += [
        (figure_label("violations", lang), f"{k['violations']:,}",
         tr("figure_violations_detail", lang, errors=k["violation_errors"], warnings=k["violation_warnings"],
            branches=k["violation_branches"])),
        (figure_label("rectification_rate", lang), f"{k['rectification_rate']:.0%}",
         tr("rectification_detail", lang, done=k["problems_closed"], found=k["problems_found"])),
        (figure_label("problems_overdue", lang), f"{k['problems_overdue']:,}",
         f"{figure_label('problems_open', lang)} {k['problems_open']:,}"),
    ]
    return cards


#: The key figures the notes list (names of ``county_kpis``).
KEY_FIGURES = ("branches", "members", "violations", "violation_errors", "violation_warnings",
               "violation_branches", "problems_found", "problems_closed", "rectification_rate",
               "problems_open", "problems_overdue")


def deck_slides(facts, *, lang: str = "zh") -> list[Slide]:
    """The deck's content, slide by slide (what :func:`write_deck` lays out)."""
    fw, st, k = facts.framework, facts.standing, facts.kpis
    sep = "：" if lang == "zh" else ": "
    ctx = facts.context
    slides = [Slide("title", tr("meeting_deck_title", lang, year=facts.period),
                    subtitle="\n".join(ctx.lines(lang)[1:]), notes=ctx.lines(lang))]
    kf = key_figures(facts, lang)
    slides.append(Slide("key_figures", tr("meeting_slide_key_figures", lang), cards=kf,
                        notes=[f"{label}{sep}{value}（{detail}）" if lang == "zh" else f"{label}: {value} ({detail})"
                               for label, value, detail in kf]))
    counts = facts.result.grade_counts()
    notes = [f"{facts.period}{sep}" + ", ".join(f"{fw.label(g, lang)} {int(v)}" for g, v in counts.items())]
    if facts.previous is not None:
        before = facts.previous.grade_counts()
        notes.append(f"{facts.period - 1}{sep}" + ", ".join(f"{fw.label(g, lang)} {int(v)}" for g, v in before.items()))
    slides.append(Slide("grades", tr("meeting_slide_grades", lang), chart="grades", notes=notes))
    by_town = st.groupby("township").agg(mean=("total", "mean"), n=("total", "size")).sort_values("mean",
                                                                                                   ascending=False)
    slides.append(Slide("townships", tr("meeting_slide_townships", lang), chart="townships", notes=[
        tr("meeting_note_township", lang, township=t, mean=_fmt(r["mean"]), n=int(r["n"])) for t, r in by_town.iterrows()]))
    scored = st.dropna(subset=["total"])
    rows = [tr("meeting_note_branch", lang, rank=int(r.rank), name=r.name, total=_fmt(r.total),
               grade=facts.grade_label(r.grade, lang)) for r in scored.head(10).itertuples()]
    rows += ["…"] + [tr("meeting_note_branch", lang, rank=int(r.rank), name=r.name, total=_fmt(r.total),
                        grade=facts.grade_label(r.grade, lang)) for r in scored.tail(10).itertuples()]
    slides.append(Slide("best_weakest", tr("meeting_slide_best_weakest", lang), chart="best_weakest", notes=rows))
    if facts.years is not None:
        y = facts.years
        notes = [y.summary(lang), f"Kendall tau {y.kendall_tau:.3f}"]
        notes += [f"{m.name}{sep}{_int(m.rank_before)}→{_int(m.rank_after)}（{_signed(m.shift)}）" if lang == "zh"
                  else f"{m.name}: {_int(m.rank_before)} → {_int(m.rank_after)} ({_signed(m.shift)})"
                  for m in y.movers.head(5).itertuples()]
    else:
        notes = [tr("meeting_no_previous", lang, year=facts.period - 1)]
    slides.append(Slide("years", tr("meeting_slide_years", lang), chart="years", notes=notes))
    by_rule = violations_by_rule(facts.violations)
    notes = [tr("figure_violations_detail", lang, errors=k["violation_errors"], warnings=k["violation_warnings"],
                branches=k["violation_branches"])]
    notes += [tr("meeting_note_rule", lang, rule=rule_label(r, lang), count=int(row["count"]),
                 branches=int(row["branches"])) for r, row in by_rule.iterrows()]
    slides.append(Slide("violations", tr("meeting_slide_violations", lang), chart="violations", notes=notes))
    slides.append(Slide("rectification", tr("meeting_slide_rectification", lang), chart="rectification", notes=[
        f"{figure_label(name, lang)}{sep}{k[name]:.0%}" if name == "rectification_rate" else
        f"{figure_label(name, lang)}{sep}{k[name]:,}"
        for name in ("problems_found", "problems_closed", "rectification_rate", "problems_in_year",
                     "problems_carried", "problems_open", "problems_overdue")]))
    undecided = facts.robustness.undecided
    notes = [tr("meeting_note_robust", lang, n=len(undecided), draws=len(facts.robustness.samples),
                threshold=facts.robustness.threshold)]
    names = st["name"]
    notes += [tr("meeting_note_undecided", lang, name=names.get(b, b), grade=facts.grade_label(r.grade, lang),
                 p=r.p_grade) for b, r in undecided.head(15).iterrows()]
    slides.append(Slide("robustness", tr("meeting_slide_robustness", lang), chart="robustness", notes=notes))
    return slides


# ---------------------------------------------------------------- PowerPoint

def _font(run, *, size: float, bold: bool = False, color: str = _INK) -> None:
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = _rgb(color)
    run.font.name = CJK_FONT
    rpr = run._r.get_or_add_rPr()
    # Chinese glyphs take the East Asian typeface (<a:ea>), not the Latin one python-pptx sets
    for tag in ("a:ea", "a:cs"):
        element = rpr.find(qn(tag))
        if element is None:
            element = rpr.makeelement(qn(tag), {})
            latin = rpr.find(qn("a:latin"))
            latin.addnext(element) if tag == "a:ea" else rpr.find(qn("a:ea")).addnext(element)
        element.set("typeface", CJK_FONT)


def _text(slide, text: str, left, top, width, height, *, size: float, bold: bool = False,
          color: str = _INK, align=None) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for k, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        run = paragraph.add_run()
        run.text = line
        _font(run, size=size, bold=bold, color=color)


def _picture(slide, path: Path) -> None:
    from PIL import Image

    with Image.open(path) as im:
        w, h = im.size
    top, bottom = Inches(1.05), Inches(6.85)
    max_w, max_h = _WIDTH - Inches(0.8), bottom - top
    scale = min(max_w / w, max_h / h)
    width, height = int(w * scale), int(h * scale)
    slide.shapes.add_picture(str(path), int((_WIDTH - width) / 2), top, width, height)


def _cards(slide, cards) -> None:
    per_row = 4
    rows = (len(cards) + per_row - 1) // per_row
    w, h = Inches(2.95), Inches(2.2 if rows <= 2 else 1.6)
    for k, (label, value, detail) in enumerate(cards):
        left = Inches(0.5) + (k % per_row) * (w + Inches(0.2))
        top = Inches(1.3) + (k // per_row) * (h + Inches(0.3))
        box = slide.shapes.add_shape(1, left, top, w, h)  # a rectangle
        box.fill.solid()
        box.fill.fore_color.rgb = _rgb("F3F4F6")
        box.line.color.rgb = _rgb("E5E7EB")
        _text(slide, label, left + Inches(0.15), top + Inches(0.1), w - Inches(0.3), Inches(0.5), size=16,
              color=_GREY)
        _text(slide, value, left + Inches(0.15), top + Inches(0.55), w - Inches(0.3), Inches(0.9), size=40,
              bold=True)
        _text(slide, detail, left + Inches(0.15), top + h - Inches(0.65), w - Inches(0.3), Inches(0.55), size=13,
              color=_GREY)


def _layout_pptx(slides: list[Slide], pictures: dict[str, Path], footer: str):
    from pptx import Presentation

    prs = Presentation()
    prs.slide_width, prs.slide_height = _WIDTH, _HEIGHT
    blank = prs.slide_layouts[6]
    for number, s in enumerate(slides, start=1):
        slide = prs.slides.add_slide(blank)
        if s.name == "title":
            _text(slide, s.title, Inches(0.8), Inches(2.3), _WIDTH - Inches(1.6), Inches(1.3), size=44, bold=True,
                  color=_ACCENT)
            _text(slide, s.subtitle, Inches(0.8), Inches(3.8), _WIDTH - Inches(1.6), Inches(2.0), size=18,
                  color=_GREY)
        else:
            _text(slide, s.title, Inches(0.5), Inches(0.3), _WIDTH - Inches(1.0), Inches(0.7), size=30, bold=True)
        if s.chart is not None:
            _picture(slide, pictures[s.chart])
        if s.cards:
            _cards(slide, s.cards)
        _text(slide, footer, Inches(0.5), Inches(6.95), _WIDTH - Inches(1.8), Inches(0.45), size=11, color=_GREY)
        _text(slide, str(number), _WIDTH - Inches(1.1), Inches(6.95), Inches(0.6), Inches(0.45), size=11,
              color=_GREY)
        slide.notes_slide.notes_text_frame.text = "\n".join(s.notes)
    return prs


# ---------------------------------------------------------------- PDF

_DECK_CSS = f"""
@page {{ size: 13.333in 7.5in; margin: 0; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: {PDF_FONTS}; color: #1f2937; font-synthesis: none; }}
section {{ width: 13.333in; height: 7.5in; padding: 0.3in 0.5in; position: relative; page-break-after: always;
          overflow: hidden; }}
h1 {{ font-size: 30pt; margin: 0 0 0.15in; }}
section.title h1 {{ font-size: 44pt; color: #b2182b; margin-top: 2in; }}
.sub {{ font-size: 18pt; color: #6b7280; white-space: pre-line; }}
img {{ display: block; margin: 0 auto; max-width: 12.5in; max-height: 5.8in; }}
.cards {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 0.2in; margin-top: 0.4in; }}
.card {{ background: #f3f4f6; border: 1px solid #e5e7eb; padding: 0.12in 0.15in; height: 2.1in; }}
.card .l {{ font-size: 16pt; color: #6b7280; }} .card .v {{ font-size: 40pt; font-weight: bold; }}
.card .d {{ font-size: 13pt; color: #6b7280; }}
footer {{ position: absolute; left: 0.5in; right: 0.5in; bottom: 0.15in; font-size: 11pt; color: #6b7280;
          display: flex; justify-content: space-between; }}
"""


def deck_html(slides: list[Slide], pictures: dict[str, Path], footer: str, *, lang: str = "zh") -> str:
    """The deck as one HTML document, a 16:9 page per slide, pictures inline (for the PDF)."""
    esc = html.escape
    parts = [f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
             f"<style>{_DECK_CSS}</style></head><body>"]
    for number, s in enumerate(slides, start=1):
        parts.append(f"<section class='{esc(s.name)}'><h1>{esc(s.title)}</h1>")
        if s.subtitle:
            parts.append(f"<div class='sub'>{esc(s.subtitle)}</div>")
        if s.chart is not None:
            data = base64.b64encode(pictures[s.chart].read_bytes()).decode("ascii")
            parts.append(f"<img alt='{esc(s.title)}' src='data:image/png;base64,{data}'>")
        if s.cards:
            parts.append("<div class='cards'>" + "".join(
                f"<div class='card'><div class='l'>{esc(a)}</div><div class='v'>{esc(b)}</div>"
                f"<div class='d'>{esc(c)}</div></div>" for a, b, c in s.cards) + "</div>")
        parts.append(f"<footer><span>{esc(footer)}</span><span>{number}</span></footer></section>")
    parts.append("</body></html>")
    return "".join(parts)


def deck_figure(fig):
    """A chart for a slide: the slide's title says what it is, so the figure's own goes (and its room)."""
    return fig.update_layout(title_text="", margin_t=40)


def write_deck(facts, path: str | os.PathLike, *, lang: str = "zh", pdf: str | os.PathLike | None = None
               ) -> Path:
    """Write the deck of ``facts`` to ``path`` (.pptx), and with ``pdf`` the same slides as one PDF.

    Every chart is rendered in one kaleido session; both files are written
    atomically (a failed run leaves an earlier deck as it was).

    >>> import tempfile, workbench as wb
    >>> from workbench.meeting.facts import gather
    >>> out = write_deck(gather(wb.load("sample_data"), period=2025, draws=20),
    ...                  Path(tempfile.mkdtemp()) / "deck.pptx", lang="en")   # doctest: +SKIP
    """
    path = Path(path)
    slides = deck_slides(facts, lang=lang)
    footer = facts.context.short(lang)
    with tempfile.TemporaryDirectory(prefix="wb-deck-") as tmp:
        figures = {name: deck_figure(build(facts, lang=lang)) for name, build in FIGURES.items()}
        pictures = render_pngs(figures, tmp)
        prs = _layout_pptx(slides, pictures, footer)
        with atomic_path(path) as out:
            prs.save(str(out))
        if pdf is not None:
            print_pdfs([PdfJob(deck_html(slides, pictures, footer, lang=lang), Path(pdf),
                               width="13.333in", height="7.5in")], concurrency=1)
    return path
