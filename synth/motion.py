"""Scene items → planted leg movements → per-frame joint angles.

A *planted* movement is one scripted or randomly placed movement of one leg or both, with
its true start and end. Leg joint angles over time are the rest pose plus the sum of the
planted movements' profiles; the truth tables are built from the same planted list
(:mod:`synth.truth`), so video and truth cannot drift apart.

Profiles keep the leg moving for the whole planted span (no still stretch of 0.5 s or
more inside it), so a movement's visible extent matches its planted extent:

- twitch (< 0.5 s): one sharp flick, sin(πu), small (hip ~20°, knee ~28°);
- short LM (≤ 2.5 s): one flexion–extension, sin(πu)^0.6 (abrupt onset and offset);
- long LM / long movement: a fast 0.35 s ramp to a flexed plateau that keeps wandering
  (sum of three incommensurate 0.35–1.3 Hz components — not periodic), then a fast release;
- rhythmic: raised-cosine cycles (1 − cos 2πft)/2 from rest to rest; cycling delays the
  right leg by half a cycle;
- wriggling (:class:`~synth.scene.Wriggle`): hip and knee flexed about halfway and moving
  all the time by band-limited random noise (0.15–1.5 Hz, nothing periodic), with the
  trunk swaying; inside a rhythmic bout the wriggling of the bout's legs falls to the
  item's ``residual`` (0.4-s transitions), so the bout's kicks take over those legs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import signal as sps

from synth.scene import (
    CaregiverArm,
    LegMovement,
    Period,
    PLMSeries,
    Reposition,
    Rhythmic,
    Scene,
    Twitch,
    Twitches,
    Wriggle,
)

__all__ = ["Planted", "Limbs", "plant_movements", "state_timeline", "limbs_compose"]

_CLEAR_S = 1.0  # random movements keep this far from any other movement (both legs)
# resting arm postures: (arm angle lo, hi, elbow flexion lo, hi) in degrees
_ARM_POSTURES = {
    "down": (35.0, 60.0, 10.0, 40.0),  # along the sides, hands at the waist
    "out": (70.0, 95.0, 5.0, 30.0),  # stretched out sideways
    "up": (100.0, 130.0, 40.0, 80.0),  # "W" / surrender pose, hands by the head
}
_LEGS = {"left": (0,), "right": (1,), "bilateral": (0, 1)}


@dataclass(frozen=True)
class Planted:
    """One planted movement; ``legs`` holds 0 (left) and/or 1 (right)."""

    start_s: float
    end_s: float
    legs: tuple[int, ...]
    origin: str  # twitch, leg_movement, plm_series, rhythmic, wiggle, wake_bout, stretch,
    # random_twitch, wriggling
    seed: int
    amplitude: float = 1.0
    pattern: str = ""
    frequency_hz: float = math.nan
    cycles: int = 0
    residual: float = 1.0  # wriggling: its share left in legs doing a rhythmic bout

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def side(self) -> str:
        return "bilateral" if len(self.legs) == 2 else ("left", "right")[self.legs[0]]


def state_timeline(scene: Scene) -> list[tuple[float, float, str]]:
    """(start_s, end_s, state) pieces covering the scene; uncovered time is ``sleep``."""
    out: list[tuple[float, float, str]] = []
    t = 0.0
    for p in sorted(scene.items_of(Period), key=lambda p: p.start_s):
        if p.start_s > t:
            out.append((t, p.start_s, "sleep"))
        out.append((p.start_s, min(p.end_s, scene.duration_s), p.state))
        t = p.end_s
    if t < scene.duration_s:
        out.append((t, scene.duration_s, "sleep"))
    merged: list[tuple[float, float, str]] = []
    for a, b, s in out:
        if b - a <= 0:
            continue
        if merged and merged[-1][2] == s and abs(merged[-1][1] - a) < 1e-9:
            merged[-1] = (merged[-1][0], b, s)
        else:
            merged.append((a, b, s))
    return merged


def _clear(occupied: list[tuple[float, float]], a: float, b: float, margin: float) -> bool:
    return all(b + margin <= s or a >= e + margin for s, e in occupied)


def plant_movements(scene: Scene) -> list[Planted]:
    """All planted movements of the scene (explicit items, then random ones), by start."""
    ss = np.random.SeedSequence([scene.seed, 7])
    rng_seed, rng_wake, rng_tw = (np.random.default_rng(s) for s in ss.spawn(3))

    def seed() -> int:
        return int(rng_seed.integers(2**31))

    out: list[Planted] = []
    for it in scene.items:
        if isinstance(it, Twitch):
            out.append(
                Planted(
                    it.t_s, it.t_s + it.duration_s, _LEGS[it.side], "twitch", seed(), it.amplitude
                )
            )
        elif isinstance(it, LegMovement):
            out.append(
                Planted(
                    it.t_s,
                    it.t_s + it.duration_s,
                    _LEGS[it.side],
                    "leg_movement",
                    seed(),
                    it.amplitude,
                )
            )
        elif isinstance(it, PLMSeries):
            for mv in it.movements():
                out.append(
                    Planted(
                        mv.t_s,
                        mv.t_s + mv.duration_s,
                        _LEGS[mv.side],
                        "plm_series",
                        seed(),
                        mv.amplitude,
                    )
                )
        elif isinstance(it, Wriggle):
            out.append(
                Planted(
                    it.start_s,
                    it.end_s,
                    (0, 1),
                    "wriggling",
                    seed(),
                    it.amplitude,
                    residual=it.residual,
                )
            )
        elif isinstance(it, Rhythmic):
            out.append(
                Planted(
                    it.t_s,
                    it.t_s + it.duration_s,
                    _LEGS[it.side],
                    "rhythmic",
                    seed(),
                    it.amplitude,
                    it.pattern,
                    it.frequency_hz,
                    it.cycles,
                )
            )
    occupied = [(p.start_s, p.end_s) for p in out]
    # artifacts (caregiver, repositioning) and whole PLM series stay free of random movements
    keep_free = CaregiverArm | Reposition | PLMSeries
    occupied += [it.span() for it in scene.items if isinstance(it, keep_free)]
    pieces = state_timeline(scene)
    for k, (a, b, state) in enumerate(pieces):
        if state == "sleep":
            continue
        act = next((p.activity for p in scene.items_of(Period) if p.start_s <= a < p.end_s), 1.0)
        if act > 0:
            after_sleep = k > 0 and pieces[k - 1][2] == "sleep"
            before_sleep = k + 1 < len(pieces) and pieces[k + 1][2] == "sleep"
            out += _stretches(rng_wake, a, b, after_sleep, before_sleep, occupied, seed)
        out += _wiggle(rng_wake, a, b, state == "wake", act, occupied, seed)
    for tw in scene.items_of(Twitches):
        out += _random_twitches(rng_tw, tw, occupied, seed)
    return sorted(out, key=lambda p: (p.start_s, p.end_s))


def _stretches(
    rng: np.random.Generator,
    a: float,
    b: float,
    after_sleep: bool,
    before_sleep: bool,
    occupied: list[tuple[float, float]],
    seed: Callable[[], int],
) -> list[Planted]:
    """Whole-body stretches (bilateral long movements, 16-19 s) that open a wake period
    after sleep (waking up) and close a wake/settling period before sleep (the last big
    movement before falling asleep). They separate wake and sleep leg movements, so no PLM
    series runs across a change of state."""
    out: list[Planted] = []
    for want, at_start in ((after_sleep, True), (before_sleep, False)):
        dur = float(rng.uniform(16.0, 19.0))
        if not want or b - a < dur + 8.0:
            continue
        s = a + 0.5 if at_start else b - 0.5 - dur
        if _clear(occupied, s, s + dur, _CLEAR_S):
            out.append(Planted(s, s + dur, (0, 1), "stretch", seed(), 1.0))
            occupied.append((s, s + dur))
    return out


def _wiggle(
    rng: np.random.Generator,
    a: float,
    b: float,
    awake: bool,
    activity: float,
    occupied: list[tuple[float, float]],
    seed: Callable[[], int],
) -> list[Planted]:
    """Random leg movements of an awake (or settling) baby between ``a`` and ``b``."""
    out: list[Planted] = []
    if activity <= 0:
        return out
    gap_lo, gap_hi = (1.0, 5.0) if awake else (4.0, 16.0)
    p_bout = 0.25 if awake else 0.04
    t = a + float(rng.uniform(0.3, gap_hi)) / activity
    while t < b:
        if rng.random() < p_bout:
            legs: tuple[int, ...] = (0, 1)
            dur, origin = float(rng.uniform(10.0, 25.0)), "wake_bout"
        else:
            r = rng.random()
            if r < 0.12:
                dur = float(rng.uniform(0.15, 0.4))
            else:
                dur = float(np.clip(rng.lognormal(math.log(1.4), 0.6), 0.6, 8.0))
            legs = (0,) if r < 0.5 else (1,) if r < 0.85 or dur < 0.5 else (0, 1)
            origin = "wiggle"
        end = t + dur
        if end <= b - 0.5 and _clear(occupied, t, end, _CLEAR_S):
            out.append(Planted(t, end, legs, origin, seed(), float(rng.uniform(0.8, 1.2))))
            occupied.append((t, end))
        t = end + float(rng.uniform(gap_lo, gap_hi)) / activity
    return out


def _random_twitches(
    rng: np.random.Generator,
    tw: Twitches,
    occupied: list[tuple[float, float]],
    seed: Callable[[], int],
) -> list[Planted]:
    out: list[Planted] = []
    if tw.rate_per_min <= 0:
        return out
    t = tw.start_s
    while True:
        t += float(rng.exponential(60.0 / tw.rate_per_min))
        dur = float(rng.uniform(0.12, 0.35))
        if t + dur > tw.end_s:
            return out
        if _clear(occupied, t, t + dur, 1.5):
            leg = (int(rng.integers(2)),)
            out.append(
                Planted(t, t + dur, leg, "random_twitch", seed(), float(rng.uniform(0.8, 1.2)))
            )
            occupied.append((t, t + dur))


# --- profiles ------------------------------------------------------------------------------
def _wander(rng: np.random.Generator, t: np.ndarray, f_lo: float, f_hi: float) -> np.ndarray:
    """Smooth non-periodic wandering in about -1..1."""
    x = np.zeros_like(t)
    for _ in range(3):
        f = rng.uniform(f_lo, f_hi)
        x += rng.uniform(0.6, 1.0) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    return x / 2.2


def leg_profile(p: Planted, leg: int, t: np.ndarray) -> tuple[np.ndarray, ...]:
    """(hip_flex, hip_abd, knee_flex) increments in degrees at times ``t`` from the start."""
    rng = np.random.default_rng([p.seed, leg])
    d, amp = p.duration_s, p.amplitude
    if p.origin == "rhythmic":
        f = p.frequency_hz
        lag = 0.5 / f if (p.pattern == "cycling" and leg == 1) else 0.0
        tt = t - lag
        on = (tt >= 0) & (tt <= p.cycles / f)
        w = np.where(on, 0.5 * (1.0 - np.cos(2 * np.pi * f * tt)), 0.0)
        a = (48.0 if f <= 2.5 else 36.0) * amp
        return a * w, 8.0 * w, 1.35 * a * w
    if p.origin == "wriggling":
        return _wriggling(rng, p, t)
    u = np.clip(t / d, 0.0, 1.0)
    if d < 0.5:  # twitch: small fast flick
        w = np.sin(np.pi * u)
        return 20.0 * amp * w, 4.0 * w, 28.0 * amp * w
    a_hip = float(rng.uniform(48.0, 65.0)) * amp
    a_knee = a_hip * float(rng.uniform(1.25, 1.5))
    a_abd = float(rng.uniform(-4.0, 14.0))
    if d <= 2.5:
        w = np.sin(np.pi * u) ** 0.6
        return a_hip * w, a_abd * w, a_knee * w
    edge = np.clip(np.minimum(t, d - t) / 0.35, 0.0, 1.0)
    env = np.sin(0.5 * np.pi * edge)
    big = p.origin in ("wake_bout", "stretch")
    f_lo, f_hi, k = (0.5, 2.0, 0.5) if big else (0.35, 1.3, 0.3)
    hip = a_hip * env * (1.0 - k + k * _wander(rng, t, f_lo, f_hi))
    knee = a_knee * env * (1.0 - k + k * _wander(rng, t, f_lo, f_hi))
    abd = env * (a_abd + 10.0 * _wander(rng, t, f_lo, f_hi))
    return hip, abd, knee


def _noise(rng: np.random.Generator, t: np.ndarray, lo_hz: float, hi_hz: float) -> np.ndarray:
    """Band-limited Gaussian noise at the (uniform) times ``t``, unit standard deviation."""
    if t.size < 8:
        return np.zeros_like(t)
    fs = 1.0 / float(np.median(np.diff(t)))
    pad = int(4 * fs)
    x = rng.normal(0.0, 1.0, t.size + 2 * pad)
    sos = sps.butter(2, [lo_hz, min(hi_hz, 0.45 * fs)], btype="band", output="sos", fs=fs)
    y = sps.sosfiltfilt(sos, x)[pad : pad + t.size]
    return y / max(float(np.std(y)), 1e-9)


def _wriggling(rng: np.random.Generator, p: Planted, t: np.ndarray) -> tuple[np.ndarray, ...]:
    """(hip_flex, hip_abd, knee_flex) of one leg wriggling: flexed about halfway, moving by
    band-limited noise (knee partly with the hip, as real legs do), in and out over 0.5 s."""
    amp = p.amplitude
    edge = np.clip(np.minimum(t, p.duration_s - t) / 0.5, 0.0, 1.0)
    env = np.sin(0.5 * np.pi * edge)
    n_hip = _noise(rng, t, 0.15, 1.5)
    n_knee = 0.7 * n_hip + 0.7 * _noise(rng, t, 0.15, 1.5)
    hip = amp * env * (24.0 + 14.0 * n_hip)
    knee = amp * env * (32.0 + 19.0 * n_knee)
    abd = amp * env * (4.0 + 6.0 * _noise(rng, t, 0.1, 1.0))
    return hip, abd, knee


def _wriggle_gain(planted: list[Planted], leg: int, t: np.ndarray, residual: float) -> np.ndarray:
    """1, falling to ``residual`` (0.4-s transitions) inside the rhythmic bouts of ``leg``."""
    gain = np.ones_like(t)
    for q in planted:
        if q.origin != "rhythmic" or leg not in q.legs:
            continue
        inside = np.clip(np.minimum(t - q.start_s, q.end_s - t) / 0.4 + 0.5, 0.0, 1.0)
        gain = np.minimum(gain, 1.0 - (1.0 - residual) * inside)
    return gain


@dataclass
class Limbs:
    """Per-frame limb and face parameters (arrays over frames; legs/arms as (N, 2))."""

    hip_flex: np.ndarray
    hip_abd: np.ndarray
    knee_flex: np.ndarray
    arm_angle: np.ndarray
    elbow_flex: np.ndarray
    arm_lift: np.ndarray
    head_turn: np.ndarray
    eyes_open: np.ndarray
    breath: np.ndarray
    sway: np.ndarray  # (N, 3): dx, dy in body units, rotation in degrees


def _bump(t: np.ndarray, a: float, b: float) -> np.ndarray:
    u = np.clip((t - a) / max(b - a, 1e-9), 0.0, 1.0)
    return np.sin(np.pi * u) ** 2


def limbs_compose(scene: Scene, planted: list[Planted]) -> Limbs:
    """Joint angles for every frame of the scene."""
    n, fps = scene.n_frames, scene.fps
    t = np.arange(n) / fps
    rng = np.random.default_rng([scene.seed, 11])
    rest_hip = rng.uniform(10.0, 25.0, 2)
    rest_abd = rng.uniform(8.0, 20.0, 2)
    rest_knee = rng.uniform(15.0, 35.0, 2)
    hip = np.tile(rest_hip, (n, 1))
    abd = np.tile(rest_abd, (n, 1))
    knee = np.tile(rest_knee, (n, 1))
    sway = np.zeros((n, 3))
    for p in planted:
        i0, i1 = int(math.ceil(p.start_s * fps - 1e-9)), int(math.floor(p.end_s * fps + 1e-9))
        i1 = min(i1, n - 1)
        if i1 < i0:
            continue
        tt = t[i0 : i1 + 1] - p.start_s
        for leg in p.legs:
            dh, da, dk = leg_profile(p, leg, tt)
            if p.origin == "wriggling":
                g = _wriggle_gain(planted, leg, t[i0 : i1 + 1], p.residual)
                dh, da, dk = dh * g, da * g, dk * g
            hip[i0 : i1 + 1, leg] += dh
            abd[i0 : i1 + 1, leg] += da
            knee[i0 : i1 + 1, leg] += dk
        if p.origin in ("wake_bout", "stretch", "wriggling"):
            srng = np.random.default_rng([p.seed, 5])
            env = np.sin(0.5 * np.pi * np.clip(np.minimum(tt, p.duration_s - tt) / 0.5, 0, 1))
            for k, scale in enumerate((0.012, 0.012, 3.0)):
                sway[i0 : i1 + 1, k] += scale * env * _wander(srng, tt, 0.3, 1.0)
    np.clip(hip, 0.0, 100.0, out=hip)
    np.clip(knee, 0.0, 140.0, out=knee)
    np.clip(abd, -10.0, 45.0, out=abd)

    state = np.full(n, "sleep", dtype=object)
    for a, b, s in state_timeline(scene):
        state[(t >= a) & (t < b)] = s
    awake = state != "sleep"
    # arms: rest in a "W", random reaches while awake
    arms = scene.arms
    if arms == "random":
        arms = ("down", "out")[int(rng.integers(2))]
    lo_a, hi_a, lo_e, hi_e = _ARM_POSTURES[arms]
    arm_angle = np.tile(rng.uniform(lo_a, hi_a, 2), (n, 1))
    elbow = np.tile(rng.uniform(lo_e, hi_e, 2), (n, 1))
    lift = np.zeros((n, 2))
    arng = np.random.default_rng([scene.seed, 13])
    for a, b, s in state_timeline(scene):
        if s == "sleep":
            continue
        rate = 8.0 if s == "wake" else 2.0
        for arm in (0, 1):
            t0 = a
            while True:
                t0 += float(arng.exponential(60.0 / rate))
                dur = float(arng.uniform(0.6, 3.0))
                if t0 + dur > b:
                    break
                sl = slice(int(t0 * fps), min(n, int((t0 + dur) * fps) + 1))
                w = _bump(t[sl], t0, t0 + dur)
                arm_angle[sl, arm] += float(arng.normal(0, 22)) * w
                elbow[sl, arm] += float(arng.normal(0, 28)) * w
                lift[sl, arm] += float(arng.uniform(0, 1)) * w
    np.clip(arm_angle, 25.0, 160.0, out=arm_angle)
    np.clip(elbow, 0.0, 120.0, out=elbow)
    np.clip(lift, 0.0, 1.0, out=lift)
    # head: turns now and then while awake, still asleep
    hrng = np.random.default_rng([scene.seed, 17])
    target = np.full(n, float(hrng.uniform(-0.4, 0.4)))
    k = 0
    while k < n:
        step = int(hrng.uniform(3.0, 8.0) * fps)
        if awake[k]:
            target[k : k + step] = float(hrng.uniform(-0.8, 0.8))
        k += step
    head = _smooth(target, int(0.8 * fps))
    eyes = np.where(state == "wake", 1.0, 0.0)
    if np.any(state == "settling"):  # drowsy: eyes open now and then
        blink = (np.sin(2 * np.pi * t / 11.0) > 0.3).astype(float)
        eyes = np.where(state == "settling", blink, eyes)
    f_breath = np.where(awake, 0.75, 0.5)
    phase = 2 * np.pi * np.cumsum(f_breath) / fps + rng.uniform(0, 2 * np.pi)
    breath = 0.025 * np.sin(phase)
    return Limbs(hip, abd, knee, arm_angle, elbow, lift, head, eyes, breath, sway)


def _smooth(x: np.ndarray, width: int) -> np.ndarray:
    if width <= 1 or x.size < 2:
        return x
    k = np.hanning(width + 2)[1:-1]
    k /= k.sum()
    pad = np.pad(x, (width, width), mode="edge")
    return np.convolve(pad, k, mode="same")[width:-width]
