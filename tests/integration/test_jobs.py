"""Analysis jobs: chunked extraction with checkpoints that survive kill -9, and re-scoring
from the saved tracks that keeps every review."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector.pose import FakePose, PoseResult
from detector.track import KEYPOINT_NAMES, track_load
from detector.video import night_plan
from pipeline.errors import NoPersonError, StoreError
from pipeline.jobs import job_decode_log, job_rescore, job_run, job_start_background, job_status
from pipeline.jobs.chunks import chunk_extract, chunk_plan
from pipeline.scoring.simulate import simulate_plan, simulate_track
from pipeline.settings import Settings
from pipeline.store.db import Store
from tests.helpers.real import REAL  # noqa: E402
from tests.helpers.video import make_video, remux_first_seconds  # noqa: E402

KICKING = REAL / "infant_supine_kicking.mp4"


def _real_clip(tmp_path: Path, seconds: float) -> Path:
    """The first ``seconds`` of the real kicking clip, remuxed (not re-encoded)."""
    if not KICKING.is_file():
        pytest.skip(f"real video {KICKING} is not on this machine (shared data set not mounted)")
    return remux_first_seconds(KICKING, tmp_path / f"kicking_{seconds:g}s.mp4", seconds)


def _pose_from_picture(rgb: np.ndarray) -> PoseResult:
    """A fake pose that follows the picture: keypoints move with the frame's brightness."""
    k = len(KEYPOINT_NAMES)
    shift = float(rgb[..., 0].mean()) / 4
    kp = np.array([[20 + 4 * i + shift, 20 + 2 * i] for i in range(k)], np.float32)
    return PoseResult(kp, np.full(k, 0.9, np.float32), 0.9)


class _Crash(Exception):
    pass


class _CrashingPose(FakePose):
    """FakePose that raises once after ``crash_after`` calls (a crash in the middle)."""

    def __init__(self, crash_after: int) -> None:
        super().__init__(_pose_from_picture)
        self.crash_after = crash_after

    def estimate(self, rgb: np.ndarray) -> PoseResult | None:
        if self.calls == self.crash_after:
            self.calls += 1
            raise _Crash("power cut")
        return super().estimate(rgb)


# --- plan and chunks ----------------------------------------------------------------------------
def test_plan_covers_the_night_and_the_last_chunk_is_open(tmp_path):
    segs = night_plan([make_video(tmp_path / "v.mp4", n_frames=150, fps=15)])  # 10 s
    assert chunk_plan(segs, 3.0) == [(0.0, 3.0), (3.0, 6.0), (6.0, 9.0), (9.0, None)]
    assert chunk_plan(segs, 10.0) == [(0.0, None)]
    assert chunk_plan(segs, 60.0) == [(0.0, None)]
    with pytest.raises(ValueError, match="chunk_s"):
        chunk_plan(segs, 0)


def test_chunks_join_to_every_frame_once(tmp_path):
    segs = night_plan([make_video(tmp_path / "v.mp4", n_frames=150, fps=15)])
    dicts = [s.to_dict() for s in segs]
    t = []
    for i, (a, b) in enumerate(chunk_plan(segs, 3.0)):
        info = chunk_extract(dicts, a, b, str(tmp_path / f"{i}.npz"), estimator=FakePose([]))
        chunk = track_load(info["path"])
        assert info["n_frames"] == chunk.n_frames and chunk.t_s[0] >= a
        t.append(chunk.t_s)
    joined = np.concatenate(t)
    assert len(joined) == 150 and np.all(np.diff(joined) > 0)


# --- resume after a crash (in this process, fake pose) ------------------------------------------
def test_failed_job_resumes_from_its_checkpoints(tmp_path):
    video = make_video(tmp_path / "v.mp4", n_frames=150, fps=15, size=(64, 48))
    ref_store, store = Store(tmp_path / "ref"), Store(tmp_path / "data")
    ref_id = ref_store.add_night("A", "2024-05-01", night_plan([video]))
    nid = store.add_night("A", "2024-05-01", night_plan([video]))
    ref_pose = FakePose(_pose_from_picture)
    reference = job_run(ref_store, ref_id, ref_pose, chunk_s=3.0)

    with pytest.raises(_Crash):  # the pose model fails in the middle of the night
        job_run(store, nid, _CrashingPose(crash_after=ref_pose.calls // 2), chunk_s=3.0)
    status = job_status(store, nid)
    k = status.chunks_done
    assert status.state == "failed" and 1 <= k < status.chunks_total == 4
    assert "power cut" in (status.error or "")
    seen: list[tuple[float, float]] = []
    result = job_run(
        store, nid, FakePose(_pose_from_picture), progress=lambda d, t: seen.append((d, t))
    )
    pd.testing.assert_frame_equal(result.events, reference.events)
    pd.testing.assert_frame_equal(result.epochs, reference.epochs)
    # chunks 0..k-1 decoded once; chunk k twice (crashed, then again); the rest once
    assert [e["idx"] for e in job_decode_log(store, nid)] == [*range(k + 1), *range(k, 4)]
    assert seen[0] == (3.0 * k, 10.0) and seen[-1] == (10.0, 10.0)  # resumed after k chunks
    assert job_status(store, nid).state == "done"
    assert not (store.data_dir / "chunks" / str(nid)).exists()  # checkpoints cleaned up
    ref_track, track = track_load(ref_store.tracks_file(ref_id)), track_load(store.tracks_file(nid))
    np.testing.assert_array_equal(track.t_s, ref_track.t_s)
    np.testing.assert_array_equal(track.motion, ref_track.motion)
    # a done night is returned as stored; force re-analyses it
    assert job_run(store, nid, FakePose([])).summary == store.result(nid).summary
    with pytest.raises(NoPersonError):
        job_run(store, nid, FakePose([]), force=True)
    assert store.get_night(nid).status == "failed"
    assert store.integrity_check() == "ok"


def test_one_job_per_night_at_a_time(tmp_path):
    from pipeline.jobs.status import _job_lock

    store = Store(tmp_path)
    video = make_video(tmp_path / "v.mp4", n_frames=30, fps=15)
    nid = store.add_night("A", "2024-05-01", night_plan([video]))
    with _job_lock(store, nid):
        assert job_status(store, nid).state == "running"
        with pytest.raises(StoreError, match="being analysed"):
            job_run(store, nid, FakePose([]))
    assert job_status(store, nid).state == "pending"


# --- kill -9 a real analysis in a subprocess, then resume -------------------------------------
@pytest.mark.real
@pytest.mark.slow
def test_killed_analysis_resumes_with_the_same_events(tmp_path):
    # 135 frames: 3 chunks of 3 s (the first 6 s hold no movement: only chunk boundaries
    # made one appear there before chunks gave the tracks of the uncut clip; 9 s hold a twitch)
    clip = _real_clip(tmp_path, 9.0)
    chunk_s = 3.0
    ref_store, store = Store(tmp_path / "ref"), Store(tmp_path / "data")
    ref_id = ref_store.add_night("Baby", "2024-10-07", night_plan([clip]))
    nid = store.add_night("Baby", "2024-10-07", night_plan([clip]))

    pid = job_start_background(store, nid, chunk_s=chunk_s)  # real MediaPipe, own process
    deadline = time.monotonic() + 240
    while job_status(store, nid).chunks_done < 1:
        assert time.monotonic() < deadline, (store.data_dir / "logs" / f"{nid}.log").read_text()
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    while job_status(store, nid).state == "running":  # the lock goes with the process
        time.sleep(0.02)
    killed = job_status(store, nid)
    assert killed.state == "interrupted" and 1 <= killed.chunks_done < killed.chunks_total == 3
    done_before = {e["idx"] for e in job_decode_log(store, nid) if e["finished"]}
    assert {e["pid"] for e in job_decode_log(store, nid)} == {pid}

    resumed = job_run(store, nid, chunk_s=chunk_s)  # this process: resume
    reference = job_run(ref_store, ref_id, chunk_s=chunk_s)  # uninterrupted
    pd.testing.assert_frame_equal(resumed.events, reference.events)
    pd.testing.assert_frame_equal(resumed.episodes, reference.episodes)
    assert resumed.summary["counts"] == reference.summary["counts"]
    assert len(reference.events) > 0 and reference.summary["pose_coverage"] > 0.9

    log = job_decode_log(store, nid)
    again = {e["idx"] for e in log if e["pid"] == os.getpid()}
    assert again == set(range(3)) - done_before  # finished chunks were not decoded again
    assert all(e["finished"] for e in log if e["pid"] == os.getpid())
    track, ref_track = track_load(store.tracks_file(nid)), track_load(ref_store.tracks_file(ref_id))
    np.testing.assert_array_equal(track.t_s, ref_track.t_s)
    np.testing.assert_array_equal(track.keypoints_px, ref_track.keypoints_px)
    assert store.integrity_check() == "ok" and ref_store.integrity_check() == "ok"


# --- re-scoring keeps reviews -------------------------------------------------------------------
def test_rescore_with_new_settings_keeps_the_review(tmp_path):
    store = Store(tmp_path)
    plan, dur = simulate_plan(1)
    track, _ = simulate_track(plan, dur, 15, seed=1)
    nid = store.add_night("Sim", "2024-05-01", night_plan([make_video(tmp_path / "v.mp4")]))
    with pytest.raises(StoreError, match="no saved tracks"):
        job_rescore(store, nid)
    track.save(store.tracks_file(nid))  # where an analysis leaves the tracks
    first = job_rescore(store, nid)
    assert store.get_night(nid).tracks_path == store.tracks_file(nid)

    eps = store.episodes(nid)
    series = eps[eps["kind"] == "plm_series"].iloc[0]
    store.add_review(nid, int(series["number"]), "confirm", note="as on the video")

    changed = Settings(onset_k=7.0, offset_k=4.5)  # other thresholds: times shift a little
    result = job_rescore(store, nid, changed)
    assert store.get_night(nid).settings == changed.to_dict()
    assert result.summary["settings"]["onset_k"] == 7.0
    (review,) = store.reviews(nid)
    assert not review.unmatched and review.note == "as on the video"
    now = store.episodes(nid).set_index("number").loc[review.episode]
    assert now["kind"] == "plm_series" and now["verdict"] == "confirm"
    assert result.summary["thresholds"] != first.summary["thresholds"]

    job_rescore(store, nid, Settings(plm_min_count=10))  # no series any more: kept, unmatched
    (review,) = store.reviews(nid)
    assert review.unmatched and review.verdict == "confirm"
    job_rescore(store, nid)  # the night's settings (plm_min_count=10) again
    assert store.reviews(nid)[0].unmatched
    job_rescore(store, nid, Settings())
    assert not store.reviews(nid)[0].unmatched
    assert store.integrity_check() == "ok"
