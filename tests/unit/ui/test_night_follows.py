"""The Night page of a night still being analysed says so with its progress, and shows the
night once its result is saved, without the night being chosen again. (AppTest reruns the
whole script; the page's own refresh every 3 s, a Streamlit fragment, is not timed here.)"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from detector.track import Segment
from pipeline.store.db import Store
from tests.helpers.nights import short_night

APP = str(Path(__file__).resolve().parents[3] / "dashboard.py")


def test_the_night_page_follows_its_analysis(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path)
    seg = Segment(str(tmp_path / "v.mp4"), 0.0, 1200.0, 12000, 1, "1" * 64)
    nid = store.add_night("Mila", "2024-05-01", [seg], in_bed="19:30")
    monkeypatch.setenv("LEGMOVE_DATA", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["page"] = "night"
    at.run()
    assert not at.exception
    infos = [i.value for i in at.info]
    assert any(v.startswith("This night is not analysed yet") for v in infos), infos
    assert not at.metric  # no cards of a night without a result
    store.save_result(nid, short_night())  # the background job finishes
    at.run()  # the next run of the page, the night still chosen
    assert not at.exception
    assert not [i for i in at.info if str(i.value).startswith("This night is not analysed")]
    labels = {m.label for m in at.metric}
    assert {"Sleep onset", "Total sleep", "Awakenings"} <= labels
