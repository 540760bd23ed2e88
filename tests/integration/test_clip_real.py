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
    """Its movements (every kind but twitches) and summary."""
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "analyze", str(video), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    events = pd.read_csv(out / "events.csv")
    return events[events["kind"] != "twitch"], json.loads((out / "summary.json").read_text())


def _covered(want: pd.DataFrame, got: pd.DataFrame, until_s: float) -> float:
    """The share of the time ``want``'s movements take before ``until_s`` that ``got``'s
    movements take too."""
    t = np.arange(0.0, until_s, 0.01)

    def busy(m: pd.DataFrame) -> np.ndarray:
        on = np.zeros(t.shape, dtype=bool)
        for a, b in zip(m["start_s"], m["end_s"], strict=True):
            on |= (t >= a) & (t < b)
        return on

    w = busy(want)
    return float((w & busy(got)).sum() / max(1, w.sum()))


def _matched(want: np.ndarray, got: np.ndarray, tol_s: float = 1.0) -> int:
    return int(sum(np.any(np.abs(got - t) <= tol_s) for t in want))


@pytest.fixture(scope="module")
def clips(tmp_path_factory, kicking_clip):
    d = tmp_path_factory.mktemp("clips")
    full = _analyze(kicking_clip, d / "full")
    first = real_clip(d / "first20.mp4", start_s=0.0, seconds=20.0)
    return full, _analyze(first, d / "first20_out"), d


def test_first_20_s_find_the_movements_of_the_whole_clip(clips):
    """The first 20 s, a clip that is all movement, are not blind (main found 0 LMs in them,
    where the whole clip found 4 movements): the thresholds come from the still-infant prior
    and the movements are found where the whole clip has them. The whole clip may join some
    of them into one combination (more than 4 pieces: a long movement by WASM), so the two
    are compared by the time in movement and by overlap, not one LM for one LM."""
    (full, full_s), (moves, s), _ = clips
    assert s["recording"] == "clip" and s["plm_index_per_h"] is None
    assert any("still infants" in n for n in s["notes"]), s["notes"]
    lms = moves[moves["kind"] == "lm"]
    assert len(lms[lms["start_s"] < 19.0]) >= 4, moves.to_string()
    want = full[full["start_s"] < 19.0]
    assert len(want) >= 2, full.to_string()
    assert _covered(want, moves, 19.0) >= 0.8, (want.to_string(), moves.to_string())
    for a, b in zip(want["start_s"], want["end_s"], strict=True):  # each one found there
        assert ((moves["start_s"] < b) & (moves["end_s"] > a)).any(), (a, b, moves.to_string())
    assert full_s["recording"] == "clip"  # 47 s: a clip too


def test_iphone_like_copy_finds_the_same_movements(clips, tmp_path):
    _, (lms, _), d = clips
    phone, s = _analyze(phone_clip(d / "IMG_0042.MOV"), tmp_path / "phone")
    assert s["pose_coverage"] >= 0.95
    assert s["recording"] == "clip"
    first = lms["start_s"].to_numpy()
    assert _matched(first, phone["start_s"].to_numpy()) >= 0.8 * len(first)
    assert len(phone) <= 2 * len(first)
