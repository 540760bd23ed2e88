"""Cheap motion signals of a downscaled grey frame: frame differencing and optical flow.

- :class:`MotionMeter`: for every frame, the mean absolute grey-level change since the
  previous frame (0..1), over the whole frame and over a box around each leg (from the
  latest good pose). It gates the expensive pose step and is the fallback signal wherever
  keypoints cannot be trusted (blanket, darkness, odd posture). Where the whole picture
  moved (a shaken phone, a monitor panning) the previous frame is first shifted by the
  camera's own motion (:func:`camera_shift`), so the change is what moved *in* the picture.
- :class:`FlowMeter`: dense optical flow (OpenCV's DIS, ultrafast preset) between the same
  small frames, summed up per region: which way each leg region moves (frame differencing
  cannot tell a leg going up from one going down, so it cannot give a kick's phase), the
  torso's and the background's flow (the camera's own motion, taken out of the others),
  and the motion outside the baby's body region (something entering the picture).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from detector.track import CHANNEL_NAMES, KEYPOINT_NAMES

__all__ = ["BodyRegions", "FlowMeter", "MotionMeter", "body_regions", "camera_shift", "leg_boxes"]

_LEG_POINTS = {
    leg: [KEYPOINT_NAMES.index(f"{leg}_{j}") for j in ("hip", "knee", "ankle")]
    for leg in ("left", "right")
}


def _mean(a: np.ndarray) -> float:
    """Mean of a uint8 image, bitwise equal to ``float(a.mean())`` (both sum exactly and divide
    once) at a tenth of the cost on a 160 x 90 frame: NumPy's reduction machinery costs more
    than the sum itself, on three regions of every frame."""
    return float(cv2.sumElems(a)[0]) / a.size


def leg_boxes(
    keypoints_px: np.ndarray, visibility: np.ndarray, min_visibility: float = 0.5
) -> list[tuple[float, float, float, float] | None]:
    """A box (x0, y0, x1, y1) in pixels around each leg's hip, knee and ankle, grown by half
    the leg's length on every side; None for a leg without visible keypoints."""
    out: list[tuple[float, float, float, float] | None] = []
    for leg in ("left", "right"):
        idx = _LEG_POINTS[leg]
        pts = keypoints_px[idx]
        ok = np.isfinite(pts).all(axis=1) & (visibility[idx] >= min_visibility)
        if ok.sum() < 2:
            out.append(None)
            continue
        p = pts[ok]
        length = float(np.linalg.norm(np.diff(p, axis=0), axis=1).sum())
        m = max(0.5 * length, 8.0)
        out.append((p[:, 0].min() - m, p[:, 1].min() - m, p[:, 0].max() + m, p[:, 1].max() + m))
    return out


#: the camera's shift is looked for only where the whole small frame changed by at least this
#: much (mean |grey change| / 255): a still camera's frame changes by 0.0001 from one frame to
#: the next and 0.0003-0.0005 while a leg moves (generated scenes), a camera shaken by a few
#: pixels a frame by 0.01-0.02 (``moving_camera``), so a night filmed from a fixed camera
#: hardly ever pays for the search
CAMERA_CHECK_MIN = 0.002
#: a shift (small-frame pixels) smaller than this is no camera motion: the frame is
#: differenced as it is (a leg or an arm moving on a still background moves phase
#: correlation's peak by a few hundredths of a pixel)
CAMERA_SHIFT_MIN_PX = 0.1
#: the shifted frame is used only when it leaves at most this share of the plain change:
#: the picture then moved as a whole (something moving *in* a still picture — a caregiver's
#: arm, a baby rolling over — is not explained by shifting the frame)
CAMERA_EXPLAINED = 0.8
#: a camera moves every part of the picture: its shift is looked for only where at least
#: this share of the frame's 4 x 4 tiles changed by a quarter of the frame's mean change or
#: more (a moving camera on the generated scenes: all of them in every frame; a caregiver's
#: arm or a wriggling baby: a median of 0.38-0.5; an object moving on a plain background,
#: which phase correlation would follow as if it were the camera, 1 tile in 16)
CAMERA_SPREAD = 0.75
_TILES = 4
#: phase correlation's peak response below this is no clear shift (an untextured picture)
_CAMERA_RESPONSE_MIN = 0.1
_HANNING: dict[tuple[int, int], np.ndarray] = {}
_LAST_SHIFT: list[tuple[np.ndarray, np.ndarray, tuple[float, float] | None]] = []


def camera_shift(prev: np.ndarray, cur: np.ndarray) -> tuple[float, float] | None:
    """The whole picture's shift (dx, dy) in pixels from ``prev`` to ``cur`` (uint8 grey frames
    of one size) by phase correlation (OpenCV's ``phaseCorrelate`` with a Hanning window,
    sub-pixel), or None when it is no clear shift of at least :data:`CAMERA_SHIFT_MIN_PX`.

    Phase correlation finds the one translation that best lines up the two frames as a whole;
    a camera's shake or pan is that (its turn and zoom within a frame's time are a fraction of
    a pixel on the small frame), a limb moving on a still background is not (the background's
    peak stays at 0). About 0.4 ms on a 160 x 120 frame. The last answer is kept: the
    detector's two motion meters difference the same frames."""
    for p, c, shift in _LAST_SHIFT:
        if p.shape == prev.shape and np.array_equal(p, prev) and np.array_equal(c, cur):
            return shift
    h, w = cur.shape[:2]
    win = _HANNING.get((h, w))
    if win is None:
        win = _HANNING.setdefault((h, w), cv2.createHanningWindow((w, h), cv2.CV_32F))
    found: tuple[float, float] | None = None
    if h >= 8 and w >= 8:
        (dx, dy), response = cv2.phaseCorrelate(
            prev.astype(np.float32), cur.astype(np.float32), win
        )
        ok = math.isfinite(dx) and math.isfinite(dy) and response >= _CAMERA_RESPONSE_MIN
        if ok and math.hypot(dx, dy) >= CAMERA_SHIFT_MIN_PX:
            found = (float(dx), float(dy))
    _LAST_SHIFT[:] = [(prev.copy(), cur.copy(), found)]
    return found


class MotionMeter:
    """Per-frame motion energy for the whole frame and two leg regions.

    ``width_px`` is the width frames are downscaled to before differencing (area
    averaging, which also suppresses sensor noise). Where the whole frame changed by at
    least :data:`CAMERA_CHECK_MIN`, all over it (:data:`CAMERA_SPREAD`), and the picture
    moved as a whole (:func:`camera_shift`),
    the previous frame is shifted by that motion before differencing, when that explains
    most of the change (:data:`CAMERA_EXPLAINED`): a shaken or panning camera changes
    every textured pixel (a leg box 1.5-1.6 times the whole frame, as a moving leg does),
    and what is left once the camera's shift is taken out is what moved in the picture
    (on ``moving_camera``'s shake: the leg boxes' change from 0.030 to 0.0095, and a planted
    leg movement lifts its box's to 0.011-0.013, 1.5-1.7 times the whole frame's against
    1.3 without one). ``compensate=False`` differences every frame as it is.
    """

    def __init__(self, width_px: int = 160, compensate: bool = True) -> None:
        if width_px < 16:
            raise ValueError(f"width_px must be at least 16, got {width_px}")
        self.width_px = width_px
        self.compensate = compensate
        self._prev: np.ndarray | None = None
        self._scale = 1.0

    def reset(self) -> None:
        """Forget the previous frame (e.g. across a gap between segment files)."""
        self._prev = None

    def update(
        self, gray: np.ndarray, boxes: Sequence[tuple[float, float, float, float] | None] = ()
    ) -> np.ndarray:
        """Motion (whole, left_leg, right_leg) of ``gray`` against the previous frame.

        Boxes are in full-frame pixels; a leg without a box gets the whole-frame value.
        The first frame after a reset has zero motion.
        """
        h, w = gray.shape[:2]
        self._scale = min(1.0, self.width_px / w)
        if self._scale < 1.0:
            small = cv2.resize(
                gray, (self.width_px, max(1, round(h * self._scale))), interpolation=cv2.INTER_AREA
            )
        else:
            small = gray
        if self._prev is None or self._prev.shape != small.shape:
            self._prev = small.copy()  # a copy: ``gray`` may be a view into the decoder's frame
            return np.zeros(3, dtype=np.float32)
        diff = cv2.absdiff(small, self._prev)  # |a - b| of uint8, exact, without int16 copies
        whole = _mean(diff) / 255.0
        if self.compensate and whole >= CAMERA_CHECK_MIN:
            diff, whole = self._stabilised(small, diff, whole)
        self._prev = small if small is not gray else small.copy()
        out = [whole]
        for k in range(2):
            box = boxes[k] if k < len(boxes) else None
            out.append(self._region(diff, box) if box is not None else whole)
        return np.asarray(out, dtype=np.float32)

    def _stabilised(
        self, small: np.ndarray, diff: np.ndarray, whole: float
    ) -> tuple[np.ndarray, float]:
        """``small``'s change against the previous frame once the camera's motion is taken
        out, and its whole-frame mean; ``diff`` and ``whole`` as they are when the picture
        did not move as a whole. Each frame is moved half the shift towards the other, so
        both are interpolated alike (moving only the previous frame blurs it against the
        sharp new one: on ``moving_camera``'s shake the change left is 1.29 grey levels
        against 1.58, from 4.18 unshifted). The strip a shift uncovers is filled from the
        frame's edge."""
        prev = self._prev
        if prev is None or min(small.shape) < _TILES:
            return diff, whole
        tiles = cv2.resize(diff, (_TILES, _TILES), interpolation=cv2.INTER_AREA)
        spread = float(np.mean(tiles >= 0.25 * whole * 255.0))
        shift = camera_shift(prev, small) if spread >= CAMERA_SPREAD else None
        if shift is None:
            return diff, whole
        h, w = small.shape
        half_dx, half_dy = shift[0] / 2, shift[1] / 2
        fwd = np.array([[1, 0, half_dx], [0, 1, half_dy]], dtype=np.float32)
        back = np.array([[1, 0, -half_dx], [0, 1, -half_dy]], dtype=np.float32)
        flags, border = cv2.INTER_LINEAR, cv2.BORDER_REPLICATE
        moved = cv2.warpAffine(prev, fwd, (w, h), flags=flags, borderMode=border)
        here = cv2.warpAffine(small, back, (w, h), flags=flags, borderMode=border)
        comp = cv2.absdiff(here, moved)
        comp_whole = _mean(comp) / 255.0
        if comp_whole > CAMERA_EXPLAINED * whole:
            return diff, whole
        return comp, comp_whole

    def _region(self, diff: np.ndarray, box: tuple[float, float, float, float]) -> float:
        s = self._scale
        hh, ww = diff.shape
        # plain floats: np.clip on scalars costs more than the mean itself, on every frame
        x0 = min(max(math.floor(box[0] * s), 0), ww - 1)
        y0 = min(max(math.floor(box[1] * s), 0), hh - 1)
        x1 = min(max(math.ceil(box[2] * s), x0 + 1), ww)
        y1 = min(max(math.ceil(box[3] * s), y0 + 1), hh)
        return _mean(diff[y0:y1, x0:x1]) / 255.0


# --- directional motion -------------------------------------------------------------------
_K = {name: i for i, name in enumerate(KEYPOINT_NAMES)}
#: skeleton segments whose neighbourhood is the baby's body region
_BODY_SEGMENTS = (
    ("left_shoulder", "right_shoulder"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_hip", "right_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("nose", "left_shoulder"),
    ("nose", "right_shoulder"),
)
_BODY_RADIUS = 0.2  # body region: this many body lengths around the skeleton's segments ...
_REACH_RADIUS = 0.5  # ... and around each shoulder (where the baby's arms reach: an
# infant's arm is about 0.37 of the shoulder-to-ankle chain)
_TORSO = ("left_shoulder", "right_shoulder", "right_hip", "left_hip")


class BodyRegions:
    """Masks (uint8, 0/255) on the small motion frame: the baby's body region, its torso and
    each leg's flow region (None where the pose does not give one). Made by
    :func:`body_regions`."""

    def __init__(
        self,
        body: np.ndarray,
        torso: np.ndarray | None,
        legs: Sequence[np.ndarray | None] = (None, None),
    ) -> None:
        self.body = body
        self.outside = cv2.bitwise_not(body)
        self.torso = torso
        self.legs = list(legs)
        self.any_outside = bool(cv2.countNonZero(self.outside))


def body_regions(
    keypoints_px: np.ndarray,
    scale: float,
    shape: tuple[int, int],
    boxes: Sequence[tuple[float, float, float, float] | None] = (),
) -> BodyRegions | None:
    """The body region of a pose on the small frame of ``shape`` (rows, columns), its
    keypoints in full-frame pixels scaled by ``scale``: every keypoint the model placed,
    whatever its visibility (under a blanket the legs are placed but not seen, and the
    blanket moving with them is the baby's motion), the segments between them grown by
    0.2 body lengths, 0.5 around the shoulders (the arms), and the leg ``boxes``
    (small-frame pixels) the leg motion is measured in. None with fewer than three keypoints.

    Each leg's flow region is its box less the pixels nearer the other leg's hip-knee-ankle
    line than its own (the boxes are grown by half a leg's length and overlap: without the
    split each would see the other leg too, and cycling legs would look in phase)."""
    pts = np.asarray(keypoints_px, dtype=np.float64) * scale
    ok = np.isfinite(pts).all(axis=1)
    if ok.sum() < 3:
        return None
    h, w = shape

    def mid(a: str, b: str) -> np.ndarray | None:
        if ok[_K[a]] and ok[_K[b]]:
            return (pts[_K[a]] + pts[_K[b]]) / 2
        return pts[_K[a]] if ok[_K[a]] else (pts[_K[b]] if ok[_K[b]] else None)

    chain = [
        mid("left_shoulder", "right_shoulder"),
        mid("left_hip", "right_hip"),
        mid("left_knee", "right_knee"),
        mid("left_ankle", "right_ankle"),
    ]
    known = [c for c in chain if c is not None]
    length = sum(float(np.linalg.norm(b - a)) for a, b in zip(known, known[1:], strict=False))
    if length <= 0:
        x0, y0 = pts[ok].min(axis=0)
        x1, y1 = pts[ok].max(axis=0)
        length = float(np.hypot(x1 - x0, y1 - y0))
    length = max(length, 4.0)
    body = np.zeros((h, w), np.uint8)

    def at(i: int) -> tuple[int, int]:
        x, y = np.clip(pts[i], -4 * max(h, w), 4 * max(h, w))
        return int(round(x)), int(round(y))

    thick = max(1, int(round(2 * _BODY_RADIUS * length)))
    for a, b in _BODY_SEGMENTS:
        ia, ib = _K[a], _K[b]
        if ok[ia] and ok[ib]:
            cv2.line(body, at(ia), at(ib), (255,), thick)
    for i in np.flatnonzero(ok):
        cv2.circle(body, at(int(i)), thick // 2, (255,), -1)
    for name in ("left_shoulder", "right_shoulder"):
        if ok[_K[name]]:
            cv2.circle(body, at(_K[name]), max(1, int(round(_REACH_RADIUS * length))), (255,), -1)
    for box in boxes:
        if box is not None:
            x0, y0, x1, y1 = (int(round(v)) for v in box)
            cv2.rectangle(body, (x0, y0), (x1, y1), (255,), -1)
    legs = _leg_regions(pts, ok, (h, w), boxes, at)
    torso = None
    if all(ok[_K[n]] for n in _TORSO):
        torso = np.zeros((h, w), np.uint8)
        quad = np.array([at(_K[n]) for n in _TORSO], dtype=np.int32)
        cv2.fillConvexPoly(torso, cv2.convexHull(quad), (255,))
        if not cv2.countNonZero(torso):
            torso = None
    return BodyRegions(body, torso, legs)


def _leg_regions(pts, ok, shape, boxes, at):  # type: ignore[no-untyped-def]
    """Each leg's box (small-frame pixels) without the pixels nearer the other leg's line."""
    h, w = shape
    dist: list[np.ndarray | None] = []
    for leg in ("left", "right"):
        idx = [i for i in _LEG_POINTS[leg] if ok[i]]
        if len(idx) < 2:
            dist.append(None)
            continue
        line = np.full((h, w), 255, np.uint8)
        for a, b in zip(idx, idx[1:], strict=False):
            cv2.line(line, at(a), at(b), (0,), 1)
        dist.append(cv2.distanceTransform(line, cv2.DIST_L2, 3))
    out: list[np.ndarray | None] = []
    for k in range(2):
        box = boxes[k] if k < len(boxes) else None
        if box is None:
            out.append(None)
            continue
        mask = np.zeros((h, w), np.uint8)
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        cv2.rectangle(mask, (x0, y0), (x1 - 1, y1 - 1), (255,), -1)
        own, other = dist[k], dist[1 - k]
        if own is not None and other is not None:
            mask[(other < own) if k == 0 else (other <= own)] = 0  # a tie is the left leg's
        out.append(mask if cv2.countNonZero(mask) else None)
    return out


class FlowMeter:
    """Per-frame directional motion, the channels :data:`detector.track.CHANNEL_NAMES`.

    Dense optical flow (DIS, ultrafast preset: about 0.15 ms a 160 x 120 frame) from the
    previous small frame to this one. The background's flow is the median flow outside
    the body region (the whole frame without one): the camera's own motion. Each leg
    region's flow is the mean flow in its region (:func:`body_regions`; its box where
    the pose gives none), the torso's the median in the
    shoulders-hips quadrilateral, both minus the background's; all in full-frame pixels
    per frame (x right, y down). ``motion_outside`` is the mean absolute grey-level change
    outside the body region (0..1; NaN without a body region): motion there is not the
    baby's. Flow is only worked out on frames where ``update`` is told something moves;
    elsewhere it is 0 (nothing moved).
    """

    def __init__(self) -> None:
        self._dis = cv2.DISOpticalFlow.create(cv2.DISOpticalFlow_PRESET_ULTRAFAST)
        self._prev: np.ndarray | None = None
        self._flow: np.ndarray | None = None  # the output buffer, reused

    def reset(self) -> None:
        """Forget the previous frame (e.g. across a gap between segment files)."""
        self._prev = None

    def update(
        self,
        small: np.ndarray,
        scale: float,
        boxes: Sequence[tuple[float, float, float, float] | None] = (),
        regions: BodyRegions | None = None,
        moving: bool = True,
    ) -> np.ndarray:
        """The channels of ``small`` (the downscaled grey frame, ``scale`` x full size)
        against the previous one. ``boxes`` are the leg boxes in small-frame pixels,
        ``regions`` the body masks of the same size (or None)."""
        out = np.zeros(len(CHANNEL_NAMES), dtype=np.float32)
        prev, self._prev = self._prev, small.copy()
        usable = regions is not None and regions.body.shape == small.shape
        if prev is None or prev.shape != small.shape:
            out[_CH["motion_outside"]] = 0.0 if usable else np.nan
            if not usable:
                out[_CH["flow_torso_dx"] : _CH["flow_torso_dy"] + 1] = np.nan
            return out
        if usable and regions is not None and regions.any_outside:
            diff = cv2.absdiff(small, prev)
            out[_CH["motion_outside"]] = cv2.mean(diff, regions.outside)[0] / 255.0
        elif not usable:
            out[_CH["motion_outside"]] = np.nan
        torso = regions.torso if usable and regions is not None else None
        if torso is None:
            out[_CH["flow_torso_dx"] : _CH["flow_torso_dy"] + 1] = np.nan
        if not moving:
            return out
        if self._flow is None or self._flow.shape[:2] != small.shape:
            self._flow = np.zeros((*small.shape, 2), np.float32)
        flow = np.asarray(self._dis.calc(prev, small, self._flow))
        fx, fy = flow[..., 0], flow[..., 1]
        if usable and regions is not None and regions.any_outside:
            sel = regions.outside[::2, ::2] > 0
            bg = (float(np.median(fx[::2, ::2][sel])), float(np.median(fy[::2, ::2][sel])))
        else:
            bg = (float(np.median(fx[::2, ::2])), float(np.median(fy[::2, ::2])))
        inv = 1.0 / scale
        out[_CH["flow_bg_dx"]], out[_CH["flow_bg_dy"]] = bg[0] * inv, bg[1] * inv
        hh, ww = small.shape
        for k, name in enumerate(("left", "right")):
            mask = regions.legs[k] if usable and regions is not None else None
            if mask is not None:
                mx, my = cv2.mean(flow, mask)[:2]
                out[_CH[f"flow_{name}_dx"]] = (mx - bg[0]) * inv
                out[_CH[f"flow_{name}_dy"]] = (my - bg[1]) * inv
                continue
            box = boxes[k] if k < len(boxes) else None
            if box is None:
                out[_CH[f"flow_{name}_dx"]] = out[_CH[f"flow_{name}_dy"]] = np.nan
                continue
            x0 = min(max(math.floor(box[0]), 0), ww - 1)
            y0 = min(max(math.floor(box[1]), 0), hh - 1)
            x1 = min(max(math.ceil(box[2]), x0 + 1), ww)
            y1 = min(max(math.ceil(box[3]), y0 + 1), hh)
            mx, my = cv2.mean(flow[y0:y1, x0:x1])[:2]
            out[_CH[f"flow_{name}_dx"]] = (mx - bg[0]) * inv
            out[_CH[f"flow_{name}_dy"]] = (my - bg[1]) * inv
        if torso is not None:
            sel = torso > 0
            out[_CH["flow_torso_dx"]] = (float(np.median(fx[sel])) - bg[0]) * inv
            out[_CH["flow_torso_dy"]] = (float(np.median(fy[sel])) - bg[1]) * inv
        return out


_CH = {name: i for i, name in enumerate(CHANNEL_NAMES)}
