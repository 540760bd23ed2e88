"""Record a night straight from a camera, analysed while it records, scored when it ends.

:func:`record_night` adds a night to the store (:meth:`Store.add_recording`), reads the
camera's stream into segment files in the night's folder (:func:`detector.stream.stream_record`,
in a thread of this process) and, as each segment file is finished, adds it to the night
with the analysis chunk that covers it (:meth:`Store.append_segment`, one transaction) and
has the chunk extracted by a worker process (:func:`pipeline.jobs.chunks.chunk_task` on a
:class:`~pipeline.jobs.runners.LocalPool`) — the same resumable job as ``legmove night add``
(:class:`~pipeline.jobs.night_job.NightJob`), whose chunks here are the segments. When the
stream ends (nothing received for ``give_up_s``), the end time passes, or Ctrl-C / SIGTERM
arrives (:func:`record_signals`), the last segment is closed, the last chunks extracted and
the night scored and saved: it is ready when the recording stops.

While it runs the recorder holds the night's recording lock (``<data>/locks/<id>.rec.lock``)
and its job lock, so ``legmove night analyze`` cannot finish the night early;
:func:`record_state` tells another process (the dashboard) whether it still records. A
recorder killed outright (``kill -9``, a power cut) loses at most the segment it was
writing; ``legmove night analyze N`` extracts the remaining chunks and scores the night.

:func:`record_start_background` starts ``python -m pipeline.jobs.record`` detached (the
dashboard's Start button) and :func:`record_stop` asks a running recorder to stop.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from detector.extract import ExtractOptions
from detector.stream import SegmentFile, StreamEnd, StreamOptions, StreamSource, stream_record
from detector.track import Segment
from pipeline.errors import LegmoveError, StoreError
from pipeline.jobs.chunks import chunk_task
from pipeline.jobs.night_job import NightJob, _Chunk, _chunk_dir
from pipeline.jobs.runners import LocalPool
from pipeline.jobs.status import _try_lock
from pipeline.settings import Settings
from pipeline.store.db import Store

__all__ = [
    "RecordOutcome",
    "RecordProgress",
    "record_deadline",
    "record_night",
    "record_signals",
    "record_start_background",
    "record_state",
    "record_stop",
    "main",
]

logger = logging.getLogger(__name__)

#: the recording's row and the progress callback are updated this often (seconds)
_UPDATE_EVERY_S = 2.0


@dataclass(frozen=True)
class RecordProgress:
    """Where a recording is: ``state`` ``recording``, ``finishing`` (the stream has ended;
    the last chunks run), ``scoring``, ``done`` or ``failed``; seconds are of video."""

    night_id: int
    state: str
    recorded_s: float
    analysed_s: float
    segments: int
    gaps: int


@dataclass(frozen=True)
class RecordOutcome:
    """How :func:`record_night` ended: the stream's end, and the analysis error (None when
    the night was scored and saved)."""

    night_id: int
    end: StreamEnd
    error: Exception | None


# --- the recording lock ----------------------------------------------------------------------
def _rec_lock_path(store: Store, night_id: int) -> Path:
    return store.data_dir / "locks" / f"{int(night_id)}.rec.lock"


@contextlib.contextmanager
def _rec_lock(store: Store, night_id: int) -> Iterator[None]:
    path = _rec_lock_path(store, night_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as fh:
        if not _try_lock(fh, exclusive=True):
            raise StoreError(f"night {night_id} is already being recorded by another process")
        yield


def record_state(store: Store, night_id: int) -> str | None:
    """``recording`` while a recorder runs, ``interrupted`` when its process died before the
    end (``legmove night analyze N`` finishes the night), ``ended``, or None when the night
    was not recorded from a camera."""
    rec = store.recording(night_id)
    if rec is None:
        return None
    path = _rec_lock_path(store, night_id)
    if path.exists():
        with path.open("a+b") as fh:
            if not _try_lock(fh, exclusive=False):
                return "recording"
    return "ended" if rec.ended else "interrupted"


# --- the recording job ----------------------------------------------------------------------
class _RecordJob(NightJob):
    """A night's job that grows by one chunk per finished segment (see :func:`record_night`)."""

    def grow(self, segment: Segment, idx: int) -> _Chunk:
        """Segment ``segment`` was added to the store with chunk ``idx``: add both here."""
        self.segments.append(segment)
        self.seg_dicts.append(segment.to_dict())
        self.total_s = max(self.total_s, segment.end_s)
        path = _chunk_dir(self.store, self.night_id) / f"{int(idx):04d}.npz"
        chunk = _Chunk(int(idx), segment.start_s, segment.end_s, False, path)
        self.chunks.append(chunk)
        return chunk


def _segment(seg: SegmentFile) -> Segment:
    digest = hashlib.sha256()
    with seg.path.open("rb") as fh:
        while piece := fh.read(1 << 20):
            digest.update(piece)
    return Segment(
        path=str(seg.path.resolve()),
        start_s=seg.start_s,
        end_s=seg.end_s,
        n_frames=seg.n_frames,
        size_bytes=seg.size_bytes,
        sha256=digest.hexdigest(),
    )


class _Analysis:
    """The chunks of a recording being extracted while it records (in a worker process)."""

    def __init__(
        self,
        store: Store,
        night_id: int,
        chunk_s: float,
        options: ExtractOptions,
        workers: int,
    ) -> None:
        self.store, self.night_id = store, night_id
        self.chunk_s, self.options, self.workers = chunk_s, options, workers
        self.job: _RecordJob | None = None
        self.pool: LocalPool | None = None
        self.in_flight: dict[Any, tuple[_Chunk, int]] = {}
        self.failed: list[_Chunk] = []

    def add(self, seg: SegmentFile) -> None:
        segment = _segment(seg)
        first = self.job is None
        idx = self.store.append_segment(
            self.night_id, segment, recorded=seg.clock_start if first else None
        )
        if self.job is None:
            self.job = _RecordJob(
                self.store, self.night_id, chunk_s=self.chunk_s, options=self.options
            )
            todo = self.job.todo
        else:
            todo = [self.job.grow(segment, idx)]
        for c in todo:
            self.submit(c)

    def submit(self, c: _Chunk) -> None:
        assert self.job is not None
        if self.pool is None:
            self.pool = LocalPool(self.workers)
        log_id = self.job.started(c)
        fut = self.pool.submit(
            chunk_task,
            (self.night_id, c.idx),
            list(self.job.seg_dicts),
            c.start_s,
            c.end_s,
            self.job.options,
        )
        self.in_flight[fut] = (c, log_id)

    def poll(self, timeout_s: float) -> None:
        if self.pool is None or not self.in_flight or self.job is None:
            if timeout_s > 0:
                time.sleep(timeout_s)
            return
        done = self.pool.wait(list(self.in_flight), timeout_s)
        for (_night, idx), done_s in self.pool.progress():
            self.job.partial(idx, done_s)
        for fut in done:
            c, log_id = self.in_flight.pop(fut)
            try:
                self.job.finished(c, log_id, track=fut.result())
            except Exception as exc:  # a damaged segment: tried again at the end
                logger.warning(
                    "night %d: chunk %d failed (%s); trying again later", self.night_id, c.idx, exc
                )
                self.failed.append(c)

    @property
    def analysed_s(self) -> float:
        return 0.0 if self.job is None else self.job.done_s

    def finish(self) -> Exception | None:
        """Extract what is left (failed chunks once more), score and save the night; return
        the error that stopped it (the night is then marked failed), or None."""
        if self.job is None:
            return None
        while self.in_flight:
            self.poll(0.5)
        retry, self.failed = self.failed, []
        for c in retry:
            self.submit(c)
        while self.in_flight:
            self.poll(0.5)
        try:
            if self.failed:
                raise StoreError(
                    f"night {self.night_id}: {len(self.failed)} segment(s) could not be "
                    f"analysed — the recording is kept; `legmove night analyze {self.night_id}` "
                    "tries again"
                )
            if self.pool is not None:
                self.pool.release()  # the workers' memory is free for the scoring
            self.job.finish()
        except Exception as exc:
            self.job.fail(exc)
            return exc
        return None

    def close(self, *, kill: bool = False) -> None:
        if self.pool is not None:
            if kill:
                for fut in self.in_flight:
                    fut.cancel()
            self.pool.close(kill=kill)
            self.pool = None
        if self.job is not None:
            self.job.close()


def record_night(
    store: Store,
    source: StreamSource,
    *,
    label: str,
    night_date: date | None = None,
    in_bed: str | None = None,
    ends: datetime | None = None,
    options: StreamOptions | None = None,
    extract: ExtractOptions | None = None,
    settings: Settings | None = None,
    stop: threading.Event | None = None,
    progress: Callable[[RecordProgress], None] | None = None,
    on_night: Callable[[int], None] | None = None,
    workers: int = 1,
    opened: Any = None,
) -> RecordOutcome:
    """Record ``source`` as a new night of ``label`` in ``store`` until the stream ends,
    ``ends`` (a clock time) passes or ``stop`` is set; analyse it meanwhile and score it at
    the end (see the module doc). ``opened`` is the stream already connected
    (:func:`detector.stream.stream_open`), else it is connected here. ``night_date``
    defaults to the evening the recording starts in (before noon: the day before).
    ``on_night(night_id)`` is called once the night exists; ``progress`` about every two
    seconds. Returns how it ended; a night that could not be scored is marked failed with
    the reason (its video is kept)."""
    opts = options or StreamOptions()
    stop = stop or threading.Event()
    started = datetime.now().astimezone()
    day = night_date or (started - timedelta(hours=12)).date()
    night_id = store.add_recording(
        label, day, source.url, in_bed=in_bed, settings=settings, ends=ends, pid=os.getpid()
    )
    if on_night is not None:
        on_night(night_id)
    deadline = None
    if ends is not None:
        deadline = time.monotonic() + max(0.0, (ends - datetime.now().astimezone()).total_seconds())
    folder = store.recording_folder(night_id)
    segments: queue.Queue[SegmentFile] = queue.Queue()
    live = {"current_s": 0.0, "gaps": 0.0}
    outcome: dict[str, Any] = {}

    def read() -> None:
        try:
            outcome["end"] = stream_record(
                source,
                folder,
                options=opts,
                on_segment=segments.put,
                stop=stop,
                deadline=deadline,
                on_event=lambda msg: logger.warning("night %d: %s", night_id, msg),
                status=lambda s, gaps: live.update(current_s=s, gaps=gaps),
                opened=opened,
            )
        except BaseException as exc:  # a folder that cannot be written: ends the recording
            outcome["error"] = exc

    analysis = _Analysis(store, night_id, opts.segment_s, extract or ExtractOptions(), workers)
    n_segments = 0
    recorded_s = 0.0

    def report(state: str) -> None:
        total = recorded_s + (live["current_s"] if state == "recording" else 0.0)
        store.recording_update(night_id, recorded_s=total)
        if progress is not None:
            gaps = int(live["gaps"])
            progress(RecordProgress(night_id, state, total, analysis.analysed_s, n_segments, gaps))

    with _rec_lock(store, night_id):
        reader = threading.Thread(target=read, name="legmove-stream", daemon=True)
        reader.start()
        try:
            last = -1e9
            while reader.is_alive() or not segments.empty():
                try:
                    seg = segments.get(timeout=0.05 if analysis.in_flight else 0.25)
                except queue.Empty:
                    seg = None
                if seg is not None:
                    analysis.add(seg)
                    n_segments += 1
                    recorded_s += seg.end_s - seg.start_s
                analysis.poll(0.0 if seg is not None else 0.2)
                if time.monotonic() - last >= _UPDATE_EVERY_S:
                    last = time.monotonic()
                    report("recording")
            end = outcome.get("end")
            if end is None:
                err = outcome.get("error")
                end = StreamEnd("failed", str(err), n_segments, recorded_s, (), None)
            report("finishing")
            error = analysis.finish()
            if analysis.job is None:
                error = StoreError(f"night {night_id}: nothing was recorded — {end.message}")
                store.set_status(night_id, "failed", str(error))
        except BaseException:
            stop.set()
            analysis.close(kill=True)
            reader.join(timeout=30)
            store.recording_update(night_id, message="the recorder was interrupted")
            raise
        analysis.close()
        reader.join()
        gap_s = sum(b - a for a, b in end.gaps)
        store.recording_update(
            night_id,
            recorded_s=recorded_s,
            gaps=len(end.gaps),
            gap_s=gap_s,
            ended=datetime.now().astimezone().isoformat(timespec="seconds"),
            end_reason=end.reason if error is None else "failed",
            message=end.message if error is None else f"{end.message}; {error}",
        )
        if progress is not None:
            state = "done" if error is None else "failed"
            progress(
                RecordProgress(
                    night_id, state, recorded_s, analysis.analysed_s, n_segments, len(end.gaps)
                )
            )
    return RecordOutcome(night_id, end, error)


# --- stopping ---------------------------------------------------------------------------------
@contextlib.contextmanager
def record_signals(
    stop: threading.Event, on_stop: Callable[[], None] | None = None
) -> Iterator[None]:
    """While inside, Ctrl-C (SIGINT) and SIGTERM set ``stop`` — the recording then ends and
    the night is scored; a second Ctrl-C raises KeyboardInterrupt (the night stays
    resumable). Only in the main thread; elsewhere nothing is installed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()
        if on_stop is not None:
            on_stop()

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def record_stop(store: Store, night_id: int) -> bool:
    """Ask the process recording night ``night_id`` to stop (SIGTERM; it then scores the
    night). False when no recorder runs for it."""
    rec = store.recording(night_id)
    if rec is None or rec.pid is None or record_state(store, night_id) != "recording":
        return False
    try:
        os.kill(rec.pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    return True


# --- end times --------------------------------------------------------------------------------
_SPAN = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m(?:in)?)?\s*(?:(\d+(?:\.\d+)?)\s*s)?\s*$"
)


def record_deadline(
    for_text: str | None, until_text: str | None, now: datetime | None = None
) -> datetime | None:
    """The clock time a recording stops: ``for_text`` a duration (``11h``, ``90m``,
    ``1h30m``, ``45s``) from ``now``, or ``until_text`` the next ``HH:MM``; None for
    neither. ValueError for both, or for text that is neither."""
    now = (now or datetime.now()).astimezone()
    if for_text and until_text:
        raise ValueError("give --for or --until, not both")
    if for_text:
        m = _SPAN.match(for_text.lower())
        if not m or not any(m.groups()):
            raise ValueError(f"--for {for_text!r}: give a duration such as 11h, 90m, 1h30m or 45s")
        h, mi, s = (float(g) if g else 0.0 for g in m.groups())
        span = timedelta(hours=h, minutes=mi, seconds=s)
        if span <= timedelta(0):
            raise ValueError(f"--for {for_text!r}: the duration must be longer than 0")
        return now + span
    if until_text:
        try:
            hh, mm = until_text.strip().split(":")
            at = clock_time(int(hh), int(mm))
        except ValueError:
            raise ValueError(
                f"--until {until_text!r}: give a clock time HH:MM (24 h), for example 07:00"
            ) from None
        when = datetime.combine(now.date(), at).astimezone()
        return when if when > now else when + timedelta(days=1)
    return None


# --- in the background ----------------------------------------------------------------------
def record_start_background(
    store: Store,
    camera: str,
    *,
    label: str,
    until: str | None = None,
    night_date: date | None = None,
) -> int:
    """Start recording saved camera ``camera`` (:mod:`pipeline.jobs.cameras`) in a detached
    process (``python -m pipeline.jobs.record``); return its process id. Its log is
    ``<data>/logs/record-<camera>.log``."""
    from pipeline.jobs.cameras import camera_get
    from pipeline.jobs.run import _LAUNCHER

    camera_get(store.data_dir, camera)  # unknown camera: fail here, not in the background
    if not label.strip():
        raise ValueError("give the child's name (or another label) for this night")
    log = store.data_dir / "logs" / f"record-{re.sub(r'[^A-Za-z0-9_-]+', '_', camera)}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pipeline.jobs.record", "--data", str(store.data_dir)]
    cmd += ["--camera", camera, "--label", label]
    if until:
        cmd += ["--until", until]
    if night_date is not None:
        cmd += ["--date", night_date.isoformat()]
    out = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(log), *cmd],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pipeline.jobs.record --data DIR --camera NAME --label NAME [--until HH:MM]
    [--date YYYY-MM-DD]``: record a saved camera (what the dashboard starts)."""
    from pipeline.jobs.cameras import camera_source

    parser = argparse.ArgumentParser(prog="python -m pipeline.jobs.record")
    parser.add_argument("--data", default=None)
    parser.add_argument("--camera", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--until", default=None)
    parser.add_argument("--date", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"
    )
    stop = threading.Event()
    try:
        store = Store(args.data)
        source = camera_source(store.data_dir, args.camera)
        ends = record_deadline(None, args.until)
        day = date.fromisoformat(args.date) if args.date else None
        with record_signals(stop):
            out = record_night(
                store, source, label=args.label, night_date=day, ends=ends, stop=stop
            )
    except (LegmoveError, ValueError) as exc:
        logger.error("%s", exc)
        return 2
    logger.info("night %d: %s", out.night_id, out.end.message)
    if out.error is not None:
        logger.error("%s", out.error)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through record_start_background
    sys.exit(main())
