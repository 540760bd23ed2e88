"""A short night: its PLMS index is shown greyed as "too little sleep for a reliable rate" in
summary.json, the PDF, the dashboard and the CLI, never judged against the reference; words
take the right plural."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from detector.track import Segment
from pipeline.reports.export import NightRecord
from pipeline.reports.folder import night_write
from pipeline.reports.pdf import report_pdf
from pipeline.reports.rates import TOO_LITTLE_SLEEP
from pipeline.store.db import Store
from tests.helpers.nights import short_night
from ui.night_page import night_in_words

APP = str(Path(__file__).resolve().parents[3] / "dashboard.py")
CAVEAT = f"{TOO_LITTLE_SLEEP}: 13 min asleep, a rate needs at least 60 min"


@pytest.fixture(scope="module")
def night():  # type: ignore[no-untyped-def]
    r = short_night()
    s = r.summary
    # the night as planned: 795 s of sleep (13 min), 5 PLMs in sleep: 5 / (795/3600) = 22.6/h
    assert s["total_sleep_s"] == 795.0 and s["counts"]["plms"] == 5
    assert s["plm_index_per_h"] == pytest.approx(5 / (795 / 3600), abs=0.01)
    return r


def test_summary_json_says_the_rate_is_not_reliable(night, tmp_path) -> None:  # type: ignore[no-untyped-def]
    written = json.loads(night_write(night, tmp_path)["summary"].read_text())
    assert written["rates_reliable"] is False
    assert written["rate_caveat"] == CAVEAT


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_pdf_greys_the_rate_and_judges_nothing(night, tmp_path) -> None:  # type: ignore[no-untyped-def]
    start = dt.datetime(2024, 5, 1, 19, 30)
    pdf = report_pdf(
        [NightRecord(1, "Mila", dt.date(2024, 5, 1), night, start_time=start)],
        [],
        tmp_path / "r.pdf",
    )
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True
        ).stdout.split()
    )
    assert "(22.6)" in text  # the night table: in grey brackets
    page2 = text.split("Night of Wed 1 May 2024")[1].split("Data quality")[0]
    assert "22.6 /h sleep" in page2  # the key box: the value (greyed) with the caveat
    # (the box's small print wraps: pdftotext may interleave it with the next box's)
    assert "5 PLMs in sleep; too little" in page2 and "sleep for a reliable rate" in page2
    assert "abnormal" not in page2
    assert "— /h sleep 0 of 0" in text  # no median, no night judged against the 5/h reference
    assert "one shortest PLM series alone" in text  # the methods say the rule


def test_dashboard_and_words(night, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    words = night_in_words(night.summary, dt.datetime(2024, 5, 1, 19, 30), 1)
    assert f"PLMS index 22.6/h — {CAVEAT}" in words and "reference" not in words
    assert "1 moment is flagged" in words
    assert f"with {night.summary['awakenings']} awakening" in words
    store = Store(tmp_path)
    seg = Segment(str(tmp_path / "v.mp4"), 0.0, 1200.0, 12000, 1, "1" * 64)
    nid = store.add_night("Mila", "2024-05-01", [seg], in_bed="19:30")
    store.save_result(nid, night)
    monkeypatch.setenv("LEGMOVE_DATA", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["page"] = "night"
    at.run()
    assert not at.exception
    # greyed text, not metrics: the PLMS index and the short-interval LMs (per hour of sleep)
    assert not [m for m in at.metric if m.label in ("PLMS index", "Short-interval LMs")]
    shown = "\n".join(str(m.value) for m in at.markdown) + "\n".join(c.value for c in at.caption)
    assert "#8c8c8c" in shown and "22.6 /h</div>" in shown and CAVEAT in shown
    assert "above 5/h" not in shown
