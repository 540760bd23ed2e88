"""Sleep/wake from video activity, actigraphy style (Cole-Kripke / Sadeh family).

The rule (also written out by :mod:`pipeline.reports.methods` with the values used):

1. *Activity.* On the analysis grid the body is *active* when it moves in a way the legs
   do not explain — whole-frame motion beyond what the leg regions' own motion accounts for
   (:mod:`pipeline.scoring.body`: the trunk, arms and head) exceeds its resting level by
   ``whole_onset_k`` noise units — or when the legs are in a *sustained bout* of activity:
   leg movements (not twitches) starting less than ``sleep_leg_chain_s`` apart (onset to
   onset) chained, lasting at least ``sleep_leg_bout_s`` (:func:`sleep_leg_bouts`), or
   kick or cycle rhythmically (a rhythmic bout: repetitive movement at 0.5-4 Hz, not one
   movement every 10-90 s). A leg movement with the rest of the body still — an LM, a PLM
   series however dense, a twitch cluster — is not activity: the baby stays asleep through
   it unless it leads to sustained activity. Samples inside artifact spans (caregiver,
   camera, lighting) are not counted.
2. *Epochs.* The activity of each ``epoch_s`` epoch (15 s, validated in infants by Galland
   2012) is the active fraction of its usable samples. This replaces the accelerometer
   count of actigraphy by a unit-free 0..1 scale that does not depend on the camera, the
   resolution or the lighting (the video rescaling). An epoch overlapping an artifact span
   is marked ``artifact`` and is not scored.
3. *Smoothing.* Like Cole-Kripke's weighted window, each epoch's score is the weighted
   mean of its own and its two neighbours' activity on each side with weights
   (0.1, 0.2, 0.4, 0.2, 0.1); artifact epochs are left out and the weights renormalised.
   An epoch is *wake* when the score exceeds ``wake_activity_threshold`` (0.3: about
   4.5 s of movement in a 15-s epoch), else *sleep*.
4. *Quiet wake* (Webster 1982, rule 4 with its times): a sleep bout of at most
   ``isolated_sleep_max_s`` with at least ``isolated_sleep_wake_s`` of wake on both sides
   is rescored wake (a still spell while awake is not sleep).
5. *Sleep onset* is the start of the first sleep bout lasting at least
   ``sleep_onset_min_s`` (Tudor-Locke 2014 use the first of several consecutive sleep
   minutes); every epoch before it is wake. With no such bout there is no sleep.
6. *Brief stirs.* After onset, a wake bout followed by sleep is rescored sleep unless the
   epochs in it whose *own* (unsmoothed) activity exceeds the threshold add up to at least
   ``wake_min_s``: the smoothing widens a bout by up to an epoch on each side, so a 20-s
   movement would otherwise make a 60-s "awakening".
7. *Awakenings* are the remaining wake bouts after onset that are followed by sleep again;
   wake running to the end of the recording is the final waking (``sleep_offset_s`` is the
   end of the last sleep epoch), not an awakening.

Artifact epochs are *bridged*: for the bout rules of steps 4-7 an artifact epoch is sleep
when the scored epochs on both sides are sleep, else wake (also at the recording's start
and end), and a wake-bridged artifact epoch counts towards an awakening's length in
step 6. They never count as sleep time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.scoring.activity import LegActivity
from pipeline.scoring.body import body_active
from pipeline.scoring.movements import movements_classify, movements_detect, movements_merge
from pipeline.scoring.signal import samples, signal_runs
from pipeline.settings import Settings

__all__ = [
    "EPOCH_COLUMNS",
    "SleepResult",
    "sleep_leg_bouts",
    "sleep_score",
    "sleep_state_at",
    "sleep_stats",
]

#: Cole-Kripke-like symmetric weights over epochs t-2 .. t+2
WEIGHTS = (0.1, 0.2, 0.4, 0.2, 0.1)

#: Columns of the epochs table (epochs.csv, before the leg-movement counts night.py adds)
EPOCH_COLUMNS = ["start_s", "end_s", "activity", "score", "artifact_s", "state", "state_filled"]


@dataclass(frozen=True, eq=False)
class SleepResult:
    """Scored epochs and the night's sleep measures (times in s from the night's start)."""

    epochs: pd.DataFrame  # EPOCH_COLUMNS; state sleep / wake / artifact
    sleep_onset_s: float | None
    total_sleep_s: float
    awakenings: list[tuple[float, float]]  # wake bouts after onset that end in sleep
    sleep_offset_s: float | None = None  # end of the last sleep epoch
    artifact_s: float = 0.0  # time inside artifact spans, not scored


def _epoch_activity(
    active: np.ndarray, usable: np.ndarray, per: int, n_ep: int
) -> tuple[np.ndarray, np.ndarray]:
    """Active fraction of the usable samples in each epoch, and the unusable sample count."""
    a = np.zeros(n_ep * per)
    u = np.zeros(n_ep * per)
    a[: len(active)] = active & usable
    u[: len(usable)] = usable
    a_sum = a.reshape(n_ep, per).sum(axis=1)
    u_sum = u.reshape(n_ep, per).sum(axis=1)
    real = np.full(n_ep, per)
    real[-1] = len(active) - (n_ep - 1) * per
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(u_sum > 0, a_sum / np.maximum(u_sum, 1), 0.0)
    return frac, real - u_sum


def _smooth(activity: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Weighted moving mean over epochs t-2..t+2, skipping epochs that are not ``ok``."""
    w = np.asarray(WEIGHTS)
    half = len(w) // 2
    x = np.pad(np.where(ok, activity, 0.0), half)
    m = np.pad(ok.astype(float), half)
    num = np.convolve(x, w[::-1], mode="valid")
    den = np.convolve(m, w[::-1], mode="valid")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.maximum(den, 1e-12), 0.0)


def _bridge(wake: np.ndarray, art: np.ndarray) -> np.ndarray:
    """Wake flags with artifact epochs filled: sleep when the scored epochs on both sides
    are sleep, else wake (also at the start and end of the recording)."""
    out = wake.copy()
    for a, b in signal_runs(art):
        both_asleep = a > 0 and b < len(wake) and not wake[a - 1] and not wake[b]
        out[a:b] = not both_asleep
    return out


def sleep_leg_bouts(t_s: np.ndarray, moves: pd.DataFrame, settings: Settings) -> np.ndarray:
    """True at the samples ``t_s`` inside a sustained bout of leg movement: the movements of
    ``moves`` (twitches left out: normal in active sleep) each starting less than
    ``sleep_leg_chain_s`` after the previous one started (onset to onset: closer than the
    shortest PLM interval, so periodic LMs never chain) are one bout, and a bout lasting at
    least ``sleep_leg_bout_s`` (first onset to last offset) is sustained. A leg movement on
    its own — an LM, a PLM, a cluster of twitches — is not; wriggling, kicking on and on,
    or an LM that runs into more movement is."""
    out = np.zeros(len(t_s), dtype=bool)
    mv = moves[moves["kind"] != "twitch"].sort_values("start_s", kind="stable")
    starts = mv["start_s"].to_numpy(dtype=float)
    ends = mv["end_s"].to_numpy(dtype=float)
    i = 0
    while i < len(starts):
        j, end = i, ends[i]
        while j + 1 < len(starts) and starts[j + 1] - starts[j] < settings.sleep_leg_chain_s:
            j += 1
            end = max(end, ends[j])
        if end - starts[i] >= settings.sleep_leg_bout_s - 1e-9:
            out |= (t_s >= starts[i]) & (t_s < end)
        i = j + 1
    return out


def sleep_score(
    act: LegActivity,
    settings: Settings,
    excluded: np.ndarray | None = None,
    rhythmic: np.ndarray | None = None,
    moves: pd.DataFrame | None = None,
) -> SleepResult:
    """Score each epoch sleep, wake or artifact from ``act`` (rule in the module doc).

    ``excluded`` (M,) marks samples of ``act.t_s`` inside artifact spans; ``rhythmic`` (M,)
    the samples inside rhythmic kicking or cycling bouts; ``moves`` the night's movements
    (with ``kind``; detected from ``act`` when not given).
    """
    fs = act.fs_hz
    m = len(act.t_s)
    if moves is None:
        moves = movements_classify(
            movements_merge(movements_detect(act, settings, excluded), settings), settings
        )
    active = body_active(act, settings) | sleep_leg_bouts(act.t_s, moves, settings)
    if rhythmic is not None:
        active |= np.asarray(rhythmic, dtype=bool)
    usable = np.ones(m, dtype=bool) if excluded is None else ~np.asarray(excluded, dtype=bool)
    per = max(1, samples(settings.epoch_s, fs))
    n_ep = max(1, int(np.ceil(m / per)))
    activity, n_bad = _epoch_activity(active, usable, per, n_ep)
    art = n_bad > 0
    score = _smooth(activity, ~art)
    wake = score > settings.wake_activity_threshold

    start = act.t_s[0] + np.arange(n_ep) * per / fs
    end = np.minimum(start + per / fs, act.t_s[-1] + 1.0 / fs)
    dur = end - start
    filled = _bridge(wake, art)

    # 4. quiet wake: a short sleep bout inside long wake is wake
    short = settings.isolated_sleep_max_s
    long_wake = settings.isolated_sleep_wake_s
    wake_runs = signal_runs(filled)
    for a, b in signal_runs(~filled):
        if dur[a:b].sum() > short + 1e-9:
            continue
        before = next((dur[p:q].sum() for p, q in wake_runs if q == a), 0.0)
        after = next((dur[p:q].sum() for p, q in wake_runs if p == b), 0.0)
        if before >= long_wake - 1e-9 and after >= long_wake - 1e-9:
            filled[a:b] = True

    # 5. sleep onset: the first sleep bout lasting at least sleep_onset_min_s
    onset_ep = next(
        (a for a, b in signal_runs(~filled) if dur[a:b].sum() >= settings.sleep_onset_min_s - 1e-9),
        None,
    )
    awakenings: list[tuple[float, float]] = []
    if onset_ep is None:
        filled[:] = True
    else:
        filled[:onset_ep] = True
        # epochs active on their own, and artifact epochs bridged as wake (a caregiver
        # handling an awake baby)
        own = ((activity > settings.wake_activity_threshold) & ~art) | (art & filled)
        for a, b in signal_runs(filled):  # 6. brief stirs inside sleep are sleep
            if a > onset_ep and b < n_ep and dur[a:b][own[a:b]].sum() < settings.wake_min_s - 1e-9:
                filled[a:b] = False
        for a, b in signal_runs(filled):  # 7. awakenings: wake bouts followed by sleep
            if a > onset_ep and b < n_ep:
                awakenings.append((float(start[a]), float(end[b - 1])))

    state = np.where(art, "artifact", np.where(filled, "wake", "sleep"))
    epochs = pd.DataFrame(
        {
            "start_s": start,
            "end_s": end,
            "activity": activity.round(4),
            "score": score.round(4),
            "artifact_s": (n_bad / fs).round(3),
            "state": state,
            "state_filled": np.where(filled, "wake", "sleep"),
        },
        columns=EPOCH_COLUMNS,
    )
    is_sleep = state == "sleep"
    total_sleep = float(dur[is_sleep].sum())
    offset = float(end[np.flatnonzero(~filled)[-1]]) if onset_ep is not None else None
    return SleepResult(
        epochs=epochs,
        sleep_onset_s=None if onset_ep is None else float(start[onset_ep]),
        total_sleep_s=total_sleep,
        awakenings=awakenings,
        sleep_offset_s=offset,
        artifact_s=float((n_bad / fs).sum()),
    )


def sleep_stats(
    sleep: SleepResult, start_s: float, end_s: float, in_bed_s: float | None = None
) -> dict[str, float | None]:
    """Night measures from a scored night recorded from ``start_s`` to ``end_s``.

    - ``in_bed_s``: when the baby was put to bed (user-given), else the recording start;
    - ``time_in_bed_s``: from then to the end of the recording, less artifact time;
    - ``time_to_sleep_s``: sleep onset minus ``in_bed_s`` (None without sleep);
    - ``sleep_efficiency``: total sleep / time in bed;
    - ``waso_s``: wake time between sleep onset and the sleep offset (wake after sleep onset).
    """
    bed = start_s if in_bed_s is None else float(in_bed_s)
    if not start_s - 1e-9 <= bed <= end_s:
        raise ValueError(
            f"in_bed_s {bed:.1f} s lies outside the recording ({start_s:.1f}-{end_s:.1f} s)"
        )
    ep = sleep.epochs
    after = ep["end_s"] > bed
    art_in_bed = float(
        (np.minimum(ep["end_s"], end_s) - np.maximum(ep["start_s"], bed))[
            after & (ep["state"] == "artifact")
        ].sum()
    )
    in_bed = max(0.0, end_s - bed - art_in_bed)
    onset, offset = sleep.sleep_onset_s, sleep.sleep_offset_s
    waso = 0.0
    if onset is not None and offset is not None:
        inside = (ep["start_s"] >= onset) & (ep["end_s"] <= offset) & (ep["state"] == "wake")
        waso = float((ep["end_s"] - ep["start_s"])[inside].sum())
    return {
        "in_bed_s": bed,
        "time_in_bed_s": round(in_bed, 1),
        "time_to_sleep_s": None if onset is None else round(max(0.0, onset - bed), 1),
        "sleep_efficiency": round(sleep.total_sleep_s / in_bed, 3) if in_bed > 0 else None,
        "waso_s": round(waso, 1),
    }


def sleep_state_at(epochs: pd.DataFrame, t_s: np.ndarray) -> np.ndarray:
    """The sleep/wake state of the epoch holding each time in ``t_s``.

    Artifact epochs give the state their neighbours bridge them with (``state_filled``),
    so every movement is ``sleep`` or ``wake``.
    """
    if len(epochs) == 0:
        return np.full(len(t_s), "wake", dtype=object)
    col = "state_filled" if "state_filled" in epochs else "state"
    idx = np.searchsorted(epochs["start_s"].to_numpy(), np.asarray(t_s), side="right") - 1
    idx = np.clip(idx, 0, len(epochs) - 1)
    return epochs[col].to_numpy()[idx]
