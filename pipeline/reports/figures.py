"""Figures of one night and of several nights for the PDF report (matplotlib), and what the
dashboard's Plotly figures (:mod:`ui.plotly_figures`) share with them.

- :func:`figure_timeline` draws one night on one time axis: the sleep/wake band, the
  settling window, artifacts (when the result has them), each movement per leg coloured
  by kind, PLM series spans and flagged episodes, with LMs and PLMs per hour beneath.
- :func:`figure_trend` draws the PLMS index and LM counts across nights, with dated notes
  (interventions) marked.
- shared by both backends: the colours, labels and lanes, and the spans to draw read from
  a result (:func:`state_runs`, :func:`artifact_spans`, :func:`plm_spans`,
  :func:`leg_events`, :func:`leg_movement_groups`, :func:`untrusted_spans`).

Both timelines read the same :class:`~pipeline.scoring.night.NightResult`; neither recomputes
anything the signal stage decided. Colours are the Okabe-Ito colour-blind-safe palette.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline.reports.export import (
    NightRecord,
    Note,
    hourly_counts,
    night_first_s,
    nights_sorted,
    settling_window_of,
)
from pipeline.reports.methods import scored_settings
from pipeline.reports.rates import rate_reliable
from pipeline.scoring.night import NightResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "EPISODE_LABELS",
    "KIND_COLORS",
    "KIND_LABELS",
    "kind_labels",
    "LANES",
    "LANE_Y",
    "STATE_COLORS",
    "STATE_NAMES",
    "UNTRUSTED_LABEL",
    "UNTRUSTED_REASONS",
    "artifact_spans",
    "figure_imi",
    "figure_png",
    "figure_timeline",
    "figure_trend",
    "leg_events",
    "leg_movement_groups",
    "movement_kind",
    "plm_reference_per_h",
    "plm_spans",
    "state_runs",
    "untrusted_spans",
]

#: Colour of each movement kind on the timelines (``rhythmic`` wins over the kind).
KIND_COLORS = {
    "twitch": "#8c8c8c",
    "lm": "#0072B2",
    "long_movement": "#CC79A7",
    "large_movement": "#56B4E9",
    "rhythmic": "#E69F00",
}


def kind_labels(summary: dict[str, Any]) -> dict[str, str]:
    """The legend's name of each movement kind, with the night's own twitch limit."""
    st = scored_settings(summary)
    return {
        "twitch": f"twitch (<{st['lm_min_s']:g} s)",
        "lm": "leg movement (LM)",
        "long_movement": "long movement (no candidate LM)",
        "large_movement": "large movement (body with legs)",
        "rhythmic": "rhythmic movement",
    }


#: the kinds' names with the default settings (a night's own: :func:`kind_labels`)
KIND_LABELS = kind_labels({})
EPISODE_LABELS = {
    "plm_series": "PLM series",
    "movement_awakening": "awakening after a leg movement",
    "rhythmic_movement": "rhythmic movement",
    "restless_settling": "restless settling",
}
#: what a leg lane says where its keypoints were not trusted (``pose_untrusted_spans``)
UNTRUSTED_LABEL = "legs not reliably seen — scored from motion"
#: the pose-quality check that failed most (``pipeline.scoring.quality.QUALITY_FACTORS``), in words
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

#: epoch states on the sleep/wake band ("artifact": not scored, see pipeline.scoring.artifacts)
STATE_COLORS = {"sleep": SLEEP_COLOR, "wake": WAKE_COLOR, "artifact": "#bdbdbd"}
STATE_NAMES = {"sleep": "asleep", "wake": "awake", "artifact": "not scored (artifact)"}

#: lanes of the night timelines, top to bottom, and their y positions
LANES = ("Sleep / wake", "Left leg", "Right leg", "PLM series", "Flagged")
LANE_Y = {name: len(LANES) - 1 - i for i, name in enumerate(LANES)}


def plm_reference_per_h(summary: dict[str, Any]) -> float:
    """The PLMS-index reference from the settings used (ICSD-3's 5/h for children from about
    5 years; no infant norms)."""
    st = summary.get("settings") or {}
    return float(st.get("plm_index_reference_per_h", st.get("plm_index_abnormal_per_h", 5.0)))


def movement_kind(events: pd.DataFrame) -> np.ndarray:
    """The drawing kind of each movement: 'rhythmic' for rhythmic ones, else its ``kind``."""
    kind = events["kind"].astype(str).to_numpy().copy()
    kind[events["rhythmic"].astype(bool).to_numpy()] = "rhythmic"
    return kind


def state_runs(epochs: pd.DataFrame, state: str) -> list[tuple[float, float]]:
    """Contiguous runs of epochs in ``state`` as (start_s, end_s)."""
    if len(epochs) == 0:
        return []
    on = (epochs["state"] == state).to_numpy()
    st = epochs["start_s"].to_numpy(dtype=float)
    en = epochs["end_s"].to_numpy(dtype=float)
    edges = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]))
    return [(float(st[a]), float(en[b - 1])) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def artifact_spans(result: NightResult) -> list[tuple[float, float, str]]:
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


def plm_spans(events: pd.DataFrame) -> list[tuple[float, float, int]]:
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


def leg_events(events: pd.DataFrame, leg: str) -> pd.DataFrame:
    side = events["side"].astype(str)
    return events[(side == leg) | (side == "bilateral")]


def leg_movement_groups(events: pd.DataFrame) -> Iterator[tuple[str, str, pd.DataFrame]]:
    """``(lane, kind, events)`` for each leg lane and movement kind with events, in drawing
    order (a bilateral movement is in both legs' lanes)."""
    for lane, leg in (("Left leg", "left"), ("Right leg", "right")):
        le = leg_events(events, leg)
        kinds = movement_kind(le)
        for kind in ("twitch", "lm", "long_movement", "large_movement", "rhythmic"):
            sel = le[kinds == kind]
            if len(sel):
                yield lane, kind, sel


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
    for state, color in STATE_COLORS.items():
        runs = [(h(a), h(b) - h(a)) for a, b in state_runs(result.epochs, state)]
        if runs:
            top.broken_barh(runs, (LANE_Y["Sleep / wake"] - 0.35, 0.7), color=color, lw=0)
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
            (h(onset), LANE_Y["Sleep / wake"] + 0.42),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=7,
            va="bottom",
            color="#333333",
            annotation_clip=False,
        )
    for a, b, _label in artifact_spans(result):
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
    for lane, kind, sel in leg_movement_groups(ev):
        x0 = h(sel["start_s"])
        w = np.maximum(h(sel["end_s"]) - x0, min_w)
        height = bar_h * (0.55 if kind == "twitch" else 1.0)
        top.broken_barh(
            list(zip(x0, w, strict=True)),
            (LANE_Y[lane] - height / 2, height),
            color=KIND_COLORS[kind],
            lw=0,
        )
    for a, b, _n in plm_spans(ev):
        top.broken_barh(
            [(h(a), max(h(b) - h(a), min_w))], (LANE_Y["PLM series"] - 0.25, 0.5), color=PLM_COLOR
        )
    eps = result.episodes
    if len(eps):
        x0 = h(eps["start_s"])
        w = np.maximum(h(eps["end_s"]) - x0, min_w * 2)
        top.broken_barh(
            list(zip(x0, w, strict=True)),
            (LANE_Y["Flagged"] - 0.25, 0.5),
            facecolor=EPISODE_COLOR,
            edgecolor="white",
            lw=0.3,
        )
    top.set_yticks([LANE_Y[n] for n in LANES], list(LANES), fontsize=8)
    top.set_ylim(-0.6, len(LANES) - 0.35)
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
    bottom.set_ylabel("LMs in each hour", fontsize=8)
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
        *[Patch(color=KIND_COLORS[k], label=kind_labels(result.summary)[k]) for k in KIND_COLORS],
        Patch(color=PLM_COLOR, label="PLM series / PLMs"),
        Patch(color=EPISODE_COLOR, label="flagged episode"),
    ]
    if artifact_spans(result):
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
    # a rate from too little sleep (pipeline.reports.rates): a grey bar, its value in
    # brackets, and it does not set the scale
    short = np.array(
        [
            v is not None and not rate_reliable(n.result.summary)
            for n, v in zip(ns, idx, strict=True)
        ]
    )
    colors = ["#c8c8c8" if sh else KIND_COLORS["lm"] for sh in short]
    firm = np.where(short, np.nan, vals)
    ymax = max(ref * 1.6, float(np.nanmax(firm)) * 1.3 if np.isfinite(firm).any() else 0)
    top.bar(
        x,
        np.minimum(np.nan_to_num(vals), np.where(short, ymax * 0.9, np.inf)),
        width=0.6,
        color=colors,
    )
    top.axhline(ref, color="#333333", ls="--", lw=0.9)
    top.annotate(
        f"{ref:g}/h: reference from age ~5 (ICSD-3); no infant norms",
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
    for xi, v, sh in zip(x, vals, short, strict=True):
        top.text(
            xi,
            (0 if v != v else min(v, ymax * 0.9) if sh else v) + ymax * 0.02,
            "no sleep" if v != v else f"({v:.1f}) too little sleep" if sh else f"{v:.1f}",
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


def figure_imi(summary: dict[str, Any], width_in: float = 3.4, height_in: float = 1.6) -> Figure:
    """The night's IMI histogram (``summary['imi_histogram']``): LMs in sleep and in wake by
    their interval from the previous LM, on log-spaced bins drawn on a log axis, with the PLM
    range shaded."""
    from matplotlib.figure import Figure

    h = summary.get("imi_histogram") or {}
    edges = [float(e) if e is not None else math.inf for e in h.get("edges_s") or []]
    fig = Figure(figsize=(width_in, height_in))
    ax = fig.add_axes((0.15, 0.3, 0.83, 0.62))
    if len(edges) >= 2:
        lo = np.asarray(edges[:-1])
        hi = np.asarray([e if math.isfinite(e) else 2 * edges[-2] for e in edges[1:]])
        sleep = np.asarray(h.get("sleep") or np.zeros(len(lo)), dtype=float)
        wake = np.asarray(h.get("wake") or np.zeros(len(lo)), dtype=float)
        st = summary.get("settings") or {}
        ax.axvspan(
            st.get("plm_min_interval_s", 10.0),
            st.get("plm_max_interval_s", 90.0),
            color=PLM_COLOR,
            alpha=0.12,
            lw=0,
            label="PLM range",
        )
        ax.bar(
            lo, sleep, width=hi - lo, align="edge", color=SLEEP_COLOR, ec="white", label="asleep"
        )
        ax.bar(
            lo,
            wake,
            width=hi - lo,
            bottom=sleep,
            align="edge",
            color=WAKE_COLOR,
            ec="white",
            label="awake",
        )
        ax.set_xscale("log")
        ax.set_xlim(lo[0], hi[-1])
    ax.set_xlabel("interval from the previous LM (s, log scale)", fontsize=6.5)
    ax.set_ylabel("LMs", fontsize=6.5)
    ax.tick_params(labelsize=6)
    ax.legend(fontsize=5.5, frameon=False, loc="upper right")
    for sp in ("top", "right"):
        ax.spines[sp].set_visible(False)
    return fig


def figure_png(fig: Figure, dpi: int = 200) -> bytes:
    """A matplotlib figure rendered to PNG bytes (for embedding in the PDF)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()
