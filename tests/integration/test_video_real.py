"""detector.video on real infant video from ../shared/data/real (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detector.video import night_frames, night_plan, video_probe
from tests.helpers.real import REAL  # noqa: E402

pytestmark = pytest.mark.real

CLIPS = [
    # name, frames, fps, (width, height)
    ("infant_supine_kicking.mp4", 703, 15.0, (320, 240)),
    ("infant_crib_sleeping.mp4", 299, 30.0, (960, 544)),
]


def _clip(name: str) -> Path:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"real video {path} is not on this machine (shared data set not mounted)")
    return path


@pytest.mark.parametrize(("name", "n_frames", "fps", "size"), CLIPS)
def test_real_clip_probe_and_full_decode(name, n_frames, fps, size):
    path = _clip(name)
    info = video_probe(path)
    assert (info.width, info.height) == size
    assert info.fps == pytest.approx(fps, rel=1e-3)
    assert info.n_frames_est == n_frames
    assert info.rotation_deg == 0 and info.codec == "h264"
    assert info.creation_time is not None
    issues: list[str] = []
    frames = night_frames(night_plan([path]), on_issue=issues.append)
    t, shapes, n = [], set(), 0
    for fr in frames:
        t.append(fr.t_s)
        shapes.add(fr.gray.shape)
        assert fr.index == n
        n += 1
    assert issues == []
    assert n == n_frames
    assert shapes == {(size[1], size[0])}
    assert t[0] == 0.0
    assert np.all(np.diff(t) > 0)
    assert np.median(np.diff(t)) == pytest.approx(1 / fps, rel=1e-3)


def test_real_clip_chunk_matches_full_pass_and_rgb():
    path = _clip("infant_supine_kicking.mp4")
    plan = night_plan([path])
    full = {fr.index: (fr.t_s, fr.gray.copy()) for fr in night_frames(plan, start_s=0, end_s=25)}
    chunk = list(night_frames(plan, start_s=20.0, end_s=25.0))
    assert len(chunk) == 75  # 5 s at 15 fps
    for fr in chunk:
        t_full, gray_full = full[fr.index]
        assert fr.t_s == t_full
        np.testing.assert_array_equal(fr.gray, gray_full)
    rgb = chunk[0].rgb()
    assert rgb.shape == (240, 320, 3) and rgb.dtype == np.uint8
    # the luma plane and the RGB picture show the same scene
    luma = rgb @ np.array([0.299, 0.587, 0.114])
    assert np.corrcoef(luma.ravel(), chunk[0].gray.ravel())[0, 1] > 0.98
