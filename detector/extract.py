"""Video in, per-frame tracks out: decode, motion energy and pose for one night (or a chunk).

Pose is the expensive step (about 25 ms of CPU a call, as much as decoding ~17 frames of
720p video), so it runs only where it adds information (:class:`PosePolicy`):

- while something near the baby's legs moves, on every frame (full rate). *Moves*: the
  near-leg motion is above ``gate_floor`` and above ``gate_k`` times the rest level, the
  lowest one-second median of that motion over the last ``gate_rest_window_s``. A
  stationary noise floor (infrared grain) sets the rest level within a second, but a
  kicking bout does not: its one-second medians dip between kicks, so the rest level
  stays where the quiet legs put it and the bout is posed at full rate throughout (a
  running mean adapted to a baby who kicks for 15 s and dropped pose to one a second —
  on ``infant_supine_kicking.mp4`` that merged three LMs into one long movement and lost
  the kicking bout). The rest level is capped at ``gate_rest_max`` (2.5 x ``gate_floor``;
  camera noise measured 0.0003 on a real cot video, 0.001 in the generator's infrared
  grain): a chunk that begins inside a kicking bout has no quiet second to learn from;
- while nothing moves, as a refresh: ``refresh_s`` after the last movement, then every
  ``refresh_max_s`` while the legs stay quiet (motion below ``gate_floor`` since the last
  pose: nothing moved, so the last pose holds, and the look-back below restores the pose
  a refresh every ``refresh_s`` would have had before the next onset; intervals doubling
  from ``refresh_s`` cost 6 % more pose calls on the bench night for no new information; and
  the signal stage interpolates keypoints only across gaps up to ``pose_interp_max_s``,
  1.2 s, so a quiet refresh is an isolated sample: 30 s instead of 8 s apart took the
  10-hour bench night from 0.0467 to 0.0417 pose calls a frame). Motion
  between the gate's adaptive level and the floor — a long movement, to which the gate's
  rest level has adapted — keeps the refresh at ``refresh_s``. When a movement starts
  after a longer gap, pose also runs, in hindsight, on the one frame kept back where a
  refresh every ``refresh_s`` would have run last (``look_back``): the keypoints before an
  onset are then exactly as with a refresh every ``refresh_s`` (the signal stage
  interpolates keypoints from the last pose into a movement, so that pose sets where the
  movement seems to start), at the cost of one more pose per movement;
- while the legs have been active for longer than any leg movement can be scored as one
  (``busy_after_s``, 20 s: an LM lasts at most 10 s, a bilateral one 15 s), at most every
  ``busy_every_s`` (1 s). A second is *active* when its median near-leg motion is above the
  gate's level (at most ``gate_rest_max``: a long activity raises the rest level and is
  still activity); activity ends at once after ``busy_pause_s`` (0.5 s, as a movement's
  offset) at or below that level. An awake baby's whole-body wriggling is one long movement
  whose keypoints at the full frame rate decide nothing: its rhythm is found in the leg
  regions' optical flow, measured on every frame (see the rhythm stage), and the next
  movement after it is posed at the full rate from its onset. A sync carries over the
  active seconds before it, measured in the sync's leg boxes, so chunks still give the
  tracks of the whole night;
- while no baby has been found, as a search: ``search_every_s`` apart, the interval
  doubling up to ``search_max_s`` while the searches fail, and back to ``search_every_s``
  when something starts to move (a baby put into the cot);
- an estimator that retries other frame rotations when a pose is weak (``weak_score``, as
  :class:`detector.pose.MediaPipePose`) may do so at most every ``retry_every_s``: a weak pose
  that stays weak (legs under a blanket) otherwise costs four model runs on every call.

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
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from detector.errors import NoPersonError
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
#: frame times are multiples of 1/fps in floating point: intervals are met within this
_TIME_EPS_S = 1e-3
#: frames further apart than this are not differenced: motion starts anew after the gap
GAP_RESET_S = 1.0
#: a run that starts after the night's start decodes this long before its sync point, so
#: the sync frame's motion has the previous frame a run from the start had (or none, after
#: a gap of more than GAP_RESET_S)
SYNC_LEAD_S = 1.5


@dataclass(frozen=True)
class ExtractOptions:
    """How the detector spends its time. ``gate=False`` runs pose on every frame.

    Stored with a job's chunks (``dataclasses.asdict``); fields added later need defaults.
    """

    gate: bool = True
    gate_k: float = 3.0  # motion above (rest level x gate_k) triggers pose ...
    gate_floor: float = 0.002  # ... and above this absolute motion energy
    gate_rest_window_s: float = 60.0  # rest level: lowest 1-s median motion over this long,
    gate_rest_max: float = 0.005  # at most this (noise: IR grain ~0.001, real cots ~0.0003)
    refresh_s: float = 1.0  # first pose this long after the last movement ...
    refresh_max_s: float = 30.0  # ... then this far apart while nothing stirs
    search_every_s: float = 0.5  # while no baby is found: first search interval ...
    search_max_s: float = 8.0  # ... doubling up to this while the searches fail
    move_every: int = 1  # while moving, pose on every n-th frame (1: full frame rate)
    busy_after_s: float = 20.0  # legs active this long (longer than any LM) ...
    busy_every_s: float = 1.0  # ... pose at most this often while they stay so (0: off)
    busy_pause_s: float = 0.5  # activity ends after this long below its level
    look_back: bool = True  # at an onset, pose the frame a refresh_s refresh would have
    retry_every_s: float = 10.0  # a weak pose may trigger other rotations this often
    sync_s: float = 60.0  # every this long on the night's timeline the detector starts afresh
    motion_width_px: int = 160
    motion_row_step: int = 4  # motion reads every n-th row of a frame shrunk 16x or more
    min_visibility: float = 0.5

    def __post_init__(self) -> None:
        names = ("refresh_s", "refresh_max_s", "search_every_s", "search_max_s")
        for name in (*names, "gate_rest_window_s", "sync_s", "busy_after_s", "busy_pause_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number of seconds, got {value}")
        if self.refresh_max_s < self.refresh_s:
            raise ValueError("refresh_max_s must not be below refresh_s")
        if self.search_max_s < self.search_every_s:
            raise ValueError("search_max_s must not be below search_every_s")
        if not (math.isfinite(self.gate_rest_max) and self.gate_rest_max >= 0):
            raise ValueError(f"gate_rest_max must be a motion level >= 0, got {self.gate_rest_max}")
        if self.retry_every_s < 0:
            raise ValueError("retry_every_s must not be negative")
        if self.motion_row_step < 1:
            raise ValueError("motion_row_step must be at least 1")
        if self.move_every < 1:
            raise ValueError("move_every must be at least 1")
        if not (math.isfinite(self.busy_every_s) and self.busy_every_s >= 0):
            raise ValueError(f"busy_every_s must be >= 0 seconds, got {self.busy_every_s}")


class PosePolicy:
    """Decides, frame by frame, whether pose runs (see the module doc).

    Call :meth:`decide` with each frame's time and near-leg motion, then :meth:`ran` after
    a pose call with whether a pose was found. Pure bookkeeping: no video, no model.
    """

    def __init__(self, opts: ExtractOptions) -> None:
        self.opts = opts
        #: searches in a row that failed, beyond which the interval no longer doubles
        self._failures_max = 1 + math.ceil(math.log2(opts.search_max_s / opts.search_every_s))
        self.restart()

    def restart(self, rest_medians: Sequence[float] = ()) -> None:
        """Forget everything seen: the state of a policy just made, its rest level learned
        from ``rest_medians`` (one-second medians of near-leg motion, oldest first). See
        :func:`track_extract`, which restarts it at every ``sync_s`` of the night's timeline."""
        o = self.opts
        self._medians: deque[float] = deque(
            rest_medians, maxlen=max(1, math.ceil(o.gate_rest_window_s))
        )
        #: rest level of near-baby motion (0 until a second has passed)
        self.rest = min(min(self._medians), o.gate_rest_max) if self._medians else 0.0
        self._second = -math.inf  # the one-second bin being filled ...
        self._bin: list[float] = []  # ... its motion values
        self.have_pose = False  # the last call found a pose
        self.moving = False  # the current frame moves (set by decide)
        self._moving_run = 0  # frames in a row that moved, up to this one
        self._stirred = False  # motion above gate_floor since the last pose
        self._grid_t = -math.inf  # last frame a refresh every refresh_s would have posed
        self.grid_point = False  # set by decide: keep this frame back (see look_back)
        self.look_back = False  # set by decide: pose the frame kept back first
        self._last_try_t = -math.inf
        self._last_pose_t = -math.inf
        self._still_every = self.opts.refresh_s
        self._failures = 0  # searches in a row that found nobody
        self._reset_t = -math.inf  # when motion last shortened the search interval
        self._active_s = 0  # whole seconds in a row of leg activity, up to the last one ...
        self._active_second = -math.inf  # ... which was this second
        self._quiet_from: float | None = None  # first frame of a run below activity_level

    @property
    def gate_level(self) -> float:
        """The near-leg motion a frame must pass to move: ``gate_floor``, or ``gate_k`` times
        the rest level if higher."""
        return max(self.opts.gate_floor, self.opts.gate_k * self.rest)

    @property
    def activity_level(self) -> float:
        """The one-second median near-leg motion that makes a second of leg activity: the
        gate's level, but at most ``gate_rest_max`` (the most the gate takes for noise: a
        long activity raises the rest level, and is still activity), never below
        ``gate_floor``. A median, so that noise spikes make no activity."""
        o = self.opts
        return max(o.gate_floor, min(o.gate_k * self.rest, o.gate_rest_max))

    def carry_activity(self, t_s: float, active_s: float) -> None:
        """At a sync at ``t_s`` (after :meth:`restart`): the legs were active in the
        ``active_s`` whole seconds before ``t_s``'s (0: not in the one before)."""
        if active_s > 0:
            self._active_s = int(active_s)
            self._active_second = math.floor(t_s + _TIME_EPS_S) - 1

    @property
    def busy(self) -> bool:
        """The legs have been active longer than ``busy_after_s`` (and ``busy_every_s`` is on):
        pose runs at most every ``busy_every_s``."""
        o = self.opts
        return o.busy_every_s > 0 and self._active_s >= o.busy_after_s - _TIME_EPS_S

    def _note_motion(self, t_s: float, near_motion: float) -> None:
        """Leg activity ends at once when the near-leg motion stays at or below
        :attr:`activity_level` for ``busy_pause_s`` (as a movement ends after 0.5 s below its
        offset threshold)."""
        if near_motion > self.activity_level:
            self._quiet_from = None
        elif self._quiet_from is None:
            self._quiet_from = t_s
        elif t_s - self._quiet_from >= self.opts.busy_pause_s - _TIME_EPS_S:
            self._active_s = 0

    def synced(self, t_s: float, near_motion: float, found: bool, *, first: bool) -> None:
        """Record the pose run on a sync frame at ``t_s`` (just after :meth:`restart`), its
        near-leg motion and whether a pose was found, as the start of a fresh schedule:
        quiet legs with a pose wait for the next refresh at ``refresh_max_s`` (a sync is the
        quiet refresh), anything else refreshes after ``refresh_s``; a sync that finds
        nobody searches again at ``search_max_s`` (or sooner once something moves), except
        at the ``first`` sync of the night, after which the search starts at its shortest
        interval."""
        o = self.opts
        self._bin_add(t_s, near_motion)
        self.moving = near_motion > self.gate_level
        self._moving_run = int(self.moving)
        self._note_motion(t_s, near_motion)
        self.have_pose = found
        self._last_try_t = self._last_pose_t = self._grid_t = t_s
        self._failures = 0 if found else 1 if first else self._failures_max
        quiet = found and not self.moving and near_motion <= o.gate_floor
        self._still_every = o.refresh_max_s if quiet else o.refresh_s

    def _bin_add(self, t_s: float, near_motion: float) -> None:
        """Put the frame's motion into its one-second bin; a bin completed sets the rest level."""
        second = math.floor(t_s + _TIME_EPS_S)
        if second != self._second:
            if self._bin:
                med = float(np.median(self._bin))
                if med > self.activity_level:  # a second of leg activity
                    run = self._active_second == self._second - 1 and self._active_s > 0
                    self._active_s = self._active_s + 1 if run else 1
                    self._active_second = self._second
                else:
                    self._active_s = 0
                self._medians.append(med)
                self.rest = min(min(self._medians), self.opts.gate_rest_max)
                self._bin.clear()
            self._second = second
        self._bin.append(near_motion)

    def decide(self, t_s: float, near_motion: float) -> bool:
        """Whether pose should run on the frame at ``t_s`` with this near-leg motion."""
        o = self.opts
        self._bin_add(t_s, near_motion)
        was = self.moving
        self.moving = near_motion > self.gate_level
        self._moving_run = self._moving_run + 1 if self.moving else 0
        self._note_motion(t_s, near_motion)
        self.grid_point = self.look_back = False
        if not o.gate:
            return True
        if not self.have_pose:
            if self.moving and not was and t_s - self._reset_t >= o.search_max_s:
                self._failures = min(self._failures, 1)  # something moves: look again soon
                self._reset_t = t_s
            every = min(o.search_every_s * 2.0 ** max(self._failures - 1, 0), o.search_max_s)
            return t_s - self._last_try_t >= every - _TIME_EPS_S
        if near_motion > o.gate_floor:  # not quiet, even if below the adaptive gate
            self._stirred = True
        if self.moving:
            self._still_every = o.refresh_s
            if self.busy:
                return t_s - self._last_pose_t >= o.busy_every_s - _TIME_EPS_S
            self.look_back = (
                o.look_back and self._moving_run == 1 and self._grid_t > self._last_pose_t
            )
            return (self._moving_run - 1) % o.move_every == 0
        run = t_s - self._last_pose_t >= self._still_every - _TIME_EPS_S
        if not run and t_s - max(self._grid_t, self._last_pose_t) >= o.refresh_s - _TIME_EPS_S:
            self._grid_t = t_s
            self.grid_point = o.look_back
        return run

    def ran(self, t_s: float, found: bool) -> None:
        """Record a pose call at ``t_s`` and whether it found a pose."""
        o = self.opts
        if found:
            if self.have_pose and not self.moving:  # a still refresh: the next one later ...
                quiet = not self._stirred  # ... if nothing stirred since the last pose
                self._still_every = o.refresh_max_s if quiet else o.refresh_s
            self._last_pose_t = t_s
            self._stirred = False
            self._failures = 0
        else:  # the next search after search_every_s, then at doubling intervals
            self._failures = min(self._failures + 1, self._failures_max)
        self.have_pose = found
        self._last_try_t = t_s


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
    10-minute stretch of the bench night, 395 to 846."""
    h, w = gray.shape[:2]
    if w <= width_px:
        return gray, 1.0
    scale = width_px / w
    out_h = max(1, round(h * scale))
    rows = gray[::row_step] if h >= 4 * row_step * out_h else gray
    small = cv2.resize(rows, (width_px, out_h), interpolation=cv2.INTER_AREA)
    return small, scale


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


class _RestSeconds:
    """One-second medians of the near-leg motion measured in the leg boxes of the last sync
    (so they do not depend on when pose ran), over the last ``window_s``: the rest level a
    sync starts from, and the leg activity it carries over."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._done: deque[tuple[int, float]] = deque(maxlen=math.ceil(window_s) + 1)
        self._second = -math.inf
        self._bin: list[float] = []

    def add(self, t_s: float, near_motion: float) -> None:
        self._close(math.floor(t_s + _TIME_EPS_S))
        self._bin.append(near_motion)

    def before(self, t_s: float) -> list[float]:
        """The medians of the ``window_s`` seconds before ``t_s``, oldest first."""
        second = math.floor(t_s + _TIME_EPS_S)
        self._close(second)
        return [m for s, m in self._done if second - self.window_s <= s < second]

    def active_before(self, t_s: float, level: float) -> float:
        """Seconds of leg activity just before ``t_s``: how many whole seconds in a row, back
        from the one before ``t_s``'s and within ``window_s``, had a median above ``level``."""
        second = math.floor(t_s + _TIME_EPS_S)
        self._close(second)
        n = 0
        for s, med in reversed(self._done):
            if s != second - 1 - n or med <= level or n >= self.window_s:
                break
            n += 1
        return float(n)

    def _close(self, second: int) -> None:
        if second != self._second:
            if self._bin:
                self._done.append((int(self._second), float(np.median(self._bin))))
                self._bin = []
            self._second = second


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
    rest = _RestSeconds(opts.gate_rest_window_s)
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
