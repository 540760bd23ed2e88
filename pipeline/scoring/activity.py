"""Per-leg activity on a uniform time grid, from keypoints where trusted and motion elsewhere.

The result is expressed in *threshold units*: 1.0 is the noise-adaptive onset
threshold of that leg's signal, so keypoint speed (body lengths/s) and leg-region
motion energy can be joined into one activity trace per leg, with each sample
remembering which source it came from.

Where the camera moved the picture (:func:`~pipeline.scoring.kinematics.camera_moving`:
the background's optical flow) frame differencing sees the camera as much as a leg, even
with the camera's shift taken out by the detector: there each leg region's change is
measured against the moving picture's own (:func:`camera_change`), both for the motion
fallback and for the image-change test keypoint movements must pass
(``LegActivity.image_changed``), and the legs are measured in the pelvis frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d

from detector.track import NightTrack
from pipeline.scoring.kinematics import (
    body_length_px,
    camera_moving,
    frames_of,
    hips_corrected,
    leg_kinematics,
    level_thresholds,
    pelvis_frame,
    picture_moving,
    pose_rest,
)
from pipeline.scoring.quality import LEGS, PLAIN_VIEW_MARGIN, quality_score
from pipeline.scoring.signal import (
    samples,
    signal_grid,
    signal_local_change,
    signal_lowpass,
    signal_noise,
    signal_resample,
)
from pipeline.settings import Settings

__all__ = ["LEGS", "LegActivity", "activity_compute", "body_length_px", "camera_change"]

#: fewest seconds of a moving camera to learn what the moving picture changes from
_CAMERA_MIN_S = 5.0
#: the leg region's share of the picture's change is compared with its median over this
#: long a stretch of moving camera (a pan's start and a shake differ: a sub-pixel pan is
#: taken out of the frame difference less well than a shake of pixels)
_CAMERA_RATIO_WINDOW_S = 10.0
#: below this whole-frame change (motion energy) the camera's frames barely differ and the
#: leg region's share of it says nothing
_CAMERA_WHOLE_MIN = 0.001


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
    # bool (2, M): the leg out of the pose model's plain view (its hip, knee or ankle below
    # min_visibility + PLAIN_VIEW_MARGIN: covered, or too dark to be seen); None: not known
    unseen: np.ndarray | None = None
    # bool (M,): the body moving in the picture as a whole (kinematics.picture_moving)
    picture_moving: np.ndarray | None = None
    # bool (M,): the camera moved the whole picture (kinematics.camera_moving, else
    # picture_moving); None: not known
    camera_moving: np.ndarray | None = None
    # bool (2, M): the leg's region changed in the image the way a moving leg changes it
    # (signal_local_change where the camera is still, camera_change where it moves)
    image_changed: np.ndarray | None = None
    # bool (2,): the recording had a still moment to learn each leg's rest from (False: its
    # keypoint thresholds come from the still-infant prior, and the image's rest is unknown)
    quiet_reference: np.ndarray | None = None
    notes: tuple[str, ...] = ()  # what the summary should say about how it was measured


def camera_change(
    motion: np.ndarray, whole: np.ndarray, camera: np.ndarray, fs: float, settings: Settings
) -> np.ndarray:
    """(M,) how far a leg region's image change stands out of the moving picture's, in noise
    units, where ``camera`` (M,) marks the camera moving; 0 elsewhere.

    The detector takes the camera's shift out of the frame difference
    (:class:`detector.motion.MotionMeter`), but not all of it: the codec's noise on a moving
    picture, the camera's turn and zoom and sub-pixel interpolation leave the whole frame
    changing 50-80 times its still-camera rest, and a textured leg region about 1.3 times
    as much again, with or without a leg moving. So the leg's own change is its region's
    change beyond that share: ``motion - r * whole``, as a share of ``whole``, where ``r``
    is the region's median share over ``_CAMERA_RATIO_WINDOW_S`` of moving camera around
    each sample; averaged over ``lm_min_s`` (a leg movement lasts that long) and divided
    by its robust noise over all of the night's moving camera (1.4826 × MAD). On
    ``moving_camera``'s shake a planted leg movement lifts the leg region's share to
    1.5-1.7 against 1.3 ± 0.06 without one."""
    out = np.zeros(len(motion))
    use = camera & (whole >= _CAMERA_WHOLE_MIN)
    if use.sum() < samples(_CAMERA_MIN_S, fs):
        return out
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(use, motion / whole, np.nan)
    w = max(1, samples(_CAMERA_RATIO_WINDOW_S, fs))
    ratio = pd.Series(share).rolling(w, center=True, min_periods=1).median().to_numpy()
    excess = np.where(use, share - ratio, 0.0)
    n = max(1, samples(settings.lm_min_s, fs))
    weight = uniform_filter1d(use.astype(np.float64), n, mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = uniform_filter1d(np.nan_to_num(excess), n, mode="constant") / weight
    mean = np.where(camera & (weight > 0), np.nan_to_num(mean), 0.0)
    vals = mean[use]
    base = float(np.median(vals))
    noise = float(1.4826 * np.median(np.abs(vals - base)))
    if noise <= 0:
        return out
    return np.where(camera, (mean - base) / noise, 0.0)


def activity_compute(
    track: NightTrack, settings: Settings, trusted: np.ndarray | None = None
) -> LegActivity:
    """Per-leg activity of ``track`` on a uniform grid at the track's median frame rate.

    ``trusted`` (N, 2) marks, per frame and leg, where keypoints may be used; by default
    it comes from :func:`pipeline.scoring.quality.quality_score`. Keypoints must also reach
    ``min_visibility``. Elsewhere the leg's activity comes from leg-region motion.
    """
    if track.n_frames < 2:
        raise ValueError("a track needs at least two frames to compute activity")
    if trusted is None:
        trust = quality_score(track, settings).trusted
    else:
        trust = np.asarray(trusted, dtype=bool)
        if trust.shape != (track.n_frames, 2):
            raise ValueError(f"trusted must have shape ({track.n_frames}, 2), got {trust.shape}")
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
    unseen = np.zeros((2, len(grid)), dtype=bool)
    thresholds: dict[str, float] = {}
    whole = signal_resample(track.t_s, track.motion_of("whole"), grid, gap)
    whole = np.nan_to_num(whole, nan=0.0)
    # the night's body model places the hips; the legs are measured relative to the pelvis
    hips = hips_corrected(track, settings)
    pelvis = pelvis_frame(track, hips, grid, fs, bl, settings)
    moving = picture_moving(pelvis, fs, settings)
    # where the camera moved the picture, frame differencing sees it: there a leg region's
    # change is judged against the moving picture's own (camera_change); and the picture
    # moves as a whole there even while the body's image speed is below moving_picture_bl_s
    # (a camera starting to shake, a slow pan): the legs are measured in the pelvis frame
    camera = camera_moving(track, grid, fs, bl, settings)
    camera = moving.copy() if camera is None else camera
    if camera.sum() < samples(_CAMERA_MIN_S, fs):
        camera = np.zeros(len(grid), dtype=bool)
    moving |= camera
    glitchy = frames_of(moving, grid, track.t_s)  # frames whose one-frame glitches go
    kinematics = partial(leg_kinematics, pelvis=pelvis, hips=hips, despike=glitchy, moving=moving)
    changed = np.zeros((2, len(grid)), dtype=bool)
    notes: list[str] = []
    quiet = np.ones(len(LEGS), dtype=bool)

    # each leg's temporaries are freed as soon as they are used: the (2, M) outputs are
    # the only arrays of the night's length held for long
    for li, leg in enumerate(LEGS):
        names = [f"{leg}_hip", f"{leg}_knee", f"{leg}_ankle"]
        vis_min = np.nan_to_num(np.stack([track.vis(n) for n in names], axis=1).min(axis=1))
        vis_ok = vis_min >= settings.min_visibility
        ok = vis_ok & trust[:, li]
        ext, speed = kinematics(track, leg, ok, grid, fs, bl, settings)
        good = np.isfinite(speed)
        extension[li] = np.where(good, ext, np.nan)
        del ext
        # the keypoint signal's rest and noise are learned from every visible pose, so that
        # distrusting a quiet stretch does not move the thresholds of the trusted ones
        all_speed = (
            speed
            if (ok == vis_ok).all()
            else kinematics(track, leg, vis_ok, grid, fs, bl, settings)[1]
        )
        rest = pose_rest(all_speed, moving, fs, settings)
        del all_speed, ok, vis_ok

        mot = signal_resample(track.t_s, track.motion_of(f"{leg}_leg"), grid, gap)
        mot = signal_lowpass(np.nan_to_num(mot, nan=0.0), fs, settings.lowpass_hz)

        mbase, mnoise = signal_noise(mot[~camera] if camera.any() else mot, fs)
        on_mot, off_mot = level_thresholds(mbase, mnoise, settings.min_onset_motion, settings)
        change = signal_local_change(
            mot, whole, fs, settings.agree_motion_k, settings.agree_motion_floor
        )
        cam_z = camera_change(mot, whole, camera, fs, settings) if camera.any() else None
        thresholds[f"{leg}_onset_bl_s"] = rest.on
        thresholds[f"{leg}_offset_bl_s"] = rest.off
        if moving.any():
            thresholds[f"{leg}_onset_moving_bl_s"] = rest.moving_on
        thresholds[f"{leg}_onset_motion"] = on_mot
        thresholds[f"{leg}_offset_motion"] = off_mot
        quiet[li] = not rest.prior
        if rest.prior:
            notes.append(
                f"{leg} leg: no still moment to learn the keypoint noise from (the recording "
                f"is all movement); onset {rest.on:.2f} body lengths/s from the pose model's "
                "noise on still infants (still_base_bl_s, still_noise_bl_s)"
            )

        base, on_pose, off_pose = rest.arrays(moving)
        lvl_pose = (np.nan_to_num(speed) - base) / (on_pose - base)
        lvl_mot = (mot - mbase) / (on_mot - mbase)
        off_mot_level = np.full(len(grid), (off_mot - mbase) / (on_mot - mbase))
        changed[li] = change > 0
        if cam_z is not None:  # the moving camera's rest and noise: onset at onset_k of them
            lvl_mot = np.where(camera, cam_z / settings.onset_k, lvl_mot)
            off_mot_level[camera] = settings.offset_k / settings.onset_k
            changed[li] = np.where(camera, cam_z > settings.agree_motion_k, changed[li])
        level[li] = np.where(good, lvl_pose, lvl_mot)
        del lvl_pose, lvl_mot, change, cam_z
        offset_level[li] = np.where(good, (off_pose - base) / (on_pose - base), off_mot_level)
        del base, on_pose, off_pose
        from_pose[li] = good
        speed_out[li] = np.where(good, speed, np.nan)
        motion_out[li] = mot
        del speed, mot, good
        plain = (vis_min >= settings.min_visibility + PLAIN_VIEW_MARGIN).astype(np.float64)
        seen = signal_resample(track.t_s, plain, grid, gap)
        unseen[li] = ~(np.nan_to_num(seen, nan=0.0) >= 0.5)
        del plain, seen, vis_min
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
        unseen=unseen,
        picture_moving=moving,
        camera_moving=camera,
        image_changed=changed,
        quiet_reference=quiet,
        notes=tuple(notes),
    )
