"""Periodic limb movement (PLM) series, per AASM/WASM.

A PLM series is at least ``plm_min_count`` consecutive LMs whose onset-to-onset
intervals all lie in ``plm_min_interval_s .. plm_max_interval_s``. An LM after an
interval outside that range, or a non-LM movement (long movement) in between, ends
the series; twitches are ignored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.settings import Settings

__all__ = ["plm_series"]


def plm_series(moves: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Add ``plm_series``: the series number (1, 2, ...) of each PLM, NaN elsewhere."""
    out = moves.copy()
    series = np.full(len(out), np.nan)
    order = out.sort_values("start_s", kind="stable").index
    run: list = []
    number = 0

    def close() -> None:
        nonlocal number
        if len(run) >= settings.plm_min_count:
            number += 1
            series[out.index.get_indexer(run)] = number
        run.clear()

    for idx in order:
        kind = out.at[idx, "kind"]
        if kind == "twitch":
            continue
        if kind != "lm":
            close()
            continue
        if run:
            iv = out.at[idx, "start_s"] - out.at[run[-1], "start_s"]
            if not settings.plm_min_interval_s <= iv <= settings.plm_max_interval_s:
                close()
        run.append(idx)
    close()
    out["plm_series"] = series
    return out
