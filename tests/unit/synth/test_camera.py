"""The moving camera of the scene generator: transforms with hand-worked answers, the
picture and the true keypoints moved together."""

from __future__ import annotations

import math

import numpy as np
import pytest

from synth import Program, Renderer, synth_preset, synth_scene, synth_truth
from synth.camera import CameraMotion, camera_affines, camera_apply


def _scene(*items: CameraMotion, seed: int = 0):  # type: ignore[no-untyped-def]
    return synth_scene(20.0, fps=10, width=200, height=160, seed=seed, items=list(items))


def test_still_camera_has_no_transform() -> None:
    sc = _scene()
    assert camera_affines(sc, np.arange(10) / 10) is None
    xy = np.ones((3, 2, 2))
    assert camera_apply(None, xy) is xy


def test_pan_shifts_by_amount_of_the_shorter_side_towards_the_direction() -> None:
    # pan 0.1 of the shorter side (160 px) = 16 px at 90 deg (down): (x, y) -> (x, y + 16)
    sc = _scene(CameraMotion(2.0, 18.0, "pan", 0.1, 90.0, move_s=2.0))
    t = np.array([0.0, 1.0, 3.0, 4.0, 10.0, 17.0, 19.0])
    m = camera_affines(sc, t)
    assert m is not None and m.shape == (7, 2, 3)
    pts = np.array([[50.0, 40.0], [120.0, 100.0]])
    moved = camera_apply(m, np.broadcast_to(pts, (7, 2, 2)).copy())
    # before 2 s and after 18 s: still; at 3 s halfway up the ramp: smoothstep(0.5) = 0.5
    np.testing.assert_allclose(moved[0], pts, atol=1e-9)
    np.testing.assert_allclose(moved[1], pts, atol=1e-9)
    np.testing.assert_allclose(moved[2], pts + [0.0, 8.0], atol=1e-9)
    np.testing.assert_allclose(moved[3], pts + [0.0, 16.0], atol=1e-9)
    np.testing.assert_allclose(moved[4], pts + [0.0, 16.0], atol=1e-9)
    np.testing.assert_allclose(moved[6], pts, atol=1e-9)


def test_zoom_magnifies_about_the_frame_centre() -> None:
    # zoom 0.25 held: the centre (100, 80) stays, a point 40 px right of it goes to 50 px
    sc = _scene(CameraMotion(1.0, 19.0, "zoom", 0.25, move_s=1.0))
    m = camera_affines(sc, np.array([10.0]))
    assert m is not None
    out = camera_apply(m, np.array([[[100.0, 80.0], [140.0, 80.0], [100.0, 60.0]]]))
    np.testing.assert_allclose(out[0], [[100.0, 80.0], [150.0, 80.0], [100.0, 55.0]], atol=1e-9)


def test_shake_moves_by_about_its_amount_and_is_seeded() -> None:
    item = CameraMotion(0.0, 20.0, "shake", 0.02, move_s=1.0)
    t = np.arange(200) / 10
    a = camera_affines(_scene(item), t)
    b = camera_affines(_scene(item), t)
    c = camera_affines(_scene(item, seed=1), t)
    assert a is not None and b is not None and c is not None
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    centre = camera_apply(a, np.full((200, 1, 2), [100.0, 80.0]))[:, 0] - [100.0, 80.0]
    peak = np.abs(centre[20:180]).max()
    # tremor (sum of three unit sinusoids / 3, <= 1) + half a unit of drift, x 0.02 x 160 px
    assert 0.5 < peak <= 1.5 * 0.02 * 160 + 1e-9
    # and it really shakes: the picture changes direction several times a second
    vx = np.diff(centre[20:180, 0])
    assert np.sum(np.diff(np.sign(vx)) != 0) >= 16 * 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"motion": "tilt"},
        {"amount": 0.0},
        {"amount": 0.6},
        {"move_s": 6.0},
    ],
)
def test_camera_motion_rejects_bad_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CameraMotion(0.0, 10.0, **kwargs)  # type: ignore[arg-type]


def test_picture_and_truth_keypoints_move_together() -> None:
    """A pan held at 30 px right: the rendered frame is the still frame shifted 30 px, and
    every true keypoint is 30 px further right."""
    still = _scene()
    panned = _scene(CameraMotion(1.0, 19.0, "pan", 30 / 160, 0.0, move_s=1.0))
    p0, p1 = Program(still), Program(panned)
    kp0, vis0 = p0.keypoints_px()
    kp1, vis1 = p1.keypoints_px()
    i = 100  # 10 s: the pan is held
    np.testing.assert_allclose(kp1[i] - kp0[i], np.tile([30.0, 0.0], (kp0.shape[1], 1)), atol=1e-3)
    assert vis1[i].all() == vis0[i].all()
    r0 = Renderer(still.width, still.height, p0.look, seed=still.seed).render(p0.state(i))
    r1 = Renderer(panned.width, panned.height, p1.look, seed=panned.seed).render(p1.state(i))
    # compare away from the reflected border; sensor noise differs (it does not move)
    diff = np.abs(r1[:, 40:].astype(int) - r0[:, 10:-30].astype(int))
    assert np.median(diff) <= 3
    unshifted = np.abs(r1[:, 40:].astype(int) - r0[:, 40:].astype(int))
    assert np.mean(unshifted) > 2 * np.mean(diff)


def test_moving_camera_preset_marks_camera_spans_and_plants_lms_while_it_moves() -> None:
    sc = synth_preset("moving_camera")
    truth = synth_truth(Program(sc))
    spans = truth["spans"]
    cam = spans[spans["kind"].str.startswith("camera_")]
    assert set(cam["kind"]) == {"camera_shake", "camera_pan", "camera_zoom"}
    assert cam["artifact"].all()
    lms = truth["events"][truth["events"]["kind"] == "lm"]["start_s"].to_numpy()
    inside = [any(a <= t < b for a, b in zip(cam.start_s, cam.end_s, strict=True)) for t in lms]
    assert sum(inside) >= 8 and sum(not x for x in inside) >= 3
    # camera spans with no planted LM at all, long enough for camera motion alone to show
    assert not any(95 <= t < 110 for t in lms)
    assert math.isclose(float(sc.size), 0.6)
