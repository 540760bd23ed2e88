"""The Import page's "Record from a camera" section: save a camera (its address in the data
folder's private ``cameras.json``; the password is never shown again), start tonight's
recording of it in the background, follow it live, and stop it (the night is then scored).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from pipeline.errors import LegmoveError
from pipeline.jobs.cameras import camera_list, camera_remove, camera_save
from pipeline.jobs.record import record_start_background, record_state, record_stop
from pipeline.reports.export import fmt_duration
from pipeline.store.recordings import Recording
from ui.common import own_dir, own_store, plain_error

__all__ = ["recording_words", "section_record"]


def recording_words(rec: Recording, analysed_s: float) -> str:
    """A running recording in plain words: how much is recorded and analysed, gaps."""
    words = f"recording · {fmt_duration(rec.recorded_s)} recorded"
    words += f" · analysed up to {fmt_duration(analysed_s)}"
    if rec.gaps:
        words += f" · {rec.gaps} gap(s) where the camera was away"
    if rec.ends:
        words += f" · until {dt.datetime.fromisoformat(rec.ends):%H:%M}"
    return words


def section_record() -> None:
    st.subheader("Record from a camera")
    st.caption(
        "legmove reads the camera's stream on your home network and keeps the video in the "
        "data folder; nothing leaves this computer. Use the camera's substream (a smaller "
        "picture) for a lighter load."
    )
    try:
        cameras = camera_list(own_dir())
    except ValueError as exc:
        st.error(plain_error(exc))
        return
    if cameras:
        st.table(
            [
                {
                    "camera": c.name,
                    "address": c.url,
                    "user": c.user or "",
                    "password": "saved" if c.has_password else "",
                }
                for c in cameras
            ]
        )
        names = [c.name for c in cameras]
        c1, c2, c3 = st.columns([1, 1, 1])
        name = c1.selectbox("Camera", names, key="rec_camera")
        label = c2.text_input("Child's name (or a label)", key="rec_label")
        until = c3.time_input("Record until", value=dt.time(7, 0), key="rec_until", step=900)
        b1, b2 = st.columns([1, 1])
        if b1.button("Start recording", key="rec_start", type="primary"):
            try:
                record_start_background(
                    own_store(), name, label=label, until=until.strftime("%H:%M")
                )
            except (LegmoveError, ValueError, OSError) as exc:
                st.error(plain_error(exc))
            else:
                st.success(f"Recording {name} until {until:%H:%M} — it shows below in a moment.")
        if b2.button("Forget this camera", key="rec_forget"):
            camera_remove(own_dir(), name)
            st.rerun()
    with st.expander("Save a camera", expanded=not cameras):
        with st.form("rec_save", clear_on_submit=True):
            name = st.text_input("Name", placeholder="nursery", key="rec_name")
            url = st.text_input(
                "Stream address", placeholder="rtsp://192.168.1.20:554/stream2", key="rec_url"
            )
            user = st.text_input("User name (if the camera asks for one)", key="rec_user")
            password = st.text_input("Password", type="password", key="rec_password")
            if st.form_submit_button("Save camera", key="rec_save_go"):
                try:
                    camera_save(own_dir(), name, url, user or None, password or None)
                except ValueError as exc:
                    st.error(plain_error(exc))
                else:
                    st.rerun()
    section_recordings()


@st.fragment(run_every=3.0)
def section_recordings() -> None:
    """Recordings running now, with live progress and a Stop button."""
    from pipeline.jobs import job_status

    try:  # a fragment: its errors do not reach the page's error handling
        running = [
            r
            for r in own_store().recordings()
            if record_state(own_store(), r.night_id) == "recording"
        ]
    except LegmoveError as exc:
        st.error(plain_error(exc))
        return
    if not running:
        st.caption("No recording running.")
        return
    for rec in running:
        night = own_store().get_night(rec.night_id)
        try:
            analysed = job_status(own_store(), rec.night_id).done_s
        except LegmoveError:
            analysed = 0.0
        st.write(f"**{night.title}** ({rec.source}) — {recording_words(rec, analysed)}")
        if st.button("Stop and score the night", key=f"rec_stop_{rec.night_id}"):
            if record_stop(own_store(), rec.night_id):
                st.info("Stopping — the last part is analysed and the night scored.")
            else:
                st.warning("That recording is no longer running.")
