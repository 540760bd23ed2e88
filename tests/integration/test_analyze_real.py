"""`legmove analyze` end to end on real infant video (skips when ../shared/data is absent)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.real, pytest.mark.slow]

EVENT_COLUMNS = {
    "start_s",
    "end_s",
    "duration_s",
    "kind",
    "side",
    "rhythmic",
    "pattern",
    "frequency_hz",
    "plm_series",
    "state",
    "source",
}
SUMMARY_KEYS = {
    "duration_s",
    "sleep_onset_s",
    "total_sleep_s",
    "awakenings",
    "counts",
    "plm_index_per_h",
    "lm_index_per_h",
    "pose_coverage",
    "settings",
    "versions",
}
COUNT_KEYS = {"twitch", "lm", "long_movement", "rhythmic", "plm", "plm_series"}


def _analyze(video: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "analyze", str(video), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def kicking(tmp_path_factory, kicking_clip):
    out = tmp_path_factory.mktemp("kicking")
    proc = _analyze(kicking_clip, out)
    assert proc.returncode == 0, proc.stderr
    (out / "stderr.txt").write_text(proc.stderr)
    return out


def test_no_pose_library_lines_in_the_output(kicking):
    # the real MediaPipe model ran (pose found), yet none of its native log lines reached us
    said = (kicking / "stderr.txt").read_text()
    assert "analysed" in said and "pose found in" in said
    for noise in ("W0000", "I0000", "INFO: Created TensorFlow Lite", "absl::InitializeLog"):
        assert noise not in said, said


def test_all_contract_files(kicking):
    for name in ("events.csv", "episodes.csv", "epochs.csv", "summary.json", "tracks.npz"):
        assert (kicking / name).is_file(), name
    events = pd.read_csv(kicking / "events.csv")
    assert EVENT_COLUMNS <= set(events.columns)
    assert events["start_s"].is_monotonic_increasing
    assert set(events["kind"]) <= {"twitch", "lm", "long_movement"}
    episodes = pd.read_csv(kicking / "episodes.csv")
    assert {"start_s", "end_s", "kind", "reason"} <= set(episodes.columns)
    epochs = pd.read_csv(kicking / "epochs.csv")
    assert {"start_s", "activity", "state"} <= set(epochs.columns)
    summary = json.loads((kicking / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary)
    assert COUNT_KEYS <= set(summary["counts"])
    assert summary["duration_s"] == pytest.approx(703 / 15, abs=0.1)


def test_kicking_baby_is_tracked_and_moves(kicking):
    summary = json.loads((kicking / "summary.json").read_text())
    assert summary["pose_coverage"] >= 0.95
    events = pd.read_csv(kicking / "events.csv")
    # an awake baby kicking a lot: leg movements are found
    assert (events["kind"] != "twitch").sum() >= 3


def test_sleeping_baby_has_no_leg_movement(tmp_path, crib_clip):
    proc = _analyze(crib_clip, tmp_path)
    assert proc.returncode == 0, proc.stderr
    events = pd.read_csv(tmp_path / "events.csv")
    assert (events["kind"] == "lm").sum() == 0
    assert (events["kind"] == "long_movement").sum() == 0


def test_not_a_video_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("this is not a video")
    proc = _analyze(bad, tmp_path / "out")
    assert proc.returncode == 2
    assert "notes.mp4" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "events.csv").exists()
