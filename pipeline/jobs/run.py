"""Run a night's job: in this process, on a pool of processes, or detached in the background.

:func:`job_run` analyses a night (resuming from its finished chunks) one chunk after another
in this process or, with several workers, through :func:`pipeline.jobs.batch.batch_run` on a
:class:`pipeline.jobs.runners.LocalPool`. :func:`job_start_background` starts
``python -m pipeline.jobs.run --data DIR NIGHT_ID`` detached, so a dashboard restart does not
stop it.
"""

from __future__ import annotations

import argparse
import functools
import logging
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from detector.extract import ExtractOptions, Progress
from detector.native_log import native_log_quiet
from detector.pose import PoseEstimator
from pipeline.errors import LegmoveError, StoreError
from pipeline.jobs.batch import batch_run
from pipeline.jobs.chunks import DEFAULT_CHUNK_S, chunk_extract, chunk_plan
from pipeline.jobs.night_job import NightJob, _Chunk, job_write_error
from pipeline.jobs.runners import LocalPool, default_workers
from pipeline.jobs.status import _lock_held
from pipeline.scoring.night import NightResult
from pipeline.settings import Settings
from pipeline.store.db import Store

__all__ = ["job_run", "job_start_background", "main"]

logger = logging.getLogger(__name__)


def job_run(
    store: Store,
    night_id: int,
    estimator: PoseEstimator | None = None,
    *,
    chunk_s: float = DEFAULT_CHUNK_S,
    settings: Settings | None = None,
    options: ExtractOptions | None = None,
    progress: Progress | None = None,
    force: bool = False,
    workers: int | None = None,
) -> NightResult:
    """Analyse night ``night_id`` of ``store``, resuming from its finished chunks; return
    (and save) its result.

    ``workers`` > 1 extracts that many chunks at once in a pool of processes
    (:class:`pipeline.jobs.batch.LocalPool`), each with a fresh :func:`pose_default` model per
    chunk; ``estimator`` must then be None. ``workers`` None means :func:`default_workers`
    without an ``estimator``, else 1. A night of one chunk runs in this process (starting
    a pool costs several seconds). With ``workers`` 1 the chunks run one after another in
    this process: ``estimator`` None makes a fresh :func:`pose_default` model per
    chunk (a resumed job then ends exactly like an uninterrupted one); a given estimator is
    reused for every chunk (reset at each). ``chunk_s`` applies to a new plan; a resumed job
    keeps its plan. ``settings`` (stored on the night) default to the night's.
    ``progress(done_s, total_s)`` reports seconds of video processed. A night already
    ``done`` is returned as stored unless ``force``, which re-analyses it from scratch (its
    reviews are kept). Raises StoreError if another process is analysing the night; any
    error marks the night ``failed`` with the message and keeps the finished chunks for the
    next attempt.
    """
    night = store.get_night(night_id)
    if night.status == "done" and not force:
        logger.info("%s is already analysed (force=True re-analyses it)", night.title)
        return store.result(night_id)
    if workers is None:
        workers = 1 if estimator is not None else default_workers()
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if workers > 1 and len(chunk_plan(night.segments, chunk_s)) > 1:
        if estimator is not None:
            raise ValueError("an estimator object cannot be shared by worker processes")

        def night_progress(_night_id: int, done_s: float, total_s: float) -> None:
            if progress is not None:
                progress(done_s, total_s)

        with LocalPool(workers) as pool:
            outcome = batch_run(
                store,
                [night_id],
                pool,
                chunk_s=chunk_s,
                settings=settings,
                options=options,
                force=force,
                progress=night_progress,
            )
        error = outcome[night_id]
        if error is not None:
            raise error
        return store.result(night_id)
    job = NightJob.open(
        store,
        night_id,
        chunk_s=chunk_s,
        options=options,
        settings=settings,
        force=force,
        progress=progress,
    )
    writing: Path | None = None  # the checkpoint being made
    try:
        for c in job.todo:
            writing = c.path
            log_id = job.started(c)
            t0 = time.monotonic()
            info = chunk_extract(
                job.seg_dicts,
                c.start_s,
                c.end_s,
                str(c.path),
                options=job.options,
                estimator=estimator,
                progress=functools.partial(_chunk_progress, job, c.idx),
            )
            job.finished(c, log_id, n_frames=info["n_frames"])
            _log_chunk(job, c, time.monotonic() - t0, info["n_frames"])
        writing = None
        return job.finish()
    except OSError as exc:  # disk full, folder gone, no permission: say which file, what to do
        error = job_write_error(store, night_id, exc, writing)
        job.fail(error)
        raise error from exc
    except Exception as exc:
        job.fail(exc)
        raise
    finally:
        job.close()


def _chunk_progress(job: NightJob, idx: int, done_s: float, _total_s: float) -> None:
    job.partial(idx, done_s)


def _log_chunk(job: NightJob, c: _Chunk, seconds: float, n_frames: int) -> None:
    logger.info(
        "night %s: chunk %d/%d (%.0f-%s s) done in %.1f s, %d frames",
        job.night_id,
        c.idx + 1,
        len(job.chunks),
        c.start_s,
        "end" if c.end_s is None else f"{c.end_s:.0f}",
        seconds,
        n_frames,
    )


# --- background -----------------------------------------------------------------------------------
_LAUNCHER = (
    "import subprocess, sys\n"
    "log = open(sys.argv[1], 'ab')\n"
    "kw = {'start_new_session': True} if sys.platform != 'win32' else "
    "{'creationflags': 0x00000008 | 0x00000200}\n"
    "p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, "
    "stderr=subprocess.STDOUT, close_fds=True, **kw)\n"
    "print(p.pid)\n"
)


def job_start_background(
    store: Store,
    night_id: int,
    *,
    chunk_s: float = DEFAULT_CHUNK_S,
    force: bool = False,
    every_frame: bool = False,
    workers: int | None = None,
) -> int:
    """Start the night's job in a detached process (``python -m pipeline.jobs.run``) and return
    its process id at once. Its output goes to ``<data>/logs/<night_id>.log``; follow it
    with :func:`job_status`. The process outlives the caller (e.g. a dashboard restart).
    ``every_frame`` runs pose on every frame (no motion gating); ``workers`` processes
    extract chunks at once (default :func:`default_workers`)."""
    store.get_night(night_id)  # unknown night: fail here, not in the background
    if _lock_held(store, night_id):
        raise StoreError(f"night {night_id} is already being analysed by another process")
    log = store.data_dir / "logs" / f"{int(night_id)}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pipeline.jobs.run",
        "--data",
        str(store.data_dir),
        "--chunk-s",
        repr(float(chunk_s)),
        str(int(night_id)),
    ]
    if force:
        cmd.append("--force")
    if every_frame:
        cmd.append("--every-frame")
    if workers is not None:
        cmd += ["--workers", str(int(workers))]
    # a short-lived launcher starts the job and exits: the job is nobody's child to reap
    out = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(log), *cmd],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(out.stdout.strip())
    logger.info("night %s: background job pid %d, log %s", night_id, pid, log)
    return pid


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pipeline.jobs.run [--data DIR] [--chunk-s S] [--force] [--workers N] NIGHT``."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.jobs.run", description="Run (or resume) a night's analysis job."
    )
    parser.add_argument("night_id", type=int)
    parser.add_argument("--data", default=None, help="data folder (default: $LEGMOVE_DATA, ...)")
    parser.add_argument("--chunk-s", type=float, default=DEFAULT_CHUNK_S)
    parser.add_argument("--force", action="store_true", help="re-analyse a finished night")
    parser.add_argument("--every-frame", action="store_true", help="pose on every frame")
    parser.add_argument(
        "--workers", type=int, default=None, help="processes (default: one per core, max 4)"
    )
    args = parser.parse_args(argv)
    native_log_quiet()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"
    )
    try:
        store = Store(args.data)
        job_run(
            store,
            args.night_id,
            chunk_s=args.chunk_s,
            options=ExtractOptions(gate=not args.every_frame),
            force=args.force,
            workers=args.workers,
        )
    except LegmoveError as exc:
        logger.error("%s", exc)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through job_start_background
    sys.exit(main())
