"""The PDF report for a pediatrician: a range of nights on a few readable pages.

Pages, in order:

1. summary — who and which nights, the screening-aid statement, the key numbers in
   large type (PLMS index against the >5/h reference for children), one row per night,
   and a trend chart of the PLMS index and LM counts with the dated notes marked;
2. one page per night — its key numbers, its timeline and its most important episodes;
3. the flagged episodes the night pages had no room for, with the parent's review (looks
   like it, not reviewed, can't tell, ordinary movement, not a leg movement), and reviews
   kept from an earlier analysis that no current episode matched (as many pages as they
   need; none when the night pages listed everything);
4. the rhythmic bouts of each night, wherever they were found (none when there are none);
5. methods — how the numbers were made (``summary['methods']`` when the result has it)
   and what the terms mean.

Every page's footer says that this is a screening aid, not a diagnosis. The report is
built with fpdf2 and matplotlib figures embedded as PNG; text uses the DejaVu Sans font
shipped with matplotlib, so any name (``Émile ünd Zoë``) prints.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from detector.atomic import atomic_write
from pipeline.compare.nights import NightsAgreement
from pipeline.reports.agreement import page_agreement
from pipeline.reports.clock import reason_clocked
from pipeline.reports.export import (
    NightRecord,
    Note,
    fmt_clock,
    fmt_duration,
    nights_sorted,
)
from pipeline.reports.figures import (
    EPISODE_LABELS,
    figure_imi,
    figure_png,
    figure_timeline,
    figure_trend,
    plm_reference_per_h,
)
from pipeline.reports.indices_text import (
    BREATHING_NOTE,
    index_caveats,
    plms_reference_note,
    series_lines,
    sleep_hours_line,
)
from pipeline.reports.methods import methods_terms, scored_settings
from pipeline.reports.pdf_bouts import page_bouts
from pipeline.reports.pdf_clip import clip_row, page_clip
from pipeline.reports.pdf_content import (
    STATUS_ON_NIGHT_PAGE,
    STATUS_ORDER,
    episodes_for_review,
    methods_paragraph,
    night_numbers,
)
from pipeline.reports.pdf_layout import ALERT, GREY, INK, ReportPDF
from pipeline.reports.rates import TOO_LITTLE_SLEEP, rate_min_sleep_s, rate_reliable
from pipeline.scoring.night import is_clip
from pipeline.store.records import VERDICT_TEXT

# methods_paragraph and episodes_for_review (pipeline.reports.pdf_content) are part of the
# report's API: what the PDF says, as data
__all__ = ["SCREENING_STATEMENT", "episodes_for_review", "methods_paragraph", "report_pdf"]

logger = logging.getLogger(__name__)

SCREENING_STATEMENT = (
    "Screening aid, not a diagnosis. legmove estimates leg movements and sleep from "
    "home video; it is not a sleep study (polysomnography)."
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: height range of the trend chart on page 1 (mm)
_TREND_MIN_MM, _TREND_MAX_MM = 62.0, 86.0
#: setting values the report's glossary falls back to when a summary lacks them
#: most episodes listed on a night's own page (all are in the episodes section)
_NIGHT_PAGE_EPISODES = 6
#: height of the night page's timeline (in; 7.4 in wide)
_TIMELINE_H_IN = 3.5


def _date(d: dt.date, weekday: bool = True) -> str:
    s = f"{d.day} {_MONTHS[d.month - 1]} {d.year}"
    return f"{_DAYS[d.weekday()]} {s}" if weekday else s


def _date_range(nights: Sequence[NightRecord]) -> str:
    a, b = nights[0].date, nights[-1].date
    return _date(a, False) if a == b else f"{_date(a, False)} – {_date(b, False)}"


def _num(x: float | None, nd: int = 1) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


# --- the PDF pages ---------------------------------------------------------------


def _median(xs: Sequence[float | None]) -> float | None:
    vals = [float(x) for x in xs if x is not None]
    return statistics.median(vals) if vals else None


def _page_summary(
    pdf: ReportPDF, records: list[NightRecord], notes: list[Note], clips: list[NightRecord]
) -> None:
    """The first page; its medians, counts of nights and trend are over the nights only
    (``records`` less ``clips``), the table lists the clips too."""
    pdf.add_page()
    labels = sorted({n.label for n in records})
    nights = [n for n in records if n not in clips]
    pdf.heading("Leg movements at night", 20)
    pdf.font(12, "", GREY)
    pdf.cell(pdf.width, 7, "Report for the pediatrician", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    who = ", ".join(labels)
    n_clips = f" and {len(clips)} clip{'s' if len(clips) != 1 else ''}" if clips else ""
    pdf.para(
        f"{who}  ·  {len(nights)} night{'s' if len(nights) != 1 else ''}{n_clips}, "
        f"{_date_range(records)}  ·  made {_date(dt.date.today(), False)} with legmove "
        f"{_version()}",
        10,
        gap=2,
    )
    pdf.statement_box(
        f"{SCREENING_STATEMENT} Read the numbers with the clinical history; diagnosing "
        "periodic limb movement disorder or restless legs needs a clinical assessment."
    )
    ref = plm_reference_per_h(records[0].result.summary)
    # rates only from nights with enough sleep for one (pipeline.reports.rates)
    idx = [
        n.result.summary.get("plm_index_per_h") if rate_reliable(n.result.summary) else None
        for n in nights
    ]
    med = _median(idx)
    scored = [x for x in idx if x is not None]
    short = sum(
        1
        for n in nights
        if n.result.summary.get("plm_index_per_h") is not None
        and not rate_reliable(n.result.summary)
    )
    above = sum(1 for x in scored if x > ref)
    settle = _median([n.result.summary["counts"].get("lm_settling_window", 0) for n in nights])
    wakes = _median([n.result.summary.get("awakenings", 0) for n in nights])
    tsleep = _median([n.result.summary.get("total_sleep_s") for n in nights])
    rng = f"range {min(scored):.1f}–{max(scored):.1f}" if scored else TOO_LITTLE_SLEEP
    if short and scored:
        rng += f"; {short} short night{'s' if short != 1 else ''} left out"
    pdf.key_boxes(
        [
            (
                "PLMS index (median)",
                _num(med),
                "/h sleep",
                # (with short nights left out there is no room for the reference's words:
                # the next box says it is a reference, not a norm for infants)
                f"{rng}; {plms_reference_note(records[0].result.summary, short=True)}"
                if scored and not short
                else rng,
                "muted" if med is None else False,
            ),
            (
                f"Nights above {ref:g}/h",
                f"{above}",
                f"of {len(scored)}",
                "nights with enough sleep for a rate (a reference, not a norm for infants)",
                False,
            ),
            (
                "LMs while settling (median)",
                _num(settle, 0),
                "per night",
                "leg movements in the window before sleep onset",
                False,
            ),
            (
                "Sleep (median)",
                fmt_duration(tsleep) or "—",
                "",
                f"awakenings: {_num(wakes, 0)} per night (median)",
                False,
            ),
        ]
    )
    pdf.font(11, "B")
    pdf.cell(pdf.width, 6, "Night by night", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if clips:
        pdf.para(
            "Clips (recordings shorter than a scoreable night: counts, not rates) are listed "
            "below but are not counted in the medians above or in the trend.",
            8,
            gap=1,
        )
    multi = len(labels) > 1
    head = ["Night", "Asleep at", "Time to sleep", "Total sleep", "Awakenings"]
    head += ["LMs asleep", "LMs settling", "PLMS index /h", "PLMW index /h", "Rhythmic bouts"]
    head += ["Twitches"]
    # each heading's longest word on one line (7-pt bold, 2.4 mm of padding: "Awakenings"
    # 16.8 mm, "Rhythmic" 13.1), and the date, "no sleep" and a clip's "40 s video" in theirs
    widths = [26, 15, 13, 17, 20, 14, 14, 15, 15, 17, 16]
    if multi:
        head.insert(1, "Child")
        widths = [23, 15, 13, 12, 13, 20, 13, 14, 14, 13, 17, 15]
    pdf.font(8)
    with pdf.table(
        col_widths=widths,
        width=pdf.width,
        text_align=["LEFT"] + ["RIGHT"] * (len(head) - 1),
        line_height=4.6,
        headings_style=FontFace(emphasis="BOLD", fill_color=(228, 232, 238), size_pt=7),
        borders_layout="HORIZONTAL_LINES",
        padding=(0.8, 1.2),
    ) as table:
        row = table.row()
        for h in head:
            row.cell(h)
        for n in records:
            s = n.result.summary
            c = s["counts"]
            pi = s.get("plm_index_per_h")
            if n in clips:
                cells = clip_row(n, _date(n.date))
                if multi:
                    cells.insert(1, n.label)
                row = table.row()
                for txt in cells:
                    row.cell(txt)
                continue
            cells = [
                _date(n.date),
                fmt_clock(s.get("sleep_onset_s"), n.start_time) or "no sleep",
                fmt_duration(s.get("time_to_sleep_s")) or "—",
                fmt_duration(s.get("total_sleep_s")) or "—",
                str(s.get("awakenings", 0)),
                str(c.get("lm_in_sleep", 0)),
                str(c.get("lm_settling_window", 0)),
                _num(pi) if pi is None or rate_reliable(s) else f"({pi:.1f})",
                _num(s.get("plmw_index_per_h")),
                str(len(n.result.bouts)),
                str(c.get("twitch", 0)),
            ]
            if multi:
                cells.insert(1, n.label)
            row = table.row()
            muted = pi is not None and not rate_reliable(s)
            for i, txt in enumerate(cells):
                is_pi = i == len(cells) - 4
                style = FontFace(emphasis="BOLD") if is_pi and pi is not None else None
                if is_pi and muted:
                    style = FontFace(color=GREY)
                row.cell(txt, style=style)
    pdf.ln(1)
    pdf.para(
        "Asleep at: sleep onset. PLMS index: PLMs in sleep per hour of sleep, in grey brackets "
        f"when the night had less than {rate_min_sleep_s(records[0].result.summary) / 60:g} min "
        f"of sleep ({TOO_LITTLE_SLEEP}); PLMW index: PLMs while awake per hour awake in bed. "
        f"{plms_reference_note(records[0].result.summary)} LMs settling: leg movements in the "
        "window before sleep onset. Rhythmic bouts: as listed on the bouts page. "
        f"{BREATHING_NOTE}",
        7.5,
        gap=2,
    )
    # the trend chart takes the room left on the page (the notes listed under it), within
    # limits; when too little is left it starts the next page at full height
    notes_mm = 7 + 4.4 * len(notes) if notes else 0
    room = pdf.page_break_trigger - pdf.get_y() - 8 - notes_mm
    chart_mm = min(_TREND_MAX_MM, room) if room >= _TREND_MIN_MM else _TREND_MAX_MM
    width_in = 7.2
    height_in = width_in * chart_mm / pdf.width
    png = figure_png(figure_trend(nights, notes, width_in=width_in, height_in=height_in))
    if pdf.get_y() + 8 + chart_mm > pdf.page_break_trigger:
        pdf.add_page()
    pdf.font(11, "B")
    pdf.cell(
        pdf.width,
        6,
        f"Across nights: PLMS index (reference >{ref:g}/h) and leg movements",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.figure(png, pdf.width, chart_mm)
    if notes:
        pdf.font(9, "B")
        pdf.cell(pdf.width, 5, "Notes and interventions", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for i, note in enumerate(sorted(notes, key=lambda n: n.date), start=1):
            pdf.para(f"({i})  {_date(note.date)}: {note.text}", 8.5, gap=0.3)


def _leg_indices(pdf: ReportPDF, n: NightRecord) -> None:
    """The IMI histogram beside the night's series, hours of sleep and caveats."""
    s = n.result.summary
    lines = series_lines(s, n.start_time)
    text = ("PLM series: " + "; ".join(lines) + ". ") if lines else "No PLM series. "
    text += sleep_hours_line(s) + " " + " ".join(index_caveats(s))
    chart_w, chart_h = 62.0, 30.0
    if s.get("imi_histogram") and pdf.get_y() + chart_h <= pdf.page_break_trigger:
        y = pdf.get_y()
        fig = figure_imi(s, width_in=chart_w / 25.4, height_in=chart_h / 25.4)
        pdf.image(figure_png(fig), x=pdf.l_margin, y=y, w=chart_w, h=chart_h)
        pdf.set_xy(pdf.l_margin + chart_w + 3, y)
        pdf.font(8)
        pdf.multi_cell(pdf.width - chart_w - 3, 3.8, text, align="L", new_x=XPos.LMARGIN)
        pdf.set_y(max(pdf.get_y(), y + chart_h) + 1)
    else:
        pdf.para(text, 8, gap=0.5)


def _page_night(pdf: ReportPDF, n: NightRecord, notes: list[Note], episodes_link: int) -> int:
    """The night's page; returns how many of its :func:`episodes_for_review` rows (the first
    ones) it listed, so the episodes section does not list them again."""
    pdf.add_page()
    s = n.result.summary
    ref = plm_reference_per_h(s)
    pdf.heading(f"Night of {_date(n.date)}", 15)
    dur = float(s.get("duration_s", 0.0))
    when = ""
    if n.start_time is not None:
        end = n.start_time + dt.timedelta(seconds=dur)
        when = f"recorded {n.start_time:%H:%M}–{end:%H:%M}, "
    pdf.para(f"{n.label}  ·  {when}{fmt_duration(dur)} of video  ·  night {n.night_id}", 9.5)
    for row in night_numbers(n, ref):  # three rows of cards: close together
        pdf.key_boxes(row, h=24, after=2.0)
    # the timeline a little flatter than the trend's, so the night's most important
    # episodes still fit on its page under the indices
    fig = figure_timeline(n.result, n.start_time, width_in=7.4, height_in=_TIMELINE_H_IN)
    pdf.figure(figure_png(fig), pdf.width, pdf.width * _TIMELINE_H_IN / 7.4)
    quality = [f"pose found in {100 * float(s.get('pose_coverage', 0)):.0f}% of frames"]
    artifact_s = s.get("artifact_s") or s.get("artifact_time_s")
    if artifact_s:
        quality.append(
            f"{fmt_duration(artifact_s)} excluded as artifact (caregiver in view, camera moved, "
            "lights switched)"
        )
    quality += [str(i) for i in s.get("issues") or []]
    pdf.para("Data quality: " + "; ".join(quality) + ".", 8, gap=0.5)
    _leg_indices(pdf, n)
    mine = [
        x for x in notes if x.night_id == n.night_id or (x.night_id is None and x.date == n.date)
    ]
    if mine:
        pdf.para("Notes: " + "; ".join(x.text for x in mine), 8.5, gap=0.5)
    rev = episodes_for_review(n)
    cur = rev[rev["matched"].astype(bool)]
    counts = {k: int((cur["verdict"] == k).sum()) for k in STATUS_ORDER}
    pdf.ln(1)
    if len(cur) == 0:
        pdf.para("Nothing flagged for review this night.", 9, "B")
        return 0
    # rows are in STATUS_ORDER: those the night page lists come first
    top = rev[rev["matched"].astype(bool) & rev["verdict"].isin(STATUS_ON_NIGHT_PAGE)]
    top = top.iloc[:_NIGHT_PAGE_EPISODES]
    k = _rows_that_fit(pdf, n, top, pdf.page_break_trigger - pdf.get_y() - 14)
    pdf.font(9, "B")
    said = ", ".join(f"{counts[v]} {VERDICT_TEXT[v]}" for v in STATUS_ORDER if counts[v])
    pdf.write(
        4.5, f"Flagged for review: {len(cur)} episode{'s' if len(cur) != 1 else ''} — {said}. "
    )
    hidden = int(n.result.summary.get("episodes_not_listed") or 0)
    if hidden:
        pdf.write(4.5, f"{hidden} more of lower priority were not listed. ")
    pdf.font(9, "", GREY)
    rest = len(rev) - k
    if rest and k:
        pdf.write(4.5, f"The {k} most important below; the other {rest} in ")
    elif rest:
        pdf.write(4.5, "They are in ")
    if rest:
        pdf.write(4.5, "“Flagged episodes to watch”", link=episodes_link)
        pdf.write(4.5, " after the night pages.")
    pdf.ln(6)
    if k:
        _episode_table(pdf, n, top.iloc[:k])
    return k


def _page_episodes(
    pdf: ReportPDF, nights: list[NightRecord], link: int, shown: dict[int, int]
) -> None:
    """The flagged episodes the night pages did not list (``shown``: night id -> how many of
    its first rows its page listed); no page when they listed them all."""
    rest = [(n, episodes_for_review(n).iloc[shown.get(n.night_id, 0) :]) for n in nights]
    rest = [(n, rev) for n, rev in rest if len(rev)]
    if not rest:
        return
    pdf.add_page()
    pdf.set_link(link, page=pdf.page_no())
    pdf.heading("Flagged episodes to watch", 15)
    pdf.para(
        "The flagged moments not listed on the night pages, per night, in this order: those "
        "the parent said look like what was flagged, those not reviewed yet, those the parent "
        "could not tell, those that were ordinary movement, those that were not a leg "
        "movement, and reviews from an earlier analysis. Times are clock times when the "
        "recording's start time is known, else hours:minutes:seconds after it started.",
        8.5,
        gap=2,
    )
    for n, rev in rest:
        pdf.font(10.5, "B")
        if pdf.get_y() + 16 > pdf.page_break_trigger:
            pdf.add_page()
        more = " more" if shown.get(n.night_id, 0) else ""
        pdf.cell(
            pdf.width,
            7,
            f"Night of {_date(n.date)} — {len(rev)}{more} item{'s' if len(rev) != 1 else ''}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        _episode_table(pdf, n, rev)
        pdf.ln(3)


_EP_WIDTHS = (22, 17, 14, 27, 65, 37)
_EP_LINE_H = 4.0
_EP_PAD = (0.8, 1.2)


def _episode_cells(n: NightRecord, r: Any) -> list[str]:
    return [
        VERDICT_TEXT.get(r.verdict, r.verdict) if r.matched else "earlier review",
        fmt_clock(r.start_s, n.start_time, seconds=True),
        _length(r.end_s - r.start_s),
        EPISODE_LABELS.get(r.kind, r.kind.replace("_", " ")),
        reason_clocked(r.reason, n.start_time),  # the reason's times on the same clock
        r.note,
    ]


def _rows_that_fit(pdf: ReportPDF, n: NightRecord, rev: pd.DataFrame, avail_mm: float) -> int:
    """How many leading rows of ``rev`` fit as an episode table in ``avail_mm`` of height."""
    scale = pdf.width / sum(_EP_WIDTHS)
    pdf.font(8)

    def height(cells: Sequence[str]) -> float:
        lines = 1
        for w, text in zip(_EP_WIDTHS, cells, strict=True):
            got = pdf.multi_cell(
                w * scale - 2 * _EP_PAD[1], _EP_LINE_H, text, dry_run=True, output="LINES"
            )
            lines = max(lines, len(got))  # type: ignore[arg-type]
        return lines * _EP_LINE_H + 2 * _EP_PAD[0] + 0.3

    used = height(["Review", "Time", "Length", "What", "Why it was flagged", "Note"])
    k = 0
    for r in rev.itertuples(index=False):
        used += height(_episode_cells(n, r))
        if used > avail_mm:
            break
        k += 1
    return k


def _episode_table(pdf: FPDF, n: NightRecord, rev: pd.DataFrame) -> None:
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(
        col_widths=_EP_WIDTHS,
        width=pdf.w - pdf.l_margin - pdf.r_margin,
        text_align=["LEFT", "LEFT", "RIGHT", "LEFT", "LEFT", "LEFT"],
        line_height=_EP_LINE_H,
        headings_style=FontFace(emphasis="BOLD", fill_color=(228, 232, 238), size_pt=7.5),
        borders_layout="HORIZONTAL_LINES",
        padding=_EP_PAD,
    ) as table:
        row = table.row()
        for hd in ("Review", "Time", "Length", "What", "Why it was flagged", "Note"):
            row.cell(hd)
        for r in rev.itertuples(index=False):
            color = {"confirm": ALERT, "ordinary": GREY, "reject": GREY}.get(r.verdict, INK)
            style = FontFace(color=color, emphasis="BOLD" if r.verdict == "confirm" else "")
            row = table.row()
            for i, text in enumerate(_episode_cells(n, r)):
                row.cell(text, style=style if i == 0 else None)


def _length(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else fmt_duration(seconds)


def _page_methods(pdf: ReportPDF, nights: list[NightRecord]) -> None:
    pdf.add_page()
    pdf.heading("Methods", 15)
    pdf.ln(1)
    st = scored_settings(nights[0].result.summary)
    pdf.font(11, "B")
    pdf.cell(pdf.width, 7, "Terms", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for term, meaning in methods_terms(st):
        pdf.font(9, "B")
        pdf.cell(34, 4.8, term)
        pdf.font(9)
        pdf.multi_cell(pdf.width - 34, 4.8, meaning, align="L", new_x=XPos.LMARGIN)
    pdf.ln(3)
    pdf.statement_box(
        f"{SCREENING_STATEMENT} Video-based scoring has not been validated against "
        "polysomnography in infants; counts can be wrong when the legs are hidden under a "
        "blanket, in darkness, or when someone is in view. Watch the flagged episodes."
    )
    pdf.font(11, "B")
    pdf.cell(pdf.width, 7, "How the numbers were made", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    groups: dict[str, list[NightRecord]] = {}
    for n in nights:
        groups.setdefault(methods_paragraph(n.result.summary), []).append(n)
    size = _methods_size(pdf, groups)
    for text, ns in groups.items():
        if len(groups) > 1:
            pdf.para("Nights " + ", ".join(_date(n.date, False) for n in ns) + ":", 9, "B", 0.5)
        pdf.para(text, size, gap=3)


def _methods_size(pdf: ReportPDF, groups: dict[str, list[NightRecord]]) -> float:
    """The font size of the methods text: 8.5 pt, or down to 7 pt when that keeps it on this
    page (at 8.5 pt the references alone spilled onto a last page of six lines)."""
    room = pdf.page_break_trigger - pdf.get_y()
    for size in (8.5, 8.0, 7.5, 7.0):
        pdf.font(size)
        need = 0.0
        for text in groups:
            lines = pdf.multi_cell(pdf.width, size * 0.47, text, dry_run=True, output="LINES")
            need += len(lines) * size * 0.47 + 3 + (5 if len(groups) > 1 else 0)  # type: ignore[arg-type]
        if need <= room:
            return size
    return 8.5


def _version() -> str:
    try:
        return metadata.version("legmove")
    except metadata.PackageNotFoundError:
        return "(development)"


def report_pdf(
    nights: Sequence[NightRecord],
    notes: Sequence[Note],
    path: str | Path,
    agreement: NightsAgreement | None = None,
) -> Path:
    """Write the PDF report of ``nights`` (any order; shown by date) with ``notes`` to ``path``.

    Pages: 1 summary (more if the night table is long), 1 per night, the flagged
    episodes, the rhythmic bouts (:mod:`pipeline.reports.pdf_bouts`), the agreement with a
    sleep lab's scoring when ``agreement`` is given (:mod:`pipeline.reports.agreement`) and
    the methods (each as many pages as they need).
    Written atomically.
    """
    if not nights:
        raise ValueError("no nights to report")
    ns = nights_sorted(nights)
    clips = [n for n in ns if is_clip(n.result.summary)]
    nts = sorted(notes, key=lambda n: n.date)
    labels = ", ".join(sorted({n.label for n in ns}))
    pdf = ReportPDF(f"{labels}, {_date_range(ns)}")
    pdf.set_title(f"legmove report: {labels}, {_date_range(ns)}")
    pdf.set_author("legmove")
    pdf.set_creator(f"legmove {_version()}")
    _page_summary(pdf, ns, nts, clips)
    episodes_link = pdf.add_link()
    shown: dict[int, int] = {}  # night -> how many of its episodes its page listed
    for n in ns:
        if n in clips:
            page_clip(pdf, n, nts, _date(n.date))
        else:
            shown[n.night_id] = _page_night(pdf, n, nts, episodes_link)
    _page_episodes(pdf, ns, episodes_link, shown)
    page_bouts(pdf, [n for n in ns if n not in clips], _date)
    if agreement is not None:
        page_agreement(pdf, agreement)
    _page_methods(pdf, ns)
    data = bytes(pdf.output())
    out = Path(path)
    with atomic_write(out, "wb") as fh:
        fh.write(data)
    logger.info("report of %d night(s) written to %s (%d pages)", len(ns), out, pdf.page_no())
    return out
