"""The leg-movement indices of a night (:mod:`pipeline.scoring.indices`) in plain words and
small tables, shared by the PDF and the dashboard so both say the same thing.

Every number comes from the night's ``summary`` as scored; every reference is quoted from
the settings it was scored with (:func:`pipeline.reports.methods.scored_settings`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from pipeline.reports.export import fmt_clock
from pipeline.reports.methods import scored_settings

__all__ = [
    "BREATHING_NOTE",
    "imi_table",
    "index_caveats",
    "plms_reference_note",
    "series_lines",
    "sleep_hours_line",
]

#: what video cannot assess, said wherever the PLM indices are shown
BREATHING_NOTE = (
    "Breathing was not assessed: leg movements tied to breathing events, which a sleep study "
    "leaves out of the PLM count, cannot be told apart here."
)


def _ref(summary: dict[str, Any]) -> float:
    st = scored_settings(summary)
    return float(st.get("plm_index_reference_per_h", st.get("plm_index_abnormal_per_h", 5.0)))


def plms_reference_note(summary: dict[str, Any], short: bool = False) -> str:
    """What the PLMS-index reference is (never "abnormal": there are no infant norms)."""
    ref = _ref(summary)
    if short:
        return f"ref. {ref:g}/h from age ~5 (ICSD-3), no infant norms"
    return (
        f"{ref:g}/h is the reference used for children from about 5 years (ICSD-3, with a "
        "clinical sleep complaint); no infant norms exist, and video has not been validated "
        "for it."
    )


def index_caveats(summary: dict[str, Any]) -> list[str]:
    """Warnings a reader of the PLM indices needs: series scored while awake (the PLMS index
    may then under-count), and breathing not assessed."""
    out = []
    n = int(summary.get("plm_series_in_wake") or 0)
    if n:
        out.append(
            f"{n} periodic series {'was' if n == 1 else 'were'} scored while awake: if the "
            "child was in fact asleep then, the PLMS index under-counts (and the PLMW index "
            "over-counts)."
        )
    out.append(BREATHING_NOTE)
    return out


def series_lines(summary: dict[str, Any], start: dt.datetime | None = None) -> list[str]:
    """One line per PLM series: when, how many LMs, how long, mean interval, sleep or wake."""
    out = []
    for s in summary.get("plm_series_stats") or []:
        when = fmt_clock(s["start_s"], start)
        mean = s.get("mean_imi_s")
        every = "" if mean is None else f", one every {mean:.0f} s on average"
        state = "asleep" if s.get("state") == "sleep" else "awake"
        mins = float(s.get("duration_s") or 0.0) / 60
        out.append(
            f"series {s['number']} from {when}: {s['n']} LMs over {mins:.0f} min{every}, {state}"
        )
    return out


def sleep_hours_line(summary: dict[str, Any]) -> str:
    """LMs and PLMs in each hour of sleep (1st hour = the first 60 min asleep)."""
    hours = summary.get("sleep_hours") or []
    if not hours:
        return ""
    parts = [f"h{h['hour']}: {h['lm']} LMs, {h['plm']} PLMs" for h in hours]
    return "By hour of sleep — " + "; ".join(parts) + "."


def _bin_label(lo: float | None, hi: float | None) -> str:
    if hi is None or (isinstance(hi, float) and math.isinf(hi)):
        return f"≥{lo:g} s"
    return f"{lo:g}–{hi:g} s"


def imi_table(summary: dict[str, Any]) -> pd.DataFrame:
    """The IMI histogram as a table: one row per (log-spaced) bin, LMs in sleep and in wake
    whose interval from the previous LM falls in it; empty for an older result."""
    h = summary.get("imi_histogram") or {}
    edges = h.get("edges_s") or []
    if len(edges) < 2:
        return pd.DataFrame(columns=["interval", "from_s", "in sleep", "awake"])
    sleep = h.get("sleep") or [0] * (len(edges) - 1)
    wake = h.get("wake") or [0] * (len(edges) - 1)
    return pd.DataFrame(
        {
            "interval": [_bin_label(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)],
            "from_s": [float(a) for a in edges[:-1]],
            "in sleep": [int(x) for x in sleep],
            "awake": [int(x) for x in wake],
        }
    )
