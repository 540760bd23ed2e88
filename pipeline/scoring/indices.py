"""The leg-movement indices a sleep clinician reads, from a scored night's movement table.

Every index is computed from the events (with ``kind``, ``state``, ``plm_series``, ``imi_s``
as the signal stage scored them) and the sleep/wake epochs; none is recomputed elsewhere.

- **PLMS / PLMW index**: PLMs in sleep per hour of sleep; PLMs in wake per hour of wake in
  bed (from the in-bed time, artifact time left out) — WASM 2016 reports both.
- **LM index** in sleep and in wake likewise (candidate LMs).
- **Periodicity index** (Ferri et al., Sleep 2006): the IMIs of 10-90 s that belong to runs
  of at least three consecutive such IMIs, over all IMIs — separately for the IMIs ending
  in sleep and in wake (0: no periodicity, 1: all periodic).
- **IMI distribution**: candidate-LM IMIs in log-spaced bins (:data:`IMI_EDGES_S`), per
  state, and the short-interval LMs (IMI below the PLM minimum, 10 s) per hour; in children
  the IMI histogram peaks at 2-4 s (Ferri et al., Sleep 2018).
- **Per series**: number, start, end, count, duration (first onset to last offset), mean
  IMI, and the state most of its LMs fell in; a night whose series fell in wake is
  flagged (``plm_series_in_wake``): if the child was asleep then, the PLMS index under-counts.
- **One leg / both legs**: candidate LMs and PLMs split by ``side``.
- **By hour of sleep**: LMs and PLMs in the 1st, 2nd, ... hour of accumulated sleep.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from pipeline.settings import Settings

__all__ = ["IMI_EDGES_S", "indices_night", "periodicity_index"]

#: IMI histogram bin edges (s), log-spaced (x1.5 - x2) with the PLM limits 10 and 90 s as
#: edges; the last bin is open
IMI_EDGES_S: tuple[float, ...] = (1, 2, 3, 4, 6, 10, 15, 20, 30, 45, 60, 90, 180, math.inf)


def _per_hour(count: int, seconds: float) -> float | None:
    return round(count / (seconds / 3600), 2) if seconds > 0 else None


def periodicity_index(imi_s: np.ndarray, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """For a sequence of consecutive IMIs (NaN where the sequence is broken), which are
    *valid* (finite) and which are *periodic*: 10-90 s (``plm_min_interval_s`` ..
    ``plm_max_interval_s``) inside a run of at least ``plm_min_count - 1`` (3) such IMIs
    in a row (Ferri 2006). The index is ``periodic.sum() / valid.sum()``."""
    x = np.asarray(imi_s, dtype=np.float64)
    valid = np.isfinite(x)
    eps = 1e-9
    inside = valid & (x >= settings.plm_min_interval_s - eps)
    inside &= x <= settings.plm_max_interval_s + eps
    periodic = np.zeros(len(x), dtype=bool)
    need = max(1, int(settings.plm_min_count) - 1)
    i = 0
    while i < len(x):
        if not inside[i]:
            i += 1
            continue
        j = i
        while j < len(x) and inside[j]:
            j += 1
        if j - i >= need:
            periodic[i:j] = True
        i = j
    return valid, periodic


def _hist(imi: np.ndarray) -> list[int]:
    counts, _ = np.histogram(imi[np.isfinite(imi)], bins=np.asarray(IMI_EDGES_S))
    return [int(c) for c in counts]


def _series_stats(events: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    plm = events.dropna(subset=["plm_series"])
    for num, g in plm.groupby("plm_series"):
        g = g.sort_values("start_s")
        iv = g["imi_s"].to_numpy(dtype=float)[1:]  # the first LM's IMI is not the series'
        asleep = float((g["state"] == "sleep").mean()) >= 0.5
        rows.append(
            {
                "number": int(num),
                "start_s": round(float(g["start_s"].iloc[0]), 1),
                "end_s": round(float(g["end_s"].max()), 1),
                "n": len(g),
                "duration_s": round(float(g["end_s"].max() - g["start_s"].iloc[0]), 1),
                "mean_imi_s": round(float(np.nanmean(iv)), 1) if np.isfinite(iv).any() else None,
                "state": "sleep" if asleep else "wake",
            }
        )
    return rows


def _sleep_hours(events: pd.DataFrame, epochs: pd.DataFrame) -> list[dict[str, Any]]:
    """LMs and PLMs in each hour of accumulated sleep (1st hour = the first 3600 s of sleep)."""
    ep = epochs[epochs["state"] == "sleep"]
    if len(ep) == 0:
        return []
    a = ep["start_s"].to_numpy(dtype=float)
    b = ep["end_s"].to_numpy(dtype=float)
    before = np.concatenate(([0.0], np.cumsum(b - a)[:-1]))  # sleep before each epoch
    total = float((b - a).sum())
    n_hours = max(1, int(math.ceil(total / 3600 - 1e-9)))
    sleep_s = [min(3600.0, total - 3600.0 * h) for h in range(n_hours)]
    lm = np.zeros(n_hours, dtype=int)
    plm = np.zeros(n_hours, dtype=int)
    ev = events[(events["kind"] == "lm") & (events["state"] == "sleep")]
    t = ev["start_s"].to_numpy(dtype=float)
    k = np.searchsorted(a, t, side="right") - 1
    inside = (k >= 0) & (t < b[np.clip(k, 0, len(b) - 1)])
    slept = before[np.clip(k, 0, len(b) - 1)] + (t - a[np.clip(k, 0, len(a) - 1)])
    hour = np.clip((slept // 3600).astype(int), 0, n_hours - 1)
    is_plm = ev["plm_series"].notna().to_numpy()
    np.add.at(lm, hour[inside], 1)
    np.add.at(plm, hour[inside & is_plm], 1)
    return [
        {
            "hour": h + 1,
            "sleep_s": round(sleep_s[h], 1),
            "lm": int(lm[h]),
            "plm": int(plm[h]),
            "plm_index_per_h": _per_hour(int(plm[h]), sleep_s[h]),
        }
        for h in range(n_hours)
    ]


def indices_night(
    events: pd.DataFrame,
    epochs: pd.DataFrame,
    settings: Settings,
    total_sleep_s: float,
    wake_in_bed_s: float,
    in_bed_s: float,
) -> dict[str, Any]:
    """The summary fields of the module docstring for one scored night.

    ``wake_in_bed_s`` is the wake time from ``in_bed_s`` (the in-bed time, or the start of the
    recording) to the end, artifact time left out; PLMs and LMs in wake are counted from
    ``in_bed_s`` on, so their index is per hour of that time.
    """
    is_lm = (events["kind"] == "lm").to_numpy()
    sleep = (events["state"] == "sleep").to_numpy()
    bed = (events["start_s"] >= in_bed_s - 1e-9).to_numpy()
    wake = ~sleep & bed
    plm = events["plm_series"].notna().to_numpy()
    both = (events["side"] == "bilateral").to_numpy()
    imi = (
        events["imi_s"].to_numpy(dtype=float) if "imi_s" in events else np.full(len(events), np.nan)
    )
    short = is_lm & np.isfinite(imi) & (imi < settings.plm_min_interval_s - 1e-9)

    # Ferri's index on the night's sequence of candidate-LM IMIs, counted per state
    order = np.argsort(events["start_s"].to_numpy(dtype=float), kind="stable")
    lm_order = order[is_lm[order]]
    valid, periodic = periodicity_index(imi[lm_order], settings)
    pi: dict[str, float | None] = {}
    for name, in_state in (("sleep", sleep), ("wake", wake)):
        st = in_state[lm_order]
        n = int((valid & st).sum())
        pi[name] = round(float((periodic & st).sum() / n), 3) if n else None

    series = _series_stats(events)
    in_wake = [s for s in series if s["state"] == "wake"]
    return {
        "plm_index_per_h": _per_hour(int((plm & sleep).sum()), total_sleep_s),
        "plmw_index_per_h": _per_hour(int((plm & wake).sum()), wake_in_bed_s),
        "lm_index_per_h": _per_hour(int((is_lm & sleep).sum()), total_sleep_s),
        "lm_index_wake_per_h": _per_hour(int((is_lm & wake).sum()), wake_in_bed_s),
        "short_imi_index_per_h": _per_hour(int((short & sleep).sum()), total_sleep_s),
        "short_imi_index_wake_per_h": _per_hour(int((short & wake).sum()), wake_in_bed_s),
        "periodicity_index_sleep": pi["sleep"],
        "periodicity_index_wake": pi["wake"],
        "wake_in_bed_s": round(wake_in_bed_s, 1),
        "imi_histogram": {
            "edges_s": [e if math.isfinite(e) else None for e in IMI_EDGES_S],
            "sleep": _hist(imi[is_lm & sleep]),
            "wake": _hist(imi[is_lm & wake]),
        },
        "plm_series_stats": series,
        "plm_series_in_wake": len(in_wake),
        "sleep_hours": _sleep_hours(events, epochs),
        "lm_counts": {
            "lm_sleep_one_leg": int((is_lm & sleep & ~both).sum()),
            "lm_sleep_bilateral": int((is_lm & sleep & both).sum()),
            "lm_wake_one_leg": int((is_lm & wake & ~both).sum()),
            "lm_wake_bilateral": int((is_lm & wake & both).sum()),
            "plms_one_leg": int((plm & sleep & ~both).sum()),
            "plms_bilateral": int((plm & sleep & both).sum()),
            "plmw_one_leg": int((plm & wake & ~both).sum()),
            "plmw_bilateral": int((plm & wake & both).sum()),
            "short_imi_sleep": int((short & sleep).sum()),
            "short_imi_wake": int((short & wake).sum()),
        },
    }
