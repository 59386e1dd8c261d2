"""The deck's charts: pure functions of :class:`~workbench.meeting.facts.MeetingFacts` -> plotly Figures.

Built here with plotly directly (the core never imports the view layer), in
the dashboards' look: large type for a projector, the same grade colours,
a CJK font first. Every builder is ``(facts, *, lang="zh") -> go.Figure``;
:data:`FIGURES` lists them in the deck's order.

>>> import workbench as wb
>>> from workbench.meeting.facts import gather
>>> facts = gather(wb.load("sample_data"), period=2025, draws=20)
>>> fig = grades(facts, lang="en")
>>> list(fig.data[-1].x)
['Strong', 'Standardized', 'Basic', 'Weak and lax']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import tr
from ..settings.rules import rule_label
from ..settings.violations import violations_by_rule
from ..studies.inspection import period_end, rectification_progress

__all__ = ["FIGURES", "FONT", "GRADE_PALETTE", "grade_colors", "grades", "townships", "best_and_weakest",
           "year_over_year", "violations", "rectification", "robustness"]

#: Fonts: the CJK font installed with Debian's fonts-noto-cjk first (nothing is fetched).
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, Source Han Sans SC, Helvetica, Arial, sans-serif"
#: Colours of grades, best first (those of the dashboards: colour-blind-safe, then greys).
GRADE_PALETTE = ["#1b7837", "#2166ac", "#e08214", "#b2182b", "#6f6f6f", "#a0a0a0"]
_GREY = "#b8b8b8"
_SEVERITY = {"error": "#b2182b", "warning": "#e08214"}


def grade_colors(framework) -> dict[str, str]:
    """A colour per grade id (best first), as the dashboards colour them."""
    return {g: GRADE_PALETTE[min(k, len(GRADE_PALETTE) - 1)] for k, g in enumerate(framework.grade_ids)}


def _layout(fig: go.Figure, title: str, *, height: int = 620) -> go.Figure:
    fig.update_layout(template="plotly_white", title={"text": title, "x": 0.01, "xanchor": "left",
                                                      "font": {"size": 26}},
                      font={"family": FONT, "size": 18}, height=height,
                      margin={"l": 20, "r": 30, "t": 70, "b": 40},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1})
    return fig


def grades(facts, *, lang: str = "zh") -> go.Figure:
    """Branches per grade, best first, this year beside last year (grey) when the data have it."""
    fw = facts.framework
    counts = facts.result.grade_counts()
    labels = [fw.label(g, lang) for g in counts.index]
    total = max(int(counts.sum()), 1)
    fig = go.Figure()
    if facts.previous is not None:
        before = facts.previous.grade_counts().reindex(counts.index).fillna(0).astype(int)
        fig.add_bar(x=labels, y=before.to_numpy(), name=str(facts.period - 1), marker_color=_GREY,
                    text=[str(v) for v in before], textposition="outside", cliponaxis=False)
    fig.add_bar(x=labels, y=counts.to_numpy(), name=str(facts.period),
                marker_color=[grade_colors(fw)[g] for g in counts.index],
                text=[f"{v} ({v / total:.0%})" for v in counts], textposition="outside", cliponaxis=False)
    fig.update_layout(barmode="group", bargap=0.25, yaxis_title=tr("meeting_axis_branches", lang),
                      showlegend=facts.previous is not None)
    fig.update_yaxes(range=[0, max(int(counts.max()), 1) * 1.22])
    return _layout(fig, tr("meeting_slide_grades", lang))


def townships(facts, *, lang: str = "zh") -> go.Figure:
    """Mean total per township (best on top), its branches per grade as a stacked bar beside."""
    st = facts.standing
    fw = facts.framework
    mean = st.groupby("township")["total"].mean().sort_values()
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.03, column_widths=[0.45, 0.55],
                        subplot_titles=(tr("meeting_axis_mean_total", lang), tr("meeting_axis_grade_mix", lang)))
    fig.add_bar(y=mean.index, x=mean.to_numpy(), orientation="h", marker_color="#2166ac", showlegend=False,
                text=[f"{v:.1f}" for v in mean], textposition="inside", row=1, col=1)
    county = float(st["total"].mean())
    fig.add_vline(x=county, line_dash="dot", line_color="#444", row=1, col=1)
    mix = pd.crosstab(st["township"], st["grade"]).reindex(index=mean.index, columns=fw.grade_ids, fill_value=0)
    for g in fw.grade_ids:
        fig.add_bar(y=mix.index, x=mix[g].to_numpy(), orientation="h", name=fw.label(g, lang),
                    marker_color=grade_colors(fw)[g], row=1, col=2)
    fig.update_layout(barmode="stack")
    lo = float(mean.min()) if len(mean) else 0.0
    fig.update_xaxes(range=[max(0.0, lo - 10), float(mean.max()) + 3 if len(mean) else 100], row=1, col=1)
    return _layout(fig, tr("meeting_slide_townships", lang), height=max(620, 36 * len(mean) + 160))


def best_and_weakest(facts, *, lang: str = "zh", n: int = 10) -> go.Figure:
    """The ``n`` best and ``n`` weakest branches by total, coloured by grade."""
    st = facts.standing.dropna(subset=["total"])
    colors = grade_colors(facts.framework)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.22,
                        subplot_titles=(tr("meeting_best_n", lang, n=n), tr("meeting_weakest_n", lang, n=n)))
    for col, part in ((1, st.head(n)), (2, st.tail(n).iloc[::-1])):
        part = part.iloc[::-1]  # plotly draws the first bar at the bottom
        fig.add_bar(y=[f"{r.name} ({int(r.rank)})" for r in part.itertuples()], x=part["total"].to_numpy(),
                    orientation="h", marker_color=[colors.get(g, _GREY) for g in part["grade"]],
                    text=[f"{v:.1f}" for v in part["total"]], textposition="inside", showlegend=False,
                    row=1, col=col)
    fig.update_xaxes(range=[0, 100])
    fig.update_yaxes(tickfont={"size": 14})
    return _layout(fig, tr("meeting_slide_best_weakest", lang))


def year_over_year(facts, *, lang: str = "zh") -> go.Figure:
    """Grade transitions from last year (rows) to this year (columns): how many moved where."""
    if facts.years is None:
        return _empty(tr("meeting_no_previous", lang, year=facts.period - 1), tr("meeting_slide_years", lang))
    m = facts.years.transitions
    fw = facts.framework
    rows = [fw.label(g, lang) for g in m.index]
    cols = [fw.label(g, lang) for g in m.columns]
    z = m.to_numpy()
    fig = go.Figure(go.Heatmap(z=z, x=cols, y=rows, colorscale="Blues", showscale=False,
                               text=z, texttemplate="%{text}", textfont={"size": 22}))
    fig.update_yaxes(autorange="reversed", title=tr("yoy_before", lang, year=facts.period - 1))
    fig.update_xaxes(side="top", title=tr("yoy_after", lang, year=facts.period))
    return _layout(fig, tr("meeting_slide_years", lang))


def violations(facts, *, lang: str = "zh") -> go.Figure:
    """Branches per violated rule, errors red and warnings orange, the most common on top."""
    by_rule = violations_by_rule(facts.violations)
    if by_rule.empty:
        return _empty(tr("meeting_no_violations", lang), tr("meeting_slide_violations", lang))
    by_rule = by_rule.sort_values("branches")
    fig = go.Figure(go.Bar(y=[rule_label(r, lang) for r in by_rule.index], x=by_rule["branches"].to_numpy(),
                           orientation="h", text=by_rule["branches"].to_numpy(), textposition="outside",
                           cliponaxis=False,
                           marker_color=[_SEVERITY.get(str(s), _GREY) for s in by_rule["severity"]]))
    fig.update_xaxes(title=tr("meeting_axis_branches", lang))
    return _layout(fig, tr("meeting_slide_violations", lang), height=max(620, 34 * len(by_rule) + 140))


def rectification(facts, *, lang: str = "zh") -> go.Figure:
    """Problems found and closed off through the year (cumulative), open and overdue at each month's end."""
    start = pd.Timestamp(facts.period, 1, 1)
    rows = facts.problems[facts.problems["found"] >= start]
    if rows.empty:
        return _empty(tr("meeting_no_problems", lang), tr("meeting_slide_rectification", lang))
    progress = rectification_progress(rows, start=start, end=period_end(facts.period))
    fig = go.Figure()
    styles = {"found": ("#2166ac", "solid"), "closed": ("#1b7837", "solid"), "open": ("#e08214", "dash"),
              "overdue": ("#b2182b", "dot")}
    for column, (color, dash) in styles.items():
        fig.add_scatter(x=progress.index, y=progress[column].to_numpy(), mode="lines+markers",
                        name=tr(f"meeting_progress_{column}", lang), line={"color": color, "dash": dash, "width": 3})
    fig.update_yaxes(title=tr("meeting_axis_problems", lang), rangemode="tozero")
    return _layout(fig, tr("meeting_slide_rectification", lang))


def robustness(facts, *, lang: str = "zh") -> go.Figure:
    """Per grade: branches whose grade holds under other weightings, and those the weighting decides."""
    fw = facts.framework
    s = facts.robustness.summary
    grade = s["grade"].astype(object)
    undecided = s["decided_by_weighting"].fillna(False).astype(bool)
    firm = grade[~undecided].value_counts().reindex(fw.grade_ids, fill_value=0)
    loose = grade[undecided].value_counts().reindex(fw.grade_ids, fill_value=0)
    labels = [fw.label(g, lang) for g in fw.grade_ids]
    fig = go.Figure()
    fig.add_bar(x=labels, y=firm.to_numpy(), name=tr("meeting_grade_firm", lang),
                marker_color=[grade_colors(fw)[g] for g in fw.grade_ids], text=firm.to_numpy(),
                textposition="inside")
    fig.add_bar(x=labels, y=loose.to_numpy(), name=tr("meeting_grade_loose", lang), marker_color="#f4a582",
                marker_pattern_shape="/", text=[str(v) if v else "" for v in loose], textposition="outside",
                cliponaxis=False)
    fig.update_layout(barmode="stack", yaxis_title=tr("meeting_axis_branches", lang))
    return _layout(fig, tr("meeting_slide_robustness", lang))


def _empty(message: str, title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 24, "color": "#6b7280"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title)


#: The deck's charts in order: name -> builder.
FIGURES = {
    "grades": grades,
    "townships": townships,
    "best_weakest": best_and_weakest,
    "years": year_over_year,
    "violations": violations,
    "rectification": rectification,
    "robustness": robustness,
}
