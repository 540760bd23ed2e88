"""Sleep/wake from video activity, actigraphy style (Cole-Kripke / Sadeh family).

Rule (stated in the methods text):
1. per sample, the body is *active* when whole-frame motion exceeds its resting level
   by ``whole_onset_k`` noise units or either leg is above its movement onset threshold;
2. per epoch (``epoch_s``, 15 s validated in infants by Galland 2012) the activity is the
   active fraction of samples;
3. the activity is smoothed over the epoch and its neighbours with Cole-Kripke-like weights
   (0.1, 0.2, 0.4, 0.2, 0.1) and an epoch is *wake* when the smoothed value exceeds
   ``wake_activity_threshold``, else *sleep*;
4. sleep onset is the start of the first sleep run lasting at least ``sleep_onset_min_s``;
   every epoch before it is wake; after onset a wake run shorter than ``wake_min_s`` is
   rescored as sleep (a brief stir), and each remaining wake run is one awakening.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.activity import LegActivity
from pipeline.settings import Settings
from pipeline.signal import samples, signal_noise, signal_runs

__all__ = ["SleepResult", "sleep_score", "sleep_state_at"]

_WEIGHTS = np.array([0.1, 0.2, 0.4, 0.2, 0.1])


@dataclass(frozen=True, eq=False)
class SleepResult:
    epochs: pd.DataFrame  # start_s, end_s, activity, state
    sleep_onset_s: float | None
    total_sleep_s: float
    awakenings: list[tuple[float, float]]  # wake bouts after sleep onset


def sleep_score(
    act: LegActivity, settings: Settings, excluded: np.ndarray | None = None
) -> SleepResult:
    """Score each epoch sleep or wake from ``act``; ``excluded`` (M,) marks artifact samples."""
    fs = act.fs_hz
    base, noise = signal_noise(act.whole_motion, fs)
    whole_on = base + settings.whole_onset_k * max(noise, 1e-4)
    active = (act.whole_motion > whole_on) | (act.level >= 1.0).any(axis=0)
    if excluded is not None:
        active = active & ~excluded
    n_ep = max(1, int(np.ceil(len(act.t_s) / max(1, samples(settings.epoch_s, fs)))))
    per = max(1, samples(settings.epoch_s, fs))
    pad = np.zeros(n_ep * per, dtype=float)
    pad[: len(active)] = active
    activity = pad.reshape(n_ep, per).mean(axis=1)
    if len(active) < n_ep * per:  # last partial epoch: average over its real samples
        real = len(active) - (n_ep - 1) * per
        activity[-1] = pad[(n_ep - 1) * per : (n_ep - 1) * per + real].mean()
    smooth = np.convolve(np.pad(activity, 2, mode="edge"), _WEIGHTS, mode="valid")
    wake = smooth > settings.wake_activity_threshold

    start = act.t_s[0] + np.arange(n_ep) * settings.epoch_s
    end = np.minimum(start + settings.epoch_s, act.t_s[-1] + 1.0 / fs)
    need = int(np.ceil(settings.sleep_onset_min_s / settings.epoch_s - 1e-9))
    onset_ep = None
    for a, b in signal_runs(~wake):
        if b - a >= need:
            onset_ep = a
            break
    awakenings: list[tuple[float, float]] = []
    if onset_ep is None:
        wake[:] = True
        onset_s = None
    else:
        wake[:onset_ep] = True
        onset_s = float(start[onset_ep])
        min_wake = int(np.ceil(settings.wake_min_s / settings.epoch_s - 1e-9))
        for a, b in signal_runs(wake):
            if a < onset_ep:
                continue
            if b - a < min_wake:
                wake[a:b] = False
            else:
                awakenings.append((float(start[a]), float(end[b - 1])))
    state = np.where(wake, "wake", "sleep")
    epochs = pd.DataFrame(
        {"start_s": start, "end_s": end, "activity": activity.round(4), "state": state}
    )
    total_sleep = float((epochs["end_s"] - epochs["start_s"])[~wake].sum())
    return SleepResult(epochs, onset_s, total_sleep, awakenings)


def sleep_state_at(epochs: pd.DataFrame, t_s: np.ndarray) -> np.ndarray:
    """The state ('sleep'/'wake') of the epoch holding each time in ``t_s``."""
    if len(epochs) == 0:
        return np.full(len(t_s), "wake", dtype=object)
    idx = np.searchsorted(epochs["start_s"].to_numpy(), np.asarray(t_s), side="right") - 1
    idx = np.clip(idx, 0, len(epochs) - 1)
    return epochs["state"].to_numpy()[idx]
