"""The four review answers (looks like it, ordinary movement, not a leg movement, can't tell):
a store of any earlier schema migrates keeping its reviews (and, from v4, its recordings), the
store takes the new answers, and the CSV and the PDF content read them."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd
import pytest

from pipeline.reports.export import NightRecord, nights_table
from pipeline.reports.pdf_content import STATUS_ORDER, episodes_for_review
from pipeline.store.db import DB_NAME, MIGRATIONS, Store
from pipeline.store.records import VERDICT_TEXT, VERDICTS
from tests.helpers.nights import simulated_night


def test_a_v3_store_migrates_keeping_its_reviews(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with sqlite3.connect(tmp_path / DB_NAME) as con:  # a database as schema v3 left it
        con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT)")
        for v in range(3):
            for sql in MIGRATIONS[v]:
                con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?, 'x')", (v + 1,))
        con.execute(
            "INSERT INTO nights (label, night_date, created) VALUES ('Mila', '2024-01-02', 'x')"
        )
        con.execute(
            "INSERT INTO reviews (night_id, episode_key, kind, start_s, end_s, verdict, note, "
            "created) VALUES (1, 'k', 'plm_series', 10, 90, 'reject', 'blanket', 'x')"
        )
        with pytest.raises(sqlite3.IntegrityError):  # v3 knew two answers only
            con.execute(
                "INSERT INTO reviews (night_id, episode_key, kind, start_s, end_s, verdict, "
                "created) VALUES (1, 'k', 'plm_series', 10, 90, 'unsure', 'x')"
            )
    store = Store(tmp_path)
    assert store.schema_version() == len(MIGRATIONS) >= 4
    (kept,) = store.reviews(1)
    assert (kept.verdict, kept.note, kept.kind, kept.start_s) == (
        "reject",
        "blanket",
        "plm_series",
        10.0,
    )
    with store.transaction() as con:  # the new answers are allowed now, others still not
        for verdict in ("ordinary", "unsure"):
            con.execute(
                "INSERT INTO reviews (night_id, episode_key, kind, start_s, end_s, verdict, "
                "created) VALUES (1, 'k', 'plm_series', 10, 90, ?, 'x')",
                (verdict,),
            )
    with pytest.raises(Exception, match="CHECK"):
        with store.transaction() as con:
            con.execute(
                "INSERT INTO reviews (night_id, episode_key, kind, start_s, end_s, verdict, "
                "created) VALUES (1, 'k', 'plm_series', 10, 90, 'maybe', 'x')"
            )
    with store.transaction(write=False) as con:  # the index came back with the table
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "reviews_by_night" in names


def _database_at(path, version: int) -> None:  # type: ignore[no-untyped-def]
    """A database as schema ``version`` left it: a night, a review, and (from v4) a recording."""
    with sqlite3.connect(path / DB_NAME) as con:
        con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT)")
        for v in range(version):
            for sql in MIGRATIONS[v]:
                con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?, 'x')", (v + 1,))
        con.execute(
            "INSERT INTO nights (label, night_date, created) VALUES ('Mila', '2024-01-02', 'x')"
        )
        con.execute(
            "INSERT INTO reviews (night_id, episode_key, kind, start_s, end_s, verdict, note, "
            "created) VALUES (1, 'k', 'plm_series', 10, 90, 'confirm', 'clear', 'x')"
        )
        if version >= 4:
            con.execute(
                "INSERT INTO recordings (night_id, source, folder, started, updated, "
                "recorded_s) VALUES (1, 'rtsp://192.0.2.7:554/live', '/rec/1', 'x', 'x', 600)"
            )


@pytest.mark.parametrize("version", range(1, 6))
def test_the_migration_chain_is_linear_and_every_old_store_upgrades(tmp_path, version) -> None:  # type: ignore[no-untyped-def]
    # v1 nights/reviews, v2 artifacts/jobs, v3 job options, v4 recordings, v5 review answers,
    # v6 rhythmic bouts: six steps, each applied once, in order, from wherever the database
    # stood
    assert len(MIGRATIONS) == 6
    _database_at(tmp_path, version)
    store = Store(tmp_path)
    assert store.schema_version() == 6
    with store.transaction(write=False) as con:
        steps = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1")]
    assert steps == [1, 2, 3, 4, 5, 6]
    (kept,) = store.reviews(1)
    assert (kept.verdict, kept.note) == ("confirm", "clear")
    rec = store.recording(1)
    if version >= 4:  # the recording made under v4 survives the reviews table's rebuild
        assert rec is not None and rec.recorded_s == 600.0
    else:
        assert rec is None and store.recordings() == []
    with store.transaction() as con:  # v5's answers are taken
        con.execute(
            "INSERT INTO reviews (night_id, episode_key, kind, start_s, end_s, verdict, "
            "created) VALUES (1, 'k', 'plm_series', 10, 90, 'ordinary', 'x')"
        )
    assert [r.verdict for r in store.reviews(1)] == ["confirm", "ordinary"]
    assert store.integrity_check() == "ok"


def test_every_answer_is_taken_and_read_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers.seed import seed_night

    store = Store(tmp_path)
    nid = seed_night(store, seed=1, n_blocks=2)
    n_eps = len(store.episodes(nid))
    assert n_eps >= len(VERDICTS)
    for number, verdict in enumerate(VERDICTS, start=1):
        store.add_review(nid, number, verdict, note=VERDICT_TEXT[verdict])
    got = store.episodes(nid).set_index("number")
    assert [got.loc[i, "verdict"] for i in range(1, len(VERDICTS) + 1)] == list(VERDICTS)
    with pytest.raises(ValueError, match="ordinary"):
        store.add_review(nid, 1, "maybe")


def test_csv_and_pdf_read_the_four_answers() -> None:
    r = simulated_night(seed=3)
    eps = r.episodes.reset_index(drop=True)
    assert len(eps) >= 4
    answers = ["unsure", "reject", "ordinary", "confirm"]
    reviews = pd.DataFrame(
        {
            "start_s": eps["start_s"].iloc[:4].astype(float),
            "end_s": eps["end_s"].iloc[:4].astype(float),
            "kind": eps["kind"].iloc[:4].astype(str),
            "verdict": answers,
            "note": ["", "", "", ""],
            "matched": [True] * 4,
            "episode": [1, 2, 3, 4],
        }
    )
    night = NightRecord(1, "Mila", dt.date(2024, 5, 1), r, reviews)
    row = nights_table([night]).iloc[0]
    assert (row["episodes_confirmed"], row["episodes_rejected"]) == (1, 1)
    assert (row["episodes_ordinary"], row["episodes_unsure"]) == (1, 1)
    out = episodes_for_review(night)
    # report order: looks like it, not reviewed, can't tell, ordinary, not a leg movement
    order = [v for v in out["verdict"]]
    assert order == sorted(order, key=lambda v: STATUS_ORDER[v])
    assert order[0] == "confirm" and order[-1] == "reject"
    assert set(order) == {*answers, ""} if len(eps) > 4 else set(answers)
