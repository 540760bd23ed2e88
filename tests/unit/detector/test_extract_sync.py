"""The detector starts afresh every ``sync_s``: tracks of any stretch of a night are those of
the whole night's run (detector.extract.track_extract with ``start_s``), so chunks join to
the whole night bit for bit. With a fake pose model that, like MediaPipe's tracker, answers
from what it saw since its last reset, and a video whose legs move now and then."""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np
import pytest

from detector.extract import SYNC_LEAD_S, ExtractOptions, decode_start, sync_start, track_extract
from detector.pose import FakePose, PoseResult
from detector.track import KEYPOINT_NAMES, track_concat
from detector.video import night_plan

FPS = 15
W, H = 128, 96
MOVES = [(2.2, 3.0), (9.4, 10.6), (14.9, 15.3), (21.0, 27.5), (33.1, 33.6)]  # seconds


def _video(path: Path, seconds: float) -> Path:
    """Grey frames; a bright square moves over the left leg during each of MOVES."""
    with av.open(str(path), "w") as out:
        st = out.add_stream("libx264", rate=FPS)
        st.width, st.height, st.pix_fmt = W, H, "yuv420p"
        st.options = {"crf": "10", "g": "15"}
        for i in range(int(seconds * FPS)):
            t = i / FPS
            img = np.full((H, W, 3), 90, np.uint8)
            dx = sum(int(40 * math.sin(6 * (t - a))) for a, b in MOVES if a <= t < b)
            x, y = 10 + max(dx, 0), int(H * 0.65)
            img[y : y + 14, x : x + 16] = 230
            for pkt in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    return path


class TrackingFake(FakePose):
    """A pose whose keypoints drift with every call since the last reset (as a tracker's
    answer depends on the frames it followed), and that finds nobody on every 23rd call."""

    def __init__(self) -> None:
        k = len(KEYPOINT_NAMES)
        base = np.array([[20 + 8 * i, 30 + 4 * i] for i in range(k)], np.float32)
        self.since_reset = 0

        def pose(rgb: np.ndarray) -> PoseResult | None:
            self.since_reset += 1
            if self.since_reset % 23 == 0:
                return None
            shift = 0.01 * self.since_reset + float(rgb[..., 0].mean()) / 50
            return PoseResult(base + shift, np.full(k, 0.9, np.float32), 0.9)

        super().__init__(pose)

    def reset(self) -> None:
        super().reset()
        self.since_reset = 0


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> list:
    return night_plan([_video(tmp_path_factory.mktemp("sync") / "v.mp4", 40.0)])


@pytest.mark.parametrize("chunk_s", [3.0, 7.0, 10.0, 13.5])
def test_chunks_join_to_the_whole_night_bit_for_bit(night, chunk_s):
    # a sync every 5 s, the rest level over 8 s: a chunk at 21 s runs in full from 20 s and
    # measures the rest level from 10 s on (the syncs at 10 and 15 s), decoding from 8.5 s
    opts = ExtractOptions(sync_s=5.0, gate_rest_window_s=8.0)
    assert decode_start(21.0, opts) == pytest.approx(8.5)
    whole = track_extract(night, TrackingFake(), options=opts)
    assert whole.pose_ran.mean() < 0.9, "the gate skips frames: schedules matter"
    assert (~whole.pose_detected).any(), "the fake loses the baby now and then"
    starts = np.arange(0.0, 40.0, chunk_s)
    parts = [
        track_extract(night, TrackingFake(), options=opts, start_s=a, end_s=a + chunk_s)
        for a in starts
    ]
    joined = track_concat([p for p in parts if p.n_frames])
    for name in ("t_s", "pose_ran", "keypoints_px", "visibility", "motion"):
        a, b = getattr(joined, name), getattr(whole, name)
        np.testing.assert_array_equal(a, b, err_msg=f"{name} at chunks of {chunk_s} s")


@pytest.mark.parametrize("chunk_s", [3.0, 7.0, 13.5])
def test_chunks_join_bit_for_bit_with_sparse_pose_in_long_activity(night, chunk_s):
    # activity of 3 s makes the legs "busy" (pose twice a second): the 6.5-s movement at
    # 21-27.5 s goes busy at 24 s and crosses the sync at 25 s, which carries it over
    opts = ExtractOptions(sync_s=5.0, gate_rest_window_s=8.0, busy_after_s=3.0, busy_every_s=0.5)
    whole = track_extract(night, TrackingFake(), options=opts)
    full = track_extract(night, TrackingFake(), options=ExtractOptions(sync_s=5.0))
    assert whole.pose_ran.sum() < full.pose_ran.sum(), "the busy stretch is posed less"
    starts = np.arange(0.0, 40.0, chunk_s)
    parts = [
        track_extract(night, TrackingFake(), options=opts, start_s=a, end_s=a + chunk_s)
        for a in starts
    ]
    joined = track_concat([p for p in parts if p.n_frames])
    for name in ("t_s", "pose_ran", "keypoints_px", "visibility", "motion"):
        a, b = getattr(joined, name), getattr(whole, name)
        np.testing.assert_array_equal(a, b, err_msg=f"{name} at chunks of {chunk_s} s")


def test_without_syncs_a_chunk_would_start_from_another_state(night):
    # the same chunk at 7 s, syncs 5 s apart (decoded from 3.5 s) or 60 s apart (from 0 s):
    # the tracker's answers after 7 s depend on it, so the sync point is what fixes them
    a = track_extract(night, TrackingFake(), options=ExtractOptions(sync_s=5.0), start_s=7.0)
    b = track_extract(night, TrackingFake(), options=ExtractOptions(sync_s=60.0), start_s=7.0)
    assert a.t_s[0] == b.t_s[0] and a.n_frames == b.n_frames
    assert not np.array_equal(a.keypoints_px, b.keypoints_px, equal_nan=True)


def test_each_sync_resets_the_model_and_runs_pose(night):
    fake = TrackingFake()
    track = track_extract(night, fake, options=ExtractOptions(sync_s=5.0))
    # a sync at 0, 5, ..., 35 s: each resets the model (one more reset at the file's start)
    assert fake.resets == 1 + 8
    firsts = [int(np.searchsorted(track.t_s, s - 1e-3)) for s in range(0, 40, 5)]
    assert track.pose_ran[firsts].all(), "pose runs on the first frame of every period"


def test_sync_start_is_the_sync_point_at_or_before():
    opts = ExtractOptions(sync_s=60.0)
    assert sync_start(0.0, opts) == 0.0
    assert sync_start(59.99, opts) == 0.0
    assert sync_start(60.0, opts) == 60.0
    assert sync_start(60.0 - 1e-6, opts) == 60.0  # a frame time just short of it counts
    assert sync_start(299.0, opts) == 240.0
    assert SYNC_LEAD_S > 1.0  # the lead-in covers a gap motion still differences across


def test_a_bad_sync_period_is_refused():
    for bad in (0.0, -5.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="sync_s"):
            ExtractOptions(sync_s=bad)
