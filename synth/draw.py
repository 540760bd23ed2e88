"""Drawing primitives: shaded capsules and ellipses with sub-pixel, anti-aliased OpenCV calls.

A shaded shape is drawn as nested passes, darker at the rim and lighter towards a highlight
offset towards the light (the top-left of the frame), which reads as a rounded limb.
Colours are RGB tuples; coordinates are pixels (floats).
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = [
    "SHIFT",
    "ONE",
    "AA",
    "GAINS",
    "FACTORS",
    "LIGHT",
    "shades",
    "mix",
    "fx",
    "capsule",
    "ellipse",
    "shaded_ellipse",
]

Colour = tuple[int, int, int]

SHIFT = 4  # sub-pixel bits for cv2 drawing
ONE = 1 << SHIFT
AA = cv2.LINE_AA


def shades(rgb: tuple[int, int, int], gains: tuple[float, ...]) -> list[tuple[int, int, int]]:
    base = np.array(rgb, dtype=np.float64)
    out = []
    for g in gains:
        c = base * g + (18.0 * (g - 1.0) if g > 1.0 else 0.0)
        c = np.clip(c, 0, 255)
        out.append((int(c[0]), int(c[1]), int(c[2])))
    return out


GAINS = (0.62, 0.78, 0.9, 1.0, 1.1)
FACTORS = (1.0, 0.86, 0.68, 0.48, 0.24)
FACTORS_A = np.array(FACTORS)
LIGHT = np.array([-0.45, -0.55])  # highlight offset direction (image), per unit radius


def mix(a: tuple[int, int, int], b: tuple[int, int, int], w: float) -> tuple[int, int, int]:
    c = (1.0 - w) * np.array(a, dtype=np.float64) + w * np.array(b, dtype=np.float64)
    return (int(c[0]), int(c[1]), int(c[2]))


def fx(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]) * ONE)), int(round(float(p[1]) * ONE))


def capsule(
    img: np.ndarray,
    p0: np.ndarray,
    p1: np.ndarray,
    r0: float,
    r1: float,
    shades: list[tuple[int, int, int]],
) -> None:
    """A tapered, shaded capsule from ``p0`` (radius ``r0``) to ``p1`` (radius ``r1``)."""
    d = p1 - p0
    n = float(np.hypot(d[0], d[1]))
    perp = np.array([-d[1], d[0]]) / n if n > 1e-6 else np.array([1.0, 0.0])
    k = min(len(shades), FACTORS_A.size)
    f = FACTORS_A[:k, None]
    a, b = r0 * f, r1 * f
    off = LIGHT[None, :] * ((1.0 - f) * 0.35 * (r0 + r1))
    q0, q1 = p0[None, :] + off, p1[None, :] + off
    poly = np.stack([q0 + perp * a, q1 + perp * b, q1 - perp * b, q0 - perp * a], axis=1)
    q0i = np.round(q0 * ONE).astype(np.int64).tolist()
    q1i = np.round(q1 * ONE).astype(np.int64).tolist()
    ai = (a[:, 0] * ONE).astype(np.int64).tolist()
    bi = (b[:, 0] * ONE).astype(np.int64).tolist()
    polys = np.round(poly * ONE).astype(np.int32)
    for j in range(k):
        colour = shades[j]
        if ai[j] >= ONE // 2:
            cv2.circle(img, q0i[j], ai[j], colour, -1, AA, SHIFT)
        if bi[j] >= ONE // 2:
            cv2.circle(img, q1i[j], bi[j], colour, -1, AA, SHIFT)
        if n > 1e-6:
            cv2.fillConvexPoly(img, polys[j], colour, AA, SHIFT)


def ellipse(
    img: np.ndarray,
    c: np.ndarray,
    ax: tuple[float, float],
    angle: float,
    colour: tuple[int, int, int],
    thickness: int = -1,
    arc: tuple[float, float] = (0.0, 360.0),
) -> None:
    axes = (max(1, int(ax[0] * ONE)), max(1, int(ax[1] * ONE)))
    cv2.ellipse(img, fx(c), axes, angle, arc[0], arc[1], colour, thickness, AA, SHIFT)


def shaded_ellipse(
    img: np.ndarray,
    c: np.ndarray,
    ax: tuple[float, float],
    angle: float,
    shades: list[tuple[int, int, int]],
) -> None:
    r = 0.5 * (ax[0] + ax[1])
    for colour, f in zip(shades, FACTORS, strict=False):
        off = LIGHT * (1.0 - f) * r * 0.6
        ellipse(img, c + off, (ax[0] * f, ax[1] * f), angle, colour)
