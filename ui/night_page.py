"""The night page: the night in words, the summary cards, the Plotly timeline and the
counts per hour."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from pipeline.reports.export import fmt_clock, fmt_duration, hourly_counts
from pipeline.reports.figures import plm_reference_per_h
from pipeline.reports.methods import scored_settings
from pipeline.store.db import Night
from ui.common import (
    DISCLAIMER,
    cached_result,
    choose_night,
    data_dir,
    night_label,
    result_of,
    result_version,
    store,
    wall_clock_start,
)
from ui.import_page import job_progress
from ui.plotly_figures import figure_timeline_plotly

__all__ = ["night_in_words", "page_night", "summary_cards"]


@st.cache_resource(max_entries=8, show_spinner=False)
def _timeline(folder: str, night_id: int, version: str, start: dt.datetime | None) -> Any:
    # a resource, not data: unpickling a big Plotly figure re-validates it (~0.7 s for 10 h);
    # st.plotly_chart only reads the figure
    res = cached_result(folder, night_id, version)
    fig = figure_timeline_plotly(res, start)
    # open on the recording itself (the hourly bars would stretch a short night's axis)
    hours = hourly_counts(res, start)
    a, b = float(hours["start_s"].iloc[0]), float(hours["end_s"].iloc[-1])
    if b > a:
        pad = 0.01 * (b - a)
        if start is None:
            lo, hi = -pad / 3600, (b - a + pad) / 3600
            fig.update_xaxes(range=[lo, hi])
        else:
            lo_t = start + dt.timedelta(seconds=a - pad)
            hi_t = start + dt.timedelta(seconds=b + pad)
            fig.update_xaxes(range=[lo_t, hi_t])
    return fig


def summary_cards(night: Night, start: dt.datetime | None) -> None:
    s = night.summary or {}
    c = s.get("counts", {})
    rules = scored_settings(s)
    onset = s.get("sleep_onset_s")
    ref = plm_reference_per_h(s)
    plmi = s.get("plm_index_per_h")
    row1 = st.columns(4)
    row1[0].metric(
        "Sleep onset",
        fmt_clock(onset, start) if onset is not None else "no sleep found",
        help="Start of the first sustained sleep period (actigraphy-style scoring of body "
        f"movement in {rules['epoch_s']:g}-s epochs).",
    )
    row1[1].metric("Time to fall asleep", fmt_duration(s.get("time_to_sleep_s")) or "—")
    row1[2].metric("Total sleep", fmt_duration(s.get("total_sleep_s")) or "—")
    row1[3].metric("Awakenings", s.get("awakenings", 0))
    row2 = st.columns(4)
    row2[0].metric(
        "PLMS index",
        "—" if plmi is None else f"{plmi:.1f} /h",
        delta=None if plmi is None else (f"above {ref:g}/h" if plmi > ref else f"≤ {ref:g}/h"),
        delta_color="inverse" if plmi is not None and plmi > ref else "off",
        help=f"Periodic leg movements in sleep per hour of sleep; in children above {ref:g}/h "
        "is abnormal.",
    )
    row2[1].metric(
        "Leg movements (LMs)",
        c.get("lm", 0),
        help=f"{rules['lm_min_s']:g}–{rules['lm_max_s']:g} s (both legs: "
        f"{rules['lm_min_s']:g}–{rules['bilateral_lm_max_s']:g} s)",
    )
    row2[2].metric(
        "Rhythmic movements",
        c.get("rhythmic", 0),
        help=f"cycling {c.get('rhythmic_cycling', 0)}, kicking {c.get('rhythmic_kicking', 0)}",
    )
    row2[3].metric(
        "Twitches",
        c.get("twitch", 0),
        help=f"shorter than {rules['lm_min_s']:g} s; normal in infants",
    )


def night_in_words(s: dict[str, Any], start: dt.datetime | None, n_flagged: int) -> str:
    """The night in two plain sentences, from its summary."""
    c = s.get("counts", {})
    onset = s.get("sleep_onset_s")
    if onset is None:
        first = "No sleep was found in this recording."
    else:
        when = fmt_clock(onset, start)
        when = f"at {when}" if start is not None else f"{when} h into the recording"
        first = (
            f"Fell asleep {when}, {fmt_duration(s.get('time_to_sleep_s')) or '0 min'} after the "
            f"recording started, and slept {fmt_duration(s.get('total_sleep_s'))} in all"
            f" with {s.get('awakenings', 0)} awakening(s)."
        )
    plmi = s.get("plm_index_per_h")
    ref = plm_reference_per_h(s)
    second = f"{c.get('lm', 0)} leg movements"
    if c.get("plms"):
        second += f", {c['plms']} of them in periodic series during sleep"
    if plmi is not None:
        judged = "above" if plmi > ref else "within"
        second += (
            f" (PLMS index {plmi:.1f} per hour of sleep — {judged} the {ref:g}/h "
            "reference for children)"
        )
    second += "."
    third = f" {n_flagged} moment(s) are flagged for you to review." if n_flagged else ""
    return f"{first} {second}{third}"


@st.fragment(run_every=3.0)
def _follow_analysis(night_id: int) -> None:
    """The analysis of a night not done yet, refreshed every few seconds; the whole page is
    drawn again once it is done (or failed)."""
    night = store().get_night(night_id)
    if night.summary is not None or night.status == "failed":
        st.rerun()
    frac, words, _ = job_progress(night)
    st.info(f"This night is not analysed yet — {words}. It shows here once it is done.")
    st.progress(frac or 0.0, text=f"{100 * (frac or 0):.0f} %")


def _go_to(page: str) -> None:
    st.session_state["page"] = page


def page_night() -> None:
    nights = store().list_nights()
    if not nights:
        st.header("A night")
        st.info("No nights yet — import one on the **Import** page.")
        return
    night = choose_night(nights)
    if night is None:
        return
    st.header(night_label(night))
    if night.summary is None:
        if night.status == "failed":
            st.error(f"The analysis failed — {night.error or 'no reason recorded'}")
        else:
            _follow_analysis(night.id)
        return
    start, where = wall_clock_start(night)
    res = result_of(night)
    st.write(night_in_words(night.summary, start, len(res.episodes)))
    summary_cards(night, start)
    if len(res.episodes):
        st.button(
            f"Review the {len(res.episodes)} flagged moment(s) ▶",
            key="to_review",
            on_click=_go_to,
            args=("review",),
        )
    st.subheader("The night")
    fig = _timeline(data_dir(), night.id, result_version(night), start)
    # no toolbar (it covers the legend): drag to zoom, double-click to zoom out, hover for details
    st.plotly_chart(fig, key="timeline", config={"displayModeBar": False})
    st.caption(
        "Drag across the timeline to zoom in, double-click to zoom out, point at a movement "
        "for its details." + (f" Clock times from {where}." if start is not None else "")
    )
    hours = hourly_counts(res, start)
    table = hours.drop(columns=["start_s", "end_s"]).rename(
        columns={
            "hour": "hour",
            "clock": "from",
            "sleep_min": "asleep (min)",
            "lms": "LMs",
            "long_movements": "long movements",
            "plms": "PLMs",
        }
    )
    if start is None:
        table = table.drop(columns=["from"])
    st.subheader("Counts per hour")
    st.dataframe(table, hide_index=True)
    issues = (night.summary or {}).get("issues") or []
    if issues:
        with st.expander(f"{len(issues)} note(s) about the video"):
            for i in issues:
                st.write(f"- {i}")
    st.caption(DISCLAIMER)
