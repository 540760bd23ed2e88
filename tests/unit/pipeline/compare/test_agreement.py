"""One night's agreement with an expert, on hand-placed events (tests/helpers/agreement.py).

Worked out by hand, onsets within ±1 s, each matched once (closest first):

reference LMs  r1 100.0 L  r2 130.0 R  r3 160.0 B  r4 190.0 L  r5 400.0 R
               (250.0 'LM left' lasts 0.3 s < lm_min_s 0.5: a twitch, as is 260.0 'Twitch')
legmove LMs    d1 100.4 L  d2 131.5 R  d3 159.2 B  d4 190.1 R  d5 250.1 L  d7 500.0 L
               (d6 260.0 is a twitch)
pairs          r1-d1 (0.4 s), r3-d3 (0.8 s), r4-d4 (0.1 s); r2-d2 is 1.5 s apart
  -> tp 3, fp 3 (d2, d5, d7), fn 2 (r2, r5): P 3/6, R 3/5, F1 2·0.5·0.6/1.1 = 6/11
  onset difference reference − legmove: −0.4, +0.8, −0.1 -> median −0.1 s
left leg (L and B): ref r1 r3 r4; legmove d1 d3 d5 d7 -> r1-d1, r3-d3: tp 2, fp 2, fn 1
right leg (R and B): ref r2 r3 r5; legmove d2 d3 d4 -> r3-d3: tp 1, fp 2, fn 2
same side: r1-d1 L=L, r3-d3 B=B, r4-d4 L≠R -> 2/3
twitches: 250.0 ~ d5 (an LM), 260.0 ~ d6 (a twitch) within 0.5 s -> 1 of 2 as LM
PLMs: the reference has no series or PLM label, so legmove's rule runs on its LMs:
  r1..r4 with intervals 30, 30, 30 s (10-90 s), 4 >= plm_min_count -> series 1; r5 comes
  210 s later -> not a PLM. legmove's PLMs d1..d4 (series 1) -> r1-d1, r3-d3, r4-d4:
  tp 3, fp 1 (d2), fn 1 (r2); the two series overlap -> 1 matched
PLMS index: the hypnogram's sleep is N2 60-360 s = 300 s = 1/12 h; r1..r4 lie in it ->
  4 × 12 = 48.0/h against legmove's 40.0/h
by state (hypnogram at each onset): sleep: ref r1-r4, legmove d1-d5 -> tp 3, fp 2, fn 1;
  wake: ref r5, legmove d7 -> tp 0, fp 1, fn 1
epochs (40 of 15 s): legmove's sleep 75-360 (19 epochs), the hypnogram's 60-360 (20): only
  60-75 differs -> accuracy 39/40; chance agreement pe = 0.5·0.475 + 0.5·0.525 = 0.5 ->
  kappa (0.975 − 0.5)/0.5 = 0.95; sleep sensitivity 19/20, wake specificity 20/20
"""

import datetime as dt

import pandas as pd
import pytest

from pipeline.compare.agreement import night_agreement
from pipeline.compare.reference import reference_read
from tests.helpers.agreement import hand_night, hand_reference_csv


def _ref(tmp_path, shift_s=0.0):
    p = tmp_path / "lab.csv"
    p.write_text(hand_reference_csv(shift_s))
    return reference_read(p)


def _counts(c):
    return (c.tp, c.fp, c.fn)


def test_hand_placed_night(tmp_path):
    a = night_agreement(hand_night(), _ref(tmp_path), "hand")
    assert a.offset_s == 0.0 and a.n_outside == 0
    assert _counts(a.lm) == (3, 3, 2)
    assert a.lm.precision == pytest.approx(0.5)
    assert a.lm.recall == pytest.approx(0.6)
    assert a.lm.f1 == pytest.approx(6 / 11)
    assert a.lm_onset_bias_s == pytest.approx(-0.1)
    assert _counts(a.sides["left"]) == (2, 2, 1)
    assert _counts(a.sides["right"]) == (1, 2, 2)
    assert a.side_agreement == pytest.approx(2 / 3)
    assert a.twitch["reference_count"] == 2
    assert (a.twitch["legmove_as_lm"], a.twitch["legmove_as_twitch"]) == (1, 1)
    assert a.twitch["share_as_lm"] == 0.5
    assert _counts(a.plm) == (3, 1, 1) and a.plm_counts == (4, 4)
    assert a.series["reference"] == a.series["legmove"] == a.series["matched"] == 1
    assert a.series["reference_from"].startswith("legmove's PLM rule")
    assert a.plms_index == (48.0, 40.0)
    assert a.sleep_source == "the reference's hypnogram"
    assert _counts(a.by_state["sleep"]) == (3, 2, 1)
    assert _counts(a.by_state["wake"]) == (0, 1, 1)
    sw = a.sleep_wake
    assert sw["epochs"] == 40 and sw["accuracy"] == 0.975 and sw["kappa"] == 0.95
    assert (sw["sleep_sensitivity"], sw["wake_specificity"]) == (0.95, 1.0)
    assert (sw["sleep_onset_reference_s"], sw["total_sleep_reference_s"]) == (60.0, 300.0)
    d = a.to_dict()
    assert d["lm"]["f1"] == round(6 / 11, 4) and d["plms_index_per_h"]["difference"] == -8.0


def test_a_given_offset_puts_a_shifted_reference_back(tmp_path):
    # the PSG started 120 s before the video: every reference time is 120 s later
    a = night_agreement(hand_night(), _ref(tmp_path, 120.0), "hand", offset=120.0)
    assert a.offset_how == "given"
    assert _counts(a.lm) == (3, 3, 2) and a.plms_index == (48.0, 40.0)
    assert a.sleep_wake["accuracy"] == 0.975
    # without it only a chance pair is left (r2 at 130 + 120 = 250.0 s lies 0.1 s from d5),
    # and a note says where the trains agree best
    b = night_agreement(hand_night(), _ref(tmp_path, 120.0), "hand")
    assert _counts(b.lm) == (1, 5, 4)
    # the estimate pairs every onset labelled LM, the 0.3-s one too (370 − 119.9 = d5)
    assert b.estimate.offset_s == pytest.approx(119.9) and b.estimate.matched == 4
    assert any("agree best at an offset of 119.9 s" in n for n in b.notes)
    # 'auto' uses the estimate: the median onset difference of the pairs near the best lag
    # (reference − legmove: 119.6, 119.9, 119.9, 120.8 -> 119.9 s); the hand counts come back
    c = night_agreement(hand_night(), _ref(tmp_path, 120.0), "hand", offset="auto")
    assert c.offset_how == "estimated from the event trains"
    assert c.offset_s == pytest.approx(119.9)
    assert _counts(c.lm) == (3, 3, 2) and c.plms_index == (48.0, 40.0)


def test_reference_events_outside_the_video_are_left_out(tmp_path):
    a = night_agreement(hand_night(), _ref(tmp_path, 250.0), "hand", offset=0.0)
    # 400 + 250 = 650 s is past the 600-s video; so is the wake stage from 610 s
    assert a.n_outside == 1
    assert any("outside the video" in n for n in a.notes)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="positive"):
        night_agreement(hand_night(), _ref(tmp_path), tolerance_s=0)
    with pytest.raises(ValueError, match="'auto'"):
        night_agreement(hand_night(), _ref(tmp_path), offset="later")


def test_a_table_of_clock_times(tmp_path):
    # the hand reference written with times of day, the PSG's zero at 22:00:00 (79200 s)
    lines = hand_reference_csv().strip().splitlines()
    rows = ["time,duration,event"]
    for line in lines[1:]:
        onset, rest = line.split(",", 1)
        t = 22 * 3600 + float(onset)
        rows.append(f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}:{t % 60:04.1f},{rest}")
    p = tmp_path / "clock.csv"
    p.write_text("\n".join(rows) + "\n")
    ref = reference_read(p)
    assert ref.day_clock and ref.events["onset_s"].iloc[0] == 79300.0  # 22:01:40
    # the video's clock known: the offset is its time of day
    start = dt.datetime(2026, 11, 27, 22, 0, 0)
    a = night_agreement(hand_night(), ref, video_start=start)
    assert a.offset_s == 79200.0 and a.offset_how.startswith("from the clocks")
    assert _counts(a.lm) == (3, 3, 2) and a.plms_index == (48.0, 40.0)
    # unknown: estimated over the whole span of the reference (the shift of the hand reference
    # pairs at 79199.9 s, as in test_a_given_offset_puts_a_shifted_reference_back)
    b = night_agreement(hand_night(), ref)
    assert b.offset_how == "estimated from the event trains (no video clock)"
    assert b.offset_s == pytest.approx(79199.9) and _counts(b.lm) == (3, 3, 2)


def test_a_separate_hypnogram_replaces_the_references(tmp_path):
    hyp = pd.DataFrame(
        {"start_s": [0.0, 200.0], "end_s": [200.0, 600.0], "state": ["sleep", "wake"]}
    )
    a = night_agreement(hand_night(), _ref(tmp_path), hypnogram=hyp)
    # sleep is now 0-200 s = 1/18 h with r1..r4 in it: 4 × 18 = 72/h
    assert a.plms_index[0] == 72.0
