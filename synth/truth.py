"""Ground truth of a synthetic scene, in the shape of the analysis output contract.

The planted movements (:mod:`synth.motion`) are scored with the clinical rules of
DESIGN.md, using the default :class:`~pipeline.settings.Settings`:

1. merge: planted movements (of either leg) that overlap or where one starts less than
   ``bilateral_gap_s`` (0.5 s) after the other ends are one movement — the same leg's
   movement only ends after 0.5 s of stillness, and the two legs' movements merge into a
   bilateral one by the same gap (scenes keep random movements ≥ 1 s apart, so merges only
   happen where a script asks for them);
2. classify (WASM 2016 candidate LMs): ``twitch`` < 0.5 s; ``lm`` 0.5–10 s (one leg) or
   0.5–15 s (bilateral) when the movement holds at most 4 one-leg pieces (a bilateral
   planted movement is two) and no piece longer than 10 s; ``long_movement`` otherwise. A
   rhythmic bout is one event, ``rhythmic`` true, with its pattern and frequency;
3. PLM series (:func:`plm_series_numbers`): ≥ 4 consecutive LMs with onset-to-onset
   intervals of 10–90 s. An interval over 90 s ends a series (the later LM may start the
   next); an interval under 10 s ends it too, the later LM is not a PLM and the one after it
   may start the next (WASM 2016 as MATPLM scores it); a long movement ends a series;
   twitches are not LMs and are skipped;
4. state: the scripted state at the event's start (``settling`` counts as ``wake``).

Sleep onset is the start of the script's first sleep stretch; awakenings are the wake
periods that start after sleep onset.

The rhythmic bouts are also listed on their own (:func:`truth_bouts`, ``bouts.csv``), as the
analysis's bout table lists them: one row per planted bout, wherever it lies (a bout inside
wriggling is part of one long movement in the events table).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline.scoring.movements import CONTRACT_EVENT_COLUMNS
from pipeline.settings import Settings
from synth.motion import Planted
from synth.program import Span

__all__ = [
    "BOUT_COLUMNS",
    "EVENT_COLUMNS",
    "EPISODE_COLUMNS",
    "SPAN_COLUMNS",
    "truth_bouts",
    "truth_events",
    "plm_series_numbers",
    "truth_episodes",
    "truth_spans",
    "truth_summary",
]

EVENT_COLUMNS = [*CONTRACT_EVENT_COLUMNS, "origin", "n_planted"]
EPISODE_COLUMNS = ["start_s", "end_s", "kind", "reason"]
BOUT_COLUMNS = [
    "start_s",
    "end_s",
    "duration_s",
    "frequency_hz",
    "pattern",
    "side",
    "cycles",
    "state",
    "inside",
]
SPAN_COLUMNS = ["start_s", "end_s", "kind", "artifact", "note"]


def _state_at(timeline: Sequence[tuple[float, float, str]], t: float) -> str:
    for a, b, s in timeline:
        if a <= t < b:
            return "sleep" if s == "sleep" else "wake"
    return "sleep" if timeline and timeline[-1][2] == "sleep" else "wake"


def plm_series_numbers(
    start_s: Sequence[float],
    kind: Sequence[str],
    min_count: int = 4,
    min_interval_s: float = 10.0,
    max_interval_s: float = 90.0,
) -> list[int | None]:
    """Series number (1, 2, ...) of each event in a PLM series, None for the others.

    ``start_s`` and ``kind`` describe all movements sorted by start. Only ``lm`` events can
    be in a series; a run of LMs whose consecutive onset-to-onset intervals all lie in
    ``[min_interval_s, max_interval_s]`` is a series when it holds ≥ ``min_count`` LMs. A
    ``long_movement`` ends the current run; an LM less than ``min_interval_s`` after the
    previous LM ends it and is in no run (the next LM may open one); twitches are ignored.
    """
    out: list[int | None] = [None] * len(start_s)
    runs: list[list[int]] = []
    run: list[int] = []
    prev: int | None = None  # the previous LM, with no long movement since
    for i, (t, k) in enumerate(zip(start_s, kind, strict=True)):
        if k == "long_movement":
            runs.append(run)
            run, prev = [], None
        elif k == "lm":
            iv = None if prev is None else t - start_s[prev]
            prev = i
            if iv is not None and iv < min_interval_s:
                runs.append(run)
                run = []
                continue
            if iv is not None and iv > max_interval_s:
                runs.append(run)
                run = []
            run.append(i)
    runs.append(run)
    number = 0
    for r in runs:
        if len(r) >= min_count:
            number += 1
            for i in r:
                out[i] = number
    return out


def truth_events(
    planted: Sequence[Planted],
    timeline: Sequence[tuple[float, float, str]],
    settings: Settings | None = None,
) -> pd.DataFrame:
    """The true events table (one row per movement, sorted by start)."""
    st = settings or Settings()
    items = sorted(planted, key=lambda p: (p.start_s, p.end_s))
    clusters: list[list[Planted]] = []
    end = -math.inf
    for p in items:
        if clusters and p.start_s - end < st.bilateral_gap_s:
            clusters[-1].append(p)
            end = max(end, p.end_s)
        else:
            clusters.append([p])
            end = p.end_s
    rows: list[dict[str, Any]] = []
    for c in clusters:
        a, b = min(p.start_s for p in c), max(p.end_s for p in c)
        legs = {leg for p in c for leg in p.legs}
        side = "bilateral" if len(legs) == 2 else ("left", "right")[legs.pop()]
        dur = b - a
        limit = st.bilateral_lm_max_s if side == "bilateral" else st.lm_max_s
        pieces = sum(len(p.legs) for p in c)  # one-leg movements (a bilateral one is two)
        candidate = dur <= limit and max(p.duration_s for p in c) <= st.lm_max_s
        candidate &= pieces == 1 or pieces <= st.bilateral_max_legs
        kind = "twitch" if dur < st.lm_min_s else "lm" if candidate else "long_movement"
        rh = next((p for p in c if p.origin == "rhythmic"), None)
        rows.append(
            {
                "start_s": round(a, 4),
                "end_s": round(b, 4),
                "duration_s": round(dur, 4),
                "kind": kind,
                "side": side,
                "rhythmic": rh is not None,
                "pattern": rh.pattern if rh is not None else "",
                "frequency_hz": rh.frequency_hz if rh is not None else np.nan,
                "plm_series": None,
                "state": _state_at(timeline, a),
                "source": "",
                "origin": "+".join(sorted({p.origin for p in c})),
                "n_planted": len(c),
            }
        )
    df = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    nums = plm_series_numbers(
        df["start_s"].tolist(),
        df["kind"].tolist(),
        st.plm_min_count,
        st.plm_min_interval_s,
        st.plm_max_interval_s,
    )
    df["plm_series"] = pd.array(nums, dtype="Int64")
    df["rhythmic"] = df["rhythmic"].astype(bool)
    df["n_planted"] = df["n_planted"].astype(int)
    return df


def truth_bouts(
    planted: Sequence[Planted], timeline: Sequence[tuple[float, float, str]]
) -> pd.DataFrame:
    """The true rhythmic bouts (one row per planted bout, sorted by start): extent (a
    cycling bout runs from the first leg's start to the second leg's end), frequency,
    pattern, side, cycles per leg, the scripted state at its start and ``inside``:
    ``wriggling`` when it lies inside wriggling, else empty."""
    wriggles = [(p.start_s, p.end_s) for p in planted if p.origin == "wriggling"]
    rows = [
        {
            "start_s": round(p.start_s, 4),
            "end_s": round(p.end_s, 4),
            "duration_s": round(p.duration_s, 4),
            "frequency_hz": p.frequency_hz,
            "pattern": p.pattern,
            "side": p.side,
            "cycles": p.cycles,
            "state": _state_at(timeline, p.start_s),
            "inside": "wriggling" if any(a <= p.start_s < b for a, b in wriggles) else "",
        }
        for p in sorted(planted, key=lambda p: p.start_s)
        if p.origin == "rhythmic"
    ]
    return pd.DataFrame(rows, columns=BOUT_COLUMNS)


def truth_episodes(events: pd.DataFrame) -> pd.DataFrame:
    """Episodes a reviewer should see: each rhythmic movement and each PLM series."""
    rows: list[dict[str, Any]] = []
    for _, e in events[events["rhythmic"]].iterrows():
        reason = f"rhythmic {e['pattern']} at {e['frequency_hz']:.2f} Hz ({e['side']})"
        rows.append(
            {
                "start_s": e["start_s"],
                "end_s": e["end_s"],
                "kind": "rhythmic_movement",
                "reason": reason,
            }
        )
    plm = events.dropna(subset=["plm_series"])
    for num, g in plm.groupby("plm_series"):
        iv = np.diff(g["start_s"].to_numpy())
        reason = (
            f"PLM series {int(num)}: {len(g)} LMs, onset intervals {iv.min():.0f}-{iv.max():.0f} s"
        )
        rows.append(
            {
                "start_s": g["start_s"].min(),
                "end_s": g["end_s"].max(),
                "kind": "plm_series",
                "reason": reason,
            }
        )
    df = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    return df.sort_values("start_s", kind="stable").reset_index(drop=True)


def truth_spans(spans: Sequence[Span]) -> pd.DataFrame:
    """Behaviour periods and conditions (blanket, caregiver arm, infrared, ...)."""
    rows = [
        {
            "start_s": round(s.start_s, 4),
            "end_s": round(s.end_s, 4),
            "kind": s.kind,
            "artifact": s.artifact,
            "note": s.note,
        }
        for s in spans
    ]
    return pd.DataFrame(rows, columns=SPAN_COLUMNS)


def _counts(ev: pd.DataFrame) -> dict[str, int]:
    return {
        "twitch": int((ev["kind"] == "twitch").sum()),
        "lm": int((ev["kind"] == "lm").sum()),
        "long_movement": int((ev["kind"] == "long_movement").sum()),
        "rhythmic": int(ev["rhythmic"].sum()),
        "plm": int(ev["plm_series"].notna().sum()),
        "plm_series": int(ev["plm_series"].dropna().nunique()),
    }


def truth_summary(
    events: pd.DataFrame,
    timeline: Sequence[tuple[float, float, str]],
    duration_s: float,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """The summary part that depends only on events and states (see synth_render for more)."""
    st = settings or Settings()
    sleep = [(a, b) for a, b, s in timeline if s == "sleep"]
    onset = float(sleep[0][0]) if sleep else None
    total_sleep = float(sum(b - a for a, b in sleep))
    wakes = [(a, b) for a, b, s in timeline if s == "wake" and onset is not None and a > onset]
    in_sleep = events[events["state"] == "sleep"]
    hours = total_sleep / 3600.0
    counts_sleep = _counts(in_sleep)
    return {
        "duration_s": float(duration_s),
        "sleep_onset_s": onset,
        "first_sleep_s": round(float(sleep[0][1] - sleep[0][0]), 4) if sleep else 0.0,
        "total_sleep_s": round(total_sleep, 4),
        "awakenings": len(wakes),
        "awakening_spans_s": [[float(a), float(b)] for a, b in wakes],
        "counts": _counts(events),
        "counts_sleep": counts_sleep,
        "plm_index_per_h": round(counts_sleep["plm"] / hours, 3) if hours > 0 else None,
        "lm_index_per_h": round(counts_sleep["lm"] / hours, 3) if hours > 0 else None,
        "truth_rules": {
            "merge_gap_s": st.bilateral_gap_s,
            "lm_min_s": st.lm_min_s,
            "lm_max_s": st.lm_max_s,
            "bilateral_lm_max_s": st.bilateral_lm_max_s,
            "plm_min_count": st.plm_min_count,
            "plm_min_interval_s": st.plm_min_interval_s,
            "plm_max_interval_s": st.plm_max_interval_s,
            "sleep_onset": "start of the script's first sleep stretch",
            "awakenings": "wake periods starting after sleep onset",
            "plm_series": "twitches skipped; a long movement or an interval outside "
            "10-90 s ends a series",
            "event_state": "scripted state at the event's start (settling = wake)",
        },
    }
