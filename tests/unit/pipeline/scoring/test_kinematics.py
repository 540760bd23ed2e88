"""Body-relative leg kinematics: the body model's hips, angles, the pelvis frame under a
moving camera, the moving-picture mask, the glitch filter and the still-infant prior —
each against an answer worked out by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from detector.track import KEYPOINT_NAMES, NightTrack
from pipeline.scoring.activity import activity_compute
from pipeline.scoring.kinematics import (
    _despike,
    body_length_px,
    frames_of,
    hips_corrected,
    leg_angles,
    leg_kinematics,
    pelvis_frame,
    picture_moving,
    pose_rest,
)
from pipeline.scoring.signal import signal_grid
from pipeline.scoring.simulate import Planned, simulate_track
from pipeline.settings import Settings
from tests.helpers.bodies import still_body

IDX = {n: i for i, n in enumerate(KEYPOINT_NAMES)}


def _still_body(n: int, fps: float = 15.0) -> np.ndarray:
    """Keypoints (n, K, 2) of a still supine body (:func:`tests.helpers.bodies.still_body`)."""
    return still_body(n)


def _track(kp: np.ndarray, fps: float = 15.0, vis: np.ndarray | None = None) -> NightTrack:
    n = kp.shape[0]
    return NightTrack(
        t_s=np.arange(n) / fps,
        keypoints_px=kp,
        visibility=np.ones((n, len(KEYPOINT_NAMES))) if vis is None else vis,
        pose_ran=np.ones(n, dtype=bool),
        motion=np.zeros((n, 3)),
        frame_size=(640, 480),
    )


# --- the body model -----------------------------------------------------------------------
def test_hips_are_placed_the_true_torso_length_below_the_shoulders():
    """8 of 10 frames with the legs extended (model torso 60 px), 2 flexed with the model's
    hips pulled 20 px towards the shoulders (torso 40 px). The long end (90th percentile) of
    the torso lengths is 60 px, the true torso 60 / (1 - 0.15) = 70.588 px: every frame's hips
    go to y = 50 + 70.588, keeping their x; a frame without a visible torso keeps its own."""
    kp = _still_body(11)
    kp[[3, 7], IDX["left_hip"], 1] = kp[[3, 7], IDX["right_hip"], 1] = 90.0
    vis = np.ones((11, len(KEYPOINT_NAMES)))
    vis[10, IDX["left_shoulder"]] = 0.1  # the torso not seen in the last frame
    hips = hips_corrected(_track(kp, vis=vis), Settings())
    want_y = 50.0 + 60.0 / 0.85
    np.testing.assert_allclose(hips[:10, :, 1], want_y, atol=1e-3)
    np.testing.assert_allclose(hips[:10, 0, 0], 132.0, atol=1e-4)
    np.testing.assert_allclose(hips[:10, 1, 0], 108.0, atol=1e-4)
    np.testing.assert_allclose(hips[10, :, 1], 110.0)
    # hip_offset_t 0 turns the body model off: the pose model's hips as they are
    off = hips_corrected(_track(kp, vis=vis), Settings(hip_offset_t=0.0))
    np.testing.assert_array_equal(off[:, 0], kp[:, IDX["left_hip"]])


def test_hips_never_move_towards_the_shoulders():
    kp = _still_body(6)
    kp[2, IDX["left_hip"], 1] = kp[2, IDX["right_hip"], 1] = 200.0  # a stretched torso
    hips = hips_corrected(_track(kp), Settings())
    # the long end of [60, 60, 150, 60, 60, 60] is 105 (linear), true 123.5: frame 2 stays
    assert hips[2, 0, 1] == pytest.approx(200.0)
    assert hips[0, 0, 1] == pytest.approx(50.0 + np.quantile([60] * 5 + [150], 0.9) / 0.85)


def test_leg_angles_by_hand():
    sh = np.array([0.0, 0.0])
    hip, knee, ankle = np.array([0.0, 10.0]), np.array([0.0, 20.0]), np.array([0.0, 30.0])
    h, k = leg_angles(sh, hip, knee, ankle)
    assert h == pytest.approx(0.0) and k == pytest.approx(180.0)  # stretched out
    h, k = leg_angles(sh, hip, np.array([10.0, 10.0]), np.array([10.0, 20.0]))
    assert h == pytest.approx(90.0) and k == pytest.approx(90.0)  # thigh out sideways, knee bent
    h, _ = leg_angles(sh, hip, np.array([5.0, 10.0 + 5.0 * np.sqrt(3)]), ankle)
    assert h == pytest.approx(30.0)


# --- relative to the body -------------------------------------------------------------------
def _camera(kp: np.ndarray, t: np.ndarray, speed_px_s: float, turn_deg_s: float) -> np.ndarray:
    """``kp`` as a camera sees them that slides right at ``speed_px_s`` and turns about
    (320, 240) at ``turn_deg_s``."""
    a = np.radians(turn_deg_s * t)[:, None]
    c, s = np.cos(a), np.sin(a)
    x, y = kp[..., 0] - 320, kp[..., 1] - 240
    return np.stack([c * x - s * y + 320 + speed_px_s * t[:, None], s * x + c * y + 240], -1)


def test_pelvis_frame_takes_a_moving_camera_out_of_the_leg_speed():
    """A still body filmed by a camera sliding 60 px/s and turning 3 deg/s: in the image the
    ankle moves at 60 px/s and more; relative to the pelvis it does not move at all."""
    fps = 15.0
    n = int(20 * fps)
    t = np.arange(n) / fps
    track = _track(_camera(_still_body(n), t, 60.0, 3.0), fps)
    settings = Settings(hip_offset_t=0.0)
    grid = signal_grid(track.t_s, fps)
    bl = body_length_px(track, 0.5)
    hips = hips_corrected(track, settings)
    pelvis = pelvis_frame(track, hips, grid, fps, bl, settings)
    keep = np.ones(n, dtype=bool)
    inner = (grid > 2) & (grid < 18)  # away from the filter's edges
    _, image = leg_kinematics(track, "left", keep, grid, fps, bl, settings)
    _, body = leg_kinematics(track, "left", keep, grid, fps, bl, settings, pelvis=pelvis)
    assert np.median(image[inner]) > 60.0 / bl  # the slide alone is 60 px/s
    assert np.max(body[inner]) < 1e-4  # float32 keypoints: rounding only
    moving = picture_moving(pelvis, fps, settings)
    # the pelvis slides at 60 px/s = 60/bl body lengths/s (bl: chain 60 + 60 + 60 = 180 px)
    assert bl == pytest.approx(180.0)
    assert moving[inner].all()  # 0.33 + turn > moving_picture_bl_s 0.3
    _, chosen = leg_kinematics(
        track, "left", keep, grid, fps, bl, settings, pelvis=pelvis, moving=moving
    )
    np.testing.assert_allclose(chosen[inner], body[inner])


def test_picture_is_still_for_a_slow_drift_and_frames_of_carries_the_mask():
    fps = 15.0
    n = int(20 * fps)
    t = np.arange(n) / fps
    track = _track(_camera(_still_body(n), t, 18.0, 0.0), fps)  # 0.1 bl/s
    grid = signal_grid(track.t_s, fps)
    pelvis = pelvis_frame(track, hips_corrected(track, Settings()), grid, fps, 180.0, Settings())
    assert not picture_moving(pelvis, fps, Settings()).any()
    mask = np.zeros(len(grid), dtype=bool)
    mask[30:60] = True  # grid 2.0 .. 3.93 s
    frames = frames_of(mask, grid, track.t_s)
    np.testing.assert_array_equal(frames, (track.t_s >= 2.0 - 1e-9) & (track.t_s < 4.0 - 1e-9))


def test_despike_removes_one_frame_excursions_only_within_runs():
    t = np.arange(12) / 25.0
    x = np.zeros(12)
    x[5] = 1.0  # one frame out and back: a glitch
    x[8:10] = 2.0  # two frames: kept (a real flick lasts more than a frame)
    np.testing.assert_array_equal(_despike(x, t, 25.0), np.r_[np.zeros(8), 2.0, 2.0, 0, 0])
    step = np.r_[np.zeros(6), np.ones(6)]
    np.testing.assert_array_equal(_despike(step, t, 25.0), step)  # an onset stays put
    # a pose refresh 0.4 s after the last frame is not a neighbour: kept as it is
    t2 = np.r_[np.arange(4) / 25.0, 0.52]
    np.testing.assert_array_equal(_despike(np.r_[0, 0, 0, 0, 5.0], t2, 25.0), [0, 0, 0, 0, 5])


# --- the still-infant prior -------------------------------------------------------------------
def test_all_movement_takes_the_prior_and_a_quiet_stretch_its_own_rest():
    s = Settings()
    fs = 15.0
    rng = np.random.default_rng(0)
    busy = 0.6 + 0.2 * rng.standard_normal(int(20 * fs)) ** 2  # never still: median > 0.6
    rest = pose_rest(busy, np.zeros(busy.size, dtype=bool), fs, s)
    assert rest.prior
    # onset = 0.1 + onset_k 6 x 0.1 = 0.7; offset = 0.1 + offset_k 4 x 0.1 = 0.5
    assert (rest.base, rest.on, rest.off) == pytest.approx((0.1, 0.7, 0.5))
    quiet = np.r_[np.full(int(30 * fs), 0.02), busy]
    own = pose_rest(quiet, np.zeros(quiet.size, dtype=bool), fs, s)
    assert not own.prior and own.base == pytest.approx(0.02)
    assert own.on == pytest.approx(s.min_onset_bl_s)  # noise 0: the floor


def test_moving_picture_learns_its_own_rest_never_below_the_still_one():
    s = Settings()
    fs = 15.0
    n = int(60 * fs)
    x = np.full(n, 0.01)
    moving = np.zeros(n, dtype=bool)
    moving[: n // 2] = True
    x[moving] = 0.2 + 0.05 * np.sin(np.arange(moving.sum()))  # noisier while it moves
    rest = pose_rest(x, moving, fs, s)
    base_m = np.median(x[moving])
    noise_m = 1.4826 * np.median(np.abs(x[moving] - base_m))
    assert rest.on == pytest.approx(s.min_onset_bl_s)
    assert rest.moving_on == pytest.approx(base_m + s.onset_k * noise_m, rel=0.05)
    assert rest.moving_on > rest.on
    base, on, _ = rest.arrays(moving)
    assert on[0] == rest.moving_on and on[-1] == rest.on and base[-1] == rest.base


def test_a_short_clip_of_kicking_finds_its_movements():
    """A 20-s clip that kicks all the time (LMs 3 s long, 0.6 s apart): its own quietest
    stretches are movement, so the prior gives the thresholds and each kick is found."""
    plan = [Planned(0.3 + 3.6 * k, 3.0, "left", amplitude_bl=0.3) for k in range(5)]
    track, truth = simulate_track(plan, 20.0, 15.0, seed=3)
    act = activity_compute(track, Settings())
    assert any("still infants" in note for note in act.notes)
    assert act.thresholds["left_onset_bl_s"] == pytest.approx(0.7)
    from pipeline.compare import compare_events
    from pipeline.scoring.night import night_score

    result = night_score(track)
    c = compare_events(truth, result.events, ("lm",), tolerance_s=1.0)
    assert (c.tp, c.fn) == (5, 0)
    assert result.summary["recording"] == "clip"
    # with main's thresholds (from the clip's own movement) the clip was blind: no prior
    blind = dataclasses.replace(Settings(), still_max_bl_s=10.0)
    assert activity_compute(track, blind).thresholds["left_onset_bl_s"] > 1.0


# --- a moving camera: the background's flow ------------------------------------------------
def test_the_camera_moves_where_the_background_flows():
    """The still body (body length 60 + 60 + 60 = 180 px) filmed at 15 fps; the background
    flows 5 px/frame from 10 to 20 s (5 x 15 / 180 = 0.42 body lengths/s, over
    min_onset_bl_s 0.15) and 0.5 px/frame (0.04) from 30 to 40 s. The centred 2-s median
    is over the threshold from 10 to 20 s (half its window moving), widened by half the
    window (1 s) each side: 9-21 s, give or take a sample; the slow flow is no camera move.
    Without the channels: None (a tracks file written before them)."""
    from detector.track import CHANNEL_NAMES
    from pipeline.scoring.kinematics import camera_moving

    fps, n = 15.0, 750
    track = _track(_still_body(n), fps)
    ch = np.zeros((n, len(CHANNEL_NAMES)))
    t = track.t_s
    ch[(t >= 10) & (t < 20), CHANNEL_NAMES.index("flow_bg_dx")] = 5.0
    ch[(t >= 30) & (t < 40), CHANNEL_NAMES.index("flow_bg_dy")] = 0.5
    track = dataclasses.replace(track, channels=ch, channel_names=CHANNEL_NAMES)
    grid = signal_grid(track.t_s, fps)
    s = Settings()
    assert body_length_px(track, s.min_visibility) == pytest.approx(180.0)
    cam = camera_moving(track, grid, fps, 180.0, s)
    assert cam is not None
    assert cam[(grid >= 9 + 2 / fps) & (grid < 21 - 2 / fps)].all()
    assert not cam[(grid < 9 - 2 / fps) | (grid >= 21 + 2 / fps)].any()
    no_channels = _track(_still_body(n), fps)
    assert camera_moving(no_channels, grid, fps, 180.0, s) is None
