"""Whether a rhythmic bout stands out from the legs' own movement around it.

Wriggling is a narrow-band random movement: three to six of its cycles look periodic now
and then, with a window strength a true bout inside the wriggling also has. What tells
them apart is the movement around them: a true bout is much stronger at its frequency
than the legs' movement before and after it; a stretch of wriggling that happened to
look periodic is not. :func:`background_chance` is that comparison as an F-test
(see :func:`pipeline.scoring.rhythm.rhythm_bouts`, step 5); :func:`leg_chance` the same for
one leg at a frequency another leg's rhythm gave (whether that leg takes part, step 4).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from pipeline.scoring import rhythm_spectra as rs
from pipeline.scoring.rhythm_signals import FLOW, POSE, RhythmSignals, channels, flow_axis
from pipeline.scoring.signal import samples
from pipeline.settings import Settings

__all__ = ["CONTEXT_S", "MIN_AROUND", "background_chance", "leg_chance"]

CONTEXT_S = 60.0  # a bout is compared with the legs' own movement this long either side ...
MIN_AROUND = 3  # ... in at least this many stretches as long as the bout, else untested
GAP_S = 1.0  # ... from a second away from the bout


def background_chance(
    sig: RhythmSignals,
    source: int,
    legs: list[int],
    a: int,
    b: int,
    axis: np.ndarray,
    f: float,
    settings: Settings,
) -> float:
    """The chance that the legs' own movement around the bout [a, b) makes a rhythm as
    strong as the bout's at its frequency ``f``: 0-1, and 0 where there is too little
    around it to compare it with (see :func:`_chance_on`).

    Measured on the bout's ``source`` and, for a bout found in the keypoints, on the flow
    too (while a baby wriggles its keypoints are trusted for seconds at a time, so a
    keypoint bout often has one stretch of keypoint background, or none, around it); the
    smaller chance of the two, doubled (a union bound: two tests of one bout)."""
    chance = _tested(sig, source, legs, a, b, axis, f, settings, searched=True)
    return 0.0 if chance is None else chance


def leg_chance(
    sig: RhythmSignals,
    source: int,
    leg: int,
    a: int,
    b: int,
    axis: np.ndarray,
    f: float,
    settings: Settings,
) -> float | None:
    """The chance that leg ``leg``'s own movement around the bout [a, b) makes as much
    power at the bout's frequency ``f`` as the leg has over the bout: whether a leg takes
    part in a bout the other leg's rhythm found (the anti-phase leg of a cycling bout,
    whose movement under a blanket or inside wriggling is often less regular than the
    other's). The frequency is given, not searched for: the test looks only within 1 / T
    of it (two independent frequencies). None where there is too little around the bout
    to compare it with."""
    return _tested(sig, source, [leg], a, b, axis, f, settings, searched=False)


def _tested(
    sig: RhythmSignals,
    source: int,
    legs: list[int],
    a: int,
    b: int,
    axis: np.ndarray,
    f: float,
    settings: Settings,
    *,
    searched: bool,
) -> float | None:
    """The smaller chance of the tests on ``source`` (and on the flow too, for a keypoint
    bout) that have a background, times the number of such tests; None when none has."""
    tests = [_chance_on(sig, source, legs, a, b, axis, f, settings, searched)]
    flow = sig.flow
    if source == POSE and flow is not None and np.isfinite(flow[legs, :, a:b]).all():
        d = flow_axis(flow[:, :, a:b], sig.axis[a:b])
        d = d / max(float(np.linalg.norm(d)), 1e-9)
        tests.append(_chance_on(sig, FLOW, legs, a, b, d, f, settings, searched))
    tested = [chance for m, chance in tests if m >= MIN_AROUND]
    if not tested:
        return None
    return min(1.0, len(tested) * min(tested))


def _chance_on(
    sig: RhythmSignals,
    source: int,
    legs: list[int],
    a: int,
    b: int,
    axis: np.ndarray,
    f: float,
    settings: Settings,
    searched: bool = True,
) -> tuple[int, float]:
    """(M, chance) of the bout [a, b) on one ``source``: M the stretches of background.

    The bout's power P(f') at each leg (its channels of ``source``, detrended and tapered as
    the windows are, summed over the leg's channels, which move together) is compared with
    the mean power B(f') of the same legs in the M stretches of the bout's length, wholly
    known, that fit into the :data:`CONTEXT_S` before it and after it (a second away from
    it). Under the null hypothesis that the bout is more of that background, each leg's
    power at one frequency is exponential about its mean (the legs wriggle independently),
    and R = sum P / sum B over the L legs follows an F(2L, 2LM) distribution. R is the
    largest ratio within 1 / T of ``f``, T the bout's length, and a bout of that length
    could have been found at any of the K = T (``rhythm_fmax_hz`` - ``rhythm_fmin_hz``)
    independent frequencies of the band: the chance is min(1, K P(F >= R)); K = 2 when
    ``f`` was not ``searched`` for in these legs (given by another leg's rhythm). A bout far
    stronger at its frequency than the movement around it (a kicking bout in a quiet cot,
    or inside wriggling that has little power at its frequency) has a vanishing chance; a
    stretch of wriggling that happened to look periodic, a chance near 1.
    """
    fs = sig.fs_hz
    n = b - a
    width = 1.0 / (n / fs)
    freqs = np.arange(max(rs.DF_HZ, f - width), f + width + 1e-9, rs.DF_HZ)

    def stretch(i: int) -> np.ndarray:
        # each stretch on its own (the flow's displacement integrated over it alone)
        return channels(sig, source, legs, i, i + n, axis)  # (legs, C, n)

    def power(x: np.ndarray) -> np.ndarray:  # (F,): summed over legs and their channels
        return np.asarray((np.abs(rs.dtft(x, fs, freqs)) ** 2).sum(axis=(0, 1)))

    bout = stretch(a)
    known = np.isfinite(bout).all(axis=(1, 2))  # the legs seen throughout the bout
    if not known.any():
        return 0, 1.0
    gap, ctx = samples(GAP_S, fs), samples(CONTEXT_S, fs)
    starts = [
        *range(a - gap - n, max(0, a - ctx) - 1, -n),
        *range(b + gap, min(len(sig.t_s), b + ctx) - n + 1, n),
    ]
    around = []
    for i in starts:
        x = stretch(i)[known]
        if np.isfinite(x).all():
            around.append(power(x))
    m = len(around)
    if m == 0:
        return 0, 1.0
    n_legs = int(known.sum())
    r = float(np.max(power(bout[known]) / np.maximum(np.mean(around, axis=0), rs.TINY)))
    k = max(1.0, (settings.rhythm_fmax_hz - settings.rhythm_fmin_hz) / width) if searched else 2.0
    return m, min(1.0, k * float(stats.f.sf(r, 2 * n_legs, 2 * n_legs * m)))
