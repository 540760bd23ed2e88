"""The movement table as the CSV files and the dashboard present it.

The signal stage's table (:data:`pipeline.scoring.movements.EVENT_COLUMNS`) is kept as scored;
what a reader of ``events.csv`` or ``movements.csv`` needs besides is added here, in one place:

- times to the millisecond (:func:`times_rounded`): a frame at 15-30 fps is 33-67 ms, so more
  digits (``3.3070457004561673``) say nothing;
- ``n_legs`` the legs that moved (1, or 2 for a bilateral movement or a twitch seen on both
  legs) and ``n_pieces`` the one-leg movements the signal stage combined into it (its own
  ``n_legs`` counts those: 3 for a left-right-left combination, WASM's limit being 4);
- ``part_of_s``: a twitch that lies inside a bilateral LM or long movement is listed as its
  own row (the bilateral merge never combines twitches), and this column gives the start of
  the movement it is part of — empty for every other row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["events_presented", "movements_part_of", "times_rounded"]

#: digits kept of a time in seconds (milliseconds)
TIME_DECIMALS = 3


def times_rounded(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every float column whose name ends in ``_s`` rounded to
    milliseconds."""
    out = df.copy()
    for col in out.columns:
        if str(col).endswith("_s") and pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(TIME_DECIMALS)
    return out


def movements_part_of(events: pd.DataFrame) -> pd.Series:
    """For each row of ``events``: the ``start_s`` of the bilateral LM or long movement whose
    span holds it when the row is a twitch, else NaN (same index as ``events``)."""
    out = pd.Series(np.nan, index=events.index, dtype=float)
    if events.empty:
        return out
    kind = events["kind"].astype(str)
    holders = events[(kind != "twitch") & (events["side"].astype(str) == "bilateral")]
    if holders.empty:
        return out
    h0 = holders["start_s"].to_numpy(dtype=float)
    h1 = holders["end_s"].to_numpy(dtype=float)
    eps = 0.5 * 10.0**-TIME_DECIMALS  # rounded times: a twitch ending on the LM's end is inside
    for i, row in events[kind == "twitch"].iterrows():
        a, b = float(row["start_s"]), float(row["end_s"])
        inside = np.flatnonzero((h0 <= a + eps) & (b <= h1 + eps))
        if len(inside):
            out.at[i] = h0[inside[0]]
    return out


def events_presented(events: pd.DataFrame) -> pd.DataFrame:
    """``events`` as events.csv and movements.csv show it: the signal stage's columns with
    ``n_legs`` the legs that moved, ``n_pieces`` after it, ``part_of_s`` last, and times to the
    millisecond (see the module doc)."""
    out = events.copy()
    if "n_legs" in out and "n_pieces" not in out:
        pieces = out["n_legs"].astype("Int64")
        bilateral = out["side"].astype(str) == "bilateral"
        twitch = out["kind"].astype(str) == "twitch"
        legs = np.where(bilateral, 2, np.where(twitch, np.minimum(pieces.fillna(1), 2), 1))
        out["n_legs"] = pd.array(legs, dtype="Int64")
        out.insert(out.columns.get_loc("n_legs") + 1, "n_pieces", pieces)
    out["part_of_s"] = movements_part_of(events)
    return times_rounded(out)
