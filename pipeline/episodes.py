"""Flagged episodes for review, each with a plain-words reason, most important first.

Kinds and the rule that raises each:
- ``plm_series``: each PLM series (>=4 LMs 10-90 s apart);
- ``rhythmic_movement``: a rhythmic kicking/cycling movement in the settling window or in sleep;
- ``restless_settling``: at least ``restless_settling_min_lms`` LMs in the settling window
  (``settling_window_s`` before sleep onset);
- ``movement_awakening``: an awakening that starts within ``awakening_lm_window_s`` after
  the end of an LM (the video analogue of a PLM-associated arousal).
"""

from __future__ import annotations

import pandas as pd

from pipeline.settings import Settings
from pipeline.sleep import SleepResult

__all__ = ["EPISODE_COLUMNS", "EPISODE_PRIORITY", "episodes_flag", "settling_window"]

EPISODE_COLUMNS = ["start_s", "end_s", "kind", "priority", "n_movements", "reason"]
#: lower is more important
EPISODE_PRIORITY = {
    "plm_series": 1,
    "movement_awakening": 2,
    "rhythmic_movement": 3,
    "restless_settling": 4,
}


def settling_window(
    sleep: SleepResult, settings: Settings, start_s: float
) -> tuple[float, float] | None:
    """The settling window (start, end) before sleep onset, clipped to the recording."""
    if sleep.sleep_onset_s is None:
        return None
    return (max(start_s, sleep.sleep_onset_s - settings.settling_window_s), sleep.sleep_onset_s)


def _fmt(t: float) -> str:
    t = int(round(t))
    return f"{t // 3600:d}:{t % 3600 // 60:02d}:{t % 60:02d}"


def episodes_flag(
    events: pd.DataFrame, sleep: SleepResult, settings: Settings, start_s: float = 0.0
) -> pd.DataFrame:
    """Episodes table (see module doc), ordered by priority then time."""
    rows: list[dict] = []
    lms = events[events["kind"] == "lm"]
    for num, grp in events.dropna(subset=["plm_series"]).groupby("plm_series"):
        iv = grp["start_s"].diff().dropna()
        rows.append(
            {
                "start_s": grp["start_s"].min(),
                "end_s": grp["end_s"].max(),
                "kind": "plm_series",
                "n_movements": len(grp),
                "reason": (
                    f"{len(grp)} leg movements in a row, every {iv.min():.0f}-{iv.max():.0f} s "
                    f"(periodic series {int(num)})"
                ),
            }
        )
    window = settling_window(sleep, settings, start_s)
    for r in events[events["rhythmic"].astype(bool)].itertuples(index=False):
        in_window = window is not None and window[0] <= r.start_s < window[1]
        if r.state == "sleep" or in_window:
            where = "while asleep" if r.state == "sleep" else "while settling to sleep"
            rows.append(
                {
                    "start_s": r.start_s,
                    "end_s": r.end_s,
                    "kind": "rhythmic_movement",
                    "n_movements": 1,
                    "reason": (
                        f"rhythmic {r.pattern or 'kicking'} at {r.frequency_hz:.1f} Hz "
                        f"for {r.duration_s:.0f} s {where}"
                    ),
                }
            )
    if window is not None:
        in_w = lms[(lms["start_s"] >= window[0]) & (lms["start_s"] < window[1])]
        if len(in_w) >= settings.restless_settling_min_lms:
            minutes = (window[1] - window[0]) / 60
            rows.append(
                {
                    "start_s": window[0],
                    "end_s": window[1],
                    "kind": "restless_settling",
                    "n_movements": len(in_w),
                    "reason": (
                        f"{len(in_w)} leg movements in the {minutes:.0f} min before falling asleep "
                        f"(flagged from {settings.restless_settling_min_lms})"
                    ),
                }
            )
    for a, b in sleep.awakenings:
        before = lms[
            (lms["end_s"] <= a + 1e-9 + 1.0) & (lms["end_s"] >= a - settings.awakening_lm_window_s)
        ]
        before = before[before["start_s"] < a]
        if len(before):
            rows.append(
                {
                    "start_s": float(before["start_s"].min()),
                    "end_s": b,
                    "kind": "movement_awakening",
                    "n_movements": len(before),
                    "reason": (
                        f"woke at {_fmt(a)} for {(b - a) / 60:.0f} min, right after a leg movement"
                    ),
                }
            )
    df = pd.DataFrame(rows, columns=[c for c in EPISODE_COLUMNS if c != "priority"])
    df["priority"] = df["kind"].map(EPISODE_PRIORITY).astype(int)
    df = df.sort_values(["priority", "start_s"], kind="stable").reset_index(drop=True)
    return df[EPISODE_COLUMNS]
