"""Leg movement detection and classification (AASM / WASM rules adapted to video).

- a *movement* starts when a leg's activity rises above the onset threshold and ends at
  the start of the first period of at least ``offset_min_s`` below the offset threshold;
- shorter than ``lm_min_s`` it is a *twitch*; 0.5-10 s on one leg an *LM*; longer a
  *long movement*;
- movements of the two legs that overlap or follow within ``bilateral_gap_s`` are merged
  into one bilateral movement (at most ``bilateral_max_legs`` monolateral ones); 0.5-15 s
  bilateral is an LM.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.scoring.activity import LEGS, LegActivity
from pipeline.scoring.signal import samples
from pipeline.settings import Settings

__all__ = ["EVENT_COLUMNS", "movements_detect", "movements_classify", "movements_merge"]

#: Columns of events.csv that DESIGN.md's output contract names, in order.
CONTRACT_EVENT_COLUMNS: list[str] = [
    "start_s",
    "end_s",
    "duration_s",
    "kind",
    "side",
    "rhythmic",
    "pattern",
    "frequency_hz",
    "plm_series",
    "state",
    "source",
]
#: Columns of the movement table (events.csv), in order: the contract's, then legmove's own.
EVENT_COLUMNS: list[str] = [*CONTRACT_EVENT_COLUMNS, "peak_level", "n_legs"]


def _hysteresis(
    level: np.ndarray, on: float, off: np.ndarray, min_below: int
) -> list[tuple[int, int]]:
    """Index spans: start where ``level >= on``; end at the first run of >= min_below below off."""
    above_on = level >= on
    below_off = level < off
    spans: list[tuple[int, int]] = []
    i, n = 0, len(level)
    starts = np.flatnonzero(above_on)
    k = 0
    while k < len(starts):
        s = int(starts[k])
        if s < i:
            k += 1
            continue
        j = s
        end = n
        while j < n:
            if below_off[j]:
                r = j
                while r < n and below_off[r]:
                    r += 1
                if r - j >= min_below or r == n:
                    end = j
                    break
                j = r
            else:
                j += 1
        spans.append((s, end))
        i = end
        k += 1
    return spans


def _crossing(level: np.ndarray, i: int, thr: float, rising: bool = True) -> float:
    """Fraction of a sample before index ``i`` (rising) or after ``i - 1`` (falling) where
    the linearly interpolated ``level`` crosses ``thr``; 0 at the signal's ends."""
    if i <= 0 or i >= len(level):
        return 0.0
    lo, hi = level[i - 1], level[i]
    if rising:  # lo < thr <= hi: crossing (hi - thr)/(hi - lo) of a sample before i
        return float(np.clip((hi - thr) / (hi - lo), 0, 1)) if hi > lo else 0.0
    # falling: level[i-1] >= thr > level[i]: crossing after i-1
    return float(np.clip((lo - thr) / (lo - hi), 0, 1)) if lo > hi else 0.0


def _join_held(
    spans: list[tuple[int, int]], act: LegActivity, li: int, settings: Settings
) -> list[tuple[int, int]]:
    """Join a leg's consecutive movements when the leg was held away from rest in between.

    On video a leg held flexed shows no motion although it has not come back: a flexion,
    a hold and an extension look like two movements. EMG would show the hold as ongoing
    activity ([AASM] movement = muscle activity), so when the keypoints show the leg still
    displaced from its rest position by at least ``held_fraction`` of the movement's peak
    displacement through a pause of at most ``held_max_s``, the two are one movement
    ([video] adaptation; keypoint-based spans only).
    """
    if len(spans) < 2 or settings.held_max_s <= 0:
        return spans
    fs = act.fs_hz
    ext = act.extension_bl[li]
    pre = max(1, samples(1.0, fs))
    out = [spans[0]]

    def rest_before(i: int) -> float:
        w = ext[max(0, i - pre) : i + 1]
        return float(np.median(w[np.isfinite(w)])) if np.isfinite(w).any() else float("nan")

    rest = rest_before(spans[0][0])
    for a, b in spans[1:]:
        a0, b0 = out[-1]
        gap = ext[b0:a]
        moved = np.abs(ext[a0:b0] - rest)
        ok = (
            (a - b0) / fs <= settings.held_max_s
            and np.isfinite(rest)
            and gap.size > 0
            and np.isfinite(gap).all()
            and np.isfinite(moved).any()
        )
        if ok:
            peak = float(np.nanmax(moved))
            ok = peak > 0 and bool(np.all(np.abs(gap - rest) >= settings.held_fraction * peak))
        if ok:
            out[-1] = (a0, b)
        else:
            out.append((a, b))
            rest = rest_before(a)
    return out


def _join_unseen_holds(
    spans: list[tuple[int, int]], act: LegActivity, li: int, settings: Settings
) -> list[tuple[int, int]]:
    """Join a leg's consecutive movements across a short pause the keypoints cannot show.

    Frame differencing sees a leg held at the top of a flexion exactly as a leg at rest:
    a flexion, a brief hold and the return are two bursts of leg-region motion. Where the
    pause has no trusted keypoints (scored from motion, so :func:`_join_held` cannot check
    that the leg stayed away from rest), two movements that would each be an LM
    (``lm_min_s``) with a pause shorter than ``held_motion_max_s`` are one movement
    ([video] adaptation: EMG would show the hold as ongoing activity). Where the leg is
    also out of the model's plain view through the pause (``act.unseen``: under a blanket),
    the motion seen is the cover's, which moves only while the leg pushes it and hides the
    slow phases too: there a pause up to ``held_max_s`` (the hold limit keypoints are
    allowed) joins, and one of the two needs to be LM-long. Twitches are never joined to
    twitches, so a train of twitches does not become an LM.
    """
    if len(spans) < 2 or settings.held_motion_max_s <= 0:
        return spans
    fs = act.fs_hz
    lm = settings.lm_min_s
    out = [spans[0]]
    for a, b in spans[1:]:
        a0, b0 = out[-1]
        pause = (a - b0) / fs
        motion = a > b0 and act.from_pose[li, b0:a].mean() < 0.5
        both = (b0 - a0) / fs >= lm and (b - a) / fs >= lm
        ok = motion and pause < settings.held_motion_max_s and both
        if motion and not ok and act.unseen is not None and act.unseen[li, b0:a].all():
            ok = pause < max(settings.held_max_s, settings.held_motion_max_s) and (
                max(b0 - a0, b - a) / fs >= lm
            )
        if ok:
            out[-1] = (a0, b)
        else:
            out.append((a, b))
    return out


def movements_detect(act: LegActivity, settings: Settings) -> pd.DataFrame:
    """Monolateral movements of each leg as a table (one row per movement, times in seconds)."""
    rows = []
    fs = act.fs_hz
    min_below = max(1, samples(settings.offset_min_s, fs))
    for li, leg in enumerate(LEGS):
        lvl = act.level[li]
        spans = _join_held(
            _hysteresis(lvl, 1.0, act.offset_level[li], min_below), act, li, settings
        )
        spans = _join_unseen_holds(spans, act, li, settings)
        for a, b in spans:
            src = "pose" if act.from_pose[li, a:b].mean() >= 0.5 else "motion"
            start = act.t_s[a] - _crossing(lvl, a, 1.0) / fs
            off = float(act.offset_level[li, min(b, len(lvl) - 1)])
            end = act.t_s[b - 1] + _crossing(lvl, b, off, rising=False) / fs
            rows.append(
                {
                    "start_s": float(start),
                    "end_s": float(end),
                    "side": leg,
                    "source": src,
                    "peak_level": float(lvl[a:b].max()),
                    "n_legs": 1,
                }
            )
    df = pd.DataFrame(rows, columns=["start_s", "end_s", "side", "source", "peak_level", "n_legs"])
    df["duration_s"] = df["end_s"] - df["start_s"]
    return df.sort_values("start_s", kind="stable").reset_index(drop=True)


def movements_merge(mono: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Merge left/right movements that overlap or follow within ``bilateral_gap_s``.

    Twitches are never merged. A movement that follows a group within the gap joins it
    only while the group holds fewer than ``bilateral_max_legs`` monolateral movements
    (WASM); one that overlaps the group always joins it, so a gross body movement made
    of many pieces stays one (long) movement. A group is ``bilateral`` only when both
    legs take part.
    """
    cand = mono[mono["duration_s"] >= settings.lm_min_s].sort_values("start_s")
    twitches = mono[mono["duration_s"] < settings.lm_min_s]
    groups: list[dict] = []
    for row in cand.itertuples(index=False):
        g = groups[-1] if groups else None
        overlaps = g is not None and row.start_s < g["end_s"]
        follows = g is not None and row.start_s < g["end_s"] + settings.bilateral_gap_s
        if g is not None and (overlaps or (follows and g["n_legs"] < settings.bilateral_max_legs)):
            g["end_s"] = max(g["end_s"], row.end_s)
            g["sides"].add(row.side)
            g["n_legs"] += 1
            g["peak_level"] = max(g["peak_level"], row.peak_level)
            g["_src"].append((row.source, row.duration_s))
        else:
            groups.append(
                {
                    "start_s": row.start_s,
                    "end_s": row.end_s,
                    "sides": {row.side},
                    "n_legs": 1,
                    "peak_level": row.peak_level,
                    "_src": [(row.source, row.duration_s)],
                }
            )
    rows = []
    for g in groups:
        pose_s = sum(d for s, d in g["_src"] if s == "pose")
        motion_s = sum(d for s, d in g["_src"] if s == "motion")
        rows.append(
            {
                "start_s": g["start_s"],
                "end_s": g["end_s"],
                "side": "bilateral" if len(g["sides"]) == 2 else next(iter(g["sides"])),
                "source": "pose" if pose_s >= motion_s else "motion",
                "peak_level": g["peak_level"],
                "n_legs": g["n_legs"],
            }
        )
    merged = pd.DataFrame(
        rows, columns=["start_s", "end_s", "side", "source", "peak_level", "n_legs"]
    )
    merged["duration_s"] = merged["end_s"] - merged["start_s"]
    out = pd.concat([merged, twitches[merged.columns]], ignore_index=True)
    return out.sort_values("start_s", kind="stable").reset_index(drop=True)


def movements_classify(moves: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Add ``kind``: twitch (<0.5 s), lm (0.5-10 s, 0.5-15 s bilateral) or long_movement."""
    d = moves["duration_s"].to_numpy()
    bil = (moves["side"] == "bilateral").to_numpy()
    limit = np.where(bil, settings.bilateral_lm_max_s, settings.lm_max_s)
    kind = np.where(d < settings.lm_min_s, "twitch", np.where(d <= limit, "lm", "long_movement"))
    out = moves.copy()
    out["kind"] = kind
    return out
