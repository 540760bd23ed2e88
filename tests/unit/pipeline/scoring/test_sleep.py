"""Sleep/wake scoring on simulated activity with known answers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from pipeline.scoring.activity import LegActivity
from pipeline.scoring.night import night_score
from pipeline.scoring.simulate import Planned, simulate_track
from pipeline.scoring.sleep import SleepResult, sleep_score, sleep_state_at, sleep_stats
from pipeline.settings import Settings

EPOCH = Settings().epoch_s


def _onset(sleep: SleepResult) -> float:
    assert sleep.sleep_onset_s is not None, "no sleep onset found"
    return sleep.sleep_onset_s


def _activity(
    duration_s: float, wake: Sequence[tuple[float, float]], fs: float = 15.0, seed: int = 0
) -> LegActivity:
    """Quiet activity with a 1-s leg movement every 30 s (sleep), and, inside each ``wake``
    span, the left leg active 1 s of every 2 s (an awake baby: movements 2 s apart chain
    into a sustained bout, see sleep_leg_bouts)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * fs)) / fs
    level = np.zeros((2, len(t)))
    level[1, (t % 30.0) < 1.0] = 2.0  # sparse sleep movements: 1/30 of the time
    for a, b in wake:
        level[0, (t >= a) & (t < b) & ((t % 2.0) < 1.0)] = 2.0
    whole = 0.002 + rng.normal(0, 1e-4, len(t))
    nan = np.full((2, len(t)), np.nan)
    return LegActivity(
        t_s=t,
        fs_hz=fs,
        level=level,
        offset_level=np.full((2, len(t)), 0.6),
        from_pose=np.ones((2, len(t)), dtype=bool),
        extension_bl=nan,
        speed_bl_s=nan,
        motion=np.where(level >= 1.0, 0.01, 0.0),  # a moving leg changes its image region
        whole_motion=whole,
        body_length_px=160.0,
        thresholds={},
    )


@pytest.mark.parametrize("fs", [15.0, 25.0, 30.0])
@pytest.mark.parametrize("onset", [600.0, 607.0, 613.5])
def test_onset_within_one_epoch(fs, onset):
    sleep = sleep_score(_activity(2400, [(0, onset)], fs), Settings())
    assert sleep.sleep_onset_s is not None
    assert abs(_onset(sleep) - onset) <= EPOCH
    assert sleep.awakenings == []
    # everything before onset is wake, the rest sleep
    ep = sleep.epochs
    assert (ep.loc[ep["start_s"] < _onset(sleep), "state"] == "wake").all()
    assert (ep.loc[ep["start_s"] >= _onset(sleep), "state"] == "sleep").all()
    assert sleep.total_sleep_s == pytest.approx(2400 - _onset(sleep), abs=1.0)


def test_awakenings_counted_exactly():
    wake = [(0, 300), (900, 990), (1500, 1620), (2100, 2400)]  # 3 awakenings of 90-300 s
    stirs = [(600, 620), (1200, 1230), (1800, 1825)]  # brief stirs: 20-30 s
    sleep = sleep_score(_activity(3600, wake + stirs), Settings())
    assert abs(_onset(sleep) - 300) <= EPOCH
    assert len(sleep.awakenings) == 3
    for (a, b), (ta, tb) in zip(sleep.awakenings, wake[1:], strict=True):
        assert abs(a - ta) <= EPOCH and abs(b - tb) <= EPOCH
    # the stirs stay sleep
    for a, b in stirs:
        assert set(sleep_state_at(sleep.epochs, np.array([a, b]))) == {"sleep"}


def test_wake_at_the_end_is_not_an_awakening():
    sleep = sleep_score(_activity(1800, [(0, 300), (1500, 1800)]), Settings())
    assert sleep.awakenings == []
    assert abs((sleep.sleep_offset_s or 0.0) - 1500) <= EPOCH
    stats = sleep_stats(sleep, 0.0, 1800.0)
    assert stats["waso_s"] == 0.0


def test_awakening_minimum_length_is_the_setting():
    act = _activity(2400, [(0, 300), (1200, 1245)])  # a 45-s wake bout
    assert len(sleep_score(act, Settings()).awakenings) == 0
    assert len(sleep_score(act, Settings(wake_min_s=30.0)).awakenings) == 1


def test_quiet_wake_inside_long_wake_is_not_sleep_onset():
    # 20 min awake, a 4-min still spell, 20 min awake, then asleep: onset is the second
    act = _activity(3600, [(0, 1200), (1440, 2640)])
    sleep = sleep_score(act, Settings())
    assert abs(_onset(sleep) - 2640) <= EPOCH
    # the same still spell after only 5 min awake is sleep onset (a nap that ended)
    act = _activity(3600, [(0, 300), (540, 2640)])
    sleep = sleep_score(act, Settings())
    assert abs(_onset(sleep) - 300) <= EPOCH
    assert len(sleep.awakenings) == 1


def test_no_sleep():
    sleep = sleep_score(_activity(1200, [(0, 1200)]), Settings())
    assert sleep.sleep_onset_s is None and sleep.sleep_offset_s is None
    assert sleep.total_sleep_s == 0.0 and sleep.awakenings == []
    assert (sleep.epochs["state"] == "wake").all()
    stats = sleep_stats(sleep, 0.0, 1200.0)
    assert stats["time_to_sleep_s"] is None and stats["sleep_efficiency"] == 0.0


def test_short_sleep_bout_is_not_onset():
    # 90 s still is below sleep_onset_min_s (120 s): no onset there
    act = _activity(1800, [(0, 600), (690, 1200)])
    sleep = sleep_score(act, Settings())
    assert abs(_onset(sleep) - 1200) <= EPOCH


def test_artifact_epochs_are_not_scored_and_bridged():
    act = _activity(2400, [(0, 300), (1200, 1290)])
    excluded = (act.t_s >= 1195) & (act.t_s < 1300)  # the 90-s "wake" was a caregiver
    sleep = sleep_score(act, Settings(), excluded=excluded)
    ep = sleep.epochs
    art = ep[ep["state"] == "artifact"]
    assert art["start_s"].min() <= 1195 < art["end_s"].min()
    assert art["end_s"].max() >= 1300 and len(art) == 8
    assert sleep.awakenings == []  # bridged: the sleep bout goes on
    assert (art["state_filled"] == "sleep").all()
    assert sleep.total_sleep_s == pytest.approx(
        (ep["end_s"] - ep["start_s"])[ep["state"] == "sleep"].sum()
    )
    assert sleep.total_sleep_s == pytest.approx(2400 - _onset(sleep) - 8 * EPOCH, abs=1)
    assert sleep.artifact_s == pytest.approx(105, abs=0.2)
    # a movement inside the artifact span takes the bridged state
    assert sleep_state_at(ep, np.array([1250.0]))[0] == "sleep"
    stats = sleep_stats(sleep, 0.0, 2400.0)
    assert stats["time_in_bed_s"] == pytest.approx(2400 - 8 * EPOCH, abs=1)


def test_artifact_between_wake_and_sleep_is_wake():
    act = _activity(1800, [(0, 600)])
    excluded = (act.t_s >= 590) & (act.t_s < 640)
    sleep = sleep_score(act, Settings(), excluded=excluded)
    # onset is after the artifact, as the bout of scored sleep begins there
    assert 600 <= _onset(sleep) <= 640 + EPOCH


def test_artifact_at_the_start_is_not_sleep():
    act = _activity(1200, [])
    excluded = act.t_s < 40.0  # a caregiver putting the baby down
    sleep = sleep_score(act, Settings(), excluded=excluded)
    assert _onset(sleep) == 45.0  # the first scored epoch, not the artifact before it
    assert sleep_state_at(sleep.epochs, np.array([10.0]))[0] == "wake"


def test_artifact_inside_a_wake_bout_counts_towards_the_awakening():
    # awake 300-330 s, a caregiver handles the baby 330-360 s (excluded), awake to 375 s:
    # 45 s scored awake plus 30 s of artifact between them is one 75-s awakening
    act = _activity(1800, [(0, 120), (300, 375)])
    excluded = (act.t_s >= 330.0) & (act.t_s < 360.0)
    sleep = sleep_score(act, Settings(), excluded=excluded)
    assert len(sleep.awakenings) == 1
    a, b = sleep.awakenings[0]
    assert abs(a - 300) <= EPOCH and abs(b - 375) <= EPOCH
    # without the caregiver's 30 s the same 45 s awake is a brief stir
    short = sleep_score(_activity(1800, [(0, 120), (300, 345)]), Settings())
    assert short.awakenings == []


def test_sleep_stats_in_bed_time():
    sleep = sleep_score(_activity(3600, [(0, 900)]), Settings())
    onset = _onset(sleep)
    plain = sleep_stats(sleep, 0.0, 3600.0)
    assert plain["time_to_sleep_s"] == pytest.approx(onset)
    assert plain["sleep_efficiency"] == pytest.approx(sleep.total_sleep_s / 3600, abs=1e-3)
    bed = sleep_stats(sleep, 0.0, 3600.0, in_bed_s=600.0)
    assert bed["time_to_sleep_s"] == pytest.approx(onset - 600)
    assert bed["time_in_bed_s"] == pytest.approx(3000)
    assert bed["sleep_efficiency"] == pytest.approx(sleep.total_sleep_s / 3000, abs=1e-3)
    with pytest.raises(ValueError, match="outside the recording"):
        sleep_stats(sleep, 0.0, 3600.0, in_bed_s=4000.0)


def test_state_at_uses_filled_state():
    ep = pd.DataFrame(
        {
            "start_s": [0.0, 15.0, 30.0],
            "end_s": [15.0, 30.0, 45.0],
            "state": ["wake", "artifact", "sleep"],
            "state_filled": ["wake", "wake", "sleep"],
        }
    )
    assert list(sleep_state_at(ep, np.array([1.0, 20.0, 44.0, 99.0]))) == [
        "wake",
        "wake",
        "sleep",
        "sleep",
    ]
    assert list(sleep_state_at(ep.iloc[:0], np.array([1.0]))) == ["wake"]


def _dense_wake(until_s: float) -> list[Planned]:
    """An awake baby: one-leg LMs of 5 s every 7 s."""
    return [
        Planned(float(t), 5.0, "left" if k % 2 else "right")
        for k, t in enumerate(np.arange(5.0, until_s - 5.0, 7.0))
    ]


@pytest.mark.parametrize("fps", [15, 25, 30])
def test_night_onset_from_simulated_track(fps):
    """End to end: an awake baby kicking until 400 s, then asleep with a PLM series."""
    plan = _dense_wake(400.0) + [
        Planned(500.0 + 25.0 * k, 1.5, "bilateral", plm_series=1) for k in range(5)
    ]
    track, _ = simulate_track(plan, 1200.0, fps, seed=fps, noise_px=0.3)
    r = night_score(track)
    s = r.summary
    assert s["sleep_onset_s"] is not None and abs(s["sleep_onset_s"] - 400.0) <= EPOCH
    assert s["awakenings"] == 0
    assert s["counts"]["plms"] == 5
    assert s["plm_index_per_h"] == pytest.approx(5 / (s["total_sleep_s"] / 3600), abs=0.01)
    assert set(r.events["state"]) <= {"sleep", "wake"}
    assert (r.events.loc[r.events["start_s"] < 390, "state"] == "wake").all()
    assert s["time_to_sleep_s"] == pytest.approx(s["sleep_onset_s"])
    late = night_score(track, in_bed_s=100.0).summary
    assert late["in_bed_s"] == 100.0
    assert late["time_to_sleep_s"] == pytest.approx(s["sleep_onset_s"] - 100.0)


def test_sleep_result_is_a_plain_record():
    r = SleepResult(pd.DataFrame(), None, 0.0, [])
    assert r.sleep_offset_s is None and r.artifact_s == 0.0
