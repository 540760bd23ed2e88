"""A camera that moves: a handheld phone's shake, a pan/tilt monitor re-centring, a zoom.

A :class:`CameraMotion` item moves the whole picture — mattress, baby, everything — by a
similarity transform (shift, turn, scale about the frame centre) that changes over its span.
The renderer draws the scene as a fixed camera sees it and then warps the frame by that
frame's transform (``FrameState.camera``; the picture's edge continued by reflection where
the camera looks past the drawn scene), before sensor noise is added, which does not move
with the picture; the true keypoints go through the same transform
(:func:`camera_apply`), so the truth follows the picture.

Kinds, each ramped in and out over ``move_s`` (a shake fades, a pan or zoom moves):

- ``shake``: a hand holding a phone — tremor of a few Hz (sum of three incommensurate
  sinusoids, peak shift about ``amount`` × the frame's shorter side, with half a degree of
  turn and 1 % of scale per 0.02 of amount) on top of a slow random drift;
- ``pan``: the picture slides by ``amount`` × the shorter side towards ``direction_deg``
  (image degrees: 0 = right, 90 = down), holds, and slides back at the end (a monitor that
  re-centres and returns);
- ``zoom``: the picture is magnified by ``1 + amount`` about the frame centre, holds, and
  zooms back out.

Items may overlap (a shaking hand that also pans): their shifts and turns add and their
scales multiply. Time outside every item is a still camera (the identity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np

from synth.scene import Item, Scene, _check_span

__all__ = ["CameraMotion", "CAMERA_KINDS", "camera_affines", "camera_apply"]

CAMERA_KINDS = ("shake", "pan", "zoom")
_SHAKE_HZ = (1.7, 2.9, 4.3)  # hand tremor components (physiological tremor 3-12 Hz is
# weaker; a held phone sways at 1-5 Hz)
_DRIFT_HZ = 0.15  # slow wander of a handheld framing


@dataclass(frozen=True)
class CameraMotion(Item):
    """The camera moves from ``start_s`` to ``end_s`` (see the module doc for ``motion``)."""

    kind: ClassVar[str] = "camera_motion"
    start_s: float
    end_s: float
    motion: str = "shake"
    amount: float = 0.02
    direction_deg: float = 0.0
    move_s: float = 1.5

    def __post_init__(self) -> None:
        _check_span(self.start_s, self.end_s, "CameraMotion")
        if self.motion not in CAMERA_KINDS:
            raise ValueError(f"motion must be one of {CAMERA_KINDS}, got {self.motion!r}")
        if not 0.0 < self.amount <= 0.5:
            raise ValueError(f"CameraMotion amount must be in (0, 0.5], got {self.amount}")
        if not 0 < self.move_s * 2 <= self.end_s - self.start_s:
            raise ValueError("CameraMotion move_s must be positive and fit twice in the span")

    def span(self) -> tuple[float, float]:
        return (self.start_s, self.end_s)


def _envelope(t: np.ndarray, a: float, b: float, move: float) -> np.ndarray:
    """0 outside ``a..b``, a smooth ramp to 1 over ``move`` at each end (C1 smoothstep)."""
    u = np.clip((t - a) / move, 0.0, 1.0) * np.clip((b - t) / move, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def camera_affines(scene: Scene, t_s: np.ndarray) -> np.ndarray | None:
    """Per-frame 2x3 affine matrices (N, 2, 3) from a fixed camera's pixels to the moving
    camera's, or None when ``scene`` has no :class:`CameraMotion` (the picture never moves).
    """
    items = scene.items_of(CameraMotion)
    if not items:
        return None
    n = len(t_s)
    short = float(min(scene.width, scene.height))
    shift = np.zeros((n, 2))
    turn = np.zeros(n)  # degrees
    log_scale = np.zeros(n)
    for k, it in enumerate(items):
        env = _envelope(t_s, it.start_s, it.end_s, it.move_s)
        if it.motion == "pan":
            a = math.radians(it.direction_deg)
            shift += (env * it.amount * short)[:, None] * np.array([math.cos(a), math.sin(a)])
        elif it.motion == "zoom":
            log_scale += env * math.log1p(it.amount)
        else:  # shake: tremor + drift, phases from the scene's seed and the item's place
            rng = np.random.default_rng([scene.seed, 11, k])
            wave = np.zeros((n, 4))
            for f in _SHAKE_HZ:
                phase = rng.uniform(0, 2 * np.pi, 4)
                wave += np.sin(2 * np.pi * f * t_s[:, None] + phase) / len(_SHAKE_HZ)
            phase = rng.uniform(0, 2 * np.pi, 2)
            drift = np.sin(2 * np.pi * _DRIFT_HZ * t_s[:, None] + phase)
            shift += (env * it.amount * short)[:, None] * (wave[:, :2] + 0.5 * drift)
            turn += env * (it.amount / 0.02) * 0.5 * wave[:, 2]
            log_scale += env * (it.amount / 0.02) * 0.01 * wave[:, 3]
    cx, cy = scene.width / 2.0, scene.height / 2.0
    out = np.empty((n, 2, 3))
    for i in range(n):  # rotation + scale about the centre, then the shift
        rot = cv2.getRotationMatrix2D((cx, cy), -float(turn[i]), float(np.exp(log_scale[i])))
        out[i] = np.asarray(rot, dtype=np.float64)
        out[i, :, 2] += shift[i]
    return out


def camera_apply(affines: np.ndarray | None, xy: np.ndarray) -> np.ndarray:
    """Points ``xy`` (N, K, 2) of a fixed camera, frame by frame, as the moving camera sees
    them (``affines`` from :func:`camera_affines`; None leaves them as they are)."""
    if affines is None:
        return xy
    lin, off = affines[:, None, :, :2], affines[:, None, :, 2]
    return (lin @ xy[..., None])[..., 0] + off
