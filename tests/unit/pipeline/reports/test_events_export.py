"""A night's events as BIDS events.tsv and EDF+, and read back by `legmove compare`."""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from pipeline.compare.agreement import night_agreement
from pipeline.compare.edf import edf_annotations_read
from pipeline.compare.reference import reference_read
from pipeline.reports.events_export import events_bids, export_events
from pipeline.reports.export import NightRecord
from tests.helpers.agreement import hand_night

START = dt.datetime(2026, 11, 27, 21, 30, 0)


def _record(start=START):
    return NightRecord(3, "Mila", dt.date(2026, 11, 27), hand_night(), start_time=start)


def test_the_bids_table():
    t = events_bids(_record())
    assert t.loc[0, ["onset", "duration", "trial_type"]].tolist() == [
        100.4,
        1.8,
        "lm/left/plm_series_1",
    ]
    assert t["trial_type"].tolist()[4:] == ["lm/left", "twitch/right", "lm/left"]
    # aligned to a PSG that started 2 min before the video: every onset 120 s later
    psg = events_bids(_record(), psg_start=START - dt.timedelta(minutes=2))
    np.testing.assert_allclose(psg["onset"], t["onset"] + 120.0)
    with pytest.raises(ValueError, match="its video's first frame is unknown"):
        events_bids(_record(start=None), psg_start=START)


def test_files_written_and_read_back(tmp_path):
    paths = export_events([_record()], tmp_path)
    stem = "night-3_2026-11-27_events"
    assert sorted(paths) == [f"{stem}.edf", f"{stem}.json", f"{stem}.tsv"]
    tsv = pd.read_csv(tmp_path / f"{stem}.tsv", sep="\t", keep_default_na=False, dtype=str)
    assert tsv.columns[:3].tolist() == ["onset", "duration", "trial_type"]
    assert tsv.loc[5, "plm_series"] == "n/a" and tsv.loc[0, "rhythmic"] == "false"
    side = json.loads((tmp_path / f"{stem}.json").read_text())
    assert side["legmove"]["onset_zero"] == "2026-11-27T21:30:00"
    assert side["onset"]["Units"] == "s"

    edf = edf_annotations_read(tmp_path / f"{stem}.edf")
    assert edf.start_time == START and edf.signals == ("legmove activity",)
    assert edf.duration_s == 600.0  # one 1-s record per second of the 600-s night
    assert edf.table["label"].tolist() == tsv["trial_type"].tolist()
    np.testing.assert_allclose(edf.table["onset_s"], tsv["onset"].astype(float), atol=1e-4)
    import pyedflib

    r = pyedflib.EdfReader(str(tmp_path / f"{stem}.edf"))
    try:
        activity = r.readSignal(0)
    finally:
        r.close()
    # epochs 0-75 s have activity 0.5 (50 %), 75-360 s 0 (asleep): second 10 and second 100
    assert activity[10] == pytest.approx(50.0, abs=0.01) and activity[100] == pytest.approx(
        0, abs=0.01
    )


@pytest.mark.parametrize("suffix", ["tsv", "edf"])
def test_an_exported_night_agrees_with_itself(tmp_path, suffix):
    export_events([_record()], tmp_path)
    ref = reference_read(tmp_path / f"night-3_2026-11-27_events.{suffix}")
    assert ref.start_time == START  # the EDF header, or the sidecar of the tsv
    a = night_agreement(hand_night(), ref, video_start=START)
    assert a.offset_how.startswith("from the clocks") and a.offset_s == 0.0
    assert (a.lm.tp, a.lm.fp, a.lm.fn) == (6, 0, 0)  # legmove's six LMs
    assert a.side_agreement == 1.0 and a.plm_counts == (4, 4)
    assert a.twitch["reference_count"] == 1 and a.twitch["legmove_as_twitch"] == 1


def test_one_psg_start_for_one_night(tmp_path):
    with pytest.raises(ValueError, match="one night"):
        export_events([_record(), _record()], tmp_path, psg_start=START)
