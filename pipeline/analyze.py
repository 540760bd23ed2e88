"""Analyse a night end to end: video file(s) → tracks → signal stage → output folder."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from detector.extract import ExtractOptions, Progress, track_extract
from detector.pose import PoseEstimator, pose_default
from detector.track import NightTrack, track_load
from detector.video import night_plan
from pipeline.night import NightResult, night_score, night_write
from pipeline.settings import Settings

__all__ = ["TRACKS_FILE", "night_analyze", "night_rescore_dir"]

logger = logging.getLogger(__name__)

#: name of the per-frame tracks file inside an output folder
TRACKS_FILE = "tracks.npz"


def night_analyze(
    videos: Sequence[str | Path],
    out_dir: str | Path,
    *,
    settings: Settings | None = None,
    estimator: PoseEstimator | None = None,
    options: ExtractOptions | None = None,
    progress: Progress | None = None,
) -> NightResult:
    """Analyse the night recorded in ``videos`` and write every output file into ``out_dir``.

    Writes ``tracks.npz`` (per-frame keypoints, visibility and motion) first, so the
    night can be re-scored without decoding again, then the contract files
    (events.csv, episodes.csv, epochs.csv, summary.json).
    """
    segments = night_plan(videos)
    own = estimator is None
    est = estimator if estimator is not None else pose_default()
    try:
        track = track_extract(segments, est, options=options, progress=progress)
    finally:
        if own:
            est.close()
    out = Path(out_dir)
    track.save(out / TRACKS_FILE)
    return _score_and_write(track, out, settings)


def night_rescore_dir(out_dir: str | Path, settings: Settings | None = None) -> NightResult:
    """Re-run the signal stage on the tracks saved in ``out_dir`` (no video decoding)."""
    out = Path(out_dir)
    return _score_and_write(track_load(out / TRACKS_FILE), out, settings)


def _score_and_write(track: NightTrack, out: Path, settings: Settings | None) -> NightResult:
    result = night_score(track, settings)
    night_write(result, out)
    return result
