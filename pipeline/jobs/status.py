"""A night's analysis job as other processes see it: the job lock and the persisted status.

One job per night runs at a time: a lock file under ``<data>/locks`` held with ``flock``,
released by the operating system when the process dies, so a killed job never leaves a
stale lock. Progress lives in the store (table ``jobs``) and every chunk decode in table
``chunk_log``; :func:`job_status` and :func:`job_decode_log` read them, safely while the job
runs (the dashboard polls them). :mod:`pipeline.jobs.night_job` runs the jobs.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from pipeline.errors import StoreError
from pipeline.store.db import Store

__all__ = ["JobStatus", "job_decode_log", "job_status"]


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
