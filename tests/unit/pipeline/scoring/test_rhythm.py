import numpy as np
import pytest

from pipeline.scoring.rhythm import rhythm_of_signal
from pipeline.settings import Settings


@pytest.mark.parametrize("fs", [15.0, 25.0, 30.0])
@pytest.mark.parametrize("f", [0.6, 1.0, 2.0, 3.5])
def test_sinusoid_frequency(fs, f):
    rng = np.random.default_rng(1)
    t = np.arange(0, 5 / f, 1 / fs)  # five cycles
    x = np.sin(2 * np.pi * f * t) + rng.normal(0, 0.1, t.size)
    got, per = rhythm_of_signal(x, fs, Settings())
    assert abs(got - f) < 0.1
    assert per > 0.6


def test_noise_is_not_periodic():
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, 150)
    _, per = rhythm_of_signal(x, 15.0, Settings())
    assert per < 0.5
