"""Short phone clips of the real kicking infant are not blind (skips without ../shared/data).

The first 20 s of ``infant_supine_kicking.mp4`` are all movement: the clip has no still
stretch to learn the keypoint noise from, so its thresholds come from the pose model's noise
on still infants, and it must find (onset within 1 s) most of the leg movements the whole
47-s clip finds in those 20 s — main found none. An iPhone-like copy (HEVC, portrait by
display matrix, variable frame rate with dropped frames, the baby lying across the picture)
must find the same movements. Measured: the 20-s clip 5 LMs (0.0, 7.4, 10.1, 12.9, 19.0 s),
the full clip 0.0, 6.3, 10.2, 13.8, 19.0 s there, the phone copy 7 LMs (the five, and two
of them split in two).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers.phone import phone_clip
from tests.robustness.media import real_clip

pytestmark = [pytest.mark.real, pytest.mark.slow]


def _analyze(video: Path, out: Path) -> tuple[pd.DataFrame, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "analyze", str(video), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    events = pd.read_csv(out / "events.csv")
    return events[events["kind"] == "lm"], json.loads((out / "summary.json").read_text())


def _matched(want: np.ndarray, got: np.ndarray, tol_s: float = 1.0) -> int:
    return int(sum(np.any(np.abs(got - t) <= tol_s) for t in want))


@pytest.fixture(scope="module")
def clips(tmp_path_factory, kicking_clip):
    d = tmp_path_factory.mktemp("clips")
    full = _analyze(kicking_clip, d / "full")
    first = real_clip(d / "first20.mp4", start_s=0.0, seconds=20.0)
    return full, _analyze(first, d / "first20_out"), d


def test_first_20_s_find_the_movements_of_the_whole_clip(clips):
    (full, full_s), (lms, s), _ = clips
    assert s["recording"] == "clip" and s["plm_index_per_h"] is None
    assert any("still infants" in n for n in s["notes"]), s["notes"]
    want = full["start_s"].to_numpy()
    want = want[want < 19.0]  # movements the whole clip finds in the first 20 s
    assert len(want) >= 4
    found = _matched(want, lms["start_s"].to_numpy())
    assert found >= 3 and found >= 0.6 * len(want), (want, lms["start_s"].tolist())
    assert full_s["recording"] == "clip"  # 47 s: a clip too


def test_iphone_like_copy_finds_the_same_movements(clips, tmp_path):
    _, (lms, _), d = clips
    phone, s = _analyze(phone_clip(d / "IMG_0042.MOV"), tmp_path / "phone")
    assert s["pose_coverage"] >= 0.95
    assert s["recording"] == "clip"
    first = lms["start_s"].to_numpy()
    assert _matched(first, phone["start_s"].to_numpy()) >= 0.8 * len(first)
    assert len(phone) <= 2 * len(first)
