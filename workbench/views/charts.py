"""Charts as pure functions: core results -> plotly Figures.

Every builder has the same shape, ``(result, *, lang="zh", title=None,
height=None, theme="light", ...) -> go.Figure``, and reads nothing but its
arguments. Every text that comes from data (branch and township names, the
labels of a county's framework, ids) passes :func:`plain` on its way in, so
that plotly shows it as typed: plotly reads a few HTML tags in any text it
draws (``<a href>`` becomes a link, ``<span style>`` styles, ``<br>`` breaks). Widgets keep one chart each and draw each new figure into it
(:class:`workbench.views.widgets.plotly_chart.PlotlyChart`); tests inspect ``fig.data``
and ``fig.layout``.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> result = wb.Scheme(wb.Framework.default()).score(wb.compute_indicators(data))
>>> fig = grade_distribution(result, lang="en")
>>> list(fig.data[0].x)
['Strong', 'Standardized', 'Basic', 'Weak and lax']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from ..i18n import tr

__all__ = [
    "grade_distribution",
    "township_scores",
    "ranking",
    "branch_profile",
    "contributions",
    "branch_card",
    "rank_intervals",
    "effective_weights",
    "grade_colors",
    "base_layout",
    "names_of",
    "plain",
]

#: Colours of grades, best first (a colour-blind-safe sequence, then greys for extra grades).
GRADE_PALETTE = ["#1b7837", "#2166ac", "#e08214", "#b2182b", "#6f6f6f", "#a0a0a0"]
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, Source Han Sans SC, Helvetica, Arial, sans-serif"


def _template(theme: str):
    """The plotly template object (looked up once: assigning one by name re-validates it, ~15 ms)."""
    name = "plotly_dark" if theme == "dark" else "plotly_white"
    if name not in _TEMPLATES:
        _TEMPLATES[name] = pio.templates[name]
    return _TEMPLATES[name]


_TEMPLATES: dict = {}


def base_layout(fig: go.Figure, *, title: str | None, height: int | None, theme: str) -> go.Figure:
    """Large fonts that read on a projector, our template, compact margins."""
    # plotly validates (deep-copies) a template on every assignment, ~10 ms a figure; ours are
    # plotly's own, already valid, so they are set without validation as plotly does for its default
    layout = fig.layout
    layout._validate = False
    try:
        layout.template = _template(theme)
    finally:
        layout._validate = True
    fig.update_layout(
        title={"text": title or "", "x": 0.01, "xanchor": "left", "font": {"size": 22}},
        font={"family": FONT, "size": 16},
        height=height,
        margin={"l": 20, "r": 20, "t": 60 if title else 20, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
    )
    if theme == "dark":
        fig.update_layout(paper_bgcolor="#1e1f24", plot_bgcolor="#1e1f24")
    return fig


def grade_colors(framework) -> dict[str, str]:
    """A colour per grade id (best first)."""
    return {g: GRADE_PALETTE[min(i, len(GRADE_PALETTE) - 1)] for i, g in enumerate(framework.grade_ids)}


def plain(text) -> str:
    """Text from data as plotly must show it: literally, never as markup.

    Plotly turns ``<a href=...>`` in a label into a link, ``<span style=...>``
    into styled text and ``<br>`` into a line break; ``&``, ``<`` and ``>``
    escaped as entities are drawn as the characters themselves.

    Examples
    --------
    >>> plain('<a href="http://evil.example/phish">x</a> & co')
    '&lt;a href="http://evil.example/phish"&gt;x&lt;/a&gt; &amp; co'
    >>> plain(None), plain(3)
    ('', '3')
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_all(texts) -> list[str]:
    """:func:`plain` of each text."""
    return [plain(t) for t in texts]


def names_of(data) -> pd.Series:
    """Branch names by branch_id from a BranchData (or None)."""
    if data is None:
        return pd.Series(dtype=object)
    return data.branches.set_index("branch_id")["name"]


def _label(names: pd.Series | None, ids) -> list[str]:
    """The names of ``ids`` (the id where there is none), made :func:`plain`."""
    ids = list(ids)
    if names is None or not len(names):
        return plain_all(ids)
    return [plain(names.get(i, i)) for i in ids]


# --------------------------------------------------------------------- grades

def grade_distribution(result, *, lang: str = "zh", title: str | None = None, height: int | None = None,
                       theme: str = "light", baseline=None) -> go.Figure:
    """Branches per grade (best first); with ``baseline``, its counts beside in grey."""
    fw = result.framework
    counts = result.grade_counts()
    total = max(int(counts.sum()), 1)
    labels = [plain(fw.label(g, lang)) for g in counts.index]
    colors = [grade_colors(fw)[g] for g in counts.index]
    fig = go.Figure()
    if baseline is not None:
        base = baseline.grade_counts().reindex(counts.index).fillna(0)
        fig.add_bar(x=labels, y=base.to_numpy(), name=tr("baseline", lang), marker_color="#b8b8b8",
                    text=[f"{int(v)}" for v in base], textposition="outside", cliponaxis=False)
    fig.add_bar(x=labels, y=counts.to_numpy(), name=tr("current", lang) if baseline is not None else "",
                marker_color=colors, showlegend=baseline is not None,
                text=[f"{v} ({v / total:.0%})" for v in counts], textposition="outside", cliponaxis=False,
                hovertemplate="%{x}: %{y}<extra></extra>")
    fig.update_layout(barmode="group", yaxis_title=tr("count", lang), bargap=0.25)
    top = max(counts.max(), base.max() if baseline is not None else 0, 1)
    fig.update_yaxes(rangemode="tozero", range=[0, top * 1.2])
    return base_layout(fig, title=title if title is not None else tr("grade_distribution", lang),
                       height=height, theme=theme)


# ------------------------------------------------------------------ townships

def township_scores(result, groups: pd.Series, *, lang: str = "zh", title: str | None = None,
                    height: int | None = None, theme: str = "light") -> go.Figure:
    """Distribution of totals per township (box plots, sorted by median, best on top)."""
    frame = pd.DataFrame({"total": result.total, "township": pd.Series(groups).reindex(result.total.index)})
    frame = frame.dropna()
    frame["township"] = plain_all(frame["township"])
    order = frame.groupby("township")["total"].median().sort_values().index.tolist()
    fig = go.Figure(go.Box(
        x=frame["total"], y=frame["township"], orientation="h", boxmean=True, marker_color="#2166ac",
        line_width=1.5, name=tr("total_score", lang), hovertemplate="%{y}: %{x:.1f}<extra></extra>"))
    bands = [g for g in result.framework.grades if g.min is not None and g.min > 0]
    for g in bands:
        fig.add_vline(x=g.min, line_dash="dot", line_color=grade_colors(result.framework)[g.id],
                      annotation_text=plain(g.label(lang)), annotation_position="top")
    fig.update_yaxes(categoryorder="array", categoryarray=order, title="")
    fig.update_xaxes(title=tr("total_score", lang))
    fig.update_layout(showlegend=False)
    height = height or max(320, 34 * len(order) + 120)
    return base_layout(fig, title=title if title is not None else tr("score_by_township", lang),
                       height=height, theme=theme)


# -------------------------------------------------------------------- ranking

def _shift_text(shift, lang: str) -> str:
    if pd.isna(shift):
        return ""
    shift = int(shift)
    if shift > 0:
        return f"▲{shift}"
    if shift < 0:
        return f"▼{-shift}"
    return "–"


def ranking(result, *, lang: str = "zh", title: str | None = None, height: int | None = None,
            theme: str = "light", names: pd.Series | None = None, baseline=None, n: int = 10,
            which: str = "top") -> go.Figure:
    """Top (or bottom) ``n`` branches: totals coloured by grade, rank shift against ``baseline``."""
    fw = result.framework
    order = result.frame()
    order = order[order["total"].notna()]
    rows = order.head(n) if which == "top" else order.tail(n)
    shift = None
    if baseline is not None:
        shift = (baseline.rank.reindex(rows.index) - result.rank.reindex(rows.index))
    labels = [f"{int(r)}. {nm}" for r, nm in zip(rows["rank"], _label(names, rows.index))]
    colors = [grade_colors(fw).get(str(g), "#888") for g in rows["grade"]]
    text = [f"{t:.1f}  {_shift_text(shift[b], lang) if shift is not None else ''}".strip()
            for b, t in zip(rows.index, rows["total"])]
    grade_names = [plain(fw.label(str(g), lang)) for g in rows["grade"]]
    fig = go.Figure(go.Bar(
        x=rows["total"], y=labels, orientation="h", marker_color=colors, text=text, textposition="outside",
        cliponaxis=False, customdata=np.column_stack([plain_all(rows.index), grade_names]),
        hovertemplate="%{y}<br>%{customdata[1]} · %{x:.1f}<extra>%{customdata[0]}</extra>"))
    fig.update_yaxes(autorange="reversed", title="")
    low = float(rows["total"].min()) if len(rows) else 0.0
    fig.update_xaxes(title=tr("total_score", lang), range=[max(0.0, min(low - 10, 60)), 100], tickangle=0, nticks=6)
    default_title = tr("top_n" if which == "top" else "bottom_n", lang, n=n)
    height = height or 60 + 38 * max(len(rows), 3) + 40
    fig = base_layout(fig, title=title if title is not None else default_title, height=height, theme=theme)
    fig.update_layout(margin={"r": 90})  # room for the totals and shifts right of the bars
    return fig


# -------------------------------------------------------------------- profile

def _profile_traces(result, branch_id: str, lang: str, names) -> tuple[list, str]:
    fw = result.framework
    if branch_id not in result.dimensions.index:
        raise KeyError(f"no branch {branch_id!r} in this assessment")
    dims = result.dimensions
    labels = [_wrap(plain(d.label(lang)), 14) for d in fw.dimensions]
    mine = dims.loc[branch_id].to_numpy()
    mean = dims.mean().to_numpy()
    name = _label(names, [branch_id])[0]
    traces = [
        go.Scatterpolar(r=np.r_[mean, mean[:1]], theta=labels + labels[:1], name=tr("county_mean", lang),
                        line_color="#9e9e9e", line_dash="dot"),
        go.Scatterpolar(r=np.r_[mine, mine[:1]], theta=labels + labels[:1], name=name, fill="toself",
                        line_color=grade_colors(fw).get(str(result.grade[branch_id]), "#2166ac"),
                        hovertemplate="%{theta}: %{r:.1f}<extra></extra>"),
    ]
    grade = plain(fw.label(str(result.grade[branch_id]), lang)) if pd.notna(result.grade[branch_id]) else ""
    return traces, f"{name} · {result.total[branch_id]:.1f} · {grade}"


_POLAR = {"radialaxis": {"range": [0, 100], "tickfont": {"size": 12}}, "angularaxis": {"tickfont": {"size": 14}}}


def branch_profile(result, branch_id: str, *, lang: str = "zh", title: str | None = None,
                   height: int | None = None, theme: str = "light", names: pd.Series | None = None
                   ) -> go.Figure:
    """Radar of a branch's dimension scores against the county mean."""
    traces, default_title = _profile_traces(result, branch_id, lang, names)
    fig = go.Figure(traces)
    fig.update_layout(polar=_POLAR)
    fig = base_layout(fig, title=title if title is not None else default_title, height=height or 460,
                      theme=theme)
    # long dimension names sit left and right of the circle: leave them room
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.08, "xanchor": "center", "x": 0.5},
                      margin={"b": 60, "l": 90, "r": 90})
    return fig


def _contribution_trace(result, branch_id: str, lang: str, n: int) -> go.Bar:
    ex = result.explain(branch_id, lang=lang)
    ex = ex[ex["contribution"].abs() > 1e-9]
    picked = pd.concat([ex.head(n), ex.tail(n)]).drop_duplicates("indicator")
    picked = picked.sort_values("contribution")
    colors = np.where(picked["contribution"] >= 0, "#1b7837", "#b2182b")
    return go.Bar(
        x=picked["contribution"], y=plain_all(picked["label"]), orientation="h", marker_color=colors,
        showlegend=False,
        text=[f"{c:+.1f}" for c in picked["contribution"]], textposition="outside", cliponaxis=False,
        customdata=np.column_stack([picked["value"].round(2), picked["score"].round(1)]),
        hovertemplate="%{y}<br>%{customdata[0]} → %{customdata[1]}<extra>%{x:+.2f}</extra>")


def contributions(result, branch_id: str, *, lang: str = "zh", title: str | None = None,
                  height: int | None = None, theme: str = "light", n: int = 6) -> go.Figure:
    """The ``n`` indicators that raise and the ``n`` that lower a branch most (``explain``)."""
    bar = _contribution_trace(result, branch_id, lang, n)
    fig = go.Figure(bar)
    fig.update_xaxes(title=tr("contribution", lang), zeroline=True, range=_padded(bar.x))
    fig.update_yaxes(title="", automargin=True)
    height = height or 60 + 32 * max(len(bar.y), 3) + 50
    return base_layout(fig, title=title if title is not None else tr("contributions", lang), height=height,
                       theme=theme)


def _padded(values, pad: float = 0.25) -> list[float]:
    """An axis range around 0 and ``values`` with room for the value labels outside the bars."""
    values = np.asarray(values, dtype="float64")
    lo, hi = min(0.0, float(np.nanmin(values, initial=0))), max(0.0, float(np.nanmax(values, initial=0)))
    span = max(hi - lo, 1e-9)
    return [lo - pad * span if lo < 0 else 0.0, hi + pad * span if hi > 0 else 0.0]


def branch_card(result, branch_id: str, *, lang: str = "zh", title: str | None = None,
                height: int | None = None, theme: str = "light", names: pd.Series | None = None,
                n: int = 6) -> go.Figure:
    """:func:`branch_profile` and :func:`contributions` side by side in one figure."""
    traces, default_title = _profile_traces(result, branch_id, lang, names)
    bar = _contribution_trace(result, branch_id, lang, n)
    fig = go.Figure([*traces, bar])
    # the radar on the left, the bars on the right (domains, not make_subplots: a slider re-draws this)
    fig.update_layout(
        polar={**_POLAR, "domain": {"x": [0.0, 0.36], "y": [0.0, 0.92]}},
        xaxis={"domain": [0.62, 1.0], "title": tr("contribution", lang), "zeroline": True,
               "range": _padded(bar.x)},
        yaxis={"title": "", "automargin": True},
        annotations=[
            {"text": tr("profile", lang), "x": 0.18, "y": 1.0, "xref": "paper", "yref": "paper",
             "showarrow": False, "font": {"size": 18}, "xanchor": "center", "yanchor": "bottom"},
            {"text": tr("contributions", lang), "x": 0.81, "y": 1.0, "xref": "paper", "yref": "paper",
             "showarrow": False, "font": {"size": 18}, "xanchor": "center", "yanchor": "bottom"},
        ],
    )
    fig = base_layout(fig, title=title if title is not None else default_title,
                      height=height or max(480, 60 + 32 * len(bar.y) + 90), theme=theme)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.1, "xanchor": "left", "x": 0},
                      margin={"l": 110, "r": 60, "b": 80, "t": 100})
    return fig


# ---------------------------------------------------------------- robustness

def rank_intervals(intervals: pd.DataFrame, *, lang: str = "zh", title: str | None = None,
                   height: int | None = None, theme: str = "light", names: pd.Series | None = None,
                   n: int = 30) -> go.Figure:
    """P5-P95 rank intervals of the ``n`` best nominal ranks.

    ``intervals``: indexed by branch_id with columns ``nominal_rank``, ``p5``,
    ``p50``, ``p95`` (what :func:`workbench.monte_carlo` returns).
    """
    rows = intervals.sort_values("nominal_rank").head(n)
    labels = _label(names, rows.index)
    fig = go.Figure()
    fig.add_scatter(x=rows["p50"], y=labels, mode="markers", name=tr("median_rank", lang),
                    marker={"size": 9, "color": "#2166ac"},
                    error_x={"type": "data", "symmetric": False, "array": rows["p95"] - rows["p50"],
                             "arrayminus": rows["p50"] - rows["p5"], "thickness": 2, "width": 4})
    fig.add_scatter(x=rows["nominal_rank"], y=labels, mode="markers", name=tr("nominal_rank", lang),
                    marker={"size": 10, "color": "#e08214", "symbol": "diamond"})
    fig.update_yaxes(autorange="reversed", title="")
    fig.update_xaxes(title=tr("rank", lang), rangemode="tozero")
    height = height or 80 + 26 * max(len(rows), 3) + 40
    return base_layout(fig, title=title if title is not None else tr("rank_intervals", lang), height=height,
                       theme=theme)


# -------------------------------------------------------------------- weights

def effective_weights(scheme, *, lang: str = "zh", title: str | None = None, height: int | None = None,
                      theme: str = "light") -> go.Figure:
    """Sunburst of the weights: dimensions, then their indicators (effective shares)."""
    fw = scheme.framework
    dims = scheme.dimension_weights
    eff = scheme.effective_weights
    ids, parents, values, labels = [], [], [], []
    for d in fw.dimensions:
        ids.append(d.id)
        parents.append("")
        values.append(float(dims[d.id]))
        labels.append(plain(d.label(lang)))
        for i in d.indicators:
            ids.append(i.id)
            parents.append(d.id)
            values.append(float(eff[i.id]))
            labels.append(plain(i.label(lang)))
    fig = go.Figure(go.Sunburst(ids=ids, parents=parents, values=values, labels=labels, branchvalues="total",
                                hovertemplate="%{label}: %{value:.1%}<extra></extra>",
                                texttemplate="%{label}<br>%{value:.0%}", insidetextorientation="horizontal"))
    return base_layout(fig, title=title if title is not None else tr("weights_chart", lang),
                       height=height or 460, theme=theme)


# =====================================================================================
# Dashboards II: branch settings, inspection and rectification, research (issue 7).
# Same signature style: (result, *, lang="zh", title=None, height=None, theme="light", ...).

__all__ += [
    "violations_overview",
    "scenario_before_after",
    "completion_heatmap",
    "method_scores",
    "rectification_progress",
    "correlation_heatmap",
    "scatter_fit",
    "cluster_profiles",
    "movers_changes",
    "empty_figure",
]

SEVERITY_COLORS = {"error": "#b2182b", "warning": "#e08214"}
METHOD_COLORS = {"platform": "#2166ac", "onsite": "#e08214", "materials": "#1b7837"}
COMPLETION_SCALE = [[0.0, "#b2182b"], [0.5, "#f4a582"], [0.75, "#fddbc7"], [0.9, "#a6dba0"], [1.0, "#1b7837"]]


def _wrap(text: str, width: int = 18) -> str:
    """Break a long English label into lines (Chinese labels are short enough)."""
    text = str(text)
    if len(text) <= width or " " not in text:
        return text
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def empty_figure(message: str, *, title: str | None = None, height: int | None = None,
                 theme: str = "light") -> go.Figure:
    """A figure that says there is nothing to show (instead of a blank chart)."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 18})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return base_layout(fig, title=title, height=height or 260, theme=theme)


def violations_overview(by_rule: pd.DataFrame, by_township: pd.DataFrame, *, lang: str = "zh",
                        title: str | None = None, height: int | None = None, theme: str = "light") -> go.Figure:
    """Violations by rule (bars coloured by severity) beside violations by township (stacked).

    ``by_rule``: :func:`workbench.settings.violations.violations_by_rule`;
    ``by_township``: :func:`workbench.settings.violations.violations_by_township`.
    """
    
    from ..settings.violations import rule_label

    fig = make_subplots(rows=1, cols=2, column_widths=[0.56, 0.44], horizontal_spacing=0.22,
                        subplot_titles=[tr("violations_by_rule", lang), tr("violations_by_township", lang)])
    rules = by_rule.iloc[::-1]
    fig.add_bar(x=rules["count"], y=[plain(rule_label(r, lang)) for r in rules.index], orientation="h",
                marker_color=[SEVERITY_COLORS.get(s, "#888") for s in rules["severity"]],
                text=[f"{c}" for c in rules["count"]], textposition="outside", cliponaxis=False,
                customdata=np.column_stack([rules["branches"].to_numpy(), plain_all(rules.index)])
                if len(rules) else None,
                hovertemplate="%{y}: %{x} · %{customdata[0]}<extra>%{customdata[1]}</extra>",
                showlegend=False, row=1, col=1)
    towns = by_township.iloc[::-1]
    for sev in ("error", "warning"):
        if sev in towns:
            fig.add_bar(x=towns[sev], y=plain_all(towns.index), orientation="h",
                        name=tr(f"rule_severity_{sev}", lang),
                        marker_color=SEVERITY_COLORS[sev], hovertemplate="%{y}: %{x}<extra></extra>",
                        row=1, col=2)
    fig.update_layout(barmode="stack", bargap=0.25)
    fig.update_xaxes(rangemode="tozero")
    fig.update_xaxes(range=[0, max(float(rules["count"].max()) if len(rules) else 1, 1) * 1.18], row=1, col=1)
    rows = max(len(rules), len(towns), 4)
    fig = base_layout(fig, title=title, height=height or 110 + 30 * rows, theme=theme)
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.06, "xanchor": "right", "x": 1},
                      margin={"t": 70})
    fig.update_annotations(font_size=18)
    return fig


def scenario_before_after(comparison, framework, *, lang: str = "zh", title: str | None = None,
                          height: int | None = None, theme: str = "light") -> go.Figure:
    """Grades (top) and violations by rule (below), before (grey) and after (coloured), of a ScenarioComparison."""
    
    from ..settings.violations import rule_label

    totals = comparison.totals
    rules = [k for k in totals.index if k.startswith("rule:") and (totals.loc[k, "before"] or totals.loc[k, "after"])]
    grades_h, rules_h = 260, 30 * max(len(rules), 3)
    fig = make_subplots(rows=2, cols=1, row_heights=[grades_h, rules_h], vertical_spacing=110 / (grades_h + rules_h + 110),
                        subplot_titles=[tr("ba_grades", lang), tr("ba_rules", lang)])
    grades = list(framework.grade_ids)
    labels = [plain(framework.label(g, lang)) for g in grades]
    before = [totals.loc[f"grade:{g}", "before"] for g in grades]
    after = [totals.loc[f"grade:{g}", "after"] for g in grades]
    fig.add_bar(x=labels, y=before, name=tr("col_before", lang), marker_color="#b8b8b8",
                text=[f"{v:.0f}" for v in before], textposition="outside", cliponaxis=False,
                legendgroup="before", row=1, col=1)
    fig.add_bar(x=labels, y=after, name=tr("col_after", lang), marker_color=[grade_colors(framework)[g] for g in grades],
                text=[f"{v:.0f}" for v in after], textposition="outside", cliponaxis=False,
                legendgroup="after", row=1, col=1)
    names = [plain(rule_label(k[5:], lang)) for k in rules]
    for when, color in (("before", "#b8b8b8"), ("after", "#2166ac")):
        values = totals.loc[rules, when]
        fig.add_bar(y=names, x=values, orientation="h", name=tr(f"col_{when}", lang), marker_color=color,
                    showlegend=False, legendgroup=when, text=[f"{v:.0f}" for v in values], textposition="outside",
                    cliponaxis=False, constraintext="none", textfont_size=13, row=2, col=1)
    fig.update_layout(barmode="group", bargap=0.2, bargroupgap=0.05)
    top = max(max(before + after, default=1), 1)
    fig.update_yaxes(range=[0, top * 1.25], row=1, col=1)
    top_rules = float(totals.loc[rules, ["before", "after"]].to_numpy().max()) if rules else 1.0
    fig.update_xaxes(range=[0, max(top_rules, 1) * 1.15], row=2, col=1)
    fig.update_yaxes(autorange="reversed", row=2, col=1)  # the first rule on top, "before" above "after"
    fig = base_layout(fig, title=title, height=height or grades_h + rules_h + 190, theme=theme)
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.04, "xanchor": "right", "x": 1},
                      margin={"t": 70})
    fig.update_annotations(font_size=18)
    return fig


def completion_heatmap(matrix: pd.DataFrame, *, lang: str = "zh", title: str | None = None,
                       height: int | None = None, theme: str = "light", names: pd.Series | None = None,
                       held: pd.DataFrame | None = None, required: dict | None = None) -> go.Figure:
    """Completion (0-1) of each activity (columns) by township or branch (rows), the weakest on top.

    ``matrix``: :func:`workbench.studies.inspection.completion_matrix` (or its township
    means); ``names`` labels the rows; ``held`` and ``required`` add
    "held / required" to the hover text.
    """
    if matrix.empty:
        return empty_figure(tr("no_data_for_chart", lang), title=title, height=height, theme=theme)
    rows = matrix.iloc[::-1]  # plotly draws the first row at the bottom
    z = rows.to_numpy(dtype="float64")
    x = [tr(f"activity_{c}", lang) for c in rows.columns]
    y = _label(names, rows.index) if names is not None else plain_all(rows.index)
    text = np.where(np.isnan(z), tr("completion_na", lang), np.char.mod("%.0f%%", np.nan_to_num(z) * 100))
    if held is not None and required is not None:
        h = held.reindex(index=rows.index, columns=rows.columns)
        hover = np.empty(z.shape, dtype=object)
        for j, c in enumerate(rows.columns):
            need = required.get(c)
            for i in range(len(rows)):
                value = h.iat[i, j]
                hover[i, j] = f"{text[i, j]} ({int(value)}/{need})" if need and pd.notna(value) else text[i, j]
    else:
        hover = text
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=y, zmin=0, zmax=1, colorscale=COMPLETION_SCALE, text=text, texttemplate="%{text}",
        textfont={"size": 16}, customdata=hover, xgap=2, ygap=2,
        hovertemplate="%{y} · %{x}: %{customdata}<extra></extra>",
        colorbar={"title": {"text": tr("completion_axis", lang)}, "tickformat": ".0%", "len": 0.8}))
    fig.update_xaxes(side="top", tickangle=0)
    fig.update_yaxes(automargin=True)
    fig = base_layout(fig, title=title, height=height or 130 + 34 * len(rows), theme=theme)
    fig.update_layout(margin={"t": 90 if title else 50})
    return fig


def method_scores(by_township: pd.DataFrame, *, lang: str = "zh", title: str | None = None,
                  height: int | None = None, theme: str = "light", county: pd.Series | None = None) -> go.Figure:
    """Mean inspection score per township (rows) and method (markers): a dot plot.

    ``by_township``: :func:`workbench.studies.inspection.scores_by_township`;
    ``county`` (method -> mean) draws the county means as dotted lines.
    """
    if by_township.empty:
        return empty_figure(tr("no_data_for_chart", lang), title=title, height=height, theme=theme)
    fig = go.Figure()
    rows = by_township.iloc[::-1]
    for method in rows.columns:
        fig.add_scatter(x=rows[method], y=plain_all(rows.index), mode="markers", name=tr(f"method_{method}", lang),
                        marker={"size": 14, "color": METHOD_COLORS.get(method, "#888"), "line": {"width": 1,
                                                                                               "color": "#fff"}},
                        hovertemplate="%{y} · " + tr(f"method_{method}", lang) + ": %{x:.1f}<extra></extra>")
        if county is not None and method in county:
            fig.add_vline(x=float(county[method]), line_dash="dot", line_color=METHOD_COLORS.get(method, "#888"))
    values = rows.to_numpy(dtype="float64")
    low = np.nanmin(values) if np.isfinite(values).any() else 0
    high = np.nanmax(values) if np.isfinite(values).any() else 100
    fig.update_xaxes(title=tr("score_axis", lang),
                     range=[max(0.0, np.floor(low) - 2), min(100.0, np.ceil(high) + 2)])
    fig.update_yaxes(title="", automargin=True)
    return base_layout(fig, title=title, height=height or 140 + 34 * len(rows), theme=theme)


def rectification_progress(progress: pd.DataFrame, *, lang: str = "zh", title: str | None = None,
                           height: int | None = None, theme: str = "light") -> go.Figure:
    """Problems found and closed off (cumulative), open and overdue over time.

    ``progress``: :func:`workbench.studies.inspection.rectification_progress`.
    """
    if progress.empty:
        return empty_figure(tr("no_data_for_chart", lang), title=title, height=height, theme=theme)
    # plain ISO days: plotly.js does not parse nanosecond timestamps
    x = [pd.Timestamp(d).strftime("%Y-%m-%d") for d in progress.index]
    fig = go.Figure()
    fig.add_scatter(x=x, y=progress["overdue"], name=tr("series_overdue", lang), mode="lines",
                    line={"color": "#b2182b", "width": 0}, fill="tozeroy", fillcolor="rgba(178,24,43,0.35)",
                    hovertemplate="%{x|%Y-%m}: %{y}<extra></extra>")
    fig.add_scatter(x=x, y=progress["open"], name=tr("series_open", lang), mode="lines",
                    line={"color": "#e08214", "width": 3, "dash": "dot"},
                    hovertemplate="%{x|%Y-%m}: %{y}<extra></extra>")
    fig.add_scatter(x=x, y=progress["found"], name=tr("series_found", lang), mode="lines+markers",
                    line={"color": "#2166ac", "width": 3}, hovertemplate="%{x|%Y-%m}: %{y}<extra></extra>")
    fig.add_scatter(x=x, y=progress["closed"], name=tr("series_closed", lang), mode="lines+markers",
                    line={"color": "#1b7837", "width": 3}, hovertemplate="%{x|%Y-%m}: %{y}<extra></extra>")
    fig.update_xaxes(title="", type="date", dtick="M3", tickformat="%Y-%m")
    fig.update_yaxes(title=tr("problems_axis", lang), rangemode="tozero")
    fig.update_layout(hovermode="x unified")
    return base_layout(fig, title=title, height=height or 420, theme=theme)


def correlation_heatmap(corr: pd.DataFrame, *, lang: str = "zh", title: str | None = None,
                        height: int | None = None, theme: str = "light", labels: dict | None = None) -> go.Figure:
    """A correlation matrix (-1 blue ... +1 red), values written in the cells; the pair counts on hover.

    ``labels`` maps column names to display labels; ``corr.attrs["n"]`` (from
    :func:`workbench.studies.research.correlation_matrix`) gives the pair counts.
    """
    if corr.empty:
        return empty_figure(tr("no_data_for_chart", lang), title=title, height=height, theme=theme)
    names = [_wrap(plain((labels or {}).get(c, c)), 16) for c in corr.columns]
    z = corr.to_numpy(dtype="float64")
    n = corr.attrs.get("n")
    counts = n.reindex(index=corr.index, columns=corr.columns).to_numpy() if n is not None else np.full(z.shape, 0)
    text = np.where(np.isnan(z), "", np.char.mod("%.2f", np.nan_to_num(z)))
    k = len(corr)
    fig = go.Figure(go.Heatmap(
        z=z, x=names, y=names, zmin=-1, zmax=1, zmid=0, colorscale="RdBu_r", text=text, texttemplate="%{text}",
        textfont={"size": 15 if k <= 8 else 12}, customdata=counts, xgap=2, ygap=2,
        hovertemplate="%{y} × %{x}<br>r = %{z:.2f} (n = %{customdata})<extra></extra>",
        colorbar={"title": {"text": "r"}, "len": 0.8}))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(tickangle=-35, automargin=True, side="bottom")
    return base_layout(fig, title=title, height=height or 170 + 52 * k, theme=theme)


def scatter_fit(frame: pd.DataFrame, x: str, y: str, fit=None, *, lang: str = "zh", title: str | None = None,
                height: int | None = None, theme: str = "light", labels: dict | None = None,
                names: pd.Series | None = None) -> go.Figure:
    """Branches as points (x against y), with an OLS line and its confidence band (``fit``: LineFit)."""
    labels = labels or {}
    both = frame[[x, y]].apply(pd.to_numeric, errors="coerce").dropna()
    if both.empty:
        return empty_figure(tr("no_data_for_chart", lang), title=title, height=height, theme=theme)
    hover = _label(names, both.index) if names is not None else plain_all(both.index)
    fig = go.Figure()
    if fit is not None:
        band = fit.band
        fig.add_scatter(x=np.r_[band["x"], band["x"][::-1]], y=np.r_[band["upper"], band["lower"][::-1]],
                        fill="toself", fillcolor="rgba(224,130,20,0.22)", line={"width": 0}, hoverinfo="skip",
                        name=tr("fit_band", lang))
    fig.add_scatter(x=both[x], y=both[y], mode="markers", name=tr("fit_points", lang), text=hover,
                    marker={"size": 9, "color": "#2166ac", "opacity": 0.7, "line": {"width": 0.5, "color": "#fff"}},
                    hovertemplate="%{text}<br>%{x:.3g}, %{y:.3g}<extra></extra>")
    if fit is not None:
        fig.add_scatter(x=fit.band["x"], y=fit.band["fit"], mode="lines", name=tr("fit_line", lang),
                        line={"color": "#e08214", "width": 3}, hoverinfo="skip")
    fig.update_xaxes(title=plain(labels.get(x, x)))
    fig.update_yaxes(title=plain(labels.get(y, y)))
    return base_layout(fig, title=title, height=height or 460, theme=theme)


def cluster_profiles(clusters, framework, *, lang: str = "zh", title: str | None = None, height: int | None = None,
                     theme: str = "light", county_mean: pd.Series | None = None) -> go.Figure:
    """The mean dimension scores of each cluster (one line per cluster) and the county mean (dotted)."""
    dims = list(clusters.centers.columns)
    x = [_wrap(plain(framework.label(d, lang)), 12) for d in dims]
    palette = ["#1b7837", "#2166ac", "#8073ac", "#e08214", "#b2182b", "#35978f", "#6f6f6f", "#c51b7d"]
    fig = go.Figure()
    if county_mean is not None:
        fig.add_scatter(x=x, y=county_mean.reindex(dims), mode="lines", name=tr("county_mean", lang),
                        line={"color": "#9e9e9e", "dash": "dot", "width": 3}, hovertemplate="%{x}: %{y:.1f}<extra></extra>")
    for k, row in clusters.centers.iterrows():
        size = int(clusters.summary.loc[k, "size"])
        fig.add_scatter(x=x, y=row.to_numpy(), mode="lines+markers", name=tr("cluster_name", lang, k=k, n=size),
                        line={"color": palette[(k - 1) % len(palette)], "width": 3}, marker={"size": 10},
                        hovertemplate="%{x}: %{y:.1f}<extra>" + tr("cluster_name", lang, k=k, n=size) + "</extra>")
    fig.update_yaxes(title=tr("cluster_axis", lang), range=[0, 100])
    fig.update_xaxes(title="", tickangle=0)
    fig = base_layout(fig, title=title, height=height or 500, theme=theme)
    fig.update_layout(margin={"t": 70, "b": 90})
    return fig


def movers_changes(movers, framework, *, lang: str = "zh", title: str | None = None, height: int | None = None,
                   theme: str = "light") -> go.Figure:
    """Mean change of each dimension score: the branches that moved up against those that stayed."""
    table = movers.dimensions.reindex(framework.dimension_ids)[::-1]
    labels = [plain(framework.label(d, lang)) for d in table.index]
    fig = go.Figure()
    fig.add_bar(y=labels, x=table["stayers"], orientation="h", name=tr("stayers_series", lang),
                marker_color="#b8b8b8", text=[f"{v:+.1f}" for v in table["stayers"]], textposition="outside",
                cliponaxis=False, hovertemplate="%{y}: %{x:+.2f}<extra></extra>")
    fig.add_bar(y=labels, x=table["movers"], orientation="h", name=tr("movers_series", lang),
                marker_color="#1b7837", text=[f"{v:+.1f}" for v in table["movers"]], textposition="outside",
                cliponaxis=False, hovertemplate="%{y}: %{x:+.2f}<extra></extra>")
    fig.update_layout(barmode="group", bargap=0.25)
    values = table[["movers", "stayers"]].to_numpy(dtype="float64")
    span = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    low = min(0.0, float(np.nanmin(values))) if np.isfinite(values).any() else 0.0
    fig.update_xaxes(title=tr("movers_change_axis", lang), zeroline=True, zerolinewidth=2,
                     range=[low - 0.15 * max(span, 1.0) if low < 0 else -0.02 * max(span, 1.0),
                            max(span * 1.25, 1.0)])
    fig.update_yaxes(title="", automargin=True)
    return base_layout(fig, title=title, height=height or 120 + 56 * len(table), theme=theme)
