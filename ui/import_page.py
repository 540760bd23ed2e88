"""The Import page: add a night from uploaded files or files on this computer, start its
analysis in the background and follow it (progress read from the store, so it survives a
reload and a closed browser); record a night from a camera (:mod:`ui.record_section`)."""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from pipeline.errors import LegmoveError, VideoError
from pipeline.jobs import job_start_background, job_status
from pipeline.jobs.intake import file_save, night_plan_checked, video_codec
from pipeline.jobs.record import record_state
from pipeline.reports.export import fmt_duration
from pipeline.store.db import Night, Store
from ui.common import demo_shown, night_label, own_dir, own_store, plain_error, store
from ui.record_section import section_record

__all__ = [
    "VIDEO_EXTENSIONS",
    "add_night_from",
    "job_progress",
    "local_videos",
    "page_import",
    "safe_file_name",
    "save_upload",
    "section_jobs",
    "start_analysis",
    "time_left_s",
]


#: extensions taken from a folder of segment files
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".avi", ".ts", ".mts", ".webm", ".3gp")
_CHUNK = 16 * 1024 * 1024
#: codecs FFmpeg uses to show text files as pictures: never a camera's video
_TEXT_CODECS = {"ansi", "bintext", "xbin", "idf"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_file_name(name: str) -> str:
    """An uploaded file's name made safe to write: no folders, no leading dots, plain
    characters, not too long; ``upload.mp4`` when nothing is left."""
    base = re.split(r"[\\/]", str(name))[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem, ext = stem[:100].strip(" ."), ext[:10]
    if not stem:
        return "upload.mp4" if not ext else f"upload.{ext}"
    return f"{stem}.{ext}" if ext else stem


def save_upload(uploaded: Any, folder: Path) -> Path:
    """Write one uploaded file into ``folder`` in pieces (never whole in memory)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_file_name(getattr(uploaded, "name", "upload.mp4"))
    n = 2
    while target.exists():
        target = target.with_name(f"{target.stem}-{n}{target.suffix}")
        n += 1
    uploaded.seek(0)
    # a crash mid-upload must not leave a truncated video under the real name
    return file_save(uploaded.read, target, _CHUNK)


def local_videos(text: str) -> tuple[list[Path], list[str]]:
    """Video files named in ``text`` (one path per line; a folder gives its video files in
    name order) and the problems found, in plain words."""
    paths: list[Path] = []
    problems: list[str] = []
    for line in text.splitlines():
        line = line.strip().strip('"').strip("'")
        if not line:
            continue
        p = Path(line).expanduser()
        if p.is_dir():
            found = sorted(
                f for f in p.iterdir() if f.is_file() and f.suffix.lower() in VIDEO_EXTENSIONS
            )
            if not found:
                problems.append(
                    f"{p}: no video files in this folder (looked for {', '.join(VIDEO_EXTENSIONS)})"
                )
            paths += found
        elif p.is_file():
            paths.append(p)
        else:
            problems.append(f"{p}: no such file or folder — check the path")
    return paths, problems


def add_night_from(paths: Sequence[Path], label: str, day: dt.date, in_bed: dt.time | None) -> int:
    """Probe every file, place them on one night, add the night to the store; return its id.

    Raises VideoError / StoreError / ValueError naming the file and the problem.
    """
    if not label.strip():
        raise ValueError("give the child's name (or another label) for this night")
    if not paths:
        raise ValueError("choose at least one video file")
    problems = []
    for p in paths:
        try:
            codec = video_codec(p)
        except VideoError as exc:
            problems.append(str(exc))
            continue
        if codec in _TEXT_CODECS:
            # FFmpeg's tty demuxer shows any text file as "video"; detector.video accepts it
            problems.append(
                f"{p}: not a video file (it holds text) — give the video of the night "
                "(e.g. .mp4, .mkv, .avi)"
            )
    if problems:
        raise ValueError("\n\n".join(problems))
    segments = night_plan_checked(list(paths))
    return own_store().add_night(label.strip(), day, segments, in_bed=in_bed)


#: how long a job just started may show "pending" (its process not yet up) without a Start
#: button: the background process takes the job lock within a few seconds
_STARTING_S = 60.0
#: the time-left estimate is the pace over the last this many seconds the page watched
_PACE_WINDOW_S = 60.0
#: ... and is shown only once the page has watched it progress for this long
_PACE_MIN_S = 15.0


def start_analysis(night_id: int) -> str | None:
    """Start the night's analysis as a background job; return an error text or None."""
    try:
        job_start_background(own_store(), night_id)
    except (LegmoveError, OSError, ValueError) as exc:
        return plain_error(exc)
    st.session_state[f"job_started_{night_id}"] = time.monotonic()
    return None


def time_left_s(
    samples: Sequence[tuple[float, float]], done_s: float, total_s: float, now: float
) -> tuple[list[tuple[float, float]], float | None]:
    """(the samples to keep, seconds left) from ``samples`` of (monotonic time, video seconds
    done) the page took while watching the job, plus this one: the pace (video seconds done
    per second) over the last :data:`_PACE_WINDOW_S`, None until the page has watched the job
    progress for :data:`_PACE_MIN_S`. Not the pace since the job started: loading the pose
    model takes a fixed while, and an 8-minute video "took" 45 s for its first 5 s of video —
    that pace promised 1 h 13 min for a job done in 75 s."""
    kept = [(t, d) for t, d in samples if now - t <= _PACE_WINDOW_S and d <= done_s]
    if not kept or kept[-1][1] != done_s:
        kept.append((now, float(done_s)))
    (t0, d0), (t1, d1) = kept[0], kept[-1]
    if t1 - t0 < _PACE_MIN_S or d1 <= d0:
        return kept, None
    return kept, max(0.0, (float(total_s) - d1) / ((d1 - d0) / (t1 - t0)) - (now - t1))


def job_progress(night: Night, where: Store | None = None) -> tuple[float | None, str, str]:
    """(fraction done or None, words, job state) of a night's analysis, read from the store
    ``where`` it is in (default: the store shown)."""
    try:
        status = job_status(where or store(), night.id)
    except LegmoveError as exc:
        return None, plain_error(exc), night.status
    state = str(status.state)
    stage = {"extract": "finding the legs in the video", "score": "scoring the night"}.get(
        str(status.stage), "analysing"
    )
    started = st.session_state.get(f"job_started_{night.id}")
    if state == "pending" and started is not None and time.monotonic() - started < _STARTING_S:
        words, state = "starting — loading the pose model", "starting"
    elif state == "pending":
        words = "not started yet"
    elif state == "interrupted":
        words = "stopped before it finished — resume it to go on from where it stopped"
    elif state == "failed":
        words = f"failed — {status.error or 'no reason recorded'}"
    else:
        words = stage
        if status.chunks_total:
            words += f" · part {min(status.chunks_done + 1, status.chunks_total)} of "
            words += f"{status.chunks_total}"
        eta = None
        if state == "running":
            key = f"job_pace_{night.id}"
            st.session_state[key], eta = time_left_s(
                st.session_state.get(key, []), status.done_s, status.total_s, time.monotonic()
            )
        if eta is not None and math.isfinite(eta):
            words += " · " + (
                "less than a minute left" if eta < 60 else f"about {fmt_duration(eta)} left"
            )
        elif state == "running":
            words += " · estimating the time left…"
    return float(status.fraction), words, state


def page_import() -> None:
    st.header("Import a night")
    added = st.session_state.pop("imp_added", None)
    if added:
        st.success(added)
    if demo_shown():
        st.caption(
            f"A night you import is one of your own (in {own_dir()}), not a demo night; the "
            "dashboard switches to your nights once it is added."
        )
    st.write(
        "Add last night's recording — one video file, or the several segment files a "
        "monitor writes per night. The analysis runs in the background: you can close this "
        "page and come back."
    )
    c1, c2, c3 = st.columns([2, 1, 1])
    label = c1.text_input("Child's name (or a label)", key="imp_label")
    day = c2.date_input(
        "Night of (the evening's date)",
        value=dt.date.today() - dt.timedelta(days=1),
        key="imp_date",
        format="YYYY-MM-DD",
    )
    in_bed = c3.time_input("In bed at (optional)", value=None, key="imp_bed", step=300)
    up_tab, local_tab = st.tabs(["Upload video files", "Files on this computer"])
    with up_tab:
        files = st.file_uploader(
            "Video file(s) of one night",
            accept_multiple_files=True,
            key="imp_files",
            help="The upload is kept in memory until it is saved to the data folder: for a "
            "night of several GB, 'Files on this computer' is lighter (no copy is made).",
        )
        if st.button("Add and analyse", key="imp_upload_go", type="primary", disabled=not files):
            _import_uploads(files or [], label, day, in_bed)
    with local_tab:
        text = st.text_area(
            "Paths of the video files, or of the folder holding them (one per line)",
            key="imp_paths",
            placeholder="/home/me/Videos/monitor/2024-05-01",
        )
        if st.button("Add and analyse", key="imp_local_go", type="primary"):
            paths, problems = local_videos(text)
            if problems:
                st.error("\n\n".join(problems))
            else:
                _import_and_start(paths, label, day, in_bed)
    st.divider()
    section_jobs()
    st.divider()
    section_record()


def _import_uploads(files: Sequence[Any], label: str, day: dt.date, in_bed: dt.time | None) -> None:
    folder = (
        Path(own_dir())
        / "videos"
        / f"upload-{dt.datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    )
    try:
        with st.spinner("Saving the upload…"):
            paths = [save_upload(f, folder) for f in files]
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        st.error(
            f"{folder}: could not save the upload ({exc.strerror}) — check the free disk space"
        )
        return
    if _import_and_start(paths, label, day, in_bed) is None:
        shutil.rmtree(folder, ignore_errors=True)  # nothing added: keep no copy


def _import_and_start(
    paths: Sequence[Path], label: str, day: dt.date, in_bed: dt.time | None
) -> int | None:
    try:
        with st.spinner("Checking the video files…"):
            night_id = add_night_from(paths, label, day, in_bed)
    except (LegmoveError, ValueError) as exc:
        st.error(f"Nothing was added.\n\n{plain_error(exc)}")
        return None
    problem = start_analysis(night_id)
    if problem:
        st.warning(f"Night #{night_id} was added, but its analysis did not start: {problem}")
        return night_id
    st.session_state["imp_added"] = (
        f"Night #{night_id} added — it is being analysed in the background; follow it below."
    )
    if demo_shown():  # follow it among your own nights (the switch is set before the next run)
        st.session_state["demo_next"] = False
    st.session_state.pop("night_pick", None)
    st.session_state["night_id"] = night_id
    st.rerun()  # the Analyses section shows the new night's job at once
    return night_id


@st.fragment(run_every=3.0)
def section_jobs() -> None:
    """Analyses waiting, running, stopped or failed, with progress read from the store (so it
    survives a reload and a closed browser); refreshed every few seconds."""
    try:  # a fragment: its errors do not reach the page's error handling
        nights = [
            n
            for n in own_store().list_nights()
            if n.status != "done" and record_state(own_store(), n.id) != "recording"
        ]  # a night still recording is shown in the record section
    except LegmoveError as exc:
        st.error(plain_error(exc))
        return
    st.subheader("Analyses")
    if not nights:
        st.caption("No analysis waiting or running.")
        return
    for n in nights:
        frac, words, state = job_progress(n, own_store())
        st.write(f"**{night_label(n)}** — {words}")
        if state == "failed":
            st.error(f"{night_label(n)}: the analysis failed — {n.error or 'no reason recorded'}")
        else:
            st.progress(frac or 0.0, text=f"{100 * (frac or 0):.0f} %")
        if state in ("failed", "interrupted", "pending"):
            label = (
                "Try again" if state == "failed" else "Start" if state == "pending" else "Resume"
            )
            if st.button(label, key=f"restart_{n.id}"):
                problem = start_analysis(n.id)
                if problem:
                    st.error(problem)
                else:
                    st.rerun()
