"""`legmove record` against real camera servers on this machine, in real time.

Two servers: an HTTP MPEG-TS stream (:mod:`tests.helpers.stream_server`, Python's
``http.server`` sending the packets of a file as they fall due) and GStreamer's RTSP server
(:mod:`tests.helpers.rtsp_server`; skipped, saying why, only where it is not installed).
Each plays the first 24 s of the demo night (320x240, 15 fps, a keyframe every 2 s) and,
for each server, these run at once (each takes real time, so together they take about a
minute):

- ``drop``: the camera serves 0-10 s and is killed 6 s in; 3 s later it is back, serving
  the video from its keyframe at 14 s to 24 s, then goes away for good. The recorder
  reconnects, keeps the gap, and ends 9 s after the stream stopped, scoring the night.
- ``sigterm``: SIGTERM once the first segment is in; the night is finished and scored.
- ``kill9``: ``kill -9`` of the recorder after two segments; ``legmove night analyze``
  finishes the night from what was recorded.
- ``match``: the whole 24 s to the end of the stream, against ``legmove night add`` of the
  same file.

Segments are 4 s (8 s for ``match``), so each run crosses several segment boundaries.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from detector.track import track_load
from pipeline.jobs.record import record_state
from pipeline.store.db import Store
from tests.helpers.streams import (
    DEMO,
    Recorder,
    Server,
    cut,
    free_port,
    legmove,
    rtsp_available,
    wait_for,
)

pytestmark = pytest.mark.slow

FPS = 15
CLIP_S = 24.0
#: the drop test's camera is away 3 s; the recorder tries again 1, 3 and 7 s after the drop
#: (backoff doubling from 1 s), so it must not give up before 7 s of silence
GIVE_UP_S = 9.0


def _sources(data: Path) -> int:
    try:
        nights = Store(data).list_nights()
    except Exception:
        return 0
    return len(nights[0].sources) if nights else 0


def _drop(kind: str, clips: dict[str, Path], tmp: Path) -> dict[str, Any]:
    port, data = free_port(), tmp / "drop"
    server = Server(kind, clips["a"], port)
    rec = Recorder(server.url, data, segment_s=4.0, give_up_s=GIVE_UP_S)
    wait_for(lambda: _sources(data) >= 1, 30, "the first segment")
    time.sleep(2.0)  # about 6 s into the 10-s part: the camera goes away mid-stream
    server.kill()
    dropped = time.monotonic()
    time.sleep(3.0)
    server = Server(kind, clips["b"], port)  # the camera is back
    back = time.monotonic()
    rc = rec.wait(120)
    server.kill()
    return {"rc": rc, "out": rec.output(), "data": data, "away_s": back - dropped}


def _sigterm(kind: str, clips: dict[str, Path], tmp: Path) -> dict[str, Any]:
    port, data = free_port(), tmp / "sigterm"
    server = Server(kind, clips["full"], port)
    rec = Recorder(server.url, data, segment_s=4.0, give_up_s=30.0)
    wait_for(lambda: _sources(data) >= 1, 30, "the first segment")
    time.sleep(3.0)
    rec.signal(signal.SIGTERM)
    rc = rec.wait(120)
    server.kill()
    return {"rc": rc, "out": rec.output(), "data": data}


def _kill9(kind: str, clips: dict[str, Path], tmp: Path) -> dict[str, Any]:
    port, data = free_port(), tmp / "kill9"
    server = Server(kind, clips["full"], port)
    rec = Recorder(server.url, data, segment_s=4.0, give_up_s=30.0)
    wait_for(lambda: _sources(data) >= 2, 40, "two segments")
    time.sleep(1.5)
    os.kill(rec.proc.pid, signal.SIGKILL)  # the recorder only: its worker exits by itself
    rec.wait(10)
    server.kill()
    time.sleep(2.5)  # a pool worker notices its parent is gone within a second
    store = Store(data)
    night = store.list_nights()[0]
    before = {
        "status": night.status,
        "state": record_state(store, night.id),
        "sources": [Path(s.path).name for s in night.sources],
        "partials": sorted(p.name for p in store.recording_folder(night.id).glob(".*.partial")),
    }
    resumed = legmove("night", "analyze", str(night.id), "--data", str(data), "--quiet")
    return {"before": before, "resumed": resumed, "data": data, "night_id": night.id}


def _match(kind: str, clips: dict[str, Path], tmp: Path) -> dict[str, Any]:
    port, data = free_port(), tmp / "match"
    server = Server(kind, clips["full"], port)
    rec = Recorder(server.url, data, segment_s=8.0, give_up_s=2.0)
    rc = rec.wait(120)
    server.kill()
    file_data = tmp / "file"
    added = legmove(
        "night", "add", str(clips["full"]), "--label", "File", "--date", "2026-11-27",
        "--data", str(file_data), "--chunk-s", "8", "--quiet",
    )  # fmt: skip
    return {"rc": rc, "out": rec.output(), "data": data, "file": file_data, "added": added}


#: a password with characters that must be percent-encoded in an address
SECRET = "p@ss:w/rd #1"


def _auth(kind: str, clips: dict[str, Path], tmp: Path) -> dict[str, Any]:
    port, data = free_port(), tmp / "auth"
    server = Server(kind, clips["short"], port, auth=f"cam:{SECRET}")
    wrong = legmove(
        "record", server.url, "--label", "Test", "--data", str(tmp / "wrong"), "--quiet",
        timeout_s=60,
    )  # fmt: skip
    env = {"LEGMOVE_CAMERA_USER": "cam", "LEGMOVE_CAMERA_PASSWORD": SECRET}
    rec = Recorder(server.url, data, segment_s=4.0, give_up_s=2.0, env=env)
    rc = rec.wait(120)
    server.kill()
    return {"rc": rc, "out": rec.output(), "data": data, "wrong": wrong}


def _mjpeg(kind: str, clips: dict[str, Path], tmp: Path) -> dict[str, Any]:
    port, data = free_port(), tmp / "mjpeg"
    server = Server("mjpeg", clips["short"], port)
    rec = Recorder(server.url, data, segment_s=4.0, give_up_s=2.0)
    rc = rec.wait(120)
    server.kill()
    return {"rc": rc, "out": rec.output(), "data": data}


def _for(kind: str, clips: dict[str, Path], tmp: Path) -> dict[str, Any]:
    port, data = free_port(), tmp / "for"
    server = Server(kind, clips["full"], port)
    rec = Recorder(server.url, data, segment_s=4.0, give_up_s=30.0, extra=["--for", "7s"])
    rc = rec.wait(120)
    server.kill()
    return {"rc": rc, "out": rec.output(), "data": data}


def _background(kind: str, clips: dict[str, Path], tmp: Path) -> dict[str, Any]:
    """The dashboard's way: a saved camera recorded by a detached process, then stopped."""
    from pipeline.jobs.cameras import camera_save
    from pipeline.jobs.record import record_start_background, record_stop

    port, data = free_port(), tmp / "background"
    server = Server(kind, clips["full"], port)
    store = Store(data)
    camera_save(data, "nursery", server.url)
    pid = record_start_background(store, "nursery", label="Mila")
    try:
        wait_for(lambda: bool(store.recordings()), 30, "the recording to start")
        nid = store.recordings()[0].night_id
        wait_for(lambda: record_state(store, nid) == "recording", 30, "the recorder's lock")
        time.sleep(6.0)
        stopped = record_stop(store, nid)
        wait_for(lambda: record_state(store, nid) == "ended", 120, "the recorder to finish")
    finally:
        server.kill()
        if record_state(store, store.recordings()[0].night_id) == "recording":
            os.kill(pid, signal.SIGKILL)
    return {"data": data, "stopped": stopped, "night_id": nid}


SCENARIOS: dict[str, Callable[[str, dict[str, Path], Path], dict[str, Any]]] = {
    "drop": _drop,
    "sigterm": _sigterm,
    "kill9": _kill9,
    "match": _match,
    "auth": _auth,
    "mjpeg": _mjpeg,  # HTTP only
    "for": _for,  # HTTP only
    "background": _background,  # HTTP only
}
HTTP_ONLY = ("mjpeg", "for", "background")


@pytest.fixture(scope="module", params=["http", "rtsp"])
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    kind = request.param
    if kind == "rtsp" and (why := rtsp_available()):
        pytest.skip(why)
    tmp = tmp_path_factory.mktemp(f"record-{kind}")
    clips = {
        "a": cut(DEMO, tmp / "a.mp4", 0.0, 10.0),
        "b": cut(DEMO, tmp / "b.mp4", 14.0, CLIP_S),
        "full": cut(DEMO, tmp / "full.mp4", 0.0, CLIP_S),
        "short": cut(DEMO, tmp / "short.mp4", 0.0, 8.0),
    }
    todo = {k: fn for k, fn in SCENARIOS.items() if kind == "http" or k not in HTTP_ONLY}
    for name in todo:
        (tmp / name).mkdir()
    with cf.ThreadPoolExecutor(len(todo)) as pool:
        futures = {name: pool.submit(fn, kind, clips, tmp / name) for name, fn in todo.items()}
        out: dict[str, Any] = {}
        for name, fut in futures.items():
            try:
                out[name] = fut.result()
            except BaseException as exc:  # reported by the test that needs this scenario
                out[name] = exc
    out["clips"] = clips
    out["kind"] = kind
    return out


def _run(runs: dict[str, Any], name: str) -> dict[str, Any]:
    got = runs[name]
    if isinstance(got, BaseException):
        raise got
    return got


def _frames(path: Path) -> list[tuple[float, np.ndarray]]:
    """Every decoded frame of a video file: (seconds from its first frame, luma plane)."""
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        t0 = s.start_time or 0
        return [
            (float((f.pts - t0) * s.time_base), f.to_ndarray(format="gray")) for f in c.decode(s)
        ]


def test_drop_reconnects_and_keeps_the_gap(runs: dict[str, Any]) -> None:
    r = _run(runs, "drop")
    assert r["rc"] == 0, r["out"]
    store = Store(r["data"])
    (night,) = store.list_nights()
    assert night.status == "done", night.error
    rec = store.recording(night.id)
    assert rec is not None and rec.end_reason == "unreachable", rec
    assert "the stream ended or the camera went away" in r["out"]
    src = night.sources
    gaps = [(a.end_s, b.start_s) for a, b in zip(src, src[1:], strict=False) if b.start_s > a.end_s]
    assert len(gaps) == 1 and rec.gaps == 1, (gaps, rec)
    lo, hi = gaps[0]
    # the camera was away 3 s (plus the second to start the server again); the recorder
    # tries again 1, 3 and 7 s after the drop, and the part before the drop may have been
    # received up to ~2 s ahead of the clock (FFmpeg reads ahead while probing a stream):
    # the gap lasts 1 to 9 s
    assert 1.0 <= hi - lo <= 9.0, (gaps, r["away_s"])
    # no invented frames: the night's frames are exactly those of the segment files, none
    # inside the gap, and after it exactly the 150 frames (10 s x 15 fps) of the second part
    track = track_load(night.tracks_path)
    assert track.n_frames == sum(s.n_frames for s in src)
    assert not ((track.t_s > lo + 1e-6) & (track.t_s < hi - 1e-6)).any()
    after = [s for s in src if s.start_s >= hi - 1e-6]
    assert sum(s.n_frames for s in after) == 150
    assert sum(len(_frames(Path(s.path))) for s in after) == 150
    # before the drop: part of the first 10 s (150 frames), and whole segment files only
    assert 45 <= sum(s.n_frames for s in src if s.end_s <= lo + 1e-6) <= 150
    assert not list(store.recording_folder(night.id).glob(".*"))  # no partial file left


def test_sigterm_finishes_and_scores_the_night(runs: dict[str, Any]) -> None:
    r = _run(runs, "sigterm")
    assert r["rc"] == 0, r["out"]
    store = Store(r["data"])
    (night,) = store.list_nights()
    assert night.status == "done", night.error
    rec = store.recording(night.id)
    assert rec is not None and rec.end_reason == "stopped"
    assert record_state(store, night.id) == "ended"
    # SIGTERM came 3 s after the first 4-s segment was in: 6 to 12 s of video (0-24 s
    # served), all of it scored, the segment in progress closed and kept
    assert night.summary is not None and 6.0 <= night.summary["duration_s"] <= 12.0
    assert night.summary["duration_s"] == pytest.approx(night.sources[-1].end_s, abs=0.1)
    assert night.start_time is not None  # the night has clock times


def test_kill9_loses_only_the_segment_in_progress(runs: dict[str, Any]) -> None:
    r = _run(runs, "kill9")
    before = r["before"]
    assert before["status"] == "running" and before["state"] == "interrupted", before
    assert len(before["sources"]) >= 2
    assert len(before["partials"]) <= 1  # the segment being written when it was killed
    assert not set(before["partials"]) & {f".{n}.partial" for n in before["sources"]}
    resumed = r["resumed"]
    assert resumed.returncode == 0, resumed.stderr
    store = Store(r["data"])
    night = store.get_night(r["night_id"])
    assert night.status == "done"
    assert [Path(s.path).name for s in night.sources] == before["sources"]
    track = track_load(night.tracks_path)
    assert track.n_frames == sum(s.n_frames for s in night.sources)
    assert night.summary is not None
    assert night.summary["duration_s"] == pytest.approx(night.sources[-1].end_s, abs=0.1)


def test_recorded_frames_are_the_files_frames(runs: dict[str, Any]) -> None:
    """Stream copy: the recorded segments hold exactly the frames of the file that was
    streamed — the same count, the same times (within 1 ms; RTSP's 90 kHz clock is rounded
    by the server), and bit-identical pictures (no re-encoding)."""
    r = _run(runs, "match")
    assert r["rc"] == 0, r["out"]
    night = Store(r["data"]).list_nights()[0]
    assert night.status == "done", night.error
    assert len(night.sources) == 3  # 8-s segments of a 24-s stream
    got: list[tuple[float, np.ndarray]] = []
    for s in night.sources:
        got += [(s.start_s + t, y) for t, y in _frames(Path(s.path))]
    want = _frames(runs["clips"]["full"])
    assert len(got) == len(want) == int(CLIP_S * FPS)
    assert max(abs(a[0] - b[0]) for a, b in zip(got, want, strict=True)) < 1e-3
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(got, want, strict=True))


def test_recorded_night_equals_the_file_analysis(runs: dict[str, Any]) -> None:
    """The recorded night against ``night add`` of the same file, cut into the same chunks
    (8 s): every frame's time, motion, keypoints and pose runs are the same, and so are the
    counts — a segment that continues the one before without a gap goes straight on in the
    detector (``detector.extract``), as the one file does."""
    r = _run(runs, "match")
    assert r["added"].returncode == 0, r["added"].stderr
    rec_night = Store(r["data"]).list_nights()[0]
    ref_night = Store(r["file"]).list_nights()[0]
    rec = track_load(rec_night.tracks_path)
    ref = track_load(ref_night.tracks_path)
    assert rec.n_frames == ref.n_frames == int(CLIP_S * FPS)
    assert np.abs(rec.t_s - ref.t_s).max() < 1e-3
    assert np.array_equal(rec.motion, ref.motion)
    assert np.array_equal(rec.keypoints_px, ref.keypoints_px, equal_nan=True)
    assert np.array_equal(rec.pose_ran, ref.pose_ran)
    assert (rec_night.summary or {}).get("counts") == (ref_night.summary or {}).get("counts")


def test_credentials_work_and_are_never_written_anywhere(runs: dict[str, Any]) -> None:
    r = _run(runs, "auth")
    wrong = r["wrong"]
    assert wrong.returncode == 2
    assert "refused the user name or password" in wrong.stderr, wrong.stderr
    assert r["rc"] == 0, r["out"]
    store = Store(r["data"])
    (night,) = store.list_nights()
    assert night.status == "done", night.error
    source = store.recording(night.id).source
    assert source.startswith(runs["kind"]) and "@" not in source and "cam" not in source
    encoded = "p%40ss%3Aw%2Frd%20%231"
    leaks = []
    for path in [r["data"].parent / f"{r['data'].name}-record.log", *r["data"].rglob("*")]:
        if path.is_file():
            blob = path.read_bytes()
            if SECRET.encode() in blob or encoded.encode() in blob:
                leaks.append(path)
    assert leaks == []
    assert SECRET not in r["out"] + wrong.stdout + wrong.stderr


def test_mjpeg_over_http_is_copied_and_timed_by_the_clock(runs: dict[str, Any]) -> None:
    if runs["kind"] != "http":
        pytest.skip("MJPEG is an HTTP stream")
    r = _run(runs, "mjpeg")
    assert r["rc"] == 0, r["out"]
    night = Store(r["data"]).list_nights()[0]
    assert night.status == "done", night.error
    assert all(Path(s.path).suffix == ".mkv" for s in night.sources)
    # every JPEG picture is kept (8 s x 15 fps), timed on arrival: 1/15 s apart on average
    track = track_load(night.tracks_path)
    assert track.n_frames == 120 == sum(s.n_frames for s in night.sources)
    assert np.diff(track.t_s).mean() == pytest.approx(1 / 15, rel=0.1)


def test_for_ends_the_recording_on_time(runs: dict[str, Any]) -> None:
    if runs["kind"] != "http":
        pytest.skip("once is enough: the end time does not depend on the server")
    r = _run(runs, "for")
    assert r["rc"] == 0, r["out"]
    store = Store(r["data"])
    (night,) = store.list_nights()
    assert night.status == "done" and store.recording(night.id).end_reason == "stopped"
    assert store.recording(night.id).ends is not None
    # --for 7s from the start of the command; the first picture comes 0.5-2 s later
    assert night.summary is not None and 4.5 <= night.summary["duration_s"] <= 7.5


def test_a_saved_camera_recorded_in_the_background_and_stopped(runs: dict[str, Any]) -> None:
    if runs["kind"] != "http":
        pytest.skip("once is enough: the dashboard's start and stop do not depend on the server")
    r = _run(runs, "background")
    assert r["stopped"]
    store = Store(r["data"])
    night = store.get_night(r["night_id"])
    assert night.status == "done", night.error
    assert night.label == "Mila" and store.recording(night.id).end_reason == "stopped"
    assert night.summary is not None and 5.0 <= night.summary["duration_s"] <= 12.0
