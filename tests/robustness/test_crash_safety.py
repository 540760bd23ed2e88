"""Crash safety of the files legmove writes: killed or out of disk, nothing is left half-done.

- every file an analysis writes is opened under a temporary name and renamed into place;
- a SIGKILL at any step of writing a result leaves each file under its real name either
  the earlier one or the complete new one (never truncated), and summary.json, written
  last, is new only when all the others are;
- a real ``legmove analyze`` killed while decoding or while writing loses nothing;
- a full disk while writing tracks gives a clear error and keeps the earlier result;
- the night store: a job killed at any step never shows half a night as done and resumes
  to the same result; SIGKILL in the middle of store writes leaves ``PRAGMA
  integrity_check`` ok and the old or the new result, never a mix; two analyses and a
  reader at once see no "database is locked"; a full disk keeps the earlier nights.

Deterministic kills use a forked child with an audit hook that SIGKILLs it at its k-th
write step (a file opened for writing, a rename, a database connection).
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import pipeline.jobs.intake as analyze_mod
from detector.track import track_load
from detector.video import night_plan
from pipeline.errors import StoreError
from pipeline.jobs.intake import TRACKS_FILE, night_analyze, night_rescore_dir
from pipeline.reports.folder import night_read

from .media import cli_start, earlier_result, fake_pose, grey_video, real_clip, snapshot

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


# --- what is written, and how --------------------------------------------------------------
class _Recorder:
    """An audit hook (they cannot be removed, so it records only while ``on``)."""

    def __init__(self) -> None:
        self.on = False
        self.events: list[tuple[str, tuple]] = []
        sys.addaudithook(self)

    def __call__(self, event: str, args: tuple) -> None:
        if self.on and event in (
            "open",
            "os.rename",
            "os.remove",
            "os.truncate",
            "sqlite3.connect",
        ):
            self.events.append((event, args))

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[tuple[str, tuple]]]:
        self.events = []
        self.on = True
        try:
            yield self.events
        finally:
            self.on = False


_RECORDER: _Recorder | None = None


def _recorder() -> _Recorder:
    global _RECORDER
    if _RECORDER is None:
        _RECORDER = _Recorder()
    return _RECORDER


def _writes_under(events: list[tuple[str, tuple]], folder: Path) -> list[Path]:
    """Files under ``folder`` opened for writing (builtin open or os.open)."""
    out = []
    for event, args in events:
        if event != "open" or not isinstance(args[0], str | bytes | os.PathLike):
            continue
        path, mode, flags = Path(os.fsdecode(args[0])), args[1], args[2]
        writing = (mode is not None and any(c in str(mode) for c in "wax+")) or bool(
            flags & _WRITE_FLAGS
        )
        if writing and path.resolve().is_relative_to(folder.resolve()):
            out.append(path)
    return out


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> Path:
    return grey_video(tmp_path_factory.mktemp("night") / "night.mp4", 8)


def test_every_file_written_goes_through_a_temporary_name(night, tmp_path):
    out = tmp_path / "out"
    earlier_result(out)
    with _recorder().recording() as events:
        night_analyze([night], out, estimator=fake_pose())
        night_rescore_dir(out)
    written = _writes_under(events, out)
    assert written, "the audit hook saw the writes"
    real = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert {"events.csv", "summary.json", TRACKS_FILE} <= real
    for path in written:
        assert path.name.startswith(".") and path.name.endswith(".tmp"), path
        assert path.parent != out or path.name not in real
    renames = [(Path(a[0]), Path(a[1])) for e, a in events if e in ("os.rename", "os.replace")]
    into_out = [dst.name for src, dst in renames if dst.parent == out]
    assert set(into_out) == real
    assert into_out[-1] == "summary.json", "summary.json, which marks a result done, comes last"
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "nothing left behind"


def test_exports_and_clips_go_through_a_temporary_name(night, tmp_path):
    import datetime as dt

    from pipeline.reports.clips import clip_render
    from pipeline.reports.export import NightRecord, export_csv
    from pipeline.reports.pdf import report_pdf

    result = night_analyze([night], tmp_path / "night", estimator=fake_pose())
    track = track_load(tmp_path / "night" / TRACKS_FILE)
    out = tmp_path / "for the pediatrician"
    with _recorder().recording() as events:
        export_csv([NightRecord(1, "Mila", dt.date(2024, 5, 1), result)], out)
        report_pdf([NightRecord(1, "Mila", dt.date(2024, 5, 1), result)], [], out / "report.pdf")
        clip_render(track.segments, 1.0, 3.0, out / "clip.mp4", track=track)
    written = _writes_under(events, out)
    real = {p.name for p in out.iterdir()}
    assert {"nights.csv", "movements.csv", "report.pdf", "clip.mp4"} <= real
    for path in written:
        assert path.name.startswith(".") and path.name.endswith(".tmp"), path
    # each file got its real name by a rename from a temporary one (FFmpeg writes the clip
    # in C, unseen by the audit hook: the rename shows it wrote the temporary file)
    renamed = {Path(a[1]).name: Path(a[0]).name for e, a in events if e == "os.rename"}
    assert set(renamed) == real
    assert all(src.startswith(f".{dst}.") for dst, src in renamed.items()), renamed


# --- SIGKILL at every write step (forked child, deterministic) -----------------------------
def _is_write_step(event: str, args: tuple, out: Path) -> bool:
    """An event of writing into ``out``: a file opened for writing, or a rename."""
    if event in ("os.replace", "os.rename"):
        return str(out) in os.fsdecode(args[1])
    if event == "open" and isinstance(args[0], str | bytes):
        flags, mode = args[2], args[1]
        writing = bool(flags & _WRITE_FLAGS) or (mode is not None and "w" in str(mode))
        return writing and str(out) in os.fsdecode(args[0])
    return False


def _run_killed_at(k: int, videos: list[Path], out: Path) -> int:
    """Fork; the child analyses and SIGKILLs itself at its k-th write step. Returns status."""
    pid = os.fork()
    if pid == 0:  # child
        try:
            count = 0

            def hook(event: str, args: tuple) -> None:
                nonlocal count
                if _is_write_step(event, args, out):
                    count += 1
                    if count == k:
                        os.kill(os.getpid(), signal.SIGKILL)

            sys.addaudithook(hook)
            night_analyze(videos, out, estimator=fake_pose())
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return status


def _write_steps(videos: list[Path], out: Path) -> int:
    with _recorder().recording() as events:
        night_analyze(videos, out, estimator=fake_pose())
    return sum(_is_write_step(e, a, out) for e, a in events)


@pytest.mark.slow
def test_sigkill_at_any_write_step_leaves_old_or_complete_files(night, tmp_path, monkeypatch):
    # decoding and scoring are done once: every child only writes the same result
    track = analyze_mod.track_extract(night_plan([night]), fake_pose())
    result = analyze_mod.night_score(track)
    monkeypatch.setattr(analyze_mod, "track_extract", lambda *a, **kw: track)
    monkeypatch.setattr(analyze_mod, "night_score", lambda *a, **kw: result)
    reference = tmp_path / "reference"
    n_events = _write_steps([night], reference)
    new = snapshot(reference)
    assert n_events >= 2 * len(new)
    for k in range(1, n_events + 1):
        out = tmp_path / f"killed_{k}"
        old = earlier_result(out)
        status = _run_killed_at(k, [night], out)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, k
        now = {n: b for n, b in snapshot(out).items() if not n.startswith(".")}
        assert set(old) <= set(now) <= set(old) | set(new), k
        for name, data in now.items():
            ok = (old.get(name), new.get(name))
            assert data in ok, f"kill {k}: {name} is neither the earlier nor the new file"
        if now["summary.json"] == new["summary.json"]:
            assert now == new, f"kill {k}: summary.json new while other files are old"
        # the next analysis finishes the job and clears what the killed one left
        night_analyze([night], out, estimator=fake_pose())
        assert snapshot(out) == new, k


# --- a real `legmove analyze`, killed --------------------------------------------------------
@pytest.fixture(scope="module")
def real_night(tmp_path_factory) -> Path:
    return real_clip(tmp_path_factory.mktemp("real") / "baby.mp4", start_s=10, seconds=6)


def _kill_when(proc: subprocess.Popen, ready, timeout_s: float = 300) -> bool:
    """SIGKILL ``proc`` as soon as ``ready()``; False if it ended first."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            proc.communicate()
            return False
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            return True
        time.sleep(0.002)
    proc.kill()
    raise AssertionError("legmove analyze neither finished nor reached the kill point")


def _complete_or_old(out: Path, old: dict[str, bytes]) -> None:
    """Every real-named file is the earlier one or a complete, readable new one."""
    now = {n: b for n, b in snapshot(out).items() if not n.startswith(".")}  # skip partials
    assert set(now) >= set(old)
    for name, data in now.items():
        if data == old.get(name):
            continue
        if name == TRACKS_FILE:
            track_load(out / name)
        elif name.endswith(".csv"):
            pd.read_csv(out / name)
        elif name.endswith(".json"):
            json.loads(data)
    if now["summary.json"] != old["summary.json"]:  # marked done: everything is new
        assert all(now[n] != old[n] for n in old), "summary.json new, other files old"
        night_read(out)


def _decoding(proc: subprocess.Popen, video: Path) -> bool:
    """True once ``proc`` has the pose model loaded and the video open (it is decoding)."""
    try:
        maps = Path(f"/proc/{proc.pid}/maps").read_text()
        fds = [os.readlink(p) for p in Path(f"/proc/{proc.pid}/fd").iterdir()]
    except OSError:
        return False
    return "mediapipe" in maps and str(video) in fds


@pytest.mark.slow
@pytest.mark.real
def test_real_analyze_killed_while_decoding_keeps_the_earlier_result(real_night, tmp_path):
    out = tmp_path / "out"
    old = earlier_result(out)
    proc = cli_start(["analyze", real_night, "--out", out, "-q"], capture=False)
    killed = _kill_when(proc, lambda: _decoding(proc, real_night))
    assert killed, "the analysis ended before it could be killed"
    assert snapshot(out) == old


@pytest.mark.slow
@pytest.mark.real
def test_real_analyze_killed_while_writing_leaves_no_truncated_file(real_night, tmp_path):
    out = tmp_path / "out"
    old = earlier_result(out)
    proc = cli_start(["analyze", real_night, "--out", out, "-q"], capture=False)
    killed = _kill_when(proc, lambda: any(p.name.startswith(".") for p in out.iterdir()))
    _complete_or_old(out, old)
    if not killed:  # it finished before the kill landed: then it must be complete
        night_read(out)
        track_load(out / TRACKS_FILE)


# --- disk full --------------------------------------------------------------------------------
def _no_space(monkeypatch, name: str) -> None:
    """Make the fsync of the temporary file of ``name`` fail as a full disk does."""
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        target = os.readlink(f"/proc/self/fd/{fd}")
        if Path(target).name.startswith(f".{name}."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.parametrize("name", [TRACKS_FILE, "events.csv", "summary.json"])
def test_disk_full_while_writing_is_a_clear_error_and_keeps_earlier_results(
    night, tmp_path, monkeypatch, name
):
    out = tmp_path / "out"
    old = earlier_result(out)
    _no_space(monkeypatch, name)
    with pytest.raises(StoreError) as exc:
        night_analyze([night], out, estimator=fake_pose())
    msg = str(exc.value)
    assert "No space left on device" in msg and "free some disk space" in msg
    assert str(out) in msg
    assert snapshot(out) == old, "earlier results intact, no temporary file left"


@contextlib.contextmanager
def _small_tmpfs(where: Path, size: str = "256k") -> Iterator[Path]:
    where.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({proc.stderr.strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(fs: Path, leave_bytes: int) -> None:
    """Fill the file system at ``fs`` until at most ``leave_bytes`` are free."""
    st = os.statvfs(fs)
    free = st.f_bavail * st.f_frsize
    with open(fs / "filler", "wb") as fh:
        with contextlib.suppress(OSError):
            fh.write(b"\0" * max(0, free - leave_bytes))


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_disk_full_on_a_real_small_file_system(night, tmp_path, monkeypatch):
    with _small_tmpfs(tmp_path / "small") as fs:
        out = fs / "night 1"
        old = earlier_result(out)
        _fill(fs, leave_bytes=4096)
        with pytest.raises(StoreError, match="No space left on device"):
            night_analyze([night], out, estimator=fake_pose())
        assert snapshot(out) == old
        # the same through the CLI: exit code 2, one clear line, no traceback
        monkeypatch.setattr(analyze_mod, "pose_default", fake_pose)
        from pipeline.cli.app import app

        res = CliRunner().invoke(app, ["analyze", str(night), "--out", str(out), "-q"])
        assert res.exit_code == 2, res.output
        assert "No space left on device" in res.output and "Traceback" not in res.output
        assert snapshot(out) == old
        (fs / "filler").unlink()
        night_analyze([night], out, estimator=fake_pose())  # room again: it works
        assert snapshot(out) != old


# --- the night store --------------------------------------------------------------------------
def _store_night(store, video: Path, label: str = "Mila", day: str = "2024-05-01") -> int:
    return store.add_night(label, day, night_plan([video]))


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    cols = ["start_s", "end_s", "kind", "side"]
    return a[cols].reset_index(drop=True).equals(b[cols].reset_index(drop=True))


def _job_child(data: Path, night_id: int, kill_at: int | None) -> int:
    """Fork a child that runs the night's job (fake pose), SIGKILLed at its ``kill_at``-th
    write step (a file written or renamed, or a database connection opened)."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            from pipeline.jobs import job_run
            from pipeline.store.db import Store

            if kill_at is not None:
                count = 0

                def hook(event: str, args: tuple) -> None:
                    nonlocal count
                    step = event == "sqlite3.connect" or _is_write_step(event, args, data)
                    if step:
                        count += 1
                        if count == kill_at:
                            os.kill(os.getpid(), signal.SIGKILL)

                sys.addaudithook(hook)
            job_run(Store(data), night_id, fake_pose(), chunk_s=3.0)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return status


@pytest.mark.slow
def test_job_killed_at_any_step_never_shows_half_a_night_and_resumes(night, tmp_path, monkeypatch):
    import pipeline.jobs.night_job
    from pipeline.jobs import job_run, job_status
    from pipeline.store.db import Store

    # progress is persisted at most once a second: how often depends on the machine's load,
    # and the write steps of the reference run must be those of the killed runs
    monkeypatch.setattr(pipeline.jobs.night_job, "_PROGRESS_EVERY_S", math.inf)

    ref_store = Store(tmp_path / "reference")
    ref_id = _store_night(ref_store, night)
    with _recorder().recording() as events:
        reference = job_run(ref_store, ref_id, fake_pose(), chunk_s=3.0)
    steps = [
        i
        for i, (e, a) in enumerate(events)
        if e == "sqlite3.connect" or _is_write_step(e, a, tmp_path / "reference")
    ]
    n_steps = len(steps)
    assert n_steps > 10
    # every step is one kill: too slow; a spread of them, first and last included
    for k in sorted({1, n_steps, *np.linspace(1, n_steps, 7).round().astype(int)}):
        data = tmp_path / f"killed_{k}"
        store = Store(data)
        nid = _store_night(store, night)
        status = _job_child(data, nid, kill_at=int(k))
        assert os.WIFSIGNALED(status), f"step {k}: the job was not killed"
        store = Store(data)  # as after a restart
        assert store.integrity_check() == "ok", k
        shown = store.get_night(nid)
        if shown.status == "done":  # shown complete: then it is complete
            assert _frames_equal(store.result(nid).events, reference.events), k
        else:
            with pytest.raises(StoreError):
                store.result(nid)
            assert job_status(store, nid).state in ("interrupted", "pending", "failed"), k
        resumed = job_run(store, nid, fake_pose(), chunk_s=3.0)
        assert _frames_equal(resumed.events, reference.events), k
        assert store.get_night(nid).status == "done"


def _saver(data: Path, night_id: int, results: list) -> None:
    """Child: replace the night's result, over and over, alternating two results."""
    from pipeline.store.db import Store

    store = Store(data)
    i = 0
    while True:
        store.save_result(night_id, results[i % 2])
        i += 1


@pytest.mark.slow
def test_sigkill_during_store_writes_keeps_the_database_sound(night, tmp_path):
    from pipeline.scoring.night import night_score
    from pipeline.settings import Settings
    from pipeline.store.db import Store

    track = analyze_mod.track_extract(night_plan([night]), fake_pose())
    results = [night_score(track), night_score(track, Settings(onset_k=5.0, offset_k=2.0))]
    store = Store(tmp_path / "data")
    nid = _store_night(store, night)
    store.save_result(nid, results[0])
    review = store.add_review(nid, 1, "confirm", note="kept") if len(results[0].episodes) else None
    rng = np.random.default_rng(8)
    for delay in rng.uniform(0.05, 0.6, 8):
        pid = os.fork()
        if pid == 0:
            try:
                _saver(tmp_path / "data", nid, results)
            finally:
                os._exit(1)
        time.sleep(float(delay))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        after = Store(tmp_path / "data")
        assert after.integrity_check() == "ok"
        now = after.result(nid)
        assert any(_frames_equal(now.events, r.events) for r in results), "a mix of two results"
        assert now.summary["counts"] in [r.summary["counts"] for r in results]
        assert after.get_night(nid).status == "done"
        if review is not None:
            assert [r.id for r in after.reviews(nid)] == [review]


@pytest.mark.slow
def test_two_analyses_at_once_and_a_reader_see_no_lock_errors(night, tmp_path):
    from pipeline.jobs import job_status
    from pipeline.store.db import Store

    data = tmp_path / "data"
    store = Store(data)
    other = grey_video(tmp_path / "other.mp4", 8, first=7)
    ids = [_store_night(store, night), _store_night(store, other, day="2024-05-02")]
    children = []
    for nid in ids:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                from pipeline.jobs import job_run

                job_run(Store(data), nid, fake_pose(), chunk_s=2.0)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    # meanwhile, the dashboard: read the nights and the progress, as fast as it can
    reads = 0
    statuses: dict[int, int] = {}
    while len(statuses) < len(children):
        for nid in ids:
            job_status(store, nid)
            store.get_night(nid)
        store.list_nights()
        reads += 1
        for p in children:
            if p not in statuses:
                done, status = os.waitpid(p, os.WNOHANG)
                if done:
                    statuses[p] = status
    codes = [os.waitstatus_to_exitcode(statuses[p]) for p in children]
    assert codes == [0, 0], "an analysis failed (database locked?)"
    assert reads > 0
    assert [store.get_night(i).status for i in ids] == ["done", "done"]
    assert store.integrity_check() == "ok"


def test_the_same_night_twice_at_once_is_refused_clearly(night, tmp_path):
    from pipeline.jobs import job_run
    from pipeline.jobs.status import _job_lock
    from pipeline.store.db import Store

    store = Store(tmp_path / "data")
    nid = _store_night(store, night)
    with _job_lock(store, nid):  # held as a running analysis holds it
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                job_run(Store(tmp_path / "data"), nid, fake_pose())
            except StoreError as exc:
                code = 3 if "being analysed" in str(exc) and f"night {nid}" in str(exc) else 4
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 3
    assert store.get_night(nid).status == "pending", "the refused run changed nothing"


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
@pytest.mark.parametrize("leave_bytes", [4096, 60_000])  # fails in the WAL / in a transaction
def test_store_on_a_full_disk_keeps_earlier_nights(night, tmp_path, leave_bytes):
    from pipeline.jobs import job_run
    from pipeline.store.db import Store

    longer = grey_video(tmp_path / "longer.mp4", 40, first=3)
    with _small_tmpfs(tmp_path / "small", size="2m") as fs:
        store = Store(fs / "data")
        first = _store_night(store, night)
        job_run(store, first, fake_pose(), chunk_s=3.0)
        before = store.result(first)
        second = _store_night(store, longer, day="2024-05-02")
        _fill(fs, leave_bytes)
        with pytest.raises(StoreError) as exc:
            job_run(store, second, fake_pose(), chunk_s=10.0)
        assert "disk" in str(exc.value) and "free some space" in str(exc.value)
        (fs / "filler").unlink()
        store = Store(fs / "data")
        assert store.integrity_check() == "ok"
        assert store.get_night(first).status == "done"
        assert _frames_equal(store.result(first).events, before.events)
        assert store.result(first).summary == before.summary
        assert store.get_night(second).status != "done"
        job_run(store, second, fake_pose(), chunk_s=10.0)  # room again: it finishes
        assert store.get_night(second).status == "done"


def test_job_disk_full_on_a_tracks_file_is_a_store_error(night, tmp_path, monkeypatch):
    from pipeline.jobs import job_run
    from pipeline.store.db import Store

    store = Store(tmp_path / "data")
    nid = _store_night(store, night)
    _no_space(monkeypatch, "0000.npz")  # the first chunk's checkpoint
    with pytest.raises(StoreError, match="No space left on device"):
        job_run(store, nid, fake_pose(), chunk_s=3.0)
