"""The bout table after the analysis: cut at artifact spans, and given to the movements.

:func:`pipeline.scoring.rhythm.rhythm_bouts` finds the bouts (:data:`BOUT_COLUMNS`);
:func:`rhythm_clip` cuts them at the artifact spans they overlap, and :func:`rhythm_label`
gives every movement the rhythm of the bout it belongs to, so that the per-movement
``rhythmic``, ``pattern`` and ``frequency_hz`` columns agree with the bout table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.scoring.artifacts import artifacts_clip
from pipeline.settings import Settings

__all__ = ["BOUT_COLUMNS", "rhythm_clip", "rhythm_label"]

#: Columns of the bout table (bouts.csv), in order.
BOUT_COLUMNS: list[str] = [
    "bout",
    "start_s",
    "end_s",
    "duration_s",
    "frequency_hz",
    "pattern",
    "side",
    "cycles",
    "strength",
    "phase_deg",
    "source",
    "state",
    "clipped",
]


def rhythm_clip(bouts: pd.DataFrame, artifacts: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The bouts cut at the artifact spans they overlap (:func:`artifacts_clip`: what lies
    outside stays one bout, ``clipped`` True); its cycles are recounted over the time
    outside the spans and it is kept with at least ``rhythm_min_cycles``; bouts numbered
    again."""
    if len(bouts) == 0 or len(artifacts) == 0:
        return bouts
    out, _ = artifacts_clip(bouts, artifacts, 0.0)
    spans = sorted(zip(artifacts["start_s"], artifacts["end_s"], strict=True))
    ends = zip(out["start_s"], out["end_s"], strict=True)
    seen = [_outside_s(float(a), float(b), spans) for a, b in ends]
    out["cycles"] = (out["frequency_hz"] * np.asarray(seen, dtype=float)).round(2)
    out = out[out["cycles"] >= settings.rhythm_min_cycles].reset_index(drop=True)
    for c in ("start_s", "end_s", "duration_s"):
        out[c] = out[c].astype(float).round(3)
    out["bout"] = np.arange(1, len(out) + 1, dtype=int)
    return out[BOUT_COLUMNS]


def _outside_s(a: float, b: float, spans: list[tuple[float, float]]) -> float:
    """Seconds of [a, b] outside the (sorted) ``spans``."""
    inside, cursor = 0.0, a
    for s, e in spans:
        lo, hi = max(s, cursor), min(e, b)
        if hi > lo:
            inside += hi - lo
            cursor = hi
    return b - a - inside


def rhythm_label(moves: pd.DataFrame, bouts: pd.DataFrame) -> pd.DataFrame:
    """Give each movement the rhythm of the bout it belongs to: ``rhythmic``, ``pattern``,
    ``frequency_hz`` and ``bout`` (the bout's number, NA when none).

    A movement (not a twitch) belongs to the bout it overlaps most, when that overlap is at
    least half the bout or half the movement: an LM that is one kick of a bout, or a long
    movement a bout lies inside.
    """
    out = moves.copy()
    n = len(out)
    rhythmic = np.zeros(n, dtype=bool)
    pattern = np.full(n, "", dtype=object)
    freq = np.full(n, np.nan)
    number = pd.array([pd.NA] * n, dtype="Int64")
    if len(bouts) and n:
        bs, be = bouts["start_s"].to_numpy(float), bouts["end_s"].to_numpy(float)
        for i, row in enumerate(out.itertuples(index=False)):
            if row.kind == "twitch":
                continue
            ov = np.minimum(be, row.end_s) - np.maximum(bs, row.start_s)
            k = int(np.argmax(ov))
            if ov[k] <= 0:
                continue
            if ov[k] >= 0.5 * (be[k] - bs[k]) or ov[k] >= 0.5 * (row.end_s - row.start_s):
                b = bouts.iloc[k]
                rhythmic[i] = True
                pattern[i] = b["pattern"]
                freq[i] = float(b["frequency_hz"])
                number[i] = int(b["bout"])
    out["rhythmic"] = rhythmic
    out["pattern"] = pattern
    out["frequency_hz"] = freq
    out["bout"] = number
    return out
