"""Recorded nights in the store: the v4 migration, a night that grows by one segment and its
analysis chunk at a time, and no credentials in the database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from detector.track import Segment
from pipeline.errors import StoreError
from pipeline.store.db import DB_NAME, MIGRATIONS, Store


def _seg(i: int, start_s: float, end_s: float) -> Segment:
    return Segment(
        f"/rec/{i}.mp4", start_s, end_s, int(round((end_s - start_s) * 15)), 100, f"h{i}"
    )


def test_a_v3_database_gains_the_recordings_table(tmp_path):
    db = tmp_path / DB_NAME
    with sqlite3.connect(db) as con:  # a database as the release before recordings wrote it
        con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT)")
        for step in range(3):
            for sql in MIGRATIONS[step]:
                con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?, 'x')", (step + 1,))
        con.execute(
            "INSERT INTO nights (label, night_date, created) VALUES ('Mila', '2024-01-02', 'x')"
        )
    store = Store(tmp_path)
    assert store.schema_version() == len(MIGRATIONS) == 6  # v4 recordings, v5 answers, v6 bouts
    assert store.get_night(1).label == "Mila"
    assert store.recording(1) is None and store.recordings() == []
    assert store.integrity_check() == "ok"


def test_a_recorded_night_grows_by_segment_and_chunk(tmp_path):
    store = Store(tmp_path)
    nid = store.add_recording("Mila", "2026-11-27", "rtsp://192.0.2.7:554/live", in_bed="19:30")
    night = store.get_night(nid)
    assert (night.status, night.sources, night.recorded) == ("pending", (), None)
    rec = store.recording(nid)
    assert rec is not None and rec.source == "rtsp://192.0.2.7:554/live"
    assert rec.folder == tmp_path / "recordings" / str(nid) and rec.ended is None
    t0 = datetime(2026, 11, 27, 19, 31, 5, tzinfo=UTC)
    # two contiguous segments, then a gap of 12 s (the camera was away), then a third
    assert store.append_segment(nid, _seg(0, 0.0, 300.0), recorded=t0) == 0
    assert store.append_segment(nid, _seg(1, 300.0, 600.0)) == 1
    assert store.append_segment(nid, _seg(2, 612.0, 700.0)) == 2
    night = store.get_night(nid)
    assert [(s.start_s, s.end_s) for s in night.sources] == [(0, 300), (300, 600), (612, 700)]
    assert night.recorded == t0
    with store.transaction(write=False) as con:
        rows = con.execute("SELECT idx, start_s, end_s, done FROM chunks ORDER BY idx").fetchall()
    # one chunk per segment, bounded by it (the gap is in no chunk), none done yet
    assert [tuple(r) for r in rows] == [
        (0, 0.0, 300.0, 0),
        (1, 300.0, 600.0, 0),
        (2, 612.0, 700.0, 0),
    ]
    assert store.recording(nid).recorded_s == pytest.approx(688.0)  # 300 + 300 + 88


def test_a_segment_before_the_end_of_the_last_is_refused(tmp_path):
    store = Store(tmp_path)
    nid = store.add_recording("Mila", "2026-11-27", "http://cam/live.ts")
    store.append_segment(nid, _seg(0, 0.0, 10.0))
    with pytest.raises(ValueError, match="before the end"):
        store.append_segment(nid, _seg(1, 9.0, 20.0))
    assert len(store.get_night(nid).sources) == 1  # the transaction left nothing behind
    with store.transaction(write=False) as con:
        assert con.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == 1


def test_the_address_is_stored_without_credentials(tmp_path):
    store = Store(tmp_path)
    with pytest.raises(ValueError, match="without user name or password"):
        store.add_recording("Mila", "2026-11-27", "rtsp://admin:hunter2@cam/live")
    assert store.list_nights() == []


def test_recording_update_sets_only_its_fields(tmp_path):
    store = Store(tmp_path)
    nid = store.add_recording("Mila", "2026-11-27", "rtsp://cam/live", pid=4242)
    store.recording_update(nid, gaps=2, gap_s=31.5, end_reason="stopped", message="done")
    rec = store.recording(nid)
    assert (rec.pid, rec.gaps, rec.gap_s, rec.end_reason) == (4242, 2, 31.5, "stopped")
    with pytest.raises(ValueError, match="cannot set source"):
        store.recording_update(nid, source="rtsp://other/")


def test_a_night_without_video_cannot_be_analysed(tmp_path):
    from pipeline.jobs.night_job import NightJob

    store = Store(tmp_path)
    nid = store.add_recording("Mila", "2026-11-27", "rtsp://cam/live")
    with pytest.raises(StoreError, match="has no video yet"):
        NightJob.open(store, nid)
