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


#: a sample more than this many times both of its neighbours is a lone spike
SPIKE_RATIO = 4.0


def _without_lone_spikes(x: np.ndarray) -> np.ndarray:
    """``x`` with each lone one-sample spike (above :data:`SPIKE_RATIO` times both of its
    neighbours) lowered to the larger neighbour: a video key frame changes the whole picture
    for one frame (every 2 s in a camera's 30-frame groups at 15 fps), which averaged over a
    second reads as the body moving half the time; a baby's trunk, arms or head never move
    for one frame alone."""
    y = np.nan_to_num(np.asarray(x, dtype=np.float64))
    if y.size < 3:
        return y
    p = np.pad(y, 1, mode="reflect")  # the first and last sample have one neighbour
    nb = np.maximum(p[:-2], p[2:])
    return np.where(y > SPIKE_RATIO * nb, nb, y)


def _body_parts(act: LegActivity, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """The whole frame's change above rest and the part of it the legs explain, per sample."""
    fs = act.fs_hz
    size = max(1, samples(settings.sleep_body_smooth_s, fs)) | 1

    def excess(x: np.ndarray) -> tuple[np.ndarray, float]:
        sm = uniform_filter1d(np.nan_to_num(np.asarray(x, dtype=np.float64)), size, mode="nearest")
        base, noise = signal_noise(sm, fs)
        return sm - base, noise

    whole, _ = excess(_without_lone_spikes(act.whole_motion))
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
    return whole, ratio * legs


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
    whole, explained = _body_parts(act, settings)
    return whole - explained


def body_active(act: LegActivity, settings: Settings) -> np.ndarray:
    """True where the body motion the legs do not explain (:func:`body_motion`) exceeds its
    resting level by ``whole_onset_k`` noise units (the noise at least
    ``sleep_body_floor``) and, while the legs move, is at least ``sleep_body_rel`` times the
    change the legs explain: the ratio is one number for the night, so a vigorous leg
    movement leaves a remainder of some tenths of its own change that is not the trunk (the
    kicking legs of a generated scene: whole/legs 0.087 against the night's 0.07, a
    remainder of 0.24 of the change the legs explain).

    Never where the camera moved the picture (``act.camera_moving``): there the whole
    frame's change is the camera's (a shaken phone's, even with its shift taken out, 50-80
    times a still picture's rest), and the body's own motion cannot be told from it; the
    legs' movements still count (:func:`pipeline.scoring.sleep.sleep_leg_bouts`)."""
    whole, explained = _body_parts(act, settings)
    body = whole - explained
    base, noise = signal_noise(body, act.fs_hz)
    above = body > base + settings.whole_onset_k * max(noise, settings.sleep_body_floor)
    if act.camera_moving is not None:
        above &= ~act.camera_moving
    return above & (body >= settings.sleep_body_rel * explained)
