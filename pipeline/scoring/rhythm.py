"""Rhythmic leg movement: >=3 cycles at a dominant 0.5-4 Hz with clear periodicity.

The signal is each leg's hip-to-ankle extension (body lengths): flexing a leg
shortens it, so kicking and cycling show as oscillations. Periodicity is the height
of the first autocorrelation peak inside the allowed band; the pattern is
``cycling`` when the two legs move in anti-phase and ``kicking`` when in phase or
when only one leg oscillates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import signal as sps

from pipeline.scoring.activity import LegActivity
from pipeline.settings import Settings

__all__ = ["rhythm_analyze", "rhythm_of_signal"]


def rhythm_of_signal(x: np.ndarray, fs_hz: float, settings: Settings) -> tuple[float, float]:
    """Dominant frequency (Hz) and periodicity (0..1) of a 1-D signal; (nan, 0) if none.

    Periodicity is the normalised autocorrelation at the first peak whose lag lies in
    ``1/rhythm_fmax_hz .. 1/rhythm_fmin_hz``; the lag is refined by parabolic interpolation.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size < 4 or not np.all(np.isfinite(x)):
        return float("nan"), 0.0
    x = sps.detrend(x)
    if np.std(x) < 1e-9:
        return float("nan"), 0.0
    n = x.size
    biased = sps.correlate(x, x, mode="full", method="fft")[n - 1 :]
    biased = biased / biased[0]
    # unbiased: each lag averages fewer products
    ac = biased * n / (n - np.arange(n))
    lo = int(np.floor(fs_hz / settings.rhythm_fmax_hz))
    hi = min(int(np.ceil(fs_hz / settings.rhythm_fmin_hz)), int(n * 2 / 3))
    if hi <= lo + 1:
        return float("nan"), 0.0
    peaks, _ = sps.find_peaks(biased[: hi + 1])
    peaks = peaks[(peaks >= max(lo, 1)) & (peaks <= hi)]
    if peaks.size == 0 or biased[peaks].max() <= 0:
        return float("nan"), 0.0
    # the biased autocorrelation decays with lag, so its highest peak is the fundamental
    # rather than a multiple of the period
    p = int(peaks[np.argmax(biased[peaks])])
    lag = float(p)
    if 0 < p < n - 1:
        y0, y1, y2 = ac[p - 1], ac[p], ac[p + 1]
        den = y0 - 2 * y1 + y2
        if den < 0:
            lag = p + 0.5 * (y0 - y2) / den
    return fs_hz / lag, float(min(1.0, ac[p]))


def rhythm_analyze(moves: pd.DataFrame, act: LegActivity, settings: Settings) -> pd.DataFrame:
    """Add ``rhythmic``, ``pattern`` and ``frequency_hz`` to each non-twitch movement."""
    out = moves.copy()
    rhythmic = np.zeros(len(out), dtype=bool)
    pattern = np.full(len(out), "", dtype=object)
    freq = np.full(len(out), np.nan)
    fs = act.fs_hz
    for i, row in enumerate(out.itertuples(index=False)):
        if row.kind == "twitch":
            continue
        a = int(np.searchsorted(act.t_s, row.start_s))
        b = int(np.searchsorted(act.t_s, row.end_s))
        legs = [0, 1] if row.side == "bilateral" else [0 if row.side == "left" else 1]
        found: dict[int, float] = {}
        for li in legs:
            seg = act.extension_bl[li, a:b]
            if seg.size < 4 or np.isnan(seg).mean() > 0.2:
                continue
            seg = pd.Series(seg).interpolate(limit_direction="both").to_numpy()
            f, per = rhythm_of_signal(seg, fs, settings)
            cycles = f * row.duration_s if np.isfinite(f) else 0.0
            if per >= settings.rhythm_min_periodicity and cycles >= settings.rhythm_min_cycles:
                found[li] = f
        if not found:
            continue
        rhythmic[i] = True
        freq[i] = float(np.mean(list(found.values())))
        pattern[i] = "kicking"
        if row.side == "bilateral":
            l_sig = act.extension_bl[0, a:b]
            r_sig = act.extension_bl[1, a:b]
            if np.isnan(l_sig).mean() <= 0.2 and np.isnan(r_sig).mean() <= 0.2:
                lc = sps.detrend(pd.Series(l_sig).interpolate(limit_direction="both").to_numpy())
                rc = sps.detrend(pd.Series(r_sig).interpolate(limit_direction="both").to_numpy())
                nl, nr = np.linalg.norm(lc), np.linalg.norm(rc)
                # both legs oscillate (neither is nearly still) and in anti-phase: cycling
                if min(nl, nr) > 0.3 * max(nl, nr) and float(lc @ rc) / (nl * nr) < 0:
                    pattern[i] = "cycling"
    out["rhythmic"] = rhythmic
    out["pattern"] = pattern
    out["frequency_hz"] = freq
    return out
