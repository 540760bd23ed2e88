"""How far apart the video's and the polysomnogram's clocks are, from their event trains.

The video and the PSG start at different times and their clocks drift apart. When neither
``--offset-s`` nor both start times are known, the offset is estimated by cross-correlating
the two trains of leg-movement onsets: each onset is a box ``2 × tolerance_s`` wide, and the
correlation at lag L is the number of (reference, legmove) onset pairs whose difference lies
within ``tolerance_s`` of L — counted over every pairwise difference, which for event
trains is exact and cheaper than sampling both trains on a grid. The lag with the most
pairs wins (the middle of the plateau when several tie), refined to the median difference
of the pairs within the tolerance of it; the one-to-one matches at that offset are counted
with :func:`~pipeline.compare.match.compare_onsets`.

The offset is *the reference's time of the video's first frame*: an event at ``t`` s in the
video is at ``t + offset_s`` in the reference (a video started 2 min after the PSG: +120).

The estimate is **ambiguous** when another lag, further than twice the tolerance from the
winner, pairs nearly as many events (at least 80 %) — as a strictly periodic PLM series
does at multiples of its interval — and **weak** when fewer than :data:`MIN_MATCHED`
events pair; both are reported, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.compare.match import compare_onsets

__all__ = ["MIN_MATCHED", "OffsetEstimate", "offset_estimate"]

#: fewest events paired at the estimated offset for it to be called reliable
MIN_MATCHED = 4
#: a runner-up lag pairing at least this share of the winner's events makes it ambiguous
AMBIGUOUS_SHARE = 0.8


@dataclass(frozen=True)
class OffsetEstimate:
    """``offset_s`` (None when no pair of onsets came within ``max_offset_s``), the events
    paired one-to-one at it (``matched``) and at the best lag further than twice the
    tolerance from it (``runner_up``), out of ``n_reference`` and ``n_legmove``."""

    offset_s: float | None
    matched: int
    runner_up: int
    n_reference: int
    n_legmove: int
    max_offset_s: float
    tolerance_s: float

    @property
    def ambiguous(self) -> bool:
        return self.matched > 0 and self.runner_up >= AMBIGUOUS_SHARE * self.matched

    @property
    def reliable(self) -> bool:
        return self.offset_s is not None and self.matched >= MIN_MATCHED and not self.ambiguous

    def to_dict(self) -> dict[str, object]:
        return {
            "offset_s": None if self.offset_s is None else round(self.offset_s, 3),
            "matched": self.matched,
            "runner_up_matched": self.runner_up,
            "n_reference": self.n_reference,
            "n_legmove": self.n_legmove,
            "max_offset_s": self.max_offset_s,
            "reliable": self.reliable,
            "ambiguous": self.ambiguous,
        }


def _pair_differences(ref: np.ndarray, det: np.ndarray, within_s: float) -> np.ndarray:
    """Every difference ref − det of at most ``within_s`` (without the full n × m matrix)."""
    d = np.sort(det)
    lo = np.searchsorted(d, ref - within_s, "left")
    hi = np.searchsorted(d, ref + within_s, "right")
    parts = [r - d[a:b] for r, a, b in zip(ref, lo, hi, strict=True)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _counts(diffs: np.ndarray, lags: np.ndarray, tol: float) -> np.ndarray:
    d = np.sort(diffs)
    return np.searchsorted(d, lags + tol, "right") - np.searchsorted(d, lags - tol, "left")


def offset_estimate(
    reference_s: np.ndarray,
    legmove_s: np.ndarray,
    max_offset_s: float = 600.0,
    tolerance_s: float = 1.0,
    step_s: float = 0.05,
) -> OffsetEstimate:
    """The offset (reference time − video time) of two onset trains, searched within
    ±``max_offset_s`` on a ``step_s`` grid (see the module's docstring)."""
    if max_offset_s <= 0 or tolerance_s <= 0 or step_s <= 0:
        raise ValueError("max_offset_s, tolerance_s and step_s must be positive")
    ref = np.asarray(reference_s, dtype=float)
    det = np.asarray(legmove_s, dtype=float)
    diffs = _pair_differences(ref, det, max_offset_s + tolerance_s)
    none = OffsetEstimate(None, 0, 0, len(ref), len(det), max_offset_s, tolerance_s)
    if diffs.size == 0:
        return none
    lags = np.arange(-max_offset_s, max_offset_s + step_s / 2, step_s)
    counts = _counts(diffs, lags, tolerance_s)
    best = int(counts.max())
    if best == 0:
        return none
    # the middle of the widest run of lags with the best count (ties of equal-width runs:
    # the one nearest zero)
    top = np.flatnonzero(counts == best)
    runs = np.split(top, np.flatnonzero(np.diff(top) > 1) + 1)
    widest = max(len(r) for r in runs)
    run = min((r for r in runs if len(r) == widest), key=lambda r: abs(lags[r].mean()))
    lag = float(lags[run].mean())
    near = diffs[np.abs(diffs - lag) <= tolerance_s]
    offset = float(np.median(near))
    matched = compare_onsets(ref - offset, det, tolerance_s).tp
    far = np.abs(lags - offset) > 2 * tolerance_s
    runner_lag = float(lags[far][np.argmax(counts[far])]) if far.any() else None
    runner = 0
    if runner_lag is not None and counts[far].max() > 0:
        near_r = diffs[np.abs(diffs - runner_lag) <= tolerance_s]
        runner = compare_onsets(ref - float(np.median(near_r)), det, tolerance_s).tp
    return OffsetEstimate(offset, matched, runner, len(ref), len(det), max_offset_s, tolerance_s)
