"""The rhythmic bouts in the PDF report: one page listing each night's bouts.

A bout (:data:`pipeline.scoring.rhythm.BOUT_COLUMNS`) is found over the whole night,
wherever it happens — while awake and wriggling, inside a long movement, while asleep — so
it is listed on its own, not only where a flagged episode holds it: clock time, length,
frequency, pattern, the legs, the state, and what it was seen from (keypoints, or the leg
region's image motion; "cut by an artifact" when an artifact span clipped it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from pipeline.reports.export import NightRecord, fmt_clock, fmt_duration
from pipeline.reports.pdf_layout import ReportPDF

__all__ = ["page_bouts"]

_LINE_H = 4.0
_PAD = (0.8, 1.2)


def _length(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else fmt_duration(seconds)


def page_bouts(
    pdf: ReportPDF, nights: Sequence[NightRecord], date_text: Callable[[dt.date], str]
) -> None:
    """A page "Rhythmic bouts" listing each of ``nights``' bouts (as many pages as they
    need; ``date_text`` writes a night's date); no page when no night has a bout."""
    with_bouts = [n for n in nights if len(getattr(n.result, "bouts", ())) > 0]
    if not with_bouts:
        return
    pdf.add_page()
    pdf.heading("Rhythmic bouts", 15)
    pdf.para(
        "Rhythmic kicking or cycling, found over the whole recording wherever it happened "
        "(awake and wriggling, inside a long movement, asleep); each is also a flagged "
        "rhythmic episode when it fell while settling or asleep. Cycling: the legs moved in "
        "anti-phase; kicking: in phase, or one leg. Times are clock times when the "
        "recording's start time is known, else hours:minutes:seconds after it started.",
        8.5,
        gap=2,
    )
    for n in with_bouts:
        if pdf.get_y() + 20 > pdf.page_break_trigger:
            pdf.add_page()
        bouts = n.result.bouts
        pdf.font(10.5, "B")
        pdf.cell(
            pdf.width,
            7,
            f"Night of {date_text(n.date)} — {len(bouts)} bout{'s' if len(bouts) != 1 else ''}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        _bout_table(pdf, n)
        pdf.ln(3)


def _bout_table(pdf: ReportPDF, n: NightRecord) -> None:
    """One night's bouts: clock time, duration, frequency, pattern, legs, state, source."""
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(
        col_widths=(24, 18, 20, 24, 28, 22, 46),
        width=pdf.w - pdf.l_margin - pdf.r_margin,
        text_align=["LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT", "LEFT", "LEFT"],
        line_height=_LINE_H,
        headings_style=FontFace(emphasis="BOLD", fill_color=(228, 232, 238), size_pt=7.5),
        borders_layout="HORIZONTAL_LINES",
        padding=_PAD,
    ) as table:
        row = table.row()
        for hd in ("Time", "Length", "Frequency", "Pattern", "Legs", "State", "Seen from"):
            row.cell(hd)
        for b in n.result.bouts.sort_values("start_s").itertuples(index=False):
            legs = "both" if str(b.side) == "bilateral" else f"{b.side} only"
            seen = "keypoints" if str(b.source) == "pose" else "image motion"
            if bool(getattr(b, "clipped", False)):
                seen += " (cut by an artifact)"
            row = table.row()
            for text in (
                fmt_clock(float(b.start_s), n.start_time),
                _length(float(b.duration_s)),
                f"{float(b.frequency_hz):.1f} Hz",
                str(b.pattern),
                legs,
                "asleep" if str(b.state) == "sleep" else "awake",
                seen,
            ):
                row.cell(text)
