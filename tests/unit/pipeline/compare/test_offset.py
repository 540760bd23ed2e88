"""The offset between video and PSG, recovered from the two event trains."""

import numpy as np
import pytest

from pipeline.compare.offset import offset_estimate


def test_a_hand_placed_shift():
    # every legmove onset + 2 s is a reference onset; the reference has one more (300 s)
    est = offset_estimate([12, 27, 49, 82, 300], [10, 25, 47, 80], tolerance_s=1.0)
    assert est.offset_s == pytest.approx(2.0)
    assert (est.matched, est.n_reference, est.n_legmove) == (4, 5, 4)
    assert est.reliable and not est.ambiguous


def test_a_known_shift_in_a_night_with_misses_and_extras():
    rng = np.random.default_rng(7)
    det = np.sort(rng.uniform(0, 3600, 40))  # irregular, as a night's LMs are
    shift = 137.25  # the PSG started 137.25 s before the video
    ref = det + shift + rng.normal(0, 0.05, det.size)  # scorers' onsets jitter
    ref = np.concatenate([np.delete(ref, [3, 17, 30]), rng.uniform(0, 3800, 4)])
    est = offset_estimate(ref, det, max_offset_s=600.0, tolerance_s=1.0)
    assert abs(est.offset_s - shift) < 0.05
    assert est.matched >= 37 and est.reliable
    # the same trains the other way round: the video started first
    back = offset_estimate(det, ref, max_offset_s=600.0, tolerance_s=1.0)
    assert abs(back.offset_s + shift) < 0.05


def test_a_strictly_periodic_train_is_ambiguous():
    det = 20.0 * np.arange(10)  # PLMs every 20 s: a shift of 5 looks like 25 or -15
    est = offset_estimate(det + 5.0, det, max_offset_s=60.0, tolerance_s=1.0)
    assert est.ambiguous and not est.reliable
    assert est.offset_s == pytest.approx(5.0)  # the lag pairing most (10 of 10) still wins


def test_no_pairs_within_reach():
    est = offset_estimate([1000.0], [10.0], max_offset_s=60.0)
    assert est.offset_s is None and not est.reliable
    with pytest.raises(ValueError, match="positive"):
        offset_estimate([1.0], [1.0], tolerance_s=0.0)
