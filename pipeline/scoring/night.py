"""Score one night: tracks in, :class:`NightResult` (events, epochs, episodes, summary) out.

This is the one place the signal stage is put together; the CLI, the store, the
exports and the dashboard all read the :class:`NightResult` it returns.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from detector.track import NightTrack
from pipeline.errors import TooShortError
from pipeline.scoring.activity import LegActivity, activity_compute
from pipeline.scoring.artifacts import (
    ARTIFACT_COLUMNS,
    artifacts_clip,
    artifacts_detect,
    artifacts_mask,
    artifacts_no_candidates,
    artifacts_seconds,
)
from pipeline.scoring.body import body_active
from pipeline.scoring.episodes import episodes_cap, episodes_flag, settling_window
from pipeline.scoring.identity import legs_by_continuity
from pipeline.scoring.indices import indices_night
from pipeline.scoring.movements import (
    EVENT_COLUMNS,
    movements_classify,
    movements_detect,
    movements_large,
    movements_merge,
)
from pipeline.scoring.plm import plm_series
from pipeline.scoring.quality import quality_score, quality_summary
from pipeline.scoring.rhythm import (
    BOUT_COLUMNS,
    rhythm_bouts,
    rhythm_clip,
    rhythm_label,
    rhythm_moving,
)
from pipeline.scoring.rhythm_signals import rhythm_signals
from pipeline.scoring.signal import signal_resample, signal_runs
from pipeline.scoring.sleep import SleepResult, sleep_score, sleep_state_at, sleep_stats
from pipeline.settings import Settings

__all__ = [
    "MIN_DURATION_S",
    "NIGHT_EVENT_COLUMNS",
    "NightResult",
    "bout_counts",
    "is_clip",
    "night_score",
    "software_versions",
]

#: events.csv: the movement table's columns, then the rhythmic bout each movement belongs
#: to (``bout``, the bout table's number) and whether an artifact span cut it (``clipped``)
NIGHT_EVENT_COLUMNS: list[str] = [*EVENT_COLUMNS, "bout", "clipped"]

#: shortest recording the signal stage scores (one sleep-onset period is far longer,
#: but movements can be listed from this length on)
MIN_DURATION_S = 5.0

#: summary["recording"] of a recording shorter than ``night_min_s``, and what it says
CLIP = "clip"
CLIP_NOTE = "clip: counts, not rates"


def is_clip(summary: dict[str, Any]) -> bool:
    """Whether a result's summary is a clip's (shorter than ``night_min_s``): its counts stand
    on their own and it is never one of the nights a median or a trend is taken over."""
    return summary.get("recording") == CLIP


def _unscored(sleep: SleepResult) -> SleepResult:
    """``sleep`` with every epoch ``unscored``: no onset, no sleep time, no awakenings."""
    epochs = sleep.epochs.copy()
    epochs["state"] = "unscored"
    epochs["state_filled"] = "unscored"
    return SleepResult(epochs, None, 0.0, [], None, sleep.artifact_s)


@dataclass(frozen=True, eq=False)
class NightResult:
    events: pd.DataFrame
    epochs: pd.DataFrame
    episodes: pd.DataFrame
    summary: dict[str, Any]
    artifacts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ARTIFACT_COLUMNS))
    bouts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BOUT_COLUMNS))


def software_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("legmove", "numpy", "scipy", "pandas", "mediapipe", "av"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _wake_in_bed_s(epochs: pd.DataFrame, in_bed_s: float, end_s: float) -> float:
    """Wake time from ``in_bed_s`` to ``end_s`` (scored wake epochs, clipped; artifact
    epochs are neither sleep nor wake)."""
    wake = epochs[epochs["state"] == "wake"]
    a = np.maximum(wake["start_s"].to_numpy(dtype=float), in_bed_s)
    b = np.minimum(wake["end_s"].to_numpy(dtype=float), end_s)
    return float(np.clip(b - a, 0, None).sum())


def night_score(
    track: NightTrack, settings: Settings | None = None, in_bed_s: float | None = None
) -> NightResult:
    """Run the signal stage on ``track`` with ``settings`` (defaults when None).

    ``in_bed_s`` is when the baby was put to bed (seconds from the night's first frame),
    if the user gave it; time to fall asleep is counted from it, else from the start.
    Movements and rhythmic bouts overlapping an artifact span (caregiver, camera, lighting,
    cover) are cut at it — what lies outside is kept, marked ``clipped`` — and epochs
    overlapping one are not scored; the spans are in ``NightResult.artifacts``, what they
    excluded in ``summary["artifact_exclusions"]``. Rhythm is found over the whole night
    (``NightResult.bouts``), and each movement carries the bout it belongs to.

    A recording shorter than ``night_min_s`` is a *clip* (a parent's phone video of an
    episode): its movements, rhythmic bouts and PLM series are counted as for a night, but
    sleep is not scored (every epoch ``unscored``, no sleep onset, no sleep time) and no
    index per hour is given — ``summary["recording"]`` is ``"clip"`` and
    ``summary["recording_note"]`` says "clip: counts, not rates".
    """
    settings = settings or Settings()
    if track.n_frames < 2 or track.duration_s < MIN_DURATION_S:
        src = track.segments[0].path if track.segments else "the recording"
        raise TooShortError(
            f"{src}: {track.duration_s:.1f} s of video is too short to score "
            f"(at least {MIN_DURATION_S:.0f} s needed; a night is hours) — record longer"
        )
    # the legs' labels by continuity first: everything below reads each leg on its own
    track, relabelled = legs_by_continuity(track)
    quality = quality_score(track, settings)
    quality_fields = quality_summary(quality)
    quality_fields["legs_relabelled_s"] = round(float(relabelled.sum()) / track.fps, 1)
    trusted = quality.trusted
    del quality  # its per-frame factors are not needed past here: free them for what follows
    act = activity_compute(track, settings, trusted=trusted)
    del trusted
    artifacts = artifacts_detect(track, settings, body_px=act.body_length_px)
    mono = movements_detect(act, settings, excluded=artifacts_mask(artifacts, act.t_s))
    # the WASM rules and the large-movement check read whole movements; an artifact span
    # then cuts them, what lies outside stays one movement and keeps its kind: the two parts
    # of a 19-s long movement a lighting change cuts are not two LMs (infrared_rotated: two
    # false LMs, one of them in a PLM series, when the parts were classified on their own),
    # and a clipped LM is none (artifacts_no_candidates)
    moves = movements_classify(movements_merge(mono, settings), settings)
    moves = movements_large(moves, act.t_s, body_active(act, settings), settings)
    moves, excluded = artifacts_clip(moves, artifacts, settings.lm_min_s)
    moves = artifacts_no_candidates(moves)  # a clipped LM's onset or end is not measured
    sig = rhythm_signals(track, act, rhythm_moving(mono, act.t_s), settings)
    bouts = rhythm_clip(rhythm_bouts(sig, settings), artifacts, settings)
    del sig
    moves = rhythm_label(moves, bouts)
    moves = plm_series(moves, settings, breaks=_series_breaks(track, act, artifacts, settings))
    sleep = sleep_score(
        act,
        settings,
        excluded=artifacts_mask(artifacts, act.t_s),
        rhythmic=artifacts_mask(bouts, act.t_s),  # the samples inside a rhythmic bout
        moves=moves,
    )
    clip = track.duration_s < settings.night_min_s
    if clip:
        sleep = _unscored(sleep)
    moves["state"] = sleep_state_at(sleep.epochs, moves["start_s"].to_numpy())
    events = moves[NIGHT_EVENT_COLUMNS].sort_values("start_s", kind="stable")
    events = events.reset_index(drop=True)
    events[["start_s", "end_s", "duration_s"]] = events[["start_s", "end_s", "duration_s"]].round(3)
    events["frequency_hz"] = events["frequency_hz"].round(2)
    events["peak_level"] = events["peak_level"].round(2)
    events["imi_s"] = events["imi_s"].round(3)
    events["plm_series"] = events["plm_series"].astype("Int64")

    t0 = float(track.t_s[0])
    bouts["state"] = sleep_state_at(sleep.epochs, bouts["start_s"].to_numpy())
    flagged = episodes_flag(
        events, sleep, settings, t0, t0 + track.duration_s, bouts=bouts, clip=clip
    )
    episodes = episodes_cap(flagged, settings)
    epochs = sleep.epochs.copy()
    ep_idx = (
        np.searchsorted(epochs["start_s"].to_numpy(), events["start_s"].to_numpy(), "right") - 1
    )
    ep_idx = np.maximum(ep_idx, 0)  # a start rounded to ms may fall just before epoch 0
    for kind in ("lm", "twitch", "long_movement", "large_movement"):
        mask = (events["kind"] == kind).to_numpy()
        epochs[f"n_{kind}"] = np.bincount(ep_idx[mask], minlength=len(epochs))[: len(epochs)]
    epochs["n_plm"] = np.bincount(
        ep_idx[events["plm_series"].notna().to_numpy()], minlength=len(epochs)
    )[: len(epochs)]

    stats = sleep_stats(sleep, t0, t0 + track.duration_s, in_bed_s)
    summary = _summary(track, settings, events, episodes, sleep, act.body_length_px, stats)
    summary["counts"].update(bout_counts(bouts))
    summary["recording"] = CLIP if clip else "night"
    if clip:
        summary["recording_note"] = (
            f"{CLIP_NOTE} — {track.duration_s:.0f} s is shorter than the "
            f"{settings.night_min_s:.0f} s (night_min_s) in which sleep can be scored: "
            "no sleep/wake and no index per hour"
        )
        for key in ("total_sleep_s", "time_in_bed_s", "sleep_efficiency", "waso_s"):
            summary[key] = None
        summary["plm_index_per_h"] = summary["lm_index_per_h"] = None
        summary["settling_window_s"] = None
        summary["counts"]["lm_settling_window"] = 0
    summary["thresholds"] = {k: round(v, 5) for k, v in act.thresholds.items()}
    summary["notes"] = list(act.notes)
    summary.update(quality_fields)
    summary["artifact_s"] = round(artifacts_seconds(artifacts), 1)
    summary["artifacts"] = {k: int(v) for k, v in artifacts["kind"].value_counts().items()}
    summary["counts"]["dropped_in_artifacts"] = int(
        sum(c["movements_removed"] for c in excluded.values())
    )
    summary["counts"]["clipped_by_artifacts"] = int(
        sum(c["movements_clipped"] for c in excluded.values())
    )
    summary["artifact_exclusions"] = excluded
    summary["episodes_flagged"] = {k: int(v) for k, v in flagged["kind"].value_counts().items()}
    summary["episodes_not_listed"] = len(flagged) - len(episodes)
    return NightResult(events, epochs, episodes, summary, artifacts, bouts)


def _series_breaks(
    track: NightTrack, act: LegActivity, artifacts: pd.DataFrame, settings: Settings
) -> list[tuple[float, float]]:
    """Spans no PLM series may bridge: the artifact spans, and the stretches of the analysis
    grid with no usable signal — no trusted pose on either leg and no video frame within
    the gap the motion signal is interpolated over (a pause between segment files, lost
    frames)."""
    ends = zip(artifacts["start_s"], artifacts["end_s"], strict=True)
    spans = [(float(a), float(b)) for a, b in ends]
    gap = max(settings.gap_fill_max_s, 1.5 / act.fs_hz)  # as activity_compute resamples
    seen = np.isfinite(signal_resample(track.t_s, track.motion_of("whole"), act.t_s, gap))
    blind = ~seen & ~act.from_pose.any(axis=0)
    step = 1.0 / act.fs_hz
    spans += [(float(act.t_s[a]), float(act.t_s[b - 1] + step)) for a, b in signal_runs(blind)]
    return spans


def bout_counts(bouts: pd.DataFrame) -> dict[str, int]:
    """The rhythmic *bouts* of a night (the bout table: what the timeline's bout lane, the
    review page and the PDF's bout page list), by pattern. ``counts["rhythmic"]`` counts
    the *movements* labelled rhythmic instead: a bout inside one long movement (awake
    wriggling) is one bout and at most one movement, a bout of short kicks several."""
    pattern = bouts["pattern"].astype(str) if len(bouts) else pd.Series([], dtype=str)
    return {
        "rhythmic_bouts": len(bouts),
        "rhythmic_bouts_cycling": int((pattern == "cycling").sum()),
        "rhythmic_bouts_kicking": int((pattern == "kicking").sum()),
    }


def _summary(track, settings, events, episodes, sleep, body_px, stats) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    is_lm = events["kind"] == "lm"
    in_sleep = events["state"] == "sleep"
    plm = events["plm_series"].notna()
    rhythmic = events["rhythmic"].astype(bool)
    t0 = float(track.t_s[0])
    window = settling_window(sleep, settings, t0, t0 + track.duration_s)
    lms_settling = 0
    if window is not None:
        st = events["start_s"]
        lms_settling = int((is_lm & (st >= window[0]) & (st < window[1])).sum())
    duration = track.duration_s
    onset = sleep.sleep_onset_s
    return {
        "duration_s": round(duration, 3),
        "in_bed_s": stats["in_bed_s"],
        "sleep_onset_s": onset,
        "time_to_sleep_s": stats["time_to_sleep_s"],
        "sleep_offset_s": sleep.sleep_offset_s,
        "total_sleep_s": round(sleep.total_sleep_s, 1),
        "time_in_bed_s": stats["time_in_bed_s"],
        "sleep_efficiency": stats["sleep_efficiency"],
        "waso_s": stats["waso_s"],
        "awakenings": len(sleep.awakenings),
        "awakening_spans_s": [[round(a, 1), round(b, 1)] for a, b in sleep.awakenings],
        "settling_window_s": None if window is None else [round(w, 1) for w in window],
        "counts": {
            "twitch": int((events["kind"] == "twitch").sum()),
            "lm": int(is_lm.sum()),
            "long_movement": int((events["kind"] == "long_movement").sum()),
            "large_movement": int((events["kind"] == "large_movement").sum()),
            "rhythmic": int(rhythmic.sum()),
            "rhythmic_cycling": int((events["pattern"] == "cycling").sum()),
            "rhythmic_kicking": int((events["pattern"] == "kicking").sum()),
            "plm": int(plm.sum()),
            "plms": int((plm & in_sleep).sum()),
            "plmw": int((plm & ~in_sleep & (events["start_s"] >= stats["in_bed_s"])).sum()),
            "plm_series": int(events["plm_series"].nunique()),
            "lm_in_sleep": int((is_lm & in_sleep).sum()),
            "lm_in_wake": int((is_lm & ~in_sleep).sum()),
            "lm_settling_window": lms_settling,
        },
        **indices_night(
            events,
            sleep.epochs,
            settings,
            sleep.total_sleep_s,
            _wake_in_bed_s(sleep.epochs, stats["in_bed_s"], t0 + duration),
            stats["in_bed_s"],
        ),
        "episodes": {k: int(v) for k, v in episodes["kind"].value_counts().items()},
        "pose_coverage": round(float(track.pose_detected.mean()), 4) if track.n_frames else 0.0,
        "frames": track.n_frames,
        "fps": round(track.fps, 3),
        "body_length_px": round(body_px, 1),
        "sources": [s.path for s in track.segments],
        "issues": list(track.issues),
        "settings": settings.to_dict(),
        "versions": {**software_versions(), "pose_model": track.model, **track.versions},
    }
