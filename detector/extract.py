"""Video in, per-frame tracks out: decode, motion energy and pose for one night (or a chunk).

Pose is the expensive step (about 25 ms of CPU a call, as much as decoding ~17 frames of
720p video), so it runs only where it adds information: :class:`detector.gate.PosePolicy`
decides frame by frame (its module doc gives the rules).

Every ``sync_s`` (60 s) of the night's timeline the detector starts afresh (a *sync*): on the
first frame of each period the pose model forgets whom it follows and its preferred rotation,
pose runs, the leg boxes are that pose's, the refresh and search schedules begin anew, and the
rest level is learned again from the ``gate_rest_window_s`` before the sync, measured in the leg
boxes of the sync before (a second meter follows those boxes, which do not depend on when pose
ran; so the gate keeps the quiet level of the minute before a movement that is going on at a
sync, as a rolling window would). So the tracks of any frame depend only on the video since the
sync point before it and the minute before that, and a run that starts later in the night (a
chunk) decodes from there (:func:`decode_start`) and gives the same tracks as a run over the
whole night: a night's events do not depend on where it was cut into chunks. A sync costs a pose
call with detection instead of tracking (and one to make a tracking graph lose the person) a
minute.

On the other frames the last pose is carried forward (``pose_ran`` False), which is right
because nothing moved there. Motion is measured on every frame, on a frame downscaled once
(area-averaged to ``motion_width_px``; from every ``motion_row_step``-th row of a large frame);
on the same small frame, wherever something moves, the directional optical flow of the leg
regions, the torso and the background, and on every frame the motion outside the baby's body
region (:class:`detector.motion.FlowMeter`). Per-frame results go into compact growable arrays,
so memory grows only by the track itself (about 170 bytes a frame).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from detector.errors import NoPersonError
from detector.gate import TIME_EPS_S, ExtractOptions, PosePolicy, RestSeconds
from detector.motion import BodyRegions, FlowMeter, MotionMeter, body_regions, leg_boxes
from detector.pose import PoseEstimator, PoseResult
from detector.track import CHANNEL_NAMES, KEYPOINT_NAMES, MOTION_REGIONS, NightTrack, Segment
from detector.video import Frame, night_frames

__all__ = [
    "GAP_RESET_S",
    "SYNC_LEAD_S",
    "ExtractOptions",
    "PosePolicy",
    "Progress",
    "decode_start",
    "sync_start",
    "track_extract",
]

logger = logging.getLogger(__name__)

#: progress(done_s, total_s): seconds of the night processed so far, of the total.
Progress = Callable[[float, float], None]

Box = tuple[float, float, float, float]
_TIME_EPS_S = TIME_EPS_S
#: frames further apart than this are not differenced: motion starts anew after the gap
GAP_RESET_S = 1.0
#: a run that starts after the night's start decodes this long before its sync point, so
#: the sync frame's motion has the previous frame a run from the start had (or none, after
#: a gap of more than GAP_RESET_S)
SYNC_LEAD_S = 1.5


class _RetryLimit:
    """Lets an estimator with a ``weak_score`` retry rotations at most every ``every_s``."""

    def __init__(self, estimator: PoseEstimator, every_s: float) -> None:
        self.estimator = estimator
        self.every_s = every_s
        self.weak = getattr(estimator, "weak_score", None)
        self._last_t = -math.inf

    def reset(self) -> None:
        """Forget the tracking state and the last retry (the next call may retry at once)."""
        self.estimator.reset()
        self._last_t = -math.inf

    def estimate(self, rgb: np.ndarray, t_s: float) -> PoseResult | None:
        est, weak = self.estimator, self.weak
        if not isinstance(weak, float) or t_s - self._last_t >= self.every_s:
            res = est.estimate(rgb)
            if isinstance(weak, float) and (res is None or res.score < weak):
                self._last_t = t_s  # the other rotations were tried just now
            return res
        est.weak_score = 0.0  # type: ignore[attr-defined]  # accept the first pose found
        try:
            return est.estimate(rgb)
        finally:
            est.weak_score = weak  # type: ignore[attr-defined]


class _Columns:
    """Per-frame values appended into preallocated blocks (compact; no object per frame)."""

    _BLOCK = 8192

    def __init__(self, k: int, r: int, c: int = 0) -> None:
        self._shapes = {"t": (), "kp": (k, 2), "vis": (k,), "ran": (), "mot": (r,), "ch": (c,)}
        floats: dict[str, type] = dict.fromkeys(self._shapes, np.float32)
        self._dtypes = {**floats, "t": np.float64, "ran": np.bool_}
        self._done: dict[str, list[np.ndarray]] = {key: [] for key in self._shapes}
        self._cur: dict[str, np.ndarray] = {}
        self._i = self._BLOCK
        self.n = 0

    def append(
        self,
        t: float,
        kp: np.ndarray,
        vis: np.ndarray,
        ran: bool,
        mot: np.ndarray,
        ch: np.ndarray | None = None,
    ) -> None:
        if self._i == self._BLOCK:
            for key, shape in self._shapes.items():
                if key in self._cur:
                    self._done[key].append(self._cur[key])
                self._cur[key] = np.empty((self._BLOCK, *shape), self._dtypes[key])
            self._i = 0
        i = self._i
        c = self._cur
        c["t"][i], c["kp"][i], c["vis"][i], c["ran"][i], c["mot"][i] = t, kp, vis, ran, mot
        if ch is not None:
            c["ch"][i] = ch
        self._i += 1
        self.n += 1

    def set_pose(self, start: int, kp: np.ndarray, vis: np.ndarray, *, ran: bool = True) -> None:
        """Frame ``start`` gets a pose of its own (``ran``; else one of an earlier frame not
        kept here), carried to the frames after it."""
        for i in range(start, self.n):
            k, j = divmod(i, self._BLOCK)
            self._block("kp", k)[j], self._block("vis", k)[j] = kp, vis
        if ran:
            k, j = divmod(start, self._BLOCK)
            self._block("ran", k)[j] = True

    def _block(self, key: str, k: int) -> np.ndarray:
        done = self._done[key]
        return done[k] if k < len(done) else self._cur[key]

    def arrays(self) -> dict[str, np.ndarray]:
        out = {}
        for key, shape in self._shapes.items():
            parts = [*self._done[key]]
            if key in self._cur:
                parts.append(self._cur[key][: self._i])
            out[key] = np.concatenate(parts) if parts else np.empty((0, *shape), self._dtypes[key])
        return out


def _empty_pose() -> tuple[np.ndarray, np.ndarray]:
    k = len(KEYPOINT_NAMES)
    return np.full((k, 2), np.nan, dtype=np.float32), np.zeros(k, dtype=np.float32)


def _motion_input(gray: np.ndarray, width_px: int, row_step: int) -> tuple[np.ndarray, float]:
    """``gray`` downscaled once for motion, area-averaged to ``width_px`` wide, and the scale
    factor. A frame scaled down 16 times or more (1440p and up at 160 px) is read on every
    ``row_step``-th row only (a view, no copy), so each motion pixel still averages 64 pixels
    or more (4 rows x 16 columns at the default 4), as a 720p frame's 8 x 8 does. Fewer let
    the change of compression noise at each keyframe pass the gate: every 4th row of a 720p
    frame (2 x 8 pixels, 0.13 instead of 0.28 ms) doubled the pose calls of a quiet
    10-minute stretch of the bench night, 395 to 846.

    The average is taken in halvings (:func:`_area_halved`) while the frame is at least four
    times the motion frame, then in one step: the same average of the same pixels, rounded
    at each halving (at most 2 grey levels from the one-step average on the bench night's
    frames), at 0.15 instead of 0.38 ms a 720p frame, where OpenCV's one-step area average
    of an 8x8 block is its slowest step after decoding and pose (15 % of a calm night's
    analysis time)."""
    h, w = gray.shape[:2]
    if w <= width_px:
        return gray, 1.0
    scale = width_px / w
    out_h = max(1, round(h * scale))
    rows = gray[::row_step] if h >= 4 * row_step * out_h else gray
    while rows.shape[1] >= 4 * width_px and rows.shape[0] >= 4 * out_h:
        rows = _area_halved(rows)
    small = cv2.resize(rows, (width_px, out_h), interpolation=cv2.INTER_AREA)
    return small, scale


def _area_halved(gray: np.ndarray) -> np.ndarray:
    """Each 2x2 block of ``gray`` averaged (rounded) into one pixel; an odd last row or column
    is dropped. OpenCV's area average has a fast path for exactly half the size."""
    h2, w2 = gray.shape[0] // 2, gray.shape[1] // 2
    return cv2.resize(gray[: 2 * h2, : 2 * w2], (w2, h2), interpolation=cv2.INTER_AREA)


def _scaled(boxes: Sequence[Box | None], s: float) -> list[Box | None]:
    return [None if b is None else (b[0] * s, b[1] * s, b[2] * s, b[3] * s) for b in boxes]


def sync_start(start_s: float, options: ExtractOptions | None = None) -> float:
    """The sync point (a multiple of ``sync_s``) at or before ``start_s``."""
    sync_s = (options or ExtractOptions()).sync_s
    return math.floor((start_s + _TIME_EPS_S) / sync_s) * sync_s


def decode_start(start_s: float, options: ExtractOptions | None = None) -> float:
    """Where a run giving the frames from ``start_s`` exactly as a run from the night's start
    begins to decode: the sync point before ``start_s``, earlier still by the rest level's
    window (``gate_rest_window_s``, from the sync point before that) and :data:`SYNC_LEAD_S`;
    0 for a run within the night's first periods."""
    opts = options or ExtractOptions()
    first = sync_start(start_s, opts)
    if first <= 0:
        return 0.0
    seed = sync_start(max(0.0, first - opts.gate_rest_window_s), opts)
    return max(0.0, seed - SYNC_LEAD_S)


def _boxes_at_sync(kp: np.ndarray, vis: np.ndarray, min_visibility: float) -> list[Box | None]:
    """The leg boxes a sync's pose sets: of the visible joints, or where a leg has too few
    of them, of the model's estimate of all three (the older boxes are forgotten at a sync)."""
    seen = leg_boxes(kp, vis, min_visibility)
    guess = leg_boxes(kp, np.ones_like(vis), 0.0)
    return [b if b is not None else g for b, g in zip(seen, guess, strict=True)]


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

    The tracks of the frames from ``start_s`` on are those a run from the night's start
    gives them, wherever ``start_s`` lies (a night cut into chunks gives the tracks of the
    whole night). At every ``sync_s`` of the night's timeline the detector starts afresh
    (see the module doc): its state then depends only on the sync frame, the motion before it
    and the rest level, which a sync takes from the ``gate_rest_window_s`` before it measured
    in the leg boxes of the sync before that (not in boxes that follow where pose ran). So a
    run from ``start_s`` decodes from :func:`decode_start`: it measures that rest level from
    the earlier sync point on (one pose call at each sync), then runs in full from the sync
    point before ``start_s``, and keeps the frames from ``start_s``. Motion across a gap of
    more than :data:`GAP_RESET_S` between frames starts anew; so does pose tracking at a new
    segment file after such a gap or with another picture size. A segment that continues the
    one before without a gap (a recording cut into files) goes straight on, so a recorded
    night gives the tracks of the same video as one file.

    Raises :class:`NoPersonError` when ``require_person`` and no pose was found at all.
    """
    opts = options or ExtractOptions()
    total_s = (end_s if end_s is not None else max(s.end_s for s in segments)) - start_s
    issues: list[str] = []
    meter = MotionMeter(opts.motion_width_px)
    rest_meter = MotionMeter(opts.motion_width_px)  # near-leg motion in the sync's boxes
    rest = RestSeconds(opts.gate_rest_window_s)
    policy = PosePolicy(opts)
    pose = _RetryLimit(estimator, opts.retry_every_s)
    cols = _Columns(len(KEYPOINT_NAMES), len(MOTION_REGIONS), len(CHANNEL_NAMES))
    flow = FlowMeter()
    regions: BodyRegions | None = None
    last_kp, last_vis = _empty_pose()
    boxes: list[Box | None] = [None, None]
    sync_boxes: list[Box | None] = [None, None]
    found_any = False
    segment = -1
    frame_size = (0, 0)
    last_report = -np.inf
    kept: tuple[Frame, int] | None = None  # a frame kept back for look_back, and its index
    full_from = sync_start(start_s, opts) - _TIME_EPS_S  # full processing from here ...
    lo = decode_start(start_s, opts)  # ... rest level only from its sync point, decoded from lo
    seed_from = sync_start(lo + SYNC_LEAD_S, opts) - _TIME_EPS_S if lo > 0 else 0.0
    period: int | None = None  # the sync period of the last frame
    prev_t = -math.inf
    for frame in night_frames(segments, start_s=lo, end_s=end_s, on_issue=issues.append):
        t = frame.t_s
        size = (frame.gray.shape[1], frame.gray.shape[0])
        if frame.segment != segment and (t - prev_t > GAP_RESET_S or size != frame_size):
            # a new segment file that does not continue the one before (a gap, another
            # picture size): start afresh; a recording's next segment goes straight on
            segment = frame.segment
            for each in (meter, rest_meter, flow):
                each.reset()
            regions = None
            estimator.reset()
            frame_size = size
        elif frame.segment != segment:
            segment = frame.segment
        elif t - prev_t > GAP_RESET_S:
            for each in (meter, rest_meter, flow):
                each.reset()
        prev_t = t
        small, scale = _motion_input(frame.gray, opts.motion_width_px, opts.motion_row_step)
        if t < seed_from:  # the lead-in: motion's and flow's previous frame only
            meter.update(small)
            rest_meter.update(small)
            flow.update(small, scale, (), None, False)
            continue
        full = t >= full_from
        now = math.floor((t + _TIME_EPS_S) / opts.sync_s)
        if now != period:  # a sync: everything starts afresh from this frame
            period, kept = now, None
            pose.reset()
            res = pose.estimate(frame.rgb(), t)
            if res is None:
                last_kp, last_vis = _empty_pose()
                sync_boxes = [None, None]
            else:
                last_kp, last_vis = res.keypoints_px, res.visibility
                found_any = True
                sync_boxes = _boxes_at_sync(last_kp, last_vis, opts.min_visibility)
            boxes = list(sync_boxes)
            small_boxes = _scaled(boxes, scale)
            size = (small.shape[0], small.shape[1])
            regions = None if res is None else body_regions(last_kp, scale, size, small_boxes)
            m = meter.update(small, small_boxes)
            ch = flow.update(small, scale, small_boxes, regions, bool(m.max() > opts.gate_floor))
            if full:
                policy.restart(rest.before(t))
                policy.carry_activity(t, rest.active_before(t, policy.activity_level))
                policy.synced(t, float(max(m[1], m[2])), res is not None, first=now == 0)
            r = rest_meter.update(small, _scaled(sync_boxes, scale))
            rest.add(t, float(max(r[1], r[2])))
            if t >= start_s - _TIME_EPS_S:
                cols.append(t, last_kp, last_vis, True, m, ch)
            continue
        small_boxes = _scaled(boxes, scale)
        m = meter.update(small, small_boxes)
        r = rest_meter.update(small, _scaled(sync_boxes, scale))
        rest.add(t, float(max(r[1], r[2])))
        if not full:  # before the sync point the run starts from: the rest level only
            flow.update(small, scale, (), None, False)
            continue
        ch = flow.update(small, scale, small_boxes, regions, bool(m.max() > opts.gate_floor))
        run = policy.decide(t, float(max(m[1], m[2])))
        if policy.look_back and kept is not None and kept[0].segment == frame.segment:
            back, at = kept
            found = pose.estimate(back.rgb(), back.t_s)
            policy.ran(back.t_s, found is not None)
            kp, vis = (found.keypoints_px, found.visibility) if found else _empty_pose()
            # a frame kept before start_s is not in the tracks: its pose carries into them
            cols.set_pose(max(at, 0), kp, vis, ran=at >= 0)
            kept = None
        keep = t >= start_s - _TIME_EPS_S  # frames before start_s are decoded, not kept
        if policy.grid_point:
            kept = (frame, cols.n if keep else -1)  # this frame's entry is appended below
        elif run:
            kept = None
            res = pose.estimate(frame.rgb(), t)
            policy.ran(t, res is not None)
            if res is None:
                last_kp, last_vis = _empty_pose()
            else:
                last_kp, last_vis = res.keypoints_px, res.visibility
                found_any = True
                new_boxes = leg_boxes(last_kp, last_vis, opts.min_visibility)
                boxes = [
                    nb if nb is not None else ob for nb, ob in zip(new_boxes, boxes, strict=True)
                ]
                size = (small.shape[0], small.shape[1])
                regions = body_regions(last_kp, scale, size, _scaled(boxes, scale))
        if keep:
            cols.append(t, last_kp, last_vis, run, m, ch)
        if progress is not None and t - last_report >= 1.0:
            last_report = t
            progress(min(max(0.0, t - start_s), total_s), total_s)
    if progress is not None:
        progress(total_s, total_s)
    if require_person and not found_any:
        names = ", ".join(s.path for s in segments)
        raise NoPersonError(
            f"{names}: no baby (pose) was found in any frame — check that the camera shows the "
            "baby and that the video is not black"
        )
    a = cols.arrays()
    return NightTrack(
        t_s=a["t"],
        keypoints_px=a["kp"],
        visibility=a["vis"],
        pose_ran=a["ran"],
        motion=a["mot"],
        frame_size=frame_size if cols.n else (1, 1),
        segments=tuple(segments),
        model=getattr(estimator, "name", type(estimator).__name__),
        versions={"pose_model": getattr(estimator, "version", "")},
        issues=tuple(issues),
        channels=a["ch"],
        channel_names=CHANNEL_NAMES,
    )
