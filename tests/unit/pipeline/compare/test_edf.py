"""EDF+ files written and read back with their annotations (pyedflib)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pipeline.compare.edf import EdfSignal, edf_annotations_read, edf_write
from pipeline.compare.reference import reference_read
from pipeline.errors import ReferenceFileError

START = dt.datetime(2026, 11, 27, 21, 58, 3)


def _annotations(rows):
    return pd.DataFrame(rows, columns=["onset_s", "duration_s", "label"])


def test_annotations_and_a_signal_round_trip(tmp_path):
    ann = _annotations(
        [
            (12.5, 1.25, "LM left"),
            (100.0, np.nan, "PLM"),  # no duration
            (0.0, 30.0, "Sleep stage W"),
            (3599.1234, 0.3, "Beinbewegung rechts ü"),  # UTF-8 text, 100-µs resolution
        ]
    )
    emg = EdfSignal("EMG LAT", np.linspace(-50, 50, 3600 * 4), 4, "uV", -100.0, 100.0)
    path = edf_write(tmp_path / "psg.edf", ann, START, [emg], recording="night 1")
    got = edf_annotations_read(path)
    assert got.start_time == START
    assert got.duration_s == 3600.0  # 14400 samples at 4 Hz in 1-s records
    assert got.signals == ("EMG LAT",)
    t = got.table.sort_values("onset_s").reset_index(drop=True)
    want = ann.sort_values("onset_s").reset_index(drop=True)
    assert t["label"].tolist() == want["label"].tolist()
    np.testing.assert_allclose(t["onset_s"], want["onset_s"], atol=1e-4)
    np.testing.assert_allclose(t["duration_s"], want["duration_s"], atol=1e-4)  # NaN == NaN
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


def test_an_unknown_start_reads_back_as_unknown(tmp_path):
    path = edf_write(tmp_path / "a.edf", _annotations([(1.0, 1.0, "LM")]), None)
    assert edf_annotations_read(path).start_time is None


def test_edf_cannot_hold_events_before_its_start(tmp_path):
    with pytest.raises(ValueError, match="before the file's start"):
        edf_write(tmp_path / "a.edf", _annotations([(-1.0, 1.0, "LM")]), START)


def test_a_file_that_is_not_edf_names_the_file(tmp_path):
    bad = tmp_path / "scoring.edf"
    bad.write_text("this is not EDF\n")
    with pytest.raises(ReferenceFileError, match="scoring.edf: not an EDF"):
        edf_annotations_read(bad)
    with pytest.raises(ReferenceFileError, match="no such file"):
        edf_annotations_read(tmp_path / "missing.edf")


def test_a_sleep_lab_edf_as_a_reference(tmp_path):
    # a hypnogram of 30-s epochs and LM annotations as sleep software writes them
    stages = [(0, 30, "Sleep stage W"), (30, 30, "Sleep stage N1"), (60, 60, "Sleep stage N2")]
    stages += [(120, 30, "Sleep stage ?"), (150, 30, "Sleep stage R"), (180, 30, "Sleep stage W")]
    moves = [
        (40.0, 1.0, "Limb movement - left"),
        (70.0, 2.0, "Limb movement - right"),
        (95.0, 0.25, "Limb movement - left"),  # shorter than an LM: a twitch later
        (100.0, 1.0, "Arousal"),
    ]
    path = edf_write(tmp_path / "scored.edf", _annotations(stages + moves), START)
    ref = reference_read(path)
    assert ref.layout == "EDF+ annotations" and ref.start_time == START
    assert ref.events["onset_s"].tolist() == [40.0, 70.0, 95.0]
    assert ref.events["side"].tolist() == ["left", "right", "left"]
    assert ref.events["kind"].tolist() == ["lm", "lm", "lm"]
    # W 0-30, N1+N2 joined 30-120, '?' leaves a gap, R 150-180, W 180-210
    assert ref.hypnogram.values.tolist() == [
        [0.0, 30.0, "wake"],
        [30.0, 120.0, "sleep"],
        [150.0, 180.0, "sleep"],
        [180.0, 210.0, "wake"],
    ]
    assert ref.ignored == {"Arousal": 1, "Sleep stage ?": 1}
