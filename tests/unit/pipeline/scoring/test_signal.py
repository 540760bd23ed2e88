import numpy as np
import pytest
from scipy import signal as sps

from pipeline.scoring.signal import (
    samples,
    signal_fill_gaps,
    signal_grid,
    signal_lowpass,
    signal_noise,
    signal_resample,
    signal_runs,
)


def test_samples_rounds_seconds_to_counts():
    assert samples(0.5, 30) == 15
    assert samples(0.5, 15) == 8  # 7.5 rounds to even -> 8
    assert samples(0.0, 25) == 0
    with pytest.raises(ValueError):
        samples(1.0, 0)


def test_runs_are_half_open():
    assert signal_runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 3), (4, 5)]
    assert signal_runs(np.zeros(3, bool)) == []


def test_fill_gaps_short_only():
    x = np.arange(20, dtype=float)
    x[3:5] = np.nan  # 2 samples at 10 Hz = 0.2 s: filled
    x[10:18] = np.nan  # 0.8 s: stays NaN
    y = signal_fill_gaps(x, 10.0, 0.5)
    assert np.allclose(y[3:5], [3, 4])
    assert np.isnan(y[10:18]).all()


def test_lowpass_is_zero_phase():
    fs = 30.0
    t = np.arange(0, 10, 1 / fs)
    slow = np.sin(2 * np.pi * 0.5 * t)
    y = signal_lowpass(slow + 0.3 * np.sin(2 * np.pi * 12 * t), fs, 4.0)
    # the slow part passes without delay; the 12 Hz part is gone
    assert np.max(np.abs(y[30:-30] - slow[30:-30])) < 0.02


def test_lowpass_equals_scipy_sosfiltfilt_on_every_finite_stretch():
    """signal_lowpass solves for the filter's initial state once, not once a stretch as
    sosfiltfilt does; the result must be SciPy's to the last bit, stretch by stretch."""
    rng = np.random.default_rng(7)
    fs, cutoff = 15.0, 3.0
    x = rng.normal(size=4000).cumsum()
    stretches = [(0, 16), (40, 68), (80, 500), (510, 3990)]  # 16: just over the pad length
    mask = np.ones(x.size, bool)
    for a, b in stretches:
        mask[a:b] = False
    x[mask] = np.nan
    y = signal_lowpass(x, fs, cutoff)
    sos = sps.butter(4, cutoff, btype="low", output="sos", fs=fs)
    for a, b in stretches:
        np.testing.assert_array_equal(y[a:b], sps.sosfiltfilt(sos, x[a:b]))
    assert np.isnan(y[mask]).all()
    short = np.full(50, np.nan)
    short[10:25] = np.arange(15.0)  # 15 samples, the pad length: too short, kept as is
    np.testing.assert_array_equal(signal_lowpass(short, fs, cutoff)[10:25], np.arange(15.0))


def test_resample_marks_long_gaps():
    t = np.array([0.0, 0.1, 0.2, 1.5, 1.6])
    x = np.array([0.0, 1.0, 2.0, 15.0, 16.0])
    grid = signal_grid(t, 10.0)
    y = signal_resample(t, x, grid, max_gap_s=0.5)
    assert np.allclose(y[:3], [0, 1, 2])
    assert np.isnan(y[5:14]).all()
    assert np.allclose(y[-2:], [15, 16])


def test_noise_ignores_long_active_spells():
    rng = np.random.default_rng(0)
    fs = 10.0
    x = np.abs(rng.normal(0, 1, 6000)) * 0.1 + 1.0
    x[1000:3000] += 5.0  # a third of the time the leg moves
    base, noise = signal_noise(x, fs)
    assert 1.0 < base < 1.15
    assert 0.03 < noise < 0.15
