"""No traceback anywhere: a disk that fills during the final scoring of a night analysed on a
pool of processes, and the dashboard on a damaged database.

Before, the full disk ended in six chained tracebacks (the night's failure could not be
written either, and ``LocalPool.close`` then tripped over the processes its own
``release()`` had forgotten: ``AttributeError: 'NoneType' object has no attribute
'values'``), leaving the night "running"; the dashboard showed an uncaught StoreError from
``store().list_nights()``, outside its error handling.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

import pipeline.jobs.run
from pipeline.cli.app import app
from pipeline.errors import StoreError
from pipeline.jobs.runners import LocalPool
from pipeline.jobs.status import job_status
from pipeline.store.db import Store

from .media import REPO, real_clip

APP = str(REPO / "dashboard.py")
PAGES = ["night", "review", "trends", "export", "import"]


def _one_line(output: str) -> str:
    text = " ".join(output.split())
    assert "Traceback" not in output and "AttributeError" not in output, output
    return text


# --- a full disk during the final scoring -----------------------------------------------------
def _disk_fills_at_the_tracks_file(monkeypatch, tracks: Path) -> None:
    """The night's tracks file (written after the last chunk, before scoring) meets a full
    disk, and so does the store when the failure is to be recorded, as SQLite on that disk."""
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if Path(os.readlink(f"/proc/self/fd/{fd}")).name.startswith(f".{tracks.name}."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    def set_status(self, night_id, status, error=None):
        raise StoreError(f"{self.db_path}: database or disk is full — the disk may be full")

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(Store, "set_status", set_status)


@pytest.mark.real
@pytest.mark.slow
def test_disk_full_in_the_last_scoring_on_a_pool_is_one_clear_line(tmp_path, monkeypatch):
    clip = real_clip(tmp_path / "kicking.mp4", start_s=10.0, seconds=8.0)
    data = tmp_path / "data"
    monkeypatch.setattr(pipeline.jobs.run, "default_workers", lambda: 2)  # a pool of two
    runner = CliRunner()
    add = ["night", "add", str(clip), "--label", "Mila", "--date", "2024-05-01"]
    res = runner.invoke(app, [*add, "--no-analyze", "--data", str(data)])
    assert res.exit_code == 0, res.output
    store = Store(data)
    with monkeypatch.context() as m:
        _disk_fills_at_the_tracks_file(m, store.tracks_file(1))
        res = runner.invoke(
            app, ["night", "analyze", "1", "--chunk-s", "3", "-q"] + ["--data", str(data)]
        )
    text = _one_line(res.output)
    assert res.exit_code == 2, res.output
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit)
    assert "No space left on device" in text and "free space on the disk" in text, text
    assert str(store.tracks_file(1)) in text and "legmove night analyze 1" in text, text
    # the failure could not be recorded: the night is not "running" but stopped, resumable
    status = job_status(store, 1)
    assert status.state == "interrupted" and status.chunks_done == status.chunks_total == 3
    assert "stopped" in _one_line(runner.invoke(app, ["night", "list", "--data", str(data)]).output)
    # room again: it resumes from the three finished chunks and finishes
    res = runner.invoke(app, ["night", "analyze", "1", "-q", "--data", str(data)])
    assert res.exit_code == 0, res.output
    assert store.get_night(1).status == "done" and store.tracks_file(1).is_file()


def test_a_pool_closes_after_release_and_twice():
    pool = LocalPool(1)
    assert pool.submit(abs, -3).result() == 3
    pool.release()  # before the last scoring: its processes are gone
    pool.close(kill=True)  # an error in that scoring closes it again
    pool.close()


# --- the dashboard on a damaged store -----------------------------------------------------------
def _dashboard(data: Path, monkeypatch, page: str | None) -> AppTest:
    monkeypatch.setenv("LEGMOVE_DATA", str(data))
    at = AppTest.from_file(APP, default_timeout=60)
    if page is not None:
        at.query_params["page"] = page
    return at.run()


@pytest.mark.parametrize("page", [None, *PAGES])
def test_the_dashboard_on_a_damaged_database_says_so(tmp_path, monkeypatch, page):
    data = tmp_path / "data"
    data.mkdir()
    (data / "legmove.db").write_bytes(b"this is not a database " * 200)
    at = _dashboard(data, monkeypatch, page)
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "legmove.db" in errors and "not a database" in errors, errors
    assert "use another folder" in errors


def test_the_dashboard_on_a_data_folder_that_is_a_file_says_so(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.write_text("a file where the data folder should be")
    at = _dashboard(data, monkeypatch, None)
    assert not at.exception, [e.value for e in at.exception]
    assert "cannot create the data folder" in " ".join(e.value for e in at.error)
