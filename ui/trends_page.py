"""The Across-nights page: one child's nights on a date axis (each night a point, its 7-night
median a line, the notes marked), a before/after comparison around a chosen note, and the
notes themselves (add one).

The numbers and the rules come from :mod:`pipeline.reports.trends`; this page only draws."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from pipeline.errors import LegmoveError
from pipeline.reports.figures import plm_reference_per_h
from pipeline.reports.rates import TOO_LITTLE_SLEEP, plural
from pipeline.reports.trends import MEDIAN_NIGHTS, before_after, note_sides, trend_table
from pipeline.scoring.night import is_clip
from pipeline.store.records import Night, Note
from ui.common import nights_done, plain_error, store, wall_clock_start
from ui.trend_figures import figure_trends

__all__ = ["child_notes", "page_trends"]


def child_notes(notes: Sequence[Note], nights: Sequence[Night]) -> list[Note]:
    """The notes that can be about this child: dated ones about no night in particular, and
    those about one of ``nights``."""
    ids = {n.id for n in nights}
    return [n for n in notes if n.night_id is None or n.night_id in ids]


def _span(part: pd.DataFrame) -> str:
    if part.empty:
        return "no nights"
    a, b = part["date"].min(), part["date"].max()
    days = f"{a:%d %b %Y}" if a == b else f"{a:%d %b} – {b:%d %b %Y}"
    return f"{plural(len(part), 'night')}, {days}"


def _fmt(x: float, per_h: bool) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.1f}" if per_h else f"{x:g}"


def _comparison(table: pd.DataFrame, notes: Sequence[Note], chosen: Note) -> None:
    before, after = note_sides(table, notes, chosen)
    st.markdown(
        f"**Before** “{chosen.text}” ({chosen.note_date:%d %b %Y}): {_span(before)} · "
        f"**from then on**: {_span(after)}"
    )
    ba = before_after(table, notes, chosen)
    rows = []
    for r in ba.itertuples(index=False):
        per_h = r.measure.startswith("PLMS")
        cells = {"": r.measure}
        for side, n, out in (
            ("before", r.nights_before, r.left_out_before),
            ("after", r.nights_after, r.left_out_after),
        ):
            value = _fmt(getattr(r, side), per_h)
            extra = f" ({plural(int(n), 'night')}" + (f", {out} left out)" if out else ")")
            cells[f"median {side}"] = value + extra
        rows.append(cells)
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    left = int(ba["left_out_before"].iloc[0] + ba["left_out_after"].iloc[0])
    st.caption(
        "Medians of the nights on each side: before = from the previous note (or the first "
        "night) up to the evening before this note; after = from the note's evening up to the "
        "next note (or the last night)."
        + (
            f" {plural(left, 'night')} with {TOO_LITTLE_SLEEP} left out of the PLMS median."
            if left
            else ""
        )
        + " A difference here is what was recorded, not proof of an effect: nights vary."
    )


def _child_trends(mine: Sequence[Night], all_notes: Sequence[Note]) -> None:
    """The trend figure of one child's nights (no clips) and the before/after comparison."""
    notes = child_notes(all_notes, mine)
    table = trend_table(mine, [wall_clock_start(n)[0] for n in mine])
    first, last = table["date"].min(), table["date"].max()
    comparable = [n for n in notes if first < pd.Timestamp(n.note_date) <= last]
    chosen: Note | None = None
    sides = None
    if comparable:
        picked = st.selectbox(
            "Compare the nights before and after",
            range(len(comparable)),
            index=len(comparable) - 1,
            format_func=lambda i: f"{comparable[i].note_date:%d %b %Y}: {comparable[i].text}",
            key="trend_note",
        )
        chosen = comparable[int(picked)]
        before, after = note_sides(table, notes, chosen)
        if not before.empty and not after.empty:
            sides = (
                before["date"].min(),
                pd.Timestamp(chosen.note_date),
                after["date"].max() + pd.Timedelta(days=1),
            )
    ref = plm_reference_per_h(mine[0].summary or {})
    fig = figure_trends(table, notes, ref, chosen, sides)
    st.plotly_chart(fig, key="trends", config={"displayModeBar": False})
    st.caption(
        f"Each point is a night (the date it started); the line is the median of the last "
        f"{MEDIAN_NIGHTS} nights. Dotted: the PLMS index reference ({ref:g}/h, used "
        "from about 5 years; no infant norms). Orange lines: your notes. Hollow grey points: "
        f"{TOO_LITTLE_SLEEP}, left out of the median."
    )
    if chosen is not None:
        st.subheader("Before and after")
        _comparison(table, notes, chosen)
    elif len(table) > 1:
        st.caption(
            "Add a note dated on the evening something changed (a new supplement, a "
            "bedtime routine) to compare the nights before and after it."
        )


def page_trends() -> None:
    st.header("Across nights")
    nights = nights_done()
    all_notes = store().notes()
    if not nights:
        st.info("No analysed nights yet — trends show here once there are some.")
    else:
        labels = sorted({n.label for n in nights})
        label = labels[0]
        if len(labels) > 1:
            label = st.selectbox("Child", labels, key="trend_label")
        mine = [n for n in nights if n.label == label]
        clips = sum(is_clip(n.summary or {}) for n in mine)
        if clips:
            st.caption(
                f"{plural(clips, 'clip')} — recordings too short to score as a night (counts, "
                "not rates) — are not in the trends; the Night page shows each."
            )
        mine = [n for n in mine if not is_clip(n.summary or {})]
        if mine:
            _child_trends(mine, all_notes)
        else:
            st.info(f"No nights of {label} yet, only clips — trends show nights.")
    st.subheader("Notes and things tried")
    with st.form("note_form", clear_on_submit=True):
        c1, c2 = st.columns([1, 3])
        day = c1.date_input("Date", value=dt.date.today(), key="note_date", format="YYYY-MM-DD")
        text = c2.text_input(
            "What happened or was tried", key="note_text", placeholder="iron supplement started"
        )
        if st.form_submit_button("Add the note"):
            try:
                store().add_note(day, text)
            except (LegmoveError, ValueError) as exc:
                st.error(f"Not added: {plain_error(exc)}")
            else:
                st.success("Note added.")
                all_notes = store().notes()
    if all_notes:
        st.dataframe(
            pd.DataFrame(
                {"date": [n.note_date for n in all_notes], "note": [n.text for n in all_notes]}
            ),
            hide_index=True,
        )
    else:
        st.caption("No notes yet.")
