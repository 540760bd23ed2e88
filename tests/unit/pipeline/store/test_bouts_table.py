"""The v6 migration: a store that schema v5 (the four review answers) left gains the table of
rhythmic bouts, keeps its nights and reviews, and then saves and reads a result's bouts
exactly."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pandas as pd

from pipeline.scoring.rhythm import BOUT_COLUMNS
from pipeline.store.db import DB_NAME, MIGRATIONS, Store
from tests.helpers.nights import simulated_night


def _v5_database(path) -> None:  # type: ignore[no-untyped-def]
    with sqlite3.connect(path / DB_NAME) as con:
        con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT)")
        for v in range(5):
            for sql in MIGRATIONS[v]:
                con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?, 'x')", (v + 1,))
        con.execute(
            "INSERT INTO nights (label, night_date, created) VALUES ('Mila', '2024-01-02', 'x')"
        )
        con.execute(
            "INSERT INTO reviews (night_id, episode_key, kind, start_s, end_s, verdict, note, "
            "created) VALUES (1, 'k', 'rhythmic_movement', 10, 20, 'unsure', 'dim', 'x')"
        )
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "bouts" not in tables  # v5 had no bouts table


def test_a_v5_store_gains_the_bouts_table_and_keeps_its_reviews(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _v5_database(tmp_path)
    store = Store(tmp_path)
    assert store.schema_version() == len(MIGRATIONS) == 6
    (kept,) = store.reviews(1)
    assert (kept.verdict, kept.note, kept.kind) == ("unsure", "dim", "rhythmic_movement")
    with store.transaction(write=False) as con:
        cols = [r[1] for r in con.execute("PRAGMA table_info(bouts)")]
    assert cols == [
        "night_id",
        "idx",
        "start_s",
        "end_s",
        "frequency_hz",
        "pattern",
        "state",
        "extra",
    ]
    # two bouts written by hand (a cycling one from keypoints, a one-leg kick from motion)
    bouts = pd.DataFrame(
        [
            [1, 100.0, 104.0, 4.0, 1.5, "cycling", "bilateral", 6.0, 0.9, 178.0, "pose", "wake"],
            [2, 300.5, 303.5, 3.0, 1.0, "kicking", "left", 3.0, 0.8, float("nan"), "motion", ""],
        ],
        columns=BOUT_COLUMNS[:-1],
    )
    bouts["clipped"] = [False, True]
    result = replace(simulated_night(seed=1), bouts=bouts)
    store.save_result(1, result)
    with store.transaction(write=False) as con:  # the contract columns are SQL columns
        rows = con.execute("SELECT idx, start_s, pattern FROM bouts ORDER BY idx").fetchall()
    assert [tuple(r) for r in rows] == [(0, 100.0, "cycling"), (1, 300.5, "kicking")]
    back = store.result(1).bouts
    pd.testing.assert_frame_equal(back, bouts)
    assert store.integrity_check() == "ok"
