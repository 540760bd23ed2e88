import pandas as pd
import pytest

from pipeline.compare import compare_events, compare_onsets


def test_hand_worked_matching():
    # truth 10, 20, 30; detected 10.4 (match), 21.5 (too far at tol 1), 29.2 (match), 50 (FP)
    c = compare_onsets([10, 20, 30], [10.4, 21.5, 29.2, 50], tolerance_s=1.0)
    assert (c.tp, c.fp, c.fn) == (2, 2, 1)
    assert c.pairs == [(0, 0), (2, 2)]
    assert c.precision == pytest.approx(0.5)
    assert c.recall == pytest.approx(2 / 3)
    assert c.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_one_to_one_closest_first():
    # two detections near one truth: only the closest matches
    c = compare_onsets([10], [9.5, 10.1], 1.0)
    assert c.pairs == [(0, 1)] and c.fp == 1


def test_empty_tables():
    c = compare_onsets([], [], 1.0)
    assert c.precision == 1.0 and c.recall == 1.0


def test_compare_events_filters_kind():
    truth = pd.DataFrame({"start_s": [1.0, 5.0], "kind": ["lm", "twitch"]})
    det = pd.DataFrame({"start_s": [1.2, 5.0], "kind": ["lm", "lm"]})
    c = compare_events(truth, det, ("lm",), 0.5)
    assert (c.tp, c.fp, c.fn) == (1, 1, 0)
