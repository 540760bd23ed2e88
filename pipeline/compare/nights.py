"""Agreement over several nights: the PLMS index by legmove and by the reference.

For each night *i* the reference's PLMS index ``x_i`` and legmove's ``y_i`` (PLMs in sleep
per hour of sleep; nights where either is missing are left out):

- **ICC(A,1)** — the intraclass correlation for *absolute agreement* of single measurements
  in a two-way model (McGraw & Wong 1996, case A; Shrout & Fleiss 1979 ICC(2,1)), with
  n nights and k = 2 methods::

      MSR = k Σ (m_i − m)² / (n − 1)           m_i = (x_i + y_i)/2, m the grand mean
      MSC = n Σ (c_j − m)² / (k − 1)           c_j the mean of method j
      MSE = (SST − SSR − SSC) / ((n − 1)(k − 1))
      ICC = (MSR − MSE) / (MSR + (k − 1) MSE + k (MSC − MSE) / n)

  It is 1 when legmove gives the reference's index every night; a constant bias lowers it
  (absolute agreement, not consistency). Needs n ≥ 2 and some spread between nights.
- **Bland–Altman** (Bland & Altman 1986): the differences ``d_i = y_i − x_i``; the *bias*
  is their mean, the 95 % *limits of agreement* bias ± 1.96 × SD(d) (SD with n − 1).

The LM numbers are pooled: precision/recall/F1 from the summed tp, fp and fn of all nights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.compare.agreement import NightAgreement
from pipeline.compare.match import Comparison

__all__ = ["BlandAltman", "NightsAgreement", "bland_altman", "icc_agreement", "nights_agreement"]


@dataclass(frozen=True)
class BlandAltman:
    n: int
    bias: float
    sd: float
    lower: float
    upper: float

    def to_dict(self) -> dict[str, float | int]:
        return {
            "n": self.n,
            "bias": round(self.bias, 3),
            "sd": round(self.sd, 3),
            "lower_limit": round(self.lower, 3),
            "upper_limit": round(self.upper, 3),
        }


def icc_agreement(x: Sequence[float], y: Sequence[float]) -> float | None:
    """ICC(A,1) of two methods' measurements ``x`` and ``y`` of the same n subjects (see the
    module's docstring); None for fewer than 2 subjects or no variance at all."""
    data = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    n, k = data.shape
    if n < 2:
        return None
    grand = data.mean()
    ssr = k * float(((data.mean(axis=1) - grand) ** 2).sum())
    ssc = n * float(((data.mean(axis=0) - grand) ** 2).sum())
    sst = float(((data - grand) ** 2).sum())
    msr = ssr / (n - 1)
    msc = ssc / (k - 1)
    mse = (sst - ssr - ssc) / ((n - 1) * (k - 1))
    denom = msr + (k - 1) * mse + k * (msc - mse) / n
    return None if denom <= 0 else (msr - mse) / denom


def bland_altman(x: Sequence[float], y: Sequence[float]) -> BlandAltman | None:
    """Bias and 95 % limits of agreement of ``y`` against ``x`` (None for fewer than 2)."""
    d = np.asarray(y, dtype=float) - np.asarray(x, dtype=float)
    if len(d) < 2:
        return None
    bias, sd = float(d.mean()), float(d.std(ddof=1))
    return BlandAltman(len(d), bias, sd, bias - 1.96 * sd, bias + 1.96 * sd)


@dataclass(frozen=True, eq=False)
class NightsAgreement:
    """The nights' agreements, the pooled LM and PLM comparisons, and the PLMS index's ICC
    and Bland–Altman over the nights that have both indices (``pairs``: (name, reference,
    legmove))."""

    nights: tuple[NightAgreement, ...]
    lm: Comparison
    plm: Comparison
    pairs: tuple[tuple[str, float, float], ...]
    icc: float | None
    bland_altman: BlandAltman | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "nights": [a.to_dict() for a in self.nights],
            "over_nights": {
                "n_nights": len(self.nights),
                "lm_pooled": self.lm.to_dict(),
                "plm_pooled": self.plm.to_dict(),
                "plms_index": {
                    "nights_with_both": len(self.pairs),
                    "per_night": [
                        {"night": name, "reference": x, "legmove": y} for name, x, y in self.pairs
                    ],
                    "icc_a1": None if self.icc is None else round(self.icc, 4),
                    "bland_altman": None
                    if self.bland_altman is None
                    else self.bland_altman.to_dict(),
                },
            },
        }


def _pooled(cs: Sequence[Comparison]) -> Comparison:
    return Comparison(sum(c.tp for c in cs), sum(c.fp for c in cs), sum(c.fn for c in cs), [])


def nights_agreement(nights: Sequence[NightAgreement]) -> NightsAgreement:
    """Pool ``nights`` (one :class:`NightAgreement` each)."""
    pairs = tuple(
        (a.name, float(a.plms_index[0]), float(a.plms_index[1]))
        for a in nights
        if a.plms_index[0] is not None and a.plms_index[1] is not None
    )
    x = [p[1] for p in pairs]
    y = [p[2] for p in pairs]
    return NightsAgreement(
        nights=tuple(nights),
        lm=_pooled([a.lm for a in nights]),
        plm=_pooled([a.plm for a in nights]),
        pairs=pairs,
        icc=icc_agreement(x, y),
        bland_altman=bland_altman(x, y),
    )
