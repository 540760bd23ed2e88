"""Flagged episodes for review, each with a plain-words reason, most important first.

Kinds and the rule that raises each:

- ``plm_series``: each PLM series (>= ``plm_min_count`` LMs ``plm_min_interval_s`` -
  ``plm_max_interval_s`` apart, onset to onset);
- ``movement_awakening``: an awakening whose first movement is an LM starting at most
  ``awakening_lm_window_s`` before the awakening's first wake epoch or within the two
  epochs the sleep scoring's smoothing can pull that start earlier (the video analogue of
  a PLM-associated arousal); an awakening that begins with a long (gross body) movement
  is not flagged;
- ``restless_settling``: at least ``restless_settling_min_lms`` LMs in the settling window
  (``settling_window_s`` before sleep onset, clipped to the recording; without sleep, the
  last ``settling_window_s`` of the recording);
- ``rhythmic_movement``: rhythmic kicking/cycling in the settling window or in sleep;
  bouts less than ``rhythmic_merge_s`` apart are one episode.

Order: by kind in the order above (:data:`EPISODE_PRIORITY`), then within a kind the
larger first (a longer PLM series — in sleep before awake —, a longer awakening, more
rhythmic time), then by time. ``priority`` is that rank (1 = watch first), so sorting by
it gives the review order. :func:`episodes_cap` keeps the first ``episodes_max`` (a
night's list stays reviewable in a few minutes); the summary says how many were left off.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.scoring.sleep import SleepResult
from pipeline.settings import Settings

__all__ = [
    "EPISODE_COLUMNS",
    "EPISODE_PRIORITY",
    "episodes_cap",
    "episodes_flag",
    "settling_window",
]

EPISODE_COLUMNS = ["start_s", "end_s", "kind", "priority", "n_movements", "reason"]
#: kind tiers, lower is more important
EPISODE_PRIORITY = {
    "plm_series": 1,
    "movement_awakening": 2,
    "restless_settling": 3,
    "rhythmic_movement": 4,
}
#: epochs the sleep scoring's smoothing window reaches to each side
_SMOOTH_REACH_EPOCHS = 2


def settling_window(
    sleep: SleepResult, settings: Settings, start_s: float, end_s: float | None = None
) -> tuple[float, float] | None:
    """The settling window (start, end): ``settling_window_s`` before sleep onset, clipped
    to the recording. Without sleep onset it is the last ``settling_window_s`` of the
    recording when ``end_s`` (the recording's end) is given (the baby was still trying to
    settle when it stopped), else None."""
    end = sleep.sleep_onset_s if sleep.sleep_onset_s is not None else end_s
    if end is None:
        return None
    return (max(start_s, end - settings.settling_window_s), end)


def _clock(t: float) -> str:
    """Time into the recording as h:mm:ss."""
    s = int(round(t))
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _dur(seconds: float) -> str:
    """A duration in plain words: '45 s', '3 min', '1 h 05 min'."""
    s = int(round(seconds))
    if s < 120:
        return f"{s} s"
    if s < 3600:
        return f"{round(s / 60)} min"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def _plm_rows(events: pd.DataFrame, clip: bool = False) -> list[dict[str, Any]]:
    rows = []
    for num, grp in events.dropna(subset=["plm_series"]).groupby("plm_series"):
        iv = grp["start_s"].diff().dropna()
        asleep = float((grp["state"] == "sleep").mean()) >= 0.5
        where = "asleep" if asleep else "awake"
        if clip:
            where = "in this clip"
        lo, hi = round(iv.min()), round(iv.max())
        every = f"{lo} s" if lo == hi else f"{lo}-{hi} s"
        rows.append(
            {
                "start_s": float(grp["start_s"].min()),
                "end_s": float(grp["end_s"].max()),
                "kind": "plm_series",
                "n_movements": len(grp),
                "_severity": (int(asleep), len(grp)),
                "reason": (
                    f"{len(grp)} leg movements in a row "
                    f"{where if clip else 'while ' + where}, one every "
                    f"{every} (periodic series {int(num)}, from "
                    f"{_clock(grp['start_s'].min())})"
                ),
            }
        )
    return rows


def _awakening_rows(
    events: pd.DataFrame, sleep: SleepResult, settings: Settings
) -> list[dict[str, Any]]:
    rows = []
    moves = events[events["kind"] != "twitch"]
    reach = _SMOOTH_REACH_EPOCHS * settings.epoch_s
    for a, b in sleep.awakenings:
        near = moves[
            (moves["start_s"] >= a - settings.awakening_lm_window_s)
            & (moves["start_s"] < a + reach)
        ]
        if len(near) == 0 or near.iloc[0]["kind"] != "lm":
            continue
        first = near.iloc[0]
        lms = near[near["kind"] == "lm"]
        rows.append(
            {
                "start_s": float(first["start_s"]),
                "end_s": float(b),
                "kind": "movement_awakening",
                "n_movements": len(lms),
                "_severity": (b - a,),
                "reason": (
                    f"woke at {_clock(a)} for {_dur(b - a)}, starting with a leg movement "
                    f"at {_clock(first['start_s'])}"
                ),
            }
        )
    return rows


def _settling_rows(
    events: pd.DataFrame, window: tuple[float, float] | None, settings: Settings, slept: bool
) -> list[dict[str, Any]]:
    if window is None:
        return []
    lms = events[events["kind"] == "lm"]
    in_w = lms[(lms["start_s"] >= window[0]) & (lms["start_s"] < window[1])]
    if len(in_w) < max(1, settings.restless_settling_min_lms):
        return []
    return [
        {
            "start_s": float(window[0]),
            "end_s": float(window[1]),
            "kind": "restless_settling",
            "n_movements": len(in_w),
            "_severity": (len(in_w),),
            "reason": (
                f"{len(in_w)} leg movements in the {_dur(window[1] - window[0])} before "
                + (
                    f"falling asleep at {_clock(window[1])}"
                    if slept
                    else "the recording ended, without falling asleep"
                )
                + f" (flagged from {settings.restless_settling_min_lms})"
            ),
        }
    ]


def _rhythmic_rows(
    events: pd.DataFrame,
    window: tuple[float, float] | None,
    settings: Settings,
    slept: bool,
    clip: bool = False,
) -> list[dict[str, Any]]:
    rh = events[events["rhythmic"].astype(bool)]
    in_window = np.zeros(len(rh), dtype=bool)
    if window is not None:
        in_window = ((rh["start_s"] >= window[0]) & (rh["start_s"] < window[1])).to_numpy()
    rh = rh[(rh["state"] == "sleep").to_numpy() | in_window].sort_values("start_s")
    groups: list[list[Any]] = []
    for r in rh.itertuples(index=False):
        if groups and r.start_s - groups[-1][-1].end_s < settings.rhythmic_merge_s:
            groups[-1].append(r)
        else:
            groups.append([r])
    rows = []
    for g in groups:
        a, b = float(g[0].start_s), float(max(r.end_s for r in g))
        asleep = sum(r.state == "sleep" for r in g) * 2 >= len(g)
        where = "while asleep" if asleep else "while settling to sleep"
        if not slept:
            where = "while awake (no sleep found)"
        if clip:
            where = "in this clip"
        kinds = sorted({(r.pattern or "kicking") for r in g})
        freqs = [float(r.frequency_hz) for r in g if np.isfinite(r.frequency_hz)]
        rate = f" at {min(freqs):.1f}-{max(freqs):.1f} Hz" if len(freqs) > 1 else ""
        if len(freqs) == 1:
            rate = f" at {freqs[0]:.1f} Hz"
        moving = sum(float(r.duration_s) for r in g)
        what = " and ".join(kinds)
        if len(g) == 1:
            text = f"rhythmic {what}{rate} for {_dur(moving)} {where}, at {_clock(a)}"
        else:
            text = (
                f"{len(g)} bouts of rhythmic {what}{rate} within {_dur(b - a)} {where}, "
                f"from {_clock(a)}"
            )
        rows.append(
            {
                "start_s": a,
                "end_s": b,
                "kind": "rhythmic_movement",
                "n_movements": len(g),
                "_severity": (moving,),
                "reason": text,
            }
        )
    return rows


def episodes_flag(
    events: pd.DataFrame,
    sleep: SleepResult,
    settings: Settings,
    start_s: float = 0.0,
    end_s: float | None = None,
    bouts: pd.DataFrame | None = None,
    *,
    clip: bool = False,
) -> pd.DataFrame:
    """All flagged episodes (see module doc), in review order; ``priority`` is the rank.

    ``events`` are the night's movements with their ``state``; ``start_s`` and ``end_s``
    are the start and end of the recording (for the settling window). ``bouts`` (the
    rhythmic bout table, :mod:`pipeline.scoring.rhythm`, with ``state``), when given, are
    what rhythmic episodes are made of, rather than the rhythmic movements. A ``clip`` (a
    recording too short to score sleep, :mod:`pipeline.scoring.night`) has no settling
    window and no awakenings: its PLM series and every rhythmic bout in it are flagged.
    """
    if clip:
        whole = (start_s, start_s if end_s is None else end_s)
        rhythmic = events if bouts is None else bouts.assign(rhythmic=True)
        return _ordered(
            _plm_rows(events, clip=True) + _rhythmic_rows(rhythmic, whole, settings, False, True)
        )
    window = settling_window(sleep, settings, start_s, end_s)
    slept = sleep.sleep_onset_s is not None
    return _ordered(
        _plm_rows(events)
        + _awakening_rows(events, sleep, settings)
        + _settling_rows(events, window, settings, slept)
        + _rhythmic_rows(
            events if bouts is None else bouts.assign(rhythmic=True), window, settings, slept
        )
    )


def _ordered(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The episode rows as a table in review order, ``priority`` the rank."""
    rows.sort(
        key=lambda r: (
            EPISODE_PRIORITY[r["kind"]],
            tuple(-v for v in r["_severity"]),
            r["start_s"],
        )
    )
    df = pd.DataFrame(rows, columns=[c for c in EPISODE_COLUMNS if c != "priority"])
    df["priority"] = np.arange(1, len(df) + 1, dtype=int)
    df["n_movements"] = df["n_movements"].astype(int)
    df[["start_s", "end_s"]] = df[["start_s", "end_s"]].astype(float).round(3)
    return df[EPISODE_COLUMNS].reset_index(drop=True)


def episodes_cap(episodes: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The first ``episodes_max`` episodes of a table in review order."""
    return episodes.head(int(settings.episodes_max)).reset_index(drop=True)
