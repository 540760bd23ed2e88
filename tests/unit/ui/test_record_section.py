"""The Import page's "Record from a camera" section, headless (AppTest) against a real
store: save a camera (the password is never shown), start a recording, follow and stop one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipeline.jobs.record import _rec_lock
from pipeline.store.db import Store

APP = str(Path(__file__).resolve().parents[3] / "dashboard.py")
SECRET = "s3cr#t-pw"


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["page"] = "import"
    return at.run()


def _all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [s.value for s in at.success]
    parts += [str(t.value) for t in at.table]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEGMOVE_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def test_save_a_camera_and_start_recording_it(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.record_section

    calls: list[tuple[str, str, str | None]] = []
    monkeypatch.setattr(
        ui.record_section,
        "record_start_background",
        lambda store, camera, *, label, until: calls.append((camera, label, until)) or 1,
    )
    at = _app()
    assert not at.exception
    at.text_input(key="rec_name").input("nursery")
    at.text_input(key="rec_url").input("rtsp://192.0.2.7:554/stream2")
    at.text_input(key="rec_user").input("admin")
    at.text_input(key="rec_password").input(SECRET)
    at.button(key="rec_save_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    saved = json.loads((data / "cameras.json").read_text())["cameras"]["nursery"]
    assert saved == {"url": "rtsp://192.0.2.7:554/stream2", "user": "admin", "password": SECRET}
    text = _all_text(at)
    assert "rtsp://192.0.2.7:554/stream2" in text and "saved" in text
    assert SECRET not in text  # the password is never shown back ...
    fresh = _app()  # ... nor filled in when the page is opened again
    assert SECRET not in _all_text(fresh) + "".join(str(i.value) for i in fresh.text_input)
    at.text_input(key="rec_label").input("Mila")
    at.button(key="rec_start").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert calls == [("nursery", "Mila", "07:00")]
    assert "Recording nursery until 07:00" in _all_text(at)


def test_a_running_recording_shows_its_progress_and_stops(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.record_section

    stopped: list[int] = []
    monkeypatch.setattr(
        ui.record_section, "record_stop", lambda store, night_id: stopped.append(night_id) or True
    )
    store = Store(data)
    nid = store.add_recording("Mila", "2026-11-27", "rtsp://192.0.2.7:554/stream2")
    store.recording_update(nid, recorded_s=2 * 3600 + 15 * 60, gaps=1)
    with _rec_lock(store, nid):  # as the recorder process holds it
        at = _app()
        assert not at.exception
        text = _all_text(at)
        assert "recording · 2 h 15 min recorded" in text, text
        assert "1 gap(s) where the camera was away" in text
        assert "No analysis waiting or running." in text  # shown as recording, not here
        at.button(key=f"rec_stop_{nid}").click().run()
        assert stopped == [nid]
    at = _app()  # the recorder has gone: no longer listed as recording
    assert "No recording running." in _all_text(at)
