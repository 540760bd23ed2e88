"""The spectra rhythm is measured on: one window of a leg's signals, its dominant frequency in
the rhythmic band and the strength of its periodicity (:mod:`pipeline.scoring.rhythm`, steps
1-2 of its module doc)."""

from __future__ import annotations

import numpy as np

from pipeline.settings import Settings

__all__ = [
    "DF_HZ",
    "TINY",
    "detrend",
    "dtft",
    "grid",
    "lobe",
    "peak",
    "rhythm_spectrum",
    "strength",
    "taper",
]

DF_HZ = 0.02  # frequency grid step of the spectra
TINY = 1e-24  # a window with less power than this (body lengths squared) is still


def taper(n: int) -> np.ndarray:
    """A Hann taper of n points without its zero end points."""
    return np.hanning(n + 2)[1:-1]


def detrend(x: np.ndarray) -> np.ndarray:
    """Least-squares line removed along the last axis."""
    n = x.shape[-1]
    t = np.arange(n) - (n - 1) / 2
    mean = x.mean(axis=-1, keepdims=True)
    slope = (x * t).sum(axis=-1, keepdims=True) / max(float((t * t).sum()), 1e-12)
    return x - mean - slope * t


def dtft(x: np.ndarray, fs_hz: float, freqs: np.ndarray) -> np.ndarray:
    """Tapered, detrended DTFT of ``x`` (..., L) at ``freqs`` (F,): (..., F) complex."""
    n = x.shape[-1]
    w = taper(n)
    k = np.exp(-2j * np.pi * np.outer(np.arange(n) / fs_hz, freqs))  # (L, F)
    return np.asarray((detrend(x) * w) @ k)


def peak(p: np.ndarray, freqs: np.ndarray, lo: float, hi: float) -> tuple[float, int]:
    """Frequency of the highest local maximum of ``p`` within ``lo``-``hi`` (parabolic
    refinement) and its grid index; (nan, -1) without an interior peak."""
    inside = np.flatnonzero((freqs >= lo) & (freqs <= hi))
    if inside.size < 3 or float(p.max()) <= TINY:
        return float("nan"), -1
    k = int(inside[np.argmax(p[inside])])
    if k <= 0 or k >= len(p) - 1 or not (p[k] > p[k - 1] and p[k] >= p[k + 1]):
        return float("nan"), -1
    y0, y1, y2 = p[k - 1], p[k], p[k + 1]
    den = y0 - 2 * y1 + y2
    shift = 0.5 * (y0 - y2) / den if den < 0 else 0.0
    return float(freqs[k] + shift * (freqs[1] - freqs[0])), k


def strength(p: np.ndarray, freqs: np.ndarray, f0: float, half_hz: float) -> float:
    """Share of the power ``p`` within ``half_hz`` of ``f0``."""
    total = float(p.sum())
    if total <= 0 or not np.isfinite(f0):
        return 0.0
    return float(p[np.abs(freqs - f0) <= half_hz].sum()) / total


def lobe(window_hz: float, moved_s: float, f0: float, settings: Settings) -> float:
    """Half-width (Hz) of the band around ``f0`` a window's periodicity is measured in.

    A rhythm that fills the window has its power within ``window_hz`` (1 / window) of
    ``f0``. A leg that moves for only ``moved_s`` of the window (still before and after)
    holds a rhythm at most that long, whose spectrum is that of a sine gated to
    ``moved_s``: its main lobe reaches 1 / ``moved_s`` either side of ``f0`` (the gate's
    first zero), wider than the window's. Measured in the window's band, a 2.2-s bout of
    2.7 Hz in the 3-s window kept 0.79 of its power in phase with its gate and 0.69 with
    the opposite phase (the anti-phase leg of a cycling bout, which starts drawn up):
    one leg of the bout passed ``rhythm_min_periodicity`` and the other did not, and the
    bout was called one-leg kicking. The lobe is never taken wider than that of the
    shortest rhythm the rule accepts at ``f0`` (``rhythm_min_cycles`` cycles), so wriggling
    short of that cannot borrow it.
    """
    shortest_s = settings.rhythm_min_cycles / max(f0, 1e-9)
    return max(window_hz, 1.0 / max(moved_s, shortest_s))


def rhythm_spectrum(
    x: np.ndarray, fs_hz: float, settings: Settings
) -> tuple[float, float, np.ndarray]:
    """Dominant frequency (Hz), strength of periodicity (0..1) and the complex spectrum at
    that frequency (C,) of one window ``x`` (C, L) of a leg's channels (or (L,)).

    Steps 1-2 of :mod:`pipeline.scoring.rhythm`: detrended, Hann-tapered, spectrum on a
    0.02-Hz grid up to half the sampling rate, summed over channels; (nan, 0, zeros) when
    the window holds no peak inside the rhythmic band.
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    if x.shape[-1] < 4 or not np.isfinite(x).all():
        return float("nan"), 0.0, np.zeros(x.shape[0], complex)
    freqs = grid(fs_hz)
    spec = dtft(x, fs_hz, freqs)
    p = (np.abs(spec) ** 2).sum(axis=0)
    f0, k = peak(p, freqs, settings.rhythm_fmin_hz - DF_HZ, settings.rhythm_fmax_hz + DF_HZ)
    if k < 0:
        return float("nan"), 0.0, np.zeros(x.shape[0], complex)
    half = 1.0 / (x.shape[-1] / fs_hz)
    return f0, strength(p, freqs, f0, half), spec[:, k]


def grid(fs_hz: float) -> np.ndarray:
    return np.arange(DF_HZ, fs_hz / 2 + 1e-9, DF_HZ)
