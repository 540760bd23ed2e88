"""Where a night's chunk tasks run: a pool of processes on this machine or a Dask cluster.

Runners (:class:`ChunkRunner`):

- :class:`LocalPool` — a pool of processes on this machine (one per core by default);
- :class:`DaskRunner` — a Dask distributed cluster, given a scheduler address
  (``tcp://host:8786``) or a ``distributed.Client``. Every worker needs the same legmove
  install (and pose model) and must read the videos at the same paths as this machine.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing as mp
import os
from collections.abc import Callable, Collection
from types import TracebackType
from typing import Any, Protocol

from pipeline.jobs.chunks import chunk_worker_init

__all__ = ["ChunkRunner", "LocalPool", "DaskRunner", "batch_runner", "default_workers"]

logger = logging.getLogger(__name__)


def default_workers() -> int:
    """Processes a night's chunks run on by default: one per CPU core, at most 4 (each
    holds a pose model, a few hundred MB)."""
    return max(1, min(os.cpu_count() or 1, 4))


# --- runners ----------------------------------------------------------------------------------
class ChunkRunner(Protocol):
    """Runs chunk tasks somewhere; what :func:`batch_run` needs of a pool or cluster."""

    #: how many tasks to keep submitted at once
    slots: int

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """Start ``fn(*args)``; return a future (``result()``, ``cancel()``)."""
        ...

    def wait(self, futures: Collection[Any], timeout_s: float) -> set[Any]:
        """The futures among ``futures`` that are done, waiting up to ``timeout_s`` for one."""
        ...

    def progress(self) -> list[tuple[Any, float]]:
        """``(key, done_s)`` reports of running tasks since the last call (may be empty)."""
        ...

    def release(self) -> None:
        """No more tasks will come: free what idle workers hold (before a last scoring)."""
        ...

    def close(self) -> None: ...


class LocalPool:
    """A pool of ``workers`` processes on this machine (default: one per core, at most 4).

    Workers are started with ``spawn`` (a clean interpreter each: no inherited threads of
    FFmpeg or MediaPipe), exit when this process dies, and report chunk progress back.
    ``initializer(*initargs)`` runs once in every worker (benchmarks use it to count calls).
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        n = default_workers() if workers is None else int(workers)
        if n < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        ctx = mp.get_context("spawn")
        self._queue = ctx.Queue()
        # a process per core: each decodes on one thread (frame threads would only contend)
        threads = 1 if n >= (os.cpu_count() or 1) else 0
        self._pool = cf.ProcessPoolExecutor(
            n,
            mp_context=ctx,
            initializer=chunk_worker_init,
            initargs=(os.getpid(), self._queue, initializer, initargs, threads),
        )
        self.workers = n
        self.slots = n + 1  # one queued: a worker never waits for this process

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> cf.Future[Any]:
        return self._pool.submit(fn, *args)

    def wait(self, futures: Collection[Any], timeout_s: float) -> set[Any]:
        done, _ = cf.wait(futures, timeout=timeout_s, return_when=cf.FIRST_COMPLETED)
        return set(done)

    def progress(self) -> list[tuple[Any, float]]:
        out = []
        while True:
            try:
                out.append(self._queue.get_nowait())
            except Exception:  # queue.Empty; a queue broken by a dying worker ends it too
                return out

    def release(self) -> None:
        """Stop the (idle) workers now: a pose model each is a few hundred MB."""
        self._pool.shutdown(wait=True)

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers: after their current task, or at once with ``kill``. Safe to
        call again, and after :meth:`release` (whose shutdown forgot the processes)."""
        if kill:
            for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
                proc.kill()
        self._pool.shutdown(wait=not kill, cancel_futures=True)
        self._queue.close()

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(kill=exc_type is not None)


class DaskRunner:
    """Chunk tasks on a Dask distributed cluster: ``scheduler`` is its address
    (``tcp://host:8786``) or a ``distributed.Client``. Keeps two tasks per worker thread
    submitted. Workers need the same legmove install and the videos at the same paths."""

    def __init__(self, scheduler: str | Any) -> None:
        from distributed import Client

        self._own = isinstance(scheduler, str)
        self.client: Any = Client(scheduler) if isinstance(scheduler, str) else scheduler
        workers = self.client.scheduler_info().get("workers", {})
        threads = sum(int(w.get("nthreads", 1)) for w in workers.values())
        if threads == 0:
            logger.warning("the Dask cluster has no workers yet; submitting anyway")
        self.slots = max(2, 2 * threads)

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def wait(self, futures: Collection[Any], timeout_s: float) -> set[Any]:
        from distributed import wait

        try:
            done, _ = wait(list(futures), timeout=timeout_s, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return set()
        return set(done)

    def progress(self) -> list[tuple[Any, float]]:
        return []

    def release(self) -> None:
        pass  # the cluster's workers are not ours to stop

    def close(self) -> None:
        if self._own:
            self.client.close()

    def __enter__(self) -> DaskRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def batch_runner(scheduler: str | None, workers: int | None = None) -> LocalPool | DaskRunner:
    """A :class:`DaskRunner` for a scheduler address, else a :class:`LocalPool`."""
    if scheduler:
        return DaskRunner(scheduler)
    return LocalPool(workers)
