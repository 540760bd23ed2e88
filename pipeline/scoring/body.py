"""The baby's body motion that its legs do not explain: the trunk, the arms and the head.

Sleep/wake is scored from it (:mod:`pipeline.scoring.sleep`), so that leg movements alone
cannot turn sleep into wake, and a leg movement during which the body moves with the legs
is a large-muscle-group movement, not an LM (:func:`pipeline.scoring.movements.movements_large`).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

from pipeline.scoring.activity import LegActivity
from pipeline.scoring.signal import samples, signal_noise
from pipeline.settings import Settings

__all__ = ["body_active", "body_motion"]


def body_motion(act: LegActivity, settings: Settings) -> np.ndarray:
    """Whole-body motion the legs do not explain, per sample of ``act.t_s`` (motion energy
    above rest).

    The whole frame changes when any part of the baby moves, the legs included. Over the
    night, while a leg region clearly moves (above its onset level), the whole frame's
    change above rest rises with the leg regions' — by a ratio set by the camera and the
    baby's size, measured as the ``sleep_leg_ratio_quantile`` quantile of the ratio on the
    night itself (a low quantile: leg movements with the rest of the body still). The
    whole frame's change beyond that ratio times the legs' is the trunk, arms and head.
    Both signals are first averaged over ``sleep_body_smooth_s``.
    """
    fs = act.fs_hz
    size = max(1, samples(settings.sleep_body_smooth_s, fs)) | 1

    def excess(x: np.ndarray) -> tuple[np.ndarray, float]:
        sm = uniform_filter1d(np.nan_to_num(np.asarray(x, dtype=np.float64)), size, mode="nearest")
        base, noise = signal_noise(sm, fs)
        return sm - base, noise

    whole, _ = excess(act.whole_motion)
    legs = np.zeros(len(act.t_s))
    moving = np.zeros(len(act.t_s), dtype=bool)
    for li in range(act.motion.shape[0]):
        leg, noise = excess(act.motion[li])
        legs += np.clip(leg, 0.0, None)
        moving |= leg > max(settings.onset_k * noise, settings.min_onset_motion)
    ratio = 0.0
    if moving.sum() >= max(3, samples(1.0, fs)):
        with np.errstate(invalid="ignore", divide="ignore"):
            r = whole[moving] / legs[moving]
        r = r[np.isfinite(r)]
        if r.size:
            ratio = float(max(0.0, np.quantile(r, settings.sleep_leg_ratio_quantile)))
    return whole - ratio * legs


def body_active(act: LegActivity, settings: Settings) -> np.ndarray:
    """True where the body motion the legs do not explain (:func:`body_motion`) exceeds its
    resting level by ``whole_onset_k`` noise units (the noise at least
    ``sleep_body_floor``)."""
    body = body_motion(act, settings)
    base, noise = signal_noise(body, act.fs_hz)
    return body > base + settings.whole_onset_k * max(noise, settings.sleep_body_floor)
