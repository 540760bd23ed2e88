"""The night page: the night in words, the summary cards, the Plotly timeline and the
counts per hour."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from pipeline.reports.export import fmt_clock, fmt_duration, hourly_counts
from pipeline.reports.figures import plm_reference_per_h
from pipeline.reports.indices_text import (
    imi_table,
    index_caveats,
    plms_reference_note,
    series_lines,
    sleep_hours_line,
)
from pipeline.reports.methods import scored_settings
from pipeline.scoring.night import CLIP_NOTE, is_clip
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

__all__ = ["clip_in_words", "night_in_words", "page_night", "summary_cards"]


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


def _clip_cards(s: dict[str, Any]) -> None:
    c = s.get("counts", {})
    rules = scored_settings(s)
    row = st.columns(4)
    row[0].metric("Recording", f"clip, {float(s.get('duration_s', 0)):.0f} s", help=CLIP_NOTE)
    row[1].metric(
        "Leg movements (LMs)",
        c.get("lm", 0),
        help=f"{rules['lm_min_s']:g}–{rules['lm_max_s']:g} s (both legs: "
        f"{rules['lm_min_s']:g}–{rules['bilateral_lm_max_s']:g} s)",
    )
    row[2].metric(
        "Rhythmic bouts",
        c.get("rhythmic", 0),
        help=f"cycling {c.get('rhythmic_cycling', 0)}, kicking {c.get('rhythmic_kicking', 0)}",
    )
    row[3].metric("Twitches / PLM series", f"{c.get('twitch', 0)} / {c.get('plm_series', 0)}")


def summary_cards(night: Night, start: dt.datetime | None) -> None:
    s = night.summary or {}
    if is_clip(s):
        _clip_cards(s)
        return
    c = s.get("counts", {})
    rules = scored_settings(s)
    onset = s.get("sleep_onset_s")
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
        help="Periodic leg movements in sleep per hour of sleep. " + plms_reference_note(s),
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
    lmc = s.get("lm_counts") or {}
    row3 = st.columns(4)
    plmw = s.get("plmw_index_per_h")
    row3[0].metric(
        "PLMW index",
        "—" if plmw is None else f"{plmw:.1f} /h",
        help="Periodic leg movements while awake per hour awake in bed.",
    )
    pi = s.get("periodicity_index_sleep")
    pw = s.get("periodicity_index_wake")
    row3[1].metric(
        "Periodicity index (sleep)",
        "—" if pi is None else f"{pi:.2f}",
        help="Share of the intervals between LMs that are "
        f"{rules['plm_min_interval_s']:g}–{rules['plm_max_interval_s']:g} s and lie in runs of "
        f"at least {rules['plm_min_count'] - 1:g} such intervals (Ferri 2006); awake: "
        + ("—" if pw is None else f"{pw:.2f}"),
    )
    short = s.get("short_imi_index_per_h")
    row3[2].metric(
        "Short-interval LMs",
        "—" if short is None else f"{short:.1f} /h",
        help=f"LMs in sleep less than {rules['plm_min_interval_s']:g} s after the previous one "
        "(onset to onset), per hour of sleep; in children the intervals peak at 2–4 s.",
    )
    row3[3].metric(
        "LMs asleep: one leg / both",
        f"{lmc.get('lm_sleep_one_leg', 0)} / {lmc.get('lm_sleep_bilateral', 0)}",
        help=f"PLMs in sleep: {lmc.get('plms_one_leg', 0)} one leg, "
        f"{lmc.get('plms_bilateral', 0)} both legs.",
    )


def _periodic_details(s: dict[str, Any], start: dt.datetime | None) -> None:
    """The IMI histogram, the PLM series and the counts by hour of sleep, with the caveats."""
    st.subheader("Periodic leg movements")
    for note in index_caveats(s):
        st.caption(note)
    imi = imi_table(s)
    if len(imi) and (imi["in sleep"].sum() or imi["awake"].sum()):
        st.write("Intervals between LMs (onset to onset; log-spaced bins)")
        st.bar_chart(imi.set_index("interval")[["in sleep", "awake"]], stack=True)
    lines = series_lines(s, start)
    st.write("\n".join(f"- {line}" for line in lines) if lines else "No PLM series.")
    hours = sleep_hours_line(s)
    if hours:
        st.write(hours)


def clip_in_words(s: dict[str, Any], events: Any, n_flagged: int) -> str:
    """A clip in plain sentences: what it is, what the legs did in it."""
    c = s.get("counts", {})
    rh = events[events["rhythmic"].astype(bool)] if len(events) else events
    bouts = [
        f"{r.pattern or 'kicking'} at {float(r.frequency_hz):.1f} Hz"
        for r in rh.itertuples(index=False)
        if r.frequency_hz == r.frequency_hz
    ]
    text = (
        f"A clip of {float(s.get('duration_s', 0)):.0f} s — {CLIP_NOTE}: too short to score "
        f"sleep or to give an index per hour, and not counted as a night in the trends. "
        f"{c.get('lm', 0)} leg movement(s), {c.get('long_movement', 0)} long movement(s) and "
        f"{c.get('twitch', 0)} twitch(es)"
    )
    if bouts:
        text += f"; rhythmic: {', '.join(bouts)}"
    text += "."
    if n_flagged:
        text += f" {n_flagged} moment(s) are flagged for you to review."
    return text


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
        second += (
            f" (PLMS index {plmi:.1f} per hour of sleep; {ref:g}/h is the reference used for "
            "children from about 5 years, and there are no infant norms)"
        )
    second += "."
    if s.get("plm_series_in_wake"):
        second += f" {s['plm_series_in_wake']} periodic series were scored while awake."
    third = f" {n_flagged} moment(s) are flagged for you to review." if n_flagged else ""
    return f"{first} {second}{third}"


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
            frac, words, _ = job_progress(night)
            st.info(f"This night is not analysed yet: {words}. The **Import** page follows it.")
            st.progress(frac or 0.0)
        return
    start, where = wall_clock_start(night)
    res = result_of(night)
    clip = is_clip(night.summary)
    if clip:
        st.write(clip_in_words(night.summary, res.events, len(res.episodes)))
    else:
        st.write(night_in_words(night.summary, start, len(res.episodes)))
    summary_cards(night, start)
    if len(res.episodes):
        st.button(
            f"Review the {len(res.episodes)} flagged moment(s) ▶",
            key="to_review",
            on_click=_go_to,
            args=("review",),
        )
    st.subheader("The clip" if clip else "The night")
    fig = _timeline(data_dir(), night.id, result_version(night), start)
    # no toolbar (it covers the legend): drag to zoom, double-click to zoom out, hover for details
    st.plotly_chart(fig, key="timeline", config={"displayModeBar": False})
    st.caption(
        "Drag across the timeline to zoom in, double-click to zoom out, point at a movement "
        "for its details." + (f" Clock times from {where}." if start is not None else "")
    )
    if clip:
        _clip_details(night, res)
        st.caption(DISCLAIMER)
        return
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
    _periodic_details(night.summary or {}, start)
    _notes(night)
    st.caption(DISCLAIMER)


def _notes(night: Night) -> None:
    s = night.summary or {}
    issues = [*(s.get("issues") or []), *(s.get("notes") or [])]
    if issues:
        with st.expander(f"{len(issues)} note(s) about the video"):
            for i in issues:
                st.write(f"- {i}")


def _clip_details(night: Night, res: Any) -> None:
    """A clip's movements one by one and its video (in place of the counts per hour)."""
    st.subheader("Movements in the clip")
    ev = res.events
    cols = ["start_s", "duration_s", "kind", "side", "rhythmic", "pattern", "frequency_hz"]
    st.dataframe(ev[cols], hide_index=True)
    paths = [seg.path for seg in night.segments]
    if len(paths) == 1:
        st.subheader("The video")
        st.video(paths[0])
    _notes(night)
