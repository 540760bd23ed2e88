"""Analysing a night as a resumable job: chunked decoding with checkpoints, then scoring.

A job splits the night's timeline into chunks of ``chunk_s`` seconds and extracts each
chunk's per-frame tracks with :func:`pipeline.chunks.chunk_extract`, a plain top-level
function of simple arguments (so chunks can later be sent to a process pool or a Dask
cluster). Each finished
chunk is written atomically to ``<data>/chunks/<night_id>/<idx>.npz`` and marked done in
the store, so a job killed at any moment (even ``kill -9``) and started again reuses the
finished chunks and decodes only the others. When every chunk is done the chunk tracks are
joined (:func:`detector.track.track_concat`), saved as the night's tracks file, scored
(:func:`pipeline.night.night_score`) and saved (:meth:`pipeline.store.Store.save_result`).

A chunk's tracks depend only on the video and the chunk's bounds (see
:mod:`pipeline.chunks`), never on what ran before in the same process, which is what makes
a resumed job end exactly like an uninterrupted one.

Progress is persisted (table ``jobs``: chunks done and total, seconds of video done), so
another process — the dashboard — can show it with :func:`job_status`. Every decode of a
chunk is logged (table ``chunk_log``: chunk, process id, start and end time;
:func:`job_decode_log`). One job per night runs at a time (a lock file under
``<data>/locks``, released by the operating system when the process dies).

Run a job in this process with :func:`job_run`, or detached in the background with
:func:`job_start_background`, which starts ``python -m pipeline.jobs --data DIR NIGHT_ID``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from detector.errors import LegmoveError, NoPersonError, StoreError
from detector.extract import ExtractOptions, Progress
from detector.pose import PoseEstimator
from detector.track import NightTrack, Segment, track_load
from pipeline.chunks import chunk_extract, chunk_join, chunk_plan
from pipeline.night import NightResult, night_score
from pipeline.settings import Settings
from pipeline.store import Night, Store

__all__ = [
    "DEFAULT_CHUNK_S",
    "JobStatus",
    "job_run",
    "job_rescore",
    "job_start_background",
    "job_status",
    "job_decode_log",
]

logger = logging.getLogger(__name__)

#: default chunk length: 5 min of video (a few minutes of work lost at most on a kill)
DEFAULT_CHUNK_S = 300.0
#: the persisted progress is updated at most this often
_PROGRESS_EVERY_S = 1.0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# --- the lock -----------------------------------------------------------------------------------
def _lock_path(store: Store, night_id: int) -> Path:
    return store.data_dir / "locks" / f"{int(night_id)}.lock"


def _try_lock(fh: IO[bytes], exclusive: bool) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no cross-process lock
        return True
    try:
        fcntl.flock(fh.fileno(), (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def _job_lock(store: Store, night_id: int, wait_s: float = 2.0) -> Iterator[None]:
    """Hold the night's job lock; StoreError if another process holds it."""
    path = _lock_path(store, night_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as fh:
        deadline = time.monotonic() + wait_s
        while not _try_lock(fh, exclusive=True):
            if time.monotonic() > deadline:
                raise StoreError(
                    f"night {night_id} is being analysed or re-scored by another legmove "
                    "process — wait for it to finish (`legmove night show "
                    f"{night_id}` shows its progress)"
                )
            time.sleep(0.1)
        yield  # closing the file releases the lock (and so does the process dying)


def _lock_held(store: Store, night_id: int) -> bool:
    path = _lock_path(store, night_id)
    if not path.exists():
        return False
    with path.open("a+b") as fh:
        return not _try_lock(fh, exclusive=False)


# --- status ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobStatus:
    """The analysis job of one night, as another process sees it.

    ``state``: ``pending`` (never started), ``running`` (a process is working on it now),
    ``interrupted`` (started, its process is gone; ``job_run`` resumes it), ``done`` or
    ``failed`` (``error`` says why). ``stage`` is ``extract`` (decoding chunks), ``score``
    or ``done``. Seconds are of video.
    """

    night_id: int
    state: str
    stage: str | None
    chunks_done: int
    chunks_total: int
    done_s: float
    total_s: float
    pid: int | None
    started: str | None
    updated: str | None
    error: str | None
    base_s: float = 0.0  # seconds already done when the current run started (resumed)

    @property
    def fraction(self) -> float:
        """Share of the night's video processed, 0..1."""
        if self.state == "done":
            return 1.0
        return min(1.0, self.done_s / self.total_s) if self.total_s > 0 else 0.0

    @property
    def alive(self) -> bool:
        """True while a process is working on the job."""
        return self.state == "running"

    @property
    def eta_s(self) -> float | None:
        """Estimated seconds (wall clock) until the running job is done, from its pace so
        far; None when it is not running or has not made measurable progress yet."""
        if not self.alive or self.started is None or self.updated is None:
            return None
        elapsed = (
            datetime.fromisoformat(self.updated) - datetime.fromisoformat(self.started)
        ).total_seconds()
        done = self.done_s - self.base_s
        if elapsed <= 0 or done <= 0:
            return None
        return max(0.0, (self.total_s - self.done_s) * elapsed / done)


def job_status(store: Store, night_id: int) -> JobStatus:
    """The persisted progress of the night's analysis (safe to call while it runs)."""
    night = store.get_night(night_id)
    with store.transaction(write=False) as con:
        row = con.execute("SELECT * FROM jobs WHERE night_id = ?", (int(night_id),)).fetchone()
    running = _lock_held(store, night_id)
    if running:
        state = "running"
    elif night.status == "running":
        state = "interrupted"
    else:
        state = night.status
    if row is None:
        total = max((s.end_s for s in night.sources), default=0.0)
        return JobStatus(int(night_id), state, None, 0, 0, 0.0, total, None, None, None, None)
    return JobStatus(
        night_id=int(night_id),
        state=state,
        stage=str(row["stage"]),
        chunks_done=int(row["chunks_done"]),
        chunks_total=int(row["chunks_total"]),
        done_s=float(row["done_s"]),
        total_s=float(row["total_s"]),
        pid=None if row["pid"] is None else int(row["pid"]),
        started=row["started"],
        updated=row["updated"],
        error=night.error if state == "failed" else row["error"],
        base_s=float(row["base_s"]),
    )


def job_decode_log(store: Store, night_id: int) -> list[dict[str, Any]]:
    """Every chunk decode started for the night, in order: ``idx``, ``pid``, ``started``,
    ``finished`` (None when the process died or failed during it)."""
    with store.transaction(write=False) as con:
        rows = con.execute(
            "SELECT idx, pid, started, finished FROM chunk_log WHERE night_id = ? ORDER BY id",
            (int(night_id),),
        ).fetchall()
    return [dict(r) for r in rows]


# --- running a job --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Chunk:
    idx: int
    start_s: float
    end_s: float | None
    done: bool
    path: Path


def _chunk_dir(store: Store, night_id: int) -> Path:
    return store.data_dir / "chunks" / str(int(night_id))


def _prepare(
    store: Store,
    night_id: int,
    chunk_s: float,
    total_s: float,
    fresh: bool,
    segments: list[Segment],
    options: dict[str, Any],
) -> tuple[list[_Chunk], dict[str, Any]]:
    """The night's chunk plan and extraction options: the stored ones (finished chunks
    kept) or new ones. A resumed job keeps the chunk length and options it started with."""
    folder = _chunk_dir(store, night_id)
    with store.transaction() as con:
        rows = con.execute(
            "SELECT * FROM chunks WHERE night_id = ? ORDER BY idx", (int(night_id),)
        ).fetchall()
        if fresh or not rows:
            con.execute("DELETE FROM chunks WHERE night_id = ?", (int(night_id),))
            plan = chunk_plan(segments, chunk_s)
            con.executemany(
                "INSERT INTO chunks (night_id, idx, start_s, end_s) VALUES (?, ?, ?, ?)",
                [(int(night_id), i, a, b) for i, (a, b) in enumerate(plan)],
            )
            rows = con.execute(
                "SELECT * FROM chunks WHERE night_id = ? ORDER BY idx", (int(night_id),)
            ).fetchall()
            if folder.exists():
                shutil.rmtree(folder)
        else:
            old = con.execute(
                "SELECT chunk_s, options_json FROM jobs WHERE night_id = ?", (int(night_id),)
            ).fetchone()
            if old is not None:
                before = (float(old["chunk_s"]), json.loads(old["options_json"]))
                if before != (chunk_s, options):
                    logger.info(
                        "night %s: resuming with the chunks (%g s) and options (%s) it started "
                        "with",
                        night_id,
                        *before,
                    )
                chunk_s, options = before
        chunks = []
        for r in rows:
            path = folder / f"{int(r['idx']):04d}.npz"
            done = bool(r["done"]) and path.is_file()
            if bool(r["done"]) and not done:
                logger.warning("night %s: checkpoint %s is missing; decoding again", night_id, path)
                con.execute(
                    "UPDATE chunks SET done = 0 WHERE night_id = ? AND idx = ?",
                    (int(night_id), int(r["idx"])),
                )
            chunk = _Chunk(
                int(r["idx"]),
                float(r["start_s"]),
                None if r["end_s"] is None else float(r["end_s"]),
                done,
                path,
            )
            chunks.append(chunk)
        n_done = sum(c.done for c in chunks)
        con.execute(
            "INSERT INTO jobs (night_id, stage, chunk_s, options_json, total_s, done_s, base_s, "
            "chunks_total, chunks_done, pid, started, updated, error) VALUES (?, 'extract', ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (night_id) DO UPDATE SET "
            "stage = 'extract', chunk_s = excluded.chunk_s, "
            "options_json = excluded.options_json, total_s = excluded.total_s, "
            "done_s = excluded.done_s, "
            "base_s = excluded.base_s, "
            "chunks_total = excluded.chunks_total, chunks_done = excluded.chunks_done, "
            "pid = excluded.pid, started = excluded.started, updated = excluded.updated, "
            "error = NULL",
            (
                int(night_id),
                chunk_s,
                json.dumps(options, sort_keys=True),
                total_s,
                _done_s(chunks, total_s),
                _done_s(chunks, total_s),
                len(chunks),
                n_done,
                os.getpid(),
                _now(),
                _now(),
            ),
        )
        con.execute(
            "UPDATE nights SET status = 'running', error = NULL WHERE id = ?", (int(night_id),)
        )
    return chunks, options


def _chunk_len(c: _Chunk, total_s: float) -> float:
    return max(0.0, (c.end_s if c.end_s is not None else total_s) - c.start_s)


def _done_s(chunks: Sequence[_Chunk], total_s: float) -> float:
    return sum(_chunk_len(c, total_s) for c in chunks if c.done)


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
) -> NightResult:
    """Analyse night ``night_id`` of ``store``, resuming from its finished chunks; return
    (and save) its result.

    ``estimator`` None makes a fresh :func:`pose_default` model per chunk (a resumed job
    then ends exactly like an uninterrupted one); a given estimator is reused for every
    chunk (reset at each). ``chunk_s`` applies to a new plan; a resumed job keeps its plan.
    ``settings`` (stored on the night) default to the night's. ``progress(done_s, total_s)``
    reports seconds of video processed. A night already ``done`` is returned as stored
    unless ``force``, which re-analyses it from scratch (its reviews are kept).
    Raises StoreError if another process is analysing the night; any error marks the night
    ``failed`` with the message and keeps the finished chunks for the next attempt.
    """
    night = store.get_night(night_id)
    if night.status == "done" and not force:
        logger.info("%s is already analysed (force=True re-analyses it)", night.title)
        return store.result(night_id)
    with _job_lock(store, night_id):
        if settings is not None:
            store.set_settings(night_id, settings)
        try:
            return _run_locked(store, night_id, estimator, chunk_s, options, progress, force)
        except Exception as exc:
            logger.error("%s: analysis failed: %s", night.title, exc)
            store.set_status(night_id, "failed", str(exc))
            with store.transaction() as con:
                con.execute(
                    "UPDATE jobs SET error = ?, updated = ? WHERE night_id = ?",
                    (str(exc), _now(), int(night_id)),
                )
            raise


def _run_locked(
    store: Store,
    night_id: int,
    estimator: PoseEstimator | None,
    chunk_s: float,
    options: ExtractOptions | None,
    progress: Progress | None,
    force: bool,
) -> NightResult:
    night = store.get_night(night_id)
    segments = night.segments
    total_s = max(s.end_s for s in segments)
    asked = dataclasses.asdict(options or ExtractOptions())
    chunks, opts = _prepare(store, night_id, chunk_s, total_s, force, segments, asked)
    seg_dicts = [s.to_dict() for s in segments]
    done_s = _done_s(chunks, total_s)
    if progress is not None:
        progress(done_s, total_s)
    for c in chunks:
        if c.done:
            continue  # checkpointed: not decoded again

        report = _Reporter(store, night_id, done_s, total_s, progress)
        with store.transaction() as con:
            log_id = con.execute(
                "INSERT INTO chunk_log (night_id, idx, pid, started) VALUES (?, ?, ?, ?)",
                (int(night_id), c.idx, os.getpid(), _now()),
            ).lastrowid
        t0 = time.monotonic()
        info = chunk_extract(
            seg_dicts,
            c.start_s,
            c.end_s,
            str(c.path),
            options=opts,
            estimator=estimator,
            progress=report,
        )
        done_s += _chunk_len(c, total_s)
        with store.transaction() as con:
            con.execute(
                "UPDATE chunks SET done = 1, path = ?, n_frames = ?, finished = ? "
                "WHERE night_id = ? AND idx = ?",
                (
                    str(c.path.relative_to(store.data_dir)),
                    info["n_frames"],
                    _now(),
                    int(night_id),
                    c.idx,
                ),
            )
            con.execute("UPDATE chunk_log SET finished = ? WHERE id = ?", (_now(), log_id))
            con.execute(
                "UPDATE jobs SET chunks_done = chunks_done + 1, done_s = ?, updated = ? "
                "WHERE night_id = ?",
                (done_s, _now(), int(night_id)),
            )
        logger.info(
            "night %s: chunk %d/%d (%.0f-%s s) done in %.1f s, %d frames",
            night_id,
            c.idx + 1,
            len(chunks),
            c.start_s,
            "end" if c.end_s is None else f"{c.end_s:.0f}",
            time.monotonic() - t0,
            info["n_frames"],
        )
    with store.transaction() as con:
        con.execute(
            "UPDATE jobs SET stage = 'score', done_s = ?, updated = ? WHERE night_id = ?",
            (total_s, _now(), int(night_id)),
        )
    track = chunk_join([c.path for c in chunks])
    if not track.pose_detected.any():
        names = ", ".join(s.path for s in segments)
        raise NoPersonError(
            f"{names}: no baby (pose) was found in any frame — check that the camera shows the "
            "baby and that the video is not black"
        )
    tracks_path = store.tracks_file(night_id)
    track.save(tracks_path)
    result = _score(track, store.settings(night_id), night)
    store.save_result(night_id, result, tracks_path=tracks_path)
    with store.transaction() as con:
        con.execute(
            "UPDATE jobs SET stage = 'done', updated = ? WHERE night_id = ?",
            (_now(), int(night_id)),
        )
    shutil.rmtree(_chunk_dir(store, night_id), ignore_errors=True)
    if progress is not None:
        progress(total_s, total_s)
    return result


def _score(track: NightTrack, settings: Settings, night: Night) -> NightResult:
    """The signal stage on ``track``, told when the baby went to bed if the night says."""
    return night_score(track, settings, in_bed_s=night.in_bed_s)


class _Reporter:
    """Progress of one chunk: to the caller's callback, and (throttled) into the store."""

    def __init__(
        self, store: Store, night_id: int, base_s: float, total_s: float, progress: Progress | None
    ) -> None:
        self.store, self.night_id = store, int(night_id)
        self.base_s, self.total_s = base_s, total_s
        self.progress = progress
        self.last = -math.inf

    def __call__(self, chunk_done_s: float, _chunk_len_s: float) -> None:
        done_s = self.base_s + chunk_done_s
        if self.progress is not None:
            self.progress(done_s, self.total_s)
        now = time.monotonic()
        if now - self.last >= _PROGRESS_EVERY_S:
            self.last = now
            with self.store.transaction() as con:
                con.execute(
                    "UPDATE jobs SET done_s = ?, updated = ? WHERE night_id = ?",
                    (done_s, _now(), self.night_id),
                )


def job_rescore(store: Store, night_id: int, settings: Settings | None = None) -> NightResult:
    """Re-run the signal stage on the night's saved tracks (no video decoding) with
    ``settings`` (default: the night's), save and return the new result. Reviews are kept
    and matched to the new episodes by time. StoreError if the night has no tracks yet or
    an analysis of it is running."""
    night = store.get_night(night_id)
    path = night.tracks_path or store.tracks_file(night_id)
    if not path.is_file():
        raise StoreError(
            f"{night.title} has no saved tracks yet (status {night.status}) — analyse it "
            f"first with `legmove night analyse {night.id}`"
        )
    with _job_lock(store, night_id):
        track = track_load(path)
        result = _score(track, settings or store.settings(night_id), night)
        store.save_result(night_id, result, tracks_path=path)
    return result


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
) -> int:
    """Start the night's job in a detached process (``python -m pipeline.jobs``) and return
    its process id at once. Its output goes to ``<data>/logs/<night_id>.log``; follow it
    with :func:`job_status`. The process outlives the caller (e.g. a dashboard restart).
    ``every_frame`` runs pose on every frame (no motion gating)."""
    store.get_night(night_id)  # unknown night: fail here, not in the background
    if _lock_held(store, night_id):
        raise StoreError(f"night {night_id} is already being analysed by another process")
    log = store.data_dir / "logs" / f"{int(night_id)}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pipeline.jobs",
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
    """``python -m pipeline.jobs [--data DIR] [--chunk-s S] [--force] NIGHT_ID``."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.jobs", description="Run (or resume) a night's analysis job."
    )
    parser.add_argument("night_id", type=int)
    parser.add_argument("--data", default=None, help="data folder (default: $LEGMOVE_DATA, ...)")
    parser.add_argument("--chunk-s", type=float, default=DEFAULT_CHUNK_S)
    parser.add_argument("--force", action="store_true", help="re-analyse a finished night")
    parser.add_argument("--every-frame", action="store_true", help="pose on every frame")
    args = parser.parse_args(argv)
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
        )
    except LegmoveError as exc:
        logger.error("%s", exc)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through job_start_background
    sys.exit(main())
