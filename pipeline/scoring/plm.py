"""Periodic limb movement (PLM) series and inter-movement intervals, as WASM 2016 scores them.

The rule (quoted with its values by :mod:`pipeline.reports.methods`):

1. Only candidate LMs (``kind == "lm"``) take part; twitches are skipped as if absent.
2. The *inter-movement interval* (IMI) of a candidate LM is the time from the onset of the
   previous candidate LM to its own onset (onset to onset, WASM). It is undefined (NaN) for
   the night's first one and when a non-candidate movement (a ``long_movement`` or
   ``large_movement``), an artifact span or a stretch without usable signal lies between
   the two onsets: such an interval was not observed as an interval between two LMs.
3. A PLM series is a run of at least ``plm_min_count`` consecutive candidate LMs whose
   IMIs all lie in ``plm_min_interval_s`` .. ``plm_max_interval_s`` (both included).
4. What ends a run: an undefined IMI (rule 2 — a non-candidate movement or a span between
   the onsets: series never bridge them) or an IMI above ``plm_max_interval_s``: the LM may
   open the next run. An IMI below ``plm_min_interval_s``: the LM is a short-interval LM,
   never a PLM itself, and the LM after it may open a new run — MATPLM's reading of WASM
   2016 (its ``candidate_lms``: "a breakpoint after this movement, so that a short IMI
   cannot begin a run of PLM").

:func:`plm_series` adds ``plm_series`` (series number) and ``imi_s`` to the movement table;
:func:`plm_breaks_between` is the test of rule 2 for a list of spans.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.settings import Settings

__all__ = ["NOT_CANDIDATE_KINDS", "plm_breaks_between", "plm_series"]

#: movement kinds that are not candidate LMs and end a series (twitches are skipped instead)
NOT_CANDIDATE_KINDS = ("long_movement", "large_movement")


def plm_breaks_between(
    a_s: np.ndarray, b_s: np.ndarray, spans: Sequence[tuple[float, float]]
) -> np.ndarray:
    """For each interval ``a_s[i] .. b_s[i]``, whether any span ``(start, end)`` lies
    (even partly) inside it."""
    a = np.asarray(a_s, dtype=np.float64)
    b = np.asarray(b_s, dtype=np.float64)
    out = np.zeros(a.shape, dtype=bool)
    for s, e in spans:
        out |= (s < b) & (e > a)
    return out


def plm_series(
    moves: pd.DataFrame,
    settings: Settings,
    breaks: Sequence[tuple[float, float]] = (),
) -> pd.DataFrame:
    """Add ``plm_series`` (1, 2, ... for each PLM, NaN elsewhere) and ``imi_s`` (onset-to-onset
    interval of each candidate LM from the previous one, NaN where undefined).

    ``breaks`` are spans (start_s, end_s) no series may bridge: the night's artifact spans
    and its stretches without usable signal. The rule is in the module docstring.
    """
    out = moves.copy()
    series = np.full(len(out), np.nan)
    imi = np.full(len(out), np.nan)
    order = np.argsort(out["start_s"].to_numpy(dtype=float), kind="stable")
    kind = out["kind"].to_numpy()[order]
    start = out["start_s"].to_numpy(dtype=float)[order]
    keep = kind != "twitch"
    pos = order[keep]  # positions of the non-twitch movements in start order
    k_kind, k_start = kind[keep], start[keep]
    is_lm = k_kind == "lm"
    # the previous movement of each (non-twitch) movement, and whether a span lies between
    # (slicing the shifted arrays keeps their length when there is no movement at all)
    prev_start = np.concatenate(([np.nan], k_start))[: len(k_start)]
    prev_lm = np.concatenate(([False], is_lm))[: len(is_lm)]
    spanned = plm_breaks_between(np.nan_to_num(prev_start, nan=-np.inf), k_start, breaks)
    valid = prev_lm & ~spanned  # an observed interval between two candidate LMs
    lo, hi = settings.plm_min_interval_s, settings.plm_max_interval_s
    eps = 1e-9  # an interval written as 10.0 s or 90.0 s is inside the range
    run: list[int] = []
    number = 0

    def close() -> None:
        nonlocal number
        if len(run) >= settings.plm_min_count:
            number += 1
            series[run] = number
        run.clear()

    for j in range(len(pos)):
        if not is_lm[j]:
            close()
            continue
        if valid[j]:
            iv = float(k_start[j] - prev_start[j])
            imi[pos[j]] = iv
        else:
            close()
            run.append(int(pos[j]))
            continue
        if iv < lo - eps:  # a short-interval LM: never a PLM; the next may open a run
            close()
            continue
        if iv > hi + eps:
            close()
        # (after a short-interval LM the run is empty and this LM opens it: its own IMI,
        # from the short-interval LM, is not one of the run's)
        run.append(int(pos[j]))
    close()
    out["plm_series"] = series
    out["imi_s"] = imi
    return out
