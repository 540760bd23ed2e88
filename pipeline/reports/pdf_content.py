"""What the PDF report says, as plain data (tested without making a PDF): the methods
paragraph of a night and its flagged episodes with the parent's reviews, in report order."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from pipeline.reports.export import NightRecord, fmt_clock, fmt_duration, night_first_s
from pipeline.reports.indices_text import plms_reference_note
from pipeline.reports.methods import methods_text, scored_settings
from pipeline.reports.rates import TOO_LITTLE_SLEEP, rate_caveat
from pipeline.scoring.night import bout_counts

__all__ = [
    "STATUS_ON_NIGHT_PAGE",
    "STATUS_ORDER",
    "episodes_for_review",
    "methods_paragraph",
    "night_numbers",
]

logger = logging.getLogger(__name__)

#: review verdicts in report order: looks like it, not reviewed, can't tell, ordinary
#: movement, not a leg movement (pipeline.store.records.VERDICTS)
STATUS_ORDER = {"confirm": 0, "": 1, "unsure": 2, "ordinary": 3, "reject": 4}
#: the verdicts a night's own page lists (what may still be what was flagged)
STATUS_ON_NIGHT_PAGE = ("confirm", "", "unsure")


def methods_paragraph(summary: dict[str, Any]) -> str:
    """The methods text of one night, built from its settings and versions
    (:func:`pipeline.reports.methods.methods_text`)."""
    return methods_text(summary)


def _num(x: float | None, nd: int = 1) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def _reviews(night: NightRecord) -> pd.DataFrame:
    r = night.reviews.copy().reset_index(drop=True)
    for col, default in (("note", ""), ("matched", True), ("verdict", "")):
        if col not in r:
            r[col] = default
    r["verdict"] = r["verdict"].fillna("").astype(str)
    r["note"] = r["note"].fillna("").astype(str)
    r["matched"] = r["matched"].fillna(False).astype(bool)
    return r


def _match(r: Any, eps: pd.DataFrame) -> int | None:
    """Index in ``eps`` of the episode review ``r`` carries over to: one of the same kind
    that overlaps or touches it, else one of another kind overlapping at least half of the
    longer of the two; same kind first, then the longest overlap."""
    best: tuple[tuple[int, float], int] | None = None
    r0, r1 = float(r.start_s), float(r.end_s)
    for i, e in enumerate(eps.itertuples(index=False)):
        e0, e1 = float(e.start_s), float(e.end_s)
        ov = min(e1, r1) - max(e0, r0)
        same = str(e.kind) == str(r.kind)
        if not ((same and ov >= 0) or (ov > 0 and ov >= 0.5 * max(e1 - e0, r1 - r0))):
            continue
        rank = (0 if same else 1, -ov)
        if best is None or rank < best[0]:
            best = (rank, i)
    return None if best is None else best[1]


def episodes_for_review(night: NightRecord) -> pd.DataFrame:
    """The night's flagged episodes with their review, in report order.

    Columns: ``start_s, end_s, kind, reason, verdict`` (one of
    :data:`pipeline.store.records.VERDICTS`, or '' when not reviewed), ``note, matched``. A
    review belongs to the episode its ``episode`` number names (as the store matched it),
    else to the one it overlaps (see :func:`_match`); the latest review of an episode wins.
    Rows in :data:`STATUS_ORDER` (each verdict in the episode table's own order of
    importance), then reviews that no current episode matches (``matched`` False), which are
    kept, never dropped.
    """
    eps = night.result.episodes.reset_index(drop=True)
    rev = _reviews(night)
    latest: dict[int, int] = {}  # episode index -> review row
    orphans: list[int] = []
    for k, r in enumerate(rev.itertuples(index=False)):
        idx: int | None = None
        if r.matched:
            num = getattr(r, "episode", None)
            if num is not None and not pd.isna(num) and 1 <= int(num) <= len(eps):
                idx = int(num) - 1
            else:
                idx = _match(r, eps)
        if idx is None:
            orphans.append(k)
        else:
            latest[idx] = k  # rows are oldest first: the latest wins
    rows: list[dict[str, Any]] = []
    for i, e in enumerate(eps.itertuples(index=False)):
        verdict, note = "", ""
        if i in latest:
            verdict = str(rev.at[latest[i], "verdict"])
            note = str(rev.at[latest[i], "note"])
        verdict = verdict if verdict in STATUS_ORDER else ""
        rows.append(
            {
                "start_s": float(e.start_s),
                "end_s": float(e.end_s),
                "kind": str(e.kind),
                "reason": str(e.reason),
                "verdict": verdict,
                "note": note,
                "matched": True,
                "_o": (STATUS_ORDER[verdict], i),
            }
        )
    rows.sort(key=lambda r: tuple(r["_o"]))
    for k in orphans:
        r = rev.iloc[k]
        rows.append(
            {
                "start_s": float(r["start_s"]),
                "end_s": float(r["end_s"]),
                "kind": str(r["kind"]),
                "reason": "review from an earlier analysis; no episode flagged here now",
                "verdict": str(r["verdict"]) if r["verdict"] in STATUS_ORDER else "",
                "note": str(r["note"]),
                "matched": False,
                "_o": (len(STATUS_ORDER), k),
            }
        )
    cols = ["start_s", "end_s", "kind", "reason", "verdict", "note", "matched"]
    return pd.DataFrame(rows, columns=[*cols, "_o"])[cols]


def _bed_text(n: NightRecord) -> str:
    s = n.result.summary
    bed = s.get("in_bed_s")
    if bed is None or abs(float(bed) - night_first_s(n.result)) < 1.0:
        return "the recording started"
    return f"going to bed ({fmt_clock(bed, n.start_time)})"


def night_numbers(n: NightRecord, ref: float) -> list[list[tuple[str, str, str, str, bool | str]]]:
    """The night page's rows of number cards: (title, value, unit, detail, look): look is
    False, or ``"muted"`` for a PLMS index from too little sleep (greyed with
    :data:`pipeline.reports.rates.TOO_LITTLE_SLEEP`)."""
    s = n.result.summary
    c = s["counts"]
    bouts = bout_counts(n.result.bouts)
    lmc = s.get("lm_counts") or {}
    pi = s.get("plm_index_per_h")
    onset = s.get("sleep_onset_s")
    eff = s.get("sleep_efficiency")
    tts = s.get("time_to_sleep_s")
    caveat = rate_caveat(s) if pi is not None else None
    return [
        [
            (
                "PLMS index",
                _num(pi),
                "/h sleep",
                f"{c.get('plms', 0)} PLMs; {plms_reference_note(s, short=True)}"
                if caveat is None
                else f"{c.get('plms', 0)} PLMs in sleep; {TOO_LITTLE_SLEEP}",
                False if caveat is None else "muted",
            ),
            (
                "Leg movements (LMs)",
                str(c.get("lm_in_sleep", 0)),
                "asleep",
                f"{c.get('lm_settling_window', 0)} while settling; {c.get('lm', 0)} in all",
                False,
            ),
            (
                "Asleep at",
                fmt_clock(onset, n.start_time) or "no sleep",
                "",
                "no sustained sleep found"
                if onset is None
                else f"{fmt_duration(tts)} after {_bed_text(n)}",
                False,
            ),
            (
                "Total sleep",
                fmt_duration(s.get("total_sleep_s")) or "—",
                "",
                "" if eff is None else f"sleep efficiency {100 * eff:.0f}%",
                False,
            ),
        ],
        [
            ("Awakenings", str(s.get("awakenings", 0)), "", "wake bouts after sleep onset", False),
            (
                "Rhythmic bouts",
                str(bouts["rhythmic_bouts"]),
                "",
                f"cycling {bouts['rhythmic_bouts_cycling']}, kicking "
                f"{bouts['rhythmic_bouts_kicking']}; {c.get('rhythmic', 0)} movements in them",
                False,
            ),
            (
                "PLM series",
                str(c.get("plm_series", 0)),
                "",
                f"{c.get('plm', 0)} PLMs asleep or awake; {s.get('plm_series_in_wake', 0)} "
                "series awake",
                bool(s.get("plm_series_in_wake")),
            ),
            (
                "Twitches / long mov.",
                f"{c.get('twitch', 0)} / {c.get('long_movement', 0)}",
                "",
                f"twitches (<{scored_settings(s)['lm_min_s']:g} s) normal in active sleep; "
                f"{c.get('large_movement', 0)} large movements",
                False,
            ),
        ],
        [
            (
                "PLMW index",
                _num(s.get("plmw_index_per_h")),
                "/h awake",
                f"{c.get('plmw', 0)} PLMs while awake in bed",
                False,
            ),
            (
                "Periodicity index",
                _num(s.get("periodicity_index_sleep"), 2),
                "sleep",
                f"awake {_num(s.get('periodicity_index_wake'), 2)}; periodic share of "
                "intervals (Ferri 2006)",
                False,
            ),
            (
                "Short-interval LMs",
                _num(s.get("short_imi_index_per_h")),
                "/h sleep",
                f"LMs < {scored_settings(s)['plm_min_interval_s']:g} s after the previous "
                "(onset to onset)"
                if caveat is None
                else f"per hour of sleep: {TOO_LITTLE_SLEEP}",
                False if caveat is None else "muted",
            ),
            (
                "LMs one leg / both",
                f"{lmc.get('lm_sleep_one_leg', 0)} / {lmc.get('lm_sleep_bilateral', 0)}",
                "asleep",
                f"PLMs {lmc.get('plms_one_leg', 0)} / {lmc.get('plms_bilateral', 0)}; awake "
                f"LM index {_num(s.get('lm_index_wake_per_h'))}/h",
                False,
            ),
        ],
    ]
