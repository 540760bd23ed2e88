"""Pose quality: which leg keypoints to believe, per frame and per leg, from evidence.

A pose model trained on upright adults often returns a *confident but wrong* skeleton
on nursery footage (a baby face-down, side-lying, swaddled, under a blanket, in
infrared). A high detection rate is not correct tracking, and a wrong skeleton that
jitters makes phantom leg movements. :func:`quality_score` therefore scores every frame
and leg from several independent checks, each a *plausibility factor* in 0..1:

==================  =====  ==========================================================
factor              scope  evidence
==================  =====  ==========================================================
``detected``        leg    hip, knee and ankle positions are known at all
``visibility``      leg    the model's own visibility (one check among several)
``bones``           leg    hip–knee and knee–ankle lengths (per torso length) agree with
                           the night's typical lengths, with each other, and stay within
                           an infant's proportions (a collapsed thigh is the classic
                           failure: hips placed on the knees); a bone *shortened* while the
                           leg region changes is a limb turned towards the camera and is
                           not held against the pose, a stretched one always is
``geometry``        both   head beyond the shoulders, hips beyond the shoulders along the
                           body axis; knees not far behind the hips
``view``            both   shoulder width / torso length: a torso seen edge-on (side-lying,
                           oblique camera, or a wrong skeleton) hides one leg behind the
                           other
``left_right``      both   left hip/knee/ankle on the body's left (as the shoulders say);
                           a swapped or crossed pair makes both legs suspect
``teleport``        leg    no joint moves faster than a kicking infant can, and a joint
                           that jumps away and back is untrusted while away
``agreement``       leg    keypoint motion agrees with image motion in the leg region:
                           keypoints moving where no pixels changed are suspect, and so are
                           keypoints frozen while the leg region changes strongly
==================  =====  ==========================================================

Each soft factor is 0.5 at its limit (a setting) and 1 well inside it, so one clear
violation distrusts a leg on its own and two borderline ones together do too. The
quality score is the product of the factors; a leg is *trusted* where the score reaches
``pose_quality_min`` (0 turns the checks off: every detected pose is trusted).
Untrusted legs are scored from leg-region motion instead (``pipeline.scoring.activity``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.ndimage import binary_dilation, maximum_filter1d, uniform_filter1d

from detector.track import NightTrack
from pipeline.scoring.kinematics import body_length_px, leg_kinematics, level_thresholds
from pipeline.scoring.signal import (
    samples,
    signal_grid,
    signal_noise,
    signal_resample,
    signal_runs,
)
from pipeline.settings import Settings

__all__ = [
    "LEGS",
    "PLAIN_VIEW_MARGIN",
    "QUALITY_FACTORS",
    "SPAN_COLUMNS",
    "PoseQuality",
    "quality_score",
    "quality_summary",
]

LEGS: tuple[str, str] = ("left", "right")

#: The plausibility factors, in the order reasons are reported (the first is the most basic).
QUALITY_FACTORS: tuple[str, ...] = (
    "detected",
    "visibility",
    "view",
    "geometry",
    "left_right",
    "bones",
    "teleport",
    "agreement",
)

#: Columns of the untrusted-span table.
SPAN_COLUMNS: list[str] = ["start_s", "end_s", "duration_s", "leg", "reason"]

# Fixed shape constants of the soft checks (the limits themselves are settings).
_VIEW_FULL = 0.5  # shoulder width / torso length fully plausible from here (MediaPipe on
# hand-labelled supine infants: 0.70-0.99; real supine clip: >= 0.67)
_BONE_SHORT_FULL = 0.55  # bone / typical fully plausible from here (foreshortening)
_BONE_LONG_FULL = 1.5  # bone / typical fully plausible up to here
_THIGH_MAX_T = 1.1  # thigh / torso limit (MediaPipe on labelled infants: up to 0.78)
_SHIN_MAX_T = 1.2  # shin / torso limit (labelled infants: up to 0.80)
_RATIO_LIMIT = np.log(3.0)  # shin:thigh ratio off the night's typical by 3x = limit
_RATIO_FULL = np.log(2.0)
_NOSE_LIMIT_T = 0.15  # nose this far *behind* the shoulders (towards the hips) = limit
_KNEE_LIMIT_T = -0.45  # knee this far towards the head from the hips = limit
_CROSS_LIMIT_T = {"hip": -0.1, "knee": -0.25, "ankle": -0.35}  # left-minus-right lateral
_CROSS_BAND_T = 0.15
_MIN_SHOULDER_T = 0.15  # below this shoulder width the body's left side is unknown
#: visibility this far above ``min_visibility`` is fully plausible: the leg is in the model's
#: *plain view* (pipeline.scoring.artifacts' cover check and pipeline.scoring.activity's
#: ``unseen`` use it)
PLAIN_VIEW_MARGIN = 0.2


@dataclass(frozen=True, eq=False)
class PoseQuality:
    """Per-frame, per-leg pose quality of one track (arrays (N, 2), legs in ``LEGS`` order)."""

    t_s: np.ndarray  # (N,) frame times
    score: np.ndarray  # (N, 2) product of the factors (taken in float64), 0..1
    trusted: np.ndarray  # (N, 2) bool: score >= threshold (and pose detected)
    # name -> (N, 2) in 0..1, stored as float32 (the score and the reason were computed
    # from the float64 values, so the product of these may differ from it in the last bits)
    factors: dict[str, np.ndarray] = field(repr=False)
    reason: np.ndarray = field(repr=False)  # (N, 2) QUALITY_FACTORS index of the weakest; -1
    spans: pd.DataFrame = field(repr=False)  # untrusted spans: SPAN_COLUMNS, one row per leg
    threshold: float = field(default=0.5)
    weights_s: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))  # (N,) s

    def coverage(self) -> dict[str, float]:
        """Fractions of time: ``detected`` (any leg pose), ``trusted`` (both legs trusted),
        ``left`` and ``right`` (that leg trusted)."""
        w = self.weights_s
        total = float(w.sum())
        if total <= 0:
            return {"detected": 0.0, "trusted": 0.0, "left": 0.0, "right": 0.0}
        det = self.factors["detected"].max(axis=1) > 0
        return {
            "detected": float(w[det].sum() / total),
            "trusted": float(w[self.trusted.all(axis=1)].sum() / total),
            "left": float(w[self.trusted[:, 0]].sum() / total),
            "right": float(w[self.trusted[:, 1]].sum() / total),
        }


# --- small helpers ----------------------------------------------------------------------
def _soft(x: np.ndarray, limit: float, full: float) -> np.ndarray:
    """0.5 at ``limit``, 1 at ``full`` and beyond, 0 as far past the limit on the other side.

    Works in either direction (``full`` above or below ``limit``); NaN (no evidence) → 1.
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        out = np.clip(0.5 + 0.5 * (x - limit) / (full - limit), 0.0, 1.0)
    return np.where(np.isnan(x), 1.0, out)


def _norm(v: np.ndarray) -> np.ndarray:
    return np.linalg.norm(v, axis=-1)


def _frame_weights(t_s: np.ndarray) -> np.ndarray:
    """Seconds each frame stands for (gaps between segment files count at most 2 frames)."""
    n = len(t_s)
    if n == 0:
        return np.zeros(0)
    if n == 1:
        return np.ones(1)
    d = np.diff(t_s)
    med = float(np.median(d))
    return np.minimum(np.append(d, med), 2 * med)


# --- the checks -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Body:
    """Body frame per frame, as the leg checks use it: hip mid, torso length and axis.

    The shoulder quantities only the whole-body checks need (shoulder mid and width, the
    body's left) are made and freed inside :func:`_check_body`.
    """

    hip: np.ndarray  # (N, 2)
    torso_px: np.ndarray  # (N,)
    axis: np.ndarray  # (N, 2) unit, shoulders → hips


def _shoulder_mid(track: NightTrack) -> np.ndarray:
    return (track.kp("left_shoulder") + track.kp("right_shoulder")) / 2


def _body(track: NightTrack) -> _Body:
    sh, hip = _shoulder_mid(track), (track.kp("left_hip") + track.kp("right_hip")) / 2
    torso = _norm(hip - sh).astype(np.float64)
    torso[torso <= 1e-6] = np.nan
    axis = (hip - sh) / torso[:, None]
    return _Body(hip, torso, axis)


def _lateral(track: NightTrack, body: _Body, left: np.ndarray, joint: str) -> np.ndarray:
    """Left-minus-right position of ``joint`` across the body, in torso lengths (>0 normal);
    ``left`` (N, 2) is the unit vector towards the body's left (NaN when unknown)."""
    d = track.kp(f"left_{joint}") - track.kp(f"right_{joint}")
    return np.sum(d * left, axis=1) / body.torso_px


def _check_body(track: NightTrack, body: _Body, settings: Settings) -> dict[str, np.ndarray]:
    """Factors that concern the whole body (the same for both legs), each (N,)."""
    ls, rs = track.kp("left_shoulder"), track.kp("right_shoulder")
    perp = np.stack([-body.axis[:, 1], body.axis[:, 0]], axis=1)
    width = _norm(ls - rs) / body.torso_px  # shoulder width / torso length
    side = np.sign(np.sum((ls - rs) * perp, axis=1))
    side[(width < _MIN_SHOULDER_T) | (side == 0)] = np.nan
    left = perp * side[:, None]  # unit, towards the left shoulder (NaN when unknown)
    del perp, side
    view = _soft(width, settings.quality_view_min, _VIEW_FULL)
    # head beyond the shoulders, i.e. hips further from the head than the shoulders
    nose_along = np.sum((track.kp("nose") - _shoulder_mid(track)) * body.axis, axis=1)
    nose_along /= body.torso_px
    geometry = _soft(nose_along, _NOSE_LIMIT_T, _NOSE_LIMIT_T - 0.2)
    lr = np.ones(track.n_frames)
    for joint, limit in _CROSS_LIMIT_T.items():
        lr = lr * _soft(_lateral(track, body, left, joint), limit, limit + _CROSS_BAND_T)
    return {"view": view, "geometry": geometry, "left_right": lr}


def _bone_factors(
    length_t: np.ndarray, good: np.ndarray, max_t: float, settings: Settings
) -> tuple[np.ndarray, np.ndarray]:
    """Plausibility of one bone's length (in torso lengths): (within an infant's proportions
    and not stretched against its typical length this night, not collapsed against it)."""
    fixed = _soft(length_t, max_t, max_t * 0.75)
    short = np.ones_like(fixed)
    ref = length_t[good & np.isfinite(length_t)]
    if ref.size >= 3 and float(np.median(ref)) > 0:
        r = length_t / float(np.median(ref))
        short = _soft(r, settings.bone_short_ratio, _BONE_SHORT_FULL)
        fixed = fixed * _soft(r, settings.bone_long_ratio, _BONE_LONG_FULL)
    return fixed, short


def _check_leg(
    track: NightTrack, body: _Body, leg: str, bl: float, settings: Settings
) -> dict[str, np.ndarray]:
    """Factors of one leg, each (N,). ``_shortened`` (collapsed bones, a thigh:shin ratio
    far off the night's) is kept apart: flexion towards the camera looks the same, so it
    counts only where the leg region shows no motion (see :func:`quality_score`)."""
    names = [f"{leg}_hip", f"{leg}_knee", f"{leg}_ankle"]
    hip, knee, ank = (track.kp(n) for n in names)  # float32 views; arithmetic in float64
    vis = np.stack([track.vis(n) for n in names], axis=1).min(axis=1)
    detected = np.isfinite(hip).all(axis=1) & np.isfinite(knee).all(axis=1)
    detected &= np.isfinite(ank).all(axis=1)
    good = detected & (vis >= settings.min_visibility)
    teleport = _teleport(track, (hip, knee, ank), bl, settings)
    knee_along = np.subtract(knee, body.hip, dtype=np.float64)
    knee_along *= body.axis
    knee_along = knee_along.sum(axis=1) / body.torso_px
    geometry = _soft(knee_along, _KNEE_LIMIT_T, _KNEE_LIMIT_T + 0.2)
    thigh = _norm(np.subtract(knee, hip, dtype=np.float64))
    shin = _norm(np.subtract(ank, knee, dtype=np.float64))
    del knee_along  # the rest needs only the bone lengths

    thigh_fixed, thigh_short = _bone_factors(thigh / body.torso_px, good, _THIGH_MAX_T, settings)
    shin_fixed, shin_short = _bone_factors(shin / body.torso_px, good, _SHIN_MAX_T, settings)
    shortened = thigh_short * shin_short
    ratio = np.log(shin / thigh)
    del thigh, shin, thigh_short, shin_short
    ref = ratio[good & np.isfinite(ratio)]
    if ref.size >= 3:
        shortened = shortened * _soft(np.abs(ratio - np.median(ref)), _RATIO_LIMIT, _RATIO_FULL)

    return {
        "detected": detected.astype(np.float64),
        "visibility": _soft(
            vis, settings.min_visibility, settings.min_visibility + PLAIN_VIEW_MARGIN
        ),
        "bones": thigh_fixed * shin_fixed,
        "_shortened": shortened,
        "geometry": geometry,
        "teleport": teleport,
    }


def _teleport(
    track: NightTrack, joints: tuple[np.ndarray, ...], bl: float, settings: Settings
) -> np.ndarray:
    """0 where a joint jumped faster than ``joint_speed_max_bl_s`` or is away after such a jump.

    Steps are taken between consecutive frames where pose ran; the time step counts at
    least 1/15 s, so pose jitter at high frame rates is not read as speed. A jump
    followed by another within ``teleport_return_s`` (the joint coming back) marks the
    frames between as well.
    """
    n = track.n_frames
    out = np.ones(n)
    ok = track.pose_ran.copy()
    for xy in joints:  # each (N, 2)
        ok &= np.isfinite(xy).all(axis=1)
    idx = np.flatnonzero(ok)
    if idx.size < 2:
        return out
    t = track.t_s[idx]
    dt = np.maximum(np.diff(t), 1.0 / 15.0)
    speed = np.max(
        [_norm(np.diff(xy[idx].astype(np.float64), axis=0)) / bl for xy in joints], axis=0
    )
    speed /= dt  # (steps,): the fastest joint
    vmax = settings.joint_speed_max_bl_s
    soft = _soft(speed, vmax, 0.75 * vmax)
    out[idx[1:]] = soft
    jumps = np.flatnonzero(speed > vmax)  # step a goes from frame idx[a] to idx[a + 1]
    for a, b in zip(jumps[:-1], jumps[1:], strict=True):
        if t[b + 1] - t[a + 1] <= settings.teleport_return_s:  # away at a + 1, back at b + 1
            out[idx[a + 1] : idx[b + 1]] = 0.0
    return out


def _agreement(track: NightTrack, bl: float, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """(N, 2) 0 where keypoint motion and leg-region image motion disagree, else 1; and
    (N, 2) True where the leg region changed (within ``confirm_s``).

    Works on the analysis grid (keypoints interpolated over frames the gated pose step
    skipped, low-passed, as :mod:`pipeline.scoring.activity` does):

    - *unsupported*: knee/ankle speed above its movement-onset level (as
      :mod:`pipeline.scoring.activity` sets it) while the leg region shows no change above rest +
      ``agree_motion_k`` × noise (at least ``agree_motion_floor``) within ``confirm_s``;
    - *frozen*: over ``agree_frozen_s`` the leg region changes above its movement-onset
      level most of the time while the keypoints of both legs stay still (mean speed below
      ``min_onset_bl_s``; the two leg regions overlap, so either leg's movement explains
      the change).

    Either marks the leg untrusted, ``confirm_s`` either side.
    """
    n = track.n_frames
    out = np.ones((n, 2))
    moved = np.zeros((n, 2), dtype=bool)
    fs = float(np.clip(round(track.fps), 8, 60))
    grid = signal_grid(track.t_s, fs)
    gap = max(settings.gap_fill_max_s, 1.5 / fs)
    pad = samples(settings.confirm_s, fs)
    frame_at = np.clip(np.round((track.t_s - grid[0]) * fs).astype(int), 0, len(grid) - 1)
    edge = max(1, samples(1.0 / settings.lowpass_hz, fs))
    speeds, knowns, moving = [], [], []
    for leg in LEGS:
        names = [f"{leg}_hip", f"{leg}_knee", f"{leg}_ankle"]
        vis_ok = np.stack([track.vis(nm) for nm in names], axis=1).min(axis=1) >= (
            settings.min_visibility
        )
        speed = leg_kinematics(track, leg, vis_ok, grid, fs, bl, settings)[1]
        known = np.isfinite(speed)
        sbase, snoise = signal_noise(speed[known], fs) if known.any() else (0.0, 0.0)
        moving_level = level_thresholds(sbase, snoise, settings.min_onset_bl_s, settings)[0]
        # the filter and the derivative ring at the ends of each stretch of known pose
        for ra, rb in signal_runs(known):
            known[ra : min(rb, ra + edge)] = False
            known[max(ra, rb - edge) : rb] = False
        speeds.append(speed)
        knowns.append(known)
        moving.append(known & (speed >= moving_level))
    # keypoints "still": both legs known and on average below the lowest onset speed over
    # the window (either leg moving explains image change in both leg regions: they overlap)
    win = max(1, samples(settings.agree_frozen_s, fs))
    still = np.ones(len(grid), dtype=bool)
    for speed, known in zip(speeds, knowns, strict=True):
        mean_speed = uniform_filter1d(np.where(known, speed, 0.0), size=win)
        still &= (mean_speed < settings.min_onset_bl_s) & ~maximum_filter1d(~known, size=win)
    for li, leg in enumerate(LEGS):
        mot = signal_resample(track.t_s, track.motion_of(f"{leg}_leg"), grid, gap)
        mot = np.nan_to_num(mot, nan=0.0)
        base, noise = signal_noise(mot, fs)
        seen_level = max(base + settings.agree_motion_k * noise, settings.agree_motion_floor)
        seen = maximum_filter1d(mot >= seen_level, size=2 * pad + 1)
        unsupported = moving[li] & ~seen
        # frozen: over agree_frozen_s the leg region mostly changes strongly while the
        # keypoints stay still
        strong_level = max(base + settings.onset_k * noise, settings.min_onset_motion)
        strong = uniform_filter1d((mot >= strong_level).astype(np.float64), size=win) >= 0.5
        frozen = strong & still
        bad = unsupported | frozen
        if pad > 0 and bad.any():
            bad = binary_dilation(bad, iterations=pad)
        out[:, li] = np.where(bad[frame_at], 0.0, 1.0)
        moved[:, li] = seen[frame_at]
    return out, moved


def _drop_short_trusted(trusted: np.ndarray, t_s: np.ndarray, min_s: float) -> np.ndarray:
    """Trusted runs shorter than ``min_s`` between untrusted frames become untrusted."""
    out = trusted.copy()
    n = len(t_s)
    for a, b in signal_runs(trusted):
        if a > 0 and b < n and t_s[b] - t_s[a] < min_s:
            out[a:b] = False
    return out


def _spans(
    t_s: np.ndarray, weights_s: np.ndarray, trusted: np.ndarray, reason: np.ndarray
) -> pd.DataFrame:
    """One row per leg and run of untrusted frames, with its most frequent reason."""
    rows = []
    for li, leg in enumerate(LEGS):
        for a, b in signal_runs(~trusted[:, li]):
            r = reason[a:b, li]
            r = r[r >= 0]
            top = int(np.bincount(r).argmax()) if r.size else 0
            rows.append(
                {
                    "start_s": float(t_s[a]),
                    "end_s": float(t_s[b - 1] + weights_s[b - 1]),
                    "leg": leg,
                    "reason": QUALITY_FACTORS[top],
                }
            )
    df = pd.DataFrame(rows, columns=["start_s", "end_s", "leg", "reason"])
    df["duration_s"] = df["end_s"] - df["start_s"]
    return df[SPAN_COLUMNS].sort_values(["start_s", "leg"], kind="stable").reset_index(drop=True)


def quality_score(track: NightTrack, settings: Settings | None = None) -> PoseQuality:
    """Score the pose of every frame and leg of ``track`` (see the module docstring).

    With ``pose_quality_min == 0`` the checks are still computed (and reported) but every
    frame with a detected leg pose is trusted.
    """
    settings = settings or Settings()
    n = track.n_frames
    bl = body_length_px(track, settings.min_visibility)
    if n >= 2:
        agreement, moved = _agreement(track, bl, settings)
    else:
        agreement, moved = np.ones((n, 2)), np.zeros((n, 2), dtype=bool)
    # the factors are stored as float32, but each leg's are made, multiplied into the score
    # and compared for the weakest in float64 first, so the score and the reason are those
    # of the float64 factors; only one leg's float64 checks are held at a time
    factors = {name: np.empty((n, 2), dtype=np.float32) for name in QUALITY_FACTORS}
    score = np.empty((n, 2))
    weakest = np.zeros((n, 2), dtype=np.int8)
    detected = np.zeros((n, 2), dtype=bool)
    # missing keypoints are NaN and collapsed bones 0: those checks give "no evidence" (1)
    with np.errstate(divide="ignore", invalid="ignore"):
        body = _body(track)
        whole = _check_body(track, body, settings)  # "geometry" also has a leg part (knee)
        for li, leg in enumerate(LEGS):
            lg = _check_leg(track, body, leg, bl, settings)
            lg["bones"] = lg["bones"] * np.where(moved[:, li], 1.0, lg.pop("_shortened"))
            lg["agreement"] = agreement[:, li]
            for name, f in whole.items():
                lg[name] = f * lg[name] if name in lg else f
            # the score is the product of the factors in QUALITY_FACTORS order; the weakest
            # factor (the first of equal ones) names the reason
            first = lg.pop(QUALITY_FACTORS[0])
            factors[QUALITY_FACTORS[0]][:, li] = first
            detected[:, li] = first > 0
            leg_score, lowest = first.copy(), first
            del first
            for i, name in enumerate(QUALITY_FACTORS[1:], start=1):
                f = lg.pop(name)
                factors[name][:, li] = f
                leg_score *= f
                weakest[f < lowest, li] = i
                lowest = np.minimum(lowest, f)
                del f
            score[:, li] = leg_score
            del lg, leg_score, lowest
        del body, whole, agreement, moved
    threshold = settings.pose_quality_min
    if threshold > 0:
        trusted = detected & (score >= threshold)
        for li in range(2):
            trusted[:, li] = _drop_short_trusted(trusted[:, li], track.t_s, settings.trusted_min_s)
    else:
        trusted = detected.copy()
    # frames untrusted only as a short trusted run between untrusted ones have no reason
    # of their own (-1)
    dropped = detected & (score >= max(threshold, 1e-9))
    reason = np.where(trusted | dropped, -1, weakest)
    reason = reason.astype(np.int8)
    weights = _frame_weights(track.t_s)
    return PoseQuality(
        t_s=track.t_s,
        score=score,
        trusted=trusted,
        factors=factors,
        reason=reason,
        spans=_spans(track.t_s, weights, trusted, reason),
        threshold=threshold,
        weights_s=weights,
    )


def quality_summary(
    quality: PoseQuality, join_gap_s: float = 1.0, min_span_s: float = 1.0, max_spans: int = 500
) -> dict[str, Any]:
    """Summary fields for a result: detection rate, trusted-pose coverage (time fractions),
    and the untrusted spans per leg — spans closer than ``join_gap_s`` joined, those shorter
    than ``min_span_s`` left out of the list, at most ``max_spans`` (longest) listed."""
    cov = quality.coverage()
    rows: list[dict[str, Any]] = []
    for leg in LEGS:
        sp = quality.spans[quality.spans["leg"] == leg]
        cur: dict[str, Any] | None = None
        for r in sp.itertuples(index=False):
            if cur is not None and r.start_s - cur["end_s"] < join_gap_s:
                cur["end_s"] = max(cur["end_s"], float(r.end_s))
                cur["_why"][r.reason] = cur["_why"].get(r.reason, 0.0) + float(r.duration_s)
                continue
            if cur is not None:
                rows.append(cur)
            cur = {
                "start_s": float(r.start_s),
                "end_s": float(r.end_s),
                "leg": leg,
                "_why": {r.reason: float(r.duration_s)},
            }
        if cur is not None:
            rows.append(cur)
    rows = [r for r in rows if r["end_s"] - r["start_s"] >= min_span_s]
    listed = sorted(rows, key=lambda r: r["start_s"] - r["end_s"])[:max_spans]
    spans = [
        {
            "start_s": round(r["start_s"], 2),
            "end_s": round(r["end_s"], 2),
            "leg": r["leg"],
            "reason": max(r["_why"], key=r["_why"].get),
        }
        for r in sorted(listed, key=lambda r: (r["start_s"], r["leg"]))
    ]
    return {
        "pose_detected_rate": round(cov["detected"], 4),
        "trusted_pose_coverage": round(cov["trusted"], 4),
        "trusted_pose_coverage_by_leg": {
            "left": round(cov["left"], 4),
            "right": round(cov["right"], 4),
        },
        "pose_quality_min": quality.threshold,
        "pose_untrusted_spans": spans,
        "pose_untrusted_spans_not_listed": len(rows) - len(listed),
    }
