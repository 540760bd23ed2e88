"""A clip in the PDF report: an episode recording, not a night.

A recording shorter than ``night_min_s`` (a parent's phone video of "the kicking", say) has
no sleep scoring and no rates per hour (:func:`pipeline.scoring.night.is_clip`). Its page
says "clip: counts, not rates" and shows what it does have: its leg movements one by one,
its rhythmic bouts with their frequency and pattern, its PLM series, and a short
timeline. The report's medians and trend are taken over the nights only; the summary table
lists a clip on a row of its own (:func:`clip_row`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from pipeline.reports.export import NightRecord, Note, fmt_clock
from pipeline.reports.figures import (
    EPISODE_COLOR,
    KIND_COLORS,
    KIND_LABELS,
    PLM_COLOR,
    figure_png,
    leg_movement_groups,
    plm_spans,
)
from pipeline.reports.pdf_layout import ReportPDF
from pipeline.scoring.night import CLIP_NOTE, bout_counts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CLIP_NOTE", "clip_row", "figure_clip", "page_clip"]

#: the most movements listed on a clip's page
_MAX_ROWS = 30


def _kind_text(r: object) -> str:
    raw = str(getattr(r, "kind", ""))
    kind = KIND_LABELS.get(raw, raw.replace("_", " "))
    if bool(getattr(r, "rhythmic", False)):
        f = getattr(r, "frequency_hz", None)
        rate = f" {float(f):.1f} Hz" if f is not None and not pd.isna(f) else ""
        kind += f", rhythmic {getattr(r, 'pattern', '') or 'kicking'}{rate}"
    series = getattr(r, "plm_series", None)
    if series is not None and not pd.isna(series):
        kind += f", PLM series {int(series)}"
    return kind


def figure_clip(result: Any, *, width_in: float = 7.4, height_in: float = 2.4) -> Figure:
    """A clip's short timeline (matplotlib), in seconds: each leg's movements by kind, PLM
    series and flagged episodes — no sleep/wake band and no counts per hour."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    lanes = ("Left leg", "Right leg", "PLM series", "Flagged")
    y = {name: len(lanes) - 1 - i for i, name in enumerate(lanes)}
    ev = result.events
    dur = max(float(result.summary.get("duration_s", 0.0)), 1e-3)
    t0 = float(result.epochs["start_s"].iloc[0]) if len(result.epochs) else 0.0
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    ax = fig.subplots()
    kinds = set()
    for lane, kind, sel in leg_movement_groups(ev):
        x0 = sel["start_s"].to_numpy(dtype=float) - t0
        w = np.maximum(sel["end_s"].to_numpy(dtype=float) - t0 - x0, dur / 400)
        hgt = 0.35 if kind == "twitch" else 0.62
        ax.broken_barh(
            list(zip(x0, w, strict=True)), (y[lane] - hgt / 2, hgt), color=KIND_COLORS[kind]
        )
        kinds.add(kind)
    for a, b, _n in plm_spans(ev):
        ax.broken_barh([(a - t0, b - a)], (y["PLM series"] - 0.25, 0.5), color=PLM_COLOR)
    for r in result.episodes.itertuples(index=False):
        ax.broken_barh(
            [(r.start_s - t0, max(r.end_s - r.start_s, dur / 200))],
            (y["Flagged"] - 0.25, 0.5),
            color=EPISODE_COLOR,
        )
    ax.set_yticks([y[n] for n in lanes], list(lanes), fontsize=8)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_xlim(0, dur)
    ax.set_xlabel("seconds from the start of the clip", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    for sp in ("top", "right", "left"):
        ax.spines[sp].set_visible(False)
    ax.grid(axis="x", color="#dddddd", lw=0.5)
    ax.set_axisbelow(True)
    order = [k for k in KIND_COLORS if k in kinds]
    if order:
        handles = [Patch(color=KIND_COLORS[k], label=KIND_LABELS.get(k, k)) for k in order]
        fig.legend(handles=handles, loc="outside upper center", ncol=len(handles), fontsize=7)
    return fig


def clip_row(n: NightRecord, date_text: str) -> list[str]:
    """The summary table's row for a clip: its counts, no sleep and no rates."""
    s = n.result.summary
    c = s["counts"]
    return [
        date_text,
        "clip",
        "—",
        f"{float(s.get('duration_s', 0)):.0f} s video",
        "—",
        f"{c.get('lm', 0)} (all)",
        "—",
        "—",  # PLMS index
        "—",  # PLMW index
        str(len(n.result.bouts)),
        str(c.get("twitch", 0)),
    ]


def page_clip(pdf: ReportPDF, n: NightRecord, notes: list[Note], date_text: str) -> None:
    """One page for a clip: what it is, its counts, its timeline and its movements."""
    pdf.add_page()
    s = n.result.summary
    c = s["counts"]
    dur = float(s.get("duration_s", 0.0))
    pdf.heading(f"Clip of {date_text}", 15)
    when = ""
    if n.start_time is not None:
        end = n.start_time + dt.timedelta(seconds=dur)
        when = f"recorded {n.start_time:%H:%M:%S}–{end:%H:%M:%S}, "
    pdf.para(f"{n.label}  ·  {when}{dur:.0f} s of video  ·  recording {n.night_id}", 9.5)
    pdf.statement_box(
        f"{CLIP_NOTE}. This recording is too short to score sleep or to give an index per "
        "hour: it is shown as an episode — what the legs did in it — and is not counted as a "
        "night in the report's medians or trend."
    )
    bouts = bout_counts(n.result.bouts)
    freqs = [f"{float(f):.1f} Hz" for f in n.result.bouts["frequency_hz"] if not pd.isna(f)]
    pdf.key_boxes(
        [
            ("Leg movements (LMs)", str(c.get("lm", 0)), "", "0.5-10 s (both legs 15 s)", False),
            (
                "Rhythmic bouts",
                str(bouts["rhythmic_bouts"]),
                "",
                f"cycling {bouts['rhythmic_bouts_cycling']}, "
                f"kicking {bouts['rhythmic_bouts_kicking']}"
                + (f"; {', '.join(freqs)}" if freqs else ""),
                False,
            ),
            ("PLM series", str(c.get("plm_series", 0)), "", f"{c.get('plm', 0)} PLMs", False),
            (
                "Twitches / long mov.",
                f"{c.get('twitch', 0)} / {c.get('long_movement', 0)}",
                "",
                "twitches <0.5 s are normal",
                False,
            ),
        ],
        h=22,
    )
    pdf.figure(figure_png(figure_clip(n.result)), pdf.width, pdf.width * 2.4 / 7.4)
    quality = [f"pose found in {100 * float(s.get('pose_coverage', 0)):.0f}% of frames"]
    quality += [str(i) for i in [*(s.get("issues") or []), *(s.get("notes") or [])]]
    pdf.para("Data quality: " + "; ".join(quality) + ".", 8, gap=0.5)
    mine = [x for x in notes if x.night_id == n.night_id]
    if mine:
        pdf.para("Notes: " + "; ".join(x.text for x in mine), 8.5, gap=0.5)
    moves = n.result.events
    moves = moves[moves["kind"] != "twitch"]
    pdf.font(10, "B")
    pdf.cell(pdf.width, 6, "Movements in the clip", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if len(moves) == 0:
        pdf.para("No leg movement (other than twitches) was found.", 9)
        return
    pdf.font(8)
    with pdf.table(
        col_widths=(24, 20, 24, 110),
        width=pdf.width,
        text_align=("RIGHT", "RIGHT", "LEFT", "LEFT"),
        line_height=4.4,
        headings_style=FontFace(emphasis="BOLD", fill_color=(228, 232, 238), size_pt=7.5),
        borders_layout="HORIZONTAL_LINES",
        padding=(0.6, 1.2),
    ) as table:
        row = table.row()
        for h in ("from", "lasting", "leg", "kind"):
            row.cell(h)
        for r in moves.head(_MAX_ROWS).itertuples(index=False):
            row = table.row()
            for text in (
                fmt_clock(r.start_s, n.start_time, seconds=True),
                f"{float(r.duration_s):.1f} s",
                str(r.side),
                _kind_text(r),
            ):
                row.cell(text)
    if len(moves) > _MAX_ROWS:
        pdf.para(f"… and {len(moves) - _MAX_ROWS} more (events.csv lists them all).", 8)
