"""Simulate per-frame keypoint tracks with planted leg movements and return the truth.

Like NeuroKit2's ``*_simulate`` functions, this lives next to the detectors it tests:
:func:`simulate_track` builds a :class:`~detector.track.NightTrack` of a baby lying on
its back, seen from above, whose legs perform the movements listed in a plan, with
keypoint noise, dropouts and any frame rate; :func:`simulate_plan` makes a standard plan
(twitches, one-leg and bilateral LMs, rhythmic kicking and cycling, long movements and a
PLM series) whose truth is known by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import signal as sps

from detector.track import KEYPOINT_NAMES, MOTION_REGIONS, NightTrack
from pipeline.scoring.movements import CONTRACT_EVENT_COLUMNS

__all__ = ["Planned", "simulate_plan", "simulate_track", "TRUTH_COLUMNS"]

#: the truth table: the contract's event columns up to the PLM series (no state or source)
TRUTH_COLUMNS = CONTRACT_EVENT_COLUMNS[: CONTRACT_EVENT_COLUMNS.index("plm_series") + 1]


@dataclass(frozen=True)
class Planned:
    """One planted movement. ``pattern`` '' (plain), 'kicking' or 'cycling'."""

    start_s: float
    duration_s: float
    side: str  # left, right, bilateral
    pattern: str = ""
    frequency_hz: float = float("nan")
    amplitude_bl: float = 0.25
    plm_series: int | None = None

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    @property
    def kind(self) -> str:
        limit = 15.0 if self.side == "bilateral" else 10.0
        if self.duration_s < 0.5:
            return "twitch"
        return "lm" if self.duration_s <= limit else "long_movement"


def simulate_plan(seed: int = 0, n_blocks: int = 2) -> tuple[list[Planned], float]:
    """A standard plan of movements and the night length (s) it needs.

    Each block is: 60 s quiet, a mixed run (twitches, one-leg LMs, bilateral LMs, a long
    movement, rhythmic kicking and cycling) with LM onsets under 10 s apart so it never
    forms a PLM series, 120 s quiet, then a PLM series of 5 LMs 15-40 s apart with
    twitches between them, then 120 s quiet.
    """
    rng = np.random.default_rng(seed)
    plan: list[Planned] = []
    t = 0.0
    series = 0
    for _ in range(n_blocks):
        t += 60.0
        mixed: list[Planned] = []
        for _ in range(4):
            mixed.append(
                Planned(
                    0,
                    float(rng.uniform(0.1, 0.35)),
                    str(rng.choice(["left", "right"])),
                    amplitude_bl=0.12,
                )
            )
        for _ in range(3):
            mixed.append(
                Planned(0, float(rng.uniform(0.8, 6.0)), str(rng.choice(["left", "right"])))
            )
        for _ in range(2):
            mixed.append(Planned(0, float(rng.uniform(1.0, 6.0)), "bilateral"))
        mixed.append(Planned(0, float(rng.uniform(20.0, 30.0)), "bilateral"))
        for pattern, side in (
            ("kicking", "bilateral"),
            ("cycling", "bilateral"),
            ("kicking", "left"),
        ):
            cycles = int(rng.integers(4, 7))
            f = float(rng.uniform(max(0.8, cycles / 6.5), 3.0))
            mixed.append(Planned(0, cycles / f, side, pattern, f, 0.2))
        order = rng.permutation(len(mixed))
        for i in order:
            p = mixed[i]
            plan.append(Planned(t, p.duration_s, p.side, p.pattern, p.frequency_hz, p.amplitude_bl))
            # onset-to-onset under 10 s (after the long movement it breaks a series anyway)
            t += p.duration_s + 2.0 + float(rng.uniform(0, max(0.0, 7.5 - p.duration_s)))
        t += 120.0
        series += 1
        for k in range(5):
            d = float(rng.uniform(0.8, 4.0))
            side = str(rng.choice(["left", "right", "bilateral"]))
            plan.append(Planned(t, d, side, plm_series=series))
            iv = float(rng.uniform(15.0, 40.0))
            if k < 4:  # a twitch in the interval does not break the series
                plan.append(Planned(t + iv / 2, 0.2, "right", amplitude_bl=0.12))
                t += iv
        t += 120.0
    return plan, t


def _leg_flexion(p: Planned, t: np.ndarray, leg: int, rng: np.random.Generator) -> np.ndarray:
    """Flexion (0 = straight, 1 = amplitude) of one leg over times ``t`` for movement ``p``."""
    u = t - p.start_s
    inside = (u >= 0) & (u <= p.duration_s)
    f = np.zeros_like(t)
    if p.pattern in ("kicking", "cycling"):
        phase = np.pi if (p.pattern == "cycling" and leg == 1) else 0.0
        f[inside] = 0.5 * (1 - np.cos(2 * np.pi * p.frequency_hz * u[inside] + phase))
        if phase:  # the anti-phase leg starts and ends straight too
            ramp = np.clip(np.minimum(u, p.duration_s - u) / 0.25, 0, 1)
            f[inside] = f[inside] * ramp[inside]
        return f
    if p.duration_s < 0.5:  # twitch: one quick flick
        f[inside] = np.sin(np.pi * u[inside] / p.duration_s) ** 2
        return f
    # an LM: flex quickly, keep moving irregularly, extend again
    ramp = np.clip(np.minimum(u, p.duration_s - u) / 0.2, 0, 1)
    # sustained, irregular (aperiodic) movement: broadband 0.7-3.5 Hz jitter around a flexion
    n_in = int(inside.sum())
    if not n_in:  # planned outside the simulated times (e.g. past the night's end)
        return f
    fs = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 15.0
    white = rng.normal(0, 1, n_in + int(2 * fs))
    sos = sps.butter(2, [0.7, min(3.5, 0.45 * fs)], btype="band", output="sos", fs=fs)
    jit = sps.sosfiltfilt(sos, white)[int(fs) : int(fs) + n_in]
    jit = jit / (np.abs(jit).max() + 1e-12)
    wiggle = np.zeros_like(t)
    wiggle[inside] = 0.6 + 0.4 * jit
    f[inside] = (ramp * wiggle)[inside]
    return f


def simulate_track(
    plan: list[Planned],
    duration_s: float,
    fps: float = 15.0,
    *,
    seed: int = 0,
    noise_px: float = 1.0,
    dropout_rate: float = 0.0,
    body_px: float = 160.0,
    frame_size: tuple[int, int] = (640, 480),
) -> tuple[NightTrack, pd.DataFrame]:
    """A NightTrack in which the legs perform ``plan``, and the truth event table.

    ``dropout_rate`` is the share of frames in short (0.1-0.4 s) pose dropouts.
    """
    rng = np.random.default_rng(seed)
    n = int(duration_s * fps)
    t = np.arange(n) / fps
    cx, cy = frame_size[0] / 2, frame_size[1] / 2 - body_px * 0.4
    torso, thigh, shin = 0.4 * body_px, 0.3 * body_px, 0.3 * body_px
    kp = np.zeros((n, len(KEYPOINT_NAMES), 2))
    base = {
        "nose": (0, -torso - 0.15 * body_px),
        "left_shoulder": (0.12 * body_px, -torso),
        "right_shoulder": (-0.12 * body_px, -torso),
        "left_hip": (0.08 * body_px, 0),
        "right_hip": (-0.08 * body_px, 0),
    }
    for name, (dx, dy) in base.items():
        kp[:, KEYPOINT_NAMES.index(name)] = (cx + dx, cy + dy)
    flex = np.zeros((2, n))
    amp = np.zeros((2, n))
    for p in plan:
        legs = [0, 1] if p.side == "bilateral" else [0 if p.side == "left" else 1]
        for leg in legs:
            f = _leg_flexion(p, t, leg, rng)
            on = f > 0
            flex[leg, on] = f[on]
            amp[leg, on] = p.amplitude_bl
    for leg, side in enumerate(("left", "right")):
        sign = 1 if side == "left" else -1
        hip = kp[:, KEYPOINT_NAMES.index(f"{side}_hip")]
        a = amp[leg] * flex[leg] * body_px  # how far the ankle is drawn up
        knee = hip + np.stack([sign * (0.02 * body_px + 0.6 * a), thigh - 0.3 * a], axis=1)
        ankle = knee + np.stack([sign * 0.2 * a, shin - 0.7 * a], axis=1)
        kp[:, KEYPOINT_NAMES.index(f"{side}_knee")] = knee
        kp[:, KEYPOINT_NAMES.index(f"{side}_ankle")] = ankle
    speed = np.zeros((n, 2))
    for leg, side in enumerate(("left", "right")):
        ank = kp[:, KEYPOINT_NAMES.index(f"{side}_ankle")]
        speed[1:, leg] = np.linalg.norm(np.diff(ank, axis=0), axis=1)
    kp += rng.normal(0, noise_px, kp.shape)
    vis = np.clip(rng.normal(0.95, 0.02, (n, len(KEYPOINT_NAMES))), 0, 1)
    if dropout_rate > 0:
        lost = np.zeros(n, dtype=bool)
        while lost.mean() < dropout_rate:
            s = int(rng.integers(0, n))
            lost[s : s + max(1, int(rng.uniform(0.1, 0.4) * fps))] = True
        kp[lost] = np.nan
        vis[lost] = 0.0
    motion = np.zeros((n, len(MOTION_REGIONS)))
    motion[:, 1:] = 0.002 + 0.02 * speed / (body_px / fps) + rng.normal(0, 0.0005, (n, 2))
    motion[:, 0] = motion[:, 1:].mean(axis=1) * 0.5 + 0.001
    track = NightTrack(
        t_s=t,
        keypoints_px=kp,
        visibility=vis,
        pose_ran=np.ones(n, dtype=bool),
        motion=np.clip(motion, 0, 1),
        frame_size=frame_size,
        model="simulated",
    )
    truth = pd.DataFrame(
        [
            {
                "start_s": p.start_s,
                "end_s": p.end_s,
                "duration_s": p.duration_s,
                "kind": p.kind,
                "side": p.side,
                "rhythmic": bool(p.pattern),
                "pattern": p.pattern,
                "frequency_hz": p.frequency_hz,
                "plm_series": p.plm_series,
            }
            for p in sorted(plan, key=lambda p: p.start_s)
        ],
        columns=TRUTH_COLUMNS,
    )
    truth["plm_series"] = truth["plm_series"].astype("Int64")
    return track, truth
