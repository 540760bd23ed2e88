"""Artifacts: spans of video where image motion is not the baby's own movement.

Four kinds, each found from the per-frame motion energy of the whole frame and of the
two leg regions, and from the keypoints:

- ``caregiver``: whole-frame motion that the baby's legs do not explain (a caregiver's
  arm or body in view, motion away from the baby), or the torso keypoints jumping (the
  baby picked up or moved, or the pose model latching onto someone else);
- ``camera_move``: the same unexplained motion, but spread evenly over the picture (the
  leg regions change as much as the whole frame): the camera was moved or bumped;
- ``lighting_change``: a one-frame change of the whole picture far above anything around
  it (lights switched, day/infrared mode);
- ``cover``: leg-region motion in both leg regions across which both legs go out of the
  pose model's plain view *for good*, or come into it: their keypoints in plain view (the
  model's own visibility at least ``min_visibility`` + 0.2, where
  :mod:`pipeline.scoring.quality`'s visibility check is fully satisfied) over ``cover_window_s``
  on one side and not on the other. A blanket or sleep sack put over the legs or taken
  off does that (and so may the baby turning over); a leg movement does not — the legs
  are as visible after it as before. The motion is the cover's, not a leg movement. (Visibility, not
  pose *trust*: a real movement can end in a pose the model gets wrong for a while — left
  and right swapped — which quality distrusts but which stays visible.)

*Unexplained* motion: every motion signal is taken as its excess over its resting level
(1-s running mean, minus the quiet baseline of :func:`~pipeline.scoring.signal.signal_noise`).
When the baby moves, whole-frame motion rises with the leg regions' motion by a
ratio that depends on the camera and the baby's size; that ratio is measured on the
night itself (median over samples where a leg region is clearly moving), widened by
``artifact_coupling_margin`` and kept at least ``artifact_coupling_min`` (the leg boxes
cover about a fifth of a typical frame, and the rest of the body moves with the legs;
a blanket over the legs can make the night's own ratio misleadingly small). Whole-frame
motion beyond ratio × leg-region motion, by more than ``artifact_k`` noise units (at
least ``artifact_min_motion``), is unexplained.
*Not the baby*: the baby's own vigorous wriggling moves its arms, head and trunk as well as
its legs, so the whole frame can move far more than the leg regions without anyone else in
view. Where the tracks carry the motion outside the baby's body region (the
``motion_outside`` channel, :class:`detector.motion.FlowMeter`: the pose's skeleton grown by
a fifth of a body length, half a body length around the shoulders where the arms reach),
a ``caregiver`` or ``camera_move`` span also needs that motion to rise above its own
resting level by ``artifact_k`` noise units (at least ``artifact_min_motion``) within it or
the second around it: something came into the picture from outside the baby — a
caregiver's arm reaches in from the frame's edge, a moved camera moves everything.
Tracks without the channel (written before it existed) are judged as before.
Spans closer than ``artifact_gap_s`` are joined; so are spans up to ``artifact_join_s``
apart when the whole frame keeps moving between them (an arm reaching over the legs looks
like leg motion and is unexplained only as it enters and leaves). Spans shorter than
``artifact_min_s`` (without a torso jump) are dropped, and ``artifact_pad_s`` is added on
each side. A span is ``camera_move`` when the leg regions move about as much as the whole
frame and the torso sits elsewhere in the picture afterwards.

Artifact spans are excluded from scoring, and never erase a period of movement:
:func:`artifacts_clip` cuts each movement (and each rhythmic bout) at the spans it overlaps
and keeps what lies outside them, marked ``clipped``, scored by what is left; epochs
overlapping a span are not scored for sleep/wake (see :mod:`pipeline.scoring.sleep`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import maximum_filter1d, median_filter, uniform_filter1d

from detector.track import NightTrack
from pipeline.scoring.quality import PLAIN_VIEW_MARGIN
from pipeline.scoring.signal import samples, signal_noise, signal_runs
from pipeline.settings import Settings

__all__ = [
    "ARTIFACT_COLUMNS",
    "ARTIFACT_REASONS",
    "artifacts_clip",
    "artifacts_detect",
    "artifacts_mask",
    "artifacts_no_candidates",
    "artifacts_overlap",
    "artifacts_seconds",
]

ARTIFACT_COLUMNS = ["start_s", "end_s", "duration_s", "kind", "reason"]

#: plain-words reason of each kind
ARTIFACT_REASONS = {
    "caregiver": "large image motion the baby's legs do not explain "
    "(a caregiver's arm or body in view, or the baby moved)",
    "camera_move": "the whole picture moved at once (camera moved or bumped)",
    "lighting_change": "the whole picture changed in one frame (light switched or "
    "day/night mode changed)",
    "cover": "the legs went out of (or came into) the pose model's view for good during "
    "this motion (a blanket or cover put on or taken off, or the baby turned over)",
}

_TORSO = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
_JUMP_LAG_S = 0.25  # the torso-jump window (artifact_torso_jump_bl is per this lag)
_SHIFT_BL = 0.05  # torso displaced this much across a span: the camera (or the baby) moved
_WINDOW = 1 << 16  # frames per window where per-frame work is done in windows


def _leg_box_areas(track: NightTrack, min_visibility: float) -> np.ndarray:
    """Per frame, the frame fractions covered by the left box, the right box and both.

    The boxes are the ones the motion meter measured each frame with
    (:func:`detector.motion.leg_boxes` of the latest pose before that frame). They are
    made in windows of frames, so the memory used does not grow with the night's length
    beyond the (N, 3) result.
    """
    n = track.n_frames
    w, h = track.frame_size
    legs = []
    for leg in ("left", "right"):
        names = [f"{leg}_{j}" for j in ("hip", "knee", "ankle")]
        ok = np.stack(
            [
                np.isfinite(track.kp(nm)).all(axis=1) & (track.vis(nm) >= min_visibility)
                for nm in names
            ],
            axis=1,
        )  # (N, 3)
        valid = ok.sum(axis=1) >= 2
        # the meter uses the latest valid box from the frames before
        last = np.maximum.accumulate(np.where(valid, np.arange(n), -1))
        prev = np.concatenate(([-1], last[:-1]))
        legs.append((names, ok, prev))
    areas = np.zeros((n, 3))
    for a in range(0, n, _WINDOW):
        b = min(n, a + _WINDOW)
        boxes = [_boxes_used(track, names, ok, prev[a:b]) for names, ok, prev in legs]
        for k, box in enumerate(boxes):
            box[:, [0, 2]] = np.clip(box[:, [0, 2]], 0, w)
            box[:, [1, 3]] = np.clip(box[:, [1, 3]], 0, h)
            areas[a:b, k] = np.nan_to_num((box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1]))
        b0, b1 = boxes
        ix = np.minimum(b0[:, 2], b1[:, 2]) - np.maximum(b0[:, 0], b1[:, 0])
        iy = np.minimum(b0[:, 3], b1[:, 3]) - np.maximum(b0[:, 1], b1[:, 1])
        areas[a:b, 2] = np.nan_to_num(np.clip(ix, 0, None) * np.clip(iy, 0, None))
    areas /= float(w * h)
    return areas


def _boxes_used(
    track: NightTrack, names: list[str], ok: np.ndarray, prev: np.ndarray
) -> np.ndarray:
    """(len(prev), 4) box x0, y0, x1, y1 around one leg's usable joints (``ok``, (N, 3)) in
    frame ``prev`` of each row, NaN where ``prev`` is -1 (no valid box yet)."""
    used = np.full((len(prev), 4), np.nan)
    has = prev >= 0
    src = prev[has]
    pts = np.stack([track.kp(nm)[src] for nm in names], axis=1).astype(np.float64)  # (k,3,2)
    ok = ok[src]
    p0, p1, p2 = pts[:, 0], pts[:, 1], pts[:, 2]
    d01 = np.linalg.norm(p0 - p1, axis=1)
    d12 = np.linalg.norm(p1 - p2, axis=1)
    d02 = np.linalg.norm(p0 - p2, axis=1)
    length = np.where(
        ok.all(axis=1),
        d01 + d12,
        np.where(ok[:, 0] & ok[:, 1], d01, np.where(ok[:, 1] & ok[:, 2], d12, d02)),
    )
    margin = np.maximum(0.5 * np.nan_to_num(length), 8.0)
    lo = np.where(ok[..., None], pts, np.inf).min(axis=1) - margin[:, None]
    hi = np.where(ok[..., None], pts, -np.inf).max(axis=1) + margin[:, None]
    used[has] = np.concatenate([lo, hi], axis=1)  # x0, y0, x1, y1
    return used


def _excess(x: np.ndarray, fs: float) -> tuple[np.ndarray, float]:
    """1-s running mean of ``x`` above its resting level, and the noise of that mean.

    A mean, not a median: it is linear, so whole-frame and leg-region motion keep their
    ratio through it at the start and end of a movement."""
    sm = uniform_filter1d(x, size=max(1, samples(1.0, fs)) | 1, mode="nearest")
    base, noise = signal_noise(sm, fs)
    return np.clip(sm - base, 0, None), noise


def _torso_centre(track: NightTrack, settings: Settings) -> np.ndarray:
    """Torso centre (N, 2) in pixels, NaN where the torso keypoints are not trusted."""
    kps = [track.kp(n) for n in _TORSO]
    c = kps[0] + kps[1]  # float32, summed in order as np.mean does, without a (4, N, 2) stack
    for kp in kps[2:]:
        c += kp
    c /= len(kps)
    c = c.astype(np.float64)
    ok = np.min([track.vis(n) for n in _TORSO], axis=0) >= settings.min_visibility
    c[~ok] = np.nan
    return c


def _shifted(torso: np.ndarray, t: np.ndarray, a: int, b: int, body_px: float) -> bool:
    """Whether the torso sits elsewhere in the picture in the second after a span than in
    the second before it (by more than _SHIFT_BL body lengths)."""
    before = torso[(t >= t[a] - 1.0) & (t < t[a])]
    after = torso[(t > t[b - 1]) & (t <= t[b - 1] + 1.0)]
    before = before[np.isfinite(before).all(axis=1)]
    after = after[np.isfinite(after).all(axis=1)]
    if len(before) == 0 or len(after) == 0:
        return False
    d = np.linalg.norm(np.median(after, axis=0) - np.median(before, axis=0))
    return bool(d / body_px > _SHIFT_BL)


def _join(
    spans: list[tuple[int, int]], t: np.ndarray, busy: np.ndarray, join_s: float
) -> list[tuple[int, int]]:
    """Join consecutive spans less than ``join_s`` apart when ``busy`` holds throughout the
    gap (an arm reaching over the legs is unexplained only as it enters and leaves)."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out:
            pa, pb = out[-1]
            if t[a] - t[pb - 1] <= join_s and (a <= pb or busy[pb:a].all()):
                out[-1] = (pa, b)
                continue
        out.append((a, b))
    return out


def _torso_jump(torso: np.ndarray, settings: Settings, body_px: float, fs: float) -> np.ndarray:
    """Frames where the torso centre (:func:`_torso_centre`) moved more than
    ``artifact_torso_jump_bl`` in 0.25 s."""
    c = torso
    ok = np.isfinite(c).all(axis=1)
    lag = max(1, samples(_JUMP_LAG_S, fs))
    out = np.zeros(len(c), dtype=bool)
    if len(c) <= lag or body_px <= 0:
        return out
    d = np.linalg.norm(c[lag:] - c[:-lag], axis=1) / body_px
    both = ok[lag:] & ok[:-lag]
    out[lag:] = both & (np.nan_to_num(d) > settings.artifact_torso_jump_bl)
    return out


def _spans(mask: np.ndarray, t: np.ndarray, fs: float, gap_s: float) -> list[tuple[int, int]]:
    """Runs of ``mask`` with gaps shorter than ``gap_s`` closed."""
    runs = signal_runs(mask)
    out: list[tuple[int, int]] = []
    for a, b in runs:
        if out and t[a] - t[out[-1][1] - 1] < gap_s:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _entered(track: NightTrack, fs: float, settings: Settings) -> np.ndarray | None:
    """(N,) True where motion outside the baby's body region rises above its resting level
    (1-s mean, ``artifact_k`` noise units, at least ``artifact_min_motion``) within a second,
    or where that region is not known; None for tracks without the ``motion_outside``
    channel."""
    outside = track.channel("motion_outside")
    if outside is None:
        return None
    known = np.isfinite(outside)
    if not known.any():
        return None
    exc, noise = _excess(np.where(known, outside, 0.0).astype(np.float64), fs)
    level = max(settings.artifact_k * noise, settings.artifact_min_motion)
    near = maximum_filter1d((exc > level).astype(np.uint8), size=2 * samples(1.0, fs) + 1)
    return (near > 0) | ~known


def _legs_visible(track: NightTrack, min_visibility: float) -> np.ndarray:
    """(N, 2) True where a leg's hip, knee and ankle are all found with at least
    ``min_visibility``."""
    out = np.zeros((track.n_frames, 2), dtype=bool)
    for li, leg in enumerate(("left", "right")):
        names = [f"{leg}_{j}" for j in ("hip", "knee", "ankle")]
        vis = np.stack([track.vis(nm) for nm in names], axis=1).min(axis=1)
        found = np.logical_and.reduce([np.isfinite(track.kp(nm)).all(axis=1) for nm in names])
        out[:, li] = found & (np.nan_to_num(vis) >= min_visibility)
    return out


def _cover_changes(
    visible: np.ndarray,
    t: np.ndarray,
    l_exc: np.ndarray,
    leg_level: float,
    fs: float,
    settings: Settings,
) -> list[tuple[int, int]]:
    """Index spans of leg-region motion across which both legs go out of view for good (or
    come into view).

    A burst is a run of leg-region motion above ``leg_level`` (runs closer than
    ``artifact_gap_s`` joined) that shows in both leg regions. Across it, the share of
    frames with each leg ``visible`` over ``cover_window_s`` before and after must change
    by at least ``cover_visible_change``, both legs in the same direction; each window must
    hold at least half its length of frames (not at the recording's ends).
    """
    window = settings.cover_window_s
    change = settings.cover_visible_change
    if window <= 0 or change <= 0:
        return []
    moving = l_exc > leg_level  # (2, N)
    need = max(1, samples(window / 2, fs))
    out = []
    for a, b in _spans(moving.any(axis=0), t, fs, settings.artifact_gap_s):
        if not moving[:, a:b].any(axis=1).all():
            continue
        before = (t >= t[a] - window) & (t < t[a])
        after = (t > t[b - 1]) & (t <= t[b - 1] + window)
        if before.sum() < need or after.sum() < need:
            continue
        d = visible[after].mean(axis=0) - visible[before].mean(axis=0)  # (2,)
        if (d >= change).all() or (d <= -change).all():
            out.append((a, b))
    return out


def artifacts_detect(
    track: NightTrack, settings: Settings, body_px: float | None = None
) -> pd.DataFrame:
    """The artifact table of ``track`` (ARTIFACT_COLUMNS; empty when none), sorted by start.

    ``body_px`` is the body length in pixels (for torso jumps); without it jumps are not used.
    """
    n = track.n_frames
    if n < 3:
        return pd.DataFrame(columns=ARTIFACT_COLUMNS)
    fs = float(track.fps)
    t = track.t_s
    period = 1.0 / fs
    whole = np.nan_to_num(track.motion_of("whole").astype(np.float64))
    legs = np.nan_to_num(
        np.stack([track.motion_of("left_leg"), track.motion_of("right_leg")]).astype(np.float64)
    )
    areas = _leg_box_areas(track, settings.min_visibility)
    has_box = (areas[:, 0] > 0) | (areas[:, 1] > 0)

    # lighting: a one-frame change far above the motion around it; those frames are then
    # left out of the other signals (replaced by their surroundings)
    size = max(1, samples(1.0, fs)) | 1
    w_med = median_filter(whole, size=size, mode="nearest")
    spike = (whole - w_med >= settings.artifact_light_motion) & (whole >= 3.0 * w_med)
    if spike.any():
        whole = np.where(spike, w_med, whole)
        legs = np.where(spike, median_filter(legs, size=(1, size), mode="nearest"), legs)

    w_exc, w_noise = _excess(whole, fs)
    l_exc = np.stack([_excess(x, fs)[0] for x in legs])
    leg_noise = max(_excess(x, fs)[1] for x in legs)
    leg_max = l_exc.max(axis=0)

    # the night's own whole-to-leg motion ratio while a leg region clearly moves
    leg_level = max(settings.onset_k * leg_noise, settings.min_onset_motion)
    moving = has_box & (leg_max > leg_level)
    if moving.sum() >= max(3, samples(1.0, fs)):
        ratio = float(np.median(w_exc[moving] / leg_max[moving]))
        coupling = settings.artifact_coupling_margin * ratio
        coupling = float(np.clip(coupling, min(settings.artifact_coupling_min, 1.0), 1.0))
    else:
        coupling = 1.0
    explained = np.where(has_box, coupling * leg_max, 0.0)
    thr = max(settings.artifact_k * w_noise, settings.artifact_min_motion)
    foreign = (w_exc - explained) > thr
    jump = np.zeros(n, dtype=bool)
    torso = _torso_centre(track, settings) if body_px is not None else None
    if torso is not None and body_px is not None:
        near = maximum_filter1d(w_exc, size=size) > thr / 2  # image motion within 0.5 s
        jump = _torso_jump(torso, settings, body_px, fs) & near
        jump = maximum_filter1d(jump, size=2 * samples(_JUMP_LAG_S, fs) + 1)

    rows: list[dict] = []
    entered = _entered(track, fs, settings)
    seeds = _spans(foreign | jump, t, fs, settings.artifact_gap_s)
    for a, b in _join(seeds, t, w_exc > thr, settings.artifact_join_s):
        if t[b - 1] + period - t[a] < settings.artifact_min_s - 1e-9 and not jump[a:b].any():
            continue
        if entered is not None and not entered[a:b].any():
            continue  # nothing came in from outside the baby: its own movement
        sel = slice(a, b)
        with np.errstate(invalid="ignore", divide="ignore"):
            lo = np.median(l_exc[:, sel].min(axis=0) / np.maximum(w_exc[sel], 1e-12))
            hi = np.median(l_exc[:, sel].max(axis=0) / np.maximum(w_exc[sel], 1e-12))
        even = has_box[sel].mean() > 0.5 and lo >= settings.artifact_uniform
        even = even and hi <= 1.0 / max(settings.artifact_uniform, 1e-9)
        moved = torso is not None and body_px is not None and _shifted(torso, t, a, b, body_px)
        kind = "camera_move" if even and moved else "caregiver"
        rows.append({"start_s": t[a], "end_s": t[b - 1] + period, "kind": kind})

    for a, b in _spans(spike, t, fs, settings.artifact_gap_s):
        rows.append({"start_s": t[a], "end_s": t[b - 1] + period, "kind": "lighting_change"})

    # in plain view: under a blanket MediaPipe reports the legs anywhere from 0.1 to just
    # above min_visibility
    visible = _legs_visible(track, settings.min_visibility + PLAIN_VIEW_MARGIN)
    for a, b in _cover_changes(visible, t, l_exc, leg_level, fs, settings):
        rows.append({"start_s": t[a], "end_s": t[b - 1] + period, "kind": "cover"})

    df = pd.DataFrame(rows, columns=["start_s", "end_s", "kind"])
    if len(df) == 0:
        return pd.DataFrame(columns=ARTIFACT_COLUMNS)
    df["start_s"] = np.maximum(df["start_s"] - settings.artifact_pad_s, t[0])
    df["end_s"] = np.minimum(df["end_s"] + settings.artifact_pad_s, t[-1] + period)
    df = df.sort_values("start_s", kind="stable").reset_index(drop=True)
    df[["start_s", "end_s"]] = df[["start_s", "end_s"]].round(3)
    df["duration_s"] = (df["end_s"] - df["start_s"]).round(3)
    df["reason"] = df["kind"].map(ARTIFACT_REASONS)
    return df[ARTIFACT_COLUMNS]


def artifacts_mask(artifacts: pd.DataFrame, t_s: np.ndarray) -> np.ndarray:
    """True for each time in ``t_s`` inside any artifact span."""
    t = np.asarray(t_s, dtype=np.float64)
    out = np.zeros(t.shape, dtype=bool)
    for a, b in zip(artifacts["start_s"], artifacts["end_s"], strict=True):
        out |= (t >= a) & (t < b)
    return out


def artifacts_overlap(
    artifacts: pd.DataFrame, start_s: np.ndarray, end_s: np.ndarray
) -> np.ndarray:
    """True for each interval [start, end] that overlaps any artifact span."""
    s = np.asarray(start_s, dtype=np.float64)
    e = np.asarray(end_s, dtype=np.float64)
    out = np.zeros(s.shape, dtype=bool)
    for a, b in zip(artifacts["start_s"], artifacts["end_s"], strict=True):
        out |= (s < b) & (e > a)
    return out


def artifacts_seconds(artifacts: pd.DataFrame) -> float:
    """Total time covered by the artifact spans (overlaps counted once)."""
    total, cur_a, cur_b = 0.0, None, None
    for a, b in sorted(zip(artifacts["start_s"], artifacts["end_s"], strict=True)):
        if cur_b is None or a > cur_b:
            if cur_b is not None and cur_a is not None:
                total += cur_b - cur_a
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    if cur_a is not None and cur_b is not None:
        total += cur_b - cur_a
    return float(total)


def artifacts_clip(
    moves: pd.DataFrame, artifacts: pd.DataFrame, min_s: float
) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """Cut each movement (rows with ``start_s``, ``end_s``) at the artifact spans it overlaps.

    What lies outside the spans is kept as ONE row, with ``clipped`` True and ``start_s``,
    ``end_s``, ``duration_s`` from the start of its first part outside to the end of its
    last (a span inside a movement does not make two movements of it: the baby moved
    throughout); a part shorter than ``min_s`` is not kept (what is left of a movement at a
    span's edge is not a twitch), and a movement with no part kept is removed. Returns the
    rows and, per artifact kind, how many movements it clipped and removed and how many
    seconds of movement it excluded (``movements_clipped``, ``movements_removed``,
    ``movement_s``; a stretch inside spans of two kinds is counted for the first that covers
    it). A clipped movement's kind is decided by :func:`artifacts_no_candidates`.
    """
    out = moves.copy()
    out["clipped"] = False
    counts: dict[str, dict[str, float]] = {}
    if len(artifacts) == 0 or len(out) == 0:
        return out.reset_index(drop=True), counts
    spans = sorted(
        zip(
            artifacts["start_s"].astype(float),
            artifacts["end_s"].astype(float),
            artifacts["kind"].astype(str),
            strict=True,
        )
    )
    rows = []
    for rec in out.to_dict("records"):
        s, e = float(rec["start_s"]), float(rec["end_s"])
        hits = [(a, b, k) for a, b, k in spans if a < e and b > s]
        if not hits:
            rows.append(rec)
            continue
        pieces, cursor = [], s
        for a, b, k in hits:
            c = counts.setdefault(
                k, {"movements_clipped": 0, "movements_removed": 0, "movement_s": 0.0}
            )
            lo, hi = max(a, cursor), min(b, e)
            if hi > lo:
                c["movement_s"] += hi - lo
            if a > cursor:
                pieces.append((cursor, min(a, e)))
            cursor = max(cursor, b)
        if cursor < e:
            pieces.append((cursor, e))
        kept = [(a, b) for a, b in pieces if b - a >= min_s]
        first = hits[0][2]
        for a, b in pieces:
            if b - a < min_s:
                counts[first]["movement_s"] += b - a
        counts[first]["movements_clipped" if kept else "movements_removed"] += 1
        if kept:
            a, b = kept[0][0], kept[-1][1]
            rows.append({**rec, "start_s": a, "end_s": b, "duration_s": b - a, "clipped": True})
    clipped = pd.DataFrame(rows, columns=out.columns)
    clipped["clipped"] = clipped["clipped"].astype(bool)
    for c in counts.values():
        c["movement_s"] = round(c["movement_s"], 1)
    return clipped.sort_values("start_s", kind="stable").reset_index(drop=True), counts


def artifacts_no_candidates(moves: pd.DataFrame) -> pd.DataFrame:
    """A candidate LM an artifact span clipped (``clipped`` True, :func:`artifacts_clip`) is
    no candidate LM: its onset or its end lies in the span, so neither its duration (the
    WASM limits) nor its onset-to-onset interval (a PLM series) is measured. It becomes
    ``long_movement`` with ``clm_exclusion`` "artifact" — one movement kept in the table,
    counted as no LM and ending a PLM series (blanket: the 1.1 s left of the legs' motion
    while a cover went on was a false LM and began a PLM series of six instead of five).
    Other kinds keep theirs."""
    out = moves.copy()
    if len(out) == 0 or "clipped" not in out:
        return out
    hit = out["clipped"].astype(bool) & (out["kind"] == "lm")
    out.loc[hit, "kind"] = "long_movement"
    out.loc[hit, "clm_exclusion"] = "artifact"
    return out
