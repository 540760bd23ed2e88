"""Leg movement detection and classification (AASM / WASM 2016 rules adapted to video).

- a *movement* starts when a leg's activity rises above the onset threshold and ends at
  the start of the first period of at least ``offset_min_s`` below the offset threshold —
  on keypoints also at the first such period in which neither leg's picture changed and
  the leg was neither moving nor held ([video]: keypoint flicker and the other leg's
  echo must not hold a movement open, :func:`_trim_to_image_change`);
- shorter than ``lm_min_s`` it is a *twitch* (never combined with anything; a twitch echoed
  on the other leg is one twitch);
- movements of at least ``lm_min_s`` of the two legs that overlap or follow within
  ``bilateral_gap_s`` are combined, chained pieces included (:func:`movements_merge`);
- a *candidate LM* (``lm``) is one leg 0.5-10 s, or a combination of at most 4 pieces,
  0.5-15 s, with no piece over 10 s; anything else is a ``long_movement``, which is not a
  candidate LM and ends a PLM series (:func:`movements_classify`, ``clm_exclusion`` says
  why).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.scoring.activity import LEGS, LegActivity
from pipeline.scoring.kinematics import level_thresholds
from pipeline.scoring.signal import samples, signal_local_change
from pipeline.settings import Settings

__all__ = [
    "CLM_EXCLUSIONS",
    "EVENT_COLUMNS",
    "movements_classify",
    "movements_detect",
    "movements_large",
    "movements_merge",
]

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
EVENT_COLUMNS: list[str] = [
    *CONTRACT_EVENT_COLUMNS,
    "peak_level",
    "n_legs",
    "clm_exclusion",
    "imi_s",
]
_MONO_COLUMNS = ["start_s", "end_s", "side", "source", "peak_level", "n_legs"]


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


#: how far after a movement the leg's rest is looked for where the keypoints were not
#: trusted in the second before it
_REST_SEARCH_S = 5.0


def leg_rest(ext: np.ndarray, a: int, b: int, fs: float) -> float:
    """The leg's rest extension around its movement ``a:b`` (``ext`` (M,), body lengths,
    NaN where the keypoints are not trusted): the median over the second before ``a``;
    where the keypoints were not trusted then, over the first trusted second within
    ``_REST_SEARCH_S`` after ``b`` — the place the leg comes back to; NaN without either.
    ``clean_day``'s flexion, hold and extension at 4.8 s starts from a pose the model had
    garbled: with the rest taken only from the second before it, the rest was unknown, the
    hold unseen and the LM split in two. Not the last trusted second further back: a leg
    last seen 5 s earlier may have settled elsewhere since (``clean_day``'s LM at 88 s, its
    rest from 83 s, took the leg at rest after it for held and ran on 2.4 s into a twitch)."""
    sec = max(1, samples(1.0, fs))
    w = ext[max(0, a - sec) : a + 1]
    if not np.isfinite(w).any():
        w = ext[max(0, b - 1) : b + max(sec, samples(_REST_SEARCH_S, fs))]
        w = w[np.isfinite(w)][:sec]
    w = w[np.isfinite(w)]
    return float(np.median(w)) if w.size else float("nan")


def _join_held(
    spans: list[tuple[int, int]], act: LegActivity, li: int, settings: Settings
) -> list[tuple[int, int]]:
    """Join a leg's consecutive movements when the leg was held away from rest in between.

    On video a leg held flexed shows no motion although it has not come back: a flexion,
    a hold and an extension look like two movements. EMG would show the hold as ongoing
    activity ([AASM] movement = muscle activity), so when the keypoints show the leg still
    displaced from its rest position by at least ``held_fraction`` of the movement's peak
    displacement through a pause of at most ``held_max_s``, the two are one movement
    ([video] adaptation; keypoint-based spans only). Through a pause no longer than
    ``held_motion_max_s`` — which :func:`_join_unseen_holds` bridges on leg-region motion
    with no sight of the leg at all — a leg anywhere off rest (farther than
    :func:`_still_distance`) is held: a long LM whose flexion eases back part-way and
    pauses for just over ``offset_min_s`` is one movement, as the keypoints need not be
    stricter than the motion. The rest is :func:`leg_rest` around the two movements. A
    movement whose peak displacement is
    no more than the leg travels in ``offset_min_s`` at its offset speed
    (:func:`_still_distance`) holds nothing: a tiny echo of the other leg's twitch in this
    leg's keypoints would otherwise make the leg's small offset after it a hold (half of
    a tiny peak), joining the echo and the next twitch into an LM-long movement.
    """
    if len(spans) < 2 or settings.held_max_s <= 0:
        return spans
    fs = act.fs_hz
    ext = act.extension_bl[li]
    still_bl = _still_distance(act, li, settings)
    out = [spans[0]]
    for a, b in spans[1:]:
        a0, b0 = out[-1]
        gap = ext[b0:a]
        rest = leg_rest(ext, a0, b, fs)
        moved = np.abs(ext[a0:b0] - rest)
        ok = (
            (a - b0) / fs <= settings.held_max_s
            and np.isfinite(rest)
            and gap.size > 0
            and np.isfinite(gap).all()
            and np.isfinite(moved).any()
        )
        if ok:
            # a movement that took the leg no farther from rest than it drifts while still
            # (a twitch, or the other leg's twitch echoed in these keypoints) holds nothing
            peak = float(np.nanmax(moved))
            # held: far from rest (a share of the peak) for up to held_max_s; or, through a
            # pause no longer than motion alone would bridge, anywhere off rest
            away = np.abs(gap - rest)
            short = (a - b0) / fs <= settings.held_motion_max_s
            ok = peak > still_bl and (
                bool(np.all(away >= settings.held_fraction * peak))
                or (short and bool(np.all(away > still_bl)))
            )
        if ok:
            out[-1] = (a0, b)
        else:
            out.append((a, b))
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


def _trim_to_image_change(
    spans: list[tuple[int, int]],
    act: LegActivity,
    li: int,
    settings: Settings,
    excluded: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Cut each keypoint-based movement to the samples where the leg's region changed in
    the image (:func:`~pipeline.scoring.signal.signal_local_change`): the pose model's
    flicker (left and right swapped or drawn onto one spot for a frame, as MediaPipe does
    when one leg twitches) and the low-pass filter's spread make a 0.3-s twitch measure
    0.6 s on keypoints, while frame differencing shows when the picture of the leg
    changed. A movement is only ever shortened; one with no such change at all is dropped:
    the keypoints moved (pose jitter between two still poses) and the image did not, and a
    keypoint movement must coincide with leg-region image motion ([video] adaptation, as
    the pose-quality check's ``confirm_s`` rule) — except one touching ``excluded`` samples
    (artifact spans: there the whole picture changes and a leg's change is not its own),
    which is kept as it is. A recording with no still moment for the leg (a short clip
    that is all movement: the keypoint thresholds come from the still-infant prior) has no
    image rest to measure a change against either, so its movements are kept as they are.
    Where the camera moved the picture (``act.camera_moving``) the leg's change is judged
    against the moving picture's own and averaged over ``lm_min_s``
    (:func:`pipeline.scoring.activity.camera_change`): it confirms a movement or, absent,
    drops it, but is too coarse to cut one.

    A keypoint movement also ends where, for at least ``offset_min_s``, neither leg's
    region changed in the image and the keypoints show the leg neither moving nor held
    away from rest (:func:`_split_at_still`): the AASM offset rule, which keypoint flicker
    around the offset threshold (single frames above it, a twitch echoed from the other
    leg) would otherwise keep from ever applying, so that a cluster of 0.2-s twitches one
    second apart measured as one LM-long movement ([video] adaptation). Both legs'
    regions must be still because the legs' boxes overlap: while the other leg moves,
    this one's keypoints may be dragged along and its own region may not show it."""
    if not spans or (act.quiet_reference is not None and not act.quiet_reference[li]):
        return spans
    changed = _leg_changed(act, li, settings)
    # the legs' regions overlap: a leg's picture is still only while the other's is too
    still = ~(changed | _leg_changed(act, 1 - li, settings))
    min_still = max(1, samples(settings.offset_min_s, act.fs_hz))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        idx = np.flatnonzero(changed[a:b])
        if excluded is not None and excluded[a:b].any():
            pass
        elif act.from_pose[li, a:b].mean() >= 0.5:
            if idx.size == 0:
                continue
            if act.camera_moving is not None and act.camera_moving[a:b].mean() >= 0.5:
                out.append((a, b))  # a moving camera's image change confirms, never cuts
                continue
            a, b = a + int(idx[0]), a + int(idx[-1]) + 1
            out.extend(_split_at_still(a, b, still, min_still, act, li, settings))
            continue
        out.append((a, b))
    return out


def _leg_changed(act: LegActivity, li: int, settings: Settings) -> np.ndarray:
    """(M,) True where leg ``li``'s region changed in the image (``act.image_changed``,
    which judges it against the moving picture where the camera moved)."""
    if act.image_changed is not None:
        return np.asarray(act.image_changed[li])
    change = signal_local_change(
        act.motion[li],
        act.whole_motion,
        act.fs_hz,
        settings.agree_motion_k,
        settings.agree_motion_floor,
    )
    return np.asarray(change > 0)


def _still_distance(act: LegActivity, li: int, settings: Settings) -> float:
    """How far (body lengths) a still leg's keypoints may stray from where the leg is.

    The AASM offset rule (activity below the offset threshold for ``offset_min_s``) as a
    distance: the lowest offset speed any recording gets (that of the onset floor
    ``min_onset_bl_s``) × ``offset_min_s``; or, where this recording's keypoints jitter
    more, ``offset_k`` × the robust noise of the leg's extension while it is below the
    offset threshold (consecutive samples' differences: 1.4826 × MAD / √2) — the offset
    rule's rest + k × noise, on position. Not the recording's own offset speed × time: on
    a night that is mostly awake that speed is learned high and its distance can exceed a
    whole short LM's travel ([video] adaptation). 0 without trusted keypoints (no floor:
    every displacement counts)."""
    ext = act.extension_bl[li]
    still = (act.level[li] < act.offset_level[li]) & act.from_pose[li] & np.isfinite(ext)
    if not still.any():
        return 0.0
    _, floor_off = level_thresholds(0.0, 0.0, settings.min_onset_bl_s, settings)
    # differences of consecutive still samples only: one across a movement is no noise
    d = np.diff(ext)[still[1:] & still[:-1]]
    noise = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / np.sqrt(2) if d.size else 0.0
    return max(floor_off * settings.offset_min_s, settings.offset_k * noise)


def _held_through(
    ext: np.ndarray,
    span: tuple[int, int],
    r0: int,
    r1: int,
    fs: float,
    still_bl: float,
    offset_min_s: float,
) -> bool:
    """Whether the keypoints show the leg moving or held through ``r0:r1`` inside the
    movement ``span``: it travelled more than ``still_bl`` per ``offset_min_s`` there
    (slow motion frame differencing misses), or it stayed displaced from its rest
    (:func:`leg_rest`) by more than ``still_bl``. Untrusted keypoints or no rest to
    measure from: not held."""
    rest = leg_rest(ext, span[0], span[1], fs)
    hold = ext[r0:r1]
    if not np.isfinite(rest) or not np.isfinite(still_bl) or not np.isfinite(hold).all():
        return False
    # the offset speed kept up over the run: ``still_bl`` per ``offset_min_s``
    moving = float(hold.max() - hold.min()) > still_bl * (r1 - r0) / fs / offset_min_s
    return moving or float(np.median(np.abs(hold - rest))) > still_bl


def _split_at_still(
    a: int,
    b: int,
    still: np.ndarray,
    min_still: int,
    act: LegActivity,
    li: int,
    settings: Settings,
) -> list[tuple[int, int]]:
    """The span ``a:b`` of leg ``li`` split at every run of at least ``min_still``
    ``still`` samples (both legs' regions unchanged in the image) inside it through which
    the keypoints show the leg neither moving nor held (:func:`_held_through`): the part
    before the run ends there, the next starts after it."""
    ext = act.extension_bl[li]
    still_bl = _still_distance(act, li, settings)
    s = still[a:b].astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], s, [0]))))
    runs = [
        (int(r0), int(r1))
        for r0, r1 in zip(edges[::2] + a, edges[1::2] + a, strict=True)
        if r1 - r0 >= min_still and a < r0 and r1 < b
    ]
    out = []
    lo = a
    for r0, r1 in runs:
        if not _held_through(ext, (lo, b), r0, r1, act.fs_hz, still_bl, settings.offset_min_s):
            out.append((lo, r0))
            lo = r1
    out.append((lo, b))
    return out


def movements_detect(
    act: LegActivity, settings: Settings, excluded: np.ndarray | None = None
) -> pd.DataFrame:
    """Monolateral movements of each leg as a table (one row per movement, times in seconds).

    ``excluded`` (M,) marks samples of ``act.t_s`` inside artifact spans."""
    rows = []
    fs = act.fs_hz
    min_below = max(1, samples(settings.offset_min_s, fs))
    for li, leg in enumerate(LEGS):
        lvl = act.level[li]
        spans = _join_held(
            _hysteresis(lvl, 1.0, act.offset_level[li], min_below), act, li, settings
        )
        spans = _join_unseen_holds(spans, act, li, settings)
        spans = _trim_to_image_change(spans, act, li, settings, excluded)
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
    df = pd.DataFrame(rows, columns=_MONO_COLUMNS)
    df["duration_s"] = df["end_s"] - df["start_s"]
    return df.sort_values("start_s", kind="stable").reset_index(drop=True)


def _twitches_unechoed(twitches: pd.DataFrame) -> pd.DataFrame:
    """One row per twitch: a twitch of one leg overlapping a twitch of the other is one
    twitch (the two legs' keypoints and leg regions pick up each other's flick), kept as
    the one with the higher peak, ``n_legs`` 2 ([video] adaptation)."""
    if len(twitches) < 2:
        return twitches
    tw = twitches.sort_values("start_s", kind="stable")
    keep: list[dict] = []
    for row in tw.to_dict("records"):
        prev = keep[-1] if keep else row
        echo = (
            prev is not row
            and row["side"] != prev["side"]
            and prev["n_legs"] == 1
            and row["start_s"] < prev["end_s"]
        )
        if echo:
            winner = row if row["peak_level"] > prev["peak_level"] else prev
            keep[-1] = {**winner, "n_legs": 2}
        else:
            keep.append(row)
    return pd.DataFrame(keep, columns=twitches.columns)


def movements_merge(mono: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Combine the legs' movements of at least ``lm_min_s`` as WASM 2016 does.

    A movement that overlaps the combination so far, or starts less than
    ``bilateral_gap_s`` after it ends, joins it, however many pieces it already holds
    (chained pieces count: A overlaps B, B overlaps C, ... is one combination of every
    piece). Whether the combination is a candidate LM (at most ``bilateral_max_legs``
    pieces, at most ``bilateral_lm_max_s`` long, no piece over ``lm_max_s``) is decided by
    :func:`movements_classify` from ``n_legs`` (the number of pieces), the duration and
    ``piece_max_s``. A combination is ``bilateral`` only when both legs take part.

    Movements shorter than ``lm_min_s`` are never combined with anything (WASM): they stay
    twitches, and a twitch echoed on the other leg is one twitch
    (:func:`_twitches_unechoed`).
    """
    long_enough = mono["duration_s"] >= settings.lm_min_s
    cand = mono[long_enough].sort_values("start_s", kind="stable")
    twitches = _twitches_unechoed(mono[~long_enough])
    gap_s = settings.bilateral_gap_s
    groups: list[dict] = []
    for row in cand.itertuples(index=False):
        g = groups[-1] if groups else None
        # "less than 0.5 s" between one's end and the next's start (a 1e-9 s allowance
        # keeps a gap written as 0.5 s from joining through float rounding)
        if g is not None and row.start_s - g["end_s"] < gap_s - 1e-9:
            g["end_s"] = max(g["end_s"], row.end_s)
            g["sides"].add(row.side)
            g["n_legs"] += 1
            g["peak_level"] = max(g["peak_level"], row.peak_level)
            g["piece_max_s"] = max(g["piece_max_s"], row.duration_s)
            g["_src"].append((row.source, row.duration_s))
        else:
            groups.append(
                {
                    "start_s": row.start_s,
                    "end_s": row.end_s,
                    "sides": {row.side},
                    "n_legs": 1,
                    "peak_level": row.peak_level,
                    "piece_max_s": row.duration_s,
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
                "piece_max_s": g["piece_max_s"],
            }
        )
    merged = pd.DataFrame(rows, columns=[*_MONO_COLUMNS, "piece_max_s"])
    merged["duration_s"] = merged["end_s"] - merged["start_s"]
    tw = twitches[[c for c in merged.columns if c != "piece_max_s"]].copy()
    tw["piece_max_s"] = tw["duration_s"]
    out = pd.concat([merged, tw[merged.columns]], ignore_index=True) if len(tw) else merged
    return out.sort_values("start_s", kind="stable").reset_index(drop=True)


#: why a movement is not a candidate LM (``clm_exclusion``; '' for a candidate LM), in the
#: order :func:`movements_classify` gives them precedence (the last that applies wins):
#: a combination holding a one-leg piece over ``lm_max_s``, more than ``bilateral_max_legs``
#: pieces, a combination over ``bilateral_lm_max_s``, one leg over ``lm_max_s``, shorter
#: than ``lm_min_s``
CLM_EXCLUSIONS = ("long_piece", "pieces", "long_bilateral", "long", "short", "large_movement")


def movements_classify(moves: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Add ``kind`` and ``clm_exclusion`` (WASM 2016 candidate-LM rules).

    - ``twitch``: shorter than ``lm_min_s``;
    - ``lm`` (a candidate LM): one leg, at most ``lm_max_s``; or a combination of pieces
      (``n_legs`` > 1) at most ``bilateral_lm_max_s`` long, of at most
      ``bilateral_max_legs`` pieces, none longer than ``lm_max_s``;
    - ``long_movement``: any other movement — not a candidate LM; it ends a PLM series.

    ``clm_exclusion`` names the rule that excluded a movement (a key of
    :data:`CLM_EXCLUSIONS`), '' for a candidate LM.
    """
    d = moves["duration_s"].to_numpy(dtype=float)
    n = moves["n_legs"].to_numpy(dtype=int)
    piece = moves["piece_max_s"].to_numpy(dtype=float) if "piece_max_s" in moves else d.copy()
    combined = n > 1
    excl = np.full(len(moves), "", dtype=object)
    eps = 1e-9  # a duration written as 10.0 s is 10 s, not 10.000000001
    excl[combined & (piece > settings.lm_max_s + eps)] = "long_piece"
    excl[combined & (n > settings.bilateral_max_legs)] = "pieces"
    excl[combined & (d > settings.bilateral_lm_max_s + eps)] = "long_bilateral"
    excl[~combined & (d > settings.lm_max_s + eps)] = "long"
    excl[d < settings.lm_min_s] = "short"
    kind = np.where(excl == "short", "twitch", np.where(excl == "", "lm", "long_movement"))
    out = moves.copy()
    out["kind"] = kind
    out["clm_exclusion"] = excl
    return out


def movements_large(
    moves: pd.DataFrame, t_s: np.ndarray, body: np.ndarray, settings: Settings
) -> pd.DataFrame:
    """Movements of ``large_min_s`` - ``large_max_s`` (3-30 s in children, IRLSSG 2021)
    during which the body moves with the legs — ``body`` (M,) True at the samples ``t_s``
    where the trunk, arms or head move (:func:`pipeline.scoring.body.body_active`) for at
    least ``large_body_share`` of the movement — become ``large_movement``: a roll-over, not a
    leg movement. No candidate LM; it ends a PLM series (``clm_exclusion`` "large_movement")."""
    out = moves.copy()
    if len(out) == 0:
        return out
    d = out["duration_s"].to_numpy(dtype=float)
    cand = (out["kind"] != "twitch").to_numpy().copy()
    cand &= (d >= settings.large_min_s - 1e-9) & (d <= settings.large_max_s + 1e-9)
    cum = np.concatenate(([0], np.cumsum(np.asarray(body, dtype=np.int64))))
    a = np.searchsorted(t_s, out["start_s"].to_numpy(dtype=float), side="left")
    b = np.searchsorted(t_s, out["end_s"].to_numpy(dtype=float), side="right")
    n = np.maximum(b - a, 1)
    share = (cum[b] - cum[a]) / n
    large = cand & (share >= settings.large_body_share)
    out.loc[large, "kind"] = "large_movement"
    out.loc[large, "clm_exclusion"] = "large_movement"
    return out
