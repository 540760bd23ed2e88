"""Analyse a night end to end: video file(s) → tracks → signal stage → output folder."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from detector.atomic import atomic_write, dir_sync
from detector.extract import ExtractOptions, Progress, track_extract
from detector.native_log import native_log_quiet
from detector.pose import PoseEstimator, pose_default
from detector.track import NightTrack, Segment, track_load
from detector.video import night_plan, video_probe
from pipeline.errors import NoPersonError, NotAVideoError, StoreError, TooShortError
from pipeline.reports.folder import night_write
from pipeline.scoring.night import MIN_DURATION_S, NightResult, night_score
from pipeline.settings import Settings

__all__ = [
    "TRACKS_FILE",
    "file_save",
    "native_log_quiet",
    "night_analyze",
    "night_plan_checked",
    "night_rescore_dir",
    "track_checked",
    "video_codec",
]

logger = logging.getLogger(__name__)

#: name of the per-frame tracks file inside an output folder
TRACKS_FILE = "tracks.npz"
#: prefix of the hidden folder inside an output folder where a result is written before it is
#: renamed into place
_PARTIAL = ".legmove-partial-"


def video_codec(path: str | Path) -> str:
    """The codec of the video stream in ``path`` (FFmpeg's name, e.g. ``h264``); raises
    :class:`~pipeline.errors.VideoError` naming the file when it is not a usable video."""
    return str(video_probe(path).codec)


def file_save(read: Callable[[int], bytes], target: str | Path, piece_bytes: int) -> Path:
    """Write what ``read(n)`` returns, piece by piece, atomically into ``target``: a crash
    mid-way never leaves a truncated file under the real name."""
    with atomic_write(target) as fh:
        while piece := read(piece_bytes):
            fh.write(piece)
    return Path(target)


def night_plan_checked(videos: Sequence[str | Path]) -> list[Segment]:
    """:func:`~detector.video.night_plan`, refusing a recording too short to score.

    Every way into legmove (``analyze``, ``night add``, the dashboard) calls this, so a
    too-short recording is refused before the slow decode, never as "no baby found".
    """
    segments = night_plan(videos)
    span_s = max(s.end_s for s in segments) - min(s.start_s for s in segments)
    if span_s < MIN_DURATION_S:
        names = ", ".join(s.path for s in segments)
        raise TooShortError(
            f"{names}: {span_s:.1f} s of video is too short to score (at least "
            f"{MIN_DURATION_S:.0f} s needed; a night is hours) — give the whole recording"
        )
    return segments


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

    Writes ``tracks.npz`` (per-frame keypoints, visibility and motion), so the night can be
    re-scored without decoding again, then the contract files (events.csv, episodes.csv,
    epochs.csv, summary.json), each atomically and only once the night has been scored: a
    bad input raises a :class:`LegmoveError` before anything in ``out_dir`` changes, so an
    earlier result there is kept whole. A write that fails (disk full, no permission)
    raises :class:`StoreError`.
    """
    out = Path(out_dir)
    _out_check(out)
    segments = night_plan_checked(videos)
    own = estimator is None
    est = estimator if estimator is not None else pose_default()
    try:
        track = track_extract(
            segments, est, options=options, progress=progress, require_person=False
        )
    finally:
        if own:
            est.close()
    return _score_and_write(track_checked(track), out, settings, save_track=True)


def track_checked(track: NightTrack) -> NightTrack:
    """``track`` if it can be scored. A recording that decodes for less than
    :data:`MIN_DURATION_S` though its files are longer is damaged: NotAVideoError names the
    file and says after how many of its seconds (a recording that is too short was refused
    by :func:`night_plan_checked`); a night without any pose raises NoPersonError."""
    if track.n_frames < 2 or track.duration_s < MIN_DURATION_S:
        frame_s = 1.0 / track.fps if track.fps > 0 else 0.0
        for seg in track.segments:
            length = seg.end_s - seg.start_s
            inside = track.t_s[(track.t_s >= seg.start_s - 1e-3) & (track.t_s < seg.end_s + 1)]
            decoded = float(inside[-1]) + frame_s - seg.start_s if len(inside) else 0.0
            if length - decoded > max(1.0, 0.1 * length):
                raise NotAVideoError(
                    seg.path,
                    f"damaged after {decoded:.1f} s of its {length:.1f} s, too little of the "
                    f"recording decodes to score (at least {MIN_DURATION_S:.0f} s needed)",
                    "try another copy of the file (the camera's memory card, the cloud copy)",
                )
    if not track.pose_detected.any():
        names = ", ".join(s.path for s in track.segments)
        raise NoPersonError(
            f"{names}: no baby (pose) was found in any frame — check that the camera shows "
            "the baby and that the video is not black"
        )
    return track


def night_rescore_dir(out_dir: str | Path, settings: Settings | None = None) -> NightResult:
    """Re-run the signal stage on the tracks saved in ``out_dir`` (no video decoding)."""
    out = Path(out_dir)
    return _score_and_write(track_load(out / TRACKS_FILE), out, settings, save_track=False)


def _score_and_write(
    track: NightTrack, out: Path, settings: Settings | None, *, save_track: bool
) -> NightResult:
    result = night_score(track, settings)  # raises before anything is written
    _out_check(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        _stale_partials_remove(out)
        partial = Path(tempfile.mkdtemp(prefix=f"{_PARTIAL}{os.getpid()}-", dir=out))
        try:
            # everything is written (and fsynced) beside the results first, so a full disk
            # or a crash here leaves the results in ``out`` as they were ...
            if save_track:
                track.save(partial / TRACKS_FILE)
            written = night_write(result, partial)
            # ... then renamed into place; summary.json, which marks a result done, last
            names = [TRACKS_FILE] if save_track else []
            names += [p.name for k, p in written.items() if k != "summary"]
            for name in [*names, written["summary"].name]:
                os.replace(partial / name, out / name)
            dir_sync(out)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    except OSError as exc:
        where = exc.filename or out
        raise StoreError(
            f"{where}: cannot write the results ({exc.strerror or exc}) — free some disk space "
            f"or choose another --out folder; the results already in {out} were left as they were"
        ) from exc
    return result


def _out_check(out: Path) -> None:
    """Refuse an output path that cannot be a folder, before any slow work."""
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                raise StoreError(
                    f"{out}: cannot write the results there — {p} is a file, not a folder; "
                    "choose another --out folder"
                )
            return


def _stale_partials_remove(out: Path) -> None:
    """Remove partial-result folders left by analyses that were killed (their process is gone)."""
    for d in out.glob(f"{_PARTIAL}*"):
        pid = d.name.removeprefix(_PARTIAL).split("-", 1)[0]
        if d.is_dir() and pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(d, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
