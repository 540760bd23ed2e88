"""The ``legmove`` store commands end to end: add and analyse a night, list and show it,
review an episode, re-score with other settings, note, export, and the error paths."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import pipeline.jobs
import pipeline.jobs.chunks
import pipeline.jobs.run
from detector.pose import FakePose, PoseResult
from detector.track import KEYPOINT_NAMES
from pipeline.cli.app import app
from pipeline.scoring.simulate import simulate_plan, simulate_track
from pipeline.store.db import Store
from tests.helpers.video import make_video  # noqa: E402


def _fake_pose() -> FakePose:
    def pose(rgb: np.ndarray) -> PoseResult:
        k = len(KEYPOINT_NAMES)
        kp = np.array([[10 + 5 * i, 20 + (i % 3)] for i in range(k)], np.float32)
        return PoseResult(kp, np.full(k, 0.9, np.float32), 0.9)

    return FakePose(pose)


@pytest.fixture
def legmove(tmp_path, monkeypatch):
    """Run ``legmove ARGS`` against a store in ``tmp_path/data`` (via $LEGMOVE_DATA)."""
    monkeypatch.setenv("LEGMOVE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")  # rich tables: no wrapping inside words
    monkeypatch.setattr(pipeline.jobs.chunks, "pose_default", _fake_pose)  # no MediaPipe here
    # chunks in this process, where the fake pose applies (a worker pool would load MediaPipe)
    monkeypatch.setattr(pipeline.jobs.run, "default_workers", lambda: 1)
    runner = CliRunner()

    def run(*args: str, code: int = 0):  # type: ignore[no-untyped-def]
        result = runner.invoke(app, [str(a) for a in args])
        assert result.exit_code == code, result.output
        if code == 2:  # a clear one-line error, never a traceback
            assert "Traceback" not in result.output and "error" in result.output.lower()
            assert not isinstance(result.exception, Exception) or isinstance(
                result.exception, SystemExit
            )
        return result

    return run


def _simulated_night(tmp_path: Path, legmove) -> tuple[Store, int]:  # type: ignore[no-untyped-def]
    """A night added with --no-analyze whose tracks are a simulated night with PLM series."""
    video = make_video(tmp_path / "sim.mp4", n_frames=90)  # 6 s: long enough to score
    legmove("night", "add", video, "--label", "Mila", "--date", "2024-05-01", "--no-analyze")
    store = Store(tmp_path / "data")
    plan, dur = simulate_plan(2)
    track, _ = simulate_track(plan, dur, 15, seed=2)
    track.save(store.tracks_file(1))  # as an analysis leaves them
    return store, 1


def test_add_analyze_list_show(tmp_path, legmove):
    video = make_video(tmp_path / "v.mp4", n_frames=150, fps=15)
    res = legmove(
        "night",
        "add",
        video,
        "--label",
        "Noah",
        "--date",
        "2024-05-02",
        "--in-bed",
        "19:30",
        "--chunk-s",
        "3",
        "-q",
    )
    assert "added night 1" in res.output and "LMs 0" in res.output
    store = Store(tmp_path / "data")
    night = store.get_night(1)
    assert night.status == "done" and night.in_bed == "19:30"
    assert night.tracks_path is not None and night.tracks_path.is_file()
    assert store.result(1).summary["frames"] == 150
    assert "2024-05-02" in legmove("night", "list").output
    show = legmove("night", "show", "1").output
    assert "night 1 · Noah · 2024-05-02" in show and "no flagged episodes" in show
    assert "already analysed" in legmove("night", "analyse", "1").output
    legmove("night", "analyse", "1", "--force", "-q")  # again, from scratch, in one chunk
    assert [e["idx"] for e in pipeline.jobs.job_decode_log(store, 1)] == [0, 1, 2, 3, 0]
    # the same video cannot become a second night
    res = legmove("night", "add", video, "--label", "Noah", "--date", "2024-05-03", code=2)
    assert "already night 1" in res.output
    assert store.integrity_check() == "ok"


def test_review_rescore_and_show_keep_the_review(tmp_path, legmove):
    store, nid = _simulated_night(tmp_path, legmove)
    legmove("rescore", str(nid))
    eps = store.episodes(nid)
    series = eps[eps["kind"] == "plm_series"].iloc[0]
    number = str(series["number"])
    assert (
        f"{number} of night {nid}: confirm"
        in legmove("review", nid, number, "confirm", "--note", "kicks every 20 s").output
    )
    show = legmove("night", "show", nid).output
    assert "plm_series" in show and "confirm: kicks every 20 s" in show

    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"onset_k": 7.0, "offset_k": 4.5}))
    legmove("rescore", nid, "--settings", settings)
    assert store.settings(nid).onset_k == 7.0
    (review,) = store.reviews(nid)
    assert not review.unmatched and review.note == "kicks every 20 s"
    assert "confirm: kicks every 20 s" in legmove("night", "show", nid).output

    settings.write_text(json.dumps({"plm_min_count": 10}))  # no PLM series any more
    res = legmove("rescore", nid, "--settings", settings)
    assert "1 review(s) match no episode now; they are kept" in res.output
    assert store.settings(nid).onset_k == 7.0  # the file overrides the night's settings only
    assert "review kept from an earlier analysis" in legmove("night", "show", nid).output
    assert store.integrity_check() == "ok"


def test_notes(tmp_path, legmove):
    _simulated_night(tmp_path, legmove)
    legmove("note", "add", "--date", "2024-05-01", "warm bath", "--night", "1")
    legmove("note", "add", "--date", "2024-05-04", "iron supplement started")
    assert legmove("note", "list", "--from", "2024-05-02").output.strip() == (
        "2024-05-04: iron supplement started"
    )
    assert "note 2024-05-01: warm bath" in legmove("night", "show", "1").output


@pytest.mark.skipif(
    importlib.util.find_spec("pipeline.reports.export") is None
    or importlib.util.find_spec("pipeline.reports.pdf") is None,
    reason="pipeline.reports.export / pipeline.reports.pdf are not in this tree yet",
)
def test_export_csv_and_pdf(tmp_path, legmove):
    store, nid = _simulated_night(tmp_path, legmove)
    legmove("rescore", nid)
    legmove("review", nid, "1", "confirm")
    legmove("note", "add", "--date", "2024-05-01", "warm bath")
    res = legmove(
        "export",
        "--from",
        "2024-05-01",
        "--to",
        "2024-05-07",
        "--csv",
        tmp_path / "csv",
        "--pdf",
        tmp_path / "report.pdf",
    )
    assert (tmp_path / "report.pdf").read_bytes()[:5] == b"%PDF-"
    nights_csv = (tmp_path / "csv" / "nights.csv").read_text(encoding="utf-8-sig")
    assert "Mila" in nights_csv and "wrote" in res.output
    legmove("export", "--from", "2024-06-01", "--csv", tmp_path / "x", code=2)


def test_errors_are_one_line_with_exit_code_2(tmp_path, legmove):
    video = make_video(tmp_path / "v.mp4", n_frames=90)
    for args, says in [
        (("night", "show", "7"), "no night 7"),
        (("night", "show", "seven"), "night number"),
        (("night", "analyse", "7"), "legmove night list"),
        (("review", "7", "1", "confirm"), "no night 7"),
        (("rescore", "7"), "no night 7"),
        (("rescore", "no/such/folder"), "neither a results folder nor a night number"),
        (("night", "add", video, "--label", "A", "--date", "2024-02-30"), "YYYY-MM-DD"),
        (
            ("night", "add", video, "--label", "A", "--date", "2024-05-01", "--in-bed", "7pm"),
            "HH:MM",
        ),
        (
            ("night", "add", tmp_path / "missing.mp4", "--label", "A", "--date", "2024-05-01"),
            "no such file",
        ),
        (("note", "add", "--date", "yesterday", "bath"), "YYYY-MM-DD"),
        (("night", "list", "--from", "2024/05/01"), "YYYY-MM-DD"),
        (("export", "--csv", tmp_path / "out"), "no analysed nights"),
        (("export",), "--csv DIR and/or --pdf FILE"),
    ]:
        res = legmove(*args, code=2)
        assert says in res.output, (args, res.output)
    legmove("night", "add", video, "--label", "A", "--date", "2024-05-01", "--no-analyze")
    res = legmove("review", "1", "1", "maybe", code=2)
    assert "confirm, ordinary, reject, unsure" in res.output
    res = legmove("review", "1", "1", "confirm", code=2)
    assert "no episode 1" in res.output
    res = legmove("rescore", "1", code=2)
    assert "no saved tracks yet" in res.output and "night analyze 1" in res.output
