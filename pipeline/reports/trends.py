"""Nights of one child side by side: "is it better since …?".

- :func:`trend_table` — one row per analysed night of one child, the numbers the Trends page
  draws (PLMS index, LMs while settling, awakenings, sleep onset), each night's 7-night median
  and whether its rate can be read as one (:func:`pipeline.reports.rates.rate_reliable`);
- :func:`before_after` — the comparison around a dated note ("iron supplement started"):
  medians of the nights before it and of the nights from it on.

The rules, stated where they are shown:

- a night belongs to the date it starts (its evening); a note dated D is about the night of D,
  so that night is the first *after* it;
- *before* are the nights from the previous note's date (or the first night) up to the day
  before the note; *after* are the nights from the note's date up to the day before the next
  note (or the last night): each side sees one thing tried, not two;
- the 7-night median of a night is the median of it and the (up to) 6 nights of the same child
  recorded before it (nights, not calendar days: a week with a missing night still takes 7);
- a clip (a recording too short to score as a night: counts, not rates) is no night here;
- a PLMS index from too little sleep (:mod:`pipeline.reports.rates`) is left out of every
  median and counted separately; LMs while settling and awakenings are counts and always
  count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline.reports.rates import rate_reliable
from pipeline.scoring.night import is_clip
from pipeline.store.records import Night, Note

__all__ = ["MEDIAN_NIGHTS", "TREND_MEASURES", "before_after", "note_sides", "trend_table"]

#: nights in the running median
MEDIAN_NIGHTS = 7
#: the measures compared before and after a note: column -> words
TREND_MEASURES = {
    "plms_index": "PLMS index (/h of sleep)",
    "lms_settling": "LMs while settling",
    "awakenings": "Awakenings",
}


def _onset_clock(night: Night, start: dt.datetime | None) -> pd.Timestamp | None:
    """Sleep onset as a time of the evening on one reference day (after noon: 1 Jan 2000,
    before noon: 2 Jan), so nights plot on one clock axis."""
    onset = (night.summary or {}).get("sleep_onset_s")
    if start is None or onset is None:
        return None
    when = start + dt.timedelta(seconds=float(onset))
    base = dt.datetime(2000, 1, 1, when.hour, when.minute)
    return pd.Timestamp(base + dt.timedelta(days=1) if when.hour < 12 else base)


def trend_table(
    nights: Sequence[Night], starts: Sequence[dt.datetime | None] | None = None
) -> pd.DataFrame:
    """One row per analysed night (``summary`` set) of ``nights``, in date order: ``night_id,
    date`` (a Timestamp), ``label, plms_index`` (NaN without sleep), ``plms_reliable``,
    ``lms, lms_settling, awakenings, total_sleep_h, sleep_onset`` (clock on a reference day,
    None without a known start; ``starts`` gives each night's clock start) and the running
    medians ``<measure>_median`` of :data:`TREND_MEASURES` (per label). A clip (counts, not
    rates: :func:`pipeline.scoring.night.is_clip`) is not a night and is left out."""
    rows = []
    for i, n in enumerate(nights):
        s = n.summary
        if s is None or is_clip(s):
            continue
        c = s.get("counts") or {}
        plmi = s.get("plm_index_per_h")
        rows.append(
            {
                "night_id": n.id,
                "date": pd.Timestamp(n.night_date),
                "label": n.label,
                "plms_index": np.nan if plmi is None else float(plmi),
                "plms_reliable": plmi is not None and rate_reliable(s),
                "lms": int(c.get("lm", 0)),
                "lms_settling": int(c.get("lm_settling_window", 0)),
                "awakenings": int(s.get("awakenings", 0)),
                "total_sleep_h": float(s.get("total_sleep_s") or 0.0) / 3600,
                "sleep_onset": _onset_clock(n, starts[i] if starts is not None else None),
            }
        )
    cols = ["night_id", "date", "label", "plms_index", "plms_reliable", "lms", "lms_settling"]
    cols += ["awakenings", "total_sleep_h", "sleep_onset"]
    table = pd.DataFrame(rows, columns=cols).sort_values(["date", "night_id"], kind="stable")
    table = table.reset_index(drop=True)
    for col in TREND_MEASURES:
        values = table[col].astype(float)
        if col == "plms_index":
            values = values.where(table["plms_reliable"].astype(bool))
        table[f"{col}_median"] = values.groupby(table["label"]).transform(
            lambda v: v.rolling(MEDIAN_NIGHTS, min_periods=1).median()
        )
    return table


def note_sides(
    table: pd.DataFrame, notes: Sequence[Note], note: Note
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``table`` before ``note`` and from it on, bounded by the neighbouring
    notes of ``notes`` (the module doc's rule)."""
    day = pd.Timestamp(note.note_date)
    dates = sorted({pd.Timestamp(n.note_date) for n in notes} | {day})
    i = dates.index(day)
    date = table["date"]
    before = date < day
    if i > 0:
        before &= date >= dates[i - 1]
    after = date >= day
    if i + 1 < len(dates):
        after &= date < dates[i + 1]
    return table[before], table[after]


def before_after(table: pd.DataFrame, notes: Sequence[Note], note: Note) -> pd.DataFrame:
    """The comparison around ``note`` (one of ``notes``) for the nights of ``table`` (one
    child, :func:`trend_table`): one row per measure of :data:`TREND_MEASURES` with
    ``measure`` (words), ``before``, ``after`` (medians; NaN with no night to take one from),
    ``nights_before``, ``nights_after`` (nights the median was taken from) and
    ``left_out_before``, ``left_out_after`` (nights left out: a PLMS index from too little
    sleep). The sides are :func:`note_sides`."""
    sides = dict(zip(("before", "after"), note_sides(table, notes, note), strict=True))
    rows: list[dict[str, Any]] = []
    for col, words in TREND_MEASURES.items():
        row: dict[str, Any] = {"measure": words}
        for side, part in sides.items():
            values = part[col].astype(float)
            if col == "plms_index":
                keep = part["plms_reliable"].astype(bool) & values.notna()
            else:
                keep = values.notna()
            row[side] = float(values[keep].median()) if keep.any() else np.nan
            row[f"nights_{side}"] = int(keep.sum())
            row[f"left_out_{side}"] = int((~keep).sum())
        rows.append(row)
    cols = ["measure", "before", "after", "nights_before", "nights_after"]
    return pd.DataFrame(rows, columns=[*cols, "left_out_before", "left_out_after"])
