"""Conformance with the WASM 2016 leg-movement rules (Ferri et al., Sleep Med 2016;26:86-95),
on hand-built movement tables whose expected candidate LMs, series, indices and periodicity
are worked out by hand in the comments below from the rules:

- candidate LM (CLM): one leg 0.5-10 s; movements of the legs of >= 0.5 s overlapping or less
  than 0.5 s apart are combined (chained pieces included); a combination is a CLM when it
  lasts <= 15 s, holds <= 4 one-leg pieces and no piece > 10 s; anything else is no CLM
  and ends a series; movements < 0.5 s are never combined (twitches);
- IMI onset to onset; a PLM series is >= 4 CLMs with IMIs of 10-90 s (both included); an IMI
  < 10 s ends the series, that LM is no PLM and the next may open a series (MATPLM); a
  non-candidate movement, an artifact span or a stretch without usable signal between two
  onsets ends it too;
- periodicity index (Ferri 2006): IMIs of 10-90 s inside runs of >= 3 such IMIs / all IMIs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from pipeline.scoring.indices import indices_night
from pipeline.scoring.movements import movements_classify, movements_merge
from pipeline.scoring.night import night_score
from pipeline.scoring.plm import plm_series
from pipeline.scoring.simulate import Planned, simulate_track
from pipeline.settings import Settings

S = Settings()


def _mono(rows: list[tuple[float, float, str]], peak: float = 2.0) -> pd.DataFrame:
    """One-leg movements (start_s, end_s, side) as movements_detect returns them."""
    df = pd.DataFrame(rows, columns=["start_s", "end_s", "side"])
    df["source"] = "pose"
    df["peak_level"] = peak
    df["n_legs"] = 1
    df["duration_s"] = df["end_s"] - df["start_s"]
    return df


def _clms(rows: list[tuple[float, float, str]]) -> list[tuple[float, float, str, int, str]]:
    out = movements_classify(movements_merge(_mono(rows), S), S)
    return [
        (round(r.start_s, 3), round(r.end_s, 3), r.kind, int(r.n_legs), r.clm_exclusion)
        for r in out.itertuples()
    ]


# --- candidate LMs ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("gap_s", "expected"),
    [
        # left 10-12 s, right from 12 + gap to 14.5 s
        # 0.4 s < 0.5 s: one bilateral CLM 10-14.5 s of 2 pieces
        (0.4, [(10.0, 14.5, "lm", 2, "")]),
        # 0.5 s is not "less than 0.5 s": two one-leg CLMs
        (0.5, [(10.0, 12.0, "lm", 1, ""), (12.5, 14.5, "lm", 1, "")]),
        (0.6, [(10.0, 12.0, "lm", 1, ""), (12.6, 14.5, "lm", 1, "")]),
    ],
)
def test_bilateral_gap(gap_s: float, expected: list) -> None:
    assert _clms([(10.0, 12.0, "left"), (12.0 + gap_s, 14.5, "right")]) == expected


def _alternating(n: int) -> list[tuple[float, float, str]]:
    """n pieces of 1 s on alternating legs, each 0.3 s after the previous ends: piece k runs
    from 1.3 k to 1.3 k + 1 s."""
    return [(1.3 * k, 1.3 * k + 1.0, ("left", "right")[k % 2]) for k in range(n)]


def test_four_pieces_are_a_clm_five_are_not() -> None:
    # 4 pieces: 0 .. 1.3*3 + 1 = 4.9 s, 4 pieces <= 4, 4.9 s <= 15 s: a CLM
    assert _clms(_alternating(4)) == [(0.0, 4.9, "lm", 4, "")]
    # 5 pieces: 0 .. 6.2 s, all one combination (the 5th is not split off); 5 > 4: no CLM
    assert _clms(_alternating(5)) == [(0.0, 6.2, "long_movement", 5, "pieces")]


def test_chained_pieces_form_one_combination() -> None:
    # L 0-3 and R 2-5 overlap; L 5.3-7 starts 0.3 s after R ends (it never touches the first
    # piece): 3 pieces, 0-7 s, a CLM
    assert _clms([(0, 3, "left"), (2, 5, "right"), (5.3, 7, "left")]) == [(0.0, 7.0, "lm", 3, "")]
    # five pieces each overlapping only its neighbours: L 0-2, R 1.5-3.5, L 3-5, R 4.5-6.5,
    # L 6-8 -> one combination 0-8 s of 5 pieces: no CLM
    rows = [
        (0, 2, "left"),
        (1.5, 3.5, "right"),
        (3, 5, "left"),
        (4.5, 6.5, "right"),
        (6, 8, "left"),
    ]
    assert _clms(rows) == [(0.0, 8.0, "long_movement", 5, "pieces")]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # one leg 10.0 s: a CLM; 10.1 s: over 10 s, no CLM
        ([(0, 10.0, "left")], [(0.0, 10.0, "lm", 1, "")]),
        ([(0, 10.1, "left")], [(0.0, 10.1, "long_movement", 1, "long")]),
        # L 0-10.0 with R 5-12: bilateral 12 s holding a 10.0-s piece: a CLM
        ([(0, 10.0, "left"), (5, 12, "right")], [(0.0, 12.0, "lm", 2, "")]),
        # L 0-10.1 with R 5-12: 12 s <= 15 s but a piece of 10.1 s > 10 s: no CLM
        ([(0, 10.1, "left"), (5, 12, "right")], [(0.0, 12.0, "long_movement", 2, "long_piece")]),
        # L 0-8 with R 7.5-15.0: bilateral 15.0 s: a CLM; R to 15.1: over 15 s, no CLM
        ([(0, 8, "left"), (7.5, 15.0, "right")], [(0.0, 15.0, "lm", 2, "")]),
        (
            [(0, 8, "left"), (7.5, 15.1, "right")],
            [(0.0, 15.1, "long_movement", 2, "long_bilateral")],
        ),
    ],
)
def test_piece_and_combination_limits(rows: list, expected: list) -> None:
    assert _clms(rows) == expected


def test_twitches_are_never_combined_and_an_echo_is_one_twitch() -> None:
    out = movements_classify(
        movements_merge(
            pd.concat(
                [
                    # a 0.3-s twitch of the left leg 0.1 s before a right LM: both stay apart
                    _mono([(0.0, 0.3, "left"), (0.4, 2.0, "right")]),
                    # a left twitch (peak 3) echoed on the right (peak 2): one left twitch
                    _mono([(5.0, 5.25, "left")], peak=3.0),
                    _mono([(5.05, 5.3, "right")], peak=2.0),
                    # five 0.2-s twitches 1 s apart on alternating legs: five twitches
                    _mono([(10 + k, 10.2 + k, ("left", "right")[k % 2]) for k in range(5)]),
                ],
                ignore_index=True,
            ),
            S,
        ),
        S,
    )
    got = [(round(r.start_s, 2), r.side, r.kind, int(r.n_legs)) for r in out.itertuples()]
    assert got == [
        (0.0, "left", "twitch", 1),
        (0.4, "right", "lm", 1),
        (5.0, "left", "twitch", 2),
        *[(10.0 + k, ("left", "right")[k % 2], "twitch", 1) for k in range(5)],
    ]


# --- series ----------------------------------------------------------------------------------
def _events(onsets: list[float], kinds: list[str] | None = None) -> pd.DataFrame:
    kinds = kinds or ["lm"] * len(onsets)
    return pd.DataFrame(
        {
            "start_s": [float(t) for t in onsets],
            "end_s": [float(t) + 2.0 for t in onsets],
            "kind": kinds,
            "side": "left",
        }
    )


def _series(out: pd.DataFrame) -> list[int | None]:
    return [None if np.isnan(v) else int(v) for v in out["plm_series"]]


@pytest.mark.parametrize(
    ("imi_s", "series"),
    [(9.9, False), (10.0, True), (90.0, True), (90.1, False)],
)
def test_imi_limits(imi_s: float, series: bool) -> None:
    # four CLMs imi_s apart: three IMIs; a series exactly when 10 <= imi_s <= 90
    out = plm_series(_events([k * imi_s for k in range(4)]), S)
    assert out["plm_series"].notna().all() == series
    assert out["imi_s"].iloc[1:].tolist() == pytest.approx([imi_s] * 3)
    assert np.isnan(out["imi_s"].iloc[0])


def test_short_imi_ends_the_series_and_is_no_plm() -> None:
    # 0, 20, 40: three CLMs; 49.9 is 9.9 s after 40: the run 0-40 ends with 3 (no series)
    # and 49.9 is no PLM; 70 (20.1 s after 49.9) opens a run: 70, 90, 110, 130 is a series
    out = plm_series(_events([0, 20, 40, 49.9, 70, 90, 110, 130]), S)
    assert _series(out) == [None, None, None, None, 1, 1, 1, 1]


def test_long_movement_inside_a_series_ends_it() -> None:
    # 0-60: four CLMs (series 1); a long movement at 70; 100-160: four CLMs (series 2). The
    # IMI of the CLM at 100 is undefined (a non-candidate movement lies between)
    kinds = ["lm"] * 4 + ["long_movement"] + ["lm"] * 4
    out = plm_series(_events([0, 20, 40, 60, 70, 100, 120, 140, 160], kinds), S)
    assert _series(out) == [1, 1, 1, 1, None, 2, 2, 2, 2]
    assert np.isnan(out["imi_s"].iloc[5])


def test_twitch_inside_a_series_is_skipped() -> None:
    # a twitch at 30 s between CLMs 20 s apart neither ends the series nor shortens the IMI
    out = plm_series(_events([0, 20, 30, 40, 60], ["lm", "lm", "twitch", "lm", "lm"]), S)
    assert _series(out) == [1, 1, None, 1, 1]
    assert out["imi_s"].iloc[3] == pytest.approx(20.0)


def test_artifact_inside_a_series_breaks_it() -> None:
    # CLMs at 0, 20, 60, 80 with the one at 40 lost in a caregiver span 38-45 s: the span
    # lies between 20 and 60, so the runs are 0-20 and 60-80: no series (it was one of 4
    # when artifacts were bridged)
    ev = _events([0, 20, 60, 80])
    assert _series(plm_series(ev, S)) == [1, 1, 1, 1]  # the span unknown: IMIs 20, 40, 20
    assert _series(plm_series(ev, S, breaks=[(38.0, 45.0)])) == [None] * 4
    # 0-60 and 80-140 around a span at 65-70: two series of 4
    ev = _events([0, 20, 40, 60, 80, 100, 120, 140])
    out = plm_series(ev, S, breaks=[(65.0, 70.0)])
    assert _series(out) == [1, 1, 1, 1, 2, 2, 2, 2]
    assert np.isnan(out["imi_s"].iloc[4])


def test_span_without_signal_breaks_like_an_artifact() -> None:
    # a 2-s pause between two video files at 50-52 s (passed as a break like any span):
    # 0, 20, 40 before it (3: no series), 60-120 after it (4: a series)
    ev = _events([0, 20, 40, 60, 80, 100, 120])
    out = plm_series(ev, S, breaks=[(50.0, 52.0)])
    assert _series(out) == [None, None, None, 1, 1, 1, 1]


def test_night_without_frames_for_a_while_breaks_the_series() -> None:
    # through the signal stage: one-leg LMs of 2 s every 20 s from 100 to 240 s are one
    # series of 8; with no frames at 170-173 s (a pause between segment files) they are two
    # of 4 (100-160 and 180-240), as no series may bridge a stretch without usable signal
    plan = [Planned(100.0 + 20.0 * k, 2.0, "left") for k in range(8)]
    track, _ = simulate_track(plan, 300.0, 15, seed=2, noise_px=0.3)
    whole = night_score(track).events
    assert whole["plm_series"].dropna().tolist() == [1] * 8
    keep = (track.t_s < 170.0) | (track.t_s >= 173.0)
    gap = dataclasses.replace(
        track,
        t_s=track.t_s[keep],
        keypoints_px=track.keypoints_px[keep],
        visibility=track.visibility[keep],
        pose_ran=track.pose_ran[keep],
        motion=track.motion[keep],
        channels=track.channels[keep],
    )
    ev = night_score(gap).events
    lms = ev[ev["kind"] == "lm"]
    assert lms["plm_series"].tolist() == [1] * 4 + [2] * 4


# --- indices ---------------------------------------------------------------------------------
def _scored(onsets: list[float], states: list[str], sides: list[str] | None = None) -> pd.DataFrame:
    ev = _events(onsets)
    ev["side"] = sides or ["left"] * len(onsets)
    ev["state"] = states
    return plm_series(ev, S)


def _epochs(sleep_s: float, wake_s: float) -> pd.DataFrame:
    """Wake epochs for wake_s, then sleep epochs for sleep_s (15-s epochs)."""
    n_w, n_s = int(wake_s // 15), int(sleep_s // 15)
    start = np.arange(n_w + n_s) * 15.0
    return pd.DataFrame(
        {"start_s": start, "end_s": start + 15.0, "state": ["wake"] * n_w + ["sleep"] * n_s}
    )


def test_plms_plmw_and_periodicity_per_state() -> None:
    # wake 0-1800 s: CLMs at 100, 120, 140, 160 (a series of 4: PLMW) and 400, 405 (short)
    # sleep 1800-5400 s: CLMs at 2000, 2020, 2040, 2045 (5 s: short), 2065, 2085, 2105, 2125
    wake = [100, 120, 140, 160, 400, 405]
    sleep = [2000, 2020, 2040, 2045, 2065, 2085, 2105, 2125]
    ev = _scored(wake + sleep, ["wake"] * 6 + ["sleep"] * 8, ["bilateral", "left"] * 7)
    # series: 100-160 (1); 400 opens a run (IMI 240 > 90) and 405 ends it (5 s, no PLM);
    # 2000 (IMI 1595) opens, 2020, 2040 (3 CLMs), 2045 short: no series; 2065 opens,
    # 2085, 2105, 2125: series 2
    assert _series(ev) == [1, 1, 1, 1, None, None, None, None, None, None, 2, 2, 2, 2]
    out = indices_night(ev, _epochs(3600.0, 1800.0), S, 3600.0, 1800.0, 0.0)
    # PLMS: 4 PLMs in 1 h of sleep; PLMW: 4 in 0.5 h of wake in bed
    assert out["plm_index_per_h"] == 4.0 and out["plmw_index_per_h"] == 8.0
    # LM index: 8 CLMs in 1 h sleep, 6 in 0.5 h wake
    assert out["lm_index_per_h"] == 8.0 and out["lm_index_wake_per_h"] == 12.0
    # IMIs (onset to onset, in time order, attributed to the later CLM's state):
    #   wake:  -, 20, 20, 20, 240, 5          -> valid 5; periodic: the run 20, 20, 20 = 3
    #   sleep: 1595, 20, 20, 5, 20, 20, 20, 20 -> valid 8; runs of 10-90 s: (20, 20) = 2 < 3,
    #          (20, 20, 20, 20) = 4 >= 3 -> periodic 4
    assert out["periodicity_index_wake"] == pytest.approx(3 / 5, abs=1e-3)
    assert out["periodicity_index_sleep"] == pytest.approx(4 / 8, abs=1e-3)
    # short-interval CLMs (IMI < 10 s): 405 in wake, 2045 in sleep: 1/h of sleep, 2/h of wake
    assert out["short_imi_index_per_h"] == 1.0 and out["short_imi_index_wake_per_h"] == 2.0
    # IMI histogram (bins 1, 2, 3, 4, 6, 10, 15, 20, 30, 45, 60, 90, 180, inf):
    #   sleep IMIs 20 x6 -> bin [20, 30); 5 -> [4, 6); 1595 -> [180, inf)
    hist = out["imi_histogram"]
    edges = hist["edges_s"]
    assert hist["sleep"][edges.index(20)] == 6 and hist["sleep"][edges.index(4)] == 1
    assert hist["sleep"][-1] == 1 and sum(hist["sleep"]) == 8
    assert sum(hist["wake"]) == 5  # 20 x3, 240, 5
    # series statistics: series 1 in wake, 100-162 s (last offset 160 + 2), 4 CLMs, mean
    # IMI 20 s; series 2 in sleep
    s1, s2 = out["plm_series_stats"]
    assert (s1["state"], s1["n"], s1["start_s"], s1["end_s"]) == ("wake", 4, 100.0, 162.0)
    assert s1["duration_s"] == 62.0 and s1["mean_imi_s"] == 20.0
    assert (s2["state"], s2["n"], s2["mean_imi_s"]) == ("sleep", 4, 20.0)
    assert out["plm_series_in_wake"] == 1
    # sides alternate bilateral, left: PLMs in sleep at positions 10-13 -> bilateral at 10
    # and 12, left at 11 and 13
    c = out["lm_counts"]
    assert (c["plms_bilateral"], c["plms_one_leg"]) == (2, 2)
    assert (c["lm_sleep_bilateral"], c["lm_sleep_one_leg"]) == (4, 4)
    # by hour of sleep: one hour, all 8 CLMs and 4 PLMs in it
    assert out["sleep_hours"] == [
        {"hour": 1, "sleep_s": 3600.0, "lm": 8, "plm": 4, "plm_index_per_h": 4.0}
    ]


# --- dense periodic LMs in sleep, through the whole signal stage -----------------------------
@pytest.mark.parametrize(("dur_s", "every_s"), [(4.0, 15.0), (5.0, 15.0), (8.0, 20.0)])
def test_dense_plms_keep_the_baby_asleep(dur_s: float, every_s: float) -> None:
    # a 3-h night, body still, 120 one-leg LMs of dur_s every every_s from 600 s (legs
    # alternating): one series of 120 PLMs, 119 IMIs of every_s. Nothing but the legs moves,
    # so every epoch is sleep (onset at 0, 10800 s of sleep, no awakening) and the PLMS
    # index is 120 / 3 h = 40/h; the periodicity index in sleep is 119 / 119 = 1
    plan = [Planned(600.0 + every_s * k, dur_s, ("left", "right")[k % 2]) for k in range(120)]
    track, _ = simulate_track(plan, 10800.0, 10, seed=1, noise_px=0.3)
    r = night_score(track)
    s = r.summary
    assert (r.epochs["state"] == "sleep").all()
    assert s["sleep_onset_s"] == 0.0 and s["awakenings"] == 0
    assert s["total_sleep_s"] == pytest.approx(10800.0, abs=1.0)
    assert s["counts"]["plms"] == 120 and s["counts"]["plm_series"] == 1
    assert s["plm_index_per_h"] == pytest.approx(40.0, abs=0.01)
    assert s["periodicity_index_sleep"] == 1.0
    assert s["plm_series_in_wake"] == 0


def test_periodic_lms_while_awake_count_in_the_plmw_index() -> None:
    # 2400 s: awake for 0-600 s (the body moves 1 s of every 4 s: whole-frame motion the legs
    # do not explain), asleep after; 16 one-leg LMs every 20 s from 100 s (awake) and 16 from
    # 1200 s (asleep): two series of 16, the first in wake. Sleep onset near 600 s (within
    # the smoothing's reach of two 15-s epochs), ~600 s of wake in bed, ~1800 s of sleep:
    # PLMW index 16 / (wake in bed) and PLMS index 16 / (total sleep)
    plan = [Planned(100.0 + 20.0 * k, 2.0, "left") for k in range(16)]
    plan += [Planned(1200.0 + 20.0 * k, 2.0, "right") for k in range(16)]
    track, _ = simulate_track(plan, 2400.0, 15, seed=4, noise_px=0.3)
    motion = track.motion.copy()
    awake_body = (track.t_s < 600.0) & ((track.t_s % 4.0) < 1.0)
    motion[awake_body, 0] += 0.01
    s = night_score(dataclasses.replace(track, motion=motion)).summary
    assert s["sleep_onset_s"] == pytest.approx(600.0, abs=30.0)
    assert s["counts"]["plm_series"] == 2 and s["plm_series_in_wake"] == 1
    assert s["counts"]["plmw"] == 16 and s["counts"]["plms"] == 16
    assert s["wake_in_bed_s"] == pytest.approx(600.0, abs=30.0)
    assert s["plmw_index_per_h"] == pytest.approx(16 / (s["wake_in_bed_s"] / 3600), abs=0.01)
    assert s["plm_index_per_h"] == pytest.approx(16 / (s["total_sleep_s"] / 3600), abs=0.01)
    # wake IMIs: 15 of 20 s (the first LM has none): 15 / 15; sleep IMIs: 800 s (from the
    # last wake LM at 400 s: valid, over 90 s) and 15 of 20 s: 15 / 16
    assert s["periodicity_index_wake"] == 1.0
    assert s["periodicity_index_sleep"] == pytest.approx(15 / 16, abs=1e-3)


def test_body_moving_with_the_legs_is_a_large_movement_that_ends_a_series() -> None:
    # one-leg LMs of 2 s every 20 s from 100 s (8 of them: one series); the 4th (160 s) is
    # made 5 s long with the whole body moving through it (whole-frame motion the legs do
    # not explain, IRLSSG 2021: 3-30 s in children): a large-muscle-group movement, no CLM,
    # so the series splits into 100-140 (3 CLMs: none) and 180-240 (4 CLMs: a series)
    # The body's motion is added to the whole frame's: as much as a leg movement of this
    # track changes the whole frame (measured on the 180-s LM against a still stretch), i.e.
    # the trunk, arms and head moving as much as the leg does — above the body-motion
    # threshold (whole_onset_k x sleep_body_floor) and above sleep_body_rel (0.5) times the
    # change the leg explains — and yet no caregiver artifact (from 2x that the frame's
    # unexplained change is one): the baby's own movement
    plan = [Planned(100.0 + 20.0 * k, 5.0 if k == 3 else 2.0, "left") for k in range(8)]
    track, _ = simulate_track(plan, 300.0, 15, seed=5, noise_px=0.3)
    w, t = track.motion[:, 0], track.t_s
    extra = float(np.median(w[(t >= 180.5) & (t < 181.5)]) - np.median(w[(t >= 60) & (t < 90)]))
    assert extra > S.whole_onset_k * S.sleep_body_floor
    motion = track.motion.copy()
    rolling = (track.t_s >= 160.0) & (track.t_s < 165.0)
    motion[rolling, 0] += extra
    ev = night_score(dataclasses.replace(track, motion=motion)).events
    big = ev[ev["kind"] == "large_movement"]
    assert len(big) == 1 and big.iloc[0]["start_s"] == pytest.approx(160.0, abs=0.5)
    assert big.iloc[0]["clm_exclusion"] == "large_movement"
    lms = ev[ev["kind"] == "lm"]
    assert lms["plm_series"].isna().tolist() == [True] * 3 + [False] * 4
