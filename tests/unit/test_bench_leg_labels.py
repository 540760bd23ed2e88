"""bench.leg_labels: a pose's legs counted right or wrong way round against the truth."""

from __future__ import annotations

import numpy as np

from bench.leg_labels import labels_right
from detector.track import KEYPOINT_NAMES, NightTrack


def test_a_swapped_pose_counts_as_wrong_way_round():
    k = len(KEYPOINT_NAMES)
    truth = np.zeros((3, k, 2))
    for j in ("hip", "knee", "ankle"):
        truth[:, KEYPOINT_NAMES.index(f"left_{j}")] = (130.0, 100.0)
        truth[:, KEYPOINT_NAMES.index(f"right_{j}")] = (100.0, 100.0)
    kp = truth.copy()
    for j in ("hip", "knee", "ankle"):  # pose 1: the model swapped the legs
        a, b = KEYPOINT_NAMES.index(f"left_{j}"), KEYPOINT_NAMES.index(f"right_{j}")
        kp[1, [a, b]] = truth[1, [b, a]]
    track = NightTrack(
        t_s=np.array([0.0, 0.1, 0.2]),
        keypoints_px=kp,
        visibility=np.ones((3, k)),
        pose_ran=np.ones(3, dtype=bool),
        motion=np.zeros((3, 3)),
        frame_size=(240, 320),
    )
    # truth sampled at other times: each pose takes the nearest truth frame
    got = labels_right(track, np.array([0.0, 0.09, 0.21]), truth)
    assert list(got) == [True, False, True]
