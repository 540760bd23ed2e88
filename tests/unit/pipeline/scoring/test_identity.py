"""The legs' labels by continuity (pipeline.scoring.identity), on tracks with known swaps.

Every track here is a still body at 15 fps, the left leg's joints at x = 132-134 px and the
right leg's at x = 106-108 (26 px apart, summed over hips, knees and ankles: 78 px). The
right ankle kicks up by 30 px and back over frames 20-40; the "pose model" swaps the two
legs' labels on chosen frames, so which frames must be swapped back is known exactly.
"""

from __future__ import annotations

import numpy as np

from detector.track import CHANNEL_NAMES, KEYPOINT_NAMES, MOTION_REGIONS, NightTrack
from pipeline.scoring.identity import legs_by_continuity
from tests.helpers.bodies import still_body

IDX = {n: i for i, n in enumerate(KEYPOINT_NAMES)}
FPS = 15.0
LEFT = [IDX[f"left_{j}"] for j in ("hip", "knee", "ankle")]
RIGHT = [IDX[f"right_{j}"] for j in ("hip", "knee", "ankle")]


def _body(n: int) -> np.ndarray:
    kp = still_body(n)
    kick = np.zeros(n)
    kick[20:41] = 30.0 * np.sin(np.linspace(0.0, np.pi, 21))
    kp[:, IDX["right_ankle"], 1] -= kick
    return kp


def _swapped(kp: np.ndarray, frames) -> np.ndarray:
    out = kp.copy()
    out[np.ix_(frames, LEFT + RIGHT)] = kp[np.ix_(frames, RIGHT + LEFT)]
    return out


def _track(
    kp: np.ndarray,
    ran: np.ndarray | None = None,
    t: np.ndarray | None = None,
    boxes_swapped=(),
):
    """The track the detector writes: the true left leg's region measures 1.0 and the
    right's 2.0 (motion and flow), each in the box drawn around the leg the model called
    so — on ``boxes_swapped`` frames around the other one."""
    n = kp.shape[0]
    left, right = np.ones(n), np.full(n, 2.0)
    left[list(boxes_swapped)], right[list(boxes_swapped)] = 2.0, 1.0
    motion = np.zeros((n, len(MOTION_REGIONS)))
    motion[:, MOTION_REGIONS.index("left_leg")] = left
    motion[:, MOTION_REGIONS.index("right_leg")] = right
    channels = np.zeros((n, len(CHANNEL_NAMES)))
    channels[:, CHANNEL_NAMES.index("flow_left_dx")] = left
    channels[:, CHANNEL_NAMES.index("flow_right_dx")] = right
    return NightTrack(
        t_s=np.arange(n) / FPS if t is None else t,
        keypoints_px=kp,
        visibility=np.ones((n, len(KEYPOINT_NAMES))),
        pose_ran=np.ones(n, dtype=bool) if ran is None else ran,
        motion=motion,
        frame_size=(240, 320),
        channels=channels,
        channel_names=CHANNEL_NAMES,
    )


def test_a_swap_inside_a_kick_is_undone_on_exactly_its_frames():
    # the model swaps the labels on frames 25-32; the detector measures a frame's motion in
    # the boxes of the poses before it, so frames 26-33 measured each leg in the other's box
    truth = _body(60)
    track = _track(_swapped(truth, list(range(25, 33))), boxes_swapped=range(26, 34))
    out, swapped = legs_by_continuity(track)
    assert list(np.flatnonzero(swapped)) == list(range(25, 33))
    np.testing.assert_allclose(out.keypoints_px, truth, atol=1e-4)  # float32 storage
    for name in ("left_leg", "right_leg"):
        want = 1.0 if name == "left_leg" else 2.0
        assert set(out.motion_of(name)) == {want}
    flow_left, flow_right = out.channel("flow_left_dx"), out.channel("flow_right_dx")
    assert flow_left is not None and set(flow_left) == {1.0}
    assert flow_right is not None and set(flow_right) == {2.0}


def test_no_swap_leaves_the_track_as_it_is():
    track = _track(_body(60))
    out, swapped = legs_by_continuity(track)
    assert out is track and not swapped.any()


def test_a_collapsed_pose_decides_nothing():
    # frame 30: the model draws both legs in the middle (x = 120), labels as they come; the
    # poses around it have the legs the right way round: nothing is swapped
    kp = _body(60)
    for li, ri in zip(LEFT, RIGHT, strict=True):
        kp[30, li, 0] = kp[30, ri, 0] = 120.0
    out, swapped = legs_by_continuity(_track(kp))
    assert not swapped.any()


def test_the_models_labels_stand_after_a_gap_in_the_video():
    # a 5-s gap after frame 29 and the legs the other way round from then on: no pose
    # before the gap tells which is which, so the model's labels stand
    kp = _swapped(_body(60), list(range(30, 60)))
    t = np.arange(60) / FPS
    t[30:] += 5.0
    out, swapped = legs_by_continuity(_track(kp, t=t))
    assert not swapped.any()


def test_a_swap_between_two_of_the_gates_pauses_is_undone():
    # the gate ran the pose model on frames 0-9, 20-24 and 35-59 only (the legs still in
    # between: the last pose carried over, as the detector writes it); the model's labels
    # are swapped on the five poses 20-24. Both jumps fall on a pause (0.73 s each): judged
    # across them, the five poses and the ten frames carrying the last of them are swapped
    # back; taking each pause as a break would leave poses 20-24 to the model's labels
    truth = _body(60)
    kp = _swapped(truth, list(range(20, 25)))
    ran = np.ones(60, dtype=bool)
    for a, b in ((10, 20), (25, 35)):
        kp[a:b] = kp[a - 1]
        ran[a:b] = False
    out, swapped = legs_by_continuity(_track(kp, ran=ran))
    assert list(np.flatnonzero(swapped)) == list(range(20, 35))
    np.testing.assert_allclose(out.keypoints_px[20:25], truth[20:25], atol=1e-4)
