"""Reading an expert's scoring from the tables sleep software and BIDS write."""

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from pipeline.compare.labels import LabelMap
from pipeline.compare.reference import reference_hypnogram, reference_read
from pipeline.errors import ReferenceFileError

DEMO_TRUTH = Path(__file__).resolve().parents[4] / "sample_videos" / "demo_night.truth"


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_a_sleep_software_export_with_a_preamble_clock_times_and_midnight(tmp_path):
    p = _write(
        tmp_path,
        "events.txt",
        "Patient ID: 0042\nRecording date: 27/11/2026\n\n"
        "Sleep Stage;Time [hh:mm:ss];Event;Duration[s];Location\n"
        "SLEEP-S2;23:59:50;LM;1,5;EMG-LAT\n"
        "SLEEP-S2;00:00:20;Limb Movement;2.0;EMG-RAT\n"
        "SLEEP-S0;00:01:00;Arousal;3;\n",
    )
    ref = reference_read(p)
    assert ref.layout == "table" and ref.day_clock and ref.start_time is None
    # times of day as seconds from the first day's midnight: 23:59:50 = 86390 s, and
    # 00:00:20 after midnight = 86400 + 20
    assert ref.events["onset_s"].tolist() == [86390.0, 86420.0]
    assert ref.events["duration_s"].tolist() == [1.5, 2.0]  # decimal comma read
    assert ref.events["side"].tolist() == ["left", "right"]  # from the Location column
    assert ref.events["state"].tolist() == ["sleep", "sleep"]  # from the Sleep Stage column
    assert ref.ignored == {"Arousal": 1}
    assert ref.labels == {"LM": ("lm", 1), "Limb Movement": ("lm", 1)}


def test_bids_events_with_a_hypnogram_and_missing_durations(tmp_path):
    p = _write(
        tmp_path,
        "sub-01_task-sleep_events.tsv",
        "onset\tduration\ttrial_type\n"
        "0\t30\tSleep stage W\n30\t30\tSleep stage N2\n60\t30\tSleep stage N2\n"
        "90\t30\tSleep stage W\n35.5\tn/a\tLM left\n40.0\t0.3\tLM right\n",
    )
    ref = reference_read(p)
    assert ref.layout == "BIDS events.tsv"
    assert ref.events["onset_s"].tolist() == [35.5, 40.0]
    assert np.isnan(ref.events["duration_s"].iloc[0]) and ref.events["duration_s"].iloc[1] == 0.3
    assert ref.hypnogram.values.tolist() == [
        [0.0, 30.0, "wake"],
        [30.0, 90.0, "sleep"],  # two N2 epochs joined
        [90.0, 120.0, "wake"],
    ]


def test_start_and_end_columns_and_date_times(tmp_path):
    p = _write(
        tmp_path,
        "lab.csv",
        "Start Time,End Time,Event Type\n"
        "2026-11-27T22:00:10,2026-11-27T22:00:12.5,PLM\n"
        "2026-11-27T22:00:40,2026-11-27T22:00:41,PLM\n",
    )
    ref = reference_read(p)
    assert ref.start_time == dt.datetime(2026, 11, 27, 22, 0, 10)  # time zero: first event
    assert ref.events["onset_s"].tolist() == [0.0, 30.0]
    assert ref.events["duration_s"].tolist() == [2.5, 1.0]
    assert ref.events["kind"].tolist() == ["plm", "plm"]


def test_the_demo_truth_folder():
    ref = reference_read(DEMO_TRUTH)
    assert ref.layout == "legmove events table" and ref.has_series
    kinds = ref.events["kind"].value_counts().to_dict()
    assert kinds == {"lm": 19, "twitch": 6, "long_movement": 3}  # summary.json's counts
    assert int(ref.events["plm_series"].notna().sum()) == 5
    # spans.csv: wake 0-35 and settling 35-90 (wake) join; sleep 90-395; wake 395-460; sleep
    assert ref.hypnogram.values.tolist() == [
        [0.0, 90.0, "wake"],
        [90.0, 395.0, "sleep"],
        [395.0, 460.0, "wake"],
        [460.0, 480.0, "sleep"],
    ]


def test_a_separate_hypnogram_file(tmp_path):
    p = _write(tmp_path, "hyp.csv", "onset,stage\n0,W\n30,N1\n60,N2\n90,W\n")
    # no duration: a stage lasts to the next one, the last one a 30-s epoch
    assert reference_hypnogram(p).values.tolist() == [
        [0.0, 30.0, "wake"],
        [30.0, 90.0, "sleep"],
        [90.0, 120.0, "wake"],
    ]


def test_errors_name_the_file_and_what_to_do(tmp_path):
    no_header = _write(tmp_path, "a.csv", "x,y\n1,2\n")
    with pytest.raises(ReferenceFileError, match=r"a\.csv: found no header with an onset"):
        reference_read(no_header)
    no_lm = _write(tmp_path, "b.csv", "onset,label\n1,Arousal\n5,Apnea\n9,Beinbew\n")
    with pytest.raises(ReferenceFileError, match=r"no leg movement.*'Beinbew' \(1\).*--map"):
        reference_read(no_lm)
    assert len(reference_read(no_lm, LabelMap.parse(["Beinbew=lm"])).events) == 1
    bad_time = _write(tmp_path, "c.csv", "onset,label\nsoon,LM\n")
    with pytest.raises(ReferenceFileError, match="'soon', which is neither seconds"):
        reference_read(bad_time)
    with pytest.raises(ReferenceFileError, match="no such file"):
        reference_read(tmp_path / "nothing.csv")
    with pytest.raises(ReferenceFileError, match="without events.csv"):
        reference_read(tmp_path)
