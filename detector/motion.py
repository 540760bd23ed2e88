"""Cheap motion energy from frame differencing on a downscaled grey frame.

For every frame: the mean absolute grey-level change since the previous frame (0..1),
over the whole frame and over a box around each leg (from the latest good pose). It
gates the expensive pose step and is the fallback signal wherever keypoints cannot be
trusted (blanket, darkness, odd posture).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from detector.track import KEYPOINT_NAMES

__all__ = ["MotionMeter", "leg_boxes"]

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


class MotionMeter:
    """Per-frame motion energy for the whole frame and two leg regions.

    ``width_px`` is the width frames are downscaled to before differencing (area
    averaging, which also suppresses sensor noise).
    """

    def __init__(self, width_px: int = 160) -> None:
        if width_px < 16:
            raise ValueError(f"width_px must be at least 16, got {width_px}")
        self.width_px = width_px
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
        self._prev = small if small is not gray else small.copy()
        whole = _mean(diff) / 255.0
        out = [whole]
        for k in range(2):
            box = boxes[k] if k < len(boxes) else None
            out.append(self._region(diff, box) if box is not None else whole)
        return np.asarray(out, dtype=np.float32)

    def _region(self, diff: np.ndarray, box: tuple[float, float, float, float]) -> float:
        s = self._scale
        hh, ww = diff.shape
        # plain floats: np.clip on scalars costs more than the mean itself, on every frame
        x0 = min(max(math.floor(box[0] * s), 0), ww - 1)
        y0 = min(max(math.floor(box[1] * s), 0), hh - 1)
        x1 = min(max(math.ceil(box[2] * s), x0 + 1), ww)
        y1 = min(max(math.ceil(box[3] * s), y0 + 1), hh)
        return _mean(diff[y0:y1, x0:x1]) / 255.0
