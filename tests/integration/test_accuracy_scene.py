"""One short generated scene end to end: render → `legmove analyze` (real MediaPipe) → compare.

The thresholds are the accuracy targets of bench/accuracy.py (LM F1 >= 0.9, twitches counted
as LMs <= 20 %, PLMs within ±1, sleep onset within 90 s, every rhythmic bout with the right
pattern and frequency within 0.3 Hz).
"""

from __future__ import annotations

import pytest

from bench.accuracy import TARGETS, score_scene  # noqa: E402
from pipeline.jobs.intake import night_analyze
from synth import (
    LegMovement,
    Period,
    PLMSeries,
    Rhythmic,
    Twitch,
    synth_render,
    synth_scene,
    truth_dir_for,
)

pytestmark = pytest.mark.slow


def test_short_scene_meets_the_accuracy_targets(tmp_path):
    scene = synth_scene(
        200,
        fps=15,
        width=320,
        height=240,
        seed=3,
        items=[
            Period(0, 40, "settling"),
            Period(40, 200, "sleep"),
            LegMovement(8, 2.0, "left"),
            Rhythmic(18, frequency_hz=1.5, cycles=6, pattern="cycling"),
            Twitch(30, "right", 0.25),
            PLMSeries(50, 5, 22.0, 1.5, "alternate"),
            Twitch(165, "left", 0.2),
            LegMovement(180, 3.0, "bilateral"),
        ],
    )
    video = synth_render(scene, tmp_path / "scene.mp4")
    out = tmp_path / "out"
    night_analyze([video], out)
    s = score_scene(truth_dir_for(video), out, "short")
    assert s.lm_f1 >= TARGETS["f1"], s
    assert s.twitch_as_lm is not None and s.twitch_as_lm <= TARGETS["twitch_as_lm"], s
    assert abs(s.plm_found - s.plm_true) <= TARGETS["plm_err"], s
    assert s.onset_err_s is not None and abs(s.onset_err_s) <= TARGETS["onset_err_s"], s
    assert s.rhythmic_n == 1 and s.rhythmic_ok == 1, s
