"""Pose-quality scoring on constructed tracks: clean ones trusted, broken ones flagged."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from detector.track import KEYPOINT_NAMES, NightTrack
from pipeline.scoring.night import night_score
from pipeline.scoring.quality import (
    QUALITY_FACTORS,
    SPAN_COLUMNS,
    PoseQuality,
    quality_score,
    quality_summary,
)
from pipeline.scoring.simulate import Planned, simulate_plan, simulate_track
from pipeline.settings import Settings

IDX = {n: i for i, n in enumerate(KEYPOINT_NAMES)}
LEG_JOINTS = ("hip", "knee", "ankle")
BODY_PX = 160.0  # simulate_track's default body length
OFF = Settings(pose_quality_min=0.0)


def _track(fps: float = 15.0, plan: list[Planned] | None = None, dur: float = 120.0, seed=0):
    track, _ = simulate_track(plan or [], dur, fps, seed=seed)
    return track


def _with_keypoints(track: NightTrack, kp: np.ndarray) -> NightTrack:
    return dataclasses.replace(track, keypoints_px=kp)


def _frames(track: NightTrack, a_s: float, b_s: float) -> np.ndarray:
    return (track.t_s >= a_s) & (track.t_s < b_s)


def _untrusted_share(q: PoseQuality, sel: np.ndarray, leg: int) -> float:
    return float((~q.trusted[sel, leg]).mean())


def _reasons(q: PoseQuality, sel: np.ndarray, leg: int) -> set[str]:
    r = q.reason[sel, leg]
    return {QUALITY_FACTORS[i] for i in r[r >= 0]}


# --- clean tracks -------------------------------------------------------------------------------
@pytest.mark.parametrize("fps", [15, 25, 30])
def test_clean_track_is_trusted(fps):
    """A simulated night (all planted movements, 1 px jitter) is trusted nearly throughout."""
    plan, dur = simulate_plan(1)
    track, _ = simulate_track(plan, dur, fps, seed=1)
    q = quality_score(track)
    cov = q.coverage()
    assert cov["detected"] == 1.0
    assert cov["left"] >= 0.99 and cov["right"] >= 0.99, cov
    assert q.spans.empty or q.spans["duration_s"].max() <= 1.5, q.spans
    assert list(q.spans.columns) == SPAN_COLUMNS
    assert q.score.shape == q.trusted.shape == (track.n_frames, 2)
    assert set(q.factors) == set(QUALITY_FACTORS)


def test_still_clean_track_has_no_untrusted_frames():
    q = quality_score(_track(dur=60.0))
    assert q.trusted.all()
    assert q.spans.empty
    assert (q.reason == -1).all()


# --- broken tracks ------------------------------------------------------------------------------
@pytest.mark.parametrize("fps", [15, 25, 30])
def test_teleporting_ankle_is_flagged_while_away(fps):
    """The left ankle jumps 0.6 body lengths sideways for 0.2 s and comes back."""
    track = _track(fps)
    kp = track.keypoints_px.copy()
    away = _frames(track, 40.0, 40.2)
    kp[away, IDX["left_ankle"], 0] += 0.6 * BODY_PX
    q = quality_score(_with_keypoints(track, kp))
    assert not q.trusted[away, 0].any()
    assert (q.factors["teleport"][away, 0] < 0.5).all()
    assert q.trusted[:, 1].all()  # the other leg stays trusted
    assert _untrusted_share(q, ~_frames(track, 39.0, 41.5), 0) == 0.0


def test_single_frame_spike_is_flagged():
    track = _track(15)
    kp = track.keypoints_px.copy()
    i = int(np.searchsorted(track.t_s, 50.0))
    kp[i, IDX["right_knee"]] += (0.0, 0.5 * BODY_PX)
    q = quality_score(_with_keypoints(track, kp))
    assert not q.trusted[i, 1]
    assert q.trusted[:, 0].all()


def test_swapped_left_and_right_are_flagged_on_both_legs():
    """Hips, knees and ankles swap sides for 10 s (the shoulders do not)."""
    track = _track(15)
    kp = track.keypoints_px.copy()
    span = _frames(track, 30.0, 40.0)
    for j in LEG_JOINTS:
        li, ri = IDX[f"left_{j}"], IDX[f"right_{j}"]
        kp[span, li], kp[span, ri] = track.keypoints_px[span, ri], track.keypoints_px[span, li]
    q = quality_score(_with_keypoints(track, kp))
    inner = _frames(track, 30.0, 40.0)
    for leg in (0, 1):
        assert _untrusted_share(q, inner, leg) == 1.0
        assert "left_right" in _reasons(q, inner, leg)
        assert _untrusted_share(q, ~_frames(track, 29.0, 41.0), leg) == 0.0


def test_collapsed_hip_knee_is_flagged():
    """For 5 s the left knee sits on the left hip (the classic wrong skeleton)."""
    track = _track(15)
    kp = track.keypoints_px.copy()
    span = _frames(track, 50.0, 55.0)
    kp[span, IDX["left_knee"]] = kp[span, IDX["left_hip"]] + (0.0, 0.03 * BODY_PX)
    q = quality_score(_with_keypoints(track, kp))
    assert _untrusted_share(q, span, 0) == 1.0
    assert "bones" in _reasons(q, span, 0)
    assert q.trusted[:, 1].all()
    assert _untrusted_share(q, ~_frames(track, 49.0, 56.0), 0) == 0.0


def test_shortened_bone_while_the_leg_moves_is_foreshortening_not_a_fault():
    """A shin seen end-on (the foot lifted towards the camera) during a movement is plausible;
    the same shin, collapsed while nothing near the leg changes, is not."""
    track = _track(15, [Planned(30.0, 3.0, "left")])
    kp = track.keypoints_px.copy()
    for a in (30.5, 60.0):  # during the movement, and in a still spell
        span = _frames(track, a, a + 2.0)
        kp[span, IDX["left_ankle"]] = kp[span, IDX["left_knee"]] + (0.0, 0.04 * BODY_PX)
    q = quality_score(_with_keypoints(track, kp))
    assert q.factors["bones"][_frames(track, 30.5, 32.5), 0].min() == 1.0
    assert q.factors["bones"][_frames(track, 60.0, 62.0), 0].max() < 0.5


def _gated(track: NightTrack, refresh_s: float = 1.0) -> NightTrack:
    """The track as the gated detector records it: pose runs where the leg regions change
    (or every ``refresh_s``); other frames carry the last pose forward."""
    near = track.motion[:, 1:].max(axis=1)
    ran = near > 3 * np.median(near)
    last = -np.inf
    for i, t in enumerate(track.t_s):
        if ran[i] or t - last >= refresh_s:
            ran[i], last = True, t
    idx = np.maximum.accumulate(np.where(ran, np.arange(track.n_frames), 0))
    return dataclasses.replace(
        track,
        keypoints_px=track.keypoints_px[idx],
        visibility=track.visibility[idx],
        pose_ran=ran,
    )


def test_untrusted_stretch_inside_a_movement_is_not_bridged_by_gating():
    """Under gating, keypoints are interpolated over skipped frames (up to
    ``pose_interp_max_s``); a distrusted stretch longer than ``gap_fill_max_s`` must not be
    bridged that way, or the movement inside it is lost."""
    track = _gated(_track(15, [Planned(30.0, 1.5, "left"), Planned(60.0, 1.5, "right")]))
    assert 0.05 < track.pose_ran.mean() < 0.5  # mostly skipped: the baby is still
    vis = track.visibility.copy()
    for a in (30.2, 60.2):  # the model loses the moving leg for 0.8 s
        vis[_frames(track, a, a + 0.8), IDX["left_knee" if a < 50 else "right_knee"]] = 0.2
    ev = night_score(dataclasses.replace(track, visibility=vis)).events
    lms = ev[ev["kind"] == "lm"]
    assert [round(x) for x in lms["start_s"]] == [30, 60]
    assert lms["side"].tolist() == ["left", "right"]


def test_torso_seen_edge_on_is_flagged():
    """Shoulders 0.1 torso lengths apart (side-lying or a wrong skeleton): both legs suspect."""
    track = _track(15)
    kp = track.keypoints_px.copy()
    span = _frames(track, 20.0, 30.0)
    mid = (kp[span, IDX["left_shoulder"]] + kp[span, IDX["right_shoulder"]]) / 2
    half = np.array([0.02 * BODY_PX, 0.0])  # torso 0.4 body lengths, so width 0.1 torso
    kp[span, IDX["left_shoulder"]] = mid + half
    kp[span, IDX["right_shoulder"]] = mid - half
    q = quality_score(_with_keypoints(track, kp))
    for leg in (0, 1):
        assert _untrusted_share(q, span, leg) == 1.0
        assert _reasons(q, span, leg) == {"view"}


def test_knee_far_above_hip_is_flagged():
    track = _track(15)
    kp = track.keypoints_px.copy()
    span = _frames(track, 20.0, 25.0)
    # torso points down the image (+y); put the right knee 0.6 torso lengths towards the head
    kp[span, IDX["right_knee"]] = kp[span, IDX["right_hip"]] - (0.0, 0.6 * 0.4 * BODY_PX)
    q = quality_score(_with_keypoints(track, kp))
    assert _untrusted_share(q, span, 1) == 1.0
    assert "geometry" in _reasons(q, span, 1) or "bones" in _reasons(q, span, 1)


def test_missing_pose_is_untrusted_with_reason_detected():
    track = _track(15)
    kp = track.keypoints_px.copy()
    span = _frames(track, 10.0, 20.0)
    kp[span, IDX["left_ankle"]] = np.nan
    q = quality_score(_with_keypoints(track, kp))
    assert _untrusted_share(q, span, 0) == 1.0
    assert _reasons(q, span, 0) == {"detected"}
    row = q.spans[q.spans["leg"] == "left"].iloc[0]
    assert row["reason"] == "detected"
    assert row["start_s"] == pytest.approx(10.0, abs=0.1)
    assert row["end_s"] == pytest.approx(20.0, abs=0.1)
    assert q.coverage()["left"] == pytest.approx(110 / 120, abs=0.01)
    assert q.coverage()["detected"] == 1.0  # the other leg is still there


def test_low_visibility_is_untrusted():
    track = _track(15)
    vis = track.visibility.copy()
    span = _frames(track, 60.0, 70.0)
    vis[span, IDX["right_knee"]] = 0.2
    q = quality_score(dataclasses.replace(track, visibility=vis))
    assert _untrusted_share(q, span, 1) == 1.0
    assert _reasons(q, span, 1) == {"visibility"}


# --- keypoint motion against image motion -------------------------------------------------------
def _lm_plan() -> list[Planned]:
    return [Planned(30.0, 3.0, "left"), Planned(70.0, 4.0, "bilateral")]


def test_keypoints_moving_without_image_motion_are_untrusted_and_no_phantom_lm():
    """A skeleton whose legs 'kick' while no pixel near them changes (motion of a still night)."""
    moving = _track(15, _lm_plan())
    still = _track(15)
    phantom = dataclasses.replace(moving, motion=still.motion)
    q = quality_score(phantom)
    for a, b, legs in ((30.0, 33.0, (0,)), (70.0, 74.0, (0, 1))):
        sel = _frames(phantom, a + 0.3, b - 0.3)
        for leg in legs:
            assert _untrusted_share(q, sel, leg) >= 0.75
            assert "agreement" in _reasons(q, sel, leg)
    # trusting every pose, the keypoints' "kicks" are still no movements: no pixel of the
    # leg regions changed (movements._trim_to_image_change)
    trusting = night_score(phantom, OFF).events
    assert (trusting["kind"] != "twitch").sum() == 0
    ev = night_score(phantom).events
    assert (ev["kind"] != "twitch").sum() == 0


def test_frozen_keypoints_under_image_motion_hand_over_to_motion():
    """The legs move (image motion) but the keypoints stay still, e.g. a blanket over the legs."""
    moving = _track(15, _lm_plan())
    still = _track(15)
    frozen = dataclasses.replace(moving, keypoints_px=still.keypoints_px)
    q = quality_score(frozen)
    sel = _frames(frozen, 30.5, 32.5)
    assert _untrusted_share(q, sel, 0) >= 0.9
    assert "agreement" in _reasons(q, sel, 0)
    ev = night_score(frozen).events
    lms = ev[ev["kind"] == "lm"]
    near = lms[(lms["start_s"] - 30.0).abs() <= 1.0]
    assert len(near) == 1 and near.iloc[0]["source"] == "motion"
    assert near.iloc[0]["side"] == "left"
    assert ((lms["start_s"] - 70.0).abs() <= 1.0).sum() == 1


def test_swapped_legs_during_a_movement_keep_the_side_from_motion():
    """Legs swapped for the whole of a left LM: trusted pose would call it right; motion keeps
    the right side (each leg region is measured around the real leg)."""
    track = _track(15, [Planned(30.0, 3.0, "left")])
    kp = track.keypoints_px.copy()
    span = _frames(track, 25.0, 40.0)
    for j in LEG_JOINTS:
        li, ri = IDX[f"left_{j}"], IDX[f"right_{j}"]
        kp[span, li], kp[span, ri] = track.keypoints_px[span, ri], track.keypoints_px[span, li]
    swapped = _with_keypoints(track, kp)
    ev_off = night_score(swapped, OFF).events
    ev_on = night_score(swapped).events
    lm_off = ev_off[ev_off["kind"] == "lm"]
    lm_on = ev_on[ev_on["kind"] == "lm"]
    # trusting every pose the swapped keypoints move the right leg, but the right leg's
    # region did not change: no movement is believed on the wrong side
    assert lm_off["side"].tolist() == []
    assert lm_on["side"].tolist() == ["left"]
    assert lm_on["source"].tolist() == ["motion"]
    assert lm_on.iloc[0]["start_s"] == pytest.approx(30.0, abs=0.5)


# --- switches, summary, settings ----------------------------------------------------------------
def test_quality_min_zero_trusts_every_detected_pose():
    track = _track(15)
    kp = track.keypoints_px.copy()
    kp[_frames(track, 50.0, 55.0), IDX["left_knee"]] = kp[
        _frames(track, 50.0, 55.0), IDX["left_hip"]
    ]
    kp[_frames(track, 80.0, 81.0), IDX["right_ankle"]] = np.nan
    q = quality_score(_with_keypoints(track, kp), OFF)
    assert q.trusted[:, 0].all()
    assert not q.trusted[_frames(track, 80.0, 81.0), 1].any()
    assert q.threshold == 0.0
    assert q.factors["bones"][_frames(track, 50.0, 55.0), 0].max() < 0.5  # still computed


def test_summary_reports_detection_and_trusted_coverage():
    track = _track(15)
    kp = track.keypoints_px.copy()
    kp[_frames(track, 50.0, 60.0), IDX["left_knee"]] = kp[
        _frames(track, 50.0, 60.0), IDX["left_hip"]
    ]
    s = night_score(_with_keypoints(track, kp)).summary
    assert s["pose_coverage"] == 1.0  # the raw detection rate stays as it was
    assert s["pose_detected_rate"] == 1.0
    assert s["trusted_pose_coverage_by_leg"]["right"] == 1.0
    # 10 s collapsed, plus up to confirm_s + filter ringing around each unsupported snap
    assert 108 / 120 <= s["trusted_pose_coverage_by_leg"]["left"] <= 110 / 120
    assert s["trusted_pose_coverage"] == s["trusted_pose_coverage_by_leg"]["left"]
    (span,) = s["pose_untrusted_spans"]
    assert span["leg"] == "left" and span["reason"] == "bones"
    assert 49.0 <= span["start_s"] <= 50.0 and 60.0 <= span["end_s"] <= 61.0
    assert s["settings"]["pose_quality_min"] == 0.5


def test_quality_summary_joins_close_spans_and_caps_the_list():
    track = _track(15)
    kp = track.keypoints_px.copy()
    lost = [(10.0, 12.0), (14.0, 15.3), (16.0, 17.6), (40.0, 41.5), (60.0, 61.5), (80.0, 80.4)]
    for a, b in lost:
        kp[_frames(track, a, b), IDX["left_ankle"]] = np.nan
    q = quality_score(_with_keypoints(track, kp))
    assert len(q.spans) == len(lost)
    s = quality_summary(q, max_spans=2)
    # 14-15.3 and 16-17.6 are 0.7 s apart: one span; 80-80.4 is too short to list
    got = [
        (sp["start_s"], sp["end_s"], sp["leg"], sp["reason"]) for sp in s["pose_untrusted_spans"]
    ]
    assert got == [(10.0, 12.0, "left", "detected"), (14.0, 17.6, "left", "detected")]
    assert s["pose_untrusted_spans_not_listed"] == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"pose_quality_min": 1.5},
        {"bone_short_ratio": 0.6},
        {"bone_long_ratio": 1.2},
        {"quality_view_min": 0.6},
        {"joint_speed_max_bl_s": 0.0},
    ],
)
def test_settings_reject_bad_quality_values(bad):
    with pytest.raises(ValueError):
        Settings(**bad)
