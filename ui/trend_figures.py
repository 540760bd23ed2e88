"""The Trends page's Plotly figure: one child's nights on a date axis.

Four panels (PLMS index, LMs while settling, awakenings, sleep onset), each night a point and
its 7-night median a line (:func:`pipeline.reports.trends.trend_table`), the PLMS reference
dotted, each note a dashed line labelled with its text, and a chosen note's before and after
shaded. A PLMS index from too little sleep is a hollow grey point, left out of the median.
Drawing only: every number comes from the trend table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from pipeline.reports.rates import TOO_LITTLE_SLEEP
from pipeline.store.records import Note

if TYPE_CHECKING:
    from plotly.graph_objects import Figure as PlotlyFigure

__all__ = ["figure_trends"]

_COLOR = "#0072B2"
_MEDIAN = "#D55E00"
_NOTE = "#E69F00"
_GREY = "#9a9a9a"
_PANELS = {
    "plms_index": "PLMS index (periodic leg movements per hour of sleep)",
    "lms_settling": "Leg movements while settling (before sleep onset)",
    "awakenings": "Awakenings",
    "sleep_onset": "Sleep onset (clock time)",
}


def _nice_step(top: float, n: int = 4) -> float:
    """A round tick step (1, 2, 5 × 10^k, at least 1) giving about ``n`` ticks up to ``top``."""
    raw = max(1.0, float(top) / n)
    mag = 10 ** math.floor(math.log10(raw))
    return float(next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw))


def figure_trends(
    table: pd.DataFrame,
    notes: Sequence[Note],
    ref_per_h: float,
    chosen: Note | None = None,
    sides: tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp] | None = None,
) -> PlotlyFigure:
    """The figure of one child's trend ``table``; ``sides`` = (first night before, the
    note's date, the day after the last night after) shades the comparison of ``chosen``."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    panels = dict(_PANELS)
    if not table["sleep_onset"].notna().any():
        panels.pop("sleep_onset")
    fig = make_subplots(
        rows=len(panels),
        cols=1,
        shared_xaxes=True,
        subplot_titles=list(panels.values()),
        vertical_spacing=0.08,
    )
    day = pd.Timedelta(days=1)
    for row, col in enumerate(panels, start=1):
        y = table[col]
        if col == "plms_index":
            ok = table["plms_reliable"].astype(bool)
            fig.add_trace(
                go.Scatter(
                    x=table["date"][ok],
                    y=y[ok],
                    mode="markers",
                    name="each night",
                    marker={"color": _COLOR, "size": 9},
                    hovertemplate="%{x|%a %d %b %Y}: %{y:.1f}/h<extra></extra>",
                ),
                row=row,
                col=1,
            )
            if (~ok).any():
                fig.add_trace(
                    go.Scatter(
                        x=table["date"][~ok],
                        y=y[~ok].fillna(0.0),
                        mode="markers",
                        name=TOO_LITTLE_SLEEP,
                        marker={"color": "white", "size": 9, "line": {"color": _GREY, "width": 2}},
                        hovertemplate="%{x|%a %d %b %Y}: " + TOO_LITTLE_SLEEP + "<extra></extra>",
                    ),
                    row=row,
                    col=1,
                )
            fig.add_hline(y=ref_per_h, line_dash="dot", line_color=_GREY, row=row, col=1)
        else:
            hover = "%{y|%H:%M}" if col == "sleep_onset" else "%{y}"
            fig.add_trace(
                go.Scatter(
                    x=table["date"],
                    y=y,
                    mode="markers",
                    name="each night",
                    showlegend=False,
                    marker={"color": _COLOR, "size": 9},
                    hovertemplate="%{x|%a %d %b %Y}: " + hover + "<extra></extra>",
                ),
                row=row,
                col=1,
            )
        if f"{col}_median" in table:
            fig.add_trace(
                go.Scatter(
                    x=table["date"],
                    y=table[f"{col}_median"],
                    mode="lines",
                    name="median of the last 7 nights",
                    showlegend=row == 1,
                    line={"color": _MEDIAN, "width": 2},
                    hovertemplate="7-night median %{y:.1f}<extra></extra>",
                ),
                row=row,
                col=1,
            )
        top = float(pd.to_numeric(y, errors="coerce").max() or 0) if col != "sleep_onset" else 0
        if col in ("lms_settling", "awakenings"):
            fig.update_yaxes(dtick=_nice_step(top), tickformat="d", row=row, col=1)
    if sides is not None:
        first, note_day, end = sides
        for x0, x1, color in ((first, note_day, "#f2f2f2"), (note_day, end, "#fff4dc")):
            if x1 > x0:
                fig.add_vrect(
                    x0=x0 - day / 2, x1=x1 - day / 2, fillcolor=color, line_width=0, layer="below"
                )
    by_day: dict[pd.Timestamp, list[str]] = {}
    for note in notes:
        by_day.setdefault(pd.Timestamp(note.note_date), []).append(str(note.text))
    for x, texts in by_day.items():
        picked = chosen is not None and pd.Timestamp(chosen.note_date) == x
        for row in range(1, len(panels) + 1):
            fig.add_vline(
                x=x - day / 2,
                line_dash="solid" if picked else "dash",
                line_color=_NOTE,
                line_width=2 if picked else 1,
                row=row,
                col=1,
            )
        text = "; ".join(texts)
        fig.add_annotation(
            x=x - day / 2,
            y=0.98,
            xref="x",
            yref="y domain",
            showarrow=False,
            xanchor="left",
            yanchor="top",
            text=("▶ " + text) if len(text) <= 50 else "▶ " + text[:47] + "…",
            font={"size": 12, "color": "#8a5a00"},
            bgcolor="rgba(255,255,255,0.85)",
        )
    fig.update_layout(
        height=230 * len(panels) + 80,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.06, "x": 0},
        hovermode="closest",
    )
    span = (table["date"].max() - table["date"].min()).days if len(table) else 0
    lo = table["date"].min() - day if len(table) else None
    hi = table["date"].max() + day if len(table) else None
    fig.update_xaxes(
        showgrid=True,
        gridcolor="#eeeeee",
        type="date",
        dtick=86400000.0 if span <= 16 else None,
        tickformat="%a %d %b<br>%Y" if span <= 16 else "%d %b<br>%Y",
        range=[lo, hi] if lo is not None else None,
    )
    fig.update_yaxes(gridcolor="#eeeeee", rangemode="tozero")
    if "plms_index" in panels and len(table):
        # headroom above the highest night: a note's label (top of the panel) covers no point
        top = max([float(ref_per_h), *table["plms_index"].dropna().astype(float)])
        row = list(panels).index("plms_index") + 1
        fig.update_yaxes(range=[0, top * 1.3], row=row, col=1)
    if "sleep_onset" in panels:
        onset = table["sleep_onset"].dropna()
        lo_t = onset.min() - pd.Timedelta(minutes=30)
        hi_t = onset.max() + pd.Timedelta(minutes=30)
        step = 30 if (hi_t - lo_t) <= pd.Timedelta(hours=3) else 60
        fig.update_yaxes(
            rangemode="normal",
            range=[lo_t, hi_t],
            tickformat="%H:%M",
            dtick=step * 60_000,
            row=len(panels),
            col=1,
        )
    return fig
