"""A compiled scene: every frame's state, the true keypoints and the condition spans.

:class:`Program` turns a :class:`~synth.scene.Scene` into per-frame arrays (a few
dozen numbers a frame, so even an hour at 30 fps is a few MB) from which the renderer
draws frame ``i`` with :meth:`Program.state`. Frames themselves are never held.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from detector.track import KEYPOINT_NAMES
from synth.body import BODY, leg_joints
from synth.camera import CameraMotion, camera_affines, camera_apply
from synth.motion import Limbs, Planted, limbs_compose, plant_movements, state_timeline
from synth.render import FrameState, Look, blanket_top, carer_arm
from synth.scene import Blanket, CaregiverArm, Infrared, Reposition, Scene

__all__ = ["Program", "Span", "program_compile"]


@dataclass(frozen=True)
class Span:
    """A stretch of the scene with a condition; ``artifact`` marks non-leg image motion."""

    start_s: float
    end_s: float
    kind: str  # wake, settling, sleep, blanket, blanket_move, caregiver_arm, infrared, ...
    artifact: bool = False
    note: str = ""


def _smoothstep(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def _ramp(t: np.ndarray, a: float, b: float, move: float) -> np.ndarray:
    """0 before ``a``, rising over ``move`` to 1, falling over ``move`` to 0 at ``b``."""
    return np.clip((t - a) / move, 0.0, 1.0) * np.clip((b - t) / move, 0.0, 1.0)


class Program:
    """Per-frame state of one scene. Build with :func:`program_compile`."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        n, fps = scene.n_frames, scene.fps
        self.t_s = np.arange(n, dtype=np.float64) / fps
        self.timeline = state_timeline(scene)
        self.planted: list[Planted] = plant_movements(scene)
        self.limbs: Limbs = limbs_compose(scene, self.planted)
        # the look depends on the seed and the scene name, so presets differ at one seed
        rng = np.random.default_rng([scene.seed, 3, zlib.crc32(scene.name.encode())])
        self.look = scene.look if scene.look is not None else Look.random(rng, scene.prone)
        if scene.look is not None and scene.prone != scene.look.prone:
            self.look = Look(**{**scene.look.__dict__, "prone": scene.prone})
        self._view(scene)
        self._conditions(scene, rng)
        self.camera = camera_affines(scene, self.t_s)  # (N, 2, 3), None: a still camera

    # --- construction ---------------------------------------------------------------
    def _view(self, scene: Scene) -> None:
        t, short = self.t_s, min(scene.width, scene.height)
        cx = np.full(t.shape, scene.center[0] * scene.width)
        cy = np.full(t.shape, scene.center[1] * scene.height)
        ang = np.full(t.shape, float(scene.rotation_deg))
        size = np.full(t.shape, float(scene.size))
        for r in sorted(scene.items_of(Reposition), key=lambda r: r.t_s):
            w = _smoothstep((t - r.t_s) / r.duration_s)
            i = min(int(r.t_s * scene.fps), len(t) - 1) if len(t) else 0
            if r.center is not None:
                cx += w * (r.center[0] * scene.width - cx[i])
                cy += w * (r.center[1] * scene.height - cy[i])
            if r.rotation_deg is not None:
                ang += w * (r.rotation_deg - ang[i])
            if r.size is not None:
                size += w * (r.size - size[i])
        self.body_len_px = size * short
        sway = self.limbs.sway
        a = np.radians(ang)
        c, s = np.cos(a), np.sin(a)
        dx, dy = sway[:, 0] * self.body_len_px, sway[:, 1] * self.body_len_px
        self.center_px = np.stack([cx + c * dx - s * dy, cy + s * dx + c * dy], axis=1)
        self.angle_deg = ang + sway[:, 2]

    def _conditions(self, scene: Scene, rng: np.random.Generator) -> None:
        t = self.t_s
        self.blanket = np.zeros_like(t)
        for b in scene.items_of(Blanket):
            self.blanket = np.maximum(self.blanket, _ramp(t, b.start_s, b.end_s, b.move_s))
        self.carer_reach = np.zeros_like(t)
        self.carer_from = np.zeros_like(t)
        for arm in scene.items_of(CaregiverArm):
            r = _smoothstep(_ramp(t, arm.start_s, arm.end_s, arm.move_s))
            on = r > 0
            self.carer_reach = np.where(on, r, self.carer_reach)
            self.carer_from = np.where(on, arm.from_deg, self.carer_from)
        self.carer_wiggle = 2 * np.pi * 1.2 * t + rng.uniform(0, 2 * np.pi)
        self.infrared = np.full(t.shape, bool(scene.infrared))
        for ir in scene.items_of(Infrared):
            end = math.inf if ir.end_s is None else ir.end_s
            self.infrared[(t >= ir.start_s) & (t < end)] = True

    # --- per frame ------------------------------------------------------------------
    @property
    def n_frames(self) -> int:
        return int(self.t_s.shape[0])

    def state(self, i: int) -> FrameState:
        """What frame ``i`` shows."""
        lb = self.limbs

        def pair(a: np.ndarray) -> tuple[float, float]:
            return (float(a[i, 0]), float(a[i, 1]))

        return FrameState(
            center_px=pair(self.center_px),
            angle_deg=float(self.angle_deg[i]),
            body_len_px=float(self.body_len_px[i]),
            hip_flex=pair(lb.hip_flex),
            hip_abd=pair(lb.hip_abd),
            knee_flex=pair(lb.knee_flex),
            arm_angle=pair(lb.arm_angle),
            elbow_flex=pair(lb.elbow_flex),
            arm_lift=pair(lb.arm_lift),
            head_turn=float(lb.head_turn[i]),
            eyes_open=float(lb.eyes_open[i]),
            breath=float(lb.breath[i]),
            blanket=float(self.blanket[i]),
            carer_reach=float(self.carer_reach[i]),
            carer_from_deg=float(self.carer_from[i]),
            carer_wiggle=float(self.carer_wiggle[i]),
            infrared=bool(self.infrared[i]),
            frame_index=i,
            camera=None if self.camera is None else tuple(self.camera[i].ravel().tolist()),
        )

    # --- truth ----------------------------------------------------------------------
    def keypoints_bu(self) -> np.ndarray:
        """True keypoints (N, K, 3) in body units, in ``KEYPOINT_NAMES`` order."""
        n, g, lb = self.n_frames, BODY, self.limbs
        out = np.zeros((n, len(KEYPOINT_NAMES), 3))
        out[:, 0, 0] = 0.28 * 1.1 * np.clip(lb.head_turn, -1, 1) * g.head_rx
        out[:, 0, 1] = g.head_y + 0.33 * g.head_ry
        out[:, 0, 2] = 0.2
        for k, side in ((1, 1.0), (2, -1.0)):
            out[:, k] = (side * g.shoulder_x, g.shoulder_y, 0.05)
        for leg, side in ((0, 1.0), (1, -1.0)):
            hip, knee, ankle, _toe = leg_joints(
                lb.hip_flex[:, leg], lb.hip_abd[:, leg], lb.knee_flex[:, leg], side
            )
            out[:, 3 + leg], out[:, 5 + leg], out[:, 7 + leg] = hip, knee, ankle
        return out

    def keypoints_px(self) -> tuple[np.ndarray, np.ndarray]:
        """True keypoints (N, K, 2) in pixels and their visibility (N, K) in the image.

        A keypoint is not visible when it is outside the frame, under the blanket, under
        the caregiver's arm, or (prone baby) the nose.
        """
        bu = self.keypoints_bu()
        a = np.radians(self.angle_deg)[:, None]
        c, s = np.cos(a), np.sin(a)
        sx = -1.0 if self.look.prone else 1.0
        L = self.body_len_px[:, None]
        x, y = bu[..., 0] * sx, bu[..., 1]
        px = np.stack(
            [
                self.center_px[:, :1] + L * (c * x - s * y),
                self.center_px[:, 1:] + L * (s * x + c * y),
            ],
            axis=-1,
        )
        w, h = self.scene.width, self.scene.height
        fixed = px  # where a still camera sees them: the blanket and the arm are drawn there
        vis = (px[..., 0] >= 0) & (px[..., 0] < w) & (px[..., 1] >= 0) & (px[..., 1] < h)
        top = np.asarray(blanket_top(self.blanket))[:, None]
        covered = (self.blanket[:, None] > 0) & (bu[..., 1] > top) & (np.abs(bu[..., 0]) < 0.34)
        vis &= ~covered
        if self.look.prone:
            vis[:, 0] = False
        for i in np.flatnonzero(self.carer_reach > 0):
            far, _elbow, wrist, d = carer_arm(self.state(int(i)), _matrix(self, int(i)), w, h)
            hand = wrist - d * 0.2 * L[i, 0]
            dist = _seg_dist(fixed[i], far, hand)
            vis[i] &= dist > 0.1 * L[i, 0]
        px = camera_apply(self.camera, px)
        vis &= (px[..., 0] >= 0) & (px[..., 0] < w) & (px[..., 1] >= 0) & (px[..., 1] < h)
        return px.astype(np.float32), vis

    def spans(self) -> list[Span]:
        """Behaviour periods and conditions, by start."""
        sc = self.scene
        out = [Span(a, b, s) for a, b, s in self.timeline]
        for b in sc.items_of(Blanket):
            out.append(Span(b.start_s, b.end_s, "blanket", False, "legs covered"))
            out.append(Span(b.start_s, b.start_s + b.move_s, "blanket_move", True, "put on"))
            out.append(Span(b.end_s - b.move_s, b.end_s, "blanket_move", True, "taken off"))
        for arm in sc.items_of(CaregiverArm):
            out.append(
                Span(arm.start_s, arm.end_s, "caregiver_arm", True, f"from {arm.from_deg:.0f} deg")
            )
        ir = self.infrared
        if ir.any():
            edges = np.flatnonzero(np.diff(np.r_[0, ir.astype(int), 0]))
            for a, b in zip(edges[::2], edges[1::2], strict=True):
                a_s, b_s = a / sc.fps, min(b / sc.fps, sc.duration_s)
                out.append(Span(a_s, b_s, "infrared"))
                for e in (a_s, b_s):
                    if 0 < e < sc.duration_s:
                        out.append(
                            Span(
                                e,
                                min(e + 0.5, sc.duration_s),
                                "ir_switch",
                                True,
                                "camera switches between colour and infrared",
                            )
                        )
        for cm in sc.items_of(CameraMotion):
            out.append(Span(cm.start_s, cm.end_s, f"camera_{cm.motion}", True, "the camera moved"))
        for r in sc.items_of(Reposition):
            out.append(
                Span(r.t_s, r.t_s + r.duration_s, "reposition", True, "baby moved as a whole")
            )
        return sorted(out, key=lambda s: (s.start_s, s.end_s, s.kind))


def _matrix(p: Program, i: int) -> np.ndarray:
    from synth.body import view_matrix

    cx, cy = p.center_px[i]
    return view_matrix(
        (float(cx), float(cy)), float(p.angle_deg[i]), float(p.body_len_px[i]), mirror=p.look.prone
    )


def _seg_dist(pts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    u = np.clip(((pts - a) @ ab) / max(float(ab @ ab), 1e-9), 0.0, 1.0)
    return np.asarray(np.hypot(*(pts - (a + u[:, None] * ab)).T))


def program_compile(scene: Scene) -> Program:
    """Compile ``scene`` into per-frame state (validates nothing further; see synth_scene)."""
    return Program(scene)
