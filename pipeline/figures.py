"""Figures of one night and of several nights: matplotlib for the PDF, Plotly for the dashboard.

- :func:`figure_timeline` (matplotlib) and :func:`figure_timeline_plotly` draw one night on
  one time axis: the sleep/wake band, the settling window, artifacts (when the result has
  them), each movement per leg coloured by kind, PLM series spans and flagged episodes,
  with LMs and PLMs per hour beneath.
- :func:`figure_trend` (matplotlib) draws the PLMS index and LM counts across nights, with
  dated notes (interventions) marked.

Both timelines read the same :class:`~pipeline.night.NightResult`; neither recomputes
anything the signal stage decided. Colours are the Okabe-Ito colour-blind-safe palette.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline.export import (
    NightRecord,
    Note,
    hourly_counts,
    night_first_s,
    nights_sorted,
    settling_window_of,
)
from pipeline.night import NightResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from plotly.graph_objects import Figure as PlotlyFigure

__all__ = [
    "EPISODE_LABELS",
    "KIND_COLORS",
    "KIND_LABELS",
    "UNTRUSTED_LABEL",
    "UNTRUSTED_REASONS",
    "figure_timeline",
    "figure_timeline_plotly",
    "figure_trend",
    "figure_png",
    "movement_kind",
    "plm_reference_per_h",
    "untrusted_spans",
]

#: Colour of each movement kind on the timelines (``rhythmic`` wins over the kind).
KIND_COLORS = {
    "twitch": "#8c8c8c",
    "lm": "#0072B2",
    "long_movement": "#CC79A7",
    "rhythmic": "#E69F00",
}
KIND_LABELS = {
    "twitch": "twitch (<0.5 s)",
    "lm": "leg movement (LM)",
    "long_movement": "long movement",
    "rhythmic": "rhythmic movement",
}
EPISODE_LABELS = {
    "plm_series": "PLM series",
    "movement_awakening": "awakening after a leg movement",
    "rhythmic_movement": "rhythmic movement",
    "restless_settling": "restless settling",
}
#: what a leg lane says where its keypoints were not trusted (``pose_untrusted_spans``)
UNTRUSTED_LABEL = "legs not reliably seen — scored from motion"
#: the pose-quality check that failed most (``pipeline.quality.QUALITY_FACTORS``), in words
UNTRUSTED_REASONS = {
    "detected": "no pose found in the picture",
    "visibility": "the pose model was unsure where the leg is (low visibility)",
    "view": "the body seen from the side or at a slant (one leg hides the other)",
    "geometry": "the skeleton did not look like a body lying down",
    "left_right": "left and right legs swapped or crossed",
    "bones": "leg bone lengths implausible (a wrong skeleton)",
    "teleport": "keypoints jumping faster than a baby can kick",
    "agreement": "keypoints moving where the picture did not (or still where it did)",
}
UNTRUSTED_COLOR = "#7f7f7f"
SLEEP_COLOR = "#a6cee3"
WAKE_COLOR = "#fdbf6f"
SETTLING_COLOR = "#F0E442"
ARTIFACT_COLOR = "#4d4d4d"
PLM_COLOR = "#009E73"
EPISODE_COLOR = "#D55E00"

# epoch states on the sleep/wake band ("artifact": not scored, see pipeline.artifacts)
_STATE_COLORS = {"sleep": SLEEP_COLOR, "wake": WAKE_COLOR, "artifact": "#bdbdbd"}
_STATE_NAMES = {"sleep": "asleep", "wake": "awake", "artifact": "not scored (artifact)"}

# lanes of the timeline, top to bottom
_LANES = ("Sleep / wake", "Left leg", "Right leg", "PLM series", "Flagged")
_Y = {name: len(_LANES) - 1 - i for i, name in enumerate(_LANES)}


def plm_reference_per_h(summary: dict[str, Any]) -> float:
    """The PLMS-index reference (abnormal above, in children) from the settings used."""
    return float((summary.get("settings") or {}).get("plm_index_abnormal_per_h", 5.0))


def movement_kind(events: pd.DataFrame) -> np.ndarray:
    """The drawing kind of each movement: 'rhythmic' for rhythmic ones, else its ``kind``."""
    kind = events["kind"].astype(str).to_numpy().copy()
    kind[events["rhythmic"].astype(bool).to_numpy()] = "rhythmic"
    return kind


def _state_runs(epochs: pd.DataFrame, state: str) -> list[tuple[float, float]]:
    """Contiguous runs of epochs in ``state`` as (start_s, end_s)."""
    if len(epochs) == 0:
        return []
    on = (epochs["state"] == state).to_numpy()
    st = epochs["start_s"].to_numpy(dtype=float)
    en = epochs["end_s"].to_numpy(dtype=float)
    edges = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]))
    return [(float(st[a]), float(en[b - 1])) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _artifact_spans(result: NightResult) -> list[tuple[float, float, str]]:
    """Artifact periods of the result, if it carries any (``result.artifacts``)."""
    arts = getattr(result, "artifacts", None)
    if arts is None:
        return []
    if isinstance(arts, pd.DataFrame):
        rows = arts.to_dict("records")
    else:
        rows = [a if isinstance(a, dict) else {"start_s": a[0], "end_s": a[1]} for a in arts]
    out = []
    for r in rows:
        label = str(r.get("kind") or r.get("reason") or "artifact").replace("_", " ")
        out.append((float(r["start_s"]), float(r["end_s"]), label))
    return out


def _plm_spans(events: pd.DataFrame) -> list[tuple[float, float, int]]:
    plm = events.dropna(subset=["plm_series"])
    if len(plm) == 0:
        return []
    g = plm.groupby("plm_series")
    return [
        (float(a), float(b), int(n))
        for a, b, n in zip(g["start_s"].min(), g["end_s"].max(), g.size(), strict=True)
    ]


def untrusted_spans(summary: dict[str, Any]) -> pd.DataFrame:
    """The summary's ``pose_untrusted_spans`` as a table (start_s, end_s, leg, reason): where
    a leg's keypoints were not trusted and the leg was scored from motion; empty when none."""
    cols = ["start_s", "end_s", "leg", "reason"]
    rows = summary.get("pose_untrusted_spans") or []
    df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    df["start_s"] = df["start_s"].astype(float)
    df["end_s"] = df["end_s"].astype(float)
    return df[df["end_s"] > df["start_s"]].reset_index(drop=True)


def _leg_events(events: pd.DataFrame, leg: str) -> pd.DataFrame:
    side = events["side"].astype(str)
    return events[(side == leg) | (side == "bilateral")]


# --- matplotlib ----------------------------------------------------------------------


def _tick_step_min(span_h: float) -> int:
    """Minutes between time ticks: whole hours on a night, finer on a short recording."""
    return next((m for m in (1, 2, 5, 10, 15, 30, 60, 120) if span_h * 60 / m <= 12), 180)


def _hours_axis(ax: Any, first: float, span_h: float, start_time: dt.datetime | None) -> None:
    """Time ticks on an axis in hours from the first frame: clock times on whole minutes of
    the step (whole hours on a night) when the start is known, else time since the start."""
    from matplotlib.ticker import FixedLocator, FuncFormatter

    step = _tick_step_min(span_h)
    if start_time is None:
        ticks = np.arange(0.0, span_h + 1e-9, step / 60)
        ax.xaxis.set_major_locator(FixedLocator(ticks.tolist()))
        if step >= 60:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.0f} h"))
        else:
            ax.xaxis.set_major_formatter(
                FuncFormatter(lambda x, _: f"{round(x * 60) // 60}:{round(x * 60) % 60:02d}")
            )
        ax.set_xlabel(
            "time since the recording started (h:min)"
            if step < 60
            else "hours since the recording started"
        )
        return
    begin = start_time + dt.timedelta(seconds=first)
    # ticks on whole multiples of the step on the clock
    minute = begin.hour * 60 + begin.minute + begin.second / 60
    offset_h = (math.ceil(minute / step - 1e-9) * step - minute) / 60
    ticks = np.arange(offset_h, span_h + 1e-9, step / 60)
    ax.xaxis.set_major_locator(FixedLocator(ticks.tolist()))

    def fmt(x: float, _: Any) -> str:
        return (begin + dt.timedelta(hours=float(x))).strftime("%H:%M")

    ax.xaxis.set_major_formatter(FuncFormatter(fmt))
    ax.set_xlabel("clock time")


def figure_timeline(
    result: NightResult,
    start_time: dt.datetime | None = None,
    *,
    width_in: float = 7.5,
    height_in: float = 4.2,
) -> Figure:
    """One night on one axis (matplotlib), LMs and PLMs per hour beneath."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    ev = result.events
    first = night_first_s(result)
    duration = float(result.summary.get("duration_s", 0.0))
    n_hours = max(1, math.ceil(duration / 3600 - 1e-9))
    span_h = max(duration / 3600, 1e-3)
    min_w = span_h / 900  # narrowest drawn movement, so a twitch stays visible

    def h(t: Any) -> Any:
        return (np.asarray(t, dtype=float) - first) / 3600

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3.2, 1.4])
    bar_h = 0.62
    for state, color in _STATE_COLORS.items():
        runs = [(h(a), h(b) - h(a)) for a, b in _state_runs(result.epochs, state)]
        if runs:
            top.broken_barh(runs, (_Y["Sleep / wake"] - 0.35, 0.7), color=color, lw=0)
    window = settling_window_of(result)
    if window is not None and window[1] > window[0]:
        for ax in (top, bottom):
            ax.axvspan(h(window[0]), h(window[1]), color=SETTLING_COLOR, alpha=0.28, lw=0)
    onset = result.summary.get("sleep_onset_s")
    if onset is not None:
        for ax in (top, bottom):
            ax.axvline(h(onset), color="#333333", lw=0.8, ls="--")
        top.annotate(
            "asleep",
            (h(onset), _Y["Sleep / wake"] + 0.42),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=7,
            va="bottom",
            color="#333333",
            annotation_clip=False,
        )
    for a, b, _label in _artifact_spans(result):
        for ax in (top, bottom):
            ax.axvspan(
                h(a),
                h(b),
                facecolor="none",
                edgecolor=ARTIFACT_COLOR,
                hatch="////",
                lw=0,
                alpha=0.6,
            )
    for lane, leg in (("Left leg", "left"), ("Right leg", "right")):
        le = _leg_events(ev, leg)
        kinds = movement_kind(le)
        for kind in ("twitch", "lm", "long_movement", "rhythmic"):
            sel = le[kinds == kind]
            if len(sel) == 0:
                continue
            x0 = h(sel["start_s"])
            w = np.maximum(h(sel["end_s"]) - x0, min_w)
            height = bar_h * (0.55 if kind == "twitch" else 1.0)
            top.broken_barh(
                list(zip(x0, w, strict=True)),
                (_Y[lane] - height / 2, height),
                color=KIND_COLORS[kind],
                lw=0,
            )
    for a, b, _n in _plm_spans(ev):
        top.broken_barh(
            [(h(a), max(h(b) - h(a), min_w))], (_Y["PLM series"] - 0.25, 0.5), color=PLM_COLOR
        )
    eps = result.episodes
    if len(eps):
        x0 = h(eps["start_s"])
        w = np.maximum(h(eps["end_s"]) - x0, min_w * 2)
        top.broken_barh(
            list(zip(x0, w, strict=True)),
            (_Y["Flagged"] - 0.25, 0.5),
            facecolor=EPISODE_COLOR,
            edgecolor="white",
            lw=0.3,
        )
    top.set_yticks([_Y[n] for n in _LANES], list(_LANES), fontsize=8)
    top.set_ylim(-0.6, len(_LANES) - 0.35)
    xmax = max(span_h, n_hours if n_hours - span_h < 0.25 else span_h)
    top.set_xlim(0, xmax)
    top.tick_params(axis="x", labelbottom=False, length=0)
    for sp in ("top", "right", "left"):
        top.spines[sp].set_visible(False)
    top.grid(axis="x", color="#dddddd", lw=0.5)
    top.set_axisbelow(True)

    hours = hourly_counts(result)
    xc = h((hours["start_s"].to_numpy() + hours["end_s"].to_numpy()) / 2)
    width = 0.8 * (hours["end_s"] - hours["start_s"]).to_numpy() / 3600
    bottom.bar(xc, hours["lms"], width=width, color=KIND_COLORS["lm"], label="LMs")
    bottom.bar(xc, hours["plms"], width=width * 0.55, color=PLM_COLOR, label="of which PLMs")
    ymax = max(1, int(hours["lms"].max()))
    for x, n in zip(xc, hours["lms"], strict=True):
        bottom.text(x, n + ymax * 0.04, str(int(n)), ha="center", va="bottom", fontsize=7)
    bottom.set_ylim(0, ymax * 1.35)
    bottom.set_ylabel("LMs per hour", fontsize=8)
    bottom.tick_params(labelsize=7)
    for sp in ("top", "right"):
        bottom.spines[sp].set_visible(False)
    _hours_axis(bottom, first, xmax, start_time)
    bottom.xaxis.label.set_size(8)
    bottom.tick_params(axis="x", labelsize=8)

    handles = [
        Patch(color=SLEEP_COLOR, label="asleep"),
        Patch(color=WAKE_COLOR, label="awake"),
        Patch(color=SETTLING_COLOR, alpha=0.5, label="settling window"),
        *[Patch(color=KIND_COLORS[k], label=KIND_LABELS[k]) for k in KIND_COLORS],
        Patch(color=PLM_COLOR, label="PLM series / PLMs"),
        Patch(color=EPISODE_COLOR, label="flagged episode"),
    ]
    if _artifact_spans(result):
        handles.append(
            Patch(facecolor="none", edgecolor=ARTIFACT_COLOR, hatch="////", label="artifact")
        )
    fig.legend(
        handles=handles,
        loc="outside upper center",
        ncol=5,
        fontsize=7,
        frameon=False,
        handlelength=1.2,
        columnspacing=1.0,
    )
    return fig


#: a white patch behind a value written on a chart (a note's line may pass behind it)
_LABEL_BOX = {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"}


def _day_num(day: dt.date) -> float:
    """Matplotlib's date number of a calendar day (its midnight, no time zone)."""
    import matplotlib.dates as mdates

    return float(mdates.date2num(dt.datetime(day.year, day.month, day.day)))


def figure_trend(
    nights: Sequence[NightRecord],
    notes: Sequence[Note] = (),
    *,
    width_in: float = 7.5,
    height_in: float = 3.6,
) -> Figure:
    """PLMS index and LM counts per night across nights, notes marked by number (1, 2, ...)
    in date order — the report lists the numbered notes under the figure."""
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, NullLocator

    ns = nights_sorted(nights)
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    if not ns:
        return fig
    ref = plm_reference_per_h(ns[0].result.summary)
    x = np.array([_day_num(n.date) for n in ns])
    idx = [n.result.summary.get("plm_index_per_h") for n in ns]
    vals = np.array([np.nan if v is None else float(v) for v in idx])
    colors = [EPISODE_COLOR if (v == v and v > ref) else KIND_COLORS["lm"] for v in vals]
    top.bar(x, np.nan_to_num(vals), width=0.6, color=colors)
    top.axhline(ref, color="#333333", ls="--", lw=0.9)
    ymax = max(ref * 1.6, float(np.nanmax(vals)) * 1.3 if np.isfinite(vals).any() else 0)
    top.annotate(
        f"reference: >{ref:g}/h abnormal in children",
        (1.0, ref),
        xycoords=("axes fraction", "data"),
        xytext=(0, 2),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=7,
        color="#333333",
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
    )
    for xi, v in zip(x, vals, strict=True):
        top.text(
            xi,
            (0 if v != v else v) + ymax * 0.02,
            "no sleep" if v != v else f"{v:.1f}",
            ha="center",
            va="bottom",
            fontsize=7,
            bbox=_LABEL_BOX,  # over a note's dotted line
        )
    top.set_ylim(0, ymax)
    top.set_ylabel("PLMS index\n(per hour of sleep)", fontsize=8)
    lm_sleep = np.array([n.result.summary["counts"].get("lm_in_sleep", 0) for n in ns])
    lm_settle = np.array([n.result.summary["counts"].get("lm_settling_window", 0) for n in ns])
    bottom.bar(x - 0.16, lm_sleep, width=0.32, color=KIND_COLORS["lm"], label="LMs asleep")
    bottom.bar(
        x + 0.16,
        lm_settle,
        width=0.32,
        color=SETTLING_COLOR,
        edgecolor="#8a7f00",
        lw=0.5,
        label="LMs while settling (before sleep onset)",
    )
    lmax = max(1, int(max(lm_sleep.max(), lm_settle.max())))
    for xi, a, b in zip(x, lm_sleep, lm_settle, strict=True):
        for dx, n in ((-0.16, a), (0.16, b)):
            bottom.text(
                xi + dx,
                n + lmax * 0.03,
                str(int(n)),
                ha="center",
                va="bottom",
                fontsize=6,
                bbox=_LABEL_BOX,
            )
    bottom.set_ylim(0, lmax * 1.3)
    bottom.set_ylabel("leg movements\n(count)", fontsize=8)
    fig.legend(
        handles=bottom.get_legend_handles_labels()[0],
        loc="outside lower center",
        ncol=2,
        fontsize=7,
        frameon=False,
    )
    # a note marks the night of its date (a night is named by its evening), under the bars
    for i, note in enumerate(sorted(notes, key=lambda n: n.date), start=1):
        xn = _day_num(note.date)
        for ax in (top, bottom):
            ax.axvline(xn, color=PLM_COLOR, lw=1.0, ls=":", zorder=0.5)
        top.annotate(
            str(i),
            (xn, 1.0),
            xycoords=("data", "axes fraction"),
            ha="center",
            va="bottom",
            fontsize=7,
            color="white",
            bbox={"boxstyle": "circle,pad=0.2", "fc": PLM_COLOR, "ec": "none"},
            annotation_clip=False,
        )
    days = [float(v) for v in x] + [_day_num(n.date) for n in notes]
    lo, hi = min(days), max(days)
    bottom.set_xlim(lo - 0.8, hi + 0.8)
    # one tick per night (whole days: never hours, which repeat the date), sparser over weeks
    span = hi - lo
    step = next((s for s in (1, 2, 7, 14) if span / s <= 10), math.ceil(span / 70) * 7)
    ticks = np.arange(lo, hi + 0.5, step)
    bottom.xaxis.set_major_locator(FixedLocator(ticks.tolist()))
    bottom.xaxis.set_minor_locator(NullLocator())
    bottom.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b"))
    for ax in (top, bottom):
        ax.tick_params(labelsize=7)
        for sp in ("top", "right"):
            ax.spines[sp].set_visible(False)
    return fig


def figure_png(fig: Figure, dpi: int = 200) -> bytes:
    """A matplotlib figure rendered to PNG bytes (for embedding in the PDF)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


# --- Plotly --------------------------------------------------------------------------


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def figure_timeline_plotly(
    result: NightResult, wall_clock_start: dt.datetime | None = None
) -> PlotlyFigure:
    """One night as an interactive Plotly figure: lanes as in :func:`figure_timeline`,
    hover details on every movement, LMs and PLMs per hour beneath.

    The x axis is wall-clock time when ``wall_clock_start`` (time of the first frame) is
    given, else hours since the recording started. Movements are drawn as a few line
    traces (one per leg and kind, segments separated by gaps), so a 10-hour night with
    thousands of movements stays quick to draw.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    ev = result.events
    first = night_first_s(result)
    duration = float(result.summary.get("duration_s", 0.0))
    min_vis = max(duration, 1.0) / 800

    def xs(t: Sequence[float | None]) -> list[Any]:
        if wall_clock_start is None:
            return [None if v is None else (v - first) / 3600 for v in t]
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

    for state, color in _STATE_COLORS.items():
        name = _STATE_NAMES[state]
        spans = _state_runs(result.epochs, state)
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
    for a, b, label in _artifact_spans(result):
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
    for lane, leg in (("Left leg", "left"), ("Right leg", "right")):
        le = _leg_events(ev, leg)
        kinds = movement_kind(le)
        for kind in ("twitch", "lm", "long_movement", "rhythmic"):
            sel = le[kinds == kind]
            if len(sel) == 0:
                continue
            px2: list[float | None] = []
            text: list[str | None] = []
            for r in sel.itertuples(index=False):
                end = max(float(r.end_s), float(r.start_s) + min_vis)
                px2 += [float(r.start_s), end, None]
                extra = ""
                if bool(r.rhythmic):
                    extra = f"<br>{r.pattern or 'rhythmic'} at {float(r.frequency_hz):.1f} Hz"
                if pd.notna(r.plm_series):
                    extra += f"<br>PLM series {int(r.plm_series)}"
                t = (
                    f"{KIND_LABELS[kind]} ({r.side})<br>{clock(float(r.start_s))}, "
                    f"{float(r.duration_s):.1f} s, {r.state}{extra}"
                )
                text += [t, t, None]
            fig.add_trace(
                go.Scatter(
                    x=xs(px2),
                    y=[_Y[lane] if v is not None else None for v in px2],
                    mode="lines",
                    line={"color": KIND_COLORS[kind], "width": 7 if kind == "twitch" else 14},
                    name=KIND_LABELS[kind],
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

    series = _plm_spans(ev)
    if series:
        px3: list[float | None] = []
        text3: list[str | None] = []
        for a, b, n in series:
            px3 += [a, max(b, a + min_vis), None]
            t = f"PLM series: {n} LMs<br>{clock(a)}–{clock(b)}"
            text3 += [t, t, None]
        fig.add_trace(
            go.Scatter(
                x=xs(px3),
                y=[_Y["PLM series"] if v is not None else None for v in px3],
                mode="lines",
                line={"color": PLM_COLOR, "width": 10},
                name="PLM series",
                hovertext=text3,
                hoverinfo="text",
            ),
            row=1,
            col=1,
        )
    eps = result.episodes
    if len(eps):
        px4: list[float | None] = []
        text4: list[str | None] = []
        for r in eps.itertuples(index=False):
            px4 += [float(r.start_s), max(float(r.end_s), float(r.start_s) + 2 * min_vis), None]
            t = (
                f"{EPISODE_LABELS.get(str(r.kind), str(r.kind))}<br>"
                f"{clock(float(r.start_s))}: {r.reason}"
            )
            text4 += [t, t, None]
        fig.add_trace(
            go.Scatter(
                x=xs(px4),
                y=[_Y["Flagged"] if v is not None else None for v in px4],
                mode="lines",
                line={"color": EPISODE_COLOR, "width": 10},
                name="flagged episode",
                hovertext=text4,
                hoverinfo="text",
            ),
            row=1,
            col=1,
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
    width = 0.8 if wall_clock_start is None else 0.8 * 3600 * 1000  # ms on a date axis
    for col, name, color in (
        ("lms", "LMs per hour", KIND_COLORS["lm"]),
        ("plms", "PLMs per hour", PLM_COLOR),
    ):
        fig.add_trace(
            go.Bar(
                x=xs(mid),
                y=hours[col],
                width=width if col == "lms" else width * 0.55,
                marker_color=color,
                name=name,
                hovertext=hover,
                hoverinfo="text",
                text=hours[col] if col == "lms" else None,
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
        title_text="LMs per hour",
        range=[0, top_count * 1.3],
        fixedrange=True,
        gridcolor="#eeeeee",
        row=2,
        col=1,
    )
    fig.update_xaxes(showgrid=True, gridcolor="#eeeeee")
    fig.update_xaxes(
        title_text="clock time" if wall_clock_start else "hours since the recording started",
        row=2,
        col=1,
    )
    return fig
