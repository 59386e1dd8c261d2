"""Charts of expert panels and of the researchers' diagnostics, as pure functions.

Same shape as :mod:`workbench.views.charts`: ``(result, *, lang, title,
height, theme) -> go.Figure``; tests read ``fig.data`` and ``fig.layout``.

>>> import numpy as np
>>> from workbench.assess.weights import ahp_group
>>> w, table = ahp_group({"A": [[1, 3], [1/3, 1]], "B": [[1, 1], [1, 1]]})
>>> fig = weight_spread(w, table, {0: "x", 1: "y"}, lang="en")
>>> [trace.name for trace in fig.data]
['Group', 'A', 'B']
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..i18n import tr
from .charts import base_layout

__all__ = ["weight_spread", "weight_importance", "factor_loadings", "EXPERT_SYMBOLS", "EXPERT_COLORS"]

#: Marker symbols of experts (cycled); an inconsistent expert is drawn hollow in red.
EXPERT_SYMBOLS = ("circle", "diamond", "square", "triangle-up", "triangle-down", "star", "hexagon", "pentagon")
_GROUP = "#b3261e"
_EXPERT = "#2166ac"
_BAD = "#b2182b"
#: Colours of consistent experts (cycled); red is kept for the inconsistent ones.
EXPERT_COLORS = ("#2166ac", "#1b7837", "#762a83", "#e08214", "#01665e", "#4d4d4d", "#8c510a", "#c51b7d")


def _wrap(text: str, width: int = 16) -> str:
    """Long labels on two or more lines (Chinese has no spaces: cut by characters)."""
    text = str(text)
    if len(text) <= width:
        return text
    if " " in text:
        words, lines, line = text.split(), [], ""
        for word in words:
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        return "<br>".join(lines + [line])
    return "<br>".join(text[k:k + width] for k in range(0, len(text), width))


def weight_spread(weights: pd.Series, table: pd.DataFrame, labels: Mapping, *, lang: str = "zh",
                  title: str | None = None, height: int | None = None, theme: str = "light") -> go.Figure:
    """The group's weight of each criterion as a bar, each expert's own weight as a marker.

    ``weights`` and ``table`` are what :func:`~workbench.assess.weights.ahp_group`
    returns; ``labels`` names the criteria. Experts whose matrix is
    inconsistent (CR > 0.1) are drawn as red open markers and named so in the
    legend.
    """
    weights = weights if isinstance(weights, pd.Series) else pd.Series(np.asarray(weights, dtype="float64"))
    keys = list(weights.index)
    y = [_wrap(labels.get(k, k)) for k in keys]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=[float(weights[k]) for k in keys], y=y, orientation="h", name=tr("panel_group", lang),
                         marker={"color": _GROUP, "opacity": 0.35},
                         text=[f"{float(weights[k]):.1%}" for k in keys], textposition="inside",
                         insidetextanchor="start",
                         textfont={"size": 14, "color": "#e5e7eb" if theme == "dark" else "#1d2125"},
                         hovertemplate="%{y}: %{x:.1%}<extra>" + tr("panel_group", lang) + "</extra>"))
    for k, (expert, rec) in enumerate(table.iterrows()):
        bad = bool(rec["cr"] > 0.1)
        name = f"{expert} (CR {rec['cr']:.2f})" if bad else str(expert)
        symbol = EXPERT_SYMBOLS[k % len(EXPERT_SYMBOLS)] + ("-open" if bad else "")
        colour = _BAD if bad else EXPERT_COLORS[k % len(EXPERT_COLORS)]
        fig.add_trace(go.Scatter(
            x=[float(rec[c]) for c in keys], y=y, mode="markers", name=name,
            marker={"symbol": symbol, "size": 14, "color": colour,
                    "line": {"width": 2, "color": _BAD if bad else "white"}},
            hovertemplate="%{y}: %{x:.1%}<extra>" + str(expert) + "</extra>"))
    upper = max(float(table[keys].to_numpy().max()), float(weights.max()))
    base_layout(fig, title=title, height=height or 170 + 56 * len(keys), theme=theme)
    fig.update_layout(barmode="overlay", showlegend=True,
                      legend={"orientation": "h", "yanchor": "top", "y": -0.16, "xanchor": "left", "x": 0},
                      margin={"b": 90})
    fig.update_xaxes(tickformat=".0%", range=[0, min(1.0, upper * 1.2 + 0.02)],
                     title={"text": tr("panel_weight_axis", lang)})
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def weight_importance(frame: pd.DataFrame, labels: Mapping, *, lang: str = "zh", title: str | None = None,
                      height: int | None = None, theme: str = "light") -> go.Figure:
    """Nominal weight beside how much of the total each component explains (the researchers' diagnostic).

    ``frame`` is :func:`~workbench.studies.diagnostics.weight_importance`'s
    table of one level: ``id, weight, r2_share, s1_share`` (shares of the
    explained variance), ``flag``.
    """
    keys = list(frame["id"])
    y = [_wrap(labels.get(k, k)) for k in keys]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=frame["weight"], y=y, orientation="h", name=tr("diag_nominal_weight", lang),
                         marker={"color": "#9ca3af"}, hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
    fig.add_trace(go.Bar(x=frame["s1_share"], y=y, orientation="h", name=tr("diag_importance", lang),
                         marker={"color": [_BAD if f else _EXPERT for f in frame["flag"]]},
                         text=[f"{v:.0%}" if np.isfinite(v) else "" for v in frame["s1_share"]],
                         textposition="outside", hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
    base_layout(fig, title=title, height=height or 120 + 60 * len(keys), theme=theme)
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickformat=".0%", title={"text": tr("diag_share_axis", lang)})
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def factor_loadings(loadings: pd.DataFrame, labels: Mapping, *, lang: str = "zh", title: str | None = None,
                    height: int | None = None, theme: str = "light") -> go.Figure:
    """A heatmap of rotated loadings: indicators (rows, grouped by dimension) against components."""
    z = loadings.to_numpy(dtype="float64")
    rows = [_wrap(labels.get(k, k), 28) for k in loadings.index]
    # a row as tall as its longest label, so that wrapped labels never overlap their neighbours
    lines = max((r.count("<br>") + 1 for r in rows), default=1)
    cols = [tr("diag_component", lang, k=k + 1) for k in range(z.shape[1])]
    fig = go.Figure(go.Heatmap(z=z, x=cols, y=rows, zmin=-1, zmax=1, colorscale="RdBu", reversescale=True,
                               text=np.round(z, 2), texttemplate="%{text}",
                               hovertemplate="%{y} · %{x}: %{z:.2f}<extra></extra>"))
    base_layout(fig, title=title, height=height or 140 + max(26, 15 * lines + 6) * len(rows), theme=theme)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig
