"""The report's page layout on fpdf2: A4 portrait, DejaVu Sans (shipped with matplotlib, so
any name prints), a footer on every page, headings, paragraphs, the statement box, rows of
key-number boxes and figures."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos

__all__ = ["ALERT", "FOOTER", "GREY", "INK", "ReportPDF"]

#: the start of every page's footer
FOOTER = "legmove — a screening aid, not a diagnosis."

#: text colours (RGB): body text, secondary text, above a clinical reference
INK = (30, 30, 30)
GREY = (105, 105, 105)
ALERT = (190, 60, 0)
_BOX = (243, 245, 248)
_WARN_FILL = (255, 246, 204)
_MARGIN = 14.0


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class ReportPDF(FPDF):
    """An A4 page of the report, with the footer (``FOOTER``, then ``footer_text``, then
    "page i of N") and the few building blocks the pages are made of."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = footer_text
        d = _font_dir()
        self.add_font("DejaVu", "", d / "DejaVuSans.ttf")
        self.add_font("DejaVu", "B", d / "DejaVuSans-Bold.ttf")
        self.add_font("DejaVu", "I", d / "DejaVuSans-Oblique.ttf")
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(True, margin=18)
        self.set_text_color(*INK)

    @property
    def width(self) -> float:
        return float(self.w - self.l_margin - self.r_margin)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_draw_color(200, 200, 200)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*GREY)
        self.cell(self.width * 0.8, 6, f"{FOOTER}  {self._footer_text}")
        self.cell(self.width * 0.2, 6, f"page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)

    def font(self, size: float, style: str = "", color: tuple[int, int, int] = INK) -> None:
        self.set_font("DejaVu", style, size)
        self.set_text_color(*color)

    def heading(self, text: str, size: float = 16) -> None:
        self.font(size, "B")
        self.multi_cell(self.width, size * 0.5, text, align="L", new_x=XPos.LMARGIN)

    def para(self, text: str, size: float = 9, style: str = "", gap: float = 1.5) -> None:
        self.font(size, style)
        self.multi_cell(self.width, size * 0.47, text, align="L", new_x=XPos.LMARGIN)
        self.ln(gap)

    def statement_box(self, text: str) -> None:
        self.font(10, "B")
        self.set_fill_color(*_WARN_FILL)
        self.set_draw_color(214, 180, 0)
        self.multi_cell(
            self.width, 5.5, text, border=1, fill=True, align="L", padding=3, new_x=XPos.LMARGIN
        )
        self.set_draw_color(190, 190, 190)
        self.ln(3)

    def key_boxes(
        self,
        boxes: Sequence[tuple[str, str, str, str, bool | str]],
        h: float = 24,
        after: float = 4.0,
    ) -> None:
        """Boxes of (label, value, unit, small print, alert) in one row, ``after`` mm above
        what follows; alert True draws the value in the alert colour, ``"muted"`` greys it (a
        rate from too little sleep)."""
        gap = 3.0
        w = (self.width - gap * (len(boxes) - 1)) / len(boxes)
        x0, y0 = self.l_margin, self.get_y()
        if y0 + h > self.page_break_trigger:
            self.add_page()
            y0 = self.get_y()
        for i, (label, value, unit, small, look) in enumerate(boxes):
            alert = look is True
            ink = ALERT if alert else GREY if look == "muted" else INK
            x = x0 + i * (w + gap)
            self.set_fill_color(*_BOX)
            self.rect(x, y0, w, h, style="F")
            self.set_xy(x + 2.5, y0 + 2)
            self.font(8, "", GREY)
            self.cell(w - 5, 4, label)
            self.set_xy(x + 2.5, y0 + 6.5)
            self.font(9, "", GREY)
            uw = self.get_string_width(unit) + 1 if unit else 0.0
            size = 19.0
            self.font(size, "B", ink)
            while size > 10 and self.get_string_width(value) + 1.5 + uw > w - 5:
                size -= 1
                self.font(size, "B", ink)
            vw = self.get_string_width(value) + 1.5
            self.cell(vw, 9, value)
            self.font(9, "", GREY)
            self.cell(uw, 10, unit)
            self.set_xy(x + 2.5, y0 + h - 8.5)
            self.font(7.5, "", ALERT if alert else GREY)
            self.multi_cell(w - 5, 3.3, small, align="L", new_x=XPos.LMARGIN)
        self.set_xy(x0, y0 + h + after)

    def figure(self, png: bytes, w: float, h: float) -> None:
        if self.get_y() + h > self.page_break_trigger:
            self.add_page()
        self.image(png, x=self.l_margin, w=w, h=h)
        self.ln(2)
