"""Analysing a night as a resumable job: chunked decoding with checkpoints, then scoring.

A job splits the night's timeline into chunks of ``chunk_s`` seconds and extracts each
chunk's per-frame tracks with :func:`pipeline.jobs.chunks.chunk_extract`, a plain top-level
function of simple arguments: one after another in this process, or several at once in a
pool of processes (``workers``; :mod:`pipeline.jobs.batch`, which also runs chunks on a Dask
cluster). :class:`NightJob` is the bookkeeping either way. Each finished chunk is written
atomically to ``<data>/chunks/<night_id>/<idx>.npz`` and marked done in
the store, so a job killed at any moment (even ``kill -9``) and started again reuses the
finished chunks and decodes only the others. When every chunk is done the chunk tracks are
joined (:func:`detector.track.track_concat`), saved as the night's tracks file, scored
(:func:`pipeline.scoring.night.night_score`) and saved
(:meth:`pipeline.store.db.Store.save_result`).

A chunk's tracks are those of the same frames in a run over the whole night (see
:mod:`pipeline.jobs.chunks`), never dependent on what ran before in the same process or on
the chunk length: a resumed job ends exactly like an uninterrupted one, and a night
analysed again with another ``chunk_s`` (``--force``) gives the same events.

Progress is persisted (table ``jobs``: chunks done and total, seconds of video done), so
another process — the dashboard — can show it with :func:`job_status`. Every decode of a
chunk is logged (table ``chunk_log``: chunk, process id, start and end time;
:func:`job_decode_log`). One job per night runs at a time (a lock file under
``<data>/locks``, released by the operating system when the process dies). The lock and
the status live in :mod:`pipeline.jobs.status` .

Run a job with :mod:`pipeline.jobs.run` (here, on several processes, or in the background).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import os
import shutil
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from detector.extract import ExtractOptions, Progress
from detector.track import NightTrack, Segment, track_load
from pipeline.errors import SettingsError, StoreError
from pipeline.jobs.chunks import DEFAULT_CHUNK_S, chunk_join, chunk_plan
from pipeline.jobs.intake import track_checked
from pipeline.jobs.status import _job_lock
from pipeline.scoring.night import NightResult, night_score
from pipeline.settings import Settings
from pipeline.store.db import Night, Store

__all__ = [
    "NightJob",
    "job_rescore",
    "job_write_error",
]

logger = logging.getLogger(__name__)

#: the persisted progress is updated at most this often
_PROGRESS_EVERY_S = 1.0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


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


class NightJob:
    """One night's job while it runs, for whoever runs its chunks (this process,
    :func:`job_run`, or a pool or cluster, :func:`pipeline.jobs.batch.batch_run`).

    Made (with :meth:`open`) under the night's job lock, which it holds until :meth:`close`.
    It plans the chunks (or takes the stored plan of an interrupted job), records each
    chunk's start (:meth:`started`) and checkpoint (:meth:`finished`) in the store, persists
    progress, and joins, scores and saves the night (:meth:`finish`) or marks it failed
    (:meth:`fail`). ``progress(done_s, total_s)`` gets seconds of video processed.
    """

    def __init__(
        self,
        store: Store,
        night_id: int,
        *,
        chunk_s: float = DEFAULT_CHUNK_S,
        options: ExtractOptions | None = None,
        settings: Settings | None = None,
        force: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.store, self.night_id = store, int(night_id)
        self._lock = contextlib.ExitStack()
        self._lock.enter_context(_job_lock(store, night_id))
        try:
            if settings is not None:
                store.set_settings(night_id, settings)
            try:  # refused settings fail here, before any decoding
                store.settings(night_id)
            except SettingsError as exc:
                raise SettingsError(
                    f"night {night_id}: its settings are refused: {exc} — `legmove rescore "
                    f"{night_id} --defaults` goes back to the default settings"
                ) from None
            self.night = store.get_night(night_id)
            self.segments = self.night.segments
            if not self.segments:
                raise StoreError(
                    f"{self.night.title} has no video yet (a recording that received nothing) "
                    "— nothing to analyse"
                )
            self.seg_dicts = [s.to_dict() for s in self.segments]
            self.total_s = max(s.end_s for s in self.segments)
            asked = dataclasses.asdict(options or ExtractOptions())
            self.chunks, self.options = _prepare(
                store, night_id, chunk_s, self.total_s, force, self.segments, asked
            )
        except BaseException:
            self._lock.close()
            raise
        self._progress = progress
        self._partial: dict[int, float] = {}  # chunk idx -> seconds done, while it runs
        self._last_persist = -math.inf
        if progress is not None:
            progress(self.done_s, self.total_s)

    @classmethod
    def open(cls, store: Store, night_id: int, **kwargs: Any) -> NightJob:
        """The night's job, locked (StoreError if another process runs it); see the class."""
        return cls(store, night_id, **kwargs)

    def close(self) -> None:
        """Release the night's job lock."""
        self._lock.close()

    @property
    def todo(self) -> list[_Chunk]:
        """Chunks without a checkpoint yet."""
        return [c for c in self.chunks if not c.done]

    @property
    def done_s(self) -> float:
        """Seconds of video processed: checkpointed chunks and the running ones' progress."""
        return _done_s(self.chunks, self.total_s) + sum(self._partial.values())

    def started(self, c: _Chunk) -> int:
        """Log that chunk ``c`` starts decoding (by this process); return the log row."""
        with self.store.transaction() as con:
            return int(
                con.execute(
                    "INSERT INTO chunk_log (night_id, idx, pid, started) VALUES (?, ?, ?, ?)",
                    (self.night_id, c.idx, os.getpid(), _now()),
                ).lastrowid
                or 0
            )

    def partial(self, idx: int, chunk_done_s: float) -> None:
        """Progress of a running chunk: ``chunk_done_s`` seconds of it processed."""
        self._partial[idx] = max(0.0, float(chunk_done_s))
        done_s = self.done_s
        if self._progress is not None:
            self._progress(done_s, self.total_s)
        now = time.monotonic()
        if now - self._last_persist >= _PROGRESS_EVERY_S:
            self._last_persist = now
            with self.store.transaction() as con:
                con.execute(
                    "UPDATE jobs SET done_s = ?, updated = ? WHERE night_id = ?",
                    (done_s, _now(), self.night_id),
                )

    def finished(
        self, c: _Chunk, log_id: int, *, track: NightTrack | None = None, n_frames: int = 0
    ) -> None:
        """Chunk ``c`` is done: its checkpoint of ``n_frames`` frames is at ``c.path`` (or is
        ``track``, saved there now); mark it done in the store."""
        if track is not None:
            try:
                track.save(c.path)
            except OSError as exc:
                raise job_write_error(self.store, self.night_id, exc, c.path) from exc
            n_frames = track.n_frames
        i = self.chunks.index(c)
        self.chunks[i] = dataclasses.replace(c, done=True)
        self._partial.pop(c.idx, None)
        done_s = self.done_s
        with self.store.transaction() as con:
            con.execute(
                "UPDATE chunks SET done = 1, path = ?, n_frames = ?, finished = ? "
                "WHERE night_id = ? AND idx = ?",
                (
                    str(c.path.relative_to(self.store.data_dir)),
                    n_frames,
                    _now(),
                    self.night_id,
                    c.idx,
                ),
            )
            con.execute("UPDATE chunk_log SET finished = ? WHERE id = ?", (_now(), log_id))
            con.execute(
                "UPDATE jobs SET chunks_done = chunks_done + 1, done_s = ?, updated = ? "
                "WHERE night_id = ?",
                (done_s, _now(), self.night_id),
            )
        if self._progress is not None:
            self._progress(done_s, self.total_s)

    def finish(self) -> NightResult:
        """Join the chunks, score the night, save the result; return it."""
        store, night_id, total_s = self.store, self.night_id, self.total_s
        with store.transaction() as con:
            con.execute(
                "UPDATE jobs SET stage = 'score', done_s = ?, updated = ? WHERE night_id = ?",
                (total_s, _now(), night_id),
            )
        track = track_checked(chunk_join([c.path for c in self.chunks]))
        tracks_path = store.tracks_file(night_id)
        try:
            track.save(tracks_path)
        except OSError as exc:
            raise job_write_error(store, night_id, exc, tracks_path) from exc
        result = _score(track, store.settings(night_id), self.night)
        store.save_result(night_id, result, tracks_path=tracks_path)
        with store.transaction() as con:
            con.execute(
                "UPDATE jobs SET stage = 'done', updated = ? WHERE night_id = ?",
                (_now(), night_id),
            )
        shutil.rmtree(_chunk_dir(store, night_id), ignore_errors=True)
        if self._progress is not None:
            self._progress(total_s, total_s)
        return result

    def fail(self, exc: BaseException) -> None:
        """Mark the night failed with ``exc``'s message (finished chunks are kept). When even
        that cannot be written (a full disk), the night stays as it was — shown as
        interrupted, resumable — and ``exc`` is what the caller reports."""
        logger.info("%s: analysis failed: %s", self.night.title, exc)  # the caller reports it
        try:
            self.store.set_status(self.night_id, "failed", str(exc))
            with self.store.transaction() as con:
                con.execute(
                    "UPDATE jobs SET error = ?, updated = ? WHERE night_id = ?",
                    (str(exc), _now(), self.night_id),
                )
        except (StoreError, OSError, sqlite3.Error) as again:
            logger.error("%s: could not record the failure: %s", self.night.title, again)


def job_write_error(
    store: Store, night_id: int, exc: OSError, path: Path | None = None
) -> StoreError:
    """The error a job reports when it cannot write ``path`` (disk full, folder gone, no
    permission): which file, and what to do."""
    return StoreError(
        f"{exc.filename or path or store.data_dir}: could not write the analysis "
        f"({exc.strerror or exc}) — free space on the disk (or fix the folder), then run "
        f"`legmove night analyze {night_id}` to resume from the finished chunks"
    )


def _score(track: NightTrack, settings: Settings, night: Night) -> NightResult:
    """The signal stage on ``track``, told when the baby went to bed if the night says."""
    return night_score(track, settings, in_bed_s=night.in_bed_s)


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
            f"first with `legmove night analyze {night.id}`"
        )
    with _job_lock(store, night_id):
        track = track_load(path)
        result = _score(track, settings or store.settings(night_id), night)
        store.save_result(night_id, result, tracks_path=path)
    return result
