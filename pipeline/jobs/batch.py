"""Many nights, or one long night, on several processes or on a Dask cluster.

A night's analysis is split into time chunks (:mod:`pipeline.jobs.chunks`); each chunk is a task
:func:`chunk_task` of simple arguments (segment dicts, times, options) that returns the
chunk's compact per-frame track. :func:`batch_run` keeps a runner busy with the chunk
tasks of one night after another and does everything that touches the store itself, in
this process: it plans and locks each night (:class:`pipeline.jobs.night_job.NightJob`), saves each
returned chunk as the night's checkpoint, and joins, scores and saves a night as soon as
its last chunk is in. So a worker needs the videos but not the store, a killed batch
resumes from the finished chunks, and the results land in the store exactly as from
``legmove night analyze``.

Runners: :mod:`pipeline.jobs.runners`.

Inputs (:func:`batch_inputs`): each video file is one night, each folder is one night
made of the video files in it (the segment files a monitor writes per night), and a folder
of dated subfolders (an SD card's recordings) is one night per evening in it.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from detector.extract import ExtractOptions
from detector.track import Segment
from pipeline.errors import StoreError
from pipeline.jobs.chunks import DEFAULT_CHUNK_S, chunk_task
from pipeline.jobs.night_job import NightJob, job_write_error
from pipeline.jobs.runners import ChunkRunner
from pipeline.settings import Settings
from pipeline.store.db import Store

__all__ = [
    "VIDEO_SUFFIXES",
    "BatchProgress",
    "batch_inputs",
    "batch_add",
    "batch_run",
]

logger = logging.getLogger(__name__)

#: file name endings taken as videos inside a folder given to :func:`batch_inputs`
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".avi", ".ts", ".webm", ".3gp"})
#: progress(night_id, done_s, total_s): seconds of one night's video processed
BatchProgress = Callable[[int, float, float], None]


# --- inputs -----------------------------------------------------------------------------------
def batch_inputs(paths: Sequence[str | Path]) -> list[tuple[str, list[Path]]]:
    """The nights in ``paths`` as ``(name, files)``: a video file is one night named by the
    file; a folder is one night named by the folder, made of the video files in it
    (:data:`VIDEO_SUFFIXES`). A folder with no video files of its own but some in its
    subfolders is an SD card's recordings (date and hour folders of minute-long files,
    :func:`detector.sdcard.path_clock_time`): one night per evening found in them (noon to
    noon), named by the folder and the evening's date. ValueError for a path that does not
    exist or a folder without videos."""
    nights: list[tuple[str, list[Path]]] = []
    for p in (Path(x) for x in paths):
        if p.is_dir():
            files = sorted(
                f for f in p.iterdir() if f.is_file() and f.suffix.lower() in VIDEO_SUFFIXES
            )
            if not files:
                nights += _card_nights(p)
                continue
            nights.append((p.resolve().name, files))
        elif p.exists():
            nights.append((p.stem, [p]))
        else:
            raise ValueError(f"{p}: no such file or folder")
    return nights


def _card_nights(folder: Path) -> list[tuple[str, list[Path]]]:
    """An SD card's folder tree as one night per evening (see :func:`batch_inputs`)."""
    from detector.sdcard import path_clock_time

    files = sorted(
        f for f in folder.rglob("*") if f.is_file() and f.suffix.lower() in VIDEO_SUFFIXES
    )
    if not files:
        raise ValueError(f"{folder}: no video files in this folder or its subfolders")
    times = [path_clock_time(f) for f in files]
    name = folder.resolve().name
    if any(t is None for t in times):  # not dated folders: the whole tree is one night
        return [(name, files)]
    by_evening: dict[date, list[Path]] = collections.defaultdict(list)
    for f, t in zip(files, times, strict=True):
        assert t is not None
        by_evening[(t - timedelta(hours=12)).date()].append(f)
    return [(f"{name} {day.isoformat()}", fs) for day, fs in sorted(by_evening.items())]


def _night_with(store: Store, segments: Sequence[Segment]) -> int | None:
    """The night in ``store`` made of exactly these video files (by content), if any."""
    hashes = sorted(s.sha256 for s in segments)
    if not all(hashes):
        return None
    with store.transaction(write=False) as con:
        rows = con.execute(
            f"SELECT night_id, sha256 FROM sources WHERE sha256 IN ({','.join('?' * len(hashes))})",
            hashes,
        ).fetchall()
    by_night: dict[int, list[str]] = collections.defaultdict(list)
    for r in rows:
        by_night[int(r["night_id"])].append(str(r["sha256"]))
    for night_id in sorted(by_night):
        if sorted(by_night[night_id]) == hashes:
            with store.transaction(write=False) as con:
                (count,) = con.execute(
                    "SELECT COUNT(*) FROM sources WHERE night_id = ?", (night_id,)
                ).fetchone()
            if int(count) == len(hashes):
                return night_id
    return None


def _evening(files: Sequence[Path]) -> date:
    """The evening a recording belongs to: its start time minus 12 h (a recording that
    starts at 01:00 belongs to the evening before), else today."""
    from detector.sdcard import path_clock_time
    from detector.video import video_probe

    times = [video_probe(f).creation_time for f in files]
    known = [t for t in times if t is not None]
    if not known:  # an SD card's dated folders (local clock time), else today
        known = [t for t in (path_clock_time(f) for f in files) if t is not None]
    if not known:
        return date.today()
    return (min(known).astimezone() - timedelta(hours=12)).date()


def batch_add(
    store: Store,
    nights: Sequence[tuple[str, Sequence[Path]]],
    *,
    label: str | None = None,
    night_date: date | None = None,
    settings: Settings | None = None,
) -> list[int]:
    """Add each night ``(name, files)`` (see :func:`batch_inputs`) to ``store``, or find it
    there when the same files already make up a night; return the night ids in order.
    Raises what :func:`pipeline.jobs.intake.night_plan_checked` raises for files that cannot be
    analysed (unreadable, too short), or StoreError. ``label`` (the child's name) defaults
    to the night's name; the date to the evening the recording started (see
    :func:`_evening`), else today."""
    from pipeline.jobs.intake import night_plan_checked

    ids = []
    for name, files in nights:
        segments = night_plan_checked(list(files))
        found = _night_with(store, segments)
        if found is not None:
            logger.info("%s: already night %d in the store", name, found)
            ids.append(found)
            continue
        day = night_date or _evening(files)
        ids.append(store.add_night(label or name, day, segments, settings=settings))
    return ids


# --- running ----------------------------------------------------------------------------------
@dataclass
class _Open:
    """A night whose chunks are being run."""

    job: NightJob
    queue: collections.deque[Any]
    running: set[Any] = field(default_factory=set)


def batch_run(
    store: Store,
    night_ids: Sequence[int],
    runner: ChunkRunner,
    *,
    chunk_s: float = DEFAULT_CHUNK_S,
    settings: Settings | None = None,
    options: ExtractOptions | None = None,
    force: bool = False,
    progress: BatchProgress | None = None,
    on_night: Callable[[int, Exception | None], None] | None = None,
) -> dict[int, Exception | None]:
    """Analyse the nights ``night_ids`` of ``store``, their chunks on ``runner``.

    Nights run in the given order, chunks of the next night filling free workers while the
    last chunks of the one before finish. A night already done is skipped unless
    ``force``; an interrupted one resumes from its finished chunks. ``settings`` (when
    given) are stored on every night first. ``progress(night_id, done_s, total_s)``;
    ``on_night(night_id, error)`` when a night is done (error None) or failed. Returns, per
    night, None when it is done or the exception that made it fail; one failing night does
    not stop the others. An interruption (KeyboardInterrupt) leaves the running nights
    resumable.
    """
    outcome: dict[int, Exception | None] = {}
    waiting = collections.deque(int(n) for n in night_ids)
    open_: dict[int, _Open] = {}
    in_flight: dict[Any, tuple[int, Any, int]] = {}

    def night_progress(night_id: int) -> Callable[[float, float], None] | None:
        if progress is None:
            return None
        return lambda done_s, total_s: progress(night_id, done_s, total_s)

    def settle(night_id: int, error: Exception | None) -> None:
        outcome[night_id] = error
        if on_night is not None:
            on_night(night_id, error)

    def close(night_id: int, error: Exception | None) -> None:
        if isinstance(error, OSError):  # a checkpoint or tracks file that cannot be written
            error = job_write_error(store, night_id, error)
        o = open_.pop(night_id)
        for fut in o.running:
            fut.cancel()
        if error is not None:
            o.job.fail(error)
        o.job.close()
        settle(night_id, error)

    def finish(night_id: int) -> None:
        if not waiting and not in_flight and not any(o.queue for o in open_.values()):
            runner.release()  # the last scoring: workers' memory is free for it
        try:
            open_[night_id].job.finish()
        except Exception as exc:
            close(night_id, exc)
            return
        close(night_id, None)

    def open_next() -> None:
        night_id = waiting.popleft()
        try:
            if store.get_night(night_id).status == "done" and not force:
                logger.info("night %d is already analysed (force re-analyses it)", night_id)
                settle(night_id, None)
                return
            job = NightJob.open(
                store,
                night_id,
                chunk_s=chunk_s,
                options=options,
                settings=settings,
                force=force,
                progress=night_progress(night_id),
            )
        except (StoreError, ValueError, OSError) as exc:
            logger.error("night %d: %s", night_id, exc)
            settle(night_id, exc)
            return
        open_[night_id] = _Open(job, collections.deque(job.todo))
        if not job.todo:
            finish(night_id)

    try:
        while waiting or open_:
            while len(in_flight) < runner.slots:
                src = next((o for o in open_.values() if o.queue), None)
                if src is None:
                    if not waiting:
                        break
                    open_next()
                    continue
                c = src.queue.popleft()
                job = src.job
                log_id = job.started(c)
                fut = runner.submit(
                    chunk_task,
                    (job.night_id, c.idx),
                    job.seg_dicts,
                    c.start_s,
                    c.end_s,
                    job.options,
                )
                in_flight[fut] = (job.night_id, c, log_id)
                src.running.add(fut)
            if not in_flight:
                continue
            done = runner.wait(list(in_flight), timeout_s=0.5)
            for (night_id, idx), done_s in runner.progress():
                if night_id in open_:
                    open_[night_id].job.partial(idx, done_s)
            for fut in done:
                night_id, c, log_id = in_flight.pop(fut)
                o = open_.get(night_id)
                if o is None:  # the night failed meanwhile
                    continue
                o.running.discard(fut)
                try:
                    track = fut.result()
                    o.job.finished(c, log_id, track=track)
                    logger.info(
                        "night %d: chunk %d/%d (%.0f s of video from %.0f s) done, %d frames",
                        night_id,
                        c.idx + 1,
                        len(o.job.chunks),
                        track.duration_s,
                        c.start_s,
                        track.n_frames,
                    )
                except Exception as exc:
                    logger.error("night %d: chunk %d failed: %s", night_id, c.idx, exc)
                    close(night_id, exc)
                    continue
                if not o.queue and not o.running:
                    finish(night_id)
    except BaseException:
        for fut in in_flight:
            fut.cancel()
        for o in open_.values():
            o.job.close()  # left 'running' without a lock: resumable ('interrupted')
        raise
    return outcome
