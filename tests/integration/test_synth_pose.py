"""The real MediaPipe pose model finds the rendered infant (issue 3: >= 90% of frames)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from synth import (
    LegMovement,
    Period,
    Rhythmic,
    Twitch,
    synth_render,
    synth_scene,
    truth_dir_for,
)

mp = pytest.importorskip("mediapipe")

# MediaPipe Pose landmark indices of legmove's KEYPOINT_NAMES
_MP_INDEX = [0, 11, 12, 23, 24, 25, 26, 27, 28]
_SWAP = [0, 2, 1, 4, 3, 6, 5, 8, 7]


def _clip(tmp: Path, rotation_deg: float, infrared: bool, size: float) -> Path:
    scene = synth_scene(
        10.0,
        fps=15,
        width=480,
        height=360,
        seed=2,
        rotation_deg=rotation_deg,
        infrared=infrared,
        size=size,
        items=[
            Period(0, 4, "wake"),
            Period(4, 10, "sleep"),
            LegMovement(4.5, 1.5, "left"),
            Rhythmic(6.5, 1.5, 3, "cycling"),
            Twitch(9.2, "right"),
        ],
    )
    return synth_render(scene, tmp / "clip.mp4")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("rotation_deg", "infrared", "size"),
    [(0.0, False, 0.72), (90.0, True, 0.5), (210.0, False, 0.6)],
)
def test_mediapipe_finds_the_rendered_baby(
    tmp_path: Path, rotation_deg: float, infrared: bool, size: float
) -> None:
    path = _clip(tmp_path, rotation_deg, infrared, size)
    truth = np.load(truth_dir_for(path) / "keypoints.npz")
    kp, body_len = truth["keypoints_px"], truth["body_len_px"]
    found, err = [], []
    with (
        mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose,
        av.open(str(path)) as container,
    ):
        for i, frame in enumerate(container.decode(video=0)):
            rgb = frame.to_ndarray(format="rgb24")
            res = pose.process(rgb)
            found.append(res.pose_landmarks is not None)
            if res.pose_landmarks is not None:
                h, w = rgb.shape[:2]
                lm = res.pose_landmarks.landmark
                p = np.array([[lm[j].x * w, lm[j].y * h] for j in _MP_INDEX])
                # MediaPipe sometimes labels the legs the other way round; score either labelling
                e = np.hypot(*(p - kp[i]).T) / body_len[i]
                e_swap = np.hypot(*(p[_SWAP] - kp[i]).T) / body_len[i]
                err.append(min(e[3:].sum(), e_swap[3:].sum()) / 6)  # hips, knees, ankles
    assert len(found) == 150
    assert np.mean(found) >= 0.9
    # the model's hips, knees and ankles land near the true ones (median within 0.08 body length)
    assert float(np.median(err)) < 0.08
