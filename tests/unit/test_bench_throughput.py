"""bench/throughput.py's restless night: the unit's script and the pose share per state."""

from __future__ import annotations

import numpy as np
import pytest

from bench.throughput import RESTLESS_PERIODS, UNIT_S, pose_by_state, restless_items


def test_restless_unit_is_what_the_issue_asks() -> None:
    from synth import Period, PLMSeries, Rhythmic
    from synth.scene import Wriggle

    items = restless_items()
    periods = [(p.start_s, p.end_s, p.state) for p in items if isinstance(p, Period)]
    assert periods == list(RESTLESS_PERIODS)
    # the periods tile the unit: 0-150-210-540-600
    assert periods[0][0] == 0.0 and periods[-1][1] == UNIT_S
    assert all(a[1] == b[0] for a, b in zip(periods, periods[1:], strict=False))
    wriggle_s = sum(w.end_s - w.start_s for w in items if isinstance(w, Wriggle))
    # 146 s + 57 s of wriggling a unit; 60 units in 10 h: 203 s x 60 = 3.38 h >= 3 h
    assert wriggle_s == pytest.approx(146.0 + 57.0)
    assert wriggle_s * 60 / 3600 >= 3.0
    # every wriggle lies inside a wake period
    for w in (it for it in items if isinstance(it, Wriggle)):
        assert any(a <= w.start_s and w.end_s <= b for a, b, st in periods if st == "wake")
    # wake and settling: 150 + 60 + 60 = 270 s of 600, about half the unit
    awake = sum(b - a for a, b, st in periods if st != "sleep")
    assert awake == 270.0
    # four PLMs in 330 s of sleep: 4 / 330 x 3600 = 43.6 an hour (the issue: ~40/h)
    (series,) = [it for it in items if isinstance(it, PLMSeries)]
    sleep_s = sum(b - a for a, b, st in periods if st == "sleep")
    assert series.count * 3600 / sleep_s == pytest.approx(43.64, abs=0.01)
    s0, s1 = series.span()
    assert 210.0 <= s0 and s1 <= 540.0
    # rhythmic bouts while settling (150-210 s): two
    settling = [r for r in items if isinstance(r, Rhythmic) and 150 <= r.t_s < 210]
    assert len(settling) == 2


def test_pose_by_state_counts_the_frames_of_each_state() -> None:
    # two units at 15 fps: 18,000 frames; pose on every frame in 0-150 s of each unit, on
    # every 15th frame elsewhere (frame i runs when i % 15 == 0: one a second)
    fps = 15
    i = np.arange(2 * UNIT_S * fps)
    t = i / fps
    ran = (np.mod(t, UNIT_S) < 150.0) | (i % fps == 0)
    got = pose_by_state(t, ran, RESTLESS_PERIODS, UNIT_S)
    assert list(got) == ["wake", "settling", "sleep"]
    # wake: 2,250 frames (0-150 s) all posed + 900 frames (540-600 s), 60 posed, per unit
    assert got["wake"] == pytest.approx((2250 + 60) / (2250 + 900))
    # settling and sleep: one frame in 15
    assert got["settling"] == pytest.approx(1 / 15)
    assert got["sleep"] == pytest.approx(1 / 15)


def test_pose_by_state_without_frames_in_a_state_is_nan() -> None:
    t = np.arange(0.0, 100.0, 0.5)  # only the first wake period
    got = pose_by_state(t, np.ones(len(t), dtype=bool), RESTLESS_PERIODS, UNIT_S)
    assert got["wake"] == 1.0
    assert np.isnan(got["sleep"]) and np.isnan(got["settling"])
