"""Agreement over several nights: ICC(A,1) and Bland–Altman worked out by hand.

PLMS index per night, reference x = 2, 4, 6, 8 and legmove y = 3, 5, 6, 10 (n = 4, k = 2):

- grand mean 44/8 = 5.5; night means 2.5, 4.5, 6, 9 -> SSR = 2 · (9 + 1 + 0.25 + 12.25) = 45,
  MSR = 45/3 = 15; method means 5 and 6 -> SSC = 4 · (0.25 + 0.25) = 2, MSC = 2;
  SST = 12.25 + 6.25 + 2.25 + 0.25 + 0.25 + 0.25 + 6.25 + 20.25 = 48 -> SSE = 48 − 45 − 2 = 1,
  MSE = 1/3; ICC = (15 − 1/3) / (15 + 1/3 + 2 (2 − 1/3)/4) = (44/3) / (97/6) = 88/97
- differences y − x = 1, 1, 0, 2: bias 1.0; SD = sqrt(((0)² + 0² + 1² + 1²)/3) = sqrt(2/3);
  limits 1 ± 1.96 · sqrt(2/3)
"""

import dataclasses
import math

import pytest

from pipeline.compare.agreement import night_agreement
from pipeline.compare.nights import bland_altman, icc_agreement, nights_agreement
from pipeline.compare.reference import reference_read
from tests.helpers.agreement import hand_night, hand_reference_csv

X = [2.0, 4.0, 6.0, 8.0]
Y = [3.0, 5.0, 6.0, 10.0]


def test_icc_by_hand():
    assert icc_agreement(X, Y) == pytest.approx(88 / 97)
    assert icc_agreement(X, X) == pytest.approx(1.0)  # the same index every night
    # a constant bias lowers absolute agreement: y = x + 2 gives
    # MSR = 2·Σ(x_i+1−6)²/3 = 2·20/3, MSE = 0, MSC = 4·(1+1)/1 = 8 -> (40/3)/(40/3 + 2·8/4)
    assert icc_agreement(X, [x + 2 for x in X]) == pytest.approx((40 / 3) / (40 / 3 + 4))
    assert icc_agreement([5.0], [6.0]) is None  # one night
    assert icc_agreement([3.0, 3.0], [3.0, 3.0]) is None  # no variance at all


def test_bland_altman_by_hand():
    ba = bland_altman(X, Y)
    sd = math.sqrt(2 / 3)
    assert ba.n == 4 and ba.bias == pytest.approx(1.0) and ba.sd == pytest.approx(sd)
    assert ba.lower == pytest.approx(1 - 1.96 * sd) and ba.upper == pytest.approx(1 + 1.96 * sd)
    assert bland_altman([1.0], [2.0]) is None


def test_nights_pool_the_counts_and_take_the_indices(tmp_path):
    p = tmp_path / "lab.csv"
    p.write_text(hand_reference_csv())
    one = night_agreement(hand_night(), reference_read(p), "hand")  # tp 3, fp 3, fn 2
    nights = [
        dataclasses.replace(one, name=f"n{i}", plms_index=(x, y))
        for i, (x, y) in enumerate(zip(X, Y, strict=True))
    ]
    nights.append(dataclasses.replace(one, name="no sleep", plms_index=(None, 4.0)))
    agg = nights_agreement(nights)
    assert (agg.lm.tp, agg.lm.fp, agg.lm.fn) == (15, 15, 10)  # five nights of (3, 3, 2)
    assert agg.lm.f1 == pytest.approx(6 / 11)
    assert [p[0] for p in agg.pairs] == ["n0", "n1", "n2", "n3"]  # the night without is left out
    assert agg.icc == pytest.approx(88 / 97)
    assert agg.bland_altman.bias == pytest.approx(1.0)
    d = agg.to_dict()["over_nights"]
    assert d["plms_index"]["icc_a1"] == round(88 / 97, 4) and d["n_nights"] == 5
