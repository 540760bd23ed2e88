"""Flagged episodes: each kind fires on a case built for it and not on one built against it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from pipeline.scoring.episodes import (
    EPISODE_COLUMNS,
    EPISODE_PRIORITY,
    episodes_cap,
    episodes_flag,
    settling_window,
)
from pipeline.scoring.night import night_score
from pipeline.scoring.simulate import Planned, simulate_track
from pipeline.scoring.sleep import SleepResult
from pipeline.settings import Settings

ST = Settings()
ONSET = 3600.0  # sleep onset of the hand-built nights


def _ev(
    start: float,
    dur: float = 2.0,
    kind: str = "lm",
    state: str = "sleep",
    pattern: str = "",
    freq: float = float("nan"),
    series: int | None = None,
) -> dict:
    return {
        "start_s": start,
        "end_s": start + dur,
        "duration_s": dur,
        "kind": kind,
        "side": "left",
        "rhythmic": bool(pattern),
        "pattern": pattern,
        "frequency_hz": freq,
        "plm_series": series,
        "state": state,
        "source": "pose",
    }


def _events(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(_ev(0.0)))
    df["plm_series"] = df["plm_series"].astype("Int64")
    return df.sort_values("start_s").reset_index(drop=True)


def _sleep(
    awakenings: Sequence[tuple[float, float]] = (), onset: float | None = ONSET
) -> SleepResult:
    return SleepResult(pd.DataFrame(), onset, 7200.0, list(awakenings), sleep_offset_s=14400.0)


def _kinds(ep: pd.DataFrame) -> list[str]:
    return list(ep["kind"])


# --- plm_series ------------------------------------------------------------------------
def test_plm_series_for_and_against():
    series = [_ev(5000 + 20 * k, series=1) for k in range(5)]
    ep = episodes_flag(_events(series), _sleep(), ST)
    assert _kinds(ep) == ["plm_series"]
    row = ep.iloc[0]
    assert row["n_movements"] == 5 and row["start_s"] == 5000 and row["end_s"] == 5082
    assert "5 leg movements in a row while asleep" in row["reason"]
    # the same LMs without a series number (the PLM rule said no): nothing flagged
    plain = [_ev(5000 + 20 * k) for k in range(5)]
    assert len(episodes_flag(_events(plain), _sleep(), ST)) == 0


# --- movement_awakening ----------------------------------------------------------------
def test_movement_awakening_for():
    ev = [_ev(5995.0), _ev(6003.0, kind="long_movement", dur=12.0)]  # LM, then thrashing
    ep = episodes_flag(_events(ev), _sleep([(6000.0, 6300.0)]), ST)
    assert _kinds(ep) == ["movement_awakening"]
    assert ep.iloc[0]["start_s"] == 5995.0 and ep.iloc[0]["end_s"] == 6300.0
    assert "woke at 1:40:00 for 5 min" in ep.iloc[0]["reason"]
    # the scoring's smoothing can put the first wake epoch before the LM that woke the baby
    ev = [_ev(6020.0)]
    assert _kinds(episodes_flag(_events(ev), _sleep([(6000.0, 6300.0)]), ST)) == [
        "movement_awakening"
    ]


@pytest.mark.parametrize(
    "rows",
    [
        [],  # woke without any movement
        [_ev(5960.0)],  # the LM was 40 s before
        [_ev(5995.0, kind="long_movement", dur=15.0), _ev(6012.0)],  # gross movement first
        [_ev(5995.0, kind="twitch", dur=0.3)],  # a twitch is not an LM
    ],
)
def test_movement_awakening_against(rows):
    assert len(episodes_flag(_events(rows), _sleep([(6000.0, 6300.0)]), ST)) == 0


# --- restless_settling -----------------------------------------------------------------
def test_restless_settling_for_and_against():
    n = ST.restless_settling_min_lms
    window = [_ev(ONSET - 1700 + 150 * k, state="wake") for k in range(n)]
    ep = episodes_flag(_events(window), _sleep(), ST)
    assert _kinds(ep) == ["restless_settling"]
    assert (ep.iloc[0]["start_s"], ep.iloc[0]["end_s"]) == (ONSET - ST.settling_window_s, ONSET)
    assert ep.iloc[0]["n_movements"] == n
    assert f"{n} leg movements in the 30 min before falling asleep" in ep.iloc[0]["reason"]
    # one fewer: not flagged
    assert len(episodes_flag(_events(window[1:]), _sleep(), ST)) == 0
    # as many, but earlier in the evening (outside the window): not flagged
    early = [_ev(ONSET - 3500 + 150 * k, state="wake") for k in range(n)]
    assert len(episodes_flag(_events(early), _sleep(), ST)) == 0
    # no sleep and the recording's end unknown: no settling window
    assert len(episodes_flag(_events(window), _sleep(onset=None), ST)) == 0


def test_no_sleep_the_last_30_min_are_settling():
    """A recording that ends before the baby falls asleep: its last 30 min are the
    settling window (the baby was still trying to settle)."""
    n = ST.restless_settling_min_lms
    rows = [_ev(ONSET - 1700 + 150 * k, state="wake") for k in range(n)]
    rows.append(_ev(ONSET - 100, 3.0, state="wake", pattern="cycling", freq=1.2))
    rows.append(_ev(ONSET - 3000, 3.0, state="wake", pattern="cycling", freq=1.2))
    ep = episodes_flag(_events(rows), _sleep(onset=None), ST, 0.0, ONSET)
    assert _kinds(ep) == ["restless_settling", "rhythmic_movement"]
    assert (ep.iloc[0]["start_s"], ep.iloc[0]["end_s"]) == (ONSET - 1800, ONSET)
    assert "before the recording ended, without falling asleep" in ep.iloc[0]["reason"]
    assert "while awake (no sleep found)" in ep.iloc[1]["reason"]
    assert ep.iloc[1]["start_s"] == ONSET - 100


def test_settling_window_is_clipped_to_the_recording():
    assert settling_window(_sleep(onset=600.0), ST, 0.0) == (0.0, 600.0)
    assert settling_window(_sleep(), ST, 0.0) == (ONSET - 1800.0, ONSET)
    assert settling_window(_sleep(onset=None), ST, 0.0) is None
    assert settling_window(_sleep(onset=None), ST, 0.0, 1000.0) == (0.0, 1000.0)
    assert settling_window(_sleep(onset=None), ST, 0.0, 7200.0) == (5400.0, 7200.0)


# --- rhythmic_movement -----------------------------------------------------------------
def test_rhythmic_for_and_against():
    asleep = _ev(8000.0, 4.0, pattern="cycling", freq=1.5)
    settling = _ev(ONSET - 600, 3.0, state="wake", pattern="kicking", freq=2.0)
    evening = _ev(ONSET - 3000, 3.0, state="wake", pattern="kicking", freq=2.0)
    ep = episodes_flag(_events([asleep, settling, evening]), _sleep(), ST)
    assert _kinds(ep) == ["rhythmic_movement", "rhythmic_movement"]
    assert sorted(ep["start_s"]) == [ONSET - 600, 8000.0]
    reasons = " ".join(ep["reason"])
    assert "rhythmic cycling at 1.5 Hz for 4 s while asleep" in reasons
    assert "rhythmic kicking at 2.0 Hz for 3 s while settling to sleep" in reasons
    # awake and outside the settling window only: nothing
    assert len(episodes_flag(_events([evening]), _sleep(), ST)) == 0


def test_rhythmic_bouts_within_a_minute_are_one_episode():
    bouts = [_ev(9000.0 + 12 * k, 3.0, pattern="kicking", freq=1.0 + 0.1 * k) for k in range(6)]
    later = _ev(9300.0, 3.0, pattern="cycling", freq=2.0)
    ep = episodes_flag(_events([*bouts, later]), _sleep(), ST)
    assert _kinds(ep) == ["rhythmic_movement", "rhythmic_movement"]
    big = ep.iloc[0]  # more rhythmic time first
    assert big["n_movements"] == 6 and big["start_s"] == 9000.0 and big["end_s"] == 9063.0
    assert "6 bouts of rhythmic kicking at 1.0-1.5 Hz within 63 s while asleep" in big["reason"]
    assert ep.iloc[1]["n_movements"] == 1


# --- order and cap ---------------------------------------------------------------------
def test_order_most_important_first():
    rows = (
        [_ev(ONSET - 1000 + 60 * k, state="wake") for k in range(10)]  # restless settling
        + [_ev(5000 + 20 * k, series=1) for k in range(4)]  # short series
        + [_ev(7000 + 20 * k, series=2) for k in range(7)]  # long series
        + [_ev(9000.0, 4.0, pattern="kicking", freq=1.0)]
        + [_ev(10995.0)]  # LM before an awakening
        + [_ev(12995.0)]  # LM before a longer awakening
    )
    ep = episodes_flag(_events(rows), _sleep([(11000.0, 11200.0), (13000.0, 13600.0)]), ST)
    assert _kinds(ep) == [
        "plm_series",
        "plm_series",
        "movement_awakening",
        "movement_awakening",
        "restless_settling",
        "rhythmic_movement",
    ]
    assert list(ep["n_movements"][:2]) == [7, 4]  # the longer series first
    assert list(ep["start_s"][2:4]) == [12995.0, 10995.0]  # the longer awakening first
    assert list(ep["priority"]) == list(range(1, 7))
    assert list(ep.columns) == EPISODE_COLUMNS
    assert all(isinstance(r, str) and len(r) > 20 for r in ep["reason"])
    assert set(EPISODE_PRIORITY) == set(ep["kind"])


def test_series_asleep_before_series_awake():
    rows = [_ev(2000 + 20 * k, state="wake", series=1) for k in range(6)] + [
        _ev(5000 + 20 * k, series=2) for k in range(4)
    ]
    ep = episodes_flag(_events(rows), _sleep(), ST)
    assert list(ep["start_s"]) == [5000.0, 2000.0]
    assert "while awake" in ep.iloc[1]["reason"]


def test_cap_keeps_the_most_important():
    rows = [_ev(5000 + 200 * s + 20 * k, series=s + 1) for s in range(30) for k in range(4)]
    rows += [_ev(ONSET + 50000, 4.0, pattern="kicking", freq=1.0)]
    ep = episodes_flag(_events(rows), _sleep(), ST)
    assert len(ep) == 31
    capped = episodes_cap(ep, ST)
    assert len(capped) == ST.episodes_max == 20
    assert set(capped["kind"]) == {"plm_series"}
    assert len(episodes_cap(ep, ST.replace(episodes_max=40))) == 31


def test_nothing_found_is_an_empty_table():
    ep = episodes_flag(_events([]), _sleep(), ST)
    assert len(ep) == 0 and list(ep.columns) == EPISODE_COLUMNS


# --- end to end on a simulated night ---------------------------------------------------
def test_night_flags_each_kind():
    """Awake and kicking, restless LMs and a rhythmic bout while settling, asleep with a PLM
    series, then an LM followed by an awakening, asleep again."""
    plan: list[Planned] = []
    plan += [Planned(float(t), 5.0, "left") for t in np.arange(5.0, 290.0, 7.0)]  # awake
    plan += [Planned(float(t), 6.0, "right") for t in np.arange(302.0, 395.0, 8.0)]  # restless
    plan += [Planned(396.0, 3.0, "bilateral", "cycling", 2.0, 0.2)]
    plan += [Planned(520.0 + 25.0 * k, 1.5, "bilateral", plm_series=1) for k in range(5)]
    plan += [Planned(800.0, 2.0, "left")]  # the LM that wakes the baby ...
    plan += [Planned(float(t), 5.0, "right") for t in np.arange(805.0, 930.0, 7.0)]  # awake
    track, _ = simulate_track(plan, 1500.0, 15, seed=5, noise_px=0.3)
    r = night_score(track, ST.replace(settling_window_s=120.0, restless_settling_min_lms=5))
    s = r.summary
    assert abs(s["sleep_onset_s"] - 400.0) <= ST.epoch_s
    assert s["awakenings"] == 1
    kinds = _kinds(r.episodes)
    assert kinds == ["plm_series", "movement_awakening", "restless_settling", "rhythmic_movement"]
    assert s["episodes"] == {k: 1 for k in kinds}
    assert s["episodes_not_listed"] == 0
    assert r.episodes.iloc[1]["start_s"] == pytest.approx(800.0, abs=0.5)
    assert s["counts"]["lm_settling_window"] >= 5
