"""NightResult tables to SQLite rows and back, exactly (see :mod:`pipeline.store.db`).

Each table of a :class:`pipeline.scoring.night.NightResult` (events, epochs, episodes and, when
present, artifacts and bouts) is one SQL table with a row per DataFrame row: the contract columns
(DESIGN.md) are SQL columns, so they can be queried; any other column goes into the row's
``extra`` JSON. The DataFrame's column names, order and dtypes are saved with the night
(:func:`table_columns`) and restored on reading, so a result reads back equal to the one
saved, and a new column added by the signal stage needs no schema change.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.scoring.movements import CONTRACT_EVENT_COLUMNS

__all__ = [
    "CORE_COLUMNS",
    "SQL_TABLES",
    "episode_key",
    "json_clean",
    "to_json",
    "table_columns",
    "table_insert",
    "table_read",
]

logger = logging.getLogger(__name__)

#: Columns of each result table kept as SQL columns (queryable); any other column of the
#: DataFrame goes into the row's ``extra`` JSON.
CORE_COLUMNS: dict[str, tuple[str, ...]] = {
    "events": tuple(CONTRACT_EVENT_COLUMNS),
    "epochs": ("start_s", "end_s", "activity", "state"),
    "episodes": ("start_s", "end_s", "kind", "priority", "n_movements", "reason"),
    "artifacts": ("start_s", "end_s", "kind"),
    "bouts": ("start_s", "end_s", "frequency_hz", "pattern", "state"),
}
#: NightResult attribute -> SQL table
SQL_TABLES: dict[str, str] = {
    "events": "movements",
    "epochs": "epochs",
    "episodes": "episodes",
    "artifacts": "artifacts",
    "bouts": "bouts",
}


def _py(v: Any) -> Any:
    """A value as plain Python for SQLite/JSON: missing values (NaN, NA, None) become None."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None if math.isnan(v) else v
    return v


def to_json(o: Any) -> str:
    """``o`` as JSON text (numpy scalars, paths and dates allowed; NaN is an error)."""
    return json.dumps(o, default=_json_default, allow_nan=False)


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, date | datetime):
        return o.isoformat()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def json_clean(o: Any) -> Any:
    """``o`` (nested dicts/lists) with NaN and missing values replaced by None."""
    if isinstance(o, dict):
        return {k: json_clean(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [json_clean(v) for v in o]
    return _py(o)


def episode_key(kind: str, start_s: float, end_s: float) -> str:
    """A readable key of an episode that stays the same when a re-score finds it again."""
    return f"{kind}@{start_s:.1f}-{end_s:.1f}"


def table_columns(df: pd.DataFrame) -> list[list[str]]:
    """``[[name, dtype], ...]`` of ``df``: what :func:`table_read` needs to rebuild it."""
    return [[str(c), str(df[c].dtype)] for c in df.columns]


def table_insert(con: sqlite3.Connection, night_id: int, name: str, df: pd.DataFrame) -> None:
    """Insert the rows of result table ``name`` (a key of :data:`SQL_TABLES`) of a night.

    Episodes also get their ``key`` (:func:`episode_key`, made unique within the night).
    """
    core = list(CORE_COLUMNS[name])
    extra_cols = [c for c in df.columns if c not in core]
    cols = ["night_id", "idx", *core, "extra"]
    if name == "episodes":
        cols.insert(2, "key")
    rows = []
    keys: set[str] = set()
    for i, rec in enumerate(df.to_dict("records")):
        row: list[Any] = [night_id, i]
        if name == "episodes":
            key = episode_key(str(rec["kind"]), float(rec["start_s"]), float(rec["end_s"]))
            k, n = key, 2
            while k in keys:
                k, n = f"{key}#{n}", n + 1
            keys.add(k)
            row.append(k)
        row += [_py(rec.get(c)) for c in core]
        row.append(to_json({str(c): _py(rec[c]) for c in extra_cols}))
        rows.append(row)
    marks = ",".join("?" * len(cols))
    con.executemany(f"INSERT INTO {SQL_TABLES[name]} ({','.join(cols)}) VALUES ({marks})", rows)


def table_read(
    con: sqlite3.Connection, night_id: int, name: str, columns: list[list[str]]
) -> pd.DataFrame:
    """Result table ``name`` of a night, with the ``columns`` (:func:`table_columns`) saved."""
    rows = con.execute(
        f"SELECT * FROM {SQL_TABLES[name]} WHERE night_id = ? ORDER BY idx", (night_id,)
    ).fetchall()
    names = [c for c, _ in columns]
    records = []
    for r in rows:
        rec = json.loads(r["extra"])
        for c in CORE_COLUMNS[name]:
            if c in names:
                rec[c] = r[c]
        records.append(rec)
    df = pd.DataFrame.from_records(records, columns=names)
    for c, dtype in columns:
        df[c] = _restore(df[c], dtype)
    return df


def _restore(col: pd.Series, dtype: str) -> pd.Series:
    """``col`` read back from SQLite/JSON in the dtype it was saved with."""
    try:
        if dtype == "bool":
            return col.fillna(False).astype(bool)
        if dtype == "object":
            return col.astype(object).where(col.notna(), None)
        return col.astype(dtype)
    except (TypeError, ValueError) as exc:
        logger.debug("column %s kept as read (dtype %s: %s)", col.name, dtype, exc)
        return col
