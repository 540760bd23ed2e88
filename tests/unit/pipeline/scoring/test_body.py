"""Body motion the legs do not explain (pipeline.scoring.body): key frames, vigorous kicking."""

from __future__ import annotations

import dataclasses

import numpy as np

from pipeline.scoring.activity import LegActivity
from pipeline.scoring.body import _without_lone_spikes, body_active
from pipeline.settings import Settings

FS = 15.0


def _activity(whole: np.ndarray, legs: np.ndarray) -> LegActivity:
    n = whole.size
    return LegActivity(
        t_s=np.arange(n) / FS,
        fs_hz=FS,
        level=np.zeros((2, n)),
        offset_level=np.full((2, n), 0.5),
        from_pose=np.ones((2, n), dtype=bool),
        extension_bl=np.zeros((2, n)),
        speed_bl_s=np.zeros((2, n)),
        motion=legs,
        whole_motion=whole,
        body_length_px=100.0,
        thresholds={},
    )


def test_a_lone_spike_is_lowered_to_its_larger_neighbour_and_nothing_else_changes():
    x = np.array([9.0, 1.0, 50.0, 2.0, 1.0, 3.0, 3.0, 30.0, 30.0, 1.0, 5.0])
    # index 2: 50 > 4 x max(1, 2) -> 2; the first (9 > 4 x 1) -> 1 and the last (5 > 4 x 1)
    # -> 1; index 5 (3 against 1 and 3) and the two-frame 30s stay
    want = np.array([1.0, 1.0, 2.0, 2.0, 1.0, 3.0, 3.0, 30.0, 30.0, 1.0, 1.0])
    assert np.array_equal(_without_lone_spikes(x), want)


def test_key_frames_every_2_s_are_not_the_body_moving():
    """A still picture whose whole frame changes 150-fold for one frame every 30 (a camera's
    key frames at 15 fps, as the 320x240 test scene has them): averaged over a second this
    read as the body moving half the time; no sample is active now."""
    rng = np.random.default_rng(1)
    n = int(120 * FS)
    whole = 3e-5 + 5e-6 * rng.standard_normal(n)
    whole[::30] = 4.4e-3
    legs = np.vstack([whole, whole]) * 1.1  # the key frame changes the leg regions too
    assert not body_active(_activity(whole, legs), Settings()).any()


def test_vigorous_kicking_with_the_body_still_is_not_body_motion_but_a_roll_over_is():
    """Five moderate leg movements (whole/legs 0.07: the night's ratio), one vigorous at
    40-44 s (0.087: a remainder of 0.24 of what the legs explain, below sleep_body_rel 0.5,
    though far above the noise) and one at 60-64 s with the whole frame changing 5 times
    what the legs explain (a roll-over: the trunk moves)."""
    rng = np.random.default_rng(2)
    n = int(100 * FS)
    t = np.arange(n) / FS
    legs = np.full((2, n), 1e-4) + 2e-6 * rng.standard_normal((2, n))
    whole = np.full(n, 2e-5) + 1e-6 * rng.standard_normal(n)
    spans = {(a, a + 2.0): (0.004, 0.07) for a in (10, 20, 30, 75, 85)}
    spans |= {(40, 44): (0.02, 0.087), (60, 64): (0.004, 0.35)}
    for (a, b), (leg, ratio) in spans.items():
        sel = (t >= a) & (t < b)
        legs[:, sel] += leg
        whole[sel] += ratio * 2 * leg

    def inner(a: float, b: float) -> np.ndarray:  # away from the smoothing's edges
        return (t >= a + 0.6) & (t < b - 0.6)

    active = body_active(_activity(whole, legs), Settings())
    assert not any(active[inner(a, b)].any() for a, b in spans if b - a == 2.0)
    assert not active[inner(40, 44)].any()
    assert active[inner(60, 64)].all()
    assert not active[(t > 1) & (t < 9)].any()
    # without the rule the vigorous kicking's remainder would count as the body moving
    loose = body_active(_activity(whole, legs), dataclasses.replace(Settings(), sleep_body_rel=0))
    assert loose[inner(40, 44)].all()


def test_the_camera_moving_the_picture_is_not_the_body_moving():
    """The roll-over of the test above (whole frame 5 times what the legs explain, 60-64 s)
    while the camera moves the picture 55-70 s: the whole frame's change there is the
    camera's, so no sample of it is active; the same roll-over with the camera still is."""
    rng = np.random.default_rng(2)
    n = int(100 * FS)
    t = np.arange(n) / FS
    legs = np.full((2, n), 1e-4) + 2e-6 * rng.standard_normal((2, n))
    whole = np.full(n, 2e-5) + 1e-6 * rng.standard_normal(n)
    for a, ratio in ((10, 0.07), (20, 0.07), (30, 0.07), (60, 0.35)):
        sel = (t >= a) & (t < a + 4)
        legs[:, sel] += 0.004
        whole[sel] += ratio * 2 * 0.004
    act = _activity(whole, legs)
    inner = (t >= 60.6) & (t < 63.4)
    assert body_active(act, Settings())[inner].all()
    camera = (t >= 55) & (t < 70)
    moved = dataclasses.replace(act, camera_moving=camera)
    assert not body_active(moved, Settings())[camera].any()
