"""Export nights for a pediatrician as CSV: one row per night, counts per hour, movements.

The exports take plain data — a :class:`NightRecord` per night (its
:class:`~pipeline.scoring.night.NightResult` plus the label, date and reviews the store holds) —
so they are tested without the store; the store and the CLI build the records.

Files written by :func:`export_csv` (UTF-8 with a byte-order mark, so spreadsheet
programs show accents in a child's name; ``,`` separated; times in seconds from the
night's first frame unless a column says ``clock``):

- ``nights.csv``    one row per night (:data:`NIGHT_COLUMNS`)
- ``hourly.csv``    one row per hour of each night's recording (:data:`HOURLY_COLUMNS`)
- ``movements.csv`` every movement of every night, with the night's id and date
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detector.atomic import atomic_write
from pipeline.reports.events import events_presented, times_rounded
from pipeline.scoring.night import NightResult, bout_counts

__all__ = [
    "HOURLY_COLUMNS",
    "NIGHT_COLUMNS",
    "REVIEW_COLUMNS",
    "NightRecord",
    "Note",
    "export_csv",
    "fmt_clock",
    "fmt_duration",
    "hourly_counts",
    "hourly_table",
    "movements_table",
    "night_row",
    "night_first_s",
    "nights_sorted",
    "nights_table",
    "settling_window_of",
]

#: Columns of a night's reviews table (one row per reviewed episode).
REVIEW_COLUMNS = ["start_s", "end_s", "kind", "verdict", "note", "matched"]


def _empty_reviews() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "start_s": pd.Series(dtype=float),
            "end_s": pd.Series(dtype=float),
            "kind": pd.Series(dtype=str),
            "verdict": pd.Series(dtype=str),
            "note": pd.Series(dtype=str),
            "matched": pd.Series(dtype=bool),
        }
    )


@dataclass(frozen=True, eq=False)
class NightRecord:
    """What the exports need about one night.

    ``reviews`` has :data:`REVIEW_COLUMNS`, one row per review, oldest first: the reviewed
    episode's ``start_s``, ``end_s`` and ``kind`` (as it was when reviewed), the
    ``verdict`` (one of :data:`pipeline.store.records.VERDICTS`, or '' when only a note was
    left), a free ``note``, and
    ``matched`` — False for a review kept from an earlier analysis that no current episode
    matched. An optional ``episode`` column gives the 1-based number (position in
    ``result.episodes``) of the current episode the store matched it to; without it the
    report matches by kind and time overlap. The latest review of an episode wins.
    ``start_time`` is the wall-clock time of the night's first frame when known; times
    then show as clock times.
    """

    night_id: int
    label: str
    date: dt.date
    result: NightResult
    reviews: pd.DataFrame = field(default_factory=_empty_reviews)
    start_time: dt.datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.date, dt.date):
            raise ValueError(f"night {self.night_id}: date must be a datetime.date")
        missing = {"start_s", "end_s", "kind", "verdict"} - set(self.reviews.columns)
        if missing:
            raise ValueError(
                f"night {self.night_id}: reviews lack column(s) {', '.join(sorted(missing))}"
            )


@dataclass(frozen=True)
class Note:
    """A dated note or intervention ("warm bath", "iron supplement started")."""

    date: dt.date
    text: str
    night_id: int | None = None


# --- formatting shared with the PDF report -------------------------------------------


def fmt_clock(t_s: float | None, start_time: dt.datetime | None, seconds: bool = False) -> str:
    """A time of the night: wall clock ``21:14`` when the start is known, else ``+0:20``
    (hours:minutes after the recording started); '' for None."""
    if t_s is None or (isinstance(t_s, float) and math.isnan(t_s)):
        return ""
    if start_time is not None:
        when = start_time + dt.timedelta(seconds=float(t_s))
        return when.strftime("%H:%M:%S" if seconds else "%H:%M")
    total = int(round(float(t_s)))
    h, m, s = total // 3600, total % 3600 // 60, total % 60
    return f"+{h}:{m:02d}:{s:02d}" if seconds else f"+{h}:{m:02d}"


def fmt_duration(seconds: float | None) -> str:
    """``7 h 05 min`` / ``12 min``; '' for None."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return ""
    minutes = int(round(float(seconds) / 60))
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def nights_sorted(nights: Sequence[NightRecord]) -> list[NightRecord]:
    """Nights in date order (then by id)."""
    return sorted(nights, key=lambda n: (n.date, n.night_id))


def night_first_s(result: NightResult) -> float:
    """Time of the night's first frame on the result's time axis (the first epoch's start)."""
    ep = result.epochs
    return float(ep["start_s"].iloc[0]) if len(ep) else 0.0


def settling_window_of(result: NightResult) -> tuple[float, float] | None:
    """The settling window (start_s, end_s) before sleep onset, as the signal stage used it."""
    s = result.summary
    win = s.get("settling_window_s")
    if isinstance(win, list | tuple) and len(win) == 2:
        return (float(win[0]), float(win[1]))
    onset = s.get("sleep_onset_s")
    if onset is None:
        return None
    length = float((s.get("settings") or {}).get("settling_window_s", 1800.0))
    return (max(night_first_s(result), onset - length), float(onset))


# --- tables --------------------------------------------------------------------------

#: Columns of nights.csv, in order.
NIGHT_COLUMNS = [
    "night_id",
    "date",
    "label",
    "recording_start",
    "recording_h",
    "sleep_onset_s",
    "sleep_onset_clock",
    "time_to_sleep_min",
    "total_sleep_h",
    "sleep_efficiency_pct",
    "awakenings",
    "waso_min",
    "twitches",
    "lms",
    "lms_in_sleep",
    "lms_settling_window",
    "lms_in_wake",
    "long_movements",
    "large_movements",
    "rhythmic",
    "rhythmic_cycling",
    "rhythmic_kicking",
    "rhythmic_bouts",
    "rhythmic_bouts_cycling",
    "rhythmic_bouts_kicking",
    "plms",
    "plmw",
    "plm_total",
    "plm_series",
    "plm_series_in_wake",
    "plms_index_per_h",
    "plmw_index_per_h",
    "lm_index_per_h",
    "lm_index_wake_per_h",
    "short_imi_index_per_h",
    "periodicity_index_sleep",
    "periodicity_index_wake",
    "episodes_flagged",
    "episodes_confirmed",
    "episodes_rejected",
    "episodes_ordinary",
    "episodes_unsure",
    "pose_coverage_pct",
    "artifact_min",
]


def _round(x: Any, nd: int) -> float | None:
    return None if x is None else round(float(x), nd)


def night_row(night: NightRecord) -> dict[str, Any]:
    """The nights.csv row of one night, straight from its summary."""
    s = night.result.summary
    c = s.get("counts", {})
    onset = s.get("sleep_onset_s")
    verdicts = night.reviews["verdict"].fillna("").astype(str) if len(night.reviews) else None
    eff = s.get("sleep_efficiency")
    cov = s.get("pose_coverage")
    tts = s.get("time_to_sleep_s")
    return {
        "night_id": night.night_id,
        "date": night.date.isoformat(),
        "label": night.label,
        "recording_start": night.start_time.isoformat(timespec="seconds")
        if night.start_time
        else "",
        "recording_h": round(s.get("duration_s", 0.0) / 3600, 2),
        "sleep_onset_s": onset,
        "sleep_onset_clock": fmt_clock(onset, night.start_time) if night.start_time else "",
        "time_to_sleep_min": None if tts is None else round(tts / 60, 1),
        # a clip scores no sleep (total_sleep_s null): empty, not 0 h
        "total_sleep_h": None
        if s.get("total_sleep_s") is None
        else round(float(s["total_sleep_s"]) / 3600, 2),
        "sleep_efficiency_pct": None if eff is None else round(100 * eff, 1),
        "awakenings": s.get("awakenings", 0),
        "waso_min": None if s.get("waso_s") is None else round(s["waso_s"] / 60, 1),
        "twitches": c.get("twitch", 0),
        "lms": c.get("lm", 0),
        "lms_in_sleep": c.get("lm_in_sleep", 0),
        "lms_settling_window": c.get("lm_settling_window", 0),
        "lms_in_wake": c.get("lm_in_wake", 0),
        "long_movements": c.get("long_movement", 0),
        "large_movements": c.get("large_movement", 0),
        "rhythmic": c.get("rhythmic", 0),
        "rhythmic_cycling": c.get("rhythmic_cycling", 0),
        "rhythmic_kicking": c.get("rhythmic_kicking", 0),
        # the bouts themselves (bouts.csv); the three above count movements in them
        **bout_counts(night.result.bouts),
        # PLMS: in sleep; PLMW: in wake in bed; plm_total: every LM in a series
        "plms": c.get("plms", 0),
        "plmw": c.get("plmw", 0),
        "plm_total": c.get("plm", 0),
        "plm_series": c.get("plm_series", 0),
        "plm_series_in_wake": s.get("plm_series_in_wake", 0),
        "plms_index_per_h": _round(s.get("plm_index_per_h"), 2),
        "plmw_index_per_h": _round(s.get("plmw_index_per_h"), 2),
        "lm_index_per_h": _round(s.get("lm_index_per_h"), 2),
        "lm_index_wake_per_h": _round(s.get("lm_index_wake_per_h"), 2),
        "short_imi_index_per_h": _round(s.get("short_imi_index_per_h"), 2),
        "periodicity_index_sleep": _round(s.get("periodicity_index_sleep"), 3),
        "periodicity_index_wake": _round(s.get("periodicity_index_wake"), 3),
        "episodes_flagged": len(night.result.episodes),
        "episodes_confirmed": 0 if verdicts is None else int((verdicts == "confirm").sum()),
        "episodes_rejected": 0 if verdicts is None else int((verdicts == "reject").sum()),
        "episodes_ordinary": 0 if verdicts is None else int((verdicts == "ordinary").sum()),
        "episodes_unsure": 0 if verdicts is None else int((verdicts == "unsure").sum()),
        "pose_coverage_pct": None if cov is None else round(100 * cov, 1),
        "artifact_min": round(s.get("artifact_s", 0.0) / 60, 1),
    }


def nights_table(nights: Sequence[NightRecord]) -> pd.DataFrame:
    """nights.csv as a table, in date order."""
    return pd.DataFrame([night_row(n) for n in nights_sorted(nights)], columns=NIGHT_COLUMNS)


#: Columns of :func:`hourly_counts` (hourly.csv adds the night's id, date and label first).
HOURLY_COLUMNS = [
    "hour",
    "start_s",
    "end_s",
    "clock",
    "sleep_min",
    "twitches",
    "lms",
    "long_movements",
    "large_movements",
    "rhythmic",
    "plms",
    "plmw",
]


def hourly_counts(result: NightResult, start_time: dt.datetime | None = None) -> pd.DataFrame:
    """Counts per hour of the recording (hour 0 = the first 60 min), and minutes asleep.

    A movement counts in the hour its onset falls in; ``rhythmic`` counts rhythmic
    movements of any kind; ``plms`` counts the LMs in a PLM series during sleep, ``plmw``
    those during wake.
    """
    s = result.summary
    ev = result.events
    ep = result.epochs
    first = night_first_s(result)
    duration = float(s.get("duration_s", 0.0))
    n_hours = max(1, math.ceil(duration / 3600 - 1e-9))
    edges = first + 3600.0 * np.arange(n_hours + 1)

    def per_hour(mask: np.ndarray) -> np.ndarray:
        t = ev["start_s"].to_numpy(dtype=float)[mask]
        idx = np.clip(((t - first) // 3600).astype(int), 0, n_hours - 1)
        return np.bincount(idx, minlength=n_hours)

    kind = ev["kind"].astype(str).to_numpy()
    rhythmic = ev["rhythmic"].astype(bool).to_numpy()
    plm = ev["plm_series"].notna().to_numpy()
    asleep_ev = (ev["state"] == "sleep").to_numpy() if "state" in ev else np.zeros(len(ev), bool)
    sleep_min = np.zeros(n_hours)
    if len(ep):
        st = ep["start_s"].to_numpy(dtype=float)
        en = ep["end_s"].to_numpy(dtype=float)
        asleep = (ep["state"] == "sleep").to_numpy()
        for h in range(n_hours):
            ov = np.clip(np.minimum(en, edges[h + 1]) - np.maximum(st, edges[h]), 0, None)
            sleep_min[h] = ov[asleep].sum() / 60
    out = pd.DataFrame(
        {
            "hour": np.arange(n_hours),
            "start_s": edges[:-1],
            "end_s": np.minimum(edges[1:], first + duration),
            "clock": [fmt_clock(e - first, start_time) if start_time else "" for e in edges[:-1]],
            "sleep_min": sleep_min.round(1),
            "twitches": per_hour(kind == "twitch"),
            "lms": per_hour(kind == "lm"),
            "long_movements": per_hour(kind == "long_movement"),
            "large_movements": per_hour(kind == "large_movement"),
            "rhythmic": per_hour(rhythmic),
            "plms": per_hour(plm & asleep_ev),
            "plmw": per_hour(plm & ~asleep_ev),
        }
    )
    return out[HOURLY_COLUMNS]


def _night_keys(n: NightRecord) -> dict[str, Any]:
    return {"night_id": n.night_id, "date": n.date.isoformat(), "label": n.label}


def hourly_table(nights: Sequence[NightRecord]) -> pd.DataFrame:
    """hourly.csv: :func:`hourly_counts` of every night, with the night's id, date and label."""
    frames = []
    for n in nights_sorted(nights):
        h = hourly_counts(n.result, n.start_time)
        for k, v in reversed(_night_keys(n).items()):
            h.insert(0, k, v)
        frames.append(h)
    if not frames:
        return pd.DataFrame(columns=["night_id", "date", "label", *HOURLY_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def movements_table(nights: Sequence[NightRecord]) -> pd.DataFrame:
    """movements.csv: every night's movement list (as in events.csv) with the night's id,
    date and label, and the wall-clock time of onset when the night's start is known."""
    frames = []
    for n in nights_sorted(nights):
        ev = events_presented(n.result.events)  # times to the ms, n_legs <= 2, part_of_s
        clock = [fmt_clock(t, n.start_time, True) if n.start_time else "" for t in ev["start_s"]]
        ev.insert(0, "clock", clock)
        for k, v in reversed(_night_keys(n).items()):
            ev.insert(0, k, v)
        frames.append(ev)
    if not frames:
        return pd.DataFrame(columns=["night_id", "date", "label", "clock"])
    out = pd.concat(frames, ignore_index=True)
    if "plm_series" in out:
        out["plm_series"] = out["plm_series"].astype("Int64")
    return out


def _write_csv(df: pd.DataFrame, path: Path) -> Path:
    text = times_rounded(df).to_csv(index=False, lineterminator="\n")
    with atomic_write(path, "wb") as fh:
        fh.write(text.encode("utf-8-sig"))
    return path


def export_csv(nights: Sequence[NightRecord], out_dir: str | Path) -> dict[str, Path]:
    """Write nights.csv, hourly.csv and movements.csv into ``out_dir`` (each atomically).

    Returns ``{"nights": path, "hourly": path, "movements": path}``.
    """
    if not nights:
        raise ValueError("no nights to export")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return {
        "nights": _write_csv(nights_table(nights), out / "nights.csv"),
        "hourly": _write_csv(hourly_table(nights), out / "hourly.csv"),
        "movements": _write_csv(movements_table(nights), out / "movements.csv"),
    }
