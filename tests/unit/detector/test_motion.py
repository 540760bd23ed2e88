import cv2
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


# --- directional flow ---------------------------------------------------------------------
from detector.motion import FlowMeter, body_regions  # noqa: E402
from detector.track import CHANNEL_NAMES  # noqa: E402

CH = {n: i for i, n in enumerate(CHANNEL_NAMES)}


def _texture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """Smooth random texture (DIS needs gradients to follow)."""
    import cv2

    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (h, w)).astype(np.uint8)
    return cv2.GaussianBlur(img, (0, 0), 2.0)


def _pose(points: dict[str, tuple[float, float]]) -> np.ndarray:
    kp = np.full((len(KEYPOINT_NAMES), 2), np.nan, np.float32)
    for name, xy in points.items():
        kp[KEYPOINT_NAMES.index(name)] = xy
    return kp


# a baby lying head up in a 160 x 120 frame: shoulders at y 30, hips 60, knees 80, ankles 100
BABY = _pose(
    {
        "nose": (80, 18),
        "left_shoulder": (95, 30),
        "right_shoulder": (65, 30),
        "left_hip": (90, 60),
        "right_hip": (70, 60),
        "left_knee": (95, 80),
        "right_knee": (65, 80),
        "left_ankle": (97, 100),
        "right_ankle": (63, 100),
    }
)


def test_body_regions_split_the_legs_and_leave_the_edges_outside():
    boxes = leg_boxes(BABY, np.ones(len(KEYPOINT_NAMES)))
    reg = body_regions(BABY, 1.0, (120, 160), boxes)
    assert reg is not None and reg.torso is not None
    # the legs' regions do not overlap: each pixel belongs to the nearer leg's line
    left, right = reg.legs
    assert left is not None and right is not None
    assert not np.any((left > 0) & (right > 0))
    assert left[90, 97] == 255 and right[90, 63] == 255  # each ankle in its own leg's region
    # the frame's corners are outside the body, the chest and hips inside
    assert reg.outside[0, 0] == 255 and reg.outside[119, 159] == 255
    assert reg.body[45, 80] == 255 and reg.torso[45, 80] == 255
    assert body_regions(_pose({"nose": (1, 1)}), 1.0, (120, 160)) is None


def test_flow_of_a_leg_moving_down_relative_to_a_still_background():
    """The left leg's patch moves 1 px down in the small frame (scale 0.5: 2 full-frame
    pixels); the rest stays. The left leg reads a clear downward flow and little sideways
    (DIS's ultrafast preset works at a quarter of the small frame's resolution and smooths a
    patch this small with its still surroundings: about 0.4 of the true 2 px), the right leg
    and the background about 0."""
    base = _texture(120, 160)
    moved = base.copy()
    moved[71:111, 85:106] = base[70:110, 85:106]  # the left leg region shifted down 1 px
    boxes = [(85.0, 70.0, 106.0, 110.0), (54.0, 70.0, 75.0, 110.0)]
    reg = body_regions(BABY, 1.0, (120, 160), boxes)
    m = FlowMeter()
    first = m.update(base, 0.5, boxes, reg)
    assert first[CH["flow_left_dy"]] == 0 and first[CH["motion_outside"]] == 0
    ch = m.update(moved, 0.5, boxes, reg)
    dy = ch[CH["flow_left_dy"]]
    assert 0.5 < dy <= 2.2 and abs(ch[CH["flow_left_dx"]]) < 0.3 * dy
    assert abs(ch[CH["flow_right_dy"]]) < 0.3 and abs(ch[CH["flow_bg_dy"]]) < 0.1
    assert ch[CH["motion_outside"]] < 1e-3  # nothing changed outside the body


def test_camera_motion_is_taken_out_of_the_leg_flow():
    """The whole picture moves 2 px right (scale 1): the background reads dx ~ 2, the legs
    (less the background) ~ 0, and the motion outside the body is large."""
    base = _texture(120, 160, seed=2)
    shifted = np.roll(base, 2, axis=1)
    boxes = [(85.0, 70.0, 106.0, 110.0), (54.0, 70.0, 75.0, 110.0)]
    reg = body_regions(BABY, 1.0, (120, 160), boxes)
    m = FlowMeter()
    m.update(base, 1.0, boxes, reg)
    ch = m.update(shifted, 1.0, boxes, reg)
    assert ch[CH["flow_bg_dx"]] == pytest.approx(2.0, abs=0.3)
    for name in ("flow_left_dx", "flow_right_dx", "flow_torso_dx"):
        assert abs(ch[CH[name]]) < 0.4, name
    assert ch[CH["motion_outside"]] > 0.01


def test_flow_is_zero_when_told_nothing_moves_and_nan_without_a_body():
    base = _texture(120, 160, seed=3)
    m = FlowMeter()
    m.update(base, 1.0)
    ch = m.update(np.roll(base, 3, axis=0), 1.0, moving=False)
    assert ch[CH["flow_bg_dy"]] == 0 and ch[CH["flow_left_dy"]] == 0
    # no pose, so no body region: the torso and the outside are unknown
    assert np.isnan(ch[CH["flow_torso_dx"]]) and np.isnan(ch[CH["motion_outside"]])


# --- a moving camera ----------------------------------------------------------------------
from detector.motion import CAMERA_SHIFT_MIN_PX, camera_shift  # noqa: E402


def _shifted(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """``img`` moved by (dx, dy) pixels as a camera moves the whole picture."""
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(
        img, m, img.shape[::-1], flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )


@pytest.mark.parametrize(("dx", "dy"), [(2.0, -1.0), (-0.6, 0.4), (3.5, 2.5)])
def test_camera_shift_is_the_whole_pictures_translation(dx, dy):
    """A textured picture moved as a whole by (dx, dy): phase correlation finds that shift
    to within 0.2 px (sub-pixel; its peak centroid is pulled towards the whole pixel near a
    half-pixel shift: 3.66 for 3.5)."""
    a = _texture(120, 160, seed=3)
    got = camera_shift(a, _shifted(a, dx, dy))
    assert got is not None
    assert got == pytest.approx((dx, dy), abs=0.2)


def test_a_limb_moving_on_a_still_picture_is_no_camera_shift():
    """The same picture with one 20 x 12 patch moved 4 px (a leg kicking): the background's
    peak stays at no shift, below CAMERA_SHIFT_MIN_PX."""
    a = _texture(120, 160, seed=4)
    b = a.copy()
    b[60:72, 40:60] = a[60:72, 44:64]
    assert CAMERA_SHIFT_MIN_PX > 0
    assert camera_shift(a, b) is None
    assert camera_shift(a, a.copy()) is None


def test_a_shaken_picture_is_differenced_with_the_camera_taken_out():
    """Frame b is frame a moved 2 px right and 1 down (a shaken phone): differenced as it
    is, every textured pixel changes; with the shift taken out (each frame moved half of it
    towards the other) what is left is the interpolation's and the uncovered edge's, far
    less. A change *in* a still picture (a patch replaced) is differenced exactly as
    without compensation: the picture did not move as a whole."""
    a = _texture(120, 160, seed=5)
    b = _shifted(a, 2.0, 1.0)
    boxes = [(20, 40, 70, 110), (90, 40, 140, 110)]
    plain, comp = MotionMeter(160, compensate=False), MotionMeter(160)
    for m in (plain, comp):
        m.update(a, boxes)
    p, c = plain.update(b, boxes), comp.update(b, boxes)
    assert p[0] > 0.01  # a moving textured picture changes a lot
    assert (c < 0.3 * p).all()  # whole frame and both leg boxes
    still = a.copy()
    still[60:80, 30:60] = 255 - still[60:80, 30:60]
    plain2, comp2 = MotionMeter(160, compensate=False), MotionMeter(160)
    for m in (plain2, comp2):
        m.update(a, boxes)
    assert np.array_equal(plain2.update(still, boxes), comp2.update(still, boxes))


def test_an_object_moving_on_a_plain_picture_is_not_taken_for_the_camera():
    """A bright square moving 2 px on a plain grey picture: the only structure in the frame,
    so phase correlation alone would follow it as if the camera moved; the change is in one
    of the frame's 16 tiles (under CAMERA_SPREAD), so it is differenced as it is."""
    a = np.full((96, 128), 90, np.uint8)
    b = a.copy()
    a[60:75, 10:25] = 230
    b[60:75, 12:27] = 230
    boxes = [(0, 48, 64, 96), (64, 48, 128, 96)]
    plain, comp = MotionMeter(128, compensate=False), MotionMeter(128)
    for m in (plain, comp):
        m.update(a, boxes)
    assert np.array_equal(plain.update(b, boxes), comp.update(b, boxes))
