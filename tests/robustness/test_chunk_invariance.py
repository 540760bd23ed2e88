"""Same video, same answer: where a night is cut into chunks does not change its events.

A night is analysed in chunks (``--chunk-s``; batch, pool and cluster workers, resumed jobs).
Before, each chunk started the detector afresh: the pose model's tracker followed the baby
from the chunk's first frame instead of from the frames before it (every keypoint after a
boundary then differed from the uncut run's, by up to 6 px and never again by nothing), the
motion gate's rest level and the pose schedule started empty. The demo night gave 38
movements / 16 twitches at ``--chunk-s 60`` against 34 / 12 at 300 (33 / 11 uncut), the real
kicking clip 7 / 8 / 8 LMs and 2 / 3 / 2 rhythmic bouts at 300 / 20 / 7 s.

Now the detector itself starts afresh every ``sync_s`` (60 s) of the night's timeline, in a
whole-night run as in a chunk, its rest level learned again from the minute before each sync,
and a chunk decodes from the sync point before its start and the minute before that
(:func:`detector.extract.track_extract`): chunks give the whole night's tracks, bit for bit,
so the events are the same. These tests run the real CLI with the real pose model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector.track import track_load
from detector.video import night_plan
from pipeline.jobs.chunks import chunk_plan, chunk_track, chunk_warmup_s
from pipeline.store.db import Store

from .media import REPO, cli_batch

pytestmark = [pytest.mark.real, pytest.mark.slow]

DEMO = REPO / "sample_videos" / "demo_night.mp4"
FRAME_S = 1 / 15  # both videos are 15 fps: "within one frame"
COUNTS = ("twitch", "lm", "long_movement", "rhythmic", "plm", "plm_series")


def _nights(video: Path, chunk_sizes: list[float], work: Path) -> dict[float, Store]:
    """``legmove night add VIDEO --chunk-s S`` into a fresh store for each chunk size."""
    runs = [
        ["night", "add", video, "--label", "Mila", "--date", "2024-05-01", "--chunk-s", s]
        + ["-q", "--data", work / f"chunks_{s:g}"]
        for s in chunk_sizes
    ]
    for res in cli_batch(runs, work / "cli", timeout_s=1800):
        assert res.returncode == 0, res.stderr
        assert "Traceback" not in res.stderr
    return {s: Store(work / f"chunks_{s:g}") for s in chunk_sizes}


def _same_events(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    """Same movements: kind and side equal, start and end within one frame."""
    assert len(a) == len(b), f"{what}: {len(a)} vs {len(b)} movements"
    assert a["kind"].tolist() == b["kind"].tolist(), what
    assert a["side"].tolist() == b["side"].tolist(), what
    for col in ("start_s", "end_s"):
        worst = np.abs(a[col].to_numpy() - b[col].to_numpy()).max(initial=0.0)
        assert worst <= FRAME_S, f"{what}: {col} differs by {worst:.3f} s"


def _check_invariant(stores: dict[float, Store], reference: float) -> None:
    ref = stores[reference].result(1)
    ref_track = track_load(stores[reference].tracks_file(1))
    assert len(ref.events) >= 5, "the night has movements to compare"
    for size, store in stores.items():
        got = store.result(1)
        _same_events(got.events, ref.events, f"--chunk-s {size:g} vs {reference:g}")
        for k in COUNTS:
            assert got.summary["counts"][k] == ref.summary["counts"][k], (size, k)
        assert got.summary["episodes"] == ref.summary["episodes"], size
        # the cause, not only its effect: the chunks give the uncut night's tracks exactly
        track = track_load(store.tracks_file(1))
        np.testing.assert_array_equal(track.t_s, ref_track.t_s)
        np.testing.assert_array_equal(track.pose_ran, ref_track.pose_ran)
        np.testing.assert_array_equal(track.keypoints_px, ref_track.keypoints_px)
        np.testing.assert_array_equal(track.motion, ref_track.motion)


def test_the_demo_night_gives_the_same_events_at_chunk_sizes_60_300_and_600(tmp_path):
    # 480 s: 8 chunks of 60 s (on the pool's two workers), 2 of 300 s, 1 of 600 s (uncut)
    _check_invariant(_nights(DEMO, [60.0, 300.0, 600.0], tmp_path), reference=600.0)


@pytest.fixture(scope="module")
def kicking_nights(kicking_clip, tmp_path_factory) -> dict[float, Store]:
    return _nights(kicking_clip, [7.0, 20.0, 300.0], tmp_path_factory.mktemp("kicking"))


def test_the_kicking_clip_gives_the_same_events_at_chunk_sizes_7_20_and_300(kicking_nights):
    # 47 s: 7 chunks of 7 s, 3 of 20 s, 1 of 300 s (uncut)
    stores = kicking_nights
    _check_invariant(stores, reference=300.0)
    counts = stores[300.0].result(1).summary["counts"]
    # a clip that kicks: many LMs to keep invariant (its slow kicking holds no rhythmic bout
    # beyond chance, as on every frame: tests/integration/test_gate_real.py)
    assert counts["lm"] >= 4 and counts["lm"] + counts["twitch"] >= 6, counts


def test_analyse_again_without_chunk_s_keeps_the_counts(kicking_nights, tmp_path):
    # a night first analysed at --chunk-s 7, analysed again with the default 300-s chunks
    store = kicking_nights[7.0]
    before = store.result(1)
    (res,) = cli_batch(
        [["night", "analyze", "1", "--force", "-q", "--data", store.data_dir]], tmp_path
    )
    assert res.returncode == 0, res.stderr
    after = store.result(1)
    _same_events(after.events, before.events, "--force at 300 s vs first run at 7 s")
    assert after.summary["counts"] == before.summary["counts"]


def test_analyze_into_a_folder_gives_the_stores_events(kicking_clip, kicking_nights, tmp_path):
    # `legmove analyze` decodes the night in one pass; the store's job in chunks
    (res,) = cli_batch([["analyze", kicking_clip, "--out", tmp_path / "out", "-q"]], tmp_path)
    assert res.returncode == 0, res.stderr
    folder = pd.read_csv(tmp_path / "out" / "events.csv")
    _same_events(folder, kicking_nights[7.0].result(1).events, "analyze vs chunks of 7 s")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["counts"] == kicking_nights[300.0].result(1).summary["counts"]


def test_chunks_that_start_between_sync_points_warm_up_from_the_one_before(kicking_clip):
    # with a sync every 10 s and a 10-s rest window, chunks of 7 s start at 7, 14, 21, ...:
    # each runs in full from the sync point before its start (0, 10, 20, ...), measures the
    # rest level from the sync point before that, and decodes a lead-in of 1.5 s before it:
    # the chunk at 14 s from 0 s, at 21 s from 8.5 s (10 - 1.5), at 35 s from 18.5 s
    options = {"sync_s": 10.0, "gate_rest_window_s": 10.0}
    assert chunk_warmup_s(7.0, options) == pytest.approx(7.0)  # from the night's start
    assert chunk_warmup_s(14.0, options) == pytest.approx(14.0)
    assert chunk_warmup_s(21.0, options) == pytest.approx(12.5)
    assert chunk_warmup_s(35.0, options) == pytest.approx(16.5)
    assert chunk_warmup_s(20.0, options) == pytest.approx(11.5)  # on a sync point
    # the defaults: a 300-s chunk decodes from 238.5 s (sync 300, rest from 240, lead-in)
    assert chunk_warmup_s(300.0) == pytest.approx(61.5)
    segs = night_plan([kicking_clip])
    dicts = [s.to_dict() for s in segs]

    def joined(chunk_s: float) -> list:
        plan = chunk_plan(segs, chunk_s)
        return [chunk_track(dicts, a, b, options=options) for a, b in plan]

    whole = joined(300.0)[0]
    assert whole.pose_ran.sum() > 0
    for chunk_s in (7.0, 20.0):
        parts = joined(chunk_s)
        for name in ("t_s", "pose_ran", "keypoints_px", "visibility", "motion"):
            got = np.concatenate([getattr(p, name) for p in parts])
            np.testing.assert_array_equal(got, getattr(whole, name), err_msg=f"{chunk_s} {name}")
