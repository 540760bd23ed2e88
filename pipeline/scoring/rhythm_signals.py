"""The leg signals rhythm is found in: body-relative leg kinematics and directional flow.

Rhythm is sought in what a leg does relative to the body, not in image-space speed, so
the whole body shifting or turning neither hides nor mimics a leg's rhythm:

- from trusted keypoints, per leg: the hip-to-ankle distance (body lengths; flexing the
  leg shortens it) and the knee's flexion angle times the leg's median shank length (so
  it is in body lengths too): two channels that change together with every kick;
- where keypoints are not trusted (a blanket, darkness, an odd posture), the leg region's
  optical flow along the body axis (body lengths per second), relative to the background
  (:class:`detector.motion.FlowMeter` took the camera's motion out). The body axis is the
  line from the hips to the shoulders where the torso keypoints are known (held over
  gaps; the night's median elsewhere); without any, each analysis window takes the main
  direction both legs' flow shares (:func:`flow_axis`). Flow gives a velocity, not a
  position: frequency and the phase between the legs are the same.

Tracks written before the flow channels existed have no flow: there rhythm is found from
keypoints only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detector.track import NightTrack
from pipeline.scoring.activity import LEGS, LegActivity
from pipeline.scoring.signal import signal_lowpass, signal_resample
from pipeline.settings import Settings

__all__ = ["FLOW", "POSE", "RhythmSignals", "channels", "flow_axis", "rhythm_signals"]

#: the sources a bout is found in: trusted keypoints, or the leg regions' optical flow
POSE, FLOW = 1, 2


@dataclass(frozen=True, eq=False)
class RhythmSignals:
    """Leg signals on the activity grid (legs in ``LEGS`` order).

    ``pose`` (2, 2, M): hip-to-ankle distance and knee flexion x shank length, body lengths,
    NaN where the leg's keypoints are not trusted. ``flow`` (2, 2, M): the leg region's
    flow (x, y) in body lengths per second, NaN where unknown; None when the track has no
    flow channels. ``axis`` (M, 2): unit vector from the hips towards the shoulders in the
    image (NaN where not known). ``moving`` (2, M): the leg is inside one of its movements.
    """

    t_s: np.ndarray
    fs_hz: float
    pose: np.ndarray
    flow: np.ndarray | None
    axis: np.ndarray
    moving: np.ndarray


def _coord(track: NightTrack, name: str, c: int, keep: np.ndarray, grid: np.ndarray, gap: float):  # type: ignore[no-untyped-def]
    x = track.kp(name)[:, c].astype(np.float64)
    x[~keep] = np.nan
    return signal_resample(track.t_s[keep], x[keep], grid, gap)


def _knee_flexion(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Knee flexion (radians, 0 = straight) from (M, 2) joint positions."""
    a, b = hip - knee, ankle - knee
    cos = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return np.pi - np.arccos(np.clip(cos, -1.0, 1.0))


def rhythm_signals(
    track: NightTrack, act: LegActivity, moving: np.ndarray, settings: Settings
) -> RhythmSignals:
    """The leg signals of ``track`` on the grid of ``act``; ``moving`` (2, M) marks the
    samples inside each leg's movements (:func:`pipeline.scoring.movements.movements_detect`)."""
    grid, fs = act.t_s, act.fs_hz
    m = len(grid)
    # keypoints count where the pose model ran, or where it did not and the leg region did
    # not change either (the pose carried over is then right): a pose carried across frames
    # where the leg region changed (the detector's gate lets pose run once a second or so
    # where motion stays below its adaptive level) says nothing of a kick in between
    # keypoint gaps are bridged as the activity signal bridges them (gap_fill_max_s): a
    # 0.3-s dropout inside a bout otherwise leaves every window across it without a signal
    gap = max(settings.gap_fill_max_s, 2.5 / max(float(track.fps), 1e-6))
    flow_gap = max(settings.gap_fill_max_s, 1.5 / fs)
    body = max(act.body_length_px, 1e-6)
    ran = track.pose_ran
    pose = np.full((2, 2, m), np.nan)
    for li, leg in enumerate(LEGS):
        names = (f"{leg}_hip", f"{leg}_knee", f"{leg}_ankle")
        still = np.nan_to_num(track.motion_of(f"{leg}_leg")) <= settings.agree_motion_floor
        keep = ran | still
        for nm in names:
            keep &= np.isfinite(track.kp(nm)).all(axis=1) & (
                track.vis(nm) >= settings.min_visibility
            )
        if keep.sum() < 2:
            continue
        joints = []
        for nm in names:
            xy = np.stack([_coord(track, nm, c, keep, grid, gap) for c in (0, 1)], axis=1) / body
            xy = np.stack(
                [signal_lowpass(xy[:, c], fs, settings.lowpass_hz) for c in (0, 1)], axis=1
            )
            joints.append(xy)
        hip, knee, ankle = joints
        shank = float(np.nanmedian(np.linalg.norm(ankle - knee, axis=1)))
        trusted = act.from_pose[li]
        ext = np.linalg.norm(ankle - hip, axis=1)
        flex = _knee_flexion(hip, knee, ankle) * (shank if np.isfinite(shank) else 0.0)
        pose[li, 0] = np.where(trusted, ext, np.nan)
        pose[li, 1] = np.where(trusted, flex, np.nan)
    axis = _body_axis(track, grid, settings)
    flow = None
    chans = [track.channel(f"flow_{leg}_{d}") for leg in LEGS for d in ("dx", "dy")]
    if all(c is not None for c in chans):
        flow = np.full((2, 2, m), np.nan)
        per_s = float(track.fps) / body  # px per frame -> body lengths per second
        for k, ch in enumerate(chans):
            assert ch is not None  # for the type checker: checked just above
            x = signal_resample(track.t_s, ch.astype(np.float64) * per_s, grid, flow_gap)
            flow[k // 2, k % 2] = signal_lowpass(x, fs, settings.lowpass_hz)
    return RhythmSignals(grid, fs, pose, flow, axis, np.asarray(moving, dtype=bool))


def _body_axis(track: NightTrack, grid: np.ndarray, settings: Settings) -> np.ndarray:
    """(M, 2) unit vectors from the hip midpoint towards the shoulder midpoint, each grid
    point taking the nearest frame's where the torso keypoints are known; NaN without any
    torso pose."""
    names = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    ok = np.ones(track.n_frames, dtype=bool)
    for nm in names:
        ok &= np.isfinite(track.kp(nm)).all(axis=1) & (track.vis(nm) >= settings.min_visibility)
    out = np.full((len(grid), 2), np.nan)
    if ok.sum() < 2:
        return out
    sh = (track.kp("left_shoulder") + track.kp("right_shoulder"))[ok] / 2
    hp = (track.kp("left_hip") + track.kp("right_hip"))[ok] / 2
    v = (sh - hp).astype(np.float64)
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
    t = track.t_s[ok]
    # nearest known direction on each grid point (held over gaps)
    idx = np.clip(np.searchsorted(t, grid), 0, len(t) - 1)
    prev = np.clip(idx - 1, 0, len(t) - 1)
    pick = np.where(np.abs(t[prev] - grid) < np.abs(t[idx] - grid), prev, idx)
    out = v[pick]
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
    return out


def flow_axis(flow_xy: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """The direction (2,) a window's leg flow is read along: the body axis (median of
    ``axis`` (L, 2) over the window) where known, else the main direction of both legs'
    flow (``flow_xy`` (2, 2, L)): the principal axis of their pooled 2-D velocities (a
    common axis, so the phase between the legs keeps its meaning)."""
    a = axis[np.isfinite(axis).all(axis=1)]
    if len(a):
        d = np.median(a, axis=0)
        n = float(np.linalg.norm(d))
        if n > 1e-6:
            return d / n
    v = np.concatenate([flow_xy[0].T, flow_xy[1].T])
    v = v[np.isfinite(v).all(axis=1)]
    if len(v) < 2:
        return np.array([0.0, 1.0])
    w, vec = np.linalg.eigh(v.T @ v)
    return vec[:, int(np.argmax(w))]


def channels(
    sig: RhythmSignals, source: int, legs: list[int], a: int, b: int, axis: np.ndarray
) -> np.ndarray:
    """(legs, channels, b - a): the signals of ``legs`` over [a, b) from ``source``: the keypoint
    channels (:data:`POSE`), or (:data:`FLOW`) each leg's displacement along ``axis`` (2,),
    its flow velocity integrated over [a, b) alone."""
    if source == POSE:
        return np.stack([sig.pose[li, :, a:b] for li in legs])
    flow = sig.flow if sig.flow is not None else np.full((2, 2, len(sig.t_s)), np.nan)
    # the leg's displacement along the axis over [a, b) (its velocity integrated)
    return np.stack(
        [np.cumsum((flow[li, :, a:b] * axis[:, None]).sum(axis=0))[None] / sig.fs_hz for li in legs]
    )
