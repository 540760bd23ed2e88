"""Pose-quality scoring on real infant video (skips when ../shared/data is absent).

- infant_crib_sleeping.mp4: the pose model returns a skeleton in every frame, but a wrong
  one (hips on the knees, torso seen edge-on): trusted coverage must be low and no leg
  movement reported.
- infant_supine_kicking.mp4: a correct skeleton: trusted coverage >= 90%, and trust must
  not cost more than 10% of the movements (non-twitch count and total time) found by the
  untrusting version (``pose_quality_min=0``) on the same tracks.

Measured on this project's machine (mediapipe 0.10.21): crib trusted 0% (gated and every
frame; without trust the gated run reports a phantom LM); supine trusted 94.7% gated, 100%
every frame, with the same non-twitch movement counts trusting or not (5 and 8) and total
movement time 27.1 vs 26.6 s (gated) and 31.5 vs 31.5 s (every frame).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from detector.track import track_load
from pipeline.scoring.night import night_score
from pipeline.settings import Settings

pytestmark = [pytest.mark.real, pytest.mark.slow]


def _analyze(video: Path, out: Path, every_frame: bool) -> Path:
    cmd = [sys.executable, "-m", "pipeline.cli", "analyze", str(video), "--out", str(out), "-q"]
    if every_frame:
        cmd.append("--every-frame")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module", params=[False, True], ids=["gated", "every_frame"])
def crib(request, tmp_path_factory, crib_clip) -> Path:
    return _analyze(crib_clip, tmp_path_factory.mktemp("crib"), request.param)


@pytest.fixture(scope="module", params=[False, True], ids=["gated", "every_frame"])
def kicking(request, tmp_path_factory, kicking_clip) -> Path:
    return _analyze(kicking_clip, tmp_path_factory.mktemp("kicking"), request.param)


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def _moves(events: pd.DataFrame) -> tuple[int, float]:
    """Non-twitch movements: how many, and their total duration (s)."""
    m = events[events["kind"] != "twitch"]
    return len(m), float(m["duration_s"].sum())


def test_crib_wrong_skeleton_is_not_trusted(crib):
    s = _summary(crib)
    assert s["pose_coverage"] >= 0.95  # the model "detects" a pose nearly everywhere ...
    assert s["pose_detected_rate"] >= 0.95
    assert s["trusted_pose_coverage"] <= 0.2  # ... but it is not believed
    assert max(s["trusted_pose_coverage_by_leg"].values()) <= 0.2
    spans = s["pose_untrusted_spans"]
    assert spans and {sp["leg"] for sp in spans} == {"left", "right"}
    untrusted_s = sum(sp["end_s"] - sp["start_s"] for sp in spans)
    assert untrusted_s >= 2 * 0.8 * s["duration_s"]  # both legs, nearly the whole clip


def test_crib_has_no_leg_movement(crib):
    events = pd.read_csv(crib / "events.csv")
    assert (events["kind"] == "lm").sum() == 0
    assert (events["kind"] == "long_movement").sum() == 0


def test_kicking_pose_is_trusted(kicking):
    s = _summary(kicking)
    assert s["pose_detected_rate"] >= 0.95
    assert s["trusted_pose_coverage"] >= 0.9
    assert min(s["trusted_pose_coverage_by_leg"].values()) >= 0.9


def test_kicking_movements_survive_trust(kicking):
    """Trust on (the written result) against trust off, re-scored from the same tracks."""
    track = track_load(kicking / "tracks.npz")
    on = night_score(track, Settings())
    off = night_score(track, Settings(pose_quality_min=0.0))
    written = pd.read_csv(kicking / "events.csv")
    assert on.events["start_s"].tolist() == written["start_s"].tolist()  # same as analyze
    n_on, s_on = _moves(on.events)
    n_off, s_off = _moves(off.events)
    assert n_off >= 3 and s_off > 5.0  # an awake, kicking baby
    assert n_on >= 0.9 * n_off, (n_on, n_off)
    assert s_on >= 0.9 * s_off, (s_on, s_off)
    assert off.summary["trusted_pose_coverage"] == 1.0
