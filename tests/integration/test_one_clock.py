"""One clock everywhere: a night with an in-bed time (and no recording time) shows the same
clock times in the three CSVs, the PDF, `legmove night show` and the dashboard, and an
episode's reason is on that clock too."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from pipeline.cli.app import app as cli
from pipeline.store.db import Store
from tests.helpers.seed import seed_night

APP = str(Path(__file__).resolve().parents[2] / "dashboard.py")
BED = dt.datetime(2024, 5, 1, 19, 30)


def _clock(t_s: float, seconds: bool = True) -> str:
    return (BED + dt.timedelta(seconds=float(t_s))).strftime("%H:%M:%S" if seconds else "%H:%M")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_the_same_clock_in_every_export_and_page(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "data")
    nid = seed_night(store, seed=1, n_blocks=2, in_bed="19:30")
    night = store.get_night(nid)
    assert night.start_time is None  # no recording time: the clock starts at the in-bed time
    res = store.result(nid)
    eps = store.episodes(nid).sort_values(["priority", "start_s"], kind="stable")
    first = eps.iloc[0]
    want = _clock(first["start_s"])
    runner = CliRunner()
    data = ["--data", str(tmp_path / "data")]

    shown = runner.invoke(cli, ["night", "show", str(nid), *data], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert want in shown.output and "clock times from the in-bed time" in shown.output
    assert f"asleep from {_clock(res.summary['sleep_onset_s'])}" in shown.output
    assert "from 0:" not in shown.output  # no reason with an elapsed time left in it

    out = tmp_path / "export"
    done = runner.invoke(cli, ["export", *data, "--csv", str(out), "--pdf", str(out / "r.pdf")])
    assert done.exit_code == 0, done.output
    nights = pd.read_csv(out / "nights.csv", encoding="utf-8-sig", dtype=str)
    assert nights["sleep_onset_clock"].iloc[0] == _clock(res.summary["sleep_onset_s"], False)
    assert nights["recording_start"].iloc[0] == BED.isoformat()
    hourly = pd.read_csv(out / "hourly.csv", encoding="utf-8-sig", dtype={"clock": str})
    assert list(hourly["clock"]) == [_clock(s, False) for s in hourly["start_s"]]
    moves = pd.read_csv(out / "movements.csv", encoding="utf-8-sig", dtype={"clock": str})
    assert moves["clock"].notna().all() and len(moves) == len(res.events)
    assert list(moves["clock"]) == [_clock(s) for s in moves["start_s"]]
    pdf = " ".join(
        subprocess.run(
            ["pdftotext", str(out / "r.pdf"), "-"], capture_output=True, text=True
        ).stdout.split()
    )
    assert want in pdf and "from 0:" not in pdf

    monkeypatch.setenv("LEGMOVE_DATA", str(tmp_path / "data"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["page"] = "review"
    at.run()
    assert not at.exception
    page = "\n".join([c.value for c in at.caption] + [m.value for m in at.markdown])
    assert f"{want} – {_clock(first['end_s'])}" in page
    assert "from 0:" not in page
