"""Artifact detection (caregiver, camera move, lighting change) and their exclusion."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from detector.track import NightTrack
from pipeline.reports.folder import night_read, night_write
from pipeline.scoring.artifacts import (
    ARTIFACT_COLUMNS,
    artifacts_detect,
    artifacts_mask,
    artifacts_overlap,
    artifacts_seconds,
)
from pipeline.scoring.night import night_score
from pipeline.scoring.simulate import Planned, simulate_plan, simulate_track
from pipeline.settings import Settings

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


# --- a cover (blanket) put on or taken off ---------------------------------------------
_LEG_KPS = [f"{s}_{j}" for s in ("left", "right") for j in ("hip", "knee", "ankle")]


def _cover(
    track: NightTrack,
    at_s: float,
    *,
    put_on: bool = True,
    legs: tuple[int, ...] = (0, 1),
    hidden_vis: tuple[float, float] = (0.1, 0.35),
) -> NightTrack:
    """A blanket drawn over the legs (or pulled off) over 1.5 s from ``at_s``: both leg
    regions and the frame change strongly while it moves, and from then on (or until then)
    the legs' keypoints are found only with visibility in ``hidden_vis``."""
    from detector.track import KEYPOINT_NAMES

    rng = np.random.default_rng(5)
    t = track.t_s
    motion = track.motion.copy()
    moving = (t >= at_s) & (t < at_s + 1.5)
    bump = np.sin(np.pi * (t[moving] - at_s) / 1.5) ** 2
    motion[moving, 1:] += 0.02 * bump[:, None] * (1 + 0.2 * rng.standard_normal((moving.sum(), 2)))
    motion[moving, 0] += 0.006 * bump
    vis = track.visibility.copy()
    hidden = t >= at_s + 0.75 if put_on else t < at_s + 0.75
    cols = [KEYPOINT_NAMES.index(n) for n in _LEG_KPS if _LEG_KPS.index(n) // 3 in legs]
    vis[np.ix_(hidden, cols)] = rng.uniform(*hidden_vis, (hidden.sum(), len(cols)))
    return _with(track, motion=np.clip(motion, 0, 1), visibility=vis)


@pytest.mark.parametrize("fps", [15, 25, 30])
@pytest.mark.parametrize("put_on", [True, False])
# MediaPipe reports covered legs anywhere from well below to just above min_visibility
@pytest.mark.parametrize("hidden_vis", [(0.1, 0.35), (0.45, 0.62)])
def test_cover_put_on_or_taken_off_is_flagged(fps, put_on, hidden_vis):
    track, _ = _sleeping(fps)
    covered = _cover(track, 200.0, put_on=put_on, hidden_vis=hidden_vis)
    arts = artifacts_detect(covered, Settings(), body_px=160.0)
    assert list(arts["kind"]) == ["cover"]
    row = arts.iloc[0]
    # the 1-s smoothing widens the motion by up to half a second on each side
    assert 200.0 - PAD - 0.75 <= row["start_s"] <= 200.0 - PAD + 0.25
    assert 201.5 + PAD - 0.25 <= row["end_s"] <= 201.5 + PAD + 0.75
    assert "blanket" in row["reason"]
    # with the check turned off it is not flagged
    off = Settings(cover_window_s=0.0)
    assert len(artifacts_detect(covered, off, body_px=160.0)) == 0


def test_cover_over_one_leg_or_without_motion_is_not_flagged():
    track, _ = _sleeping(25)
    one_leg = _cover(track, 200.0, legs=(0,))
    assert len(artifacts_detect(one_leg, Settings(), body_px=160.0)) == 0
    # the legs go out of view with no motion at all (the model lost them): nothing moved
    hidden = _cover(track, 200.0)
    still = _with(hidden, motion=track.motion)
    assert len(artifacts_detect(still, Settings(), body_px=160.0)) == 0


@pytest.mark.parametrize("fps", [15, 25, 30])
def test_real_bilateral_lm_is_not_a_cover_even_when_the_pose_goes_wrong_after_it(fps):
    """A bilateral LM after which the model swaps left and right for a minute (quality
    distrusts both legs, but they stay visible) is a leg movement, not a cover change."""
    from detector.track import KEYPOINT_NAMES

    plan = [Planned(200.0, 2.0, "bilateral")]
    track, _ = simulate_track(plan, 320.0, fps, seed=1, noise_px=0.3)
    kp = track.keypoints_px.copy()
    after = track.t_s >= 202.0
    for j in ("hip", "knee", "ankle"):
        li, ri = KEYPOINT_NAMES.index(f"left_{j}"), KEYPOINT_NAMES.index(f"right_{j}")
        kp[np.ix_(after, [li, ri])] = kp[np.ix_(after, [ri, li])]
    swapped = _with(track, keypoints_px=kp)
    assert len(artifacts_detect(swapped, Settings(), body_px=160.0)) == 0
    res = night_score(swapped)
    lm = res.events[res.events["kind"] == "lm"]
    assert len(res.artifacts) == 0
    assert len(lm) == 1 and abs(lm.iloc[0]["start_s"] - 200.0) <= 0.5


def test_night_does_not_count_a_cover_put_on_as_a_leg_movement():
    """The same bilateral burst of leg-region motion is an LM when the legs stay in view,
    and a cover artifact (dropped, listed in artifacts.csv) when they go out of view."""
    track, _ = _sleeping(25)
    burst = _cover(track, 200.0)
    seen = _with(burst, visibility=track.visibility)  # same motion, legs stay in view
    kept = night_score(seen)
    near = (kept.events["start_s"] > 198.0) & (kept.events["start_s"] < 203.0)
    assert list(kept.events[near]["kind"]) == ["lm"]
    covered = night_score(burst)
    near = (covered.events["start_s"] > 198.0) & (covered.events["start_s"] < 203.0)
    assert not near.any()
    assert covered.summary["artifacts"] == {"cover": 1}
    assert covered.summary["counts"]["dropped_in_artifacts"] == 1


# --- the baby's own wriggling is not a caregiver ------------------------------------------
def _outside(track: NightTrack, level: np.ndarray) -> NightTrack:
    """The track with a ``motion_outside`` channel (motion outside the baby's body region)."""
    from detector.track import CHANNEL_NAMES

    ch = np.zeros((track.n_frames, len(CHANNEL_NAMES)), np.float32)
    ch[:, CHANNEL_NAMES.index("motion_outside")] = level
    return _with(track, channels=ch, channel_names=CHANNEL_NAMES)


@pytest.mark.parametrize("fps", [15, 25])
def test_whole_body_wriggling_is_not_a_caregiver(fps):
    """Whole-frame motion the legs do not explain, 160-175 s, as when a baby wriggles arms,
    head and trunk: a caregiver span without the outside channel (tracks written before it),
    none when nothing moved outside the baby's body region, and one when that motion rises
    too (an arm reaching in from the frame's edge)."""
    track, _ = _sleeping(fps)
    rng = np.random.default_rng(4)
    wriggle = _caregiver(track, 160.0, 175.0)
    assert list(artifacts_detect(wriggle, Settings(), 160.0)["kind"]) == ["caregiver"]
    quiet = 0.0003 + 0.00005 * rng.standard_normal(track.n_frames)
    assert len(artifacts_detect(_outside(wriggle, quiet), Settings(), 160.0)) == 0
    arm = quiet.copy()
    inside = (track.t_s >= 160.0) & (track.t_s < 175.0)
    arm[inside] += 0.01
    arts = artifacts_detect(_outside(wriggle, arm), Settings(), 160.0)
    assert list(arts["kind"]) == ["caregiver"]
    assert abs(arts.iloc[0]["start_s"] - (160.0 - PAD)) <= 0.5
    # outside motion alone (far from the baby), without unexplained whole-frame motion: none
    assert len(artifacts_detect(_outside(track, arm), Settings(), 160.0)) == 0
    # where the body region is unknown (no pose yet: NaN) the old rule holds
    unknown = np.full(track.n_frames, np.nan, np.float32)
    assert len(artifacts_detect(_outside(wriggle, unknown), Settings(), 160.0)) == 1


def test_night_clips_a_long_movement_at_a_caregiver_span():
    """A 40-s bilateral long movement with a caregiver's arm in view for 15 s of it: what
    lies before and after the span stays, as ONE movement (clipped) from the movement's
    start to its end — none of it is erased, and the span does not make two of it."""
    plan = [Planned(100.0, 40.0, "bilateral"), Planned(60.0, 2.0, "left")]
    track, _ = simulate_track(plan, 240.0, 15, seed=6, noise_px=0.3)
    r = night_score(_caregiver(track, 115.0, 130.0, level=0.02))
    assert list(r.artifacts["kind"]) == ["caregiver"]
    a, b = (float(v) for v in r.artifacts.iloc[0][["start_s", "end_s"]])
    long = r.events[(r.events["start_s"] >= 95) & (r.events["end_s"] <= 145)]
    assert len(long) == 1 and long["clipped"].all() and 100 - 1 < a < b < 140 + 1
    assert long["kind"].iloc[0] == "long_movement"
    assert abs(long["start_s"].iloc[0] - 100.0) < 1.0 and abs(long["end_s"].iloc[0] - 140.0) < 1.0
    ex = r.summary["artifact_exclusions"]["caregiver"]
    assert ex["movements_clipped"] == 1 and ex["movements_removed"] == 0
    assert ex["movement_s"] == pytest.approx(b - a, abs=0.2)
    assert r.summary["counts"]["clipped_by_artifacts"] == 1
    lm = r.events[r.events["start_s"] < 65]
    assert len(lm) == 1 and not lm["clipped"].iloc[0]


def test_a_clipped_lm_stays_one_movement_and_is_no_candidate_lm():
    """artifacts_clip then artifacts_no_candidates, by hand: an LM 10-14 s with a cover span
    11-12 s inside it stays one row 10-14 s, clipped, 1 s excluded; an LM 20-22 s whose
    first 1.2 s lie in a span 19-21.2 s keeps 21.2-22 s (0.8 s >= lm_min_s 0.5) — its onset
    is in the span, so it is no candidate LM (long_movement, "artifact") and counts as no
    LM; an LM 30-31 s outside any span is untouched; a long movement 40-60 s cut at 50-51 s
    stays a long movement."""
    from pipeline.scoring.artifacts import artifacts_clip, artifacts_no_candidates

    moves = pd.DataFrame(
        {
            "start_s": [10.0, 20.0, 30.0, 40.0],
            "end_s": [14.0, 22.0, 31.0, 60.0],
            "duration_s": [4.0, 2.0, 1.0, 20.0],
            "kind": ["lm", "lm", "lm", "long_movement"],
            "clm_exclusion": ["", "", "", "long"],
        }
    )
    arts = pd.DataFrame(
        {
            "start_s": [11.0, 19.0, 50.0],
            "end_s": [12.0, 21.2, 51.0],
            "duration_s": [1.0, 2.2, 1.0],
            "kind": ["cover", "cover", "caregiver"],
            "reason": ["", "", ""],
        }
    )
    out, counts = artifacts_clip(moves, arts, 0.5)
    out = artifacts_no_candidates(out)
    assert list(zip(out["start_s"], out["end_s"], strict=True)) == [
        (10.0, 14.0),
        (21.2, 22.0),
        (30.0, 31.0),
        (40.0, 60.0),
    ]
    assert list(out["clipped"]) == [True, True, False, True]
    assert list(out["kind"]) == ["long_movement", "long_movement", "lm", "long_movement"]
    assert list(out["clm_exclusion"]) == ["artifact", "artifact", "", "long"]
    assert counts["cover"]["movements_clipped"] == 2 and counts["cover"]["movements_removed"] == 0
    assert counts["cover"]["movement_s"] == pytest.approx(1.0 + 1.2)
    assert counts["caregiver"] == {
        "movements_clipped": 1,
        "movements_removed": 0,
        "movement_s": 1.0,
    }
