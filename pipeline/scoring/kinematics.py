"""Leg kinematics from keypoints, relative to the infant's body: the body-length unit, the
night's body model (where the hips really are), the pelvis frame, each leg's extension,
joint angles and joint speed, and the onset/offset thresholds of an activity signal.

What :mod:`pipeline.scoring.quality` checks and :mod:`pipeline.scoring.activity` detects
movements on. Distances are in body lengths (:func:`body_length_px`), speeds in body
lengths/s, on the uniform analysis grid.

**Infant anatomy first.** MediaPipe fits an adult's body to an infant: on the hand-labelled
supine infants (``bench/pose_accuracy.py``) it puts the hips on the belly, 0.08-0.22 torso
lengths towards the shoulders with the legs extended and 0.3-0.44 when they are flexed
towards the camera, while shoulders, knees and ankles are close (median 0.05-0.09 torso
lengths). Its torso (shoulder midpoint to hip midpoint) therefore *shrinks* as the legs
flex — by up to a third — although an infant's trunk does not. :func:`hips_corrected`
fits the night's body model from its own poses: the true torso length is the long end
(``_TORSO_QUANTILE``) of the model's torso lengths over a few minutes (the poses with the
legs extended), lengthened by ``hip_offset_t``; every frame's hips are then placed that far
from the shoulders along the model's own torso axis (its direction is right: the hip
error lies along it, 0.00-0.07 across). Every hip-based length and angle (the leg's
extension, :func:`leg_angles`) uses these hips.

Not corrected: the knee. MediaPipe also straightens flexed legs, but its knee is among
its best keypoints; putting the knee where the bone lengths say it must be (a triangle of
thigh, shin and hip-ankle distance) made the knee angle worse on the labelled frames (the
overhead view foreshortens a leg flexed towards the camera, so the 2-D bone lengths are
not the infant's).

**Relative to the body.** The movement signal is the speed of the knee and ankle relative
to the body. The *pelvis frame* has its origin at the corrected hip midpoint and its axes
along and across the torso, so a camera that shakes, pans or tilts, or a baby carried or
rolled, moves the frame with the body and not the leg: only what the leg does relative to
the body is speed (the knee's place in that frame is the hip's flexion and abduction, the
ankle's the hip's and the knee's together). The frame's own origin and axis come from four
more keypoints and carry their jitter, so it is used where the body moves in the picture as
a whole (:func:`picture_moving`); where it stays put the picture already is a body-fixed
frame (the baby lies on the mattress) and the image coordinates are used. Where the picture
moves the pose model is also noisier — a pixel or so from frame to frame, and a glitch every
few seconds that throws both legs aside for a frame: those glitches are removed
(:func:`_despike`) and the rest level is learned apart there (:func:`pose_rest`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.ndimage import maximum_filter1d

from detector.track import NightTrack
from pipeline.scoring.signal import (
    samples,
    signal_fill_gaps,
    signal_interp_weighted,
    signal_local_change,
    signal_lowpass,
    signal_noise,
    signal_resample,
    signal_runs,
)
from pipeline.settings import Settings

__all__ = [
    "Pelvis",
    "PoseRest",
    "body_length_px",
    "camera_moving",
    "hips_corrected",
    "leg_angles",
    "leg_kinematics",
    "level_thresholds",
    "frames_of",
    "pelvis_frame",
    "picture_moving",
    "pose_rest",
]

#: the long end of the model's torso lengths: poses with the legs extended (MediaPipe
#: shortens the torso as the legs flex, never lengthens it)
_TORSO_QUANTILE = 0.9
#: the body model is fitted over this long a stretch around each frame (a baby moved to
#: another place or a camera zoomed changes the scale; within minutes it holds)
_TORSO_WINDOW_S = 300.0
_TORSO = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
#: the body's image speed is judged over this long (a median: one fast frame is not a pan)
_PICTURE_WINDOW_S = 2.0
#: a turn of the torso moves a knee or ankle about this far from the pelvis (body lengths)
_LEVER_BL = 0.5
#: fewest seconds of the picture moving to learn a rest level of their own from
_MOVING_MIN_S = 5.0
#: half-length in frames of the glitch filter's running median (:func:`_despike`): 3 frames
#: (a 5-frame median also removes two-frame glitches, but it smooths the dips between kicks
#: too: on the real kicking clip it joined movements, on the generated scenes it lost a
#: rhythmic bout)
_DESPIKE_HALF = 1


def _norm(v: np.ndarray) -> np.ndarray:
    return np.linalg.norm(v, axis=-1)


def body_length_px(track: NightTrack, min_visibility: float) -> float:
    """Median shoulder-mid → hip-mid → knee → ankle chain length in pixels (the body length unit).

    Falls back to a fifth of the frame diagonal when no visible pose exists. (The model's
    own hips are used: moving them along the torso shortens one link and lengthens the
    next, so the chain hardly depends on where they are.)
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


def _torso_visible(track: NightTrack, min_visibility: float) -> np.ndarray:
    ok = np.ones(track.n_frames, dtype=bool)
    for name in _TORSO:
        ok &= (track.vis(name) >= min_visibility) & np.isfinite(track.kp(name)).all(axis=1)
    return ok


def hips_corrected(track: NightTrack, settings: Settings) -> np.ndarray:
    """The hips (N, 2, 2: frame, left/right, x/y in pixels) where the night's body model puts
    them (see the module doc): both model hips moved along the torso axis so that the hip
    midpoint lies the model's true torso length from the shoulder midpoint — never closer
    to the shoulders than the pose model put it. Frames without a visible torso keep the
    pose model's hips; so does every frame when no torso was seen at all.
    """
    sh = (track.kp("left_shoulder").astype(np.float64) + track.kp("right_shoulder")) / 2
    hips = np.stack([track.kp("left_hip"), track.kp("right_hip")], axis=1).astype(np.float64)
    mid = hips.mean(axis=1)
    axis = mid - sh
    torso = _norm(axis)
    visible = _torso_visible(track, settings.min_visibility) & (torso > 0)
    seen = visible & track.pose_ran
    if settings.hip_offset_t <= 0 or seen.sum() < 3:
        return hips.astype(np.float32)
    t = track.t_s[seen]
    lengths = pd.Series(torso[seen], index=pd.to_timedelta(t, unit="s"))
    window = pd.Timedelta(seconds=_TORSO_WINDOW_S)
    # centred time window: the long end of the torso lengths within +-150 s of each pose
    rolled = lengths.rolling(window, center=True, min_periods=1).quantile(_TORSO_QUANTILE)
    true_t = np.interp(track.t_s, t, rolled.to_numpy()) / (1.0 - settings.hip_offset_t)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(visible, np.maximum(true_t - torso, 0.0) / torso, 0.0)
    shift = np.nan_to_num(shift)
    hips += (axis * shift[:, None])[:, None, :]
    return hips.astype(np.float32)


def leg_angles(
    shoulder_mid: np.ndarray, hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Image-plane hip and knee angles in degrees of points (..., 2).

    The hip angle is the thigh's turn away from the torso axis (0 = thigh in line with the
    trunk, the leg stretched out; seen from above it grows with flexion towards the
    camera's view and with abduction); the knee angle is the angle at the knee between
    thigh and shin (180 = straight). NaN where a point is unknown or two coincide.
    """

    def angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.sum(u * v, axis=-1) / (_norm(u) * _norm(v))
        return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))

    down = np.asarray(hip, np.float64) - shoulder_mid  # along the trunk, towards the feet
    hip_deg = angle(down, np.asarray(knee, np.float64) - hip)
    knee_deg = angle(np.asarray(hip, np.float64) - knee, np.asarray(ankle, np.float64) - knee)
    return hip_deg, knee_deg


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


def _despike(x: np.ndarray, t: np.ndarray, fs: float) -> np.ndarray:
    """``x`` (N,) sampled at ``t`` with one-frame excursions removed: a running median of
    ``2 * _DESPIKE_HALF + 1`` frames within each run of consecutive frames
    (neighbours within 1.5 frame intervals); a sample whose window is not all in its run keeps
    the median of the part that is (itself alone at a run's ends).

    A knee or ankle thrown 0.1-0.25 body lengths aside for a frame and back is a
    pose-model glitch (both legs splay out at once, every few seconds while the picture
    moves, see :func:`picture_moving`), not a leg: a leg movement (at least 0.5 s) spans many
    frames, and a median keeps its onset where it is. (A twitch of 0.1 s is one or two frames
    at 15 fps: the filter is used only where the picture moves.)"""
    h = _DESPIKE_HALF
    n = x.size
    if n < 3:
        return x
    run = np.concatenate(([0], np.cumsum(np.diff(t) > 1.5 / fs)))  # run number of each sample
    idx = np.arange(n)
    window = np.full((2 * h + 1, n), np.nan)
    for k, d in enumerate(range(-h, h + 1)):
        j = np.clip(idx + d, 0, n - 1)
        same = (run[j] == run) & (idx + d >= 0) & (idx + d < n)
        window[k, same] = x[j[same]]
    # the window is symmetric: drop as many samples on the long side as the short side lost
    lost_left = np.isnan(window[:h]).sum(axis=0)
    lost_right = np.isnan(window[h + 1 :]).sum(axis=0)
    keep = np.minimum(h - lost_left, h - lost_right)  # usable half-width
    out = x.copy()
    for w in range(1, h + 1):
        at = keep == w
        if at.any():
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                med = np.nanmedian(window[h - w : h + w + 1, at], axis=0)
            out[at] = np.where(np.isfinite(x[at]), med, x[at])
    return out


class _Resampler:
    """Coordinates (N,) of the frames in ``keep``, in body lengths on the grid: resampled over
    the frames pose ran on (frames the gated pose step skipped carry no new information;
    short gaps interpolated, but not a longer stretch where the pose is missing or not to
    be believed), low-passed; one-frame glitches removed (:func:`_despike`) in the frames
    ``despike`` marks; with ``moved`` (frames whose leg region changed) the step between two
    poses is placed on those frames. The stretches to blank are found once per ``keep``."""

    def __init__(
        self,
        track: NightTrack,
        keep: np.ndarray,
        grid: np.ndarray,
        fs: float,
        bl: float,
        settings: Settings,
        despike: np.ndarray | None = None,
        moved: np.ndarray | None = None,
    ) -> None:
        fill = max(settings.gap_fill_max_s, 1.5 / fs)
        self.fill, self.moved, self.t_all = fill, moved, track.t_s
        self.ran = track.pose_ran
        self.despike = None if despike is None or not despike.any() else despike[self.ran]
        self.gap = max(fill, settings.pose_interp_max_s) if not self.ran.all() else fill
        self.t_ran = track.t_s[self.ran]
        self.drop = ~keep[self.ran]
        self.blank = [
            np.searchsorted(grid, (track.t_s[a], track.t_s[b - 1]))
            for a, b in signal_runs(~keep)
            if track.t_s[b - 1] - track.t_s[a] >= settings.gap_fill_max_s
        ]
        self.grid, self.fs, self.bl, self.settings = grid, fs, bl, settings

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        x = np.asarray(xy, dtype=np.float64)[self.ran]
        if self.despike is not None:
            x = np.where(self.despike, _despike(x, self.t_ran, self.fs), x)
        x[self.drop] = np.nan
        x /= self.bl
        if self.moved is not None:  # skipped frames' steps placed where the image changed
            full = np.full(len(self.t_all), np.nan)
            full[self.ran] = x
            full = signal_interp_weighted(self.t_all, full, self.moved, self.gap)
            g = signal_resample(self.t_all, full, self.grid, self.fill)
        else:
            g = signal_resample(self.t_ran, x, self.grid, self.gap)
        for i0, i1 in self.blank:
            g[i0 : i1 + 1] = np.nan
        g = signal_fill_gaps(g, self.fs, self.settings.gap_fill_max_s)
        return signal_lowpass(g, self.fs, self.settings.lowpass_hz)


@dataclass(frozen=True, eq=False)
class Pelvis:
    """The pelvis frame on the analysis grid, in body lengths: origin (the corrected hip
    midpoint) and the unit torso axis (towards the feet); NaN where the torso is unknown."""

    x: np.ndarray  # (M,)
    y: np.ndarray
    ux: np.ndarray
    uy: np.ndarray

    def to_body(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grid coordinates ``x, y`` (M,) in the pelvis frame: (across, along) the torso."""
        dx, dy = x - self.x, y - self.y
        return dx * self.uy - dy * self.ux, dx * self.ux + dy * self.uy


def pelvis_frame(
    track: NightTrack,
    hips: np.ndarray,
    grid: np.ndarray,
    fs: float,
    bl: float,
    settings: Settings,
) -> Pelvis:
    """The pelvis frame of ``track`` on ``grid`` from its shoulders and the corrected
    ``hips`` (:func:`hips_corrected`), where all four are visible, filtered as the leg
    coordinates are, so a camera's motion cancels between the two."""
    coord = _Resampler(
        track, _torso_visible(track, settings.min_visibility), grid, fs, bl, settings
    )
    sh = (track.kp("left_shoulder").astype(np.float64) + track.kp("right_shoulder")) / 2
    mid = hips.astype(np.float64).mean(axis=1)
    ox, oy = coord(mid[:, 0]), coord(mid[:, 1])
    ax, ay = ox - coord(sh[:, 0]), oy - coord(sh[:, 1])
    length = np.hypot(ax, ay)
    with np.errstate(invalid="ignore", divide="ignore"):
        ux, uy = ax / length, ay / length
    bad = ~(length > 0)
    ux[bad] = np.nan
    uy[bad] = np.nan
    return Pelvis(ox, oy, ux, uy)


def leg_kinematics(
    track: NightTrack,
    leg: str,
    keep: np.ndarray,
    grid: np.ndarray,
    fs: float,
    bl: float,
    settings: Settings,
    *,
    pelvis: Pelvis | None = None,
    hips: np.ndarray | None = None,
    despike: np.ndarray | None = None,
    moving: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One leg's hip-to-ankle distance (M,) in body lengths and its knee/ankle speed (M,) in
    body lengths/s on the analysis ``grid``, from its hip/knee/ankle positions in the frames
    in ``keep`` (short gaps interpolated, low-passed) — the keypoint signal movement
    detection uses (:mod:`pipeline.scoring.activity`). The speed is NaN only where both
    joints are unknown.

    With ``pelvis`` (:func:`pelvis_frame`) the speeds are taken in the pelvis frame (see the
    module doc; NaN where the torso is unknown) — only where ``moving`` (M,) marks the body
    moving in the picture as a whole (:func:`picture_moving`), when it is given — else in
    the image. ``hips``
    (:func:`hips_corrected`) replaces the pose model's hip in the extension. ``despike``
    (N,) marks the frames whose one-frame glitches are removed first (where the picture
    moves: :func:`picture_moving`; elsewhere a one-frame flick may be a twitch at 15 fps).

    Each coordinate is resampled and filtered on its own, so only a few (M,) arrays exist
    at a time rather than the leg's (M, 3, 2) positions.
    """
    side = 0 if leg == "left" else 1
    # the gate skips a frame when its leg region did not change, so the step between two
    # poses around skipped frames happened where the leg region's image changed: put it
    # there (signal_interp_weighted), not evenly over the skipped frames, which would draw a
    # 0.2-s twitch after a pose taken 0.5 s before it out into a 0.7-s "movement"
    moved = None
    if not track.pose_ran.all():
        moved = signal_local_change(
            track.motion_of(f"{leg}_leg"),
            track.motion_of("whole"),
            float(track.fps),
            settings.agree_motion_k,
            settings.agree_motion_floor,
        )
    resample = _Resampler(track, keep, grid, fs, bl, settings, despike, moved)

    def coord(joint: str, c: int) -> np.ndarray:
        if joint == "hip" and hips is not None:
            return resample(hips[:, side, c])
        return resample(track.kp(f"{leg}_{joint}")[:, c])

    def plain(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        vx, vy = np.gradient(x, 1.0 / fs), np.gradient(y, 1.0 / fs)
        return np.sqrt(vx * vx + vy * vy)

    def speed(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if pelvis is None:
            return plain(x, y)
        if moving is None:
            return plain(*pelvis.to_body(x, y))
        # where the body stays put in the picture, the image is the body's frame already
        # (the baby lies on the mattress) and the pelvis frame would only add the torso
        # keypoints' own jitter; where it moves as a whole, the pelvis frame takes that out
        return np.where(moving, plain(*pelvis.to_body(x, y)), plain(x, y))

    hip_x, hip_y = coord("hip", 0), coord("hip", 1)
    knee_speed = speed(coord("knee", 0), coord("knee", 1))
    ank_x, ank_y = coord("ankle", 0), coord("ankle", 1)
    ank_speed = speed(ank_x, ank_y)
    dx, dy = ank_x - hip_x, ank_y - hip_y
    extension = np.sqrt(dx * dx + dy * dy)
    return extension, np.fmax(knee_speed, ank_speed)  # NaN only where both are unknown


def picture_moving(pelvis: Pelvis, fs: float, settings: Settings) -> np.ndarray:
    """(M,) True where the body moves in the picture as a whole — the camera shaken, panned
    or tilted, or the baby carried: the pelvis origin's image speed plus its turn rate
    times half a body length, as a median over ``_PICTURE_WINDOW_S``, above
    ``moving_picture_bl_s``. There the pose model's keypoints are noisier (a moving picture
    shifts them by a pixel or so from one frame to the next): its own rest level is learned
    there (:func:`pose_rest`)."""
    if len(pelvis.x) < 2:
        return np.zeros(len(pelvis.x), dtype=bool)
    v = np.hypot(np.gradient(pelvis.x, 1.0 / fs), np.gradient(pelvis.y, 1.0 / fs))
    turn = np.unwrap(np.nan_to_num(np.arctan2(pelvis.uy, pelvis.ux)))
    v += _LEVER_BL * np.abs(np.gradient(turn, 1.0 / fs))
    w = max(1, samples(_PICTURE_WINDOW_S, fs))
    med = pd.Series(v).rolling(w, center=True, min_periods=max(1, w // 2)).median()
    return np.nan_to_num(med.to_numpy(), nan=0.0) > settings.moving_picture_bl_s


def camera_moving(
    track: NightTrack, grid: np.ndarray, fs: float, bl: float, settings: Settings
) -> np.ndarray | None:
    """(M,) True where the camera moved the whole picture: the background's optical flow
    (the detector's ``flow_bg_dx``/``flow_bg_dy``, the median flow outside the baby's body
    region, full-frame pixels per frame) in body lengths/s, as a median over
    ``_PICTURE_WINDOW_S``, above ``min_onset_bl_s`` (the slowest leg movement counted: a
    picture moving that fast makes a still leg's image move as fast), widened by half that
    window on each side. None for tracks without the channels (written before they existed).

    The image signals (frame differencing) see a camera, not the body: on the generated
    scenes with a fixed camera the background's flow stays below 0.015 body lengths/s (a
    2-s median; the caregiver's arm included), a shaken phone moves it by 0.3-0.6, a
    monitor's pan starting or stopping by 0.1-0.25 (``moving_camera``: any threshold from
    0.05 to 0.15 gives the same movements there; 0.2 misses a pan's start)."""
    dx, dy = track.channel("flow_bg_dx"), track.channel("flow_bg_dy")
    if dx is None or dy is None or len(grid) == 0:
        return None
    speed = np.hypot(dx.astype(np.float64), dy.astype(np.float64)) * float(track.fps) / bl
    g = signal_resample(track.t_s, speed, grid, max(settings.gap_fill_max_s, 1.5 / fs))
    w = max(1, samples(_PICTURE_WINDOW_S, fs))
    med = pd.Series(g).rolling(w, center=True, min_periods=max(1, w // 2)).median()
    fast = np.nan_to_num(med.to_numpy(), nan=0.0) > settings.min_onset_bl_s
    # a camera's motion ramps in and out, under the threshold for its first and last
    # moments (moving_camera: the mask began 0.7 s after a shake, ended 0.5 s before it):
    # widened by half the median's window on each side
    return maximum_filter1d(fast, 2 * (w // 2) + 1) if fast.any() else fast


@dataclass(frozen=True)
class PoseRest:
    """Rest level and onset/offset thresholds of one leg's keypoint speed (body lengths/s),
    for the still picture and for where the picture moves (:func:`picture_moving`)."""

    base: float
    on: float
    off: float
    moving_base: float
    moving_on: float
    moving_off: float
    prior: bool  # the still picture's rest came from the still-infant prior

    def arrays(self, moving: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-sample rest, onset and offset (M,) for the mask ``moving``."""
        return (
            np.where(moving, self.moving_base, self.base),
            np.where(moving, self.moving_on, self.on),
            np.where(moving, self.moving_off, self.off),
        )


def pose_rest(speed: np.ndarray, moving: np.ndarray, fs: float, settings: Settings) -> PoseRest:
    """The rest level and thresholds of a leg's keypoint ``speed`` (M,; NaN where unknown).

    - Still picture: the quietest stretches' median and noise
      (:func:`~pipeline.scoring.signal.signal_noise`), rest + ``onset_k`` / ``offset_k`` ×
      noise (:func:`level_thresholds`). When even the quietest stretch is not still — its
      median above ``still_max_bl_s``, as in a short clip that is all movement — there is no
      quiet reference in the recording, and the pose model's measured noise on still infants
      is used instead (``still_base_bl_s``, ``still_noise_bl_s``).
    - Moving picture (at least ``_MOVING_MIN_S`` of it): the same, learned from those
      samples alone, never below the still picture's thresholds; else as the still picture.
    """
    known = np.isfinite(speed)
    still = speed[known & ~moving]
    base, noise = signal_noise(still, fs) if still.size else (0.0, 0.0)
    prior = still.size == 0 or base > settings.still_max_bl_s
    if prior:
        base, noise = settings.still_base_bl_s, settings.still_noise_bl_s
    on, off = level_thresholds(base, noise, settings.min_onset_bl_s, settings)
    rest = PoseRest(base, on, off, base, on, off, prior)
    mov = speed[known & moving]
    if mov.size < samples(_MOVING_MIN_S, fs):
        return rest
    mbase, mnoise = signal_noise(mov, fs)
    mon, moff = level_thresholds(mbase, mnoise, settings.min_onset_bl_s, settings)
    if mon - mbase < on - base:  # never more sensitive than where the picture is still
        mbase, mon, moff = base, on, off
    return PoseRest(base, on, off, mbase, mon, moff, prior)


def frames_of(grid_mask: np.ndarray, grid: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """A boolean mask on the analysis ``grid`` carried to the frames at ``t_s`` (nearest)."""
    if grid.size == 0:
        return np.zeros(t_s.shape, dtype=bool)
    i = np.clip(np.searchsorted(grid, t_s), 0, grid.size - 1)
    j = np.clip(i - 1, 0, grid.size - 1)
    nearest = np.where(np.abs(grid[j] - t_s) < np.abs(grid[i] - t_s), j, i)
    return grid_mask[nearest]
