"""Nights scored by the real signal stage on simulated tracks with planted events."""

from __future__ import annotations

import numpy as np

from pipeline.scoring.night import NightResult, night_score
from pipeline.scoring.simulate import Planned, simulate_track

__all__ = ["LABEL", "awake_night", "short_night", "simulated_night", "simulated_plan"]

LABEL = "Émile ünd Zoë"


def simulated_plan(
    seed: int, duration_s: float = 5400.0, settle_s: float = 600.0, n_series: int = 2
) -> list[Planned]:
    """A night: restless settling (LMs every few seconds), then sleep with ``n_series`` PLM
    series (LMs 20-40 s apart), a rhythmic cycling bout, and one awakening near the end."""
    rng = np.random.default_rng(seed)
    plan: list[Planned] = []
    t = 30.0
    while t < settle_s:
        d = float(rng.uniform(0.8, 5.0))
        plan.append(Planned(t, d, str(rng.choice(["left", "right", "bilateral"]))))
        t += d + float(rng.uniform(3.0, 8.0))
    t += 420.0  # quiet: falls asleep
    plan.append(Planned(t, 2.0, "bilateral", "cycling", 1.5, 0.2))
    t += 120.0
    for _ in range(n_series):
        for _ in range(int(rng.integers(5, 9))):
            plan.append(
                Planned(t, float(rng.uniform(0.8, 3.0)), str(rng.choice(["left", "right"])))
            )
            t += float(rng.uniform(20.0, 40.0))
        plan.append(Planned(t + 100, 0.25, "left", amplitude_bl=0.12))  # a twitch
        t += 600.0
    wake = max(t, duration_s - 900.0)
    x = wake
    while x < wake + 240:  # an awakening: busy for 4 min
        plan.append(Planned(x, 3.0, "bilateral"))
        x += 5.0
    plan.append(Planned(x + 20, 25.0, "bilateral"))  # a long movement
    return sorted(plan, key=lambda p: p.start_s)


def simulated_night(
    seed: int = 0, duration_s: float = 5400.0, n_series: int = 2, fps: float = 10.0
) -> NightResult:
    plan = simulated_plan(seed, duration_s, n_series=n_series)
    track, _ = simulate_track(plan, duration_s, fps, seed=seed)
    return night_score(track)


def awake_night(seed: int = 5) -> NightResult:
    """Ten minutes of constant movement: no sleep is scored."""
    plan = [Planned(2.0 + 6.0 * i, 3.0, "bilateral") for i in range(95)]
    track, _ = simulate_track(plan, 600.0, 10.0, seed=seed)
    return night_score(track)


def short_night(seed: int = 4) -> NightResult:
    """A 20-minute recording: wriggling while settling, then 13 min of sleep (795 s scored)
    with one series of 5 LMs 25 s apart — a PLMS index of 22.6/h from too little sleep."""
    rng = np.random.default_rng(seed)
    plan: list[Planned] = []
    t = 5.0
    while t < 400:
        d = float(rng.uniform(0.8, 4.0))
        plan.append(Planned(t, d, str(rng.choice(["left", "right", "bilateral"]))))
        t += d + float(rng.uniform(1.0, 3.0))
    for k in range(5):
        plan.append(Planned(700.0 + 25.0 * k, 1.5, "left" if k % 2 else "right"))
    track, _ = simulate_track(plan, 1200.0, 10.0, seed=seed)
    return night_score(track)
