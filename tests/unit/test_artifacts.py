"""Artifact detection (caregiver, camera move, lighting change) and their exclusion."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from detector.track import NightTrack
from pipeline.artifacts import (
    ARTIFACT_COLUMNS,
    artifacts_detect,
    artifacts_mask,
    artifacts_overlap,
    artifacts_seconds,
)
from pipeline.night import night_read, night_score, night_write
from pipeline.settings import Settings
from pipeline.simulate import Planned, simulate_plan, simulate_track

PAD = Settings().artifact_pad_s


def _with(track: NightTrack, **arrays: np.ndarray) -> NightTrack:
    return dataclasses.replace(track, **arrays)  # type: ignore[arg-type]


def _sleeping(fps: float, seed: int = 0) -> tuple[NightTrack, pd.DataFrame]:
    """A sleeping baby with a few LMs 20-40 s apart."""
    plan = [
        Planned(float(t), 2.0, "left" if i % 2 else "bilateral")
        for i, t in enumerate((30, 55, 90, 130, 250, 280))
    ]
    return simulate_track(plan, 320.0, fps, seed=seed)


def _caregiver(track: NightTrack, a: float, b: float, level: float = 0.01) -> NightTrack:
    """Whole-frame motion (an arm in view) between ``a`` and ``b``; the legs stay still."""
    rng = np.random.default_rng(1)
    motion = track.motion.copy()
    inside = (track.t_s >= a) & (track.t_s < b)
    motion[inside, 0] += level * (1 + 0.3 * rng.standard_normal(inside.sum())).clip(0.2)
    return _with(track, motion=motion)


@pytest.mark.parametrize("fps", [15, 25, 30])
def test_caregiver_span_found(fps):
    track, _ = _sleeping(fps)
    arts = artifacts_detect(_caregiver(track, 160.0, 175.0), Settings(), body_px=160.0)
    assert list(arts.columns) == ARTIFACT_COLUMNS
    assert len(arts) == 1
    row = arts.iloc[0]
    assert row["kind"] == "caregiver"
    assert abs(row["start_s"] - (160.0 - PAD)) <= 0.5
    assert abs(row["end_s"] - (175.0 + PAD)) <= 0.5
    assert row["duration_s"] == pytest.approx(row["end_s"] - row["start_s"])
    assert "caregiver" in row["reason"]


@pytest.mark.parametrize("fps", [15, 25, 30])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_baby_movements_are_not_artifacts(fps, seed):
    plan, dur = simulate_plan(seed)
    track, _ = simulate_track(plan, dur, fps, seed=seed, dropout_rate=0.03)
    assert len(artifacts_detect(track, Settings(), body_px=160.0)) == 0


def test_compression_flicker_is_not_an_artifact():
    """A small one-frame change every 2 s (keyframes) is neither lighting nor caregiver."""
    track, _ = _sleeping(25)
    motion = track.motion.copy()
    motion[::50] += 0.003
    assert len(artifacts_detect(_with(track, motion=motion), Settings(), body_px=160.0)) == 0


def test_lighting_change():
    track, _ = _sleeping(15)
    motion = track.motion.copy()
    i = int(np.searchsorted(track.t_s, 200.0))
    motion[i] = 0.15  # every region changes at once in one frame
    arts = artifacts_detect(_with(track, motion=motion), Settings(), body_px=160.0)
    assert list(arts["kind"]) == ["lighting_change"]
    assert arts.iloc[0]["start_s"] == pytest.approx(track.t_s[i] - PAD)
    assert arts.iloc[0]["end_s"] == pytest.approx(track.t_s[i] + 1 / 15 + PAD, abs=1e-3)


def test_camera_move():
    track, _ = _sleeping(15)
    t = track.t_s
    motion = track.motion.copy()
    moving = (t >= 200.0) & (t < 204.0)
    motion[moving] += 0.03  # the whole picture and the leg regions change alike
    kp = track.keypoints_px.copy()
    kp[t >= 204.0] += np.array([40.0, 25.0])  # and the baby sits elsewhere afterwards
    arts = artifacts_detect(_with(track, motion=motion, keypoints_px=kp), Settings(), 160.0)
    assert list(arts["kind"]) == ["camera_move"]
    assert abs(arts.iloc[0]["start_s"] - (200.0 - PAD)) <= 0.5
    # the same even motion with the baby in the same place afterwards: a caregiver
    arts = artifacts_detect(_with(track, motion=motion), Settings(), 160.0)
    assert list(arts["kind"]) == ["caregiver"]


def test_brief_motion_away_from_the_legs_is_not_a_caregiver():
    """An awake baby's arm reach (about a second of motion beyond the legs) is kept."""
    track, _ = _sleeping(25)
    assert len(artifacts_detect(_caregiver(track, 200.0, 201.2), Settings(), 160.0)) == 0
    found = artifacts_detect(_caregiver(track, 200.0, 204.0), Settings(), 160.0)
    assert list(found["kind"]) == ["caregiver"]


def test_torso_jump_is_a_caregiver():
    track, _ = _sleeping(15)
    kp = track.keypoints_px.copy()
    motion = track.motion.copy()
    t = track.t_s
    lifted = (t >= 150.0) & (t < 153.0)
    kp[lifted] += np.array([0.0, 60.0])  # picked up and put back
    motion[lifted, 0] += 0.0004  # little image motion: below the unexplained-motion floor
    arts = artifacts_detect(_with(track, keypoints_px=kp, motion=motion), Settings(), 160.0)
    # the jump away and the jump back (the still spell between them is not flagged)
    assert list(arts["kind"]) == ["caregiver", "caregiver"]
    assert arts.iloc[0]["start_s"] <= 150.0 <= arts.iloc[0]["end_s"]
    assert arts.iloc[1]["start_s"] <= 153.0 <= arts.iloc[1]["end_s"]
    # without the body length torso jumps are not used: then nothing is found
    assert len(artifacts_detect(_with(track, keypoints_px=kp, motion=motion), Settings())) == 0
    # a jump without any image motion (pose noise) is not an artifact either
    assert len(artifacts_detect(_with(track, keypoints_px=kp), Settings(), 160.0)) == 0


def test_tiny_track_has_no_artifacts():
    track, _ = _sleeping(15)
    assert len(artifacts_detect(track.slice(0, 2), Settings())) == 0


def test_mask_overlap_and_seconds():
    arts = pd.DataFrame(
        {"start_s": [10.0, 15.0, 40.0], "end_s": [20.0, 25.0, 41.0], "kind": ["caregiver"] * 3}
    )
    t = np.array([5.0, 10.0, 19.9, 25.0, 40.5])
    assert list(artifacts_mask(arts, t)) == [False, True, True, False, True]
    ov = artifacts_overlap(
        arts, np.array([0.0, 8.0, 25.0, 39.0]), np.array([5.0, 10.5, 30.0, 40.1])
    )
    assert list(ov) == [False, True, False, True]
    assert artifacts_seconds(arts) == pytest.approx(16.0)
    assert artifacts_seconds(arts.iloc[:0]) == 0.0


def test_night_excludes_artifacts(tmp_path):
    """LMs during a caregiver visit are dropped, its epochs are not scored, and the spans
    are listed in the result and in artifacts.csv."""
    plan = [Planned(float(t), 2.0, "bilateral") for t in (40, 70, 100, 130, 165, 168.5, 250)]
    track, _ = simulate_track(plan, 320.0, 15, seed=3, noise_px=0.3)
    clean = night_score(track)
    visit = night_score(_caregiver(track, 160.0, 175.0, level=0.02))
    assert len(visit.artifacts) == 1
    lm_clean = clean.events[clean.events["kind"] == "lm"]
    lm_visit = visit.events[visit.events["kind"] == "lm"]
    assert len(lm_clean) == 7 and len(lm_visit) == 5
    assert not ((lm_visit["start_s"] > 158) & (lm_visit["start_s"] < 177)).any()
    assert visit.summary["counts"]["dropped_in_artifacts"] == 2
    # the 1-s smoothing widens a span by up to half a second on each side
    assert visit.summary["artifact_s"] == pytest.approx(15.0 + 2 * PAD, abs=1.0)
    assert visit.summary["artifacts"] == {"caregiver": 1}
    ep = visit.epochs
    art = ep[ep["state"] == "artifact"]
    assert len(art) == 2 and art["start_s"].min() <= 159.0 and art["end_s"].max() >= 176.0
    paths = night_write(visit, tmp_path)
    assert paths["artifacts"].name == "artifacts.csv"
    back = night_read(tmp_path)
    assert list(back.artifacts["kind"]) == ["caregiver"]
    assert back.artifacts.iloc[0]["start_s"] == pytest.approx(visit.artifacts.iloc[0]["start_s"])
    # a result folder written before artifacts existed still reads
    (tmp_path / "artifacts.csv").unlink()
    assert len(night_read(tmp_path).artifacts) == 0
    night_write(clean, tmp_path / "clean")
    assert len(night_read(tmp_path / "clean").artifacts) == 0
