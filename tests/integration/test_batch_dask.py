"""``legmove batch`` machinery: the chunk tasks of a night on a Dask LocalCluster with two
worker processes give the same tracks and events as the local run, into the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector.track import track_load
from detector.video import night_plan
from pipeline.jobs import (
    DaskRunner,
    LocalPool,
    batch_add,
    batch_inputs,
    batch_run,
    job_decode_log,
    job_run,
)
from pipeline.store.db import Store
from tests.helpers.real import REAL  # noqa: E402
from tests.helpers.video import make_video, remux_first_seconds  # noqa: E402

KICKING = REAL / "infant_supine_kicking.mp4"
CHUNK_S = 3.0  # 10 s of video: four chunks, so both workers get some

pytestmark = [pytest.mark.real, pytest.mark.slow]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not KICKING.is_file():
        pytest.skip(f"real video {KICKING} is not on this machine (shared data set not mounted)")
    folder = tmp_path_factory.mktemp("clip")
    return remux_first_seconds(KICKING, folder / "kicking_10s.mp4", 10.0)


@pytest.fixture(scope="module")
def local_run(clip: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, int]:
    """The reference: the same night analyzed chunk after chunk in this process."""
    store = Store(tmp_path_factory.mktemp("local"))
    nid = store.add_night("Baby", "2024-10-07", night_plan([clip]))
    job_run(store, nid, chunk_s=CHUNK_S, workers=1)
    return store, nid


def test_dask_cluster_gives_the_local_result(clip, local_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    ref_store, ref_id = local_run
    store = Store(tmp_path / "data")
    (nid,) = batch_add(store, batch_inputs([clip]), label="Baby")
    assert store.get_night(nid).label == "Baby"

    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        seen: list[tuple[int, float, float]] = []
        with distributed.get_task_stream(client) as tasks:
            outcome = batch_run(
                store,
                [nid],
                DaskRunner(client),
                chunk_s=CHUNK_S,
                progress=lambda n, d, t: seen.append((n, d, t)),
            )
    assert outcome == {nid: None}
    assert len({t["worker"] for t in tasks.data}) == 2, "both workers ran chunks"
    assert store.get_night(nid).status == "done"
    assert seen[-1] == (nid, pytest.approx(10.0, abs=0.1), pytest.approx(10.0, abs=0.1))

    reference, result = ref_store.result(ref_id), store.result(nid)
    assert len(reference.events) > 0
    pd.testing.assert_frame_equal(result.events, reference.events)
    pd.testing.assert_frame_equal(result.episodes, reference.episodes)
    assert result.summary["counts"] == reference.summary["counts"]
    track, ref_track = track_load(store.tracks_file(nid)), track_load(ref_store.tracks_file(ref_id))
    np.testing.assert_array_equal(track.t_s, ref_track.t_s)
    np.testing.assert_array_equal(track.keypoints_px, ref_track.keypoints_px)
    np.testing.assert_array_equal(track.pose_ran, ref_track.pose_ran)
    # every chunk decoded once, logged by this (the coordinating) process
    assert sorted(e["idx"] for e in job_decode_log(store, nid)) == [0, 1, 2, 3]
    assert store.integrity_check() == "ok"


def test_local_pool_gives_the_local_result_and_a_second_batch_finds_the_night(
    clip, local_run, tmp_path
):
    ref_store, ref_id = local_run
    store = Store(tmp_path / "data")
    (nid,) = batch_add(store, batch_inputs([clip]))
    assert store.get_night(nid).label == clip.stem
    with LocalPool(2) as pool:
        assert batch_run(store, [nid], pool, chunk_s=CHUNK_S) == {nid: None}
    pd.testing.assert_frame_equal(store.result(nid).events, ref_store.result(ref_id).events)
    # the same file again: the same night, already done, nothing decoded again
    assert batch_add(store, batch_inputs([clip.parent])) == [nid]
    with LocalPool(1) as pool:
        assert batch_run(store, [nid], pool, chunk_s=CHUNK_S) == {nid: None}
    assert len(job_decode_log(store, nid)) == 4


def test_a_night_that_fails_does_not_stop_the_others(clip, tmp_path):
    store = Store(tmp_path / "data")
    (good,) = batch_add(store, [("clip", [clip])], label="Baby")
    black = tmp_path / "black" / "black.mp4"
    black.parent.mkdir()

    make_video(black, n_frames=120, fps=15)  # 8 s, no baby in it
    (bad,) = batch_add(store, batch_inputs([black.parent]))
    assert store.get_night(bad).label == "black"
    with LocalPool(2) as pool:
        outcome = batch_run(store, [bad, good], pool, chunk_s=CHUNK_S)
    assert outcome[good] is None and store.get_night(good).status == "done"
    assert "no baby" in str(outcome[bad]) and store.get_night(bad).status == "failed"
