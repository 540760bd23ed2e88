"""The Across-nights page: trends of the PLMS index, LMs, sleep onset and awakenings over
nights, with the parent's dated notes; add a note."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from pipeline.errors import LegmoveError
from pipeline.reports.figures import plm_reference_per_h
from pipeline.scoring.night import is_clip
from pipeline.store.db import Night
from ui.common import nights_done, plain_error, store, wall_clock_start
from ui.plotly_figures import figure_trend_plotly

__all__ = ["page_trends", "trend_table"]


def trend_table(nights: Sequence[Night]) -> pd.DataFrame:
    """One row per night; a clip (counts, not rates: pipeline.scoring.night.is_clip) is not a
    night and is left out."""
    rows = []
    for n in nights:
        s = n.summary or {}
        if is_clip(s):
            continue
        start, _ = wall_clock_start(n)
        onset = s.get("sleep_onset_s")
        onset_clock = None
        if start is not None and onset is not None:
            when = start + dt.timedelta(seconds=float(onset))
            # plot as a time of the evening/night on one reference day (after noon, then next day)
            base = dt.datetime(2000, 1, 1) + dt.timedelta(hours=when.hour, minutes=when.minute)
            onset_clock = base + dt.timedelta(days=1) if when.hour < 12 else base
        tts = s.get("time_to_sleep_s")
        rows.append(
            {
                "night_id": n.id,
                "date": pd.Timestamp(n.night_date),
                "label": n.label,
                "PLMS index (/h)": s.get("plm_index_per_h"),
                "LMs": (s.get("counts") or {}).get("lm", 0),
                "sleep onset": onset_clock,
                "time to fall asleep (min)": None if tts is None else round(tts / 60, 1),
                "awakenings": s.get("awakenings", 0),
            }
        )
    return pd.DataFrame(rows)


def page_trends() -> None:
    st.header("Across nights")
    nights = nights_done()
    notes = store().notes()
    if nights:
        labels = sorted({n.label for n in nights})
        if len(labels) > 1:
            chosen = st.multiselect("Children", labels, default=labels, key="trend_labels")
            nights = [n for n in nights if n.label in chosen]
        table = trend_table(nights)
        clips = sum(is_clip(n.summary or {}) for n in nights)
        if clips:
            st.caption(
                f"{clips} clip(s) — recordings too short to score as a night (counts, not "
                "rates) — are not in the trends; the Night page shows each."
            )
        if len(table):
            ref = plm_reference_per_h(nights[0].summary or {})
            st.plotly_chart(figure_trend_plotly(table, notes, ref), key="trends")
            st.caption(
                f"Dotted line: PLMS index reference ({ref:g}/h in children). Dashed lines: "
                "your notes."
            )
    else:
        st.info("No analysed nights yet — trends show here once there are some.")
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
                notes = store().notes()
    if notes:
        st.dataframe(
            pd.DataFrame({"date": [n.note_date for n in notes], "note": [n.text for n in notes]}),
            hide_index=True,
        )
    else:
        st.caption("No notes yet.")
