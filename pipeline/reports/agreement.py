"""The report's page on agreement with a sleep laboratory's scoring, and its figure.

:func:`figure_agreement` draws the PLMS index of each night by the reference (x) against
legmove (y) with the line of identity, and beside it the Bland–Altman plot: the mean of the
two indices against their difference (legmove − reference), with the bias and the 95 %
limits of agreement (:mod:`pipeline.compare.nights`). :func:`page_agreement` writes the page
``pipeline.reports.pdf.report_pdf`` adds when it is given a comparison (``legmove compare
--pdf``): what was compared, one row per night, the agreement over the nights, the figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from pipeline.compare.nights import NightsAgreement
from pipeline.compare.text import nights_rows
from pipeline.reports.figures import KIND_COLORS, figure_png
from pipeline.reports.pdf_layout import ReportPDF

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["figure_agreement", "page_agreement"]

_LINE = "#333333"
_LIMITS = "#D55E00"


def figure_agreement(
    agreement: NightsAgreement, *, width_in: float = 7.4, height_in: float = 3.2
) -> Figure:
    """Scatter (reference vs legmove PLMS index, identity line) and Bland–Altman plot."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    scatter, ba_ax = fig.subplots(1, 2)
    x = np.array([p[1] for p in agreement.pairs], dtype=float)
    y = np.array([p[2] for p in agreement.pairs], dtype=float)
    top = float(max(x.max(initial=0.0), y.max(initial=0.0), 1.0)) * 1.1
    scatter.plot([0, top], [0, top], color=_LINE, lw=0.8, ls="--", label="same index")
    scatter.scatter(x, y, s=18, color=KIND_COLORS["lm"], zorder=3)
    scatter.set_xlim(-top * 0.03, top)
    scatter.set_ylim(-top * 0.03, top)
    scatter.set_aspect("equal", adjustable="box")
    scatter.set_xlabel("reference PLMS index (/h)", fontsize=8)
    scatter.set_ylabel("legmove PLMS index (/h)", fontsize=8)
    icc = agreement.icc
    scatter.set_title(
        f"{len(x)} night{'s' if len(x) != 1 else ''}"
        + ("" if icc is None else f", ICC(A,1) = {icc:.2f}"),
        fontsize=8,
    )
    scatter.legend(fontsize=7, frameon=False, loc="upper left")
    mean, diff = (x + y) / 2, y - x
    ba_ax.axhline(0, color="#bbbbbb", lw=0.6)
    ba_ax.scatter(mean, diff, s=18, color=KIND_COLORS["lm"], zorder=3)
    ba = agreement.bland_altman
    if ba is not None:
        for value, text, style in (
            (ba.bias, f"bias {ba.bias:+.1f}", "-"),
            (ba.upper, f"+1.96 SD {ba.upper:+.1f}", "--"),
            (ba.lower, f"−1.96 SD {ba.lower:+.1f}", "--"),
        ):
            ba_ax.axhline(value, color=_LIMITS if style == "--" else _LINE, lw=0.9, ls=style)
            ba_ax.annotate(
                text,
                (1.0, value),
                xycoords=("axes fraction", "data"),
                xytext=(-2, 2),
                textcoords="offset points",
                ha="right",
                va="bottom",
                fontsize=6.5,
            )
        span = max(abs(ba.lower), abs(ba.upper), float(np.abs(diff).max(initial=0.0)), 1.0)
    else:
        span = max(float(np.abs(diff).max(initial=0.0)), 1.0)
        ba_ax.set_title("limits need 2 nights", fontsize=8)
    ba_ax.set_ylim(-span * 1.3, span * 1.3)
    ba_ax.set_xlim(-top * 0.03, top)
    ba_ax.set_xlabel("mean of the two indices (/h)", fontsize=8)
    ba_ax.set_ylabel("legmove − reference (/h)", fontsize=8)
    if ba is not None:
        ba_ax.set_title("Bland–Altman", fontsize=8)
    for ax in (scatter, ba_ax):
        ax.tick_params(labelsize=7)
        for sp in ("top", "right"):
            ax.spines[sp].set_visible(False)
    return fig


def _f(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def page_agreement(pdf: ReportPDF, agreement: NightsAgreement) -> None:
    """The agreement page: what was compared, a row per night, the pooled numbers, the
    figure."""
    pdf.add_page()
    pdf.heading("Agreement with the sleep laboratory's scoring", 15)
    tol = agreement.nights[0].tolerance_s if agreement.nights else 1.0
    pdf.para(
        "legmove's leg movements were compared with an expert's scoring of the same nights "
        f"(polysomnography): a movement counts as found when its onset lies within ±{tol:g} s "
        "of the expert's, each matched once. Precision is the share of legmove's LMs the "
        "expert scored too, recall the share of the expert's LMs legmove found. The PLMS "
        "index is PLMs in sleep per hour of sleep, each by its own scoring.",
        8.5,
        gap=2,
    )
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(
        col_widths=(40, 20, 16, 16, 16, 22, 26, 26),
        width=pdf.width,
        text_align=["LEFT"] + ["RIGHT"] * 7,
        line_height=4.2,
        headings_style=FontFace(emphasis="BOLD", fill_color=(228, 232, 238), size_pt=7.5),
        borders_layout="HORIZONTAL_LINES",
        padding=(0.8, 1.2),
    ) as table:
        row = table.row()
        for hd in (
            "Night",
            "offset s",
            "LM P",
            "LM R",
            "LM F1",
            "PLMs ref/lm",
            "PLMS ref /h",
            "PLMS legmove /h",
        ):
            row.cell(hd)
        for a in agreement.nights:
            row = table.row()
            for text in (
                a.name,
                f"{a.offset_s:+.1f}",
                f"{a.lm.precision:.2f}",
                f"{a.lm.recall:.2f}",
                f"{a.lm.f1:.2f}",
                f"{a.plm_counts[0]}/{a.plm_counts[1]}",
                _f(a.plms_index[0]),
                _f(a.plms_index[1]),
            ):
                row.cell(text)
    pdf.ln(3)
    pdf.font(10, "B")
    pdf.cell(pdf.width, 6, "Over the nights", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for k, v in nights_rows(agreement):
        pdf.font(8.5, "B")
        pdf.cell(48, 4.6, k)
        pdf.font(8.5)
        pdf.multi_cell(pdf.width - 48, 4.6, v, align="L", new_x=XPos.LMARGIN)
    pdf.ln(2)
    if agreement.pairs:
        png = figure_png(figure_agreement(agreement, width_in=7.4, height_in=3.2))
        pdf.figure(png, pdf.width, pdf.width * 3.2 / 7.4)
    pdf.para(
        "Video-based scoring has not been validated against polysomnography in infants: "
        "these numbers say how far it agreed with the expert on these nights only.",
        8,
    )
