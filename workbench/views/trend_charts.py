"""Charts of the weak-and-lax screening and of the year-over-year view (pure: result -> Figure).

Same shape as :mod:`workbench.views.charts`: ``(result, *, lang="zh",
title=None, height=None, theme="light", ...) -> go.Figure``, reading nothing
but the arguments; every text from data passes :func:`~workbench.views.charts.plain`.

- screening (:class:`workbench.settings.screening.ScreeningResult`):
  :func:`screening_by_township`, :func:`screening_triggers`;
- year over year (:class:`workbench.studies.trends.YearOverYear`):
  :func:`grade_transitions`, :func:`rank_shifts`, :func:`township_trends`,
  :func:`movers_bars`, :func:`why_bars`.

>>> import workbench as wb
>>> from workbench.studies.trends import year_over_year
>>> fig = grade_transitions(year_over_year(wb.load("sample_data")), lang="en")
>>> fig.data[0].type, list(fig.data[0].x)
('heatmap', ['Strong', 'Standardized', 'Basic', 'Weak and lax'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..i18n import tr
from .charts import base_layout, empty_figure, plain, plain_all

__all__ = ["screening_by_township", "screening_triggers", "grade_transitions", "rank_shifts",
           "township_trends", "movers_bars", "why_bars", "GROUP_COLORS", "MOVE_COLORS"]

#: Colours of the three groups of screening criteria.
GROUP_COLORS = {"leadership": "#b2182b", "organizational_life": "#e08214", "functions": "#8073ac"}
#: Up / same / down (colour-blind-safe green, grey, red-brown).
MOVE_COLORS = {1: "#1b7837", 0: "#9e9e9e", -1: "#b2182b"}


def _top_axis_margin(fig: go.Figure, ticktext: list[str], *, axis_title: bool) -> go.Figure:
    """Room above the plot for a title, the x axis's (wrapped) labels and its title, each on its own line.

    Plotly's automatic margin makes room for the labels but not for the figure's title, which then
    sits on them; the margin is counted here instead and the title pinned to the top.
    """
    lines = max((t.count("<br>") + 1 for t in ticktext), default=1)
    top = 46 + 21 * lines + (30 if axis_title else 0) + 8
    fig.update_xaxes(automargin=False)
    fig.update_layout(margin={"t": top}, title={"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 8}})
    return fig
#: Diverging scale for changes (red down, white zero, green up).
CHANGE_SCALE = [[0.0, "#b2182b"], [0.5, "#f7f7f7"], [1.0, "#1b7837"]]


# ================================================================= screening

def _wrap(text: str, width: int) -> str:
    """A label broken into lines of about ``width`` characters (at spaces in English, anywhere in Chinese).

    >>> _wrap("Standardized", 10), _wrap("三会一课不正常", 4)
    ('Standardized', '三会一课<br>不正常')

    >>> _wrap("Committee incomplete (missing, too small)", 20)
    'Committee incomplete<br>(missing, too small)'
    """
    text = str(text)
    if len(text) <= width:
        return text
    if " " not in text:  # one English word stays whole; Chinese breaks between any characters
        return text if text.isascii() else "<br>".join(text[k:k + width] for k in range(0, len(text), width))
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + [line])


def screening_by_township(screening, *, lang: str = "zh", title: str | None = None, height: int | None = None,
                          theme: str = "light") -> go.Figure:
    """Candidates per township (red) against the other branches (grey), most candidates on top."""
    towns = screening.by_township()
    if towns.empty:
        return empty_figure(tr("screening_none", lang, period=screening.period), title=title, height=height,
                            theme=theme)
    rows = towns.iloc[::-1]
    others = rows["branches"] - rows["candidates"]
    fig = go.Figure()
    towns_shown = plain_all(rows.index)
    fig.add_bar(y=towns_shown, x=rows["candidates"], orientation="h", name=tr("screening_candidates", lang),
                marker_color="#b2182b", text=[f"{c} ({s:.0%})" if c else "" for c, s in
                                              zip(rows["candidates"], rows["share"])],
                textposition="inside", insidetextanchor="start",
                customdata=np.column_stack([rows["branches"].to_numpy(), rows["share"].to_numpy()]),
                hovertemplate="%{y}: %{x} / %{customdata[0]} (%{customdata[1]:.0%})<extra></extra>")
    fig.add_bar(y=towns_shown, x=others, orientation="h", name=tr("screening_others", lang),
                marker_color="#d0d0d0", hovertemplate="%{y}: %{x}<extra></extra>")
    fig.update_layout(barmode="stack", bargap=0.25)
    fig.update_xaxes(title=tr("screening_col_branches", lang), rangemode="tozero")
    fig.update_yaxes(title="", automargin=True)
    default = tr("screening_summary", lang, period=screening.period, n=len(screening.candidates),
                 share=len(screening.candidates) / max(len(screening.branches), 1),
                 townships=screening.candidates["township"].nunique())
    return legend_under_title(base_layout(fig, title=title if title is not None else default,
                                          height=height or 160 + 34 * len(rows), theme=theme))


def screening_triggers(screening, *, lang: str = "zh", title: str | None = None, height: int | None = None,
                       theme: str = "light") -> go.Figure:
    """Branches each criterion found, in list order, coloured by group (leadership, organizational life,
    functions)."""
    table = screening.by_trigger().iloc[::-1]
    labels = table[f"label_{'zh' if lang == 'zh' else 'en'}"].map(plain)
    fig = go.Figure()
    for group, color in GROUP_COLORS.items():
        part = table[table["group"] == group]
        if part.empty:
            continue
        fig.add_bar(y=labels[part.index], x=part["branches"], orientation="h", marker_color=color,
                    name=tr(f"screening_group_{group}", lang), text=[str(v) for v in part["branches"]],
                    textposition="outside", cliponaxis=False, customdata=plain_all(part.index),
                    hovertemplate="%{y}: %{x}<extra>%{customdata}</extra>")
    # long criteria are shown on two lines, so that the bars keep their room on a narrow screen;
    # the rows are as tall as the longest label needs (three lines ran into their neighbours)
    ticks = [_wrap(t, 14 if lang == "zh" else 34) for t in labels]
    row = max(36, 20 * max((t.count("<br>") + 1 for t in ticks), default=1) + 4)
    fig.update_yaxes(categoryorder="array", categoryarray=list(labels), title="", automargin=True,
                     tickvals=list(labels), ticktext=ticks)
    fig.update_xaxes(title=tr("screening_col_fired", lang), rangemode="tozero",
                     range=[0, max(int(table["branches"].max()) if len(table) else 1, 1) * 1.2])
    fig.update_layout(bargap=0.25)
    return legend_under_title(base_layout(fig, title=title if title is not None else tr("screening_title", lang),
                                          height=height or 160 + row * len(table), theme=theme))


def legend_under_title(fig: go.Figure) -> go.Figure:
    """The legend as one line of text under the title (a coloured square and the name of each
    trace), for a chart that may be half the page wide: plotly's own legend ran over the title at
    the top right, and stacked itself in a column when the plot beside long labels was narrow.

    >>> fig = go.Figure([go.Bar(x=[1], y=["a"], name="Leadership", marker_color="#b2182b"),
    ...                  go.Bar(x=[2], y=["b"], name="<b>x</b>", marker_color="#4575b4")])
    >>> fig = legend_under_title(base_layout(fig, title="T", height=300, theme="light"))
    >>> fig.layout.showlegend, fig.layout.title.subtitle.text
    (False, '<span style="color:#b2182b">■</span> Leadership    <span style="color:#4575b4">■</span> &lt;b&gt;x&lt;/b&gt;')
    """
    keys = [f'<span style="color:{trace.marker.color}">■</span> {plain(trace.name)}'
            for trace in fig.data if trace.name and trace.showlegend is not False]
    return fig.update_layout(showlegend=False, title={"subtitle": {"text": "    ".join(keys), "font": {"size": 15}}},
                             margin={"t": 84})


# ============================================================= year over year

def grade_transitions(yoy, *, lang: str = "zh", title: str | None = None, height: int | None = None,
                      theme: str = "light") -> go.Figure:
    """The grade transition matrix: last year's grade (rows) against this year's (columns), best first.

    The diagonal (same grade) is blue, below it (a better grade) green, above
    it (a worse grade) red; every cell shows its count.
    """
    fw = yoy.after.framework
    t = yoy.transitions
    labels = [plain(fw.label(g, lang)) for g in t.index]
    k = len(labels)
    counts = t.to_numpy(dtype="float64")
    # colour by direction, intensity by count: -1 worse ... +1 better (rows: before, columns: after)
    direction = np.sign(np.subtract.outer(np.arange(k), np.arange(k)))
    scale = counts / max(counts.max(), 1)
    z = direction * (0.25 + 0.75 * scale)
    z = np.where(direction == 0, 0.0, z)
    z = np.where(counts == 0, np.nan, z)
    before, after = yoy.periods
    fig = go.Figure(go.Heatmap(
        z=z[::-1], x=labels, y=labels[::-1], zmin=-1, zmax=1, colorscale=CHANGE_SCALE, showscale=False,
        text=counts[::-1].astype(int).astype(str), texttemplate="%{text}", textfont={"size": 20},
        customdata=counts[::-1], xgap=3, ygap=3,
        hovertemplate="%{y} → %{x}: %{customdata}<extra></extra>"))
    # labels level and on two lines where long; the column title below the figure's title, not on it
    ticktext = [_wrap(g, 6 if lang == "zh" else 10) for g in labels]
    fig.update_xaxes(side="top", title=tr("yoy_after", lang, year=after), tickangle=0, tickvals=labels,
                     ticktext=ticktext)
    fig.update_yaxes(title=tr("yoy_before", lang, year=before), automargin=True)
    default = tr("yoy_transitions", lang, before=before, after=after)
    fig = base_layout(fig, title=title if title is not None else default, height=height or 160 + 70 * k,
                      theme=theme)
    return _top_axis_margin(fig, ticktext, axis_title=True)


def rank_shifts(yoy, *, lang: str = "zh", title: str | None = None, height: int | None = None,
                theme: str = "light") -> go.Figure:
    """Each branch's total last year (x) against this year (y), coloured by grade move; the diagonal is no change."""
    b = yoy.branches.dropna(subset=["total_before", "total_after"])
    before, after = yoy.periods
    fig = go.Figure()
    for move, key in ((1, "yoy_up"), (0, "yoy_same"), (-1, "yoy_down")):
        part = b[b["grade_move"].astype("float64") == move]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["total_before"], y=part["total_after"], mode="markers", name=tr(key, lang),
            marker={"color": MOVE_COLORS[move], "size": 9 if move else 7, "opacity": 0.85 if move else 0.5},
            customdata=np.column_stack([plain_all(part.index), plain_all(part["name"]),
                                        part["shift"].astype("float64").to_numpy()]),
            hovertemplate="%{customdata[1]} (%{customdata[0]})<br>%{x:.1f} → %{y:.1f} · "
                          + tr("yoy_rank_shift", lang) + " %{customdata[2]:+.0f}<extra></extra>")
    low = float(np.nanmin(b[["total_before", "total_after"]].to_numpy())) if len(b) else 0.0
    lo = max(0.0, np.floor(low / 10) * 10)
    fig.add_scatter(x=[lo, 100], y=[lo, 100], mode="lines", line={"color": "#777", "dash": "dot"},
                    showlegend=False, hoverinfo="skip")
    # the same range on both axes: the dotted diagonal is "no change"
    fig.update_xaxes(title=tr("yoy_total_year", lang, year=before), range=[lo, 101])
    fig.update_yaxes(title=tr("yoy_total_year", lang, year=after), range=[lo, 101])
    default = tr("yoy_totals", lang, before=before, after=after)
    return base_layout(fig, title=title if title is not None else default, height=height or 560, theme=theme)


def township_trends(yoy, *, lang: str = "zh", title: str | None = None, height: int | None = None,
                    theme: str = "light") -> go.Figure:
    """Change of the mean score of each dimension (and the total) per township: a diverging heat map,
    townships sorted by the change of their total (most improved on top)."""
    t = yoy.townships
    if t.empty:
        return empty_figure(tr("no_data_for_chart", lang), title=title, height=height, theme=theme)
    fw = yoy.after.framework
    wide = t.pivot(index="township", columns="dimension", values="change")
    columns = [d for d in fw.dimension_ids if d in wide.columns] + (["total"] if "total" in wide else [])
    wide = wide[columns].sort_values("total" if "total" in wide else columns[0], kind="stable")
    before_wide = t.pivot(index="township", columns="dimension", values="before").reindex_like(wide)
    after_wide = t.pivot(index="township", columns="dimension", values="after").reindex_like(wide)
    z = wide.to_numpy(dtype="float64")
    span = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    x = [plain(fw.label(c, lang)) if c != "total" else tr("total_score", lang) for c in columns]
    hover = np.char.add(np.char.add(np.char.mod("%.1f", before_wide.to_numpy(dtype="float64")), " → "),
                        np.char.mod("%.1f", after_wide.to_numpy(dtype="float64")))
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=plain_all(wide.index), zmin=-max(span, 0.1), zmax=max(span, 0.1), colorscale=CHANGE_SCALE,
        text=np.char.mod("%+.1f", np.nan_to_num(z)), texttemplate="%{text}", textfont={"size": 15},
        customdata=hover, xgap=2, ygap=2, hovertemplate="%{y} · %{x}: %{customdata} (%{z:+.1f})<extra></extra>",
        colorbar={"title": {"text": tr("yoy_change", lang)}, "len": 0.8}))
    # the dimension names are long in English: on two or three lines they do not run into each other
    ticktext = [_wrap(c, 8 if lang == "zh" else 14) for c in x]
    fig.update_xaxes(side="top", tickangle=0, tickvals=x, ticktext=ticktext)
    fig.update_yaxes(automargin=True)
    before, after = yoy.periods
    default = tr("yoy_township_trends", lang, before=before, after=after)
    fig = base_layout(fig, title=title if title is not None else default, height=height or 180 + 34 * len(wide),
                      theme=theme)
    return _top_axis_margin(fig, ticktext, axis_title=False)


def movers_bars(yoy, *, lang: str = "zh", title: str | None = None, height: int | None = None,
                theme: str = "light") -> go.Figure:
    """The branches that moved most: rank shift as bars (green up, red down), the reasons in the hover."""
    m = yoy.movers.iloc[::-1]
    if m.empty:
        return empty_figure(tr("no_data_for_chart", lang), title=title, height=height, theme=theme)
    fw = yoy.after.framework
    shift = m["shift"].astype("float64")
    labels = [f"{plain(n)} ({plain(b)})" for n, b in zip(m["name"], m.index)]
    grades = [f"{plain(fw.label(str(g1), lang))} → {plain(fw.label(str(g2), lang))}"
              for g1, g2 in zip(m["grade_before"], m["grade_after"])]
    # the reasons name indicators of the framework: plain text, one per line
    why = m[f"why_{'zh' if lang == 'zh' else 'en'}"].map(plain).str.replace("；" if lang == "zh" else "; ", "<br>",
                                                                           regex=False)
    fig = go.Figure(go.Bar(
        x=shift, y=labels, orientation="h", marker_color=[MOVE_COLORS[int(np.sign(s))] for s in shift],
        text=[f"{s:+.0f}" for s in shift], textposition="outside", cliponaxis=False,
        customdata=np.column_stack([grades, m["total_before"].to_numpy(), m["total_after"].to_numpy(),
                                    why.to_numpy()]),
        hovertemplate="%{y}<br>%{customdata[0]} · %{customdata[1]:.1f} → %{customdata[2]:.1f}"
                      "<br>%{customdata[3]}<extra></extra>"))
    span = float(np.nanmax(np.abs(shift))) if len(shift) else 1.0
    # room for the value written outside the longest bar, so that it never runs into the branch names
    fig.update_xaxes(title=tr("yoy_rank_shift_axis", lang), zeroline=True, zerolinewidth=2,
                     range=[-span * 1.5 if (shift < 0).any() else -span * 0.05,
                            span * 1.5 if (shift > 0).any() else span * 0.05])
    fig.update_yaxes(title="", automargin=True)
    fig = base_layout(fig, title=title if title is not None else tr("yoy_movers", lang),
                      height=height or 120 + 40 * len(m), theme=theme)
    fig.update_layout(margin={"r": 60})
    return fig


def why_bars(yoy, branch_id: str, *, lang: str = "zh", title: str | None = None, height: int | None = None,
             theme: str = "light", top: int = 8) -> go.Figure:
    """Why one branch moved: the change of each indicator's contribution (``explain`` of both years)."""
    why = yoy.why(branch_id, lang=lang, top=top).iloc[::-1]
    change = why["change"].to_numpy(dtype="float64")

    def fmt(v):
        return "—" if not np.isfinite(v) else (f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}")

    values = [f"{fmt(a)} → {fmt(b)}" for a, b in zip(why["value_before"], why["value_after"])]
    fig = go.Figure(go.Bar(
        x=change, y=plain_all(why["label"]), orientation="h",
        marker_color=[MOVE_COLORS[int(np.sign(round(c, 9)))] for c in change],
        text=[f"{c:+.1f}" for c in change], textposition="outside", cliponaxis=False,
        customdata=np.column_stack([values, plain_all(why["indicator"])]),
        hovertemplate="%{y}: %{customdata[0]} (%{x:+.2f})<extra>%{customdata[1]}</extra>"))
    span = max(float(np.nanmax(np.abs(change))) if len(change) else 1.0, 0.1)
    fig.update_xaxes(title=tr("yoy_change", lang), zeroline=True, zerolinewidth=2,
                     range=[-span * 1.3 if (change < 0).any() else -span * 0.05,
                            span * 1.3 if (change > 0).any() else span * 0.05])
    fig.update_yaxes(title="", automargin=True)
    name = yoy.branches.loc[branch_id, "name"] if branch_id in yoy.branches.index else branch_id
    before, after = yoy.periods
    default = f"{plain(name)} · {before} → {after}"
    return base_layout(fig, title=title if title is not None else default, height=height or 120 + 40 * len(why),
                       theme=theme)
