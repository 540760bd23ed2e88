"""Keypoints of a made-up still body, for tests that build a NightTrack by hand."""

from __future__ import annotations

import numpy as np

from detector.track import KEYPOINT_NAMES

IDX = {n: i for i, n in enumerate(KEYPOINT_NAMES)}


def still_body(n: int) -> np.ndarray:
    """Keypoints (n, K, 2) of a still supine body: shoulders at y 50, hips at y 110 (torso
    60 px), knees at y 170, ankles at y 230, x symmetric about 120 (the left leg's joints at
    x 132-134, the right leg's at 106-108)."""
    kp = np.zeros((n, len(KEYPOINT_NAMES), 2))
    pos = {
        "nose": (120, 20),
        "left_shoulder": (140, 50),
        "right_shoulder": (100, 50),
        "left_hip": (132, 110),
        "right_hip": (108, 110),
        "left_knee": (134, 170),
        "right_knee": (106, 170),
        "left_ankle": (134, 230),
        "right_ankle": (106, 230),
    }
    for name, xy in pos.items():
        kp[:, IDX[name]] = xy
    return kp
