"""One chunk of a night's analysis: plan the chunks, extract one, join them.

:func:`chunk_extract` is a plain top-level function of simple, picklable arguments (segment
dicts, times, an output path, an options dict) that writes its result to a file;
:func:`chunk_track` is the same work returning the compact track instead, for a process
pool or a Dask cluster whose workers cannot see the store (:mod:`pipeline.jobs.batch`). Chunks
are joined with :func:`chunk_join`.

A chunk's tracks are those of the same frames in a run over the whole night, wherever the
chunk starts (:func:`detector.extract.track_extract` decodes from before the chunk's start —
the detector's sync point before it and the minute of rest level before that — and drops
the frames before it; :func:`chunk_warmup_s` says how long that is): a night gives the same
tracks, and so the same events, whatever its chunk length, whichever process runs each chunk
and in whatever order.
"""

from __future__ import annotations

import ctypes
import gc
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from detector.extract import ExtractOptions, Progress, decode_start, track_extract
from detector.native_log import native_log_quiet
from detector.pose import PoseEstimator, pose_default
from detector.track import NightTrack, Segment, track_concat, track_load
from detector.video import video_decode_threads

__all__ = [
    "chunk_plan",
    "chunk_warmup_s",
    "chunk_track",
    "chunk_extract",
    "chunk_info",
    "chunk_join",
    "chunk_task",
    "chunk_worker_init",
    "memory_steady",
]

#: default chunk length: 5 min of video (a few minutes of work lost at most on a kill)
DEFAULT_CHUNK_S = 300.0
#: a chunk running in a pool worker reports its progress at most this often (seconds)
_PROGRESS_EVERY_S = 0.5


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


def chunk_warmup_s(start_s: float, options: dict[str, Any] | None = None) -> float:
    """Seconds of video decoded before a chunk starting at ``start_s`` (and dropped): from
    :func:`detector.extract.decode_start` — the detector's sync point before the chunk, the
    rest level's window before that, and a lead-in for motion's previous frame."""
    return float(start_s) - decode_start(float(start_s), ExtractOptions(**(options or {})))


def chunk_track(
    segments: Sequence[dict[str, Any]],
    start_s: float,
    end_s: float | None,
    *,
    options: dict[str, Any] | None = None,
    estimator: PoseEstimator | None = None,
    progress: Progress | None = None,
) -> NightTrack:
    """The tracks of frames ``start_s <= t_s < end_s`` of a night (see :func:`chunk_extract`).

    The task a process pool or a Dask worker runs: simple, picklable arguments in, a
    compact picklable :class:`NightTrack` out (about 130 bytes a frame), so a worker needs
    the videos but not the store.
    """
    segs = [Segment.from_dict(d) for d in segments]
    own = estimator is None
    est: PoseEstimator = estimator if estimator is not None else pose_default()
    try:
        return track_extract(
            segs,
            est,
            options=ExtractOptions(**(options or {})),
            start_s=float(start_s),
            end_s=end_s,
            progress=progress,
            require_person=False,
        )
    finally:
        if own:
            est.close()


def chunk_info(track: NightTrack, path: str | Path) -> dict[str, Any]:
    """What :func:`chunk_extract` returns about a chunk saved at ``path``."""
    return {
        "path": str(path),
        "n_frames": track.n_frames,
        "pose_frames": int(track.pose_detected.sum()),
        "pose_calls": int(track.pose_ran.sum()),
        "issues": list(track.issues),
    }


def chunk_extract(
    segments: Sequence[dict[str, Any]],
    start_s: float,
    end_s: float | None,
    out_path: str,
    *,
    options: dict[str, Any] | None = None,
    estimator: PoseEstimator | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Extract the tracks of frames ``start_s <= t_s < end_s`` of a night and save them.

    ``segments`` are :meth:`Segment.to_dict` dicts, ``options`` :class:`ExtractOptions`
    fields, ``out_path`` the ``.npz`` file to write (atomically). Decoding starts
    :func:`chunk_warmup_s` early; those frames are dropped. With ``estimator`` None a fresh
    :func:`pose_default` model is made and closed. ``progress(done_s, total_s)`` reports the
    seconds of this chunk done. Returns ``{"path", "n_frames", "pose_frames", "pose_calls",
    "issues"}``. Only simple, picklable arguments: this can run in another process or on a
    cluster.
    """
    track = chunk_track(
        segments,
        start_s,
        end_s,
        options=options,
        estimator=estimator,
        progress=progress,
    )
    track.save(out_path)
    return chunk_info(track, out_path)


def chunk_join(paths: Sequence[str | Path]) -> NightTrack:
    """The night's track from its chunk files (in time order); empty chunks are skipped."""
    tracks = [track_load(p) for p in paths]
    full = [t for t in tracks if t.n_frames]
    return track_concat(full or tracks[:1])


# --- in a worker process (kept free of the store and signal stage: a worker imports only the
# detector, so each of them holds little more than its pose model) ----------------------------
_progress_queue: Any = None  # in a pool worker: where chunk progress goes


def chunk_task(
    key: tuple[int, int],
    segments: Sequence[dict[str, Any]],
    start_s: float,
    end_s: float | None,
    options: dict[str, Any],
) -> NightTrack:
    """The track of one chunk (``key`` = night id, chunk index) with a fresh default pose
    model: what a pool or cluster worker runs (:mod:`pipeline.jobs.batch`). In a worker set up by
    :func:`chunk_worker_init` it reports the chunk's progress, ``(key, done_s)``, back."""
    memory_steady()
    queue = _progress_queue
    last = -math.inf

    def progress(done_s: float, _total_s: float) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= _PROGRESS_EVERY_S:
            last = now
            queue.put((key, done_s))

    try:
        return chunk_track(
            segments, start_s, end_s, options=options, progress=None if queue is None else progress
        )
    finally:
        _memory_return()


#: glibc's mallopt parameter for the mmap threshold (malloc.h)
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_BYTES = 128 * 1024


def memory_steady() -> None:
    """Serve large blocks (decoded frames, the RGB images pose is given) from ``mmap`` and
    give them back when freed, in this process from now on (Linux, glibc; elsewhere nothing).

    glibc starts so, but raises the threshold to the size of each large block freed, after
    which frame-sized blocks come from the heap, where MediaPipe's graph threads fragment
    them: a worker's peak then swung from 308 to 380 MiB from chunk to chunk (every 10th
    chunk of the 10-hour bench night), and a long night gave two workers more chances to
    peak at once. With the threshold fixed at 128 KiB (glibc's initial value) the same
    chunks peaked at 297-317 MiB. Idempotent and cheap: every chunk task calls it.
    """
    _glibc("mallopt", _M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)


def _glibc(name: str, *args: int) -> None:
    """Call glibc's ``name(*args)``; nothing where the C library is not glibc."""
    try:
        getattr(ctypes.CDLL("libc.so.6"), name)(*args)
    except (OSError, AttributeError):  # not glibc
        pass


def _memory_return() -> None:
    """Give the memory a chunk freed back to the system. A pose model per chunk leaves the
    C heap fragmented: without this a worker grows by ~50 MB a chunk (Linux, glibc)."""
    gc.collect()
    _glibc("malloc_trim", 0)


def chunk_worker_init(
    parent_pid: int,
    queue: Any,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    decode_threads: int = 0,
) -> None:
    """Set up a pool worker: progress goes to ``queue``; the worker exits when its parent
    (``parent_pid``) dies, even by ``kill -9``; it decodes on ``decode_threads`` threads
    (:func:`detector.video.video_decode_threads`); then ``initializer(*initargs)`` runs."""
    global _progress_queue
    _progress_queue = queue
    native_log_quiet()
    video_decode_threads(decode_threads)
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _exit_when_orphaned(parent_pid: int) -> None:
    """A pool worker whose parent was killed would otherwise wait for work forever."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(1)
