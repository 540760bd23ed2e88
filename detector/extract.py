"""Video in, per-frame tracks out: decode, motion energy and pose for one night (or a chunk).

Pose is the expensive step. It runs on a frame when something near the baby moved,
when the last pose is older than ``refresh_s``, or while no pose has been found yet
(every ``search_every_s``); on the other frames the last pose is carried forward
(``pose_ran`` False), which is right because nothing moved there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from detector.errors import NoPersonError
from detector.motion import MotionMeter, leg_boxes
from detector.pose import PoseEstimator
from detector.track import KEYPOINT_NAMES, MOTION_REGIONS, NightTrack, Segment
from detector.video import night_frames

__all__ = ["ExtractOptions", "Progress", "track_extract"]

logger = logging.getLogger(__name__)

#: progress(done_s, total_s): seconds of the night processed so far, of the total.
Progress = Callable[[float, float], None]


@dataclass(frozen=True)
class ExtractOptions:
    """How the detector spends its time. ``gate=False`` runs pose on every frame."""

    gate: bool = True
    gate_k: float = 3.0  # motion above (running rest level x gate_k) triggers pose
    gate_floor: float = 0.002  # ... and above this absolute motion energy
    refresh_s: float = 1.0  # pose at least this often even when nothing moves
    search_every_s: float = 0.5  # while no baby has been found yet
    motion_width_px: int = 160
    min_visibility: float = 0.5


def _empty_pose() -> tuple[np.ndarray, np.ndarray]:
    k = len(KEYPOINT_NAMES)
    return np.full((k, 2), np.nan, dtype=np.float32), np.zeros(k, dtype=np.float32)


def track_extract(
    segments: Sequence[Segment],
    estimator: PoseEstimator,
    *,
    options: ExtractOptions | None = None,
    start_s: float = 0.0,
    end_s: float | None = None,
    progress: Progress | None = None,
    require_person: bool = True,
) -> NightTrack:
    """Decode ``segments`` between ``start_s`` and ``end_s`` and return their tracks.

    Raises :class:`NoPersonError` when ``require_person`` and no pose was found at all.
    """
    opts = options or ExtractOptions()
    total_s = (end_s if end_s is not None else max(s.end_s for s in segments)) - start_s
    issues: list[str] = []
    meter = MotionMeter(opts.motion_width_px)
    t_list: list[float] = []
    kp_list: list[np.ndarray] = []
    vis_list: list[np.ndarray] = []
    ran_list: list[bool] = []
    mot_list: list[np.ndarray] = []
    last_kp, last_vis = _empty_pose()
    boxes: list = [None, None]
    last_pose_t = -np.inf
    last_try_t = -np.inf
    found_any = False
    rest = None  # running rest level of near-baby motion
    segment = -1
    frame_size = (0, 0)
    last_report = -np.inf
    for frame in night_frames(segments, start_s=start_s, end_s=end_s, on_issue=issues.append):
        if frame.segment != segment:
            segment = frame.segment
            meter.reset()
            estimator.reset()
            frame_size = (frame.gray.shape[1], frame.gray.shape[0])
        m = meter.update(frame.gray, boxes)
        near = float(max(m[1], m[2]))
        rest = near if rest is None else (0.99 * rest + 0.01 * min(near, 3 * rest + 1e-4))
        t = frame.t_s
        if not opts.gate:
            run = True
        elif not found_any or not np.isfinite(last_kp).any():
            run = t - last_try_t >= opts.search_every_s
        else:
            moving = near > max(opts.gate_floor, opts.gate_k * rest)
            run = moving or (t - last_pose_t >= opts.refresh_s)
        if run:
            last_try_t = t
            res = estimator.estimate(frame.rgb())
            if res is None:
                last_kp, last_vis = _empty_pose()
            else:
                last_kp, last_vis = res.keypoints_px, res.visibility
                found_any = True
                last_pose_t = t
                new_boxes = leg_boxes(last_kp, last_vis, opts.min_visibility)
                boxes = [
                    nb if nb is not None else ob for nb, ob in zip(new_boxes, boxes, strict=True)
                ]
        t_list.append(t)
        kp_list.append(last_kp)
        vis_list.append(last_vis)
        ran_list.append(run)
        mot_list.append(m)
        if progress is not None and t - last_report >= 1.0:
            last_report = t
            progress(min(t - start_s, total_s), total_s)
    if progress is not None:
        progress(total_s, total_s)
    if require_person and not found_any:
        names = ", ".join(s.path for s in segments)
        raise NoPersonError(
            f"{names}: no baby (pose) was found in any frame — check that the camera shows the "
            "baby and that the video is not black"
        )
    n = len(t_list)
    k = len(KEYPOINT_NAMES)
    return NightTrack(
        t_s=np.asarray(t_list, dtype=np.float64),
        keypoints_px=np.asarray(kp_list, dtype=np.float32).reshape(n, k, 2),
        visibility=np.asarray(vis_list, dtype=np.float32).reshape(n, k),
        pose_ran=np.asarray(ran_list, dtype=bool),
        motion=np.asarray(mot_list, dtype=np.float32).reshape(n, len(MOTION_REGIONS)),
        frame_size=frame_size if n else (1, 1),
        segments=tuple(segments),
        model=getattr(estimator, "name", type(estimator).__name__),
        versions={"pose_model": getattr(estimator, "version", "")},
        issues=tuple(issues),
    )
