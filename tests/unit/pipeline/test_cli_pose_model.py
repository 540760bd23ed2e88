"""`--pose-model`: a name the pose backend knows goes to every process the command starts."""

from __future__ import annotations

import os

import pytest
import typer
from typer.testing import CliRunner

from detector.pose import ENV_MODEL
from pipeline.cli.app import app
from pipeline.cli.nights import pose_model_use


def test_a_known_model_is_passed_on_through_the_environment(monkeypatch):
    monkeypatch.delenv(ENV_MODEL, raising=False)
    pose_model_use(None)
    assert ENV_MODEL not in os.environ  # no option: the default (or the user's variable)
    pose_model_use("heavy")
    assert os.environ[ENV_MODEL] == "heavy"
    with pytest.raises(typer.BadParameter, match="lite, full, heavy"):
        pose_model_use("huge")


def test_an_unknown_model_is_refused_before_any_video_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_MODEL, raising=False)
    result = CliRunner().invoke(
        app, ["analyze", str(tmp_path / "none.mp4"), "--out", str(tmp_path), "--pose-model", "x"]
    )
    assert result.exit_code == 2
    said = " ".join(result.output.replace("│", " ").split())  # rich wraps it in a box
    assert "not a pose model" in said and "lite, full, heavy" in said
    assert not (tmp_path / "events.csv").exists()
