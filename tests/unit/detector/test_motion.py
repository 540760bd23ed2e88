import numpy as np
import pytest

from detector.motion import MotionMeter, leg_boxes
from detector.track import KEYPOINT_NAMES


def test_still_frames_have_no_motion():
    m = MotionMeter(32)
    img = np.full((48, 64), 100, np.uint8)
    assert m.update(img).tolist() == [0, 0, 0]  # first frame
    assert m.update(img).tolist() == [0, 0, 0]


def test_motion_in_one_leg_box():
    m = MotionMeter(64)
    a = np.zeros((48, 64), np.uint8)
    b = a.copy()
    b[30:40, 5:15] = 255  # change inside the left box only
    boxes = [(0, 24, 20, 48), (40, 24, 64, 48)]
    m.update(a, boxes)
    whole, left, right = m.update(b, boxes)
    assert left == pytest.approx(100 * 255 / (20 * 24) / 255, rel=1e-6)
    assert right == 0
    assert whole == pytest.approx(100 / (48 * 64), rel=1e-6)


def test_leg_boxes_from_keypoints():
    kp = np.full((len(KEYPOINT_NAMES), 2), np.nan, np.float32)
    vis = np.zeros(len(KEYPOINT_NAMES), np.float32)
    for name, xy in {"left_hip": (10, 10), "left_knee": (10, 30), "left_ankle": (10, 50)}.items():
        kp[KEYPOINT_NAMES.index(name)] = xy
        vis[KEYPOINT_NAMES.index(name)] = 0.9
    left, right = leg_boxes(kp, vis)
    assert right is None
    assert left == pytest.approx((-10, -10, 30, 70))  # grown by half the 40 px leg


def test_region_means_are_numpys_to_the_last_bit():
    """Motion means come from cv2.sumElems (cheaper per frame) and must equal ndarray.mean."""
    from detector.motion import _mean

    rng = np.random.default_rng(5)
    for shape in [(90, 160), (37, 21), (1, 1), (5, 160)]:
        for _ in range(200):
            a = rng.integers(0, 256, size=shape).astype(np.uint8)
            assert _mean(a) == float(a.mean())
            view = a[: max(1, shape[0] // 2), 1:] if shape[1] > 1 else a
            assert _mean(view) == float(view.mean())
