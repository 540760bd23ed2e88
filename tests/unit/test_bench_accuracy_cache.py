"""bench.accuracy's scene cache: a rendering is reused only if the same script and the same
renderer drew it."""

from __future__ import annotations

import json
from pathlib import Path

from bench.accuracy import render_once
from synth import Period, synth_scene, truth_dir_for
from synth.write import GENERATOR


def _scene(seconds: float):
    return synth_scene(seconds, width=96, height=72, items=[Period(0, seconds, "sleep")])


def test_a_cached_scene_is_reused_and_an_older_renderers_is_drawn_again(tmp_path: Path) -> None:
    video = tmp_path / "scene.mp4"
    render_once(_scene(2.0), video)
    summary = truth_dir_for(video) / "summary.json"
    assert json.loads(summary.read_text())["generator"] == GENERATOR
    first = video.stat().st_mtime_ns

    render_once(_scene(2.0), video)  # same script, same renderer: the file is kept
    assert video.stat().st_mtime_ns == first

    old = json.loads(summary.read_text())
    old["generator"] = "legmove.synth/0"  # as an older renderer would have written it
    summary.write_text(json.dumps(old))
    render_once(_scene(2.0), video)
    assert json.loads(summary.read_text())["generator"] == GENERATOR
    assert video.stat().st_mtime_ns != first

    again = video.stat().st_mtime_ns
    render_once(_scene(3.0), video)  # another script: drawn again
    assert video.stat().st_mtime_ns != again
