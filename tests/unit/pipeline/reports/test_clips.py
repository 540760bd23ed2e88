"""Review clips: H.264/yuv420p mp4 a browser plays, leg lines where the track says, face blurred."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import av
import numpy as np
import pytest

from detector.track import KEYPOINT_NAMES, MOTION_REGIONS, NightTrack
from detector.video import night_plan
from pipeline.reports.clips import ClipOptions, clip_cached, clip_name, clip_render

W, H, FPS, SECONDS = 320, 240, 15, 6.0
NOSE = (160.0, 50.0)
#: a straight, well-visible left leg (hip, knee, ankle) far from the face
LEFT_LEG = {"left_hip": (100.0, 120.0), "left_knee": (100.0, 170.0), "left_ankle": (100.0, 220.0)}


def _checker(h: int, w: int, cell: int = 4) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return np.where(((yy // cell) + (xx // cell)) % 2 == 0, 20, 235).astype(np.uint8)


def _scene_video(path: Path) -> Path:
    """Flat grey frames with a high-contrast checkerboard "face" around NOSE."""
    n = int(FPS * SECONDS)
    with av.open(str(path), "w") as out:
        st = out.add_stream("libx264", rate=FPS)
        st.width, st.height, st.pix_fmt = W, H, "yuv420p"
        st.options = {"crf": "12", "g": "15"}
        for _ in range(n):
            img = np.full((H, W, 3), 110, np.uint8)
            x, y = int(NOSE[0]), int(NOSE[1])
            img[y - 24 : y + 24, x - 24 : x + 24] = _checker(48, 48)[..., None]
            for pkt in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    return path


def _track(with_face: bool = True) -> NightTrack:
    n = int(FPS * SECONDS)
    kp = np.full((n, len(KEYPOINT_NAMES), 2), np.nan, np.float32)
    vis = np.zeros((n, len(KEYPOINT_NAMES)), np.float32)
    points = dict(LEFT_LEG)
    if with_face:
        points.update(
            {"nose": NOSE, "left_shoulder": (190.0, 80.0), "right_shoulder": (130.0, 80.0)}
        )
    for name, xy in points.items():
        k = KEYPOINT_NAMES.index(name)
        kp[:, k] = xy
        vis[:, k] = 0.95
    return NightTrack(
        t_s=np.arange(n) / FPS,
        keypoints_px=kp,
        visibility=vis,
        pose_ran=np.ones(n, bool),
        motion=np.zeros((n, len(MOTION_REGIONS)), np.float32),
        frame_size=(W, H),
    )


@pytest.fixture(scope="module")
def segments(tmp_path_factory: pytest.TempPathFactory):
    video = _scene_video(tmp_path_factory.mktemp("clip") / "night.mp4")
    return night_plan([video])


def _decode(path: Path) -> tuple[list[np.ndarray], dict]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        info = {
            "codec": s.codec_context.name,
            "pix_fmt": s.codec_context.pix_fmt,
            "width": s.codec_context.width,
            "height": s.codec_context.height,
        }
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(s)]
        info["times"] = []
    with av.open(str(path)) as c:
        info["times"] = [float(f.time) for f in c.decode(video=0)]
    return frames, info


def test_clip_is_browser_playable_h264_with_index_first(segments, tmp_path: Path) -> None:
    out = clip_render(segments, 1.0, 4.0, tmp_path / "c.mp4", track=_track())
    frames, info = _decode(out)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"]) == (W, H)
    # 3 s at 15 fps, times kept from the night (relative to the clip start)
    assert len(frames) == 45
    assert info["times"][0] == pytest.approx(0.0, abs=1e-3)
    assert info["times"][-1] == pytest.approx(44 / FPS, abs=0.01)
    head = out.read_bytes()
    assert 0 <= head.find(b"moov") < head.find(b"mdat"), "moov atom must come first (faststart)"


def test_leg_lines_drawn_only_when_asked(segments, tmp_path: Path) -> None:
    on = clip_render(segments, 2.0, 3.0, tmp_path / "on.mp4", track=_track())
    off = clip_render(
        segments,
        2.0,
        3.0,
        tmp_path / "off.mp4",
        track=_track(),
        options=ClipOptions(skeleton=False),
    )
    mid = _decode(on)[0][5].astype(int)
    plain = _decode(off)[0][5].astype(int)
    # between knee and ankle of the left leg: orange (R high, B low) only with the skeleton
    x, y = 100, 195
    assert mid[y, x, 0] > 180 and mid[y, x, 2] < 110
    assert abs(plain[y, x] - 110).max() < 20


def test_face_blurred_by_default_and_kept_on_request(segments, tmp_path: Path) -> None:
    x, y = int(NOSE[0]), int(NOSE[1])
    blurred = clip_render(segments, 0.0, 1.0, tmp_path / "b.mp4", track=_track())
    kept = clip_render(
        segments, 0.0, 1.0, tmp_path / "k.mp4", track=_track(), options=ClipOptions(blur_face=False)
    )
    face_b = _decode(blurred)[0][3][y - 20 : y + 20, x - 20 : x + 20].astype(float)
    face_k = _decode(kept)[0][3][y - 20 : y + 20, x - 20 : x + 20].astype(float)
    assert face_k.std() > 60  # the checkerboard is there
    assert face_b.std() < 15  # and gone when blurred


def test_whole_picture_blurred_when_face_position_unknown(segments, tmp_path: Path) -> None:
    x, y = int(NOSE[0]), int(NOSE[1])
    out = clip_render(segments, 0.0, 1.0, tmp_path / "u.mp4", track=_track(with_face=False))
    face = _decode(out)[0][0][y - 20 : y + 20, x - 20 : x + 20].astype(float)
    assert face.std() < 15
    no_track = clip_render(segments, 0.0, 1.0, tmp_path / "n.mp4", track=None)
    face = _decode(no_track)[0][0][y - 20 : y + 20, x - 20 : x + 20].astype(float)
    assert face.std() < 15


def test_cache_reuses_the_file_and_names_change_with_options(segments, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = clip_cached(segments, 1.0, 2.0, cache, track=_track())
    stamp = first.stat().st_mtime_ns
    again = clip_cached(segments, 1.0, 2.0, cache, track=_track())
    assert again == first and again.stat().st_mtime_ns == stamp
    names = {
        clip_name(segments, 1.0, 2.0, ClipOptions()),
        clip_name(segments, 1.0, 2.0, ClipOptions(blur_face=False)),
        clip_name(segments, 1.0, 2.0, ClipOptions(skeleton=False)),
        clip_name(segments, 1.0, 2.5, ClipOptions()),
        clip_name(segments, 1.0, 2.0, ClipOptions(wall_clock_start=datetime(2024, 5, 1, 19, 30))),
    }
    assert len(names) == 5
    assert [p.name for p in cache.iterdir()] == [first.name]  # no temporary files left


def test_bad_ranges_raise_value_error(segments, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="start_s < end_s"):
        clip_render(segments, 3.0, 3.0, tmp_path / "x.mp4")
    with pytest.raises(ValueError, match="no video frames"):
        clip_render(segments, 100.0, 110.0, tmp_path / "y.mp4")
    assert not (tmp_path / "y.mp4").exists()
    with pytest.raises(ValueError):
        ClipOptions(max_width_px=10)
