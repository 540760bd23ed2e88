"""Draw one frame of the synthetic nursery camera: mattress, infant, blanket, caregiver arm.

Drawing is done with OpenCV primitives on a uint8 RGB image (anti-aliased, sub-pixel
coordinates), so a 640×480 frame costs a few milliseconds. Round limbs are shaded
capsules: several nested passes, darker at the rim and lighter towards a highlight offset
towards the light (top-left of the frame). The mattress background, the vignette map and a
bank of sensor-noise frames are made once per :class:`Renderer`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np

from synth.body import BODY, arm_joints, leg_joints, to_pixels, view_matrix
from synth.draw import (
    AA,
    FACTORS,
    GAINS,
    LIGHT,
    ONE,
    SHIFT,
    capsule,
    ellipse,
    fx,
    mix,
    shaded_ellipse,
    shades,
)

__all__ = ["Look", "FrameState", "Renderer", "SKIN_TONES", "carer_arm", "blanket_top"]


#: Realistic skin tones (RGB), light to dark.
SKIN_TONES: tuple[tuple[int, int, int], ...] = (
    (236, 192, 164),
    (222, 170, 135),
    (196, 140, 104),
    (150, 98, 68),
)
_ONESIES = ((120, 170, 215), (235, 160, 175), (150, 200, 160), (240, 215, 120), (185, 160, 215))
_SHEETS = ((236, 234, 226), (205, 222, 238), (225, 200, 205), (185, 212, 190), (170, 180, 200))
_BLANKETS = ((205, 110, 105), (95, 140, 190), (225, 190, 95), (130, 175, 140))
_HAIR = ((70, 50, 35), (120, 85, 50), (30, 25, 22), (160, 120, 70))


@dataclass(frozen=True)
class Look:
    """Appearance of one scene (colours as RGB tuples)."""

    skin: tuple[int, int, int] = SKIN_TONES[1]
    onesie: tuple[int, int, int] = _ONESIES[0]
    sheet: tuple[int, int, int] = _SHEETS[0]
    sheet_dots: tuple[int, int, int] = (150, 180, 210)
    blanket: tuple[int, int, int] = _BLANKETS[0]
    hair: tuple[int, int, int] = _HAIR[0]
    carer_skin: tuple[int, int, int] = SKIN_TONES[2]
    sleeve: tuple[int, int, int] = (60, 70, 95)
    prone: bool = False
    noise_day: float = 1.5  # sensor noise sd in grey levels, colour mode
    noise_ir: float = 5.0  # sensor noise sd, infrared mode
    vignette_ir: float = 0.55  # brightness left in the corners in infrared

    @classmethod
    def random(cls, rng: np.random.Generator, prone: bool = False) -> Look:
        def pick(seq: tuple[tuple[int, int, int], ...]) -> tuple[int, int, int]:
            return seq[int(rng.integers(len(seq)))]

        sheet = pick(_SHEETS)
        dots = tuple(int(c) for c in np.clip(np.array(sheet) - rng.integers(40, 90, 3), 0, 255))
        return cls(
            skin=pick(SKIN_TONES),
            onesie=pick(_ONESIES),
            sheet=sheet,
            sheet_dots=(dots[0], dots[1], dots[2]),
            blanket=pick(_BLANKETS),
            hair=pick(_HAIR),
            carer_skin=pick(SKIN_TONES),
            prone=prone,
        )

    def infrared(self) -> Look:
        """The same scene under infrared light: greys by near-infrared reflectance.

        Skin reflects near-infrared strongly (bright), dyed cloth less, hair little.
        """

        def grey(v: int) -> tuple[int, int, int]:
            return (v, v, v)

        def dye(rgb: tuple[int, int, int], lo: int, hi: int) -> tuple[int, int, int]:
            return grey(int(lo + (hi - lo) * (0.2 * rgb[0] + 0.5 * rgb[1] + 0.3 * rgb[2]) / 255))

        return dataclasses.replace(
            self,
            skin=grey(int(205 + 0.15 * (self.skin[0] - 200))),
            onesie=dye(self.onesie, 95, 160),
            sheet=dye(self.sheet, 105, 135),
            sheet_dots=dye(self.sheet_dots, 80, 115),
            blanket=dye(self.blanket, 120, 175),
            hair=grey(55),
            carer_skin=grey(200),
            sleeve=grey(70),
        )


class _Materials:
    """Pre-computed shade ramps of one look."""

    def __init__(self, look: Look) -> None:
        self.look = look
        self.skin = shades(look.skin, GAINS)
        self.face = shades(look.skin, (0.8, 0.9, 0.97, 1.02, 1.07))
        self.onesie = shades(look.onesie, GAINS)
        self.blanket = shades(look.blanket, (0.7, 0.82, 0.92, 1.0, 1.06))
        self.carer = shades(look.carer_skin, GAINS)
        self.sleeve = shades(look.sleeve, GAINS)
        self.hair = shades(look.hair, GAINS)
        self.blush = mix(look.skin, (235, 125, 125), 0.25)
        self.fuzz = mix(look.skin, look.hair, 0.4)
        self.nose = shades(look.skin, (0.86,))[0]
        self.nostril = shades(look.skin, (0.62,))[0]
        self.lips = mix(look.skin, (200, 80, 95), 0.55)
        self.lip_line = mix(look.skin, (120, 40, 55), 0.7)
        self.lash = mix(look.skin, (0, 0, 0), 0.7)


@dataclass(frozen=True)
class FrameState:
    """Everything that changes from frame to frame. Angles in degrees, lengths in pixels."""

    center_px: tuple[float, float]
    angle_deg: float
    body_len_px: float
    hip_flex: tuple[float, float]  # (left, right)
    hip_abd: tuple[float, float]
    knee_flex: tuple[float, float]
    arm_angle: tuple[float, float]
    elbow_flex: tuple[float, float]
    arm_lift: tuple[float, float]
    head_turn: float = 0.0  # -1..1, face turned towards the baby's right..left
    eyes_open: float = 1.0  # 0..1
    breath: float = 0.0  # relative chest widening, e.g. ±0.03
    blanket: float = 0.0  # 0 none .. 1 legs fully covered
    carer_reach: float = 0.0  # 0 outside the frame .. 1 hand on the baby
    carer_from_deg: float = 0.0  # direction (image degrees, 0 = right, 90 = down) of the entry
    carer_wiggle: float = 0.0  # small hand movement phase
    infrared: bool = False
    frame_index: int = 0
    # the moving camera's 2x3 affine (fixed-camera pixels -> picture), row-major; None: still
    camera: tuple[float, ...] | None = None


class Renderer:
    """Draws frames of one scene; holds the static background, vignette and noise bank."""

    def __init__(self, width: int, height: int, look: Look, seed: int = 0) -> None:
        if width < 32 or height < 32:
            raise ValueError(f"frame must be at least 32×32 pixels, got {width}×{height}")
        self.width, self.height, self.look = int(width), int(height), look
        rng = np.random.default_rng(seed)
        self._background = _mattress(self.width, self.height, look, rng)
        yy, xx = np.mgrid[0 : self.height, 0 : self.width].astype(np.float32)
        r2 = ((xx - self.width / 2) / (self.width / 2)) ** 2 + (
            (yy - self.height / 2) / (self.height / 2)
        ) ** 2
        # colour: a mild vignette, baked into the background; infrared: a strong one
        vig_day = (1.0 - 0.12 * r2 / 2).clip(0, 1)[..., None]
        self._background = (self._background * vig_day).astype(np.uint8)
        keep = look.vignette_ir
        self._vig_ir = (255 * (1.0 - (1.0 - keep) * r2 / 2)).clip(0, 255).astype(np.uint8)
        # sensor noise: a bank taller than the frame, read at a random row offset
        self._noise_rng = np.random.default_rng(seed + 1)
        bank = rng.normal(0.0, 1.0, (self.height * 2, self.width)).astype(np.float32)
        self._noise_day = _split_noise(bank * look.noise_day, 3)
        self._noise_ir = _split_noise(bank * look.noise_ir, 1)
        self._seed = seed
        self._ir_lut = _ir_lut()
        self._day = _Materials(look)
        self._ir: _Materials | None = None
        self._background_ir: np.ndarray | None = None

    # --- public ---------------------------------------------------------------------
    def render(self, s: FrameState) -> np.ndarray:
        """The frame (height, width, 3) uint8 RGB for state ``s``."""
        if s.infrared:
            if self._ir is None or self._background_ir is None:
                self._ir = _Materials(self.look.infrared())
                rng = np.random.default_rng(self._seed)
                self._background_ir = _mattress(self.width, self.height, self._ir.look, rng)
            mat, img = self._ir, self._background_ir.copy()
        else:
            mat, img = self._day, self._background.copy()
        m = view_matrix(s.center_px, s.angle_deg, s.body_len_px, mirror=self.look.prone)
        self._draw_baby(img, s, m, mat)
        if s.blanket > 0.0:
            self._draw_blanket(img, s, m, mat)
        if s.carer_reach > 0.0:
            self._draw_carer(img, s, m, mat)
        if s.camera is not None:  # synth.camera: the whole picture moves
            affine = np.asarray(s.camera, dtype=np.float64).reshape(2, 3)
            size = (self.width, self.height)
            img = cv2.warpAffine(img, affine, size, None, cv2.INTER_LINEAR, cv2.BORDER_REFLECT_101)
        return self._camera(img, s)

    # --- the baby -------------------------------------------------------------------
    def _draw_baby(self, img: np.ndarray, s: FrameState, m: np.ndarray, mat: _Materials) -> None:
        g, L = BODY, s.body_len_px
        sides = (1.0, -1.0)
        arms = [
            arm_joints(s.arm_angle[i], s.elbow_flex[i], s.arm_lift[i], sides[i]) for i in (0, 1)
        ]
        legs = [leg_joints(s.hip_flex[i], s.hip_abd[i], s.knee_flex[i], sides[i]) for i in (0, 1)]
        # legs lying on the mattress go under the onesie; a thigh lifted towards the camera
        # (hip flexion past ~50 deg) is drawn over the belly
        lifted = [float(legs[i][1][2]) > 0.045 + 0.75 * g.thigh_len for i in (0, 1)]
        order = sorted((0, 1), key=lambda i: float(legs[i][1][2]))
        for i in order:
            if not lifted[i]:
                self._draw_leg(img, legs[i], m, L, mat)
        self._draw_torso(img, s, m, mat)
        for i in order:
            if lifted[i]:
                self._draw_leg(img, legs[i], m, L, mat)
        for i in (0, 1):
            sh, el, wr = (to_pixels(p, m) for p in arms[i])
            capsule(img, sh, el, g.upper_arm_r * L * 1.15, g.upper_arm_r * L, mat.onesie)
            capsule(img, el, wr, g.forearm_r * L, g.forearm_r * L * 0.9, mat.skin)
            d = wr - el
            hand = wr + d / max(float(np.hypot(*d)), 1e-6) * 0.025 * L
            shaded_ellipse(img, hand, (0.03 * L, 0.025 * L), s.angle_deg, mat.skin)
        self._draw_head(img, s, m, mat)

    def _draw_leg(
        self,
        img: np.ndarray,
        joints: tuple[np.ndarray, ...],
        m: np.ndarray,
        L: float,
        mat: _Materials,
    ) -> None:
        g = BODY
        hip, knee, ankle, toe = (to_pixels(p, m) for p in joints)
        zk = float(joints[1][2])
        ramp = shades(mat.look.skin, tuple(v * (1.0 + 0.3 * zk) for v in GAINS))
        capsule(img, hip, knee, g.thigh_r * L, g.knee_r * L, ramp)
        capsule(img, knee, ankle, g.knee_r * L, g.ankle_r * L, ramp)
        capsule(img, ankle, toe, g.ankle_r * L * 1.1, g.ankle_r * L * 0.95, ramp)

    def _draw_torso(self, img: np.ndarray, s: FrameState, m: np.ndarray, mat: _Materials) -> None:
        g, L = BODY, s.body_len_px
        w = 1.0 + s.breath
        # shoulders, chest, belly, waist, nappy bulge at the hips, rounded crotch
        ys = np.array(
            [
                g.shoulder_y - 0.02,
                g.shoulder_y + 0.06,
                -0.05,
                0.0,
                g.hip_y - 0.01,
                g.hip_y + 0.045,
                g.hip_y + 0.07,
            ]
        )
        xs = np.array(
            [
                g.torso_rx * 0.95,
                g.torso_rx * w,
                g.torso_rx * (w + 0.3 * s.breath),
                g.waist_rx,
                g.waist_rx * 1.06,
                g.waist_rx * 0.8,
                g.waist_rx * 0.35,
            ]
        )
        right = np.stack([-xs, ys], axis=1)
        left = np.stack([xs, ys], axis=1)[::-1]
        outline = to_pixels(np.concatenate([right, left]), m)
        for colour, f in zip(mat.onesie, FACTORS, strict=False):
            c = outline.mean(axis=0)
            poly = c + (outline - c) * np.array([f**0.35, f**0.35])
            poly = poly + LIGHT * (1.0 - f) * g.torso_rx * L * 0.5
            cv2.fillPoly(img, [np.round(poly * ONE).astype(np.int32)], colour, AA, SHIFT)
        # neck
        a = to_pixels(np.array([0.0, g.shoulder_y - 0.005]), m)
        b = to_pixels(np.array([0.0, g.head_y + 0.09]), m)
        capsule(img, a, b, 0.05 * L, 0.05 * L, mat.skin)
        # collar
        c = to_pixels(np.array([0.0, g.shoulder_y - 0.02]), m)
        dark = mat.onesie[0]
        ellipse(img, c, (0.06 * L, 0.03 * L), s.angle_deg, dark, max(1, int(0.008 * L)), (0, 180))

    def _draw_head(self, img: np.ndarray, s: FrameState, m: np.ndarray, mat: _Materials) -> None:
        g, L, ang = BODY, s.body_len_px, s.angle_deg
        rx, ry = g.head_rx * L, g.head_ry * L
        c = to_pixels(np.array([0.0, g.head_y]), m)
        ux = (m[:, 0] / np.hypot(*m[:, 0])) * (-1.0 if self.look.prone else 1.0)  # image-right
        uy = m[:, 1] / np.hypot(*m[:, 1])  # towards the chin

        def at(x: float, y: float) -> np.ndarray:
            return c + ux * x * rx + uy * y * ry

        for sgn in (-1.0, 1.0):  # ears
            shaded_ellipse(img, at(sgn * 0.97, 0.08), (0.2 * rx, 0.28 * ry), ang, mat.skin)
        shaded_ellipse(img, c, (rx, ry), ang, mat.face)
        hair = mat.look.hair
        if self.look.prone:
            shaded_ellipse(img, at(0, -0.05), (rx * 0.97, ry * 0.93), ang, shades(hair, GAINS))
            return
        # a little baby hair along the crown (a full dark cap reads as the back of a head)
        tuft = max(1, int(round(0.1 * rx)))
        ellipse(img, at(0, 0.0), (rx * 0.93, ry * 0.93), ang, mat.fuzz, tuft, (215, 325))
        t = float(np.clip(s.head_turn, -1, 1)) * 0.28
        lw = max(1, int(round(0.012 * L)))
        for sgn in (-1.0, 1.0):
            ellipse(img, at(sgn * 0.52 + t, 0.4), (0.2 * rx, 0.12 * ry), ang, mat.blush)
        for sgn in (-1.0, 1.0):
            e = at(sgn * 0.38 + t, 0.06)
            ellipse(
                img, at(sgn * 0.38 + t, -0.16), (0.2 * rx, 0.08 * ry), ang, hair, lw, (200, 340)
            )
            if s.eyes_open >= 0.5:
                ellipse(img, e, (0.17 * rx, 0.11 * ry), ang, (245, 245, 242))
                ellipse(img, e, (0.1 * rx, 0.1 * ry), ang, (95, 75, 60))
                ellipse(img, e, (0.05 * rx, 0.05 * ry), ang, (15, 12, 12))
                ellipse(
                    img, e - (ux + uy) * 0.03 * rx, (0.025 * rx, 0.025 * ry), ang, (255, 255, 255)
                )
                ellipse(img, e, (0.17 * rx, 0.11 * ry), ang, mat.lash, lw, (180, 360))
            else:
                ellipse(img, e, (0.17 * rx, 0.08 * ry), ang, mat.lash, lw, (10, 170))
        nose = at(t * 1.1, 0.33)
        ellipse(img, nose, (0.12 * rx, 0.08 * ry), ang, mat.nose)
        for sgn in (-1.0, 1.0):
            ellipse(
                img,
                nose + (ux * sgn * 0.05 + uy * 0.03) * rx,
                (0.03 * rx, 0.025 * ry),
                ang,
                mat.nostril,
            )
        mouth = at(t, 0.6)
        ellipse(img, mouth, (0.19 * rx, 0.075 * ry), ang, mat.lips)
        ellipse(img, mouth, (0.17 * rx, 0.03 * ry), ang, mat.lip_line, lw, (0, 180))

    # --- blanket and caregiver ----------------------------------------------------------
    def _draw_blanket(self, img: np.ndarray, s: FrameState, m: np.ndarray, mat: _Materials) -> None:
        L = s.body_len_px
        bottom, top = _BLANKET_BOTTOM, blanket_top(s.blanket)
        pts = [(-0.3, top), (0.3, top), (0.32, bottom), (-0.32, bottom)]
        legs = [
            leg_joints(s.hip_flex[i], s.hip_abd[i], s.knee_flex[i], sd)
            for i, sd in enumerate((1.0, -1.0))
        ]
        extra = []
        for _hip, knee, ankle, toe in legs:
            for p, r in ((knee, 0.09), (ankle, 0.08), (toe, 0.07)):
                if p[1] > top:
                    for a in np.linspace(0, 2 * np.pi, 8, endpoint=False):
                        extra.append((p[0] + r * np.cos(a), max(top, p[1] + r * np.sin(a))))
        hull_bu = np.array(pts + extra)
        hull = cv2.convexHull(np.round(to_pixels(hull_bu, m) * ONE).astype(np.int32))
        cv2.fillConvexPoly(img, hull, mat.blanket[3], AA, SHIFT)
        # stripes printed on the cloth
        for y in np.arange(top + 0.06, bottom, 0.1):
            a, b = to_pixels(np.array([[-0.29, y], [0.29, y]]), m)
            cv2.line(img, fx(a), fx(b), mat.blanket[0], max(1, int(0.012 * L)), AA, SHIFT)
        # ridges where the legs push the cloth up: brighter with height
        for _hip, knee, ankle, _toe in legs:
            if knee[1] <= top and ankle[1] <= top:
                continue
            zk = float(np.clip(knee[2] / 0.15, 0, 1))
            gains = (0.95, 0.99, 1.02 + 0.04 * zk, 1.05 + 0.08 * zk, 1.07 + 0.12 * zk)
            ramp = shades(mat.look.blanket, gains)
            k2 = knee.copy()
            k2[1] = max(k2[1], top + 0.02)
            a2 = ankle.copy()
            a2[1] = max(a2[1], top + 0.02)
            kp, ap = to_pixels(k2, m), to_pixels(a2, m)
            capsule(img, kp, ap, 0.085 * L, 0.075 * L, ramp)
            shaded_ellipse(img, kp, (0.085 * L, 0.085 * L), s.angle_deg, ramp)
        # hem along the top edge
        a, b = to_pixels(np.array([[-0.3, top], [0.3, top]]), m)
        cv2.line(img, fx(a), fx(b), mat.blanket[4], max(2, int(0.02 * L)), AA, SHIFT)

    def _draw_carer(self, img: np.ndarray, s: FrameState, m: np.ndarray, mat: _Materials) -> None:
        L = s.body_len_px
        far, elbow, wrist, d = carer_arm(s, m, self.width, self.height)
        capsule(img, far, elbow, 0.12 * L, 0.11 * L, mat.sleeve)
        capsule(img, elbow + d * 0.05 * L, wrist, 0.085 * L, 0.065 * L, mat.carer)
        palm = wrist - d * 0.09 * L
        perp = np.array([-d[1], d[0]])
        capsule(img, wrist, palm, 0.07 * L, 0.075 * L, mat.carer)
        for k, off in enumerate((-0.055, -0.018, 0.018, 0.055)):
            base = palm + perp * off * L
            tip = base - d * (0.1 - 0.012 * abs(k - 1.5)) * L
            capsule(img, base, tip, 0.018 * L, 0.015 * L, mat.carer)
        thumb = wrist - d * 0.04 * L + perp * 0.09 * L
        capsule(img, wrist + perp * 0.05 * L, thumb, 0.022 * L, 0.018 * L, mat.carer)

    # --- the camera -----------------------------------------------------------------------
    def _camera(self, img: np.ndarray, s: FrameState) -> np.ndarray:
        o = int(self._noise_rng.integers(self.height))
        if s.infrared:
            grey = cv2.transform(img, np.array([[0.55, 0.35, 0.10]], dtype=np.float32))
            grey = cv2.LUT(grey, self._ir_lut)
            grey = cv2.multiply(grey, self._vig_ir, scale=1.0 / 255.0)
            pos, neg = self._noise_ir
            grey = cv2.subtract(cv2.add(grey, pos[o : o + self.height]), neg[o : o + self.height])
            return cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
        pos, neg = self._noise_day
        return cv2.subtract(cv2.add(img, pos[o : o + self.height]), neg[o : o + self.height])


def _split_noise(noise: np.ndarray, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Zero-mean noise as two uint8 images (positive part, negative part) for cv2.add/subtract."""
    pos = np.clip(np.round(noise), 0, 255).astype(np.uint8)
    neg = np.clip(np.round(-noise), 0, 255).astype(np.uint8)
    if channels > 1:
        pos, neg = np.repeat(pos[..., None], channels, 2), np.repeat(neg[..., None], channels, 2)
    return np.ascontiguousarray(pos), np.ascontiguousarray(neg)


_BLANKET_BOTTOM = 0.62  # body units, past the heels


def blanket_top(cover: float | np.ndarray) -> float | np.ndarray:
    """Body-unit y of the blanket's top edge for a cover fraction 0..1 (1: up to the waist)."""
    full_top = BODY.hip_y - 0.05
    return _BLANKET_BOTTOM - (_BLANKET_BOTTOM - full_top) * np.clip(cover, 0.0, 1.0)


def carer_arm(
    s: FrameState, m: np.ndarray, width: int, height: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Caregiver arm geometry in pixels: shoulder-side end (off-frame), elbow, wrist, and
    the unit direction pointing from the hand back to the frame edge."""
    L = s.body_len_px
    target = to_pixels(np.array([0.05, -0.08]), m)
    a = np.radians(s.carer_from_deg)
    d = np.array([np.cos(a), np.sin(a)])
    far = target + d * 2.0 * max(width, height)
    edge = _edge_distance(target, d, width, height)
    reach = float(np.clip(s.carer_reach, 0, 1))
    wrist = target + d * (edge + 0.25 * L) * (1.0 - reach)
    w = s.carer_wiggle
    wrist = wrist + np.array([np.sin(w), np.cos(1.3 * w)]) * 0.01 * L
    elbow = wrist + d * 0.45 * L
    return far, elbow, wrist, d


def _edge_distance(p: np.ndarray, d: np.ndarray, w: int, h: int) -> float:
    """Distance from ``p`` along unit ``d`` to the frame border."""
    ts = []
    for pc, dc, lim in ((p[0], d[0], w), (p[1], d[1], h)):
        if dc > 1e-9:
            ts.append((lim - pc) / dc)
        elif dc < -1e-9:
            ts.append(-pc / dc)
    return float(max(0.0, min(ts))) if ts else 0.0


def _ir_lut() -> np.ndarray:
    """Infrared tone curve: skin and cloth bright, lifted blacks, a little contrast."""
    x = np.arange(256, dtype=np.float64) / 255.0
    y = 0.06 + 0.94 * x**0.8
    return np.clip(y * 255.0, 0, 255).astype(np.uint8)


def _mattress(w: int, h: int, look: Look, rng: np.random.Generator) -> np.ndarray:
    """A fitted sheet: base colour, soft folds, a printed dot pattern and weave noise."""
    base = np.empty((h, w, 3), dtype=np.float32)
    base[:] = np.array(look.sheet, dtype=np.float32)
    small = rng.normal(0, 1, (max(2, h // 24), max(2, w // 24))).astype(np.float32)
    folds = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    folds = cv2.GaussianBlur(folds, (0, 0), max(w, h) / 60.0)
    folds = folds / max(float(np.abs(folds).max()), 1e-6)
    base *= (1.0 + 0.07 * folds)[..., None]
    img = np.clip(base, 0, 255).astype(np.uint8)
    step = max(8, int(min(w, h) / 14))
    r = max(1, step // 6)
    for yi, y in enumerate(range(step // 2, h + step, step)):
        for x in range(step // 2 + (step // 2) * (yi % 2), w + step, step):
            cv2.circle(img, (x, y), r, look.sheet_dots, -1, AA)
    weave = rng.normal(0, 3.0, (h, w)).astype(np.float32)
    out = img.astype(np.float32) + weave[..., None]
    # piping along the mattress edge
    out = np.clip(out, 0, 255).astype(np.uint8)
    return out
