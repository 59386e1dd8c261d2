"""Feedback reports: a PDF per branch (支部考评反馈单), a PDF per township (乡镇汇总), an index linking them.

The reports are HTML documents (every text from the data escaped: names are
hostile until shown otherwise) printed to PDF by one headless Chromium
(:func:`workbench.meeting.pdf.print_split`), with local fonts only and no
script. A branch's report shows its score, its ranks overall, within its
township and within its kind, its grade with any veto or quota demotion, its
dimension profile against the county, the indicators where it lost most, its
open and overdue problems with due dates, its rule violations with what to do
about each, and last year's result beside this year's.

>>> import workbench as wb
>>> from workbench.meeting.facts import gather
>>> facts = gather(wb.load("sample_data"), period=2025, draws=20)
>>> page = branch_report_html(facts, "B00001", lang="en")
>>> "Rank in the township" in page and facts.standing.loc["B00001", "name"] in page
True
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable
from urllib.parse import quote

import numpy as np
import pandas as pd

from ..files import atomic_folder, atomic_path
from ..i18n import MESSAGES, tr
from ..settings.rules import rule_label
from .facts import MeetingError
from .pdf import DEFAULT_BATCH, DEFAULT_CONCURRENCY, PDF_FONTS, Part, print_split

__all__ = ["branch_report_html", "branch_report_body", "township_report_html", "township_report_body", "index_html", "write_reports", "write_branch_report",
           "ReportSet", "branch_file", "township_file"]

esc = html.escape
_OPEN = ("overdue", "open")
# names of the files this module writes into a report folder (an earlier run's are replaced, nothing else)
_OURS = re.compile(r"^(branch-.+\.pdf|township-.+\.pdf|index\.html)$")

_CSS = f"""
@page {{ size: A4; margin: 14mm 14mm 16mm 14mm; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {PDF_FONTS}; font-size: 10pt; color: #1f2937; margin: 0; font-synthesis: none; }}
h1 {{ font-size: 17pt; margin: 0 0 2mm; }}
h2 {{ font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #d1d5db; padding-bottom: 1mm; break-after: avoid; }}
.who {{ font-size: 13pt; font-weight: bold; }}
.meta {{ color: #6b7280; margin-bottom: 3mm; }}
table {{ border-collapse: collapse; width: 100%; page-break-inside: auto; }}
tr {{ page-break-inside: avoid; }}
th, td {{ border-bottom: 1px solid #e5e7eb; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }}
th {{ background: #f3f4f6; font-weight: bold; }}
td.n, th.n {{ text-align: right; white-space: nowrap; }}
.facts {{ display: flex; gap: 3mm; margin: 3mm 0; }}
.fact {{ flex: 1; background: #f3f4f6; padding: 2mm 3mm; }}
.fact .l {{ color: #6b7280; font-size: 9pt; }} .fact .v {{ font-size: 16pt; font-weight: bold; }}
.grade-strong {{ color: #1b7837; }} .grade-weak {{ color: #b2182b; }}
.alert {{ color: #b2182b; font-weight: bold; margin: 1mm 0; }}
.bar {{ position: relative; height: 3.2mm; background: #e5e7eb; width: 45mm; display: inline-block; }}
.bar span {{ position: absolute; left: 0; top: 0; bottom: 0; background: #2166ac; }}
.bar i {{ position: absolute; top: -0.8mm; bottom: -0.8mm; width: 0.6mm; background: #111827; }}
.none {{ color: #6b7280; }}
.bad {{ color: #b2182b; }}
footer {{ position: fixed; bottom: -12mm; left: 0; right: 0; font-size: 8pt; color: #6b7280; }}
a {{ color: #2166ac; text-decoration: none; }}
"""


# ---------------------------------------------------------------- helpers

def _num(x, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)) or x is pd.NA:
        return "—"
    return f"{float(x):.{digits}f}"


def _value(x) -> str:
    """An indicator's raw value: whole numbers as such, otherwise two decimals."""
    if x is None or x is pd.NA or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    x = float(x)
    return f"{x:.0f}" if x.is_integer() else f"{x:.2f}"


def _date(x) -> str:
    return "—" if x is None or pd.isna(x) else pd.Timestamp(x).strftime("%Y-%m-%d")


def _rank(rank, of, lang: str) -> str:
    return "—" if rank is None or pd.isna(rank) else tr("meeting_rank_of", lang, rank=int(rank), of=int(of))


def _section(title: str, empty: str, headers: list[tuple[str, bool]], rows: Iterable[list[str]]) -> list[str]:
    """A report section: its heading, then its table, or ``empty`` when it has no rows."""
    rows = list(rows)
    return [f"<h2>{esc(title)}</h2>", _table(headers, rows) if rows else f"<p class='none'>{esc(empty)}</p>"]


def _table(headers: list[tuple[str, bool]], rows: Iterable[list[str]]) -> str:
    """An HTML table; headers are (text, numeric); cells come escaped already."""
    head = "".join(f"<th class='n'>{esc(h)}</th>" if n else f"<th>{esc(h)}</th>" for h, n in headers)
    body = "".join("<tr>" + "".join(f"<td class='n'>{c}</td>" if headers[k][1] else f"<td>{c}</td>"
                                    for k, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_HEAD = f"<meta charset='utf-8'><style>{_CSS}</style>"


def _footer(facts, lang: str) -> str:
    """The footer of the HTML shown on screen (the PDFs print Chromium's own footer on every page)."""
    return f"<footer>{esc(facts.context.footer(lang))}</footer>"


def _page(title: str, body: str, footer: str, lang: str) -> str:
    return (f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><title>{esc(title)}</title>"
            f"{_HEAD}</head><body>{body}{footer}</body></html>")


def _slug(text: str) -> str:
    """A file-name part of ``text``: letters (any script), digits, ``-`` and ``_``; a hash when changed."""
    text = str(text)
    slug = re.sub(r"[^\w\-]+", "_", text).strip("._-")[:60] or "x"
    return slug if slug == text else f"{slug}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:6]}"


def branch_file(branch_id: str) -> str:
    """The report file name of a branch (safe whatever the id holds).

    >>> branch_file("B00001"), branch_file("../etc/passwd")
    ('branch-B00001.pdf', 'branch-etc_passwd-...pdf')
    """
    return f"branch-{_slug(branch_id)}.pdf"


def township_file(township: str) -> str:
    """The summary file name of a township.

    >>> township_file("石明乡")
    'township-石明乡.pdf'
    """
    return f"township-{_slug(township)}.pdf"


def _kind(kind, lang: str) -> str:
    key = f"kind_{kind}"
    return tr(key, lang) if key in MESSAGES else str(kind)


def _label(key_prefix: str, value, lang: str) -> str:
    key = f"{key_prefix}{value}"
    return tr(key, lang) if key in MESSAGES else str(value)


def _grade_html(facts, grade, lang: str) -> str:
    css = {facts.framework.grade_ids[0]: "grade-strong", facts.framework.grade_ids[-1]: "grade-weak"}.get(grade, "")
    return f"<span class='{css}'>{esc(facts.grade_label(grade, lang))}</span>"


def _bar(score: float, mean: float) -> str:
    s = 0.0 if not np.isfinite(score) else max(0.0, min(100.0, float(score)))
    m = max(0.0, min(100.0, float(mean))) if np.isfinite(mean) else None
    marker = f"<i style='left:{m:.1f}%'></i>" if m is not None else ""
    return f"<span class='bar'><span style='width:{s:.1f}%'></span>{marker}</span>"


# ---------------------------------------------------------------- one branch

def branch_report_html(facts, branch_id: str, *, lang: str = "zh", losses: int = 6) -> str:
    """The feedback sheet of one branch as an HTML document (see the module docstring)."""
    title = tr("meeting_report_branch_title", lang, year=facts.period)
    name = facts.standing.loc[branch_id, "name"] if branch_id in facts.standing.index else branch_id
    return _page(f"{title} {name}", branch_report_body(facts, branch_id, lang=lang, losses=losses),
                 _footer(facts, lang), lang)


def branch_report_body(facts, branch_id: str, *, lang: str = "zh", losses: int = 6) -> str:
    """What :func:`branch_report_html` holds inside ``<body>`` (without the footer)."""
    st = facts.standing
    if branch_id not in st.index:
        raise MeetingError("meeting_branch_unknown", branch=branch_id)
    fw, result = facts.framework, facts.result
    row = st.loc[branch_id]
    title = tr("meeting_report_branch_title", lang, year=facts.period)
    parts = [f"<h1>{esc(title)}</h1>",
             f"<div class='who'>{esc(str(row['name']))}</div>",
             f"<div class='meta'>{esc(tr('meeting_label_branch_id', lang))} {esc(str(branch_id))} · "
             f"{esc(tr('meeting_label_township', lang))} {esc(str(row['township']))} · "
             f"{esc(tr('meeting_label_kind', lang))} {esc(_kind(row['kind'], lang))}</div>"]
    facts_row = [
        (tr("meeting_label_total", lang), esc(_num(row["total"]))),
        (tr("meeting_label_rank", lang), esc(_rank(row["rank"], row["of"], lang))),
        (tr("meeting_label_rank_township", lang), esc(_rank(row["rank_township"], row["of_township"], lang))),
        (tr("meeting_label_rank_kind", lang), esc(_rank(row["rank_kind"], row["of_kind"], lang))),
        (tr("meeting_label_grade", lang), _grade_html(facts, row["grade"], lang)),
    ]
    parts.append("<div class='facts'>" + "".join(
        f"<div class='fact'><div class='l'>{esc(label)}</div><div class='v'>{value}</div></div>"
        for label, value in facts_row) + "</div>")
    vetoes = result.vetoes[result.vetoes["branch_id"] == branch_id]
    for v in vetoes.itertuples(index=False):
        parts.append("<div class='alert'>" + esc(tr("meeting_veto", lang, veto=v.veto_zh if lang == "zh" else v.veto_en,
                                                    before=facts.grade_label(v.grade_before, lang),
                                                    after=facts.grade_label(v.grade_after, lang))) + "</div>")
    if bool(row["quota_demoted"]):
        parts.append(f"<div class='alert'>{esc(tr('meeting_quota', lang))}</div>")

    # profile against the county (and the township)
    dims = result.dimensions
    county = dims.mean()
    town_ids = st.index[st["township"] == row["township"]]
    town = dims.reindex(town_ids).mean()
    mine = dims.loc[branch_id]
    parts.append(f"<h2>{esc(tr('meeting_section_profile', lang))}</h2>")
    parts.append(_table(
        [(tr("meeting_col_dimension", lang), False), (tr("meeting_col_branch", lang), True), ("", False),
         (tr("meeting_col_county", lang), True), (tr("meeting_col_township", lang), True),
         (tr("meeting_col_difference", lang), True)],
        [[esc(fw.label(d, lang)), esc(_num(mine[d])), _bar(mine[d], county[d]), esc(_num(county[d])),
          esc(_num(town[d])), esc(f"{mine[d] - county[d]:+.1f}" if np.isfinite(mine[d]) else "—")]
         for d in fw.dimension_ids]))

    # indicators where it lost most (contribution against the county mean, most lowering first)
    explained = result.explain(branch_id, lang=lang)
    lost = explained[explained["contribution"] < -1e-9].sort_values("contribution", kind="stable").head(losses)
    parts += _section(
        tr("meeting_section_losses", lang), tr("meeting_no_losses", lang),
        [(tr("meeting_col_indicator", lang), False), (tr("meeting_col_dimension", lang), False),
         (tr("meeting_col_value", lang), True), (tr("meeting_col_score", lang), True),
         (tr("meeting_col_mean_score", lang), True), (tr("meeting_col_effect", lang), True)],
        [[esc(r.label), esc(fw.label(r.dimension, lang)), esc(_value(r.value)), esc(_num(r.score)),
          esc(_num(r.mean_score)), esc(f"{r.contribution:+.1f}")] for r in lost.itertuples(index=False)])

    # open and overdue problems
    problems = facts.problems
    mine_p = problems[(problems["branch_id"] == branch_id) & problems["status"].isin(_OPEN)]
    parts += _section(
        tr("meeting_section_problems", lang), tr("meeting_no_open_problems", lang),
        [(tr("meeting_col_category", lang), False), (tr("meeting_col_severity", lang), False),
         (tr("meeting_col_found", lang), False), (tr("meeting_col_due", lang), False),
         (tr("meeting_col_status", lang), False), (tr("meeting_col_days_overdue", lang), True)],
        [[esc(_label("category_", r.category, lang)), esc(_label("severity_", r.severity, lang)),
          esc(_date(r.found)), esc(_date(r.due)),
          (f"<span class='bad'>{esc(_label('status_', r.status, lang))}</span>" if r.status == "overdue"
           else esc(_label("status_", r.status, lang))),
          esc(str(int(r.days_overdue)) if r.days_overdue else "")] for r in mine_p.itertuples(index=False)])

    # rule violations and what to do about each
    v = facts.violations
    mine_v = v[v["branch_id"] == branch_id]
    parts += _section(
        tr("meeting_section_violations", lang), tr("meeting_no_violations", lang),
        [(tr("meeting_col_rule", lang), False), (tr("meeting_col_severity", lang), False),
         (tr("meeting_col_finding", lang), False), (tr("meeting_col_fix", lang), False)],
        [[esc(rule_label(str(r.rule), lang)), esc(_label("rule_severity_", r.severity, lang)),
          esc(str(r.message_zh if lang == "zh" else r.message_en)),
          esc(tr(f"meeting_fix_{r.rule}", lang) if f"meeting_fix_{r.rule}" in MESSAGES else "")]
         for r in mine_v.itertuples(index=False)])

    # last year beside this year
    parts.append(f"<h2>{esc(tr('meeting_section_years', lang))}</h2>")
    if facts.previous is None or branch_id not in facts.previous.total.index:
        parts.append(f"<p class='none'>{esc(tr('meeting_no_previous', lang, year=facts.period - 1))}</p>")
    else:
        prev = facts.previous
        before_of = int(prev.total.notna().sum())
        parts.append(_table(
            [("", False), (tr("meeting_col_year", lang, year=facts.period - 1), True),
             (tr("meeting_col_year", lang, year=facts.period), True)],
            [[esc(tr("meeting_label_total", lang)), esc(_num(prev.total[branch_id])), esc(_num(row["total"]))],
             [esc(tr("meeting_label_rank", lang)), esc(_rank(prev.rank[branch_id], before_of, lang)),
              esc(_rank(row["rank"], row["of"], lang))],
             [esc(tr("meeting_label_grade", lang)), _grade_html(facts, _grade_id(prev.grade[branch_id]), lang),
              _grade_html(facts, row["grade"], lang)]]))
    return "".join(parts)


def _grade_id(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


# ---------------------------------------------------------------- one township

def township_report_html(facts, township: str, *, lang: str = "zh", weakest: int = 5) -> str:
    """The summary of one township as an HTML document: grades and ranks, problems, violations, weak points."""
    title = tr("meeting_report_township_title", lang, year=facts.period)
    return _page(f"{title} {township}", township_report_body(facts, township, lang=lang, weakest=weakest),
                 _footer(facts, lang), lang)


def township_report_body(facts, township: str, *, lang: str = "zh", weakest: int = 5) -> str:
    """What :func:`township_report_html` holds inside ``<body>`` (without the footer)."""
    st = facts.standing
    rows = st[st["township"] == township]
    if rows.empty:
        raise MeetingError("meeting_branch_unknown", branch=township)
    fw, result = facts.framework, facts.result
    title = tr("meeting_report_township_title", lang, year=facts.period)
    ids = rows.index
    parts = [f"<h1>{esc(title)}</h1>", f"<div class='who'>{esc(str(township))}</div>",
             f"<div class='meta'>{esc(tr('meeting_summary_township', lang, n=len(rows), mean=_num(rows['total'].mean()), county=_num(st['total'].mean())))}</div>"]
    counts = rows["grade"].value_counts()
    parts.append("<div class='facts'>" + "".join(
        f"<div class='fact'><div class='l'>{esc(fw.label(g, lang))}</div><div class='v'>{int(counts.get(g, 0))}</div></div>"
        for g in fw.grade_ids) + "</div>")

    problems = facts.problems[facts.problems["branch_id"].isin(ids)]
    open_by = problems[problems["status"].isin(_OPEN)].groupby("branch_id").size()
    overdue_by = problems[problems["status"] == "overdue"].groupby("branch_id").size()
    viol = facts.violations[facts.violations["branch_id"].isin(ids)]
    viol_by = viol.groupby("branch_id").size()
    ordered = rows.sort_values(["rank_township"], kind="stable", na_position="last")
    parts.append(f"<h2>{esc(tr('meeting_section_branches', lang))}</h2>")
    parts.append(_table(
        [(tr("meeting_label_rank_township", lang), True), (tr("meeting_label_branch", lang), False),
         (tr("meeting_label_total", lang), True), (tr("meeting_label_rank", lang), True),
         (tr("meeting_label_grade", lang), False), (tr("meeting_col_open", lang), True),
         (tr("meeting_col_overdue", lang), True), (tr("meeting_col_violations", lang), True)],
        [[esc("—" if pd.isna(r.rank_township) else str(int(r.rank_township))), esc(str(r.name)),
          esc(_num(r.total)), esc("—" if pd.isna(r.rank) else str(int(r.rank))),
          _grade_html(facts, r.grade, lang) + (" *" if r.veto else ""),
          esc(str(int(open_by.get(b, 0)))), esc(str(int(overdue_by.get(b, 0)))), esc(str(int(viol_by.get(b, 0))))]
         for b, r in zip(ordered.index, ordered.itertuples(index=False))]))
    if ordered["veto"].astype(bool).any():
        parts.append(f"<p class='none'>{esc(tr('meeting_veto_note', lang))}</p>")

    parts.append(f"<h2>{esc(tr('meeting_section_problem_counts', lang))}</h2>")
    status_counts = problems["status"].value_counts()
    parts.append(_table([(tr("meeting_col_status", lang), False), (tr("meeting_axis_problems", lang), True)],
                        [[esc(_label("status_", s, lang)), esc(str(int(status_counts.get(s, 0))))]
                         for s in ("overdue", "open", "closed_late", "closed")]))

    by_rule = viol.groupby("rule").agg(branches=("branch_id", "nunique"))
    by_rule = by_rule.sort_values("branches", ascending=False, kind="stable")
    parts += _section(
        tr("meeting_section_violations", lang), tr("meeting_no_violations", lang),
        [(tr("meeting_col_rule", lang), False), (tr("meeting_axis_branches", lang), True),
         (tr("meeting_col_fix", lang), False)],
        [[esc(rule_label(str(r), lang)), esc(str(int(x["branches"]))),
          esc(tr(f"meeting_fix_{r}", lang) if f"meeting_fix_{r}" in MESSAGES else "")]
         for r, x in by_rule.iterrows()])

    # weakest points: dimensions and indicators furthest below the county
    parts.append(f"<h2>{esc(tr('meeting_section_weak_points', lang))}</h2>")
    dims = result.dimensions
    d_town, d_county = dims.reindex(ids).mean(), dims.mean()
    gap = (d_town - d_county).sort_values()
    parts.append(_table(
        [(tr("meeting_col_dimension", lang), False), (tr("meeting_col_township", lang), True),
         (tr("meeting_col_county", lang), True), (tr("meeting_col_difference", lang), True)],
        [[esc(fw.label(d, lang)), esc(_num(d_town[d])), esc(_num(d_county[d])), esc(f"{gap[d]:+.1f}")]
         for d in gap.index]))
    ind = result.indicators
    i_gap = (ind.reindex(ids).mean() - ind.mean()).dropna().sort_values().head(weakest)
    i_gap = i_gap[i_gap < 0]
    if len(i_gap):
        labels = {i.id: i.label(lang) for i in fw.indicators}
        parts.append("<p></p>" + _table(
            [(tr("meeting_col_indicator", lang), False), (tr("meeting_col_township", lang), True),
             (tr("meeting_col_county", lang), True), (tr("meeting_col_difference", lang), True)],
            [[esc(labels.get(i, i)), esc(_num(ind.reindex(ids)[i].mean())), esc(_num(ind[i].mean())),
              esc(f"{g:+.1f}")] for i, g in i_gap.items()]))
    return "".join(parts)


# ---------------------------------------------------------------- the index

def index_html(facts, *, lang: str = "zh") -> str:
    """The index page: every township summary and every branch report, linked by relative address."""
    st = facts.standing
    title = tr("meeting_index_title", lang, year=facts.period)
    towns = sorted(st["township"].dropna().astype(str).unique())
    parts = [f"<h1>{esc(title)}</h1>", f"<div class='meta'>{esc(facts.context.footer(lang))}</div>",
             f"<h2>{esc(tr('meeting_index_townships', lang))}</h2><ul>"]
    parts += [f"<li><a href='{esc(quote(township_file(t)))}'>{esc(t)}</a></li>" for t in towns]
    parts.append(f"</ul><h2>{esc(tr('meeting_index_branches', lang))}</h2>")
    parts.append(_table(
        [(tr("meeting_label_rank", lang), True), (tr("meeting_label_branch", lang), False),
         (tr("meeting_label_township", lang), False), (tr("meeting_label_total", lang), True),
         (tr("meeting_label_grade", lang), False)],
        [[esc("—" if pd.isna(r.rank) else str(int(r.rank))),
          f"<a href='{esc(quote(branch_file(b)))}'>{esc(str(r.name))}</a>", esc(str(r.township)),
          esc(_num(r.total)), _grade_html(facts, r.grade, lang)]
         for b, r in zip(st.index, st.itertuples(index=False))]))
    body = "".join(parts)
    return (f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<title>{esc(title)}</title><style>{_CSS.replace('@page', '@media print {} @page')}</style></head>"
            f"<body style='margin: 10mm'>{body}</body></html>")


# ---------------------------------------------------------------- writing

@dataclass(frozen=True)
class ReportSet:
    """What :func:`write_reports` wrote."""

    folder: Path
    branches: dict[str, Path]
    townships: dict[str, Path]
    index: Path | None


def write_branch_report(facts, branch_id: str, path: str | os.PathLike, *, lang: str = "zh") -> Path:
    """The feedback sheet of one branch as a PDF at ``path`` (atomically).

    What the weight explorer's branch card writes with one click.
    """
    path = Path(path)
    print_split([Part(branch_report_body(facts, branch_id, lang=lang), path)], head=_HEAD,
                footer=facts.context.footer(lang), lang=lang, concurrency=1)
    return path


def write_reports(facts, folder: str | os.PathLike, *, lang: str = "zh", branches: Iterable[str] | None = None,
                  concurrency: int = DEFAULT_CONCURRENCY, batch: int = DEFAULT_BATCH) -> ReportSet:
    """Write every branch's report, every township's summary and ``index.html`` into ``folder``.

    With ``branches`` only those branches' reports are written (each
    atomically, beside whatever the folder holds). Otherwise the whole set is
    written into a staging folder and swapped in at the end
    (:func:`workbench.files.atomic_folder`): a failed run leaves an earlier set
    whole; files that are not reports stay. Chromium prints ``batch`` reports
    at a time as one document, which is then cut into one PDF per report
    (:func:`workbench.meeting.pdf.print_split`).
    """
    folder = Path(folder)
    st = facts.standing
    if branches is not None:
        wanted = list(dict.fromkeys(branches))
        unknown = [b for b in wanted if b not in st.index]
        if unknown:
            raise MeetingError("meeting_branch_unknown", branch=", ".join(map(str, unknown)))
        jobs = [Part(branch_report_body(facts, b, lang=lang), folder / branch_file(b)) for b in wanted]
        folder.mkdir(parents=True, exist_ok=True)
        print_split(jobs, head=_HEAD, footer=facts.context.footer(lang), lang=lang, batch=batch,
                    concurrency=concurrency)
        return ReportSet(folder, {b: j.path for b, j in zip(wanted, jobs)}, {}, None)
    towns = sorted(st["township"].dropna().astype(str).unique())
    with atomic_folder(folder, replaces=lambda name: bool(_OURS.match(name))) as staging:
        parts = [Part(township_report_body(facts, t, lang=lang), staging / township_file(t)) for t in towns]
        parts += [Part(branch_report_body(facts, b, lang=lang), staging / branch_file(b)) for b in st.index]
        print_split(parts, head=_HEAD, footer=facts.context.footer(lang), lang=lang, batch=batch,
                    concurrency=concurrency)
        with atomic_path(staging / "index.html") as tmp:
            tmp.write_text(index_html(facts, lang=lang), encoding="utf-8")
    return ReportSet(folder, {b: folder / branch_file(b) for b in st.index},
                     {t: folder / township_file(t) for t in towns}, folder / "index.html")
