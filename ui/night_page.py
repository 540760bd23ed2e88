"""The night page: the night in words, the summary cards, the Plotly timeline and the
counts per hour."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from pipeline.reports.export import fmt_clock, fmt_duration, hourly_counts, night_first_s
from pipeline.reports.figures import LANE_Y, plm_reference_per_h
from pipeline.reports.indices_text import (
    imi_table,
    index_caveats,
    plms_reference_note,
    series_lines,
    sleep_hours_line,
)
from pipeline.reports.methods import scored_settings
from pipeline.reports.rates import TOO_LITTLE_SLEEP, plms_index_words, plural
from pipeline.scoring.night import CLIP_NOTE, bout_counts, is_clip
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
from ui.plotly_figures import ELAPSED_ZERO, figure_timeline_plotly
from ui.review_page import GOTO_KEY

__all__ = ["clip_in_words", "night_in_words", "page_night", "summary_cards"]


@st.cache_resource(max_entries=8, show_spinner=False)
def _timeline(folder: str, night_id: int, version: str, start: dt.datetime | None) -> Any:
    # a resource, not data: unpickling a big Plotly figure re-validates it (~0.7 s for 10 h);
    # st.plotly_chart only reads the figure
    res = cached_result(folder, night_id, version)
    fig = figure_timeline_plotly(res, start)
    _click_targets(fig, res, start)
    # open on the recording itself (the hourly bars would stretch a short night's axis)
    hours = hourly_counts(res, start)
    a, b = float(hours["start_s"].iloc[0]), float(hours["end_s"].iloc[-1])
    if b > a:
        pad = 0.01 * (b - a)
        if start is None:
            lo_e = ELAPSED_ZERO - dt.timedelta(seconds=pad)
            fig.update_xaxes(range=[lo_e, ELAPSED_ZERO + dt.timedelta(seconds=b - a + pad)])
        else:
            lo_t = start + dt.timedelta(seconds=a - pad)
            hi_t = start + dt.timedelta(seconds=b + pad)
            fig.update_xaxes(range=[lo_t, hi_t])
    return fig


def _bouts_card(col: Any, bouts: pd.DataFrame, c: dict[str, Any]) -> None:
    """The card of the rhythmic *bouts* — the ones the timeline's bout lane and the PDF's
    bout page list — by pattern, with the movements labelled rhythmic in its help."""
    n = bout_counts(bouts)
    col.metric(
        "Rhythmic bouts",
        n["rhythmic_bouts"],
        help=f"cycling {n['rhythmic_bouts_cycling']}, kicking {n['rhythmic_bouts_kicking']}; "
        f"{c.get('rhythmic', 0)} of the leg movements lie in one",
    )


def _clip_cards(s: dict[str, Any], bouts: pd.DataFrame) -> None:
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
    _bouts_card(row[2], bouts, c)
    row[3].metric("Twitches / PLM series", f"{c.get('twitch', 0)} / {c.get('plm_series', 0)}")


def _click_targets(fig: Any, res: Any, start: dt.datetime | None) -> None:
    """Make the timeline clickable: Plotly selects markers, not lines, so every drawn
    movement and bar gets invisible markers at its ends, and each flagged episode invisible
    markers along its lanes (and on each movement inside it) carrying its number; a click
    then opens the episode on the Review page (:func:`_timeline_clicked`)."""
    import plotly.graph_objects as go

    # the lanes' own drawn movements and bars: selectable at their ends (invisible markers)
    for trace in fig.data:
        if (
            trace.type == "scatter"
            and trace.mode == "lines"
            and trace.hoverinfo == "text"
            and not trace.fill
        ):
            trace.update(mode="lines+markers", marker={"size": 12, "opacity": 0})
    eps = res.episodes.reset_index(drop=True)
    if eps.empty:
        return
    first = night_first_s(res)
    step = max(1.0, float(res.summary.get("duration_s", 0.0)) / 400)
    ts: list[float] = []
    ys: list[float] = []
    nums: list[int] = []
    ev = res.events
    for number, e in enumerate(eps.itertuples(index=False), start=1):
        a, b = float(e.start_s), float(e.end_s)
        lanes = ["Flagged"] + (["PLM series"] if str(e.kind) == "plm_series" else [])
        for t in np.arange(a, b + step / 2, step):
            for lane in lanes:
                ts.append(float(min(t, b)))
                ys.append(LANE_Y[lane])
                nums.append(number)
        inside = ev[(ev["start_s"] >= a) & (ev["start_s"] <= b)]
        for m in inside.itertuples(index=False):
            side = str(m.side)
            legs = ["Left leg", "Right leg"] if side == "bilateral" else [f"{side.title()} leg"]
            for lane in legs:
                if lane in LANE_Y:
                    ts.append(0.5 * (float(m.start_s) + float(m.end_s)))
                    ys.append(LANE_Y[lane])
                    nums.append(number)
    x = [
        ELAPSED_ZERO + dt.timedelta(seconds=t - first)
        if start is None
        else start + dt.timedelta(seconds=t)
        for t in ts
    ]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=ys,
            mode="markers",
            marker={"size": 14, "opacity": 0},
            customdata=nums,
            hovertemplate="flagged episode %{customdata}: click to watch it<extra></extra>",
            showlegend=False,
            name="click to review",
        ),
        row=1,
        col=1,
    )


def _greyed(col: Any, label: str, value: str, meaning: str, help_text: str) -> None:
    """A card whose rate is from too little sleep: its value greyed (the size of the other
    cards' values) with the caveat under it, never a metric that reads as a firm number."""
    with col:
        st.caption(label, help=help_text)
        st.markdown(
            f'<div style="font-size:2.25rem;color:#8c8c8c;line-height:1.2">{value}</div>',
            unsafe_allow_html=True,
        )
        st.caption(f":gray[{meaning}]")


def summary_cards(night: Night, start: dt.datetime | None, bouts: pd.DataFrame) -> None:
    """The night's cards (a clip's, for a clip); ``bouts`` is its rhythmic bout table."""
    s = night.summary or {}
    if is_clip(s):
        _clip_cards(s, bouts)
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
    value, meaning, look = plms_index_words(s)
    plms_help = (
        "Periodic leg movements in sleep per hour of sleep. "
        + plms_reference_note(s)
        + f" A rate needs at least {rules['rate_min_sleep_s'] / 60:g} min of sleep."
    )
    if look == "muted" and plmi is not None:  # greyed: too little sleep for a rate
        _greyed(row2[0], "PLMS index", f"{value} /h", meaning, plms_help)
    else:
        row2[0].metric(
            "PLMS index",
            "—" if plmi is None else f"{value} /h",
            help=plms_help,
        )
    row2[1].metric(
        "Leg movements (LMs)",
        c.get("lm", 0),
        help=f"{rules['lm_min_s']:g}–{rules['lm_max_s']:g} s (both legs: "
        f"{rules['lm_min_s']:g}–{rules['bilateral_lm_max_s']:g} s)",
    )
    _bouts_card(row2[2], bouts, c)
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
    short_help = (
        f"LMs in sleep less than {rules['plm_min_interval_s']:g} s after the previous one "
        "(onset to onset), per hour of sleep; in children the intervals peak at 2–4 s."
    )
    if look == "muted" and short is not None:  # per hour of sleep too: greyed alike
        _greyed(row3[2], "Short-interval LMs", f"{short:.1f} /h", TOO_LITTLE_SLEEP, short_help)
    else:
        row3[2].metric(
            "Short-interval LMs", "—" if short is None else f"{short:.1f} /h", help=short_help
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
        # the bins in their own order (short to long), not sorted as text ("10–15 s" < "1–2 s")
        st.bar_chart(
            imi, x="interval", y=["in sleep", "awake"], stack=True, sort=False, x_label="interval"
        )
    lines = series_lines(s, start)
    st.write("\n".join(f"- {line}" for line in lines) if lines else "No PLM series.")
    hours = sleep_hours_line(s)
    if hours:
        st.write(hours)


def clip_in_words(s: dict[str, Any], bouts: pd.DataFrame, n_flagged: int) -> str:
    """A clip in plain sentences: what it is, what the legs did in it (its rhythmic bouts
    from the bout table, as the cards and the timeline show them)."""
    c = s.get("counts", {})
    described = [
        f"{r.pattern or 'kicking'} at {float(r.frequency_hz):.1f} Hz"
        if r.frequency_hz == r.frequency_hz
        else str(r.pattern or "kicking")
        for r in bouts.itertuples(index=False)
    ]
    text = (
        f"A clip of {float(s.get('duration_s', 0)):.0f} s — {CLIP_NOTE}: too short to score "
        f"sleep or to give an index per hour, and not counted as a night in the trends. "
        f"{c.get('lm', 0)} leg movement(s), {c.get('long_movement', 0)} long movement(s) and "
        f"{c.get('twitch', 0)} twitch(es)"
    )
    if described:
        text += f"; rhythmic: {', '.join(described)}"
    text += "."
    if n_flagged:
        text += f" {n_flagged} moment(s) are flagged for you to review."
    return text


def night_in_words(s: dict[str, Any], start: dt.datetime | None, n_flagged: int) -> str:
    """The night in plain sentences, from its summary: clock times when the start is known,
    else time since the recording started (h:mm:ss); a rate only from enough sleep."""
    c = s.get("counts", {})
    onset = s.get("sleep_onset_s")
    bed = s.get("in_bed_s")
    since = (
        "going to bed" if bed is not None and abs(float(bed)) >= 1.0 else "the recording started"
    )
    if start is not None and since == "the recording started":
        since += f" at {fmt_clock(0.0, start)}"
    if onset is None:
        first = "No sleep was found in this recording."
    else:
        when = (
            f"at {fmt_clock(onset, start)}"
            if start is not None
            else (f"{fmt_clock(onset, None, True).lstrip('+')} after the recording started")
        )
        tts = fmt_duration(s.get("time_to_sleep_s")) or "0 min"
        first = f"Fell asleep {when}" + (f", {tts} after {since}," if start is not None else ",")
        first += (
            f" and slept {fmt_duration(s.get('total_sleep_s'))} in all with "
            f"{plural(int(s.get('awakenings', 0)), 'awakening')}."
        )
    value, meaning, look = plms_index_words(s)
    ref = plm_reference_per_h(s)
    second = plural(int(c.get("lm", 0)), "leg movement")
    if c.get("plms"):
        second += f", {c['plms']} of them in periodic series during sleep"
    if s.get("plm_index_per_h") is not None:
        if look == "muted":
            second += f" (PLMS index {value}/h — {meaning})"
        else:
            second += (
                f" (PLMS index {value} per hour of sleep; {ref:g}/h is the reference used for "
                "children from about 5 years, and there are no infant norms)"
            )
    second += "."
    if s.get("plm_series_in_wake"):
        n_wake = int(s["plm_series_in_wake"])
        were = "was" if n_wake == 1 else "were"
        second += f" {n_wake} periodic series {were} scored while awake."
    third = ""
    if n_flagged:
        are = "is" if n_flagged == 1 else "are"
        third = f" {plural(n_flagged, 'moment')} {are} flagged for you to review."
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


def _clicked_s(x: Any, start: dt.datetime | None) -> float | None:
    """Seconds of a clicked point's x on the result's time axis (a clock time, or time since
    the first frame from :data:`ELAPSED_ZERO`)."""
    try:
        base = pd.Timestamp(start if start is not None else ELAPSED_ZERO)
        return float((pd.Timestamp(x) - base).total_seconds())
    except (TypeError, ValueError):
        return None


def _timeline_clicked(night_id: int, start: dt.datetime | None) -> None:
    """A click on the timeline: open the most important flagged episode at that moment on the
    Review page, or say that nothing flagged is there."""
    points = (st.session_state.get("timeline") or {}).get("selection", {}).get("points", [])
    numbers = [p.get("customdata") for p in points if p.get("customdata") is not None]
    times = [t for t in (_clicked_s(p.get("x"), start) for p in points) if t is not None]
    if not numbers and not times:
        return
    eps = store().episodes(night_id).sort_values(["priority", "start_s"], kind="stable")
    if numbers:  # a click target: the episode's number (1-based, as the store numbers them)
        num = numbers[0][0] if isinstance(numbers[0], list) else numbers[0]
        hit = eps[eps["number"].astype(int) == int(num)]
    else:
        t = times[0]
        hit = eps[(eps["start_s"] - 1.0 <= t) & (t <= eps["end_s"] + 1.0)]
    if hit.empty:
        st.session_state["timeline_missed"] = (
            "Nothing flagged for review at that moment — only flagged episodes open on the "
            "Review page."
        )
        return
    st.session_state[GOTO_KEY] = int(hit.iloc[0]["number"])
    st.session_state["page"] = "review"


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
    clip = is_clip(night.summary)
    if clip:
        st.write(clip_in_words(night.summary, res.bouts, len(res.episodes)))
    else:
        st.write(night_in_words(night.summary, start, len(res.episodes)))
    summary_cards(night, start, res.bouts)
    if len(res.episodes):
        st.button(
            f"Review the {plural(len(res.episodes), 'flagged moment')} ▶",
            key="to_review",
            on_click=_go_to,
            args=("review",),
        )
    st.subheader("The clip" if clip else "The night")
    fig = _timeline(data_dir(), night.id, result_version(night), start)
    # no toolbar (it covers the legend): drag to zoom, double-click to zoom out, hover for
    # details, click a flagged episode or a movement to review it
    st.plotly_chart(
        fig,
        key="timeline",
        config={"displayModeBar": False},
        on_select=functools.partial(_timeline_clicked, night.id, start),
        selection_mode="points",
    )
    missed = st.session_state.pop("timeline_missed", None)
    if missed:
        st.info(missed)
    st.caption(
        "Drag across the timeline to zoom in, double-click to zoom out, point at a movement "
        "for its details, click a flagged episode or a movement to watch it on the Review "
        "page." + (f" Clock times from {where}." if start is not None else "")
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
            "large_movements": "large movements",
            "plms": "PLMs asleep",
            "plmw": "PLMs awake",
        }
    )
    if start is None:  # the hour's start as time since the recording started
        table["from"] = [fmt_clock(t - hours["start_s"].iloc[0], None) for t in hours["start_s"]]
    st.subheader("Counts per hour")
    st.dataframe(table, hide_index=True)
    _periodic_details(night.summary or {}, start)
    _notes(night)
    st.caption(DISCLAIMER)


def _notes(night: Night) -> None:
    s = night.summary or {}
    issues = [*(s.get("issues") or []), *(s.get("notes") or [])]
    if issues:
        with st.expander(f"{plural(len(issues), 'note')} about the video"):
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
