"""The review page: the flagged episodes by importance, each played from a few seconds before
to a few seconds after (or a rendered clip with the tracked legs drawn); say what it was
(:data:`pipeline.store.records.VERDICTS`: looks like it, ordinary movement, not a leg
movement, can't tell) and add a note. A rhythmic episode lists its bouts, and each one plays
on its own."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from pipeline.errors import LegmoveError
from pipeline.jobs.intake import video_codec
from pipeline.reports.clips import ClipOptions, NightTrack, clip_cached, clip_name, clip_track
from pipeline.reports.clock import reason_clocked
from pipeline.reports.export import fmt_clock
from pipeline.reports.figures import EPISODE_LABELS
from pipeline.reports.rates import plural
from pipeline.store.db import Night
from pipeline.store.records import VERDICT_TEXT, VERDICTS
from ui.common import (
    DISCLAIMER,
    choose_night,
    data_dir,
    nights_done,
    plain_error,
    result_of,
    store,
    wall_clock_start,
)

__all__ = [
    "CLIP_MAX_S",
    "GOTO_KEY",
    "PAD_S",
    "VERDICT_BUTTONS",
    "episode_bouts",
    "episode_video",
    "page_review",
    "review_controls",
]


#: seconds of video shown before and after a flagged episode
PAD_S = 5.0
#: longest rendered review clip (a 30-min settling episode shows its first minutes)
CLIP_MAX_S = 120.0
#: session key: the episode number another page asks the review page to open
GOTO_KEY = "review_goto"
#: the answers on the review buttons, and what each means (the button's help)
VERDICT_BUTTONS = {
    "confirm": ("Looks like it", "the video shows what was flagged"),
    "ordinary": (
        "Ordinary movement",
        "the legs move, but as a baby ordinarily does: wriggling, stretching, a kick",
    ),
    "reject": ("Not a leg movement", "something else moved: a caregiver, a blanket, the camera"),
    "unsure": ("Can't tell", "too dark, the legs hidden, or the video does not show it"),
}
#: what "looks like it" says for each kind of episode
_CONFIRM_WORDS = {
    "plm_series": "Looks like a periodic series",
    "rhythmic_movement": "Looks like rhythmic movement",
    "restless_settling": "Looks like restless legs",
    "movement_awakening": "Looks like a movement woke the baby",
}
_MARKS = {"confirm": "✓ ", "ordinary": "○ ", "reject": "✗ ", "unsure": "? "}
#: source files up to this size play directly in the browser (Streamlit reads them whole)
DIRECT_PLAY_MAX_BYTES = 300 * 1024 * 1024
_PLAYABLE = {"h264", "vp8", "vp9", "av1"}


@st.cache_data(max_entries=64, show_spinner=False)
def _codec(path: str, size: int) -> str | None:
    try:
        return video_codec(path)
    except (LegmoveError, OSError):
        return None


@st.cache_resource(max_entries=2, show_spinner=False)
def _track(path: str, mtime_ns: int) -> NightTrack:
    return clip_track(path)


def _episode_title(row: Any, start: dt.datetime | None) -> str:
    mark = _MARKS.get(str(row.verdict), "")
    kind = EPISODE_LABELS.get(str(row.kind), str(row.kind))
    return f"{mark}{int(row.number)}. {kind} at {fmt_clock(float(row.start_s), start, True)}"


def _set_episode(key: str, value: int) -> None:
    st.session_state[key] = value


def page_review() -> None:
    st.header("Review flagged moments")
    nights = nights_done()
    if not nights:
        st.info("No analysed nights yet — import one on the **Import** page.")
        return
    night = choose_night(nights)
    if night is None:
        return
    eps = store().episodes(night.id).sort_values(["priority", "start_s"], kind="stable")
    eps = eps.reset_index(drop=True)
    if eps.empty:
        st.success("Nothing was flagged in this night.")
        return
    start, _ = wall_clock_start(night)
    done = int(eps["verdict"].notna().sum())
    st.caption(f"{len(eps)} flagged, most important first · {done} reviewed")
    if start is None:
        st.caption("Times are since the recording started (h:mm:ss): its clock time is unknown.")
    key = f"ep_{night.id}"
    goto = st.session_state.pop(GOTO_KEY, None)  # an episode clicked on the Night page
    if goto is not None and int(goto) in set(eps["number"].astype(int)):
        st.session_state[key] = int(eps.index[eps["number"].astype(int) == int(goto)][0])
    pos = min(max(0, int(st.session_state.get(key, 0))), len(eps) - 1)
    st.session_state[key] = pos
    nav = st.columns([1, 4, 1])
    nav[0].button(
        "◀ Previous",
        key="ep_prev",
        disabled=pos == 0,
        on_click=_set_episode,
        args=(key, pos - 1),
        width="stretch",
    )
    titles = [_episode_title(r, start) for r in eps.itertuples(index=False)]
    nav[1].selectbox(
        "Episode",
        range(len(eps)),
        format_func=lambda i: titles[i],
        key=key,
        label_visibility="collapsed",
    )
    nav[2].button(
        "Next ▶",
        key="ep_next",
        disabled=pos >= len(eps) - 1,
        on_click=_set_episode,
        args=(key, pos + 1),
        width="stretch",
    )
    ep = eps.iloc[pos]
    left, right = st.columns([3, 2])
    with right:
        st.subheader(EPISODE_LABELS.get(str(ep["kind"]), str(ep["kind"])))
        st.write(reason_clocked(str(ep["reason"]), start))  # its times on the same clock
        st.caption(
            f"{fmt_clock(float(ep['start_s']), start, True)} – "
            f"{fmt_clock(float(ep['end_s']), start, True)} · "
            f"{plural(int(ep['n_movements']), 'movement')}"
        )
        review_controls(night, ep)
    with left:
        a, b = float(ep["start_s"]), float(ep["end_s"])
        if str(ep["kind"]) == "rhythmic_movement":
            a, b = _choose_bout(night, a, b, start)
        episode_video(night, a, b)
    st.caption(DISCLAIMER)


def episode_bouts(night: Night, a: float, b: float) -> pd.DataFrame:
    """The night's rhythmic bouts that overlap [a, b] (an episode), by start."""
    bouts = getattr(result_of(night), "bouts", None)
    if bouts is None or len(bouts) == 0:
        return pd.DataFrame()
    inside = (bouts["start_s"] < b) & (bouts["end_s"] > a)
    return bouts[inside].sort_values("start_s").reset_index(drop=True)


def _choose_bout(
    night: Night, a: float, b: float, start: dt.datetime | None
) -> tuple[float, float]:
    """A picker of the bouts of a rhythmic episode: the span to play (the whole episode or
    the bout chosen)."""
    bouts = episode_bouts(night, a, b)
    if len(bouts) <= 1:
        return a, b
    labels = ["The whole episode"] + [
        f"Bout {int(r.bout)}: {fmt_clock(float(r.start_s), start, True)}, {r.pattern} at "
        f"{float(r.frequency_hz):.1f} Hz, {float(r.duration_s):.0f} s"
        for r in bouts.itertuples(index=False)
    ]
    pick = st.selectbox("Play", range(len(labels)), format_func=lambda i: labels[i], key="bout")
    if pick == 0:
        return a, b
    row = bouts.iloc[pick - 1]
    return float(row["start_s"]), float(row["end_s"])


def review_controls(night: Night, ep: pd.Series) -> None:
    """The four answers as buttons (the chosen one filled and ticked), a note, and saving."""
    verdict = ep.get("verdict")
    verdict = str(verdict) if verdict in VERDICTS else None
    if verdict is not None:
        st.info(f"You marked this: **{VERDICT_TEXT[verdict]}**. Click another answer to change it.")
    number = int(ep["number"])
    note = st.text_area(
        "Note (optional)", value=str(ep.get("note") or ""), key=f"note_{night.id}_{number}"
    )
    st.caption("What was it?")
    for value, (words, meaning) in VERDICT_BUTTONS.items():
        if value == "confirm":
            words = _CONFIRM_WORDS.get(str(ep["kind"]), words)
        chosen = value == verdict
        if st.button(
            ("✓ " if chosen else "") + words,
            key=f"rv_{value}",
            type="primary" if chosen else "secondary",
            help=meaning,
            width="stretch",
        ):
            _save_review(night, number, value, note)
    if verdict is not None and st.button("Save the note", key="rv_note"):
        _save_review(night, number, verdict, note)


def _save_review(night: Night, number: int, verdict: str, note: str) -> None:
    try:
        store().add_review(night.id, number, verdict, note=note)
    except (LegmoveError, ValueError) as exc:
        st.error(f"Not saved: {plain_error(exc)}")
        return
    st.toast("Saved")
    st.rerun()


def _source_at(night: Night, t_s: float) -> Any:
    for s in night.sources:
        if s.start_s <= t_s < s.end_s:
            return s
    return None


def episode_video(night: Night, a: float, b: float) -> None:
    """The video from a few seconds before the episode to a few seconds after, and an
    optional rendered clip with the hip–knee–ankle lines."""
    src = _source_at(night, a)
    if src is None:
        st.info("No video file covers this moment (a gap between the night's files).")
        return
    path = Path(src.path)
    if not path.is_file():
        st.warning(
            f"The video file is not where it was when the night was added ({path}) — put it "
            "back there to watch this moment."
        )
        return
    direct = (
        _codec(str(path), src.size_bytes) in _PLAYABLE
        and path.suffix.lower() in (".mp4", ".m4v", ".mov", ".webm")
        and src.size_bytes <= DIRECT_PLAY_MAX_BYTES
        and b <= src.end_s
    )
    clip_end = min(b + PAD_S, a - PAD_S + CLIP_MAX_S)
    start, _ = wall_clock_start(night)
    if direct:
        st.video(
            str(path),
            start_time=max(0, int(a - src.start_s - PAD_S)),
            end_time=max(1, math.ceil(min(b, src.end_s) - src.start_s + PAD_S)),
        )
    else:
        plain = ClipOptions(skeleton=False, blur_face=False, wall_clock_start=start)
        _clip_or_button(night, a - PAD_S, clip_end, plain, "Show this moment", "plain")
    with st.expander("Clip with the tracked legs drawn", expanded=False):
        c1, c2 = st.columns(2)
        skeleton = c1.toggle("Draw hip–knee–ankle lines", value=True, key="clip_skel")
        keep_face = c2.toggle("Keep the face (no blur)", value=False, key="clip_face")
        opts = ClipOptions(skeleton=skeleton, blur_face=not keep_face, wall_clock_start=start)
        _clip_or_button(night, a - PAD_S, clip_end, opts, "Make the clip", "skel")
        if clip_end < b + PAD_S:
            st.caption(f"The clip shows the first {CLIP_MAX_S / 60:.0f} min of this episode.")


def _clip_or_button(
    night: Night, a: float, b: float, opts: ClipOptions, label: str, key: str
) -> None:
    segments = night.segments
    a = max(0.0, a)
    cache = Path(data_dir()) / "cache" / "clips" / str(night.id)
    path = cache / clip_name(segments, a, b, opts)
    if not path.is_file():
        if not st.button(label, key=f"make_clip_{key}"):
            return
        track = None
        tp = night.tracks_path
        if tp is not None and tp.is_file():
            track = _track(str(tp), tp.stat().st_mtime_ns)
        try:
            with st.spinner("Rendering the clip…"):
                clip_cached(segments, a, b, cache, track=track, options=opts)
        except (LegmoveError, ValueError, OSError) as exc:
            st.error(f"Could not make the clip: {plain_error(exc)}")
            return
        st.rerun()  # show the clip in place of the button
    st.video(str(path))
