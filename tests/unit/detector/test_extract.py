from pathlib import Path

import av
import numpy as np
import pytest

from detector.errors import NoPersonError
from detector.extract import ExtractOptions, track_extract
from detector.pose import FakePose, PoseResult
from detector.track import KEYPOINT_NAMES
from detector.video import night_plan
from tests.helpers.video import make_video  # noqa: E402


def _moving_square_video(path: Path, fps: int = 15, seconds: float = 6.0) -> Path:
    """Still grey frames; a square moves only between 2 s and 3 s (lower-left quadrant)."""
    n = int(fps * seconds)
    with av.open(str(path), "w") as out:
        st = out.add_stream("libx264", rate=fps)
        st.width, st.height, st.pix_fmt = 128, 96, "yuv420p"
        st.options = {"crf": "10", "g": "15"}
        for i in range(n):
            img = np.full((96, 128, 3), 90, np.uint8)
            t = i / fps
            x = 10 + int(20 * (t - 2)) if 2 <= t < 3 else 10
            img[60:75, x : x + 15] = 230
            for pkt in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    return path


def _pose(_rgb):
    k = len(KEYPOINT_NAMES)
    kp = np.zeros((k, 2), np.float32)
    for name in KEYPOINT_NAMES:
        left = name.startswith("left")
        kp[KEYPOINT_NAMES.index(name)] = (30 if left else 100, 70)
    return PoseResult(kp, np.full(k, 0.9, np.float32), 0.9)


def test_gated_pose_runs_on_movement_and_refresh(tmp_path):
    video = _moving_square_video(tmp_path / "v.mp4")
    fake = FakePose(_pose)
    track = track_extract(night_plan([video]), fake, options=ExtractOptions(refresh_s=1.0))
    assert track.n_frames == 90
    t = track.t_s
    ran = track.pose_ran
    moving = (t >= 2.1) & (t < 2.95)
    assert ran[moving].all(), "pose must run while the leg region moves"
    still = t >= 4.0
    # in still periods pose runs about once per refresh interval
    assert 1 <= ran[still].sum() <= 3
    assert fake.calls == ran.sum()
    # skipped frames carry the last pose forward
    assert np.isfinite(track.keypoints_px).all()
    # the square moved in the left-leg box, not the right one
    assert (
        track.motion_of("left_leg")[moving].mean() > 5 * track.motion_of("right_leg")[moving].mean()
    )


def test_every_frame_without_gating(tmp_path):
    video = make_video(tmp_path / "v.mp4", n_frames=20)
    fake = FakePose(_pose)
    track = track_extract(night_plan([video]), fake, options=ExtractOptions(gate=False))
    assert fake.calls == 20 and track.pose_ran.all()


def test_no_person_anywhere(tmp_path):
    video = make_video(tmp_path / "empty room.mp4", n_frames=20)
    with pytest.raises(NoPersonError, match="empty room.mp4"):
        track_extract(night_plan([video]), FakePose([]))


def test_progress_reaches_total(tmp_path):
    video = make_video(tmp_path / "v.mp4", n_frames=45)
    seen = []
    track_extract(night_plan([video]), FakePose(_pose), progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == pytest.approx(seen[-1][1])
    assert all(b[0] >= a[0] for a, b in zip(seen, seen[1:], strict=False))
