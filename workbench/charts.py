"""Charts as pure functions: core results -> plotly Figures.

Every builder has the same shape, ``(result, *, lang="zh", title=None,
height=None, theme="light", ...) -> go.Figure``, and reads nothing but its
arguments. Widgets reuse a few FigureWidgets and copy a new figure into them
(:func:`sync_figure`); tests inspect ``fig.data`` and ``fig.layout``.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> result = wb.Scheme(wb.Framework.default()).score(wb.compute_indicators(data))
>>> fig = grade_distribution(result, lang="en")
>>> list(fig.data[0].x)
['Strong', 'Standardized', 'Basic', 'Weak and lax']
"""

from __future__ import annotations

from copy import deepcopy

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .i18n import tr

__all__ = [
    "grade_distribution",
    "township_scores",
    "ranking",
    "branch_profile",
    "contributions",
    "rank_intervals",
    "effective_weights",
    "grade_colors",
    "base_layout",
    "sync_figure",
    "names_of",
]

#: Colours of grades, best first (a colour-blind-safe sequence, then greys for extra grades).
GRADE_PALETTE = ["#1b7837", "#2166ac", "#e08214", "#b2182b", "#6f6f6f", "#a0a0a0"]
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, Source Han Sans SC, Helvetica, Arial, sans-serif"


def _template(theme: str) -> str:
    return "plotly_dark" if theme == "dark" else "plotly_white"


def base_layout(fig: go.Figure, *, title: str | None, height: int | None, theme: str) -> go.Figure:
    """Large fonts that read on a projector, our template, compact margins."""
    fig.update_layout(
        template=_template(theme),
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


def names_of(data) -> pd.Series:
    """Branch names by branch_id from a BranchData (or None)."""
    if data is None:
        return pd.Series(dtype=object)
    return data.branches.set_index("branch_id")["name"]


def _label(names: pd.Series | None, ids) -> list[str]:
    ids = list(ids)
    if names is None or not len(names):
        return ids
    return [str(names.get(i, i)) for i in ids]


# --------------------------------------------------------------------- grades

def grade_distribution(result, *, lang: str = "zh", title: str | None = None, height: int | None = None,
                       theme: str = "light", baseline=None) -> go.Figure:
    """Branches per grade (best first); with ``baseline``, its counts beside in grey."""
    fw = result.framework
    counts = result.grade_counts()
    total = max(int(counts.sum()), 1)
    labels = [fw.label(g, lang) for g in counts.index]
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
    fig.update_yaxes(rangemode="tozero", range=[0, max(counts.max(), 1) * 1.2])
    return base_layout(fig, title=title if title is not None else tr("grade_distribution", lang),
                       height=height, theme=theme)


# ------------------------------------------------------------------ townships

def township_scores(result, groups: pd.Series, *, lang: str = "zh", title: str | None = None,
                    height: int | None = None, theme: str = "light") -> go.Figure:
    """Distribution of totals per township (box plots, sorted by median, best on top)."""
    frame = pd.DataFrame({"total": result.total, "township": pd.Series(groups).reindex(result.total.index)})
    frame = frame.dropna()
    order = frame.groupby("township")["total"].median().sort_values().index.tolist()
    fig = go.Figure(go.Box(
        x=frame["total"], y=frame["township"], orientation="h", boxmean=True, marker_color="#2166ac",
        line_width=1.5, name=tr("total_score", lang), hovertemplate="%{y}: %{x:.1f}<extra></extra>"))
    bands = [g for g in result.framework.grades if g.min is not None and g.min > 0]
    for g in bands:
        fig.add_vline(x=g.min, line_dash="dot", line_color=grade_colors(result.framework)[g.id],
                      annotation_text=g.label(lang), annotation_position="top")
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
    grade_names = [fw.label(str(g), lang) for g in rows["grade"]]
    fig = go.Figure(go.Bar(
        x=rows["total"], y=labels, orientation="h", marker_color=colors, text=text, textposition="outside",
        cliponaxis=False, customdata=np.column_stack([rows.index.to_numpy(), grade_names]),
        hovertemplate="%{y}<br>%{customdata[1]} · %{x:.1f}<extra>%{customdata[0]}</extra>"))
    fig.update_yaxes(autorange="reversed", title="")
    low = float(rows["total"].min()) if len(rows) else 0.0
    fig.update_xaxes(title=tr("total_score", lang), range=[max(0.0, min(low - 10, 60)), 100])
    default_title = tr("top_n" if which == "top" else "bottom_n", lang, n=n)
    height = height or 60 + 38 * max(len(rows), 3) + 40
    fig = base_layout(fig, title=title if title is not None else default_title, height=height, theme=theme)
    fig.update_layout(margin={"r": 90})  # room for the totals and shifts right of the bars
    return fig


# -------------------------------------------------------------------- profile

def branch_profile(result, branch_id: str, *, lang: str = "zh", title: str | None = None,
                   height: int | None = None, theme: str = "light", names: pd.Series | None = None
                   ) -> go.Figure:
    """Radar of a branch's dimension scores against the county mean."""
    fw = result.framework
    if branch_id not in result.dimensions.index:
        raise KeyError(f"no branch {branch_id!r} in this assessment")
    dims = result.dimensions
    labels = [d.label(lang) for d in fw.dimensions]
    mine = dims.loc[branch_id].to_numpy()
    mean = dims.mean().to_numpy()
    fig = go.Figure()
    fig.add_scatterpolar(r=np.r_[mean, mean[:1]], theta=labels + labels[:1], name=tr("county_mean", lang),
                         line_color="#9e9e9e", line_dash="dot")
    name = _label(names, [branch_id])[0]
    fig.add_scatterpolar(r=np.r_[mine, mine[:1]], theta=labels + labels[:1], name=name, fill="toself",
                         line_color=grade_colors(fw).get(str(result.grade[branch_id]), "#2166ac"),
                         hovertemplate="%{theta}: %{r:.1f}<extra></extra>")
    fig.update_layout(polar={"radialaxis": {"range": [0, 100], "tickfont": {"size": 12}}})
    grade = fw.label(str(result.grade[branch_id]), lang) if pd.notna(result.grade[branch_id]) else ""
    default_title = f"{name} · {result.total[branch_id]:.1f} · {grade}"
    fig = base_layout(fig, title=title if title is not None else default_title, height=height or 460,
                      theme=theme)
    # long dimension names sit left and right of the circle: leave them room
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.08, "xanchor": "center", "x": 0.5},
                      margin={"b": 60, "l": 120, "r": 120}, polar_angularaxis_tickfont_size=14)
    return fig


def contributions(result, branch_id: str, *, lang: str = "zh", title: str | None = None,
                  height: int | None = None, theme: str = "light", n: int = 6) -> go.Figure:
    """The ``n`` indicators that raise and the ``n`` that lower a branch most (``explain``)."""
    ex = result.explain(branch_id, lang=lang)
    ex = ex[ex["contribution"].abs() > 1e-9]
    picked = pd.concat([ex.head(n), ex.tail(n)]).drop_duplicates("indicator")
    picked = picked.sort_values("contribution")
    colors = np.where(picked["contribution"] >= 0, "#1b7837", "#b2182b")
    fig = go.Figure(go.Bar(
        x=picked["contribution"], y=picked["label"], orientation="h", marker_color=colors,
        text=[f"{c:+.1f}" for c in picked["contribution"]], textposition="outside", cliponaxis=False,
        customdata=np.column_stack([picked["value"].round(2), picked["score"].round(1)]),
        hovertemplate="%{y}<br>%{customdata[0]} → %{customdata[1]}<extra>%{x:+.2f}</extra>"))
    fig.update_xaxes(title=tr("contribution", lang), zeroline=True)
    fig.update_yaxes(title="")
    height = height or 60 + 32 * max(len(picked), 3) + 50
    return base_layout(fig, title=title if title is not None else tr("contributions", lang), height=height,
                       theme=theme)


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
        labels.append(d.label(lang))
        for i in d.indicators:
            ids.append(i.id)
            parents.append(d.id)
            values.append(float(eff[i.id]))
            labels.append(i.label(lang))
    fig = go.Figure(go.Sunburst(ids=ids, parents=parents, values=values, labels=labels, branchvalues="total",
                                hovertemplate="%{label}: %{value:.1%}<extra></extra>",
                                texttemplate="%{label}<br>%{value:.0%}", insidetextorientation="horizontal"))
    return base_layout(fig, title=title if title is not None else tr("weights_chart", lang),
                       height=height or 460, theme=theme)


# ---------------------------------------------------------------- FigureWidget

def sync_figure(widget, figure: go.Figure) -> None:
    """Copy ``figure`` into a FigureWidget in one batch (keeps the widget; no new JavaScript bundle)."""
    new = figure.to_dict()
    with widget.batch_update():
        if len(widget.data) != len(new["data"]) or any(
                w.type != d.get("type", "scatter") for w, d in zip(widget.data, new["data"])):
            widget.data = []
            widget.add_traces(figure.data)
        else:
            for trace, data in zip(widget.data, new["data"]):
                trace.update(data, overwrite=True)
        widget.layout = figure.layout
    # A FigureWidget shown inside a container never gets its own _repr_mimebundle_ call, which is
    # where plotly refreshes the state a new view starts from; without this, a chart drawn before
    # the page displays it (as every dashboard does) would appear empty.
    widget._widget_layout = deepcopy(widget._layout_obj._props)
    widget._widget_data = deepcopy(widget._data)
