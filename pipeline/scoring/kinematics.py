"""Leg kinematics from keypoints: the body-length unit, a leg's extension and joint speed,
and the onset/offset thresholds of an activity signal.

What :mod:`pipeline.scoring.quality` checks and :mod:`pipeline.scoring.activity` detects
movements on. Distances are in body lengths (:func:`body_length_px`), speeds in body
lengths/s, on the uniform analysis grid.
"""

from __future__ import annotations

import numpy as np

from detector.track import NightTrack
from pipeline.scoring.signal import (
    signal_fill_gaps,
    signal_interp_weighted,
    signal_local_change,
    signal_lowpass,
    signal_resample,
    signal_runs,
)
from pipeline.settings import Settings

__all__ = ["body_length_px", "leg_kinematics", "level_thresholds"]


def _norm(v: np.ndarray) -> np.ndarray:
    return np.linalg.norm(v, axis=-1)


def body_length_px(track: NightTrack, min_visibility: float) -> float:
    """Median shoulder-mid → hip-mid → knee → ankle chain length in pixels (the body length unit).

    Falls back to a fifth of the frame diagonal when no visible pose exists.
    """

    def mid(a: str, b: str) -> np.ndarray:
        return (track.kp(a) + track.kp(b)) / 2

    ok = np.ones(track.n_frames, dtype=bool)
    for name in track.keypoint_names:
        if name != "nose":
            ok &= track.vis(name) >= min_visibility
    if ok.sum() >= 3:
        sh, hip = mid("left_shoulder", "right_shoulder"), mid("left_hip", "right_hip")
        knee, ank = mid("left_knee", "right_knee"), mid("left_ankle", "right_ankle")
        chain = _norm(sh - hip) + _norm(hip - knee) + _norm(knee - ank)
        val = float(np.nanmedian(chain[ok]))
        if np.isfinite(val) and val > 0:
            return val
    w, h = track.frame_size
    return float(np.hypot(w, h) / 5)


def level_thresholds(
    base: float, noise: float, floor: float, settings: Settings
) -> tuple[float, float]:
    """Onset and offset thresholds of an activity signal: rest + k·noise (``onset_k``,
    ``offset_k``), the onset at least ``floor``.

    When the floor lifts the onset, the offset is lifted in the same proportion above rest.
    """
    on = base + settings.onset_k * noise
    off = base + settings.offset_k * noise
    if on < floor or noise <= 0:
        on = max(floor, base + 1e-9)
        off = base + (on - base) * settings.offset_k / settings.onset_k
    return on, off


def leg_kinematics(
    track: NightTrack,
    leg: str,
    keep: np.ndarray,
    grid: np.ndarray,
    fs: float,
    bl: float,
    settings: Settings,
) -> tuple[np.ndarray, np.ndarray]:
    """One leg's hip-to-ankle distance (M,) in body lengths and its knee/ankle speed (M,) in
    body lengths/s on the analysis ``grid``, from its hip/knee/ankle positions in the frames
    in ``keep`` (short gaps interpolated, low-passed) — the keypoint signal movement
    detection uses (:mod:`pipeline.scoring.activity`). The speed is NaN only where both joints are
    unknown.

    Each coordinate is resampled and filtered on its own, so only a few (M,) arrays exist
    at a time rather than the leg's (M, 3, 2) positions.
    """
    gap = max(settings.gap_fill_max_s, 1.5 / fs)
    # frames the gated pose step skipped carry no new information: interpolate over them
    ran = track.pose_ran
    kp_gap = max(gap, settings.pose_interp_max_s) if not ran.all() else gap
    t_ran = track.t_s[ran]
    drop = ~keep[ran]
    # ... but not over a longer stretch where the pose is missing or not to be believed
    blank = [
        np.searchsorted(grid, (track.t_s[a], track.t_s[b - 1]))
        for a, b in signal_runs(~keep)
        if track.t_s[b - 1] - track.t_s[a] >= settings.gap_fill_max_s
    ]

    # the gate skips a frame when its leg region did not change, so the step between two
    # poses around skipped frames happened where the leg region's image changed: put it
    # there (signal_interp_weighted), not evenly over the skipped frames, which would draw a
    # 0.2-s twitch after a pose taken 0.5 s before it out into a 0.7-s "movement"
    moved = None
    if not ran.all():
        moved = signal_local_change(
            track.motion_of(f"{leg}_leg"),
            track.motion_of("whole"),
            float(track.fps),
            settings.agree_motion_k,
            settings.agree_motion_floor,
        )

    def coord(joint: str, c: int) -> np.ndarray:
        x = track.kp(f"{leg}_{joint}")[ran, c].astype(np.float64)
        x[drop] = np.nan
        x /= bl
        if moved is not None:
            full = np.full(track.n_frames, np.nan)
            full[ran] = x
            full = signal_interp_weighted(track.t_s, full, moved, kp_gap)
            g = signal_resample(track.t_s, full, grid, gap)
        else:
            g = signal_resample(t_ran, x, grid, kp_gap)
        for i0, i1 in blank:
            g[i0 : i1 + 1] = np.nan
        g = signal_fill_gaps(g, fs, settings.gap_fill_max_s)
        return signal_lowpass(g, fs, settings.lowpass_hz)

    def speed(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        vx, vy = np.gradient(x, 1.0 / fs), np.gradient(y, 1.0 / fs)
        return np.sqrt(vx * vx + vy * vy)

    hip_x, hip_y = coord("hip", 0), coord("hip", 1)
    knee_speed = speed(coord("knee", 0), coord("knee", 1))
    ank_x, ank_y = coord("ankle", 0), coord("ankle", 1)
    ank_speed = speed(ank_x, ank_y)
    dx, dy = ank_x - hip_x, ank_y - hip_y
    extension = np.sqrt(dx * dx + dy * dy)
    return extension, np.fmax(knee_speed, ank_speed)  # NaN only where both are unknown
