"""The dashboard's interactive Plotly figures.

- :func:`figure_timeline_plotly`: one night on a wall-clock axis — lanes, colours and spans
  as in the PDF's :func:`pipeline.reports.figures.figure_timeline`, plus a lane of the
  rhythmic bouts (frequency, pattern, cycles on hover), hover details on every movement,
  untrusted-pose bands on the leg lanes, LMs and PLMs in each hour beneath;
- the across-nights figure is :func:`ui.trend_figures.figure_trends`.

Drawing only: every number comes from the result or the store as the signal stage saved it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from pipeline.reports.clock import reason_clocked
from pipeline.reports.events import movements_part_of
from pipeline.reports.export import hourly_counts, night_first_s, settling_window_of
from pipeline.reports.figures import (
    ARTIFACT_COLOR,
    EPISODE_COLOR,
    EPISODE_LABELS,
    KIND_COLORS,
    LANES,
    PLM_COLOR,
    SETTLING_COLOR,
    STATE_COLORS,
    STATE_NAMES,
    UNTRUSTED_COLOR,
    UNTRUSTED_LABEL,
    UNTRUSTED_REASONS,
    artifact_spans,
    kind_labels,
    leg_movement_groups,
    plm_spans,
    state_runs,
    untrusted_spans,
)
from pipeline.scoring.night import NightResult

if TYPE_CHECKING:
    from plotly.graph_objects import Figure as PlotlyFigure

__all__ = ["BOUT_COLOR", "BOUT_LANE", "ELAPSED_ZERO", "figure_timeline_plotly"]

#: where the time axis starts when the clock time of the first frame is unknown: elapsed
#: time is drawn as a time of this day (0:00 = the first frame) so Plotly writes it h:mm
ELAPSED_ZERO = dt.datetime(2000, 1, 1)

#: the lane of the rhythmic bouts, under the legs' lanes, and its colour
BOUT_LANE = "Rhythmic bouts"
BOUT_COLOR = "#CC79A7"
_LANES = (*LANES[: LANES.index("Right leg") + 1], BOUT_LANE, *LANES[LANES.index("Right leg") + 1 :])
_Y = {name: len(_LANES) - 1 - i for i, name in enumerate(_LANES)}


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def figure_timeline_plotly(
    result: NightResult, wall_clock_start: dt.datetime | None = None
) -> PlotlyFigure:
    """One night as an interactive Plotly figure: lanes as in :func:`figure_timeline`,
    hover details on every movement, LMs and PLMs per hour beneath.

    The x axis is wall-clock time when ``wall_clock_start`` (time of the first frame) is
    given, else time since the recording started (h:mm, from :data:`ELAPSED_ZERO`).
    Movements are drawn as a few line traces (one per leg and kind, segments separated by
    gaps), so a 10-hour night with thousands of movements stays quick to draw.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    ev = result.events
    first = night_first_s(result)
    duration = float(result.summary.get("duration_s", 0.0))
    min_vis = max(duration, 1.0) / 800

    def xs(t: Sequence[float | None]) -> list[Any]:
        # without a clock start: time since the first frame on a date axis from ELAPSED_ZERO,
        # shown as h:mm (never decimal hours)
        if wall_clock_start is None:
            return [
                None if v is None else ELAPSED_ZERO + dt.timedelta(seconds=v - first) for v in t
            ]
        return [None if v is None else wall_clock_start + dt.timedelta(seconds=v) for v in t]

    def clock(t: float) -> str:
        if wall_clock_start is None:
            v = int(round(t - first))
            return f"{v // 3600}:{v % 3600 // 60:02d}:{v % 60:02d}"
        return (wall_clock_start + dt.timedelta(seconds=t)).strftime("%H:%M:%S")

    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28], vertical_spacing=0.05
    )

    def rects(spans: Sequence[tuple[float, float]], y: float, half: float) -> tuple[list, list]:
        px: list[float | None] = []
        py: list[float | None] = []
        for a, b in spans:
            px += [a, b, b, a, a, None]
            py += [y - half, y - half, y + half, y + half, y - half, None]
        return xs(px), py

    for state, color in STATE_COLORS.items():
        name = STATE_NAMES[state]
        spans = state_runs(result.epochs, state)
        if not spans and state == "artifact":
            continue
        px, py = rects(spans, _Y["Sleep / wake"], 0.35)
        fig.add_trace(
            go.Scatter(
                x=px,
                y=py,
                fill="toself",
                fillcolor=color,
                mode="lines",
                line={"width": 0},
                name=name,
                hoverinfo="skip",
            ),
            row=1,
            col=1,
        )
    window = settling_window_of(result)
    if window is not None and window[1] > window[0]:
        x0, x1 = xs(list(window))
        fig.add_vrect(
            x0=x0,
            x1=x1,
            fillcolor=SETTLING_COLOR,
            opacity=0.3,
            line_width=0,
            annotation_text="settling window",
            annotation_position="inside top left",
            annotation_font_size=10,
        )
    onset = result.summary.get("sleep_onset_s")
    if onset is not None:
        fig.add_vline(x=xs([onset])[0], line_dash="dash", line_width=1, line_color="#333333")
    for a, b, label in artifact_spans(result):
        x0, x1 = xs([a, b])
        fig.add_vrect(
            x0=x0,
            x1=x1,
            fillcolor=ARTIFACT_COLOR,
            opacity=0.25,
            line_width=0,
            annotation_text=label,
            annotation_position="inside bottom left",
            annotation_font_size=9,
        )

    # untrusted pose: a hatched band behind the movements of the leg's lane, one trace per
    # leg and reason (the band's hover names the reason)
    untrusted = untrusted_spans(result.summary)
    for i, ((leg, reason), grp) in enumerate(untrusted.groupby(["leg", "reason"], sort=True)):
        lane = "Left leg" if leg == "left" else "Right leg"
        spans = list(zip(grp["start_s"], grp["end_s"], strict=True))
        px, py = rects(spans, _Y[lane], 0.42)
        total = float((grp["end_s"] - grp["start_s"]).sum())
        when = ", ".join(f"{clock(a)}–{clock(b)}" for a, b in spans[:3])
        if len(spans) > 3:
            when += f" and {len(spans) - 3} more"
        fig.add_trace(
            go.Scatter(
                x=px,
                y=py,
                fill="toself",
                fillcolor="rgba(127,127,127,0.18)",
                fillpattern={
                    "shape": "/",
                    "fgcolor": UNTRUSTED_COLOR,
                    "bgcolor": "rgba(127,127,127,0.18)",
                    "size": 7,
                    "solidity": 0.15,
                },
                mode="lines",
                line={"width": 0},
                name=UNTRUSTED_LABEL,
                legendgroup="untrusted",
                showlegend=i == 0,
                hoveron="fills",
                text=(
                    f"{leg.capitalize()} leg not reliably seen — scored from motion<br>"
                    f"why: {UNTRUSTED_REASONS.get(str(reason), str(reason))}<br>"
                    f"{when} ({_minutes(total)} in all)"
                ),
                hoverinfo="text",
            ),
            row=1,
            col=1,
        )

    shown: set[str] = set()
    labels = kind_labels(result.summary)
    part_of = movements_part_of(ev)  # a twitch inside a bilateral movement says so
    for lane, kind, sel in leg_movement_groups(ev):
        px2: list[float | None] = []
        text: list[str | None] = []
        for i, r in zip(sel.index, sel.itertuples(index=False), strict=True):
            end = max(float(r.end_s), float(r.start_s) + min_vis)
            px2 += [float(r.start_s), end, None]
            extra = ""
            if bool(r.rhythmic):
                extra = f"<br>{r.pattern or 'rhythmic'} at {float(r.frequency_hz):.1f} Hz"
            if pd.notna(r.plm_series):
                extra += f"<br>PLM series {int(r.plm_series)}"
            if pd.notna(part_of.get(i)):
                extra += f"<br>part of the bilateral movement at {clock(float(part_of[i]))}"
            t = (
                f"{labels[kind]} ({r.side})<br>{clock(float(r.start_s))}, "
                f"{float(r.duration_s):.1f} s, {r.state}{extra}"
            )
            text += [t, t, None]
        fig.add_trace(
            go.Scatter(
                x=xs(px2),
                y=[_Y[lane] if v is not None else None for v in px2],
                mode="lines",
                line={"color": KIND_COLORS[kind], "width": 7 if kind == "twitch" else 14},
                name=labels[kind],
                legendgroup=kind,
                showlegend=kind not in shown,
                hovertext=text,
                hoverinfo="text",
                connectgaps=False,
            ),
            row=1,
            col=1,
        )
        shown.add(kind)

    bars: list[tuple[float, float, str]]
    bouts = getattr(result, "bouts", None)
    if bouts is not None and len(bouts):
        bars = []
        for r in bouts.itertuples(index=False):
            a, b = float(r.start_s), float(r.end_s)
            side = "" if str(r.side) == "bilateral" else f" ({r.side} leg)"
            src = "keypoints" if str(r.source) == "pose" else "image motion"
            cut = " · cut by an artifact span" if bool(getattr(r, "clipped", False)) else ""
            bars.append(
                (
                    a,
                    max(b, a + min_vis),
                    f"Rhythmic {r.pattern}{side} at {float(r.frequency_hz):.1f} Hz<br>"
                    f"{clock(a)}, {b - a:.0f} s, {float(r.cycles):.0f} cycles, {r.state}<br>"
                    f"from {src}{cut}",
                )
            )
        fig.add_trace(_lane_trace(bars, xs, BOUT_LANE, BOUT_COLOR, "rhythmic bout"), row=1, col=1)
    series = plm_spans(ev)
    if series:
        bars = []
        for a, b, n in series:
            bars.append((a, max(b, a + min_vis), f"PLM series: {n} LMs<br>{clock(a)}–{clock(b)}"))
        fig.add_trace(_lane_trace(bars, xs, "PLM series", PLM_COLOR, "PLM series"), row=1, col=1)
    eps = result.episodes
    if len(eps):
        bars = []
        for r in eps.itertuples(index=False):
            a, b = float(r.start_s), float(r.end_s)
            label = EPISODE_LABELS.get(str(r.kind), str(r.kind))
            reason = reason_clocked(str(r.reason), wall_clock_start)  # one clock in one text
            bars.append((a, max(b, a + 2 * min_vis), f"{label}<br>{clock(a)}: {reason}"))
        fig.add_trace(
            _lane_trace(bars, xs, "Flagged", EPISODE_COLOR, "flagged episode"), row=1, col=1
        )

    hours = hourly_counts(result, wall_clock_start)
    mid = ((hours["start_s"] + hours["end_s"]) / 2).tolist()
    hover = [
        f"{clock(float(a))}–{clock(float(b))}: {lm} LMs, {plm} PLMs, {tw} twitches, "
        f"{sl:.0f} min asleep"
        for a, b, lm, plm, tw, sl in zip(
            hours["start_s"],
            hours["end_s"],
            hours["lms"],
            hours["plms"],
            hours["twitches"],
            hours["sleep_min"],
            strict=True,
        )
    ]
    # counts in each hour of the recording, a bar as wide as the part of the hour recorded
    # (ms on the date axis): a count from 8 minutes is labelled so, never read as a rate
    span_s = (hours["end_s"] - hours["start_s"]).to_numpy(dtype=float)
    width = (0.8 * 1000 * span_s).tolist()
    count_text = [
        f"{n}" if s >= 3599 else f"{n} in {s / 60:.0f} min"
        for n, s in zip(hours["lms"], span_s, strict=True)
    ]
    for col, name, color in (
        ("lms", "LMs in the hour", KIND_COLORS["lm"]),
        ("plms", "PLMs in the hour", PLM_COLOR),
    ):
        fig.add_trace(
            go.Bar(
                x=xs(mid),
                y=hours[col],
                width=width if col == "lms" else [0.55 * w for w in width],
                marker_color=color,
                name=name,
                hovertext=hover,
                hoverinfo="text",
                text=count_text if col == "lms" else None,
                textposition="outside",
            ),
            row=2,
            col=1,
        )
    fig.update_layout(
        barmode="overlay",
        height=520,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "font": {"size": 11},
            "bgcolor": "rgba(255,255,255,0)",
        },
        hovermode="closest",
        plot_bgcolor="white",
    )
    fig.update_yaxes(
        tickvals=[_Y[n] for n in _LANES],
        ticktext=list(_LANES),
        range=[-0.6, len(_LANES) - 0.4],
        fixedrange=True,
        showgrid=False,
        row=1,
        col=1,
    )
    top_count = max(1, int(hours["lms"].max()) if len(hours) else 1)
    fig.update_yaxes(
        title_text="LMs in each hour",
        range=[0, top_count * 1.3],
        fixedrange=True,
        gridcolor="#eeeeee",
        row=2,
        col=1,
    )
    fig.update_xaxes(showgrid=True, gridcolor="#eeeeee")
    fig.update_xaxes(
        title_text="clock time" if wall_clock_start else "time since the recording started (h:mm)",
        row=2,
        col=1,
    )
    if wall_clock_start is None:  # h:mm from ELAPSED_ZERO, and no date under the first tick
        fig.update_xaxes(tickformat="%-H:%M", hoverformat="%-H:%M:%S")
    return fig


def _lane_trace(
    spans: Sequence[tuple[float, float, str]],
    xs: Callable[[Sequence[float | None]], list[Any]],
    lane: str,
    color: str,
    name: str,
) -> Any:
    """A Scatter trace: one thick line per ``(start_s, end_s, hover)`` span on timeline
    lane ``lane``; ``xs`` maps seconds to the figure's x axis."""
    import plotly.graph_objects as go

    px: list[float | None] = []
    text: list[str | None] = []
    for a, b, t in spans:
        px += [a, b, None]
        text += [t, t, None]
    return go.Scatter(
        x=xs(px),
        y=[_Y[lane] if v is not None else None for v in px],
        mode="lines",
        line={"color": color, "width": 10},
        name=name,
        hovertext=text,
        hoverinfo="text",
    )
