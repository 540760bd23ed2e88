"""Which leg is which: the pose model's left/right swaps undone over the whole night.

MediaPipe labels each leg's hip, knee and ankle afresh on every frame. On an infant seen
from behind or from its feet (face down, legs close together, one leg moving) it swaps the
two legs' labels from one frame to the next and back: on the generated ``prone`` scene the
right leg's planted LM at 100 s is relabelled as the left leg 0.24 s after its onset and
back 1.1 s later, and 24 % of the model's poses there have the legs the wrong way round.
Each leg's signal then jumps by the distance between the legs and back — neither leg's
movement: the LM is read as two twitches, one on each leg — and the detector draws each
leg's motion box around the other leg from the swapped pose on.

A leg cannot move to the other leg's place between two poses while the other moves to its
place. So the labels are chosen for the whole sequence of poses at once, as the cheapest
path through two states per pose (as labelled, or swapped) — a Viterbi pass, the way
trackers keep identities through ambiguous frames ([video] adaptation):

- moving from one pose to the next costs the distance the legs' joints travel between the
  two readings (hips, knees and ankles of both legs, in units of the night's median
  distance between the legs' joints), at most :data:`SWAP_JUMP_CAP` (a pose the model
  garbled costs no more than a jump), and nothing across a break: frames more than
  :data:`SWAP_MAX_GAP_S` apart (a gap in the video) or frames without the legs (no pose
  found) in between — the legs may have moved anywhere. The frames between two poses that
  the detector's gate skipped are no break: it skips while the legs stay still, so they
  are where the last pose left them (deciding across the gate's pauses as if anything
  could have happened there relabelled a whole LM of ``prone`` the wrong way round, from
  its first pose on: the model had it wrong for more of it than right);
- every swapped pose costs :data:`SWAP_PRIOR` — the model's labels are right most of the
  time, so a sequence is relabelled only where continuity clearly asks for it, and after a
  gap the model's own labels stand.

A swap and its return are two jumps of about twice the separation each; relabelling the
poses between them removes both. A pose with the legs drawn together (the model's
collapsed reading of both legs in the middle) lies as close to either reading of its
neighbours and is decided by them, not by itself — deciding pose by pose from the last pose
alone carried such a pose's wrong labels on (``clean_day``: 79 % of poses labelled right
against the model's own 92 %).

What was measured in a leg's box follows the labels: a frame's keypoints take the state of
the last pose at or before it, its leg-region motion and flow the state of the last pose
before it (the detector measures a frame's motion in the boxes of the poses before it, then
runs the pose model on it).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from detector.track import NightTrack

__all__ = ["SWAP_JUMP_CAP", "SWAP_MAX_GAP_S", "SWAP_PRIOR", "legs_by_continuity"]

#: the cost of one pose relabelled against the model, in units of the legs' separation
SWAP_PRIOR = 0.05
#: a step between two poses costs at most this (units of the legs' separation): a garbled
#: pose counts as one jump, not as whatever distance it happens to lie at
SWAP_JUMP_CAP = 4.0
#: frames further apart than this are a gap in the video: the poses either side are not
#: compared
SWAP_MAX_GAP_S = 0.5

_JOINTS = ("hip", "knee", "ankle")


def _leg_index(track: NightTrack) -> tuple[list[int], list[int]]:
    names = list(track.keypoint_names)
    return (
        [names.index(f"left_{j}") for j in _JOINTS],
        [names.index(f"right_{j}") for j in _JOINTS],
    )


def _viterbi(step: np.ndarray, prior: float) -> np.ndarray:
    """The cheapest states (m,) of 0/1 for transition costs ``step`` (m - 1, 2, 2) —
    ``step[n, a, b]`` from state a of pose n to state b of pose n + 1 — and ``prior`` for
    every pose in state 1."""
    m = step.shape[0] + 1
    unary = np.array([0.0, prior])
    cost = unary.copy()
    back = np.zeros((m, 2), dtype=np.int8)
    for n in range(m - 1):
        total = cost[:, None] + step[n]  # (from, to)
        back[n + 1] = np.argmin(total, axis=0)
        cost = total[back[n + 1], [0, 1]] + unary
    states = np.zeros(m, dtype=np.int8)
    states[-1] = int(np.argmin(cost))
    for n in range(m - 1, 0, -1):
        states[n - 1] = back[n, states[n]]
    return states


def _exchanged(values: np.ndarray, rows: np.ndarray, a: list[int], b: list[int]) -> np.ndarray:
    """A copy of ``values`` (N, C, ...) with columns ``a`` and ``b`` exchanged on ``rows``."""
    out = values.copy()
    at, to = np.asarray(a + b), np.asarray(b + a)
    out[np.ix_(rows, at)] = values[np.ix_(rows, to)]
    return out


def legs_by_continuity(track: NightTrack) -> tuple[NightTrack, np.ndarray]:
    """``track`` with the legs' labels swapped back where the pose model swapped them (see
    the module doc), and a (N,) bool array of the frames whose keypoints were swapped. The
    same track object comes back when nothing was."""
    n = track.n_frames
    swapped = np.zeros(n, dtype=bool)
    left, right = _leg_index(track)
    legs = left + right
    kp = track.keypoints_px.astype(np.float64)
    poses = np.flatnonzero(track.pose_ran & np.isfinite(kp[:, legs]).all(axis=(1, 2)))
    if poses.size < 3:
        return track, swapped
    as_is = kp[poses][:, legs]  # (m, 6, 2)
    other = kp[poses][:, right + left]
    sep = float(np.median(np.linalg.norm(as_is[:, :3] - as_is[:, 3:], axis=2).sum(axis=1)))
    if not sep > 0:
        return track, swapped
    readings = (as_is, other)
    step = np.empty((poses.size - 1, 2, 2))
    for a in range(2):
        for b in range(2):
            d = np.linalg.norm(readings[b][1:] - readings[a][:-1], axis=2).sum(axis=1)
            step[:, a, b] = np.minimum(d / sep, SWAP_JUMP_CAP)
    # no comparison across a break in the video or a stretch without legs; the gate's
    # skipped frames between two poses are no break (it skips while the legs stay still)
    known = np.isfinite(kp[:, legs]).all(axis=(1, 2))
    jump = np.concatenate([[False], np.diff(track.t_s) > SWAP_MAX_GAP_S])
    cut = np.cumsum(~known | jump)
    step[cut[poses[1:]] != cut[poses[:-1]]] = 0.0
    states = _viterbi(step, SWAP_PRIOR).astype(bool)
    if not states.any():
        return track, swapped
    # every frame takes the state of the last pose at or before it (keypoints) ...
    ran = track.pose_ran
    last_run = np.maximum.accumulate(np.where(ran, np.arange(n), -1))
    pose_state = np.zeros(n, dtype=bool)
    pose_state[poses] = states
    # a run without all leg points keeps the model's labels (it was not relabelled)
    swapped = np.where(last_run >= 0, pose_state[np.maximum(last_run, 0)], False)
    # ... and its measured leg regions that of the last pose before it
    before = np.concatenate([[-1], last_run[:-1]])
    boxes_swapped = np.where(before >= 0, pose_state[np.maximum(before, 0)], False)
    new_kp = _exchanged(track.keypoints_px, swapped, left, right)
    new_vis = _exchanged(track.visibility, swapped, left, right)
    regions = list(track.motion_regions)
    new_motion = _exchanged(
        track.motion, boxes_swapped, [regions.index("left_leg")], [regions.index("right_leg")]
    )
    chans = track.channels
    names = list(track.channel_names)
    pairs = [(f"flow_left_{d}", f"flow_right_{d}") for d in ("dx", "dy")]
    pairs = [(a, b) for a, b in pairs if a in names and b in names]
    if chans is not None and pairs:
        chans = _exchanged(
            np.asarray(chans),
            boxes_swapped,
            [names.index(a) for a, _ in pairs],
            [names.index(b) for _, b in pairs],
        )
    relabelled = dataclasses.replace(
        track, keypoints_px=new_kp, visibility=new_vis, motion=new_motion, channels=chans
    )
    return relabelled, swapped
