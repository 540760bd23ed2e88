"""Rhythm found by the continuous time-frequency analysis, on leg signals with known answers.

The leg signals are made here: each leg's flexion is a noise-driven wriggle (Gaussian noise
band-limited to 0.2-2.5 Hz, nothing periodic) plus planted bouts of raised-cosine kicks
(1 - cos 2 pi f t) / 2 from rest to rest; inside a bout the legs doing it wriggle at a quarter
of their size. The keypoint channels are the hip-to-ankle distance (shortening by 0.15 body
lengths at full flexion) and the knee flexion (0.3 at full flexion), each with its own small
noise. So every bout's start, end, frequency, side and the phase between the legs is known
by construction:

- kicking (both legs in phase): phase 0 deg; cycling: the right leg half a cycle behind, so
  its cross-spectrum with the left leg at f has the angle -2 pi f (0.5 / f) = -180 deg
  (reported as +-180); a right leg an eighth of a cycle behind: -45 deg (kicking), three
  eighths: -135 deg (cycling);
- a kicking bout of c cycles at f lasts c / f; cycling lasts (c + 0.5) / f.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import signal as sps

from pipeline.scoring import rhythm_background, rhythm_spectra
from pipeline.scoring.artifacts import artifacts_clip
from pipeline.scoring.night import bout_counts
from pipeline.scoring.rhythm import (
    BOUT_COLUMNS,
    rhythm_bouts,
    rhythm_clip,
    rhythm_label,
    rhythm_moving,
    rhythm_spectrum,
)
from pipeline.scoring.rhythm_signals import POSE, RhythmSignals, flow_axis
from pipeline.settings import Settings

ST = Settings()


#: the scene generator's wriggling (synth.motion._wriggling): narrower and slower than the
#: 0.2-2.5 Hz the other tests use, so that a few cycles of it look periodic now and then
NARROW_HZ = (0.15, 1.5)


def _wriggle(
    rng: np.random.Generator, n: int, fs: float, band: tuple[float, float] = (0.2, 2.5)
) -> np.ndarray:
    pad = int(4 * fs)
    sos = sps.butter(2, list(band), btype="band", output="sos", fs=fs)
    x = sps.sosfiltfilt(sos, rng.normal(0, 1, n + 2 * pad))[pad : pad + n]
    return x / x.std()


def _legs(fs, dur, bouts, seed, wriggle=0.5, residual=0.25, band=(0.2, 2.5)):
    """(flexion (2, n), truth rows): bouts are (start_s, f_hz, cycles, lag_cycles, legs)."""
    rng = np.random.default_rng(seed)
    n = int(round(dur * fs))
    t = np.arange(n) / fs
    flex = np.zeros((2, n))
    gain = np.ones((2, n))
    truth = []
    for t0, f, cycles, lag, legs in bouts:
        end = t0 + (cycles + (lag if 1 in legs and 0 in legs else 0.0)) / f
        for li in legs:
            u = t - t0 - (lag / f if li == 1 else 0.0)
            on = (u >= 0) & (u <= cycles / f)
            flex[li] += np.where(on, 0.5 * (1 - np.cos(2 * np.pi * f * u)), 0.0)
            gain[li, (t >= t0) & (t <= end)] = residual
        truth.append((t0, end, f, lag, legs))
    flex += np.stack([_wriggle(rng, n, fs, band) for _ in range(2)]) * wriggle * gain
    return t, flex, truth, rng


def _pose_signals(fs, dur, bouts, seed=0, wriggle=0.5, moving=None, band=(0.2, 2.5)):
    t, flex, truth, rng = _legs(fs, dur, bouts, seed, wriggle, band=band)
    n = len(t)
    pose = np.stack(
        [
            np.stack(
                [
                    0.5 - 0.15 * flex[li] + rng.normal(0, 0.003, n),
                    0.3 * flex[li] + rng.normal(0, 0.006, n),
                ]
            )
            for li in range(2)
        ]
    )
    mov = np.ones((2, n), bool) if moving is None else moving(t)
    sig = RhythmSignals(t, float(fs), pose, None, np.full((n, 2), np.nan), mov)
    return sig, truth


def _check(bouts: pd.DataFrame, truth, edge_s=2.0):
    assert len(bouts) == len(truth), bouts
    for row, (t0, end, f, lag, legs) in zip(bouts.itertuples(), truth, strict=True):
        assert abs(row.frequency_hz - f) <= 0.05, (row, f)
        assert abs(row.start_s - t0) <= edge_s and abs(row.end_s - end) <= edge_s, (row, t0, end)
        if len(legs) == 2:
            want = -360.0 * lag  # the right leg lag cycles behind
            diff = (row.phase_deg - want + 180.0) % 360.0 - 180.0
            assert abs(diff) <= 20.0, (row.phase_deg, want)
            assert row.side == "bilateral"
            assert row.pattern == ("cycling" if abs(want) > 90 else "kicking")
        else:
            assert row.side == ("left", "right")[legs[0]] and row.pattern == "kicking"
            assert np.isnan(row.phase_deg)
        assert row.cycles == pytest.approx(row.frequency_hz * row.duration_s, abs=0.1)


def test_spectrum_of_a_sinusoid():
    """Six cycles at 1.25 Hz sampled at 25 Hz: the peak is 1.25 Hz (grid 0.02 Hz, refined),
    and nearly all the power of a Hann-tapered sinusoid lies within 1/window of it."""
    fs, f = 25.0, 1.25
    t = np.arange(int(6 / f * fs)) / fs
    x = np.stack([np.sin(2 * np.pi * f * t), 0.5 * np.sin(2 * np.pi * f * t + 1.0)])
    got, strength, spec = rhythm_spectrum(x, fs, ST)
    assert got == pytest.approx(f, abs=0.01)
    assert strength > 0.85
    # the two channels' phase difference survives the taper: 1 rad
    assert np.angle(spec[1] * np.conj(spec[0])) == pytest.approx(1.0, abs=0.05)
    # no peak inside 0.5-4 Hz: a slow sway (0.2 Hz) only, or a straight drift
    assert np.isnan(rhythm_spectrum(np.sin(2 * np.pi * 0.2 * t), fs, ST)[0])
    assert np.isnan(rhythm_spectrum(0.01 * t, fs, ST)[0])


@pytest.mark.parametrize("fs", [15, 25, 30])
def test_bouts_inside_noise_driven_wriggling(fs):
    """Five bouts inside continuous wriggling, found with their frequency, edges, side and
    the phase between the legs (kicking 0 deg, cycling -180, an eighth of a cycle -45, three
    eighths -135)."""
    planted = [
        (10.0, 1.5, 12, 0.0, (0, 1)),  # kicking, 10-18 s
        (30.0, 0.8, 8, 0.5, (0, 1)),  # cycling, 30-40.6 s
        (52.0, 2.4, 20, 0.0, (0,)),  # left leg kicking, 52-60.3 s
        (72.0, 1.2, 10, 0.125, (0, 1)),  # right leg an eighth behind: kicking
        (92.0, 2.0, 16, 0.375, (0, 1)),  # three eighths behind: cycling
    ]
    sig, truth = _pose_signals(fs, 110.0, planted, seed=fs)
    bouts = rhythm_bouts(sig, ST)
    assert list(bouts.columns) == BOUT_COLUMNS
    _check(bouts, truth)
    assert (bouts["source"] == "pose").all() and (bouts["strength"] >= 0.7).all()
    assert list(bouts["bout"]) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("seed", range(4))
def test_wriggling_alone_has_no_bout(seed):
    sig, _ = _pose_signals(25, 240.0, [], seed=seed)
    assert len(rhythm_bouts(sig, ST)) == 0


def test_narrow_band_wriggling_alone_has_no_bout():
    """Wriggling as the scene generator makes it holds three to six cycles that look
    periodic now and then: without the test against the legs' own movement around them
    (``rhythm_max_chance`` 1) such stretches of these six five-minute recordings are
    reported as bouts; none is as strong as that movement makes by chance."""
    untested = ST.replace(rhythm_max_chance=1.0)
    chance_bouts = 0
    for seed in range(6):
        sig, _ = _pose_signals(25, 300.0, [], seed=seed, band=NARROW_HZ)
        assert len(rhythm_bouts(sig, ST)) == 0, seed
        found = rhythm_bouts(sig, untested)
        assert (found["cycles"] < 6).all() and (found["strength"] < 0.8).all()
        chance_bouts += len(found)
    assert chance_bouts >= 3


@pytest.mark.parametrize("fs", [15, 25, 30])
def test_slow_bouts_inside_narrow_band_wriggling(fs):
    """The wriggling-settling scenes' slowest bouts, planted in the generator's wriggling
    at its size (a standard deviation of 0.3 of a kick, as 14 of 48 degrees): cycling at
    0.7 Hz for 7 cycles, kicking at 1 Hz for 8 and one leg at 2.2 Hz for 18 stand out from
    the wriggling around them and are found with their frequency, edges and pattern."""
    planted = [
        (20.0, 0.7, 7, 0.5, (0, 1)),  # cycling, 20-30.7 s
        (70.0, 1.0, 8, 0.0, (0, 1)),  # kicking, 70-78 s
        (120.0, 2.2, 18, 0.0, (0,)),  # left leg kicking, 120-128.2 s
    ]
    sig, truth = _pose_signals(fs, 160.0, planted, seed=fs, wriggle=0.3, band=NARROW_HZ)
    _check(rhythm_bouts(sig, ST), truth)


def _cycling_with_an_irregular_leg(fs: float, seed: int, jitter: float, cross: bool = False):
    """Cycling at 0.8 Hz for 8 cycles (60-70.6 s) inside the generator's wriggling (0.3 of a
    kick): the left leg kicks cleanly (its wriggle at a quarter), the right leg half a cycle
    behind it with broadband movement (0.2-4 Hz, ``jitter`` of a kick) instead of its
    wriggle, so that a third or more of its power lies off the bout's frequency and its
    windows fall below ``rhythm_min_periodicity``. ``cross``: the right leg makes no kicks
    and shows a fifth of the left leg's instead (keypoints dragged along by the kicking
    leg), in phase, with the broadband movement ``jitter`` on top."""
    rng = np.random.default_rng(seed)
    f, cycles, t0 = 0.8, 8, 60.0
    n = int(160 * fs)
    t = np.arange(n) / fs
    wr = np.stack([_wriggle(rng, n, fs, NARROW_HZ) for _ in range(2)]) * 0.3

    def kicks(start: float) -> np.ndarray:
        u = t - start
        return np.where((u >= 0) & (u <= cycles / f), 0.5 * (1 - np.cos(2 * np.pi * f * u)), 0)

    on = (t >= t0) & (t <= t0 + (cycles + 0.5) / f)
    right = 0.2 * kicks(t0) if cross else kicks(t0 + 0.5 / f)
    right = right + np.where(on, _wriggle(rng, n, fs, (0.2, 4.0)) * jitter, wr[1])
    flex = np.stack([kicks(t0) + wr[0] * np.where(on, 0.25, 1.0), right])
    pose = np.stack(
        [
            np.stack(
                [
                    0.5 - 0.15 * flex[li] + rng.normal(0, 0.003, n),
                    0.3 * flex[li] + rng.normal(0, 0.006, n),
                ]
            )
            for li in range(2)
        ]
    )
    return RhythmSignals(t, float(fs), pose, None, np.full((n, 2), np.nan), np.ones((2, n), bool))


def test_an_irregular_anti_phase_leg_joins_its_cycling_bout():
    """The anti-phase leg of a cycling bout often moves less regularly than the other (under
    a blanket, inside wriggling): its windows miss ``rhythm_min_periodicity`` (0.7), while
    over the bout more than half of its movement lies at the bout's frequency, far beyond
    what its own movement around the bout makes there. It takes part: cycling, 180 deg.
    (Judged by its windows' strength alone, every one of these twelve bouts was one-leg
    kicking.) The same leg showing a fifth of the other leg's kicks and nearly nothing else
    (its strength at the bout's frequency above 0.7, as rhythmic_settling's still leg's
    keypoints beside a kicking leg) does not: one-leg kicking. A bout is missed now and then
    in this wriggling, whose band holds the bout's frequency (its edges run on into the
    wriggle): at least 10 of the 12 are found, of each kind."""
    found = one_leg = 0
    for fs in (15, 25, 30):
        for seed in range(4):
            bouts = rhythm_bouts(_cycling_with_an_irregular_leg(fs, seed, 0.25), ST)
            assert len(bouts) <= 1, bouts
            found += len(bouts)
            for row in bouts.itertuples():
                assert (row.pattern, row.side) == ("cycling", "bilateral"), (fs, seed, row)
                assert abs(abs(row.phase_deg) - 180.0) <= 30.0, (fs, seed, row)
                assert abs(row.frequency_hz - 0.8) <= 0.05
                assert abs(row.start_s - 60.0) <= 2.0 and abs(row.end_s - 70.6) <= 2.0, row
            side = rhythm_bouts(_cycling_with_an_irregular_leg(fs, seed, 0.02, cross=True), ST)
            assert len(side) <= 1 and (side["side"] == "left").all(), (fs, seed, side)
            one_leg += len(side)
    assert found >= 10 and one_leg >= 10


def _noise_signals(rng: np.random.Generator, fs: float, n: int) -> RhythmSignals:
    t = np.arange(n) / fs
    pose = rng.normal(0.0, 1.0, (2, 2, n))
    return RhythmSignals(t, fs, pose, None, np.full((n, 2), np.nan), np.ones((2, n), bool))


def test_background_chance_is_cautious_on_noise_and_vanishes_for_a_rhythm():
    """A 6-s stretch of white noise taken as a bout at its strongest frequency (as a bout's
    frequency is its spectral peak): its chance is at most 0.05 in at most 5 % of 300
    draws (the F-test is cautious: fewer). The same stretch with a 1.2-Hz sinusoid of the
    noise's standard deviation added to one channel is kept by far: its chance is a
    thousandth of ``rhythm_max_chance``."""
    fs, n, a = 25.0, 150, 900
    rng = np.random.default_rng(7)
    freqs = np.arange(ST.rhythm_fmin_hz, ST.rhythm_fmax_hz + 1e-9, 0.02)
    chances = []
    for _ in range(300):
        sig = _noise_signals(rng, fs, 1950)
        p = (np.abs(rhythm_spectra.dtft(sig.pose[0, :, a : a + n], fs, freqs)) ** 2).sum(axis=0)
        f = float(freqs[int(np.argmax(p))])
        got = rhythm_background.background_chance(sig, POSE, [0], a, a + n, np.zeros(2), f, ST)
        chances.append(got)
    assert np.mean(np.asarray(chances) <= 0.05) <= 0.05
    sig = _noise_signals(rng, fs, 1950)
    t = np.arange(n) / fs
    sig.pose[0, 0, a : a + n] += np.sqrt(2.0) * np.sin(2 * np.pi * 1.2 * t)
    got = rhythm_background.background_chance(sig, POSE, [0], a, a + n, np.zeros(2), 1.2, ST)
    assert got < ST.rhythm_max_chance / 1000
    # nothing around the bout to compare it with (a clip no longer than the bout): untested
    short = _noise_signals(rng, fs, n)
    assert rhythm_background.background_chance(short, POSE, [0], 0, n, np.zeros(2), 1.2, ST) == 0.0
    # ... and cannot tell whether a leg joins a bout: no answer, not a chance of 0
    assert rhythm_background.leg_chance(short, POSE, 0, 0, n, np.zeros(2), 1.2, ST) is None


def test_plm_series_and_twitches_are_not_rhythmic():
    """One 1.5-s flexion every 20 s (a PLM series) and 0.25-s twitches between: nothing
    periodic inside 0.5-4 Hz lasts three cycles, so no bout."""
    fs = 15.0
    t = np.arange(int(200 * fs)) / fs
    flex = np.zeros((2, len(t)))
    moving = np.zeros((2, len(t)), bool)
    for k, t0 in enumerate(np.arange(10.0, 190.0, 20.0)):
        leg = k % 2
        u = (t - t0) / 1.5
        on = (u >= 0) & (u <= 1)
        flex[leg, on] += np.sin(np.pi * u[on]) ** 0.6
        moving[leg, on] = True
        tw = (t >= t0 + 10) & (t <= t0 + 10.25)
        flex[1 - leg, tw] += 0.3 * np.sin(np.pi * (t[tw] - t0 - 10) / 0.25)
        moving[1 - leg, tw] = True
    rng = np.random.default_rng(1)
    pose = np.stack(
        [
            np.stack([0.5 - 0.15 * flex[li], 0.3 * flex[li]]) + rng.normal(0, 0.003, (2, len(t)))
            for li in range(2)
        ]
    )
    sig = RhythmSignals(t, fs, pose, None, np.full((len(t), 2), np.nan), moving)
    assert len(rhythm_bouts(sig, ST)) == 0


def test_bout_of_an_isolated_movement():
    """A short fast bout between still stretches (rhythmic_settling's 4 Hz, 10 cycles:
    2.5 s) is found although it is shorter than the analysis window."""
    planted = [(20.0, 4.0, 10, 0.0, (1,))]
    sig, truth = _pose_signals(
        30, 40.0, planted, wriggle=0.0, moving=lambda t: np.stack([t < 0, (t >= 20) & (t <= 22.5)])
    )
    _check(rhythm_bouts(sig, ST), truth, edge_s=0.5)


@pytest.mark.parametrize("fs", [15, 25])
def test_bouts_from_flow_only(fs):
    """No keypoints (a blanket): each leg region's flow is the velocity of its flexion along a
    body axis turned 30 deg, plus a sideways wobble. Integrated along the axis it gives the
    same bouts, phase and frequency, from motion."""
    planted = [(10.0, 1.2, 10, 0.5, (0, 1)), (30.0, 2.0, 14, 0.0, (0, 1))]
    t, flex, truth, rng = _legs(fs, 50.0, planted, seed=3)
    n = len(t)
    ang = np.radians(30.0)
    axis = np.array([np.sin(ang), -np.cos(ang)])
    side = np.array([axis[1], -axis[0]])
    vel = np.gradient(flex, 1.0 / fs, axis=1)
    wob = np.stack([_wriggle(rng, n, fs) for _ in range(2)]) * 0.2
    flow = np.stack([np.outer(axis, vel[li]) + np.outer(side, wob[li]) for li in range(2)])
    pose = np.full((2, 2, n), np.nan)
    known = RhythmSignals(t, float(fs), pose, flow, np.tile(axis, (n, 1)), np.ones((2, n), bool))
    bouts = rhythm_bouts(known, ST)
    _check(bouts, truth)
    assert (bouts["source"] == "motion").all()
    # without torso keypoints the axis is the main direction both legs' flow shares
    blind = RhythmSignals(t, float(fs), pose, flow, np.full((n, 2), np.nan), known.moving)
    _check(rhythm_bouts(blind, ST), truth)
    d = flow_axis(flow[:, :, 200:300], np.full((100, 2), np.nan))
    assert abs(abs(float(d @ axis)) - 1.0) < 0.02


def test_moving_mask_from_movements():
    t = np.arange(0, 10, 0.5)
    mono = pd.DataFrame({"start_s": [1.0, 4.0], "end_s": [2.0, 4.1], "side": ["left", "right"]})
    m = rhythm_moving(mono, t)
    assert list(np.flatnonzero(m[0])) == [2, 3]  # 1.0 and 1.5 s
    assert list(np.flatnonzero(m[1])) == [8]  # a 0.1-s movement still marks a sample


def _bouts(rows):
    df = pd.DataFrame(rows, columns=["start_s", "end_s", "frequency_hz", "pattern"])
    df["bout"] = np.arange(1, len(df) + 1)
    df["duration_s"] = df["end_s"] - df["start_s"]
    for c, v in (
        ("side", "bilateral"),
        ("cycles", 0.0),
        ("strength", 0.9),
        ("phase_deg", 0.0),
        ("source", "pose"),
        ("state", ""),
        ("clipped", False),
    ):
        df[c] = v
    df["cycles"] = df["frequency_hz"] * df["duration_s"]
    return df[BOUT_COLUMNS]


def test_movements_take_the_rhythm_of_their_bout():
    bouts = _bouts([(30.0, 40.0, 1.5, "cycling"), (100.0, 106.0, 2.0, "kicking")])
    moves = pd.DataFrame(
        {
            "start_s": [0.0, 29.5, 99.0, 104.5, 200.0, 35.0],
            "end_s": [300.0, 41.0, 101.0, 107.0, 203.0, 35.2],
            "kind": ["long_movement", "lm", "lm", "lm", "lm", "twitch"],
        }
    )
    out = rhythm_label(moves, bouts)
    # a long movement with both bouts inside belongs to the one it overlaps most (10 s);
    # the LM around the first bout to it; 99-101 overlaps bout 2 by 1 s, half its own 2 s;
    # 104.5-107 overlaps by 1.5 s of 2.5: more than half of itself; 200-203 and the twitch none
    assert list(out["bout"].astype("Float64").fillna(-1)) == [1, 1, 2, 2, -1, -1]
    assert list(out["rhythmic"]) == [True, True, True, True, False, False]
    assert list(out["pattern"]) == ["cycling", "cycling", "kicking", "kicking", "", ""]
    assert out["frequency_hz"].iloc[0] == 1.5


def test_bouts_are_counted_as_bouts_not_as_their_movements():
    # the night's cards, the PDF's table and nights.csv count the bout table's rows: here two
    # bouts (a cycling one inside a long movement, a kicking one of three short LMs) are four
    # rhythmic movements, and a bout with no movement at all still counts
    bouts = _bouts(
        [(30.0, 40.0, 1.5, "cycling"), (100.0, 106.0, 2.0, "kicking"), (400, 408, 1.0, "kicking")]
    )
    moves = pd.DataFrame(
        {
            "start_s": [0.0, 100.0, 102.0, 104.0],
            "end_s": [300.0, 101.5, 103.5, 105.5],
            "kind": ["long_movement", "lm", "lm", "lm"],
        }
    )
    out = rhythm_label(moves, bouts)
    assert int(out["rhythmic"].sum()) == 4
    assert bout_counts(bouts) == {
        "rhythmic_bouts": 3,
        "rhythmic_bouts_cycling": 1,
        "rhythmic_bouts_kicking": 2,
    }
    assert bout_counts(bouts.iloc[:0]) == {
        "rhythmic_bouts": 0,
        "rhythmic_bouts_cycling": 0,
        "rhythmic_bouts_kicking": 0,
    }


def test_artifacts_clip_movements_and_bouts():
    """A caregiver span 50-55 s: a 40-60 s movement stays one movement 40-60 (clipped), one
    inside it is removed, a 54.8-56 s LM keeps 55-56; counts say what was excluded."""
    arts = pd.DataFrame({"start_s": [50.0], "end_s": [55.0], "kind": ["caregiver"]})
    moves = pd.DataFrame(
        {
            "start_s": [10.0, 40.0, 51.0, 54.8],
            "end_s": [12.0, 60.0, 53.0, 56.0],
            "kind": ["lm", "long_movement", "lm", "lm"],
            "side": ["left"] * 4,
        }
    )
    moves["duration_s"] = moves["end_s"] - moves["start_s"]
    out, counts = artifacts_clip(moves, arts, 0.5)
    assert list(zip(out["start_s"], out["end_s"], strict=True)) == [
        (10.0, 12.0),
        (40.0, 60.0),
        (55.0, 56.0),
    ]
    assert list(out["clipped"]) == [False, True, True]
    assert list(out["duration_s"]) == [2.0, 20.0, 1.0]
    # 5 s of the long movement, 2 s of the LM inside, 0.2 s of the last one
    assert counts == {
        "caregiver": {
            "movements_clipped": 2,
            "movements_removed": 1,
            "movement_s": pytest.approx(7.2),
        }
    }
    # a bout of 1 Hz over 44-58 s stays one bout 44-58 s with its cycles counted outside the
    # span: 6 + 3 = 9; one of 2 Hz over 49-51 s leaves 49-50 (1 s, 2 cycles): dropped
    bouts = _bouts([(44.0, 58.0, 1.0, "kicking"), (49.0, 51.0, 2.0, "cycling")])
    cut = rhythm_clip(bouts, arts, ST)
    assert list(zip(cut["start_s"], cut["end_s"], cut["cycles"], strict=True)) == [
        (44.0, 58.0, 9.0),
    ]
    assert list(cut["bout"]) == [1] and cut["clipped"].all()


def _short_bouts(fs: float, pattern: str, freqs: tuple[float, ...], seed: int):
    """Bouts of four cycles with the legs still around them, drawn as the track simulator
    (pipeline/scoring/simulate.py) draws them: flexion 0.5 (1 - cos 2 pi f u) from straight;
    the anti-phase leg 0.5 (1 + cos 2 pi f u), ramped over 0.25 s at both ends; one leg
    alone with the other still. Each leg's movement mask covers its own bout only (as
    movements_detect gives it), so a short bout fills a small part of the 6-s window."""
    gap_s = 14.0
    dur = gap_s * (len(freqs) + 1)
    n = int(round(dur * fs))
    t = np.arange(n) / fs
    rng = np.random.default_rng(seed)
    flex = np.zeros((2, n))
    moving = np.zeros((2, n), bool)
    truth = []
    for k, f in enumerate(freqs):
        t0, d = gap_s * (k + 1), 4.0 / f
        u = t - t0
        on = (u >= 0) & (u <= d)
        legs = (0,) if pattern == "one_leg" else (0, 1)
        for li in legs:
            if li == 1 and pattern == "cycling":
                ramp = np.clip(np.minimum(u, d - u) / 0.25, 0, 1)
                flex[li, on] = (0.5 * (1 + np.cos(2 * np.pi * f * u)) * ramp)[on]
            else:
                flex[li, on] = 0.5 * (1 - np.cos(2 * np.pi * f * u[on]))
            moving[li, on] = True
        truth.append((t0, t0 + d, f, legs))
    pose = np.stack(
        [
            np.stack(
                [
                    0.5 - 0.15 * flex[li] + rng.normal(0, 0.003, n),
                    0.3 * flex[li] + rng.normal(0, 0.006, n),
                ]
            )
            for li in range(2)
        ]
    )
    return RhythmSignals(t, float(fs), pose, None, np.full((n, 2), np.nan), moving), truth


@pytest.mark.parametrize("fs", [15, 25, 30])
@pytest.mark.parametrize("pattern", ["kicking", "cycling", "one_leg"])
def test_short_bouts_phase_and_pattern(fs, pattern):
    """Four cycles at 0.5, 1, 2, 2.72 and 4 Hz (8 s down to 1 s) with still legs around.

    Worked out by hand: in phase, the two legs' signals are the same, so their cross-
    spectrum X_r conj(X_l) = |X_l|^2 is real and positive at every frequency: phase 0, kicking.
    In anti-phase the right leg's oscillation is the left's negated (cos + pi = -cos), so at
    the bout's frequency, where the oscillation dominates the spectrum, the phase is 180 deg
    (the ramp and the drawn-up mean move it by a few degrees): cycling. One leg: the other
    leg never moves, so the bout is that leg's, kicking, with no phase. The frequency is the
    planted one; the bout spans the four cycles (to half a cycle, or 0.3 s: the 0.25-s ramp)."""
    freqs = (0.5, 1.0, 2.0, 2.72, 4.0)
    sig, truth = _short_bouts(float(fs), pattern, freqs, seed=fs)
    bouts = rhythm_bouts(sig, ST)
    assert len(bouts) == len(truth), bouts
    for row, (t0, end, f, _legs) in zip(bouts.itertuples(), truth, strict=True):
        assert abs(row.frequency_hz - f) <= 0.1, (row, f)
        edge = max(0.3, 0.5 / f)  # a kick leaves straight at zero speed: the first and
        # last ~0.1 cycle hardly move, and the edges are found to within a few samples
        assert abs(row.start_s - t0) <= edge and abs(row.end_s - end) <= edge, (row, t0, end)
        if pattern == "one_leg":
            assert (row.side, row.pattern) == ("left", "kicking") and np.isnan(row.phase_deg)
        elif pattern == "kicking":
            assert (row.side, row.pattern) == ("bilateral", "kicking")
            assert abs(row.phase_deg) <= 5.0, row
        else:
            assert (row.side, row.pattern) == ("bilateral", "cycling")
            assert abs(abs(row.phase_deg) - 180.0) <= 15.0, row
