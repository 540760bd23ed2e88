"""One chunk of a night's analysis: plan the chunks, extract one, join them.

:func:`chunk_extract` is a plain top-level function of simple, picklable arguments (segment
dicts, times, an output path, an options dict) that writes its result to a file, so the
chunks of a night can run in this process (:func:`pipeline.jobs.job_run`), in a process
pool or on a Dask cluster, and be joined with :func:`chunk_join`.

Each chunk is decoded from ``warmup_s`` (:data:`WARMUP_S`) before its start, so motion
energy and pose tracking are settled at the boundary, and the warm-up frames are dropped.
With the default estimator every chunk gets a fresh pose model, so a chunk's tracks depend
only on the video and the chunk's bounds: chunks give the same tracks whichever process
runs them, and in whatever order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from detector.extract import ExtractOptions, Progress, track_extract
from detector.pose import PoseEstimator, pose_default
from detector.track import NightTrack, Segment, track_concat, track_load

__all__ = ["WARMUP_S", "chunk_plan", "chunk_extract", "chunk_join"]

#: each chunk is decoded from this long before its start (motion and pose settle)
WARMUP_S = 1.0


def chunk_plan(segments: Sequence[Segment], chunk_s: float) -> list[tuple[float, float | None]]:
    """Chunks ``(start_s, end_s)`` covering the night's timeline; the last has ``end_s``
    None (to the end of the video, as a header may understate a file's length)."""
    if not math.isfinite(chunk_s) or chunk_s <= 0:
        raise ValueError(f"chunk_s must be a positive number of seconds, got {chunk_s}")
    if not segments:
        raise ValueError("a night needs at least one segment")
    total_s = max(float(s.end_s) for s in segments)
    n = max(1, math.ceil(total_s / chunk_s - 1e-9))
    return [(i * chunk_s, (i + 1) * chunk_s if i < n - 1 else None) for i in range(n)]


def chunk_extract(
    segments: Sequence[dict[str, Any]],
    start_s: float,
    end_s: float | None,
    out_path: str,
    *,
    options: dict[str, Any] | None = None,
    warmup_s: float = WARMUP_S,
    estimator: PoseEstimator | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Extract the tracks of frames ``start_s <= t_s < end_s`` of a night and save them.

    ``segments`` are :meth:`Segment.to_dict` dicts, ``options`` :class:`ExtractOptions`
    fields, ``out_path`` the ``.npz`` file to write (atomically). Decoding starts
    ``warmup_s`` early; the warm-up frames are dropped. With ``estimator`` None a fresh
    :func:`pose_default` model is made and closed. ``progress(done_s, total_s)`` reports the
    seconds of this chunk done. Returns ``{"path", "n_frames", "pose_frames", "issues"}``.
    Only simple, picklable arguments: this can run in another process or on a cluster.
    """
    segs = [Segment.from_dict(d) for d in segments]
    lo = max(0.0, float(start_s) - max(0.0, warmup_s))
    chunk_len = (end_s if end_s is not None else max(s.end_s for s in segs)) - start_s

    def report(done_s: float, _total_s: float) -> None:
        if progress is not None:
            progress(min(max(0.0, done_s - (start_s - lo)), chunk_len), chunk_len)

    own = estimator is None
    est: PoseEstimator = estimator if estimator is not None else pose_default()
    try:
        track = track_extract(
            segs,
            est,
            options=ExtractOptions(**(options or {})),
            start_s=lo,
            end_s=end_s,
            progress=report,
            require_person=False,
        )
    finally:
        if own:
            est.close()
    first = int(np.searchsorted(track.t_s, start_s, side="left"))
    if first:
        track = track.slice(first, track.n_frames)
    track.save(out_path)
    return {
        "path": str(out_path),
        "n_frames": track.n_frames,
        "pose_frames": int(track.pose_detected.sum()),
        "issues": list(track.issues),
    }


def chunk_join(paths: Sequence[str | Path]) -> NightTrack:
    """The night's track from its chunk files (in time order); empty chunks are skipped."""
    tracks = [track_load(p) for p in paths]
    full = [t for t in tracks if t.n_frames]
    return track_concat(full or tracks[:1])
