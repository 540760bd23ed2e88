"""legmove dashboard: import a night, see it, review the flagged moments, follow trends, export.

Run it with ``.venv/bin/streamlit run dashboard.py`` (``make run``); it serves on 127.0.0.1
only (``.streamlit/config.toml``) and the video never leaves this computer. The data folder
is ``$LEGMOVE_DATA`` (else the store's default, :func:`pipeline.store.store_default_dir`).

The dashboard holds no analysis logic and no SQL: it reads and writes through
:class:`pipeline.store.Store`, starts analyses with :mod:`pipeline.jobs`, draws with
:mod:`pipeline.figures`, renders review clips with :mod:`pipeline.clips` and exports with
:mod:`pipeline.export` / :mod:`pipeline.report`. Each page is one function (``page_*``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import re
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import streamlit as st

from detector.atomic import atomic_write
from detector.errors import LegmoveError, VideoError
from detector.track import NightTrack, track_load
from detector.video import video_probe
from pipeline.analyze import night_plan_checked
from pipeline.clips import ClipOptions, clip_cached, clip_name
from pipeline.export import (
    REVIEW_COLUMNS,
    NightRecord,
    fmt_clock,
    fmt_duration,
    hourly_counts,
)
from pipeline.export import Note as ExportNote
from pipeline.figures import EPISODE_LABELS, figure_timeline_plotly, plm_reference_per_h
from pipeline.night import NightResult
from pipeline.store import Night, Store, store_default_dir

DISCLAIMER = "legmove is a screening and documentation aid, not a diagnosis."
#: extensions taken from a folder of segment files
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".avi", ".ts", ".mts", ".webm", ".3gp")
#: seconds of video shown before and after a flagged episode
PAD_S = 5.0
#: longest rendered review clip (a 30-min settling episode shows its first minutes)
CLIP_MAX_S = 120.0
#: source files up to this size play directly in the browser (Streamlit reads them whole)
DIRECT_PLAY_MAX_BYTES = 300 * 1024 * 1024
_CHUNK = 16 * 1024 * 1024
_PLAYABLE = {"h264", "vp8", "vp9", "av1"}
#: codecs FFmpeg uses to show text files as pictures: never a camera's video
_TEXT_CODECS = {"ansi", "bintext", "xbin", "idf"}


# --- modules imported on first use (pipeline.jobs brings the pose model code) --------------------
def _optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# --- data access (cached) ---------------------------------------------------------------------
def _data_dir() -> str:
    return str(store_default_dir())


@st.cache_resource(show_spinner=False)
def _store(data_dir: str) -> Store:
    return Store(data_dir)


def store() -> Store:
    return _store(_data_dir())


def _version(night: Night) -> str:
    return f"{night.analysed}|{night.status}"


@st.cache_data(max_entries=16, show_spinner=False)
def _result(data_dir: str, night_id: int, version: str) -> NightResult:
    return _store(data_dir).result(night_id)


def result_of(night: Night) -> NightResult:
    """The night's saved result, cached per night id and result version."""
    return _result(_data_dir(), night.id, _version(night))


@st.cache_resource(max_entries=8, show_spinner=False)
def _timeline(data_dir: str, night_id: int, version: str, start: dt.datetime | None) -> Any:
    # a resource, not data: unpickling a big Plotly figure re-validates it (~0.7 s for 10 h);
    # st.plotly_chart only reads the figure
    res = _result(data_dir, night_id, version)
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


@st.cache_data(max_entries=64, show_spinner=False)
def _codec(path: str, size: int) -> str | None:
    try:
        return video_probe(path).codec
    except (LegmoveError, OSError):
        return None


@st.cache_resource(max_entries=2, show_spinner=False)
def _track(path: str, mtime_ns: int) -> NightTrack:
    return track_load(path)


def wall_clock_start(night: Night) -> tuple[dt.datetime | None, str]:
    """Clock time of the night's first frame and where it came from ('' when unknown)."""
    recorded = getattr(night, "start_time", None)
    if recorded is not None:
        return recorded, "the video's recording time"
    if night.in_bed:
        hh, mm = (int(v) for v in night.in_bed.split(":"))
        return dt.datetime.combine(night.night_date, dt.time(hh, mm)), "the in-bed time"
    return None, ""


def nights_done() -> list[Night]:
    return [n for n in store().list_nights() if n.summary is not None]


def night_label(n: Night) -> str:
    return f"{n.label} · night of {n.night_date:%a %d %b %Y} (#{n.id})"


def choose_night(nights: Sequence[Night]) -> Night | None:
    """The night picker in the sidebar, shared by the pages that show one night; the choice
    is kept in the URL (survives a reload). The newest night is chosen at first."""
    if not nights:
        return None
    ids = [n.id for n in nights]
    wanted = st.session_state.get("night_id") or _int(st.query_params.get("night"))
    index = ids.index(wanted) if wanted in ids else len(ids) - 1
    chosen = st.sidebar.selectbox(
        "Night",
        ids,
        index=index,
        format_func=lambda i: night_label(nights[ids.index(i)]),
        key="night_pick",
    )
    st.session_state["night_id"] = chosen
    st.query_params["night"] = str(chosen)
    return nights[ids.index(chosen)]


def _int(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def plain_error(exc: BaseException) -> str:
    """An error in plain words: legmove's own errors already say which file and what to do."""
    if isinstance(exc, LegmoveError | ValueError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


# --- import -----------------------------------------------------------------------------------
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
    with atomic_write(target) as fh:
        while chunk := uploaded.read(_CHUNK):
            fh.write(chunk)
    return target


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
            info = video_probe(p)
        except VideoError as exc:
            problems.append(str(exc))
            continue
        if info.codec in _TEXT_CODECS:
            # FFmpeg's tty demuxer shows any text file as "video"; detector.video accepts it
            problems.append(
                f"{p}: not a video file (it holds text) — give the video of the night "
                "(e.g. .mp4, .mkv, .avi)"
            )
    if problems:
        raise ValueError("\n\n".join(problems))
    segments = night_plan_checked(list(paths))
    return store().add_night(label.strip(), day, segments, in_bed=in_bed)


def start_analysis(night_id: int) -> str | None:
    """Start the night's analysis as a background job; return an error text or None."""
    jobs = _optional("pipeline.jobs")
    if jobs is None or not hasattr(jobs, "job_start_background"):
        return "background analysis is not available in this version (pipeline.jobs is missing)"
    try:
        jobs.job_start_background(store(), night_id)
    except (LegmoveError, OSError, ValueError) as exc:
        return plain_error(exc)
    return None


def job_progress(night: Night) -> tuple[float | None, str, str]:
    """(fraction done or None, words, job state) of a night's analysis, read from the store."""
    jobs = _optional("pipeline.jobs")
    if jobs is None or not hasattr(jobs, "job_status"):
        return None, "waiting for the analysis", night.status
    try:
        status = jobs.job_status(store(), night.id)
    except LegmoveError as exc:
        return None, plain_error(exc), night.status
    state = str(status.state)
    stage = {"extract": "finding the legs in the video", "score": "scoring the night"}.get(
        str(status.stage), "analysing"
    )
    if state == "pending":
        words = "waiting to start"
    elif state == "interrupted":
        words = "stopped before it finished — resume it to go on from where it stopped"
    elif state == "failed":
        words = f"failed — {status.error or 'no reason recorded'}"
    else:
        words = stage
        if status.chunks_total:
            words += f" · part {min(status.chunks_done + 1, status.chunks_total)} of "
            words += f"{status.chunks_total}"
        eta = status.eta_s
        if eta is not None and math.isfinite(eta):
            words += f" · about {fmt_duration(max(60.0, eta))} left"
        elif state == "running":
            words += " · estimating the time left…"
    return float(status.fraction), words, state


def page_import() -> None:
    st.header("Import a night")
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


def _import_uploads(files: Sequence[Any], label: str, day: dt.date, in_bed: dt.time | None) -> None:
    folder = (
        Path(_data_dir())
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
    else:
        st.success(f"Night #{night_id} added — analysing it in the background.")
    st.session_state["night_id"] = night_id
    return night_id


@st.fragment(run_every=3.0)
def section_jobs() -> None:
    """Analyses waiting, running, stopped or failed, with progress read from the store (so it
    survives a reload and a closed browser); refreshed every few seconds."""
    nights = [n for n in store().list_nights() if n.status != "done"]
    st.subheader("Analyses")
    if not nights:
        st.caption("No analysis waiting or running.")
        return
    for n in nights:
        frac, words, state = job_progress(n)
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


# --- one night --------------------------------------------------------------------------------
def summary_cards(night: Night, start: dt.datetime | None) -> None:
    s = night.summary or {}
    c = s.get("counts", {})
    onset = s.get("sleep_onset_s")
    ref = plm_reference_per_h(s)
    plmi = s.get("plm_index_per_h")
    row1 = st.columns(4)
    row1[0].metric(
        "Sleep onset",
        fmt_clock(onset, start) if onset is not None else "no sleep found",
        help="Start of the first sustained sleep period (actigraphy-style scoring of body "
        "movement in 15-s epochs).",
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
    row2[1].metric("Leg movements (LMs)", c.get("lm", 0), help="0.5–10 s (both legs: 0.5–15 s)")
    row2[2].metric(
        "Rhythmic movements",
        c.get("rhythmic", 0),
        help=f"cycling {c.get('rhythmic_cycling', 0)}, kicking {c.get('rhythmic_kicking', 0)}",
    )
    row2[3].metric("Twitches", c.get("twitch", 0), help="shorter than 0.5 s; normal in infants")


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
    fig = _timeline(_data_dir(), night.id, _version(night), start)
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


# --- review -----------------------------------------------------------------------------------
def _episode_title(row: Any, start: dt.datetime | None) -> str:
    mark = {"confirm": "✓ ", "reject": "✗ "}.get(str(row.verdict), "")
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
    key = f"ep_{night.id}"
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
        st.write(str(ep["reason"]))
        st.caption(
            f"{fmt_clock(float(ep['start_s']), start, True)} – "
            f"{fmt_clock(float(ep['end_s']), start, True)} · {int(ep['n_movements'])} movement(s)"
        )
        review_controls(night, ep)
    with left:
        episode_video(night, float(ep["start_s"]), float(ep["end_s"]))
    st.caption(DISCLAIMER)


def review_controls(night: Night, ep: pd.Series) -> None:
    verdict = ep.get("verdict")
    if verdict == "confirm":
        st.success("You marked this: looks right.")
    elif verdict == "reject":
        st.warning("You marked this: not a leg movement.")
    number = int(ep["number"])
    note = st.text_area(
        "Note (optional)", value=str(ep.get("note") or ""), key=f"note_{night.id}_{number}"
    )
    b1, b2 = st.columns(2)
    if b1.button("✓ Looks right", key="rv_confirm", type="primary", width="stretch"):
        _save_review(night, number, "confirm", note)
    if b2.button("✗ Not a leg movement", key="rv_reject", width="stretch"):
        _save_review(night, number, "reject", note)
    if verdict in ("confirm", "reject") and st.button("Save the note", key="rv_note"):
        _save_review(night, number, str(verdict), note)


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
    cache = Path(_data_dir()) / "cache" / "clips" / str(night.id)
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


# --- across nights ----------------------------------------------------------------------------
def trend_table(nights: Sequence[Night]) -> pd.DataFrame:
    rows = []
    for n in nights:
        s = n.summary or {}
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


def _nice_step(top: float, n: int = 4) -> float:
    """A round tick step (1, 2, 5 × 10^k, at least 1) giving about ``n`` ticks up to ``top``."""
    raw = max(1.0, float(top) / n)
    mag = 10 ** math.floor(math.log10(raw))
    return float(next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw))


def trend_figure(table: pd.DataFrame, notes: Sequence[Any], ref_per_h: float) -> Any:
    """PLMS index, LMs, sleep onset and awakenings over nights (one line per child), with
    the PLMS reference dotted and the dated notes as dashed lines."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    use_clock = bool(table["sleep onset"].notna().any())
    onset_col = "sleep onset" if use_clock else "time to fall asleep (min)"
    panels = {
        "PLMS index (/h)": "PLMS index (periodic leg movements per hour of sleep)",
        "LMs": "Leg movements (LMs) per night",
        onset_col: "Sleep onset (clock time)" if use_clock else "Time to fall asleep (min)",
        "awakenings": "Awakenings per night",
    }
    fig = make_subplots(
        rows=4,
        cols=1,
        shared_xaxes=True,
        subplot_titles=list(panels.values()),
        vertical_spacing=0.07,
    )
    palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"]
    for i, (label, grp) in enumerate(table.groupby("label", sort=True)):
        color = palette[i % len(palette)]
        for row, col in enumerate(panels, start=1):
            fig.add_trace(
                go.Scatter(
                    x=grp["date"],
                    y=grp[col],
                    mode="lines+markers",
                    name=str(label),
                    legendgroup=str(label),
                    showlegend=row == 1,
                    line={"color": color},
                    hovertemplate=("%{y|%H:%M}" if col == "sleep onset" else "%{y}")
                    + f"<extra>{label}</extra>",
                ),
                row=row,
                col=1,
            )
    fig.add_hline(y=ref_per_h, line_dash="dot", line_color="#999999", row=1, col=1)
    by_day: dict[Any, list[str]] = {}
    for note in notes:
        by_day.setdefault(pd.Timestamp(note.note_date), []).append(str(note.text))
    for x, texts in by_day.items():
        for row in range(1, 5):
            fig.add_vline(x=x, line_dash="dash", line_color="#E69F00", row=row, col=1)
        text = "; ".join(texts)
        fig.add_annotation(
            x=x,
            y=1.0,
            xref="x",
            yref="y domain",
            showarrow=False,
            yanchor="bottom",
            text=text if len(text) <= 60 else text[:57] + "…",
            font={"size": 11, "color": "#8a5a00"},
            bgcolor="rgba(255,255,255,0.8)",
        )
    fig.update_layout(
        height=820,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.08},
    )
    span_days = (table["date"].max() - table["date"].min()).days if len(table) else 0
    fig.update_xaxes(
        showgrid=True,
        gridcolor="#eeeeee",
        dtick=86400000.0 if span_days <= 14 else None,
        tickformat="%a %d %b",
    )
    fig.update_yaxes(gridcolor="#eeeeee", rangemode="tozero")
    for row, col in ((2, "LMs"), (4, "awakenings")):
        top = float(pd.to_numeric(table[col], errors="coerce").max() or 0)
        fig.update_yaxes(dtick=_nice_step(top), tickformat="d", row=row, col=1)
    if use_clock:
        onset = table["sleep onset"].dropna()
        lo = onset.min() - pd.Timedelta(minutes=30)
        hi = onset.max() + pd.Timedelta(minutes=30)
        step = 30 if (hi - lo) <= pd.Timedelta(hours=3) else 60
        fig.update_yaxes(
            rangemode="normal",
            range=[lo, hi],
            tickformat="%H:%M",
            dtick=step * 60_000,
            row=3,
            col=1,
        )
    return fig


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
        if len(table):
            ref = plm_reference_per_h(nights[0].summary or {})
            st.plotly_chart(trend_figure(table, notes, ref), key="trends")
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


# --- export -----------------------------------------------------------------------------------
def night_record(night: Night) -> NightRecord:
    reviews = store().reviews(night.id)
    table = pd.DataFrame(
        [
            {
                "start_s": r.start_s,
                "end_s": r.end_s,
                "kind": r.kind,
                "verdict": r.verdict,
                "note": r.note,
                "matched": not r.unmatched,
            }
            for r in reviews
        ],
        columns=REVIEW_COLUMNS,
    )
    return NightRecord(
        night_id=night.id,
        label=night.label,
        date=night.night_date,
        result=result_of(night),
        reviews=table,
        start_time=wall_clock_start(night)[0],
    )


def page_export() -> None:
    st.header("Export for the pediatrician")
    nights = nights_done()
    if not nights:
        st.info("No analysed nights to export yet.")
        return
    labels = sorted({n.label for n in nights})
    label = st.selectbox("Child", labels, key="exp_label") if len(labels) > 1 else labels[0]
    mine = [n for n in nights if n.label == label]
    first, last = mine[0].night_date, mine[-1].night_date
    picked = st.date_input(
        "Nights from – to",
        value=(first, last),
        min_value=first,
        max_value=last,
        key="exp_range",
        format="YYYY-MM-DD",
    )
    lo, hi = picked if isinstance(picked, tuple | list) and len(picked) == 2 else (first, last)
    chosen = [n for n in mine if lo <= n.night_date <= hi]
    st.write(f"{len(chosen)} night(s) of {label}, {lo:%d %b %Y} – {hi:%d %b %Y}.")
    if not chosen:
        return
    out = Path(_data_dir()) / "exports" / f"{_slug(label)}_{lo}_{hi}"
    if st.button("Make the CSV files and the PDF report", key="exp_go", type="primary"):
        st.session_state["export"] = _make_exports(chosen, out, lo, hi)
    made = st.session_state.get("export")
    if not made or made.get("dir") != str(out):
        return
    for problem in made.get("errors", []):
        st.error(problem)
    files: dict[str, str] = made.get("files", {})
    cols = st.columns(max(1, len(files)))
    mimes = {".csv": "text/csv", ".pdf": "application/pdf"}
    for col, (name, path) in zip(cols, files.items(), strict=False):
        p = Path(path)
        col.download_button(
            f"⬇ {p.name}",
            data=p.read_bytes(),
            file_name=p.name,
            mime=mimes.get(p.suffix, "application/octet-stream"),
            key=f"dl_{name}",
            on_click="ignore",
        )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "child"


def _make_exports(nights: Sequence[Night], out: Path, lo: dt.date, hi: dt.date) -> dict[str, Any]:
    from pipeline.export import export_csv

    made: dict[str, Any] = {"dir": str(out), "files": {}, "errors": []}
    try:
        records = [night_record(n) for n in nights]
    except (LegmoveError, ValueError) as exc:
        made["errors"].append(f"Could not read the nights: {plain_error(exc)}")
        return made
    try:
        for name, path in export_csv(records, out).items():
            made["files"][name] = str(path)
    except (LegmoveError, ValueError, OSError) as exc:
        made["errors"].append(f"CSV not made: {plain_error(exc)}")
    notes = [
        ExportNote(n.note_date, n.text, n.night_id) for n in store().notes(date_from=lo, date_to=hi)
    ]
    report = _optional("pipeline.report")
    if report is None or not hasattr(report, "report_pdf"):
        made["errors"].append("PDF report not available in this version (pipeline.report missing).")
        return made
    pdf = out / f"legmove-report_{lo}_{hi}.pdf"
    try:
        with st.spinner("Writing the PDF report…"):
            report.report_pdf(records, notes, pdf)
        made["files"]["report"] = str(pdf)
    except (LegmoveError, ValueError, OSError) as exc:
        made["errors"].append(f"PDF report not made: {plain_error(exc)}")
    return made


# --- the app ----------------------------------------------------------------------------------
PAGES: dict[str, tuple[str, Callable[[], None]]] = {
    "night": ("A night", page_night),
    "review": ("Review", page_review),
    "trends": ("Across nights", page_trends),
    "export": ("Export", page_export),
    "import": ("Import", page_import),
}


def main() -> None:
    st.set_page_config(page_title="legmove", page_icon="🦵", layout="wide")
    keys = list(PAGES)
    if "page" not in st.session_state:
        wanted = st.query_params.get("page")
        if wanted not in PAGES:
            wanted = "night" if store().list_nights() else "import"
        st.session_state["page"] = wanted
    with st.sidebar:
        st.title("legmove")
        page = st.radio("Go to", keys, format_func=lambda k: PAGES[k][0], key="page")
    st.query_params["page"] = page
    try:
        PAGES[page][1]()  # may add the night picker to the sidebar
    except LegmoveError as exc:
        st.error(plain_error(exc))
    with st.sidebar:
        st.divider()
        st.caption(DISCLAIMER)
        st.caption(f"Data folder: `{_data_dir()}`")


if __name__ == "__main__":
    main()
