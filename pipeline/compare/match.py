"""Score detected events against a truth table (precision, recall, F1 with an onset tolerance).

As YASA's ``compare_detection``: each true event is matched to at most one detected event
whose onset lies within ``tolerance_s`` of it (closest first); unmatched detections are
false positives, unmatched truths false negatives. ``bench/accuracy.py`` scores the
generated scenes with these functions and ``legmove compare`` scores a night against an
expert's scoring with them, so the two give the same numbers for the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_TOLERANCE_S", "Comparison", "compare_events", "compare_onsets"]

#: onset tolerance of an LM match (``legmove compare --tolerance-s``): bench/accuracy.py's
#: TOL_S, so the two score a night alike
DEFAULT_TOLERANCE_S = 1.0


@dataclass(frozen=True)
class Comparison:
    tp: int
    fp: int
    fn: int
    pairs: list[tuple[int, int]]  # (truth row, detected row) positions

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int]:
        """tp, fp, fn, precision, recall and F1 (rounded to 4 places) for a JSON file."""
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def compare_onsets(truth_s: np.ndarray, detected_s: np.ndarray, tolerance_s: float) -> Comparison:
    """Match onsets one-to-one, closest pairs first, within ``tolerance_s``."""
    if tolerance_s < 0:
        raise ValueError("tolerance_s must not be negative")
    truth_s = np.asarray(truth_s, dtype=float)
    detected_s = np.asarray(detected_s, dtype=float)
    cand = [
        (abs(a - b), i, j)
        for i, a in enumerate(truth_s)
        for j in np.flatnonzero(np.abs(detected_s - a) <= tolerance_s)
        for b in [detected_s[j]]
    ]
    cand.sort()
    used_t: set[int] = set()
    used_d: set[int] = set()
    pairs = []
    for _, i, j in cand:
        if i in used_t or j in used_d:
            continue
        used_t.add(i)
        used_d.add(int(j))
        pairs.append((i, int(j)))
    pairs.sort()
    tp = len(pairs)
    return Comparison(tp, len(detected_s) - tp, len(truth_s) - tp, pairs)


def compare_events(
    truth: pd.DataFrame,
    detected: pd.DataFrame,
    kinds: tuple[str, ...] = ("lm",),
    tolerance_s: float = 1.0,
) -> Comparison:
    """Compare the events of ``kinds`` in two event tables by onset."""
    t = truth[truth["kind"].isin(kinds)]
    d = detected[detected["kind"].isin(kinds)]
    return compare_onsets(t["start_s"].to_numpy(), d["start_s"].to_numpy(), tolerance_s)
