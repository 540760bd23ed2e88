"""`legmove compare` and bench/accuracy.py give the same numbers for the same night.

A detection of the demo night is made from its truth by hand — onsets moved, two LMs lost,
one moved out of the tolerance, a twitch turned into an LM, one LM too many, one PLM
fewer — and scored both ways against sample_videos/demo_night.truth/.
"""

import json
from pathlib import Path

import pandas as pd
import pytest

from bench.accuracy import score_scene
from pipeline.compare.agreement import night_agreement
from pipeline.compare.reference import reference_read
from pipeline.scoring.night import NightResult
from pipeline.settings import Settings

DEMO_TRUTH = Path(__file__).resolve().parents[4] / "sample_videos" / "demo_night.truth"


def _detection() -> pd.DataFrame:
    det = pd.read_csv(DEMO_TRUTH / "events.csv", dtype={"pattern": str}).drop(
        columns=["origin", "n_planted"]
    )
    det["pattern"] = det["pattern"].fillna("")
    lm = det.index[det["kind"] == "lm"]
    det.loc[lm[::2], "start_s"] += 0.3
    det.loc[lm[1::2], "start_s"] -= 0.6
    det.loc[lm[5], "start_s"] += 1.4  # 0.6 s early, then 1.4 s later: 0.8 s late, still in
    det.loc[lm[6], "start_s"] += 1.4  # 0.3 s late, then 1.4 s more: 1.7 s, out of ±1 s
    det = det.drop(index=[lm[2], lm[10]])  # two LMs missed
    tw = det.index[det["kind"] == "twitch"][0]
    det.loc[tw, "kind"] = "lm"  # a twitch counted as an LM
    extra = det.iloc[[0]].assign(start_s=350.0, end_s=351.0, duration_s=1.0, state="sleep")
    det = pd.concat([det, extra], ignore_index=True)
    series = det.index[det["plm_series"].notna()]
    det.loc[series[-1], "plm_series"] = pd.NA  # one PLM fewer
    det["plm_series"] = det["plm_series"].astype("Int64")
    return det.sort_values("start_s").reset_index(drop=True)


def test_compare_gives_bench_accuracys_numbers(tmp_path):
    det = _detection()
    summary = {
        "duration_s": 480.0,
        "sleep_onset_s": 105.0,
        "total_sleep_s": 300.0,
        "plm_index_per_h": 48.0,
        "pose_coverage": 1.0,
        "counts": {"plm": int(det["plm_series"].notna().sum())},
        "settings": Settings().to_dict(),
    }
    det.to_csv(tmp_path / "events.csv", index=False)
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    bench = score_scene(DEMO_TRUTH, tmp_path, "demo_night")
    starts = [15.0 * i for i in range(32)]
    epochs = pd.DataFrame(
        {
            "start_s": starts,
            "end_s": [t + 15.0 for t in starts],
            "state": ["sleep" if 105 <= t < 405 else "wake" for t in starts],
        }
    )
    result = NightResult(det, epochs, pd.DataFrame(), summary)
    a = night_agreement(result, reference_read(DEMO_TRUTH), "demo_night")
    assert a.lm.tp < 19 and a.lm.fp > 0  # the changes show
    assert a.lm.precision == pytest.approx(bench.lm_precision)
    assert a.lm.recall == pytest.approx(bench.lm_recall)
    assert a.lm.f1 == pytest.approx(bench.lm_f1)
    share = a.twitch["legmove_as_lm"] / a.twitch["reference_count"]
    assert share == pytest.approx(bench.twitch_as_lm) == 1 / 6
    # 5 true PLMs; the LM lost at 150 s was one and the last one left its series
    assert a.plm_counts == (bench.plm_true, bench.plm_found) == (5, 3)
    sw = a.sleep_wake
    # the reference's onset: its hypnogram's first sleep (90-395 s, longer than the rule)
    assert sw["sleep_onset_legmove_s"] - sw["sleep_onset_reference_s"] == bench.onset_err_s == 15
