"""Small signal helpers: seconds to samples, uniform resampling, gap filling, filtering.

Every function takes durations in seconds and rates in Hz; :func:`samples` is the one
place where seconds become sample counts.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps

__all__ = [
    "samples",
    "signal_grid",
    "signal_resample",
    "signal_interp_weighted",
    "signal_local_change",
    "signal_fill_gaps",
    "signal_lowpass",
    "signal_runs",
    "signal_noise",
]

_WINDOW = 1 << 16  # grid points per window where a long signal is worked through in windows


def samples(duration_s: float, fs_hz: float) -> int:
    """Number of samples spanning ``duration_s`` at ``fs_hz`` (rounded, at least 0)."""
    if fs_hz <= 0:
        raise ValueError(f"fs_hz must be positive, got {fs_hz}")
    return max(0, int(round(duration_s * fs_hz)))


def signal_grid(t_s: np.ndarray, fs_hz: float) -> np.ndarray:
    """A uniform time grid at ``fs_hz`` covering ``t_s[0]..t_s[-1]``."""
    if len(t_s) == 0:
        return np.zeros(0)
    n = int(np.floor((t_s[-1] - t_s[0]) * fs_hz + 1e-9)) + 1
    return t_s[0] + np.arange(n) / fs_hz


def signal_resample(
    t_s: np.ndarray, x: np.ndarray, grid_s: np.ndarray, max_gap_s: float
) -> np.ndarray:
    """Linearly interpolate ``x`` (N, ...) sampled at ``t_s`` onto ``grid_s``.

    Grid points farther than ``max_gap_s`` from any finite sample, or inside a gap
    longer than ``max_gap_s`` between finite samples, become NaN. The grid is worked
    through in windows, so the temporaries stay small however long the signal is.
    """
    x = np.asarray(x, dtype=np.float64)
    flat = x.reshape(len(t_s), int(np.prod(x.shape[1:])))  # not -1: N may be 0
    out = np.full((len(grid_s), flat.shape[1]), np.nan)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        ok = np.isfinite(col)
        if ok.sum() == 0:
            continue
        tt, vv = t_s[ok], col[ok]
        if len(tt) == 1:
            near = np.abs(grid_s - tt[0]) <= max_gap_s
            out[near, j] = vv[0]
            continue
        for a in range(0, len(grid_s), _WINDOW):
            g = grid_s[a : a + _WINDOW]
            y = np.interp(g, tt, vv)
            idx = np.searchsorted(tt, g)
            left = tt[np.clip(idx - 1, 0, len(tt) - 1)]
            right = tt[np.clip(idx, 0, len(tt) - 1)]
            inside = (g >= tt[0]) & (g <= tt[-1])
            gap = np.where(inside, right - left, np.inf)
            exact = np.isclose(g, right) | np.isclose(g, left)
            bad = ~exact & (gap > max_gap_s + 1e-9)
            y[bad] = np.nan
            out[a : a + _WINDOW, j] = y
    return out.reshape((len(grid_s),) + x.shape[1:])


def signal_interp_weighted(
    t_s: np.ndarray, x: np.ndarray, weight: np.ndarray, max_gap_s: float
) -> np.ndarray:
    """``x`` (N,) with its NaN samples filled between the finite samples around them, where
    those lie at most ``max_gap_s`` apart: the change from one finite sample to the next is
    spread over the samples between in proportion to ``weight`` (N,, >= 0; ``weight[k]``
    is how much changed from sample k-1 to k), linearly in time where the weights of a gap
    add up to nothing. Longer gaps, and the ends, stay NaN.

    For a keypoint track whose pose step ran only on some frames: frame differencing
    (``weight``) says in which frames between two poses the leg moved, so the step between
    the poses lands there instead of being drawn out over every skipped frame."""
    x = np.asarray(x, dtype=np.float64)
    out = x.copy()
    known = np.flatnonzero(np.isfinite(x))
    if known.size < 2:
        return out
    w = np.clip(np.nan_to_num(np.asarray(weight, dtype=np.float64)), 0.0, None)
    cum = np.cumsum(w)
    idx = np.arange(len(x))
    nxt = np.searchsorted(known, idx, side="left")  # first known sample at or after each
    inner = (nxt > 0) & (nxt < known.size) & ~np.isfinite(x)
    p = known[np.clip(nxt - 1, 0, known.size - 1)]
    q = known[np.clip(nxt, 0, known.size - 1)]
    span_t = t_s[q] - t_s[p]
    inner &= span_t <= max_gap_s + 1e-9
    dw = cum[q] - cum[p]
    frac_w = np.divide(cum - cum[p], dw, out=np.zeros(len(x)), where=dw > 1e-12)
    frac_t = np.divide(t_s - t_s[p], span_t, out=np.zeros(len(x)), where=span_t > 0)
    frac = np.where(dw > 1e-12, frac_w, frac_t)
    out[inner] = (x[p] + frac * (x[q] - x[p]))[inner]
    return out


#: a leg region's change counts as the leg's own when it exceeds the whole frame's change (above
#: rest) by this factor: a video key frame, a light or the camera change the whole picture
#: about evenly (leg region / whole frame ~1.1 on the generated scenes), a moving leg mostly
#: its own region (~10 there; the leg boxes cover about a fifth of a typical frame)
LOCAL_CHANGE_RATIO = 1.5


def signal_local_change(
    region: np.ndarray, whole: np.ndarray, fs_hz: float, k: float, floor: float
) -> np.ndarray:
    """How much an image region changed above its rest (motion energy), where it changed the
    way a moving limb changes it: by more than rest + ``k`` × noise (at least ``floor``) and
    more than :data:`LOCAL_CHANGE_RATIO` times the whole frame's change above its rest;
    0 elsewhere. ``region`` and ``whole`` are motion energies on the same samples."""
    m = np.nan_to_num(np.asarray(region, dtype=np.float64))
    w = np.nan_to_num(np.asarray(whole, dtype=np.float64))
    m_base, m_noise = signal_noise(m, fs_hz)
    w_base, _ = signal_noise(w, fs_hz)
    seen = max(m_base + k * m_noise, floor)
    exc = m - m_base
    local = (m > seen) & (LOCAL_CHANGE_RATIO * (w - w_base) < exc)
    return np.where(local, exc, 0.0)


def signal_fill_gaps(x: np.ndarray, fs_hz: float, max_gap_s: float) -> np.ndarray:
    """Interpolate NaN runs of at most ``max_gap_s`` inside a 1-D signal; longer runs stay NaN."""
    x = np.array(x, dtype=np.float64)
    nan = ~np.isfinite(x)
    if not nan.any() or nan.all():
        return x
    limit = samples(max_gap_s, fs_hz)
    idx = np.arange(len(x))
    filled = np.interp(idx, idx[~nan], x[~nan])
    for a, b in signal_runs(nan):
        interior = a > 0 and b < len(x)
        if interior and (b - a) <= limit:
            x[a:b] = filled[a:b]
    return x


def signal_lowpass(x: np.ndarray, fs_hz: float, cutoff_hz: float, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth low-pass of a 1-D signal; NaN stretches are left NaN.

    Finite stretches too short for the filter are returned unfiltered.
    """
    x = np.asarray(x, dtype=np.float64)
    if cutoff_hz >= fs_hz / 2:
        return x.copy()
    sos = sps.butter(order, cutoff_hz, btype="low", output="sos", fs=fs_hz)
    zi = sps.sosfilt_zi(sos)
    out = x.copy()
    padlen = 3 * (2 * len(sos) + 1)
    for a, b in signal_runs(np.isfinite(x)):
        if b - a > padlen:
            out[a:b] = _sosfiltfilt(sos, zi, x[a:b], padlen)
    return out


def _sosfiltfilt(sos: np.ndarray, zi: np.ndarray, x: np.ndarray, padlen: int) -> np.ndarray:
    """``scipy.signal.sosfiltfilt(sos, x, padlen=padlen)`` of a 1-D ``x`` (odd padding), the
    same steps in the same order, with ``zi = sosfilt_zi(sos)`` given: SciPy solves for it
    anew on every call, which was most of the cost of scoring a night whose keypoints come
    in thousands of short stretches (61,000 calls on a 10-hour night). Bitwise equal to
    SciPy's (checked by a unit test)."""
    ext = np.concatenate((2 * x[:1] - x[padlen:0:-1], x, 2 * x[-1:] - x[-2 : -(padlen + 2) : -1]))
    y, _ = sps.sosfilt(sos, ext, zi=zi * ext[:1])
    y, _ = sps.sosfilt(sos, y[::-1], zi=zi * y[-1:])
    return y[::-1][padlen:-padlen]


def signal_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open ``(start, stop)`` index pairs of the True runs of a boolean array."""
    m = np.asarray(mask, dtype=bool)
    if m.size == 0:
        return []
    d = np.diff(np.concatenate(([0], m.view(np.int8), [0])))
    starts = np.flatnonzero(d == 1)
    stops = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def signal_noise(x: np.ndarray, fs_hz: float, window_s: float = 5.0) -> tuple[float, float]:
    """Resting baseline and noise scale of an activity signal, robust to long active spells.

    The signal is cut into windows of ``window_s``; the quietest fifth of windows
    (lowest median) gives the baseline (their median) and the noise (1.4826 × their MAD).
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return 0.0, 0.0
    w = max(1, samples(window_s, fs_hz))
    n = x.size // w
    if n < 5:
        quiet = x
    else:
        blocks = x[: n * w].reshape(n, w)
        med = np.median(blocks, axis=1)
        keep = np.argsort(med)[: max(1, n // 5)]
        quiet = blocks[keep].ravel()
    base = float(np.median(quiet))
    noise = float(1.4826 * np.median(np.abs(quiet - base)))
    return base, noise
