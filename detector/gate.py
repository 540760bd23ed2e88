"""When pose runs: the gate of :func:`detector.extract.track_extract`, frame by frame.

Pose is the expensive step (about 25 ms of CPU a call, as much as decoding ~17 frames of
720p video), so it runs only where it adds information (:class:`PosePolicy`):

- while something near the baby's legs moves, on every frame (full rate). *Moves*: the
  near-leg motion is above ``gate_floor`` and above ``gate_k`` times the rest level, the
  lowest one-second median of that motion over the last ``gate_rest_window_s``. A
  stationary noise floor (infrared grain) sets the rest level within a second, but a
  kicking bout does not: its one-second medians dip between kicks, so the rest level
  stays where the quiet legs put it and the bout is posed at full rate for its first
  ``busy_after_s`` (see below; a running mean adapted to a baby who kicks for 15 s and
  dropped pose to one a second — on ``infant_supine_kicking.mp4`` that merged three LMs
  into one long movement and lost the kicking bout). The rest level is capped at
  ``gate_rest_max`` (2.5 x ``gate_floor``; camera noise measured 0.0003 on a real cot
  video, 0.001 in the generator's infrared grain): a chunk that begins inside a kicking
  bout has no quiet second to learn from;
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
- only if ``busy_every_s`` is set (off by default: on the real kicking clip it lost a
  third of the LMs of the every-frame run, docs/BENCHMARKS.md, issue 21): while the legs
  have been active for longer than any leg movement can be scored as one
  (``busy_after_s``, 20 s: an LM lasts at most 10 s, a bilateral one 15 s), at most every
  ``busy_every_s``. A second is *active* when its median near-leg motion is above the
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

The policy is pure bookkeeping (no video, no model); :class:`RestSeconds` keeps the
one-second medians a sync starts it from (see :mod:`detector.extract`).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["TIME_EPS_S", "ExtractOptions", "PosePolicy", "RestSeconds"]

#: frame times are multiples of 1/fps in floating point: intervals are met within this
TIME_EPS_S = 1e-3
_TIME_EPS_S = TIME_EPS_S


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
    busy_every_s: float = 0.0  # ... pose at most this often while they stay so (0: off)
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


class RestSeconds:
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
