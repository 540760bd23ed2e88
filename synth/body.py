"""The infant's body model: joint angles → 3-D joint positions in body units → pixels.

Body units (BU): the body length, crown to heel with the legs extended, is 1.0. In body
coordinates ``x`` points to the baby's left when lying on its back (the image's right
when the head is at the top), ``y`` runs from the crown (y = -0.5) to the heels
(y = +0.5), and ``z`` points up from the mattress towards the camera. The camera looks
straight down, so a joint projects to ``(x, y)``; ``z`` decides drawing order and
shading. A prone baby (face down) mirrors ``x``: its left is then the image's left.

Legs are two-segment chains (thigh, shank) driven by hip flexion (thigh lifted from the
mattress towards the camera), hip abduction (knee out to the side) and knee flexion.
A flexing leg seen from above therefore shortens: the knee moves towards the head and
the ankle towards the hip, which is what an overhead camera records of an infant's leg
movement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "BODY",
    "BodyGeometry",
    "LegAngles",
    "leg_joints",
    "arm_joints",
    "view_matrix",
    "to_pixels",
]


@dataclass(frozen=True)
class BodyGeometry:
    """Infant proportions in body units (crown-to-heel length = 1)."""

    head_y: float = -0.375  # head centre
    head_rx: float = 0.105  # head half-width
    head_ry: float = 0.125  # head half-height (crown to chin)
    shoulder_y: float = -0.21
    shoulder_x: float = 0.115
    hip_y: float = 0.085
    hip_x: float = 0.068
    torso_rx: float = 0.128  # half-width at the chest
    waist_rx: float = 0.112
    thigh_len: float = 0.195
    shank_len: float = 0.18
    foot_len: float = 0.075
    upper_arm_len: float = 0.13
    forearm_len: float = 0.115
    thigh_r: float = 0.056
    knee_r: float = 0.043
    ankle_r: float = 0.031
    upper_arm_r: float = 0.034
    forearm_r: float = 0.029
    hip_z: float = 0.045  # hip joint height above the mattress


BODY = BodyGeometry()


@dataclass(frozen=True)
class LegAngles:
    """Angles of one leg in degrees (scalars or arrays of equal shape)."""

    hip_flex: np.ndarray | float
    hip_abd: np.ndarray | float
    knee_flex: np.ndarray | float


def _unit(flex_deg: np.ndarray, abd_deg: np.ndarray, side: float) -> np.ndarray:
    """Unit vector (..., 3) of a segment lifted ``flex`` from +y towards +z, splayed ``abd``."""
    a = np.radians(flex_deg)
    b = np.radians(abd_deg)
    return np.stack(
        [side * np.sin(b), np.cos(b) * np.cos(a), np.cos(b) * np.sin(a)],
        axis=-1,
    )


def leg_joints(
    hip_flex: np.ndarray | float,
    hip_abd: np.ndarray | float,
    knee_flex: np.ndarray | float,
    side: float,
    geom: BodyGeometry = BODY,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """3-D hip, knee, ankle and toe positions (..., 3) of one leg in body units.

    ``side`` is +1 for the baby's left leg and -1 for the right one (supine view).
    The shank never goes below the mattress: when the knee bends further than the
    lifted thigh allows, the foot slides on the mattress towards the buttocks.
    """
    hf = np.asarray(hip_flex, dtype=np.float64)
    ha = np.asarray(hip_abd, dtype=np.float64)
    kf = np.asarray(knee_flex, dtype=np.float64)
    hf, ha, kf = np.broadcast_arrays(hf, ha, kf)
    hip = np.zeros(hf.shape + (3,))
    hip[..., 0] = side * geom.hip_x
    hip[..., 1] = geom.hip_y
    hip[..., 2] = geom.hip_z
    knee = hip + geom.thigh_len * _unit(hf, ha, side)
    # shank: lifted (hip_flex - knee_flex), splayed half as much as the thigh
    shank_abd = 0.5 * ha
    cos_b = np.cos(np.radians(shank_abd))
    min_sin = (0.02 - knee[..., 2]) / (geom.shank_len * cos_b)
    min_flex = np.degrees(np.arcsin(np.clip(min_sin, -1.0, 1.0)))
    shank_flex = np.maximum(hf - kf, min_flex)
    ankle = knee + geom.shank_len * _unit(shank_flex, shank_abd, side)
    # foot: about 45 deg from the shank towards the toes, tilted up towards the camera
    foot_flex = shank_flex + 55.0
    toe = ankle + geom.foot_len * _unit(foot_flex, shank_abd + 12.0, side)
    return hip, knee, ankle, toe


def arm_joints(
    arm_angle: np.ndarray | float,
    elbow_flex: np.ndarray | float,
    arm_lift: np.ndarray | float,
    side: float,
    geom: BodyGeometry = BODY,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """3-D shoulder, elbow and wrist positions (..., 3) of one arm.

    ``arm_angle`` is the upper arm's angle in the mattress plane from pointing at the feet
    (0) outwards to pointing at the head (180); ``elbow_flex`` bends the forearm back
    towards the head/midline; ``arm_lift`` raises the hand towards the camera (0..1).
    """
    aa = np.radians(np.asarray(arm_angle, dtype=np.float64))
    ef = np.radians(np.asarray(elbow_flex, dtype=np.float64))
    lift = np.asarray(arm_lift, dtype=np.float64)
    aa, ef, lift = np.broadcast_arrays(aa, ef, lift)
    sh = np.zeros(aa.shape + (3,))
    sh[..., 0] = side * geom.shoulder_x
    sh[..., 1] = geom.shoulder_y
    sh[..., 2] = 0.05
    up = np.stack([side * np.sin(aa), np.cos(aa), 0.15 * lift], axis=-1)
    elbow = sh + geom.upper_arm_len * up / np.linalg.norm(up, axis=-1, keepdims=True)
    fa = aa + ef
    fore = np.stack([side * np.sin(fa), np.cos(fa), 0.6 * lift], axis=-1)
    wrist = elbow + geom.forearm_len * fore / np.linalg.norm(fore, axis=-1, keepdims=True)
    return sh, elbow, wrist


def view_matrix(
    center_px: tuple[float, float], angle_deg: float, body_len_px: float, mirror: bool = False
) -> np.ndarray:
    """2×3 affine matrix taking body units (x, y) to image pixels.

    ``angle_deg`` turns the body clockwise on screen (0: head at the top of the frame).
    ``mirror`` flips x (a prone baby's left is on the image's left).
    """
    a = np.radians(angle_deg)
    c, s = np.cos(a), np.sin(a)
    sx = -1.0 if mirror else 1.0
    m = np.array(
        [
            [c * sx * body_len_px, -s * body_len_px, center_px[0]],
            [s * sx * body_len_px, c * body_len_px, center_px[1]],
        ]
    )
    return m


def to_pixels(points_bu: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Project (..., 2 or 3) body-unit points to (..., 2) pixels with the view matrix."""
    p = np.asarray(points_bu, dtype=np.float64)[..., :2]
    return p @ m[:, :2].T + m[:, 2]
