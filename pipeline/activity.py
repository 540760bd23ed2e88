"""Per-leg activity on a uniform time grid, from keypoints where trusted and motion elsewhere.

The result is expressed in *threshold units*: 1.0 is the noise-adaptive onset
threshold of that leg's signal, so keypoint speed (body lengths/s) and leg-region
motion energy can be joined into one activity trace per leg, with each sample
remembering which source it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d

from detector.track import NightTrack
from pipeline.settings import Settings
from pipeline.signal import (
    samples,
    signal_fill_gaps,
    signal_grid,
    signal_lowpass,
    signal_noise,
    signal_resample,
)

__all__ = ["LEGS", "LegActivity", "activity_compute", "body_length_px"]

LEGS: tuple[str, str] = ("left", "right")


@dataclass(frozen=True, eq=False)
class LegActivity:
    """Activity of both legs on a uniform grid (arrays of shape (2, M), legs in ``LEGS`` order)."""

    t_s: np.ndarray  # (M,)
    fs_hz: float
    level: np.ndarray  # activity above rest in threshold units (onset = 1, rest = 0)
    offset_level: np.ndarray  # offset threshold in the same units, per sample (< 1)
    from_pose: np.ndarray  # bool: sample came from trusted keypoints
    extension_bl: np.ndarray  # hip-to-ankle distance in body lengths (NaN where untrusted)
    speed_bl_s: np.ndarray  # knee/ankle speed in body lengths/s (NaN where untrusted)
    motion: np.ndarray  # leg-region motion energy
    whole_motion: np.ndarray  # (M,) whole-frame motion energy
    body_length_px: float
    thresholds: dict[str, float]


def body_length_px(track: NightTrack, min_visibility: float) -> float:
    """Median shoulder-mid → hip-mid → knee → ankle chain length in pixels (the body length unit).

    Falls back to a fifth of the frame diagonal when no trusted pose exists.
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
        chain = (
            np.linalg.norm(sh - hip, axis=1)
            + np.linalg.norm(hip - knee, axis=1)
            + np.linalg.norm(knee - ank, axis=1)
        )
        val = float(np.nanmedian(chain[ok]))
        if np.isfinite(val) and val > 0:
            return val
    w, h = track.frame_size
    return float(np.hypot(w, h) / 5)


def _thresholds(base: float, noise: float, floor: float, settings: Settings) -> tuple[float, float]:
    """Onset and offset thresholds: rest + k·noise, the onset at least ``floor`` above 0.

    When the floor lifts the onset, the offset is lifted in the same proportion above rest.
    """
    on = base + settings.onset_k * noise
    off = base + settings.offset_k * noise
    if on < floor or noise <= 0:
        on = max(floor, base + 1e-9)
        off = base + (on - base) * settings.offset_k / settings.onset_k
    return on, off


def activity_compute(
    track: NightTrack, settings: Settings, trusted: np.ndarray | None = None
) -> LegActivity:
    """Per-leg activity of ``track`` on a uniform grid at the track's median frame rate.

    ``trusted`` (N, 2) optionally marks, per frame and leg, where keypoints may be
    used (e.g. from pose-quality scoring); by default visibility decides.
    """
    if track.n_frames < 2:
        raise ValueError("a track needs at least two frames to compute activity")
    fs = float(np.clip(round(track.fps), 8, 60))
    grid = signal_grid(track.t_s, fs)
    bl = body_length_px(track, settings.min_visibility)
    gap = max(settings.gap_fill_max_s, 1.5 / fs)

    level = np.zeros((2, len(grid)))
    offset_level = np.zeros((2, len(grid)))
    from_pose = np.zeros((2, len(grid)), dtype=bool)
    extension = np.full((2, len(grid)), np.nan)
    speed_out = np.full((2, len(grid)), np.nan)
    motion_out = np.zeros((2, len(grid)))
    thresholds: dict[str, float] = {}
    whole = signal_resample(track.t_s, track.motion_of("whole"), grid, gap)
    whole = np.nan_to_num(whole, nan=0.0)

    for li, leg in enumerate(LEGS):
        names = [f"{leg}_hip", f"{leg}_knee", f"{leg}_ankle"]
        kp = np.stack([track.kp(n) for n in names], axis=1).astype(np.float64)  # (N,3,2)
        vis_ok = (
            np.stack([track.vis(n) for n in names], axis=1).min(axis=1) >= settings.min_visibility
        )
        ok = vis_ok if trusted is None else (vis_ok & np.asarray(trusted)[:, li])
        kp[~ok] = np.nan
        # frames the gated pose step skipped carry no new information: interpolate over them
        ran = track.pose_ran
        kp_gap = max(gap, settings.pose_interp_max_s) if not ran.all() else gap
        kp_g = signal_resample(track.t_s[ran], kp[ran] / bl, grid, kp_gap)  # (M,3,2) in bl
        for j in range(3):
            for c in range(2):
                col = signal_fill_gaps(kp_g[:, j, c], fs, settings.gap_fill_max_s)
                kp_g[:, j, c] = signal_lowpass(col, fs, settings.lowpass_hz)
        vel = np.gradient(kp_g, 1.0 / fs, axis=0)
        spd = np.linalg.norm(vel, axis=2)  # (M,3)
        speed = np.fmax(spd[:, 1], spd[:, 2])  # NaN only where both are unknown
        good = np.isfinite(speed)
        ext = np.linalg.norm(kp_g[:, 2] - kp_g[:, 0], axis=1)

        mot = signal_resample(track.t_s, track.motion_of(f"{leg}_leg"), grid, gap)
        mot = signal_lowpass(np.nan_to_num(mot, nan=0.0), fs, settings.lowpass_hz)

        base, noise = signal_noise(speed[good], fs) if good.any() else (0.0, 0.0)
        on_pose, off_pose = _thresholds(base, noise, settings.min_onset_bl_s, settings)
        mbase, mnoise = signal_noise(mot, fs)
        on_mot, off_mot = _thresholds(mbase, mnoise, settings.min_onset_motion, settings)
        thresholds[f"{leg}_onset_bl_s"] = on_pose
        thresholds[f"{leg}_offset_bl_s"] = off_pose
        thresholds[f"{leg}_onset_motion"] = on_mot
        thresholds[f"{leg}_offset_motion"] = off_mot

        lvl_pose = (np.nan_to_num(speed) - base) / (on_pose - base)
        lvl_mot = (mot - mbase) / (on_mot - mbase)
        # keypoints that move where no pixels changed near the leg are not believed:
        # pose evidence counts only within confirm_s of leg-region motion above its offset
        seen = maximum_filter1d(mot >= off_mot, size=2 * samples(settings.confirm_s, fs) + 1)
        good = good & (seen | (lvl_pose < 1.0))
        level[li] = np.where(good, lvl_pose, lvl_mot)
        offset_level[li] = np.where(
            good, (off_pose - base) / (on_pose - base), (off_mot - mbase) / (on_mot - mbase)
        )
        from_pose[li] = good
        extension[li] = np.where(good, ext, np.nan)
        speed_out[li] = np.where(good, speed, np.nan)
        motion_out[li] = mot
    return LegActivity(
        t_s=grid,
        fs_hz=fs,
        level=level,
        offset_level=offset_level,
        from_pose=from_pose,
        extension_bl=extension,
        speed_bl_s=speed_out,
        motion=motion_out,
        whole_motion=whole,
        body_length_px=bl,
        thresholds=thresholds,
    )
