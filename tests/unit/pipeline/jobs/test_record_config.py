"""Recording end times, saved cameras and credentials files (no camera needed)."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timedelta

import pytest

from pipeline.jobs.cameras import (
    camera_get,
    camera_list,
    camera_remove,
    camera_save,
    camera_source,
    credentials_load,
)
from pipeline.jobs.record import record_deadline

NOW = datetime(2026, 11, 27, 19, 30).astimezone()


def test_for_and_until_give_the_end_time():
    assert record_deadline("11h", None, NOW) == NOW + timedelta(hours=11)
    assert record_deadline("1h30m", None, NOW) == NOW + timedelta(minutes=90)
    assert record_deadline("90m", None, NOW) == NOW + timedelta(minutes=90)
    assert record_deadline("45s", None, NOW) == NOW + timedelta(seconds=45)
    # 07:00 is tomorrow morning when asked at 19:30; 21:00 is tonight
    assert record_deadline(None, "07:00", NOW) == NOW.replace(hour=7, minute=0) + timedelta(days=1)
    assert record_deadline(None, "21:00", NOW) == NOW.replace(hour=21, minute=0)
    assert record_deadline(None, None, NOW) is None
    for bad in ("eleven", "0h", "h"):
        with pytest.raises(ValueError, match="--for"):
            record_deadline(bad, None, NOW)
    with pytest.raises(ValueError, match="HH:MM"):
        record_deadline(None, "7am", NOW)
    with pytest.raises(ValueError, match="not both"):
        record_deadline("1h", "07:00", NOW)


def test_saved_cameras_keep_the_password_in_a_private_file_only(tmp_path):
    cam = camera_save(tmp_path, "nursery", "rtsp://admin:s3cr%23t@192.0.2.7:554/stream2")
    assert (cam.url, cam.user, cam.has_password) == ("rtsp://192.0.2.7:554/stream2", "admin", True)
    assert "s3cr" not in repr(cam)
    path = tmp_path / "cameras.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())["cameras"]["nursery"]
    assert saved == {"url": "rtsp://192.0.2.7:554/stream2", "user": "admin", "password": "s3cr#t"}
    src = camera_source(tmp_path, "nursery")
    assert (src.url, src.user, src.password) == ("rtsp://192.0.2.7:554/stream2", "admin", "s3cr#t")
    # saving the address again without a password keeps the saved one
    camera_save(tmp_path, "nursery", "rtsp://192.0.2.7:554/stream1", user="admin")
    assert camera_source(tmp_path, "nursery").password == "s3cr#t"
    assert [c.name for c in camera_list(tmp_path)] == ["nursery"]
    camera_remove(tmp_path, "nursery")
    assert camera_list(tmp_path) == []
    with pytest.raises(ValueError, match="no saved camera 'nursery'"):
        camera_get(tmp_path, "nursery")
    with pytest.raises(ValueError, match="short name"):
        camera_save(tmp_path, "rtsp://cam/x", "rtsp://cam/x")


def test_credentials_file(tmp_path):
    one = tmp_path / "cam.txt"
    one.write_text("admin:pa:ss\n")
    one.chmod(0o600)
    assert credentials_load(one) == ("admin", "pa:ss")
    two = tmp_path / "cam2.txt"
    two.write_text("admin\npa ss\n")
    two.chmod(0o600)
    assert credentials_load(two) == ("admin", "pa ss")
    one.chmod(0o644)
    with pytest.raises(ValueError, match="chmod 600"):
        credentials_load(one)
    with pytest.raises(ValueError, match="cannot read"):
        credentials_load(tmp_path / "missing.txt")
